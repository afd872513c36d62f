"""Shift bidding: a site's rounds with their patterns, the agents' rankings, the awards."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduling.bidding import ShiftPattern
from wfm.db.models import AgentRow, BidPatternRow, BidRoundRow, BidRow, SiteRow
from wfm.db.repositories.sites import SiteRepository
from wfm.domain.errors import NotFoundError


@dataclass(frozen=True, slots=True)
class BidRoundRecord:
    """A stored round: its patterns in the order given and, once assigned, each agent's award
    (`results` by agent code: pattern_id, choice, turn, explanation, ranking)."""

    id: int
    site_code: str
    name: str
    week_start: date
    weeks: int
    rule: str
    status: str
    closes_at_utc: datetime
    created_at_utc: datetime
    assigned_at_utc: datetime | None
    patterns: tuple[ShiftPattern, ...]
    results: dict[str, Any] | None
    schedule_ids: tuple[int, ...] = ()


# the key under which `results` keeps the draft schedules an applied round made (no agent code
# can be it: codes start with a letter or digit)
APPLIED_KEY = "_schedules"


class BidRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_round(
        self,
        site_code: str,
        *,
        name: str,
        week_start: date,
        weeks: int,
        rule: str,
        closes_at_utc: datetime,
        patterns: Sequence[ShiftPattern],
    ) -> int:
        """Store a draft round and its patterns (their ids are the database's); its id."""
        row = BidRoundRow(
            site_id=SiteRepository(self.session).id_of(site_code),
            name=name,
            week_start=week_start,
            weeks=weeks,
            rule=rule,
            status="draft",
            closes_at=closes_at_utc,
            created_at=datetime.now(UTC),
            assigned_at=None,
            results=None,
        )
        row.patterns = [
            BidPatternRow(
                name=p.name,
                weekdays=list(p.weekdays),
                start_local=p.start_local,
                end_local=p.end_local,
                seats=p.seats,
                skills=list(p.skills),
            )
            for p in patterns
        ]
        self.session.add(row)
        self.session.flush()
        return row.id

    def get(self, round_id: int) -> BidRoundRecord:
        row = self._row(round_id)
        code = self.session.scalar(select(SiteRow.code).where(SiteRow.id == row.site_id))
        assert code is not None
        return _record(code, row)

    def list(
        self, site_code: str, statuses: Sequence[str] | None = None, limit: int = 100
    ) -> builtins.list[BidRoundRecord]:
        """The site's rounds (of those statuses), newest first."""
        site_id = SiteRepository(self.session).id_of(site_code)
        query = select(BidRoundRow).where(BidRoundRow.site_id == site_id)
        if statuses is not None:
            query = query.where(BidRoundRow.status.in_(list(statuses)))
        rows = self.session.scalars(query.order_by(BidRoundRow.id.desc()).limit(limit))
        return [_record(site_code, row) for row in rows]

    def latest_assigned_before(self, site_code: str, round_id: int) -> BidRoundRecord | None:
        """The site's assigned round created last before this one (the rotation reads it)."""
        site_id = SiteRepository(self.session).id_of(site_code)
        row = self.session.scalars(
            select(BidRoundRow)
            .where(
                BidRoundRow.site_id == site_id,
                BidRoundRow.status.in_(["assigned", "applied"]),
                BidRoundRow.id < round_id,
            )
            .order_by(BidRoundRow.id.desc())
            .limit(1)
        ).first()
        return None if row is None else _record(site_code, row)

    def set_status(
        self, round_id: int, status: str, *, closes_at_utc: datetime | None = None
    ) -> None:
        row = self._row(round_id)
        row.status = status
        if closes_at_utc is not None:
            row.closes_at = closes_at_utc
        self.session.flush()

    def set_results(self, round_id: int, results: dict[str, Any]) -> None:
        row = self._row(round_id)
        row.status = "assigned"
        row.results = results
        row.assigned_at = datetime.now(UTC)
        self.session.flush()

    def set_applied(self, round_id: int, schedule_ids: Sequence[int]) -> None:
        """Mark an assigned round applied, with the draft schedules made from it."""
        row = self._row(round_id)
        row.status = "applied"
        row.results = {**(row.results or {}), APPLIED_KEY: list(schedule_ids)}
        self.session.flush()

    def rankings(self, round_id: int) -> dict[str, tuple[int, ...]]:
        """Every agent's ranking of the round, by agent code."""
        rows = self.session.execute(
            select(AgentRow.code, BidRow.ranking)
            .join(AgentRow, AgentRow.id == BidRow.agent_id)
            .where(BidRow.round_id == round_id)
        )
        return {code: tuple(int(p) for p in ranking) for code, ranking in rows}

    def ranking_of(self, round_id: int, agent_code: str) -> tuple[int, ...] | None:
        """The agent's ranking of the round, None when the agent has not bid."""
        ranking = self.session.scalar(
            select(BidRow.ranking)
            .join(AgentRow, AgentRow.id == BidRow.agent_id)
            .where(BidRow.round_id == round_id, AgentRow.code == agent_code)
        )
        return None if ranking is None else tuple(int(p) for p in ranking)

    def put_ranking(self, round_id: int, agent_code: str, ranking: Sequence[int]) -> None:
        """Store the agent's ranking of the round, replacing any earlier one."""
        agent_id = self.session.scalar(select(AgentRow.id).where(AgentRow.code == agent_code))
        if agent_id is None:
            raise NotFoundError(f"no agent {agent_code!r}")
        row = self.session.scalar(
            select(BidRow).where(BidRow.round_id == round_id, BidRow.agent_id == agent_id)
        )
        if row is None:
            row = BidRow(round_id=round_id, agent_id=agent_id, ranking=[])
            self.session.add(row)
        row.ranking = list(ranking)
        row.updated_at = datetime.now(UTC)
        self.session.flush()

    def _row(self, round_id: int) -> BidRoundRow:
        row = self.session.get(BidRoundRow, round_id)
        if row is None:
            raise NotFoundError(f"no bid round {round_id}")
        return row


def _record(site_code: str, row: BidRoundRow) -> BidRoundRecord:
    return BidRoundRecord(
        id=row.id,
        site_code=site_code,
        name=row.name,
        week_start=row.week_start,
        weeks=row.weeks,
        rule=row.rule,
        status=row.status,
        closes_at_utc=row.closes_at,
        created_at_utc=row.created_at,
        assigned_at_utc=row.assigned_at,
        patterns=tuple(
            ShiftPattern(
                id=p.id,
                name=p.name,
                weekdays=tuple(int(d) for d in p.weekdays),
                start_local=p.start_local,
                end_local=p.end_local,
                seats=p.seats,
                skills=tuple(str(s) for s in p.skills),
            )
            for p in row.patterns
        ),
        results=None
        if row.results is None
        else {k: v for k, v in row.results.items() if k != APPLIED_KEY},
        schedule_ids=tuple(int(i) for i in (row.results or {}).get(APPLIED_KEY, ())),
    )
