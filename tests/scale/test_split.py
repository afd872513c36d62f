"""The split of a roster problem into independent parts, on its own: properties over random
skill graphs, and the fact that makes it sound (the evaluation of the whole is the sum of the
parts' evaluations)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scalekit import DAY_CONTRACT, MONDAY, two_team_problem

from scheduling.evaluate import evaluate
from scheduling.problem import AgentSpec, CampaignSpec, Horizon, Problem, QueueSpec
from scheduling.roster import Roster, RosterShift
from scheduling.solver import solve
from scheduling.split import (
    combine_problems,
    merge_rosters,
    split_problem,
    with_code_prefix,
)


def _queue(code: str) -> QueueSpec:
    return QueueSpec(code, 0.8, 20.0, 300.0, 5.0, required_agents=tuple([1] * 24))


def _campaign(code: str, value: float) -> CampaignSpec:
    return CampaignSpec(code, tuple([value] * 24), ())


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    queues = [f"Q{i}" for i in range(draw(st.integers(0, 5)))]
    campaigns = [f"C{i}" for i in range(draw(st.integers(0, 3)))]
    n_agents = draw(st.integers(0, 14))
    agents = []
    for i in range(n_agents):
        queue_skills = draw(st.lists(st.sampled_from(queues), unique=True)) if queues else []
        campaign_skills = (
            draw(st.lists(st.sampled_from(campaigns), unique=True)) if campaigns else []
        )
        agents.append(
            AgentSpec(
                f"A{i}",
                DAY_CONTRACT,
                queue_skills=tuple(queue_skills),
                campaign_skills=tuple(campaign_skills),
            )
        )
    values = draw(st.lists(st.floats(0, 100), min_size=len(campaigns), max_size=len(campaigns)))
    return Problem(
        site_code="S",
        timezone="Europe/Dublin",
        horizon=Horizon(MONDAY, 1, 60),
        queues=tuple(_queue(q) for q in queues),
        agents=tuple(agents),
        campaigns=tuple(_campaign(c, v) for c, v in zip(campaigns, values, strict=True)),
        name="random",
    )


def _expected_part_count(problem: Problem) -> int:
    """Connected components (agents joined to their skills) holding a queue and a skilled agent,
    by a plain graph search: the oracle for the union-find in `split_problem`."""
    neighbours: dict[str, set[str]] = {}
    for agent in problem.agents:
        for skill in [f"q:{q}" for q in agent.queue_skills] + [
            f"c:{c}" for c in agent.campaign_skills
        ]:
            neighbours.setdefault(f"a:{agent.code}", set()).add(skill)
            neighbours.setdefault(skill, set()).add(f"a:{agent.code}")
    seen: set[str] = set()
    count = 0
    for start in neighbours:
        if start in seen:
            continue
        stack, members = [start], set()
        while stack:
            node = stack.pop()
            if node in members:
                continue
            members.add(node)
            stack.extend(neighbours[node] - members)
        seen |= members
        count += any(m.startswith("q:") for m in members)
    return max(1, count)


@settings(max_examples=150, deadline=None)
@given(problems())
def test_parts_partition_the_problem_and_no_skill_crosses_parts(problem: Problem) -> None:
    parts = split_problem(problem)
    for kind in ("agents", "queues", "campaigns"):
        codes = [item.code for part in parts for item in getattr(part, kind)]
        assert sorted(codes) == sorted(item.code for item in getattr(problem, kind))
        assert len(codes) == len(set(codes))  # each in exactly one part
    for part in parts:
        queues = {q.code for q in part.queues}
        campaigns = {c.code for c in part.campaigns}
        for agent in part.agents:
            assert set(agent.queue_skills) <= queues
            assert set(agent.campaign_skills) <= campaigns
        if problem.queues:
            assert part.queues, "every part keeps a queue (the solver needs one)"
        # what is not per agent, queue or campaign is the whole problem's
        assert (part.horizon, part.timezone, part.shift_rules) == (
            problem.horizon,
            problem.timezone,
            problem.shift_rules,
        )
        assert part.under_target_penalty_per_agent_hour() == pytest.approx(
            problem.under_target_penalty_per_agent_hour()
        )
    assert len(parts) == _expected_part_count(problem)
    if len(parts) == 1:
        assert parts[0] is problem


@settings(max_examples=100, deadline=None)
@given(problems())
def test_merging_the_parts_rosters_gives_back_every_agent(problem: Problem) -> None:
    start = problem.start_utc
    shifts = {
        a.code: RosterShift(
            a.code, MONDAY, start + timedelta(hours=8), start + timedelta(hours=16 + i % 3)
        )
        for i, a in enumerate(problem.agents)
    }
    parts = split_problem(problem)
    rosters = [Roster(tuple(shifts[a.code] for a in part.agents)) for part in parts]
    merged = merge_rosters(rosters)
    assert sorted(merged.by_agent()) == sorted(shifts)
    assert set(merged.shifts) == set(shifts.values())
    combined = combine_problems(parts, site_code=problem.site_code)
    assert {a.code for a in combined.agents} == {a.code for a in problem.agents}


def test_an_agent_in_two_parts_rosters_is_refused() -> None:
    start = two_team_problem().start_utc
    one = RosterShift("A0", MONDAY, start + timedelta(hours=8), start + timedelta(hours=16))
    with pytest.raises(ValueError, match="A0 has shifts in parts 1 and 2"):
        merge_rosters([Roster((one,)), Roster((one,))])


def test_sites_combined_split_back_into_the_sites() -> None:
    site = two_team_problem()
    first, second = with_code_prefix(site, "N-"), with_code_prefix(site, "S-")
    combined = combine_problems([first, second], site_code="NS")
    parts = split_problem(combined)
    assert [sorted(a.code for a in p.agents) for p in parts] == [
        ["N-A0", "N-A1", "N-A2"],
        ["N-B0", "N-B1", "N-B2"],
        ["S-A0", "S-A1", "S-A2"],
        ["S-B0", "S-B1", "S-B2"],
    ]
    with pytest.raises(ValueError, match="agents codes used by more than one problem"):
        combine_problems([site, site], site_code="X")
    with pytest.raises(ValueError, match="differ in horizon"):
        combine_problems([first, replace(second, horizon=Horizon(MONDAY, 1, 60))], site_code="X")


def test_the_whole_evaluation_is_the_sum_of_the_parts_evaluations() -> None:
    """Why solving parts apart is sound: the parts' rosters, evaluated on the whole problem by
    the independent checker, score exactly what they score on their parts."""
    problem = two_team_problem()
    parts = split_problem(problem)
    assert len(parts) == 2
    results = [solve(part, time_limit_seconds=5, seed=1, workers=1) for part in parts]
    whole = evaluate(problem, merge_rosters([r.roster for r in results]))
    assert whole.hard_violations == 0
    assert whole.objective == pytest.approx(sum(r.evaluation.objective for r in results))
    assert whole.serve_value == pytest.approx(sum(r.evaluation.serve_value for r in results))
    assert whole.sell_value == pytest.approx(sum(r.evaluation.sell_value for r in results))
