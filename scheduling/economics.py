"""What a roster is worth: the requirement per queue and interval, the value of serving, and
the predicted service (Erlang A). These definitions belong to the problem, not to the solver:
the optimizer maximises them and the evaluation recomputes them on the finished roster. Every
queueing figure comes from the queue's `QueueModel` (`QueueSpec.model`).

Serving. For queue q and interval t with k agents rostered to serve, the value is

    V(k) = value_per_answered_contact * answered(k) - P * interval_hours * max(0, r - k)

where answered(k) is Erlang A's expected contacts answered when each of the k agents is absent
with probability s = shrinkage (unplanned shrinkage takes whole agents): the expectation of
answered(N) over N ~ Binomial(k, 1 - s) agents serving (times the queue's concurrency), which is
below answered(k * (1 - s)) as answered is concave in the agents; r the requirement (the least
agents rostered whose expected service meets the queue's targets) and P the under-target penalty
per agent-hour. The objective uses V through a concave
piecewise-linear function: exact at breakpoints k in {0, r/4, r/2, 3r/4, r, and three points
above r}, linear between them (the upper concave envelope if Erlang's curve dents), flat after the
last. P above the best selling value keeps selling from ever taking an agent off a queue that is
short of its requirement.

Selling. An agent-interval of selling campaign c earns its value per productive hour at the local
hour of the interval start, times the campaign's efficiency, times the interval's hours.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from scheduling.problem import Problem, QueueSpec
from wfm.domain.queue_model import QueueModel

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BREAKPOINTS = 8


@dataclass(frozen=True)
class ServeCurve:
    """Serving value of one queue: breakpoints (agents) and values (money per interval), shape
    (intervals, BREAKPOINTS), strictly increasing points padded by repeating the last."""

    queue: str
    required: IntArray
    points: IntArray
    values: FloatArray

    def value(self, serving: NDArray[np.int64] | NDArray[np.float64]) -> FloatArray:
        """The piecewise-linear value at `serving` agents per interval."""
        k = np.asarray(serving, dtype=float)
        out = np.empty(k.shape)
        for t in range(k.shape[0]):
            out[t] = np.interp(k[t], self.points[t], self.values[t])
        return out

    def tiers(self, t: int) -> list[tuple[int, float]]:
        """(width in agents, value per agent) of each tier of interval t, best first."""
        result = []
        pts, vals = self.points[t], self.values[t]
        for j in range(len(pts) - 1):
            width = int(pts[j + 1] - pts[j])
            if width > 0:
                result.append((width, float((vals[j + 1] - vals[j]) / width)))
        return result


def requirement(problem: Problem, queue: QueueSpec, model: QueueModel | None = None) -> IntArray:
    """Agents to roster per interval whose expected service, each absent with probability
    `Problem.shrinkage` (`QueueModel.requirement_under_absence`), meets the queue's targets. A
    given requirement (agents serving) is grossed up by 1 / (1 - shrinkage). `model`: the
    queue's model when the caller holds it (a memoised one, `QueueModel.memoised`)."""
    keep = 1.0 - problem.shrinkage
    if queue.required_agents is not None:
        given = np.asarray(queue.required_agents, dtype=float)
        return np.ceil(given / keep - 1e-9).astype(np.int64)
    assert queue.contacts is not None and queue.aht_seconds is not None
    calls = np.asarray(queue.contacts, dtype=float)
    staffing = (model or _model(problem, queue)).requirement_under_absence(
        calls, np.asarray(queue.aht_seconds, dtype=float), problem.shrinkage
    )
    return staffing.scheduled_agents.reshape(calls.shape)


def answered(
    problem: Problem,
    queue: QueueSpec,
    serving: NDArray[np.float64],
    model: QueueModel | None = None,
) -> FloatArray:
    """Expected contacts answered with `serving` rostered agents, each absent with probability
    `Problem.shrinkage` (`QueueModel.kpis_under_absence`); shape of `serving`, whose first axis
    is the interval. `model` as for `requirement`."""
    assert queue.contacts is not None and queue.aht_seconds is not None
    k = np.asarray(serving, dtype=float)
    extra = (1,) * (k.ndim - 1)
    calls = np.asarray(queue.contacts, dtype=float).reshape(-1, *extra)
    aht = np.broadcast_to(np.asarray(queue.aht_seconds, dtype=float), (calls.shape[0],))
    kpis = (model or _model(problem, queue)).kpis_under_absence(
        calls, aht.reshape(-1, *extra), k, problem.shrinkage
    )
    return kpis.answered


