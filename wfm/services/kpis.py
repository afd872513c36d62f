"""KPI reports from stored history: per queue and period (interval, day, week, month) in the site's
timezone, with the formulas of `wfm.kpi`. Occupancy uses the agent time the published schedules
put on serving the queue (null where no published schedule covers the period)."""

from __future__ import annotations

import bisect
import threading
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from time import monotonic
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from wfm.db.repositories import QueueRepository, SiteRepository
from wfm.db.repositories.kpis import HistorySums, KpiRepository, ServeSpan
from wfm.errors import NotFoundError, ValidationError
from wfm.kpi import IntervalCounts, KpiOptions, KpiValues, kpis

GRANULARITIES = ("interval", "day", "week", "month")
MAX_DAYS = {"interval": 31, "day": 732, "week": 1830, "month": 3660}


@dataclass(frozen=True, slots=True)
class KpiPoint:
    period: str  # local date (day, week, month) or local date-time (interval), ISO 8601
    period_start_utc: datetime
    intervals: int
    values: KpiValues


@dataclass(frozen=True, slots=True)
class KpiSeries:
    queue_code: str | None  # None: all the report's queues together
    points: tuple[KpiPoint, ...]
    total: KpiValues
    intervals: int


@dataclass(frozen=True, slots=True)
class KpiReport:
    site_code: str
    timezone: str
    granularity: str
    start: date
    end: date
    options: KpiOptions
    series: tuple[KpiSeries, ...]
    overall: KpiSeries


