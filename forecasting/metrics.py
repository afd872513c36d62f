"""Accuracy measures: WMAPE, MASE, the Poisson noise floor, and accuracy per day and week."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import poisson


def wmape(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Weighted mean absolute percentage error, sum|a - f| / sum a (NaN when sum a is 0)."""
    actual = np.asarray(actual, dtype=float)
    forecast = np.asarray(forecast, dtype=float)
    denominator = float(np.sum(actual))
    if denominator <= 0:
        return float("nan")
    return float(np.sum(np.abs(actual - forecast)) / denominator)


def seasonal_naive_scale(values: np.ndarray, season_length: int) -> float:
    """Mean absolute change over one season: the denominator of MASE."""
    values = np.asarray(values, dtype=float)
    if values.size <= season_length:
        return float("nan")
    diffs = np.abs(values[season_length:] - values[:-season_length])
    diffs = diffs[~np.isnan(diffs)]
    return float(diffs.mean()) if diffs.size else float("nan")


def mase(actual: np.ndarray, forecast: np.ndarray, scale: float) -> float:
    """Mean absolute error relative to the in-sample weekly seasonal naive error."""
    if not scale or not np.isfinite(scale):
        return float("nan")
    actual = np.asarray(actual, dtype=float)
    forecast = np.asarray(forecast, dtype=float)
    return float(np.mean(np.abs(actual - forecast)) / scale)


def poisson_mean_absolute_deviation(rate: np.ndarray) -> np.ndarray:
    """E|X - rate| for X ~ Poisson(rate): 2 * rate * P(X = floor(rate))."""
    lam = np.maximum(np.asarray(rate, dtype=float), 0.0)
    return np.asarray(2.0 * lam * poisson.pmf(np.floor(lam), lam))


def poisson_noise_floor(rate: np.ndarray) -> float:
    """The WMAPE that a perfect rate forecast would still have if counts were Poisson.

    Pass the best available estimate of each interval's rate (e.g. the actual counts);
    real contact arrivals are over-dispersed, so this is a lower bound, not a target.
    """
    lam = np.maximum(np.asarray(rate, dtype=float), 0.0)
    total = float(lam.sum())
    if total <= 0:
        return float("nan")
    return float(poisson_mean_absolute_deviation(lam).sum() / total)


def accuracy_by_period(
    actuals: pd.DataFrame,
    forecast: pd.DataFrame,
    *,
    timezone: str,
    interval_minutes: int,
    forecast_column: str = "offered",
    week_start: int = 0,
) -> pd.DataFrame:
    """Forecast accuracy (100 - 100 * WMAPE) per queue and local day and week.

    ``actuals``: ``unique_id, ds (tz-aware), y`` at the forecast's interval or finer (summed).
    ``forecast``: ``unique_id, ds (tz-aware UTC), <forecast_column>``. Only intervals present in
    both count. Weeks start on ``week_start`` (Monday 0). Returns ``unique_id, period ('day' or
    'week'), period_start (local date), actual_offered, forecast_offered, wmape,
    accuracy_percent`` (NaN when no contacts arrived).
    """
    for name, frame, column in (("actuals", actuals, "y"), ("forecast", forecast, forecast_column)):
        missing = [
            required for required in ("unique_id", "ds", column) if required not in frame.columns
        ]
        if missing:
            raise ValueError(f"{name} lacks column(s) {', '.join(missing)}")
        if not isinstance(frame["ds"].dtype, pd.DatetimeTZDtype):
            raise ValueError(f"{name}.ds must be timezone-aware")
    freq = f"{interval_minutes}min"
    actual = (
        actuals.assign(
            unique_id=actuals["unique_id"].astype(str),
            ds=actuals["ds"].dt.tz_convert("UTC").dt.floor(freq),
        )
        .groupby(["unique_id", "ds"], as_index=False)["y"]
        .sum()
    )
    predicted = forecast.assign(
        unique_id=forecast["unique_id"].astype(str), ds=forecast["ds"].dt.tz_convert("UTC")
    )[["unique_id", "ds", forecast_column]]
    joined = actual.merge(predicted, on=["unique_id", "ds"], how="inner")
    columns = [
        "unique_id",
        "period",
        "period_start",
        "actual_offered",
        "forecast_offered",
        "wmape",
        "accuracy_percent",
    ]
    if joined.empty:
        return pd.DataFrame(columns=columns)
    local_day = joined["ds"].dt.tz_convert(timezone).dt.tz_localize(None).dt.normalize()
    weekday = local_day.dt.weekday
    joined["day"] = local_day.dt.date
    joined["week"] = (local_day - pd.to_timedelta((weekday - week_start) % 7, unit="D")).dt.date
    joined["abs_error"] = (joined["y"] - joined[forecast_column]).abs()
    parts = []
    for period in ("day", "week"):
        grouped = joined.groupby(["unique_id", period], as_index=False).agg(
            actual_offered=("y", "sum"),
            forecast_offered=(forecast_column, "sum"),
            abs_error=("abs_error", "sum"),
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            grouped["wmape"] = np.where(
                grouped["actual_offered"] > 0,
                grouped["abs_error"] / grouped["actual_offered"],
                np.nan,
            )
        grouped["accuracy_percent"] = 100.0 * (1.0 - grouped["wmape"])
        grouped["period"] = period
        parts.append(grouped.rename(columns={period: "period_start"})[columns])
    return pd.concat(parts, ignore_index=True)


__all__ = [
    "accuracy_by_period",
    "mase",
    "poisson_mean_absolute_deviation",
    "poisson_noise_floor",
    "seasonal_naive_scale",
    "wmape",
]
