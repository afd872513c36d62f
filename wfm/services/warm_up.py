"""The answers a planner's first opening asks for, worked out once when an API process starts
(`wfm serve`, setting `api_warm_up`), so that the first reader does not wait for them.

For each site, the schedule of the week its pages open on (`site_week`: the published roster of
the site's week, else its latest published week; a week without one, its latest draft) is
evaluated, as `GET /v1/schedules/{id}/evaluation` would: some 3 s of a 120-agent week the first
time, about 1 s once the process remembers its parts. Nothing is stored: what the process
remembers is what that read remembers anyway (Erlang A's batches, the selling values of a
window), so an answer after the warm-up is the answer without it. A site whose warm-up fails is
logged and skipped.
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine

from wfm.db.repositories import ScheduleRepository, SiteRepository
from wfm.db.session import unit_of_work
from wfm.domain.types import ScheduleStatus
from wfm.services import schedule_views
from wfm.services.site_calendar import site_week

log = logging.getLogger("wfm.warm_up")


def opening_schedule_id(engine: Engine, site_code: str) -> int | None:
    """The schedule a site's pages open on (see the module docstring), or None."""
    with unit_of_work(engine) as session:
        week = site_week(session, site_code).opening_week_start
        versions = ScheduleRepository(session).list(site_code, week)
    published = [s for s in versions if s.status == ScheduleStatus.PUBLISHED]
    drafts = [s for s in versions if s.status == ScheduleStatus.DRAFT]
    chosen = published or drafts
    return chosen[-1].id if chosen else None


def warm_up(engine: Engine) -> list[int]:
    """Evaluate each site's opening schedule, one transaction per site; the ids evaluated."""
    with unit_of_work(engine) as session:
        sites = [site.code for site in SiteRepository(session).list()]
    warmed: list[int] = []
    for code in sites:
        try:
            schedule_id = opening_schedule_id(engine, code)
            if schedule_id is None:
                continue
            with unit_of_work(engine) as session:
                schedule_views.evaluate(session, schedule_id)
            warmed.append(schedule_id)
        except Exception:  # a warm-up never stops the server; the reads will say what is wrong
            log.warning("warming up site %s failed", code, exc_info=True)
    if warmed:
        log.info("warmed up schedules %s", warmed)
    return warmed
