"""Benchmark of a roster evaluation's queue figures, against the same figures without the memo.

A roster's evaluation asks each queue's model for the requirement under absence, the serve value
at the curve's breakpoints and the predicted service at the rostered agents: expectations over
the agents present, whose (contacts, handle time, whole agents present) cells overlap heavily.
`QueueModel.memoised` evaluates each cell once per evaluation. This times the three figures per
queue (`serve_curve`, then `queue_kpis` at the requirement) on the tight example centre, with
the memo and without it (the baseline), alternating, in CPU seconds of this process (the machine
is shared: wall-clock times move with the load), and checks the figures are the same to the last
digit.

Run: .venv/bin/python bench/evaluation_bench.py [AGENTS ...]   (default 40 200)
"""

from __future__ import annotations

import statistics
import sys
import time
from typing import Any

import numpy as np

from scheduling.economics import queue_kpis, serve_curve
from scheduling.example import example_problem
from scheduling.problem import Problem

REPEATS = 3


def figures(problem: Problem, memo: bool) -> tuple[float, list[Any]]:
    """CPU seconds of every queue's serve curve and predicted service at its requirement."""
    start = time.process_time()
    out: list[Any] = []
    for queue in problem.queues:
        model = queue.model(problem.horizon.interval_minutes)
        if memo:
            model = model.memoised()
        curve = serve_curve(problem, queue, model)
        out.append((curve, queue_kpis(problem, queue, curve.required, model)))
    return time.process_time() - start, out


def same(a: list[Any], b: list[Any]) -> bool:
    for (curve_a, kpis_a), (curve_b, kpis_b) in zip(a, b, strict=True):
        for name in ("required", "points", "values"):
            if not np.array_equal(getattr(curve_a, name), getattr(curve_b, name)):
                return False
        for name in ("service_level", "answer_rate", "asa_seconds", "occupancy", "answered"):
            if not np.array_equal(getattr(kpis_a, name), getattr(kpis_b, name)):
                return False
    return True


def main(sizes: list[int]) -> None:
    for agents in sizes:
        problem = example_problem(agents, seed=1, tight=True)
        seconds: dict[bool, list[float]] = {False: [], True: []}
        results: dict[bool, list[Any]] = {}
        for _ in range(REPEATS):
            for memo in (False, True):
                spent, results[memo] = figures(problem, memo)
                seconds[memo].append(spent)
        before = statistics.median(seconds[False])
        after = statistics.median(seconds[True])
        print(
            f"{agents} agents ({len(problem.queues)} queues, {problem.interval_count} intervals, "
            f"shrinkage {problem.shrinkage:g}): without the memo {before:.2f} s CPU, with it "
            f"{after:.2f} s (median of {REPEATS}; x{before / after:.2f}); "
            f"figures identical: {same(results[False], results[True])}"
        )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [40, 200])
