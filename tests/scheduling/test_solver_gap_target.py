"""The certified bound against the exact optimum of tiny centres (every combination of shifts,
each with its exact breaks and activities), and the search that goes on while the gap to the
bound is above `GAP_TARGET`."""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import re
from pathlib import Path

import pytest
from roster_oracle import check_result

from scheduling.activities import place_activities
from scheduling.aggregate import make_groups, solve_aggregate
from scheduling.economics import serve_curves
from scheduling.evaluate import evaluate
from scheduling.example import example_problem
from scheduling.problem import Problem
from scheduling.problem_json import problem_from_json
from scheduling.solver import GAP_TARGET, build_roster, solve
from scheduling.timeline import build_timeline


def tiny_centre(seed: int) -> Problem:
    """Two agents, one queue, one day; no contract minima (a one-day week can't meet them)."""
    p = example_problem(agents=2, queues=1, campaigns=0, days=1, seed=seed)
    free = tuple(
        dataclasses.replace(
            a,
            contract=dataclasses.replace(
                a.contract, weekly_paid_hours_min=0.0, days_per_week_min=0
            ),
        )
        for a in p.agents
    )
    return dataclasses.replace(p, agents=free)


def exact_optimum(p: Problem) -> tuple[float, float]:
    """(LP bound, optimum): the design's LP bound, and the best objective over every choice of a
    shift or none per agent, each choice completed by the exact day model and evaluated."""
    timeline = build_timeline(p)
    curves = serve_curves(p)
    skills, groups = make_groups(timeline)
    design = solve_aggregate(
        timeline, curves, skills, groups, time_limit_seconds=30, report=lambda _: None
    )
    choices = [[(), *((o,) for o in frame.options)] for frame in timeline.agents]
    best = -float("inf")
    for combo in itertools.product(*choices):
        shifts = {a: chosen for a, chosen in enumerate(combo) if chosen}
        placed, stats = place_activities(
            timeline,
            curves,
            skills,
            shifts,
            design.sell_hours_by_campaign_day,
            time_limit_seconds=30,
            seed=1,
            workers=1,
            report=lambda _: None,
        )
        assert stats.status == "optimal"
        best = max(best, evaluate(p, build_roster(timeline, placed)).objective)
    return design.lp_bound, best


@pytest.mark.parametrize("seed", [1, 2])
def test_the_bound_holds_and_the_roster_is_the_exact_optimum_on_tiny_centres(seed: int) -> None:
    p = tiny_centre(seed)
    lp_bound, optimum = exact_optimum(p)
    assert lp_bound >= optimum - 1e-6
    result = solve(p, time_limit_seconds=10, seed=1, workers=1)
    check_result(p, result)
    assert result.objective == pytest.approx(optimum, abs=1e-6)
    # with whole agents per shift option the design's bound is the optimum itself
    assert result.summary()["bound_source"] == "mip"
    assert result.bound is not None and optimum - 1e-6 <= result.bound <= lp_bound
    assert result.bound == pytest.approx(optimum, abs=1e-3)
    assert result.stages["design"]["lp_bound"] == pytest.approx(lp_bound, abs=0.01)
    assert result.stages["until_target"]["stopped"] == "gap_target"


def test_above_the_gap_target_the_search_goes_on() -> None:
    # contract minima that three days can't meet keep the gap far above the target
    p = example_problem(agents=5, queues=2, campaigns=1, seed=4, days=3)
    result = solve(p, time_limit_seconds=30, seed=3, workers=1)
    assert result.gap is not None and result.gap > GAP_TARGET
    stage = result.stages["until_target"]
    assert stage["rounds"] > 1
    assert stage["stopped"] in {"stalled", "time_limit"}
    check_result(p, result, allowed_rules={"contract_days_min", "contract_hours_min"})


def test_at_the_gap_target_the_search_stops_early() -> None:
    # the worked example of docs/roster-problem.md: the first roster meets its bound
    doc = Path(__file__).resolve().parents[2] / "docs" / "roster-problem.md"
    blocks = re.findall(r"```json\n(.*?)```", doc.read_text(encoding="utf-8"), flags=re.S)
    p = problem_from_json(json.loads(blocks[0]))
    result = solve(p, time_limit_seconds=20, seed=1, workers=1)
    assert result.gap is not None and result.gap <= GAP_TARGET
    assert result.stages["until_target"]["rounds"] == 0
    assert result.stages["until_target"]["stopped"] == "gap_target"
    assert result.summary()["bound_source"] in {"lp", "mip"}


def test_without_a_bound_the_search_goes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """A design that runs out of time (a loaded machine, a short limit) gives no bound: the gap
    is unknown, so the search uses its time instead of stopping as if at the target."""
    import scheduling.solver as solver_module

    real = solver_module.solve_aggregate

    def timed_out(*args: object, **kwargs: object) -> object:
        found = real(*args, **kwargs)  # type: ignore[arg-type]
        return dataclasses.replace(
            found, counts={}, sell_hours_by_campaign_day={}, status="unknown", bound=math.nan
        )

    monkeypatch.setattr(solver_module, "solve_aggregate", timed_out)
    p = example_problem(agents=5, queues=2, campaigns=1, seed=4, days=3)
    result = solve(p, time_limit_seconds=15, seed=3, workers=1)
    assert result.bound is None and result.gap is None
    stage = result.stages["until_target"]
    assert stage["rounds"] >= 1
    assert stage["stopped"] in {"stalled", "time_limit"}
    check_result(p, result, allowed_rules={"contract_days_min", "contract_hours_min"})
