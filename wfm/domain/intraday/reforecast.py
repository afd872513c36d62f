"""Intraday reforecast of the rest of the day, per queue.

The day's forecast is scaled by how the day has gone so far and by how the queue's last days went.
With ``a_i`` the contacts that arrived and ``f_i`` the contacts forecast in each interval up to now
(the current interval counted for its elapsed part), the ratio applied to the rest of the day is

    ratio = (A + k * c) / (F + k),   A = sum_i w_i * a_i,   F = sum_i w_i * f_i

clipped to [`min_ratio`, `max_ratio`], where

- ``c`` is the queue's **recent level** (`RecentDays`): the actual contacts of its last
  `recent_days` days over their day-ahead forecasts (1 when no recent day is known). The
  day-ahead forecast lags level shifts; the last two weeks say where the queue runs now;
- ``w_i = 0.5 ** (age_i / half_life)`` weighs recent intervals more (``age_i`` is the time from the
  middle of the interval's elapsed part to now); with no half-life every interval weighs 1;
- ``k`` (`credibility_contacts`) is the **damping**: k pseudo-contacts that went at the recent
  level. Equivalently ratio = c + z * (A / F - c) with credibility z = F / (F + k), so early in
  the day, or on a small queue, the reforecast is the forecast at the recent level, and a large
  sustained deviation today moves it almost fully.

This is the posterior mean of a Bayesian update of the day's level (Weinberg, Brown & Stroud
2007, in its conjugate form): with the day's level L a Gamma prior of mean c and variance c/k
around the day-ahead forecast, and arrivals Poisson(L * f_i), the posterior of L given A and F is
Gamma(A + k c, F + k): mean (A + k c) / (F + k), variance (A + k c) / (F + k)^2. k is the prior's
strength in contacts: k = 100 is a prior day-level deviation of about 10 %.

Defaults: half-life 180 min, k = 100 contacts, the last 14 days, ratio within [0.2, 2.0], chosen
by `wfm backtest --reforecast-at` on a year of a bank's calls against the ratio centred on 1 and
other candidates (`wfm.domain.intraday.reforecast_backtest`; figures in docs/forecasting.md).
Intervals that are over keep their actuals; the current interval gets its actuals so far plus the
scaled forecast of its rest; later intervals get the scaled forecast.

**Bands** (`reforecast_lo80`, `reforecast_hi80`) for what is still to come in each interval: the
spread of the rest is Poisson noise on the reforecast plus the remaining uncertainty of the level,
s^2 = m + (f_rest)^2 * Var(L), with m the reforecast of the rest and f_rest the forecast of it;
the band is m + q * s with q the normalised residual quantiles (`band_quantiles_80`) calibrated by
split conformal prediction on the backtest's residuals, like the weekly forecast's bands
(`forecasting.intervals`). Intervals over are exact (their actuals).

`actual_offered_from_snapshots` turns the queue snapshots of the day (answered and abandoned so far
today, and contacts waiting) into contacts arrived per interval: arrivals up to a moment are
answered + abandoned + waiting at the latest snapshot at or before it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class ReforecastConfig:
    half_life_minutes: float | None = 180.0
    credibility_contacts: float = 100.0
    min_ratio: float = 0.2
    max_ratio: float = 2.0
    #: the last days whose actual-to-forecast level centres the prior
    recent_days: int = 14
    #: normalised residual quantiles of the 80 % band (low, high), from the bank backtest
    band_quantiles_80: tuple[float, float] = (-1.59, 1.98)

    def __post_init__(self) -> None:
        if self.half_life_minutes is not None and not self.half_life_minutes > 0:
            raise ValueError("half_life_minutes must be positive (or None)")
        if not self.credibility_contacts >= 0:
            raise ValueError("credibility_contacts must be >= 0")
        if not 0 < self.min_ratio <= 1 <= self.max_ratio:
            raise ValueError("need 0 < min_ratio <= 1 <= max_ratio")
        if self.recent_days < 1:
            raise ValueError("recent_days must be >= 1")
        low, high = self.band_quantiles_80
        if not low <= 0 <= high:
            raise ValueError("band_quantiles_80 must be (low <= 0, high >= 0)")


@dataclass(frozen=True, slots=True)
class RecentDays:
    """A queue's last days, oldest first: each day's actual contacts and its day-ahead forecast
    (summed over the same intervals)."""

    actual_totals: tuple[float, ...] = ()
    forecast_totals: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if len(self.actual_totals) != len(self.forecast_totals):
            raise ValueError("actual_totals and forecast_totals need one value per day")
        values = (*self.actual_totals, *self.forecast_totals)
        if any(not math.isfinite(v) or v < 0 for v in values):
            raise ValueError("recent day totals must be finite and >= 0")

    def level(self, days: int) -> float | None:
        """Actual over forecast contacts of the last `days` days; None without a forecast."""
        if days < 1:
            raise ValueError("days must be >= 1")
        forecast = sum(self.forecast_totals[-days:])
        return sum(self.actual_totals[-days:]) / forecast if forecast > 0 else None


@dataclass(frozen=True, slots=True)
class QueueSnapshot:
    """The live state of one queue at one moment (counts are since the start of the local day)."""

    queue_code: str
    observed_at_utc: datetime
    contacts_waiting: int
    longest_wait_seconds: float
    agents_ready: int
    answered_today: int
    abandoned_today: int

    @property
    def arrived_today(self) -> int:
        return self.answered_today + self.abandoned_today + self.contacts_waiting


@dataclass(frozen=True, slots=True)
class Reforecast:
    """A queue's day: forecast, actuals so far, and the reforecast of every interval."""

    queue_code: str
    interval_starts_utc: tuple[datetime, ...]
    interval_minutes: int
    forecast_offered: FloatArray
    actual_offered: FloatArray  # NaN for intervals not started
    reforecast_offered: FloatArray
    reforecast_lo80: FloatArray  # 80 % band; intervals over are their actuals
    reforecast_hi80: FloatArray
    current_index: int  # the interval containing `as_of_utc` (len for after the day)
    elapsed_fraction: float  # of the current interval
    actual_to_date: float
    forecast_to_date: float
    raw_ratio: float | None  # weighted A / F, None when nothing was forecast to date
    applied_ratio: float
    as_of_utc: datetime
    prior_ratio: float = 1.0  # the recent level the ratio is damped towards


