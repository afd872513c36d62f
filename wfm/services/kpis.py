"""KPI reports from stored history: per queue and period (interval, day, week, month) in the site's
timezone, with the formulas of `wfm.domain.kpi`.
Occupancy uses the agent time the published schedules
put on serving the queue (null where no published schedule covers the period)."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from wfm.db.repositories.kpis import HistorySums, KpiRepository, ServeSpan
from wfm.domain.errors import NotFoundError, ValidationError
from wfm.domain.grid import local_midnight_utc
from wfm.domain.kpi import IntervalCounts, KpiOptions, KpiValues, kpis

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
) -> KpiReport:
    """KPIs of the site's queues (or the named ones) over local days [start, end): by interval
    from the stored intervals, by day, week or month from the stored daily sums."""
    _check_range(granularity, start, end)
    repo = KpiRepository(session)
    timezone, queue_ids = repo.site_queues(site_code)
    chosen = _chosen_queues(site_code, queue_ids, queue_codes)
    ids = {code: queue_ids[code] for code in chosen}
    zone = ZoneInfo(timezone)
    start_utc = local_midnight_utc(start, zone)
    end_utc = local_midnight_utc(end, zone)

    sums: dict[str, dict[datetime, list[float]]] = {code: {} for code in chosen}
    if granularity == "interval":
        periods = _interval_sums(repo, ids, start_utc, end_utc, zone, sums)
    else:
        periods = _period_sums(repo, ids, start, end, granularity, zone, sums)

    spans_by_queue: dict[str, list[ServeSpan]] = defaultdict(list)
    for span in repo.published_serve_spans(ids, start_utc, end_utc):
        spans_by_queue[span.queue_code].append(span)

    series: list[KpiSeries] = []
    overall_staffed: dict[datetime, float] | None = None
    for code in chosen:
        staffed = _staffed_by_period(spans_by_queue.get(code), sums[code], periods)
        if staffed is not None:
            overall_staffed = overall_staffed if overall_staffed is not None else {}
            for key, value in staffed.items():
                overall_staffed[key] = overall_staffed.get(key, 0.0) + value
        series.append(_series(code, sums[code], staffed, periods, options))
    if len(series) == 1:  # the one queue is the whole report
        overall = KpiSeries(None, series[0].points, series[0].total, series[0].intervals)
    else:
        overall_sums: dict[datetime, list[float]] = {}
        for code in chosen:
            for key, values in sums[code].items():
                _add(overall_sums, key, values)
        overall = _series(None, overall_sums, overall_staffed, periods, options)
    return KpiReport(
        site_code=site_code,
        timezone=timezone,
        granularity=granularity,
        start=start,
        end=end,
        options=options,
        series=tuple(series),
        overall=overall,
    )


# Every period of a report: its key (start of the period, UTC) -> its label and [from, to)
# within the report. Sums per queue and period are [intervals, then the counts in
# IntervalCounts' order].
_Periods = dict[datetime, tuple[str, datetime, datetime]]


def _check_range(granularity: str, start: date, end: date) -> None:
    if granularity not in GRANULARITIES:
        raise ValidationError(f"granularity must be one of {', '.join(GRANULARITIES)}")
    if end <= start:
        raise ValidationError(f"end ({end}) must be after start ({start})")
    if (end - start).days > MAX_DAYS[granularity]:
        raise ValidationError(
            f"a {granularity} report covers at most {MAX_DAYS[granularity]} days; "
            f"asked for {(end - start).days}"
        )


def _chosen_queues(
    site_code: str, queue_ids: Mapping[str, int], queue_codes: Sequence[str] | None
) -> list[str]:
    """The queues named (each once, in order; all known to the site), else all the site's."""
    if queue_codes:
        missing = [q for q in queue_codes if q not in queue_ids]
        if missing:
            raise NotFoundError(f"site {site_code!r} has no queue {missing[0]!r}")
        return list(dict.fromkeys(queue_codes))
    return list(queue_ids)


