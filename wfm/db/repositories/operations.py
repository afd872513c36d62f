"""Agent state events, adherence results and jobs."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from wfm.db.models import AdherenceResultRow, AgentRow, AgentStateEventRow, JobRow
from wfm.domain import Activity, AdherenceResult, AgentStateEvent, Job, JobStatus
from wfm.domain.errors import ConflictError, NotFoundError


class AgentEventRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_new(self, events: Sequence[AgentStateEvent], received_at_utc: datetime) -> int:
        """Store events whose ids are not stored yet; returns how many were new."""
        if not events:
            return 0
        ids = {e.event_id for e in events}
        known = set(
            self.session.scalars(
                select(AgentStateEventRow.event_id).where(AgentStateEventRow.event_id.in_(ids))
            )
        )
        agent_ids = dict(self.session.execute(select(AgentRow.code, AgentRow.id)).all())
        fresh: dict[str, dict[str, Any]] = {}
        for e in events:
            if e.event_id in known or e.event_id in fresh:
                continue
            if e.agent_code not in agent_ids:
                raise NotFoundError(f"no agent {e.agent_code!r}")
            fresh[e.event_id] = {
                "event_id": e.event_id,
                "agent_id": agent_ids[e.agent_code],
                "occurred_at_utc": e.occurred_at_utc,
                "state": e.state,
                "reason": e.reason,
                "activity": e.activity.value,
                "received_at_utc": received_at_utc,
            }
        if fresh:
            self.session.execute(insert(AgentStateEventRow), list(fresh.values()))
        return len(fresh)

    def list(
        self,
        agent_code: str | None = None,
        start_utc: datetime | None = None,
        end_utc: datetime | None = None,
    ) -> list[AgentStateEvent]:
        stmt = (
            select(AgentStateEventRow, AgentRow.code)
            .join(AgentRow, AgentStateEventRow.agent_id == AgentRow.id)
            .order_by(AgentRow.code, AgentStateEventRow.occurred_at_utc)
        )
        if agent_code is not None:
            stmt = stmt.where(AgentRow.code == agent_code)
        if start_utc is not None:
            stmt = stmt.where(AgentStateEventRow.occurred_at_utc >= start_utc)
        if end_utc is not None:
            stmt = stmt.where(AgentStateEventRow.occurred_at_utc < end_utc)
        return [
            AgentStateEvent(
                event_id=r.event_id,
                agent_code=code,
                occurred_at_utc=r.occurred_at_utc,
                state=r.state,
                activity=Activity(r.activity),
                reason=r.reason,
            )
            for r, code in self.session.execute(stmt)
        ]


class AdherenceRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def upsert(self, results: Sequence[AdherenceResult]) -> None:
        agent_ids = dict(self.session.execute(select(AgentRow.code, AgentRow.id)).all())
        for res in results:
            agent_id = agent_ids[res.agent_code]
            row = self.session.scalar(
                select(AdherenceResultRow).where(
                    AdherenceResultRow.agent_id == agent_id,
                    AdherenceResultRow.period_start_utc == res.period_start_utc,
                    AdherenceResultRow.period_minutes == res.period_minutes,
                )
            )
            if row is None:
                row = AdherenceResultRow(
                    agent_id=agent_id,
                    period_start_utc=res.period_start_utc,
                    period_minutes=res.period_minutes,
                )
                self.session.add(row)
            row.schedule_id = res.schedule_id
            row.scheduled_minutes = res.scheduled_minutes
            row.adherent_minutes = res.adherent_minutes
            row.worked_minutes = res.worked_minutes
            row.adherence = res.adherence
            row.conformance = res.conformance
        self.session.flush()

    def list(self, agent_code: str | None = None) -> list[AdherenceResult]:
        stmt = (
            select(AdherenceResultRow, AgentRow.code)
            .join(AgentRow, AdherenceResultRow.agent_id == AgentRow.id)
            .order_by(AgentRow.code, AdherenceResultRow.period_start_utc)
        )
        if agent_code is not None:
            stmt = stmt.where(AgentRow.code == agent_code)
        return [
            AdherenceResult(
                agent_code=code,
                period_start_utc=r.period_start_utc,
                period_minutes=r.period_minutes,
                scheduled_minutes=r.scheduled_minutes,
                adherent_minutes=r.adherent_minutes,
                worked_minutes=r.worked_minutes,
                schedule_id=r.schedule_id,
            )
            for r, code in self.session.execute(stmt)
        ]


class JobRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, job: Job) -> None:
        self.session.add(
            JobRow(
                id=job.id,
                kind=job.kind,
                status=job.status.value,
                progress=job.progress,
                message=job.message,
                params=dict(job.params),
                result=job.result,
                error=job.error,
                created_at=job.created_at_utc,
                started_at=job.started_at_utc,
                finished_at=job.finished_at_utc,
                worker_id=job.worker_id,
            )
        )
        self.session.flush()

    def get(self, job_id: str) -> Job:
        row = self.session.get(JobRow, job_id)
        if row is None:
            raise NotFoundError(f"no job {job_id!r}")
        return _job(row)

    def list(
        self, status: JobStatus | None = None, limit: int = 100, kind: str | None = None
    ) -> list[Job]:
        stmt = select(JobRow).order_by(JobRow.created_at.desc()).limit(limit)
        if status is not None:
            stmt = stmt.where(JobRow.status == status.value)
        if kind is not None:
            stmt = stmt.where(JobRow.kind == kind)
        return [_job(r) for r in self.session.scalars(stmt)]

    def claim_next(self, worker_id: str) -> Job | None:
        """Mark the oldest queued job running for this worker (compare-and-set), or None."""
        candidates = self.session.scalars(
            select(JobRow.id)
            .where(JobRow.status == JobStatus.QUEUED.value)
            .order_by(JobRow.created_at)
            .limit(5)
        ).all()
        for job_id in candidates:
            result = self.session.execute(
                update(JobRow)
                .where(JobRow.id == job_id, JobRow.status == JobStatus.QUEUED.value)
                .values(
                    status=JobStatus.RUNNING.value,
                    started_at=datetime.now(UTC),
                    heartbeat_at=datetime.now(UTC),
                    worker_id=worker_id,
                )
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                self.session.expire_all()
                return self.get(job_id)
        return None

    def heartbeat(
        self,
        job_id: str,
        worker_id: str,
        *,
        progress: float | None = None,
        message: str | None = None,
    ) -> bool:
        """Refresh a running job's heartbeat (and progress) if this worker still owns it."""
        values: dict[str, Any] = {"heartbeat_at": datetime.now(UTC)}
        if progress is not None:
            values["progress"] = progress
        if message is not None:
            values["message"] = message
        result = self.session.execute(
            update(JobRow)
            .where(
                JobRow.id == job_id,
                JobRow.worker_id == worker_id,
                JobRow.status == JobStatus.RUNNING.value,
            )
            .values(**values)
        )
        return result.rowcount == 1  # type: ignore[attr-defined]

    def finish(
        self,
        job_id: str,
        worker_id: str,
        *,
        status: JobStatus,
        result: dict[str, Any] | None = None,
        error: str | None = None,
        message: str | None = None,
    ) -> bool:
        """Record the end of a running job this worker owns (compare-and-set); False when the
        job is no longer this worker's (e.g. marked failed as stale meanwhile)."""
        values: dict[str, Any] = {
            "status": status.value,
            "finished_at": datetime.now(UTC),
            "result": result,
            "error": error,
        }
        if status is JobStatus.SUCCEEDED:
            values["progress"] = 1.0
        if message is not None:
            values["message"] = message
        outcome = self.session.execute(
            update(JobRow)
            .where(
                JobRow.id == job_id,
                JobRow.worker_id == worker_id,
                JobRow.status == JobStatus.RUNNING.value,
            )
            .values(**values)
        )
        return outcome.rowcount == 1  # type: ignore[attr-defined]

    def requeue(self, job_id: str, worker_id: str, *, message: str) -> bool:
        """Put a running job of this worker back in the queue (it wrote nothing); a job whose
        cancel was asked for is marked cancelled instead."""
        cancelled = self.session.execute(
            update(JobRow)
            .where(
                JobRow.id == job_id,
                JobRow.worker_id == worker_id,
                JobRow.status == JobStatus.RUNNING.value,
                JobRow.cancel_requested_at.is_not(None),
            )
            .values(
                status=JobStatus.CANCELLED.value,
                finished_at=datetime.now(UTC),
                message="cancelled; nothing was written",
            )
        )
        if cancelled.rowcount == 1:  # type: ignore[attr-defined]
            return True
        outcome = self.session.execute(
            update(JobRow)
            .where(
                JobRow.id == job_id,
                JobRow.worker_id == worker_id,
                JobRow.status == JobStatus.RUNNING.value,
            )
            .values(
                status=JobStatus.QUEUED.value,
                worker_id=None,
                started_at=None,
                heartbeat_at=None,
                progress=0.0,
                message=message,
            )
        )
        return outcome.rowcount == 1  # type: ignore[attr-defined]

    def fail_stale(self, stale_before_utc: datetime, *, reason: str) -> builtins.list[Job]:
        """Mark failed every running job whose heartbeat (or start) is older than the cut-off;
        returns the jobs as they were before."""
        stale = [
            _job(row)
            for row in self.session.scalars(
                select(JobRow).where(JobRow.status == JobStatus.RUNNING.value)
            )
            if (row.heartbeat_at or row.started_at or row.created_at) < stale_before_utc
        ]
        now = datetime.now(UTC)
        for job in stale:
            last = job.heartbeat_at_utc or job.started_at_utc or job.created_at_utc
            self.session.execute(
                update(JobRow)
                .where(JobRow.id == job.id, JobRow.status == JobStatus.RUNNING.value)
                .values(
                    status=JobStatus.FAILED.value,
                    finished_at=now,
                    error=(
                        f"{reason}: worker {job.worker_id or '?'} last reported at "
                        f"{last:%Y-%m-%d %H:%M:%S} UTC; the job wrote nothing"
                    ),
                )
            )
        return stale

    def cancel(self, job_id: str, now_utc: datetime) -> Job:
        """Cancel a queued job at once (compare-and-set: the worker never takes it), or ask a
        running one to stop (it stops at its next progress report and writes nothing).
        ConflictError for a job that has already ended."""
        cancelled = self.session.execute(
            update(JobRow)
            .where(JobRow.id == job_id, JobRow.status == JobStatus.QUEUED.value)
            .values(
                status=JobStatus.CANCELLED.value,
                finished_at=now_utc,
                cancel_requested_at=now_utc,
                message="cancelled before it started",
            )
        )
        if cancelled.rowcount != 1:  # type: ignore[attr-defined]
            asked = self.session.execute(
                update(JobRow)
                .where(JobRow.id == job_id, JobRow.status == JobStatus.RUNNING.value)
                .values(
                    cancel_requested_at=func.coalesce(JobRow.cancel_requested_at, now_utc),
                    message="cancel requested; stopping at the next progress report",
                )
            )
            if asked.rowcount != 1:  # type: ignore[attr-defined]
                job = self.get(job_id)  # NotFoundError for an unknown id
                raise ConflictError(
                    f"job {job_id} has already ended ({job.status.value}); only queued or running "
                    "jobs can be cancelled"
                )
        self.session.expire_all()
        return self.get(job_id)

    def cancel_requested(self, job_id: str) -> bool:
        """Whether a cancel was asked for the job."""
        asked = self.session.scalar(select(JobRow.cancel_requested_at).where(JobRow.id == job_id))
        return asked is not None

    def running(self) -> builtins.list[Job]:
        """The running jobs, oldest first."""
        rows = self.session.scalars(
            select(JobRow)
            .where(JobRow.status == JobStatus.RUNNING.value)
            .order_by(JobRow.created_at)
        )
        return [_job(row) for row in rows]

    def fail_running(self, job_id: str, error: str, now_utc: datetime) -> bool:
        """Mark a running job failed (compare-and-set); False when it was no longer running."""
        outcome = self.session.execute(
            update(JobRow)
            .where(JobRow.id == job_id, JobRow.status == JobStatus.RUNNING.value)
            .values(status=JobStatus.FAILED.value, finished_at=now_utc, error=error[:4000])
        )
        return outcome.rowcount == 1  # type: ignore[attr-defined]

    def queued_summary(self) -> tuple[int, datetime | None]:
        """How many jobs are queued, and when the oldest of them was queued."""
        count, oldest = self.session.execute(
            select(func.count(), func.min(JobRow.created_at)).where(
                JobRow.status == JobStatus.QUEUED.value
            )
        ).one()
        if oldest is not None and oldest.tzinfo is None:  # an aggregate skips the column type
            oldest = oldest.replace(tzinfo=UTC)
        return int(count), oldest

    def update(self, job_id: str, **fields: Any) -> None:
        row = self.session.get(JobRow, job_id)
        if row is None:
            raise NotFoundError(f"no job {job_id!r}")
        for name, value in fields.items():
            if name == "status" and isinstance(value, JobStatus):
                value = value.value
            setattr(row, name, value)
        self.session.flush()


def _job(row: JobRow) -> Job:
    return Job(
        id=row.id,
        kind=row.kind,
        status=JobStatus(row.status),
        params=dict(row.params),
        created_at_utc=row.created_at,
        progress=row.progress,
        message=row.message,
        result=row.result,
        error=row.error,
        started_at_utc=row.started_at,
        finished_at_utc=row.finished_at,
        worker_id=row.worker_id,
        heartbeat_at_utc=row.heartbeat_at,
        cancel_requested_at_utc=row.cancel_requested_at,
    )
