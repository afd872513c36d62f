"""Putting work in the queue (the `jobs` table); the worker (`wfm.worker`) takes it from there."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from wfm.db.repositories import JobRepository
from wfm.domain import Job, JobStatus
from wfm.domain.errors import ValidationError

# kind -> what it does
JOB_KINDS: dict[str, str] = {
    "forecast": "forecast a site's queues and (by default) compute its staffing requirements",
    "requirements": "compute staffing requirements from a stored forecast run",
    "schedule": "build a draft roster for a site and week",
    "import_and_forecast": "import ACD files from the import folder, then forecast every site",
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
