"""`/v1/me`: who the token belongs to and what it may do."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field

from api.deps import PrincipalDep, SessionDep, own_agent_code, require
from api.errors import responses
from api.schedules.export import schedule_ical
from api.schedules.schemas import ShiftRead
from api.schemas import day_query
from wfm.db.repositories import AgentRepository, SiteRepository
from wfm.domain.access import Permission, Role
from wfm.services import schedule_views
from wfm.services.site_calendar import site_week

router = APIRouter(tags=["me"])


class MeRead(BaseModel):
    token_id: int = Field(description="Identifier of the token (for `wfm token revoke`).")
    name: str = Field(description="Name given to the token.", examples=["planning team"])
    role: Role = Field(description="Role of the token.")
    agent_code: str | None = Field(description="For agent tokens, the agent they belong to.")
    permissions: list[Permission] = Field(description="What the role may do.")
    site_code: str | None = Field(
        default=None, description="For agent tokens, the agent's site; else null."
    )
    timezone: str | None = Field(default=None, description="The agent's site's IANA timezone.")
    default_language: str | None = Field(
        default=None, description='The agent\'s site\'s default language ("zh-CN" or "en").'
    )
    currency: str | None = Field(default=None, description="The agent's site's ISO 4217 currency.")
    opening_week_start: date | None = Field(
        default=None,
        description="The week the agent's schedule opens on: the published week holding the "
        "site's today by its clock, else the latest published week, else today's Monday.",
    )


@router.get("/me", response_model=MeRead, responses=responses())
def me(principal: PrincipalDep, session: SessionDep) -> Any:
    """The caller's token, role and permissions; for an agent token, its site's timezone,
    language, currency and the week its schedule opens on."""
    found = MeRead(
        token_id=principal.token_id,
        name=principal.name,
        role=principal.role,
        agent_code=principal.agent_code,
        permissions=sorted(principal.permissions),
    )
    if principal.agent_code is None:
        return found
    site_code = AgentRepository(session).get(principal.agent_code).agent.site_code
    site = SiteRepository(session).get(site_code)
    return found.model_copy(
        update={
            "site_code": site.code,
            "timezone": site.timezone,
            "default_language": site.default_language,
            "currency": site.currency,
            "opening_week_start": site_week(session, site.code).opening_week_start,
        }
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
    code = own_agent_code(principal)
    record = AgentRepository(session).get(code)
    schedule = schedule_views.published_for_week(session, record.agent.site_code, week_start)
    return [asdict(s) for s in schedule_views.agent_shifts(schedule, code).shifts]


@router.get(
    "/me/calendar.ics",
    response_class=Response,
    dependencies=[Depends(require(Permission.SCHEDULE_READ_OWN))],
    responses={
        **responses(404),
        200: {"content": {"text/calendar": {}}, "description": "iCalendar (RFC 5545)."},
    },
)
def my_calendar(
    session: SessionDep,
    principal: PrincipalDep,
    week_start: date = day_query(
        description="First local day of the week.", examples=["2025-03-03"]
    ),
) -> Response:
    """The caller's own shifts in the week's published schedule as iCalendar (agent tokens)."""
    code = own_agent_code(principal)
    site = SiteRepository(session).get(AgentRepository(session).get(code).agent.site_code)
    schedule = schedule_views.published_for_week(session, site.code, week_start)
    name = f"{code}-{schedule.week_start}"
    return Response(
        content=schedule_ical(schedule, code, site.timezone),
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.ics"'},
    )
