"""The day's answer-rate target on the floor: the least answer rate a recommendation's horizon
must answer its contacts at for each queue's *day* to meet its answer-rate target
(`QueueLoad.answer_rate_floor`). One function for every caller: the live recommendation
(`wfm.services.intraday.recommendation`, what happened from the queue's snapshot) and `wfm
simulate-days` (what happened from the simulated day) both hand `with_day_floors` a `QueueDay`
per queue.

The floor is (target + `DAY_ANSWER_RATE_GUARD`) x the day's contacts, less those answered before
the horizon and those the queue model projects answered after it at the servers planned now,
over the horizon's contacts (`day_answer_rate_floor`). Above 1 the horizon alone cannot save the
day; when even every seller who could serve the queue serving it from the horizon on would leave
the day under the target, the target is out of reach and no floor is given: the money alone
decides.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt

from wfm.domain import Activity
from wfm.domain.intraday.recommendation import (
    DAY_ANSWER_RATE_GUARD,
    FloorAgent,
    QueueLoad,
    day_answer_rate_floor,
)
from wfm.domain.queue_model import QueueModel

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class QueueDay:
    """A queue's day around a horizon: the contacts offered and answered before it (what
    happened), and for each interval from the horizon's first to the day's last, the reforecast
    contacts and handle time, the servers planned now and the agents planned to sell then who
    could serve the queue."""

    offered_before: float
    answered_before: float
    offered: Sequence[float] | FloatArray
    aht_seconds: Sequence[float] | FloatArray
    servers: Sequence[float] | FloatArray
    sellers: Sequence[float] | FloatArray


def answered(
    model: QueueModel,
    calls: Sequence[float] | FloatArray,
    aht_seconds: Sequence[float] | FloatArray,
    servers: Sequence[float] | FloatArray,
) -> float:
    """Contacts the queue model predicts answered in intervals of `calls` contacts with
    `servers` serving (none in an interval without servers), through the model's memo if it
    has one."""
    calls = np.asarray(calls, dtype=np.float64)
    servers = np.asarray(servers, dtype=np.float64)
    ok = (calls > 0) & (servers > 1e-9)
    if not ok.any():
        return 0.0
    handle = np.asarray(aht_seconds, dtype=np.float64)[ok]
    handle = np.where(handle > 0, handle, 1.0)
    if model.memo is not None:
        cells = np.column_stack((calls[ok], handle, servers[ok]))
        distinct, inverse = np.unique(cells, axis=0, return_inverse=True)
        rates = model.memo.kpis(model, distinct).answer_rate
        assert rates is not None  # Erlang A: the floor's queues have a patience
        return float((calls[ok] * np.asarray(rates)[inverse.reshape(-1)]).sum())
    rates = model.kpis(calls[ok], handle, servers[ok]).answer_rate
    assert rates is not None
    return float((calls[ok] * np.asarray(rates)).sum())


def day_floor(load: QueueLoad, day: QueueDay, guard: float = DAY_ANSWER_RATE_GUARD) -> float | None:
    """The answer-rate floor of `load`'s horizon for its queue's day (see the module): None
    without a target, without contacts in the horizon, or when the target is out of reach even
    with every seller who could serve the queue serving it from the horizon on."""
    model = load.model
    target = model.answer_rate_target
    h = len(load.offered)
    offered = np.asarray(day.offered, dtype=np.float64)
    aht = np.asarray(day.aht_seconds, dtype=np.float64)
    servers = np.asarray(day.servers, dtype=np.float64)
    horizon_offered = float(sum(load.offered)) + load.contacts_waiting
    after = offered[h:]
    bound = day_answer_rate_floor(
        target,
        offered_before=day.offered_before,
        answered_before=day.answered_before,
        horizon_offered=horizon_offered,
        offered_after=float(after.sum()),
        answered_after=answered(model, after, aht[h:], servers[h:]),
        guard=guard,
    )
    if bound is None or bound <= 1.0:
        return bound
    best = servers + np.asarray(day.sellers, dtype=np.float64)
    calls = np.concatenate((np.asarray(load.offered, dtype=np.float64), after))
    calls[0] += load.contacts_waiting
    handle = np.concatenate((np.asarray(load.aht_seconds, dtype=np.float64), aht[h:]))
    most = day.answered_before + answered(model, calls, handle, best)
    total = day.offered_before + float(calls.sum())
    assert target is not None  # a bound needs a target
    if total > 0 and most / total < min(1.0, target + guard):
        return None  # out of reach: the money alone decides
    return bound


def with_day_floors(
    loads: Sequence[QueueLoad], days: Mapping[str, QueueDay], guard: float = DAY_ANSWER_RATE_GUARD
) -> list[QueueLoad]:
    """The loads with each queue's answer-rate floor for its day (`day_floor`); a queue without
    a `QueueDay` keeps its load as it is."""
    return [
        dataclasses.replace(load, answer_rate_floor=day_floor(load, days[load.queue_code], guard))
        if load.queue_code in days
        else load
        for load in loads
    ]


def planned_for_day(
    agents: Sequence[FloorAgent],
    queue_codes: Sequence[str],
    starts: Sequence[datetime],
    length: timedelta,
) -> tuple[dict[str, FloatArray], dict[str, FloatArray]]:
    """Per queue, at the middle of each interval of `starts`: the agents planned to serve it
    (an agent serving without a queue serves its first queue skill) and the agents planned to
    sell who could serve it."""
    servers = {q: np.zeros(len(starts)) for q in queue_codes}
    sellers = {q: np.zeros(len(starts)) for q in queue_codes}
    middles = [s + length / 2 for s in starts]
    for agent in agents:
        first = min(agent.queue_skills) if agent.queue_skills else None
        for span in agent.plan:
            if span.activity not in (Activity.SERVE, Activity.SELL):
                continue
            hits = [i for i, m in enumerate(middles) if span.start_utc <= m < span.end_utc]
            if not hits:
                continue
            if span.activity is Activity.SERVE:
                queue = span.queue_code or first
                if queue in servers:
                    servers[queue][hits] += 1.0
                continue
            for q in agent.queue_skills:
                if q in sellers:
                    sellers[q][hits] += 1.0
    return servers, sellers
