"""Where a site's pages open: its clock's now, local day and week, and the published week to show
(the one its clock is in, else the latest published one)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from wfm.db.repositories import ScheduleRepository, SiteRepository
from wfm.domain import ScheduleStatus
from wfm.services.intraday.clock import site_now

WEEK_DAYS = 7


@dataclass(frozen=True, slots=True)
class SiteWeek:
    """`now_utc` by the site clock; `today` its local day; `week_start` the local Monday of that
    day's week, or the first day of the published roster covering today when one does;
    `opening_week_start` the week the pages open on: `week_start` when a roster is published for
    it, else the latest published week, else `week_start`; `published` whether
    `opening_week_start` has a published roster."""

    now_utc: datetime
    today: date
    week_start: date
    opening_week_start: date
    published: bool


def site_week(session: Session, site_code: str, now_utc: datetime | None = None) -> SiteWeek:
    site = SiteRepository(session).get(site_code)
    now = now_utc if now_utc is not None else site_now(session, site_code)
    today = now.astimezone(ZoneInfo(site.timezone)).date()
    published = sorted(
        s.week_start
        for s in ScheduleRepository(session).list(site_code)
        if s.status == ScheduleStatus.PUBLISHED
    )
    covering = [w for w in published if w <= today < w + timedelta(days=WEEK_DAYS)]
    if covering:
        week = covering[-1]
        return SiteWeek(now, today, week, week, True)
    monday = today - timedelta(days=today.weekday())
    if published:
        return SiteWeek(now, today, monday, published[-1], True)
    return SiteWeek(now, today, monday, monday, False)
