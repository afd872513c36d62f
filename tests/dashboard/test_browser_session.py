"""The dashboard's table of browser sessions: a key gives its token back until it expires or
is closed, and keys are not guessable from one another."""

from __future__ import annotations

import pytest

from dashboard import browser_session
from dashboard.browser_session import SessionTable


def test_a_key_gives_its_token_until_closed() -> None:
    table = SessionTable()
    first = table.open("token-a")
    second = table.open("token-b")
    assert first != second and len(first) >= 40
    assert table.token(first) == "token-a"
    assert table.token(second) == "token-b"
    table.close(first)
    assert table.token(first) is None
    assert table.token(second) == "token-b"
    assert table.token("made-up") is None


def test_a_key_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(browser_session.time, "monotonic", lambda: now[0])
    table = SessionTable(seconds=60)
    key = table.open("token")
    now[0] += 59
    assert table.token(key) == "token"
    now[0] += 2
    assert table.token(key) is None
    now[0] -= 2  # a key once dropped stays dropped
    assert table.token(key) is None
