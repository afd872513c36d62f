"""API tokens: add, look up a usable one by hash, list and revoke. Only hashes are stored.

A token is usable while it is not revoked, not expired, and (for an agent's token) its agent is
active. Looking a usable token up records its last use, at most once a minute, in a savepoint of
its own that never holds the caller up: when the database is busy, the write is skipped.
"""

from __future__ import annotations

import builtins
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, or_, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from wfm.db.models import AgentRow, ApiTokenRow
from wfm.domain.access import last_use_is_stale, token_refusal
from wfm.domain.errors import NotFoundError

log = logging.getLogger("wfm.db")

# how long recording a token's last use may wait for a busy database (milliseconds)
_LAST_USE_BUSY_MS = 100
_SQLITE_BUSY_MS = 30_000  # the engine's own busy timeout (wfm.db.session), restored after


@dataclass(frozen=True, slots=True)
class TokenEntry:
    id: int
    name: str
    role: str
    agent_code: str | None
    created_at_utc: datetime
    revoked_at_utc: datetime | None
    expires_at_utc: datetime | None = None
    last_used_at_utc: datetime | None = None
    revoked_reason: str | None = None
    agent_active: bool | None = None  # None: not an agent's token

    def refusal(self, now_utc: datetime) -> str | None:
        """Why this token may not be used now, or None when it may."""
        return token_refusal(
            now_utc=now_utc,
            expires_at_utc=self.expires_at_utc,
            revoked_at_utc=self.revoked_at_utc,
            revoked_reason=self.revoked_reason,
            agent_active=self.agent_active,
        )


class TokenRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self,
        *,
        name: str,
        role: str,
        token_hash: str,
        agent_code: str | None = None,
        expires_at_utc: datetime | None = None,
    ) -> int:
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
            expires_at=expires_at_utc,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def find_active(self, token_hash: str) -> ApiTokenRow | None:
        """The row of the usable token with this hash (not revoked, not expired, its agent
        active), or None."""
        entry = self._entry(token_hash)
        if entry is None or entry.refusal(datetime.now(UTC)) is not None:
            return None
        return self.session.get(ApiTokenRow, entry.id)

    def active(self, token_hash: str, now_utc: datetime | None = None) -> TokenEntry | None:
        """The usable token with this hash, with its agent's code; None if there is none (unknown,
        revoked, expired, or its agent deactivated: `refusal` says which). Records the use."""
        found = self.lookup(token_hash, now_utc)
        return found if isinstance(found, TokenEntry) else None

    def lookup(self, token_hash: str, now_utc: datetime | None = None) -> TokenEntry | str:
        """The usable token with this hash (its use recorded), or one line saying why it is
        refused: unknown, revoked (and why), its agent deactivated, or expired (and when)."""
        now = now_utc or datetime.now(UTC)
        entry = self._entry(token_hash)
        if entry is None:
            return "the bearer token is unknown"
        refusal = entry.refusal(now)
        if refusal is not None:
            return refusal
        if last_use_is_stale(entry.last_used_at_utc, now):
            self._record_use(entry.id, now)
        return entry

    def refusal(self, token_hash: str, now_utc: datetime | None = None) -> str | None:
        """Why the token with this hash is refused (one line), or None when it is usable (its use
        is not recorded: see `lookup`)."""
        entry = self._entry(token_hash)
        if entry is None:
            return "the bearer token is unknown"
        return entry.refusal(now_utc or datetime.now(UTC))

    def revoke(self, token_id: int, reason: str | None = None) -> None:
        row = self.session.get(ApiTokenRow, token_id)
        if row is None:
            raise NotFoundError(f"no token {token_id}")
        if row.revoked_at is None:
            row.revoked_at = datetime.now(UTC)
            row.revoked_reason = reason[:200] if reason else None
        self.session.flush()

    def revoke_agent_tokens(self, agent_id: int, reason: str) -> int:
        """Revoke every unrevoked token of the agent; how many."""
        return self._revoke_where(ApiTokenRow.agent_id == agent_id, reason)

    def revoke_named(self, name: str, reason: str) -> int:
        """Revoke every unrevoked token of this name; how many."""
        return self._revoke_where(ApiTokenRow.name == name, reason)

    def delete_revoked_named(self, name: str) -> int:
        """Delete the revoked tokens of this name (e.g. the demo's earlier admin tokens)."""
        result = self.session.execute(
            delete(ApiTokenRow).where(ApiTokenRow.name == name, ApiTokenRow.revoked_at.is_not(None))
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def list(self) -> builtins.list[TokenEntry]:
        """Every token, revoked or not, by id."""
        stmt = (
            select(ApiTokenRow, AgentRow.code, AgentRow.active)
            .outerjoin(AgentRow, ApiTokenRow.agent_id == AgentRow.id)
            .order_by(ApiTokenRow.id)
        )
        return [_token(row, code, on) for row, code, on in self.session.execute(stmt)]

    # --- inside ---------------------------------------------------------------------------------

    def _entry(self, token_hash: str) -> TokenEntry | None:
        result = self.session.execute(
            select(ApiTokenRow, AgentRow.code, AgentRow.active)
            .outerjoin(AgentRow, ApiTokenRow.agent_id == AgentRow.id)
            .where(ApiTokenRow.token_hash == token_hash)
        ).first()
        if result is None:
            return None
        return _token(result[0], result[1], result[2])

    def _revoke_where(self, condition: object, reason: str) -> int:
        result = self.session.execute(
            update(ApiTokenRow)
            .where(condition, ApiTokenRow.revoked_at.is_(None))  # type: ignore[arg-type]
            .values(revoked_at=datetime.now(UTC), revoked_reason=reason[:200])
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def _record_use(self, token_id: int, now: datetime) -> None:
        """Write the token's last use unless another request just did; skipped, not waited for,
        while the database is busy with another writer."""
        dialect = self.session.get_bind().dialect.name
        sqlite = dialect == "sqlite"
        try:
            with self.session.begin_nested():
                if sqlite:
                    self.session.execute(text(f"PRAGMA busy_timeout={_LAST_USE_BUSY_MS}"))
                elif dialect == "postgresql":  # for the rest of this short look-up transaction
                    self.session.execute(text(f"SET LOCAL lock_timeout = {_LAST_USE_BUSY_MS}"))
                self.session.execute(
                    update(ApiTokenRow)
                    .where(
                        ApiTokenRow.id == token_id,
                        or_(ApiTokenRow.last_used_at.is_(None), ApiTokenRow.last_used_at < now),
                    )
                    .values(last_used_at=now)
                    .execution_options(synchronize_session=False)
                )
        except OperationalError as exc:
            log.debug("last use of token %s not recorded: %s", token_id, exc)
        finally:
            if sqlite:
                self.session.execute(text(f"PRAGMA busy_timeout={_SQLITE_BUSY_MS}"))


def _token(row: ApiTokenRow, agent_code: str | None, agent_active: bool | None) -> TokenEntry:
    return TokenEntry(
        id=row.id,
        name=row.name,
        role=row.role,
        agent_code=agent_code,
        created_at_utc=row.created_at,
        revoked_at_utc=row.revoked_at,
        expires_at_utc=row.expires_at,
        last_used_at_utc=row.last_used_at,
        revoked_reason=row.revoked_reason,
        agent_active=None if row.agent_id is None else bool(agent_active),
    )
