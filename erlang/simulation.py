"""Discrete-event simulation of one queue, to check the formulas and, later, whole rosters.

The model: Poisson arrivals at a constant rate within each interval (the expected calls of the
interval spread over it), handle times and patience drawn from the chosen distributions, one FCFS
queue, and a number of agents serving that changes at interval boundaries. An agent whose
interval ends finishes the call in hand and then leaves; an agent who arrives takes the longest
waiting caller. After the last interval the last staffing level carries on until the queue is
empty. A caller whose wait would exceed their patience hangs up at that moment.

FCFS makes the event loop short: callers are handled in arrival order, each taking the server
that is free first (a heap of free times), so only arrivals need to be visited; a caller who would
wait longer than their patience leaves without touching the heap. Everything random is drawn up
front with numpy.

Confidence intervals: with several replications, each replication is one observation; with one
replication, the horizon after the warm-up is cut into equal batches in time (batch means, right
for stationary input). Each KPI is a ratio of sums and gets the ratio estimator's interval.
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_right
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from erlang import _validate as check
from erlang._numerics import FloatArray
from erlang.errors import ErlangError

HandleTimeDistribution = Literal["exponential", "lognormal", "constant"]
PatienceDistribution = Literal["exponential", "constant"]


@dataclass(frozen=True)
class Estimate:
    """A simulated KPI and its confidence interval."""

    value: float
    ci_low: float
    ci_high: float

    @property
    def half_width(self) -> float:
        return 0.5 * (self.ci_high - self.ci_low)

    def covers(self, number: float) -> bool:
        """Whether ``number`` lies inside the confidence interval."""
        return self.ci_low <= number <= self.ci_high


@dataclass(frozen=True)
class SimulationResult:
    """KPIs of the simulated calls (those arriving after the warm-up), with confidence intervals,
    and per-interval counts by arrival interval (means over replications)."""

    p_wait: Estimate
    service_level: Estimate
    service_level_of_answered: Estimate
    service_level_abandons_count: Estimate
    answer_rate: Estimate
    abandon_rate: Estimate
    asa_seconds: Estimate
    mean_wait_seconds: Estimate
    occupancy: Estimate
    calls_simulated: int
    replications: int
    offered_per_interval: FloatArray
    answered_per_interval: FloatArray
    abandoned_per_interval: FloatArray
    answered_within_threshold_per_interval: FloatArray


_KPIS = {
    # name: (numerator column, denominator column)
    "p_wait": ("waited", "offered"),
    "service_level": ("answered_in_t", "offered"),
    "service_level_of_answered": ("answered_in_t", "answered"),
    "service_level_abandons_count": ("in_t", "offered"),
    "answer_rate": ("answered", "offered"),
    "abandon_rate": ("abandoned", "offered"),
    "asa_seconds": ("wait_answered", "answered"),
    "mean_wait_seconds": ("wait_all", "offered"),
    "occupancy": ("busy", "staffed"),
}


@dataclass(frozen=True)
class _Setup:
    """The checked arguments of `simulate_queue`."""

    calls: FloatArray
    agents: NDArray[np.int64]
    aht: FloatArray
    interval: float
    threshold: float
    mean_patience: float
    handle_time: str
    cv: float
    patience: str
    reps: int
    n_batches: int
    horizon: float
    warmup: float
    level: float


def simulate_queue(
    calls_per_interval: ArrayLike,
    agents_per_interval: ArrayLike,
    *,
    interval_seconds: float,
    aht_seconds: ArrayLike,
    patience_seconds: float | None = None,
    threshold_seconds: float = 20.0,
    handle_time: HandleTimeDistribution = "exponential",
    handle_time_cv: float = 1.0,
    patience: PatienceDistribution = "exponential",
    replications: int = 10,
    batches: int = 20,
    warmup_seconds: float = 0.0,
    confidence: float = 0.95,
    seed: int | None = None,
) -> SimulationResult:
    """Simulate the queue and report the KPIs of Erlang A/C with confidence intervals.

    ``calls_per_interval`` are expected arrivals (the Poisson mean) per interval;
    ``agents_per_interval`` whole agents serving; ``aht_seconds`` the mean handle time, one value
    or one per interval (by arrival interval). ``patience_seconds`` is the mean patience (None:
    nobody hangs up). ``handle_time_cv`` is the coefficient of variation of lognormal handle
    times. With ``replications`` 1 the interval comes from ``batches`` batch means.
    """
    setup = _checked_setup(
        calls_per_interval,
        agents_per_interval,
        interval_seconds=interval_seconds,
        aht_seconds=aht_seconds,
        patience_seconds=patience_seconds,
        threshold_seconds=threshold_seconds,
        handle_time=handle_time,
        handle_time_cv=handle_time_cv,
        patience=patience,
        replications=replications,
        batches=batches,
        warmup_seconds=warmup_seconds,
        confidence=confidence,
    )
    rng = np.random.default_rng(seed)
    sums, per_interval, simulated = _simulate_replications(rng, setup)
    estimates = {
        name: _ratio_estimate(sums[num], sums[den], setup.level)
        for name, (num, den) in _KPIS.items()
    }
    per_interval /= setup.reps
    return SimulationResult(
        **estimates,
        calls_simulated=simulated,
        replications=setup.reps,
        offered_per_interval=per_interval[0],
        answered_per_interval=per_interval[1],
        abandoned_per_interval=per_interval[2],
        answered_within_threshold_per_interval=per_interval[3],
    )


def _checked_setup(
    calls_per_interval: ArrayLike,
    agents_per_interval: ArrayLike,
    *,
    interval_seconds: float,
    aht_seconds: ArrayLike,
    patience_seconds: float | None,
    threshold_seconds: float,
    handle_time: str,
    handle_time_cv: float,
    patience: str,
    replications: int,
    batches: int,
    warmup_seconds: float,
    confidence: float,
) -> _Setup:
    """Check every argument of `simulate_queue`, in order, naming the first bad one."""
    calls = np.atleast_1d(check.array("calls_per_interval", calls_per_interval, low=0.0))
    agents_f = np.atleast_1d(check.array("agents_per_interval", agents_per_interval, low=0.0))
    if calls.ndim != 1 or agents_f.ndim != 1:
        raise ErlangError("calls_per_interval", "and agents_per_interval must be 1-d")
    if (agents_f != np.round(agents_f)).any():
        raise ErlangError("agents_per_interval", "must be whole numbers")
    interval = check.scalar("interval_seconds", interval_seconds, low=0.0, low_open=True)
    aht = np.atleast_1d(check.array("aht_seconds", aht_seconds, low=0.0, low_open=True))
    calls, agents_f, aht = check.broadcast(
        calls_per_interval=calls, agents_per_interval=agents_f, aht_seconds=aht
    )
    threshold = check.scalar("threshold_seconds", threshold_seconds, low=0.0)
    mean_patience = (
        math.inf
        if patience_seconds is None
        else check.scalar("patience_seconds", patience_seconds, low=0.0, low_open=True)
    )
    if handle_time not in ("exponential", "lognormal", "constant"):
        raise ErlangError(
            "handle_time", f"must be exponential, lognormal or constant, got {handle_time!r}"
        )
    cv = check.scalar("handle_time_cv", handle_time_cv, low=0.0, low_open=True)
    if patience not in ("exponential", "constant"):
        raise ErlangError("patience", f"must be exponential or constant, got {patience!r}")
    reps = int(check.scalar("replications", replications, low=1.0))
    n_batches = int(check.scalar("batches", batches, low=2.0))
    horizon = interval * calls.size
    warmup = check.scalar("warmup_seconds", warmup_seconds, low=0.0)
    if warmup >= horizon:
        raise ErlangError("warmup_seconds", f"must be shorter than the horizon ({horizon:g} s)")
    level = check.scalar("confidence", confidence, low=0.0, low_open=True)
    if level >= 1.0:
        raise ErlangError("confidence", f"must be < 1, got {level:g}")
    return _Setup(
        calls=calls,
        agents=agents_f.astype(np.int64),
        aht=aht,
        interval=interval,
        threshold=threshold,
        mean_patience=mean_patience,
        handle_time=handle_time,
        cv=cv,
        patience=patience,
        reps=reps,
        n_batches=n_batches,
        horizon=horizon,
        warmup=warmup,
        level=level,
    )


def _simulate_replications(
    rng: np.random.Generator, setup: _Setup
) -> tuple[dict[str, FloatArray], FloatArray, int]:
    """Run every replication: the column sums per group (replication or batch), the counts
    per arrival interval (summed over replications) and the number of calls kept."""
    calls, agents, interval = setup.calls, setup.agents, setup.interval
    groups = setup.reps if setup.reps > 1 else setup.n_batches
    sums = {name: np.zeros(groups) for name in _column_names()}
    per_interval = np.zeros((4, calls.size))
    simulated = 0
    staffed_edges = np.concatenate([[0.0], np.cumsum(agents * interval)])

    for rep in range(setup.reps):
        arrivals, handle, patience_draws = _draw(
            rng,
            calls,
            setup.aht,
            interval,
            setup.handle_time,
            setup.cv,
            setup.patience,
            setup.mean_patience,
        )
        waits, served, _ = _run_fcfs(arrivals, handle, patience_draws, agents, interval)
        keep = arrivals >= setup.warmup
        arrivals, handle, waits, served = arrivals[keep], handle[keep], waits[keep], served[keep]
        simulated += int(arrivals.size)
        group, edges, base = _groups(arrivals, rep, setup)
        count = edges.size - 1
        columns = _columns(waits, served, handle, setup.threshold, group, count)
        staffed = np.diff(np.interp(edges, np.arange(calls.size + 1) * interval, staffed_edges))
        columns["staffed"] = staffed
        for name, values in columns.items():
            sums[name][base : base + count] += values
        _count_by_interval(per_interval, arrivals, waits, served, setup)
    return sums, per_interval, simulated


def _groups(
    arrivals: FloatArray, rep: int, setup: _Setup
) -> tuple[NDArray[np.int64], FloatArray, int]:
    """The group of each kept call, the groups' edges in time and the first group's row in the
    sums: one group per replication, or batches in time with a single replication."""
    if setup.reps > 1:
        group = np.zeros(arrivals.size, dtype=np.int64)
        edges = np.array([setup.warmup, setup.horizon])
        return group, edges, rep
    edges = np.linspace(setup.warmup, setup.horizon, setup.n_batches + 1)
    group = np.clip(np.searchsorted(edges, arrivals, side="right") - 1, 0, setup.n_batches - 1)
    return group, edges, 0


def _count_by_interval(
    per_interval: FloatArray,
    arrivals: FloatArray,
    waits: FloatArray,
    served: NDArray[np.bool_],
    setup: _Setup,
) -> None:
    """Add the calls offered, answered, abandoned and answered within the threshold to
    ``per_interval`` (rows in that order), by arrival interval."""
    size = setup.calls.size
    interval_index = np.minimum((arrivals // setup.interval).astype(np.int64), size - 1)
    answered_in_t = served & (waits <= setup.threshold)
    for row, weights in enumerate((None, served, ~served, answered_in_t)):
        per_interval[row] += np.bincount(
            interval_index,
            weights=None if weights is None else weights.astype(float),
            minlength=size,
        )


def _column_names() -> list[str]:
    return [
        "offered",
        "waited",
        "answered",
        "abandoned",
        "answered_in_t",
        "in_t",
        "wait_answered",
        "wait_all",
        "busy",
        "staffed",
    ]


def _columns(
    waits: FloatArray,
    served: NDArray[np.bool_],
    handle: FloatArray,
    threshold: float,
    group: NDArray[np.int64],
    count: int,
) -> dict[str, FloatArray]:
    def total(weights: FloatArray | NDArray[np.bool_] | None) -> FloatArray:
        as_float = None if weights is None else np.asarray(weights, dtype=float)
        return np.bincount(group, weights=as_float, minlength=count).astype(float)

    within = waits <= threshold
    finite_waits = np.where(np.isfinite(waits), waits, 0.0)
    return {
        "offered": total(None),
        "waited": total(waits > 0.0),
        "answered": total(served),
        "abandoned": total(~served),
        "answered_in_t": total(served & within),
        "in_t": total(within),
        "wait_answered": total(np.where(served, finite_waits, 0.0)),
        "wait_all": total(finite_waits),
        "busy": total(np.where(served, handle, 0.0)),
    }


def _ratio_estimate(numerator: FloatArray, denominator: FloatArray, level: float) -> Estimate:
    """Pooled ratio sum(x) / sum(y) with the ratio estimator's t interval across groups."""
    from scipy import stats

    total_den = float(denominator.sum())
    if total_den <= 0.0:
        return Estimate(math.nan, math.nan, math.nan)
    ratio = float(numerator.sum()) / total_den
    n_groups = numerator.size
    residual = numerator - ratio * denominator
    mean_den = total_den / n_groups
    variance = float((residual**2).sum()) / (n_groups - 1) / n_groups / mean_den**2
    half = float(stats.t.ppf(0.5 + level / 2.0, n_groups - 1)) * math.sqrt(variance)
    return Estimate(ratio, ratio - half, ratio + half)


