"""The solver as a whole: a realistic small week through the oracle, demand far beyond the staff
(a best roster, what is short and what binds, never an exception), the same roster for the same
seed, progress reports, and the output document's shape."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import time
from typing import Any

import pytest
from roster_factories import agent, contract, problem
from roster_oracle import check_result, solve_checked

from scheduling.example import example_problem
from scheduling.problem import Problem
from scheduling.solver import solve


def small_week() -> Problem:
    """The example centre with six agents for a whole ordinary week."""
    return example_problem(agents=6, queues=2, campaigns=1, seed=3)


def test_a_realistic_small_week_passes_the_oracle() -> None:
    p = small_week()
    result, ev = solve_checked(p, time_limit_seconds=5)
    assert ev.violations == ()
    summary = result.summary()
    for q in p.queues:
        figures = summary["queues"][q.code]
        assert 0.0 < figures["predicted_service_level"] <= 1.0
        assert 0.0 < figures["predicted_answer_rate"] <= 1.0
    # every agent works within their contract's hours and days
    for report in ev.agents:
        assert report.paid_hours_min - 1e-6 <= report.paid_hours <= report.paid_hours_max + 1e-6
        assert report.days_min <= report.shifts <= report.days_max


def test_far_too_few_agents_give_a_best_roster_with_what_is_short() -> None:
    # ten agents needed 08:00-20:00 (120 agent-hours); two agents of one 8-hour shift can
    # serve 16 of them
    p = problem([agent("A"), agent("B")], required_when_open=10)
    result, _ = solve_checked(p)
    assert result.status in ("optimal", "feasible")
    summary = result.summary()
    assert summary["under_coverage_agent_hours"] == pytest.approx(120.0 - 16.0)
    assert summary["objective"] == pytest.approx(-50.0 * 104.0)
    assert result.short, "the shortfall is described"
    assert {run["queue"] for run in result.short} == {"Q"}
    assert sum(run["agent_hours_short"] for run in result.short) == pytest.approx(104.0)
    assert max(run["max_agents_short"] for run in result.short) == 10
    first = min(result.short, key=lambda run: run["start_utc"])
    assert first["start_utc"] == "2026-06-01T07:00:00Z"  # 08:00 local
    assert result.binding_rules, "the rules that keep agents away are named"
    document = result.to_json()
    assert document["diagnostics"]["short"] == list(result.short)
    assert document["diagnostics"]["binding_rules"] == list(result.binding_rules)


def test_far_too_few_agents_for_a_forecast() -> None:
    p = small_week()
    busy = tuple(replace(q, contacts=tuple(20.0 * c for c in q.contacts or ())) for q in p.queues)
    p = replace(p, queues=busy, horizon=replace(p.horizon, days=2))
    p = replace(
        p,
        queues=tuple(
            replace(
                q,
                contacts=(q.contacts or ())[: p.interval_count],
                aht_seconds=(q.aht_seconds or ())[: p.interval_count],
            )
            for q in p.queues
        ),
    )
    result, ev = solve_checked(
        p,
        allowed_rules={"contract_days_min", "contract_hours_min", "campaign_hours_min"},
        time_limit_seconds=4,
    )
    summary = result.summary()
    assert summary["under_coverage_agent_hours"] > 100.0
    for q in p.queues:
        assert summary["queues"][q.code]["predicted_service_level"] < q.service_level_target
    assert result.short and result.binding_rules


def comparable(document: dict[str, Any]) -> dict[str, Any]:
    """The document without what depends on the clock."""
    clean = json.loads(json.dumps(document))
    clean["summary"].pop("solve_seconds")
    clean["diagnostics"].pop("stages")
    return clean


def test_the_same_seed_gives_the_same_roster() -> None:
    p = example_problem(agents=5, queues=2, campaigns=1, seed=4, days=3)
    first = solve(p, time_limit_seconds=4, seed=11, workers=1)
    second = solve(p, time_limit_seconds=4, seed=11, workers=1)
    assert comparable(first.to_json()) == comparable(second.to_json())
    assert first.roster == second.roster
    check_result(p, first, allowed_rules={"contract_days_min", "contract_hours_min"})


def test_progress_is_reported_while_solving() -> None:
    seen: list[tuple[float, str]] = []
    p = problem([agent("A"), agent("B")], days=2)
    solve(p, time_limit_seconds=3, seed=1, workers=1, progress=lambda f, m: seen.append((f, m)))
    fractions = [f for f, _ in seen]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    assert all(isinstance(m, str) and m for _, m in seen)
    assert seen[-1][1].startswith("done in")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"time_limit_seconds": 0}, "time_limit_seconds must be > 0"),
        ({"workers": 0}, "workers must be >= 1"),
    ],
)
def test_bad_solver_options(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        solve(problem([agent("A")]), **{"time_limit_seconds": 1, **options})


def test_the_roster_document() -> None:
    night = contract("N", earliest=time(14), latest_end=time(6))
    p = problem([agent("A", night), agent("B")], days=2, hours_open=(0, 24))
    result, _ = solve_checked(p)
    document = json.loads(json.dumps(result.to_json()))
    assert (document["format"], document["version"]) == ("wfm.roster", 1)
    assert document["problem"]["horizon_start_utc"] == "2026-05-31T23:00:00Z"
    assert document["problem"]["horizon_end_utc"] == "2026-06-02T23:00:00Z"
    summary = document["summary"]
    for key in (
        "status",
        "objective",
        "bound",
        "gap",
        "bound_source",
        "solve_seconds",
        "hard_violations",
        "under_coverage_agent_hours",
        "sell_hours",
        "outbound_value",
    ):
        assert key in summary
    assert set(summary["queues"]["Q"]) >= {"predicted_service_level", "predicted_answer_rate"}
    assert [a["code"] for a in document["agents"]] == ["A", "B"]
    for entry in document["agents"]:
        for s in entry["shifts"]:
            assert set(s) == {"date", "start_utc", "end_utc", "breaks", "activities"}
            assert s["activities"][0]["start_utc"] == s["start_utc"]
            assert s["activities"][-1]["end_utc"] == s["end_utc"]
    # night shifts start 14:00-23:00 local (13:00-22:00 UTC): dated by their start day
    nights = document["agents"][0]["shifts"]
    assert nights and all(s["start_utc"][:10] == s["date"] for s in nights)
    assert len(document["intervals"]) == p.interval_count
    assert set(document["diagnostics"]) == {
        "warnings",
        "short",
        "binding_rules",
        "violations",
        "stages",
    }
