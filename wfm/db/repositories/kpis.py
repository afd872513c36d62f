"""Sums of interval history for KPIs: per interval, or per local day from the daily sums kept
beside the intervals (`wfm.db.day_sums`). Contact-reason counts (a JSON object per interval) are
summed per bucket of time (given as UTC edges) here too, from their stored text."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Date, Integer, Select, Text, bindparam, func, literal, select, text
from sqlalchemy.orm import Session

from wfm.db.day_sums import SUMMED_COLUMNS
from wfm.db.models import (
    IntervalHistoryDayRow,
    IntervalHistoryRow,
    QueueRow,
    ScheduleRow,
    ShiftActivityRow,
    ShiftRow,
    SiteRow,
)
from wfm.db.types import UTCDateTime
from wfm.domain.errors import NotFoundError

# buckets per statement: three bound values each, well under SQLite's limit of variables
_BUCKETS_PER_QUERY = 500


class HistorySums(NamedTuple):
    """Sums over the intervals of one queue in one bucket (a tuple: reports add up thousands)."""

    queue_code: str
    bucket: date | datetime  # the local day, or the interval's start (UTC)
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

    def site_queues(self, site_code: str) -> tuple[str, dict[str, int]]:
        """The site's timezone and its queues (code to id, in code order)."""
        rows = self.session.connection().execute(_SITE_QUEUES, {"site": site_code}).all()
        if not rows:
            raise NotFoundError(f"no site {site_code!r}")
        return rows[0][0], {code: queue_id for _, code, queue_id in rows if code is not None}

    def sums_by_period(
        self, queue_ids: Mapping[str, int], start: date, end: date, granularity: str
    ) -> list[HistorySums]:
        """The stored daily sums of the queues over local days [start, end), added up per day,
        week or month (`granularity`) in the database; `bucket` is the period's first day
        (the report's first day lies inside its first period when it starts mid-period)."""
        if not queue_ids:
            return []
        params = {"ids": list(queue_ids.values()), "start": start, "end": end}
        return _history_sums(self.session, _PERIOD_SUMS[granularity], params, queue_ids)

    def reason_counts_by_bucket(
        self, queue_codes: Sequence[str], edges: Sequence[datetime]
    ) -> list[dict[str, int]]:
        """Contacts per recorded reason in each bucket [edges[i], edges[i+1]) over the queues:
        one dict per bucket (empty where no interval recorded reasons).

        The buckets go to the database as a small table joined on the (queue, interval start)
        index, so each bucket is one index range scan; each row brings only its bucket index
        and its reason counts as JSON text (no datetime or ORM conversion), and the counts are
        added up here: JSON objects aggregate the same way on SQLite and PostgreSQL only
        outside SQL. Intervals without reasons (SQL or JSON null)
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
        self, queue_ids: Mapping[str, int], start_utc: datetime, end_utc: datetime
    ) -> list[HistorySums]:
        """Each stored interval in [start_utc, end_utc) of the queues; `bucket` is its start."""
        if not queue_ids:
            return []
        params = {"ids": list(queue_ids.values()), "start": start_utc, "end": end_utc}
        return _history_sums(self.session, _INTERVAL_SUMS, params, queue_ids)

    def _queue_ids(self, queue_codes: Sequence[str]) -> dict[str, int]:
        if not queue_codes:
            return {}
        stmt = select(QueueRow.code, QueueRow.id).where(QueueRow.code.in_(list(queue_codes)))
        return dict(self.session.execute(stmt).all())

    def published_serve_spans(
        self, queue_ids: Mapping[str, int], start_utc: datetime, end_utc: datetime
    ) -> list[ServeSpan]:
        """Serve activities on the queues in published schedules overlapping [start, end)."""
        if not queue_ids:
            return []
        codes = {v: k for k, v in queue_ids.items()}
        params = {"ids": list(queue_ids.values()), "start": start_utc, "end": end_utc}
        rows = self.session.connection().execute(_SERVE_SPANS, params)
        return [ServeSpan(codes[q], s, e) for q, s, e in rows if q is not None]


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


def _history_sums(
    session: Session, stmt: Select[Any], params: dict[str, Any], ids: Mapping[str, int]
) -> list[HistorySums]:
    """The statement's rows (queue id, bucket, intervals, then the summed columns) with queue
    codes, on the session's connection (plain rows, no ORM loading)."""
    codes = {v: k for k, v in ids.items()}
    return [
        HistorySums(codes[queue_id], *values)
        for queue_id, *values in session.connection().execute(stmt, params)
    ]


# The report's statements are built once; each read only binds its values.
# the site's timezone with each of its queues (one row with null queue when it has none)
_SITE_QUEUES = (
    select(SiteRow.timezone, QueueRow.code, QueueRow.id)
    .outerjoin(QueueRow, QueueRow.site_id == SiteRow.id)
    .where(SiteRow.code == bindparam("site"))
    .order_by(QueueRow.code)
)


def _period_sums(granularity: str) -> Select[Any]:
    d = IntervalHistoryDayRow
    period = {"day": d.local_date, "week": d.week_start, "month": d.month_start}[granularity]
    return (
        select(
            d.queue_id,
            period,
            func.sum(d.intervals),
            *(func.sum(getattr(d, name)) for name in SUMMED_COLUMNS),
        )
        .where(
            d.queue_id.in_(bindparam("ids", expanding=True)),
            d.local_date >= bindparam("start", type_=Date()),
            d.local_date < bindparam("end", type_=Date()),
        )
        .group_by(d.queue_id, period)
    )


_PERIOD_SUMS = {granularity: _period_sums(granularity) for granularity in ("day", "week", "month")}
_INTERVAL_SUMS = select(
    IntervalHistoryRow.queue_id,
    IntervalHistoryRow.interval_start_utc,
    literal(1),  # one interval per row: (queue, interval start) is unique
    *(getattr(IntervalHistoryRow, name) for name in SUMMED_COLUMNS),
).where(
    IntervalHistoryRow.queue_id.in_(bindparam("ids", expanding=True)),
    IntervalHistoryRow.interval_start_utc >= bindparam("start", type_=UTCDateTime()),
    IntervalHistoryRow.interval_start_utc < bindparam("end", type_=UTCDateTime()),
)
_SERVE_SPANS = (
    select(ShiftActivityRow.queue_id, ShiftActivityRow.start_utc, ShiftActivityRow.end_utc)
    .join(ShiftRow, ShiftActivityRow.shift_id == ShiftRow.id)
    .join(ScheduleRow, ShiftRow.schedule_id == ScheduleRow.id)
    .where(
        ScheduleRow.status == "published",
        ShiftActivityRow.activity == "serve",
        ShiftActivityRow.queue_id.in_(bindparam("ids", expanding=True)),
        ShiftActivityRow.end_utc > bindparam("start", type_=UTCDateTime()),
        ShiftActivityRow.start_utc < bindparam("end", type_=UTCDateTime()),
    )
)
