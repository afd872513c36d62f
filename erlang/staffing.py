"""Staffing: the least agents per interval that meet every service target, then scheduled FTE.

Targets are combined: the requirement is the least whole number of agents at which all the
targets given hold (service level at the threshold, maximum ASA, maximum abandon rate or minimum
answer rate, maximum occupancy). Erlang A is used when a patience is given, Erlang C otherwise.
Every KPI used here improves (or stays) as agents are added, so the least staffing is found by
stepping up from a lower bound (Erlang C, by the Erlang B recursion) or by bracketing and
bisection (Erlang A, or a fractional concurrency).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn

import numpy as np
from numpy.typing import ArrayLike, NDArray

from erlang import _validate as check
from erlang._numerics import FloatArray, log_erlang_b
from erlang.errors import ErlangError
from erlang.models import erlang_a_kpis, erlang_c_kpis

IntArray = NDArray[np.int64]

# Comparisons against targets forgive rounding in the last bits.
_TOLERANCE = 1e-12


@dataclass(frozen=True)
class StaffingResult:
    """Required agents per interval and the KPIs predicted at that staffing.

    ``agents`` are agents serving (whole numbers); ``scheduled_agents`` is
    ``agents / (1 - shrinkage)`` rounded up. ``answer_rate`` and ``abandon_rate`` are given when
    the requirement came from Erlang A (a patience was given), else they are None.
    """

    agents: IntArray
    scheduled_agents: IntArray
    service_level: FloatArray
    asa_seconds: FloatArray
    occupancy: FloatArray
    p_wait: FloatArray
    load_erlangs: FloatArray
    answer_rate: FloatArray | None
    abandon_rate: FloatArray | None
    model: str


@dataclass(frozen=True)
class _Targets:
    service_level: FloatArray | None
    threshold_seconds: FloatArray
    max_asa_seconds: FloatArray | None
    max_abandon_rate: FloatArray | None
    max_occupancy: FloatArray | None

    def take(self, index: IntArray) -> _Targets:
        def pick(values: FloatArray | None) -> FloatArray | None:
            return None if values is None else _at(values, index)

        return _Targets(
            service_level=pick(self.service_level),
            threshold_seconds=_at(self.threshold_seconds, index),
            max_asa_seconds=pick(self.max_asa_seconds),
            max_abandon_rate=pick(self.max_abandon_rate),
            max_occupancy=pick(self.max_occupancy),
        )


def scheduled_from_required(agents: ArrayLike, shrinkage: ArrayLike) -> IntArray:
    """Agents to schedule so that ``agents`` remain after shrinkage: agents / (1 - shrinkage)."""
    serving = check.array("agents", agents, low=0.0)
    lost = check.array("shrinkage", shrinkage, low=0.0, high=1.0, high_open=True)
    gross = serving / (1.0 - lost)
    # 14 / 0.7 is 20.000000000000004 in floating point: forgive that before rounding up.
    return np.ceil(gross * (1.0 - 1e-12)).astype(np.int64)


def required_agents(
    calls: ArrayLike,
    interval_seconds: ArrayLike,
    aht_seconds: ArrayLike,
    *,
    service_level: ArrayLike | None = None,
    threshold_seconds: ArrayLike = 20.0,
    max_asa_seconds: ArrayLike | None = None,
    max_abandon_rate: ArrayLike | None = None,
    min_answer_rate: ArrayLike | None = None,
    patience_seconds: ArrayLike | None = None,
    max_occupancy: ArrayLike | None = None,
    concurrency: ArrayLike = 1.0,
    shrinkage: ArrayLike = 0.0,
) -> StaffingResult:
    """Least agents per interval meeting every target given, and scheduled agents after shrinkage.

    Zero calls need zero agents. ``min_answer_rate`` is the same target as
    ``max_abandon_rate = 1 - min_answer_rate`` (the stricter one applies when both are given);
    both need ``patience_seconds``. The occupancy cap applies to the offered load:
    agents >= load / (max_occupancy * concurrency).
    """
    calls_a = check.array("calls", calls, low=0.0)
    interval_a = check.array("interval_seconds", interval_seconds, low=0.0, low_open=True)
    aht_a = check.handle_time(aht_seconds, calls_a)
    threshold_a = check.array("threshold_seconds", threshold_seconds, low=0.0)
    concurrency_a = check.array("concurrency", concurrency, low=1.0)
    shrinkage_a = check.array("shrinkage", shrinkage, low=0.0, high=1.0, high_open=True)
    sl_a = None if service_level is None else check.fraction_open("service_level", service_level)
    asa_a = None
    if max_asa_seconds is not None:
        asa_a = check.array("max_asa_seconds", max_asa_seconds, low=0.0)
        if (asa_a <= 0.0).any():
            raise ErlangError(
                "max_asa_seconds",
                "must be > 0: no staffing answers every contact without any wait",
            )
    abandon_a = None
    if max_abandon_rate is not None:
        abandon_a = check.fraction_open("max_abandon_rate", max_abandon_rate)
    if min_answer_rate is not None:
        answer_a = check.fraction_open("min_answer_rate", min_answer_rate)
        from_answer = 1.0 - answer_a
        abandon_a = from_answer if abandon_a is None else np.minimum(abandon_a, from_answer)
    occupancy_a = None
    if max_occupancy is not None:
        occupancy_a = check.array("max_occupancy", max_occupancy, low=0.0, low_open=True, high=1.0)
    patience_a = None
    if patience_seconds is not None:
        patience_a = check.array("patience_seconds", patience_seconds, low=0.0, low_open=True)
    if abandon_a is not None and patience_a is None:
        argument = "max_abandon_rate" if max_abandon_rate is not None else "min_answer_rate"
        raise ErlangError(
            argument, "needs patience_seconds: abandonment is predicted by Erlang A only"
        )
    if sl_a is None and asa_a is None and abandon_a is None and occupancy_a is None:
        raise ErlangError(
            "service_level",
            "or another target is required (max_asa_seconds, max_abandon_rate, "
            "min_answer_rate, max_occupancy)",
        )

    named: dict[str, FloatArray] = {
        "calls": calls_a,
        "interval_seconds": interval_a,
        "aht_seconds": aht_a,
        "threshold_seconds": threshold_a,
        "concurrency": concurrency_a,
        "shrinkage": shrinkage_a,
    }
    optional = {
        "service_level": sl_a,
        "max_asa_seconds": asa_a,
        "max_abandon_rate": abandon_a,
        "max_occupancy": occupancy_a,
        "patience_seconds": patience_a,
    }
    named.update({k: v for k, v in optional.items() if v is not None})
    check.broadcast(**named)
    shape = np.broadcast_shapes(*(np.shape(v) for v in named.values()))
    # Single values stay 0-d (no copies over millions of cells); arrays become flat.
    flat = {
        k: v.reshape(()) if v.size == 1 else np.broadcast_to(v, shape).ravel()
        for k, v in named.items()
    }
    size = math.prod(shape)
    load = flat["calls"] / flat["interval_seconds"] * flat["aht_seconds"]
    load = np.broadcast_to(load, (size,)).ravel()
    targets = _Targets(
        service_level=flat.get("service_level"),
        threshold_seconds=flat["threshold_seconds"],
        max_asa_seconds=flat.get("max_asa_seconds"),
        max_abandon_rate=flat.get("max_abandon_rate"),
        max_occupancy=flat.get("max_occupancy"),
    )
    per_agent = flat["concurrency"]
    aht = flat["aht_seconds"]
    lower = _lower_bound(load, per_agent, targets.max_occupancy, stable=patience_a is None)

    if patience_a is None:
        if np.all(per_agent == np.round(per_agent)):
            agents, log_b = _erlang_c_by_recursion(load, aht, per_agent, targets, lower)
        else:

            def ok_c(index: IntArray, candidate: IntArray) -> NDArray[np.bool_]:
                servers = candidate * _at(per_agent, index)
                a = load[index]
                kpis = erlang_c_kpis(
                    servers,
                    a,
                    _at(aht, index),
                    _at(targets.threshold_seconds, index),
                    log_erlang_b(servers, a),
                )
                return _meets(targets.take(index), *kpis[:3], abandon_rate=None)

            agents = _least_by_bisection(load / per_agent, lower, ok_c, targets)
            log_b = log_erlang_b(agents * per_agent, load)
        p_wait, sl, asa, occ = erlang_c_kpis(
            agents * per_agent, load, aht, targets.threshold_seconds, log_b
        )
        answer_rate = abandon_rate = None
        model = "erlang_c"
    else:
        rate = np.broadcast_to(flat["calls"] / flat["interval_seconds"], (size,)).ravel()
        patience = flat["patience_seconds"]

        def ok_a(index: IntArray, candidate: IntArray) -> NDArray[np.bool_]:
            kpis = erlang_a_kpis(
                candidate * _at(per_agent, index),
                rate[index],
                _at(aht, index),
                _at(patience, index),
                _at(targets.threshold_seconds, index),
            )
            return _meets(
                targets.take(index),
                kpis["p_wait"],
                kpis["service_level"],
                kpis["asa_seconds"],
                abandon_rate=kpis["abandon_rate"],
            )

        agents = _least_by_bisection(load / per_agent, lower, ok_a, targets)
        kpis = erlang_a_kpis(agents * per_agent, rate, aht, patience, targets.threshold_seconds)
        p_wait, sl, asa, occ = (
            kpis["p_wait"],
            kpis["service_level"],
            kpis["asa_seconds"],
            kpis["occupancy"],
        )
        answer_rate = kpis["answer_rate"].reshape(shape)
        abandon_rate = kpis["abandon_rate"].reshape(shape)
        model = "erlang_a"

    return StaffingResult(
        agents=agents.reshape(shape),
        scheduled_agents=scheduled_from_required(agents, flat["shrinkage"]).reshape(shape),
        service_level=np.asarray(sl).reshape(shape),
        asa_seconds=np.asarray(asa).reshape(shape),
        occupancy=np.asarray(occ).reshape(shape),
        p_wait=np.asarray(p_wait).reshape(shape),
        load_erlangs=load.reshape(shape),
        answer_rate=answer_rate,
        abandon_rate=abandon_rate,
        model=model,
    )


def _at(values: FloatArray, index: IntArray) -> FloatArray:
    """``values[index]``, or the single value itself when it is 0-d."""
    return values if values.ndim == 0 else values[index]


def _lower_bound(
    load: FloatArray, per_agent: FloatArray, max_occupancy: FloatArray | None, *, stable: bool
) -> IntArray:
    """Agents below which no target can hold: stability (Erlang C) and the occupancy cap."""
    lower = np.zeros(load.shape, dtype=np.int64)
    busy = np.flatnonzero(load > 0.0)
    agents_load = load[busy] / _at(per_agent, busy)
    bound = np.ones(busy.size, dtype=np.int64)
    if stable:
        bound = np.maximum(bound, agents_load.astype(np.int64) + 1)
    if max_occupancy is not None:
        cap = np.ceil(agents_load / _at(max_occupancy, busy) * (1.0 - 1e-12))
        bound = np.maximum(bound, cap.astype(np.int64))
    lower[busy] = bound
    return lower


def _meets(
    targets: _Targets,
    p_wait: FloatArray,
    service_level: FloatArray,
    asa_seconds: FloatArray,
    *,
    abandon_rate: FloatArray | None,
) -> NDArray[np.bool_]:
    ok = np.ones(np.shape(p_wait), dtype=bool)
    if targets.service_level is not None:
        ok &= service_level >= targets.service_level - _TOLERANCE
    if targets.max_asa_seconds is not None:
        ok &= asa_seconds <= targets.max_asa_seconds * (1.0 + _TOLERANCE)
    if targets.max_abandon_rate is not None and abandon_rate is not None:
        ok &= abandon_rate <= targets.max_abandon_rate + _TOLERANCE
    return ok


def _erlang_c_by_recursion(
    load: FloatArray,
    aht: FloatArray,
    per_agent: FloatArray,
    targets: _Targets,
    lower: IntArray,
) -> tuple[IntArray, FloatArray]:
    """Step agents up from the lower bound, carrying Erlang B forward by its recursion.

    Each added agent adds ``concurrency`` servers: B(s+1) = A B(s) / (s + 1 + A B(s)).
    Returns the agents and log Erlang B at their servers.
    """
    agents = lower.copy()
    final_log_b = np.where(lower > 0, -np.inf, 0.0)  # zero load: B = 0 (or 1 with no agents)
    index = np.flatnonzero(load > 0.0)
    a = load[index]
    step = np.asarray(_at(per_agent, index)).astype(np.int64)
    n = agents[index]
    servers = (n * step).astype(float)
    blocking = np.exp(log_erlang_b(servers, a))
    h = _at(aht, index)
    sub = targets.take(index)
    while index.size:
        # Every cell here is stable (servers > load > 0): the plain Erlang C formulas apply.
        gap = servers - a
        p_wait = servers * blocking / (gap + a * blocking)
        done = np.ones(index.size, dtype=bool)
        if sub.service_level is not None:
            sl = 1.0 - p_wait * np.exp(-gap * sub.threshold_seconds / h)
            done &= sl >= sub.service_level - _TOLERANCE
        if sub.max_asa_seconds is not None:
            done &= p_wait * h / gap <= sub.max_asa_seconds * (1.0 + _TOLERANCE)
        finished = index[done]
        agents[finished] = n[done]
        with np.errstate(divide="ignore"):
            final_log_b[finished] = np.log(blocking[done])
        keep = np.flatnonzero(~done)
        if not keep.size:
            break
        index, n = index[keep], n[keep] + 1
        a, servers, blocking = a[keep], servers[keep], blocking[keep]
        step = step if step.ndim == 0 else step[keep]
        h = h if h.ndim == 0 else h[keep]
        sub = sub.take(keep)
        for added in range(int(np.max(step))):
            move = added < step
            servers = np.where(move, servers + 1.0, servers)
            blocking = np.where(move, a * blocking / (servers + a * blocking), blocking)
        beyond = np.flatnonzero(n > _search_limit(a / step))
        if beyond.size:
            _unreachable(sub, beyond[0])
    return agents, final_log_b


def _search_limit(agents_load: FloatArray) -> FloatArray:
    """No finite target needs more agents than this; beyond it the target is unreachable."""
    return 2.0 * agents_load + 60.0 * np.sqrt(agents_load) + 1000.0


def _unreachable(targets: _Targets, position: int | np.integer) -> NoReturn:
    for name in ("max_asa_seconds", "service_level", "max_abandon_rate"):
        values = getattr(targets, name)
        if values is not None:
            held = np.asarray(values)  # one target for every interval, or one per interval
            value = held.item() if held.ndim == 0 else held.flat[position]
            raise ErlangError(name, f"{value:g} cannot be met by any reasonable staffing")
    raise ErlangError("service_level", "cannot be met by any reasonable staffing")


def _least_by_bisection(
    agents_load: FloatArray,
    lower: IntArray,
    ok: Callable[[IntArray, IntArray], NDArray[np.bool_]],
    targets: _Targets,
) -> IntArray:
    """Least integer n >= lower with ok(n), assuming ok is monotone in n (vectorised)."""
    agents = lower.copy()
    index = np.flatnonzero(agents_load > 0.0)
    if not index.size:
        return agents
    base = lower[index]
    width = np.maximum(1, np.ceil(np.sqrt(agents_load[index]))).astype(np.int64)
    guess = np.maximum(base, np.ceil(agents_load[index]).astype(np.int64) + width)
    failing = base - 1  # the largest staffing known (or assumed) to fail
    passing = guess.copy()
    limit = _search_limit(agents_load[index])
    # Bracket: raise the guess until the targets hold.
    todo = np.arange(index.size)
    while todo.size:
        good = ok(index[todo], passing[todo])
        bad = todo[~good]
        failing[bad] = passing[bad]
        passing[bad] = passing[bad] + width[bad]
        width[bad] *= 2
        todo = bad
        beyond = todo[passing[todo] > limit[todo]]
        if beyond.size:
            _unreachable(targets, index[beyond[0]])
    # Bisect between a failing and a passing staffing.
    todo = np.flatnonzero(passing - failing > 1)
    while todo.size:
        middle = (passing[todo] + failing[todo]) // 2
        good = ok(index[todo], middle)
        passing[todo[good]] = middle[good]
        failing[todo[~good]] = middle[~good]
        todo = todo[passing[todo] - failing[todo] > 1]
    agents[index] = passing
    return agents
