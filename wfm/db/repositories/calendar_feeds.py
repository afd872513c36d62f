"""Calendar feeds: an agent's calendar subscription link, stored as the hash of its secret.

One feed per agent (`calendar_feeds.agent_id` is unique): putting a new one replaces the old
in place, so the old secret stops working in the same transaction. A feed is found by its hash
only while its agent is active.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from wfm.db.models import AgentRow, CalendarFeedRow, SiteRow
from wfm.domain.errors import NotFoundError


@dataclass(frozen=True, slots=True)
class CalendarFeedOwner:
    """Whose feed a secret opens: the agent, their site and its timezone."""

    agent_code: str
    site_code: str
    timezone: str


class CalendarFeedRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def put(self, agent_code: str, secret_hash: str, created_at_utc: datetime) -> None:
        """Store the agent's feed, replacing the one they had (whose secret stops working)."""
        agent_id = self._agent_id(agent_code)
        row = self.session.scalar(
            select(CalendarFeedRow).where(CalendarFeedRow.agent_id == agent_id)
        )
        if row is None:
            row = CalendarFeedRow(agent_id=agent_id)
            self.session.add(row)
        row.secret_hash = secret_hash
        row.created_at_utc = created_at_utc
        self.session.flush()

    def created_at(self, agent_code: str) -> datetime | None:
        """When the agent's feed was made (or last rotated), or None without one."""
        return self.session.scalar(
            select(CalendarFeedRow.created_at_utc)
            .join(AgentRow, CalendarFeedRow.agent_id == AgentRow.id)
            .where(AgentRow.code == agent_code)
        )

    def remove(self, agent_code: str) -> bool:
        """Delete the agent's feed; whether there was one."""
        return self.remove_of_agent_id(self._agent_id(agent_code))

    def remove_of_agent_id(self, agent_id: int) -> bool:
        result = self.session.execute(
            delete(CalendarFeedRow)
            .where(CalendarFeedRow.agent_id == agent_id)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount) > 0  # type: ignore[attr-defined]

    def owner(self, secret_hash: str) -> CalendarFeedOwner | None:
        """The active agent whose feed has this secret hash, or None (unknown, revoked, rotated
        away, or the agent deactivated)."""
        found = self.session.execute(
            select(AgentRow.code, SiteRow.code, SiteRow.timezone)
            .select_from(CalendarFeedRow)
            .join(AgentRow, CalendarFeedRow.agent_id == AgentRow.id)
            .join(SiteRow, AgentRow.site_id == SiteRow.id)
            .where(CalendarFeedRow.secret_hash == secret_hash, AgentRow.active.is_(True))
        ).first()
        if found is None:
            return None
        return CalendarFeedOwner(agent_code=found[0], site_code=found[1], timezone=found[2])

    def _agent_id(self, agent_code: str) -> int:
        agent_id = self.session.scalar(select(AgentRow.id).where(AgentRow.code == agent_code))
        if agent_id is None:
            raise NotFoundError(f"no agent {agent_code!r}")
        return int(agent_id)
