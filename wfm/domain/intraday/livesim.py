"""Playing a day through the queue simulator: the surprise, the queues, the agents' behaviour.

The day's true arrivals are the forecast times a **surprise** factor (e.g. +30 % from 13:00 local).
Each queue is simulated by its `QueueModel` (`QueueModel.simulate`: Poisson arrivals per
interval, exponential handle times and patience, FCFS, whole agents changing at interval
boundaries). A live day is played by re-simulating the whole day every time the staffing of an
interval is decided, with the same seed: the simulator draws every random number before it
runs, so the calls are the same in every run and only the staffing differs (common random
numbers); what already happened stays (almost exactly) as it was, and "with" and "without" a
decision can be compared call for call.

`AgentBehaviour` turns an agent's effective plan into the ACD states a real agent would send:
each planned change is followed after a short random delay (sometimes a few minutes late), with
the odd unplanned not-ready spell while serving.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from wfm.domain import Activity
from wfm.domain.intraday.plan import PlanSpan
from wfm.domain.queue_model import QueueModel

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class SimQueue:
    """One queue's true day: its model (patience, threshold, concurrency) and the expected
    arrivals and handle time per interval."""

    model: QueueModel
    arrivals: Sequence[float]
    aht_seconds: Sequence[float]

    @property
    def queue_code(self) -> str:
        return self.model.code


@dataclass(frozen=True, slots=True)
class SimOutcome:
    """Simulated counts per interval (by arrival interval)."""

    queue_code: str
    offered: FloatArray
    answered: FloatArray
    abandoned: FloatArray
    answered_within_threshold: FloatArray

    def answer_rate(self, intervals: slice = slice(None)) -> float:
        offered = float(self.offered[intervals].sum())
        return float(self.answered[intervals].sum()) / offered if offered else 1.0

    def service_level(self, intervals: slice = slice(None)) -> float:
        offered = float(self.offered[intervals].sum())
        return float(self.answered_within_threshold[intervals].sum()) / offered if offered else 1.0


def surprise_factors(
    interval_starts_utc: Sequence[datetime],
    timezone: str,
    *,
    surge: float,
    from_local: time,
    until_local: time | None = None,
) -> FloatArray:
    """1 + surge for the intervals starting in [from_local, until_local) local time, else 1."""
    tz = ZoneInfo(timezone)
    out = np.ones(len(interval_starts_utc))
    for i, start in enumerate(interval_starts_utc):
        local = start.astimezone(tz).time()
        if local >= from_local and (until_local is None or local < until_local):
            out[i] = 1.0 + surge
    return out


def _seed(base: int, queue_code: str) -> int:
    return (base * 1_000_003 + zlib.crc32(queue_code.encode())) % (2**32)


def simulate_day(
    queues: Sequence[SimQueue],
    servers: Mapping[str, Sequence[int] | npt.NDArray[np.int64]],
    *,
    interval_minutes: int,
    seed: int,
) -> dict[str, SimOutcome]:
    """Simulate every queue's day with the given whole servers per interval (one run each; the
    queues' models are on `interval_minutes` intervals)."""
    out: dict[str, SimOutcome] = {}
    for q in queues:
        arrivals = np.asarray(q.arrivals, dtype=np.float64)
        staff = np.asarray(servers[q.queue_code], dtype=np.float64)
        if staff.shape != arrivals.shape:
            raise ValueError(f"queue {q.queue_code!r}: one server count per interval")
        if q.model.interval_minutes != interval_minutes:
            raise ValueError(
                f"queue {q.queue_code!r}: its model is on {q.model.interval_minutes}-minute "
                f"intervals, not {interval_minutes}"
            )
        result = q.model.simulate(
            arrivals, q.aht_seconds, staff, seed=_seed(seed, q.queue_code), replications=1
        )
        out[q.queue_code] = SimOutcome(
            q.queue_code,
            np.asarray(result.offered_per_interval, dtype=np.float64),
            np.asarray(result.answered_per_interval, dtype=np.float64),
            np.asarray(result.abandoned_per_interval, dtype=np.float64),
            np.asarray(result.answered_within_threshold_per_interval, dtype=np.float64),
        )
    return out


def servers_at(
    plans: Mapping[str, Sequence[PlanSpan]],
    default_queue: Mapping[str, str | None],
    moment: datetime,
) -> dict[str, int]:
    """Agents planned to serve at `moment`, per queue (the span's queue, else the default)."""
    out: dict[str, int] = {}
    for code, plan in plans.items():
        for span in plan:
            if span.start_utc <= moment < span.end_utc:
                if span.activity is Activity.SERVE:
                    queue = span.queue_code or default_queue.get(code)
                    if queue is not None:
                        out[queue] = out.get(queue, 0) + 1
                break
    return out


# --- agents' behaviour ---------------------------------------------------------------------

STATE_FOR_ACTIVITY: Mapping[Activity | None, tuple[str, str | None]] = {
    Activity.SERVE: ("ready", None),
    Activity.SELL: ("outbound_dialling", None),
    Activity.BREAK: ("break", None),
    Activity.LUNCH: ("lunch", None),
    Activity.OTHER: ("not_ready", "meeting"),
    None: ("logged_out", None),
}


