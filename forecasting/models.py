"""Candidate models and the one place that runs them (the statsforecast backend seam).

Every candidate follows statsforecast's model protocol (``forecast(y, h, X, X_future)``), so
the whole set runs inside ``StatsForecast.cross_validation`` / ``StatsForecast.forecast``,
including statsforecast's distributed (fugue: Dask, Ray, Spark) path: the custom models here
are plain picklable classes and read the calendar from exogenous columns, not from globals.

Exogenous columns (in this order) on every row: ``day_index`` (local days since 1970-01-01),
``slot`` (slot of the local day), ``dow`` (Monday 0) and ``dom`` (day of month).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd
from statsforecast.models import (
    MSTL,
    SeasonalNaive,
    SeasonalWindowAverage,
    SimpleExponentialSmoothingOptimized,
)

EXOG_COLUMNS = ("day_index", "slot", "dow", "dom")

SEASONAL_NAIVE = "seasonal_naive"
WINDOW_AVERAGE_4W = "window_average_4w"
CALENDAR_AVERAGE_6W = "calendar_average_6w"
MSTL_MODEL = "mstl"
TOP_DOWN = "top_down"
COMBINATION = "combination"

BASE_MODELS = (SEASONAL_NAIVE, WINDOW_AVERAGE_4W, CALENDAR_AVERAGE_6W, MSTL_MODEL, TOP_DOWN)


@dataclass(frozen=True)
class CandidateSpec:
    """A candidate model and the history it needs (whole days)."""

    name: str
    min_history_days: int
    description: str


def candidate_specs() -> dict[str, CandidateSpec]:
    return {
        SEASONAL_NAIVE: CandidateSpec(SEASONAL_NAIVE, 7, "same slot last week"),
        WINDOW_AVERAGE_4W: CandidateSpec(
            WINDOW_AVERAGE_4W, 28, "mean of the same slot over the last 4 weeks"
        ),
        CALENDAR_AVERAGE_6W: CandidateSpec(
            CALENDAR_AVERAGE_6W,
            42,
            "mean of the same slot over the last 6 weeks, rescaled by day-of-month effects",
        ),
        MSTL_MODEL: CandidateSpec(
            MSTL_MODEL, 14, "MSTL, daily and weekly seasonality, fast STL (jump) settings"
        ),
        TOP_DOWN: CandidateSpec(
            TOP_DOWN,
            14,
            "daily totals (level x weekday x day-of-month) spread by a learned intraday profile",
        ),
    }


# ---------------------------------------------------------------------------------------------
# Shared daily-level arithmetic


def _day_matrix(
    y: np.ndarray, X: np.ndarray, spd: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(n_days, spd) values, and each day's weekday and day of month, from the exog columns."""
    day = X[:, 0].astype(np.int64)
    slot = X[:, 1].astype(np.int64)
    first = int(day[0])
    rel = day - first
    n_days = int(rel[-1]) + 1
    matrix = np.full((n_days, spd), np.nan)
    matrix[rel, slot] = y
    dow = np.zeros(n_days, dtype=np.int64)
    dom = np.zeros(n_days, dtype=np.int64)
    dow[rel] = X[:, 2].astype(np.int64)
    dom[rel] = X[:, 3].astype(np.int64)
    return matrix, dow, dom


