"""Sums of interval history for KPIs, aggregated in the database: by interval, or by local day of
the site's timezone (weeks and months are rolled up from days by the caller)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, case, cast, func, literal, select
from sqlalchemy.orm import Session

from wfm.db.models import (
    IntervalHistoryRow,
    QueueRow,
    ScheduleRow,
    ShiftActivityRow,
    ShiftRow,
)


@dataclass(frozen=True, slots=True)
class HistorySums:
    queue_code: str
    bucket: date | datetime  # local date (by day) or interval start UTC (by interval)
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


def utc_offsets(
    timezone: str, start_utc: datetime, end_utc: datetime
) -> list[tuple[datetime, int]]:
    """The zone's UTC offset (seconds) over [start, end): (from instant, offset) pieces."""
    zone = ZoneInfo(timezone)

    def offset(at: datetime) -> int:
        delta = at.astimezone(zone).utcoffset()
        return int(delta.total_seconds()) if delta is not None else 0

    pieces = [(start_utc, offset(start_utc))]
    step = timedelta(hours=6)
    probe = start_utc
    while probe < end_utc:
        nxt = min(probe + step, end_utc)
        if offset(nxt) != pieces[-1][1]:
            low, high = probe, nxt  # the change lies in (low, high]; find it to the minute
            while high - low > timedelta(minutes=1):
                mid = low + (high - low) / 2
                if offset(mid) == pieces[-1][1]:
                    low = mid
                else:
                    high = mid
            change = high.replace(second=0, microsecond=0)
            pieces.append((change, offset(nxt)))
        probe = nxt
    return pieces


class KpiRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _local_day(self, timezone: str, start_utc: datetime, end_utc: datetime) -> Any:
        column = IntervalHistoryRow.interval_start_utc
        if self.session.get_bind().dialect.name == "postgresql":
            return cast(func.timezone(literal(timezone), column), Date)
        pieces = utc_offsets(timezone, start_utc, end_utc)
        if len(pieces) == 1:
            shift: Any = literal(f"{pieces[0][1]:+d} seconds")
        else:
            shift = case(
                *[
                    (column < since, literal(f"{prev:+d} seconds"))
                    for (since, _), (_, prev) in zip(pieces[1:], pieces[:-1], strict=True)
                ],
                else_=literal(f"{pieces[-1][1]:+d} seconds"),
            )
        return func.date(column, shift)

    def sums(
        self,
        queue_codes: Sequence[str],
        start_utc: datetime,
        end_utc: datetime,
        *,
        by: str,
        timezone: str = "UTC",
    ) -> list[HistorySums]:
        """Sums per queue and bucket over [start_utc, end_utc); `by` is "interval" or "day"."""
        h = IntervalHistoryRow
        if by == "day":
            bucket: Any = self._local_day(timezone, start_utc, end_utc)
        elif by == "interval":
            bucket = h.interval_start_utc
        else:
            raise ValueError(f"by must be 'interval' or 'day', got {by!r}")
        stmt = (
            select(
                QueueRow.code,
                bucket.label("bucket"),
                func.count(),
                func.sum(h.answered),
                func.sum(h.abandoned),
                func.sum(h.short_abandoned),
                func.sum(h.answered_within_threshold),
                func.sum(h.handle_seconds),
                func.sum(h.wait_seconds_answered),
                func.sum(h.wait_seconds_abandoned),
            )
            .join(QueueRow, h.queue_id == QueueRow.id)
            .where(
                QueueRow.code.in_(list(queue_codes)),
                h.interval_start_utc >= start_utc,
                h.interval_start_utc < end_utc,
            )
            .group_by(QueueRow.code, bucket)
            .order_by(QueueRow.code, bucket)
        )
        result = []
        for code, key, n, ans, abn, short, within, handle, wait_a, wait_b in self.session.execute(
            stmt
        ):
            if by == "day" and isinstance(key, str):
                key = date.fromisoformat(key)
            elif by == "interval" and isinstance(key, datetime) and key.tzinfo is None:
                key = key.replace(tzinfo=UTC)
            result.append(
                HistorySums(
                    queue_code=code,
                    bucket=key,
                    intervals=int(n),
                    answered=int(ans or 0),
                    abandoned=int(abn or 0),
                    short_abandoned=int(short or 0),
                    answered_within_threshold=int(within or 0),
                    handle_seconds=float(handle or 0.0),
                    wait_seconds_answered=float(wait_a or 0.0),
                    wait_seconds_abandoned=float(wait_b or 0.0),
                )
            )
        return result

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
