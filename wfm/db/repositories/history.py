"""Interval history: bulk upsert (idempotent by queue and interval start), deletion of a range
and range reads. Every write recomputes the daily sums of the local days it touched
(`wfm.db.day_sums`), holding the written queues' history locks."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, func, select
from sqlalchemy.orm import Session

from wfm.db import day_sums
from wfm.db.models import IntervalHistoryRow, QueueRow
from wfm.domain import IntervalRecord
from wfm.domain.errors import NotFoundError

_VALUE_COLUMNS = ("interval_minutes", "offered", *day_sums.SUMMED_COLUMNS, "reason_counts")
_COLUMNS = ("queue_id", "interval_start_utc", *_VALUE_COLUMNS)
_ON_CONFLICT = "ON CONFLICT (queue_id, interval_start_utc) DO UPDATE SET " + ", ".join(
    f"{name} = excluded.{name}" for name in _VALUE_COLUMNS
)
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
        rows: list[tuple[Any, ...]] = []
        starts: dict[int, set[datetime]] = defaultdict(set)
        for record in records:
            queue_id = queue_ids.get(record.queue_code)
            if queue_id is None:
                raise NotFoundError(f"no queue {record.queue_code!r}")
            start = record.interval_start_utc
            if start.tzinfo is None or start.utcoffset() is None:
                raise ValueError(
                    f"naive datetime {start.isoformat()} given: datetimes must carry a zone"
                )
            start = start.astimezone(UTC)
            starts[queue_id].add(start)
            rows.append(
                (
                    queue_id,
                    start,
                    record.interval_minutes,
                    record.offered,
                    record.answered,
                    record.abandoned,
                    record.short_abandoned,
                    record.answered_within_threshold,
                    record.handle_seconds,
                    record.wait_seconds_answered,
                    record.wait_seconds_abandoned,
                    json.dumps(record.reason_counts) if record.reason_counts else None,
                )
            )
        connection = self.session.connection()
        day_sums.lock_queues(connection, starts.keys())
        if connection.dialect.name == "postgresql":
            _copy_upsert_postgresql(connection, rows)
        else:
            _upsert_sqlite(connection, rows)
        day_sums.refresh_for_intervals(connection, starts)
        return len(rows)

    def delete_range(self, queue_code: str, start_utc: datetime, end_utc: datetime) -> int:
        """Delete the queue's intervals starting in [start_utc, end_utc) and recompute the
        daily sums of the local days they were in; returns the intervals deleted."""
        queue_id = self.session.scalar(select(QueueRow.id).where(QueueRow.code == queue_code))
        if queue_id is None:
            raise NotFoundError(f"no queue {queue_code!r}")
        connection = self.session.connection()
        day_sums.lock_queues(connection, [queue_id])
        h = IntervalHistoryRow
        in_range = (
            h.queue_id == queue_id,
            h.interval_start_utc >= start_utc,
            h.interval_start_utc < end_utc,
        )
        count, first, last = self.session.execute(
            select(
                func.count(), func.min(h.interval_start_utc), func.max(h.interval_start_utc)
            ).where(*in_range)
        ).one()
        if not count:
            return 0
        self.session.execute(delete(h).where(*in_range))
        day_sums.refresh_span(connection, queue_id, first, last)
        return int(count)

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

    def reason_series(
        self, queue_code: str, start_utc: datetime, end_utc: datetime
    ) -> list[tuple[datetime, int, dict[str, int]]]:
        """(interval start, offered, contacts per recorded reason) of one queue in
        [start_utc, end_utc), by time; an interval without recorded reasons has an empty dict."""
        stmt = (
            select(
                IntervalHistoryRow.interval_start_utc,
                IntervalHistoryRow.offered,
                IntervalHistoryRow.reason_counts,
            )
            .join(QueueRow, IntervalHistoryRow.queue_id == QueueRow.id)
            .where(
                QueueRow.code == queue_code,
                IntervalHistoryRow.interval_start_utc >= start_utc,
                IntervalHistoryRow.interval_start_utc < end_utc,
            )
            .order_by(IntervalHistoryRow.interval_start_utc)
        )
        return [
            (start, int(offered), {str(k): int(v) for k, v in (reasons or {}).items()})
            for start, offered, reasons in self.session.execute(stmt)
        ]


# Bulk writes go below SQLAlchemy's per-row processing: a million intervals is the size of a
# year's export for a few dozen queues, and each row through the ORM's bind processing costs
# more than the database's own work. The values are those the column types would write.


def _upsert_sqlite(connection: Connection, rows: list[tuple[Any, ...]]) -> None:
    """Insert or replace on SQLite with the driver's executemany; datetimes as the UTC text
    `UTCDateTime` stores there."""
    sql = (
        f"INSERT INTO interval_history ({', '.join(_COLUMNS)}) "
        f"VALUES ({', '.join('?' for _ in _COLUMNS)}) {_ON_CONFLICT}"
    )
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        for first in range(0, len(rows), _BATCH_ROWS):
            cursor.executemany(
                sql,
                [
                    (
                        row[0],
                        row[1].replace(tzinfo=None).isoformat(" ", "microseconds"),
                        *row[2:],
                    )
                    for row in rows[first : first + _BATCH_ROWS]
                ],
            )
    finally:
        cursor.close()


def _copy_upsert_postgresql(connection: Connection, rows: list[tuple[Any, ...]]) -> None:
    """Insert or replace on PostgreSQL: COPY into a temporary table, then one INSERT ... SELECT
    ... ON CONFLICT (COPY costs a fraction of row-by-row inserts)."""
    connection.exec_driver_sql(
        "CREATE TEMPORARY TABLE IF NOT EXISTS interval_history_import ("
        "queue_id integer, interval_start_utc timestamptz, interval_minutes integer, "
        "offered integer, answered integer, abandoned integer, short_abandoned integer, "
        "answered_within_threshold integer, handle_seconds double precision, "
        "wait_seconds_answered double precision, wait_seconds_abandoned double precision, "
        "reason_counts json) ON COMMIT DROP"
    )
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(
            f"COPY interval_history_import ({', '.join(_COLUMNS)}) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
    finally:
        cursor.close()
    connection.exec_driver_sql(
        f"INSERT INTO interval_history ({', '.join(_COLUMNS)}) "
        f"SELECT {', '.join(_COLUMNS)} FROM interval_history_import {_ON_CONFLICT}"
    )
    connection.exec_driver_sql("DELETE FROM interval_history_import")
