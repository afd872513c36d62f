"""The pure part of notifications: the back-off stays between half and all of the capped doubling
and gives up after the last attempt; the signature is HMAC-SHA256 over `timestamp.body`; the
e-mail text follows the site's language and timezone."""

from __future__ import annotations

import hashlib
import hmac
import random
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from wfm.domain.notifications import (
    EventKind,
    RetryPolicy,
    email_text,
    next_attempt_at,
    retry_delay_seconds,
    signature,
)

NOW = datetime(2026, 11, 9, 10, tzinfo=UTC)


@given(
    base=st.floats(1, 600),
    cap=st.floats(1, 86400),
    attempts=st.integers(1, 40),
    seed=st.integers(0, 2**32),
)
def test_the_wait_lies_between_half_and_all_of_the_capped_doubling(
    base: float, cap: float, attempts: int, seed: int
) -> None:
    policy = RetryPolicy(base_seconds=base, cap_seconds=cap, max_attempts=100)
    ceiling = min(cap, base * 2 ** (attempts - 1))
    wait = retry_delay_seconds(policy, attempts, random.Random(seed))
    assert ceiling / 2 <= wait <= ceiling


def test_jitter_spreads_deliveries_that_failed_together() -> None:
    policy = RetryPolicy(base_seconds=30, cap_seconds=3600, max_attempts=8)
    rng = random.Random(5)
    waits = {round(retry_delay_seconds(policy, 3, rng), 3) for _ in range(50)}
    assert len(waits) > 40 and min(waits) >= 60 and max(waits) <= 120


def test_the_last_attempt_gives_up() -> None:
    policy = RetryPolicy(base_seconds=30, cap_seconds=3600, max_attempts=3)
    assert next_attempt_at(policy, 2, NOW, random.Random(1)) is not None
    assert next_attempt_at(policy, 3, NOW, random.Random(1)) is None
    later = next_attempt_at(policy, 1, NOW, random.Random(1))
    assert later is not None and NOW + timedelta(seconds=15) <= later <= NOW + timedelta(seconds=30)


def test_the_signature_is_hmac_sha256_over_the_timestamp_a_dot_and_the_body() -> None:
    body = '{"kind":"agent_switched","data":{"note":"café"}}'.encode()
    expected = hmac.new(b"k" * 16, b"1765000000." + body, hashlib.sha256).hexdigest()
    assert signature("k" * 16, 1765000000, body) == "sha256=" + expected
    assert signature("k" * 16, 1765000001, body) != "sha256=" + expected


def test_the_text_follows_the_sites_language_and_timezone() -> None:
    payload = {
        "to_activity": "sell",
        "start_utc": "2026-07-01T08:00:00+00:00",
        "end_utc": "2026-07-01T10:30:00+00:00",
        "campaign_code": "RENEW",
    }
    english = email_text(
        EventKind.AGENT_SWITCHED,
        language="en",
        timezone="Europe/Paris",
        site_code="PAR",
        agent_name="Ana",
        payload=payload,
    )
    assert english.subject == "You are switched to selling from 2026-07-01 10:00"
    assert "from 2026-07-01 10:00 to 2026-07-01 12:30 (RENEW)" in english.body
    chinese = email_text(
        EventKind.AGENT_SWITCHED,
        language="zh-CN",
        timezone="Asia/Shanghai",
        site_code="SHA",
        agent_name="李娜",
        payload=payload,
    )
    assert chinese.subject == "您已从 2026-07-01 16:00 起切换为外呼销售"
    assert chinese.body.startswith("李娜，您好")
    decided = email_text(
        EventKind.REQUEST_DECIDED,
        language="en",
        timezone="UTC",
        site_code="PAR",
        agent_name="Ana",
        payload={"request_id": 9, "decision": "refused", "reason": "Cover is short."},
    )
    assert decided.subject == "Your request was refused"
    assert "request 9 was refused. Cover is short." in decided.body
