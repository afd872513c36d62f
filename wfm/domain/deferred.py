"""Idle time inside serving, and the deferred work it can absorb (docs/roster-problem.md,
"Idle time inside serving").

Agents serving a queue are idle between contacts: per interval, the agents present x the
interval's minutes x (1 - occupancy), with occupancy and the agents present as the roster's
evaluation counts them (`QueueModel.kpis_under_absence`: each rostered agent absent with the
unplanned shrinkage). Deferred work (callbacks, follow-ups: done only when no contact waits, never
pre-empting one) fills part of that idle time. How much it can fill without hurting the answer
rate is approximated by taking its capacity out of the pool: d minutes of deferred work in an
interval of I minutes leave the queue d / I fewer agents present (d / (I (1 - shrinkage)) fewer
rostered heads), so the absorbable deferred minutes are the largest d, at most the idle minutes,
with which the model at those fewer agents still meets every target of the queue (service level
and answer rate, `QueueModel.targets_met`). Between whole head counts the service level and the
answer rate are interpolated linearly, which is exactly what a fractional head count is under
absence (`QueueModel.kpis_under_absence` mixes its two whole neighbours); the least whole count
meeting the targets is found by bisection, the fraction below it in closed form.

The approximation errs on the safe side for the answer rate: deferred work that waits until no
contact does uses only time the queue leaves idle, whereas the model takes the same capacity away
from the queue throughout the interval, so the queue's waits it predicts are longer than with the
work done in the gaps. Its one risk, a contact that arrives while every agent is in a deferred
task and waits for one to end, is bounded by the task length and covered by the margin; the
simulator check in the tests (`tests/domain/test_deferred.py`) confirms the simulated answer rate
stays within `SIMULATION_TOLERANCE` of the target when the stated amount is absorbed.

An interval already below a target (short) absorbs nothing, so deferred work never reduces its
predicted answer rate at all; an interval without contacts absorbs all of its idle time.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import ArrayLike, NDArray

from wfm.domain.queue_model import QueueKpis, QueueModel

FloatArray = NDArray[np.float64]

# How far the simulated answer rate (`QueueModel.simulate`) may fall below the target with the
# absorbable amount taken out of the pool: the tests' check of the approximation.
SIMULATION_TOLERANCE = 0.01


@dataclass(frozen=True, slots=True)
class IdleTime:
    """Per interval of one queue: the serving agents' idle minutes and the deferred minutes they
    can absorb while the queue still meets its targets (`short`: below a target already, so
    none)."""

    idle_agent_minutes: FloatArray
    absorbable_minutes: FloatArray
    short: NDArray[np.bool_]


def idle_time(
    model: QueueModel,
    contacts: ArrayLike,
    aht_seconds: ArrayLike,
    rostered: ArrayLike,
    shrinkage: float,
) -> IdleTime:
    """Idle and absorbable deferred minutes per interval with `rostered` agents rostered to
    serve (whole or fractional), each absent with probability `shrinkage` (see the module
    docstring). Arrays broadcast; the result has their common shape."""
    calls, aht, heads = np.broadcast_arrays(
        np.asarray(contacts, dtype=float),
        np.asarray(aht_seconds, dtype=float),
        np.asarray(rostered, dtype=float),
    )
    shape = calls.shape
    calls, aht, heads = calls.ravel(), aht.ravel(), heads.ravel()
    fraction = float(shrinkage)
    if model.memo is None:
        model = model.memoised()  # the search asks the same whole staffings again
    minutes = float(model.interval_minutes)
    present = heads * (1.0 - fraction)
    kpis = model.kpis_under_absence(calls, aht, heads, fraction)
    busy = np.where(calls > 0.0, np.clip(np.nan_to_num(kpis.occupancy), 0.0, 1.0), 0.0)
    idle = present * minutes * (1.0 - busy)
    met = _meets(model, kpis, calls)
    short = (calls > 0.0) & ~met
    # heads that carry the idle time: taking them all leaves heads x occupancy rostered
    most = heads * (1.0 - busy)
    low = np.where(calls > 0.0, 0.0, most)
    open_ = np.flatnonzero((calls > 0.0) & met & (most > 0.0))
    if open_.size:
        low[open_] = _largest_cut(
            model, calls[open_], aht[open_], heads[open_], most[open_], fraction
        )
    absorbable = np.where(short, 0.0, np.minimum(low * (1.0 - fraction) * minutes, idle))
    return IdleTime(
        idle_agent_minutes=idle.reshape(shape),
        absorbable_minutes=absorbable.reshape(shape),
        short=short.reshape(shape),
    )


def _largest_cut(
    model: QueueModel,
    calls: FloatArray,
    aht: FloatArray,
    heads: FloatArray,
    most: FloatArray,
    fraction: float,
) -> FloatArray:
    """Per interval, the largest cut in rostered heads (at most `most`) with which the queue
    still meets its targets: the least whole head count meeting them (by bisection over whole
    counts: the targets met never improve as heads fall), then the fraction of the next head
    down at which the first target fails, the KPIs interpolated linearly between the two whole
    counts (as a fractional head count mixes its two neighbours under absence)."""
    top = np.floor(heads)  # meets the targets where the rostered heads are whole
    bottom = np.maximum(np.floor(heads - most), 0.0)
    meets_top = _meets(model, model.kpis_under_absence(calls, aht, top, fraction), calls)
    meets_bottom = _meets(model, model.kpis_under_absence(calls, aht, bottom, fraction), calls)
    low, high = bottom.copy(), top.copy()  # low fails, high meets (where searched)
    searching = meets_top & ~meets_bottom
    while True:
        cells = np.flatnonzero(searching & (high - low > 1.0))
        if cells.size == 0:
            break
        mid = np.floor(0.5 * (low[cells] + high[cells]))
        kpis = model.kpis_under_absence(calls[cells], aht[cells], mid, fraction)
        ok = _meets(model, kpis, calls[cells])
        low[cells] = np.where(ok, low[cells], mid)
        high[cells] = np.where(ok, mid, high[cells])
    share = _share_down(model, calls, aht, high, fraction)
    cut = np.where(meets_bottom, most, np.maximum(heads - high + share, 0.0))
    return np.where(meets_top | meets_bottom, np.minimum(cut, most), 0.0)


def _share_down(
    model: QueueModel, calls: FloatArray, aht: FloatArray, heads: FloatArray, fraction: float
) -> FloatArray:
    """Per interval, the share t of a head below the whole `heads` (which meet the targets,
    `heads - 1` not) that can go while every target still holds, with the service level and
    answer rate (expectations per offered contact, linear in a fractional head count's mix)
    interpolated between the two: the least over the targets of (KPI at heads - target) /
    (KPI at heads - KPI at heads - 1). A maximum ASA, not linear, allows no share."""
    upper = model.kpis_under_absence(calls, aht, heads, fraction)
    lower = model.kpis_under_absence(calls, aht, np.maximum(heads - 1.0, 0.0), fraction)
    share = np.ones(calls.shape)
    pairs = [(model.service_level_target, upper.service_level, lower.service_level)]
    if upper.answer_rate is not None and lower.answer_rate is not None:
        pairs.append((model.answer_rate_target, upper.answer_rate, lower.answer_rate))
    for target, high, low in pairs:
        if target is None:
            continue
        drop = high - low
        room = np.where(low >= target, 1.0, (high - target) / np.where(drop > 0, drop, 1.0))
        share = np.minimum(share, np.clip(room, 0.0, 1.0))
    if model.max_asa_seconds is not None:
        share = np.where(_meets(model, lower, calls), share, 0.0)
    return np.where(heads > 0.0, share, 0.0)


def _meets(model: QueueModel, kpis: QueueKpis, calls: FloatArray) -> NDArray[np.bool_]:
    """Whether each interval meets every target of the queue it can be judged on (an interval
    without contacts always does)."""
    met = model.targets_met(kpis.service_level, kpis.answer_rate).all
    ok = np.ones(calls.shape, dtype=bool) if met is None else np.asarray(met, dtype=bool)
    if model.max_asa_seconds is not None:
        ok &= np.asarray(kpis.asa_seconds) <= model.max_asa_seconds + 1e-9
    return np.asarray(ok | (calls <= 0.0))


@dataclass(frozen=True, slots=True)
class CallbacksDue:
    """A campaign's open callbacks due in a period and the minutes each takes (where that
    figure came from, in words)."""

    campaign_code: str
    due_utc: tuple[datetime, ...]
    handle_minutes: float
    handle_source: str


@dataclass(frozen=True, slots=True)
class CallbackCover:
    """How much of a campaign's callbacks due (or a day's) the absorbable idle time covers."""

    callbacks_due: int
    hours_due: float
    hours_absorbable: float


@dataclass(frozen=True, slots=True)
class CallbackPlan:
    """`cover_callbacks`: per campaign and per local day."""

    campaigns: dict[str, CallbackCover]
    days: dict[date, CallbackCover]


def cover_callbacks(
    interval_starts_utc: Sequence[datetime],
    interval_minutes: float,
    absorbable_minutes: ArrayLike,
    zone: ZoneInfo,
    callbacks: Sequence[CallbacksDue],
) -> CallbackPlan:
    """The callbacks due, and the hours of them that the absorbable minutes (all queues'
    together, per interval of `interval_starts_utc`) cover, per campaign and per local day.

    A callback is worked in the absorbable time of its own local day that ends by its due
    instant; callbacks are served earliest due first, across campaigns, each from the earliest
    absorbable time left (its minutes may be split across intervals: deferred work is counted in
    minutes). With every callback of a day available from the day's start, this greedy order
    covers as many minutes as any order could."""
    step = timedelta(minutes=interval_minutes)
    ends = [start + step for start in interval_starts_utc]
    days = [start.astimezone(zone).date() for start in interval_starts_utc]
    # absorbable minutes of the week up to the end of each interval
    by_end = np.cumsum(np.asarray(absorbable_minutes, dtype=float))
    first_of_day: dict[date, int] = {}
    for i, day in enumerate(days):
        first_of_day.setdefault(day, i)
    jobs = sorted((due, k) for k, c in enumerate(callbacks) for due in c.due_utc)
    used: dict[date, float] = {}
    covered = [0.0] * len(callbacks)
    due_days: dict[date, list[float]] = {}  # [callbacks, minutes due, minutes covered]
    for due, k in jobs:
        day = due.astimezone(zone).date()
        last = bisect_right(ends, due) - 1  # the last interval ending by the due instant
        first = first_of_day.get(day)
        room = 0.0
        if first is not None and last >= first:
            room = float(by_end[last] - (by_end[first - 1] if first > 0 else 0.0))
        minutes = callbacks[k].handle_minutes
        take = min(minutes, max(0.0, room - used.get(day, 0.0)))
        used[day] = used.get(day, 0.0) + take
        covered[k] += take
        tally = due_days.setdefault(day, [0.0, 0.0, 0.0])
        tally[0] += 1
        tally[1] += minutes
        tally[2] += take
    return CallbackPlan(
        campaigns={
            c.campaign_code: CallbackCover(
                callbacks_due=len(c.due_utc),
                hours_due=len(c.due_utc) * c.handle_minutes / 60.0,
                hours_absorbable=covered[k] / 60.0,
            )
            for k, c in enumerate(callbacks)
        },
        days={
            day: CallbackCover(int(n), due_minutes / 60.0, taken / 60.0)
            for day, (n, due_minutes, taken) in sorted(due_days.items())
        },
    )
