"""Conformal bands: calibrated coverage on fresh data, ordering, cross-conformal reporting."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting.intervals import (
    cross_conformal_coverage,
    fit_calibration,
    poisson_calibration,
)


def _overdispersed(rng: np.random.Generator, rates: np.ndarray) -> np.ndarray:
    # day-to-day level changes on top of Poisson noise, as in real contact data
    return rng.poisson(rates * rng.gamma(30.0, 1 / 30.0, size=rates.size))


def test_bands_hold_their_level_on_fresh_data() -> None:
    rng = np.random.default_rng(3)
    rates = rng.uniform(0.2, 150.0, size=4000)
    calibration = fit_calibration(_overdispersed(rng, rates), rates, (80, 95))
    fresh_rates = rng.uniform(0.2, 150.0, size=20000)
    fresh = _overdispersed(rng, fresh_rates)
    for level, lo_ok, hi_ok in ((80, 0.77, 0.83), (95, 0.935, 0.965)):
        low, high = calibration.bounds(fresh_rates, level)
        coverage = np.mean((fresh >= low) & (fresh <= high))
        assert lo_ok <= coverage <= hi_ok


def test_cross_conformal_coverage_is_near_the_level() -> None:
    rng = np.random.default_rng(4)
    rates = rng.uniform(1.0, 80.0, size=3000)
    actual = _overdispersed(rng, rates)
    fold = np.repeat(np.arange(4), 750)
    measured = cross_conformal_coverage(actual, rates, fold, (80, 95))
    assert measured[80] is not None and 0.76 <= measured[80] <= 0.84
    assert measured[95] is not None and 0.93 <= measured[95] <= 0.97
    single = cross_conformal_coverage(actual, rates, np.zeros(3000), (80,))
    assert single == {80: None}


def test_too_few_scores_fall_back_to_poisson() -> None:
    calibration = fit_calibration(np.array([1.0, 2.0]), np.array([1.0, 2.0]), (80,))
    assert calibration.method == "poisson"
    assert poisson_calibration((80,)).quantiles[80][1] > 1.28


@settings(deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=1000), min_size=1, max_size=50))
def test_bands_nest_and_never_go_negative(means: list[float]) -> None:
    rng = np.random.default_rng(5)
    rates = rng.uniform(0.5, 100.0, size=500)
    calibration = fit_calibration(rng.poisson(rates), rates, (80, 95))
    m = np.array(means)
    lo80, hi80 = calibration.bounds(m, 80)
    lo95, hi95 = calibration.bounds(m, 95)
    assert (lo95 >= 0).all()
    assert (lo95 <= lo80 + 1e-9).all() and (lo80 <= m + 1e-9).all()
    assert (m <= hi80 + 1e-9).all() and (hi80 <= hi95 + 1e-9).all()
