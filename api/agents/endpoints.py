"""`/v1/agents` (with availability and time off) and `/v1/contracts`."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status

from api.agents.schemas import (
    AgentCreate,
    AgentRead,
    AgentUpdate,
    AvailabilityRead,
    AvailabilityReplace,
    ContractRead,
    TimeOffCreate,
    TimeOffRead,
)
from api.cache import invalidate_kpis
from api.deps import SessionDep, require
from api.errors import responses
from api.schemas import CODE_PATTERN, changes, code_path
from wfm.db.repositories import AgentRecord, AgentRepository, SiteRepository
from wfm.domain import Agent, Contract
from wfm.domain.access import Permission

router = APIRouter(tags=["agents"])
READ = [Depends(require(Permission.AGENTS_READ))]
WRITE = [Depends(require(Permission.AGENTS_WRITE))]


def _read(record: AgentRecord) -> dict[str, Any]:
    return {**asdict(record.agent), "active": record.active}


def _contract(body: Any) -> Contract:
    values = body.model_dump()
    values["shift_lengths_minutes"] = tuple(values["shift_lengths_minutes"])
    return Contract(**values)


@router.get("/agents", response_model=list[AgentRead], dependencies=READ, responses=responses(404))
def list_agents(
    session: SessionDep,
    site: str | None = Query(default=None, pattern=CODE_PATTERN, description="Only this site."),
    queue: str | None = Query(
        default=None, pattern=CODE_PATTERN, description="Only agents skilled for this queue."
    ),
    include_inactive: bool = Query(default=False, description="Also agents who have left."),
) -> Any:
    """Agents with their contract and skills, by code."""
    if site is not None:
        SiteRepository(session).id_of(site)
    records = AgentRepository(session).list_records(site, include_inactive=include_inactive)
    if queue is not None:
        records = [r for r in records if queue in r.agent.queue_skills]
    return [_read(r) for r in records]


@router.post(
    "/agents",
    response_model=AgentRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=WRITE,
    responses=responses(404, 409),
)
def create_agent(body: AgentCreate, session: SessionDep) -> Any:
    """Create an agent; the contract is shared by name (409 if the name has other terms)."""
    agent = Agent(
        site_code=body.site_code,
        code=body.code,
        name=body.name,
        contract=_contract(body.contract),
        queue_skills=tuple(dict.fromkeys(body.queue_skills)),
        campaign_skills=tuple(dict.fromkeys(body.campaign_skills)),
        hire_date=body.hire_date,
        team=body.team,
    )
    AgentRepository(session).add_many([agent])
    return _read(AgentRepository(session).get(agent.code))


@router.get("/agents/{code}", response_model=AgentRead, dependencies=READ, responses=responses(404))
def get_agent(session: SessionDep, code: str = code_path("agent")) -> Any:
    """One agent."""
    return _read(AgentRepository(session).get(code))


@router.patch(
    "/agents/{code}",
    response_model=AgentRead,
    dependencies=WRITE,
    responses=responses(404, 409),
)
def update_agent(
    request: Request, body: AgentUpdate, session: SessionDep, code: str = code_path("agent")
) -> Any:
    """Change an agent's name, contract, skills, hire date, team, or mark them left (`active`).

    Marking an agent left (`active: false`) revokes their bearer tokens: this server refuses them
    at once, other server processes within `WFM_API_TOKEN_CACHE_SECONDS`."""
    values = changes(body)
    if "contract" in values:
        values["contract"] = _contract(values["contract"])
    for name in ("queue_skills", "campaign_skills"):
        if name in values:
            values[name] = list(dict.fromkeys(values[name]))
    record = AgentRepository(session).update(code, **values)
    invalidate_kpis(request.app)  # teams, skills and who is active group the KPIs
    if values.get("active") is False:
        session.commit()  # the revocation is stored before the cached owners are forgotten
        request.app.state.token_cache.clear()
    return _read(record)


@router.get(
    "/contracts", response_model=list[ContractRead], dependencies=READ, responses=responses()
)
def list_contracts(session: SessionDep) -> Any:
    """Every contract, by name."""
    return AgentRepository(session).contracts()


@router.get(
    "/agents/{code}/availability",
    response_model=list[AvailabilityRead],
    dependencies=READ,
    responses=responses(404),
)
def get_availability(session: SessionDep, code: str = code_path("agent")) -> Any:
    """The agent's weekly availability windows (local time)."""
    return AgentRepository(session).agent_availability(code)


@router.put(
    "/agents/{code}/availability",
    response_model=list[AvailabilityRead],
    dependencies=WRITE,
    responses=responses(404),
)
def replace_availability(
    body: AvailabilityReplace, session: SessionDep, code: str = code_path("agent")
) -> Any:
    """Replace the agent's whole weekly availability (windows on a day must not overlap)."""
    return AgentRepository(session).replace_availability(
        code, [(w.weekday, w.start_local, w.end_local) for w in body.windows]
    )


@router.get(
    "/agents/{code}/time-off",
    response_model=list[TimeOffRead],
    dependencies=READ,
    responses=responses(404),
)
def list_time_off(session: SessionDep, code: str = code_path("agent")) -> Any:
    """The agent's time off, by start."""
    return AgentRepository(session).agent_time_off(code)


@router.post(
    "/agents/{code}/time-off",
    response_model=TimeOffRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=WRITE,
    responses=responses(404, 409),
)
def add_time_off(body: TimeOffCreate, session: SessionDep, code: str = code_path("agent")) -> Any:
    """Add time off; a period overlapping another of the agent's is 409 and names it."""
    return AgentRepository(session).add_agent_time_off(
        code, body.start_utc, body.end_utc, body.reason, body.approved
    )


@router.delete(
    "/agents/{code}/time-off/{time_off_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=WRITE,
    responses=responses(404),
)
def delete_time_off(
    session: SessionDep,
    code: str = code_path("agent"),
    time_off_id: int = Path(ge=1, le=2**31 - 1, description="Identifier of the time off."),
) -> Response:
    """Remove one time-off period of the agent."""
    AgentRepository(session).delete_time_off(code, time_off_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
