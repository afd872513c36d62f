"""Interval history: bulk upsert (idempotent by queue and interval start) and range reads.
Every upsert recomputes the daily sums of the local days it touched (`wfm.db.day_sums`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from wfm.db import day_sums
from wfm.db.models import IntervalHistoryRow, QueueRow
from wfm.domain import IntervalRecord
from wfm.errors import NotFoundError

_VALUE_COLUMNS = ("interval_minutes", "offered", *day_sums.SUMMED_COLUMNS, "reason_counts")
_BATCH_ROWS = 5_000


@dataclass(frozen=True, slots=True)
class HistorySpan:
    queue_code: str
    first_interval_utc: datetime
    last_interval_utc: datetime
    intervals: int
    offered: int


class HistoryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def upsert(self, records: Sequence[IntervalRecord]) -> int:
        """Insert or replace the intervals; a re-import of the same intervals adds no rows."""
        if not records:
            return 0
        queue_ids = dict(self.session.execute(select(QueueRow.code, QueueRow.id)).all())
        rows: list[dict[str, Any]] = []
        for record in records:
            if record.queue_code not in queue_ids:
                raise NotFoundError(f"no queue {record.queue_code!r}")
            rows.append(
                {
                    "queue_id": queue_ids[record.queue_code],
                    "interval_start_utc": record.interval_start_utc,
                    "interval_minutes": record.interval_minutes,
                    "offered": record.offered,
                    "answered": record.answered,
                    "abandoned": record.abandoned,
                    "short_abandoned": record.short_abandoned,
                    "answered_within_threshold": record.answered_within_threshold,
                    "handle_seconds": record.handle_seconds,
                    "wait_seconds_answered": record.wait_seconds_answered,
                    "wait_seconds_abandoned": record.wait_seconds_abandoned,
                    "reason_counts": dict(record.reason_counts) or None,
                }
            )
        dialect = self.session.get_bind().dialect.name
        insert_fn = postgresql.insert if dialect == "postgresql" else sqlite.insert
        for start in range(0, len(rows), _BATCH_ROWS):
            stmt = insert_fn(IntervalHistoryRow)
            stmt = stmt.on_conflict_do_update(
                index_elements=["queue_id", "interval_start_utc"],
                set_={name: getattr(stmt.excluded, name) for name in _VALUE_COLUMNS},
            )
            self.session.execute(stmt, rows[start : start + _BATCH_ROWS])
        starts: dict[int, set[datetime]] = defaultdict(set)
        for row in rows:
            starts[row["queue_id"]].add(row["interval_start_utc"])
        day_sums.refresh_for_intervals(self.session.connection(), starts)
        return len(rows)

    def count(self, queue_code: str | None = None) -> int:
        stmt = select(func.count()).select_from(IntervalHistoryRow)
        if queue_code is not None:
            stmt = stmt.join(QueueRow).where(QueueRow.code == queue_code)
        return self.session.scalar(stmt) or 0

    def spans(self) -> list[HistorySpan]:
        stmt = (
            select(
                QueueRow.code,
                func.min(IntervalHistoryRow.interval_start_utc),
                func.max(IntervalHistoryRow.interval_start_utc),
                func.count(),
                func.sum(IntervalHistoryRow.offered),
            )
            .join(QueueRow, IntervalHistoryRow.queue_id == QueueRow.id)
            .group_by(QueueRow.code)
            .order_by(QueueRow.code)
        )
        spans = []
        for code, first, last, n, offered in self.session.execute(stmt):
            spans.append(HistorySpan(code, first, last, int(n), int(offered or 0)))
        return spans

    def records(
        self,
        queue_code: str | None = None,
        start_utc: datetime | None = None,
        end_utc: datetime | None = None,
    ) -> list[IntervalRecord]:
        """History in [start_utc, end_utc), ordered by queue and time."""
        stmt = (
            select(IntervalHistoryRow, QueueRow.code)
            .join(QueueRow, IntervalHistoryRow.queue_id == QueueRow.id)
            .order_by(QueueRow.code, IntervalHistoryRow.interval_start_utc)
        )
        if queue_code is not None:
            stmt = stmt.where(QueueRow.code == queue_code)
        if start_utc is not None:
            stmt = stmt.where(IntervalHistoryRow.interval_start_utc >= start_utc)
        if end_utc is not None:
            stmt = stmt.where(IntervalHistoryRow.interval_start_utc < end_utc)
        return [
            IntervalRecord(
                queue_code=code,
                interval_start_utc=r.interval_start_utc,
                interval_minutes=r.interval_minutes,
                offered=r.offered,
                answered=r.answered,
                abandoned=r.abandoned,
                short_abandoned=r.short_abandoned,
                answered_within_threshold=r.answered_within_threshold,
                handle_seconds=r.handle_seconds,
                wait_seconds_answered=r.wait_seconds_answered,
                wait_seconds_abandoned=r.wait_seconds_abandoned,
                reason_counts=dict(r.reason_counts or {}),
            )
            for r, code in self.session.execute(stmt)
        ]

    def series(
        self,
        queue_codes: Sequence[str],
        start_utc: datetime | None = None,
        end_utc: datetime | None = None,
    ) -> list[tuple[str, datetime, int, int, int, float]]:
        """Plain rows (queue, interval start, minutes, offered, answered, handle seconds) for
        frames; much faster than `records` on long histories."""
        stmt = (
            select(
                QueueRow.code,
                IntervalHistoryRow.interval_start_utc,
                IntervalHistoryRow.interval_minutes,
                IntervalHistoryRow.offered,
                IntervalHistoryRow.answered,
                IntervalHistoryRow.handle_seconds,
            )
            .join(QueueRow, IntervalHistoryRow.queue_id == QueueRow.id)
            .where(QueueRow.code.in_(list(queue_codes)))
            .order_by(QueueRow.code, IntervalHistoryRow.interval_start_utc)
        )
        if start_utc is not None:
            stmt = stmt.where(IntervalHistoryRow.interval_start_utc >= start_utc)
        if end_utc is not None:
            stmt = stmt.where(IntervalHistoryRow.interval_start_utc < end_utc)
        return [
            (code, start, int(minutes), int(offered), int(answered), float(handle))
            for code, start, minutes, offered, answered, handle in self.session.execute(stmt)
        ]
