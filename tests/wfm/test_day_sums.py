"""The daily sums kept beside the interval history (`wfm.db.day_sums`) on SQLite and PostgreSQL,
against an oracle that sums the stored intervals per local day in Python: after imports that
overlap and replace, across daylight-saving changes, after a site's timezone changes, and when
the migration that creates the table fills it from history already stored."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, insert, select

from wfm.db import migrate
from wfm.db.day_sums import SUMMED_COLUMNS as SUMMED
from wfm.db.models import IntervalHistoryDayRow, IntervalHistoryRow, QueueRow, SiteRow
from wfm.db.repositories import HistoryRepository, QueueRepository, SiteRepository
from wfm.db.session import make_engine, unit_of_work
from wfm.db.types import UTCDateTime
from wfm.domain import IntervalRecord, Queue, Site

_SITES_AT_0004 = sa.table(  # the ORM's row would name columns that later migrations add
    "sites",
    sa.column("code", sa.String()),
    sa.column("name", sa.String()),
    sa.column("timezone", sa.String()),
    sa.column("country_code", sa.String()),
    sa.column("created_at", UTCDateTime()),
)


def _seed(engine: Engine, timezone: str = "Europe/Paris") -> None:
    with unit_of_work(engine) as session:
        SiteRepository(session).add(Site(code="par", name="Paris", timezone=timezone))
        SiteRepository(session).add(Site(code="nyc", name="New York", timezone="America/New_York"))
        QueueRepository(session).add(Queue(site_code="par", code="sales", name="Sales"))
        QueueRepository(session).add(Queue(site_code="par", code="care", name="Care"))
        QueueRepository(session).add(Queue(site_code="nyc", code="us", name="US"))


def _record(queue: str, start: datetime, rng: random.Random) -> IntervalRecord:
    answered = rng.randrange(0, 40)
    abandoned = rng.randrange(0, 6)
    return IntervalRecord(
        queue_code=queue,
        interval_start_utc=start,
        interval_minutes=15,
        offered=answered + abandoned,
        answered=answered,
        abandoned=abandoned,
        short_abandoned=rng.randrange(0, abandoned + 1),
        answered_within_threshold=rng.randrange(0, answered + 1),
        handle_seconds=round(rng.uniform(0, 300) * answered, 1),
        wait_seconds_answered=round(rng.uniform(0, 30) * answered, 1),
        wait_seconds_abandoned=round(rng.uniform(0, 60) * abandoned, 1),
    )


def _stored_days(engine: Engine) -> dict[tuple[str, date], tuple[float, ...]]:
    d = IntervalHistoryDayRow
    with unit_of_work(engine) as session:
        rows = session.execute(
            select(
                QueueRow.code,
                d.local_date,
                d.week_start,
                d.month_start,
                d.intervals,
                *(getattr(d, n) for n in SUMMED),
            ).join(QueueRow, QueueRow.id == d.queue_id)
        ).all()
    result = {}
    for code, day, week_start, month_start, *values in rows:
        assert week_start == day - timedelta(days=day.weekday())
        assert month_start == day.replace(day=1)
        result[(code, day)] = tuple(values)
    return result


def _oracle(engine: Engine) -> dict[tuple[str, date], tuple[float, ...]]:
    """Every stored interval, summed per queue and local day of its site, in Python."""
    with unit_of_work(engine) as session:
        zones = {
            q.code: ZoneInfo(SiteRepository(session).get(q.site_code).timezone)
            for q in QueueRepository(session).list()
        }
        records = HistoryRepository(session).records()
    sums: dict[tuple[str, date], list[float]] = defaultdict(lambda: [0.0] * (1 + len(SUMMED)))
    for r in records:
        key = (r.queue_code, r.interval_start_utc.astimezone(zones[r.queue_code]).date())
        sums[key][0] += 1
        for i, name in enumerate(SUMMED, start=1):
            sums[key][i] += getattr(r, name)
    return {key: tuple(values) for key, values in sums.items()}


def _assert_match(engine: Engine) -> None:
    stored, expected = _stored_days(engine), _oracle(engine)
    assert stored.keys() == expected.keys()
    for key, values in expected.items():
        assert stored[key] == pytest.approx(values), key


def test_days_follow_overlapping_imports_across_daylight_saving(engine: Engine) -> None:
    _seed(engine)
    rng = random.Random(4)
    # the week of the spring change in Europe and the United States, every 15 minutes
    start = datetime(2025, 3, 8, 0, 0, tzinfo=UTC)
    stamps = [start + timedelta(minutes=15 * i) for i in range(96 * 24)]
    first = [_record(q, t, rng) for q in ("sales", "us") for t in stamps[: 96 * 14]]
    with unit_of_work(engine) as session:
        HistoryRepository(session).upsert(first)
    _assert_match(engine)
    # a second import that replaces part of the days already stored and adds later days
    again = [_record(q, t, rng) for q in ("sales", "care", "us") for t in stamps[96 * 10 :]]
    with unit_of_work(engine) as session:
        HistoryRepository(session).upsert(again)
    _assert_match(engine)
    stored = _stored_days(engine)
    # 30 March 2025 has 23 hours in Paris: 92 quarter-hours; 9 March in New York likewise
    assert stored[("sales", date(2025, 3, 30))][0] == 92
    assert stored[("us", date(2025, 3, 9))][0] == 92
    assert stored[("sales", date(2025, 3, 29))][0] == 96


def test_a_site_timezone_change_moves_its_days(engine: Engine) -> None:
    _seed(engine)
    rng = random.Random(5)
    start = datetime(2025, 6, 1, 0, 0, tzinfo=UTC)
    records = [
        _record(q, start + timedelta(minutes=15 * i), rng)
        for q in ("sales", "us")
        for i in range(300)
    ]
    with unit_of_work(engine) as session:
        HistoryRepository(session).upsert(records)
    before_us = {k: v for k, v in _stored_days(engine).items() if k[0] == "us"}
    with unit_of_work(engine) as session:
        SiteRepository(session).update_site("par", {"timezone": "Asia/Kolkata"})
    _assert_match(engine)
    stored = _stored_days(engine)
    # 1 June 2025 in Kolkata (UTC+5:30) begins at 18:30 UTC on 31 May: no interval before it
    assert stored[("sales", date(2025, 6, 1))][0] == 96 - 22  # 00:00 to 18:30 UTC of 1 June
    assert {k: v for k, v in stored.items() if k[0] == "us"} == before_us  # other site unchanged
    with unit_of_work(engine) as session:  # a change of name only recomputes nothing
        SiteRepository(session).update_site("par", {"name": "Paris 2"})
    _assert_match(engine)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    batches=st.lists(
        st.tuples(st.integers(0, 400), st.integers(1, 200), st.integers(0, 2**16)),
        min_size=1,
        max_size=4,
    ),
    timezone=st.sampled_from(["UTC", "Europe/Paris", "Australia/Lord_Howe", "Asia/Kathmandu"]),
)
def test_any_sequence_of_imports_keeps_the_days_exact(
    tmp_path_factory: pytest.TempPathFactory,
    batches: list[tuple[int, int, int]],
    timezone: str,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('days') / 'wfm.db'}")
    migrate.upgrade(engine)
    try:
        _seed(engine, timezone)
        start = datetime(2025, 4, 4, 12, 0, tzinfo=UTC)  # Lord Howe's half-hour change is 6 April
        for first, count, seed in batches:
            rng = random.Random(seed)
            queue = rng.choice(["sales", "care", "us"])
            records = [
                _record(queue, start + timedelta(minutes=15 * (first + i)), rng)
                for i in range(count)
            ]
            with unit_of_work(engine) as session:
                HistoryRepository(session).upsert(records)
        _assert_match(engine)
    finally:
        engine.dispose()


def test_the_migration_fills_the_days_from_stored_history(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine, "0004")
        rng = random.Random(6)
        start = datetime(2025, 10, 25, 20, tzinfo=UTC)
        with engine.begin() as conn:  # the columns of 0004 only (sites and queues gained some)
            conn.execute(
                sa.insert(_SITES_AT_0004).values(
                    code="par",
                    name="Paris",
                    timezone="Europe/Paris",
                    country_code="",
                    created_at=start,
                )
            )
            site_id = conn.scalar(select(SiteRow.id))
            conn.execute(
                insert(QueueRow).values(
                    site_id=site_id,
                    code="sales",
                    name="Sales",
                    channel="voice",
                    service_level_target=0.8,
                    service_threshold_seconds=20.0,
                    max_occupancy=0.85,
                )
            )
            queue_id = conn.scalar(select(QueueRow.id))
        records = [  # across the autumn change of 26 October
            _record("sales", start + timedelta(minutes=15 * i), rng) for i in range(200)
        ]
        with engine.begin() as conn:  # the history of a database at 0004, without day sums
            conn.execute(
                insert(IntervalHistoryRow),
                [
                    {
                        "queue_id": queue_id,
                        "interval_start_utc": r.interval_start_utc,
                        "interval_minutes": r.interval_minutes,
                        **{name: getattr(r, name) for name in ("offered", *SUMMED)},
                    }
                    for r in records
                ],
            )
        migrate.upgrade(engine)
        _assert_match(engine)
        assert _stored_days(engine)[("sales", date(2025, 10, 26))][0] == 100  # a 25-hour day
    finally:
        engine.dispose()
