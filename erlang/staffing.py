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
    availability: ArrayLike = 1.0,
) -> StaffingResult:
    """Least agents per interval meeting every target given, and scheduled agents after shrinkage.

    Zero calls need zero agents. ``min_answer_rate`` is the same target as
    ``max_abandon_rate = 1 - min_answer_rate`` (the stricter one applies when both are given);
    both need ``patience_seconds``. The occupancy cap applies to the offered load:
    agents >= load / (max_occupancy * concurrency).

    ``availability`` (0 < a <= 1, a calibration's): the share of the agents' time the queue
    effectively has; each agent is then concurrency x availability servers, and occupancy is
    the load per effective server.
    """
    named = _checked_workload(
        calls, interval_seconds, aht_seconds, threshold_seconds, concurrency, shrinkage
    )
    available = check.array("availability", availability, low=0.0, low_open=True, high=1.0)
    if not np.all(available == 1.0):
        named["concurrency"], named["availability"] = check.broadcast(
            concurrency=named["concurrency"], availability=available
        )
        named["concurrency"] = named["concurrency"] * named.pop("availability")
    named.update(
        _checked_targets(
            service_level=service_level,
            max_asa_seconds=max_asa_seconds,
            max_abandon_rate=max_abandon_rate,
            min_answer_rate=min_answer_rate,
            patience_seconds=patience_seconds,
            max_occupancy=max_occupancy,
        )
    )
    cells = _flat_cells(named)
    erlang_c_model = cells.patience_seconds is None
    lower = _lower_bound(
        cells.load, cells.per_agent, cells.targets.max_occupancy, stable=erlang_c_model
    )
    if erlang_c_model:
        return _staff_by_erlang_c(cells, lower)
    return _staff_by_erlang_a(cells, lower)


def _checked_workload(
    calls: ArrayLike,
    interval_seconds: ArrayLike,
    aht_seconds: ArrayLike,
    threshold_seconds: ArrayLike,
    concurrency: ArrayLike,
    shrinkage: ArrayLike,
) -> dict[str, FloatArray]:
    """The arguments every requirement needs, checked, by argument name."""
    calls_values = check.array("calls", calls, low=0.0)
    return {
        "calls": calls_values,
        "interval_seconds": check.array(
            "interval_seconds", interval_seconds, low=0.0, low_open=True
        ),
        "aht_seconds": check.handle_time(aht_seconds, calls_values),
        "threshold_seconds": check.array("threshold_seconds", threshold_seconds, low=0.0),
        "concurrency": check.array("concurrency", concurrency, low=1.0),
        "shrinkage": check.array("shrinkage", shrinkage, low=0.0, high=1.0, high_open=True),
    }


def _checked_targets(
    *,
    service_level: ArrayLike | None,
    max_asa_seconds: ArrayLike | None,
    max_abandon_rate: ArrayLike | None,
    min_answer_rate: ArrayLike | None,
    patience_seconds: ArrayLike | None,
    max_occupancy: ArrayLike | None,
) -> dict[str, FloatArray]:
    """The targets given (and the patience), checked, by argument name.

    ``min_answer_rate`` comes back folded into ``max_abandon_rate``. At least one target is
    required, and an abandonment target needs a patience.
    """
    sl_values = None
    if service_level is not None:
        sl_values = check.fraction_open("service_level", service_level)
    asa_values = None
    if max_asa_seconds is not None:
        asa_values = check.array("max_asa_seconds", max_asa_seconds, low=0.0)
        if (asa_values <= 0.0).any():
            raise ErlangError(
                "max_asa_seconds",
                "must be > 0: no staffing answers every contact without any wait",
            )
    abandon_values = None
    if max_abandon_rate is not None:
        abandon_values = check.fraction_open("max_abandon_rate", max_abandon_rate)
    if min_answer_rate is not None:
        answer_values = check.fraction_open("min_answer_rate", min_answer_rate)
        from_answer = 1.0 - answer_values
        abandon_values = (
            from_answer if abandon_values is None else np.minimum(abandon_values, from_answer)
        )
    occupancy_values = None
    if max_occupancy is not None:
        occupancy_values = check.array(
            "max_occupancy", max_occupancy, low=0.0, low_open=True, high=1.0
        )
    patience_values = None
    if patience_seconds is not None:
        patience_values = check.array("patience_seconds", patience_seconds, low=0.0, low_open=True)
    if abandon_values is not None and patience_values is None:
        argument = "max_abandon_rate" if max_abandon_rate is not None else "min_answer_rate"
        raise ErlangError(
            argument, "needs patience_seconds: abandonment is predicted by Erlang A only"
        )
    if (
        sl_values is None
        and asa_values is None
        and abandon_values is None
        and occupancy_values is None
    ):
        raise ErlangError(
            "service_level",
            "or another target is required (max_asa_seconds, max_abandon_rate, "
            "min_answer_rate, max_occupancy)",
        )
    given = {
        "service_level": sl_values,
        "max_asa_seconds": asa_values,
        "max_abandon_rate": abandon_values,
        "max_occupancy": occupancy_values,
        "patience_seconds": patience_values,
    }
    return {name: values for name, values in given.items() if values is not None}


