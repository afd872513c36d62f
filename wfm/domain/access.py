"""Bearer tokens, roles and the permission table (the one place that says who may do what)."""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

TOKEN_PREFIX = "wfm_"


class Role(enum.StrEnum):
    ADMIN = "admin"
    PLANNER = "planner"
    FLOOR_MANAGER = "floor_manager"
    EXECUTIVE = "executive"
    AGENT = "agent"


class Permission(enum.StrEnum):
    ORG_READ = "org:read"  # sites, queues, segments, campaigns
    ORG_WRITE = "org:write"
    AGENTS_READ = "agents:read"  # agents, contracts, skills, availability, time off
    AGENTS_WRITE = "agents:write"
    HISTORY_READ = "history:read"
    HISTORY_WRITE = "history:write"  # interval history import
    KPI_READ = "kpi:read"
    STAFFING_CALCULATE = "staffing:calculate"
    FORECAST_READ = "forecast:read"  # runs, values, adjustments, accuracy, requirements
    FORECAST_WRITE = "forecast:write"  # run forecasts, requirements, adjustments
    SCHEDULE_READ = "schedule:read"  # every agent's schedule
    SCHEDULE_READ_OWN = "schedule:read_own"  # the token's own agent only
    SCHEDULE_WRITE = "schedule:write"  # build rosters
    SCHEDULE_PUBLISH = "schedule:publish"
    INTRADAY_READ = "intraday:read"
    INTRADAY_WRITE = "intraday:write"  # sell/serve switches, exceptions
    JOBS_READ = "jobs:read"
    WEBHOOKS_MANAGE = "webhooks:manage"  # webhook subscriptions and their deliveries (admin)
    TIME_OFF_REQUEST = "time_off:request"  # the token's own agent's requests and balance
    TIME_OFF_DECIDE = "time_off:decide"  # every request: list, approve, refuse; balances
    BIDS_OWN = "bids:own"  # rank a round's shift patterns, read the token's own award
    # the token's own agent: availability, roster preferences, shift offers and trades
    SELF_SERVICE = "self:write"


_READ_PLAN = {
    Permission.ORG_READ,
    Permission.AGENTS_READ,
    Permission.HISTORY_READ,
    Permission.KPI_READ,
    Permission.STAFFING_CALCULATE,
    Permission.FORECAST_READ,
    Permission.SCHEDULE_READ,
    Permission.SCHEDULE_READ_OWN,
    Permission.INTRADAY_READ,
    Permission.JOBS_READ,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.PLANNER: frozenset(
        _READ_PLAN
        | {
            Permission.ORG_WRITE,
            Permission.AGENTS_WRITE,
            Permission.HISTORY_WRITE,
            Permission.FORECAST_WRITE,
            Permission.SCHEDULE_WRITE,
            Permission.SCHEDULE_PUBLISH,
            Permission.TIME_OFF_DECIDE,
        }
    ),
    Role.FLOOR_MANAGER: frozenset(_READ_PLAN | {Permission.INTRADAY_WRITE}),
    Role.EXECUTIVE: frozenset({Permission.ORG_READ, Permission.KPI_READ}),
    Role.AGENT: frozenset(
        {
            Permission.SCHEDULE_READ_OWN,
            Permission.TIME_OFF_REQUEST,
            Permission.BIDS_OWN,
            Permission.SELF_SERVICE,
        }
    ),
}


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the token's id, name and role, and for agents their agent code."""

    token_id: int
    name: str
    role: Role
    agent_code: str | None = None

    @property
    def permissions(self) -> frozenset[Permission]:
        return ROLE_PERMISSIONS[self.role]

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions


def new_token() -> str:
    """A fresh random bearer token (shown once; only its hash is stored)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The stored form of a token: its SHA-256 in hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# a token's last use is written at most this often (not on every request)
LAST_USED_RESOLUTION_SECONDS = 60.0


def token_refusal(
    *,
    now_utc: datetime,
    expires_at_utc: datetime | None,
    revoked_at_utc: datetime | None,
    revoked_reason: str | None = None,
    agent_active: bool | None = None,
) -> str | None:
    """Why a stored token may not be used (one line for the 401 answer), or None when it may.

    `agent_active` is the token's agent's flag (None: the token is not an agent's)."""
    if revoked_at_utc is not None:
        why = f" ({revoked_reason})" if revoked_reason else ""
        return f"the bearer token was revoked at {revoked_at_utc:%Y-%m-%d %H:%M} UTC{why}"
    if agent_active is False:
        return "the bearer token's agent has been deactivated"
    if expires_at_utc is not None and expires_at_utc <= now_utc:
        return f"the bearer token expired at {expires_at_utc:%Y-%m-%d %H:%M} UTC"
    return None


def token_expiry(created_at_utc: datetime, ttl_days: float | None) -> datetime | None:
    """When a token made now with this lifetime expires; None (never) for no or a zero lifetime."""
    if ttl_days is None or ttl_days <= 0:
        return None
    return created_at_utc + timedelta(days=ttl_days)


def last_use_is_stale(last_used_at_utc: datetime | None, now_utc: datetime) -> bool:
    """Whether a token's recorded last use is old enough to be written again."""
    return (
        last_used_at_utc is None
        or (now_utc - last_used_at_utc).total_seconds() >= LAST_USED_RESOLUTION_SECONDS
    )
