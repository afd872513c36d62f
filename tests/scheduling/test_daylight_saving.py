"""Daylight-saving weeks in Dublin (clocks go forward at 01:00 UTC on the last Sunday of March and
back at 01:00 UTC on the last Sunday of October): the horizon has 4 quarter-hours fewer or more,
shifts last their length in real hours, and rest is measured in real hours."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta

import pytest
from roster_factories import agent, at, contract, problem, queue, roster, shift
from roster_oracle import solve_checked

from scheduling.evaluate import evaluate
from scheduling.example import example_problem
from scheduling.problem import Problem
from scheduling.timeline import build_timeline

SPRING_SUNDAY = date(2026, 3, 29)
AUTUMN_SUNDAY = date(2026, 10, 25)
ORDINARY_SUNDAY = date(2026, 6, 7)


def local_time(instant: datetime) -> time:
    from zoneinfo import ZoneInfo

    return instant.astimezone(ZoneInfo("Europe/Dublin")).time()


@pytest.mark.parametrize(
    ("monday", "intervals", "sunday_intervals"),
    [
        (date(2026, 6, 1), 7 * 96, 96),
        (date(2026, 3, 23), 7 * 96 - 4, 92),
        (date(2026, 10, 19), 7 * 96 + 4, 100),
    ],
)
def test_a_week_has_its_real_number_of_intervals(
    monday: date, intervals: int, sunday_intervals: int
) -> None:
    p = problem([agent("A")], start=monday, days=7, interval_minutes=15)
    assert p.interval_count == intervals
    assert len(p.queues[0].required_agents or ()) == intervals
    timeline = build_timeline(p)
    assert timeline.day_starts[-1] == intervals
    assert timeline.day_starts[6] - timeline.day_starts[5] == 96  # Saturday
    assert timeline.day_starts[7] - timeline.day_starts[6] == sunday_intervals
    # the horizon ends at local midnight after the Sunday
    assert p.end_utc.astimezone(p.zone).time() == time(0)
    assert p.end_utc - p.start_utc == timedelta(minutes=15 * intervals)


@pytest.mark.parametrize(
    ("sunday", "hourly_starts"),
    [(ORDINARY_SUNDAY, 24), (SPRING_SUNDAY, 23), (AUTUMN_SUNDAY, 25)],
)
def test_shift_starts_follow_the_local_clock(sunday: date, hourly_starts: int) -> None:
    p = problem([agent("A")], start=sunday)
    options = build_timeline(p).options
    assert len(options) == hourly_starts
    starts = [local_time(p.interval_start_utc(o.start)) for o in options]
    if sunday == SPRING_SUNDAY:
        assert time(1) not in starts  # 01:00 to 02:00 does not exist
    if sunday == AUTUMN_SUNDAY:
        assert starts.count(time(1)) == 2  # 01:00 to 02:00 happens twice
    # every option lasts 8 real hours
    for o in options:
        assert p.interval_start_utc(o.end) - p.interval_start_utc(o.start) == timedelta(hours=8)


@pytest.mark.parametrize(
    ("sunday", "latest_end", "expected_end"),
    [
        # 00:00-09:00 local is 8 real hours on the spring Sunday
        (SPRING_SUNDAY, time(9), time(9)),
        # 8 real hours from 00:00 on the autumn Sunday end at 07:00 local
        (AUTUMN_SUNDAY, time(8), time(7)),
    ],
)
def test_a_shift_across_the_change_lasts_its_length_in_real_hours(
    sunday: date, latest_end: time, expected_end: time
) -> None:
    nights = contract("N", earliest=time(0), latest_end=latest_end)
    base = problem([agent("A", nights)], start=sunday)
    # only the first local hour needs anyone: the shift must start at midnight
    required = [1 if i == 0 else 0 for i in range(base.interval_count)]
    p = replace(base, queues=(queue(required=required),))
    result, _ = solve_checked(p)
    (only,) = result.roster.shifts
    assert local_time(only.start_utc) == time(0)
    assert local_time(only.end_utc) == expected_end
    assert only.end_utc - only.start_utc == timedelta(hours=8)
    assert result.summary()["under_coverage_agent_hours"] == 0.0


@pytest.mark.parametrize(
    ("sunday", "wall_clock_end", "length_ok"),
    [
        (SPRING_SUNDAY, time(8), False),  # 00:00-08:00 local is only 7 hours
        (SPRING_SUNDAY, time(9), True),
        (AUTUMN_SUNDAY, time(8), False),  # 9 hours
        (AUTUMN_SUNDAY, time(7), True),
    ],
)
def test_the_evaluation_measures_shift_length_in_real_hours(
    sunday: date, wall_clock_end: time, length_ok: bool
) -> None:
    p = problem([agent("A")], start=sunday)
    start = at(sunday, time(0))
    minutes = int((at(sunday, wall_clock_end) - start).total_seconds() // 60)
    ev = evaluate(p, roster(shift("A", start, minutes)))
    assert ({v.rule for v in ev.violations} == set()) is length_ok
    if not length_ok:
        assert {v.rule for v in ev.violations} == {"shift_length"}


def rest_problem(saturday: date) -> Problem:
    """Saturday 14:00-22:00 and Sunday 09:00-17:00 needed, 11 hours of rest: 11 hours apart on
    the wall clock, but only 10 real hours when the clocks go forward in between."""
    base = problem([agent("A", contract("R", rest_hours=11.0))], start=saturday, days=2)
    sunday = saturday + timedelta(days=1)
    spans = [
        (at(saturday, time(14)), at(saturday, time(22))),
        (at(sunday, time(9)), at(sunday, time(17))),
    ]
    required = [
        1 if any(b <= base.interval_start_utc(i) < e for b, e in spans) else 0
        for i in range(base.interval_count)
    ]
    return replace(base, queues=(queue(required=required),))


def test_rest_is_counted_in_real_hours() -> None:
    ordinary, _ = solve_checked(rest_problem(ORDINARY_SUNDAY - timedelta(days=1)))
    assert len(ordinary.roster.shifts) == 2
    assert ordinary.summary()["under_coverage_agent_hours"] == 0.0
    # in spring the same pair of shifts is refused: 10 real hours of rest
    spring_p = rest_problem(SPRING_SUNDAY - timedelta(days=1))
    spring, _ = solve_checked(spring_p)
    shifts = spring.roster.shifts
    for first, second in zip(shifts, shifts[1:], strict=False):
        assert second.start_utc - first.end_utc >= timedelta(hours=11)
    saturday = SPRING_SUNDAY - timedelta(days=1)
    both = roster(
        shift("A", at(saturday, time(14)), 480), shift("A", at(SPRING_SUNDAY, time(9)), 480)
    )
    assert {v.rule for v in evaluate(spring_p, both).violations} == {"min_rest"}
    # an hour later on Sunday is 11 real hours
    later = roster(
        shift("A", at(saturday, time(14)), 480), shift("A", at(SPRING_SUNDAY, time(10)), 480)
    )
    assert evaluate(spring_p, later).violations == ()


def test_rest_across_the_spring_change_reaches_the_optimum() -> None:
    # one of the two shifts moves by an hour (Sunday 10:00-18:00, or Saturday 13:00-21:00)
    spring, _ = solve_checked(rest_problem(SPRING_SUNDAY - timedelta(days=1)))
    assert len(spring.roster.shifts) == 2
    assert spring.summary()["under_coverage_agent_hours"] == 1.0


@pytest.mark.parametrize("sunday", [SPRING_SUNDAY, AUTUMN_SUNDAY])
def test_a_realistic_weekend_with_the_change(sunday: date) -> None:
    # the example centre's Saturday and Sunday: two days can't meet five-day contracts, which
    # the evaluation reports; every other rule holds and every shift lasts its length in real
    # minutes
    p = example_problem(
        agents=6, queues=2, campaigns=1, seed=2, start_date=sunday - timedelta(days=1), days=2
    )
    assert p.interval_count == 2 * 96 + (4 if sunday == AUTUMN_SUNDAY else -4)
    result, _ = solve_checked(
        p, allowed_rules={"contract_days_min", "contract_hours_min"}, time_limit_seconds=4
    )
    lengths = {a.code: set(a.contract.shift_lengths_minutes) for a in p.agents}
    assert result.roster.shifts
    for s in result.roster.shifts:
        assert s.minutes in lengths[s.agent_code]
