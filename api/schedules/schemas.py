"""Schemas of schedules (rosters)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import Field

from api.schemas import Code, Input, Output
from wfm.domain import Activity, ScheduleStatus


class ScheduleCreate(Input):
    """A roster to build in the worker."""

    site_code: Code = Field(description="Site.", examples=["paris"])
    week_start: date = Field(
        description="First local day of the week; a forecast must cover the week.",
        examples=["2025-03-03"],
    )
    time_limit_seconds: float = Field(
        default=60.0, gt=0, le=3600, description="Solver time limit, seconds."
    )
    seed: int = Field(default=1, ge=0, le=2**31 - 1, description="Solver random seed.")


class ActivityRead(Output):
    start_utc: datetime = Field(description="Start, UTC.")
    end_utc: datetime = Field(description="End (exclusive), UTC.")
    activity: Activity = Field(description="serve, sell, break, lunch or other.")
    queue_code: str | None = Field(description="Queue served.")
    campaign_code: str | None = Field(description="Campaign sold on.")
    authorised_change: bool = Field(description="Changed intraday by a floor manager.")


class BreakRead(Output):
    start_utc: datetime = Field(description="Start, UTC.")
    end_utc: datetime = Field(description="End (exclusive), UTC.")
    kind: str = Field(description="break or lunch.")


class ShiftRead(Output):
    agent_code: str = Field(description="Agent.")
    shift_date: date = Field(description="Local date the shift starts on.")
    start_utc: datetime = Field(description="Start, UTC.")
    end_utc: datetime = Field(description="End, UTC.")
    breaks: list[BreakRead] = Field(description="Breaks and lunch.")
    activities: list[ActivityRead] = Field(description="What the agent does, in time order.")


class ScheduleSummaryRead(Output):
    id: int = Field(description="Identifier.")
    site_code: str = Field(description="Site.")
    week_start: date = Field(description="First local day of the week.")
    version: int = Field(description="Version, 1, 2, ... per site and week.")
    status: ScheduleStatus = Field(description="draft, published or archived.")
    created_at_utc: datetime = Field(description="When it was built.")
    published_at_utc: datetime | None = Field(description="When it was published.")
    forecast_run_id: int | None = Field(description="Forecast run it was built on.")
    job_id: str | None = Field(description="Job that built it.")
    summary: dict[str, Any] = Field(description="The optimizer's summary.")


class ScheduleRead(ScheduleSummaryRead):
    shifts: list[ShiftRead] = Field(description="Every shift, by agent and start.")


class CoverageCellRead(Output):
    interval_start_utc: datetime = Field(description="Start of the interval, UTC.")
    serving: dict[str, float] = Field(
        description="Agents serving per queue (time-weighted over the interval)."
    )
    required: dict[str, int] = Field(description="Agents required per queue (the requirement).")
    selling: dict[str, float] = Field(description="Agents selling per campaign.")
    on_break: float = Field(description="Agents on break or lunch.")
    on_shift: float = Field(description="Agents on shift.")


class CoverageRead(Output):
    schedule_id: int = Field(description="Schedule.")
    interval_minutes: int = Field(description="Interval length, minutes.")
    intervals: list[CoverageCellRead] = Field(description="One per interval, in time order.")


class QueueEvaluationRead(Output):
    queue_code: str = Field(description="Queue.")
    intervals: int = Field(description="Intervals with a requirement.")
    required_agent_hours: float = Field(description="Sum of required agents x interval hours.")
    serving_agent_hours: float = Field(description="Agent hours scheduled to serve it.")
    intervals_under: int = Field(description="Intervals with fewer servers than required.")
    intervals_over: int = Field(description="Intervals with more servers than required.")
    shortfall_agent_hours: float = Field(description="Missing agent hours, summed.")
    predicted_service_level: float | None = Field(
        description="Service level predicted at the scheduled staffing, weighted by contacts."
    )
    predicted_answer_rate: float | None = Field(
        description="Answer rate predicted (queues with a patience: Erlang A)."
    )


class EvaluationRead(Output):
    schedule_id: int = Field(description="Schedule.")
    forecast_run_id: int | None = Field(description="Requirement compared against.")
    shifts: int = Field(description="Shifts.")
    agents: int = Field(description="Agents with at least one shift.")
    paid_hours: float = Field(description="Shift hours.")
    serve_hours: float = Field(description="Hours serving queues.")
    sell_hours: float = Field(description="Hours selling on campaigns.")
    break_hours: float = Field(description="Hours on break and lunch.")
    outbound_value: float = Field(description="Value of the selling hours.")
    queues: list[QueueEvaluationRead] = Field(description="Per queue.")
    campaigns: dict[str, dict[str, float]] = Field(
        description="Per campaign: sell_hours, productive_hours, value."
    )
