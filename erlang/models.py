"""Erlang B, Erlang C and Erlang A (M/M/N+M), vectorised over intervals.

Every function takes scalars or numpy arrays (broadcast together) and returns numpy arrays; a
scalar input gives 0-d arrays. Agents may be fractional: Erlang B is then its continuous
extension through the incomplete gamma function, which agrees with the recursion at whole numbers
and rises smoothly between them, and Erlang C and A inherit it.

Chat and messaging: an agent who works ``concurrency`` contacts at once counts as that many
servers, each with the per-contact handle time; occupancy is then load / (agents * concurrency).
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from erlang import _validate as check
from erlang._numerics import FloatArray, log_erlang_b, log_integrals

MAX_PATIENCE_SECONDS = 1e15  # Erlang A with a longer mean patience is computed with this one


@dataclass(frozen=True)
class ErlangCResult:
    """Erlang C (M/M/N) predictions per interval.

    With agents at or below the load the queue is unstable and the result says so:
    ``p_wait`` 1, ``service_level`` 0, ``asa_seconds`` infinite, ``occupancy`` 1.
    """

    p_wait: FloatArray
    service_level: FloatArray
    asa_seconds: FloatArray
    occupancy: FloatArray
    load_erlangs: FloatArray


@dataclass(frozen=True)
class ErlangAResult:
    """Erlang A (M/M/N+M: exponential patience) predictions per interval.

    Service level comes in the three variants of the KPI definitions, all at the threshold:
    ``service_level`` answered within T / offered (abandons count against, the default);
    ``service_level_of_answered`` answered within T / answered (abandons ignored);
    ``service_level_abandons_count`` (answered within T + abandoned within T) / offered.
    ``asa_seconds`` is the mean wait of answered contacts, ``mean_wait_seconds`` that of all
    callers (abandoners up to the moment they hang up). ``occupancy`` is the answered load per
    server. ``answered_per_interval`` is the expected number of contacts answered.
    """

    p_wait: FloatArray
    p_abandon: FloatArray
    answer_rate: FloatArray
    abandon_rate: FloatArray
    service_level: FloatArray
    service_level_of_answered: FloatArray
    service_level_abandons_count: FloatArray
    asa_seconds: FloatArray
    mean_wait_seconds: FloatArray
    occupancy: FloatArray
    load_erlangs: FloatArray
    answered_per_interval: FloatArray


def erlang_b(servers: ArrayLike, load_erlangs: ArrayLike) -> FloatArray:
    """Blocking probability of an M/M/N/N loss system (continuous in ``servers``)."""
    servers_a = check.array("servers", servers, low=0.0)
    load_a = check.array("load_erlangs", load_erlangs, low=0.0)
    servers_a, load_a = check.broadcast(servers=servers_a, load_erlangs=load_a)
    return np.exp(log_erlang_b(servers_a, load_a))


def offered_load(
    calls: ArrayLike, interval_seconds: ArrayLike, aht_seconds: ArrayLike
) -> FloatArray:
    """Offered load in Erlangs: calls per second times mean handle time."""
    calls_a = check.array("calls", calls, low=0.0)
    interval_a = check.array("interval_seconds", interval_seconds, low=0.0, low_open=True)
    aht_a = check.handle_time(aht_seconds, calls_a)
    calls_a, interval_a, aht_a = check.broadcast(
        calls=calls_a, interval_seconds=interval_a, aht_seconds=aht_a
    )
    return np.asarray(calls_a / interval_a * aht_a, dtype=float)


def _inputs(
    calls: ArrayLike,
    interval_seconds: ArrayLike,
    aht_seconds: ArrayLike,
    agents: ArrayLike,
    threshold_seconds: ArrayLike,
    concurrency: ArrayLike,
    availability: ArrayLike = 1.0,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """The checked arguments; the last is the servers per agent, concurrency x availability."""
    calls_a = check.array("calls", calls, low=0.0)
    interval_a = check.array("interval_seconds", interval_seconds, low=0.0, low_open=True)
    aht_a = check.handle_time(aht_seconds, calls_a)
    agents_a = check.array("agents", agents, low=0.0)
    threshold_a = check.array("threshold_seconds", threshold_seconds, low=0.0)
    concurrency_a = check.array("concurrency", concurrency, low=1.0)
    availability_a = check.array("availability", availability, low=0.0, low_open=True, high=1.0)
    calls_a, interval_a, aht_a, agents_a, threshold_a, concurrency_a, availability_a = (
        check.broadcast(
            calls=calls_a,
            interval_seconds=interval_a,
            aht_seconds=aht_a,
            agents=agents_a,
            threshold_seconds=threshold_a,
            concurrency=concurrency_a,
            availability=availability_a,
        )
    )
    return calls_a, interval_a, aht_a, agents_a, threshold_a, concurrency_a * availability_a


def erlang_c(
    calls: ArrayLike,
    interval_seconds: ArrayLike,
    aht_seconds: ArrayLike,
    agents: ArrayLike,
    threshold_seconds: ArrayLike = 20.0,
    *,
    concurrency: ArrayLike = 1.0,
    availability: ArrayLike = 1.0,
) -> ErlangCResult:
    """Erlang C: P(wait), service level at the threshold, ASA and occupancy per interval.

    ``availability`` (0 < a <= 1): the share of the agents' time the queue effectively has
    (a calibration's); the servers are agents x concurrency x availability."""
    calls_a, interval_a, aht_a, agents_a, threshold_a, concurrency_a = _inputs(
        calls, interval_seconds, aht_seconds, agents, threshold_seconds, concurrency, availability
    )
    load = calls_a / interval_a * aht_a
    servers = agents_a * concurrency_a
    p_wait, sl, asa, occ = erlang_c_kpis(
        servers, load, aht_a, threshold_a, log_erlang_b(servers, load)
    )
    return ErlangCResult(
        p_wait=np.asarray(p_wait),
        service_level=np.asarray(sl),
        asa_seconds=np.asarray(asa),
        occupancy=np.asarray(occ),
        load_erlangs=np.asarray(load),
    )


def erlang_c_kpis(
    servers: FloatArray,
    load: FloatArray,
    aht_seconds: FloatArray,
    threshold_seconds: FloatArray,
    log_b: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Erlang C KPIs from the Erlang B value already known for (servers, load)."""
    stable = servers > load
    gap = np.where(stable, servers - load, 1.0)
    blocking = np.exp(log_b)
    p_wait = np.where(stable, servers * blocking / (gap + load * blocking), 1.0)
    # AHT may be 0 where there are no calls; those cells are overwritten below.
    aht_or_one = np.where(aht_seconds > 0.0, aht_seconds, 1.0)
    sl = np.where(stable, 1.0 - p_wait * np.exp(-gap * threshold_seconds / aht_or_one), 0.0)
    asa = np.where(stable, p_wait * aht_seconds / gap, np.inf)
    occ = np.where(stable, load / np.where(servers > 0, servers, 1.0), 1.0)
    idle = load <= 0.0
    p_wait = np.where(idle, 0.0, p_wait)
    sl = np.where(idle, 1.0, sl)
    asa = np.where(idle, 0.0, asa)
    occ = np.where(idle | (servers <= 0.0), 0.0, occ)
    return p_wait, sl, asa, occ


def erlang_a(
    calls: ArrayLike,
    interval_seconds: ArrayLike,
    aht_seconds: ArrayLike,
    agents: ArrayLike,
    patience_seconds: ArrayLike,
    threshold_seconds: ArrayLike = 20.0,
    *,
    concurrency: ArrayLike = 1.0,
    availability: ArrayLike = 1.0,
) -> ErlangAResult:
    """Erlang A (Palm's M/M/N+M): callers hang up after an exponential patience time.

    Uses the closed forms of Garnett, Mandelbaum and Reiman (2002) and the offered-wait
    distribution P(V > t | V > 0) = gamma(x, y e^-theta t) / gamma(x, y), x = N mu / theta,
    y = lambda / theta, evaluated in log space (stable to thousands of Erlangs). A mean patience
    above MAX_PATIENCE_SECONDS (1e15 s) is taken as that: a stable queue then gives Erlang C's
    results to double precision. ``availability`` as in `erlang_c`.
    """
    calls_a, interval_a, aht_a, agents_a, threshold_a, concurrency_a = _inputs(
        calls, interval_seconds, aht_seconds, agents, threshold_seconds, concurrency, availability
    )
    patience_a = check.array("patience_seconds", patience_seconds, low=0.0, low_open=True)
    calls_a, interval_a, aht_a, agents_a, threshold_a, concurrency_a, patience_a = check.broadcast(
        calls=calls_a,
        interval_seconds=interval_a,
        aht_seconds=aht_a,
        agents=agents_a,
        threshold_seconds=threshold_a,
        concurrency=concurrency_a,
        patience_seconds=patience_a,
    )
    kpis = erlang_a_kpis(
        agents_a * concurrency_a, calls_a / interval_a, aht_a, patience_a, threshold_a
    )
    return ErlangAResult(**kpis, answered_per_interval=np.asarray(calls_a * kpis["answer_rate"]))


# The per-cell KPIs that `_erlang_a_cells` computes; the others are derived from them.
_CELL_KPIS = (
    "p_wait",
    "p_abandon",
    "service_level",
    "service_level_of_answered",
    "service_level_abandons_count",
    "asa_seconds",
    "occupancy",
)
# No calls: nobody waits.
_IDLE_KPIS = (
    ("p_wait", 0.0),
    ("p_abandon", 0.0),
    ("service_level", 1.0),
    ("service_level_of_answered", 1.0),
    ("service_level_abandons_count", 1.0),
    ("asa_seconds", 0.0),
    ("occupancy", 0.0),
)
# Calls but nobody to answer them: everyone waits and hangs up (service_level_abandons_count
# is the share hanging up within the threshold, set apart).
_UNSTAFFED_KPIS = (
    ("p_wait", 1.0),
    ("p_abandon", 1.0),
    ("service_level", 0.0),
    ("service_level_of_answered", 0.0),
    ("asa_seconds", np.inf),
    ("occupancy", 0.0),
)


def erlang_a_kpis(
    servers: FloatArray,
    rate_per_second: FloatArray,
    aht_seconds: FloatArray,
    patience_seconds: FloatArray,
    threshold_seconds: FloatArray,
) -> dict[str, FloatArray]:
    """Erlang A KPIs for broadcast-compatible arrays of the same shape."""
    shape = np.broadcast_shapes(
        np.shape(servers),
        np.shape(rate_per_second),
        np.shape(aht_seconds),
        np.shape(patience_seconds),
        np.shape(threshold_seconds),
    )
    servers_flat, lam, aht, pat, thr = (
        np.broadcast_to(np.asarray(values, dtype=float), shape).ravel()
        for values in (servers, rate_per_second, aht_seconds, patience_seconds, threshold_seconds)
    )
    # Beyond this the model is Erlang C's to double precision (checked against erlang_c); far
    # beyond it x = N mu / theta and y = lambda / theta overflow and every KPI would be NaN.
    pat = np.minimum(pat, MAX_PATIENCE_SECONDS)
    # Subnormal staffing (below 2.2e-308 servers) is none: its x underflowed to NaN KPIs.
    servers_flat = np.where(servers_flat < np.finfo(float).tiny, 0.0, servers_flat)
    load = lam * aht
    theta = 1.0 / pat
    out = _erlang_a_cells(servers_flat, lam, aht, theta, thr)
    result = {name: values.reshape(shape) for name, values in out.items()}
    result["answer_rate"] = np.asarray(1.0 - result["p_abandon"])
    result["abandon_rate"] = result["p_abandon"].copy()
    result["mean_wait_seconds"] = np.asarray(result["p_abandon"] * pat.reshape(shape))
    result["load_erlangs"] = load.reshape(shape)
    return result


def _erlang_a_cells(
    servers: FloatArray, lam: FloatArray, aht: FloatArray, theta: FloatArray, thr: FloatArray
) -> dict[str, FloatArray]:
    """The KPIs of `_CELL_KPIS` per cell (1-d arrays): fixed values where there are no calls or
    no servers, the Erlang A formulas elsewhere."""
    out = {name: np.empty(servers.size) for name in _CELL_KPIS}
    idle = lam <= 0.0
    for name, value in _IDLE_KPIS:
        out[name][idle] = value
    empty = ~idle & (servers <= 0.0)
    for name, value in _UNSTAFFED_KPIS:
        out[name][empty] = value
    out["service_level_abandons_count"][empty] = -np.expm1(-theta[empty] * thr[empty])
    busy = ~idle & ~empty
    if busy.any():
        part = _erlang_a_busy_remembered(
            servers[busy], lam[busy], aht[busy], theta[busy], thr[busy]
        )
        for name, values in part.items():
            out[name][busy] = values
    return out


# Batches of cells already computed by this process: the bytes of the five inputs -> the KPIs
# of `_CELL_KPIS`. A roster's evaluation asks for the same batches on every reading (thousands
# of intervals x staffing levels, about a second of special functions). Only a whole batch is
# looked up, so an answer never depends on what was asked before (a cell's last bits can depend
# on its place in a vectorised batch).
_REMEMBERED: dict[bytes, dict[str, FloatArray]] = {}
_REMEMBERED_LOCK = threading.Lock()
REMEMBERED_CELLS = 500_000  # about 30 MB (a 120-agent week holds 32,000); all forgotten beyond
REMEMBERED_FROM_CELLS = 64  # smaller batches cost less to compute than to keep


def _erlang_a_busy_remembered(
    servers: FloatArray, lam: FloatArray, aht: FloatArray, theta: FloatArray, thr: FloatArray
) -> dict[str, FloatArray]:
    """`_erlang_a_busy`, or its answer to the same batch computed before."""
    if servers.size < REMEMBERED_FROM_CELLS:
        return _erlang_a_busy(servers, lam, aht, theta, thr)
    digest = hashlib.blake2b(digest_size=32)
    for values in (servers, lam, aht, theta, thr):
        digest.update(np.ascontiguousarray(values, dtype=float).tobytes())
        digest.update(b"|")
    key = digest.digest()
    with _REMEMBERED_LOCK:
        known = _REMEMBERED.get(key)
    if known is not None:
        return known
    part = _erlang_a_busy(servers, lam, aht, theta, thr)
    for values in part.values():
        values.flags.writeable = False  # shared by every later caller of the batch
    with _REMEMBERED_LOCK:
        if remembered_cells() + servers.size > REMEMBERED_CELLS:
            _REMEMBERED.clear()
        _REMEMBERED[key] = part
    return part


def remembered_cells() -> int:
    """Cells held by the remembered batches (a few thousand batches at most)."""
    return sum(batch["p_wait"].size for batch in _REMEMBERED.values())


def _erlang_a_busy(
    servers: FloatArray, lam: FloatArray, aht: FloatArray, theta: FloatArray, thr: FloatArray
) -> dict[str, FloatArray]:
    """Erlang A for cells with calls and servers (all arrays 1-d, same length).

    In the comments x = N mu / theta and y = lambda / theta are the arguments of Kummer's
    series Sigma(x, y) (see `erlang._numerics`), held in ``kummer_x`` and ``kummer_y``; z is
    e^-(theta T), the share of callers whose patience outlasts the threshold T.
    """
    load = lam * aht
    kummer_x = servers / (aht * theta)
    kummer_y = lam / theta
    theta_t = theta * thr
    patient_at_t = np.exp(-theta_t)
    kummer_y_late = kummer_y * patient_at_t
    log_b = log_erlang_b(servers, load)
    log_x = np.log(kummer_x)

    log_i0, _ = log_integrals(kummer_x, kummer_y)
    log_sigma = log_x + log_i0  # Sigma(x, y) = 1 + y/(x+1) + ...
    log_i0_late, _ = log_integrals(kummer_x, kummer_y_late)
    log_i0_next, log_i1_next = log_integrals(kummer_x + 1.0, kummer_y, first_moment=True)
    log_i0_next_late, _ = log_integrals(kummer_x + 1.0, kummer_y_late)
    assert log_i1_next is not None

    # P(wait) = B Sigma / (1 + (Sigma - 1) B) = 1 / (1 + (1 - B) / (B Sigma)).
    with np.errstate(divide="ignore"):
        p_wait = special.expit(-(np.log1p(-np.exp(log_b)) - log_b - log_sigma))
    # P(answered | wait) = (x / y) (1 - 1 / Sigma), in logs: with a vanishing arrival rate x / y
    # overflows while 1 - 1 / Sigma underflows; their limit there is x / (x + 1).
    with np.errstate(divide="ignore", invalid="ignore"):
        log_served_w = log_x - np.log(kummer_y) + np.log(-np.expm1(-log_sigma))
    p_served_w = np.where(
        log_sigma > 0.0, np.exp(np.minimum(log_served_w, 0.0)), kummer_x / (kummer_x + 1.0)
    )
    p_abandon = p_wait * (1.0 - p_served_w)
    # Offered wait V given V > 0: P(V > T) = z^x e^{y(1-z)} Sigma(x, y z) / Sigma(x, y).
    growth = -kummer_y * np.expm1(-theta_t)  # y (1 - z)
    log_tail = -kummer_x * theta_t + growth + log_i0_late - log_i0
    log_tail_next = -(kummer_x + 1.0) * theta_t + growth + log_i0_next_late - log_i0_next
    # Answered within T given wait = P(served | wait) (1 - P_{x+1}(V > T)).
    answered_in_t_w = p_served_w * -np.expm1(np.minimum(log_tail_next, 0.0))
    waiting_at_t_w = np.exp(np.minimum(log_tail, 0.0) - theta_t)
    abandoned_in_t_w = np.clip(1.0 - answered_in_t_w - waiting_at_t_w, 0.0, 1.0)
    sl = (1.0 - p_wait) + p_wait * answered_in_t_w
    answer_rate = 1.0 - p_abandon
    # E[W; answered] = P(wait) x / (theta Sigma) I_1(x + 1, y).
    wait_answered = p_wait * np.exp(log_x - np.log(theta) - log_sigma + log_i1_next)
    return {
        "p_wait": p_wait,
        "p_abandon": p_abandon,
        "service_level": sl,
        "service_level_of_answered": np.clip(sl / answer_rate, 0.0, 1.0),
        "service_level_abandons_count": np.clip(sl + p_wait * abandoned_in_t_w, 0.0, 1.0),
        "asa_seconds": wait_answered / answer_rate,
        # answered work per server: at most 1, a few ulps above it by rounding in overload
        "occupancy": np.minimum(load * answer_rate / servers, 1.0),
    }
