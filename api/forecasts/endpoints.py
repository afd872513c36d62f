"""`/v1/forecasts` and `/v1/forecast-adjustments`."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Response, status
from pydantic import AwareDatetime

from api.deps import SessionDep, SettingsDep, require
from api.errors import ApiError, responses
from api.forecasts.schemas import (
    AccuracyRowRead,
    AdjustmentCreate,
    AdjustmentRead,
    ForecastCreate,
    ForecastRunRead,
    ForecastValueRead,
    ReasonForecastRead,
    RequirementRead,
)
from api.jobs.endpoints import accepted
from api.jobs.schemas import JobRead
from api.schemas import CODE_PATTERN, at_most, check_range, moment_query
from wfm.db.repositories import (
    ForecastRepository,
    QueueRepository,
    RequirementRepository,
    SiteRepository,
)
from wfm.domain import ForecastAdjustment
from wfm.domain.access import Permission
from wfm.services.jobs import enqueue

router = APIRouter(tags=["forecasts"])
READ = [Depends(require(Permission.FORECAST_READ))]
WRITE = [Depends(require(Permission.FORECAST_WRITE))]

RUN_ID = Path(ge=1, le=2**31 - 1, description="Identifier of the forecast run.")


@router.get(
    "/forecasts",
    response_model=list[ForecastRunRead],
    dependencies=READ,
    responses=responses(404),
)
def list_runs(
    session: SessionDep,
    site: str = Query(pattern=CODE_PATTERN, description="Site."),
) -> Any:
    """The site's forecast runs, oldest version first."""
    SiteRepository(session).id_of(site)
    return ForecastRepository(session).runs(site)


@router.post(
    "/forecasts",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=WRITE,
    responses=responses(404),
)
def start_forecast(body: ForecastCreate, session: SessionDep, response: Response) -> Any:
    """Queue a forecast (and by default the requirements) for the worker; 202 with the job.
    Poll `GET /v1/jobs/{id}`; its result names the new run."""
    SiteRepository(session).id_of(body.site_code)
    if not QueueRepository(session).list(body.site_code):
        raise ApiError(
            422,
            "invalid",
            f"body.site_code: site {body.site_code!r} has no queues to forecast",
            [{"field": "body.site_code", "message": "the site has no queues"}],
        )
    job = enqueue(session, "forecast", body.model_dump())
    return accepted(job, response)


@router.get(
    "/forecasts/reasons",
    response_model=ReasonForecastRead,
    dependencies=[Depends(require(Permission.FORECAST_READ, Permission.KPI_READ))],
    responses=responses(404),
)
def get_reason_forecast(
    session: SessionDep,
    settings: SettingsDep,
    site: str = Query(pattern=CODE_PATTERN, description="Site."),
    start: AwareDatetime = moment_query(description="From (inclusive), with an offset."),
    end: AwareDatetime = moment_query(description="To (exclusive), with an offset."),
    queue: list[str] = Query(
        default_factory=list, description="Only these queues (repeatable); default all the site's."
    ),
    run_id: int | None = Query(
        default=None, ge=1, le=2**31 - 1, description="Forecast run; default the site's latest."
    ),
    intervals: bool = Query(default=True, description="Include the split per interval."),
) -> Any:
    """The queue forecast split by contact reason, reconciled: in every interval the reasons'
    forecasts add up to the queue's. Shares per local hour of the week from the 8 weeks before
    the run's origin, by the estimator its rolling-origin backtest chose; each reason's accuracy
    against the realised history of the range (where it exists) and in that backtest.
    Readable with forecast:read or kpi:read (the executive page)."""
    from wfm.services.reason_forecasts import MAX_RANGE_DAYS, reason_forecast

    check_range(start, end)
    if end - start > timedelta(days=MAX_RANGE_DAYS):
        raise ApiError(
            422,
            "invalid",
            f"query.end: the range covers at most {MAX_RANGE_DAYS} days",
            [{"field": "query.end", "message": f"at most {MAX_RANGE_DAYS} days after start"}],
        )
    for code in queue:
        if not re.fullmatch(CODE_PATTERN, code):
            raise ApiError(
                422,
                "invalid",
                f"query.queue: {code!r} is not a code",
                [{"field": "query.queue", "value": code, "message": "not a code"}],
            )
    report = reason_forecast(
        session,
        site_code=site,
        start_utc=start,
        end_utc=end,
        queue_codes=queue or None,
        run_id=run_id,
        with_intervals=intervals,
    )
    at_most([i for q in report.queues for i in q.intervals], settings.api_max_interval_rows)
    return report


@router.get(
    "/forecasts/{run_id}",
    response_model=ForecastRunRead,
    dependencies=READ,
    responses=responses(404),
)
def get_run(session: SessionDep, run_id: int = RUN_ID) -> Any:
    """One forecast run."""
    return ForecastRepository(session).run(run_id)


