"""Contact rate (people reached per attempt) by site-local hour of week and segment.

Three levels, each an empirical-Bayes beta-binomial shrinking toward the one above it
(`wfm.domain.outbound.stats`):

1. the segment's overall rate;
2. its **daily profile**, one rate per hour of day over all weekdays, shrunk toward (1);
3. each hour of week, shrunk toward the profile's hour scaled by that weekday's level (the
   weekday's contacts over what the profile expects of its attempts, itself shrunk toward 1 by
   `DAY_LEVEL_PSEUDO_CONTACTS`).

The prior of a level has the variance the cells show beyond binomial sampling (method of
moments) plus the uncertainty of the parent it is centred on, so a cell is never held more tightly
to its parent than the parent is known. An hour of week with few attempts thus sits near its
weekday's profile, one without attempts at it, and one with many at its own rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wfm.domain.outbound.attempts import HOURS_PER_WEEK, AttemptTable
from wfm.domain.outbound.stats import (
    LEVEL,
    Floats,
    beta_binomial_dispersion,
    beta_interval,
    beta_prior,
)

DAY_LEVEL_PSEUDO_CONTACTS = 20.0


@dataclass(frozen=True, slots=True)
class RateEstimate:
    """A rate with its posterior mean, 95 % interval and the data behind it."""

    estimate: float
    low: float
    high: float
    trials: int
    successes: int


@dataclass(frozen=True, slots=True, eq=False)
class ContactRates:
    """Contact rate per segment (rows, in `segments` order) and hour of week (168 columns)."""

    segments: tuple[str, ...]
    attempts: Floats
    contacts: Floats
    estimate: Floats
    low: Floats
    high: Floats
    profile: Floats  # (segments, 24): the daily profile, contact rate by local hour of day
    level: float = LEVEL

    def overall(self, segment_code: str) -> float:
        """The segment's contacts per attempt over all hours (0.5 / 1 without attempts)."""
        s = self.segments.index(segment_code)
        return float((self.contacts[s].sum() + 0.5) / (self.attempts[s].sum() + 1.0))

    def attempts_at_hour_of_day(self, segment_code: str, hour_of_day: int) -> int:
        """The segment's attempts at this local hour of day, over all weekdays."""
        s = self.segments.index(segment_code)
        return int(self.attempts[s].reshape(7, 24)[:, hour_of_day % 24].sum())

    def rate(self, segment_code: str, hour_of_week: int) -> RateEstimate:
        s = self.segments.index(segment_code)
        h = hour_of_week % HOURS_PER_WEEK
        return RateEstimate(
            float(self.estimate[s, h]),
            float(self.low[s, h]),
            float(self.high[s, h]),
            int(self.attempts[s, h]),
            int(self.contacts[s, h]),
        )


def estimate_contact_rates(table: AttemptTable) -> ContactRates:
    """Contact rate by segment and hour of week (see the module docstring)."""
    cells = table.segment * HOURS_PER_WEEK + table.hour_of_week
    size = len(table.segments) * HOURS_PER_WEEK
    shape = (len(table.segments), HOURS_PER_WEEK)
    attempts = np.bincount(cells, minlength=size).astype(float).reshape(shape)
    contacts = (
        np.bincount(cells, weights=table.contact, minlength=size).astype(float).reshape(shape)
    )
    rows = [_segment_rates(attempts[s], contacts[s]) for s in range(shape[0])]

    def column(i: int, width: int) -> Floats:
        return np.array([r[i] for r in rows], dtype=float).reshape(shape[0], width)

    return ContactRates(
        segments=table.segments,
        attempts=attempts,
        contacts=contacts,
        estimate=column(0, HOURS_PER_WEEK),
        low=column(1, HOURS_PER_WEEK),
        high=column(2, HOURS_PER_WEEK),
        profile=column(3, 24),
    )


def _segment_rates(attempts: Floats, contacts: Floats) -> tuple[Floats, Floats, Floats, Floats]:
    """One segment's 168 hours: estimate, low, high, and its 24-hour daily profile."""
    n = attempts.reshape(7, 24)
    x = contacts.reshape(7, 24)
    overall = (x.sum() + 0.5) / (n.sum() + 1.0)
    n_hour, x_hour = n.sum(axis=0), x.sum(axis=0)
    hour_strength = _strength(x_hour, n_hour, np.full(24, overall), np.full(24, n.sum() + 1.0))
    a, b = beta_prior(overall, hour_strength)
    profile = (a + x_hour) / (a + b + n_hour)
    expected_day = (n * profile).sum(axis=1)
    # each cell is centred on its parents computed without its own attempts (leave one out), so
    # its own noise is not counted twice
    profile_weight = a + b + n_hour - n  # the profile's "sample size" without the cell
    profile_out = (a + x_hour - x) / profile_weight
    day_contacts = x.sum(axis=1)[:, None] - x + DAY_LEVEL_PSEUDO_CONTACTS
    day_level = day_contacts / (expected_day[:, None] - n * profile + DAY_LEVEL_PSEUDO_CONTACTS)
    mean = np.clip(day_level * profile_out, 1e-6, 1 - 1e-6)
    # the parents' variance in units of mu (1 - mu): the profile's binomial one and the weekday
    # level's relative (Poisson) one
    day_var = mean / ((1 - mean) * day_contacts)
    parent_weight = 1.0 / (1.0 / profile_weight + day_var)
    cell_strength = _strength(x, n, mean, parent_weight)
    a, b = beta_prior(mean, cell_strength)
    low, high = beta_interval(a + x, b + n - x)
    estimate = (a + x) / (a + b + n)
    return estimate.ravel(), low.ravel(), high.ravel(), profile


def _strength(x: Floats, n: Floats, mean: Floats, parent_weight: Floats) -> Floats:
    """The prior strength a + b of each cell: between-cell variance (rho) plus the parent's own
    uncertainty (1 / its weight), both in units of mu (1 - mu)."""
    rho = beta_binomial_dispersion(x, n, mean, 1.0 / parent_weight)
    return np.maximum(1.0 / (rho + 1.0 / parent_weight) - 1.0, 1.0)
