"""Schedules (versioned per site and week; draft or published) with shifts, breaks, activities."""

from __future__ import annotations

import builtins
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from wfm.db.models import (
    AgentRow,
    CampaignRow,
    QueueRow,
    ScheduleRow,
    ShiftActivityRow,
    ShiftBreakRow,
    ShiftRow,
    SiteRow,
)
from wfm.db.repositories.agents import AgentRepository
from wfm.db.repositories.campaigns import CampaignRepository
from wfm.db.repositories.queues import QueueRepository
from wfm.db.repositories.sites import SiteRepository
from wfm.domain import Activity, ActivitySpan, Schedule, ScheduleStatus, Shift, ShiftBreak
from wfm.domain.errors import ConflictError, NotFoundError

WEEK_DAYS = 7


def _days_after(day: date, days: int) -> date:
    """`day` moved by `days`, held at the calendar's ends."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min


class ScheduleRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def next_version(self, site_code: str, week_start: date) -> int:
        site_id = SiteRepository(self.session).id_of(site_code)
        current = self.session.scalar(
            select(func.max(ScheduleRow.version)).where(
                ScheduleRow.site_id == site_id, ScheduleRow.week_start == week_start
            )
        )
        return int(current or 0) + 1

    def add(self, schedule: Schedule) -> int:
        agent_ids = AgentRepository(self.session).ids_by_code()
        queue_ids = QueueRepository(self.session).ids_by_code()
        campaign_ids = CampaignRepository(self.session).ids_by_code()
        row = ScheduleRow(
            site_id=SiteRepository(self.session).id_of(schedule.site_code),
            week_start=schedule.week_start,
            version=schedule.version,
            status=schedule.status.value,
            forecast_run_id=schedule.forecast_run_id,
            created_at=schedule.created_at_utc,
            published_at=schedule.published_at_utc,
            summary=dict(schedule.summary),
            job_id=schedule.job_id,
        )
        for shift in schedule.shifts:
            if shift.agent_code not in agent_ids:
                raise NotFoundError(f"no agent {shift.agent_code!r}")
            shift_row = ShiftRow(
                agent_id=agent_ids[shift.agent_code],
                shift_date=shift.shift_date,
                start_utc=shift.start_utc,
                end_utc=shift.end_utc,
            )
            shift_row.breaks = [
                ShiftBreakRow(start_utc=b.start_utc, end_utc=b.end_utc, kind=b.kind)
                for b in shift.breaks
            ]
            shift_row.activities = [
                ShiftActivityRow(
                    start_utc=a.start_utc,
                    end_utc=a.end_utc,
                    activity=a.activity.value,
                    queue_id=queue_ids[a.queue_code] if a.queue_code else None,
                    campaign_id=campaign_ids[a.campaign_code] if a.campaign_code else None,
                    authorised_change=a.authorised_change,
                )
                for a in shift.activities
            ]
            row.shifts.append(shift_row)
        self.session.add(row)
        self.session.flush()
        return row.id

    def get(self, schedule_id: int) -> Schedule:
        row = self.session.scalar(
            select(ScheduleRow)
            .where(ScheduleRow.id == schedule_id)
            .options(
                selectinload(ScheduleRow.shifts).selectinload(ShiftRow.breaks),
                selectinload(ScheduleRow.shifts).selectinload(ShiftRow.activities),
            )
        )
        if row is None:
            raise NotFoundError(f"no schedule {schedule_id}")
        return self._schedule(row, with_shifts=True)

    def list(self, site_code: str, week_start: date | None = None) -> list[Schedule]:
        stmt = (
            select(ScheduleRow)
            .join(SiteRow)
            .where(SiteRow.code == site_code)
            .order_by(ScheduleRow.week_start, ScheduleRow.version)
        )
        if week_start is not None:
            stmt = stmt.where(ScheduleRow.week_start == week_start)
        return [self._schedule(r, with_shifts=False) for r in self.session.scalars(stmt)]

    def published_of_agent(
        self, site_code: str, agent_code: str, first_week_start: date, last_week_start: date
    ) -> builtins.list[Schedule]:
        """The site's published schedules of the weeks starting from `first_week_start` to
        `last_week_start` (both included), oldest first, each holding only the agent's shifts
        (none when the agent has no shift that week). For reads: the rows' shift collections are
        loaded filtered to the agent (refreshing any already in the session), so a caller must
        not change those schedules' shifts in the same session."""
        agent_id = self.session.scalar(select(AgentRow.id).where(AgentRow.code == agent_code))
        if agent_id is None:
            raise NotFoundError(f"no agent {agent_code!r}")
        own_shifts = ScheduleRow.shifts.and_(ShiftRow.agent_id == agent_id)
        rows = self.session.scalars(
            select(ScheduleRow)
            .join(SiteRow)
            .where(
                SiteRow.code == site_code,
                ScheduleRow.status == ScheduleStatus.PUBLISHED.value,
                ScheduleRow.week_start >= first_week_start,
                ScheduleRow.week_start <= last_week_start,
            )
            .order_by(ScheduleRow.week_start, ScheduleRow.version)
            .options(
                selectinload(own_shifts).selectinload(ShiftRow.breaks),
                selectinload(own_shifts).selectinload(ShiftRow.activities),
            )
            .execution_options(populate_existing=True)
        )
        return [self._schedule(row, with_shifts=True) for row in rows]

    def publish(self, schedule_id: int, published_at_utc: datetime) -> Schedule:
        """Publish the latest draft of its week; the week's published version before it becomes
        archived. ConflictError when the schedule is not a draft, is not the latest version of
        its week, or when its week overlaps another published week of the site (a site's
        published weeks never overlap).

        Race-free on SQLite and PostgreSQL: the draft is claimed first, by a compare-and-set
        UPDATE ... WHERE status = 'draft' (of two publishes of one draft, one changes the row and
        the other finds it no longer a draft); that write takes SQLite's one write lock, and on
        PostgreSQL the site's row is then locked, so the checks of two publishes of one site run
        one after the other, the second seeing what the first committed. The caller's
        transaction rolls everything back when a check fails."""
        claimed = self.session.execute(
            update(ScheduleRow)
            .where(ScheduleRow.id == schedule_id, ScheduleRow.status == ScheduleStatus.DRAFT.value)
            .values(status=ScheduleStatus.PUBLISHED.value, published_at=published_at_utc)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            status = self.session.scalar(
                select(ScheduleRow.status).where(ScheduleRow.id == schedule_id)
            )
            if status is None:
                raise NotFoundError(f"no schedule {schedule_id}")
            raise ConflictError(f"schedule {schedule_id} is {status}, not a draft")
        row = self.session.get(ScheduleRow, schedule_id, populate_existing=True)
        assert row is not None
        self.session.execute(  # FOR NO KEY UPDATE on PostgreSQL; nothing on SQLite
            select(SiteRow.id).where(SiteRow.id == row.site_id).with_for_update(key_share=True)
        )
        latest = self.session.scalar(
            select(func.max(ScheduleRow.version)).where(
                ScheduleRow.site_id == row.site_id, ScheduleRow.week_start == row.week_start
            )
        )
        if row.version != latest:
            raise ConflictError(
                f"schedule {schedule_id} is version {row.version} but version {latest} "
                f"is the latest for the week of {row.week_start}"
            )
        self._refuse_overlap(row)
        for other in self.session.scalars(
            select(ScheduleRow).where(
                ScheduleRow.site_id == row.site_id,
                ScheduleRow.week_start == row.week_start,
                ScheduleRow.status == ScheduleStatus.PUBLISHED.value,
                ScheduleRow.id != row.id,
            )
        ):
            other.status = ScheduleStatus.ARCHIVED.value
        self.session.flush()
        return self.get(schedule_id)

    def _refuse_overlap(self, row: ScheduleRow) -> None:
        """ConflictError naming a published schedule of the site whose week (seven local days
        from its week_start) overlaps the row's, other than one of the same week."""
        other = self.session.scalars(
            select(ScheduleRow)
            .where(
                ScheduleRow.site_id == row.site_id,
                ScheduleRow.status == ScheduleStatus.PUBLISHED.value,
                ScheduleRow.id != row.id,
                ScheduleRow.week_start != row.week_start,
                ScheduleRow.week_start >= _days_after(row.week_start, -(WEEK_DAYS - 1)),
                ScheduleRow.week_start <= _days_after(row.week_start, WEEK_DAYS - 1),
            )
            .order_by(ScheduleRow.week_start, ScheduleRow.id)
        ).first()
        if other is None:
            return
        site_code = self.session.scalar(select(SiteRow.code).where(SiteRow.id == row.site_id))
        raise ConflictError(
            f"schedule {row.id} (week of {row.week_start}) overlaps published schedule "
            f"{other.id} (week of {other.week_start}, version {other.version}) of site "
            f"{site_code!r}; a site's published weeks may not overlap"
        )

    def _schedule(self, row: ScheduleRow, *, with_shifts: bool) -> Schedule:
        site_code = self.session.scalar(select(SiteRow.code).where(SiteRow.id == row.site_id))
        shifts: tuple[Shift, ...] = ()
        if with_shifts:
            agent_codes = dict(self.session.execute(select(AgentRow.id, AgentRow.code)).all())
            queue_codes = dict(self.session.execute(select(QueueRow.id, QueueRow.code)).all())
            campaign_codes = dict(
                self.session.execute(select(CampaignRow.id, CampaignRow.code)).all()
            )
            shifts = tuple(
                Shift(
                    agent_code=agent_codes[s.agent_id],
                    shift_date=s.shift_date,
                    start_utc=s.start_utc,
                    end_utc=s.end_utc,
                    breaks=tuple(
                        ShiftBreak(start_utc=b.start_utc, end_utc=b.end_utc, kind=b.kind)
                        for b in sorted(s.breaks, key=lambda b: b.start_utc)
                    ),
                    activities=tuple(
                        ActivitySpan(
                            start_utc=a.start_utc,
                            end_utc=a.end_utc,
                            activity=Activity(a.activity),
                            queue_code=queue_codes.get(a.queue_id) if a.queue_id else None,
                            campaign_code=(
                                campaign_codes.get(a.campaign_id) if a.campaign_id else None
                            ),
                            authorised_change=a.authorised_change,
                        )
                        for a in sorted(s.activities, key=lambda a: a.start_utc)
                    ),
                )
                for s in sorted(row.shifts, key=lambda s: (agent_codes[s.agent_id], s.start_utc))
            )
        assert site_code is not None
        return Schedule(
            site_code=site_code,
            week_start=row.week_start,
            version=row.version,
            status=ScheduleStatus(row.status),
            created_at_utc=row.created_at,
            shifts=shifts,
            summary=dict(row.summary),
            forecast_run_id=row.forecast_run_id,
            published_at_utc=row.published_at,
            job_id=row.job_id,
            id=row.id,
        )
