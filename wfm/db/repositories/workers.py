"""Worker processes and their heartbeats (the `workers` table)."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from wfm.db.models import WorkerRow


@dataclass(frozen=True, slots=True)
class WorkerEntry:
    id: str
    hostname: str
    pid: int
    started_at_utc: datetime
    heartbeat_at_utc: datetime
    stopped_at_utc: datetime | None


class WorkerRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def register(self, worker_id: str, *, hostname: str, pid: int, now_utc: datetime) -> None:
        """Record a worker process that starts (or starts again under the same id)."""
        row = self.session.get(WorkerRow, worker_id)
        if row is None:
            row = WorkerRow(id=worker_id, hostname=hostname[:255], pid=pid)
            self.session.add(row)
        row.started_at = now_utc
        row.heartbeat_at = now_utc
        row.stopped_at = None
        self.session.flush()

    def beat(self, worker_id: str, now_utc: datetime) -> bool:
        """Refresh the worker's heartbeat; False when it is not registered (or stopped)."""
        result = self.session.execute(
            update(WorkerRow)
            .where(WorkerRow.id == worker_id, WorkerRow.stopped_at.is_(None))
            .values(heartbeat_at=now_utc)
        )
        return int(result.rowcount) == 1  # type: ignore[attr-defined]

    def stop(self, worker_id: str, now_utc: datetime) -> None:
        """Record that the worker exited cleanly."""
        self.session.execute(
            update(WorkerRow)
            .where(WorkerRow.id == worker_id)
            .values(stopped_at=now_utc, heartbeat_at=now_utc)
        )

    def get(self, worker_id: str) -> WorkerEntry | None:
        row = self.session.get(WorkerRow, worker_id)
        return None if row is None else _entry(row)

    def list(self) -> builtins.list[WorkerEntry]:
        """Every recorded worker, the latest heartbeat first."""
        rows = self.session.scalars(select(WorkerRow).order_by(WorkerRow.heartbeat_at.desc()))
        return [_entry(row) for row in rows]

    def running(self) -> builtins.list[WorkerEntry]:
        """The workers that have not said they stopped, the latest heartbeat first."""
        rows = self.session.scalars(
            select(WorkerRow)
            .where(WorkerRow.stopped_at.is_(None))
            .order_by(WorkerRow.heartbeat_at.desc())
        )
        return [_entry(row) for row in rows]

    def forget_before(self, before_utc: datetime) -> int:
        """Delete the workers last heard of before this time (stopped or dead long ago)."""
        result = self.session.execute(delete(WorkerRow).where(WorkerRow.heartbeat_at < before_utc))
        return int(result.rowcount)  # type: ignore[attr-defined]


def _entry(row: WorkerRow) -> WorkerEntry:
    return WorkerEntry(
        id=row.id,
        hostname=row.hostname,
        pid=row.pid,
        started_at_utc=row.started_at,
        heartbeat_at_utc=row.heartbeat_at,
        stopped_at_utc=row.stopped_at,
    )
