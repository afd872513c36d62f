"""The reforecast measured against the day-ahead forecast (wfm.domain.intraday.reforecast_backtest)
on synthetic days whose truth is known: Poisson arrivals around a level the test sets."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from wfm.domain.intraday import RecentDays, ReforecastConfig, reforecast_queue
from wfm.domain.intraday.reforecast_backtest import (
    calibrate_band,
    fitted_prior_contacts,
    measure_reforecast,
    recent_days_before,
)

MINUTES = 30
SLOTS = 48
# open 08:00-20:00, a morning peak and a slower afternoon; about 2,000 contacts a day
HOURS = np.arange(SLOTS) / 2
PROFILE = np.where(
    (HOURS >= 8) & (HOURS < 20), 60 + 50 * np.exp(-(((HOURS - 10.5) / 1.5) ** 2)), 0.0
)


def days_from(levels: list[float], seed: int) -> tuple[list[date], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    forecast = np.tile(PROFILE, (len(levels), 1))
    actual = rng.poisson(forecast * np.asarray(levels)[:, None]).astype(float)
    days = [date(2024, 3, 4) + timedelta(days=i) for i in range(len(levels))]
    return days, forecast, actual


def test_a_day_30_percent_above_forecast_is_recovered_by_midday() -> None:
    days, forecast, actual = days_from([1.3], seed=1)
    score = measure_reforecast(days, forecast, actual, MINUTES, 12 * 60)
    # damped towards 1 by the prior (k = 40 contacts against ~400 weighted forecast to date)
    assert 1.2 <= score.days[0].applied_ratio <= 1.35
    # day-ahead misses by about 30 %; the reforecast is left with Poisson noise and what the
    # damping left (under 10 %)
    assert score.day_ahead_wmape is not None and score.day_ahead_wmape > 0.2
    assert score.reforecast_wmape is not None and score.reforecast_wmape < 0.1
    assert score.ratio is not None and score.ratio < 0.4
    assert score.candidates["level_oracle"] is not None
    assert score.candidates["level_oracle"] <= score.reforecast_wmape + 0.01


def test_a_day_on_forecast_is_left_almost_alone() -> None:
    days, forecast, actual = days_from([1.0] * 20, seed=2)
    for at in (10 * 60, 12 * 60):
        score = measure_reforecast(days, forecast, actual, MINUTES, at)
        ratios = [day.applied_ratio for day in score.days]
        assert max(abs(r - 1) for r in ratios) < 0.15 and abs(np.mean(ratios) - 1) < 0.03
        # the little noise the update takes in costs at most about a tenth of the error
        assert score.ratio is not None and 0.97 <= score.ratio <= 1.12


def test_a_level_shift_the_day_ahead_forecast_missed_is_learnt_from_the_days_before() -> None:
    # The queue runs 30 % over its day-ahead forecast every day: from the second day on the
    # prior is centred on the days before, so the morning's reforecast is already near the level;
    # centred on 1 the damping holds it back.
    days, forecast, actual = days_from([1.3] * 15, seed=10)
    score = measure_reforecast(days, forecast, actual, MINUTES, 9 * 60)
    # the first day knows no day before: its prior is centred on 1
    starts = [
        datetime(2024, 3, 4, tzinfo=UTC) + timedelta(minutes=MINUTES * i) for i in range(SLOTS)
    ]
    known = np.where(np.arange(SLOTS) < 18, actual[0], np.nan)
    first = reforecast_queue("Q", starts, MINUTES, forecast[0], known, starts[18])
    assert score.days[0].applied_ratio == pytest.approx(first.applied_ratio)
    assert first.prior_ratio == 1.0
    later = [day.applied_ratio for day in score.days[3:]]
    assert abs(np.mean(later) - 1.3) < 0.03
    on_one = score.candidates["prior_on_one"]
    assert score.reforecast_wmape is not None and on_one is not None
    assert score.reforecast_wmape < on_one
    assert recent_days_before(forecast, actual, 5, 3).actual_totals == tuple(
        actual[2:5].sum(axis=1)
    )
    assert recent_days_before(forecast, actual, 0, 14) == RecentDays()


def test_measured_rest_of_day_wmape_is_the_plain_sum_over_the_rest() -> None:
    days, forecast, actual = days_from([1.1, 0.9], seed=3)
    cut = 20  # 10:00
    score = measure_reforecast(days, forecast, actual, MINUTES, cut * MINUTES)
    rest = actual[:, cut:]
    expected = np.abs(rest - forecast[:, cut:]).sum() / rest.sum()
    assert score.day_ahead_wmape == pytest.approx(expected)
    first = np.abs(rest[0] - forecast[0, cut:]).sum() / rest[0].sum()
    assert score.days[0].day_ahead_wmape == pytest.approx(first)


def test_only_the_scored_intervals_count_and_a_day_without_any_is_left_out() -> None:
    days, forecast, actual = days_from([1.1, 0.2, 0.9, 1.0], seed=11)
    cut = 24  # 12:00
    scored = np.ones_like(forecast, dtype=bool)
    scored[1] = False  # a holiday the backtest imputes: not scored
    scored[2, 30:34] = False  # a few missing intervals
    score = measure_reforecast(days, forecast, actual, MINUTES, cut * MINUTES, scored=scored)
    assert score.days_left_out == (days[1],)
    assert [d.day for d in score.days] == [days[0], days[2], days[3]]
    mask = scored[:, cut:]
    rest, rest_forecast = actual[:, cut:], forecast[:, cut:]
    expected = np.abs(rest - rest_forecast)[mask].sum() / rest[mask].sum()
    assert score.day_ahead_wmape == pytest.approx(expected)
    third = mask[2]
    assert score.days[1].day_ahead_wmape == pytest.approx(
        np.abs(rest[2] - rest_forecast[2])[third].sum() / rest[2][third].sum()
    )
    # the day left out still sets the level the days after it are centred on
    unscored = measure_reforecast(days, forecast, actual, MINUTES, cut * MINUTES)
    assert score.days[1].applied_ratio == unscored.days[2].applied_ratio
    with pytest.raises(ValueError, match="scored needs"):
        measure_reforecast(days, forecast, actual, MINUTES, cut * MINUTES, scored=scored[:, :3])


def test_prior_fitted_on_past_days_matches_the_day_level_variance() -> None:
    rng = np.random.default_rng(4)
    levels = list(1 + 0.1 * rng.standard_normal(400))  # tau = 0.1: k = 100
    _, forecast, actual = days_from(levels, seed=5)
    k = fitted_prior_contacts(forecast, actual)
    assert k is not None and 70 < k < 140
    # days exactly as Poisson around the forecast: no level variance, no prior
    _, forecast, actual = days_from([1.0] * 50, seed=6)
    assert (fitted_prior_contacts(forecast, actual) or 1e9) > 1000


def test_band_calibrated_on_past_days_covers_80_percent_of_new_days() -> None:
    rng = np.random.default_rng(7)
    levels = list(1 + 0.12 * rng.standard_normal(120))
    days, forecast, actual = days_from(levels, seed=8)
    quantiles = calibrate_band(forecast[:60], actual[:60], MINUTES, [10 * 60, 12 * 60])
    config = replace(ReforecastConfig(), band_quantiles_80=quantiles)
    for at in (10 * 60, 12 * 60):
        score = measure_reforecast(days[60:], forecast[60:], actual[60:], MINUTES, at, config)
        assert score.coverage_80 is not None and 0.74 <= score.coverage_80 <= 0.86


def test_the_band_is_calibrated_on_the_scored_intervals_only() -> None:
    rng = np.random.default_rng(12)
    levels = list(1 + 0.12 * rng.standard_normal(60))
    _, forecast, actual = days_from(levels, seed=13)
    # every sixth day's intervals reversed: far off its forecast's shape, as a holiday would be,
    # with its total (and so the recent level of the days after it) unchanged
    wild = actual.copy()
    wild[::6] = actual[::6, ::-1]
    scored = np.ones_like(forecast, dtype=bool)
    scored[::6] = False
    at = [10 * 60, 12 * 60]
    masked = calibrate_band(forecast, wild, MINUTES, at, scored=scored)
    assert masked == calibrate_band(forecast, actual, MINUTES, at, scored=scored)
    low, high = calibrate_band(forecast, wild, MINUTES, at)
    assert low < masked[0] and high > masked[1]


def test_reforecast_band_is_exact_on_intervals_over_and_widens_with_the_forecast() -> None:
    start = datetime(2024, 3, 4, 8, tzinfo=UTC)
    starts = [start + timedelta(minutes=30 * i) for i in range(6)]
    forecast = [100.0, 100.0, 100.0, 100.0, 200.0, 0.0]
    actual = [110.0, 120.0, np.nan, np.nan, np.nan, np.nan]
    re = reforecast_queue("Q", starts, 30, forecast, actual, start + timedelta(hours=1))
    assert list(re.reforecast_lo80[:2]) == [110.0, 120.0] == list(re.reforecast_hi80[:2])
    rest = re.reforecast_offered[2:5]
    assert np.all(re.reforecast_lo80[2:5] < rest) and np.all(rest < re.reforecast_hi80[2:5])
    width = re.reforecast_hi80 - re.reforecast_lo80
    assert width[4] > width[3] > 0 and width[5] == 0


def test_bad_input_is_refused() -> None:
    days, forecast, actual = days_from([1.0], seed=9)
    with pytest.raises(ValueError, match="interval start"):
        measure_reforecast(days, forecast, actual, MINUTES, 10 * 60 + 7)
    with pytest.raises(ValueError, match="one row per day"):
        measure_reforecast(days, forecast, actual[:, :10], MINUTES, 10 * 60)
