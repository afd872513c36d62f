"""The arithmetic of leave: accrual pro rata per day from the opening date, the balance less
approved hours with pending ones apart, the hours a request takes (rostered paid hours on a
published day, a contract day per whole day capped per week, the span on a part day), the span's
checks, and a prediction's verdict and its JSON round trip."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wfm.domain.errors import ValidationError
from wfm.domain.time_off import (
    Accrual,
    Prediction,
    QueueDay,
    RosteredSpan,
    TimeOffStatus,
    Verdict,
    balance,
    check_span,
    judge,
    request_hours,
    require_within_balance,
)

PARIS = ZoneInfo("Europe/Paris")


def _local(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS).astimezone(UTC)


def test_accrual_is_pro_rata_per_day_and_nothing_before_the_opening_day() -> None:
    accrual = Accrual(opening_hours=10.0, as_of=date(2026, 1, 5), hours_per_week=3.5)
    assert accrual.accrued(date(2026, 1, 5)) == 10.0
    assert accrual.accrued(date(2026, 1, 1)) == 10.0
    assert accrual.accrued(date(2026, 1, 12)) == pytest.approx(13.5)
    assert accrual.accrued(date(2026, 1, 8)) == pytest.approx(10.0 + 1.5)
    assert Accrual(4.0, None, 3.5).accrued(date(2030, 1, 1)) == 4.0


@given(
    opening=st.floats(0, 200),
    rate=st.floats(0, 10),
    days=st.integers(0, 2000),
    taken=st.lists(st.tuples(st.sampled_from(list(TimeOffStatus)), st.floats(0, 40)), max_size=12),
)
def test_balance_is_accrued_less_approved_with_pending_apart(
    opening: float, rate: float, days: int, taken: list[tuple[TimeOffStatus, float]]
) -> None:
    start = date(2026, 1, 5)
    found = balance(Accrual(opening, start, rate), taken, start + timedelta(days=days))
    approved = sum(h for s, h in taken if s is TimeOffStatus.APPROVED)
    pending = sum(h for s, h in taken if s is TimeOffStatus.PENDING)
    accrued = opening + rate * days / 7
    assert found.accrued_hours == pytest.approx(accrued, abs=1e-3)
    assert found.balance_hours == pytest.approx(accrued - approved, abs=1e-3)
    assert found.available_hours == pytest.approx(accrued - approved - pending, abs=1e-3)


def test_a_request_beyond_the_available_balance_is_refused_naming_the_figures() -> None:
    found = balance(
        Accrual(24.0, date(2026, 1, 5), 0.0),
        [(TimeOffStatus.APPROVED, 8.0), (TimeOffStatus.PENDING, 8.0), (TimeOffStatus.REFUSED, 40)],
        date(2026, 2, 2),
    )
    require_within_balance(found, 8.0)
    with pytest.raises(ValidationError, match=r"8\.50 h but only 8\.00 h are available"):
        require_within_balance(found, 8.5)


def test_hours_outside_published_weeks_are_contract_days_capped_per_week() -> None:
    monday = date(2026, 3, 9)
    args = {"contract_day_hours": 8.0, "days_per_week": 5, "published_days": (), "rostered": ()}
    # a whole week: five contract days, not seven
    assert request_hours(_local(monday), _local(monday + timedelta(7)), PARIS, **args) == 40.0
    # Thursday to the next Tuesday: Thu-Sun in one week (4), Mon-Tue in the next (2)
    thursday = monday + timedelta(3)
    assert request_hours(_local(thursday), _local(thursday + timedelta(6)), PARIS, **args) == 48.0
    # a part day: the span, at most a contract day
    assert request_hours(_local(monday, 9), _local(monday, 12, 30), PARIS, **args) == 3.5
    assert request_hours(_local(monday, 1), _local(monday, 23), PARIS, **args) == 8.0
    # over the clock change (Sunday 29 March 2026 has 23 hours in Paris): still a whole day
    sunday = date(2026, 3, 29)
    assert request_hours(_local(sunday), _local(sunday + timedelta(1)), PARIS, **args) == 8.0


def test_hours_in_published_weeks_are_the_rostered_paid_hours() -> None:
    monday = date(2026, 3, 9)
    shift = RosteredSpan(
        monday,
        _local(monday, 9),
        _local(monday, 17),
        lunches=((_local(monday, 12), _local(monday, 13)),),
    )
    days = [monday + timedelta(d) for d in range(7)]
    args = {"contract_day_hours": 8.0, "days_per_week": 5, "published_days": days}
    whole = request_hours(
        _local(monday), _local(monday + timedelta(2)), PARIS, rostered=[shift], **args
    )
    assert whole == 7.0  # 8 h less the lunch; Tuesday is a rostered day off
    morning = request_hours(
        _local(monday, 8), _local(monday, 12, 30), PARIS, rostered=[shift], **args
    )
    assert morning == 3.0  # 9:00-12:30 less half the lunch
    assert (
        request_hours(
            _local(monday + timedelta(1)),
            _local(monday + timedelta(2)),
            PARIS,
            rostered=[shift],
            **args,
        )
        == 0.0
    )


@pytest.mark.parametrize(
    ("start", "end", "why"),
    [
        (datetime(2026, 3, 9, 9), datetime(2026, 3, 9, 10, tzinfo=UTC), "start: give a time"),
        (
            datetime(2026, 3, 9, 9, tzinfo=UTC),
            datetime(2026, 3, 9, 9, tzinfo=UTC),
            "end: must be after",
        ),
        (datetime(2026, 3, 9, tzinfo=UTC), datetime(2026, 4, 10, tzinfo=UTC), "31 days"),
        (
            datetime(2026, 3, 9, 9, 0, 5, tzinfo=UTC),
            datetime(2026, 3, 9, 10, tzinfo=UTC),
            "whole minute",
        ),
    ],
)
def test_bad_spans_are_named(start: datetime, end: datetime, why: str) -> None:
    with pytest.raises(ValidationError, match=why):
        check_span(start, end)


def _day(sl: float | None, ar: float | None, met_sl: bool | None, met_ar: bool | None) -> QueueDay:
    return QueueDay("CARE", date(2026, 3, 9), 100.0, sl, ar, 0.9, 0.95, 0.8, 0.9, met_sl, met_ar)


def test_the_verdict_says_the_margin_and_round_trips() -> None:
    good = _day(0.85, 0.934, True, True)
    assert good.margins() == [
        "answer rate 0.934 vs target 0.90: +3.4 points",
        "service level 0.850 vs target 0.80: +5.0 points",
    ]
    ok = judge([good], [7])
    assert ok.verdict is Verdict.ON_TARGET and "+3.4 points" in ok.message
    bad = judge([good, _day(0.75, 0.95, False, True)], [7])
    assert (
        bad.verdict is Verdict.OFF_TARGET
        and "service level 0.750 vs target 0.80: -5.0" in bad.message
    )
    assert Prediction.from_json(bad.to_json()) == bad
    assert judge([], [7]).verdict is Verdict.ON_TARGET
