"""Bearer tokens, roles and the permission table (the one place that says who may do what)."""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass

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
        }
    ),
    Role.FLOOR_MANAGER: frozenset(_READ_PLAN | {Permission.INTRADAY_WRITE}),
    Role.EXECUTIVE: frozenset({Permission.ORG_READ, Permission.KPI_READ}),
    Role.AGENT: frozenset({Permission.SCHEDULE_READ_OWN}),
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
