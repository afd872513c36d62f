"""Agents serving each queue over a day's intervals, as planned and as their states say: the
time-weighted mean number of agents (an agent serving half an interval counts 0.5)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt

from wfm.domain import Activity
from wfm.domain.intraday.events import StateEvent, ordered
from wfm.domain.intraday.plan import PlanSpan
from wfm.domain.intraday.states import ActualActivity

FloatArray = npt.NDArray[np.float64]


def _add_span(
    cells: FloatArray, starts: Sequence[datetime], length: timedelta, lo: datetime, hi: datetime
) -> None:
    """Add to each interval the share of it that [lo, hi) covers."""
    seconds = length.total_seconds()
    for i, start in enumerate(starts):
        end = start + length
        if end <= lo:
            continue
        if start >= hi:
            break
        cells[i] += (min(end, hi) - max(start, lo)).total_seconds() / seconds


def _queue_at(plan: Sequence[PlanSpan], moment: datetime, default: str | None) -> str | None:
    """The queue the agent is planned to serve at `moment`, else its default queue."""
    for span in plan:
        if span.start_utc <= moment < span.end_utc:
            if span.activity is Activity.SERVE and span.queue_code is not None:
                return span.queue_code
            break
    return default


def scheduled_servers(
    plans: Mapping[str, Sequence[PlanSpan]],
    default_queue: Mapping[str, str | None],
    queue_codes: Sequence[str],
    interval_starts_utc: Sequence[datetime],
    interval_minutes: int,
) -> dict[str, FloatArray]:
    """Per queue, the mean number of agents planned to serve it in each interval (the span's
    queue, else the agent's default queue)."""
    length = timedelta(minutes=interval_minutes)
    out = {q: np.zeros(len(interval_starts_utc)) for q in queue_codes}
    for code, plan in plans.items():
        for span in plan:
            if span.activity is not Activity.SERVE:
                continue
            queue = span.queue_code or default_queue.get(code)
            if queue in out:
                _add_span(out[queue], interval_starts_utc, length, span.start_utc, span.end_utc)
    return out


def actual_servers(
    events: Mapping[str, Sequence[StateEvent]],
    plans: Mapping[str, Sequence[PlanSpan]],
    default_queue: Mapping[str, str | None],
    queue_codes: Sequence[str],
    interval_starts_utc: Sequence[datetime],
    interval_minutes: int,
    now_utc: datetime,
) -> dict[str, FloatArray]:
    """Per queue, the mean number of agents whose state said serving in each interval, up to
    `now_utc` (an interval under way: over its elapsed part; intervals not started: NaN). Time
    serving counts for the queue the agent was planned to serve then, else its default queue."""
    length = timedelta(minutes=interval_minutes)
    n = len(interval_starts_utc)
    out = {q: np.zeros(n) for q in queue_codes}
    for code, agent_events in events.items():
        plan = plans.get(code, ())
        evs = ordered(agent_events)
        for k, event in enumerate(evs):
            if event.activity is not ActualActivity.SERVE:
                continue
            lo = event.occurred_at_utc
            hi = evs[k + 1].occurred_at_utc if k + 1 < len(evs) else now_utc
            hi = min(hi, now_utc)
            if hi <= lo:
                continue
            # Split where the plan changes, so each piece goes to the queue planned then.
            cuts = sorted(
                {lo, hi, *(p for s in plan for p in (s.start_utc, s.end_utc) if lo < p < hi)}
            )
            for a, b in zip(cuts, cuts[1:], strict=False):
                queue = _queue_at(plan, a, default_queue.get(code))
                if queue in out:
                    _add_span(out[queue], interval_starts_utc, length, a, b)
    for i, start in enumerate(interval_starts_utc):
        elapsed = (min(start + length, now_utc) - start).total_seconds()
        for cells in out.values():
            if elapsed <= 0:
                cells[i] = np.nan
            elif elapsed < length.total_seconds():
                cells[i] *= length.total_seconds() / elapsed  # mean over the elapsed part
    return out
