"""Selling played out call by call: the attempts, contacts, sales and revenue of agents selling,
drawn from what the dialer data says (`OutboundEstimates`).

One **selling slot** is one agent selling one campaign for some productive hours (scheduled hours
x the campaign's efficiency) in one site-local hour of the week. For each segment the campaign
calls (its share of the campaign's attempts):

    attempts ~ Poisson(attempts per productive hour (campaign) x productive hours x share)
    contacts ~ Binomial(attempts, contact rate (segment, hour of week))
    sales    ~ Binomial(contacts, conversion (campaign, segment) x proficiency (agent), at most 1)
    revenue  = sales x mean sale value (campaign, segment)

A campaign and segment the data cannot carry (too few attempts or sales, `MIN_ATTEMPTS`,
`MIN_SALES`) earns its typed value per productive hour at that local hour, as its expectation.
The draws are inverse distribution functions of uniforms the caller gives, three per slot and
segment, so two plays with the same uniforms and the same selling draw the same calls (common
random numbers). Lists are taken as deep enough for a day (no depletion).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.stats import binom, poisson

from wfm.domain.outbound.selling_value import MIN_ATTEMPTS, MIN_SALES, OutboundEstimates

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class SellingSlot:
    agent_code: str
    campaign_code: str
    hour_of_week: int  # site-local, 0 = Monday 00:00
    productive_hours: float
    key: int = 0  # which uniforms the slot draws with (the caller's index)


@dataclass(frozen=True, slots=True)
class SellingTotals:
    attempts: int
    contacts: int
    sales: int
    revenue: float
    revenue_by_campaign: dict[str, float]


@dataclass(frozen=True, slots=True)
class _Part:
    share: float
    attempts_per_hour: float
    contact_rate: float
    conversion: float
    mean_sale_value: float


def _parts(
    estimates: OutboundEstimates,
    campaign_code: str,
    shares: Mapping[str, float],
    agent_code: str,
    hour_of_week: int,
) -> list[_Part] | None:
    """The campaign's segments as the data says them for this agent and hour; None when the
    data cannot carry one of them."""
    pace = estimates.pace(campaign_code)
    total = sum(shares.values())
    if pace is None or total <= 0:
        return None
    proficiency = estimates.proficiencies.of(agent_code).estimate
    parts = []
    for segment, share in sorted(shares.items()):
        pair = estimates.conversion(campaign_code, segment)
        if (
            pair is None
            or pair.mean_sale_value is None
            or pair.attempts < MIN_ATTEMPTS
            or pair.sales < MIN_SALES
            or segment not in estimates.contact_rates.segments
        ):
            return None
        parts.append(
            _Part(
                share / total,
                pace.attempts_per_hour.estimate,
                estimates.contact_rates.rate(segment, hour_of_week).estimate,
                min(1.0, pair.conversion.estimate * proficiency),
                pair.mean_sale_value.estimate,
            )
        )
    return parts


def draw_selling(
    slots: Sequence[SellingSlot],
    estimates: OutboundEstimates,
    segment_shares: Mapping[str, Mapping[str, float]],
    typed_value_by_hour: Mapping[str, Sequence[float]],
    uniforms: FloatArray,
) -> SellingTotals:
    """The slots' calls drawn (see the module docstring). `segment_shares[campaign]` are its
    segments' shares of attempts; `uniforms[key, j]` are the uniforms of the slot with that key,
    three per segment in the segments' sorted order (j = 3 x segment + 0, 1, 2)."""
    known: dict[tuple[str, str, int], list[_Part] | None] = {}
    rows: list[tuple[int, int, float, _Part, str]] = []
    revenue_by_campaign: dict[str, float] = {}
    expected = 0.0
    for slot in slots:
        look = (slot.agent_code, slot.campaign_code, slot.hour_of_week)
        if look not in known:
            shares = segment_shares.get(slot.campaign_code, {})
            known[look] = _parts(
                estimates, slot.campaign_code, shares, slot.agent_code, slot.hour_of_week
            )
        parts = known[look]
        if parts is None:
            typed = typed_value_by_hour.get(slot.campaign_code, ())
            value = float(typed[slot.hour_of_week % 24]) * slot.productive_hours if typed else 0.0
            revenue_by_campaign[slot.campaign_code] = (
                revenue_by_campaign.get(slot.campaign_code, 0.0) + value
            )
            expected += value
            continue
        for j, part in enumerate(parts):
            rows.append((slot.key, j, slot.productive_hours, part, slot.campaign_code))
    if not rows:
        return SellingTotals(0, 0, 0, expected, revenue_by_campaign)
    keys = np.array([r[0] for r in rows])
    cols = np.array([3 * r[1] for r in rows])
    mean_attempts = np.array([r[3].share * r[3].attempts_per_hour * r[2] for r in rows])
    contact = np.array([r[3].contact_rate for r in rows])
    conversion = np.array([r[3].conversion for r in rows])
    sale_value = np.array([r[3].mean_sale_value for r in rows])
    attempts = poisson.ppf(uniforms[keys, cols], mean_attempts)
    contacts = binom.ppf(uniforms[keys, cols + 1], attempts, contact)
    sales = binom.ppf(uniforms[keys, cols + 2], contacts, conversion)
    attempts, contacts, sales = (
        np.maximum(np.nan_to_num(x), 0.0) for x in (attempts, contacts, sales)
    )
    revenue = sales * sale_value
    for (_k, _j, _h, _p, campaign), amount in zip(rows, revenue, strict=True):
        revenue_by_campaign[campaign] = revenue_by_campaign.get(campaign, 0.0) + float(amount)
    return SellingTotals(
        int(attempts.sum()),
        int(contacts.sum()),
        int(sales.sum()),
        float(revenue.sum()) + expected,
        revenue_by_campaign,
    )
