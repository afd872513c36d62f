"""Calendar marking: closed hours, gaps, outliers, holidays and imputation."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from forecasting import CalendarOptions, prepare_history
from forecasting.calendar import (
    STATUS_CLOSED,
    STATUS_HOLIDAY,
    STATUS_MISSING,
    STATUS_OBSERVED,
    STATUS_OUTLIER,
    country_holidays,
    mark_calendar,
)
from forecasting.synthetic import SyntheticSpec, synthetic_history, synthetic_rates

SPEC = SyntheticSpec(weeks=6, interval_minutes=60, daily_contacts=1500, seed=11)


def _marked(history, options=CalendarOptions()):  # type: ignore[no-untyped-def]
    prepared = prepare_history(history, interval_minutes=60, timezone="UTC")
    return mark_calendar(prepared, options)


def test_closed_hours_and_days_are_found_and_zero() -> None:
    cal = _marked(synthetic_history(SPEC))
    pattern = cal.closed_pattern["Q000"]
    assert pattern[6].all()  # Sundays: no rows at all
    assert pattern[0, :8].all() and pattern[0, 20:].all()
    assert not pattern[0, 8:20].any()
    closed = cal.frame[cal.frame["status"] == STATUS_CLOSED]
    assert (closed["y_model"] == 0).all()


def test_a_missing_day_is_imputed_from_nearby_weeks() -> None:
    history = synthetic_history(SPEC)
    gap = date(2024, 1, 17)
    cal = _marked(history[history["ds"].dt.date != gap])
    day = cal.frame[cal.frame["ds"].dt.date == gap]
    assert set(day["status"]) == {STATUS_MISSING, STATUS_CLOSED}
    assert day["y"].isna().all()
    rate = synthetic_rates(SPEC)
    expected = rate[rate["ds"].dt.date == gap]["rate"].sum()
    assert day["y_model"].sum() == pytest.approx(expected, rel=0.1)
    assert cal.counts["Q000"][STATUS_MISSING] == 12


def test_outlier_days_are_excluded_unless_switched_off() -> None:
    history = synthetic_history(SPEC)
    spike = date(2024, 1, 23)
    history.loc[history["ds"].dt.date == spike, "y"] *= 6
    cal = _marked(history)
    day = cal.frame[cal.frame["ds"].dt.date == spike]
    assert (day.loc[~day["closed_slot"], "status"] == STATUS_OUTLIER).all()
    assert day["y_model"].sum() < 0.3 * day["y"].sum()
    kept = _marked(history, CalendarOptions(exclude_outliers=False))
    kept_day = kept.frame[kept.frame["ds"].dt.date == spike]
    assert (kept_day.loc[~kept_day["closed_slot"], "status"] == STATUS_OBSERVED).all()


def test_holidays_are_imputed_and_their_effect_learned() -> None:
    history = synthetic_history(SPEC)
    holidays = country_holidays("GB", [2024])
    assert date(2024, 1, 1) in holidays  # a Monday
    on_holiday = history["ds"].dt.date == date(2024, 1, 1)
    history.loc[on_holiday, "y"] = np.floor(history.loc[on_holiday, "y"] / 4)
    cal = _marked(history, CalendarOptions(country="GB"))
    day = cal.frame[cal.frame["ds"].dt.date == date(2024, 1, 1)]
    assert (day.loc[~day["closed_slot"], "status"] == STATUS_HOLIDAY).all()
    assert cal.holiday_multiplier["Q000"] == pytest.approx(0.25, abs=0.05)
    without = _marked(history)
    assert without.holiday_multiplier["Q000"] is None


def test_a_closed_holiday_teaches_a_zero_multiplier() -> None:
    spec = SyntheticSpec(weeks=6, interval_minutes=60, seed=12, start=date(2023, 12, 18))
    history = synthetic_history(spec)
    closed_days = set(country_holidays("GB", [2023, 2024]))
    history = history[~history["ds"].dt.date.isin(closed_days)]  # no rows: the centre was shut
    cal = _marked(history, CalendarOptions(country="GB"))
    assert cal.holiday_multiplier["Q000"] == 0.0
    christmas = cal.frame[cal.frame["ds"].dt.date == date(2023, 12, 25)]
    assert christmas["y_model"].sum() > 0  # imputed as a normal Monday for the models


def test_unknown_country_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown country code"):
        country_holidays("XX", [2024])
