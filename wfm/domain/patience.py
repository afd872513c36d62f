"""A queue's mean patience estimated from its own interval history (pure; no I/O).

The policy that uses the estimate is in `wfm.domain.queue_model` (`Patience.of_queue`): the
queue's estimate where it has one, else its site's setting. Here is how the estimate is made.

Every contact that waited was seen waiting for its wait, answered or not; every abandon is an
observed end of patience. Under exponential patience the maximum-likelihood mean is

    mean patience = (wait of answered contacts + wait of abandoned contacts) / abandoned

with the chi-square 95 % confidence interval of `erlang.PatienceEstimate`. All abandons count,
short ones too: their waits are in the total, and a short abandon is a caller's patience running
out like any other. The window is the last `lookback_days` local days of the site's history, so
the estimate follows a queue whose callers change; a queue with fewer than
`MIN_ABANDONED_FOR_ESTIMATE` abandons in it has no estimate (its interval would be too wide to
plan on), and the site's setting applies.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from wfm.domain.errors import ValidationError
from wfm.domain.grid import local_date, local_midnight_utc
from wfm.domain.queue_model import Patience
from wfm.domain.types import Queue

# Abandons a window must hold for an estimate: with 30 the 95 % interval runs from about 0.72 to
# 1.49 times the estimate; with fewer it widens fast (10 abandons: 0.59 to 2.09).
MIN_ABANDONED_FOR_ESTIMATE = 30
# Local days of history an estimate looks back over: eight weeks, every weekday eight times.
DEFAULT_LOOKBACK_DAYS = 56
MAX_LOOKBACK_DAYS = 3660


@dataclass(frozen=True, slots=True)
class PatienceHistory:
    """A queue's contacts and waits summed over the window of an estimate."""

    queue_code: str
    intervals: int = 0
    answered: int = 0
    abandoned: int = 0
    wait_seconds_answered: float = 0.0
    wait_seconds_abandoned: float = 0.0

    @property
    def total_wait_seconds(self) -> float:
        """The time all contacts were seen waiting: the exposure of the estimate."""
        return self.wait_seconds_answered + self.wait_seconds_abandoned


@dataclass(frozen=True, slots=True)
class PatienceWindow:
    """The history an estimate reads: intervals starting in [start_utc, end_utc). `end_utc` is
    the estimate's date."""

    start_utc: datetime
    end_utc: datetime


def patience_window(
    end_utc: datetime, timezone: str, lookback_days: int = DEFAULT_LOOKBACK_DAYS
) -> PatienceWindow:
    """The `lookback_days` local days (of the site's `timezone`, wall-clock, so a daylight-saving
    change keeps whole days) that end at `end_utc`."""
    if end_utc.tzinfo is None or end_utc.utcoffset() is None:
        raise ValidationError(
            f"naive datetime {end_utc.isoformat()} given: datetimes must carry a zone"
        )
    check_lookback_days(lookback_days)
    zone = ZoneInfo(timezone)
    local_end = end_utc.astimezone(zone)
    start_wall = local_end.replace(tzinfo=None) - timedelta(days=lookback_days)
    start = start_wall.replace(tzinfo=zone)
    return PatienceWindow(start_utc=start.astimezone(UTC), end_utc=end_utc.astimezone(UTC))


def check_lookback_days(lookback_days: int) -> None:
    if not 1 <= lookback_days <= MAX_LOOKBACK_DAYS:
        raise ValidationError(
            f"lookback_days must be 1 to {MAX_LOOKBACK_DAYS}, got {lookback_days}"
        )


def end_of_local_day_utc(instant_utc: datetime, timezone: str) -> datetime:
    """The local midnight that ends the site's day holding `instant_utc`: an estimate's date when
    it reads the history up to its last interval."""
    zone = ZoneInfo(timezone)
    return local_midnight_utc(local_date(instant_utc, zone) + timedelta(days=1), zone)


def estimate_from_history(
    history: PatienceHistory,
    *,
    estimated_at_utc: datetime,
    min_abandoned: int = MIN_ABANDONED_FOR_ESTIMATE,
) -> Patience | None:
    """The queue's patience estimate (source history) from the history of its window, or None
    when fewer than `min_abandoned` contacts abandoned in it (the site's setting then applies)."""
    if history.abandoned < max(1, min_abandoned):
        return None
    return Patience.from_history(
        history.total_wait_seconds, history.abandoned, estimated_at_utc.astimezone(UTC)
    )


def sum_history(
    queue_code: str, intervals: Iterable[tuple[int, int, float, float]]
) -> PatienceHistory:
    """The queue's history over a window from its intervals' (answered, abandoned, wait of the
    answered, wait of the abandoned)."""
    count = answered = abandoned = 0
    wait_answered = wait_abandoned = 0.0
    for answered_i, abandoned_i, wait_answered_i, wait_abandoned_i in intervals:
        count += 1
        answered += answered_i
        abandoned += abandoned_i
        wait_answered += wait_answered_i
        wait_abandoned += wait_abandoned_i
    return PatienceHistory(
        queue_code=queue_code,
        intervals=count,
        answered=answered,
        abandoned=abandoned,
        wait_seconds_answered=wait_answered,
        wait_seconds_abandoned=wait_abandoned,
    )


def keep_only_estimates(queue: Queue) -> Queue:
    """The queue with the patience the product keeps: an estimate carries its date; a value
    without one (typed by hand, or a generator's design value) is not an estimate and is dropped,
    so the site's setting applies until the queue's history gives one."""
    if queue.mean_patience_seconds is not None and queue.patience_estimated_at_utc is not None:
        return queue
    return dataclasses.replace(
        queue,
        mean_patience_seconds=None,
        patience_estimated_at_utc=None,
        patience_ci_low_seconds=None,
        patience_ci_high_seconds=None,
        patience_abandoned_count=None,
    )
