"""A queue's calibration against what happened, from its stored history: the pure part.

`wfm.services.calibration` reads a queue's intervals and its agents' state events, and this module
turns them into what `erlang.fit_calibration` and `erlang.rate_accuracy` take:

- **agents serving per interval** (`serving_seconds`): each agent's ACD states (an event's state
  lasts until the agent's next event, at most `MAX_STATE_SECONDS`) in the activity "serve"
  (ready, on a call, after-call work ...) count for the queues the agent is skilled on, shared
  equally between them; the seconds inside an interval divided by its length are the agents
  serving it. Agent events carry no queue, so a multi-skilled agent's time is split evenly: a
  queue served mostly by one-skill agents is measured exactly, a blended team approximately.
- **the fit's rows** (`CalibrationRows`): offered = answered + abandoned, handle time = handle
  seconds / answered, total wait = the waits of the answered and of the abandoned; the servers
  are agents serving x concurrency, as `QueueModel` counts them.
- **the refusals** (`refusal`): too few intervals with calls, too few calls, no agent serving.
- **scoring per week** (`score_week`): call-weighted mean absolute error, bias and binomial noise
  floor of answer rate and service level (`erlang.rate_accuracy`).
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from numpy.typing import NDArray

from wfm.domain.queue_model import Calibration, RateAccuracy, rate_accuracy

FloatArray = NDArray[np.float64]

DEFAULT_LOOKBACK_DAYS = 56
MAX_LOOKBACK_DAYS = 3660
MIN_INTERVALS = 48  # intervals with calls and agents serving: one day of half-hours
MIN_CALLS = 1000  # calls over those intervals
MAX_STATE_SECONDS = 12 * 3600.0  # an agent silent longer than this is taken as logged out
MAX_ACCURACY_WEEKS = 104


@dataclass(frozen=True, slots=True)
class StoredCalibration:
    """A queue's calibration as stored, with the history it was fitted on and how well it fits
    there (in-sample: call-weighted mean absolute errors, calibrated and textbook)."""

    queue_code: str
    fitted_at_utc: datetime
    window_start_utc: datetime
    window_end_utc: datetime
    calibration: Calibration
    intervals: int
    calls: float
    answer_rate_mae: float
    textbook_answer_rate_mae: float
    answer_rate_noise_floor: float
    service_level_mae: float | None = None
    textbook_service_level_mae: float | None = None


@dataclass(frozen=True, slots=True)
class StateChange:
    """One ACD event of an agent: when, and whether the new state is serving."""

    at_utc: datetime
    serving: bool


def serving_seconds(
    events_by_agent: Mapping[str, Sequence[StateChange]],
    skills_by_agent: Mapping[str, Sequence[str]],
    buckets: Sequence[tuple[datetime, datetime]],
    *,
    until_utc: datetime,
    max_state_seconds: float = MAX_STATE_SECONDS,
) -> dict[str, list[float]]:
    """Serving seconds per queue in each bucket [start, end) (sorted, not overlapping): each
    serving state lasts until the agent's next event, `max_state_seconds` or `until_utc`,
    whichever comes first, and counts 1 / (number of skills) for each queue of the agent."""
    totals: dict[str, list[float]] = {}
    ends = [end for _, end in buckets]
    cap = timedelta(seconds=max_state_seconds)
    for agent, changes in events_by_agent.items():
        queues = sorted(set(skills_by_agent.get(agent, ())))
        if not queues:
            continue
        share = 1.0 / len(queues)
        ordered = sorted(changes, key=lambda change: change.at_utc)
        for i, change in enumerate(ordered):
            if not change.serving:
                continue
            stop = min(change.at_utc + cap, until_utc)
            if i + 1 < len(ordered):
                stop = min(stop, ordered[i + 1].at_utc)
            if stop <= change.at_utc:
                continue
            k = bisect.bisect_right(ends, change.at_utc)
            while k < len(buckets) and buckets[k][0] < stop:
                low, high = buckets[k]
                overlap = (min(high, stop) - max(low, change.at_utc)).total_seconds()
                if overlap > 0:
                    for queue in queues:
                        row = totals.setdefault(queue, [0.0] * len(buckets))
                        row[k] += overlap * share
                k += 1
    return totals


@dataclass(frozen=True, slots=True)
class CalibrationRows:
    """A queue's intervals as the arrays `erlang.fit_calibration` takes (one value each).
    `answered_within_threshold` is None when the history never recorded it."""

    starts_utc: tuple[datetime, ...]
    offered: FloatArray
    answered: FloatArray
    abandoned: FloatArray
    aht_seconds: FloatArray
    agents: FloatArray  # agents serving (before concurrency)
    interval_seconds: FloatArray
    answered_within_threshold: FloatArray | None
    total_wait_seconds: FloatArray

    @classmethod
    def of(
        cls,
        starts_utc: Sequence[datetime],
        answered: Sequence[float],
        abandoned: Sequence[float],
        answered_within_threshold: Sequence[float],
        handle_seconds: Sequence[float],
        wait_seconds: Sequence[float],
        serving_seconds: Sequence[float],
        interval_seconds: Sequence[float],
    ) -> CalibrationRows:
        """Rows from stored sums; an interval with no answered call takes the mean handle time
        of the rows (1 s when none was answered anywhere)."""
        answered_a = np.asarray(answered, dtype=float)
        handle = np.asarray(handle_seconds, dtype=float)
        total_answered = float(answered_a.sum())
        mean_aht = float(handle.sum()) / total_answered if total_answered > 0 else 1.0
        aht = np.where(answered_a > 0, handle / np.maximum(answered_a, 1.0), mean_aht)
        within = np.asarray(answered_within_threshold, dtype=float)
        length = np.asarray(interval_seconds, dtype=float)
        abandoned_a = np.asarray(abandoned, dtype=float)
        return cls(
            starts_utc=tuple(starts_utc),
            offered=answered_a + abandoned_a,
            answered=answered_a,
            abandoned=abandoned_a,
            aht_seconds=np.maximum(aht, 1.0),
            agents=np.asarray(serving_seconds, dtype=float) / length,
            interval_seconds=length,
            answered_within_threshold=within if float(within.sum()) > 0 else None,
            total_wait_seconds=np.asarray(wait_seconds, dtype=float),
        )

    def __len__(self) -> int:
        return len(self.starts_utc)

    def take(self, mask: NDArray[np.bool_]) -> CalibrationRows:
        """The rows where `mask` holds."""
        indexes = np.flatnonzero(mask)
        within = self.answered_within_threshold
        return CalibrationRows(
            starts_utc=tuple(self.starts_utc[i] for i in indexes),
            offered=self.offered[mask],
            answered=self.answered[mask],
            abandoned=self.abandoned[mask],
            aht_seconds=self.aht_seconds[mask],
            agents=self.agents[mask],
            interval_seconds=self.interval_seconds[mask],
            answered_within_threshold=None if within is None else within[mask],
            total_wait_seconds=self.total_wait_seconds[mask],
        )

    @property
    def fittable(self) -> NDArray[np.bool_]:
        """The intervals a fit can use: with calls and with agents serving."""
        return np.asarray((self.offered > 0) & (self.agents > 0), dtype=bool)


def refusal(
    rows: CalibrationRows,
    *,
    has_agent_events: bool,
    min_intervals: int = MIN_INTERVALS,
    min_calls: int = MIN_CALLS,
) -> str | None:
    """Why the rows can't be calibrated on (None: they can)."""
    if not has_agent_events:
        return "no agent events in the window: the agents serving are unknown"
    used = rows.fittable
    intervals = int(used.sum())
    if intervals < min_intervals:
        return (
            f"{intervals} intervals with calls and agents serving in the window, "
            f"fewer than {min_intervals}"
        )
    calls = float(rows.offered[used].sum())
    if calls < min_calls:
        return (
            f"{calls:.0f} calls in the window's intervals with agents serving, "
            f"fewer than {min_calls}"
        )
    return None


@dataclass(frozen=True, slots=True)
class WeekScore:
    """How one model's predictions met one week: answer rate and service level (None when the
    history has no answered-within-threshold counts)."""

    answer_rate: RateAccuracy
    service_level: RateAccuracy | None


def score_week(
    offered: FloatArray,
    answered: FloatArray,
    answered_within_threshold: FloatArray | None,
    predicted_answer_rate: FloatArray,
    predicted_service_level: FloatArray,
) -> WeekScore:
    """`erlang.rate_accuracy` of both rates over the intervals (with calls)."""
    return WeekScore(
        answer_rate=rate_accuracy(offered, answered, np.clip(predicted_answer_rate, 0.0, 1.0)),
        service_level=None
        if answered_within_threshold is None
        else rate_accuracy(
            offered, answered_within_threshold, np.clip(predicted_service_level, 0.0, 1.0)
        ),
    )
