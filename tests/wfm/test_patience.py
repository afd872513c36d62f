"""Patience estimates on a real database: the stored history in, estimates stored on the queues,
the site's setting for the rest; the migration that brought them; a forecast run re-estimating."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from wfm.db import migrate
from wfm.db.repositories import HistoryRepository, QueueRepository, SiteRepository
from wfm.db.session import make_engine, unit_of_work
from wfm.db.types import UTCDateTime
from wfm.domain import IntervalRecord, Queue, Site
from wfm.domain.queue_model import Patience, PatienceSource
from wfm.services.patience import estimate_patience

SITE = Site(code="par", name="Paris", timezone="Europe/Paris", default_patience_seconds=150.0)
# The site's last local day with history is Sunday 9 March 2025; it ends at 23:00 UTC (CET).
END = datetime(2025, 3, 9, 23, tzinfo=UTC)
WINDOW_START = datetime(2025, 3, 2, 23, tzinfo=UTC)  # Monday 3 March 00:00 in Paris (7 days)


def _interval(
    queue: str, start: datetime, abandoned: int, waited: float, lost: float
) -> IntervalRecord:
    return IntervalRecord(
        queue_code=queue,
        interval_start_utc=start,
        interval_minutes=15,
        offered=10 + abandoned,
        answered=10,
        abandoned=abandoned,
        handle_seconds=1800.0,
        wait_seconds_answered=waited,
        wait_seconds_abandoned=lost,
    )


def _history() -> list[IntervalRecord]:
    # sales: 30 abandons in the window (every 3 h from its first instant), answered contacts
    # waited 200 s and the abandoner 100 s per interval: 9000 s / 30 = 300 s
    sales = [
        _interval("sales", WINDOW_START + timedelta(hours=3 * i), 1, 200.0, 100.0)
        for i in range(30)
    ]
    # the quarter hour before the window: 50 quick abandons that must not count
    sales.append(_interval("sales", WINDOW_START - timedelta(minutes=15), 50, 5.0, 5.0))
    # care: 29 abandons in the window, one short of an estimate; its last day is the site's last
    care = [
        _interval("care", WINDOW_START + timedelta(hours=5 * i), 1, 60.0, 30.0) for i in range(28)
    ]
    care.append(_interval("care", datetime(2025, 3, 9, 21, 45, tzinfo=UTC), 1, 60.0, 30.0))
    return sales + care


def _seed(engine: Engine, *, care_estimate: bool = True) -> None:
    with unit_of_work(engine) as session:
        SiteRepository(session).add(SITE)
        QueueRepository(session).add(Queue(SITE.code, "sales", "Sales"))
        # care holds an old estimate that the new history no longer supports
        old = dict(
            mean_patience_seconds=99.0,
            patience_estimated_at_utc=datetime(2024, 1, 1, tzinfo=UTC),
            patience_ci_low_seconds=90.0,
            patience_ci_high_seconds=110.0,
            patience_abandoned_count=400,
        )
        care = Queue(SITE.code, "care", "Care", **(old if care_estimate else {}))  # type: ignore[arg-type]
        QueueRepository(session).add(care)
        HistoryRepository(session).upsert(_history())


def test_estimates_from_stored_history_else_the_site_setting(engine: Engine) -> None:
    _seed(engine)
    with unit_of_work(engine) as session:
        result = estimate_patience(session, site_code="par", lookback_days=7)
    assert result.window is not None
    assert (result.window.start_utc, result.window.end_utc) == (WINDOW_START, END)
    by_code = {q.queue_code: q for q in result.queues}
    assert list(by_code) == ["care", "sales"]
    sales = by_code["sales"]
    assert sales.patience.source is PatienceSource.HISTORY
    assert sales.patience.seconds == pytest.approx(300.0)
    assert sales.patience.ci_low_seconds == pytest.approx(2 * 9000.0 / 83.298, rel=1e-4)
    assert sales.patience.ci_high_seconds == pytest.approx(2 * 9000.0 / 40.482, rel=1e-4)
    assert (sales.patience.abandoned_count, sales.patience.estimated_at_utc) == (30, END)
    assert (sales.history.intervals, sales.history.abandoned) == (30, 30)
    care = by_code["care"]
    assert care.patience == Patience(150.0, PatienceSource.SITE)
    assert care.history.abandoned == 29
    # stored: a new session reads the same
    with unit_of_work(engine) as session:
        stored = {q.code: q for q in QueueRepository(session).list("par")}
        site = SiteRepository(session).get("par")
    assert Patience.of_queue(stored["sales"], site) == sales.patience
    assert stored["care"].mean_patience_seconds is None
    assert stored["care"].patience_estimated_at_utc is None
    assert stored["care"].patience_abandoned_count is None


def test_a_longer_window_and_an_explicit_date(engine: Engine) -> None:
    _seed(engine)
    with unit_of_work(engine) as session:
        longer = estimate_patience(session, site_code="par", lookback_days=8)
    sales = {q.queue_code: q for q in longer.queues}["sales"]
    # the 50 quick abandons now count: (9000 + 10) s / 80 abandons
    assert sales.patience.seconds == pytest.approx(9010.0 / 80)
    assert sales.patience.abandoned_count == 80
    # a date before the care queue's last interval: 28 abandons only up to it
    as_of = datetime(2025, 3, 9, tzinfo=UTC)
    with unit_of_work(engine) as session:
        dated = estimate_patience(
            session, site_code="par", as_of_utc=as_of, lookback_days=8, min_abandoned=28
        )
    care = {q.queue_code: q for q in dated.queues}["care"]
    assert care.patience.source is PatienceSource.HISTORY
    assert care.patience.seconds == pytest.approx(28 * 90.0 / 28)
    assert care.patience.estimated_at_utc == as_of


def test_site_without_history_uses_its_setting(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        SiteRepository(session).add(dataclasses.replace(SITE, default_patience_seconds=75.0))
        QueueRepository(session).add(Queue(SITE.code, "sales", "Sales"))
        result = estimate_patience(session, site_code="par")
    assert result.window is None
    assert [q.patience for q in result.queues] == [Patience(75.0, PatienceSource.SITE)]


def test_unknown_site_is_not_found(engine: Engine) -> None:
    from wfm.domain.errors import NotFoundError

    with pytest.raises(NotFoundError, match="no site 'nowhere'"), unit_of_work(engine) as s:
        estimate_patience(s, site_code="nowhere")


def test_a_forecast_run_estimates_the_patience(engine: Engine) -> None:
    from wfm.services.centre import CentreData, load_centre
    from wfm.services.forecasting import run_forecast
    from wfm.tools.demo import generate_demo_centre

    demo = generate_demo_centre(weeks=3, agents=10, seed=5)
    with unit_of_work(engine) as session:
        load_centre(session, CentreData.of_demo(demo))
    site = demo.sites[0].code
    with unit_of_work(engine) as session:  # the load estimated every demo queue from history
        loaded = {q.code: q for q in QueueRepository(session).list(site)}
        for queue in loaded.values():
            assert queue.patience_estimated_at_utc is not None
            QueueRepository(session).set_patience_estimate(queue.code, None)
    with unit_of_work(engine) as session:
        run_forecast(session, site_code=site, weeks=1)
    with unit_of_work(engine) as session:
        again = {q.code: q for q in QueueRepository(session).list(site)}
    assert again == loaded
    # the generator drew the history with these patiences: each lies in its estimate's interval
    for designed in demo.queues:
        estimate = again[designed.code]
        assert designed.mean_patience_seconds is not None
        assert estimate.patience_ci_low_seconds is not None
        assert estimate.patience_ci_high_seconds is not None
        low, high = estimate.patience_ci_low_seconds, estimate.patience_ci_high_seconds
        assert low <= designed.mean_patience_seconds <= high


# --- the migration ------------------------------------------------------------------------

_SITES = sa.table(
    "sites",
    sa.column("id", sa.Integer()),
    sa.column("code", sa.String()),
    sa.column("name", sa.String()),
    sa.column("timezone", sa.String()),
    sa.column("country_code", sa.String()),
    sa.column("created_at", UTCDateTime()),
)
_QUEUES = sa.table(
    "queues",
    sa.column("site_id", sa.Integer()),
    sa.column("code", sa.String()),
    sa.column("name", sa.String()),
    sa.column("channel", sa.String()),
    sa.column("service_level_target", sa.Float()),
    sa.column("service_threshold_seconds", sa.Float()),
    sa.column("max_occupancy", sa.Float()),
    sa.column("chat_concurrency", sa.Integer()),
    sa.column("mean_patience_seconds", sa.Float()),
    sa.column("value_per_answered_contact", sa.Float()),
    sa.column("short_abandon_threshold_seconds", sa.Float()),
)


def _site_row(site_id: int, code: str, timezone: str, at: datetime) -> dict[str, object]:
    return {
        "id": site_id,
        "code": code,
        "name": code.upper(),
        "timezone": timezone,
        "country_code": "",
        "created_at": at,
    }


def test_migration_turns_typed_patience_into_the_site_setting(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine, "0005")
        now = datetime(2025, 1, 1, tzinfo=UTC)
        with engine.begin() as conn:  # a database of the old schema, patience typed in by hand
            for site_id, code, zone in (
                (1, "lon", "Europe/London"),
                (2, "nyc", "America/New_York"),
                (3, "dub", "Europe/Dublin"),
            ):
                conn.execute(sa.insert(_SITES).values(_site_row(site_id, code, zone, now)))
            for site_id, code, patience in (
                (1, "lon-sales", 120.0),
                (1, "lon-care", 300.0),
                (1, "lon-chat", None),  # Erlang C before
                (2, "nyc-sales", 95.5),
                (3, "dub-sales", None),
            ):
                conn.execute(
                    sa.insert(_QUEUES).values(
                        site_id=site_id,
                        code=code,
                        name=code,
                        channel="voice",
                        service_level_target=0.8,
                        service_threshold_seconds=20.0,
                        max_occupancy=0.85,
                        chat_concurrency=1,
                        mean_patience_seconds=patience,
                        value_per_answered_contact=0.0,
                        short_abandon_threshold_seconds=5.0,
                    )
                )
        migrate.upgrade(engine)
        with unit_of_work(engine) as session:
            sites = {s.code: s for s in SiteRepository(session).list()}
            queues = QueueRepository(session).list()
        # a site's typed values become its setting (their median); none typed: 180 s
        assert {c: s.default_patience_seconds for c, s in sites.items()} == {
            "lon": 210.0,
            "nyc": 95.5,
            "dub": 180.0,
        }
        # no queue keeps a value that is not an estimate: every one uses its site's setting
        for queue in queues:
            assert queue.mean_patience_seconds is None
            assert queue.patience_estimated_at_utc is None
            patience = Patience.of_queue(queue, sites[queue.site_code])
            assert patience.source is PatienceSource.SITE
        assert {q.code: Patience.of_queue(q, sites[q.site_code]).seconds for q in queues} == {
            "lon-sales": 210.0,
            "lon-care": 210.0,
            "lon-chat": 210.0,
            "nyc-sales": 95.5,
            "dub-sales": 180.0,
        }
        # a site added later without a setting gets the server default
        with engine.begin() as conn:
            conn.execute(sa.insert(_SITES).values(_site_row(4, "par", "Europe/Paris", now)))
        with unit_of_work(engine) as session:
            assert SiteRepository(session).get("par").default_patience_seconds == 180.0
        migrate.downgrade(engine, "0005")
        columns = {c["name"] for c in sa.inspect(engine).get_columns("queues")}
        assert "patience_estimated_at_utc" not in columns and "mean_patience_seconds" in columns
        assert "default_patience_seconds" not in {
            c["name"] for c in sa.inspect(engine).get_columns("sites")
        }
    finally:
        engine.dispose()


# --- wfm patience --------------------------------------------------------------------------


def _wfm(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wfm", *args], capture_output=True, text=True, timeout=300
    )


def test_cli_estimates_and_prints_each_queue(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'wfm.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    _seed(engine)
    engine.dispose()
    result = _wfm("patience", "--lookback-days", "7", "--database-url", url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "site par: history of the 7 local days to 2025-03-09 23:00 UTC; an estimate needs 30 "
        "abandons, else the site's setting (150 s) applies",
        "queue  patience_s  source   estimated_at_utc  ci95_s       abandoned",
        "care   150.0       site     -                 -            29",
        "sales  300.0       history  2025-03-09 23:00  216.1-444.6  30",
    ]
    # the default window (56 days) takes in the 50 quick abandons before the 7 days
    result = _wfm("patience", "--site", "par", "--database-url", url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split()[:3] == ["sales", f"{9010 / 80:.1f}", "history"]
    engine = make_engine(url)
    with unit_of_work(engine) as session:  # stored
        sales = QueueRepository(session).get("sales")
    engine.dispose()
    assert sales.mean_patience_seconds == pytest.approx(9010 / 80)
    assert sales.patience_abandoned_count == 80


def test_cli_unknown_site_is_a_one_line_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'wfm.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    _seed(engine)
    engine.dispose()
    result = _wfm("patience", "--site", "nowhere", "--database-url", url)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == ["error: no site 'nowhere'; sites: par"]
    assert result.stdout == ""
