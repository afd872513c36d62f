"""API tokens: add, look up an active one by hash, list and revoke. Only hashes are stored."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from wfm.db.models import AgentRow, ApiTokenRow
from wfm.domain.errors import NotFoundError


@dataclass(frozen=True, slots=True)
class TokenEntry:
    id: int
    name: str
    role: str
    agent_code: str | None
    created_at_utc: datetime
    revoked_at_utc: datetime | None


class TokenRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, *, name: str, role: str, token_hash: str, agent_code: str | None = None) -> int:
        agent_id = None
        if agent_code is not None:
            agent_id = self.session.scalar(select(AgentRow.id).where(AgentRow.code == agent_code))
            if agent_id is None:
                raise NotFoundError(f"no agent {agent_code!r}")
        row = ApiTokenRow(
            name=name,
            role=role,
            token_hash=token_hash,
            agent_id=agent_id,
            created_at=datetime.now(UTC),
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def find_active(self, token_hash: str) -> ApiTokenRow | None:
        return self.session.scalar(
            select(ApiTokenRow).where(
                ApiTokenRow.token_hash == token_hash, ApiTokenRow.revoked_at.is_(None)
            )
        )

    def active(self, token_hash: str) -> TokenEntry | None:
        """The unrevoked token with this hash, with its agent's code; None if there is none."""
        result = self.session.execute(
            select(ApiTokenRow, AgentRow.code)
            .outerjoin(AgentRow, ApiTokenRow.agent_id == AgentRow.id)
            .where(ApiTokenRow.token_hash == token_hash, ApiTokenRow.revoked_at.is_(None))
        ).first()
        if result is None:
            return None
        return _token(result[0], result[1])

    def revoke(self, token_id: int) -> None:
        row = self.session.get(ApiTokenRow, token_id)
        if row is None:
            raise NotFoundError(f"no token {token_id}")
        row.revoked_at = datetime.now(UTC)
        self.session.flush()

    def list(self) -> builtins.list[TokenEntry]:
        """Every token, revoked or not, by id."""
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
