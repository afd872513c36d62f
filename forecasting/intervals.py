"""Prediction intervals by normalised split-conformal calibration on backtest residuals.

The spread of contact counts grows with their level (Poisson-like, plus day-to-day variation),
so residuals are first divided by a scale fitted to the backtest: s(f)^2 = c + a*f + b*f^2
(non-negative least squares on squared residuals against the forecast f). The lower and upper
bands of a level come from the empirical quantiles of the normalised signed residuals, with the
finite-sample correction of split conformal prediction, so skew (counts cannot go below zero,
spikes go up) is kept. Bands are clipped at zero.

Because the band is a function of the point forecast, it can be recomputed after the forecast is
rescaled by holiday or special-day rules.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import nnls
from scipy.stats import norm


@dataclass(frozen=True)
class IntervalCalibration:
    """A fitted band: scale coefficients and normalised residual quantiles per level."""

    variance_floor: float
    variance_linear: float
    variance_quadratic: float
    quantiles: dict[int, tuple[float, float]] = field(default_factory=dict)
    n_scores: int = 0
    method: str = "conformal"

    def scale(self, mean: np.ndarray) -> np.ndarray:
        clipped = np.maximum(np.asarray(mean, dtype=float), 0.0)
        variance = (
            self.variance_floor
            + self.variance_linear * clipped
            + self.variance_quadratic * clipped * clipped
        )
        return np.sqrt(np.maximum(variance, 1e-12))

    def bounds(self, mean: np.ndarray, level: int) -> tuple[np.ndarray, np.ndarray]:
        low_q, high_q = self.quantiles[level]
        clipped = np.maximum(np.asarray(mean, dtype=float), 0.0)
        s = self.scale(clipped)
        return np.maximum(clipped + low_q * s, 0.0), np.maximum(clipped + high_q * s, 0.0)


def _conformal_quantile(scores: np.ndarray, probability: float, upper: bool) -> float:
    n_scores = scores.size
    if upper:
        rank = min(math.ceil((n_scores + 1) * probability), n_scores)
        return float(np.sort(scores)[rank - 1])
    rank = max(math.floor((n_scores + 1) * probability), 1)
    return float(np.sort(scores)[rank - 1])


def fit_calibration(
    actual: np.ndarray, forecast: np.ndarray, levels: Sequence[int]
) -> IntervalCalibration:
    """Calibrate bands on paired backtest actuals and forecasts (at least 20 pairs)."""
    actual = np.asarray(actual, dtype=float)
    f = np.maximum(np.asarray(forecast, dtype=float), 0.0)
    keep = ~(np.isnan(actual) | np.isnan(f))
    actual, f = actual[keep], f[keep]
    if actual.size < 20:
        return poisson_calibration(levels)
    # relative weights keep the busy intervals from dictating the spread of the quiet ones
    weight = 1.0 / (1.0 + f)
    design = np.column_stack([np.ones_like(f), f, f * f]) * weight[:, None]
    coefficients, _ = nnls(design, (actual - f) ** 2 * weight)
    floor = max(float(coefficients[0]), 0.25)
    calibration = IntervalCalibration(
        variance_floor=floor,
        variance_linear=float(coefficients[1]),
        variance_quadratic=float(coefficients[2]),
        n_scores=int(actual.size),
    )
    scores = (actual - f) / calibration.scale(f)
    quantiles = {}
    for level in levels:
        alpha = 1.0 - level / 100.0
        quantiles[int(level)] = (
            _conformal_quantile(scores, alpha / 2.0, upper=False),
            _conformal_quantile(scores, 1.0 - alpha / 2.0, upper=True),
        )
    return IntervalCalibration(
        variance_floor=floor,
        variance_linear=calibration.variance_linear,
        variance_quadratic=calibration.variance_quadratic,
        quantiles=quantiles,
        n_scores=int(actual.size),
    )


def poisson_calibration(levels: Sequence[int]) -> IntervalCalibration:
    """Uncalibrated fallback: Poisson spread with normal quantiles (used without a backtest)."""
    quantiles = {}
    for level in levels:
        normal_quantile = float(norm.ppf(0.5 + level / 200.0))
        quantiles[int(level)] = (-normal_quantile, normal_quantile)
    return IntervalCalibration(
        variance_floor=0.25,
        variance_linear=1.0,
        variance_quadratic=0.0,
        quantiles=quantiles,
        method="poisson",
    )


def cross_conformal_coverage(
    actual: np.ndarray, forecast: np.ndarray, fold: np.ndarray, levels: Sequence[int]
) -> dict[int, float | None]:
    """Measured coverage: each fold's bands are calibrated on the other folds only."""
    actual = np.asarray(actual, dtype=float)
    f = np.asarray(forecast, dtype=float)
    folds = np.unique(fold)
    if folds.size < 2:
        return {int(level): None for level in levels}
    hits = {int(level): 0 for level in levels}
    total = 0
    for cutoff in folds:
        test = fold == cutoff
        calibration = fit_calibration(actual[~test], f[~test], levels)
        total += int(test.sum())
        for level in levels:
            low, high = calibration.bounds(f[test], int(level))
            hits[int(level)] += int(((actual[test] >= low) & (actual[test] <= high)).sum())
    return {level: (hits[level] / total if total else None) for level in hits}


__all__ = [
    "IntervalCalibration",
    "cross_conformal_coverage",
    "fit_calibration",
    "poisson_calibration",
]
