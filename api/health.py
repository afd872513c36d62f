"""`/health`: the database's readiness, and whether queued work gets done (live workers, the age
of the oldest queued job). Needs no token."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from wfm.db import migrate
from wfm.db.session import unit_of_work
from wfm.domain.errors import WfmError
from wfm.services.jobs import queue_health

HEALTH_DESCRIPTION = """`ok` when the database answers, its schema is at the latest migration and
queued jobs have a worker to run them.

`degraded` (still 200: the API itself serves requests) when jobs are queued and no worker has been
heard from within `WFM_WORKER_ALIVE_SECONDS` (30 s): forecasts and rosters asked for now would wait
until a worker (`wfm worker`) runs again; `detail` says since when. A monitor should alert on it.
503 when the database cannot be used."""


class HealthRead(BaseModel):
    status: str = Field(
        description="`ok`; `degraded` when jobs are queued and no worker is alive.",
        examples=["ok"],
    )
    database: str = Field(description="`ok`, or why the database cannot be used.")
    schema_revision: str | None = Field(
        default=None, description="The database's migration revision.", examples=["0007"]
    )
    workers_alive: int = Field(
        default=0, description="Workers whose heartbeat is younger than WFM_WORKER_ALIVE_SECONDS."
    )
    last_worker_heartbeat_utc: datetime | None = Field(
        default=None, description="The latest heartbeat of any worker; null: none ever ran."
    )
    queued_jobs: int = Field(default=0, description="Jobs waiting for a worker.")
    oldest_queued_job_age_seconds: float | None = Field(
        default=None, description="How long the oldest queued job has waited; null: none queued."
    )
    detail: str = Field(default="", description="One line on the workers and the queue.")


def health_answer(request: Request) -> Any:
    """The /health answer (a 503 error body when the database is not ready)."""
    engine = request.app.state.engine
    try:
        migrate.require_current_schema(engine)
        revision = migrate.current_revision(engine)
        with unit_of_work(request.app.state.sessions) as session:
            queue = queue_health(
                session, worker_alive_seconds=request.app.state.settings.worker_alive_seconds
            )
    except WfmError as exc:
        return JSONResponse(
            status_code=503,
            content={"error": "database_not_ready", "detail": str(exc), "errors": []},
        )
    return HealthRead(
        status=queue.status,
        database="ok",
        schema_revision=revision,
        workers_alive=queue.workers_alive,
        last_worker_heartbeat_utc=queue.last_worker_heartbeat_utc,
        queued_jobs=queue.queued_jobs,
        oldest_queued_job_age_seconds=queue.oldest_queued_age_seconds,
        detail=queue.detail,
    )
