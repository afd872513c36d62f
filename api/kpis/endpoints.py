"""`/v1/kpis`: service KPIs from history, top contact reasons, forecast accuracy, outbound hours
and value, adherence over days, and the published rosters' plan against what happened."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, Literal

import orjson
from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.orm import Session

from api.cache import cached_response
from api.deps import SessionDep, in_transaction, require
from api.errors import ApiError, responses
from api.kpis.schemas import (
    AccuracyReportRead,
    AdherenceRangeRead,
    ContactReasonReportRead,
    KpiReportRead,
    OutboundReportRead,
    PlanAccuracyRead,
)
from api.schemas import CODE_PATTERN, day_query
from wfm.db.repositories import (
    ForecastRepository,
    ScheduleRepository,
    SiteRepository,
)
from wfm.domain import ScheduleStatus
from wfm.domain.access import Permission
from wfm.domain.kpi import KpiOptions, KpiValues, ServiceLevelVariant, wmape
from wfm.services.contact_reasons import MAX_TOP, ContactReasonReport, contact_reason_report
from wfm.services.intraday.adherence import AdherenceTotals, adherence_over_days
from wfm.services.kpis import KpiReport, KpiSeries, kpi_report
from wfm.services.plan_accuracy import PlanAccuracyReport, PlanSums, plan_accuracy
from wfm.services.schedule_views import outbound_plan

router = APIRouter(prefix="/kpis", tags=["kpis"])
READ = [Depends(require(Permission.KPI_READ))]


def _values(v: KpiValues) -> dict[str, Any]:
    return {
        "offered": v.offered,
        "answered": v.answered,
        "abandoned": v.abandoned,
        "answer_rate": v.answer_rate,
        "abandon_rate": v.abandon_rate,
        "service_level": v.service_level,
        "asa_seconds": v.asa_seconds,
        "aht_seconds": v.aht_seconds,
        "occupancy": v.occupancy,
    }


def _utc(moment: datetime) -> datetime:
    """An aware datetime in UTC, which `_dump_json` writes as ISO 8601 with a Z."""
    return moment if moment.tzinfo is UTC else moment.astimezone(UTC)


def _dump_json(document: dict[str, Any]) -> bytes:
    """Compact JSON of a report (datetimes must be UTC; see `_utc`). orjson, since a year of
    points costs the standard library's encoder more than the report's own arithmetic."""
    return orjson.dumps(document, option=orjson.OPT_UTC_Z)


async def _cached_report(request: Request, key: Any, compute: Callable[[Session], bytes]) -> Any:
    """The report under `key` from the server's KPI cache, or computed in a transaction of its
    own (see `api.cache.cached_response`)."""
    return await cached_response(
        request.app.state.kpi_cache, key, lambda: in_transaction(request, compute)
    )


def _series(s: KpiSeries) -> dict[str, Any]:
    return {
        "queue_code": s.queue_code,
        "intervals": s.intervals,
        "total": _values(s.total),
        "points": [
            {
                "period": p.period,
                "period_start_utc": _utc(p.period_start_utc),
                "intervals": p.intervals,
                "kpis": _values(p.values),
            }
            for p in s.points
        ],
    }


def _report(r: KpiReport) -> dict[str, Any]:
    return {
        "site_code": r.site_code,
        "timezone": r.timezone,
        "granularity": r.granularity,
        "start": r.start.isoformat(),
        "end": r.end.isoformat(),
        "include_short_abandons": r.options.include_short_abandons,
        "service_level_variant": r.options.service_level_variant.value,
        "series": [_series(s) for s in r.series],
        "overall": _series(r.overall),
    }


@router.get("", response_model=KpiReportRead, dependencies=READ, responses=responses(404))
async def kpis(
    request: Request,
    site: str = Query(pattern=CODE_PATTERN, description="Site whose queues to report."),
    start: date = day_query(description="First local day (inclusive).", examples=["2025-03-01"]),
    end: date = day_query(description="Last local day (exclusive).", examples=["2025-04-01"]),
    granularity: Literal["interval", "day", "week", "month"] = Query(
        default="day",
        description="Periods: interval (at most 31 days), day (732), week (1830), month.",
    ),
    queue: list[str] = Query(
        default_factory=list, description="Only these queues (repeatable); default all."
    ),
    include_short_abandons: bool = Query(
        default=False, description="Count short abandons in offered and abandoned."
    ),
    service_level_variant: Literal["abandons_against", "ignore_abandons"] = Query(
        default="abandons_against",
        description="abandons_against: within T / offered; ignore_abandons: within T / answered.",
    ),
) -> Any:
    """Answer rate, abandon rate, service level, ASA, AHT and occupancy per queue and period,
    from the stored interval history (periods in the site's timezone)."""
    _check_queue_codes(queue)
    options = KpiOptions(
        include_short_abandons=include_short_abandons,
        service_level_variant=ServiceLevelVariant(service_level_variant),
    )
    key = (
        site,
        start,
        end,
        granularity,
        tuple(queue),
        include_short_abandons,
        service_level_variant,
    )

    def compute(session: Session) -> bytes:
        report = kpi_report(
            session,
            site_code=site,
            start=start,
            end=end,
            granularity=granularity,
            queue_codes=queue or None,
            options=options,
        )
        # plain JSON of the documented shape (KpiReportRead): a year of points by interval
        # would spend more time in model validation than in the report itself
        return _dump_json(_report(report))

    return await _cached_report(request, key, compute)


def _matches(code: str) -> bool:
    import re

    return re.fullmatch(CODE_PATTERN, code) is not None


def _check_queue_codes(codes: list[str]) -> None:
    for code in codes:
        if not _matches(code):
            raise ApiError(
                422,
                "invalid",
                f"query.queue: {code!r} is not a code",
                [{"field": "query.queue", "value": code, "message": "not a code"}],
            )


def _reasons(r: ContactReasonReport) -> dict[str, Any]:
    return {
        "site_code": r.site_code,
        "timezone": r.timezone,
        "granularity": r.granularity,
        "start": r.start.isoformat(),
        "end": r.end.isoformat(),
        "previous_start": r.previous_start,
        "previous_end": r.previous_end,
        "queue_codes": list(r.queue_codes),
        "top": r.top,
        "contacts_with_reason": r.contacts,
        "previous_contacts_with_reason": r.previous_contacts,
        "reasons_recorded": r.reasons_recorded,
        "outside_top_count": r.outside_top_count,
        "periods": [
            {
                "period": p.period,
                "period_start_utc": _utc(p.period_start_utc),
                "contacts_with_reason": p.contacts,
            }
            for p in r.periods
        ],
        "reasons": [
            {
                "reason": f.reason,
                "rank": f.rank,
                "count": f.count,
                "share": f.share,
                "previous_count": f.previous_count,
                "previous_share": f.previous_share,
                "count_change": f.count_change,
                "count_change_ratio": f.count_change_ratio,
                "share_change": f.share_change,
                "points": [
                    {"period": p.period, "count": n, "share": share}
                    for p, n, share in zip(
                        r.periods, f.counts_by_period, f.shares_by_period, strict=True
                    )
                ],
            }
            for f in r.reasons
        ],
    }


@router.get(
    "/contact-reasons",
    response_model=ContactReasonReportRead,
    dependencies=READ,
    responses=responses(404),
    summary="Top contact reasons and their trend",
)
async def contact_reasons(
    request: Request,
    site: str = Query(pattern=CODE_PATTERN, description="Site whose queues to report."),
    start: date = day_query(description="First local day (inclusive).", examples=["2025-03-03"]),
    end: date = day_query(description="Last local day (exclusive).", examples=["2025-03-31"]),
    granularity: Literal["day", "week", "month"] = Query(
        default="day",
        description="Periods of the trend: day (at most 732 days), week (1830), month (3660).",
    ),
    queue: list[str] = Query(
        default_factory=list, description="Only these queues (repeatable); default all the site's."
    ),
    top: int = Query(
        default=10, ge=1, le=MAX_TOP, description="How many reasons to list, most frequent first."
    ),
) -> Any:
    """The most frequent contact reasons of the site's queues over local days [start, end):
    per reason its contacts, share of the contacts whose reason was recorded, count and share
    per day, week or month (periods in the site's timezone), and the change against the
    previous range (the same number of days just before `start`). Reasons are those stored
    with the interval history; a range without any gives an empty `reasons` list."""
    _check_queue_codes(queue)
    key = ("contact-reasons", site, start, end, granularity, tuple(queue), top)

    def compute(session: Session) -> bytes:
        report = contact_reason_report(
            session,
            site_code=site,
            start=start,
            end=end,
            granularity=granularity,
            queue_codes=queue or None,
            top=top,
        )
        return _dump_json(_reasons(report))

    return await _cached_report(request, key, compute)


@router.get(
    "/forecast-accuracy",
    response_model=AccuracyReportRead,
    dependencies=READ,
    responses=responses(404),
)
def forecast_accuracy(
    session: SessionDep,
    site: str = Query(pattern=CODE_PATTERN, description="Site."),
    run_id: int | None = Query(
        default=None, ge=1, le=2**31 - 1, description="Forecast run; default the latest scored."
    ),
    period: Literal["day", "week"] = Query(default="day", description="Period of the scores."),
) -> Any:
    """Forecast accuracy (100 - WMAPE) per queue and day or week, as scored when actuals arrived
    (`POST /v1/forecasts/{id}/accuracy` or the nightly job)."""
    SiteRepository(session).id_of(site)
    repo = ForecastRepository(session)
    runs = repo.runs(site)
    if run_id is not None:
        chosen = repo.run(run_id)
        if chosen.site_code != site:
            raise ApiError(404, "not_found", f"forecast run {run_id} is not a run of {site!r}")
        candidates = [chosen]
    else:
        candidates = list(reversed(runs))
    for run in candidates:
        assert run.id is not None
        scores = [a for a in repo.accuracy(run.id) if a.period == period]
        if scores or run_id is not None:
            days = [a for a in repo.accuracy(run.id) if a.period == "day"] or scores
            error = wmape([a.actual_offered for a in days], [a.forecast_offered for a in days])
            return {
                "site_code": site,
                "forecast_run_id": run.id,
                "version": run.version,
                "overall_accuracy_percent": None if error is None else 100.0 * (1.0 - error),
                "periods": [
                    {
                        "queue_code": a.queue_code,
                        "period": a.period,
                        "period_start": a.period_start,
                        "actual_offered": a.actual_offered,
                        "forecast_offered": a.forecast_offered,
                        "wmape": a.wmape,
                        "accuracy_percent": a.accuracy_percent,
                    }
                    for a in scores
                ],
            }
    return {
        "site_code": site,
        "forecast_run_id": None,
        "version": None,
        "overall_accuracy_percent": None,
        "periods": [],
    }


@router.get(
    "/outbound", response_model=OutboundReportRead, dependencies=READ, responses=responses(404)
)
def outbound(
    session: SessionDep,
    site: str = Query(pattern=CODE_PATTERN, description="Site."),
    week_start: date = day_query(description="Week of the schedule (its first day)."),
    status: Literal["published", "draft"] = Query(
        default="published", description="Read the published schedule, or the latest draft."
    ),
) -> Any:
    """Outbound hours and value the week's schedule plans, per campaign: the campaigns of the
    schedule's evaluation (`GET /v1/schedules/{id}/evaluation`), valued at the values of a
    selling hour its roster was built with (learned from the dialer attempts where they carry
    them, typed otherwise)."""
    SiteRepository(session).get(site)
    repo = ScheduleRepository(session)
    versions = repo.list(site, week_start)
    wanted = ScheduleStatus.PUBLISHED if status == "published" else ScheduleStatus.DRAFT
    picked = [s for s in versions if s.status is wanted]
    empty = {
        "site_code": site,
        "week_start": week_start,
        "schedule_id": None,
        "status": None,
        "sell_hours": 0.0,
        "value": 0.0,
        "campaigns": [],
    }
    if not picked:
        return empty
    summary = picked[-1]
    assert summary.id is not None
    plan = outbound_plan(session, summary.id)
    rows = [
        {
            "campaign_code": code,
            "sell_hours": c.sell_hours,
            "productive_hours": c.productive_hours,
            "value": c.value,
            "value_source": c.value_source,
        }
        for code, c in sorted(plan.items())
        if c.sell_hours > 0
    ]
    return {
        **empty,
        "schedule_id": summary.id,
        "status": summary.status.value,
        "sell_hours": sum(r["sell_hours"] for r in rows),
        "value": sum(r["value"] for r in rows),
        "campaigns": rows,
    }


def _adherence_totals(totals: AdherenceTotals) -> dict[str, Any]:
    return {
        "agents": totals.agents,
        "scheduled_minutes": totals.scheduled_minutes,
        "adherent_minutes": totals.adherent_minutes,
        "scheduled_work_minutes": totals.scheduled_work_minutes,
        "worked_minutes": totals.worked_minutes,
        "adherence": totals.adherence,
        "conformance": totals.conformance,
    }


@router.get(
    "/adherence",
    response_model=AdherenceRangeRead,
    dependencies=READ,
    responses=responses(404),
    summary="Adherence and conformance over days, by team and queue",
)
def adherence(
    session: SessionDep,
    site: str = Query(pattern=CODE_PATTERN, description="Site."),
    start: date = day_query(description="First local day (inclusive).", examples=["2025-03-03"]),
    end: date = day_query(
        description="Last local day (exclusive); at most 31 days after start.",
        examples=["2025-03-10"],
    ),
) -> Any:
    """Schedule adherence and conformance of the site's agents over local days [start, end),
    counting elapsed time only (to the site clock's now): for the site, per day, per team (agents
    without a team grouped by their queue skills) and per queue (the agents skilled on it), with the
    definitions and sums of `GET /v1/adherence`."""
    found = adherence_over_days(session, site_code=site, start=start, end=end)
    return {
        "site_code": found.site_code,
        "timezone": found.timezone,
        "start": found.start,
        "end": found.end,
        "as_of_utc": found.as_of_utc,
        "tolerance_seconds": found.tolerance_seconds,
        "agents_reporting": found.agents_reporting,
        "total": _adherence_totals(found.total),
        "days": [{"day": d, **_adherence_totals(v)} for d, v in found.days],
        "teams": [
            {"team": team, "queue_codes": list(skills), **_adherence_totals(v)}
            for (team, skills), v in found.teams
        ],
        "queues": [{"queue_code": k, **_adherence_totals(v)} for k, v in found.queues],
    }


def _difference(actual: float | None, predicted: float | None) -> float | None:
    return None if actual is None or predicted is None else actual - predicted


def _plan_sums(sums: PlanSums) -> dict[str, Any]:
    return {
        "forecast_offered": sums.forecast_offered,
        "offered": sums.offered,
        "predicted_answer_rate": sums.predicted_answer_rate,
        "answer_rate": sums.answer_rate,
        "answer_rate_difference": _difference(sums.answer_rate, sums.predicted_answer_rate),
        "predicted_service_level": sums.predicted_service_level,
        "service_level": sums.service_level,
        "service_level_difference": _difference(sums.service_level, sums.predicted_service_level),
    }


def _plan_report(r: PlanAccuracyReport) -> dict[str, Any]:
    return {
        "site_code": r.site_code,
        "timezone": r.timezone,
        "start": r.start.isoformat(),
        "end": r.end.isoformat(),
        "today": r.today.isoformat(),
        "schedules": [
            {
                "schedule_id": s.schedule_id,
                "week_start": s.week_start.isoformat(),
                "version": s.version,
            }
            for s in r.schedules
        ],
        "days": [
            {
                "day": d.day.isoformat(),
                "schedule_id": d.schedule_id,
                **_plan_sums(d.total),
                "queues": [{"queue_code": q, **_plan_sums(v)} for q, v in d.queues.items()],
            }
            for d in r.days
        ],
        "queues": [{"queue_code": q, **_plan_sums(v)} for q, v in r.queues.items()],
        "total": _plan_sums(r.total),
    }


@router.get(
    "/plan-accuracy",
    response_model=PlanAccuracyRead,
    dependencies=READ,
    responses=responses(404),
    summary="The published roster's predicted answer rate and service level against actuals",
)
def plan_accuracy_report(
    session: SessionDep,
    site: str = Query(pattern=CODE_PATTERN, description="Site."),
    start: date = day_query(description="First local day (inclusive).", examples=["2025-03-03"]),
    end: date = day_query(
        description="Last local day (exclusive); at most 31 days after start.",
        examples=["2025-03-10"],
    ),
) -> Any:
    """Per local day of [start, end) and queue: the contacts the published roster was planned
    for and the answer rate and service level it predicted (the schedule's evaluation per
    interval, `GET /v1/schedules/{id}/evaluation/intervals`, weighted by the forecast contacts),
    beside what the interval history says happened, and their difference. Only days that have
    ended by the site clock, that a published roster covers and whose history holds intervals
    are compared."""
    report = plan_accuracy(session, site_code=site, start=start, end=end)
    return Response(content=_dump_json(_plan_report(report)), media_type="application/json")
