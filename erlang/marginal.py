"""Marginal value of the k-th agent serving: answered contacts, service level and answer rate
for k = 0..K agents per interval, so an optimizer can price each server against selling."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from erlang import _validate as check
from erlang._numerics import FloatArray, log_erlang_b
from erlang.errors import ErlangError
from erlang.models import erlang_a_kpis, erlang_c_kpis


@dataclass(frozen=True)
class MarginalCurve:
    """Arrays of shape (intervals, max_agents + 1); column k is k agents serving.

    ``answered`` is the expected number of contacts answered in the interval,
    ``service_level`` answered within the threshold / offered, ``answer_rate`` answered / offered.
    """

    agents: NDArray[np.int64]
    answered: FloatArray
    service_level: FloatArray
    answer_rate: FloatArray

    @property
    def marginal_answered(self) -> FloatArray:
        """Extra contacts answered by the k-th agent (k = 1..K): shape (intervals, max_agents)."""
        return np.diff(self.answered, axis=1)


def marginal_value_curve(
    calls: ArrayLike,
    interval_seconds: ArrayLike,
    aht_seconds: ArrayLike,
    patience_seconds: ArrayLike | None,
    threshold_seconds: ArrayLike,
    max_agents: int,
    *,
    concurrency: ArrayLike = 1.0,
) -> MarginalCurve:
    """Predicted answered contacts, service level and answer rate for 0..max_agents agents.

    ``calls`` is one value per interval (a 1-d array, or a scalar for one interval); the other
    arguments are scalars or per-interval arrays. With a patience the model is Erlang A. Without
    one it is Erlang C, where an unstable queue (agents at or below the load) answers at most
    what its agents can handle: agents * interval / AHT contacts, none of them within the
    threshold.
    """
    per_interval = _per_interval_columns(
        calls,
        interval_seconds,
        aht_seconds,
        patience_seconds,
        threshold_seconds,
        max_agents,
        concurrency=concurrency,
    )
    agents = np.arange(max_agents + 1, dtype=np.int64)
    servers = agents[None, :] * per_interval["concurrency"]
    calls_col = per_interval["calls"]
    rate = calls_col / per_interval["interval_seconds"]
    aht = per_interval["aht_seconds"]
    threshold = per_interval["threshold_seconds"]
    if patience_seconds is not None:
        kpis = erlang_a_kpis(servers, rate, aht, per_interval["patience_seconds"], threshold)
        answer_rate = np.asarray(kpis["answer_rate"])
        service_level = np.asarray(kpis["service_level"])
    else:
        service_level, answer_rate = _erlang_c_curve(servers, rate, aht, threshold)
    answered = calls_col * answer_rate
    return MarginalCurve(
        agents=agents,
        answered=np.asarray(answered, dtype=float),
        service_level=np.asarray(service_level, dtype=float),
        answer_rate=np.asarray(answer_rate, dtype=float),
    )


def _per_interval_columns(
    calls: ArrayLike,
    interval_seconds: ArrayLike,
    aht_seconds: ArrayLike,
    patience_seconds: ArrayLike | None,
    threshold_seconds: ArrayLike,
    max_agents: int,
    *,
    concurrency: ArrayLike,
) -> dict[str, FloatArray]:
    """The checked arguments by name, broadcast to one row per interval (column vectors);
    ``patience_seconds`` only when given."""
    calls_a = np.atleast_1d(check.array("calls", calls, low=0.0))
    if calls_a.ndim != 1:
        raise ErlangError(
            "calls", f"must be one value per interval (1-d), got shape {calls_a.shape}"
        )
    if isinstance(max_agents, bool) or not isinstance(max_agents, int | np.integer):
        raise ErlangError("max_agents", f"must be a whole number, got {max_agents!r}")
    if max_agents < 0:
        raise ErlangError("max_agents", f"must be >= 0, got {max_agents}")
    interval_a = check.array("interval_seconds", interval_seconds, low=0.0, low_open=True)
    aht_a = check.handle_time(aht_seconds, calls_a)
    threshold_a = check.array("threshold_seconds", threshold_seconds, low=0.0)
    concurrency_a = check.array("concurrency", concurrency, low=1.0)
    named = {
        "calls": calls_a,
        "interval_seconds": interval_a,
        "aht_seconds": aht_a,
        "threshold_seconds": threshold_a,
        "concurrency": concurrency_a,
    }
    if patience_seconds is not None:
        named["patience_seconds"] = check.array(
            "patience_seconds", patience_seconds, low=0.0, low_open=True
        )
    columns = check.broadcast(**named)
    if columns[0].ndim != 1:
        raise ErlangError("calls", "and the other arguments must be scalars or 1-d per interval")
    return {name: column[:, None] for name, column in zip(named, columns, strict=True)}


def _erlang_c_curve(
    servers: FloatArray, rate: FloatArray, aht: FloatArray, threshold: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Erlang C service level and answer rate per interval and agents: an unstable queue
    answers at most what its servers can handle, none of it within the threshold."""
    load = np.broadcast_to(rate * aht, servers.shape)
    servers_b = np.broadcast_to(servers, load.shape).astype(float)
    _, service_level, _, _ = erlang_c_kpis(
        servers_b, load, aht, threshold, log_erlang_b(servers_b, load)
    )
    capacity = np.where(load > 0.0, servers_b / np.where(load > 0.0, load, 1.0), 1.0)
    answer_rate = np.minimum(1.0, capacity)
    return service_level, answer_rate
