"""The oracle of every solver test: the result's JSON read back as a roster, evaluated from
scratch, and its summary compared with that evaluation and with sums counted here directly from
the roster's activities (serving per interval, selling hours) and Erlang A."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from datetime import datetime, timedelta

import numpy as np
import pytest
from scipy.stats import binom

from erlang import erlang_a
from scheduling.economics import requirement
from scheduling.evaluate import Evaluation, evaluate
from scheduling.problem import Problem, QueueSpec
from scheduling.roster import Roster, roster_from_json
from scheduling.solver import SolveResult


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def activity_counts(problem: Problem, document: dict) -> dict[str, np.ndarray]:
    """Agents per activity (`serve:Q`, `sell:C`, ...) and interval of the horizon, counted from
    the roster document's activity spans."""
    step = timedelta(minutes=problem.horizon.interval_minutes)
    total = problem.interval_count
    start = problem.start_utc
    counts: dict[str, np.ndarray] = {}
    for entry in document["agents"]:
        for shift in entry["shifts"]:
            for span in shift["activities"]:
                t = _instant(span["start_utc"])
                end = _instant(span["end_utc"])
                while t < end:
                    i = (t - start) // step
                    if 0 <= i < total:
                        counts.setdefault(span["activity"], np.zeros(total, dtype=int))[i] += 1
                    t += step
    return counts


def check_result(
    problem: Problem, result: SolveResult, *, allowed_rules: Iterable[str] = ()
) -> tuple[dict, Roster, Evaluation]:
    """Evaluate the result's roster independently; fail on any hard violation not in
    `allowed_rules` and on any summary figure that disagrees with the evaluation."""
    document = json.loads(json.dumps(result.to_json()))
    assert document["format"] == "wfm.roster"
    assert document["version"] == 1
    roster = roster_from_json(document)
    evaluation = evaluate(problem, roster)
    broken = {v.rule for v in evaluation.violations}
    assert broken <= set(allowed_rules), [str(v) for v in evaluation.violations]
    summary = document["summary"]
    assert summary["hard_violations"] == evaluation.hard_violations
    if evaluation.hard_violations:
        assert summary["status"] == "best_effort"
    else:
        assert summary["status"] in ("optimal", "feasible")
    assert summary["objective"] == pytest.approx(evaluation.objective, abs=0.01)
    assert summary["under_coverage_agent_hours"] == pytest.approx(
        evaluation.under_coverage_agent_hours, abs=0.01
    )
    assert summary["sell_hours"] == pytest.approx(evaluation.sell_hours, abs=0.01)
    assert summary["outbound_value"] == pytest.approx(evaluation.sell_value, abs=0.01)
    if summary["bound"] is not None:
        # the design LP is a relaxation: no roster can beat its optimum
        assert summary["objective"] <= summary["bound"] + 0.02 + 1e-6 * abs(summary["bound"])
        assert summary["gap"] is not None and summary["gap"] >= 0.0
    assert summary["shifts"] == len(roster.shifts)

    # figures counted here from the activities, not taken from the evaluation
    counts = activity_counts(problem, document)
    hours = problem.interval_hours
    zeros = np.zeros(problem.interval_count, dtype=int)
    short_hours = 0.0
    for q, queue in enumerate(problem.queues):
        serving = counts.get(f"serve:{queue.code}", zeros)
        np.testing.assert_array_equal(evaluation.queues[q].serving, serving)
        intervals = [i["queues"][queue.code]["serving"] for i in document["intervals"]]
        assert intervals == serving.tolist()
        short_hours += float(np.maximum(0, requirement(problem, queue) - serving).sum()) * hours
        figures = summary["queues"][queue.code]
        if queue.contacts is None or sum(queue.contacts) == 0:
            continue
        contacts = np.asarray(queue.contacts, dtype=float)
        within, answered = expected_under_absence(problem, queue, serving)
        weekly_sl = float(within.sum() / contacts.sum())
        weekly_ar = float(answered.sum() / contacts.sum())
        assert figures["predicted_service_level"] == pytest.approx(weekly_sl, abs=1e-5)
        assert figures["predicted_answer_rate"] == pytest.approx(weekly_ar, abs=1e-5)
    assert summary["under_coverage_agent_hours"] == pytest.approx(short_hours, abs=0.01)
    sell_hours = sum(float(v.sum()) * hours for k, v in counts.items() if k.startswith("sell:"))
    assert summary["sell_hours"] == pytest.approx(sell_hours, abs=0.01)
    assert math.isfinite(summary["solve_seconds"])
    return document, roster, evaluation


def solve_checked(
    problem: Problem,
    *,
    allowed_rules: Iterable[str] = (),
    time_limit_seconds: float = 3.0,
    seed: int = 1,
) -> tuple[SolveResult, Evaluation]:
    """Solve a tiny problem (one worker, a short time limit) and pass it through the oracle."""
    from scheduling.solver import solve

    result = solve(problem, time_limit_seconds=time_limit_seconds, seed=seed, workers=1)
    _, _, evaluation = check_result(problem, result, allowed_rules=allowed_rules)
    return result, evaluation


def expected_under_absence(
    problem: Problem, queue: QueueSpec, serving: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Expected contacts answered within the threshold and answered per interval with
    `serving` rostered, each agent absent with probability `problem.shrinkage`: Erlang A at
    every whole staffing 0..serving weighed by the binomial pmf (the whole range, no band)."""
    assert queue.contacts is not None and queue.aht_seconds is not None
    contacts = np.asarray(queue.contacts, dtype=float)
    rostered = np.asarray(serving, dtype=int)
    if problem.shrinkage == 0.0:  # nobody is absent: the rostered serve
        k = rostered.astype(float)[:, None]
    else:
        k = np.arange(int(rostered.max(initial=0)) + 1, dtype=float)[None, :]
    kpis = erlang_a(
        contacts[:, None],
        problem.horizon.interval_minutes * 60.0,
        np.broadcast_to(np.asarray(queue.aht_seconds, dtype=float), contacts.shape)[:, None],
        k,
        queue.patience_seconds,
        queue.service_threshold_seconds,
        concurrency=queue.concurrency,
    )
    pmf = binom.pmf(k, rostered[:, None], 1.0 - problem.shrinkage)  # 1 at k = r without shrinkage
    within = (pmf * np.asarray(kpis.service_level)).sum(axis=1) * contacts
    answered = (pmf * np.asarray(kpis.answered_per_interval)).sum(axis=1)
    return within, answered
