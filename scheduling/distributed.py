"""Roster problems solved part by part as Dask tasks, merged into one roster and evaluation.

`solve_on_dask(problem, client, ...)` has the call shape of `scheduling.solver.solve` (plus the
client) and returns the same `SolveResult`:

1. the whole problem is checked (`ProblemError` as `solve` raises it) and split into its
   independent parts (`scheduling.split`);
2. each part is one Dask task running `scheduling.solver.solve` on it;
3. when every part is back, the rosters are merged and evaluated on the whole problem by
   `scheduling.evaluate.evaluate` (the same oracle as for a single solve); the bound is the sum
   of the parts' bounds (None when a part has none); the status follows `solve`'s rules.

Time: ``time_limit_seconds`` is the problem's budget as in `solve`. A part gets a share in
proportion to its agents, as if the cluster's worker threads were all its own, and never more
than the whole budget: ``min(T, T x threads x agents_part / agents_all)``. A problem that is one
part gets T; two equal parts on two threads get T each; ten equal parts on two threads get T/5
each, so the wall time stays near T. `solve_all_on_dask` solves several problems (sites) in one
go, each part with its own problem's budget.

Faults: a part whose worker is lost is run again by Dask on the workers left; when a part fails
for good, the cluster has had no worker for ``no_workers_timeout_seconds``, or the parts take
far longer than their budgets, `DistributedRunError` says which, the other parts are cancelled
and nothing is returned (so a caller writing to a database writes nothing).

Needs ``distributed`` (the ``dask`` extra).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from scheduling.checks import ProblemError, check_problem
from scheduling.evaluate import evaluate
from scheduling.problem import Problem
from scheduling.roster import Roster
from scheduling.solver import SolveResult, solve
from scheduling.split import merge_rosters, split_problem

Progress = Callable[[float, str], None]


class DistributedRunError(RuntimeError):
    """A distributed solve could not finish; the message says why. Nothing was returned."""


@dataclass(frozen=True)
class PartResult:
    """What a part's task sends back (the roster, and the figures of its own solve)."""

    problem_index: int
    part_index: int
    agents: int
    queues: tuple[str, ...]
    campaigns: tuple[str, ...]
    time_limit_seconds: float
    roster: Roster
    status: str
    objective: float
    bound: float | None
    hard_violations: int
    solve_seconds: float
    started_at: float
    finished_at: float
    worker: str
    warnings: tuple[str, ...] = ()
    short: tuple[dict[str, Any], ...] = ()
    binding_rules: tuple[str, ...] = ()
    stages: dict[str, Any] = field(default_factory=dict)

    def timing(self) -> dict[str, Any]:
        return {
            "part": self.part_index + 1,
            "agents": self.agents,
            "queues": list(self.queues),
            "campaigns": list(self.campaigns),
            "time_limit_seconds": round(self.time_limit_seconds, 2),
            "solve_seconds": round(self.solve_seconds, 2),
            "status": self.status,
            "objective": round(self.objective, 2),
            "bound": None if self.bound is None else round(self.bound, 2),
            "worker": self.worker,
        }


def solve_part(
    part: Problem,
    *,
    problem_index: int,
    part_index: int,
    time_limit_seconds: float,
    seed: int,
    cp_sat_workers: int,
) -> PartResult:
    """One part, solved where the task runs (the body of each Dask task)."""
    started = time.time()
    result = solve(part, time_limit_seconds=time_limit_seconds, seed=seed, workers=cp_sat_workers)
    return PartResult(
        problem_index=problem_index,
        part_index=part_index,
        agents=len(part.agents),
        queues=tuple(queue.code for queue in part.queues),
        campaigns=tuple(campaign.code for campaign in part.campaigns),
        time_limit_seconds=time_limit_seconds,
        roster=result.roster,
        status=result.status,
        objective=result.objective,
        bound=result.bound,
        hard_violations=result.evaluation.hard_violations,
        solve_seconds=result.solve_seconds,
        started_at=started,
        finished_at=time.time(),
        worker=_worker_address(),
        warnings=result.warnings,
        short=result.short,
        binding_rules=result.binding_rules,
        stages=result.stages,
    )


def _worker_address() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return "local"


def part_time_limits(
    parts: Sequence[Problem], time_limit_seconds: float, threads: int
) -> list[float]:
    """Each part's budget: its agents' share of ``threads`` x T, at most T (module docstring)."""
    total = sum(len(part.agents) for part in parts) or 1
    return [
        min(time_limit_seconds, time_limit_seconds * max(1, threads) * len(part.agents) / total)
        for part in parts
    ]


