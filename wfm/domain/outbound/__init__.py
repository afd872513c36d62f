"""What the dialer data says about selling (pure): contact rate by hour of week and segment,
conversion and value per contact, agents' proficiency shrunk toward the team, list depletion, and
from them the value of a selling hour (docs/outbound.md, "What the data says")."""

from wfm.domain.outbound.attempts import AttemptTable
from wfm.domain.outbound.contact_rate import ContactRates, RateEstimate, estimate_contact_rates
from wfm.domain.outbound.conversion import (
    AttemptPace,
    CampaignSegmentEstimate,
    Interval,
    estimate_conversions,
    estimate_paces,
)
from wfm.domain.outbound.depletion import ListDepletion
from wfm.domain.outbound.proficiency import (
    AgentProficiency,
    Proficiencies,
    estimate_proficiencies,
)
from wfm.domain.outbound.selling_value import (
    MIN_ATTEMPTS,
    MIN_HOUR_OF_DAY_ATTEMPTS,
    MIN_SALES,
    OutboundEstimates,
    SellingHourValue,
    campaign_selling_hour_value,
    estimate_outbound,
    selling_hour_value,
    selling_hour_values_by_hour_of_week,
)

__all__ = [
    "MIN_ATTEMPTS",
    "MIN_HOUR_OF_DAY_ATTEMPTS",
    "MIN_SALES",
    "AgentProficiency",
    "AttemptPace",
    "AttemptTable",
    "CampaignSegmentEstimate",
    "ContactRates",
    "Interval",
    "ListDepletion",
    "OutboundEstimates",
    "Proficiencies",
    "RateEstimate",
    "SellingHourValue",
    "campaign_selling_hour_value",
    "estimate_contact_rates",
    "estimate_conversions",
    "estimate_outbound",
    "estimate_paces",
    "estimate_proficiencies",
    "selling_hour_value",
    "selling_hour_values_by_hour_of_week",
]
