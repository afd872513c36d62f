"""Schedule adherence and conformance, minute by minute, per agent.

Definitions (the project's, after domain.md):

- The **effective plan** (`wfm.domain.intraday.plan`) says what the agent should be doing at each
  instant of its shifts: serve, sell, break, lunch or other. Outside its shifts the agent is not
  scheduled.
- The **actual activity** at an instant is the activity of the agent's latest state event at or
  before it (`wfm.domain.intraday.states`); before any event it is `initial_activity` (logged out).
- **Scheduled time** is every instant the plan covers (breaks and lunches included).
- **Adherent time** is scheduled time in which the actual activity matches the planned one. Around
  each change of the planned activity (shift start and end included) there is a **tolerance**
  (default 1 min each side): within `tolerance_seconds` before or after the change, either the
  activity before or the one after it counts as adherent (after the shift end, "not scheduled"
  matches being logged out). Tolerances of changes that lie close together add up.
- **Adherence** = adherent time / scheduled time.
- **Scheduled work time** is the part of scheduled time planned as serve, sell or other.
- **Worked time** is time the agent is logged in and not on a break or lunch (serving, selling,
  other, or not ready), whether scheduled or not; so conformance can exceed 100 %.
- **Conformance** = worked time / scheduled work time.
- **Available work time** is scheduled work time in which the agent serves, sells or does other
  work; the rest of the scheduled work time (logged out, not ready, on an unplanned break) is what
  unplanned shrinkage takes (`wfm.domain.intraday.shrinkage`).

Everything is computed exactly in microseconds and reported per minute of the window as seconds,
then summed to intervals, days and weeks. Authorised changes are already in the effective plan, so
they never count against the agent.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt

from wfm.domain import Activity
from wfm.domain.intraday.events import StateEvent, ordered
from wfm.domain.intraday.plan import PlanSpan
from wfm.domain.intraday.states import (
    PLANNED_WORK_ACTIVITIES,
    WORKING_ACTIVITIES,
    ActualActivity,
)

DEFAULT_TOLERANCE_SECONDS = 60.0
_US_PER_SECOND = 1_000_000
_US_PER_MINUTE = 60 * _US_PER_SECOND

# One bit per activity; planned and actual share the bits of the activities they have in common.
# "Not scheduled" shares its bit with "logged out".
_BIT = {
    ActualActivity.SERVE: 1,
    ActualActivity.SELL: 2,
    ActualActivity.BREAK: 4,
    ActualActivity.LUNCH: 8,
    ActualActivity.OTHER: 16,
    ActualActivity.LOGGED_OUT: 32,
    ActualActivity.NOT_READY: 64,
}
_PLAN_BIT = {a: _BIT[ActualActivity(a.value)] for a in Activity}
_OFF_BIT = _BIT[ActualActivity.LOGGED_OUT]
_WORKING_MASK = sum(_BIT[a] for a in WORKING_ACTIVITIES)
_PLANNED_WORK_MASK = sum(_PLAN_BIT[a] for a in PLANNED_WORK_ACTIVITIES)
_AVAILABLE_MASK = sum(
    _BIT[a] for a in (ActualActivity.SERVE, ActualActivity.SELL, ActualActivity.OTHER)
)

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class MinuteAdherence:
    """Per-minute seconds for one agent over a window of whole minutes from `start_utc`."""

    agent_code: str
    start_utc: datetime
    scheduled_seconds: FloatArray
    adherent_seconds: FloatArray
    scheduled_work_seconds: FloatArray
    worked_seconds: FloatArray
    # scheduled work time in which the agent serves, sells or does other work (not logged out,
    # not ready, nor on a break): what unplanned shrinkage leaves of the rostered work time
    available_work_seconds: FloatArray

    @property
    def minutes(self) -> int:
        return int(self.scheduled_seconds.shape[0])

    def summarise(self, period_minutes: int | None = None) -> list[AdherenceSummary]:
        """Totals per block of `period_minutes` from the window start (None: the whole window)."""
        n = self.minutes
        size = n if period_minutes is None else period_minutes
        if size <= 0:
            raise ValueError("period_minutes must be positive")
        out = []
        for first in range(0, n, size):
            block = slice(first, min(first + size, n))
            out.append(
                AdherenceSummary(
                    agent_code=self.agent_code,
                    period_start_utc=self.start_utc + timedelta(minutes=first),
                    period_minutes=block.stop - block.start,
                    scheduled_minutes=float(self.scheduled_seconds[block].sum()) / 60.0,
                    adherent_minutes=float(self.adherent_seconds[block].sum()) / 60.0,
                    scheduled_work_minutes=float(self.scheduled_work_seconds[block].sum()) / 60.0,
                    worked_minutes=float(self.worked_seconds[block].sum()) / 60.0,
                )
            )
        return out


@dataclass(frozen=True, slots=True)
class AdherenceSummary:
    """Adherence and conformance of one agent over one period."""

    agent_code: str
    period_start_utc: datetime
    period_minutes: int
    scheduled_minutes: float
    adherent_minutes: float
    scheduled_work_minutes: float
    worked_minutes: float

    @property
    def adherence(self) -> float | None:
        return self.adherent_minutes / self.scheduled_minutes if self.scheduled_minutes else None

    @property
    def conformance(self) -> float | None:
        if not self.scheduled_work_minutes:
            return None
        return self.worked_minutes / self.scheduled_work_minutes


def combine(summaries: Sequence[AdherenceSummary]) -> AdherenceSummary:
    """The sum of consecutive periods of one agent (e.g. the days of a week)."""
    if not summaries:
        raise ValueError("nothing to combine")
    first = summaries[0]
    return AdherenceSummary(
        agent_code=first.agent_code,
        period_start_utc=min(s.period_start_utc for s in summaries),
        period_minutes=sum(s.period_minutes for s in summaries),
        scheduled_minutes=sum(s.scheduled_minutes for s in summaries),
        adherent_minutes=sum(s.adherent_minutes for s in summaries),
        scheduled_work_minutes=sum(s.scheduled_work_minutes for s in summaries),
        worked_minutes=sum(s.worked_minutes for s in summaries),
    )


@dataclass(frozen=True, slots=True)
class _Segments:
    """Elementary segments over a window on which plan, tolerance and actual are constant."""

    start_us: npt.NDArray[np.int64]  # relative to the window start
    length_us: npt.NDArray[np.int64]
    plan_bits: npt.NDArray[np.int64]
    accept_mask: npt.NDArray[np.int64]
    actual_bits: npt.NDArray[np.int64]

    @property
    def scheduled(self) -> npt.NDArray[np.bool_]:
        return self.plan_bits != _OFF_BIT

    @property
    def adherent(self) -> npt.NDArray[np.bool_]:
        return self.scheduled & ((self.actual_bits & self.accept_mask) != 0)


def _to_us(moment: datetime, origin: datetime) -> int:
    delta = moment - origin
    return (delta.days * 86_400 + delta.seconds) * _US_PER_SECOND + delta.microseconds


def _segments(
    plan: Sequence[PlanSpan],
    events: Sequence[StateEvent],
    start_utc: datetime,
    end_utc: datetime,
    tolerance_seconds: float,
    initial_activity: ActualActivity,
    extra_points_us: npt.NDArray[np.int64] | None = None,
) -> _Segments:
    window_us = _to_us(end_utc, start_utc)
    tol_us = round(tolerance_seconds * _US_PER_SECOND)

    # The plan as sorted breakpoints, each with the activity bit from it on; a breakpoint where
    # the activity does not change is dropped (serving one queue then another is one activity).
    plan_pts: list[int] = []
    plan_bits_l: list[int] = []
    cursor: int | None = None
    for span in sorted(plan, key=lambda s: s.start_utc):
        s_us, e_us = _to_us(span.start_utc, start_utc), _to_us(span.end_utc, start_utc)
        if e_us <= s_us:
            continue
        if cursor is not None and s_us < cursor:
            raise ValueError("plan spans overlap")
        if plan_pts and plan_pts[-1] == s_us:
            plan_bits_l[-1] = _PLAN_BIT[span.activity]
        else:
            plan_pts.append(s_us)
            plan_bits_l.append(_PLAN_BIT[span.activity])
        plan_pts.append(e_us)
        plan_bits_l.append(_OFF_BIT)
        cursor = e_us
    keep = [i for i in range(len(plan_pts)) if i == 0 or plan_bits_l[i] != plan_bits_l[i - 1]]
    plan_pts = [plan_pts[i] for i in keep]
    plan_bits_l = [plan_bits_l[i] for i in keep]
    plan_points = np.asarray(plan_pts, dtype=np.int64)
    plan_bit_arr = np.asarray(plan_bits_l, dtype=np.int64)

    # Changes of planned activity, each with its tolerance window and the two acceptable bits.
    win_lo: list[int] = []
    win_hi: list[int] = []
    win_mask: list[int] = []
    previous_bit = _OFF_BIT
    for point, bit in zip(plan_pts, plan_bits_l, strict=True):
        if bit != previous_bit:
            win_lo.append(point - tol_us)
            win_hi.append(point + tol_us)
            win_mask.append(bit | previous_bit)
        previous_bit = bit

    # Actual activity as breakpoints.
    evs = ordered(events)
    ev_points = np.asarray([_to_us(e.occurred_at_utc, start_utc) for e in evs], dtype=np.int64)
    ev_bits = np.asarray([_BIT[e.activity] for e in evs], dtype=np.int64)

    parts = [
        np.asarray([0, window_us], dtype=np.int64),
        plan_points,
        ev_points,
        np.asarray(win_lo, dtype=np.int64),
        np.asarray(win_hi, dtype=np.int64),
    ]
    if extra_points_us is not None:
        parts.append(extra_points_us)
    points = np.unique(np.concatenate(parts))
    points = points[(points >= 0) & (points <= window_us)]
    starts = points[:-1]
    lengths = np.diff(points)

    if plan_points.size:
        idx = np.searchsorted(plan_points, starts, side="right") - 1
        plan_bits = np.where(idx >= 0, plan_bit_arr[np.maximum(idx, 0)], _OFF_BIT)
        plan_bits = plan_bits.astype(np.int64)
    else:
        plan_bits = np.full(starts.shape, _OFF_BIT, dtype=np.int64)

    accept = plan_bits.copy()
    for lo, hi, mask in zip(win_lo, win_hi, win_mask, strict=True):
        inside = (starts >= lo) & (starts < hi)
        accept[inside] |= mask

    if ev_points.size:
        eidx = np.searchsorted(ev_points, starts, side="right") - 1
        actual = np.where(eidx >= 0, ev_bits[np.maximum(eidx, 0)], _BIT[initial_activity])
    else:
        actual = np.full(starts.shape, _BIT[initial_activity], dtype=np.int64)

    return _Segments(starts, lengths, plan_bits, accept, actual.astype(np.int64))


def adherence_by_minute(
    agent_code: str,
    plan: Sequence[PlanSpan],
    events: Sequence[StateEvent],
    start_utc: datetime,
    end_utc: datetime,
    *,
    tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS,
    initial_activity: ActualActivity = ActualActivity.LOGGED_OUT,
    until_utc: datetime | None = None,
) -> MinuteAdherence:
    """Per-minute scheduled, adherent, scheduled-work and worked seconds of one agent.

    `plan` is the agent's effective plan; `events` its state events (any order, repeated ids
    ignored), including the latest one before `start_utc` so the state at the window start is
    known. The window must be whole minutes long. Time from `until_utc` on (the clock's now) has
    not happened yet and counts as nothing: neither scheduled nor worked, so a day seen at noon
    is judged on its morning, and an agent's last state is not carried into the future.
    """
    if start_utc.tzinfo is None or end_utc.tzinfo is None:
        raise ValueError("start_utc and end_utc must be timezone-aware")
    if until_utc is not None and until_utc.tzinfo is None:
        raise ValueError("until_utc must be timezone-aware")
    if end_utc <= start_utc:
        raise ValueError("end_utc must be after start_utc")
    window_us = _to_us(end_utc, start_utc)
    if window_us % _US_PER_MINUTE:
        raise ValueError("the window must be a whole number of minutes")
    if not tolerance_seconds >= 0:
        raise ValueError("tolerance_seconds must be >= 0")
    n_minutes = window_us // _US_PER_MINUTE
    grid = np.arange(0, window_us + 1, _US_PER_MINUTE, dtype=np.int64)
    until_us = window_us if until_utc is None else min(window_us, _to_us(until_utc, start_utc))
    if until_utc is not None:
        grid = np.append(grid, max(0, until_us))
    seg = _segments(plan, events, start_utc, end_utc, tolerance_seconds, initial_activity, grid)
    minute = (seg.start_us // _US_PER_MINUTE).astype(np.int64)
    elapsed = seg.start_us < until_us
    seconds = np.where(elapsed, seg.length_us.astype(np.float64) / _US_PER_SECOND, 0.0)

    def per_minute(flag: npt.NDArray[np.bool_]) -> FloatArray:
        counts = np.bincount(minute, weights=seconds * flag, minlength=n_minutes)
        return counts[:n_minutes].astype(np.float64)

    return MinuteAdherence(
        agent_code=agent_code,
        start_utc=start_utc,
        scheduled_seconds=per_minute(seg.scheduled),
        adherent_seconds=per_minute(seg.adherent),
        scheduled_work_seconds=per_minute((seg.plan_bits & _PLANNED_WORK_MASK) != 0),
        worked_seconds=per_minute((seg.actual_bits & _WORKING_MASK) != 0),
        available_work_seconds=per_minute(
            ((seg.plan_bits & _PLANNED_WORK_MASK) != 0) & ((seg.actual_bits & _AVAILABLE_MASK) != 0)
        ),
    )


class AgentState(enum.StrEnum):
    """Where an agent with a plan today stands now."""

    NOT_STARTED = "not_started"  # the day's first planned span has not begun
    IN_ADHERENCE = "in_adherence"
    ON_BREAK = "on_break"  # a planned break or lunch, taken
    OUT_OF_ADHERENCE = "out_of_adherence"
    ABSENT = "absent"  # scheduled, and not logged in once since the shift began
    OFF_SHIFT = "off_shift"  # between two of the day's shifts
    FINISHED = "finished"  # every planned span of the day has ended


@dataclass(frozen=True, slots=True)
class AgentStatus:
    """An agent's adherence now: what the plan says, what the agent does, and since when."""

    agent_code: str
    at_utc: datetime
    planned: Activity | None
    actual: ActualActivity
    scheduled: bool
    in_adherence: bool
    out_since_utc: datetime | None
    state: AgentState = AgentState.IN_ADHERENCE
    # the start of the shift under way, or of the next one when none is
    shift_start_utc: datetime | None = None

    @property
    def out_for_seconds(self) -> float:
        if self.out_since_utc is None:
            return 0.0
        return (self.at_utc - self.out_since_utc).total_seconds()


def _shift_start(plan: Sequence[PlanSpan], now_utc: datetime) -> datetime | None:
    """The start of the contiguous run of plan spans holding `now_utc`, else of the next span."""
    spans = sorted(plan, key=lambda s: s.start_utc)
    current = next((k for k, sp in enumerate(spans) if sp.start_utc <= now_utc < sp.end_utc), None)
    if current is None:
        return next((sp.start_utc for sp in spans if sp.start_utc > now_utc), None)
    while current > 0 and spans[current - 1].end_utc == spans[current].start_utc:
        current -= 1
    return spans[current].start_utc


def _state(
    plan: Sequence[PlanSpan],
    seg: _Segments,
    start: datetime,
    now_utc: datetime,
    tolerance_seconds: float,
) -> tuple[AgentState, datetime | None]:
    shift_start = _shift_start(plan, now_utc)
    if not seg.scheduled[-1]:
        if shift_start is None:
            return AgentState.FINISHED, None
        started = any(sp.start_utc <= now_utc for sp in plan)
        return (AgentState.OFF_SHIFT if started else AgentState.NOT_STARTED), shift_start
    assert shift_start is not None
    since_us = _to_us(shift_start, start)
    in_shift = seg.start_us + seg.length_us > since_us
    never_in = not bool(np.any((seg.actual_bits[in_shift] & _WORKING_MASK) != 0))
    late = (now_utc - shift_start).total_seconds() > tolerance_seconds
    if never_in and late:
        return AgentState.ABSENT, shift_start
    if not bool(seg.adherent[-1]):
        return AgentState.OUT_OF_ADHERENCE, shift_start
    on_break = int(seg.plan_bits[-1]) in (_BIT[ActualActivity.BREAK], _BIT[ActualActivity.LUNCH])
    return (AgentState.ON_BREAK if on_break else AgentState.IN_ADHERENCE), shift_start


def status_now(
    agent_code: str,
    plan: Sequence[PlanSpan],
    events: Sequence[StateEvent],
    now_utc: datetime,
    *,
    tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS,
    initial_activity: ActualActivity = ActualActivity.LOGGED_OUT,
    lookback: timedelta = timedelta(hours=16),
) -> AgentStatus:
    """Whether the agent is out of adherence at `now_utc` and since when (within `lookback`),
    and its state (`AgentState`) given the rest of its plan."""
    start = now_utc - lookback
    # Evaluate the instant `now` as a last 1-microsecond segment.
    end = now_utc + timedelta(microseconds=1)
    seg = _segments(plan, events, start, end, tolerance_seconds, initial_activity)
    out = seg.scheduled & ~seg.adherent
    planned_span = next((s for s in plan if s.start_utc <= now_utc < s.end_utc), None)
    actual_bit = int(seg.actual_bits[-1])
    actual = next(a for a, b in _BIT.items() if b == actual_bit)
    state, shift_start = _state(plan, seg, start, now_utc, tolerance_seconds)
    since = None
    if out[-1]:
        good = np.flatnonzero(~out)
        first_out = int(good[-1]) + 1 if good.size else 0
        since = start + timedelta(microseconds=int(seg.start_us[first_out]))
    return AgentStatus(
        agent_code=agent_code,
        at_utc=now_utc,
        planned=planned_span.activity if planned_span else None,
        actual=actual,
        scheduled=bool(seg.scheduled[-1]),
        in_adherence=not bool(out[-1]),
        out_since_utc=since,
        state=state,
        shift_start_utc=shift_start,
    )
