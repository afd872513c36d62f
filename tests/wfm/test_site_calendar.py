"""Where a site's pages open (`wfm.services.site_calendar.site_week`): the published week that
holds the site's local day, else the latest published week, else the clock's Monday; days are
the site's local days."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.engine import Engine

from wfm.db.repositories import ScheduleRepository, SiteRepository
from wfm.db.session import unit_of_work
from wfm.domain import Schedule, ScheduleStatus, Site
from wfm.services.site_calendar import site_week


def _publish(engine: Engine, week: date) -> None:
    with unit_of_work(engine) as session:
        repo = ScheduleRepository(session)
        schedule_id = repo.add(
            Schedule(
                site_code="sh",
                week_start=week,
                version=repo.next_version("sh", week),
                status=ScheduleStatus.DRAFT,
                created_at_utc=datetime(2030, 1, 1, tzinfo=UTC),
                shifts=(),
                summary={},
            )
        )
        repo.publish(schedule_id, datetime(2030, 1, 1, tzinfo=UTC))


def _week(engine: Engine, now: datetime) -> tuple[date, date, date, bool]:
    with unit_of_work(engine) as session:
        found = site_week(session, "sh", now)
    assert found.now_utc == now
    return found.today, found.week_start, found.opening_week_start, found.published


def test_pages_open_on_the_published_week_of_the_site_clock_else_the_latest(
    engine: Engine,
) -> None:
    with unit_of_work(engine) as session:
        SiteRepository(session).add(Site(code="sh", name="Shanghai", timezone="Asia/Shanghai"))
    wednesday = datetime(2030, 1, 9, 2, 30, tzinfo=UTC)
    monday = date(2030, 1, 7)
    assert _week(engine, wednesday) == (date(2030, 1, 9), monday, monday, False)
    # a roster published for a week starting on a Saturday: the week holding today is it
    _publish(engine, date(2030, 1, 5))
    assert _week(engine, wednesday) == (date(2030, 1, 9), date(2030, 1, 5), date(2030, 1, 5), True)
    # after it (Sunday 20:00 UTC is already Monday the 14th in Shanghai): the clock's Monday,
    # and the pages open on the latest published week
    late = datetime(2030, 1, 13, 20, tzinfo=UTC)
    assert _week(engine, late) == (date(2030, 1, 14), date(2030, 1, 14), date(2030, 1, 5), True)
    _publish(engine, date(2030, 1, 26))  # a later week, not holding today
    assert _week(engine, late) == (date(2030, 1, 14), date(2030, 1, 14), date(2030, 1, 26), True)
    _publish(engine, date(2030, 1, 12))  # now one holds the 14th
    assert _week(engine, late) == (date(2030, 1, 14), date(2030, 1, 12), date(2030, 1, 12), True)
