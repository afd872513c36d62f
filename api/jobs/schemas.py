"""Schemas of background jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from api.schemas import Output
from wfm.domain import JobStatus


class JobRead(Output):
    id: str = Field(description="Job id (UUID).", examples=["9b2c1f0e-0d7e-4c53-a0f1-2f1e6b1c9d10"])
    kind: str = Field(
        description="forecast, requirements, schedule, import_and_forecast, scenario or "
        "capacity_plan."
    )
    status: JobStatus = Field(description="queued, running, succeeded, failed or cancelled.")
    progress: float = Field(description="Fraction done, 0..1.")
    message: str = Field(description="The latest progress message.")
    params: dict[str, Any] = Field(description="What was asked.")
    result: dict[str, Any] | None = Field(
        description="What was made (ids of the forecast run or schedule...), once succeeded."
    )
    error: str | None = Field(description="Why it failed; a failed job wrote nothing.")
    created_at_utc: datetime = Field(description="When it was queued.")
    started_at_utc: datetime | None = Field(description="When a worker took it.")
    finished_at_utc: datetime | None = Field(description="When it ended.")
    worker_id: str | None = Field(description="The worker running or that ran it.")
    heartbeat_at_utc: datetime | None = Field(description="Last sign of life of its worker.")
    cancel_requested_at_utc: datetime | None = Field(
        default=None,
        description="When a cancel was asked for; a running job stops at its next progress "
        "report, writes nothing and becomes cancelled.",
    )
