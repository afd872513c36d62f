"""Putting work in the queue (the `jobs` table); the worker (`wfm.worker`) takes it from there."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from wfm.db.repositories import JobRepository, WorkerRepository
from wfm.domain import Job, JobStatus
from wfm.domain.errors import ValidationError

# kind -> what it does
JOB_KINDS: dict[str, str] = {
    "forecast": "forecast a site's queues and (by default) compute its staffing requirements",
    "requirements": "compute staffing requirements from a stored forecast run",
    "schedule": "build a draft roster for a site and week",
    "import_and_forecast": "import ACD files from the import folder, then forecast every site",
    "scenario": "solve a what-if scenario's base week and variants and compare them",
    "capacity_plan": "plan a site's staff and hires for the coming months",
}


def enqueue(session: Session, kind: str, params: Mapping[str, Any], *, message: str = "") -> Job:
    """Queue a job of a known kind; the caller's transaction makes it visible on commit."""
    if kind not in JOB_KINDS:
        raise ValidationError(f"unknown job kind {kind!r} (kinds: {', '.join(JOB_KINDS)})")
    job = Job(
        id=str(uuid.uuid4()),
        kind=kind,
        status=JobStatus.QUEUED,
        params=dict(params),
        created_at_utc=datetime.now(UTC),
        message=message or "queued",
    )
    JobRepository(session).add(job)
    return job


def cancel(session: Session, job_id: str, now_utc: datetime | None = None) -> Job:
    """Cancel a queued job (the worker never takes it), or ask a running one to stop at its next
    progress report (its work is rolled back); ConflictError for a job that has ended."""
    return JobRepository(session).cancel(job_id, now_utc or datetime.now(UTC))


@dataclass(frozen=True, slots=True)
class QueueHealth:
    """Whether queued work gets done: live workers and the age of the oldest queued job."""

    status: str  # "ok", or "degraded": jobs are queued and no worker is alive to run them
    workers_alive: int
    last_worker_heartbeat_utc: datetime | None
    queued_jobs: int
    oldest_queued_age_seconds: float | None
    detail: str


def queue_health(
    session: Session, *, worker_alive_seconds: float, now_utc: datetime | None = None
) -> QueueHealth:
    """A worker is alive when it has not said it stopped and its heartbeat is younger than
    `worker_alive_seconds`; the queue is degraded when jobs wait and no worker is alive."""
    now = now_utc or datetime.now(UTC)
    workers = WorkerRepository(session).list()
    cutoff = now - timedelta(seconds=worker_alive_seconds)
    alive = [w for w in workers if w.stopped_at_utc is None and w.heartbeat_at_utc >= cutoff]
    last = max((w.heartbeat_at_utc for w in workers), default=None)
    queued, oldest = JobRepository(session).queued_summary()
    age = None if oldest is None else max(0.0, (now - oldest).total_seconds())
    if queued and not alive:
        seen = (
            "no worker has ever run"
            if last is None
            else f"the last worker heartbeat was at {last:%Y-%m-%d %H:%M:%S} UTC"
        )
        detail = f"{queued} job(s) queued and no live worker to run them ({seen})"
        return QueueHealth("degraded", 0, last, queued, age, detail)
    detail = f"{len(alive)} live worker(s), {queued} job(s) queued"
    return QueueHealth("ok", len(alive), last, queued, age, detail)
