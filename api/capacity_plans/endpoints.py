"""`/v1/capacity-plans`: a site's staff and hires for the coming months, computed as a job from
its history, agents, wages and rosters; a plan never writes a forecast or a roster."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Response, status

from api.capacity_plans.schemas import (
    CapacityPlanAccepted,
    CapacityPlanComparison,
    CapacityPlanCreate,
    CapacityPlanRead,
)
from api.deps import SessionDep, require
from api.errors import ApiError, responses
from api.schemas import CODE_PATTERN
from wfm.db.repositories import CapacityPlanRepository, SiteRepository
from wfm.domain.access import Permission
from wfm.domain.capacity_plan import CapacityPlanError
from wfm.services.capacity_plan import (
    capacity_plan_status,
    compare_plans,
    create_capacity_plan,
)

router = APIRouter(prefix="/capacity-plans", tags=["capacity plans"])
READ = [Depends(require(Permission.SCHEDULE_READ))]
WRITE = [Depends(require(Permission.SCHEDULE_WRITE))]
PLAN_ID = Path(ge=1, le=2**31 - 1, description="Identifier of the capacity plan.")


def _invalid(exc: CapacityPlanError, where: str) -> ApiError:
    """422 naming each refused field, under `where` (body or query)."""
    errors = [{"field": f"{where}.{name}", "message": why} for name, why in exc.problems]
    first = errors[0]
    return ApiError(422, "invalid", f"{first['field']}: {first['message']}", errors)


@router.post(
    "",
    response_model=CapacityPlanAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=WRITE,
    responses=responses(),
)
def post_capacity_plan(body: CapacityPlanCreate, session: SessionDep, response: Response) -> Any:
    """Store a capacity plan's request and queue the job that computes it; 202 with the plan
    and job ids. 422 naming each field that is wrong: an unknown site, months outside 1-18,
    attrition outside 0-1, negative weeks, a target or productivity out of range. Nothing is
    stored then."""
    try:
        plan_id, job = create_capacity_plan(session, body.model_dump(mode="json"))
    except CapacityPlanError as exc:
        raise _invalid(exc, "body") from None
    assert job is not None
    response.headers["Location"] = f"/v1/capacity-plans/{plan_id}"
    return {"capacity_plan_id": plan_id, "job_id": job.id, "status": job.status.value}


@router.get("", response_model=list[CapacityPlanRead], dependencies=READ, responses=responses(404))
def list_capacity_plans(
    session: SessionDep,
    site: str = Query(pattern=CODE_PATTERN, description="Site."),
    limit: int = Query(default=50, ge=1, le=500, description="Most plans, newest first."),
) -> Any:
    """The site's capacity plans, newest first, with status and plan."""
    SiteRepository(session).id_of(site)
    return [
        capacity_plan_status(session, r) for r in CapacityPlanRepository(session).list(site, limit)
    ]


@router.get(
    "/{plan_id}", response_model=CapacityPlanRead, dependencies=READ, responses=responses(404)
)
def get_capacity_plan(session: SessionDep, plan_id: int = PLAN_ID) -> Any:
    """A capacity plan: its job's status and progress and, once computed, the plan month by
    month (need, staff, hires, cost, expected answer rate and service level)."""
    return capacity_plan_status(session, CapacityPlanRepository(session).get(plan_id))


@router.get(
    "/{plan_id}/comparison",
    response_model=CapacityPlanComparison,
    dependencies=READ,
    responses=responses(404, 409),
)
def compare_capacity_plans(
    session: SessionDep,
    plan_id: int = PLAN_ID,
    other: int = Query(ge=1, le=2**31 - 1, description="The plan compared with this one."),
) -> Any:
    """Two computed plans of one site side by side, month by month over either: each figure
    (contacts, FTE needed and available, hires, shortfall, cost, expected answer rate and
    service level) in both and the other's less this one's, so a scenario of attrition, growth
    or target reads against a base. 404 for an unknown plan, 409 while either is not computed,
    422 naming `other` for another site's plan."""
    try:
        return compare_plans(session, plan_id, other)
    except CapacityPlanError as exc:
        raise _invalid(exc, "query") from None
