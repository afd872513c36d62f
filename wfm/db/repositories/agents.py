"""Agents: their contract (shared by name), skills, weekly availability and time off.

One repository for the aggregate: adding and listing agents in bulk (import, scheduling), and one
agent's record read, updated and its availability and time off edited with their ids (the API).
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload

from wfm.db.models import (
    AgentCampaignSkillRow,
    AgentQueueSkillRow,
    AgentRow,
    AvailabilityRow,
    ContractRow,
    SiteRow,
    TimeOffRow,
)
from wfm.db.repositories.calendar_feeds import CalendarFeedRepository
from wfm.db.repositories.campaigns import CampaignRepository
from wfm.db.repositories.queues import QueueRepository
from wfm.db.repositories.sites import SiteRepository
from wfm.db.repositories.tokens import TokenRepository
from wfm.domain import Agent, Availability, Contract, TimeOff
from wfm.domain.errors import AlreadyExistsError, ConflictError, NotFoundError, ValidationError


@dataclass(frozen=True, slots=True)
class AgentRecord:
    agent: Agent
    active: bool


@dataclass(frozen=True, slots=True)
class AvailabilityEntry:
    """A stored availability window with its id."""

    id: int
    agent_code: str
    weekday: int
    start_local: time
    end_local: time

    @property
    def availability(self) -> Availability:
        return Availability(self.agent_code, self.weekday, self.start_local, self.end_local)


@dataclass(frozen=True, slots=True)
class TimeOffEntry:
    """A stored time-off period with its id."""

    id: int
    agent_code: str
    start_utc: datetime
    end_utc: datetime
    reason: str
    approved: bool

    @property
    def time_off(self) -> TimeOff:
        return TimeOff(self.agent_code, self.start_utc, self.end_utc, self.reason, self.approved)


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
                leave_accrual_hours_per_week=contract.leave_accrual_hours_per_week,
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
                team=agent.team or None,
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
        """The active agents (of the site), by code."""
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

    def teams(self, site_code: str) -> dict[str, str]:
        """Each agent of the site (active or not) -> their team ("" for none), in one query."""
        stmt = (
            select(AgentRow.code, AgentRow.team)
            .join(SiteRow, AgentRow.site_id == SiteRow.id)
            .where(SiteRow.code == site_code)
        )
        return {code: team or "" for code, team in self.session.execute(stmt)}

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(AgentRow)) or 0

    # --- one agent's record --------------------------------------------------------------------

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
        """One agent, active or not."""
        row = self._row(code)
        site_code = self.session.scalar(select(SiteRow.code).where(SiteRow.id == row.site_id))
        assert site_code is not None
        return AgentRecord(agent=_agent(row, site_code), active=row.active)

    def list_records(
        self, site_code: str | None = None, include_inactive: bool = False
    ) -> builtins.list[AgentRecord]:
        """The agents (of the site) with whether they are active, by code."""
        stmt = select(AgentRow.code, AgentRow.active).order_by(AgentRow.code)
        if site_code is not None:
            stmt = stmt.join(SiteRow, AgentRow.site_id == SiteRow.id).where(
                SiteRow.code == site_code
            )
        active = dict(self.session.execute(stmt).all())
        agents = self.list(site_code)
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
        team: str | None = None,
        active: bool | None = None,
    ) -> AgentRecord:
        """Change what is given (None: unchanged); `team=""` takes the agent out of their team."""
        row = self._row(code)
        if name is not None:
            row.name = name
        if hire_date is not None:
            row.hire_date = hire_date
        if team is not None:
            row.team = team or None
        if active is not None:
            if row.active and not active:  # the agent leaves: their tokens and feed stop working
                TokenRepository(self.session).revoke_agent_tokens(
                    row.id, reason=f"agent {code} deactivated"
                )
                CalendarFeedRepository(self.session).remove_of_agent_id(row.id)
            row.active = active
        if contract is not None:
            row.contract_id = self._contract_id(contract)
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
        """Every contract, by name."""
        return [
            _contract(r)
            for r in self.session.scalars(select(ContractRow).order_by(ContractRow.name))
        ]

    # --- availability --------------------------------------------------------------------------

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
        """Every agent's availability, by agent, weekday and start."""
        stmt = (
            select(AvailabilityRow, AgentRow.code)
            .join(AgentRow, AvailabilityRow.agent_id == AgentRow.id)
            .order_by(AgentRow.code, AvailabilityRow.weekday, AvailabilityRow.start_local)
        )
        return [_availability(r, code).availability for r, code in self.session.execute(stmt)]

    def agent_availability(self, code: str) -> builtins.list[AvailabilityEntry]:
        """One agent's availability windows with their ids, by weekday and start."""
        agent_id = self._row(code).id
        rows = self.session.scalars(
            select(AvailabilityRow)
            .where(AvailabilityRow.agent_id == agent_id)
            .order_by(AvailabilityRow.weekday, AvailabilityRow.start_local)
        )
        return [_availability(r, code) for r in rows]

    def replace_availability(
        self, code: str, windows: Sequence[tuple[int, time, time]]
    ) -> builtins.list[AvailabilityEntry]:
        """Replace one agent's availability with (weekday, start, end) windows."""
        agent_id = self._row(code).id
        self.session.execute(delete(AvailabilityRow).where(AvailabilityRow.agent_id == agent_id))
        self.session.add_all(
            AvailabilityRow(agent_id=agent_id, weekday=w, start_local=s, end_local=e)
            for w, s, e in windows
        )
        self.session.flush()
        return self.agent_availability(code)

    # --- time off ------------------------------------------------------------------------------

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
        """Every agent's time off overlapping the period, by agent and start."""
        stmt = (
            select(TimeOffRow, AgentRow.code)
            .join(AgentRow, TimeOffRow.agent_id == AgentRow.id)
            .order_by(AgentRow.code, TimeOffRow.start_utc)
        )
        if start_utc is not None:
            stmt = stmt.where(TimeOffRow.end_utc > start_utc)
        if end_utc is not None:
            stmt = stmt.where(TimeOffRow.start_utc < end_utc)
        return [_time_off(r, code).time_off for r, code in self.session.execute(stmt)]

    def agent_time_off(
        self,
        code: str,
        start_utc: datetime | None = None,
        end_utc: datetime | None = None,
    ) -> builtins.list[TimeOffEntry]:
        """One agent's time off overlapping the period, with ids, by start."""
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
        return [_time_off(r, code) for r in self.session.scalars(stmt)]

    def add_agent_time_off(
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
        clash = self.agent_time_off(code, start_utc, end_utc)
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
        return _time_off(row, code)

    def delete_time_off(self, code: str, time_off_id: int) -> None:
        agent_id = self._row(code).id
        row = self.session.get(TimeOffRow, time_off_id)
        if row is None or row.agent_id != agent_id:
            raise NotFoundError(f"agent {code!r} has no time off {time_off_id}")
        self.session.delete(row)
        self.session.flush()


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
        leave_accrual_hours_per_week=row.leave_accrual_hours_per_week,
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
        team=row.team or "",
    )


def _availability(row: AvailabilityRow, agent_code: str) -> AvailabilityEntry:
    return AvailabilityEntry(row.id, agent_code, row.weekday, row.start_local, row.end_local)


def _time_off(row: TimeOffRow, agent_code: str) -> TimeOffEntry:
    return TimeOffEntry(row.id, agent_code, row.start_utc, row.end_utc, row.reason, row.approved)
