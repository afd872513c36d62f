"""The capacity plan's long-horizon volume model on synthetic series whose truth is known."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from forecasting.capacity import (
    MAX_AHT_GROWTH_PER_YEAR,
    fit_daily_volume,
    fit_handle_time,
    forecast_months,
    monthly_handle_time,
    monthly_totals,
    naive_weekday_months,
    predict_daily,
)

WEEKDAY_FACTOR = np.array([1.3, 1.2, 1.1, 1.1, 0.9, 0.3, 1.1])  # Monday first; mean 1
START = date(2025, 1, 1)
HOLIDAYS = {date(2025, 3, 12): "A", date(2025, 5, 6): "B", date(2025, 8, 14): "C"}


def _truth(
    days: int,
    *,
    level: float = 1000.0,
    growth_per_year: float = 0.2,
    holiday_factor: float = 0.25,
    holidays: dict[date, str] | None = None,
    start: date = START,
) -> tuple[pd.Series, float]:
    """The expected volume of each day (origin = the day after the last) and the daily growth."""
    holidays = HOLIDAYS if holidays is None else holidays
    growth = np.log1p(growth_per_year) / 365.0
    index = [start + timedelta(days=k) for k in range(days)]
    origin = index[-1] + timedelta(days=1)
    values = [
        level
        * np.exp(growth * (day - origin).days)
        * WEEKDAY_FACTOR[day.weekday()]
        * (holiday_factor if day in holidays else 1.0)
        for day in index
    ]
    return pd.Series(values, index=index), growth


def test_exact_series_recovers_trend_weekdays_and_holiday_effect() -> None:
    history, growth = _truth(240)
    model = fit_daily_volume(history, HOLIDAYS)
    assert model.growth_per_day == pytest.approx(growth, rel=1e-6)
    assert model.growth_per_year == pytest.approx(0.2, rel=1e-6)
    assert np.exp(model.level) == pytest.approx(1000.0, rel=1e-6)
    np.testing.assert_allclose(model.weekday_factor, WEEKDAY_FACTOR, rtol=1e-6)
    assert model.holiday_factor == pytest.approx(0.25, rel=1e-6)
    assert model.warnings == ()


def test_forecast_continues_the_truth_and_applies_future_holidays() -> None:
    future_holiday = date(2025, 10, 1)
    holidays = {**HOLIDAYS, future_holiday: "D"}
    full, _ = _truth(365, holidays=holidays)
    # the truth's origin is the day after the full year: shift it to the history's origin
    history_days = 240
    history = full.iloc[:history_days]
    model = fit_daily_volume(history, holidays)
    first = history.index[-1] + timedelta(days=1)
    predicted = predict_daily(model, first, full.index[-1])
    np.testing.assert_allclose(predicted.to_numpy(), full.iloc[history_days:].to_numpy(), rtol=1e-6)
    normal = predicted[future_holiday - timedelta(days=7)]
    week_growth = np.exp(7 * model.growth_per_day)
    assert predicted[future_holiday] == pytest.approx(0.25 * normal * week_growth)


def test_poisson_noise_still_recovers_the_parameters() -> None:
    expected, growth = _truth(300, level=2000.0)
    rng = np.random.default_rng(3)
    history = pd.Series(rng.poisson(expected.to_numpy()).astype(float), index=expected.index)
    model = fit_daily_volume(history, HOLIDAYS)
    # 300 days of ~2000 calls: growth to within 0.03 a year, weekday factors to 1.5 %
    assert abs(model.growth_per_year - 0.2) < 0.03
    np.testing.assert_allclose(model.weekday_factor, WEEKDAY_FACTOR, rtol=0.015)
    assert model.holiday_factor == pytest.approx(0.25, rel=0.1)
    assert growth > 0


def test_without_trend_the_level_is_the_recent_mean_day() -> None:
    flat, _ = _truth(120, growth_per_year=0.0)
    model = fit_daily_volume(flat, HOLIDAYS, trend=False)
    assert model.growth_per_day == 0.0
    assert np.exp(model.level) == pytest.approx(1000.0, rel=1e-6)
    np.testing.assert_allclose(model.weekday_factor, WEEKDAY_FACTOR, rtol=1e-6)


def test_months_are_sums_of_days_and_a_started_month_counts_only_coming_days() -> None:
    history, _ = _truth(100)  # ends 2025-04-10: the first month is the rest of April
    model = fit_daily_volume(history, HOLIDAYS)
    months = forecast_months(model, 18)
    assert len(months) == 18
    assert months.index[0] == date(2025, 4, 1)
    assert months.index[-1] == date(2026, 9, 1)
    daily = predict_daily(model, model.origin, date(2026, 9, 30))
    assert months.sum() == pytest.approx(daily.sum())
    april = daily[[day.month == 4 and day.year == 2025 for day in daily.index]]
    assert len(april) == 20
    assert months.iloc[0] == pytest.approx(april.sum())


def test_without_a_holiday_in_the_history_a_holiday_is_the_quietest_weekday() -> None:
    history, _ = _truth(60, growth_per_year=0.0, holidays={})
    holiday = date(2025, 3, 5)  # a Wednesday after the history
    model = fit_daily_volume(history, {holiday: "X"})
    assert model.holiday_factor is None
    assert "Sat" in model.warnings[0]
    predicted = predict_daily(model, model.origin, date(2025, 3, 31))
    saturday = date(2025, 3, 8)
    assert predicted[holiday] == pytest.approx(predicted[saturday])


def test_a_weekday_without_contacts_is_forecast_closed() -> None:
    history, _ = _truth(90, holidays={})
    history[[day.weekday() == 6 for day in history.index]] = 0.0
    model = fit_daily_volume(history, {})
    assert model.weekday_factor[6] == 0.0
    predicted = predict_daily(model, model.origin, model.origin + timedelta(days=13))
    sundays = [day for day in predicted.index if day.weekday() == 6]
    assert all(predicted[day] == 0.0 for day in sundays)
    others = [day for day in predicted.index if day.weekday() != 6]
    assert all(predicted[day] > 0 for day in others)


def test_naive_repeats_the_last_months_weekday_means() -> None:
    index = [date(2025, 1, 1) + timedelta(days=k) for k in range(59)]  # Jan and Feb
    values = [10.0 * (day.weekday() + 1) + (1000.0 if day.month == 1 else 0.0) for day in index]
    months = naive_weekday_months(pd.Series(values, index=index), 2)
    march = [date(2025, 3, d) for d in range(1, 32)]
    april = [date(2025, 4, d) for d in range(1, 31)]
    assert list(months.index) == [date(2025, 3, 1), date(2025, 4, 1)]
    assert months.iloc[0] == pytest.approx(sum(10.0 * (d.weekday() + 1) for d in march))
    assert months.iloc[1] == pytest.approx(sum(10.0 * (d.weekday() + 1) for d in april))


def test_monthly_totals_group_by_calendar_month() -> None:
    index = [date(2025, 1, 30) + timedelta(days=k) for k in range(4)]
    totals = monthly_totals(pd.Series([1.0, 2.0, 3.0, 4.0], index=index))
    assert totals.to_dict() == {date(2025, 1, 1): 3.0, date(2025, 2, 1): 7.0}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.drop(s.index[10]), "every day"),
        (lambda s: s.where(s.index != s.index[3], -1.0), ">= 0"),
        (lambda s: s.where(s.index != s.index[3], np.nan), "finite"),
        (lambda s: s.iloc[:10], "14 days"),
    ],
)
def test_bad_history_is_refused(change: Callable[[pd.Series], pd.Series], message: str) -> None:
    history, _ = _truth(60, holidays={})
    with pytest.raises(ValueError, match=message):
        fit_daily_volume(change(history), {})


def test_horizon_outside_one_to_eighteen_months_is_refused() -> None:
    history, _ = _truth(60, holidays={})
    model = fit_daily_volume(history, {})
    for months in (0, 19):
        with pytest.raises(ValueError, match="months"):
            forecast_months(model, months)
        with pytest.raises(ValueError, match="months"):
            naive_weekday_months(history, months)


# ----------------------------------------------------------------------------- handle time
def _handle_days(
    days: int, *, aht: float = 300.0, growth_per_year: float = 0.0, seed: int = 5
) -> tuple[pd.Series, pd.Series, list[float]]:
    """Daily handled contacts (Poisson, fewer on Sundays) and their handling seconds, each
    contact's handle time exponential around the day's true mean, which grows as given."""
    rng = np.random.default_rng(seed)
    growth = np.log1p(growth_per_year) / 365.0
    index = [START + timedelta(days=k) for k in range(days)]
    origin = index[-1] + timedelta(days=1)
    truth = [aht * float(np.exp(growth * (day - origin).days)) for day in index]
    handled = [int(rng.poisson(40 if day.weekday() == 6 else 400)) for day in index]
    seconds = [
        float(rng.exponential(mean, size=n).sum()) for mean, n in zip(truth, handled, strict=True)
    ]
    return pd.Series(seconds, index=index), pd.Series(handled, index=index, dtype=float), truth


def test_a_handle_time_trend_is_recovered() -> None:
    seconds, handled, _ = _handle_days(300, growth_per_year=0.12)
    model = fit_handle_time(seconds, handled)
    assert model.growth_per_year == pytest.approx(0.12, abs=0.02)
    assert float(model.seconds([model.origin])[0]) == pytest.approx(300.0, rel=0.01)
    assert model.warnings == ()


def test_without_trend_the_handle_time_is_the_last_eight_weeks_weighted_mean() -> None:
    seconds, handled, _ = _handle_days(120, growth_per_year=0.5)
    model = fit_handle_time(seconds, handled, trend=False)
    recent = [day >= model.origin - timedelta(days=56) for day in seconds.index]
    expected = seconds[recent].sum() / handled[recent].sum()
    assert model.growth_per_day == 0.0
    assert float(model.seconds([model.origin + timedelta(days=400)])[0]) == pytest.approx(expected)


def test_a_steep_handle_time_trend_is_held_and_said() -> None:
    seconds, handled, _ = _handle_days(200, growth_per_year=1.5)
    model = fit_handle_time(seconds, handled)
    assert model.growth_per_year == pytest.approx(MAX_AHT_GROWTH_PER_YEAR)
    assert len(model.warnings) == 1 and "held at +25%" in model.warnings[0]


def test_a_month_s_handle_time_is_weighted_by_its_volume() -> None:
    seconds, handled, _ = _handle_days(300, growth_per_year=0.2)
    model = fit_handle_time(seconds, handled)
    first = date(2025, 11, 1)
    days = [first + timedelta(days=k) for k in range(30)]
    only_last = pd.Series([0.0] * 29 + [10.0], index=days)
    (november,) = monthly_handle_time(model, only_last, first, 1)
    assert november == pytest.approx(float(model.seconds([days[-1]])[0]))
    flat = pd.Series([5.0] * 30, index=days)
    (plain,) = monthly_handle_time(model, flat, first, 1)
    assert plain == pytest.approx(float(model.seconds(days).mean()))
    assert plain < november  # it grows through the month


def test_the_trend_beats_the_flat_mean_when_handle_time_drifts() -> None:
    """Rolling origins on a year whose handle time grows 15 % a year: three months ahead, the
    trend's error against the month's true handle time is well below the last eight weeks' flat
    mean's."""
    seconds, handled, truth = _handle_days(365, growth_per_year=0.15, seed=9)
    index = list(seconds.index)
    errors: dict[bool, list[float]] = {True: [], False: []}
    for origin in (date(2025, 7, 1), date(2025, 8, 1), date(2025, 9, 1)):
        before = [day < origin for day in index]
        month = [_month(day) == _month(origin, 2) for day in index]
        actual = np.average(np.array(truth)[month], weights=handled[month])
        volume = handled[[not b for b in before]]
        for trend in (True, False):
            model = fit_handle_time(seconds[before], handled[before], trend=trend)
            forecast = monthly_handle_time(model, volume, origin, 3)[2]
            errors[trend].append(abs(forecast / actual - 1))
    assert np.mean(errors[True]) < 0.5 * np.mean(errors[False])
    assert np.mean(errors[False]) > 0.03  # the drift the flat mean misses


def _month(day: date, after: int = 0) -> tuple[int, int]:
    index = day.year * 12 + day.month - 1 + after
    return index // 12, index % 12 + 1


def test_bad_handle_time_histories_are_refused() -> None:
    seconds, handled, _ = _handle_days(30)
    with pytest.raises(ValueError, match="same days"):
        fit_handle_time(seconds, handled.iloc[1:])
    few = handled.copy()
    few.iloc[:20] = 0.0
    with pytest.raises(ValueError, match="14 days with a handled contact"):
        fit_handle_time(seconds, few)
    with pytest.raises(ValueError, match="no handling seconds"):
        fit_handle_time(seconds * 0.0, handled)