def serve_curve(problem: Problem, queue: QueueSpec, model: QueueModel | None = None) -> ServeCurve:
    """The queue's serve curve (see the module docstring). Its requirement and its values ask the
    same agents-present cells of the queue's model, so they share one memoised model (`model`
    when given, e.g. the evaluation's, whose predicted service then reuses it too)."""
    model = model or _model(problem, queue).memoised()
    required = requirement(problem, queue, model)
    total = required.shape[0]
    penalty = problem.under_target_penalty_per_agent_hour() * problem.interval_hours
    points = np.zeros((total, BREAKPOINTS), dtype=np.int64)
    for t in range(total):
        r = int(required[t])
        if r == 0:
            candidates = [0]
            if queue.contacts is not None and queue.contacts[t] > 0:
                candidates += [1, 2, 4]
        else:
            candidates = [
                0,
                math.ceil(r / 4),
                math.ceil(r / 2),
                math.ceil(3 * r / 4),
                r,
                r + max(1, math.ceil(r / 10)),
                r + max(2, math.ceil(r / 4)),
                r + max(4, math.ceil(r / 2)),
            ]
        unique = sorted(set(candidates))
        points[t, : len(unique)] = unique
        points[t, len(unique) :] = unique[-1]
    values = -penalty * np.maximum(0, required[:, None] - points).astype(float)
    if queue.contacts is not None:
        values = values + queue.value_per_answered_contact * answered(
            problem, queue, points.astype(float), model
        )
    for t in range(total):
        values[t] = _concave_envelope(points[t], values[t])
    return ServeCurve(queue=queue.code, required=required, points=points, values=values)


def serve_curves(problem: Problem) -> tuple[ServeCurve, ...]:
    return tuple(serve_curve(problem, q) for q in problem.queues)


def _concave_envelope(points: IntArray, values: FloatArray) -> FloatArray:
    """Raise values to the upper concave envelope over the distinct points (padding follows)."""
    count = int(np.searchsorted(points, points[-1]) + 1)
    xs, ys = points[:count].astype(float), values[:count].copy()
    hull: list[int] = []
    for i in range(count):
        while len(hull) >= 2:
            a, b = hull[-2], hull[-1]
            # drop b when it lies on or below the chord from a to i
            if (ys[b] - ys[a]) * (xs[i] - xs[a]) <= (ys[i] - ys[a]) * (xs[b] - xs[a]):
                hull.pop()
            else:
                break
        hull.append(i)
    out = np.interp(xs, xs[hull], ys[hull])
    # a non-decreasing value: more agents never lower it
    out = np.maximum.accumulate(out)
    result = values.copy()
    result[:count] = out
    result[count:] = out[-1]
    return result


@dataclass(frozen=True)
class QueueKpis:
    """Predicted service per interval with `serving` rostered agents (Erlang A)."""

    serving: IntArray
    service_level: FloatArray
    answer_rate: FloatArray
    asa_seconds: FloatArray
    occupancy: FloatArray
    answered: FloatArray


def queue_kpis(
    problem: Problem, queue: QueueSpec, serving: IntArray, model: QueueModel | None = None
) -> QueueKpis | None:
    """Expected Erlang A KPIs of a queue with a forecast with `serving` rostered agents, each
    absent with probability `Problem.shrinkage` (`QueueModel.kpis_under_absence`); None for a
    queue given only a requirement. `model` as for `requirement`."""
    if queue.contacts is None or queue.aht_seconds is None:
        return None
    calls = np.asarray(queue.contacts, dtype=float)
    aht = np.broadcast_to(np.asarray(queue.aht_seconds, dtype=float), calls.shape)
    kpis = (model or _model(problem, queue)).kpis_under_absence(
        calls, aht, np.asarray(serving, dtype=float), problem.shrinkage
    )
    assert kpis.answer_rate is not None  # a problem's queue is Erlang A
    return QueueKpis(
        serving=np.asarray(serving, dtype=np.int64),
        service_level=kpis.service_level,
        answer_rate=kpis.answer_rate,
        asa_seconds=kpis.asa_seconds,
        occupancy=kpis.occupancy,
        answered=kpis.answered,
    )


def _model(problem: Problem, queue: QueueSpec) -> QueueModel:
    return queue.model(problem.horizon.interval_minutes)
