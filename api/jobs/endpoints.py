"""`/v1/jobs`: background work queued through the API and run by the worker."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Response, status

from api.deps import PrincipalDep, SessionDep, require
from api.errors import ApiError, responses
from api.jobs.schemas import JobRead
from wfm.db.repositories import JobRepository
from wfm.domain import Job, JobStatus
from wfm.domain.access import Permission, Principal
from wfm.services.jobs import JOB_KINDS, cancel, enqueue

router = APIRouter(prefix="/jobs", tags=["jobs"])
READ = [Depends(require(Permission.JOBS_READ))]

JOB_ID = Path(
    min_length=1, max_length=36, pattern=r"^[0-9a-fA-F-]{1,36}$", description="Job id (UUID)."
)

# who may (re)start a job of each kind
WRITE_PERMISSION = {
    "forecast": Permission.FORECAST_WRITE,
    "requirements": Permission.FORECAST_WRITE,
    "schedule": Permission.SCHEDULE_WRITE,
    "import_and_forecast": Permission.HISTORY_WRITE,
    "scenario": Permission.SCHEDULE_WRITE,
    "capacity_plan": Permission.SCHEDULE_WRITE,
}


def accepted(job: Job, response: Response) -> Job:
    """A 202 answer for a queued job, with where to poll it."""
    response.status_code = status.HTTP_202_ACCEPTED
    response.headers["Location"] = f"/v1/jobs/{job.id}"
    return job


@router.get("", response_model=list[JobRead], dependencies=READ, responses=responses())
def list_jobs(
    session: SessionDep,
    status_: JobStatus | None = Query(default=None, alias="status", description="Only these."),
    kind: str | None = Query(default=None, max_length=32, description="Only this kind."),
    limit: int = Query(default=50, ge=1, le=500, description="Most jobs returned, newest first."),
) -> Any:
    """Jobs, newest first."""
    if kind is not None and kind not in JOB_KINDS:
        raise ApiError(
            422,
            "invalid",
            f"query.kind: {kind!r} is not a job kind",
            [{"field": "query.kind", "value": kind, "message": f"one of {', '.join(JOB_KINDS)}"}],
        )
    return JobRepository(session).list(status_, limit, kind)


@router.get("/{job_id}", response_model=JobRead, dependencies=READ, responses=responses(404))
def get_job(session: SessionDep, job_id: str = JOB_ID) -> Any:
    """One job: status, progress, and its result or error."""
    return JobRepository(session).get(job_id)


@router.post(
    "/{job_id}/retry",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    responses=responses(404, 409),
)
def retry_job(
    session: SessionDep, principal: PrincipalDep, response: Response, job_id: str = JOB_ID
) -> Any:
    """Queue a failed or cancelled job again with the same parameters (a new job; the old one
    stays)."""
    job = JobRepository(session).get(job_id)
    _check_write(principal, job.kind)
    if job.status not in (JobStatus.FAILED, JobStatus.CANCELLED):
        raise ApiError(
            409,
            "conflict",
            f"job {job_id} is {job.status.value}; only failed or cancelled jobs are retried",
        )
    again = enqueue(session, job.kind, job.params, message=f"retry of job {job.id}")
    return accepted(again, response)


@router.post(
    "/{job_id}/cancel",
    response_model=JobRead,
    summary="Cancel a queued or running job",
    responses={
        **responses(404, 409),
        202: {"model": JobRead, "description": "The running job was asked to stop."},
    },
)
def cancel_job(
    session: SessionDep, principal: PrincipalDep, response: Response, job_id: str = JOB_ID
) -> Any:
    """Cancel a job: a queued one is cancelled at once (200, status `cancelled`; the worker never
    takes it). A running one is asked to stop (202, still `running`, `cancel_requested_at_utc`
    set): it stops at its next progress report (a roster's solver phase may first run to its
    time limit), its work is rolled back and it becomes `cancelled`; one that commits before
    that succeeds. A job that has ended is 409. Needs the permission that starts the job's kind."""
    job = JobRepository(session).get(job_id)
    _check_write(principal, job.kind)
    cancelled = cancel(session, job_id)
    if cancelled.status is JobStatus.RUNNING:
        response.status_code = status.HTTP_202_ACCEPTED
    return cancelled


def _check_write(principal: Principal, kind: str) -> None:
    needed = WRITE_PERMISSION.get(kind, Permission.FORECAST_WRITE)
    if not principal.can(needed):
        raise ApiError(
            403,
            "forbidden",
            f"role {principal.role.value!r} lacks the permission {needed.value}",
        )
