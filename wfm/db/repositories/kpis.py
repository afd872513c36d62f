"""Sums of interval history for KPIs, aggregated in the database: per interval, or per bucket of
time (the caller's local days, weeks or months, given as UTC edges). Contact-reason counts (a JSON
object per interval) are summed per bucket here too, from their stored text."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Text, bindparam, func, select, text
from sqlalchemy.orm import Session

from wfm.db.models import (
    IntervalHistoryRow,
    QueueRow,
    ScheduleRow,
    ShiftActivityRow,
    ShiftRow,
)
from wfm.db.types import UTCDateTime

# buckets per statement: three bound values each, well under SQLite's limit of variables
_BUCKETS_PER_QUERY = 500
_SUMS_SQL = (
    "count(*), sum(h.answered), sum(h.abandoned), sum(h.short_abandoned), "
    "sum(h.answered_within_threshold), sum(h.handle_seconds), sum(h.wait_seconds_answered), "
    "sum(h.wait_seconds_abandoned)"
)


@dataclass(frozen=True, slots=True)
class HistorySums:
    queue_code: str
    bucket: int | datetime  # index of the bucket, or the interval's start (UTC)
    intervals: int
    answered: int
    abandoned: int
    short_abandoned: int
    answered_within_threshold: int
    handle_seconds: float
    wait_seconds_answered: float
    wait_seconds_abandoned: float


@dataclass(frozen=True, slots=True)
class ServeSpan:
    queue_code: str
    start_utc: datetime
    end_utc: datetime


class KpiRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def sums_by_bucket(
        self, queue_codes: Sequence[str], edges: Sequence[datetime]
    ) -> list[HistorySums]:
        """Sums per queue and bucket [edges[i], edges[i+1]); `bucket` is the index i.

        The buckets go to the database as a small table joined on the (queue, interval start)
        index, so each bucket is one index range scan and no function runs per row."""
        ids = self._queue_ids(queue_codes)
        if not ids or len(edges) < 2:
            return []
        result: list[HistorySums] = []
        codes = {v: k for k, v in ids.items()}
        for first in range(0, len(edges) - 1, _BUCKETS_PER_QUERY):
            chunk = list(edges[first : first + _BUCKETS_PER_QUERY + 1])
            # a literal table of buckets; plain SQL keeps hundreds of rows cheap to build
            rows_sql = ", ".join(f"(:i{n}, :lo{n}, :hi{n})" for n in range(len(chunk) - 1))
            stmt = text(
                f"WITH buckets (idx, lo, hi) AS (VALUES {rows_sql}) "
                f"SELECT h.queue_id, buckets.idx, {_SUMS_SQL} "
                "FROM buckets JOIN interval_history AS h "
                "ON h.queue_id IN :ids AND h.interval_start_utc >= buckets.lo "
                "AND h.interval_start_utc < buckets.hi "
                "GROUP BY h.queue_id, buckets.idx"
            )
            params: list[Any] = [bindparam("ids", list(ids.values()), expanding=True)]
            for n, (lo, hi) in enumerate(zip(chunk, chunk[1:], strict=False)):
                params += [
                    bindparam(f"i{n}", first + n, type_=Integer()),
                    bindparam(f"lo{n}", lo, type_=UTCDateTime()),
                    bindparam(f"hi{n}", hi, type_=UTCDateTime()),
                ]
            for row in self.session.execute(stmt.bindparams(*params)):
                result.append(_sums(codes[row[0]], int(row[1]), row[2:]))
        result.sort(key=lambda r: (r.queue_code, r.bucket))
        return result

    def reason_counts_by_bucket(
        self, queue_codes: Sequence[str], edges: Sequence[datetime]
    ) -> list[dict[str, int]]:
        """Contacts per recorded reason in each bucket [edges[i], edges[i+1]) over the queues:
        one dict per bucket (empty where no interval recorded reasons).

        The buckets join the (queue, interval start) index as in `sums_by_bucket`; each row
        brings only its bucket index and its reason counts as JSON text (no datetime or ORM
        conversion), and the counts are added up here: JSON objects aggregate the same way on
        SQLite and PostgreSQL only outside SQL. Intervals without reasons (SQL or JSON null)
        are skipped in the query."""
        result: list[dict[str, int]] = [{} for _ in range(max(len(edges) - 1, 0))]
        ids = self._queue_ids(queue_codes)
        if not ids or len(edges) < 2:
            return result
        for first in range(0, len(edges) - 1, _BUCKETS_PER_QUERY):
            chunk = list(edges[first : first + _BUCKETS_PER_QUERY + 1])
            rows_sql = ", ".join(f"(:i{n}, :lo{n}, :hi{n})" for n in range(len(chunk) - 1))
            stmt = text(
                f"WITH buckets (idx, lo, hi) AS (VALUES {rows_sql}) "
                "SELECT buckets.idx, CAST(h.reason_counts AS TEXT) AS reasons "
                "FROM buckets JOIN interval_history AS h "
                "ON h.queue_id IN :ids AND h.interval_start_utc >= buckets.lo "
                "AND h.interval_start_utc < buckets.hi "
                "WHERE h.reason_counts IS NOT NULL "
                "AND CAST(h.reason_counts AS TEXT) NOT IN ('null', '{}')"
            ).columns(idx=Integer(), reasons=Text())
            params: list[Any] = [bindparam("ids", list(ids.values()), expanding=True)]
            for n, (lo, hi) in enumerate(zip(chunk, chunk[1:], strict=False)):
                params += [
                    bindparam(f"i{n}", first + n, type_=Integer()),
                    bindparam(f"lo{n}", lo, type_=UTCDateTime()),
                    bindparam(f"hi{n}", hi, type_=UTCDateTime()),
                ]
            for idx, raw in self.session.execute(stmt.bindparams(*params)):
                _add_reasons(result[int(idx)], raw)
        return result

    def sums_by_interval(
        self, queue_codes: Sequence[str], start_utc: datetime, end_utc: datetime
    ) -> list[HistorySums]:
        """Each stored interval in [start_utc, end_utc) of the queues; `bucket` is its start."""
        ids = self._queue_ids(queue_codes)
        if not ids:
            return []
        h = IntervalHistoryRow
        stmt = (
            select(h.queue_id, h.interval_start_utc, *_sum_columns())
            .where(
                h.queue_id.in_(list(ids.values())),
                h.interval_start_utc >= start_utc,
                h.interval_start_utc < end_utc,
            )
            .group_by(h.queue_id, h.interval_start_utc)
            .order_by(h.queue_id, h.interval_start_utc)
        )
        codes = {v: k for k, v in ids.items()}
        rows = [_sums(codes[row[0]], row[1], row[2:]) for row in self.session.execute(stmt)]
        rows.sort(key=lambda r: (r.queue_code, r.bucket))
        return rows

    def _queue_ids(self, queue_codes: Sequence[str]) -> dict[str, int]:
        if not queue_codes:
            return {}
        stmt = select(QueueRow.code, QueueRow.id).where(QueueRow.code.in_(list(queue_codes)))
        return dict(self.session.execute(stmt).all())

    def published_serve_spans(
        self, queue_codes: Sequence[str], start_utc: datetime, end_utc: datetime
    ) -> list[ServeSpan]:
        """Serve activities on the queues in published schedules overlapping [start, end)."""
        a = ShiftActivityRow
        stmt = (
            select(QueueRow.code, a.start_utc, a.end_utc)
            .join(ShiftRow, a.shift_id == ShiftRow.id)
            .join(ScheduleRow, ShiftRow.schedule_id == ScheduleRow.id)
            .join(QueueRow, a.queue_id == QueueRow.id)
            .where(
                ScheduleRow.status == "published",
                a.activity == "serve",
                QueueRow.code.in_(list(queue_codes)),
                a.end_utc > start_utc,
                a.start_utc < end_utc,
            )
        )
        return [ServeSpan(code, s, e) for code, s, e in self.session.execute(stmt)]


def _add_reasons(into: dict[str, int], raw: str | None) -> None:
    """Add one interval's stored reason counts; anything but a whole count >= 0 is ignored
    (history is written through `IntervalRecord`, so only a hand-edited row could hold it)."""
    if not raw:
        return
    counts = json.loads(raw)
    if not isinstance(counts, dict):
        return
    for name, value in counts.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if value > 0 and value == int(value):
            into[name] = into.get(name, 0) + int(value)


def _sum_columns() -> list[Any]:
    h = IntervalHistoryRow
    return [
        func.count(),
        func.sum(h.answered),
        func.sum(h.abandoned),
        func.sum(h.short_abandoned),
        func.sum(h.answered_within_threshold),
        func.sum(h.handle_seconds),
        func.sum(h.wait_seconds_answered),
        func.sum(h.wait_seconds_abandoned),
    ]


def _sums(queue_code: str, bucket: int | datetime, values: Sequence[Any]) -> HistorySums:
    n, answered, abandoned, short, within, handle, wait_a, wait_b = values
    return HistorySums(
        queue_code=queue_code,
        bucket=bucket,
        intervals=int(n),
        answered=int(answered or 0),
        abandoned=int(abandoned or 0),
        short_abandoned=int(short or 0),
        answered_within_threshold=int(within or 0),
        handle_seconds=float(handle or 0.0),
        wait_seconds_answered=float(wait_a or 0.0),
        wait_seconds_abandoned=float(wait_b or 0.0),
    )
