"""Long-horizon daily volume for the capacity plan: level, trend, day of week and holidays.

The weekly engine (`forecasting.engine`) forecasts intervals a few weeks ahead. A capacity plan
needs each day of the next 1-18 months, summed by month. This model is deliberately small:

    expected volume of day d = exp(level + growth x (d - origin)) x weekday_factor[weekday(d)]

fitted as a Poisson regression (log link, iteratively reweighted least squares) on the daily
totals of the history's normal days, so a day with twice the calls weighs as its variance does
and the weekday factors are the ratios of the weekdays' means. Holidays (the site's calendar,
`forecasting.calendar.country_holidays`) are left out of the fit; their effect is the ratio of the
history's holiday volume to what the model says those days would have been, applied to every
holiday of the horizon. When the history holds no holiday, a holiday is forecast like the week's
quietest weekday (the day the centre rests) and the model says so in ``warnings``.

A yearly season needs at least two years of history to separate it from trend; this model does not
pretend to learn one. With ``trend=False`` the level is the recency-weighted mean of the history
(half-life ``half_life_days``), without growth.

The handle time at this horizon (`fit_handle_time`) is a log-linear trend on the daily handle
time, weighted by the contacts handled each day and held within +-25 % a year, or, without
trend, the last eight weeks' mean; a month's handle time is its days' weighted by their forecast
volume (`monthly_handle_time`).

Pure: dates and numbers in, frozen results out; no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import numpy as np
import pandas as pd

#: weekdays in `date.weekday()` order
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# The models' warnings (their templates: wfm.domain.notes says them in the reader's language).
NO_HOLIDAY_IN_HISTORY = (
    "no holiday in the history to learn from: holidays are forecast like a {weekday}, "
    "the week's quietest day"
)
HANDLE_TIME_TREND_HELD = "handle time's fitted trend {fitted} a year held at {held}"


@dataclass(frozen=True)
class DailyVolumeModel:
    """A fitted long-horizon model. ``origin`` is the first day after the history."""

    origin: date
    #: log of the expected volume of an average weekday at the origin
    level: float
    #: log growth per day (0 without trend)
    growth_per_day: float
    #: per weekday (Monday first), the factor on the average day; their mean is 1
    weekday_factor: tuple[float, ...]
    #: holiday volume over the model's normal volume for those days; None when never seen
    holiday_factor: float | None
    holidays: Mapping[date, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @property
    def growth_per_year(self) -> float:
        """Relative growth over 365 days (0.1 = +10 % a year)."""
        return float(np.expm1(365.0 * self.growth_per_day))


def _as_daily(history: pd.Series) -> pd.Series:
    """Daily totals indexed by `date`, sorted; rejects gaps, negatives and non-finite values."""
    if history.empty:
        raise ValueError("history: no days")
    index = [pd.Timestamp(day).date() for day in history.index]
    daily = pd.Series(np.asarray(history, dtype=float), index=index).sort_index()
    values = daily.to_numpy()
    if not np.all(np.isfinite(values)) or (values < 0).any():
        raise ValueError("history: daily volumes must be finite numbers >= 0")
    first, last = daily.index[0], daily.index[-1]
    if len(daily) != (last - first).days + 1 or daily.index.has_duplicates:
        raise ValueError("history: one total per day, every day from the first to the last")
    return daily


def _poisson_fit(
    X: np.ndarray, y: np.ndarray, weights: np.ndarray, iterations: int = 50
) -> np.ndarray:
    """Coefficients of a log-link Poisson regression by iteratively reweighted least squares."""
    beta = np.zeros(X.shape[1])
    beta[0] = np.log(max(float(np.average(y, weights=weights)), 1e-9))
    for _ in range(iterations):
        eta = X @ beta
        mu = np.exp(eta)
        w = weights * mu
        z = eta + (y - mu) / mu
        sw = np.sqrt(w)
        new, *_ = np.linalg.lstsq(X * sw[:, None], z * sw, rcond=None)
        if np.max(np.abs(new - beta)) < 1e-10:
            return np.asarray(new)
        beta = new
    return beta


def fit_daily_volume(
    history: pd.Series,
    holidays: Mapping[date, str] | None = None,
    *,
    trend: bool = True,
    half_life_days: float = 28.0,
) -> DailyVolumeModel:
    """Fit the model on daily totals (index: days, every day present; values: contacts).

    ``holidays`` may reach beyond the history: the horizon's holidays are applied by
    `predict_daily`. ``half_life_days`` weighs recent days more when ``trend`` is False.
    """
    if half_life_days <= 0:
        raise ValueError("half_life_days must be > 0")
    daily = _as_daily(history)
    holidays = dict(holidays or {})
    days = list(daily.index)
    origin = days[-1] + timedelta(days=1)
    y = daily.to_numpy()
    t = np.array([(day - origin).days for day in days], dtype=float)
    weekday = np.array([day.weekday() for day in days])
    normal = np.array([day not in holidays for day in days])
    if normal.sum() < 14:
        raise ValueError("history: at least 14 days that are not holidays are needed")
    seen = np.zeros(7, dtype=bool)
    seen[np.unique(weekday[normal])] = True
    if not seen.all():
        raise ValueError("history: every weekday must appear at least once outside holidays")
    # weekdays that never have a contact get a factor of 0 and stay out of the regression
    silent = np.array([not (y[normal & (weekday == k)] > 0).any() for k in range(7)])
    fit_rows = normal & ~silent[weekday]
    active = [k for k in range(7) if not silent[k]]

    columns = [np.ones(int(fit_rows.sum()))]
    columns += [(weekday[fit_rows] == k).astype(float) for k in active[1:]]
    if trend:
        columns.append(t[fit_rows])
    X = np.column_stack(columns)
    # with a trend every day counts alike; without, recent days count more
    weights = np.ones(int(fit_rows.sum())) if trend else 0.5 ** (-t[fit_rows] / half_life_days)
    beta = _poisson_fit(X, y[fit_rows], weights)
    log_day = np.full(7, -np.inf)
    log_day[active[0]] = beta[0]
    for i, k in enumerate(active[1:], start=1):
        log_day[k] = beta[0] + beta[i]
    growth = float(beta[-1]) if trend else 0.0
    by_weekday = np.exp(log_day)
    mean_day = float(by_weekday.mean())
    if mean_day <= 0:
        raise ValueError("history: no contacts on any normal day")
    factors = by_weekday / mean_day
    model = DailyVolumeModel(
        origin=origin,
        level=float(np.log(mean_day)),
        growth_per_day=growth,
        weekday_factor=tuple(float(f) for f in factors),
        holiday_factor=None,
        holidays=holidays,
    )
    past_holidays = [i for i, day in enumerate(days) if day in holidays]
    expected = float(_normal_volume(model, [days[i] for i in past_holidays]).sum())
    if past_holidays and expected > 0:
        factor = float(y[past_holidays].sum()) / expected
        return replace(model, holiday_factor=factor)
    quiet = WEEKDAYS[int(np.argmin(factors))]
    return replace(model, warnings=(NO_HOLIDAY_IN_HISTORY.format(weekday=quiet),))


def _normal_volume(model: DailyVolumeModel, days: list[date]) -> np.ndarray:
    """The model's volume for these days as if none were a holiday."""
    t = np.array([(day - model.origin).days for day in days], dtype=float)
    factor = np.array([model.weekday_factor[day.weekday()] for day in days])
    return np.asarray(np.exp(model.level + model.growth_per_day * t) * factor)


