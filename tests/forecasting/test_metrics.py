"""Accuracy measures against hand calculations and independent simulation."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from scipy.stats import poisson

from forecasting import accuracy_by_period, mase, poisson_noise_floor, wmape
from forecasting.metrics import poisson_mean_absolute_deviation, seasonal_naive_scale


def test_wmape_by_hand() -> None:
    assert wmape(np.array([10.0, 20.0]), np.array([12.0, 15.0])) == pytest.approx(7 / 30)
    assert np.isnan(wmape(np.array([0.0]), np.array([1.0])))


def test_mase_by_hand() -> None:
    history = np.array([1.0, 2.0, 3.0, 2.0, 4.0, 3.0])  # season 2: |3-1|,|2-2|,|4-3|,|3-2|
    scale = seasonal_naive_scale(history, 2)
    assert scale == pytest.approx(1.0)
    assert mase(np.array([5.0, 5.0]), np.array([4.0, 7.0]), scale) == pytest.approx(1.5)


@pytest.mark.parametrize("rate", [0.3, 1.0, 2.5, 7.5, 40.0, 160.0])
def test_poisson_mean_absolute_deviation_matches_a_direct_sum(rate: float) -> None:
    k = np.arange(0, int(rate * 4 + 50))
    direct = float(np.sum(np.abs(k - rate) * poisson.pmf(k, rate)))
    assert poisson_mean_absolute_deviation(np.array([rate]))[0] == pytest.approx(direct, rel=1e-9)


def test_noise_floor_matches_simulation() -> None:
    rates = np.linspace(0.5, 120, 200)
    draws = np.random.default_rng(7).poisson(rates, size=(400, rates.size))
    simulated = np.abs(draws - rates).sum() / (rates.sum() * 400)
    assert poisson_noise_floor(rates) == pytest.approx(simulated, rel=0.01)


def test_accuracy_per_local_day_and_week() -> None:
    tz = "Europe/Amsterdam"
    stamps = pd.to_datetime(
        ["2024-01-07T22:30Z", "2024-01-08T08:00Z", "2024-01-08T08:30Z", "2024-01-09T09:00Z"]
    )
    actuals = pd.DataFrame({"unique_id": "A", "ds": stamps, "y": [10.0, 20.0, 30.0, 40.0]})
    forecast = pd.DataFrame({"unique_id": "A", "ds": stamps, "offered": [12.0, 18.0, 30.0, 30.0]})
    table = accuracy_by_period(actuals, forecast, timezone=tz, interval_minutes=30)
    days = table[table["period"] == "day"].set_index("period_start")
    # 22:30Z on Sunday 7 Jan is 23:30 local: it belongs to Sunday
    assert days.loc[date(2024, 1, 7), "wmape"] == pytest.approx(0.2)
    assert days.loc[date(2024, 1, 8), "wmape"] == pytest.approx(2 / 50)
    assert days.loc[date(2024, 1, 8), "accuracy_percent"] == pytest.approx(96.0)
    weeks = table[table["period"] == "week"].set_index("period_start")
    assert set(weeks.index) == {date(2024, 1, 1), date(2024, 1, 8)}
    assert weeks.loc[date(2024, 1, 8), "actual_offered"] == 90
    assert weeks.loc[date(2024, 1, 8), "wmape"] == pytest.approx(12 / 90)


def test_accuracy_sums_finer_actuals_and_needs_aware_times() -> None:
    stamps = pd.to_datetime(["2024-01-08T08:00Z", "2024-01-08T08:15Z"])
    actuals = pd.DataFrame({"unique_id": "A", "ds": stamps, "y": [5.0, 5.0]})
    forecast = pd.DataFrame({"unique_id": "A", "ds": stamps[:1], "offered": [8.0]})
    table = accuracy_by_period(actuals, forecast, timezone="UTC", interval_minutes=30)
    assert table.iloc[0]["actual_offered"] == 10
    assert table.iloc[0]["wmape"] == pytest.approx(0.2)
    with pytest.raises(ValueError, match="timezone-aware"):
        accuracy_by_period(
            actuals.assign(ds=stamps.tz_localize(None)),
            forecast,
            timezone="UTC",
            interval_minutes=30,
        )
