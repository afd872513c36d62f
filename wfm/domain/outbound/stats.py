"""Posterior intervals and empirical-Bayes prior strengths for counts (numpy, vectorised).

Two conjugate families carry every outbound estimate:

- **Beta-binomial** for a rate (contacts per attempt, sales per contact): a Beta(a, b) prior and
  x successes in n trials give the posterior Beta(a + x, b + n - x); its mean is the estimate and
  its 2.5 % and 97.5 % quantiles the 95 % interval.
- **Gamma-Poisson** for a multiplier on an expected count (an agent's sales against what the team
  would have sold on the same contacts): a Gamma(alpha, alpha) prior (mean 1) and y events where E
  were expected give Gamma(alpha + y, alpha + E).

The prior's strength is estimated from the spread of the groups themselves (the method of moments
of empirical Bayes; Efron and Morris 1975, Morris 1983): the variance the groups show beyond what
sampling alone explains is the variance of the prior. No prior pseudo-count falls below Jeffreys'
1/2, so every posterior mean lies inside its own 95 % interval.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

LEVEL = 0.95
MIN_PSEUDO_COUNT = 0.5  # Jeffreys: no prior shape parameter below 1/2
MAX_DISPERSION = 0.999

Floats = NDArray[np.float64]


def beta_interval(a: ArrayLike, b: ArrayLike, level: float = LEVEL) -> tuple[Floats, Floats]:
    """The equal-tailed `level` interval of Beta(a, b), element by element."""
    tail = (1.0 - level) / 2.0
    a_, b_ = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return special.betaincinv(a_, b_, tail), special.betaincinv(a_, b_, 1.0 - tail)


def gamma_interval(
    shape: ArrayLike, rate: ArrayLike, level: float = LEVEL
) -> tuple[Floats, Floats]:
    """The equal-tailed `level` interval of Gamma(shape, rate), element by element."""
    tail = (1.0 - level) / 2.0
    k, r = np.asarray(shape, dtype=float), np.asarray(rate, dtype=float)
    return special.gammaincinv(k, tail) / r, special.gammaincinv(k, 1.0 - tail) / r


def beta_prior(mean: ArrayLike, strength: ArrayLike) -> tuple[Floats, Floats]:
    """Beta(a, b) with the given mean and a + b = strength, neither shape below 1/2."""
    m = np.clip(np.asarray(mean, dtype=float), 1e-9, 1.0 - 1e-9)
    s = np.asarray(strength, dtype=float)
    return np.maximum(m * s, MIN_PSEUDO_COUNT), np.maximum((1.0 - m) * s, MIN_PSEUDO_COUNT)


def beta_binomial_dispersion(
    successes: ArrayLike, trials: ArrayLike, mean: ArrayLike, mean_variance: ArrayLike = 0.0
) -> float:
    """rho, the intra-group correlation of a beta-binomial (the prior Beta(a, b) with
    rho = 1 / (a + b + 1)), by the method of moments over groups centred on `mean`:
    E[(x/n - mean)^2] = mu (1 - mu) ((1 + (n - 1) rho) / n + v), each group weighted by its
    trials, where v (`mean_variance`, in units of mu (1 - mu)) is the variance of an estimated
    mean. Zero when the groups spread no more than sampling explains."""
    x, n = np.asarray(successes, dtype=float), np.asarray(trials, dtype=float)
    mu = np.clip(np.broadcast_to(np.asarray(mean, dtype=float), n.shape), 1e-9, 1.0 - 1e-9)
    v = np.broadcast_to(np.asarray(mean_variance, dtype=float), n.shape)
    seen = n > 0
    if not seen.any():
        return 0.0
    x, n, mu, v = x[seen], n[seen], mu[seen], v[seen]
    spread = np.sum(n * (x / n - mu) ** 2 - mu * (1.0 - mu) * (1.0 + n * v))
    scale = np.sum(mu * (1.0 - mu) * (n - 1.0))
    if scale <= 0:
        return 0.0
    return float(np.clip(spread / scale, 0.0, MAX_DISPERSION))


def gamma_poisson_dispersion(observed: ArrayLike, expected: ArrayLike) -> float:
    """1 / alpha, the variance of a mean-1 gamma multiplier, by the method of moments over groups:
    E[(y - E)^2] = E + E^2 / alpha, each group weighted by its expected count. Zero when the
    groups spread no more than Poisson sampling explains."""
    y, e = np.asarray(observed, dtype=float), np.asarray(expected, dtype=float)
    seen = e > 0
    if not seen.any():
        return 0.0
    y, e = y[seen], e[seen]
    return float(max(0.0, np.sum((y - e) ** 2 - e) / np.sum(e**2)))
