"""Schemas of a site's roster rules (`wfm.domain.site_rules`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from api.schemas import Day, FreeText, Input, LocalTime
from wfm.domain.site_rules import SEATS_MAX, SHRINKAGE_MAX

MONEY = 1e9  # the largest weight a rule may carry, in the site's currency


class BreakRuleSchema(Input):
    """One break or lunch that every shift of a length in [min, max] takes in its window."""

    kind: Literal["break", "lunch"] = Field(description="break or lunch.", examples=["lunch"])
    minutes: int = Field(ge=1, le=1440, description="Length, minutes.", examples=[30])
    earliest_start_after_shift_start_minutes: int = Field(
        ge=0, le=1440, description="Earliest start, minutes after the shift starts.", examples=[180]
    )
    latest_start_after_shift_start_minutes: int = Field(
        ge=0, le=1440, description="Latest start, minutes after the shift starts.", examples=[300]
    )
    min_shift_minutes: int = Field(
        default=0, ge=0, le=1440, description="Shortest shift it applies to, minutes."
    )
    max_shift_minutes: int | None = Field(
        default=None, ge=0, le=1440, description="Longest shift it applies to; null: no limit."
    )
    paid: bool = Field(default=True, description="false: deducted from the shift's paid time.")


class ContractWageSchema(Input):
    """What a paid hour of one contract costs, and its overtime."""

    contract: str = Field(
        min_length=1,
        max_length=100,
        description="The contract: its name or its code in the roster (stored as the code).",
        examples=["Part-time-20-24-h"],
    )
    hourly_rate: float = Field(
        le=MONEY,
        description="Per paid hour, in the site's currency; never negative.",
        examples=[18],
    )
    overtime_after_weekly_paid_hours: float | None = Field(
        default=None,
        description="Paid hours of a week beyond this are overtime; null: the contract's "
        "weekly paid hours max.",
    )
    overtime_multiplier: float = Field(
        default=1.5, description="Overtime hours cost the hourly rate times this (>= 1)."
    )
    overtime_extra_per_hour: float = Field(
        default=0.0, le=MONEY, description="Plus this per overtime hour."
    )


class PremiumSchema(Input):
    """A surcharge on the paid hours inside a weekly local-time window."""

    kind: str = Field(
        max_length=20,
        description="evening, night, weekend, holiday or other; windows of one kind never "
        "overlap for a contract, different kinds stack.",
        examples=["evening"],
    )
    start_local: LocalTime = Field(description="Window start, local, on a 15-minute boundary.")
    end_local: LocalTime = Field(
        description="Window end (at or before the start: the next day; 00:00-00:00: all day)."
    )
    weekdays: list[int] = Field(
        default=[0, 1, 2, 3, 4, 5, 6],
        max_length=7,
        description="Days the window starts on, 0 = Monday.",
    )
    multiplier: float = Field(
        default=1.0, description="Of the contract's hourly rate (1.25: a quarter more; >= 1)."
    )
    extra_per_hour: float = Field(default=0.0, le=MONEY, description="Plus this per paid hour.")
    contracts: list[str] | None = Field(
        default=None, max_length=50, description="The contracts it applies to; null: all."
    )


class LabourCostSchema(Input):
    """Wages per contract and premiums (docs/roster-problem.md, Labour cost)."""

    wages: list[ContractWageSchema] = Field(default=[], max_length=50)
    premiums: list[PremiumSchema] = Field(default=[], max_length=50)


class SiteRulesFields(Input):
    """The rules themselves (see docs/roster-problem.md, Site rules)."""

    start_step_minutes: int = Field(
        default=30, ge=1, le=1440, description="Shifts start on multiples of this, local."
    )
    shift_lengths_minutes: list[Annotated[int, Field(ge=1, le=1440)]] | None = Field(
        default=None,
        max_length=24,
        description="Shift lengths the site allows (each contract keeps those of its own that "
        "are here); null: each contract's own.",
        examples=[[480, 540]],
    )
    earliest_start_local: LocalTime | None = Field(
        default=None, description="The site's hours: no shift starts before this; null: none."
    )
    latest_end_local: LocalTime | None = Field(
        default=None,
        description="The site's hours: every shift ends by this (at or before the earliest "
        "start: the next day); null with earliest_start_local.",
    )
    breaks: list[BreakRuleSchema] | None = Field(
        default=None,
        max_length=12,
        description="Break and lunch rules; null: the standard ones (15-min breaks, a 30-min "
        "lunch on 6-9 h shifts, 60 min from 9 h).",
    )
    min_rest_hours: float | None = Field(
        default=None, ge=0, le=48, description="Least rest between shifts (raises contracts')."
    )
    max_consecutive_days: int | None = Field(
        default=None, ge=1, le=14, description="Most working days in a row (lowers contracts')."
    )
    min_consecutive_days_off: int | None = Field(
        default=None,
        ge=0,
        le=7,
        description="Days off in a row each agent's week holds (local days without a shift "
        "start); null: no such rule.",
    )
    weekend_weekdays: list[Annotated[int, Field(ge=0, le=6)]] | None = Field(
        default=None, max_length=7, description="Unpopular days, 0 = Monday; null: [5, 6]."
    )
    late_start_from_local: LocalTime | None = Field(
        default=None, description="A shift starting at or after this is unpopular; null: none."
    )
    fairness_weight_per_shift: float | None = Field(
        default=None,
        ge=0,
        le=MONEY,
        description="Charged per unpopular shift of the agent who has the most; null: 5.",
    )
    under_target_penalty_per_agent_hour: float | None = Field(
        default=None,
        ge=0,
        le=MONEY,
        description="Per agent-hour a queue is short; null: twice "
        "the best selling value of an agent-hour, at least 50.",
    )
    contract_shortfall_penalty_per_hour: float | None = Field(
        default=None, ge=0, le=MONEY, description="Per paid hour below a contract; null: 1000."
    )
    campaign_shortfall_penalty_per_hour: float | None = Field(
        default=None, ge=0, le=MONEY, description="Per hour below a campaign's minimum; null: 500."
    )
    labour_cost: LabourCostSchema | None = Field(
        default=None,
        description="Wages per contract and premiums, in the site's currency; null: labour "
        "costs nothing (no figure of cost in the roster's evaluation).",
    )
    seats: int | None = Field(
        default=None,
        ge=1,
        le=SEATS_MAX,
        description="Seats of these weeks: the roster never has more agents on shift, breaks "
        "included, in any interval; null: the site's seats (PATCH /v1/sites/{code}).",
    )
    unplanned_shrinkage: float | None = Field(
        default=None,
        ge=0,
        le=SHRINKAGE_MAX,
        description="Unplanned shrinkage of these weeks (each rostered agent absent with this "
        "probability; requirements and rosters use it); null: the site's setting.",
    )


class SiteRulesWrite(SiteRulesFields):
    """A new version of the site's rules."""

    valid_from: Day = Field(
        description="First day of the first week the version applies to (the site's first "
        "weekday); it applies until a later version's valid_from.",
        examples=["2026-12-07"],
    )
    note: FreeText = Field(default="", max_length=2000, description="Why, for the planners.")


class SiteRulesRead(SiteRulesFields):
    """A site's rules: a stored version, or the standard rules (version null)."""

    model_config = ConfigDict(extra="ignore", from_attributes=True)

    site: str = Field(description="The site.", examples=["paris"])
    version: int | None = Field(description="Version number; null: no version, the defaults.")
    valid_from: date | None = Field(description="First day of the weeks it applies to.")
    note: str = Field(description="The planner's note.")
    created_at_utc: datetime | None = Field(description="When the version was stored.")
    seats_used: int | None = Field(
        description="The seats rosters of these weeks keep: the version's `seats`, else the "
        "site's; null: unlimited."
    )
    seats_source: Literal["rules", "site"] = Field(
        description="rules: the version's own seats; site: the site's setting."
    )
    unplanned_shrinkage_used: float = Field(
        description="The unplanned shrinkage requirements and rosters of these weeks use: the "
        "version's, else the site's."
    )
    unplanned_shrinkage_source: Literal["rules", "site"] = Field(
        description="rules: the version's own; site: the site's setting."
    )
