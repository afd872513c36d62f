"""Repositories for sites, queues, segments, campaigns and agents (with contracts and skills)."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from wfm.db.models import (
    AgentCampaignSkillRow,
    AgentQueueSkillRow,
    AgentRow,
    AvailabilityRow,
    CampaignRow,
    ContractRow,
    QueueRow,
    SegmentRow,
    SiteRow,
    TimeOffRow,
)
from wfm.domain import (
    Agent,
    Availability,
    CallingWindow,
    Campaign,
    CampaignKind,
    Channel,
    Contract,
    Queue,
    Segment,
    Site,
    TimeOff,
)
from wfm.domain.errors import AlreadyExistsError, NotFoundError
from wfm.domain.queue_model import Patience, PatienceSource


def _time_str(value: time) -> str:
    return value.strftime("%H:%M")


def _parse_time(value: str) -> time:
    return time.fromisoformat(value)


class SiteRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, site: Site) -> int:
        if self.session.scalar(select(SiteRow.id).where(SiteRow.code == site.code)) is not None:
            raise AlreadyExistsError(f"site {site.code!r} already exists")
        row = SiteRow(
            code=site.code,
            name=site.name,
            timezone=site.timezone,
            country_code=site.country_code,
            seats=site.seats,
            default_patience_seconds=site.default_patience_seconds,
            created_at=datetime.now(UTC),
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def id_of(self, code: str) -> int:
        site_id = self.session.scalar(select(SiteRow.id).where(SiteRow.code == code))
        if site_id is None:
            raise NotFoundError(f"no site {code!r}")
        return site_id

    def get(self, code: str) -> Site:
        row = self.session.scalar(select(SiteRow).where(SiteRow.code == code))
        if row is None:
            raise NotFoundError(f"no site {code!r}")
        return _site(row)

    def list(self) -> list[Site]:
        return [_site(r) for r in self.session.scalars(select(SiteRow).order_by(SiteRow.code))]

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(SiteRow)) or 0


def _site(row: SiteRow) -> Site:
    return Site(
        code=row.code,
        name=row.name,
        timezone=row.timezone,
        country_code=row.country_code,
        seats=row.seats,
        default_patience_seconds=row.default_patience_seconds,
    )


class QueueRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, queue: Queue) -> int:
        if self.session.scalar(select(QueueRow.id).where(QueueRow.code == queue.code)) is not None:
            raise AlreadyExistsError(f"queue {queue.code!r} already exists")
        row = QueueRow(
            site_id=SiteRepository(self.session).id_of(queue.site_code),
            code=queue.code,
            name=queue.name,
            channel=queue.channel.value,
            service_level_target=queue.service_level_target,
            service_threshold_seconds=queue.service_threshold_seconds,
            max_occupancy=queue.max_occupancy,
            chat_concurrency=queue.chat_concurrency,
            mean_patience_seconds=queue.mean_patience_seconds,
            patience_estimated_at_utc=queue.patience_estimated_at_utc,
            patience_ci_low_seconds=queue.patience_ci_low_seconds,
            patience_ci_high_seconds=queue.patience_ci_high_seconds,
            patience_abandoned_count=queue.patience_abandoned_count,
            value_per_answered_contact=queue.value_per_answered_contact,
            short_abandon_threshold_seconds=queue.short_abandon_threshold_seconds,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def ids_by_code(self) -> dict[str, int]:
        return {code: qid for code, qid in self.session.execute(select(QueueRow.code, QueueRow.id))}

    def id_of(self, code: str) -> int:
        queue_id = self.session.scalar(select(QueueRow.id).where(QueueRow.code == code))
        if queue_id is None:
            raise NotFoundError(f"no queue {code!r}")
        return queue_id

    def get(self, code: str) -> Queue:
        row = self.session.scalar(
            select(QueueRow).options(selectinload(QueueRow.site)).where(QueueRow.code == code)
        )
        if row is None:
            raise NotFoundError(f"no queue {code!r}")
        return _queue(row)

    def list(self, site_code: str | None = None) -> list[Queue]:
        stmt = select(QueueRow).options(selectinload(QueueRow.site)).order_by(QueueRow.code)
        if site_code is not None:
            stmt = stmt.join(SiteRow).where(SiteRow.code == site_code)
        return [_queue(r) for r in self.session.scalars(stmt)]

    def set_patience_estimate(self, code: str, estimate: Patience | None) -> None:
        """Store the queue's patience estimate from its history, with its date, interval and
        abandons; None clears it (the site's setting applies)."""
        row = self.session.scalar(select(QueueRow).where(QueueRow.code == code))
        if row is None:
            raise NotFoundError(f"no queue {code!r}")
        if estimate is not None and estimate.source is not PatienceSource.HISTORY:
            raise ValueError(f"queue {code!r}: only an estimate from history is stored")
        row.mean_patience_seconds = None if estimate is None else estimate.seconds
        row.patience_estimated_at_utc = None if estimate is None else estimate.estimated_at_utc
        row.patience_ci_low_seconds = None if estimate is None else estimate.ci_low_seconds
        row.patience_ci_high_seconds = None if estimate is None else estimate.ci_high_seconds
        row.patience_abandoned_count = None if estimate is None else estimate.abandoned_count
        self.session.flush()


def _queue(row: QueueRow) -> Queue:
    return Queue(
        site_code=row.site.code,
        code=row.code,
        name=row.name,
        channel=Channel(row.channel),
        service_level_target=row.service_level_target,
        service_threshold_seconds=row.service_threshold_seconds,
        max_occupancy=row.max_occupancy,
        chat_concurrency=row.chat_concurrency,
        mean_patience_seconds=row.mean_patience_seconds,
        patience_estimated_at_utc=row.patience_estimated_at_utc,
        patience_ci_low_seconds=row.patience_ci_low_seconds,
        patience_ci_high_seconds=row.patience_ci_high_seconds,
        patience_abandoned_count=row.patience_abandoned_count,
        value_per_answered_contact=row.value_per_answered_contact,
        short_abandon_threshold_seconds=row.short_abandon_threshold_seconds,
    )


class SegmentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, segment: Segment) -> int:
        existing = self.session.scalar(select(SegmentRow.id).where(SegmentRow.code == segment.code))
        if existing is not None:
            raise AlreadyExistsError(f"segment {segment.code!r} already exists")
        row = SegmentRow(
            code=segment.code,
            name=segment.name,
            arpu_min_per_month=segment.arpu_min_per_month,
            arpu_max_per_month=segment.arpu_max_per_month,
            customer_count=segment.customer_count,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def list(self) -> list[Segment]:
        return [
            Segment(
                code=r.code,
                name=r.name,
                arpu_min_per_month=r.arpu_min_per_month,
                arpu_max_per_month=r.arpu_max_per_month,
                customer_count=r.customer_count,
            )
            for r in self.session.scalars(select(SegmentRow).order_by(SegmentRow.code))
        ]


class CampaignRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, campaign: Campaign) -> int:
        existing = self.session.scalar(
            select(CampaignRow.id).where(CampaignRow.code == campaign.code)
        )
        if existing is not None:
            raise AlreadyExistsError(f"campaign {campaign.code!r} already exists")
        segment_id = None
        if campaign.segment_code is not None:
            segment_id = self.session.scalar(
                select(SegmentRow.id).where(SegmentRow.code == campaign.segment_code)
            )
            if segment_id is None:
                raise NotFoundError(f"no segment {campaign.segment_code!r}")
        row = CampaignRow(
            site_id=SiteRepository(self.session).id_of(campaign.site_code),
            code=campaign.code,
            name=campaign.name,
            kind=campaign.kind.value,
            segment_id=segment_id,
            value_per_productive_hour_by_hour=list(campaign.value_per_productive_hour_by_hour),
            calling_windows=[
                {
                    "weekday": w.weekday,
                    "start_local": _time_str(w.start_local),
                    "end_local": _time_str(w.end_local),
                }
                for w in campaign.calling_windows
            ],
            min_hours_per_week=campaign.min_hours_per_week,
            max_hours_per_week=campaign.max_hours_per_week,
            target_hours=campaign.target_hours,
            efficiency=campaign.efficiency,
            deadline=campaign.deadline,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def ids_by_code(self) -> dict[str, int]:
        return dict(self.session.execute(select(CampaignRow.code, CampaignRow.id)).all())

    def list(self, site_code: str | None = None) -> list[Campaign]:
        stmt = (
            select(CampaignRow, SiteRow.code)
            .join(SiteRow, CampaignRow.site_id == SiteRow.id)
            .options(selectinload(CampaignRow.segment))
            .order_by(CampaignRow.code)
        )
        if site_code is not None:
            stmt = stmt.where(SiteRow.code == site_code)
        return [_campaign(row, code) for row, code in self.session.execute(stmt)]


def _campaign(row: CampaignRow, site_code: str) -> Campaign:
    return Campaign(
        site_code=site_code,
        code=row.code,
        name=row.name,
        kind=CampaignKind(row.kind),
        segment_code=row.segment.code if row.segment is not None else None,
        value_per_productive_hour_by_hour=tuple(
            float(v) for v in row.value_per_productive_hour_by_hour
        ),
        calling_windows=tuple(
            CallingWindow(
                weekday=int(w["weekday"]),
                start_local=_parse_time(w["start_local"]),
                end_local=_parse_time(w["end_local"]),
            )
            for w in row.calling_windows
        ),
        min_hours_per_week=row.min_hours_per_week,
        max_hours_per_week=row.max_hours_per_week,
        target_hours=row.target_hours,
        efficiency=row.efficiency,
        deadline=row.deadline,
    )


class AgentRepository:
    """Agents with their contract (shared by name), skills, availability and time off."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._contract_ids: dict[str, int] = {}

    def _contract_id(self, contract: Contract) -> int:
        if contract.name in self._contract_ids:
            return self._contract_ids[contract.name]
        row = self.session.scalar(select(ContractRow).where(ContractRow.name == contract.name))
        if row is None:
            row = ContractRow(
                name=contract.name,
                weekly_hours_min=contract.weekly_hours_min,
                weekly_hours_max=contract.weekly_hours_max,
                days_per_week_min=contract.days_per_week_min,
                days_per_week_max=contract.days_per_week_max,
                shift_lengths_minutes=list(contract.shift_lengths_minutes),
                earliest_start_local=contract.earliest_start_local,
                latest_end_local=contract.latest_end_local,
                min_rest_hours=contract.min_rest_hours,
                max_consecutive_days=contract.max_consecutive_days,
            )
            self.session.add(row)
            self.session.flush()
        elif _contract(row) != contract:
            raise AlreadyExistsError(
                f"contract {contract.name!r} already exists with different terms"
            )
        self._contract_ids[contract.name] = row.id
        return row.id

    def add_many(self, agents: Iterable[Agent]) -> dict[str, int]:
        """Add agents; returns their ids by code. Unknown queues or campaigns are an error."""
        site_ids: dict[str, int] = {}
        queue_ids = QueueRepository(self.session).ids_by_code()
        campaign_ids = CampaignRepository(self.session).ids_by_code()
        existing = set(self.session.scalars(select(AgentRow.code)))
        rows: list[AgentRow] = []
        for agent in agents:
            if agent.code in existing:
                raise AlreadyExistsError(f"agent {agent.code!r} already exists")
            existing.add(agent.code)
            if agent.site_code not in site_ids:
                site_ids[agent.site_code] = SiteRepository(self.session).id_of(agent.site_code)
            row = AgentRow(
                site_id=site_ids[agent.site_code],
                code=agent.code,
                name=agent.name,
                contract_id=self._contract_id(agent.contract),
                hire_date=agent.hire_date,
                active=True,
            )
            for queue_code in agent.queue_skills:
                if queue_code not in queue_ids:
                    raise NotFoundError(f"agent {agent.code!r}: no queue {queue_code!r}")
                row.queue_skills.append(AgentQueueSkillRow(queue_id=queue_ids[queue_code]))
            for campaign_code in agent.campaign_skills:
                if campaign_code not in campaign_ids:
                    raise NotFoundError(f"agent {agent.code!r}: no campaign {campaign_code!r}")
                row.campaign_skills.append(
                    AgentCampaignSkillRow(campaign_id=campaign_ids[campaign_code])
                )
            rows.append(row)
        self.session.add_all(rows)
        self.session.flush()
        return {row.code: row.id for row in rows}

    def ids_by_code(self) -> dict[str, int]:
        return dict(self.session.execute(select(AgentRow.code, AgentRow.id)).all())

    def list(self, site_code: str | None = None) -> list[Agent]:
        stmt = (
            select(AgentRow, SiteRow.code)
            .join(SiteRow, AgentRow.site_id == SiteRow.id)
            .options(
                selectinload(AgentRow.contract),
                selectinload(AgentRow.queue_skills).selectinload(AgentQueueSkillRow.queue),
                selectinload(AgentRow.campaign_skills).selectinload(AgentCampaignSkillRow.campaign),
            )
            .where(AgentRow.active.is_(True))
            .order_by(AgentRow.code)
        )
        if site_code is not None:
            stmt = stmt.where(SiteRow.code == site_code)
        return [_agent(row, code) for row, code in self.session.execute(stmt)]

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(AgentRow)) or 0

    def add_availability(self, windows: Sequence[Availability]) -> None:
        ids = self.ids_by_code()
        self.session.add_all(
            AvailabilityRow(
                agent_id=_agent_id(ids, w.agent_code),
                weekday=w.weekday,
                start_local=w.start_local,
                end_local=w.end_local,
            )
            for w in windows
        )
        self.session.flush()

    def availability(self) -> builtins.list[Availability]:
        stmt = (
            select(AvailabilityRow, AgentRow.code)
            .join(AgentRow, AvailabilityRow.agent_id == AgentRow.id)
            .order_by(AgentRow.code, AvailabilityRow.weekday, AvailabilityRow.start_local)
        )
        return [
            Availability(
                agent_code=code, weekday=r.weekday, start_local=r.start_local, end_local=r.end_local
            )
            for r, code in self.session.execute(stmt)
        ]

    def add_time_off(self, entries: Sequence[TimeOff]) -> None:
        ids = self.ids_by_code()
        self.session.add_all(
            TimeOffRow(
                agent_id=_agent_id(ids, t.agent_code),
                start_utc=t.start_utc,
                end_utc=t.end_utc,
                reason=t.reason,
                approved=t.approved,
            )
            for t in entries
        )
        self.session.flush()

    def time_off(
        self, start_utc: datetime | None = None, end_utc: datetime | None = None
    ) -> builtins.list[TimeOff]:
        stmt = (
            select(TimeOffRow, AgentRow.code)
            .join(AgentRow, TimeOffRow.agent_id == AgentRow.id)
            .order_by(AgentRow.code, TimeOffRow.start_utc)
        )
        if start_utc is not None:
            stmt = stmt.where(TimeOffRow.end_utc > start_utc)
        if end_utc is not None:
            stmt = stmt.where(TimeOffRow.start_utc < end_utc)
        return [
            TimeOff(
                agent_code=code,
                start_utc=r.start_utc,
                end_utc=r.end_utc,
                reason=r.reason,
                approved=r.approved,
            )
            for r, code in self.session.execute(stmt)
        ]


def _agent_id(ids: dict[str, int], code: str) -> int:
    if code not in ids:
        raise NotFoundError(f"no agent {code!r}")
    return ids[code]


def _contract(row: ContractRow) -> Contract:
    return Contract(
        name=row.name,
        weekly_hours_min=row.weekly_hours_min,
        weekly_hours_max=row.weekly_hours_max,
        days_per_week_min=row.days_per_week_min,
        days_per_week_max=row.days_per_week_max,
        shift_lengths_minutes=tuple(int(v) for v in row.shift_lengths_minutes),
        earliest_start_local=row.earliest_start_local,
        latest_end_local=row.latest_end_local,
        min_rest_hours=row.min_rest_hours,
        max_consecutive_days=row.max_consecutive_days,
    )


def _agent(row: AgentRow, site_code: str) -> Agent:
    return Agent(
        site_code=site_code,
        code=row.code,
        name=row.name,
        contract=_contract(row.contract),
        queue_skills=tuple(sorted(s.queue.code for s in row.queue_skills)),
        campaign_skills=tuple(sorted(s.campaign.code for s in row.campaign_skills)),
        hire_date=row.hire_date,
    )
