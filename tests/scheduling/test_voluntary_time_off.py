"""Voluntary time off: an agent offers to work up to so many hours a week below the contract's
minimum, unpaid. The roster takes those hours where they are worth less than the wage and keeps
them where covering the queue is worth more; the evaluation (the roster checker) lowers the
minimum by the offer and reports the hours taken; the design's bound still bounds the roster; the
paid hours are counted here from the roster's own shift times."""

from __future__ import annotations

from dataclasses import replace
from datetime import time, timedelta

import pytest
from roster_factories import (
    MONDAY,
    agent,
    at,
    contract,
    open_hours_requirement,
    problem,
    queue,
    roster,
    shift,
)
from roster_oracle import solve_checked

from scheduling.checks import check_problem
from scheduling.evaluate import evaluate
from scheduling.labour import NO_CHARGE, flexible_charge
from scheduling.problem import AgentSpec, Preference, Problem
from scheduling.problem_json import problem_from_json, problem_to_json
from scheduling.solver import SolveResult
from wfm.domain.labour_cost import ContractWage, LabourCost

FIXED = contract("FIXED", hours=(40.0, 40.0), days=(0, 5), lengths=(480,))
WAGE = 10.0  # an hour; an hour short of the queue's requirement costs 50


def offer(hours: float, **days: object) -> Preference:
    return Preference("voluntary_time_off", vto_hours_max=hours, **days)  # type: ignore[arg-type]


def week(agents: list[AgentSpec], *, busy_days: int, wage: float | None = WAGE) -> Problem:
    """Five days; the queue needs one agent 08:00-16:00 on the first `busy_days` days only."""
    p = problem(agents, days=5, hours_open=(8, 16))
    required = open_hours_requirement(p, (8, 16), 1)
    per_day = 24  # hour intervals
    required = [r if i < busy_days * per_day else 0 for i, r in enumerate(required)]
    p = replace(p, queues=(queue(required=required),))
    if wage is None:
        return p
    return replace(p, labour_cost=LabourCost(wages=(ContractWage("FIXED", wage),)))


def paid_hours(result: SolveResult, code: str) -> float:
    """The agent's hours from the roster's shift times (these shifts have no breaks)."""
    return sum(
        (s.end_utc - s.start_utc).total_seconds() / 3600.0
        for s in result.roster.shifts
        if s.agent_code == code
    )


def test_hours_not_worth_their_wage_are_taken_off_up_to_the_offer() -> None:
    p = week([agent("A", FIXED, preferences=(offer(16.0),))], busy_days=3)
    result, ev = solve_checked(p)
    assert paid_hours(result, "A") == pytest.approx(24.0)
    assert ev.hard_violations == 0
    assert ev.under_coverage_agent_hours == pytest.approx(0.0)
    assert ev.voluntary_time_off_hours == pytest.approx(16.0)
    assert result.summary()["voluntary_time_off_hours"] == pytest.approx(16.0)
    assert result.summary()["labour_cost"] == pytest.approx(24 * WAGE)


def test_the_offer_caps_what_is_taken() -> None:
    p = week([agent("A", FIXED, preferences=(offer(8.0),))], busy_days=3)
    result, ev = solve_checked(p)
    assert paid_hours(result, "A") == pytest.approx(32.0)
    assert ev.hard_violations == 0
    assert ev.voluntary_time_off_hours == pytest.approx(8.0)
    (report,) = ev.agents
    assert report.paid_hours_min == pytest.approx(32.0)


def test_hours_worth_more_than_the_wage_are_kept() -> None:
    p = week([agent("A", FIXED, preferences=(offer(16.0),))], busy_days=5)
    result, ev = solve_checked(p)
    assert paid_hours(result, "A") == pytest.approx(40.0)
    assert ev.voluntary_time_off_hours == pytest.approx(0.0)
    assert ev.under_coverage_agent_hours == pytest.approx(0.0)


def test_without_an_offer_the_contract_minimum_is_worked() -> None:
    p = week([agent("A", FIXED)], busy_days=3)
    result, ev = solve_checked(p)
    assert paid_hours(result, "A") == pytest.approx(40.0)
    assert ev.voluntary_time_off_hours == 0.0
    assert "voluntary_time_off_hours" in result.summary()


