"""`/v1/me`: who the token belongs to and what it may do."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from api.deps import PrincipalDep, SessionDep, require
from api.errors import ApiError, responses
from api.schedules.schemas import ShiftRead
from api.schemas import day_query
from wfm.db.repositories import AgentRepository
from wfm.domain.access import Permission, Role
from wfm.services import schedule_views

router = APIRouter(tags=["me"])


class MeRead(BaseModel):
    token_id: int = Field(description="Identifier of the token (for `wfm token revoke`).")
    name: str = Field(description="Name given to the token.", examples=["planning team"])
    role: Role = Field(description="Role of the token.")
    agent_code: str | None = Field(description="For agent tokens, the agent they belong to.")
    permissions: list[Permission] = Field(description="What the role may do.")


@router.get("/me", response_model=MeRead, responses=responses())
def me(principal: PrincipalDep) -> Any:
    """The caller's token, role and permissions."""
    return MeRead(
        token_id=principal.token_id,
        name=principal.name,
        role=principal.role,
        agent_code=principal.agent_code,
        permissions=sorted(principal.permissions),
    )


@router.get(
    "/me/schedule",
    response_model=list[ShiftRead],
    dependencies=[Depends(require(Permission.SCHEDULE_READ_OWN))],
    responses=responses(404),
)
def my_schedule(
    session: SessionDep,
    principal: PrincipalDep,
    week_start: date = day_query(
        description="First local day of the week.", examples=["2025-03-03"]
    ),
) -> Any:
    """The caller's own shifts in the published schedule of the week (agent tokens)."""
    if principal.agent_code is None:
        raise ApiError(
            404, "not_found", "this token belongs to no agent (create one with --agent CODE)"
        )
    record = AgentRepository(session).get(principal.agent_code)
    schedule = schedule_views.published_for_week(session, record.agent.site_code, week_start)
    return [asdict(s) for s in schedule_views.agent_shifts(schedule, principal.agent_code).shifts]
