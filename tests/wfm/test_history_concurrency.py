"""Interval history imports that run at the same time, on SQLite and PostgreSQL: six threads import
files touching the same local days of the same queues, three rounds (the later rounds re-import
the same files); every import succeeds, and the stored intervals and daily sums are exactly those
of the same files imported one after another."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select, text

from wfm.adapters.acd_files import ImportOptions, parse_csv
from wfm.db.models import IntervalHistoryDayRow, IntervalHistoryRow
from wfm.db.repositories import ForecastRepository, QueueRepository, SiteRepository
from wfm.db.session import unit_of_work
from wfm.domain import ForecastRun, ForecastValue, Queue, Site
from wfm.services.history_import import import_history

THREADS = 6
ROUNDS = 3
START = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=9)


def _seed(engine: Engine) -> None:
    """The site, its two queues, and a forecast run over the days, whose accuracy each import
    re-scores (so concurrent imports re-score the same run)."""
    with unit_of_work(engine) as session:
        SiteRepository(session).add(Site(code="par", name="Paris", timezone="Europe/Paris"))
        for code in ("sales", "care"):
            QueueRepository(session).add(Queue(site_code="par", code=code, name=code.title()))
        end = START + timedelta(days=4)
        values = [
            ForecastValue(code, START + timedelta(minutes=15 * step), 10.0, 180.0)
            for code in ("sales", "care")
            for step in range(4 * 96)
        ]
        ForecastRepository(session).add_run(ForecastRun("par", 1, START, 15, START, end), values)


def _file(index: int) -> str:
    """The index-th file: both queues over the same four days, every 15 minutes that belong to
    this file (a third of the intervals are shared by two files, with the same values)."""
    lines = ["queue,interval_start,interval_minutes,offered,answered,abandoned,handle_seconds"]
    for q_index, queue in enumerate(("sales", "care")):
        for step in range(4 * 96):
            if step % THREADS != index and (step + 1) % THREADS != index:
                continue
            at = START + timedelta(minutes=15 * step)
            offered = 5 + (step * 7 + q_index * 3) % 13
            lines.append(
                f"{queue},{at.isoformat()},15,{offered},{offered - 1},1,{(offered - 1) * 180}"
            )
    return "\n".join(lines) + "\n"


def _import(engine: Engine, body: str) -> int:
    with unit_of_work(engine) as session:
        return import_history(session, parse_csv(body, ImportOptions())).imported


def _snapshot(engine: Engine) -> tuple[list[Any], list[Any]]:
    with unit_of_work(engine) as session:
        h, d = IntervalHistoryRow, IntervalHistoryDayRow
        intervals = session.execute(
            select(
                h.queue_id, h.interval_start_utc, h.offered, h.answered, h.handle_seconds
            ).order_by(h.queue_id, h.interval_start_utc)
        ).all()
        days = session.execute(
            select(d.queue_id, d.local_date, d.intervals, d.answered, d.handle_seconds).order_by(
                d.queue_id, d.local_date
            )
        ).all()
    return [tuple(r) for r in intervals], [tuple(r) for r in days]


def test_concurrent_imports_of_the_same_days_all_succeed(engine: Engine) -> None:
    _seed(engine)
    files = [_file(i) for i in range(THREADS)]
    failures: list[BaseException] = []
    imported: list[int] = []
    lock = threading.Lock()

    def run(barrier: threading.Barrier, body: str) -> None:
        barrier.wait()
        try:
            count = _import(engine, body)
        except BaseException as exc:  # collected: the test names every failure
            with lock:
                failures.append(exc)
        else:
            with lock:
                imported.append(count)

    for _ in range(ROUNDS):
        barrier = threading.Barrier(THREADS)
        threads = [threading.Thread(target=run, args=(barrier, body)) for body in files]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert [f"{type(e).__name__}: {e}"[:300] for e in failures] == []
    assert len(imported) == THREADS * ROUNDS
    concurrent = _snapshot(engine)
    assert len(concurrent[0]) == 2 * 4 * 96
    # the run's accuracy was re-scored by every import, taking turns: one score per queue and
    # period, those of all the intervals
    with unit_of_work(engine) as session:
        repo = ForecastRepository(session)
        run_id = repo.runs("par")[0].id
        assert run_id is not None
        scores = repo.accuracy(run_id)
        keys = [(a.queue_code, a.period, a.period_start) for a in scores]
        assert len(keys) == len(set(keys)) and {k[0] for k in keys} == {"sales", "care"}
        days = [a for a in scores if a.period == "day"]
        assert sum(a.actual_offered for a in days) == sum(i[2] for i in concurrent[0])
    assert sum(day[2] for day in concurrent[1]) == 2 * 4 * 96

    with engine.begin() as connection:
        connection.execute(text("DELETE FROM interval_history_days"))
        connection.execute(text("DELETE FROM interval_history"))
    for body in files:
        _import(engine, body)
    assert _snapshot(engine) == concurrent
