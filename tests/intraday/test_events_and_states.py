"""The state mapping and the screening of incoming event batches."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from intraday_testkit import t

from wfm.domain.intraday import (
    DEFAULT_STATE_MAPPING,
    ActualActivity,
    IngestLimits,
    KnownEvent,
    RawEvent,
    RejectReason,
    StateMapping,
    UnknownStateError,
    screen_batch,
)

A = ActualActivity


@pytest.mark.parametrize(
    ("state", "reason", "activity"),
    [
        ("ready", None, A.SERVE),
        ("On Call", None, A.SERVE),
        ("after-call-work", None, A.SERVE),
        ("ACW", None, A.SERVE),
        ("outbound_dialling", None, A.SELL),
        ("Outbound Call", None, A.SELL),
        ("break", None, A.BREAK),
        ("lunch", None, A.LUNCH),
        ("not_ready", None, A.NOT_READY),
        ("not_ready", "personal", A.NOT_READY),
        ("not_ready", "Break", A.BREAK),
        ("not ready", "lunch", A.LUNCH),
        ("not_ready", "training", A.OTHER),
        ("logged_out", None, A.LOGGED_OUT),
    ],
)
def test_default_mapping(state: str, reason: str | None, activity: ActualActivity) -> None:
    assert DEFAULT_STATE_MAPPING.activity_of(state, reason) is activity


def test_unknown_state() -> None:
    with pytest.raises(UnknownStateError, match="'dancing'"):
        DEFAULT_STATE_MAPPING.activity_of("dancing")


def test_custom_mapping_extends_or_replaces_the_default() -> None:
    custom = StateMapping.from_tables(
        {"AUX 7": "sell", "ready": "other"}, {("not_ready", "outbound"): "sell"}
    )
    assert custom.activity_of("aux_7") is A.SELL
    assert custom.activity_of("ready") is A.OTHER
    assert custom.activity_of("not ready", "Outbound") is A.SELL
    assert custom.activity_of("lunch") is A.LUNCH  # kept from the default
    bare = StateMapping.from_tables({"avail": "serve"}, extend_default=False)
    assert not bare.knows("lunch")
    with pytest.raises(ValueError, match="'AUX 8'.*'snooze' is not one of"):
        StateMapping.from_tables({"AUX 8": "snooze"})
    rows = custom.as_table()
    assert {"state": "aux_7", "reason": None, "activity": "sell"} in rows


NOW = t("12:00")


def raw(i: int, agent: str = "A1", at_seconds: int = 0, state: str = "ready") -> RawEvent:
    return RawEvent(f"id{i}", agent, NOW + timedelta(seconds=at_seconds), state)


def screen(batch, known=None, latest=None, limits=IngestLimits()):  # type: ignore[no-untyped-def]
    return screen_batch(
        batch,
        now_utc=NOW,
        known_agents={"A1", "A2"},
        known_events=known or {},
        latest_by_agent=latest or {},
        mapping=DEFAULT_STATE_MAPPING,
        limits=limits,
    )


def test_every_bad_item_is_rejected_with_its_reason_and_the_rest_kept() -> None:
    batch = [
        raw(0, at_seconds=-60),  # fine
        raw(1, agent="ZZ"),  # unknown agent
        raw(2, state="dancing"),  # unknown state
        raw(3, at_seconds=600),  # 10 min in the future
        raw(4, at_seconds=-3 * 86400),  # three days old
        RawEvent("id5", "A1", (NOW - timedelta(seconds=5)).replace(tzinfo=None), "ready"),
        raw(6, agent="A2", at_seconds=-1000),  # older than A2's latest by more than 5 min
        raw(7, agent="A2", at_seconds=-200),  # older than A2's latest, within 5 min: kept
        raw(8, at_seconds=-30),  # already stored with the same content: duplicate
        raw(9, at_seconds=-30),  # already stored with other content: conflict
        raw(0, at_seconds=-60),  # repeated within the batch: duplicate
        raw(10, agent="A2", at_seconds=-10, state="lunch"),  # fine
    ]
    known = {
        "id8": KnownEvent("A1", NOW - timedelta(seconds=30), "ready", None),
        "id9": KnownEvent("A1", NOW - timedelta(seconds=30), "break", None),
    }
    result = screen(batch, known=known, latest={"A2": NOW - timedelta(seconds=100)})
    reasons = {r.index: r.reason for r in result.rejections}
    assert reasons == {
        1: RejectReason.UNKNOWN_AGENT,
        2: RejectReason.UNKNOWN_STATE,
        3: RejectReason.CLOCK_SKEW,
        4: RejectReason.TOO_OLD,
        5: RejectReason.NAIVE_TIMESTAMP,
        6: RejectReason.OUT_OF_ORDER,
        8: RejectReason.DUPLICATE,
        9: RejectReason.CONFLICTING_DUPLICATE,
        10: RejectReason.DUPLICATE,
    }
    assert sorted(result.accepted_indexes) == [0, 7, 11]
    assert result.duplicates == 2
    by_id = {e.event_id: e for e in result.accepted}
    assert by_id["id10"].activity is A.LUNCH
    assert all(r.message for r in result.rejections)
    assert "600 s ahead" in next(r.message for r in result.rejections if r.index == 3)


def test_clock_skew_within_the_limit_is_kept() -> None:
    assert screen([raw(0, at_seconds=100)]).accepted_indexes == (0,)
    strict = IngestLimits(max_clock_skew_seconds=10)
    assert screen([raw(0, at_seconds=100)], limits=strict).rejections[0].reason == (
        RejectReason.CLOCK_SKEW
    )


def test_a_batch_may_list_its_events_in_any_order() -> None:
    # The batch's own later event does not make its earlier one out of order.
    batch = [raw(0, at_seconds=-10), raw(1, at_seconds=-2000)]
    result = screen(batch, limits=IngestLimits(reorder_window_seconds=60))
    assert sorted(result.accepted_indexes) == [0, 1]


def test_limits_are_checked() -> None:
    with pytest.raises(ValueError, match="reorder_window_seconds"):
        IngestLimits(reorder_window_seconds=-1)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.sampled_from(["A1", "A2", "B"]), st.integers(-900, 300)),
        max_size=20,
    )
)
def test_screening_is_idempotent(items: list[tuple[int, str, int]]) -> None:
    """Re-sending what was accepted yields only duplicates; every item is accounted for once."""
    batch = [RawEvent(f"id{i}", a, NOW + timedelta(seconds=s), "ready") for i, a, s in items]
    first = screen(batch)
    assert sorted([*first.accepted_indexes, *(r.index for r in first.rejections)]) == list(
        range(len(batch))
    )
    assert len({e.event_id for e in first.accepted}) == len(first.accepted)
    known = {
        e.event_id: KnownEvent(e.agent_code, e.occurred_at_utc, e.state, e.reason)
        for e in first.accepted
    }
    latest: dict = {}
    for e in first.accepted:
        latest[e.agent_code] = max(latest.get(e.agent_code, e.occurred_at_utc), e.occurred_at_utc)
    again = screen(batch, known=known, latest=latest)
    assert again.accepted == ()
