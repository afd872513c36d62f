"""A roster's predicted service checked call by call, with absences drawn at the unplanned rate.

The evaluation predicts each queue's week from Erlang A in expectation over the agents present:
each of the `serving` agents rostered in an interval is absent with probability `shrinkage`, the
share of rostered serving time lost to absence, lateness and unplanned aux (`Problem.shrinkage`;
`QueueModel.kpis_under_absence`). Here the same week is *played*: in each replication every
agent's shift is lost whole with probability `absence_rate` (an agent off sick for the day), the
remaining agents serve their rostered queues, and each queue's calls are simulated one by one
(`QueueModel.simulate`: Poisson arrivals at the forecast, exponential handle times and patience,
FCFS, whole agents changing at interval boundaries, a chat agent `concurrency` servers). The
simulated week's service level (answered within the threshold / offered) and answer rate
(answered / offered) are compared with the prediction, per queue.

Nothing of the optimizer is used: the serving agents are read from the roster's activities.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from scheduling.evaluate import evaluate
from scheduling.problem import Problem
from scheduling.roster import Roster


@dataclass(frozen=True)
class QueueCheck:
    queue_code: str
    offered: float  # simulated contacts over the week and the replications
    predicted_service_level: float
    simulated_service_level: float
    predicted_answer_rate: float
    simulated_answer_rate: float

    @property
    def service_level_points(self) -> float:
        """Simulated minus predicted service level, in points."""
        return 100.0 * (self.simulated_service_level - self.predicted_service_level)

    @property
    def answer_rate_points(self) -> float:
        return 100.0 * (self.simulated_answer_rate - self.predicted_answer_rate)


def _serve_spans(problem: Problem, roster: Roster) -> list[tuple[int, str, list[int]]]:
    """Per rostered shift: (shift number, queue, intervals served) for each queue it serves."""
    step = timedelta(minutes=problem.horizon.interval_minutes)
    start, total = problem.start_utc, problem.interval_count
    out: list[tuple[int, str, list[int]]] = []
    for number, shift in enumerate(roster.shifts):
        by_queue: dict[str, list[int]] = defaultdict(list)
        for span in shift.activities:
            kind, _, code = span.activity.partition(":")
            if kind != "serve":
                continue
            first = max(0, int((span.start_utc - start) / step))
            last = min(total, int(-(-(span.end_utc - start) // step)))
            by_queue[code].extend(range(first, last))
        out.extend((number, code, ts) for code, ts in by_queue.items())
    return out


def simulate_with_absences(
    problem: Problem,
    roster: Roster,
    *,
    absence_rate: float | None = None,
    replications: int = 10,
    seed: int = 1,
) -> list[QueueCheck]:
    """Each queue's week simulated `replications` times, with shifts lost whole at
    `absence_rate` (default the problem's shrinkage), against the evaluation's prediction."""
    if replications < 1:
        raise ValueError(f"replications must be >= 1, got {replications}")
    rate = problem.shrinkage if absence_rate is None else absence_rate
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"absence_rate must be in [0, 1), got {rate}")
    evaluation = evaluate(problem, roster)
    spans = _serve_spans(problem, roster)
    shifts = len(roster.shifts)
    total = problem.interval_count
    rng = np.random.default_rng(seed)
    sums = {q.code: np.zeros(3) for q in problem.queues}  # offered, answered, within
    for r in range(replications):
        present = rng.random(shifts) >= rate
        servers = {q.code: np.zeros(total, dtype=np.int64) for q in problem.queues}
        for number, code, ts in spans:
            if present[number] and code in servers:
                np.add.at(servers[code], ts, 1)
        for q_index, queue in enumerate(problem.queues):
            if queue.contacts is None or queue.aht_seconds is None:
                continue
            model = queue.model(problem.horizon.interval_minutes)
            result = model.simulate(
                np.asarray(queue.contacts, dtype=float),
                np.asarray(queue.aht_seconds, dtype=float),
                servers[queue.code],
                seed=int(rng.integers(2**31)) + 7919 * q_index + r,
                replications=1,
            )
            sums[queue.code] += (
                float(np.sum(result.offered_per_interval)),
                float(np.sum(result.answered_per_interval)),
                float(np.sum(result.answered_within_threshold_per_interval)),
            )
    checks = []
    for q_index, queue in enumerate(problem.queues):
        report = evaluation.queues[q_index]
        offered, answered, within = sums[queue.code]
        if offered <= 0 or report.predicted_service_level is None:
            continue
        checks.append(
            QueueCheck(
                queue_code=queue.code,
                offered=offered,
                predicted_service_level=float(report.predicted_service_level),
                simulated_service_level=within / offered,
                predicted_answer_rate=float(report.predicted_answer_rate or 0.0),
                simulated_answer_rate=answered / offered,
            )
        )
    return checks