@router.get(
    "/forecasts/{run_id}/values",
    response_model=list[ForecastValueRead],
    dependencies=READ,
    responses=responses(404),
)
def get_values(
    session: SessionDep,
    settings: SettingsDep,
    run_id: int = RUN_ID,
    queue: str | None = Query(default=None, pattern=CODE_PATTERN, description="Only a queue."),
    start: AwareDatetime | None = moment_query(default=None, description="From (inclusive)."),
    end: AwareDatetime | None = moment_query(default=None, description="To (exclusive)."),
    adjusted: bool = Query(default=True, description="Apply the active manual adjustments."),
) -> Any:
    """Per-interval forecast values with their 80 % and 95 % prediction intervals."""
    from wfm.services.forecasting import adjusted_values

    check_range(start, end)
    ForecastRepository(session).run(run_id)
    if queue is not None:
        QueueRepository(session).id_of(queue)
    if adjusted:
        rows = adjusted_values(session, run_id, queue_code=queue, start_utc=start, end_utc=end)
    else:
        rows = ForecastRepository(session).values(run_id, queue, start, end)
    return at_most(rows, settings.api_max_interval_rows)


@router.get(
    "/forecasts/{run_id}/accuracy",
    response_model=list[AccuracyRowRead],
    dependencies=READ,
    responses=responses(404),
)
def get_accuracy(session: SessionDep, run_id: int = RUN_ID) -> Any:
    """The run's accuracy per queue and day/week, as last scored."""
    repo = ForecastRepository(session)
    repo.run(run_id)
    return [_accuracy(a) for a in repo.accuracy(run_id)]


@router.post(
    "/forecasts/{run_id}/accuracy",
    response_model=list[AccuracyRowRead],
    dependencies=WRITE,
    responses=responses(404),
)
def score_accuracy(session: SessionDep, run_id: int = RUN_ID) -> Any:
    """Score the run against the actuals that have arrived for its horizon (stored)."""
    from wfm.services.forecasting import update_accuracy

    return [_accuracy(a) for a in update_accuracy(session, run_id=run_id)]


def _accuracy(a: Any) -> dict[str, Any]:
    return {
        "queue_code": a.queue_code,
        "period": a.period,
        "period_start": a.period_start,
        "actual_offered": a.actual_offered,
        "forecast_offered": a.forecast_offered,
        "wmape": a.wmape,
        "accuracy_percent": a.accuracy_percent,
    }


@router.get(
    "/forecasts/{run_id}/requirements",
    response_model=list[RequirementRead],
    dependencies=READ,
    responses=responses(404),
)
def get_requirements(
    session: SessionDep,
    settings: SettingsDep,
    run_id: int = RUN_ID,
    queue: str | None = Query(default=None, pattern=CODE_PATTERN, description="Only a queue."),
    start: AwareDatetime | None = moment_query(default=None, description="From (inclusive)."),
    end: AwareDatetime | None = moment_query(default=None, description="To (exclusive)."),
) -> Any:
    """Agents required per queue and interval, computed from this run."""
    check_range(start, end)
    ForecastRepository(session).run(run_id)
    rows = RequirementRepository(session).list(run_id, queue, start, end)
    return at_most(rows, settings.api_max_interval_rows)


@router.get(
    "/forecast-adjustments",
    response_model=list[AdjustmentRead],
    dependencies=READ,
    responses=responses(404),
)
def list_adjustments(
    session: SessionDep,
    queue: str | None = Query(default=None, pattern=CODE_PATTERN, description="Only a queue."),
) -> Any:
    """Active manual adjustments, oldest first (they apply in that order)."""
    if queue is not None:
        QueueRepository(session).id_of(queue)
    return ForecastRepository(session).adjustments(queue)


@router.post(
    "/forecast-adjustments",
    response_model=AdjustmentRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=WRITE,
    responses=responses(404),
)
def create_adjustment(body: AdjustmentCreate, session: SessionDep) -> Any:
    """Add a manual adjustment (scale or set offered or AHT over a time range of a queue)."""
    from wfm.services.forecasting import add_adjustment

    adjustment = ForecastAdjustment(**body.model_dump())
    adjustment_id = add_adjustment(session, adjustment)
    return _adjustment(session, adjustment_id)


def _adjustment(session: Any, adjustment_id: int) -> ForecastAdjustment:
    for item in ForecastRepository(session).adjustments():
        if item.id == adjustment_id:
            return item
    raise ApiError(404, "not_found", f"no forecast adjustment {adjustment_id}")


@router.get(
    "/forecast-adjustments/{adjustment_id}",
    response_model=AdjustmentRead,
    dependencies=READ,
    responses=responses(404),
)
def get_adjustment(
    session: SessionDep,
    adjustment_id: int = Path(ge=1, le=2**31 - 1, description="Identifier."),
) -> Any:
    """One active adjustment."""
    return _adjustment(session, adjustment_id)


@router.delete(
    "/forecast-adjustments/{adjustment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=WRITE,
    responses=responses(404),
)
def delete_adjustment(
    session: SessionDep,
    adjustment_id: int = Path(ge=1, le=2**31 - 1, description="Identifier."),
) -> Response:
    """Withdraw an adjustment (kept on record, no longer applied)."""
    _adjustment(session, adjustment_id)
    ForecastRepository(session).deactivate_adjustment(adjustment_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
