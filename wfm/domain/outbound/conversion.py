"""Conversion, sale value and value per contact by campaign and segment; attempts per hour.

- **Conversion** = sales / contacts of a campaign's calls to a segment, with the Jeffreys
  posterior Beta(sales + 1/2, contacts - sales + 1/2): its mean and 95 % equal-tailed interval
  (Brown, Cai and DasGupta 2001 recommend this interval for a binomial proportion).
- **Mean sale value** = mean revenue of its sales, with a normal 95 % interval (standard error
  = sample standard deviation / sqrt(sales)); none below two sales.
- **Value per contact** = conversion x mean sale value; its interval combines the two relative
  standard errors on the log scale (delta method).
- **Attempts per productive hour** of a campaign = 3600 / (mean talk + wrap seconds per attempt
  + the dial seconds an agent waits per attempt, a stated constant since dialers do not report
  it), with the interval of the mean handle time carried through.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from wfm.domain.outbound.attempts import AttemptTable
from wfm.domain.outbound.stats import LEVEL, Floats, beta_interval

Z95 = 1.959963984540054
# Seconds an agent waits on the dialer per attempt (ringing, no-answer detection), beyond the
# talk and wrap time the attempt records.
DEFAULT_DIAL_SECONDS_PER_ATTEMPT = 20.0


@dataclass(frozen=True, slots=True)
class Interval:
    estimate: float
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class CampaignSegmentEstimate:
    """What one campaign's calls to one segment show."""

    campaign_code: str
    segment_code: str
    attempts: int
    contacts: int
    sales: int
    conversion: Interval  # sales per contact
    mean_sale_value: Interval | None  # None below two sales
    value_per_contact: Interval | None


@dataclass(frozen=True, slots=True)
class AttemptPace:
    """Attempts an agent makes per productive hour on a campaign."""

    campaign_code: str
    attempts: int
    mean_handle_seconds: float
    dial_seconds_per_attempt: float
    attempts_per_hour: Interval


def jeffreys(successes: float, trials: float, level: float = LEVEL) -> Interval:
    """Posterior mean and equal-tailed interval of a proportion under Jeffreys' prior."""
    a, b = successes + 0.5, trials - successes + 0.5
    low, high = beta_interval(a, b, level)
    return Interval(a / (a + b), float(low), float(high))


def mean_interval(values: Floats) -> Interval | None:
    """Sample mean with a normal 95 % interval; None below two values."""
    if values.size < 2:
        return None
    mean = float(values.mean())
    half = Z95 * float(values.std(ddof=1)) / math.sqrt(values.size)
    return Interval(mean, max(0.0, mean - half), mean + half)


def product_interval(first: Interval, second: Interval) -> Interval:
    """The product of two independent positive estimates, relative errors added on the log
    scale (each relative error from its interval's half-width over 1.96)."""
    value = first.estimate * second.estimate
    if value <= 0:
        return Interval(value, 0.0, first.high * second.high)
    rel = math.hypot(_relative_se(first), _relative_se(second))
    return Interval(value, value * math.exp(-Z95 * rel), value * math.exp(Z95 * rel))


def _relative_se(x: Interval) -> float:
    return (x.high - x.low) / (2 * Z95 * x.estimate) if x.estimate > 0 else 0.0


def estimate_conversions(table: AttemptTable) -> tuple[CampaignSegmentEstimate, ...]:
    """Every campaign and segment pair that has attempts."""
    found = []
    pairs = table.campaign * max(1, len(table.segments)) + table.segment
    for key in np.unique(pairs):
        mask = pairs == key
        c, s = divmod(int(key), max(1, len(table.segments)))
        contacts, sales = int(table.contact[mask].sum()), int(table.sale[mask].sum())
        conversion = jeffreys(sales, contacts)
        sale_value = mean_interval(table.revenue[mask & table.sale])
        found.append(
            CampaignSegmentEstimate(
                campaign_code=table.campaigns[c],
                segment_code=table.segments[s],
                attempts=int(mask.sum()),
                contacts=contacts,
                sales=sales,
                conversion=conversion,
                mean_sale_value=sale_value,
                value_per_contact=None
                if sale_value is None
                else product_interval(conversion, sale_value),
            )
        )
    return tuple(found)


def estimate_paces(
    table: AttemptTable, dial_seconds_per_attempt: float = DEFAULT_DIAL_SECONDS_PER_ATTEMPT
) -> tuple[AttemptPace, ...]:
    """Attempts per productive hour of every campaign with at least two attempts."""
    if not dial_seconds_per_attempt > 0:
        raise ValueError("dial_seconds_per_attempt must be > 0")
    paces = []
    for c, code in enumerate(table.campaigns):
        handle = mean_interval(table.handle_seconds[table.campaign == c])
        if handle is None:
            continue
        per_attempt = handle.estimate + dial_seconds_per_attempt
        paces.append(
            AttemptPace(
                campaign_code=code,
                attempts=int((table.campaign == c).sum()),
                mean_handle_seconds=handle.estimate,
                dial_seconds_per_attempt=dial_seconds_per_attempt,
                attempts_per_hour=Interval(
                    3600.0 / per_attempt,
                    3600.0 / (handle.high + dial_seconds_per_attempt),
                    3600.0 / (handle.low + dial_seconds_per_attempt),
                ),
            )
        )
    return tuple(paces)
