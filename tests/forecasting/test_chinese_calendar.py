"""A Chinese centre's calendar (调休): make-up working days, weekend days worked in exchange for
days off around a holiday, taken from the `holidays` package's China calendar, are forecast like
working days, and in the history they are set aside so the weekend pattern stays a weekend's; the
working days before and after Spring Festival and Golden Week carry effects learned from the
history. The synthetic year is generated here from the same holidays calendar. A site's own
calendar goes over its country's: a holiday the country lacks, a make-up working day, an ordinary
day the country calls a holiday; the merged calendar is what the history marking and the horizon
use."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from forecasting import CalendarOptions, ForecastConfig, forecast, prepare_history
from forecasting.calendar import (
    STATUS_HOLIDAY,
    STATUS_RAMP,
    STATUS_WORKDAY,
    CalendarOverride,
    country_holidays,
    country_workdays,
    festival_ramps,
    mark_calendar,
)
from wfm.cli import app

WEEKDAY_PER_HOUR = 100.0
WEEKEND_PER_HOUR = 30.0
HOURS = range(9, 18)  # open 09:00-18:00 every day
#: the true effect of the working days before (-) and after (+) a long holiday
RAMP = {-3: 1.2, -2: 1.35, -1: 1.5, 1: 1.6, 2: 1.4, 3: 1.2}


def chinese_history(first: date, last: date, seed: int = 11) -> pd.DataFrame:
    """Hourly counts, naive Shanghai times: working days (weekdays and make-up days) busy,
    weekends quiet, public holidays quieter still; Poisson noise."""
    years = range(first.year, last.year + 1)
    holidays = country_holidays("CN", years)
    workdays = country_workdays("CN", years)
    ramps = festival_ramps(holidays, workdays, first, last)
    rng = np.random.default_rng(seed)
    rows = []
    day = first
    while day <= last:
        working = (day.weekday() < 5 or day in workdays) and day not in holidays
        rate = 10.0 if day in holidays else WEEKDAY_PER_HOUR if working else WEEKEND_PER_HOUR
        rate *= RAMP.get(ramps.get(day, 0), 1.0)
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


def test_festival_ramps_are_the_working_days_around_long_holidays() -> None:
    years = [2024]
    ramps = festival_ramps(
        country_holidays("CN", years), country_workdays("CN", years), date(2024, 1, 1),
        date(2024, 12, 31),
    )  # fmt: skip
    # Spring Festival 10-17 Feb (Sunday 18 Feb worked), Golden Week 1-7 Oct (Sunday 29 Sep and
    # Saturday 12 Oct worked, Saturday 28 Sep off)
    assert ramps == {
        date(2024, 2, 7): -3, date(2024, 2, 8): -2, date(2024, 2, 9): -1,
        date(2024, 2, 18): 1, date(2024, 2, 19): 2, date(2024, 2, 20): 3,
        date(2024, 9, 27): -3, date(2024, 9, 29): -2, date(2024, 9, 30): -1,
        date(2024, 10, 8): 1, date(2024, 10, 9): 2, date(2024, 10, 10): 3,
    }  # fmt: skip


def test_make_up_working_days_are_set_aside_in_the_history() -> None:
    history = chinese_history(date(2023, 5, 1), date(2023, 8, 31))
    history = pd.concat([history, chinese_history(date(2023, 9, 1), date(2023, 11, 30))])
    prepared = prepare_history(history, interval_minutes=60, timezone="Asia/Shanghai")
    cal = mark_calendar(prepared, CalendarOptions(country="CN"))
    frame = cal.frame
    days = frame["ds"].dt.date
    # 6 May and 25 Jun 2023 are make-up days; 7 and 8 Oct are too, and the first two working
    # days after Golden Week
    for workday, status in (
        (date(2023, 5, 6), STATUS_WORKDAY),
        (date(2023, 6, 25), STATUS_WORKDAY),
        (date(2023, 10, 7), STATUS_RAMP),
        (date(2023, 10, 8), STATUS_RAMP),
    ):
        open_hours = (days == workday) & frame["ds"].dt.hour.isin(HOURS)
        assert set(frame.loc[open_hours, "status"]) == {status}
        # imputed from the same weekday's nearby weeks: a weekend's level, not a working day's
        imputed = frame.loc[open_hours, "y_model"]
        assert imputed.mean() == pytest.approx(WEEKEND_PER_HOUR, rel=0.25)


@pytest.fixture(scope="module")
def spring_festival_2024() -> pd.DataFrame:
    """Three weeks forecast from 1 Feb 2024 on a history from 1 Jan 2023 (Spring Festival and
    Golden Week 2023 in it)."""
    history = chinese_history(date(2023, 1, 1), date(2024, 1, 31))
    config = ForecastConfig(
        interval_minutes=60,
        timezone="Asia/Shanghai",
        calendar=CalendarOptions(country="CN"),
        folds=2,
    )
    return forecast(history, config, horizon_days=21).forecast


def test_a_make_up_sunday_is_forecast_like_a_working_day(
    spring_festival_2024: pd.DataFrame,
) -> None:
    # the horizon holds Sunday 4 Feb, worked before the Spring Festival, beside an ordinary
    # Saturday 3 Feb
    rows = spring_festival_2024
    total = rows.groupby(rows["ds_local"].dt.date)["offered"].sum()
    weekday_total = WEEKDAY_PER_HOUR * len(HOURS)
    weekend_total = WEEKEND_PER_HOUR * len(HOURS)
    assert total[date(2024, 2, 4)] == pytest.approx(weekday_total, rel=0.12)
    assert total[date(2024, 2, 4)] == pytest.approx(total[date(2024, 2, 5)], rel=1e-9)
    assert total[date(2024, 2, 3)] == pytest.approx(weekend_total, rel=0.25)
    rules = set(rows.loc[rows["ds_local"].dt.date == date(2024, 2, 4), "day_rule"])
    assert rules == {"make-up working day like 2024-02-05"}


def test_festival_ramps_are_recovered(spring_festival_2024: pd.DataFrame) -> None:
    rows = spring_festival_2024
    total = rows.groupby(rows["ds_local"].dt.date)["offered"].sum()
    weekday_total = WEEKDAY_PER_HOUR * len(HOURS)
    ramp_days = {
        date(2024, 2, 7): -3, date(2024, 2, 8): -2, date(2024, 2, 9): -1,
        date(2024, 2, 18): 1, date(2024, 2, 19): 2, date(2024, 2, 20): 3,
    }  # fmt: skip
    for day, offset in ramp_days.items():
        assert total[day] == pytest.approx(RAMP[offset] * weekday_total, rel=0.12), day
        rules = set(rows.loc[rows["ds_local"].dt.date == day, "day_rule"])
        assert any("long holiday" in rule for rule in rules), (day, rules)
    # Sunday 18 Feb is both a make-up day and the first after the festival
    assert any(
        "make-up working day" in r
        for r in rows.loc[rows["ds_local"].dt.date == date(2024, 2, 18), "day_rule"]
    )
    # an ordinary week later, no ramp
    assert total[date(2024, 2, 21)] == pytest.approx(weekday_total, rel=0.12)


def test_backtest_reports_calendar_folds_apart(tmp_path: Path) -> None:
    # four weekly folds from 23 Sep 2023: three hold Golden Week, its ramps or make-up days
    history = chinese_history(date(2023, 6, 1), date(2023, 10, 20))
    path = tmp_path / "cn.csv"
    history.rename(columns={"ds": "interval_start", "y": "calls"})[
        ["interval_start", "calls"]
    ].to_csv(path, index=False, date_format="%Y-%m-%d %H:%M")
    result = CliRunner().invoke(
        app,
        ["backtest", str(path), "--timestamp-column", "interval_start", "--value-column",
         "calls", "--timezone", "Asia/Shanghai", "--country", "CN", "--interval-minutes", "60",
         "--folds", "4", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    apart = json.loads(result.stdout)["calendar_folds"]
    assert apart["folds"] == 3 and apart["other_folds"] == 1
    assert 0 < apart["wmape"] < 1 and 0 < apart["other_folds_wmape"] < 1


# ------------------------------------------------------------ the site's own calendar
def test_overrides_add_and_take_away_days_of_the_country_s_calendar() -> None:
    options = CalendarOptions(
        country="CN",
        overrides=(
            CalendarOverride(date(2024, 3, 8), "holiday", "Women's Day afternoon"),
            CalendarOverride(date(2024, 1, 1), "normal"),  # the centre works New Year's Day
            CalendarOverride(date(2024, 2, 4), "holiday"),  # a make-up Sunday given back
            CalendarOverride(date(2024, 3, 9), "workday", "stocktake Saturday"),
            CalendarOverride(date(2025, 1, 1), "holiday", "next year"),
        ),
    )
    holidays = options.holidays([2024])
    country = country_holidays("CN", [2024])
    assert set(holidays) == (set(country) - {date(2024, 1, 1)}) | {
        date(2024, 3, 8),
        date(2024, 2, 4),
    }
    assert holidays[date(2024, 3, 8)] == "Women's Day afternoon"
    assert holidays[date(2024, 2, 4)] == "holiday"  # unnamed: its kind
    workdays = options.workdays([2024])
    assert date(2024, 3, 9) in workdays and date(2024, 2, 4) not in workdays
    assert date(2024, 2, 18) in workdays  # the country's other make-up days stay
    assert date(2025, 1, 1) not in holidays  # only the years asked
    # no country: the site's days alone
    alone = CalendarOptions(overrides=options.overrides)
    assert set(alone.holidays([2024])) == {date(2024, 3, 8), date(2024, 2, 4)}


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown kind 'festival'"):
        CalendarOverride(date(2024, 1, 1), "festival")


def test_the_site_s_days_are_marked_in_the_history() -> None:
    history = chinese_history(date(2023, 5, 1), date(2023, 8, 31))
    prepared = prepare_history(history, interval_minutes=60, timezone="Asia/Shanghai")
    overrides = (
        CalendarOverride(date(2023, 7, 12), "holiday", "typhoon closure"),
        CalendarOverride(date(2023, 6, 22), "normal"),  # the country's Dragon Boat Festival
    )
    cal = mark_calendar(prepared, CalendarOptions(country="CN", overrides=overrides))
    days = cal.frame["ds"].dt.date
    opened = cal.frame["ds"].dt.hour.isin(HOURS)
    assert set(cal.frame.loc[(days == date(2023, 7, 12)) & opened, "status"]) == {STATUS_HOLIDAY}
    assert STATUS_HOLIDAY not in set(cal.frame.loc[days == date(2023, 6, 22), "status"])
    assert date(2023, 7, 12) in cal.holidays and date(2023, 6, 22) not in cal.holidays


def test_a_make_up_day_the_site_sets_is_forecast_like_a_working_day() -> None:
    # no country: only the site says Saturday 10 Feb 2024 is worked
    history = chinese_history(date(2023, 10, 16), date(2024, 1, 31))
    history = history[~history["ds"].dt.date.isin(_chinese_days_off(history))]
    saturday = date(2024, 2, 10)
    plain = ForecastConfig(interval_minutes=60, timezone="Asia/Shanghai", folds=2)
    site = ForecastConfig(
        interval_minutes=60,
        timezone="Asia/Shanghai",
        folds=2,
        calendar=CalendarOptions(overrides=(CalendarOverride(saturday, "workday"),)),
    )
    totals = {}
    for name, config in (("plain", plain), ("site", site)):
        rows = forecast(history, config, horizon_days=14).forecast
        totals[name] = rows.groupby(rows["ds_local"].dt.date)["offered"].sum()
    weekday_total = WEEKDAY_PER_HOUR * len(HOURS)
    assert totals["plain"][saturday] < 0.5 * weekday_total  # a weekend's
    assert totals["site"][saturday] == pytest.approx(weekday_total, rel=0.12)


def _chinese_days_off(history: pd.DataFrame) -> set[date]:
    """The history's Chinese holidays and make-up days: left out, so the history is plain weeks."""
    years = range(2023, 2025)
    return set(country_holidays("CN", years)) | set(country_workdays("CN", years))