def test_an_offer_for_another_week_changes_nothing() -> None:
    later = offer(16.0, dates=(MONDAY + timedelta(days=14),))
    p = week([agent("A", FIXED, preferences=(later,))], busy_days=3)
    result, ev = solve_checked(p)
    assert paid_hours(result, "A") == pytest.approx(40.0)
    assert ev.voluntary_time_off_hours == 0.0
    # nor is the fixed contract's week charged as flexible hours; an offer for it is
    assert flexible_charge(p, p.agents[0]) == NO_CHARGE
    this_week = week([agent("A", FIXED, preferences=(offer(16.0),))], busy_days=3)
    assert flexible_charge(this_week, this_week.agents[0]).rate_per_hour == WAGE


def test_a_group_mixing_offers_keeps_a_valid_bound() -> None:
    # one contract, so one group in the design: A offers 16 h, B nothing; the queue needs one
    # agent all week, so B's 40 h cover it and A works only what A must
    p = week(
        [agent("A", FIXED, preferences=(offer(16.0),)), agent("B", FIXED)],
        busy_days=5,
    )
    result, ev = solve_checked(p, time_limit_seconds=5.0)
    assert ev.hard_violations == 0
    assert paid_hours(result, "A") + paid_hours(result, "B") == pytest.approx(64.0)
    assert ev.voluntary_time_off_hours == pytest.approx(16.0)
    assert result.bound is not None and result.bound >= result.objective - 1e-6


FIVE_DAYS = contract("FIVE", hours=(40.0, 40.0), days=(5, 5), lengths=(480,))


def test_an_offer_of_a_whole_shift_frees_a_day_of_the_contract() -> None:
    p = replace(
        week([agent("A", FIVE_DAYS, preferences=(offer(8.0),))], busy_days=3, wage=None),
        labour_cost=LabourCost(wages=(ContractWage("FIVE", WAGE),)),
    )
    result, ev = solve_checked(p)
    assert paid_hours(result, "A") == pytest.approx(32.0)
    assert ev.hard_violations == 0
    (report,) = ev.agents
    assert (report.days_min, report.paid_hours_min) == (4, 32.0)
    # less than a shift frees no day: with 8-hour shifts only, nothing can be taken
    p = replace(p, agents=(agent("A", FIVE_DAYS, preferences=(offer(7.5),)),))
    result, ev = solve_checked(p)
    assert paid_hours(result, "A") == pytest.approx(40.0)
    assert ev.voluntary_time_off_hours == 0.0
    assert ev.agents[0].days_min == 5


def test_the_checker_lowers_the_minimum_by_the_offer_only() -> None:
    p = week([agent("A", FIXED, preferences=(offer(8.0),))], busy_days=3)
    days = [MONDAY + timedelta(days=d) for d in range(5)]
    four = roster(*(shift("A", at(day, time(8)), 480) for day in days[:4]))
    three = roster(*(shift("A", at(day, time(8)), 480) for day in days[:3]))
    ev = evaluate(p, four)
    assert ev.hard_violations == 0
    assert ev.voluntary_time_off_hours == pytest.approx(8.0)
    ev = evaluate(p, three)
    assert {v.rule for v in ev.violations} == {"contract_hours_min"}
    assert ev.voluntary_time_off_hours == pytest.approx(8.0)  # the offer, not more
    assert ev.preferences.asked_days == 0  # an offer asks nothing of a day


def test_the_offer_round_trips_the_problem_file_and_is_checked() -> None:
    p = week([agent("A", FIXED, preferences=(offer(6.5, weekdays=(4,)),))], busy_days=3)
    again = problem_from_json(problem_to_json(p))
    assert again.agents[0].preferences == p.agents[0].preferences
    assert again.agents[0].voluntary_time_off_hours(p.dates()) == 6.5
    bad = replace(
        p,
        agents=(
            agent("A", FIXED, preferences=(Preference("voluntary_time_off"),)),
            agent("B", FIXED, preferences=(Preference("day_off", vto_hours_max=4.0),)),
        ),
    )
    issues = check_problem(bad)
    assert any("voluntary_time_off needs vto_hours_max" in issue for issue in issues)
    assert any("only voluntary_time_off takes vto_hours_max" in issue for issue in issues)