def _local_midnight_utc(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _period_of(day: date, granularity: str) -> date:
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    return day


def _next_period(start: date, granularity: str) -> date:
    if granularity == "day":
        return start + timedelta(days=1)
    if granularity == "week":
        return start + timedelta(days=7)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def _counts(rows: Sequence[HistorySums]) -> IntervalCounts:
    return IntervalCounts(
        answered=sum(r.answered for r in rows),
        abandoned=sum(r.abandoned for r in rows),
        short_abandoned=sum(r.short_abandoned for r in rows),
        answered_within_threshold=sum(r.answered_within_threshold for r in rows),
        handle_seconds=sum(r.handle_seconds for r in rows),
        wait_seconds_answered=sum(r.wait_seconds_answered for r in rows),
        wait_seconds_abandoned=sum(r.wait_seconds_abandoned for r in rows),
    )


def staffed_seconds(
    spans: Sequence[ServeSpan], buckets: Sequence[tuple[datetime, datetime]]
) -> list[float]:
    """Seconds of the spans inside each bucket [start, end); buckets sorted, not overlapping."""
    totals = [0.0] * len(buckets)
    ends = [end for _, end in buckets]
    for span in spans:
        i = bisect.bisect_right(ends, span.start_utc)
        while i < len(buckets) and buckets[i][0] < span.end_utc:
            low, high = buckets[i]
            overlap = (min(high, span.end_utc) - max(low, span.start_utc)).total_seconds()
            if overlap > 0:
                totals[i] += overlap
            i += 1
    return totals


def kpi_report(
    session: Session,
    *,
    site_code: str,
    start: date,
    end: date,
    granularity: str = "day",
    queue_codes: Sequence[str] | None = None,
    options: KpiOptions = KpiOptions(),
    day_cache: DaySumsCache | None = None,
) -> KpiReport:
    """KPIs of the site's queues (or the named ones) over local days [start, end). Daily sums
    may come from `day_cache` (kept for its time to live; clear it when history changes)."""
    if granularity not in GRANULARITIES:
        raise ValidationError(f"granularity must be one of {', '.join(GRANULARITIES)}")
    if end <= start:
        raise ValidationError(f"end ({end}) must be after start ({start})")
    if (end - start).days > MAX_DAYS[granularity]:
        raise ValidationError(
            f"a {granularity} report covers at most {MAX_DAYS[granularity]} days; "
            f"asked for {(end - start).days}"
        )
    site = SiteRepository(session).get(site_code)
    queues = QueueRepository(session).list(site_code)
    known = [q.code for q in queues]
    if queue_codes:
        missing = [q for q in queue_codes if q not in known]
        if missing:
            raise NotFoundError(f"site {site_code!r} has no queue {missing[0]!r}")
        chosen = list(dict.fromkeys(queue_codes))
    else:
        chosen = known
    zone = ZoneInfo(site.timezone)
    start_utc = _local_midnight_utc(start, zone)
    end_utc = _local_midnight_utc(end, zone)
    repo = KpiRepository(session)
    spans = repo.published_serve_spans(chosen, start_utc, end_utc) if chosen else []

    # every bucket: its key (start of its period, UTC), label, and [from, to) within the report
    grouped: dict[str, dict[datetime, list[HistorySums]]] = defaultdict(lambda: defaultdict(list))
    labels: dict[datetime, str] = {}
    lower_edges: dict[datetime, datetime] = {}
    interval_ends: dict[datetime, datetime] = {}
    if granularity == "interval":
        rows = repo.sums_by_interval(chosen, start_utc, end_utc) if chosen else []
        step = _interval_step(rows)
        for row in rows:
            assert isinstance(row.bucket, datetime)
            key = row.bucket
            labels[key] = key.astimezone(zone).replace(tzinfo=None).isoformat()
            lower_edges[key] = key
            interval_ends[key] = key + step
            grouped[row.queue_code][key].append(row)
    else:
        cursor = start
        while cursor < end:
            period = _period_of(cursor, granularity)
            key = _local_midnight_utc(period, zone)
            upper = min(_next_period(period, granularity), end)
            labels[key] = period.isoformat()
            lower_edges[key] = _local_midnight_utc(cursor, zone)
            interval_ends[key] = _local_midnight_utc(upper, zone)
            cursor = upper
        by_day = _day_sums(repo, chosen, start, end, site.timezone, day_cache)
        for (code, day), sums in sorted(by_day.items()):
            if sums is not None:
                key = _local_midnight_utc(_period_of(day, granularity), zone)
                grouped[code][key].append(sums)

    spans_by_queue: dict[str, list[ServeSpan]] = defaultdict(list)
    for span in spans:
        spans_by_queue[span.queue_code].append(span)

    def point(key: datetime, bucket_rows: list[HistorySums], staffed: float | None) -> KpiPoint:
        counts = _counts(bucket_rows)
        if staffed is not None and staffed > 0:
            counts = _with_available(counts, staffed)
        return KpiPoint(
            period=labels[key],
            period_start_utc=key,
            intervals=sum(r.intervals for r in bucket_rows),
            values=kpis(counts, options),
        )

    series: list[KpiSeries] = []
    overall_buckets: dict[datetime, list[HistorySums]] = defaultdict(list)
    overall_staffed: dict[datetime, float] = defaultdict(float)
    overall_has_staffed = False
    for code in chosen:
        buckets = grouped.get(code, {})
        keys = sorted(buckets)
        staffed_list: list[float | None] = [None] * len(keys)
        queue_spans = spans_by_queue.get(code, [])
        if queue_spans and keys:
            buckets_utc = [(lower_edges[key], interval_ends[key]) for key in keys]
            staffed_list = list(staffed_seconds(queue_spans, buckets_utc))
            overall_has_staffed = True
        points = []
        for key, staffed in zip(keys, staffed_list, strict=True):
            points.append(point(key, buckets[key], staffed))
            overall_buckets[key].extend(buckets[key])
            if staffed:
                overall_staffed[key] += staffed
        all_rows = [r for key in keys for r in buckets[key]]
        staffed_total = sum(s for s in staffed_list if s) if queue_spans else None
        total_counts = _counts(all_rows)
        if staffed_total:
            total_counts = _with_available(total_counts, staffed_total)
        series.append(
            KpiSeries(
                queue_code=code,
                points=tuple(points),
                total=kpis(total_counts, options),
                intervals=sum(r.intervals for r in all_rows),
            )
        )
    overall_points = tuple(
        point(key, overall_buckets[key], overall_staffed.get(key) if overall_has_staffed else None)
        for key in sorted(overall_buckets)
    )
    every_row = [r for rows_ in overall_buckets.values() for r in rows_]
    overall_counts = _counts(every_row)
    if overall_has_staffed and sum(overall_staffed.values()) > 0:
        overall_counts = _with_available(overall_counts, sum(overall_staffed.values()))
    overall = KpiSeries(
        queue_code=None,
        points=overall_points,
        total=kpis(overall_counts, options),
        intervals=sum(r.intervals for r in every_row),
    )
    return KpiReport(
        site_code=site_code,
        timezone=site.timezone,
        granularity=granularity,
        start=start,
        end=end,
        options=options,
        series=tuple(series),
        overall=overall,
    )


class DaySumsCache:
    """Per queue and local day, the sums of its intervals, kept in memory for `ttl_seconds`.

    Day, week and month reports are built from daily sums, so a year's report costs 365 lookups
    once the days are known. Whoever writes history must `clear()` it; other processes' writes
    show once the entries expire."""

    def __init__(self, ttl_seconds: float, max_entries: int = 500_000) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._items: dict[tuple[str, str, date], tuple[float, HistorySums | None]] = {}
        self._lock = threading.Lock()

    def get(
        self, timezone: str, queue_code: str, days: Sequence[date]
    ) -> dict[date, HistorySums | None] | None:
        """All the days' sums, or None when any is missing or expired."""
        if self.ttl_seconds <= 0:
            return None
        now = monotonic()
        found: dict[date, HistorySums | None] = {}
        with self._lock:
            for day in days:
                hit = self._items.get((timezone, queue_code, day))
                if hit is None or now - hit[0] >= self.ttl_seconds:
                    return None
                found[day] = hit[1]
        return found

    def put(self, timezone: str, queue_code: str, values: dict[date, HistorySums | None]) -> None:
        if self.ttl_seconds <= 0:
            return
        now = monotonic()
        with self._lock:
            if len(self._items) + len(values) > self.max_entries:
                self._items.clear()
            for day, sums in values.items():
                self._items[(timezone, queue_code, day)] = (now, sums)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def _day_sums(
    repo: KpiRepository,
    queue_codes: Sequence[str],
    start: date,
    end: date,
    timezone: str,
    cache: DaySumsCache | None,
) -> dict[tuple[str, date], HistorySums | None]:
    """Sums per queue and local day over [start, end); None for a day without history."""
    days = [start + timedelta(days=i) for i in range((end - start).days)]
    result: dict[tuple[str, date], HistorySums | None] = {}
    missing: list[str] = []
    for code in queue_codes:
        cached = cache.get(timezone, code, days) if cache is not None else None
        if cached is None:
            missing.append(code)
        else:
            result.update({(code, day): sums for day, sums in cached.items()})
    if missing and days:
        zone = ZoneInfo(timezone)
        edges = [_local_midnight_utc(day, zone) for day in [*days, end]]
        fetched: dict[str, dict[date, HistorySums | None]] = {
            code: dict.fromkeys(days) for code in missing
        }
        for row in repo.sums_by_bucket(missing, edges):
            assert isinstance(row.bucket, int)
            fetched[row.queue_code][days[row.bucket]] = row
        for code, values in fetched.items():
            if cache is not None:
                cache.put(timezone, code, values)
            result.update({(code, day): sums for day, sums in values.items()})
    return result


def _interval_step(rows: Sequence[HistorySums]) -> timedelta:
    starts = sorted({r.bucket for r in rows if isinstance(r.bucket, datetime)})
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False) if b > a]
    return min(gaps) if gaps else timedelta(minutes=15)


def _with_available(counts: IntervalCounts, staffed_seconds_total: float) -> IntervalCounts:
    return IntervalCounts(
        answered=counts.answered,
        abandoned=counts.abandoned,
        short_abandoned=counts.short_abandoned,
        answered_within_threshold=counts.answered_within_threshold,
        handle_seconds=counts.handle_seconds,
        wait_seconds_answered=counts.wait_seconds_answered,
        wait_seconds_abandoned=counts.wait_seconds_abandoned,
        available_seconds=max(0.0, staffed_seconds_total - counts.handle_seconds),
    )
