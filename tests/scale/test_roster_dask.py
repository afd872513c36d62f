"""Rosters on a two-worker Dask cluster: the parts solve as tasks and merge into one roster as
good as the single-process solve, judged by the independent evaluation; a worker lost mid-run
costs a rerun of its part, not the roster; a part that fails fails the run as a whole."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from scalekit import two_team_problem

import scheduling.distributed as distributed
from scheduling.checks import ProblemError
from scheduling.distributed import (
    DistributedRunError,
    longest_processing_time,
    part_time_limits,
    solve_on_dask,
)
from scheduling.evaluate import evaluate
from scheduling.solver import solve
from scheduling.split import split_problem


def test_roster_on_dask_is_as_good_as_the_single_process_roster(dask_client: Any) -> None:
    problem = two_team_problem()
    single = solve(problem, time_limit_seconds=10, seed=1, workers=1)
    heard: list[tuple[float, str]] = []
    result = solve_on_dask(
        problem, dask_client, time_limit_seconds=10, progress=lambda f, m: heard.append((f, m))
    )
    # the oracle, on the whole problem, for both
    checked = evaluate(problem, result.roster)
    assert checked.hard_violations == 0 and single.evaluation.hard_violations == 0
    assert checked.objective == pytest.approx(result.objective)
    assert result.objective == pytest.approx(single.objective, rel=1e-6, abs=1e-3)
    # every agent of every part is in the merged roster, and only them
    assert set(result.roster.by_agent()) == set(single.roster.by_agent())
    # the bound is the parts' bounds added up: a bound of the whole (the parts are independent)
    parts = result.stages["distributed"]["parts"]
    assert len(parts) == 2
    assert result.bound is not None and single.bound is not None
    assert result.bound == pytest.approx(sum(p["bound"] for p in parts), abs=0.01)
    assert result.bound >= result.objective - 1e-6 * abs(result.objective)
    assert result.status == "optimal"  # tiny parts: each solved to its bound
    assert [f for f, _ in heard] == sorted(f for f, _ in heard)  # progress only moves forward
    assert any("2/2 parts solved" in message for _, message in heard)
    document = result.to_json()  # the same output document as a single solve
    assert document["summary"]["hard_violations"] == 0


def test_a_lost_worker_reruns_its_part_on_the_worker_left(monkeypatch: pytest.MonkeyPatch) -> None:
    from distributed import Client, LocalCluster

    real_solve = distributed.solve

    def slow_solve(problem: Any, **kwargs: Any) -> Any:
        time.sleep(1.5)  # long enough to lose a worker while both parts run
        return real_solve(problem, **kwargs)

    monkeypatch.setattr(distributed, "solve", slow_solve)
    cluster = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": ":0"},  # its HTTP server: any free port, not 8787
        silence_logs=False,
    )
    client = Client(cluster, set_as_default=False)
    try:
        victim = next(iter(cluster.workers.values()))

        def lose_a_worker() -> None:
            time.sleep(0.7)
            cluster.sync(victim.close)

        killer = threading.Thread(target=lose_a_worker)
        killer.start()
        result = solve_on_dask(two_team_problem(), client, time_limit_seconds=5)
        killer.join()
        assert len(client.scheduler_info()["workers"]) == 1
        workers = {p["worker"] for p in result.stages["distributed"]["parts"]}
        assert victim.address not in workers
        assert result.evaluation.hard_violations == 0
        assert len(result.roster.by_agent()) == 6
    finally:
        client.close()
        cluster.close()


def test_a_failing_part_fails_the_run_as_a_whole(
    dask_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_solve = distributed.solve

    def failing_solve(problem: Any, **kwargs: Any) -> Any:
        if any(q.code == "QC" for q in problem.queues):
            raise RuntimeError("out of memory on this worker")
        return real_solve(problem, **kwargs)

    monkeypatch.setattr(distributed, "solve", failing_solve)
    with pytest.raises(DistributedRunError, match=r"part 2 \(3 agents\) failed.*out of memory"):
        solve_on_dask(two_team_problem(), dask_client, time_limit_seconds=5)


def test_contradictions_are_named_before_anything_is_sent(dask_client: Any) -> None:
    from dataclasses import replace

    problem = two_team_problem()
    idle = replace(problem.agents[0], queue_skills=(), campaign_skills=())
    broken = replace(problem, agents=(idle, *problem.agents[1:]))
    with pytest.raises(ProblemError, match="A0"):
        solve_on_dask(broken, dask_client, time_limit_seconds=5)


def test_part_budgets_and_how_parts_spread_over_workers() -> None:
    parts = split_problem(two_team_problem(agents_per_team=4))
    assert part_time_limits(parts, 60.0, threads=2) == [60.0, 60.0]
    assert part_time_limits(parts, 60.0, threads=1) == [30.0, 30.0]
    uneven = [*parts, parts[0]]  # 4 + 4 + 4 agents on 2 threads: 40 s each, at most T
    assert part_time_limits(uneven, 60.0, threads=2) == pytest.approx([40.0, 40.0, 40.0])
    assert longest_processing_time([5, 4, 3, 3], 1) == 15
    assert longest_processing_time([5, 4, 3, 3], 2) == 8
    assert longest_processing_time([5, 4, 3, 3], 4) == 5
