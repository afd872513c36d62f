"""Edits and lookups the API needs beyond the core repositories: field updates of organisation
entities and agents, availability and time off rows with their ids (overlap checked), contracts,
and token lookups. Like every repository: `flush()`, never `commit()`."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from wfm.db import day_sums
from wfm.db.models import (
    AgentCampaignSkillRow,
    AgentQueueSkillRow,
    AgentRow,
    ApiTokenRow,
    AvailabilityRow,
    CampaignRow,
    ContractRow,
    QueueRow,
    SegmentRow,
    SiteRow,
    TimeOffRow,
)
from wfm.db.repositories.agents import (
    AgentRepository,
    CampaignRepository,
    QueueRepository,
    SiteRepository,
)
from wfm.domain import Agent, Campaign, Contract, Queue, Segment, Site
from wfm.domain.errors import ConflictError, NotFoundError, ValidationError


@dataclass(frozen=True, slots=True)
class AgentRecord:
    agent: Agent
    active: bool


@dataclass(frozen=True, slots=True)
class AvailabilityEntry:
    id: int
    agent_code: str
    weekday: int
    start_local: time
    end_local: time


@dataclass(frozen=True, slots=True)
class TimeOffEntry:
    id: int
    agent_code: str
    start_utc: datetime
    end_utc: datetime
    reason: str
    approved: bool


@dataclass(frozen=True, slots=True)
class TokenEntry:
    id: int
    name: str
    role: str
    agent_code: str | None
    created_at_utc: datetime
    revoked_at_utc: datetime | None


def _apply(row: Any, fields: Mapping[str, Any]) -> None:
    for name, value in fields.items():
        setattr(row, name, value)


class OrganisationEdits:
    def __init__(self, session: Session) -> None:
        self.session = session

    def update_site(self, code: str, fields: Mapping[str, Any]) -> Site:
        row = self.session.scalar(select(SiteRow).where(SiteRow.code == code))
        if row is None:
            raise NotFoundError(f"no site {code!r}")
        old_timezone = row.timezone
        _apply(row, fields)
        self.session.flush()
        if row.timezone != old_timezone:  # the site's local days moved: recompute their sums
            queue_ids = self.session.scalars(select(QueueRow.id).where(QueueRow.site_id == row.id))
            day_sums.rebuild(self.session.connection(), list(queue_ids))
        return SiteRepository(self.session).get(code)

    def update_queue(self, code: str, fields: Mapping[str, Any]) -> Queue:
        row = self.session.scalar(select(QueueRow).where(QueueRow.code == code))
        if row is None:
            raise NotFoundError(f"no queue {code!r}")
        _apply(row, {k: getattr(v, "value", v) for k, v in fields.items()})
        self.session.flush()
        return QueueRepository(self.session).get(code)

    def segment(self, code: str) -> Segment:
        row = self.session.scalar(select(SegmentRow).where(SegmentRow.code == code))
        if row is None:
            raise NotFoundError(f"no segment {code!r}")
        return Segment(
            code=row.code,
            name=row.name,
            arpu_min_per_month=row.arpu_min_per_month,
            arpu_max_per_month=row.arpu_max_per_month,
            customer_count=row.customer_count,
        )

    def update_segment(self, code: str, fields: Mapping[str, Any]) -> Segment:
        row = self.session.scalar(select(SegmentRow).where(SegmentRow.code == code))
        if row is None:
            raise NotFoundError(f"no segment {code!r}")
        _apply(row, fields)
        self.session.flush()
        return self.segment(code)

    def campaign(self, code: str) -> Campaign:
        for campaign in CampaignRepository(self.session).list():
            if campaign.code == code:
                return campaign
        raise NotFoundError(f"no campaign {code!r}")

    def update_campaign(self, code: str, fields: Mapping[str, Any]) -> Campaign:
        row = self.session.scalar(select(CampaignRow).where(CampaignRow.code == code))
        if row is None:
            raise NotFoundError(f"no campaign {code!r}")
        values = dict(fields)
        if "segment_code" in values:
            segment_code = values.pop("segment_code")
            segment_id = None
            if segment_code is not None:
                segment_id = self.session.scalar(
                    select(SegmentRow.id).where(SegmentRow.code == segment_code)
                )
                if segment_id is None:
                    raise NotFoundError(f"no segment {segment_code!r}")
            values["segment_id"] = segment_id
        if "kind" in values:
            values["kind"] = getattr(values["kind"], "value", values["kind"])
        if "value_per_productive_hour_by_hour" in values:
            values["value_per_productive_hour_by_hour"] = [
                float(v) for v in values["value_per_productive_hour_by_hour"]
            ]
        if "calling_windows" in values:
            values["calling_windows"] = [
                {
                    "weekday": w.weekday,
                    "start_local": w.start_local.strftime("%H:%M"),
                    "end_local": w.end_local.strftime("%H:%M"),
                }
                for w in values["calling_windows"]
            ]
        _apply(row, values)
        self.session.flush()
        return self.campaign(code)


class AgentEdits:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _row(self, code: str) -> AgentRow:
        row = self.session.scalar(
            select(AgentRow)
            .options(
                selectinload(AgentRow.contract),
                selectinload(AgentRow.queue_skills).selectinload(AgentQueueSkillRow.queue),
                selectinload(AgentRow.campaign_skills).selectinload(AgentCampaignSkillRow.campaign),
            )
            .where(AgentRow.code == code)
        )
        if row is None:
            raise NotFoundError(f"no agent {code!r}")
        return row

    def get(self, code: str) -> AgentRecord:
        row = self._row(code)
        site_code = self.session.scalar(select(SiteRow.code).where(SiteRow.id == row.site_id))
        assert site_code is not None
        contract = row.contract
        return AgentRecord(
            agent=Agent(
                site_code=site_code,
                code=row.code,
                name=row.name,
                contract=Contract(
                    name=contract.name,
                    weekly_hours_min=contract.weekly_hours_min,
                    weekly_hours_max=contract.weekly_hours_max,
                    days_per_week_min=contract.days_per_week_min,
                    days_per_week_max=contract.days_per_week_max,
                    shift_lengths_minutes=tuple(int(v) for v in contract.shift_lengths_minutes),
                    earliest_start_local=contract.earliest_start_local,
                    latest_end_local=contract.latest_end_local,
                    min_rest_hours=contract.min_rest_hours,
                    max_consecutive_days=contract.max_consecutive_days,
                ),
                queue_skills=tuple(sorted(s.queue.code for s in row.queue_skills)),
                campaign_skills=tuple(sorted(s.campaign.code for s in row.campaign_skills)),
                hire_date=row.hire_date,
            ),
            active=row.active,
        )

    def list(
        self, site_code: str | None = None, include_inactive: bool = False
    ) -> builtins.list[AgentRecord]:
        stmt = select(AgentRow.code, AgentRow.active).order_by(AgentRow.code)
        if site_code is not None:
            stmt = stmt.join(SiteRow, AgentRow.site_id == SiteRow.id).where(
                SiteRow.code == site_code
            )
        active = dict(self.session.execute(stmt).all())
        agents = AgentRepository(self.session).list(site_code)
        records = [AgentRecord(a, True) for a in agents]
        if include_inactive:
            known = {a.code for a in agents}
            records += [
                self.get(code) for code, on in active.items() if not on and code not in known
            ]
            records.sort(key=lambda r: r.agent.code)
        return records

    def update(
        self,
        code: str,
        *,
        name: str | None = None,
        contract: Contract | None = None,
        queue_skills: Sequence[str] | None = None,
        campaign_skills: Sequence[str] | None = None,
        hire_date: date | None = None,
        active: bool | None = None,
    ) -> AgentRecord:
        row = self._row(code)
        if name is not None:
            row.name = name
        if hire_date is not None:
            row.hire_date = hire_date
        if active is not None:
            row.active = active
        if contract is not None:
            row.contract_id = AgentRepository(self.session)._contract_id(contract)
        if queue_skills is not None:
            ids = QueueRepository(self.session).ids_by_code()
            for queue_code in queue_skills:
                if queue_code not in ids:
                    raise NotFoundError(f"agent {code!r}: no queue {queue_code!r}")
            row.queue_skills = [AgentQueueSkillRow(queue_id=ids[q]) for q in queue_skills]
        if campaign_skills is not None:
            ids = CampaignRepository(self.session).ids_by_code()
            for campaign_code in campaign_skills:
                if campaign_code not in ids:
                    raise NotFoundError(f"agent {code!r}: no campaign {campaign_code!r}")
            row.campaign_skills = [
                AgentCampaignSkillRow(campaign_id=ids[c]) for c in campaign_skills
            ]
        self.session.flush()
        self.session.expire(row)
        return self.get(code)

    def contracts(self) -> builtins.list[Contract]:
        return [
            Contract(
                name=r.name,
                weekly_hours_min=r.weekly_hours_min,
                weekly_hours_max=r.weekly_hours_max,
                days_per_week_min=r.days_per_week_min,
                days_per_week_max=r.days_per_week_max,
                shift_lengths_minutes=tuple(int(v) for v in r.shift_lengths_minutes),
                earliest_start_local=r.earliest_start_local,
                latest_end_local=r.latest_end_local,
                min_rest_hours=r.min_rest_hours,
                max_consecutive_days=r.max_consecutive_days,
            )
            for r in self.session.scalars(select(ContractRow).order_by(ContractRow.name))
        ]

    # --- availability ------------------------------------------------------------------------

    def availability(self, code: str) -> builtins.list[AvailabilityEntry]:
        agent_id = self._row(code).id
        rows = self.session.scalars(
            select(AvailabilityRow)
            .where(AvailabilityRow.agent_id == agent_id)
            .order_by(AvailabilityRow.weekday, AvailabilityRow.start_local)
        )
        return [AvailabilityEntry(r.id, code, r.weekday, r.start_local, r.end_local) for r in rows]

    def replace_availability(
        self, code: str, windows: Sequence[tuple[int, time, time]]
    ) -> builtins.list[AvailabilityEntry]:
        agent_id = self._row(code).id
        self.session.execute(delete(AvailabilityRow).where(AvailabilityRow.agent_id == agent_id))
        self.session.add_all(
            AvailabilityRow(agent_id=agent_id, weekday=w, start_local=s, end_local=e)
            for w, s, e in windows
        )
        self.session.flush()
        return self.availability(code)

    # --- time off ----------------------------------------------------------------------------

    def time_off(
        self,
        code: str,
        start_utc: datetime | None = None,
        end_utc: datetime | None = None,
    ) -> builtins.list[TimeOffEntry]:
        agent_id = self._row(code).id
        stmt = (
            select(TimeOffRow)
            .where(TimeOffRow.agent_id == agent_id)
            .order_by(TimeOffRow.start_utc, TimeOffRow.id)
        )
        if start_utc is not None:
            stmt = stmt.where(TimeOffRow.end_utc > start_utc)
        if end_utc is not None:
            stmt = stmt.where(TimeOffRow.start_utc < end_utc)
        return [
            TimeOffEntry(r.id, code, r.start_utc, r.end_utc, r.reason, r.approved)
            for r in self.session.scalars(stmt)
        ]

    def add_time_off(
        self, code: str, start_utc: datetime, end_utc: datetime, reason: str, approved: bool
    ) -> TimeOffEntry:
        """Add a time-off period; one that overlaps another of the agent's is a ConflictError."""
        if end_utc <= start_utc:
            raise ValidationError(
                f"time off must end after it starts ({end_utc.isoformat()} <= "
                f"{start_utc.isoformat()})"
            )
        start_utc, end_utc = start_utc.astimezone(UTC), end_utc.astimezone(UTC)
        agent_id = self._row(code).id
        clash = self.time_off(code, start_utc, end_utc)
        if clash:
            other = clash[0]
            raise ConflictError(
                f"time off {start_utc.isoformat()}..{end_utc.isoformat()} overlaps time off "
                f"{other.id} of agent {code!r} ({other.start_utc.isoformat()}.."
                f"{other.end_utc.isoformat()}, {other.reason})"
            )
        row = TimeOffRow(
            agent_id=agent_id,
            start_utc=start_utc,
            end_utc=end_utc,
            reason=reason,
            approved=approved,
        )
        self.session.add(row)
        self.session.flush()
        return TimeOffEntry(row.id, code, start_utc, end_utc, reason, approved)

    def delete_time_off(self, code: str, time_off_id: int) -> None:
        agent_id = self._row(code).id
        row = self.session.get(TimeOffRow, time_off_id)
        if row is None or row.agent_id != agent_id:
            raise NotFoundError(f"agent {code!r} has no time off {time_off_id}")
        self.session.delete(row)
        self.session.flush()


class TokenLookup:
    def __init__(self, session: Session) -> None:
        self.session = session

    def active(self, token_hash: str) -> TokenEntry | None:
        result = self.session.execute(
            select(ApiTokenRow, AgentRow.code)
            .outerjoin(AgentRow, ApiTokenRow.agent_id == AgentRow.id)
            .where(ApiTokenRow.token_hash == token_hash, ApiTokenRow.revoked_at.is_(None))
        ).first()
        if result is None:
            return None
        return _token(result[0], result[1])

    def list(self) -> builtins.list[TokenEntry]:
        stmt = (
            select(ApiTokenRow, AgentRow.code)
            .outerjoin(AgentRow, ApiTokenRow.agent_id == AgentRow.id)
            .order_by(ApiTokenRow.id)
        )
        return [_token(row, code) for row, code in self.session.execute(stmt)]


def _token(row: ApiTokenRow, agent_code: str | None) -> TokenEntry:
    return TokenEntry(
        id=row.id,
        name=row.name,
        role=row.role,
        agent_code=agent_code,
        created_at_utc=row.created_at,
        revoked_at_utc=row.revoked_at,
    )
