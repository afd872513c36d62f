"""Edits of a roster as pure functions (`wfm.services.schedule_edits.apply_edit`): what each edit
does to the shifts, with hand-counted expectations, and the edits that do not fit refused naming
their field. The rules are checked elsewhere (tests/api/test_schedule_edits.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduling.evaluate import Violation
from wfm.domain import Activity, ActivitySpan, Shift, ShiftBreak
from wfm.domain.errors import ValidationError
from wfm.services.schedule_edits import (
    ChangeActivity,
    MoveShift,
    ShortenShift,
    SwapShifts,
    _new_violations,
    apply_edit,
)

PARIS = ZoneInfo("Europe/Paris")
DAY = date(2025, 3, 3)
T0 = datetime(2025, 3, 3, 7, tzinfo=UTC)  # 08:00 in Paris


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def shift(agent: str = "A0", day: date = DAY) -> Shift:
    """08:00-12:00 Paris: serve retail, a break 90-105 min in, serve retail."""
    return Shift(
        agent,
        day,
        at(0),
        at(240),
        (ShiftBreak(at(90), at(105), "break"),),
        (
            ActivitySpan(at(0), at(90), Activity.SERVE, queue_code="retail"),
            ActivitySpan(at(90), at(105), Activity.BREAK),
            ActivitySpan(at(105), at(240), Activity.SERVE, queue_code="retail"),
        ),
    )


def test_a_move_shifts_every_time_and_redates_a_shift_crossing_midnight() -> None:
    [moved] = apply_edit([shift()], MoveShift("A0", DAY, 90), PARIS)
    assert (moved.start_utc, moved.end_utc) == (at(90), at(330))
    assert [b.start_utc for b in moved.breaks] == [at(180)]
    assert [a.start_utc for a in moved.activities] == [at(90), at(180), at(195)]
    # 16 hours later it starts at 00:00 Paris the next day: that is its date
    [late] = apply_edit([shift()], MoveShift("A0", DAY, 16 * 60), PARIS)
    assert late.shift_date == DAY + timedelta(days=1)


def test_shortening_clips_the_activities_and_drops_the_breaks_outside() -> None:
    [end] = apply_edit([shift()], ShortenShift("A0", DAY, 150), PARIS)
    assert (end.start_utc, end.end_utc) == (at(0), at(90))
    assert end.breaks == () and [a.end_utc for a in end.activities] == [at(90)]
    [start] = apply_edit([shift()], ShortenShift("A0", DAY, 100, at="start"), PARIS)
    assert start.start_utc == at(100) and start.breaks == ()
    assert [(a.start_utc, a.end_utc) for a in start.activities] == [
        (at(100), at(105)),
        (at(105), at(240)),
    ]
    with pytest.raises(ValidationError, match="^minutes: "):
        apply_edit([shift()], ShortenShift("A0", DAY, 240), PARIS)


def test_changing_an_activity_splits_the_spans_and_the_breaks_follow() -> None:
    edit = ChangeActivity("A0", DAY, at(30), at(60), Activity.SELL, campaign_code="renewals")
    [changed] = apply_edit([shift()], edit, PARIS)
    assert [(a.start_utc, a.end_utc, a.activity) for a in changed.activities] == [
        (at(0), at(30), Activity.SERVE),
        (at(30), at(60), Activity.SELL),
        (at(60), at(90), Activity.SERVE),
        (at(90), at(105), Activity.BREAK),
        (at(105), at(240), Activity.SERVE),
    ]
    # the break served instead: the spans join and the shift has no break left
    serve = ChangeActivity("A0", DAY, at(90), at(105), Activity.SERVE, queue_code="retail")
    [served] = apply_edit([shift()], serve, PARIS)
    assert [(a.start_utc, a.end_utc) for a in served.activities] == [(at(0), at(240))]
    assert served.breaks == ()
    # a lunch placed in the shift becomes one of its breaks
    lunch = ChangeActivity("A0", DAY, at(180), at(210), Activity.LUNCH)
    [fed] = apply_edit([shift()], lunch, PARIS)
    assert [(b.start_utc, b.kind) for b in fed.breaks] == [(at(90), "break"), (at(180), "lunch")]
    with pytest.raises(ValidationError, match="^start_utc: "):
        apply_edit([shift()], ChangeActivity("A0", DAY, at(200), at(300), Activity.OTHER), PARIS)
    with pytest.raises(ValidationError, match="^queue_code: "):
        apply_edit([shift()], ChangeActivity("A0", DAY, at(0), at(30), Activity.SERVE), PARIS)


def test_a_swap_exchanges_the_days_shifts_only() -> None:
    other_day = DAY + timedelta(days=1)
    shifts = [shift("A0"), shift("A1", other_day), shift("A0", other_day)]
    swapped = apply_edit(shifts, SwapShifts("A0", "A1", other_day), PARIS)
    assert sorted((s.agent_code, s.shift_date) for s in swapped) == [
        ("A0", DAY),
        ("A0", other_day),
        ("A1", other_day),
    ]
    # on the day only A0 works: A1 takes it, A0 has none
    moved = apply_edit(shifts, SwapShifts("A0", "A1", DAY), PARIS)
    assert sorted((s.agent_code, s.shift_date) for s in moved) == [
        ("A0", other_day),
        ("A1", DAY),
        ("A1", other_day),
    ]
    with pytest.raises(ValidationError, match="^shift_date: "):
        apply_edit(shifts, SwapShifts("A0", "A1", DAY + timedelta(days=5)), PARIS)
    with pytest.raises(ValidationError, match="^other_agent_code: "):
        apply_edit(shifts, SwapShifts("A0", "A0", DAY), PARIS)


def test_a_violation_is_new_only_past_the_schedules_own_count_per_rule_and_agent() -> None:
    from collections import Counter

    before = Counter({("breaks", "A0"): 1})
    after = [
        Violation("breaks", "A0", "shift starting 08:30 has 1 breaks"),  # reworded, not new
        Violation("breaks", "A0", "another shift"),  # a second one: new
        Violation("skills", "A0", "serves business without the skill"),
    ]
    assert _new_violations(before, after) == after[1:]
