"""Schemas of capacity plans (`wfm.domain.capacity_plan`): the ranges are checked by the
service (`wfm.services.capacity_plan.parse_request`), so the API and `wfm capacity-plan` refuse
the same requests naming the same fields."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import Field

from api.schemas import Input, Output


class CapacityPlanCreate(Input):
    site: str = Field(max_length=64, description="Site code.", examples=["DUB"])
    months: int = Field(default=12, description="Months planned, 1 to 18.", examples=[12])
    start_month: date | None = Field(
        default=None,
        description="The first month (its first day); null: the month after the history ends.",
    )
    monthly_attrition: float | None = Field(
        default=None,
        description="Share of the staff leaving each month, 0 to 1; null: 0.02.",
        examples=[0.02],
    )
    volume_growth_per_year: float | None = Field(
        default=None,
        description="Growth on top of the forecast's own trend, -0.9 to 5 (0.1: 10 % a year); "
        "null: 0.",
    )
    answer_rate_target: float | None = Field(
        default=None,
        description="Least answer rate every queue is held to, in (0, 1); null: each queue's "
        "own targets.",
        examples=[0.9],
    )
    recruiting_lead_weeks: float | None = Field(
        default=None,
        description="Weeks from the plan's start to a hire's first day, 0 to 104; null: 6.",
    )
    training_weeks: float | None = Field(
        default=None, description="Weeks of paid training, not productive, 0 to 104; null: 4."
    )
    nesting_weeks: float | None = Field(
        default=None, description="Weeks of nesting after training, 0 to 104; null: 2."
    )
    nesting_productivity: float | None = Field(
        default=None, description="A nesting hire's productivity, 0 to 1; null: 0.5."
    )
    hire_fte: float | None = Field(
        default=None, description="FTE of each hire, (0, 2]; null: 1 (full time)."
    )
    hourly_cost: float | None = Field(
        default=None,
        description="Cost of a paid hour of today's agents; null: their contracts' wages in the "
        "site's latest roster rules (no cost when a contract has none).",
    )
    hire_hourly_cost: float | None = Field(
        default=None, description="Cost of a hire's paid hour; null: today's agents' mean."
    )
    full_time_weekly_hours: float | None = Field(
        default=None,
        description="Paid hours of one FTE a week, (0, 80]; null: the longest contract's weekly "
        "hours (40 without agents).",
    )
    rostering_efficiency: float | None = Field(
        default=None,
        description="Rostered need over paid hours, (0, 1]; null: observed in the site's latest "
        "rosters (0.85 without one).",
    )


class CapacityPlanAccepted(Output):
    capacity_plan_id: int = Field(description="The new plan; poll GET /v1/capacity-plans/{id}.")
    job_id: str = Field(description="The job computing it (GET /v1/jobs/{id}).")
    status: str = Field(description="The job's status: queued.")


class CapacityPlanRead(Output):
    id: int
    site: str
    created_at_utc: datetime
    job_id: str | None = Field(description="The job computing it; null: run by the command line.")
    status: str = Field(description="queued, running, succeeded, failed or cancelled (the job's).")
    progress: float = Field(description="Fraction done, 0..1.")
    message: str
    error: str | None = Field(description="Why the job failed.")
    inputs: dict[str, Any] = Field(description="The request as stored.")
    plan: dict[str, Any] | None = Field(
        description="Once computed: `months` (per month: contacts, aht_seconds, "
        "serving_hours_needed, paid_hours_needed, fte_needed, fte_existing, headcount, "
        "hires_starting, fte_paid, fte_productive, short_fte, labour_cost, answer_rate, "
        "service_level), `hires` (start, count, for_month), `settings` used, `staff` today, "
        "`sources` of the settings, `queues` (each one's fitted growth and factors), "
        "`warnings`, `currency`, `total_hires`, `total_labour_cost`."
    )


class ComparedFigure(Output):
    first: float | None = Field(description="The figure in the first plan (the path's).")
    second: float | None = Field(description="The figure in the other plan.")
    difference: float | None = Field(description="Second less first; null where either is.")


class ComparedMonth(Output):
    month: date = Field(description="The month's first day.")
    figures: dict[str, ComparedFigure] = Field(
        description="contacts, fte_needed, fte_productive, hires_starting, short_fte, "
        "labour_cost, answer_rate and service_level, each in both plans and their difference."
    )


class CapacityPlanComparison(Output):
    plan_id: int
    other_id: int
    site: str
    currency: str | None = Field(description="The currency of labour_cost (the first plan's).")
    months: list[ComparedMonth] = Field(description="Every month of either plan, in order.")
