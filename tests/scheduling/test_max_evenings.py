"""A max-evenings wish: at most so many evening shifts a week, each one more charged its weight.

The evaluation (the roster checker) counts it on hand-built rosters; the solver keeps it when the
week allows and pays for exactly the evenings it can't avoid, and the oracle counts the evening
shifts from the roster's own times."""

from __future__ import annotations

from dataclasses import replace
from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest
from roster_factories import DUBLIN, MONDAY, agent, at, contract, problem, roster, shift
from roster_oracle import solve_checked

from scheduling.checks import check_problem
from scheduling.evaluate import PreferenceTally, evaluate
from scheduling.problem import EVENING_FROM_LOCAL, Preference, Problem
from scheduling.solver import SolveResult
from scheduling.timeline import build_timeline

TUESDAY = MONDAY + timedelta(days=1)
WEDNESDAY = MONDAY + timedelta(days=2)


def evenings_of(result: SolveResult, code: str, evening_from: time) -> int:
    """Shifts of the agent ending after `evening_from` local, counted from the roster's times."""
    zone = ZoneInfo(DUBLIN)
    count = 0
    for s in result.roster.shifts:
        if s.agent_code != code:
            continue
        local_start = s.start_utc.astimezone(zone)
        threshold = local_start.replace(hour=evening_from.hour, minute=evening_from.minute)
        if local_start + (s.end_utc - s.start_utc) > threshold:
            count += 1
    return count


# ----------------------------------------------------------------------------- the checker
def three_days(*wishes: Preference) -> Problem:
    return problem([agent("A", preferences=wishes)], days=3)


def test_each_evening_shift_above_the_cap_is_one_broken_day() -> None:
    wish = Preference("max_evenings", 2.5, max_evening_shifts=1)
    shifts = (
        shift("A", at(MONDAY, time(12)), 480),  # ends 20:00: an evening
        shift("A", at(TUESDAY, time(8)), 480),  # ends 16:00
        shift("A", at(WEDNESDAY, time(11, 30)), 480),  # ends 19:30: the second evening
    )
    report = evaluate(three_days(wish), roster(*shifts)).agents[0]
    assert report.preference_penalty == pytest.approx(2.5)
    # every day worked is asked; only the evening above the cap is broken
    assert report.preferences == PreferenceTally(asked_days=3, honoured_days=2)


def test_a_shift_ending_at_the_evening_time_is_not_an_evening_and_a_night_shift_is() -> None:
    wish = Preference("max_evenings", 1.0, max_evening_shifts=0, evening_from_local=time(18))
    at_six = shift("A", at(MONDAY, time(10)), 480)  # ends 18:00 exactly
    night = shift("A", at(TUESDAY, time(23)), 420)  # ends 06:00 the next morning
    report = evaluate(three_days(wish), roster(at_six, night)).agents[0]
    assert report.preferences == PreferenceTally(asked_days=2, honoured_days=1)
    assert report.preference_penalty == pytest.approx(1.0)


def test_the_wish_concerns_only_its_days() -> None:
    late = [shift("A", at(day, time(13)), 480) for day in (MONDAY, TUESDAY, WEDNESDAY)]
    tuesday_only = Preference("max_evenings", 1.0, weekdays=(1,), max_evening_shifts=0)
    report = evaluate(three_days(tuesday_only), roster(*late)).agents[0]
    assert report.preferences == PreferenceTally(asked_days=1, honoured_days=0)
    every_day = Preference("max_evenings", 1.0, max_evening_shifts=3)
    report = evaluate(three_days(every_day), roster(*late)).agents[0]
    assert report.preferences == PreferenceTally(asked_days=3, honoured_days=3)
    assert report.preference_penalty == 0.0


