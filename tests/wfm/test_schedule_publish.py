"""Publishing on each database backend, two transactions at once: while one publish is
uncommitted, a second publish of the same draft, or of a draft whose week overlaps, waits for it
and is then refused; a roster is built only for a week that starts on the site's first weekday."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, text

from wfm.db.repositories import ScheduleRepository, SiteRepository
from wfm.db.session import unit_of_work
from wfm.domain import Schedule, ScheduleStatus, Site
from wfm.domain.errors import ConflictError, ValidationError
from wfm.services.scheduling import build_schedule

SITE = Site(code="LON", name="London", timezone="Europe/London")
MONDAY = date(2026, 3, 2)
T0 = datetime(2026, 2, 27, 12, tzinfo=UTC)


def _draft(engine: Engine, week_start: date) -> int:
    with unit_of_work(engine) as session:
        repo = ScheduleRepository(session)
        return repo.add(
            Schedule(
                site_code=SITE.code,
                week_start=week_start,
                version=repo.next_version(SITE.code, week_start),
                status=ScheduleStatus.DRAFT,
                created_at_utc=T0,
            )
        )


def _until_blocked(engine: Engine, other: threading.Thread) -> None:
    """Return once the other transaction waits for this one's locks: on PostgreSQL, when a
    session of the test's schema waits on a lock; SQLite shows no such thing, so a pause."""
    if engine.dialect.name != "postgresql":
        time.sleep(0.5)
        return
    deadline = time.monotonic() + 20
    with engine.connect() as conn:
        while other.is_alive() and time.monotonic() < deadline:
            waiting = conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND query ILIKE '%schedules%'"
                )
            ).scalar_one()
            if waiting:
                return
            time.sleep(0.02)


def _second_publish_during_first(engine: Engine, first: int, second: int) -> BaseException | None:
    """Publish `first` and, before committing, publish `second` from another thread; what the
    second publish raised (None when it succeeded)."""
    outcome: list[BaseException | None] = []

    def publish_second() -> None:
        try:
            with unit_of_work(engine) as session:
                ScheduleRepository(session).publish(second, T0 + timedelta(minutes=1))
            outcome.append(None)
        except Exception as exc:
            outcome.append(exc)

    thread = threading.Thread(target=publish_second)
    with unit_of_work(engine) as session:
        ScheduleRepository(session).publish(first, T0)
        thread.start()
        _until_blocked(engine, thread)
    thread.join(timeout=60)
    assert not thread.is_alive() and len(outcome) == 1
    return outcome[0]


def _statuses(engine: Engine) -> dict[int, str]:
    with unit_of_work(engine) as session:
        return {
            s.id: s.status.value
            for s in ScheduleRepository(session).list(SITE.code)
            if s.id is not None
        }


@pytest.fixture
def site(engine: Engine) -> Engine:
    with unit_of_work(engine) as session:
        SiteRepository(session).add(SITE)
    return engine


def test_two_publishes_of_one_draft_at_once_one_is_refused(site: Engine) -> None:
    draft = _draft(site, MONDAY)
    second = _second_publish_during_first(site, draft, draft)
    assert isinstance(second, ConflictError)
    assert str(second) == f"schedule {draft} is published, not a draft"
    with unit_of_work(site) as session:
        assert ScheduleRepository(session).get(draft).published_at_utc == T0  # the first's


def test_two_publishes_of_overlapping_weeks_at_once_one_is_refused(site: Engine) -> None:
    monday = _draft(site, MONDAY)
    tuesday = _draft(site, MONDAY + timedelta(days=1))  # an older draft of a Tuesday week
    second = _second_publish_during_first(site, monday, tuesday)
    assert isinstance(second, ConflictError)
    assert f"overlaps published schedule {monday} (week of {MONDAY}" in str(second)
    assert _statuses(site) == {monday: "published", tuesday: "draft"}


def test_a_newer_version_published_twice_at_once_replaces_the_week_once(site: Engine) -> None:
    older = _draft(site, MONDAY)
    with unit_of_work(site) as session:
        ScheduleRepository(session).publish(older, T0)
    newer = _draft(site, MONDAY)
    assert isinstance(_second_publish_during_first(site, newer, newer), ConflictError)
    assert _statuses(site) == {older: "archived", newer: "published"}


@pytest.mark.parametrize(
    ("week_start", "words"),
    [
        (MONDAY + timedelta(days=1), "is a Tuesday; the site's weeks start on Monday"),
        (date(9999, 12, 27), "too near an end of the calendar"),
        (date(1, 1, 1), "too near an end of the calendar"),
    ],
)
def test_a_roster_is_built_only_for_a_site_week(site: Engine, week_start: date, words: str) -> None:
    refused = pytest.raises(ValidationError, match=f"^week_start: .*{words}")
    with refused, unit_of_work(site) as session:
        build_schedule(session, site_code=SITE.code, week_start=week_start)
    assert _statuses(site) == {}
