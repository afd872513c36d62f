"""Scale-out benchmark: forecasting and rostering on a local Dask cluster against one process.

Part 1 (forecast): QUEUES queues x WEEKS weeks of 15-minute synthetic history, forecast 3 weeks
ahead with the engine's defaults (5 candidates + combination, 6-fold backtest, bands, AHT), once
in this process and once with the model fits on a 2-worker LocalCluster (worker processes, one
thread each), in the same run. Checks the two forecasts are identical; prints the wall times,
the Dask tasks per worker and how long the driver's own (serial) part took.

Part 2 (roster): SITES sites x AGENTS agents (the example centre: 3 queues, 2 campaigns,
15-minute intervals, breaks and lunch), each site solved with a time limit of SECONDS: one after
the other in this process (`scheduling.solver.solve`, CP-SAT with 2 workers, as the worker's
jobs do), then all sites as parts on the 2-worker cluster (`scheduling.distributed`, one CP-SAT
worker per part). Both rosters are evaluated by `scheduling.evaluate` on the whole (all sites)
problem. Per-part timings, and the wall time the measured parts would take on more workers
(longest part first to the least busy worker).

Timings on a shared 2-core machine are noisy: other work on the machine slows either side.

    .venv/bin/python bench/scale_bench.py            # 1,000 queues x 26 weeks; 5 sites x 400 agents
    .venv/bin/python bench/scale_bench.py --quick    # 100 queues x 8 weeks; 3 sites x 60 agents
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from forecasting import ForecastConfig, forecast  # noqa: E402
from forecasting.distributed import DaskForecastBackend  # noqa: E402
from forecasting.synthetic import SyntheticSpec, synthetic_history  # noqa: E402
from scheduling.distributed import longest_processing_time, solve_all_on_dask  # noqa: E402
from scheduling.evaluate import evaluate  # noqa: E402
from scheduling.example import example_problem  # noqa: E402
from scheduling.solver import solve  # noqa: E402
from scheduling.split import combine_problems, merge_rosters, with_code_prefix  # noqa: E402


def _cluster(workers: int) -> tuple[Any, Any]:
    from distributed import Client, LocalCluster

    started = time.perf_counter()
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": ":0"},  # its HTTP server: any free port, not 8787
        silence_logs=logging.ERROR,
    )
    client = Client(cluster, set_as_default=False)
    print(
        f"  local Dask cluster: {workers} worker processes x 1 thread, started in "
        f"{time.perf_counter() - started:.1f} s (not counted below)"
    )
    return cluster, client


def bench_forecast(queues: int, weeks: int, workers: int) -> None:
    spec = SyntheticSpec(
        weeks=weeks, interval_minutes=15, queues=queues, daily_contacts=1500, seed=7
    )
    history = synthetic_history(spec)
    config = ForecastConfig(interval_minutes=15, timezone="Europe/Amsterdam")
    print(
        f"\nforecast: {queues} queues x {weeks} weeks of 15-minute history "
        f"({len(history):,} rows), 3 weeks ahead, {config.folds}-fold backtest, "
        f"{len(config.models)} candidates + combination; {os.cpu_count()} CPUs"
    )
    forecast(history[history["unique_id"] == "Q000"], config, horizon_days=21)  # warm-up

    started = time.perf_counter()
    local = forecast(history, config, horizon_days=21)
    local_seconds = time.perf_counter() - started
    print(f"  single process:          {local_seconds:8.1f} s")

    from distributed import get_task_stream

    cluster, client = _cluster(workers)
    try:
        # warm the workers (imports, numba compilation) on one queue, as the in-process warm-up
        forecast(
            history[history["unique_id"] == "Q000"],
            config,
            horizon_days=21,
            backend=DaskForecastBackend(client),
        )
        backend = DaskForecastBackend(client)
        with get_task_stream(client=client) as stream:
            started = time.perf_counter()
            remote = forecast(history, config, horizon_days=21, backend=backend)
            remote_seconds = time.perf_counter() - started
    finally:
        client.close()
        cluster.close()
    in_backend = sum(entry["call_seconds"] for entry in backend.task_log)
    waiting = sum(entry["seconds"] for entry in backend.task_log)
    driver = remote_seconds - in_backend
    print(
        f"  {workers}-worker Dask cluster:  {remote_seconds:8.1f} s "
        f"(x{local_seconds / remote_seconds:.2f}); in {len(backend.task_log)} statsforecast calls "
        f"on the cluster {in_backend:.1f} s (of which waiting for the tasks {waiting:.1f} s, the "
        f"rest building and sending the graphs, data included, and reordering the results); "
        f"the driver's own part (calendar, scoring, choice, bands, AHT) {driver:.1f} s"
    )
    same = local.model_by_queue == remote.model_by_queue and local.forecast.equals(remote.forecast)
    print(f"  same forecast and choices as in process: {'YES' if same else 'NO'}")
    rows = []
    for t in stream.data:
        computes = [s for s in t["startstops"] if s["action"] == "compute"]
        if computes:
            rows.append(
                {
                    "worker": t["worker"],
                    "start": min(s["start"] for s in computes),
                    "seconds": sum(s["stop"] - s["start"] for s in computes),
                }
            )
    tasks = pd.DataFrame(rows)
    if tasks.empty:
        return
    per_worker = tasks.groupby("worker")["seconds"].agg(["count", "sum", "max"])
    print(f"  {len(tasks)} Dask tasks:")
    for worker, row in per_worker.iterrows():
        print(
            f"    {worker}: {int(row['count'])} tasks, busy {row['sum']:.1f} s, "
            f"longest task {row['max']:.2f} s"
        )
    # each call's tasks on more workers (longest first to the least busy; calls in turn),
    # plus what does not spread: the driver's part and the calls' graph building
    calls = [
        tasks[(tasks["start"] >= e["started_at"]) & (tasks["start"] <= e["finished_at"])]
        for e in backend.task_log
    ]
    fixed = remote_seconds - waiting
    for machines in (2, 4, 8, 16):
        spread = sum(longest_processing_time(list(c["seconds"]), machines) for c in calls)
        print(
            f"    on {machines:2d} workers: tasks ~{spread:.0f} s (longest first) + the "
            f"{fixed:.0f} s that do not spread (driver, graphs) = ~{spread + fixed:.0f} s"
        )


def _site(index: int, agents: int) -> Any:
    code = f"S{index + 1}"
    site = with_code_prefix(example_problem(agents=agents, seed=index + 1), f"{code}-")
    return replace(site, site_code=code, name=f"site {code}: {site.name}")


def bench_roster(sites: int, agents: int, seconds: float, workers: int) -> None:
    problems = [_site(i, agents) for i in range(sites)]
    whole = combine_problems(problems, site_code="ALL")
    print(
        f"\nroster: {sites} sites x {agents} agents (3 queues, 2 campaigns, 15-min intervals, "
        f"breaks and lunch), time limit {seconds:g} s per site"
    )
    started = time.perf_counter()
    singles = []
    for i, problem in enumerate(problems):
        one = time.perf_counter()
        singles.append(solve(problem, time_limit_seconds=seconds, seed=1, workers=2))
        result = singles[-1]
        print(
            f"  single process, site S{i + 1}: {time.perf_counter() - one:6.1f} s, "
            f"objective {result.objective:,.0f}, bound {result.bound or float('nan'):,.0f}, "
            f"{result.evaluation.hard_violations} hard violations"
        )
    single_seconds = time.perf_counter() - started
    single_eval = evaluate(whole, merge_rosters([r.roster for r in singles]))

    cluster, client = _cluster(workers)
    try:
        started = time.perf_counter()
        results = solve_all_on_dask(problems, client, time_limit_seconds=seconds, seed=1, workers=1)
        dask_seconds = time.perf_counter() - started
    finally:
        client.close()
        cluster.close()
    dask_eval = evaluate(whole, merge_rosters([r.roster for r in results]))
    bound = sum(r.bound for r in results if r.bound is not None)

    def line(label: str, wall: float, ev: Any) -> str:
        gap = (bound - ev.objective) / abs(bound) if bound else float("nan")
        return (
            f"  {label:<26}{wall:7.1f} s  objective {ev.objective:12,.0f}  gap to the bound "
            f"{100 * gap:5.2f} %  hard violations {ev.hard_violations}  "
            f"under-coverage {ev.under_coverage_agent_hours:,.0f} agent-h  "
            f"sell {ev.sell_hours:,.0f} h"
        )

    print(f"  sum of the parts' bounds: {bound:,.0f}")
    print(line("single process (in turn):", single_seconds, single_eval))
    print(line(f"{workers}-worker Dask cluster:", dask_seconds, dask_eval))
    print(f"  speed-up x{single_seconds / dask_seconds:.2f}")
    part_seconds = []
    print("  parts on the cluster:")
    for r in results:
        for part in r.stages["distributed"]["parts"]:
            part_seconds.append(part["solve_seconds"])
            print(
                f"    site {r.problem.site_code} part {part['part']}: {part['agents']} agents, "
                f"{part['solve_seconds']:.1f} s (limit {part['time_limit_seconds']:g} s) on "
                f"{part['worker']}, {part['status']}, objective {part['objective']:,.0f}"
            )
    for machines in (1, 2, 3, 5):
        print(
            f"    on {machines} worker(s) these parts would take "
            f"~{longest_processing_time(part_seconds, machines):.0f} s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a minute or two)")
    parser.add_argument("--queues", type=int, default=None)
    parser.add_argument("--weeks", type=int, default=None)
    parser.add_argument("--sites", type=int, default=None)
    parser.add_argument("--agents", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=None, help="roster time limit per site")
    parser.add_argument("--workers", type=int, default=2, help="Dask workers")
    parser.add_argument("--skip-forecast", action="store_true")
    parser.add_argument("--skip-roster", action="store_true")
    args = parser.parse_args()
    quick = {"queues": 100, "weeks": 8, "sites": 3, "agents": 60, "seconds": 20.0}
    full = {"queues": 1000, "weeks": 26, "sites": 5, "agents": 400, "seconds": 60.0}
    sizes = quick if args.quick else full
    for name in sizes:
        if getattr(args, name) is not None:
            sizes[name] = getattr(args, name)
    warnings.simplefilter("ignore", FutureWarning)
    # the same for the worker processes (a pandas deprecation inside dask's groupby-apply)
    os.environ["PYTHONWARNINGS"] = "ignore::FutureWarning"
    logging.getLogger("distributed").setLevel(logging.ERROR)
    print(f"scale bench ({'quick' if args.quick else 'full'} sizes): {sizes}")
    if not args.skip_forecast:
        bench_forecast(int(sizes["queues"]), int(sizes["weeks"]), args.workers)
    if not args.skip_roster:
        bench_roster(
            int(sizes["sites"]), int(sizes["agents"]), float(sizes["seconds"]), args.workers
        )


if __name__ == "__main__":
    main()