def test_the_standard_evening_is_one_constant() -> None:
    wish = Preference("max_evenings", 1.0, max_evening_shifts=0)
    ends_at = (EVENING_FROM_LOCAL.hour * 60 + EVENING_FROM_LOCAL.minute) - 8 * 60
    on_time = shift("A", at(MONDAY, time(ends_at // 60, ends_at % 60)), 480)
    later = shift("A", at(TUESDAY, time(ends_at // 60 + 1, ends_at % 60)), 480)
    report = evaluate(three_days(wish), roster(on_time, later)).agents[0]
    assert report.preferences == PreferenceTally(asked_days=2, honoured_days=1)


@pytest.mark.parametrize(
    ("wish", "message"),
    [
        (Preference("max_evenings", 1.0), "max_evenings needs max_evening_shifts"),
        (Preference("max_evenings", 1.0, max_evening_shifts=-1), "max_evening_shifts, 0 or more"),
        (
            Preference("day_off", 1.0, max_evening_shifts=1),
            "only max_evenings takes max_evening_shifts",
        ),
        (
            Preference("work_day", 1.0, evening_from_local=time(18)),
            "only max_evenings takes max_evening_shifts or evening_from_local",
        ),
    ],
)
def test_a_malformed_wish_is_named(wish: Preference, message: str) -> None:
    issues = check_problem(three_days(wish))
    assert any("agents[0].preferences[0]" in issue and message in issue for issue in issues)


def test_the_solver_model_sees_only_the_evening_options_of_the_wish_s_days() -> None:
    wish = Preference("max_evenings", 1.0, weekdays=(1,), max_evening_shifts=0)
    timeline = build_timeline(three_days(wish))
    (cap,) = timeline.agents[0].evening_caps
    assert cap.options
    for o in cap.options:
        option = timeline.options[o]
        assert option.day == 1
        assert option.start_local_minute + option.length_minutes > 19 * 60


# ------------------------------------------------------------------------------ the solver
def early_and_late(*agents_wishes: tuple[str, tuple[Preference, ...]]) -> Problem:
    """Three days, 08:00-20:00 needing one agent: each day one 8-hour shift must start by 08:00
    and one end at 20:00 (an evening from 18:00). Each agent works exactly three 8-hour days."""
    three = contract("D3", hours=(24, 24), days=(3, 3))
    agents = [agent(code, three, preferences=wishes) for code, wishes in agents_wishes]
    return problem(agents, days=3)


def no_evening_after_six(weight: float) -> tuple[Preference, ...]:
    return (Preference("max_evenings", weight, max_evening_shifts=1, evening_from_local=time(18)),)


def test_the_solver_keeps_the_wish_when_the_week_allows() -> None:
    p = early_and_late(("A", no_evening_after_six(3.0)), ("B", ()))
    result, ev = solve_checked(p)
    assert result.summary()["under_coverage_agent_hours"] == pytest.approx(0.0)
    assert evenings_of(result, "A", time(18)) <= 1
    assert evenings_of(result, "B", time(18)) >= 2
    assert ev.preference_penalty == 0.0


def test_the_solver_pays_only_for_the_evenings_it_cannot_avoid() -> None:
    # three late shifts, two agents who each take one freely: one more evening is unavoidable
    # (3.0) and cheaper than leaving four hours uncovered (200)
    p = early_and_late(("A", no_evening_after_six(3.0)), ("B", no_evening_after_six(3.0)))
    result, ev = solve_checked(p)
    assert result.summary()["under_coverage_agent_hours"] == pytest.approx(0.0)
    counts = sorted(evenings_of(result, code, time(18)) for code in ("A", "B"))
    assert counts == [1, 2]
    assert ev.preference_penalty == pytest.approx(3.0)
    assert ev.preferences == PreferenceTally(asked_days=6, honoured_days=5)


def test_without_the_wish_the_same_week_is_no_better() -> None:
    wished = early_and_late(("A", no_evening_after_six(3.0)), ("B", ()))
    free = replace(wished, agents=tuple(replace(a, preferences=()) for a in wished.agents))
    with_wish, _ = solve_checked(wished)
    without, _ = solve_checked(free)
    assert with_wish.summary()["under_coverage_agent_hours"] == pytest.approx(
        without.summary()["under_coverage_agent_hours"]
    )
