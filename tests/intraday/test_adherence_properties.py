"""Properties of adherence, checked against an independent second-by-second oracle."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from intraday_testkit import t

from wfm.domain import Activity
from wfm.domain.intraday import (
    ActualActivity,
    PlanSpan,
    StateEvent,
    adherence_by_minute,
    status_now,
)

WINDOW_MINUTES = 90
ORIGIN = t("09:00")
PLANNED = [Activity.SERVE, Activity.SELL, Activity.BREAK, Activity.LUNCH, Activity.OTHER]
ACTUAL = list(ActualActivity)


@st.composite
def plans(draw: st.DrawFn) -> list[PlanSpan]:
    """Non-overlapping spans on a minute grid inside the window, some with gaps between."""
    cuts = sorted(
        draw(st.lists(st.integers(0, WINDOW_MINUTES), min_size=2, max_size=10, unique=True))
    )
    spans = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        if draw(st.booleans()) or not spans:
            activity = draw(st.sampled_from(PLANNED))
            spans.append(
                PlanSpan(ORIGIN + timedelta(minutes=a), ORIGIN + timedelta(minutes=b), activity)
            )
    return spans


@st.composite
def event_streams(draw: st.DrawFn) -> list[StateEvent]:
    n = draw(st.integers(0, 12))
    seconds = draw(st.lists(st.integers(-300, WINDOW_MINUTES * 60 + 60), min_size=n, max_size=n))
    return [
        StateEvent(
            event_id=f"e{i}",
            agent_code="A1",
            occurred_at_utc=ORIGIN + timedelta(seconds=s),
            state="x",
            activity=draw(st.sampled_from(ACTUAL)),
        )
        for i, s in enumerate(seconds)
    ]


def oracle_seconds(
    plan: list[PlanSpan], events: list[StateEvent], tolerance_seconds: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Scheduled, adherent, work, worked flags for every second of the window, each second
    judged on its own (events fall on whole seconds, so a second is all one state)."""
    n = WINDOW_MINUTES * 60

    def planned_at(second: int) -> Activity | None:
        moment = ORIGIN + timedelta(seconds=second)
        for s in plan:
            if s.start_utc <= moment < s.end_utc:
                return s.activity
        return None

    # Changes of the planned activity, seen second by second (including outside the window).
    changes = []
    for second in range(-tolerance_seconds - 1, n + tolerance_seconds + 1):
        before, after = planned_at(second - 1), planned_at(second)
        if before != after:
            changes.append((second, before, after))
    ordered = sorted(events, key=lambda e: e.occurred_at_utc)  # stable: input order at ties
    scheduled = np.zeros(n)
    adherent = np.zeros(n)
    work = np.zeros(n)
    worked = np.zeros(n)
    for second in range(n):
        moment = ORIGIN + timedelta(seconds=second)
        actual = ActualActivity.LOGGED_OUT
        for e in ordered:
            if e.occurred_at_utc <= moment:
                actual = e.activity
        planned = planned_at(second)
        ok = {planned}
        for at, before, after in changes:
            if at - tolerance_seconds <= second < at + tolerance_seconds:
                ok |= {before, after}
        actual_as_plan = (
            None if actual is ActualActivity.LOGGED_OUT else actual.value
        )  # logged out matches "not scheduled"
        if planned is not None:
            scheduled[second] = 1
            if any((o.value if o is not None else None) == actual_as_plan for o in ok):
                adherent[second] = 1
        if planned in (Activity.SERVE, Activity.SELL, Activity.OTHER):
            work[second] = 1
        if actual in (
            ActualActivity.SERVE,
            ActualActivity.SELL,
            ActualActivity.OTHER,
            ActualActivity.NOT_READY,
        ):
            worked[second] = 1

    return scheduled, adherent, work, worked


def oracle(
    plan: list[PlanSpan], events: list[StateEvent], tolerance_seconds: int
) -> tuple[np.ndarray, ...]:
    """The oracle's seconds summed per minute."""
    return tuple(
        a.reshape(WINDOW_MINUTES, 60).sum(axis=1)
        for a in oracle_seconds(plan, events, tolerance_seconds)
    )


