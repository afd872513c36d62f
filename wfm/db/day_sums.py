"""Daily sums of interval history (`interval_history_days`), kept in step with the intervals.

A report by day, week or month reads one row per queue and local day (the day in the timezone of
the queue's site) instead of every interval of the period. Whoever writes intervals recomputes
the days it touched, from the stored intervals and in its own transaction, so the sums can never
disagree with the intervals a reader sees; a change of a site's timezone recomputes its queues.

Writers of one queue's history take turns: on PostgreSQL every writer first takes the queue's
history lock (`lock_queues`, an advisory lock held to the end of its transaction), so that two
imports of the same days cannot both insert a day's row, and each recomputes its days from
intervals that include those of the writers before it (SQLite lets one writer in at a time).

Plain SQL on a connection (no ORM), so that the migration which creates the table fills it with
this same code.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Date, Integer, bindparam, text

from wfm.db.types import UTCDateTime
from wfm.domain.grid import local_midnight_utc

# days per statement: six bound values each, well under SQLite's limit of variables
_DAYS_PER_STATEMENT = 500

# first key of `pg_advisory_xact_lock(class, queue id)`: the history lock of a queue
HISTORY_LOCK_CLASS = 0x57464D01

SUMMED_COLUMNS = (
    "answered",
    "abandoned",
    "short_abandoned",
    "answered_within_threshold",
    "handle_seconds",
    "wait_seconds_answered",
    "wait_seconds_abandoned",
)


def lock_queues(connection: Connection, queue_ids: Iterable[int]) -> None:
    """Take the history lock of each queue (PostgreSQL; in id order, so that two writers never
    wait for each other), held until the transaction ends; a no-op on SQLite, whose writers
    already take turns. Writers of intervals call it before writing them."""
    if connection.dialect.name != "postgresql":
        return
    for queue_id in sorted(set(queue_ids)):
        connection.execute(
            text("SELECT pg_advisory_xact_lock(:lock_class, :queue_id)"),
            {"lock_class": HISTORY_LOCK_CLASS, "queue_id": queue_id},
        )


def refresh_for_intervals(
    connection: Connection, starts_by_queue: Mapping[int, Iterable[datetime]]
) -> int:
    """Recompute the days holding these interval starts (by queue id); returns the days."""
    lock_queues(connection, starts_by_queue.keys())
    zones = _zones(connection, starts_by_queue.keys())
    days: dict[int, set[date]] = {}
    for queue_id, starts in starts_by_queue.items():
        zone = zones[queue_id]
        days[queue_id] = {start.astimezone(zone).date() for start in starts}
    return refresh_days(connection, days, zones)


def refresh_span(
    connection: Connection, queue_id: int, first_start: datetime, last_start: datetime
) -> int:
    """Recompute every local day of the queue from the one holding `first_start` to the one
    holding `last_start` (after intervals in between were deleted); returns the days."""
    zones = _zones(connection, [queue_id])
    zone = zones[queue_id]
    day, last_day = first_start.astimezone(zone).date(), last_start.astimezone(zone).date()
    days = [day + timedelta(days=i) for i in range((last_day - day).days + 1)]
    return refresh_days(connection, {queue_id: days}, zones)


def rebuild(connection: Connection, queue_ids: Iterable[int] | None = None) -> int:
    """Recompute every day of the queues (all queues when None) from their first interval to
    their last; used after a site's timezone changed and to fill the table the first time."""
    where = ""
    params: list[Any] = []
    if queue_ids is not None:
        ids = sorted(set(queue_ids))
        if not ids:
            return 0
        lock_queues(connection, ids)
        where = "WHERE queue_id IN :ids "
        params.append(bindparam("ids", ids, expanding=True))
        connection.execute(
            text("DELETE FROM interval_history_days WHERE queue_id IN :ids").bindparams(*params)
        )
    else:
        connection.execute(text("DELETE FROM interval_history_days"))
    spans = connection.execute(
        text(
            "SELECT queue_id, min(interval_start_utc) AS first_start, "
            "max(interval_start_utc) AS last_start "
            f"FROM interval_history {where}GROUP BY queue_id"
        )
        .bindparams(*params)
        .columns(queue_id=Integer(), first_start=UTCDateTime(), last_start=UTCDateTime())
    ).all()
    zones = _zones(connection, [queue_id for queue_id, _, _ in spans])
    days: dict[int, list[date]] = {}
    for queue_id, first, last in spans:
        zone = zones[queue_id]
        day, last_day = first.astimezone(zone).date(), last.astimezone(zone).date()
        days[queue_id] = [day + timedelta(days=i) for i in range((last_day - day).days + 1)]
    return refresh_days(connection, days, zones, replace=False)