def solve_on_dask(
    problem: Problem,
    client: Any,
    *,
    time_limit_seconds: float = 60.0,
    seed: int = 1,
    workers: int = 1,
    progress: Progress | None = None,
    no_workers_timeout_seconds: float = 60.0,
) -> SolveResult:
    """`scheduling.solver.solve` with the parts of ``problem`` as Dask tasks on ``client``'s
    cluster; ``workers`` is the CP-SAT workers of each part."""
    return solve_all_on_dask(
        [problem],
        client,
        time_limit_seconds=time_limit_seconds,
        seed=seed,
        workers=workers,
        progress=progress,
        no_workers_timeout_seconds=no_workers_timeout_seconds,
    )[0]


def solve_all_on_dask(
    problems: Sequence[Problem],
    client: Any,
    *,
    time_limit_seconds: float = 60.0,
    seed: int = 1,
    workers: int = 1,
    progress: Progress | None = None,
    no_workers_timeout_seconds: float = 60.0,
    poll_seconds: float = 1.0,
) -> list[SolveResult]:
    """Several problems (e.g. sites) at once: every part of every problem is a task; one
    `SolveResult` per problem, in order. See the module docstring for budgets and faults."""
    if time_limit_seconds <= 0:
        raise ValueError(f"time_limit_seconds must be > 0, got {time_limit_seconds}")
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    for problem in problems:
        issues = check_problem(problem)
        if issues:
            raise ProblemError(issues)
    started = time.monotonic()

    def tell(fraction: float, message: str) -> None:
        if progress is not None:
            progress(min(1.0, fraction), message)

    threads = _threads(client)
    if threads == 0:
        raise DistributedRunError("the Dask cluster has no workers; nothing was solved")
    split = [split_problem(problem) for problem in problems]
    jobs: list[tuple[int, int, Problem, float]] = []
    for p, parts in enumerate(split):
        limits = part_time_limits(parts, time_limit_seconds, threads)
        jobs.extend(
            (p, k, part, limit) for k, (part, limit) in enumerate(zip(parts, limits, strict=True))
        )
    total_agents = sum(len(part.agents) for _, _, part, _ in jobs) or 1
    agents = sum(len(problem.agents) for problem in problems)
    tell(
        0.02,
        f"{len(jobs)} independent part(s) of {agents} agents sent "
        f"to the Dask cluster ({threads} worker thread(s)); largest part "
        f"{max(len(part.agents) for _, _, part, _ in jobs)} agents",
    )
    # the largest parts first, so the longest tasks start early (less idle time at the end)
    order = sorted(range(len(jobs)), key=lambda j: -jobs[j][3] * (1 + len(jobs[j][2].agents)))
    futures = {}
    for j in order:
        p, k, part, limit = jobs[j]
        future = client.submit(
            solve_part,
            part,
            problem_index=p,
            part_index=k,
            time_limit_seconds=limit,
            seed=seed,
            cp_sat_workers=workers,
            pure=False,
            key=f"roster-part-{p + 1}-{k + 1}-{time.time_ns()}",
        )
        futures[future] = j
    deadline = started + 1.5 * sum(limit for *_, limit in jobs) + 60.0
    results: dict[int, PartResult] = {}
    try:
        from distributed import as_completed

        with client.as_current():
            _collect(
                as_completed(list(futures), with_results=False),
                client,
                futures,
                jobs,
                results,
                tell=tell,
                total_agents=total_agents,
                deadline=deadline,
                no_workers_timeout_seconds=no_workers_timeout_seconds,
                poll_seconds=poll_seconds,
            )
    except BaseException:
        client.cancel(list(futures))
        raise
    tell(0.95, "all parts solved; merging and evaluating the whole roster")
    out = []
    for p, problem in enumerate(problems):
        mine = sorted(
            (result for result in results.values() if result.problem_index == p),
            key=lambda result: result.part_index,
        )
        out.append(_merged(problem, mine, time.monotonic() - started))
    return out


def _threads(client: Any) -> int:
    info = client.scheduler_info(n_workers=-1)
    return sum(int(worker.get("nthreads", 1)) for worker in info.get("workers", {}).values())


