"""`/v1/me/time-off` (an agent's own requests and balance) and `/v1/time-off-requests` (the
planners' list and decisions), with `/v1/agents/{code}/time-off-balance`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Path, Query, Response, status
from sqlalchemy.orm import Session

from api.deps import PrincipalDep, SessionDep, own_agent_code, require
from api.errors import responses
from api.schemas import CODE_PATTERN, code_path
from api.time_off.schemas import (
    BalanceRead,
    MyTimeOffRead,
    OpeningBalanceUpdate,
    TimeOffDecisionCreate,
    TimeOffRequestCreate,
    TimeOffRequestRead,
)
from wfm.db.repositories import AgentRepository, SiteRepository, TimeOffRequestRepository
from wfm.domain.access import Permission
from wfm.domain.time_off import Balance, TimeOffRequest, TimeOffStatus
from wfm.services import time_off

me_router = APIRouter(prefix="/me/time-off", tags=["me"])
router = APIRouter(tags=["time off"])
OWN = [Depends(require(Permission.TIME_OFF_REQUEST))]
DECIDE = [Depends(require(Permission.TIME_OFF_DECIDE))]
REQUEST_ID = Path(ge=1, le=2**31 - 1, description="Identifier of the request.")


def _read(session: Session, request: TimeOffRequest) -> dict[str, Any]:
    zone = SiteRepository(session).get(request.site_code).timezone
    return {
        "id": request.id,
        "agent_code": request.agent_code,
        "site_code": request.site_code,
        "timezone": zone,
        "start_utc": request.start_utc,
        "end_utc": request.end_utc,
        "start_local": request.start_utc.astimezone(ZoneInfo(zone)),
        "end_local": request.end_utc.astimezone(ZoneInfo(zone)),
        "reason": request.reason,
        "hours": request.hours,
        "status": request.status,
        "prediction": None if request.prediction is None else request.prediction.to_json(),
        "created_at_utc": request.created_at_utc,
        "decided_at_utc": request.decided_at_utc,
        "decided_by": request.decided_by,
        "decision_reason": request.decision_reason,
    }


def _balance(found: Balance) -> dict[str, Any]:
    return {
        "on": found.on,
        "opening_hours": found.opening_hours,
        "as_of": found.as_of,
        "accrual_hours_per_week": found.accrual_hours_per_week,
        "accrued_hours": found.accrued_hours,
        "approved_hours": found.approved_hours,
        "pending_hours": found.pending_hours,
        "balance_hours": round(found.balance_hours, 4),
        "available_hours": round(found.available_hours, 4),
    }


def _now() -> datetime:
    return datetime.now(UTC)


@me_router.post(
    "",
    response_model=TimeOffRequestRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=OWN,
    responses=responses(404, 409),
)
def request_time_off(
    body: TimeOffRequestCreate, session: SessionDep, principal: PrincipalDep, response: Response
) -> Any:
    """Ask for time off for the token's own agent. Approved at once when the published roster
    without the agent in the span keeps every affected queue and day on its targets (the
    prediction and margins are stored); else pending for a planner, with the prediction. 409
    when it overlaps the agent's pending or approved request or time off; 422 naming the field
    for an end before the start, a span over 31 days, or more hours than the balance has."""
    outcome = time_off.request_time_off(
        session,
        agent_code=own_agent_code(principal),
        start_utc=body.start,
        end_utc=body.end,
        reason=body.reason,
        now_utc=_now(),
    )
    response.headers["Location"] = f"/v1/me/time-off/{outcome.request.id}"
    return _read(session, outcome.request)


@me_router.get("", response_model=MyTimeOffRead, dependencies=OWN, responses=responses(404))
def my_time_off(session: SessionDep, principal: PrincipalDep) -> Any:
    """The token's agent's requests (by start, with status and prediction) and leave balance
    on the site's today."""
    code = own_agent_code(principal)
    today = time_off.site_today(session, code, _now())
    return {
        "balance": _balance(time_off.balance_of(session, code, today)),
        "requests": [
            _read(session, r) for r in TimeOffRequestRepository(session).list(agent_code=code)
        ],
    }


@me_router.post(
    "/{request_id}/cancel",
    response_model=TimeOffRequestRead,
    dependencies=OWN,
    responses=responses(404, 409),
)
def cancel_time_off(
    session: SessionDep, principal: PrincipalDep, request_id: int = REQUEST_ID
) -> Any:
    """Cancel one of the agent's own pending requests (404 for any other's; 409 once
    decided)."""
    outcome = time_off.cancel(session, own_agent_code(principal), request_id, _now())
    return _read(session, outcome.request)


@router.get(
    "/time-off-requests",
    response_model=list[TimeOffRequestRead],
    dependencies=DECIDE,
    responses=responses(404),
)
def list_requests(
    session: SessionDep,
    site: str | None = Query(default=None, pattern=CODE_PATTERN, description="Site."),
    request_status: TimeOffStatus | None = Query(
        default=None, alias="status", description="pending, approved, refused or cancelled."
    ),
    agent: str | None = Query(default=None, pattern=CODE_PATTERN, description="Agent."),
    limit: int = Query(default=500, ge=1, le=1000, description="Most requests, by start."),
) -> Any:
    """Time-off requests by start, with their prediction; filtered by site, status, agent."""
    if site is not None:
        SiteRepository(session).id_of(site)
    if agent is not None:
        AgentRepository(session).get(agent)
    found = TimeOffRequestRepository(session).list(
        site_code=site, status=request_status, agent_code=agent, limit=limit
    )
    return [_read(session, r) for r in found]


@router.get(
    "/time-off-requests/{request_id}",
    response_model=TimeOffRequestRead,
    dependencies=DECIDE,
    responses=responses(404),
)
def get_request(session: SessionDep, request_id: int = REQUEST_ID) -> Any:
    """A time-off request with its prediction."""
    return _read(session, TimeOffRequestRepository(session).get(request_id))


@router.post(
    "/time-off-requests/{request_id}/decision",
    response_model=TimeOffRequestRead,
    dependencies=DECIDE,
    responses=responses(404, 409),
)
def decide(
    body: TimeOffDecisionCreate,
    session: SessionDep,
    principal: PrincipalDep,
    request_id: int = REQUEST_ID,
) -> Any:
    """Approve or refuse a pending request (a refusal needs a reason: 422). An approval
    becomes the agent's approved time off and publishes each published week it changes anew
    without the agent in the span. 409 when the request is no longer pending."""
    outcome = time_off.decide(
        session,
        request_id,
        decision=body.decision,
        reason=body.reason,
        decided_by=principal.name,
        now_utc=_now(),
    )
    return _read(session, outcome.request)


@router.get(
    "/agents/{code}/time-off-balance",
    response_model=BalanceRead,
    dependencies=DECIDE,
    responses=responses(404),
)
def get_balance(session: SessionDep, code: str = code_path("agent")) -> Any:
    """The agent's leave balance on the site's today."""
    today = time_off.site_today(session, code, _now())
    return _balance(time_off.balance_of(session, code, today))


@router.put(
    "/agents/{code}/time-off-balance",
    response_model=BalanceRead,
    dependencies=DECIDE,
    responses=responses(404),
)
def put_balance(
    body: OpeningBalanceUpdate, session: SessionDep, code: str = code_path("agent")
) -> Any:
    """Set the agent's opening leave balance and the day it holds on (accrual runs from it)."""
    found = time_off.set_opening_balance(session, code, body.opening_hours, body.as_of, _now())
    return _balance(found)


ROUTERS = [me_router, router]
