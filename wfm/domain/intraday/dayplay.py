"""Pieces of a simulated day on the floor (pure): the day's volume surprise, a campaign's calling
window open now, and the agents serving and selling in each interval of a played plan.

**The surprise** (`draw_surprise`) is what makes the floor policy matter: every day's volume is
the forecast times a lognormal day factor of mean 1 (`day_log_sd`, the demo history's day noise),
and on a share `SURGE_PROBABILITY` of days an intraday surge of +`SURGE_LOW`..`SURGE_HIGH` of the
forecast starts between `SURGE_FROM` and `SURGE_UNTIL` local time and lasts
`SURGE_HOURS_LOW`..`SURGE_HOURS_HIGH` hours (a campaign mailing, an outage, a news story).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from wfm.domain import Activity, Campaign
from wfm.domain.intraday.livesim import surprise_factors
from wfm.domain.intraday.plan import PlanSpan

FloatArray = npt.NDArray[np.float64]

SURGE_PROBABILITY = 0.4
SURGE_LOW, SURGE_HIGH = 0.15, 0.45
SURGE_FROM, SURGE_UNTIL = time(10), time(16)  # the local hours a surge may start in
SURGE_HOURS_LOW, SURGE_HOURS_HIGH = 2, 5


@dataclass(frozen=True, slots=True)
class DaySurprise:
    volume_factor: float  # the whole day's
    surge: float  # extra share of the forecast in the surge (0: none)
    surge_from_local: time | None
    surge_until_local: time | None
    factors: FloatArray  # per interval: the forecast's multiplier

    @property
    def text(self) -> str:
        day = f"volume x{self.volume_factor:.2f}"
        if self.surge_from_local is None or self.surge_until_local is None:
            return day
        return (
            f"{day}, surge +{self.surge:.0%} {self.surge_from_local:%H:%M}-"
            f"{self.surge_until_local:%H:%M}"
        )


def draw_surprise(
    rng: np.random.Generator,
    interval_starts_utc: Sequence[datetime],
    timezone: str,
    day_log_sd: float,
) -> DaySurprise:
    """One day's surprise (see the module docstring), drawn from `rng`."""
    factor = float(np.exp(rng.normal(-0.5 * day_log_sd**2, day_log_sd)))
    surged = rng.random() < SURGE_PROBABILITY
    size = float(rng.uniform(SURGE_LOW, SURGE_HIGH))
    quarters = (SURGE_UNTIL.hour - SURGE_FROM.hour) * 4
    start_minutes = SURGE_FROM.hour * 60 + 15 * int(rng.integers(0, quarters))
    hours = int(rng.integers(SURGE_HOURS_LOW, SURGE_HOURS_HIGH + 1))
    if not surged:
        return DaySurprise(factor, 0.0, None, None, np.full(len(interval_starts_utc), factor))
    end_minutes = min(start_minutes + 60 * hours, 24 * 60 - 1)
    start = time(start_minutes // 60, start_minutes % 60)
    end = time(end_minutes // 60, end_minutes % 60)
    surge = surprise_factors(
        interval_starts_utc, timezone, surge=size, from_local=start, until_local=end
    )
    return DaySurprise(factor, size, start, end, factor * surge)


def calling_until(campaign: Campaign, now_utc: datetime, zone: ZoneInfo) -> datetime | None:
    """The end of the campaign's calling window open at `now_utc`, windows that meet joined
    (None: none open)."""
    local = now_utc.astimezone(zone)
    today = [w for w in campaign.calling_windows if w.weekday == local.weekday()]
    if not any(w.start_local <= local.time() < w.end_local for w in today):
        return None
    end = local.time()
    extended = True
    while extended:
        extended = False
        for w in today:
            if w.start_local <= end < w.end_local:
                end, extended = w.end_local, True
    return datetime.combine(local.date(), end, tzinfo=zone).astimezone(now_utc.tzinfo)


def serving_by_interval(
    plans: Mapping[str, Sequence[PlanSpan]],
    default_queue: Mapping[str, str | None],
    interval_starts_utc: Sequence[datetime],
    length: timedelta,
    queue_codes: Sequence[str],
) -> dict[str, FloatArray]:
    """Agents serving each queue in each interval, each for the share of it planned to serve
    (a fractional count: the roster's view)."""
    out = {q: np.zeros(len(interval_starts_utc)) for q in queue_codes}
    index = {s: i for i, s in enumerate(interval_starts_utc)}
    first, end = interval_starts_utc[0], interval_starts_utc[-1] + length
    for code, plan in plans.items():
        for span in plan:
            if (
                span.activity is not Activity.SERVE
                or span.end_utc <= first
                or span.start_utc >= end
            ):
                continue
            queue = span.queue_code or default_queue.get(code)
            if queue not in out:
                continue
            for i, share in _shares(span, first, length, index):
                out[queue][i] += share
    return out


def selling_by_interval(
    plans: Mapping[str, Sequence[PlanSpan]],
    interval_starts_utc: Sequence[datetime],
    length: timedelta,
) -> list[tuple[str, str, int, float]]:
    """(agent, campaign, interval index, share of the interval) of every span planned to sell."""
    index = {s: i for i, s in enumerate(interval_starts_utc)}
    first, end = interval_starts_utc[0], interval_starts_utc[-1] + length
    out = []
    for code, plan in plans.items():
        for span in plan:
            if span.activity is not Activity.SELL or span.campaign_code is None:
                continue
            if span.end_utc <= first or span.start_utc >= end:
                continue
            for i, share in _shares(span, first, length, index):
                out.append((code, span.campaign_code, i, share))
    return out


def _shares(
    span: PlanSpan, first: datetime, length: timedelta, index: Mapping[datetime, int]
) -> list[tuple[int, float]]:
    """The intervals a span overlaps and the share of each it covers."""
    out = []
    k = max(0, int((span.start_utc - first) // length))
    while True:
        start = first + k * length
        if start >= span.end_utc or start not in index:
            break
        overlap = min(span.end_utc, start + length) - max(span.start_utc, start)
        if overlap > timedelta(0):
            out.append((index[start], overlap / length))
        k += 1
    return out
