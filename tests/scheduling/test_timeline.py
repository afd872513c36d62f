"""The solver's view of the week (`scheduling.timeline`) against the evaluation's: every shift
option the timeline lets an agent work passes the evaluation's per-shift rules, and every option
it withholds breaks one of them. Plus the calling-hours grid and the contract credits."""

from __future__ import annotations

from dataclasses import replace
from datetime import time, timedelta

import numpy as np
import pytest
from roster_factories import MONDAY, agent, at, contract, problem

from scheduling.evaluate import evaluate
from scheduling.example import example_problem
from scheduling.problem import Absence, CallingWindow, CampaignSpec, LastWeek, Preference
from scheduling.roster import ActivitySpan, BreakSpan, Roster, RosterShift
from scheduling.timeline import ShiftOption, Timeline, build_timeline

PER_SHIFT_RULES = {"contract_window", "availability", "absence", "min_rest", "shift_length"}
WEEKLY_MINIMUMS = {"contract_days_min", "contract_hours_min"}


def one_shift_roster(timeline: Timeline, code: str, option: ShiftOption) -> Roster:
    """The option as a roster shift, breaks at the start of their windows, 'other' otherwise."""
    p = timeline.problem
    start = timeline.time_of(option.start)
    spans = []
    activities = []
    cursor = option.start
    for w in option.breaks:
        b0 = option.start + w.first_offset
        spans.append(BreakSpan(timeline.time_of(b0), timeline.time_of(b0 + w.span), w.kind))
        if b0 > cursor:
            activities.append(ActivitySpan(timeline.time_of(cursor), timeline.time_of(b0), "other"))
        activities.append(ActivitySpan(timeline.time_of(b0), timeline.time_of(b0 + w.span), w.kind))
        cursor = b0 + w.span
    if cursor < option.end:
        activities.append(
            ActivitySpan(timeline.time_of(cursor), timeline.time_of(option.end), "other")
        )
    shift = RosterShift(
        agent_code=code,
        shift_date=p.horizon.start_date + timedelta(days=option.day),
        start_utc=start,
        end_utc=timeline.time_of(option.end),
        breaks=tuple(spans),
        activities=tuple(activities),
    )
    return Roster((shift,))


@pytest.mark.parametrize("seed", [1, 2])
def test_options_agree_with_the_evaluation(seed: int) -> None:
    p = example_problem(agents=8, queues=2, campaigns=0, seed=seed, days=2)
    # some agents with absences inside the day and rest carried over from last week
    sunday = MONDAY - timedelta(days=1)
    people = list(p.agents)
    people[0] = replace(
        people[0],
        unavailable=(
            Absence(at(p.horizon.start_date, time(12)), at(p.horizon.start_date, time(13))),
        ),
    )
    people[1] = replace(
        people[1],
        last_week=LastWeek(at(sunday, time(15)), at(p.horizon.start_date, time(1)), 2),
    )
    # demand as a plain requirement: the per-shift rules don't depend on it, and it is cheap
    quiet = (0,) * p.interval_count
    queues = tuple(
        replace(q, contacts=None, aht_seconds=None, required_agents=quiet) for q in p.queues
    )
    p = replace(p, agents=tuple(people), queues=queues)
    timeline = build_timeline(p)
    checked_allowed = checked_withheld = 0
    for frame in timeline.agents:
        allowed = set(frame.options)
        lengths = set(frame.spec.contract.shift_lengths_minutes)
        for option in timeline.options[seed::3]:
            if option.length_minutes not in lengths:
                continue
            ev = evaluate(p, one_shift_roster(timeline, frame.code, option))
            rules = {v.rule for v in ev.violations}
            if option.index in allowed:
                assert rules <= WEEKLY_MINIMUMS, (frame.code, option, rules)
                checked_allowed += 1
            else:
                assert rules & PER_SHIFT_RULES, (frame.code, option)
                checked_withheld += 1
    assert checked_allowed > 20 and checked_withheld > 20


def test_contract_credits_from_paid_time_off() -> None:
    # leave covers all of Tuesday (a whole local day, 7.5 paid hours) and half of Wednesday
    leave = Absence(
        at(MONDAY + timedelta(days=1), time(0)),
        at(MONDAY + timedelta(days=2), time(12)),
        paid_hours=7.5,
    )
    c = contract("C", hours=(30, 37.5), days=(4, 5))
    p = problem([agent("A", c, time_off=(leave,))], days=3)
    (frame,) = build_timeline(p).agents
    assert (frame.paid_minutes_min, frame.paid_minutes_max) == (int(22.5 * 60), 30 * 60)
    assert (frame.days_min, frame.days_max) == (3, 4)
    assert {build_timeline(p).options[o].day for o in frame.options} == {0, 2}


@pytest.mark.parametrize(("day_before", "carried"), [(1, 4), (2, 0)])
def test_last_weeks_run_carries_only_from_the_day_before(day_before: int, carried: int) -> None:
    day = MONDAY - timedelta(days=day_before)
    last = LastWeek(at(day, time(8)), at(day, time(16)), consecutive_days_worked=4)
    (frame,) = build_timeline(problem([agent("A", last_week=last)])).agents
    assert frame.prior_consecutive_days == carried


def test_preferences_become_penalties() -> None:
    prefs = (
        Preference("day_off", 3.0, weekdays=(0,)),
        Preference("work_day", 2.0, dates=(MONDAY + timedelta(days=1),)),
        Preference("start_between", 1.5, earliest_start_local=time(9), latest_start_local=time(10)),
    )
    timeline = build_timeline(problem([agent("A", preferences=prefs)], days=2))
    (frame,) = timeline.agents
    assert frame.work_day_penalty == {0: 3.0}
    assert frame.idle_day_penalty == {1: 2.0}
    zone = timeline.problem.zone
    for o in frame.options:
        start = timeline.time_of(timeline.options[o].start).astimezone(zone).time()
        assert (o in frame.option_penalty) is not (time(9) <= start <= time(10))


def test_calling_hours_grid_and_selling_value() -> None:
    by_hour = tuple(float(h) for h in range(24))
    campaign = CampaignSpec(
        code="S",
        value_per_productive_hour_by_hour=by_hour,
        calling_hours=(
            CallingWindow(6, time(23), time(1)),  # Sunday night into Monday
            CallingWindow(0, time(9, 30), time(11)),
        ),
        efficiency=0.5,
    )
    p = problem([agent("A")], campaigns=[campaign], interval_minutes=60)
    timeline = build_timeline(p)
    open_local = [
        timeline.time_of(i).astimezone(p.zone).hour
        for i in range(timeline.intervals)
        if timeline.calling[0, i]
    ]
    # an interval counts only when it lies wholly inside a window: 09:00-10:00 does not
    assert open_local == [0, 10]
    values = timeline.sell_value_per_interval[0]
    assert values[timeline.calling[0]].tolist() == [0.0 * 0.5, 10.0 * 0.5]
    assert np.count_nonzero(values) == 1
