"""A Chinese centre's calendar (调休): make-up working days, weekend days worked in exchange for
days off around a holiday, taken from the `holidays` package's China calendar, are forecast like
working days, and in the history they are set aside so the weekend pattern stays a weekend's."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from forecasting import CalendarOptions, ForecastConfig, forecast, prepare_history
from forecasting.calendar import STATUS_WORKDAY, country_holidays, country_workdays, mark_calendar

WEEKDAY_PER_HOUR = 100.0
WEEKEND_PER_HOUR = 30.0
HOURS = range(9, 18)  # open 09:00-18:00 every day


def chinese_history(first: date, last: date, seed: int = 11) -> pd.DataFrame:
    """Hourly counts, naive Shanghai times: working days (weekdays and make-up days) busy,
    weekends quiet, public holidays quieter still; Poisson noise."""
    years = range(first.year, last.year + 1)
    holidays = country_holidays("CN", years)
    workdays = country_workdays("CN", years)
    rng = np.random.default_rng(seed)
    rows = []
    day = first
    while day <= last:
        working = (day.weekday() < 5 or day in workdays) and day not in holidays
        rate = 10.0 if day in holidays else WEEKDAY_PER_HOUR if working else WEEKEND_PER_HOUR
        for hour in HOURS:
            stamp = pd.Timestamp(day) + pd.Timedelta(hours=hour)
            rows.append({"unique_id": "Q", "ds": stamp, "y": float(rng.poisson(rate))})
        day += timedelta(days=1)
    return pd.DataFrame(rows)


def test_country_workdays_are_the_make_up_days_of_the_years_asked() -> None:
    workdays = country_workdays("CN", [2024])
    assert date(2024, 2, 4) in workdays and date(2024, 10, 12) in workdays
    assert all(day.year == 2024 and day.weekday() >= 5 for day in workdays)
    assert country_workdays("GB", [2024]) == {} and country_workdays(None, [2024]) == {}


def test_make_up_working_days_are_set_aside_in_the_history() -> None:
    history = chinese_history(date(2023, 9, 1), date(2023, 11, 30))
    prepared = prepare_history(history, interval_minutes=60, timezone="Asia/Shanghai")
    cal = mark_calendar(prepared, CalendarOptions(country="CN"))
    frame = cal.frame
    days = frame["ds"].dt.date
    for workday in (date(2023, 10, 7), date(2023, 10, 8)):
        open_hours = (days == workday) & frame["ds"].dt.hour.isin(HOURS)
        assert set(frame.loc[open_hours, "status"]) == {STATUS_WORKDAY}
        # imputed from the same weekday's nearby weeks: a weekend's level, not a working day's
        imputed = frame.loc[open_hours, "y_model"]
        assert imputed.mean() == pytest.approx(WEEKEND_PER_HOUR, rel=0.25)


def test_a_make_up_sunday_is_forecast_like_a_working_day() -> None:
    # history to Wednesday 31 Jan 2024; the week ahead holds Sunday 4 Feb, worked before the
    # Spring Festival, beside an ordinary Saturday 3 Feb
    history = chinese_history(date(2023, 9, 1), date(2024, 1, 31))
    config = ForecastConfig(
        interval_minutes=60,
        timezone="Asia/Shanghai",
        calendar=CalendarOptions(country="CN"),
        folds=2,
    )
    result = forecast(history, config, horizon_days=7)
    rows = result.forecast
    total = rows.groupby(rows["ds_local"].dt.date)["offered"].sum()
    weekday_total = WEEKDAY_PER_HOUR * len(HOURS)
    weekend_total = WEEKEND_PER_HOUR * len(HOURS)
    assert total[date(2024, 2, 4)] == pytest.approx(weekday_total, rel=0.12)
    assert total[date(2024, 2, 4)] == pytest.approx(total[date(2024, 2, 5)], rel=1e-9)
    assert total[date(2024, 2, 3)] == pytest.approx(weekend_total, rel=0.25)
    rules = set(rows.loc[rows["ds_local"].dt.date == date(2024, 2, 4), "day_rule"])
    assert rules == {"make-up working day like 2024-02-05"}
