"""A site's own calendar days over its country's (`wfm.domain.CalendarDay`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from wfm.db.models import SiteCalendarDayRow
from wfm.db.repositories.sites import SiteRepository
from wfm.domain import CalendarDay, CalendarDayKind


class SiteCalendarRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def days(
        self, site_code: str, first: date | None = None, last: date | None = None
    ) -> list[CalendarDay]:
        """The site's days in date order, within [first, last] when given."""
        query = select(SiteCalendarDayRow).where(
            SiteCalendarDayRow.site_id == SiteRepository(self.session).id_of(site_code)
        )
        if first is not None:
            query = query.where(SiteCalendarDayRow.day >= first)
        if last is not None:
            query = query.where(SiteCalendarDayRow.day <= last)
        rows = self.session.scalars(query.order_by(SiteCalendarDayRow.day))
        return [CalendarDay(row.day, CalendarDayKind(row.kind), row.name) for row in rows]

    def replace(self, site_code: str, days: Sequence[CalendarDay]) -> list[CalendarDay]:
        """Replace the site's whole calendar (days distinct); returns it as stored."""
        site_id = SiteRepository(self.session).id_of(site_code)
        self.session.execute(
            delete(SiteCalendarDayRow).where(SiteCalendarDayRow.site_id == site_id)
        )
        self.session.add_all(
            SiteCalendarDayRow(site_id=site_id, day=d.day, kind=d.kind.value, name=d.name)
            for d in days
        )
        self.session.flush()
        return self.days(site_code)