def _future_days(X_future: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    day = X_future[:, 0].astype(np.int64)
    return (
        day,
        X_future[:, 1].astype(np.int64),
        X_future[:, 2].astype(np.int64),
        X_future[:, 3].astype(np.int64),
    )


@dataclass(frozen=True)
class DailyFactors:
    weekday: np.ndarray  # (7,)
    day_of_month: np.ndarray  # (32,), index 1..31
    level: float


def daily_factors(
    totals: np.ndarray,
    dow: np.ndarray,
    dom: np.ndarray,
    *,
    level_days: int = 14,
    weekday_weeks: int = 26,
    dom_min_days: int = 56,
    dom_bandwidth: int = 1,
    dom_shrink: float = 3.0,
) -> DailyFactors:
    """Multiplicative decomposition: total = level x weekday factor x day-of-month factor.

    The local level is a centred 7-day mean; weekday factors are median ratios to it over the
    last ``weekday_weeks`` weeks; day-of-month factors (only with ``dom_min_days`` of history)
    are median ratios of what is left, pooled over +-``dom_bandwidth`` days and shrunk towards 1
    as if ``dom_shrink`` extra days at 1 had been seen. The forecast level is the mean of the
    last ``level_days`` open days with both factors divided out.
    """
    n_days = len(totals)
    rolling = pd.Series(totals).rolling(7, center=True, min_periods=4).mean().to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(rolling > 0, totals / rolling, np.nan)
    weekday = np.ones(7)
    for w in range(7):
        values = ratio[dow == w][-weekday_weeks:]
        values = values[~np.isnan(values)]
        if values.size:
            weekday[w] = float(np.median(values))
    base = rolling * weekday[dow]
    open_day = (base > 0) & (totals > 0)
    if open_day.any():
        open_day &= base > 0.2 * float(np.nanmean(base[open_day]))
    dom_factor = np.ones(32)
    if n_days >= dom_min_days and open_day.sum() >= dom_min_days // 2:
        residual = np.full(n_days, np.nan)
        residual[open_day] = totals[open_day] / base[open_day]
        for d in range(1, 32):
            near = open_day & (np.abs(dom - d) <= dom_bandwidth)
            count = int(near.sum())
            if count:
                median = float(np.median(residual[near]))
                dom_factor[d] = (count * median + dom_shrink) / (count + dom_shrink)
    divisor = weekday[dow] * dom_factor[dom]
    usable = np.flatnonzero((divisor > 0) & (totals > 0) & (weekday[dow] > 0.05))
    if usable.size == 0:
        level = float(np.mean(totals)) if n_days else 0.0
    else:
        recent = usable[-level_days:]
        level = float(np.mean(totals[recent] / divisor[recent]))
    return DailyFactors(weekday=weekday, day_of_month=dom_factor, level=level)


def _similar_weekdays(mean_totals: np.ndarray, tolerance: float = 0.3) -> list[list[int]]:
    groups: list[list[int]] = []
    for w in range(7):
        if mean_totals[w] <= 0:
            groups.append([w])
            continue
        groups.append(
            [
                v
                for v in range(7)
                if mean_totals[v] > 0 and abs(mean_totals[v] / mean_totals[w] - 1.0) <= tolerance
            ]
        )
    return groups


def intraday_profiles(
    matrix: np.ndarray, dow: np.ndarray, *, weeks: int = 12, pool_weight: float = 0.5
) -> np.ndarray:
    """(7, spd) share of each weekday's volume per slot, pooled with similar weekdays."""
    spd = matrix.shape[1]
    totals = np.nansum(matrix, axis=1)
    filled = np.nan_to_num(matrix)
    flat = np.full(spd, 1.0 / spd)
    own = np.tile(flat, (7, 1))
    mean_totals = np.zeros(7)
    for w in range(7):
        days = np.flatnonzero(dow == w)[-weeks:]
        if days.size and totals[days].sum() > 0:
            own[w] = filled[days].sum(axis=0) / totals[days].sum()
            mean_totals[w] = totals[days].mean()
    profiles = own.copy()
    for w, group in enumerate(_similar_weekdays(mean_totals)):
        if len(group) < 2:
            continue
        days = np.flatnonzero(np.isin(dow, group))[-weeks * len(group) :]
        if totals[days].sum() <= 0:
            continue
        pooled = filled[days].sum(axis=0) / totals[days].sum()
        profiles[w] = (1 - pool_weight) * own[w] + pool_weight * pooled
    sums = profiles.sum(axis=1, keepdims=True)
    return np.divide(profiles, sums, out=np.tile(flat, (7, 1)), where=sums > 0)


class _CalendarModel:
    """Shared statsforecast plumbing for models that read the calendar from exog columns."""

    uses_exog = True
    alias: str
    prediction_intervals = None

    def new(self) -> Any:
        clone = type(self).__new__(type(self))
        clone.__dict__.update(self.__dict__)
        return clone

    def __repr__(self) -> str:
        return self.alias

    def _predict_rows(self, y: np.ndarray, X: np.ndarray, X_future: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def forecast(
        self,
        y: np.ndarray,
        h: int,
        X: np.ndarray | None = None,
        X_future: np.ndarray | None = None,
        level: Sequence[int] | None = None,
        fitted: bool = False,
    ) -> dict[str, np.ndarray]:
        if X is None or X_future is None:
            raise ValueError(f"{self.alias} needs the calendar exogenous columns")
        mean = self._predict_rows(np.asarray(y, dtype=float), np.asarray(X), np.asarray(X_future))
        return {"mean": np.maximum(mean[:h], 0.0)}

    def fit(self, y: np.ndarray, X: np.ndarray | None = None) -> Any:
        self._y = np.asarray(y, dtype=float)
        self._X = X
        return self

    def predict(
        self, h: int, X: np.ndarray | None = None, level: Sequence[int] | None = None
    ) -> dict[str, np.ndarray]:
        return self.forecast(self._y, h, self._X, X)


class TopDown(_CalendarModel):
    """Daily totals forecast (level x weekday x day-of-month) spread by intraday profiles."""

    def __init__(
        self,
        slots_per_day: int,
        *,
        profile_weeks: int = 12,
        pool_weight: float = 0.5,
        level_days: int = 14,
        alias: str = TOP_DOWN,
    ) -> None:
        self.slots_per_day = slots_per_day
        self.profile_weeks = profile_weeks
        self.pool_weight = pool_weight
        self.level_days = level_days
        self.alias = alias

    def _predict_rows(self, y: np.ndarray, X: np.ndarray, X_future: np.ndarray) -> np.ndarray:
        matrix, dow, dom = _day_matrix(y, X, self.slots_per_day)
        totals = np.nansum(matrix, axis=1)
        factors = daily_factors(totals, dow, dom, level_days=self.level_days)
        profiles = intraday_profiles(
            matrix, dow, weeks=self.profile_weeks, pool_weight=self.pool_weight
        )
        _, slot, f_dow, f_dom = _future_days(X_future)
        day_total = factors.level * factors.weekday[f_dow] * factors.day_of_month[f_dom]
        return np.asarray(day_total * profiles[f_dow, slot])


class CalendarWindowAverage(_CalendarModel):
    """Mean of the same slot over the last k weeks, each week rescaled to the target day's
    day-of-month factor (so a month-start week does not inflate a mid-month forecast)."""

    def __init__(self, slots_per_day: int, weeks: int = 6, *, alias: str = CALENDAR_AVERAGE_6W):
        self.slots_per_day = slots_per_day
        self.weeks = weeks
        self.alias = alias

    def _predict_rows(self, y: np.ndarray, X: np.ndarray, X_future: np.ndarray) -> np.ndarray:
        matrix, dow, dom = _day_matrix(y, X, self.slots_per_day)
        n_days = matrix.shape[0]
        totals = np.nansum(matrix, axis=1)
        factors = daily_factors(totals, dow, dom).day_of_month
        first = int(X[0, 0])
        f_day, slot, _, f_dom = _future_days(X_future)
        rel = f_day - first
        out = np.empty(len(rel))
        cache: dict[int, np.ndarray] = {}
        for i, (target, target_dom) in enumerate(zip(rel, f_dom, strict=True)):
            key = int(target)
            if key not in cache:
                back = (target - (n_days - 1) + 6) // 7  # weeks back to reach observed days
                sources = [target - 7 * k for k in range(max(back, 1), max(back, 1) + self.weeks)]
                sources = [source for source in sources if 0 <= source < n_days]
                if not sources:
                    cache[key] = np.zeros(self.slots_per_day)
                else:
                    scale = factors[target_dom] / factors[dom[sources]]
                    cache[key] = np.nanmean(matrix[sources] * scale[:, None], axis=0)
            out[i] = cache[key][slot[i]]
        return out


class FastMSTL(_CalendarModel):
    """statsforecast MSTL (daily + weekly seasons) on the last weeks of history.

    STL runs with ``trend_jump`` and ``low_pass_jump`` of half a day (LOESS is fitted every
    that many points and interpolated between: 20-40 times faster than the default at the same
    accuracy) and the deseasonalised series is forecast by
    simple exponential smoothing, which stays flat instead of extrapolating a trend for weeks.
    """

    uses_exog = False

    def __init__(
        self,
        slots_per_day: int,
        *,
        max_weeks: int = 8,
        jump: int | None = None,
        alias: str = MSTL_MODEL,
    ):
        self.slots_per_day = slots_per_day
        self.max_weeks = max_weeks
        # half a day between LOESS fits: STL interpolates in between
        self.jump = jump if jump is not None else max(1, slots_per_day // 2)
        self.alias = alias

    def _predict_rows(self, y: np.ndarray, X: np.ndarray, X_future: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def forecast(
        self,
        y: np.ndarray,
        h: int,
        X: np.ndarray | None = None,
        X_future: np.ndarray | None = None,
        level: Sequence[int] | None = None,
        fitted: bool = False,
    ) -> dict[str, np.ndarray]:
        week = 7 * self.slots_per_day
        values = np.asarray(y, dtype=float)[-self.max_weeks * week :]
        if values.size < 2 * week:
            raise ValueError("MSTL needs at least two weeks of history")
        jumps = {"seasonal_jump": 1, "trend_jump": self.jump, "low_pass_jump": self.jump}
        model = MSTL(
            season_length=[self.slots_per_day, week],
            trend_forecaster=SimpleExponentialSmoothingOptimized(),
            stl_kwargs=jumps,
            alias=self.alias,
        )
        mean = model.forecast(y=values, h=h)["mean"]
        return {"mean": np.maximum(np.asarray(mean, dtype=float), 0.0)}


def build_models(names: Sequence[str], slots_per_day: int) -> list[Any]:
    """The statsforecast model objects for the named candidates, aliased by name."""
    week = 7 * slots_per_day
    factories = {
        SEASONAL_NAIVE: lambda: SeasonalNaive(season_length=week, alias=SEASONAL_NAIVE),
        WINDOW_AVERAGE_4W: lambda: SeasonalWindowAverage(
            season_length=week, window_size=4, alias=WINDOW_AVERAGE_4W
        ),
        CALENDAR_AVERAGE_6W: lambda: CalendarWindowAverage(slots_per_day, 6),
        MSTL_MODEL: lambda: FastMSTL(slots_per_day),
        TOP_DOWN: lambda: TopDown(slots_per_day),
    }
    unknown = [name for name in names if name not in factories]
    if unknown:
        raise ValueError(f"unknown model(s) {', '.join(unknown)}; known: {', '.join(factories)}")
    return [factories[name]() for name in names]


# ---------------------------------------------------------------------------------------------
# The backend seam: the only functions that hand frames to statsforecast.


class ForecastBackend(Protocol):
    """Where statsforecast runs when not in this process (see `forecasting.distributed`).

    Both methods take and return the same pandas frames as the in-process path, row for row
    and in the same order and dtypes, so the engine cannot tell them apart."""

    def cross_validation(
        self,
        frame: pd.DataFrame,
        models: Sequence[Any],
        *,
        freq: str,
        horizon: int,
        n_windows: int,
        step_size: int,
    ) -> pd.DataFrame: ...

    def forecast(
        self,
        frame: pd.DataFrame,
        future_exog: pd.DataFrame,
        models: Sequence[Any],
        *,
        freq: str,
        horizon: int,
    ) -> pd.DataFrame: ...


def run_cross_validation(
    frame: pd.DataFrame,
    models: Sequence[Any],
    *,
    interval_minutes: int,
    horizon: int,
    n_windows: int,
    step_size: int,
    n_jobs: int = 1,
    backend: ForecastBackend | None = None,
) -> pd.DataFrame:
    """Rolling-origin cross-validation of ``models`` on a long frame with the exog columns.

    The result has ``unique_id, ds, cutoff, y`` and one column per model alias. With a
    ``backend`` (a Dask cluster, `forecasting.distributed`) the same call runs there.
    """
    if backend is not None:
        return backend.cross_validation(
            frame,
            models,
            freq=f"{interval_minutes}min",
            horizon=horizon,
            n_windows=n_windows,
            step_size=step_size,
        )
    from statsforecast import StatsForecast

    engine = StatsForecast(models=list(models), freq=f"{interval_minutes}min", n_jobs=n_jobs)
    result = engine.cross_validation(
        df=frame,
        h=horizon,
        n_windows=n_windows,
        step_size=step_size,
        refit=True,
    )
    return result.reset_index(drop=True) if "unique_id" in result.columns else result.reset_index()


def run_forecast(
    frame: pd.DataFrame,
    future_exog: pd.DataFrame,
    models: Sequence[Any],
    *,
    interval_minutes: int,
    horizon: int,
    n_jobs: int = 1,
    backend: ForecastBackend | None = None,
) -> pd.DataFrame:
    """Point forecasts of ``models`` for ``horizon`` slots after each series' end."""
    if backend is not None:
        return backend.forecast(
            frame, future_exog, models, freq=f"{interval_minutes}min", horizon=horizon
        )
    from statsforecast import StatsForecast

    engine = StatsForecast(models=list(models), freq=f"{interval_minutes}min", n_jobs=n_jobs)
    result = engine.forecast(df=frame, h=horizon, X_df=future_exog)
    return result.reset_index(drop=True) if "unique_id" in result.columns else result.reset_index()


__all__ = [
    "BASE_MODELS",
    "CALENDAR_AVERAGE_6W",
    "COMBINATION",
    "CalendarWindowAverage",
    "CandidateSpec",
    "DailyFactors",
    "EXOG_COLUMNS",
    "FastMSTL",
    "ForecastBackend",
    "MSTL_MODEL",
    "SEASONAL_NAIVE",
    "TOP_DOWN",
    "TopDown",
    "WINDOW_AVERAGE_4W",
    "build_models",
    "candidate_specs",
    "daily_factors",
    "intraday_profiles",
    "run_cross_validation",
    "run_forecast",
]