def reforecast_queue(
    queue_code: str,
    interval_starts_utc: Sequence[datetime],
    interval_minutes: int,
    forecast_offered: Sequence[float] | FloatArray,
    actual_offered: Sequence[float] | FloatArray,
    as_of_utc: datetime,
    config: ReforecastConfig = ReforecastConfig(),
    recent: RecentDays | None = None,
) -> Reforecast:
    """Reforecast one queue's day at `as_of_utc`, the prior centred on the `recent` days' level
    (clipped to the ratio's bounds; 1 without recent days).

    `actual_offered[i]` is what arrived in interval i so far (only intervals up to the one
    containing `as_of_utc` are read; NaN where nothing is known: such intervals are left out of
    the ratio and keep their forecast). Raises ValueError on mismatched lengths or negative
    counts.
    """
    starts = tuple(interval_starts_utc)
    n = len(starts)
    forecast = np.asarray(forecast_offered, dtype=np.float64)
    actual_in = np.asarray(actual_offered, dtype=np.float64)
    if forecast.shape != (n,) or actual_in.shape != (n,):
        raise ValueError("forecast_offered and actual_offered need one value per interval")
    if np.any(forecast < 0) or not np.all(np.isfinite(forecast)):
        raise ValueError("forecast_offered must be finite and >= 0")
    if interval_minutes <= 0:
        raise ValueError("interval_minutes must be positive")
    length = timedelta(minutes=interval_minutes)
    current, fraction = _position(starts, length, as_of_utc)

    elapsed = np.zeros(n)  # elapsed fraction of each interval
    elapsed[: min(current, n)] = 1.0
    if current < n:
        elapsed[current] = fraction
    started = elapsed > 0
    # Intervals started but without actuals (NaN: no snapshot covers them) do not count.
    seen = started & np.isfinite(actual_in)
    actual = np.where(seen, actual_in, np.nan)
    if np.any(actual[seen] < 0):
        raise ValueError("actual_offered must be >= 0 for intervals started")

    # Age of the middle of each interval's elapsed part, in minutes before `as_of_utc`.
    minutes_since_start = np.asarray(
        [(as_of_utc - s).total_seconds() / 60.0 for s in starts], dtype=np.float64
    )
    age = minutes_since_start - elapsed * interval_minutes / 2.0
    if config.half_life_minutes is None:
        weight = np.ones(n)
    else:
        weight = 0.5 ** (np.maximum(age, 0.0) / config.half_life_minutes)
    weight = np.where(seen, weight, 0.0)
    f_w = float(np.sum(weight * forecast * elapsed))
    a_w = float(np.sum(np.where(seen, weight * np.nan_to_num(actual), 0.0)))
    k = config.credibility_contacts
    level = recent.level(config.recent_days) if recent is not None else None
    prior = float(np.clip(1.0 if level is None else level, config.min_ratio, config.max_ratio))
    raw = a_w / f_w if f_w > 0 else None
    ratio = (a_w + k * prior) / (f_w + k) if (f_w + k) > 0 else prior
    ratio = float(np.clip(ratio, config.min_ratio, config.max_ratio))

    re = forecast * ratio
    past = slice(0, min(current, n))
    re[past] = np.where(seen[past], actual[past], forecast[past])
    so_far = np.zeros(n)
    if current < n:
        so_far[current] = actual[current] if seen[current] else forecast[current] * fraction
        re[current] = so_far[current] + forecast[current] * (1.0 - fraction) * ratio
    rest_forecast = forecast * (1.0 - elapsed)
    level_variance = ratio / (f_w + k) if (f_w + k) > 0 else 0.0
    lo, hi = _band(re, so_far, rest_forecast, ratio, level_variance, config.band_quantiles_80)
    return Reforecast(
        queue_code=queue_code,
        interval_starts_utc=starts,
        interval_minutes=interval_minutes,
        forecast_offered=forecast,
        actual_offered=actual,
        reforecast_offered=re,
        reforecast_lo80=lo,
        reforecast_hi80=hi,
        current_index=current,
        elapsed_fraction=fraction,
        actual_to_date=float(np.sum(np.where(seen, np.nan_to_num(actual), 0.0))),
        forecast_to_date=float(np.sum(np.where(seen, forecast * elapsed, 0.0))),
        raw_ratio=raw,
        applied_ratio=ratio,
        as_of_utc=as_of_utc,
        prior_ratio=prior,
    )


