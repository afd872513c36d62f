"""How much the intraday reforecast improves on the day-ahead forecast, measured on past days.

For each origin day and each time of day `at`, the day-ahead forecast of the day and the
reforecast made at `at` from the day's actuals so far (`reforecast_queue`, the function the
intraday service runs) are scored on the rest of the day (the intervals starting at or after
`at`): WMAPE = sum |actual - forecast| / sum actual, pooled over the days, and per day.

Only the intervals the forecast's own backtest scores count (`scored`, its ``scored`` column:
observed, not imputed): a public holiday, whose day-ahead forecast the product scales by the
holiday's learned effect and the backtest's predictions do not, and a day set aside as an outlier
are left out of the scores, as they are of the weekly WMAPE, and listed in `days_left_out`. Every
day still feeds the recent level of the days after it, as the stored days do in the live service.

The product's reforecast centres its prior on the recent level: the origin day gets the
`RecentDays` of the (up to `ReforecastConfig.recent_days`) days before it in the rows, their whole
days' actual and forecast totals, as the intraday service gets the stored days before today.
Besides the product's configuration, candidate reforecasts are scored on the same days so the
method is chosen by measurement:

- ``plain_ratio``: actual to date over forecast to date, undamped, every interval alike;
- ``prior_on_one``: the product's k and half-life with the prior centred on 1 (the day-ahead
  forecast) instead of the recent level;
- ``prior_k40_on_one``: the reforecast before the recent level (k = 40, half-life 90 min,
  ratio within [0.5, 2], centred on 1);
- ``fitted_prior``: the Bayesian level update with its Gamma prior fitted on the days before
  the origin (method of moments: the day-level variance beyond Poisson,
  tau^2 = sum((A - F)^2 - A) / sum F^2 over past whole days, k = 1 / tau^2), no half-life;
- ``level_oracle``: the rest of the day scaled by its true level (not a method: the bound a
  level update cannot beat; what remains is the profile's error and Poisson noise).

Band coverage: the share of the rest-of-day intervals with demand or a forecast of at least
one contact whose actual lies within the reforecast's 80 % band. `calibrate_band` gives the
normalised residual quantiles (split conformal, as `forecasting.intervals`) for the bands.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import numpy as np
import numpy.typing as npt

from wfm.domain.intraday.reforecast import RecentDays, ReforecastConfig, reforecast_queue

FloatArray = npt.NDArray[np.float64]

#: the candidates scored next to the product's configuration, all centred on 1 (no recent days;
#: `fitted_prior` is fitted per day, `prior_on_one` takes the product's configuration)
FIXED_CANDIDATES: dict[str, ReforecastConfig] = {
    "plain_ratio": ReforecastConfig(half_life_minutes=None, credibility_contacts=0.0),
    "prior_k40_on_one": ReforecastConfig(
        half_life_minutes=90.0, credibility_contacts=40.0, min_ratio=0.5
    ),
}
#: past days needed before `fitted_prior` is fitted (before that it uses the product's k)
MIN_PRIOR_DAYS = 5
_ORIGIN = datetime(2000, 1, 3, tzinfo=UTC)  # a neutral clock for the day's relative grid


@dataclass(frozen=True, slots=True)
class ReforecastDay:
    day: date
    day_ahead_wmape: float | None
    reforecast_wmape: float | None
    applied_ratio: float


@dataclass(frozen=True, slots=True)
class ReforecastScore:
    at_minutes: int  # minutes after local midnight
    day_ahead_wmape: float | None
    reforecast_wmape: float | None
    ratio: float | None  # reforecast / day-ahead
    coverage_80: float | None
    candidates: dict[str, float | None]  # name: rest-of-day WMAPE
    days: tuple[ReforecastDay, ...]  # the days scored
    days_left_out: tuple[date, ...] = ()  # no scored interval in the rest of the day


def _wmape(
    actual: FloatArray, predicted: FloatArray, mask: npt.NDArray[np.bool_] | None = None
) -> float | None:
    """sum |actual - predicted| / sum actual over the masked cells (all without a mask)."""
    if mask is not None:
        actual, predicted = actual[mask], predicted[mask]
    total = float(np.sum(actual))
    return float(np.sum(np.abs(actual - predicted))) / total if total > 0 else None


def _scored_mask(
    scored: npt.NDArray[np.bool_] | None, shape: tuple[int, ...]
) -> npt.NDArray[np.bool_]:
    """The intervals to score, one per day and interval (all when `scored` is None)."""
    mask = np.ones(shape, dtype=bool) if scored is None else np.asarray(scored, dtype=bool)
    if mask.shape != shape:
        raise ValueError("scored needs one value per day and interval, as forecast")
    return mask


def fitted_prior_contacts(forecast: FloatArray, actual: FloatArray) -> float | None:
    """k = 1 / tau^2 from past whole days (rows), or None when the variance is not positive."""
    f = forecast.sum(axis=1)
    a = actual.sum(axis=1)
    denominator = float(np.sum(f**2))
    if denominator <= 0:
        return None
    tau2 = float(np.sum((a - f) ** 2 - a)) / denominator
    return min(1.0 / tau2, 1e5) if tau2 > 0 else None


def recent_days_before(forecast: FloatArray, actual: FloatArray, row: int, days: int) -> RecentDays:
    """The whole-day totals of the (up to `days`) rows before `row`, oldest first."""
    first = max(row - days, 0)
    return RecentDays(
        actual_totals=tuple(float(x) for x in actual[first:row].sum(axis=1)),
        forecast_totals=tuple(float(x) for x in forecast[first:row].sum(axis=1)),
    )


def _reforecast_rest(
    forecast_day: FloatArray,
    actual_day: FloatArray,
    interval_minutes: int,
    cut: int,
    config: ReforecastConfig,
    recent: RecentDays | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray, float]:
    """The reforecast at the start of interval `cut`: rest values, band and applied ratio."""
    n = forecast_day.size
    starts = [_ORIGIN + timedelta(minutes=interval_minutes * i) for i in range(n)]
    known = np.where(np.arange(n) < cut, actual_day, np.nan)
    as_of = _ORIGIN + timedelta(minutes=interval_minutes * cut)
    re = reforecast_queue(
        "backtest", starts, interval_minutes, forecast_day, known, as_of, config, recent
    )
    return (
        re.reforecast_offered[cut:],
        re.reforecast_lo80[cut:],
        re.reforecast_hi80[cut:],
        re.applied_ratio,
    )


def measure_reforecast(
    days: Sequence[date],
    forecast: FloatArray,
    actual: FloatArray,
    interval_minutes: int,
    at_minutes: int,
    config: ReforecastConfig = ReforecastConfig(),
    scored: npt.NDArray[np.bool_] | None = None,
) -> ReforecastScore:
    """Score the reforecast made at `at_minutes` after midnight on each day (rows of `forecast`
    and `actual`: the day-ahead forecast and the actuals per interval of the local day) over the
    `scored` intervals (all when None)."""
    forecast = np.maximum(np.asarray(forecast, dtype=np.float64), 0.0)
    actual = np.asarray(actual, dtype=np.float64)
    if forecast.shape != actual.shape or forecast.ndim != 2 or forecast.shape[0] != len(days):
        raise ValueError("forecast and actual need one row per day and one column per interval")
    mask_all = _scored_mask(scored, forecast.shape)
    if at_minutes % interval_minutes or not 0 < at_minutes < forecast.shape[1] * interval_minutes:
        raise ValueError("at_minutes must be an interval start inside the day")
    cut = at_minutes // interval_minutes
    product, lo, hi, applied, candidates = _reforecasts(
        forecast, actual, interval_minutes, cut, config
    )
    rest_actual = actual[:, cut:]
    rest_forecast = forecast[:, cut:]
    mask = mask_all[:, cut:]
    counted: npt.NDArray[np.bool_] = np.asarray(mask.any(axis=1))
    per_day = tuple(
        ReforecastDay(
            day=day,
            day_ahead_wmape=_wmape(rest_actual[i], rest_forecast[i], mask[i]),
            reforecast_wmape=_wmape(rest_actual[i], product[i], mask[i]),
            applied_ratio=applied[i],
        )
        for i, day in enumerate(days)
        if counted[i]
    )
    level = np.sum(rest_actual, axis=1, where=mask) / np.maximum(
        np.sum(rest_forecast, axis=1, where=mask), 1e-9
    )
    scores = {name: _wmape(rest_actual, values, mask) for name, values in candidates.items()}
    scores["level_oracle"] = _wmape(rest_actual, rest_forecast * level[:, None], mask)
    day_ahead = _wmape(rest_actual, rest_forecast, mask)
    reforecast = _wmape(rest_actual, product, mask)
    active = ((rest_actual > 0) | (product >= 1.0)) & mask
    inside = (rest_actual >= lo) & (rest_actual <= hi)
    return ReforecastScore(
        at_minutes=at_minutes,
        day_ahead_wmape=day_ahead,
        reforecast_wmape=reforecast,
        ratio=reforecast / day_ahead if day_ahead and reforecast is not None else None,
        coverage_80=float(inside[active].mean()) if active.any() else None,
        candidates=scores,
        days=per_day,
        days_left_out=tuple(day for i, day in enumerate(days) if not counted[i]),
    )


def _reforecasts(
    forecast: FloatArray,
    actual: FloatArray,
    interval_minutes: int,
    cut: int,
    config: ReforecastConfig,
) -> tuple[FloatArray, FloatArray, FloatArray, list[float], dict[str, FloatArray]]:
    """Every day's reforecast at interval `cut` (the rest of the day, its band, the applied
    ratio) and each candidate's, each day's recent level from the days before it."""
    rest_shape = forecast[:, cut:].shape
    product, lo, hi = np.zeros(rest_shape), np.zeros(rest_shape), np.zeros(rest_shape)
    applied: list[float] = []
    names = (*FIXED_CANDIDATES, "prior_on_one", "fitted_prior")
    candidates = {name: np.zeros(rest_shape) for name in names}
    for i in range(forecast.shape[0]):
        recent = recent_days_before(forecast, actual, i, config.recent_days)
        product[i], lo[i], hi[i], ratio = _reforecast_rest(
            forecast[i], actual[i], interval_minutes, cut, config, recent
        )
        applied.append(ratio)
        candidates["prior_on_one"][i] = _reforecast_rest(
            forecast[i], actual[i], interval_minutes, cut, config
        )[0]
        for name, candidate in FIXED_CANDIDATES.items():
            candidates[name][i] = _reforecast_rest(
                forecast[i], actual[i], interval_minutes, cut, candidate
            )[0]
        k = fitted_prior_contacts(forecast[:i], actual[:i]) if i >= MIN_PRIOR_DAYS else None
        fitted = ReforecastConfig(
            half_life_minutes=None,
            credibility_contacts=config.credibility_contacts if k is None else k,
        )
        candidates["fitted_prior"][i] = _reforecast_rest(
            forecast[i], actual[i], interval_minutes, cut, fitted
        )[0]
    return product, lo, hi, applied, candidates


def calibrate_band(
    forecast: FloatArray,
    actual: FloatArray,
    interval_minutes: int,
    at_minutes: Sequence[int],
    config: ReforecastConfig = ReforecastConfig(),
    scored: npt.NDArray[np.bool_] | None = None,
) -> tuple[float, float]:
    """The 80 % band's normalised residual quantiles (split conformal, 10 % and 90 %) of the
    reforecasts made at `at_minutes` on these days: (actual - m) / s over the rest of each day,
    its `scored` intervals only (all when None)."""
    mask = _scored_mask(scored, forecast.shape)
    unit = replace(config, band_quantiles_80=(-1.0, 1.0))
    scores: list[float] = []
    for at in at_minutes:
        cut = at // interval_minutes
        for i in range(forecast.shape[0]):
            recent = recent_days_before(forecast, actual, i, config.recent_days)
            mean, _, high, _ = _reforecast_rest(
                forecast[i], actual[i], interval_minutes, cut, unit, recent
            )
            spread = high - mean
            rest = actual[i, cut:]
            active = ((rest > 0) | (mean >= 1.0)) & (spread > 0) & mask[i, cut:]
            scores.extend(((rest[active] - mean[active]) / spread[active]).tolist())
    if not scores:
        raise ValueError("no rest-of-day intervals to calibrate on")
    ordered = np.sort(np.asarray(scores))
    n = ordered.size
    low = ordered[max(math.floor((n + 1) * 0.1), 1) - 1]
    high = ordered[min(math.ceil((n + 1) * 0.9), n) - 1]
    return float(min(low, 0.0)), float(max(high, 0.0))
