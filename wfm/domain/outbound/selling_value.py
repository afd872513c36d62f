"""The value of a selling hour, per agent, campaign (and the segment it calls) and hour of week.

    value = attempts per productive hour (campaign)
            x contact rate (segment, site-local hour of week)
            x conversion (campaign, segment) x proficiency (agent)
            x mean sale value (campaign, segment)
            x list factor (the share of those attempts the lead list can still supply)

with a 95 % interval from the relative errors of the factors added on the log scale (delta
method; the factors are estimated from disjoint parts of the data or nearly so). When the
campaign's calls to the segment fall short of `MIN_ATTEMPTS` attempts or `MIN_SALES` sales, the
data cannot carry the estimate: the value is the campaign's typed value for that local hour of day
(`Campaign.value_per_productive_hour_by_hour`) with `source = "typed"` and the reason.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from wfm.domain.outbound.attempts import HOURS_PER_WEEK, AttemptTable
from wfm.domain.outbound.contact_rate import ContactRates, estimate_contact_rates
from wfm.domain.outbound.conversion import (
    DEFAULT_DIAL_SECONDS_PER_ATTEMPT,
    Z95,
    AttemptPace,
    CampaignSegmentEstimate,
    Interval,
    estimate_conversions,
    estimate_paces,
)
from wfm.domain.outbound.proficiency import Proficiencies, estimate_proficiencies

MIN_ATTEMPTS = 1_000  # attempts of a campaign to a segment before its value is estimated
MIN_SALES = 20  # sales among them (the mean sale value needs a few)
# attempts to the segment at the local hour of day, over all weekdays: below it the hour was
# (nearly) never called and its contact rate would be the segment's average, not the hour's
MIN_HOUR_OF_DAY_ATTEMPTS = 30

Source = Literal["estimated", "typed"]


@dataclass(frozen=True, slots=True, eq=False)
class OutboundEstimates:
    """Everything the attempts say, estimated once (`estimate_outbound`)."""

    contact_rates: ContactRates
    conversions: tuple[CampaignSegmentEstimate, ...]
    proficiencies: Proficiencies
    paces: tuple[AttemptPace, ...]

    def conversion(self, campaign_code: str, segment_code: str) -> CampaignSegmentEstimate | None:
        for e in self.conversions:
            if e.campaign_code == campaign_code and e.segment_code == segment_code:
                return e
        return None

    def pace(self, campaign_code: str) -> AttemptPace | None:
        return next((p for p in self.paces if p.campaign_code == campaign_code), None)


def estimate_outbound(
    table: AttemptTable, dial_seconds_per_attempt: float = DEFAULT_DIAL_SECONDS_PER_ATTEMPT
) -> OutboundEstimates:
    conversions = estimate_conversions(table)
    return OutboundEstimates(
        contact_rates=estimate_contact_rates(table),
        conversions=conversions,
        proficiencies=estimate_proficiencies(table, conversions),
        paces=estimate_paces(table, dial_seconds_per_attempt),
    )


@dataclass(frozen=True, slots=True)
class SellingHourValue:
    """Value per productive hour of one agent selling one campaign to one segment in one hour."""

    value_per_productive_hour: float
    low: float | None  # 95 % interval; None for a typed value
    high: float | None
    source: Source
    reason: str  # why typed, or what the estimate rests on


def selling_hour_value(
    estimates: OutboundEstimates,
    *,
    agent_code: str,
    campaign_code: str,
    segment_code: str,
    hour_of_week: int,
    typed_value_by_hour: Sequence[float],
    list_factor: float = 1.0,
) -> SellingHourValue:
    """See the module docstring. `hour_of_week` is site-local, 0 = Monday 00:00."""
    if len(typed_value_by_hour) != 24:
        raise ValueError("typed_value_by_hour needs 24 values")
    if not 0.0 <= list_factor <= 1.0:
        raise ValueError("list_factor must lie in [0, 1]")
    hour = hour_of_week % HOURS_PER_WEEK
    typed = float(typed_value_by_hour[hour % 24])
    pair = estimates.conversion(campaign_code, segment_code)
    pace = estimates.pace(campaign_code)
    shortfall = _shortfall(estimates, pair, campaign_code, segment_code, hour)
    if shortfall or pair is None or pair.mean_sale_value is None or pace is None:
        return SellingHourValue(typed, None, None, "typed", shortfall or "no attempts")
    contact = estimates.contact_rates.rate(segment_code, hour)
    proficiency = estimates.proficiencies.of(agent_code)
    factors = (
        pace.attempts_per_hour,
        Interval(contact.estimate, contact.low, contact.high),
        pair.conversion,
        Interval(proficiency.estimate, proficiency.low, proficiency.high),
        pair.mean_sale_value,
    )
    value = math.prod(f.estimate for f in factors) * list_factor
    rel = math.sqrt(sum(_relative_se(f) ** 2 for f in factors))
    return SellingHourValue(
        value,
        value * math.exp(-Z95 * rel),
        value * math.exp(Z95 * rel),
        "estimated",
        f"{pair.attempts} attempts, {pair.sales} sales of {campaign_code} to {segment_code}; "
        f"{contact.trials} attempts at this hour of week",
    )


def selling_hour_values_by_hour_of_week(
    estimates: OutboundEstimates,
    *,
    agent_code: str,
    campaign_code: str,
    segment_code: str,
    typed_value_by_hour: Sequence[float],
    list_factor: float = 1.0,
) -> tuple[SellingHourValue, ...]:
    """`selling_hour_value` for each of the 168 site-local hours of the week."""
    return tuple(
        selling_hour_value(
            estimates,
            agent_code=agent_code,
            campaign_code=campaign_code,
            segment_code=segment_code,
            hour_of_week=hour,
            typed_value_by_hour=typed_value_by_hour,
            list_factor=list_factor,
        )
        for hour in range(HOURS_PER_WEEK)
    )


def _shortfall(
    estimates: OutboundEstimates,
    pair: CampaignSegmentEstimate | None,
    campaign_code: str,
    segment_code: str,
    hour_of_week: int,
) -> str:
    """Why the data cannot carry an estimate ('' when it can)."""
    attempts = pair.attempts if pair else 0
    sales = pair.sales if pair else 0
    if attempts < MIN_ATTEMPTS or sales < MIN_SALES:
        return (
            f"{attempts} attempts and {sales} sales of {campaign_code} to {segment_code}, "
            f"below the minimum of {MIN_ATTEMPTS} attempts and {MIN_SALES} sales"
        )
    at_hour = estimates.contact_rates.attempts_at_hour_of_day(segment_code, hour_of_week % 24)
    if at_hour < MIN_HOUR_OF_DAY_ATTEMPTS:
        return (
            f"{at_hour} attempts to {segment_code} at {hour_of_week % 24:02d}:00 on any day, "
            f"below the minimum of {MIN_HOUR_OF_DAY_ATTEMPTS}"
        )
    return ""


def campaign_selling_hour_value(
    estimates: OutboundEstimates,
    *,
    agent_code: str,
    campaign_code: str,
    segment_shares: Mapping[str, float],
    hour_of_week: int,
    typed_value_by_hour: Sequence[float],
    list_factors: Mapping[str, float] | None = None,
) -> SellingHourValue:
    """A campaign that calls several segments: each segment's value weighted by its share of the
    campaign's attempts (its lead lists' callable leads, say), each with its own list factor.
    Estimated only when every segment's value is; otherwise the typed value, with the reasons.
    The interval adds the segments' bounds (as if their errors moved together: wide, never
    narrow)."""
    total = sum(segment_shares.values())
    if not segment_shares or total <= 0 or min(segment_shares.values()) < 0:
        raise ValueError("segment_shares need shares >= 0 with a positive sum")
    parts = [
        (
            share / total,
            selling_hour_value(
                estimates,
                agent_code=agent_code,
                campaign_code=campaign_code,
                segment_code=segment,
                hour_of_week=hour_of_week,
                typed_value_by_hour=typed_value_by_hour,
                list_factor=(list_factors or {}).get(segment, 1.0),
            ),
        )
        for segment, share in segment_shares.items()
    ]
    if any(v.source == "typed" for _, v in parts):
        typed = float(typed_value_by_hour[hour_of_week % 24])
        reasons = "; ".join(v.reason for _, v in parts if v.source == "typed")
        return SellingHourValue(typed, None, None, "typed", reasons)
    return SellingHourValue(
        sum(w * v.value_per_productive_hour for w, v in parts),
        sum(w * (v.low or 0.0) for w, v in parts),
        sum(w * (v.high or 0.0) for w, v in parts),
        "estimated",
        "; ".join(f"{share:.0%}: {v.reason}" for share, v in parts),
    )


def _relative_se(x: Interval) -> float:
    return (x.high - x.low) / (2 * Z95 * x.estimate) if x.estimate > 0 else 0.0
