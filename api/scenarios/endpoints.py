"""`/v1/scenarios`: what-if scenarios on a site's week, solved as one job each and compared
side by side with the base week; they never write a roster or a forecast."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Response, status

from api.deps import SessionDep, require
from api.errors import ApiError, responses
from api.scenarios.schemas import ScenarioAccepted, ScenarioCreate, ScenarioRead
from api.schemas import CODE_PATTERN
from wfm.db.repositories import ScenarioRepository, SiteRepository
from wfm.domain.access import Permission
from wfm.domain.scenarios import ScenarioError
from wfm.services.scenarios import create_scenario, scenario_status

router = APIRouter(prefix="/scenarios", tags=["scenarios"])
READ = [Depends(require(Permission.SCHEDULE_READ))]
WRITE = [Depends(require(Permission.SCHEDULE_WRITE))]
SCENARIO_ID = Path(ge=1, le=2**31 - 1, description="Identifier of the scenario.")


@router.post(
    "",
    response_model=ScenarioAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=WRITE,
    responses=responses(),
)
def post_scenario(body: ScenarioCreate, session: SessionDep, response: Response) -> Any:
    """Store a scenario and queue the one job that solves its base week and every variant;
    202 with the scenario and job ids. 422 naming each field that is wrong: an unknown site,
    queue, skill, campaign or contract, a percent or target out of range, a week that is not
    the site's first weekday or that no forecast covers. Nothing is stored then."""
    try:
        scenario_id, job = create_scenario(session, body.model_dump(mode="json"))
    except ScenarioError as exc:
        errors = [{"field": f"body.{name}", "message": why} for name, why in exc.problems]
        first = errors[0]
        raise ApiError(422, "invalid", f"{first['field']}: {first['message']}", errors) from None
    assert job is not None
    response.headers["Location"] = f"/v1/scenarios/{scenario_id}"
    return {"scenario_id": scenario_id, "job_id": job.id, "status": job.status.value}


@router.get("", response_model=list[ScenarioRead], dependencies=READ, responses=responses(404))
def list_scenarios(
    session: SessionDep,
    site: str = Query(pattern=CODE_PATTERN, description="Site."),
    limit: int = Query(default=50, ge=1, le=500, description="Most scenarios, newest first."),
) -> Any:
    """The site's scenarios, newest first, with status and comparison."""
    SiteRepository(session).id_of(site)
    return [scenario_status(session, r) for r in ScenarioRepository(session).list(site, limit)]


@router.get(
    "/{scenario_id}", response_model=ScenarioRead, dependencies=READ, responses=responses(404)
)
def get_scenario(session: SessionDep, scenario_id: int = SCENARIO_ID) -> Any:
    """A scenario: its job's status and progress and, once solved, the side-by-side comparison
    of the base and each variant (figures and their difference to the base)."""
    return scenario_status(session, ScenarioRepository(session).get(scenario_id))
