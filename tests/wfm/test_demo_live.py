"""The demo opens on a live week: history to the Sunday before today, the forecast and the
published roster on the current week, the week's days before today played into history.

A fixed clock (`--today`) on a small centre; the commands run as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select

from wfm.db.models import IntervalHistoryDayRow, QueueRow
from wfm.db.repositories import AgentRepository, HistoryRepository, ScheduleRepository
from wfm.db.repositories.intraday import AgentStateFeedRepository
from wfm.db.session import unit_of_work
from wfm.domain import ScheduleStatus
from wfm.services.demo_week import check_published_week
from wfm.services.time_off import balance_of
from wfm.tools.demo.live import history_end_for, today_at, week_start_of

TODAY = date(2026, 11, 12)  # a Thursday
MONDAY = date(2026, 11, 9)
ZONE = ZoneInfo("Europe/Dublin")


def run_wfm(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wfm", *args],
        capture_output=True,
        text=True,
        timeout=600,
        env=dict(os.environ),
    )


def test_days_of_the_live_week() -> None:
    assert week_start_of(TODAY) == MONDAY and week_start_of(MONDAY) == MONDAY
    assert history_end_for(TODAY) == date(2026, 11, 8)
    assert history_end_for(MONDAY) == date(2026, 11, 8)
    assert history_end_for(date(2026, 11, 15)) == date(2026, 11, 8)  # a Sunday
    # the machine's date is the site's local date: 23:30 UTC in summer is tomorrow in Dublin
    assert today_at("Europe/Dublin", datetime(2026, 7, 1, 23, 30, tzinfo=UTC)) == date(2026, 7, 2)
    assert today_at("Europe/Dublin", datetime(2026, 12, 1, 23, 30, tzinfo=UTC)) == date(2026, 12, 1)


def test_the_demo_opens_on_the_current_week(database_url: str, engine: Engine) -> None:
    url = ["--database-url", database_url]
    made = run_wfm(
        "demo-data", "--weeks", "6", "--agents", "24", "--today", TODAY.isoformat(), *url
    )
    assert made.returncode == 0, made.stderr
    with unit_of_work(engine) as session:
        spans = HistoryRepository(session).spans()
        assert max(s.last_interval_utc for s in spans).astimezone(ZONE).date() == date(2026, 11, 8)
        # leave accrues from 1 January at four weeks of the contract's hours a year
        for agent in AgentRepository(session).list("DUB"):
            held = balance_of(session, agent.code, TODAY)
            weekly = agent.contract.weekly_hours_max
            assert held.as_of == date(2026, 1, 1) and held.opening_hours == 0
            assert held.accrual_hours_per_week == pytest.approx(weekly * 4 / 52, abs=0.01)
            weeks = (TODAY - date(2026, 1, 1)).days / 7
            assert weeks - 1 <= held.accrued_hours / held.accrual_hours_per_week <= weeks
            assert held.approved_hours == 0
    for step in (
        ["forecast", "--weeks", "3"],
        ["schedule", "--time-limit", "20", "--publish"],
    ):
        result = run_wfm(*step, *url)
        assert result.returncode == 0, (step, result.stderr)
    with unit_of_work(engine) as session:
        published = [
            s
            for s in ScheduleRepository(session).list("DUB")
            if s.status is ScheduleStatus.PUBLISHED
        ]
        assert [s.week_start for s in published] == [MONDAY]  # the current week
    caught = run_wfm("demo-catch-up", "--today", TODAY.isoformat(), *url)
    assert caught.returncode == 0, caught.stderr
    assert [line.split(":")[0] for line in caught.stdout.splitlines()] == [
        "2026-11-09",
        "2026-11-10",
        "2026-11-11",
    ]
    with unit_of_work(engine) as session:
        records = HistoryRepository(session).records(
            None,
            datetime(2026, 11, 9, tzinfo=ZONE).astimezone(UTC),
            datetime(2026, 11, 13, tzinfo=ZONE).astimezone(UTC),
        )
        days = {r.interval_start_utc.astimezone(ZONE).date() for r in records}
        assert days == {MONDAY, MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)}
        assert sum(r.offered for r in records) > 0
        # the history now ends yesterday, and the day sums hold the played days
        sums = session.execute(
            select(IntervalHistoryDayRow.local_date, func.sum(IntervalHistoryDayRow.answered))
            .join(QueueRow, QueueRow.id == IntervalHistoryDayRow.queue_id)
            .where(IntervalHistoryDayRow.local_date >= MONDAY)
            .group_by(IntervalHistoryDayRow.local_date)
        ).all()
        by_day = {d: int(n) for d, n in sums}
        assert sorted(by_day) == sorted(days)
        for d in days:
            assert by_day[d] == sum(
                r.answered for r in records if r.interval_start_utc.astimezone(ZONE).date() == d
            )
        # the agents' states of those days went through the event feed
        events = AgentStateFeedRepository(session).events(
            "DUB",
            datetime(2026, 11, 9, tzinfo=ZONE).astimezone(UTC),
            datetime(2026, 11, 12, tzinfo=ZONE).astimezone(UTC),
        )
        assert len(events) >= 5
        assert all(e.state for evs in events.values() for e in evs)
    # the published week played call by call with absences at the schedule's shrinkage
    with unit_of_work(engine) as session:
        problem, rate, checks = check_published_week(session, site_code="DUB", replications=2)
    assert rate == problem.shrinkage
    assert {c.queue_code for c in checks} == {"CARE", "TECH", "CHAT"}
    for check in checks:
        queue = next(q for q in problem.queues if q.code == check.queue_code)
        assert queue.contacts is not None
        assert check.offered == pytest.approx(2 * sum(queue.contacts), rel=0.05)
        assert 0.0 < check.simulated_answer_rate <= 1.0
    again = run_wfm("demo-catch-up", "--today", MONDAY.isoformat(), *url)
    assert again.returncode == 0 and "no day to catch up" in again.stdout
    bad = run_wfm("demo-catch-up", "--today", "12/11/2026", *url)
    assert bad.returncode == 2 and bad.stderr.startswith("error: --today")
