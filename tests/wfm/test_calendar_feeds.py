"""The calendar feed's pure rules: which secrets are worth a look-up, and which weeks it serves."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from wfm.services.calendar_feeds import (
    FEED_WEEKS_AHEAD,
    FEED_WEEKS_BACK,
    MAX_SECRET_CHARS,
    SECRET_BYTES,
    feed_weeks,
    well_formed,
)


def test_only_url_safe_secrets_of_bounded_length_are_looked_up() -> None:
    assert well_formed(secrets.token_urlsafe(SECRET_BYTES))
    assert well_formed("a" * MAX_SECRET_CHARS)
    for bad in ("", "a" * (MAX_SECRET_CHARS + 1), "a/b", "a.b", "a b", "é", "a\x00", "a%2F"):
        assert not well_formed(bad), bad


def test_the_window_holds_four_weeks_back_and_twelve_ahead() -> None:
    today = date(2026, 12, 9)  # a Wednesday
    first, last = feed_weeks(today)
    # the earliest week served still holds the day four weeks ago
    four_back = today - timedelta(days=7 * FEED_WEEKS_BACK)
    assert first + timedelta(days=6) == four_back
    assert last == today + timedelta(days=7 * FEED_WEEKS_AHEAD)
    assert feed_weeks(date.max)[1] == date.max and feed_weeks(date.min)[0] == date.min
