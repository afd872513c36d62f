"""Schemas of what-if scenarios (`wfm.domain.scenarios`): the ranges are checked there, so the
API and `wfm scenario run` refuse the same documents naming the same fields."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import Field

from api.schemas import Day, Input, Output
from wfm.domain.scenarios import (
    DEFAULT_TIME_LIMIT_SECONDS,
    MAX_HEADCOUNT_CHANGES,
    MAX_NAME_LENGTH,
    MAX_VARIANTS,
)

PERCENT = "Percent change, -90 to 300 (10: 10 % more)."


class QueueChangesSchema(Input):
    volume_percent: float | None = Field(default=None, description=PERCENT, examples=[10])
    aht_percent: float | None = Field(default=None, description="Handle time: " + PERCENT)
    service_level_target: float | None = Field(
        default=None, description="Service-level target, a fraction in (0, 1]."
    )
    answer_rate_target: float | None = Field(
        default=None, description="Least answer rate, a fraction in (0, 1].", examples=[0.9]
    )


class HeadcountSchema(Input):
    skill: str = Field(max_length=MAX_NAME_LENGTH, description="A queue or campaign code.")
    agents: int = Field(
        description="Agents added (positive: synthetic agents) or removed (negative: those "
        "with the skill last by code), -500 to 500, not 0.",
        examples=[5],
    )
    contract: str | None = Field(
        default=None,
        max_length=MAX_NAME_LENGTH,
        description="Contract the added agents copy (name or roster code); null: that of the "
        "first agent by code with the skill.",
    )


class CampaignChangesSchema(Input):
    value_percent: float = Field(
        description="The campaign's value per selling hour, percent change (-100 to 500)."
    )


class ChangesSchema(QueueChangesSchema):
    """Every queue's volume, handle time and targets, then each queue's own; headcount by
    skill; campaigns' values; the unplanned shrinkage and seats of the variant; its rules."""

    queues: dict[str, QueueChangesSchema] | None = Field(
        default=None, description="Per queue code, its own changes."
    )
    headcount: list[HeadcountSchema] | None = Field(
        default=None, max_length=MAX_HEADCOUNT_CHANGES, description="Agents added or removed."
    )
    campaigns: dict[str, CampaignChangesSchema] | None = Field(
        default=None, description="Per campaign code, its value change."
    )
    unplanned_shrinkage: float | None = Field(
        default=None, description="The variant's unplanned shrinkage, a fraction in [0, 0.9]."
    )
    seats: int | None = Field(default=None, description="The variant's seats, 1 or more.")
    rules: dict[str, Any] | None = Field(
        default=None,
        max_length=32,
        description="Site-rule fields (as `PUT /v1/sites/{code}/rules` takes them: "
        "shift_lengths_minutes, start_step_minutes, earliest_start_local, latest_end_local, "
        "breaks, min_rest_hours, max_consecutive_days, min_consecutive_days_off, fairness, "
        "weights, labour_cost) that replace the week's rules for the variant; the whole is "
        "checked as a stored version would be.",
        examples=[{"shift_lengths_minutes": [360, 480], "min_rest_hours": 12}],
    )


class VariantSchema(Input):
    name: str = Field(max_length=MAX_NAME_LENGTH, description="Unique in the scenario, not base.")
    changes: ChangesSchema = Field(default_factory=ChangesSchema)


class ScenarioCreate(Input):
    name: str = Field(max_length=MAX_NAME_LENGTH, examples=["Winter what-if"])
    site: str = Field(max_length=64, description="Site code.", examples=["DUB"])
    week_start: Day = Field(description="The base week's first day (the site's first weekday).")
    time_limit_seconds: float | None = Field(
        default=None,
        description=f"Solver time per solve (base and each variant), (0, 600]; null: "
        f"{DEFAULT_TIME_LIMIT_SECONDS:g} s.",
    )
    variants: list[VariantSchema] = Field(
        min_length=1, max_length=MAX_VARIANTS, description="1 to 10 variants."
    )


class ScenarioAccepted(Output):
    scenario_id: int = Field(description="The new scenario; poll GET /v1/scenarios/{id}.")
    job_id: str = Field(description="The job solving it (GET /v1/jobs/{id}).")
    status: str = Field(description="The job's status: queued.")


class ScenarioRead(Output):
    id: int
    site: str
    name: str
    week_start: date
    created_at_utc: datetime
    job_id: str | None = Field(description="The job solving it; null: run by the command line.")
    status: str = Field(description="queued, running, succeeded, failed or cancelled (the job's).")
    progress: float = Field(description="Fraction done, 0..1.")
    message: str
    error: str | None = Field(description="Why the job failed.")
    document: dict[str, Any] = Field(description="The scenario as stored (its variants).")
    comparison: dict[str, Any] | None = Field(
        description="Once solved: `base` and `variants`, each with `figures` (contacts, "
        "answered_contacts, answer_rate, service_level, outbound_value, paid_hours, "
        "hours_short, agents, labour_cost, cost_per_answered_contact, sales_per_paid_hour), "
        "per queue figures, the solve, and (variants) `difference` to the base."
    )