def refresh_days(
    connection: Connection,
    days_by_queue: Mapping[int, Iterable[date]],
    zones: Mapping[int, ZoneInfo] | None = None,
    *,
    replace: bool = True,
) -> int:
    """Replace the stored sums of these local days (by queue id) with sums of their intervals;
    a day without intervals gets no row. `replace=False`: the days hold no rows yet."""
    lock_queues(connection, days_by_queue.keys())
    if zones is None:
        zones = _zones(connection, days_by_queue.keys())
    if connection.dialect.name == "postgresql":
        return _refresh_postgresql(connection, days_by_queue, zones)
    buckets: list[tuple[int, date, datetime, datetime]] = []
    for queue_id, days in sorted(days_by_queue.items()):
        zone = zones[queue_id]
        for day in sorted(set(days)):
            start = local_midnight_utc(day, zone)
            buckets.append((queue_id, day, start, local_midnight_utc(day + timedelta(1), zone)))
    if replace:
        by_queue: dict[int, list[date]] = defaultdict(list)
        for queue_id, day, _, _ in buckets:
            by_queue[queue_id].append(day)
        for queue_id, queue_days in by_queue.items():
            for first in range(0, len(queue_days), _DAYS_PER_STATEMENT):
                connection.execute(
                    text(
                        "DELETE FROM interval_history_days "
                        "WHERE queue_id = :queue_id AND local_date IN :days"
                    ).bindparams(
                        bindparam("queue_id", queue_id, type_=Integer()),
                        bindparam(
                            "days",
                            queue_days[first : first + _DAYS_PER_STATEMENT],
                            type_=Date(),
                            expanding=True,
                        ),
                    )
                )
    columns = ", ".join(SUMMED_COLUMNS)
    sums = ", ".join(f"sum(h.{name})" for name in SUMMED_COLUMNS)
    for first in range(0, len(buckets), _DAYS_PER_STATEMENT):
        chunk = buckets[first : first + _DAYS_PER_STATEMENT]
        values = ", ".join(
            f"(:q{n}, :d{n}, :w{n}, :m{n}, :lo{n}, :hi{n})" for n in range(len(chunk))
        )
        params: list[Any] = []
        for n, (queue_id, day, low, high) in enumerate(chunk):
            params += [
                bindparam(f"q{n}", queue_id, type_=Integer()),
                bindparam(f"d{n}", day, type_=Date()),
                bindparam(f"w{n}", day - timedelta(days=day.weekday()), type_=Date()),
                bindparam(f"m{n}", day.replace(day=1), type_=Date()),
                bindparam(f"lo{n}", low, type_=UTCDateTime()),
                bindparam(f"hi{n}", high, type_=UTCDateTime()),
            ]
        connection.execute(
            text(
                "WITH buckets (queue_id, local_date, week_start, month_start, lo, hi) "
                f"AS (VALUES {values}) "
                "INSERT INTO interval_history_days "
                f"(queue_id, local_date, week_start, month_start, intervals, {columns}) "
                "SELECT b.queue_id, b.local_date, b.week_start, b.month_start, count(*), "
                f"{sums} FROM buckets AS b JOIN interval_history AS h "
                "ON h.queue_id = b.queue_id AND h.interval_start_utc >= b.lo "
                "AND h.interval_start_utc < b.hi "
                "GROUP BY b.queue_id, b.local_date, b.week_start, b.month_start"
            ).bindparams(*params)
        )
    return len(buckets)


def _refresh_postgresql(
    connection: Connection,
    days_by_queue: Mapping[int, Iterable[date]],
    zones: Mapping[int, ZoneInfo],
) -> int:
    """`refresh_days` on PostgreSQL, which knows timezones: per timezone, every day from the
    first to the last asked for is regrouped from the intervals in one statement (the days in
    between come out as they were)."""
    by_zone: dict[str, dict[int, list[date]]] = defaultdict(dict)
    for queue_id, days in days_by_queue.items():
        listed = list(days)
        if listed:
            by_zone[zones[queue_id].key][queue_id] = listed
    columns = ", ".join(SUMMED_COLUMNS)
    sums = ", ".join(f"sum({name})" for name in SUMMED_COLUMNS)
    refreshed = 0
    for key, queues in by_zone.items():
        first = min(min(days) for days in queues.values())
        last = max(max(days) for days in queues.values())
        zone = ZoneInfo(key)
        params = [
            bindparam("ids", sorted(queues), expanding=True),
            bindparam("first", first, type_=Date()),
            bindparam("last", last, type_=Date()),
        ]
        connection.execute(
            text(
                "DELETE FROM interval_history_days WHERE queue_id IN :ids "
                "AND local_date >= :first AND local_date <= :last"
            ).bindparams(*params)
        )
        connection.execute(
            text(
                "INSERT INTO interval_history_days "
                f"(queue_id, local_date, week_start, month_start, intervals, {columns}) "
                "SELECT queue_id, local_date, CAST(date_trunc('week', local_date) AS date), "
                f"CAST(date_trunc('month', local_date) AS date), count(*), {sums} "
                "FROM (SELECT h.*, CAST(h.interval_start_utc AT TIME ZONE :zone AS date) "
                "AS local_date FROM interval_history AS h WHERE h.queue_id IN :ids "
                "AND h.interval_start_utc >= :lo AND h.interval_start_utc < :hi) AS x "
                "GROUP BY queue_id, local_date"
            ).bindparams(
                bindparam("ids", sorted(queues), expanding=True),
                bindparam("zone", key),
                bindparam("lo", local_midnight_utc(first, zone), type_=UTCDateTime()),
                bindparam(
                    "hi", local_midnight_utc(last + timedelta(days=1), zone), type_=UTCDateTime()
                ),
            )
        )
        refreshed += sum(len(set(days)) for days in queues.values())
    return refreshed


def _zones(connection: Connection, queue_ids: Iterable[int]) -> dict[int, ZoneInfo]:
    ids = sorted(set(queue_ids))
    if not ids:
        return {}
    rows = connection.execute(
        text(
            "SELECT queues.id, sites.timezone FROM queues "
            "JOIN sites ON sites.id = queues.site_id WHERE queues.id IN :ids"
        ).bindparams(bindparam("ids", ids, expanding=True))
    )
    return {int(queue_id): ZoneInfo(zone) for queue_id, zone in rows}
