"""A run of consecutive days off: a contract asking for two days off in a row gets them in the
week, the evaluation and the tests' own checker name a roster without them, and a contract
whose minimum days leave no such run is refused."""

from __future__ import annotations

from dataclasses import replace
from datetime import time, timedelta

import pytest
from roster_factories import MONDAY, agent, at, contract, problem, roster, shift
from roster_oracle import SiteRulesSet, site_rule_breaches, solve_checked

from scheduling.checks import ProblemError, check_problem
from scheduling.evaluate import evaluate
from scheduling.problem_json import problem_from_json, problem_to_json, schema_errors
from scheduling.solver import solve


def week(days_off: int, days: tuple[int, int] = (5, 5)) -> object:
    """One agent on 8-hour shifts, five days a week; one agent needed 08:00-20:00 every day."""
    fives = contract("F5", days=days, lengths=(480,), max_consecutive=6)
    fives = replace(fives, min_consecutive_days_off=days_off)
    return problem([agent("A", fives)], days=7)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_two_days_off_in_a_row(seed: int) -> None:
    p = week(2)
    result, evaluation = solve_checked(p, seed=seed)
    assert len(result.roster.shifts) == 5
    assert site_rule_breaches(p, result.roster, SiteRulesSet(min_consecutive_days_off=2)) == []
    # five 8-hour shifts of the 84 hours needed: 44 short whatever the days
    assert evaluation.under_coverage_agent_hours == pytest.approx(7 * 12 - 5 * 8)


def test_a_roster_without_the_run_is_named() -> None:
    p = week(2)
    spread = roster(
        *(shift("A", at(MONDAY + timedelta(days=d), time(8)), 480) for d in (0, 1, 3, 4, 6))
    )
    assert [str(v) for v in evaluate(p, spread).violations] == [
        "days_off: A: at most 1 consecutive days off; the contract needs 2 in a row"
    ]
    assert site_rule_breaches(p, spread, SiteRulesSet(min_consecutive_days_off=2)) == [
        "days off: A has at most 1 in a row"
    ]
    assert evaluate(week(0), spread).violations == ()


def test_contradictions_and_the_document() -> None:
    assert any("leaves no run of 2 days off" in i for i in check_problem(week(2, days=(6, 6))))
    assert any("longer than the horizon" in i for i in check_problem(week(8)))
    with pytest.raises(ProblemError):
        solve(week(2, days=(6, 6)), time_limit_seconds=1)
    document = problem_to_json(week(2))
    assert document["contracts"][0]["min_consecutive_days_off"] == 2
    assert schema_errors(document) == []
    assert problem_from_json(document) == week(2)
    assert "min_consecutive_days_off" not in problem_to_json(week(0))["contracts"][0]