@dataclass(frozen=True, slots=True)
class BehaviourConfig:
    mean_delay_seconds: float = 20.0  # typical lag after a planned change
    late_probability: float = 0.05  # chance that a change is made 1-5 minutes late
    not_ready_per_hour: float = 0.1  # unplanned not-ready spells (2-6 min) while serving


@dataclass(frozen=True, slots=True)
class StateChange:
    agent_code: str
    at_utc: datetime
    state: str
    reason: str | None


@dataclass(frozen=True, slots=True)
class _Pending:
    at_utc: datetime
    target: tuple[str, str | None] | None  # None: whatever the plan says then
    point: datetime | None  # the planned change it carries out (checked before it is sent)


class AgentBehaviour:
    """The states an agent sends as it follows its plan, generated a window at a time.

    Re-planning (a switch) is honoured from the moment it is known: `follow` generates states
    for one window at a time from the plan it is given then; a planned change that a later
    change of plan made obsolete is dropped.
    """

    def __init__(
        self, agent_code: str, seed: int, config: BehaviourConfig = BehaviourConfig()
    ) -> None:
        self.agent_code = agent_code
        self.rng = np.random.default_rng(_seed(seed, agent_code))
        self.config = config
        self.current: tuple[str, str | None] = STATE_FOR_ACTIVITY[None]
        self.pending: list[_Pending] = []
        self.seen_points: set[datetime] = set()

    def _delay(self) -> timedelta:
        if self.rng.random() < self.config.late_probability:
            return timedelta(seconds=float(self.rng.uniform(60.0, 300.0)))
        return timedelta(seconds=float(self.rng.exponential(self.config.mean_delay_seconds)))

    def follow(
        self, plan: Sequence[PlanSpan], start_utc: datetime, end_utc: datetime
    ) -> list[StateChange]:
        """State changes in [start_utc, end_utc) as the agent follows `plan`."""
        for point in _change_points(plan, start_utc, end_utc):
            if point in self.seen_points:
                continue
            self.seen_points.add(point)
            target = STATE_FOR_ACTIVITY[_activity_at(plan, point)]
            self.pending.append(_Pending(point + self._delay(), target, point))
        # The plan asks now for something the agent neither does nor is about to do (a change
        # recorded just now, e.g. a switch): done after the usual lag.
        wanted = STATE_FOR_ACTIVITY[_activity_at(plan, start_utc)]
        if wanted != self.current and not any(p.target == wanted for p in self.pending):
            self.pending.append(_Pending(start_utc + self._delay(), wanted, start_utc))
        # Unplanned not-ready spells while serving.
        minutes = (end_utc - start_utc).total_seconds() / 60.0
        if (
            _activity_at(plan, start_utc) is Activity.SERVE
            and self.rng.random() < self.config.not_ready_per_hour * minutes / 60.0
        ):
            at = start_utc + timedelta(seconds=float(self.rng.uniform(0, minutes * 60)))
            back = at + timedelta(minutes=float(self.rng.uniform(2.0, 6.0)))
            self.pending.append(_Pending(at, ("not_ready", None), None))
            self.pending.append(_Pending(back, None, None))
        self.pending.sort(key=lambda p: p.at_utc)
        out: list[StateChange] = []
        keep: list[_Pending] = []
        for p in self.pending:
            if p.at_utc >= end_utc:
                keep.append(p)
                continue
            if p.point is not None and STATE_FOR_ACTIVITY[_activity_at(plan, p.point)] != p.target:
                continue  # the plan changed since: obsolete
            target = p.target or STATE_FOR_ACTIVITY[_activity_at(plan, p.at_utc)]
            if target != self.current:
                at = max(p.at_utc, start_utc)
                out.append(StateChange(self.agent_code, at, target[0], target[1]))
                self.current = target
        self.pending = keep
        return out


def _activity_at(plan: Sequence[PlanSpan], moment: datetime) -> Activity | None:
    for s in plan:
        if s.start_utc <= moment < s.end_utc:
            return s.activity
    return None


def _change_points(plan: Sequence[PlanSpan], start: datetime, end: datetime) -> list[datetime]:
    """Planned changes of activity in [start, end)."""
    points = sorted({s.start_utc for s in plan} | {s.end_utc for s in plan})
    return [
        p
        for p in points
        if start <= p < end
        and _activity_at(plan, p) != _activity_at(plan, p - timedelta(microseconds=1))
    ]


def erlang_queue_now(
    model: QueueModel, calls: float, aht_seconds: float, servers: int
) -> tuple[float, float]:
    """Contacts waiting (Little's law on the model's mean wait of every caller) and a typical
    longest wait (three mean waits), for a queue snapshot between simulated intervals."""
    patience = model.patience.seconds
    if patience is None:
        raise ValueError(f"queue {model.code!r}: the live simulator needs a patience")
    if calls <= 0 or aht_seconds <= 0:
        return 0.0, 0.0
    rate = calls / model.interval_seconds
    if servers <= 0:
        return rate * patience, 3.0 * patience
    kpis = model.kpis(calls, aht_seconds, servers)
    assert kpis.mean_wait_seconds is not None  # `kpis` gives it
    mean_wait = float(kpis.mean_wait_seconds)
    if not math.isfinite(mean_wait):
        mean_wait = patience
    return rate * mean_wait, 3.0 * mean_wait
