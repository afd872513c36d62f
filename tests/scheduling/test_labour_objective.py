"""The optimizer counts labour where hours are flexible: a part-timer's hours above her minimum
are rostered only where covering the queue is worth more than her wage. At wage 0 the roster and
objective are those without wages; the design's bound still bounds the roster's objective; every
roster passes the independent checker."""

from __future__ import annotations

from dataclasses import replace
from datetime import time

import pytest
from roster_factories import agent, contract, problem
from roster_oracle import check_result

from scheduling.evaluate import evaluate
from scheduling.example import example_problem
from scheduling.problem import Problem
from scheduling.solver import solve
from wfm.domain.labour_cost import ContractWage, LabourCost, Premium

FLEX = contract("FLEX", hours=(8.0, 40.0), days=(1, 5), lengths=(480,))
PENALTY = 50.0  # each agent-hour a queue is short costs this (the requirement's default)


def _part_timers(wage: float | None) -> Problem:
    """Three part-timers (8-40 h, 8-hour shifts without breaks) and a queue needing two agents
    08:00-16:00 on five days: 80 agent-hours, each worth the under-target penalty."""
    p = problem(
        [agent(code, FLEX) for code in ("A", "B", "C")],
        days=5,
        hours_open=(8, 16),
        required_when_open=2,
    )
    if wage is None:
        return p
    return replace(p, labour_cost=LabourCost(wages=(ContractWage("FLEX", wage),)))


def _solve(p: Problem):  # type: ignore[no-untyped-def]
    result = solve(p, time_limit_seconds=5, seed=3, workers=1)
    check_result(p, result)
    return result, evaluate(p, result.roster)


def test_hours_above_the_minimum_cost_less_than_they_cover_are_rostered() -> None:
    result, ev = _solve(_part_timers(10.0))
    assert ev.hard_violations == 0
    assert ev.under_coverage_agent_hours == pytest.approx(0.0)
    assert sum(r.paid_hours for r in ev.agents) == pytest.approx(80.0)  # not one hour more
    assert ev.flexible_labour_cost == pytest.approx(10.0 * (80 - 3 * 8))
    assert result.objective == pytest.approx(ev.objective)
    assert result.bound is None or result.bound >= ev.objective - 1e-6
    summary = result.summary()
    assert summary["labour_cost"] == pytest.approx(10.0 * 80)  # every paid hour, at the wage
    assert summary["flexible_labour_cost"] == pytest.approx(10.0 * 56)


def test_overtime_dearer_than_what_it_covers_is_left_out() -> None:
    # 10 an hour, and from 16 h on 10 x (6 - 1) = 50 more: 60 an hour, above what an hour covers
    wage = ContractWage("FLEX", 10.0, overtime_after_weekly_paid_hours=16.0, overtime_multiplier=6)
    p = replace(_part_timers(None), labour_cost=LabourCost(wages=(wage,)))
    result, ev = _solve(p)
    assert [r.paid_hours for r in ev.agents] == [16.0, 16.0, 16.0]
    assert ev.under_coverage_agent_hours == pytest.approx(80.0 - 48.0)
    assert ev.flexible_labour_cost == pytest.approx(10.0 * (48 - 24))
    assert ev.labour is not None and ev.labour.total.overtime_hours == 0.0
    assert result.bound is None or result.bound >= ev.objective - 1e-6


def test_hours_dearer_than_what_they_cover_are_left_out() -> None:
    _, ev = _solve(_part_timers(PENALTY + 10.0))
    assert [r.paid_hours for r in ev.agents] == [8.0, 8.0, 8.0]  # each at her minimum
    assert ev.flexible_labour_cost == 0.0
    assert ev.under_coverage_agent_hours == pytest.approx(80.0 - 24.0)


def test_at_wage_zero_the_roster_is_the_one_without_wages() -> None:
    base = example_problem(agents=6, queues=2, campaigns=1, seed=3, days=3)
    flexible = {a.contract.code for a in base.agents}
    free = replace(
        base, labour_cost=LabourCost(wages=tuple(ContractWage(c, 0.0) for c in sorted(flexible)))
    )
    without = solve(base, time_limit_seconds=4, seed=11, workers=1)
    at_zero = solve(free, time_limit_seconds=4, seed=11, workers=1)
    assert at_zero.roster == without.roster
    assert at_zero.objective == without.objective
    assert at_zero.bound == without.bound
    assert "labour_cost" not in without.summary()


def test_the_bound_still_bounds_a_roster_with_wages() -> None:
    base = example_problem(agents=6, queues=2, campaigns=1, seed=3, days=3)
    assert any(
        a.contract.weekly_paid_hours_min < a.contract.weekly_paid_hours_max for a in base.agents
    )
    codes = sorted({a.contract.code for a in base.agents})
    premiums = (  # the oracle prices them minute by minute (`check_result`)
        Premium("evening", time(19), time(23), weekdays=(0, 1, 2, 3, 4), multiplier=1.2),
        Premium("weekend", time(0), time(0), weekdays=(5, 6), extra_per_hour=3.0),
        Premium("night", time(22), time(7), extra_per_hour=1.5, contracts=("PT24",)),
    )
    wages = tuple(ContractWage(c, 15.0, overtime_after_weekly_paid_hours=20.0) for c in codes)
    priced = replace(base, labour_cost=LabourCost(wages=wages, premiums=premiums))
    result = solve(priced, time_limit_seconds=5, seed=11, workers=1)
    ev = evaluate(priced, result.roster)
    check_result(priced, result, allowed_rules={"contract_days_min", "contract_hours_min"})
    assert ev.flexible_labour_cost > 0 or all(
        r.paid_hours <= r.paid_hours_min + 1e-6 for r in ev.agents
    )
    assert result.objective == pytest.approx(ev.objective)
    assert ev.labour is not None and ev.labour.total.premium_cost > 0
    assert ev.labour.total.overtime_hours > 0  # three days of 7.5-8 paid hours: above 20
    if result.bound is not None:
        assert result.bound >= ev.objective - 1e-6
