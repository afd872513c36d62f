"""How an absence comes off a roster (`wfm.services.time_off.without_span`): a shift inside the
span is removed, one it overlaps at an end is shortened (activities clipped), a span strictly
inside a shift becomes `other` work there, and other agents' shifts are untouched."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from wfm.domain import Activity, ActivitySpan, Shift, ShiftBreak
from wfm.services.time_off import without_span

ZONE = ZoneInfo("Europe/Paris")
DAY = date(2026, 3, 9)


def _t(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, 9, hour, minute, tzinfo=UTC)


def _shift(agent: str, day: date = DAY) -> Shift:
    offset = timedelta(days=(day - DAY).days)
    spans = [
        ActivitySpan(_t(8) + offset, _t(11) + offset, Activity.SERVE, queue_code="q"),
        ActivitySpan(_t(11) + offset, _t(12) + offset, Activity.LUNCH),
        ActivitySpan(_t(12) + offset, _t(16) + offset, Activity.SERVE, queue_code="q"),
    ]
    return Shift(
        agent,
        day,
        _t(8) + offset,
        _t(16) + offset,
        breaks=(ShiftBreak(_t(11) + offset, _t(12) + offset, "lunch"),),
        activities=tuple(spans),
    )


def _serving(shift: Shift) -> list[tuple[datetime, datetime]]:
    return [(a.start_utc, a.end_utc) for a in shift.activities if a.activity is Activity.SERVE]


def test_a_shift_inside_the_span_goes_and_others_stay() -> None:
    shifts = (_shift("A"), _shift("A", DAY + timedelta(days=1)), _shift("B"))
    after = without_span(shifts, "A", _t(0), _t(23), ZONE)
    assert after == (shifts[1], shifts[2])


def test_an_end_overlapped_is_shortened() -> None:
    shifts = (_shift("A"), _shift("B"))
    morning = without_span(shifts, "A", _t(6), _t(10), ZONE)
    assert (morning[0].start_utc, morning[0].end_utc) == (_t(10), _t(16))
    assert _serving(morning[0]) == [(_t(10), _t(11)), (_t(12), _t(16))]
    evening = without_span(shifts, "A", _t(13, 30), _t(20), ZONE)
    assert (evening[0].start_utc, evening[0].end_utc) == (_t(8), _t(13, 30))
    assert _serving(evening[0]) == [(_t(8), _t(11)), (_t(12), _t(13, 30))]
    assert morning[1] == evening[1] == shifts[1]


def test_a_span_inside_a_shift_is_other_work_there() -> None:
    after = without_span((_shift("A"),), "A", _t(13), _t(14), ZONE)
    (shift,) = after
    assert (shift.start_utc, shift.end_utc) == (_t(8), _t(16))
    assert _serving(shift) == [(_t(8), _t(11)), (_t(12), _t(13)), (_t(14), _t(16))]
    other = [(a.start_utc, a.end_utc) for a in shift.activities if a.activity is Activity.OTHER]
    assert other == [(_t(13), _t(14))]
    assert without_span((_shift("A"),), "A", _t(17), _t(18), ZONE) == (_shift("A"),)