def _interval_sums(
    repo: KpiRepository,
    ids: Mapping[str, int],
    start_utc: datetime,
    end_utc: datetime,
    zone: ZoneInfo,
    sums: dict[str, dict[datetime, list[float]]],
) -> _Periods:
    """The stored intervals added into `sums`; each interval a period labelled by its local
    start."""
    periods: _Periods = {}
    rows = repo.sums_by_interval(ids, start_utc, end_utc)
    step = _interval_step(rows)
    for row in rows:
        assert isinstance(row.bucket, datetime)
        if row.bucket not in periods:
            label = row.bucket.astimezone(zone).replace(tzinfo=None).isoformat()
            periods[row.bucket] = (label, row.bucket, row.bucket + step)
        _add(sums[row.queue_code], row.bucket, row[2:])
    return periods


def _period_sums(
    repo: KpiRepository,
    ids: Mapping[str, int],
    start: date,
    end: date,
    granularity: str,
    zone: ZoneInfo,
    sums: dict[str, dict[datetime, list[float]]],
) -> _Periods:
    """The stored daily sums per day, week or month added into `sums`; every period of the
    report, the first and the last cut to the report's days."""
    periods: _Periods = {}
    key_of_period: dict[date, datetime] = {}
    cursor = start
    while cursor < end:
        period = _period_of(cursor, granularity)
        key = local_midnight_utc(period, zone)
        upper = min(_next_period(period, granularity), end)
        lower_utc = local_midnight_utc(cursor, zone)
        periods[key] = (period.isoformat(), lower_utc, local_midnight_utc(upper, zone))
        key_of_period[period] = key
        cursor = upper
    for row in repo.sums_by_period(ids, start, end, granularity):
        assert isinstance(row.bucket, date)
        _add(sums[row.queue_code], key_of_period[row.bucket], row[2:])
    return periods


def _staffed_by_period(
    spans: Sequence[ServeSpan] | None, by_key: Mapping[datetime, list[float]], periods: _Periods
) -> dict[datetime, float] | None:
    """Seconds the published schedules put on the queue in each of its periods; None without
    spans or sums."""
    if not spans or not by_key:
        return None
    keys = sorted(by_key)
    seconds = staffed_seconds(spans, [periods[key][1:] for key in keys])
    return dict(zip(keys, seconds, strict=True))


def _series(
    code: str | None,
    by_key: Mapping[datetime, list[float]],
    staffed: Mapping[datetime, float] | None,
    periods: _Periods,
    options: KpiOptions,
) -> KpiSeries:
    """The KPIs of one queue (None: the queues together) per period and in total."""
    keys = sorted(by_key)
    points = tuple(
        KpiPoint(
            period=periods[key][0],
            period_start_utc=key,
            intervals=int(by_key[key][0]),
            values=_values(by_key[key], staffed.get(key) if staffed is not None else None, options),
        )
        for key in keys
    )
    total = _total([by_key[key] for key in keys])
    staffed_total = sum(staffed.values()) if staffed is not None else None
    return KpiSeries(
        queue_code=code,
        points=points,
        total=_values(total, staffed_total, options),
        intervals=int(total[0]),
    )


def _add(into: dict[datetime, list[float]], key: datetime, values: Sequence[Any]) -> None:
    """Add `values` (intervals, then the counts) to the sums kept under `key`."""
    held = into.get(key)
    into[key] = list(values) if held is None else [a + b for a, b in zip(held, values, strict=True)]


def _total(vectors: Sequence[list[float]]) -> list[float]:
    return [sum(column) for column in zip(*vectors, strict=True)] if vectors else [0.0] * 8


def _values(sums: Sequence[float], staffed: float | None, options: KpiOptions) -> KpiValues:
    """The KPIs of one period's sums; occupancy where the published schedules staffed it."""
    _, answered, abandoned, short, within, handle, wait_answered, wait_abandoned = sums
    counts = IntervalCounts(
        answered=int(answered),
        abandoned=int(abandoned),
        short_abandoned=int(short),
        answered_within_threshold=int(within),
        handle_seconds=float(handle),
        wait_seconds_answered=float(wait_answered),
        wait_seconds_abandoned=float(wait_abandoned),
        available_seconds=max(0.0, staffed - handle) if staffed else None,
    )
    return kpis(counts, options)


def _interval_step(rows: Sequence[HistorySums]) -> timedelta:
    starts = sorted({r.bucket for r in rows if isinstance(r.bucket, datetime)})
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False) if b > a]
    return min(gaps) if gaps else timedelta(minutes=15)