def _band(
    reforecast: FloatArray,
    so_far: FloatArray,
    rest_forecast: FloatArray,
    ratio: float,
    level_variance: float,
    quantiles: tuple[float, float],
) -> tuple[FloatArray, FloatArray]:
    """The band of each interval: what has arrived, plus the rest's m + q * s (clipped at 0)."""
    rest_mean = rest_forecast * ratio
    spread = np.sqrt(rest_mean + rest_forecast**2 * level_variance)
    low_q, high_q = quantiles
    rest = rest_forecast > 0
    lo = np.where(rest, so_far + np.maximum(rest_mean + low_q * spread, 0.0), reforecast)
    hi = np.where(rest, so_far + rest_mean + high_q * spread, reforecast)
    return lo, hi


def _position(starts: tuple[datetime, ...], length: timedelta, at: datetime) -> tuple[int, float]:
    """Index of the interval containing `at` and its elapsed fraction (len, 0 after the day)."""
    if not starts or at < starts[0]:
        return 0, 0.0
    for i, s in enumerate(starts):
        if s <= at < s + length:
            return i, (at - s) / length
    return len(starts), 0.0


def actual_offered_from_snapshots(
    snapshots: Sequence[QueueSnapshot],
    interval_starts_utc: Sequence[datetime],
    interval_minutes: int,
) -> tuple[FloatArray, datetime | None]:
    """Contacts arrived per interval from a queue's snapshots of the day, and the latest snapshot.

    Arrivals up to a moment are those of the latest snapshot at or before it (0 before the first).
    Intervals after the latest snapshot get NaN. Counts never go negative.
    """
    starts = list(interval_starts_utc)
    n = len(starts)
    out = np.full(n, np.nan)
    snaps = sorted(snapshots, key=lambda s: s.observed_at_utc)
    if not snaps or n == 0:
        return out, None
    times = [s.observed_at_utc for s in snaps]
    cumulative = [float(s.arrived_today) for s in snaps]
    latest = times[-1]
    length = timedelta(minutes=interval_minutes)

    def arrived_by(moment: datetime) -> float:
        idx = _last_at_or_before(times, moment)
        return cumulative[idx] if idx >= 0 else 0.0

    for i, s in enumerate(starts):
        if s > latest:
            break
        end = min(s + length, latest)
        out[i] = max(arrived_by(end) - arrived_by(s), 0.0)
    return out, latest


def _last_at_or_before(times: list[datetime], moment: datetime) -> int:
    lo, hi = 0, len(times)
    while lo < hi:
        mid = (lo + hi) // 2
        if times[mid] <= moment:
            lo = mid + 1
        else:
            hi = mid
    return lo - 1