def predict_daily(model: DailyVolumeModel, first: date, last: date) -> pd.Series:
    """Expected volume of every day from ``first`` to ``last`` (holidays applied)."""
    if last < first:
        raise ValueError("last must not be before first")
    days = [first + timedelta(days=k) for k in range((last - first).days + 1)]
    volume = _normal_volume(model, days)
    quiet = min(model.weekday_factor)
    for i, day in enumerate(days):
        if day not in model.holidays:
            continue
        if model.holiday_factor is not None:
            volume[i] *= model.holiday_factor
        elif model.weekday_factor[day.weekday()] > 0:
            volume[i] *= quiet / model.weekday_factor[day.weekday()]
    return pd.Series(volume, index=days, name="volume")


def _month_start(day: date, months_after: int = 0) -> date:
    index = day.year * 12 + day.month - 1 + months_after
    return date(index // 12, index % 12 + 1, 1)


def monthly_totals(daily: pd.Series) -> pd.Series:
    """Daily values summed by calendar month (index: each month's first day)."""
    months = [_month_start(pd.Timestamp(day).date()) for day in daily.index]
    return pd.Series(np.asarray(daily, dtype=float), index=months).groupby(level=0).sum()


def forecast_months(model: DailyVolumeModel, months: int) -> pd.Series:
    """Volume of each of the ``months`` calendar months from the origin's month, summed from
    the daily forecast (a first month begun before the origin counts only its coming days)."""
    if not 1 <= months <= 18:
        raise ValueError("months must be between 1 and 18")
    last = _month_start(model.origin, months) - timedelta(days=1)
    return monthly_totals(predict_daily(model, model.origin, last))


def naive_weekday_months(history: pd.Series, months: int) -> pd.Series:
    """The benchmark: each weekday's mean volume over the history's last calendar month,
    repeated on every day of the next ``months`` months (holidays not treated), summed by month."""
    if not 1 <= months <= 18:
        raise ValueError("months must be between 1 and 18")
    daily = _as_daily(history)
    origin = daily.index[-1] + timedelta(days=1)
    last_month = _month_start(daily.index[-1])
    recent = daily[[day >= last_month for day in daily.index]]
    means = recent.groupby([day.weekday() for day in recent.index]).mean()
    if len(means) < 7:
        raise ValueError("history: its last month must hold every weekday")
    end = _month_start(origin, months) - timedelta(days=1)
    days = [origin + timedelta(days=k) for k in range((end - origin).days + 1)]
    values = pd.Series([float(means[day.weekday()]) for day in days], index=days)
    return monthly_totals(values)


# --------------------------------------------------------------------------- handle time
MAX_AHT_GROWTH_PER_YEAR = 0.25  # a fitted handle-time trend is held within +-25 % a year
RECENT_AHT_DAYS = 56  # the flat handle time: the handled-weighted mean of the last 8 weeks


@dataclass(frozen=True)
class HandleTimeModel:
    """A fitted long-horizon handle time: ``exp(level + growth x (d - origin))`` seconds on day
    d. ``origin`` is the first day after the history."""

    origin: date
    #: log of the handle time at the origin, in seconds
    level: float
    #: log growth per day (0 without trend)
    growth_per_day: float
    warnings: tuple[str, ...] = ()

    @property
    def growth_per_year(self) -> float:
        """Relative change over 365 days (0.1 = +10 % a year)."""
        return float(np.expm1(365.0 * self.growth_per_day))

    def seconds(self, days: list[date]) -> np.ndarray:
        t = np.array([(day - self.origin).days for day in days], dtype=float)
        return np.asarray(np.exp(self.level + self.growth_per_day * t))


def fit_handle_time(
    handle_seconds: pd.Series, handled: pd.Series, *, trend: bool = True
) -> HandleTimeModel:
    """Fit the handle time on daily sums (index: days, every day present): ``handle_seconds``
    the seconds spent handling, ``handled`` the contacts handled.

    Without ``trend`` the handle time is flat at the handled-weighted mean of the last
    `RECENT_AHT_DAYS` days. With it, log(daily handle time) is regressed on the day by least
    squares weighted by the day's handled contacts (a busy day's mean is the surer one), the
    level at the origin from that line, and a growth beyond `MAX_AHT_GROWTH_PER_YEAR` is held
    at it with a warning. Days without a handled contact say nothing and are left out."""
    seconds = _as_daily(handle_seconds)
    counts = _as_daily(handled)
    if list(seconds.index) != list(counts.index):
        raise ValueError("handle time: seconds and contacts handled must cover the same days")
    days = list(seconds.index)
    origin = days[-1] + timedelta(days=1)
    n = counts.to_numpy()
    worked = n > 0
    if worked.sum() < 14:
        raise ValueError("handle time: at least 14 days with a handled contact are needed")
    t = np.array([(day - origin).days for day in days], dtype=float)
    recent = worked & (t >= -RECENT_AHT_DAYS)
    if not trend:
        if n[recent].sum() <= 0:
            raise ValueError("handle time: no handled contact in the last 8 weeks")
        mean = float(seconds.to_numpy()[recent].sum() / n[recent].sum())
        if mean <= 0:
            raise ValueError("handle time: no handling seconds in the last 8 weeks")
        return HandleTimeModel(origin=origin, level=float(np.log(mean)), growth_per_day=0.0)
    aht = seconds.to_numpy()[worked] / n[worked]
    if (aht <= 0).any():
        raise ValueError("handle time: a day with handled contacts has no handling seconds")
    X = np.column_stack([np.ones(int(worked.sum())), t[worked]])
    sw = np.sqrt(n[worked])
    (level, growth), *_ = np.linalg.lstsq(X * sw[:, None], np.log(aht) * sw, rcond=None)
    cap = float(np.log1p(MAX_AHT_GROWTH_PER_YEAR)) / 365.0
    warnings: tuple[str, ...] = ()
    if abs(growth) > cap:
        fitted = float(np.expm1(365.0 * growth))
        growth = float(np.sign(growth)) * cap
        warnings = (
            HANDLE_TIME_TREND_HELD.format(
                fitted=f"{fitted:+.0%}", held=f"{float(np.expm1(365.0 * growth)):+.0%}"
            ),
        )
    return HandleTimeModel(origin, float(level), float(growth), warnings)


def monthly_handle_time(
    model: HandleTimeModel, daily_volume: pd.Series, start: date, months: int
) -> tuple[float, ...]:
    """The handle time of each of ``months`` calendar months from ``start``'s month: the mean
    over the month's days weighted by their forecast volume (``daily_volume``; a month without
    any, the plain mean over its days)."""
    out = []
    weights = {pd.Timestamp(day).date(): float(v) for day, v in daily_volume.items()}
    for k in range(months):
        first = _month_start(start, k)
        last = _month_start(start, k + 1) - timedelta(days=1)
        days = [first + timedelta(days=j) for j in range((last - first).days + 1)]
        w = np.array([weights.get(day, 0.0) for day in days])
        values = model.seconds(days)
        out.append(float(np.average(values, weights=w)) if w.sum() > 0 else float(values.mean()))
    return tuple(out)


__all__ = [
    "MAX_AHT_GROWTH_PER_YEAR",
    "WEEKDAYS",
    "DailyVolumeModel",
    "HandleTimeModel",
    "fit_daily_volume",
    "fit_handle_time",
    "forecast_months",
    "monthly_handle_time",
    "monthly_totals",
    "naive_weekday_months",
    "predict_daily",
]