def _collect(
    completed: Any,
    client: Any,
    futures: dict[Any, int],
    jobs: list[tuple[int, int, Problem, float]],
    results: dict[int, PartResult],
    *,
    tell: Progress,
    total_agents: int,
    deadline: float,
    no_workers_timeout_seconds: float,
    poll_seconds: float,
) -> None:
    done_agents = 0
    no_workers_since: float | None = None
    pending = set(futures)
    while pending:
        batch = completed.next_batch(block=False)
        if not batch:
            now = time.monotonic()
            if now > deadline:
                raise DistributedRunError(
                    f"{len(pending)} roster part(s) still unsolved well past their time budgets; "
                    "the run was abandoned"
                )
            if _threads(client) > 0:
                no_workers_since = None
            elif no_workers_since is None:
                no_workers_since = now
                tell(done_agents / total_agents * 0.93, "the Dask cluster has no worker; waiting")
            elif now - no_workers_since > no_workers_timeout_seconds:
                raise DistributedRunError(
                    f"the Dask cluster has had no worker for {no_workers_timeout_seconds:g} s "
                    f"with {len(pending)} roster part(s) unsolved; the run was abandoned"
                )
            time.sleep(poll_seconds)
            continue
        for future in batch:
            pending.discard(future)
            p, k, part, _limit = jobs[futures[future]]
            label = (
                f"part {k + 1} of problem {p + 1}"
                if len(set(job[0] for job in jobs)) > 1
                else f"part {k + 1}"
            )
            if future.status != "finished":
                try:
                    future.result()
                except Exception as exc:
                    raise DistributedRunError(
                        f"roster {label} ({len(part.agents)} agents) failed on the Dask cluster: "
                        f"{type(exc).__name__}: {exc}"
                    ) from exc
                raise DistributedRunError(f"roster {label} was {future.status} on the Dask cluster")
            result: PartResult = future.result()
            results[futures[future]] = result
            done_agents += result.agents
            tell(
                0.03 + 0.9 * done_agents / total_agents,
                f"{len(results)}/{len(jobs)} parts solved; {label} ({result.agents} agents) "
                f"on {result.worker}: {result.status}, objective {result.objective:,.0f} "
                f"in {result.solve_seconds:.1f} s",
            )


def _merged(problem: Problem, parts: list[PartResult], seconds: float) -> SolveResult:
    roster = merge_rosters([part.roster for part in parts])
    first_start = min((part.started_at for part in parts), default=0.0)
    evaluation = evaluate(problem, roster)
    bounds = [part.bound for part in parts]
    bound = (
        None
        if any(value is None for value in bounds)
        else float(sum(value for value in bounds if value is not None))
    )
    if evaluation.hard_violations:
        status = "best_effort"
    elif bound is not None and bound - evaluation.objective <= 1e-4 * max(1.0, abs(bound)):
        status = "optimal"
    else:
        status = "feasible"
    short = sorted(
        (run for part in parts for run in part.short),
        key=lambda run: -float(run.get("agent_hours_short", 0)),
    )
    binding = list(dict.fromkeys(rule for part in parts for rule in part.binding_rules))
    return SolveResult(
        problem=problem,
        roster=roster,
        evaluation=evaluation,
        status=status,
        bound=bound,
        solve_seconds=seconds,
        warnings=tuple(warning for part in parts for warning in part.warnings),
        short=tuple(short[:30]),
        binding_rules=tuple(binding),
        stages={
            "distributed": {
                "parts": [
                    {
                        **part.timing(),
                        "started_seconds": round(part.started_at - first_start, 2),
                        "finished_seconds": round(part.finished_at - first_start, 2),
                    }
                    for part in parts
                ],
                "part_seconds_total": round(sum(part.solve_seconds for part in parts), 2),
                "part_seconds_max": round(
                    max((part.solve_seconds for part in parts), default=0.0), 2
                ),
                "wall_seconds": round(seconds, 2),
            }
        },
    )


def longest_processing_time(seconds: Sequence[float], machines: int) -> float:
    """Wall time of tasks of these lengths on ``machines`` (longest first to the least busy):
    how the measured parts would spread over more workers."""
    loads = [0.0] * max(1, machines)
    for length in sorted(seconds, reverse=True):
        loads[loads.index(min(loads))] += length
    return max(loads) if seconds else 0.0


__all__ = [
    "DistributedRunError",
    "PartResult",
    "longest_processing_time",
    "part_time_limits",
    "solve_all_on_dask",
    "solve_on_dask",
    "solve_part",
]