def _draw(
    rng: np.random.Generator,
    calls: FloatArray,
    aht: FloatArray,
    interval: float,
    handle_time: str,
    cv: float,
    patience: str,
    mean_patience: float,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    counts = rng.poisson(calls)
    total = int(counts.sum())
    which = np.repeat(np.arange(calls.size), counts)
    arrivals = np.sort((which + rng.random(total)) * interval)
    # Sorting keeps each arrival in its interval, so the interval index is still `which`.
    mean_handle = aht[which]
    if handle_time == "exponential":
        handle = rng.exponential(1.0, total) * mean_handle
    elif handle_time == "lognormal":
        sigma2 = math.log1p(cv * cv)
        handle = mean_handle * np.exp(rng.normal(-sigma2 / 2.0, math.sqrt(sigma2), total))
    else:
        handle = mean_handle.astype(float)
    if math.isinf(mean_patience):
        patience_draws = np.full(total, math.inf)
    elif patience == "exponential":
        patience_draws = rng.exponential(mean_patience, total)
    else:
        patience_draws = np.full(total, mean_patience)
    return arrivals, handle, patience_draws


def _run_fcfs(
    arrivals: FloatArray,
    handle: FloatArray,
    patience: FloatArray,
    agents: NDArray[np.int64],
    interval: float,
) -> tuple[FloatArray, NDArray[np.bool_], FloatArray]:
    """Waits, served flags and service starts of FCFS callers, in arrival order.

    Server k (k = 0, 1, ...) is on duty in the intervals whose staffing exceeds k. The heap holds
    (time the server is next free, k); a server found off duty at the moment it would be used
    is pushed back to the start of its next duty interval.
    """
    intervals = agents.size
    slots = int(agents.max()) if intervals else 0
    staffing = [int(count) for count in agents]
    duty = [np.flatnonzero(agents > k).tolist() for k in range(slots)]
    heap = [(duty[k][0] * interval if duty[k] else math.inf, k) for k in range(slots)]
    if not heap:
        heap = [(math.inf, -1)]
    heapq.heapify(heap)
    constant = bool((agents == agents[0]).all())
    last = intervals - 1
    inf = math.inf
    heapreplace = heapq.heapreplace

    n_calls = arrivals.size
    waits = [0.0] * n_calls
    starts = [inf] * n_calls
    served = [False] * n_calls
    for i, (arrival, handle_seconds, patience_seconds) in enumerate(
        zip(arrivals.tolist(), handle.tolist(), patience.tolist(), strict=True)
    ):
        while True:
            free, k = heap[0]
            start = arrival if arrival > free else free
            if constant or start == inf:
                break
            j = int(start // interval)
            if j > last:
                j = last
            if staffing[j] > k:
                break
            on = duty[k]
            position = bisect_right(on, j)
            heapreplace(heap, (on[position] * interval if position < len(on) else inf, k))
        wait = start - arrival
        if start != inf and wait <= patience_seconds:
            waits[i] = wait
            starts[i] = start
            served[i] = True
            heapreplace(heap, (start + handle_seconds, k))
        else:
            waits[i] = patience_seconds if patience_seconds != inf else inf
    return (
        np.asarray(waits, dtype=float),
        np.asarray(served, dtype=bool),
        np.asarray(starts, dtype=float),
    )
