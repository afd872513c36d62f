"""The tight example: the optimizer sells where the service requirement binds, and serves with
everyone at the peaks. Checked from the roster's activities by a computation of its own (not the
optimizer's report), and against `scheduling.example.tightness`."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import numpy as np
import pytest

from scheduling.example import example_problem, tightness
from scheduling.problem import Problem
from scheduling.roster import Roster
from scheduling.solver import solve


@pytest.fixture(scope="module")
def solved() -> tuple[Problem, Roster]:
    problem = example_problem(30, seed=1, tight=True)
    result = solve(problem, time_limit_seconds=15, seed=1)
    assert result.evaluation.hard_violations == 0
    return problem, result.roster


def _activities(problem: Problem, roster: Roster) -> dict[int, list[tuple[str, str]]]:
    """Per interval, (agent, activity) of every agent serving or selling at its start."""
    step = timedelta(minutes=problem.horizon.interval_minutes)
    index = {problem.interval_start_utc(t): t for t in range(problem.interval_count)}
    out: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for shift in roster.shifts:
        for span in shift.activities:
            moment = span.start_utc
            while moment < span.end_utc:
                if moment in index and span.activity.split(":")[0] in ("serve", "sell"):
                    out[index[moment]].append((shift.agent_code, span.activity))
                moment += step
    return out


def test_the_tight_example_sells_where_the_service_requirement_binds(
    solved: tuple[Problem, Roster],
) -> None:
    problem, roster = solved
    doing = _activities(problem, roster)
    skills = {a.code: set(a.queue_skills) for a in problem.agents}
    campaigns = {c.code: c for c in problem.campaigns}
    hours = problem.interval_hours
    binding: set[tuple[int, str]] = set()
    worth_more: set[tuple[int, str]] = set()
    for queue in problem.queues:
        model = queue.model(problem.horizon.interval_minutes)
        assert queue.contacts is not None and queue.aht_seconds is not None
        calls = np.asarray(queue.contacts, dtype=float)
        aht = np.asarray(queue.aht_seconds, dtype=float)
        required = model.requirement_under_absence(calls, aht, problem.shrinkage).scheduled_agents
        for t in range(problem.interval_count):
            now = doing.get(t, [])
            serving = sum(1 for _, act in now if act == f"serve:{queue.code}")
            sellers = [(a, act.split(":")[1]) for a, act in now if act.startswith("sell:")]
            able = [c for a, c in sellers if queue.code in skills[a]]
            if required[t] == 0 or serving != required[t] or not able:
                continue
            binding.add((t, queue.code))
            # one more agent on the queue answers this many more contacts in the interval
            more = model.kpis_under_absence(
                [calls[t]] * 2, [aht[t]] * 2, [serving, serving + 1], problem.shrinkage
            )
            serve_per_hour = queue.value_per_answered_contact * float(
                more.answered[1] - more.answered[0]
            )
            hour = problem.interval_start_utc(t).astimezone(problem.zone).hour
            best = max(
                campaigns[c].value_per_productive_hour_by_hour[hour] * campaigns[c].efficiency
                for c in able
            )
            if best * hours > serve_per_hour:
                worth_more.add((t, queue.code))
    # the roster sells with queues exactly at their requirement, agents who could serve them
    # selling instead, because an hour of selling is worth more than the calls they would add
    assert len(binding) >= 20
    assert len(worth_more) >= 0.9 * len(binding)
    # and the selling is bounded by the service, not by the campaigns' caps (in the slack
    # example every campaign sells its maximum hours)
    sold: dict[str, float] = defaultdict(float)
    for shift in roster.shifts:
        for span in shift.activities:
            if span.activity.startswith("sell:"):
                sold[span.activity[5:]] += (span.end_utc - span.start_utc).total_seconds() / 3600
    assert sum(sold.values()) > 0
    for code, campaign in campaigns.items():
        assert sold[code] < campaign.max_hours_per_week - 1.0, code
    # the report finds the same intervals at margin 0
    report = tightness(problem, roster)
    at_requirement = {
        (int((i.start_utc - problem.start_utc) / timedelta(minutes=15)), i.queue_code)
        for i in report.selling_over_service
        if i.serving == i.required
    }
    assert at_requirement == binding
    for item in report.selling_over_service:
        assert item.service_level_with_sellers >= item.service_level
        assert item.answer_rate_with_sellers >= item.answer_rate


def test_the_tight_example_pulls_everyone_to_serve_at_the_peaks(
    solved: tuple[Problem, Roster],
) -> None:
    problem, roster = solved
    doing = _activities(problem, roster)
    report = tightness(problem, roster)
    total_required = np.sum(
        [
            q.model(problem.horizon.interval_minutes)
            .requirement_under_absence(
                np.asarray(q.contacts, dtype=float),
                np.asarray(q.aht_seconds, dtype=float),
                problem.shrinkage,
            )
            .scheduled_agents
            for q in problem.queues
        ],
        axis=0,
    )
    serving = np.array(
        [
            sum(1 for _, act in doing.get(t, []) if act.startswith("serve:"))
            for t in range(problem.interval_count)
        ]
    )
    assert report.peak_required == int(total_required.max())
    assert report.peak_serving == int(serving.max())
    # at the peak the roster serves about what is required, not far more (a slack centre
    # serves twice its requirement at the peak)
    assert report.peak_serving <= report.peak_required + 2
    # weekday mornings in the campaigns' hours with nobody selling: everyone serves
    mornings = [
        t
        for t in range(problem.interval_count)
        if 10 <= problem.interval_start_utc(t).astimezone(problem.zone).hour < 12
        and not any(act.startswith("sell:") for _, act in doing.get(t, []))
        and serving[t] <= total_required[t]
    ]
    assert mornings
    assert report.everyone_serves_intervals >= 1


def test_roster_example_writes_the_tight_centre(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json
    import subprocess
    import sys

    out = tmp_path / "tight.json"
    args = ["roster-example", "--agents", "12", "--tight", "--out", str(out)]
    result = subprocess.run(
        [sys.executable, "-m", "wfm", *args], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "a tight centre" in result.stderr
    problem = json.loads(out.read_text())
    assert problem["shrinkage"] == pytest.approx(0.10)
    assert "(tight)" in problem["name"]
    slack = example_problem(12, seed=1)
    tight = example_problem(12, seed=1, tight=True)
    for a, b in zip(slack.campaigns, tight.campaigns, strict=True):
        assert b.max_hours_per_week == pytest.approx(2.5 * a.max_hours_per_week, abs=0.1)
