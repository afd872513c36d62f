"""`/v1/requirements`: staffing requirements of a site (computed in the worker)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import AwareDatetime

from api.deps import SessionDep, SettingsDep, require
from api.errors import ApiError, responses
from api.forecasts.schemas import RequirementRead, RequirementsCreate
from api.jobs.endpoints import accepted
from api.jobs.schemas import JobRead
from api.schemas import CODE_PATTERN, at_most, check_range, moment_query
from wfm.db.repositories import ForecastRepository, RequirementRepository, SiteRepository
from wfm.domain.access import Permission
from wfm.services.jobs import enqueue

router = APIRouter(prefix="/requirements", tags=["requirements"])


@router.post(
    "",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[Depends(require(Permission.FORECAST_WRITE))],
    responses=responses(404),
)
def start_requirements(body: RequirementsCreate, session: SessionDep, response: Response) -> Any:
    """Queue the computation of requirements from a forecast run (latest by default)."""
    SiteRepository(session).id_of(body.site_code)
    repo = ForecastRepository(session)
    if body.forecast_run_id is not None:
        run = repo.run(body.forecast_run_id)
        if run.site_code != body.site_code:
            raise ApiError(
                422,
                "invalid",
                f"body.forecast_run_id: run {run.id} is not a run of {body.site_code!r}",
                [{"field": "body.forecast_run_id", "message": "a run of another site"}],
            )
    elif repo.latest_run(body.site_code) is None:
        raise ApiError(
            422,
            "invalid",
            f"body.site_code: site {body.site_code!r} has no forecast yet; POST /v1/forecasts",
            [{"field": "body.site_code", "message": "no forecast run"}],
        )
    job = enqueue(session, "requirements", body.model_dump())
    return accepted(job, response)


@router.get(
    "",
    response_model=list[RequirementRead],
    dependencies=[Depends(require(Permission.FORECAST_READ))],
    responses=responses(404),
)
def list_requirements(
    session: SessionDep,
    settings: SettingsDep,
    site: str = Query(pattern=CODE_PATTERN, description="Site."),
    run_id: int | None = Query(
        default=None, ge=1, le=2**31 - 1, description="Forecast run; default the latest."
    ),
    queue: str | None = Query(default=None, pattern=CODE_PATTERN, description="Only a queue."),
    start: AwareDatetime | None = moment_query(default=None, description="From (inclusive)."),
    end: AwareDatetime | None = moment_query(default=None, description="To (exclusive)."),
) -> Any:
    """Agents required per queue and interval for the site (latest forecast by default)."""
    check_range(start, end)
    SiteRepository(session).id_of(site)
    repo = ForecastRepository(session)
    if run_id is None:
        latest = repo.latest_run(site)
        if latest is None:
            return []
        run_id = latest.id
    elif repo.run(run_id).site_code != site:
        raise ApiError(404, "not_found", f"forecast run {run_id} is not a run of {site!r}")
    assert run_id is not None
    rows = RequirementRepository(session).list(run_id, queue, start, end)
    return at_most(rows, settings.api_max_interval_rows)