@settings(max_examples=40, deadline=None)
@given(plan=plans(), events=event_streams(), tolerance=st.sampled_from([0, 30, 60, 120]))
def test_engine_agrees_with_the_second_by_second_oracle(
    plan: list[PlanSpan], events: list[StateEvent], tolerance: int
) -> None:
    result = adherence_by_minute(
        "A1",
        plan,
        events,
        ORIGIN,
        ORIGIN + timedelta(minutes=WINDOW_MINUTES),
        tolerance_seconds=tolerance,
    )
    scheduled, adherent, work, worked = oracle(plan, events, tolerance)
    np.testing.assert_array_equal(result.scheduled_seconds, scheduled)
    np.testing.assert_array_equal(result.adherent_seconds, adherent)
    np.testing.assert_array_equal(result.scheduled_work_seconds, work)
    np.testing.assert_array_equal(result.worked_seconds, worked)


@settings(max_examples=40, deadline=None)
@given(plan=plans(), events=event_streams(), data=st.data())
def test_order_and_repeats_do_not_matter(
    plan: list[PlanSpan], events: list[StateEvent], data: st.DataObject
) -> None:
    # Distinct times, so the order among equal times (input order) does not come into it.
    distinct = list({e.occurred_at_utc: e for e in events}.values())
    shuffled = data.draw(st.permutations(distinct))
    repeated = (
        shuffled + data.draw(st.lists(st.sampled_from(distinct), max_size=5)) if distinct else []
    )
    end = ORIGIN + timedelta(minutes=WINDOW_MINUTES)
    a = adherence_by_minute("A1", plan, distinct, ORIGIN, end)
    b = adherence_by_minute("A1", plan, repeated, ORIGIN, end)
    np.testing.assert_array_equal(a.adherent_seconds, b.adherent_seconds)
    np.testing.assert_array_equal(a.worked_seconds, b.worked_seconds)


@settings(max_examples=40, deadline=None)
@given(plan=plans(), events=event_streams())
def test_bounds(plan: list[PlanSpan], events: list[StateEvent]) -> None:
    end = ORIGIN + timedelta(minutes=WINDOW_MINUTES)
    r = adherence_by_minute("A1", plan, events, ORIGIN, end)
    assert np.all(r.adherent_seconds <= r.scheduled_seconds)
    assert np.all(r.scheduled_work_seconds <= r.scheduled_seconds)
    assert np.all((r.scheduled_seconds >= 0) & (r.scheduled_seconds <= 60))
    assert np.all((r.worked_seconds >= 0) & (r.worked_seconds <= 60))
    (total,) = r.summarise()
    if total.adherence is not None:
        assert 0.0 <= total.adherence <= 1.0
    # Interval sums add up to the day.
    parts = r.summarise(15)
    assert abs(sum(p.adherent_minutes for p in parts) - total.adherent_minutes) < 1e-9


@settings(max_examples=40, deadline=None)
@given(plan=plans())
def test_following_the_plan_exactly_is_full_adherence(plan: list[PlanSpan]) -> None:
    events = []
    for i, s in enumerate(plan):
        events.append(StateEvent(f"s{i}", "A1", s.start_utc, "x", ActualActivity(s.activity.value)))
        events.append(StateEvent(f"e{i}", "A1", s.end_utc, "x", ActualActivity.LOGGED_OUT))
    end = ORIGIN + timedelta(minutes=WINDOW_MINUTES)
    (total,) = adherence_by_minute("A1", plan, events, ORIGIN, end, tolerance_seconds=0).summarise()
    if total.scheduled_minutes:
        assert total.adherence == 1.0
    if total.scheduled_work_minutes:
        assert total.conformance == 1.0


@settings(max_examples=30, deadline=None)
@given(plan=plans(), events=event_streams(), second=st.integers(1, WINDOW_MINUTES * 60 - 1))
def test_status_now_agrees_with_the_oracle(
    plan: list[PlanSpan], events: list[StateEvent], second: int
) -> None:
    now = ORIGIN + timedelta(seconds=second)
    status = status_now("A1", plan, events, now, lookback=timedelta(seconds=second))
    scheduled, adherent, _, _ = oracle_seconds(plan, events, 60)
    out = (scheduled == 1) & (adherent == 0)
    assert status.in_adherence == (not out[second])
    assert status.scheduled == bool(scheduled[second])
    if status.in_adherence:
        assert status.out_since_utc is None
        return
    assert status.out_since_utc is not None
    first = int((status.out_since_utc - ORIGIN).total_seconds())
    # Out of adherence every second from `since` to now, and not in the second before.
    assert out[first : second + 1].all()
    assert first == 0 or not out[first - 1]
