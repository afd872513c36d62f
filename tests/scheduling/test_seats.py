"""Seats: the roster never has more agents on shift (breaks and lunches included) than seats
in any interval; without seats the optimizer adds no constraint for them.

Demand is a requirement with no forecast, so a roster's objective is minus the under-target
penalty (50 per agent-hour) times its under-coverage, worked out by hand below.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import time

import pytest
from roster_factories import MONDAY, agent, at, contract, problem, roster, shift
from roster_oracle import SiteRulesSet, on_site_counts, site_rule_breaches, solve_checked

from scheduling.aggregate import build_design, make_groups
from scheduling.economics import serve_curves
from scheduling.evaluate import evaluate
from scheduling.problem_json import problem_from_json, problem_to_json, schema_errors
from scheduling.split import combine_problems, split_problem
from scheduling.timeline import build_timeline

PENALTY = 50.0


def three_needed_two_seats(seats: int | None) -> object:
    """Six agents on 8-hour shifts any time of a Monday; three needed 08:00-20:00."""
    eights = contract("E8", lengths=(480,))
    p = problem(
        [agent(f"A{i}", eights) for i in range(6)],
        required_when_open=3,
        hours_open=(8, 20),
    )
    return replace(p, seats=seats)


def test_without_seats_every_hour_is_covered() -> None:
    result, _ = solve_checked(three_needed_two_seats(None))
    assert result.summary()["under_coverage_agent_hours"] == pytest.approx(0.0)


def test_two_seats_hold_two_agents_in_every_hour() -> None:
    # at most two on site at once, so at most two serve: 12 hours x 1 agent short at best,
    # reached by handing each seat from a 04:00-12:00 shift to a 12:00-20:00 one
    p = three_needed_two_seats(2)
    result, evaluation = solve_checked(p)
    assert on_site_counts(p, result.roster).max() <= 2
    assert site_rule_breaches(p, result.roster, SiteRulesSet(seats=2)) == []
    assert evaluation.under_coverage_agent_hours == pytest.approx(12.0)
    assert result.objective == pytest.approx(-PENALTY * 12.0)
    assert result.bound is not None and result.bound == pytest.approx(-PENALTY * 12.0, abs=0.5)
    assert any(w.startswith("seats: 2 seats") for w in result.warnings)


def test_zero_seats_roster_nobody() -> None:
    p = three_needed_two_seats(0)
    result, evaluation = solve_checked(p)
    assert result.roster.shifts == ()
    assert evaluation.under_coverage_agent_hours == pytest.approx(36.0)


def test_the_evaluation_names_the_intervals_over_the_seats() -> None:
    p = three_needed_two_seats(1)
    hand = roster(
        shift("A0", at(MONDAY, time(8)), 480),
        shift("A1", at(MONDAY, time(12)), 480),
    )
    assert on_site_counts(p, hand).tolist()[12:16] == [2, 2, 2, 2]
    seats = [v for v in evaluate(p, hand).violations if v.rule == "seats"]
    assert [str(v) for v in seats] == [
        "seats: T: up to 2 agents on shift Mon 2026-06-01 12:00-16:00 local, 1 seats"
    ]
    assert site_rule_breaches(p, hand, SiteRulesSet(seats=1)) == ["seats: 2 on site, 1 seats"]
    assert [v.rule for v in evaluate(replace(p, seats=2), hand).violations] == []


def _design_rows(seats: int | None) -> int:
    timeline = build_timeline(three_needed_two_seats(seats))
    skills, groups = make_groups(timeline)
    return build_design(timeline, serve_curves(timeline.problem), skills, groups).model.rows


def test_no_seat_rows_without_seats() -> None:
    assert _design_rows(100) > _design_rows(None)


def test_seats_in_the_problem_document_and_the_split() -> None:
    p = three_needed_two_seats(2)
    document = problem_to_json(p)
    assert document["seats"] == 2 and schema_errors(document) == []
    assert problem_from_json(document).seats == 2
    assert "seats" not in problem_to_json(replace(p, seats=None))
    assert any("seats" in e for e in schema_errors({**document, "seats": -1}))
    other = replace(p, agents=(agent("B0", contract("E8", lengths=(480,)), queue_skills=("R",)),))
    both = replace(
        p, agents=p.agents + other.agents, queues=p.queues + (replace(p.queues[0], code="R"),)
    )
    assert len(split_problem(replace(both, seats=None))) == 2
    assert split_problem(both) == (both,)  # seats are shared by every agent
    with pytest.raises(ValueError, match="seats are per site"):
        combine_problems(
            [p, replace(other, queues=(replace(p.queues[0], code="R"),))], site_code="X"
        )
