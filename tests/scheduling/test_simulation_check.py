"""A roster's predicted week against the same week simulated call by call, with absences."""

from __future__ import annotations

import pytest

from scheduling.example import example_problem
from scheduling.problem import Problem
from scheduling.roster import Roster
from scheduling.simulation_check import simulate_with_absences
from scheduling.solver import solve


def _solved(agents: int, shrinkage: float | None, seconds: float) -> tuple[Problem, Roster]:
    problem = example_problem(agents, seed=1, tight=True, shrinkage=shrinkage)
    result = solve(problem, time_limit_seconds=seconds, seed=1)
    assert result.evaluation.hard_violations == 0
    # the checks below are about a roster built on its design: a design that ran out of time
    # (a loaded machine) leaves a roster the search had no time to repair, far under target
    assert result.stages["design"]["status"] == "optimal", result.stages["design"]
    return problem, result.roster


def test_without_absences_the_simulated_week_is_the_prediction() -> None:
    """No shrinkage, no absences: the simulator (erlang/) and Erlang A agree on the week, within
    the tolerance of the absence checks below (1 point of answer rate): the prediction is each
    interval's steady state, the simulation carries queues across interval boundaries, and the
    roster found in 10 s varies with the machine's load, so the gap varies by a few tenths."""
    problem, roster = _solved(30, 0.0, 10)
    checks = simulate_with_absences(problem, roster, replications=10, seed=2)
    assert {c.queue_code for c in checks} == {q.code for q in problem.queues}
    for check in checks:
        assert check.offered > 5_000
        assert abs(check.service_level_points) <= 1.5, check
        assert abs(check.answer_rate_points) <= 1.0, check


def test_absences_cost_service_and_leave_the_calls_alone() -> None:
    problem, roster = _solved(30, 0.0, 10)
    none = simulate_with_absences(problem, roster, absence_rate=0.0, replications=4, seed=5)
    many = simulate_with_absences(problem, roster, absence_rate=0.3, replications=4, seed=5)
    for a, b in zip(none, many, strict=True):
        assert a.offered == b.offered  # the same calls (the same draws), fewer agents
        assert b.simulated_service_level < a.simulated_service_level - 0.05
        assert b.simulated_answer_rate < a.simulated_answer_rate
        assert b.predicted_service_level == a.predicted_service_level  # the roster's own
    with pytest.raises(ValueError, match="absence_rate"):
        simulate_with_absences(problem, roster, absence_rate=1.0)
    with pytest.raises(ValueError, match="replications"):
        simulate_with_absences(problem, roster, replications=0)


def test_the_tight_week_with_absences_at_the_unplanned_rate_meets_its_prediction() -> None:
    """The tight centre at the demo's size (120 agents), rostered at 10 % unplanned shrinkage
    and played with shifts lost whole at 10 %: within 2 points of the predicted service level
    and 1 point of the predicted answer rate, per queue."""
    problem, roster = _solved(120, None, 20)
    assert problem.shrinkage == pytest.approx(0.10)
    checks = simulate_with_absences(problem, roster, replications=20, seed=1)
    for check in checks:
        assert abs(check.service_level_points) <= 2.0, check
        assert abs(check.answer_rate_points) <= 1.0, check


def test_a_small_tight_week_with_absences_meets_its_prediction() -> None:
    """At 40 agents absences of whole agents matter most: a queue of a few agents losing one
    loses a large share of its service, which the KPIs at rostered x (1 - shrinkage) missed
    (chat 2 points of service level and 1.8 of answer rate optimistic). The prediction is the
    expectation over the agents present (`QueueModel.kpis_under_absence`), within 2 points of
    service level of the week played with shifts lost whole at the problem's 10 %, and never
    more than 1 point optimistic on answer rate. It may be up to 1.5 points pessimistic: chat's
    answer rate simulated 0.88 points above its prediction on an idle 2-core machine and 1.03
    under a loaded test run (the prediction is each interval's steady state, the simulation
    carries queues across intervals, and the roster found in the limit varies with the load).
    (15 s: the design takes 3 s of an idle machine, and 70 % of the limit.)"""
    problem, roster = _solved(40, None, 15)
    assert problem.shrinkage == pytest.approx(0.10)
    checks = simulate_with_absences(problem, roster, replications=20, seed=1)
    assert {c.queue_code for c in checks} == {q.code for q in problem.queues}
    for check in checks:
        assert abs(check.service_level_points) <= 2.0, check
        # simulated less predicted: an optimistic prediction is the one that fails a centre
        assert -1.0 <= check.answer_rate_points <= 1.5, check