@dataclass(frozen=True)
class _Cells:
    """The arguments broadcast together and flattened: one cell per interval.

    Arguments given as single values stay 0-d (no copies over millions of cells); the others
    are flat arrays of ``size`` cells. ``load`` is always a flat array.
    """

    shape: tuple[int, ...]
    size: int
    calls: FloatArray
    interval_seconds: FloatArray
    aht_seconds: FloatArray
    per_agent: FloatArray
    shrinkage: FloatArray
    patience_seconds: FloatArray | None
    load: FloatArray
    targets: _Targets


def _flat_cells(named: dict[str, FloatArray]) -> _Cells:
    """Broadcast the checked arguments together and flatten them into cells."""
    check.broadcast(**named)
    shape = np.broadcast_shapes(*(np.shape(values) for values in named.values()))
    flat = {
        name: values.reshape(()) if values.size == 1 else np.broadcast_to(values, shape).ravel()
        for name, values in named.items()
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
    return _Cells(
        shape=shape,
        size=size,
        calls=flat["calls"],
        interval_seconds=flat["interval_seconds"],
        aht_seconds=flat["aht_seconds"],
        per_agent=flat["concurrency"],
        shrinkage=flat["shrinkage"],
        patience_seconds=flat.get("patience_seconds"),
        load=load,
        targets=targets,
    )


def _staff_by_erlang_c(cells: _Cells, lower: IntArray) -> StaffingResult:
    """The least agents meeting the targets under Erlang C, and the KPIs they give."""
    per_agent = cells.per_agent
    if np.all(per_agent == np.round(per_agent)):
        agents, log_b = _erlang_c_by_recursion(
            cells.load, cells.aht_seconds, per_agent, cells.targets, lower
        )
    else:
        meets = _erlang_c_meets_targets(cells)
        agents = _least_by_bisection(cells.load / per_agent, lower, meets, cells.targets)
        log_b = log_erlang_b(agents * per_agent, cells.load)
    p_wait, sl, asa, occ = erlang_c_kpis(
        agents * per_agent, cells.load, cells.aht_seconds, cells.targets.threshold_seconds, log_b
    )
    return _staffing_result(
        cells, agents, p_wait, sl, asa, occ, answer_rate=None, abandon_rate=None, model="erlang_c"
    )


def _erlang_c_meets_targets(
    cells: _Cells,
) -> Callable[[IntArray, IntArray], NDArray[np.bool_]]:
    """Whether ``candidate`` agents meet the targets of the cells at ``index``, by Erlang C."""
    per_agent, load, aht, targets = cells.per_agent, cells.load, cells.aht_seconds, cells.targets

    def meets(index: IntArray, candidate: IntArray) -> NDArray[np.bool_]:
        servers = candidate * _at(per_agent, index)
        cell_load = load[index]
        kpis = erlang_c_kpis(
            servers,
            cell_load,
            _at(aht, index),
            _at(targets.threshold_seconds, index),
            log_erlang_b(servers, cell_load),
        )
        return _meets(targets.take(index), *kpis[:3], abandon_rate=None)

    return meets


def _staff_by_erlang_a(cells: _Cells, lower: IntArray) -> StaffingResult:
    """The least agents meeting the targets under Erlang A, and the KPIs they give."""
    assert cells.patience_seconds is not None
    rate = np.broadcast_to(cells.calls / cells.interval_seconds, (cells.size,)).ravel()
    per_agent, aht, targets = cells.per_agent, cells.aht_seconds, cells.targets
    patience = cells.patience_seconds

    def meets(index: IntArray, candidate: IntArray) -> NDArray[np.bool_]:
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

    agents = _least_by_bisection(cells.load / per_agent, lower, meets, targets)
    kpis = erlang_a_kpis(agents * per_agent, rate, aht, patience, targets.threshold_seconds)
    return _staffing_result(
        cells,
        agents,
        kpis["p_wait"],
        kpis["service_level"],
        kpis["asa_seconds"],
        kpis["occupancy"],
        answer_rate=kpis["answer_rate"].reshape(cells.shape),
        abandon_rate=kpis["abandon_rate"].reshape(cells.shape),
        model="erlang_a",
    )


def _staffing_result(
    cells: _Cells,
    agents: IntArray,
    p_wait: FloatArray,
    sl: FloatArray,
    asa: FloatArray,
    occ: FloatArray,
    *,
    answer_rate: FloatArray | None,
    abandon_rate: FloatArray | None,
    model: str,
) -> StaffingResult:
    """The result in the broadcast shape of the arguments, with scheduled agents added."""
    shape = cells.shape
    return StaffingResult(
        agents=agents.reshape(shape),
        scheduled_agents=scheduled_from_required(agents, cells.shrinkage).reshape(shape),
        service_level=np.asarray(sl).reshape(shape),
        asa_seconds=np.asarray(asa).reshape(shape),
        occupancy=np.asarray(occ).reshape(shape),
        p_wait=np.asarray(p_wait).reshape(shape),
        load_erlangs=cells.load.reshape(shape),
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
    cell_load = load[index]
    step = np.asarray(_at(per_agent, index)).astype(np.int64)
    trial = agents[index]
    servers = (trial * step).astype(float)
    blocking = np.exp(log_erlang_b(servers, cell_load))
    cell_aht = _at(aht, index)
    sub = targets.take(index)
    while index.size:
        done = _stable_erlang_c_meets(servers, cell_load, blocking, cell_aht, sub)
        finished = index[done]
        agents[finished] = trial[done]
        with np.errstate(divide="ignore"):
            final_log_b[finished] = np.log(blocking[done])
        keep = np.flatnonzero(~done)
        if not keep.size:
            break
        index, trial = index[keep], trial[keep] + 1
        cell_load, servers, blocking = cell_load[keep], servers[keep], blocking[keep]
        step = step if step.ndim == 0 else step[keep]
        cell_aht = cell_aht if cell_aht.ndim == 0 else cell_aht[keep]
        sub = sub.take(keep)
        servers, blocking = _add_one_agent(servers, blocking, cell_load, step)
        beyond = np.flatnonzero(trial > _search_limit(cell_load / step))
        if beyond.size:
            _unreachable(sub, beyond[0])
    return agents, final_log_b


def _stable_erlang_c_meets(
    servers: FloatArray,
    cell_load: FloatArray,
    blocking: FloatArray,
    cell_aht: FloatArray,
    targets: _Targets,
) -> NDArray[np.bool_]:
    """Whether each cell meets its service level and ASA targets, from its Erlang B value."""
    # Every cell here is stable (servers > load > 0): the plain Erlang C formulas apply.
    gap = servers - cell_load
    p_wait = servers * blocking / (gap + cell_load * blocking)
    done = np.ones(servers.size, dtype=bool)
    if targets.service_level is not None:
        sl = 1.0 - p_wait * np.exp(-gap * targets.threshold_seconds / cell_aht)
        done &= sl >= targets.service_level - _TOLERANCE
    if targets.max_asa_seconds is not None:
        done &= p_wait * cell_aht / gap <= targets.max_asa_seconds * (1.0 + _TOLERANCE)
    return done


def _add_one_agent(
    servers: FloatArray, blocking: FloatArray, cell_load: FloatArray, step: IntArray
) -> tuple[FloatArray, FloatArray]:
    """Servers and Erlang B after one more agent: ``step`` servers, one recursion step each."""
    for added in range(int(np.max(step))):
        move = added < step
        servers = np.where(move, servers + 1.0, servers)
        blocking = np.where(move, cell_load * blocking / (servers + cell_load * blocking), blocking)
    return servers, blocking


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
    failing, passing = _bracket(agents_load, lower, index, ok, targets)
    agents[index] = _bisect(index, failing, passing, ok)
    return agents


def _bracket(
    agents_load: FloatArray,
    lower: IntArray,
    index: IntArray,
    ok: Callable[[IntArray, IntArray], NDArray[np.bool_]],
    targets: _Targets,
) -> tuple[IntArray, IntArray]:
    """A failing and a passing staffing for each cell at ``index``: the guess is raised, by
    doubling steps, until the targets hold."""
    base = lower[index]
    width = np.maximum(1, np.ceil(np.sqrt(agents_load[index]))).astype(np.int64)
    guess = np.maximum(base, np.ceil(agents_load[index]).astype(np.int64) + width)
    failing = base - 1  # the largest staffing known (or assumed) to fail
    passing = guess.copy()
    limit = _search_limit(agents_load[index])
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
    return failing, passing


def _bisect(
    index: IntArray,
    failing: IntArray,
    passing: IntArray,
    ok: Callable[[IntArray, IntArray], NDArray[np.bool_]],
) -> IntArray:
    """The least passing staffing of each cell, by bisection between a failing and a passing
    one (``failing`` and ``passing`` are updated in place)."""
    todo = np.flatnonzero(passing - failing > 1)
    while todo.size:
        middle = (passing[todo] + failing[todo]) // 2
        good = ok(index[todo], middle)
        passing[todo[good]] = middle[good]
        failing[todo[~good]] = middle[~good]
        todo = todo[passing[todo] - failing[todo] > 1]
    return passing
