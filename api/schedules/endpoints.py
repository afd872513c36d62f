"""`/v1/schedules`: build rosters in the worker for a site's week (Monday to Sunday, local), read
them per agent and per interval, evaluate, edit by hand into a new draft (checked against the
roster's hard rules), publish (409 unless the latest draft of its week and clear of the site's
other published weeks) and export as CSV, Excel or iCalendar."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from pydantic import AwareDatetime

from api.cache import invalidate_kpis
from api.deps import PrincipalDep, SessionDep, require
from api.errors import ApiError, responses
from api.jobs.endpoints import accepted
from api.jobs.schemas import JobRead
from api.schedules.export import schedule_csv, schedule_ical, schedule_xlsx
from api.schedules.schemas import (
    ChangeActivityEdit,
    CoverageRead,
    EvaluationRead,
    IntervalTargetsRead,
    MoveEdit,
    ScheduleCreate,
    ScheduleEdit,
    ScheduleEditResult,
    ScheduleRead,
    ScheduleSummaryRead,
    ShiftRead,
    ShortenEdit,
)
from api.schemas import CODE_PATTERN, check_range, code_path
from wfm.db.repositories import AgentRepository, ScheduleRepository, SiteRepository
from wfm.domain import Schedule, ScheduleStatus
from wfm.domain.access import Permission, Principal
from wfm.services import schedule_edits, schedule_views, scheduling
from wfm.services.jobs import enqueue
from wfm.services.scheduling import require_week_start

router = APIRouter(prefix="/schedules", tags=["schedules"])
READ = [Depends(require(Permission.SCHEDULE_READ))]

SCHEDULE_ID = Path(ge=1, le=2**31 - 1, description="Identifier of the schedule.")


def _summary(schedule: Schedule) -> dict[str, Any]:
    data = asdict(schedule)
    data.pop("shifts", None)
    return data


def _readable(principal: Principal, schedule: Schedule, agent_code: str) -> None:
    """Readers of every schedule pass; an agent reads only their own published shifts."""
    if principal.can(Permission.SCHEDULE_READ):
        return
    if not principal.can(Permission.SCHEDULE_READ_OWN) or principal.agent_code != agent_code:
        raise ApiError(
            403,
            "forbidden",
            f"role {principal.role.value!r} may only read its own agent's schedule",
        )
    if schedule.status is not ScheduleStatus.PUBLISHED:
        raise ApiError(
            403, "forbidden", f"schedule {schedule.id} is not published; agents see published ones"
        )


@router.post(
    "",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[Depends(require(Permission.SCHEDULE_WRITE))],
    responses=responses(404),
)
def build_schedule(body: ScheduleCreate, session: SessionDep, response: Response) -> Any:
    """Queue a roster build for the worker; 202 with the job. The job's result names the new
    draft schedule.

    A site's week runs Monday to Sunday in its timezone: a `week_start` that is not a Monday
    (or lies at the very ends of the calendar) is 422, and so is a week no forecast covers."""
    from wfm.domain.errors import ValidationError

    SiteRepository(session).id_of(body.site_code)
    try:
        require_week_start(session, body.site_code, body.week_start)
        schedule_views.require_forecast_for_week(session, body.site_code, body.week_start)
    except ValidationError as exc:
        raise ApiError(
            422,
            "invalid",
            f"body.{exc}",
            [
                {
                    "field": "body.week_start",
                    "value": body.week_start.isoformat(),
                    "message": str(exc).removeprefix("week_start: "),
                }
            ],
        ) from None
    params = body.model_dump(mode="json")
    job = enqueue(session, "schedule", params)
    return accepted(job, response)


@router.get(
    "", response_model=list[ScheduleSummaryRead], dependencies=READ, responses=responses(404)
)
def list_schedules(
    session: SessionDep,
    site: str = Query(pattern=CODE_PATTERN, description="Site."),
    week_start: date | None = Query(default=None, description="Only this week."),
) -> Any:
    """Schedule versions of the site (without shifts), by week and version."""
    SiteRepository(session).id_of(site)
    return [_summary(s) for s in ScheduleRepository(session).list(site, week_start)]


@router.get(
    "/{schedule_id}", response_model=ScheduleRead, dependencies=READ, responses=responses(404)
)
def get_schedule(session: SessionDep, schedule_id: int = SCHEDULE_ID) -> Any:
    """A schedule with every shift, break and activity."""
    return asdict(ScheduleRepository(session).get(schedule_id))


@router.get(
    "/{schedule_id}/agents/{agent_code}",
    response_model=list[ShiftRead],
    responses=responses(404),
)
def agent_schedule(
    session: SessionDep,
    principal: PrincipalDep,
    schedule_id: int = SCHEDULE_ID,
    agent_code: str = code_path("agent"),
) -> Any:
    """One agent's shifts in the schedule (agents: their own, published schedules only)."""
    schedule = ScheduleRepository(session).get(schedule_id)
    _readable(principal, schedule, agent_code)
    AgentRepository(session).get(agent_code)
    return [asdict(s) for s in schedule_views.agent_shifts(schedule, agent_code).shifts]


@router.get(
    "/{schedule_id}/intervals",
    response_model=CoverageRead,
    dependencies=READ,
    responses=responses(404),
)
def schedule_intervals(
    session: SessionDep,
    schedule_id: int = SCHEDULE_ID,
    queue: str | None = Query(default=None, pattern=CODE_PATTERN, description="Only a queue."),
    start: AwareDatetime | None = Query(default=None, description="From (inclusive)."),
    end: AwareDatetime | None = Query(default=None, description="To (exclusive)."),
) -> Any:
    """Per interval of the week: agents serving each queue against the requirement, agents
    selling per campaign, on break and on shift."""
    check_range(start, end)
    schedule, minutes, cells = schedule_views.interval_view(
        session, schedule_id, start_utc=start, end_utc=end, queue_code=queue
    )
    return {
        "schedule_id": schedule.id,
        "interval_minutes": minutes,
        "intervals": [asdict(c) for c in cells],
    }


@router.get(
    "/{schedule_id}/evaluation",
    response_model=EvaluationRead,
    dependencies=READ,
    responses=responses(404),
)
def evaluate_schedule(session: SessionDep, schedule_id: int = SCHEDULE_ID) -> Any:
    """Per queue: predicted service level, answer rate, ASA and occupancy at the scheduled
    staffing, coverage against the requirement; paid, serve, sell and break hours, outbound
    hours and value per campaign, and the rules the schedule breaks. The same evaluation as the
    schedule's stored summary and `wfm schedule`."""
    return asdict(schedule_views.evaluate(session, schedule_id))


@router.get(
    "/{schedule_id}/evaluation/intervals",
    response_model=list[IntervalTargetsRead],
    dependencies=READ,
    responses=responses(404),
)
def evaluate_schedule_intervals(
    session: SessionDep,
    schedule_id: int = SCHEDULE_ID,
    queue: str | None = Query(default=None, pattern=CODE_PATTERN, description="Only a queue."),
) -> Any:
    """Per queue and interval: required and serving agents, the predicted service level, answer
    and abandon rates at the scheduled staffing, and which of the queue's targets are met (the
    evaluation of `GET .../evaluation`, interval by interval)."""
    return [asdict(r) for r in schedule_views.evaluate_intervals(session, schedule_id, queue)]


@router.post(
    "/{schedule_id}/publish",
    response_model=ScheduleSummaryRead,
    dependencies=[Depends(require(Permission.SCHEDULE_PUBLISH))],
    responses=responses(404, 409),
)
def publish_schedule(request: Request, session: SessionDep, schedule_id: int = SCHEDULE_ID) -> Any:
    """Publish the latest draft of its week (the week's published version before it becomes
    archived). 409 when the schedule is not a draft (already published, or published by a
    simultaneous request: of two publishes of one draft exactly one succeeds), is not the latest
    version of its week, or when its week overlaps another published week of the site (an older
    draft whose week starts on another day): the detail names the published schedule in the
    way. A site's published weeks never overlap."""
    published = scheduling.publish_schedule(session, schedule_id, datetime.now(UTC))
    invalidate_kpis(request.app)  # occupancy follows the published schedule
    return _summary(published)


@router.get(
    "/{schedule_id}/export.csv",
    response_class=Response,
    responses={
        **responses(404),
        200: {"content": {"text/csv": {}}, "description": "One row per activity."},
    },
)
def export_csv(
    session: SessionDep,
    principal: PrincipalDep,
    schedule_id: int = SCHEDULE_ID,
    agent: str | None = Query(default=None, pattern=CODE_PATTERN, description="Only an agent."),
) -> Response:
    """The schedule as CSV (local and UTC times), for all agents or one (agents: their own)."""
    schedule = ScheduleRepository(session).get(schedule_id)
    if agent is None:
        if not principal.can(Permission.SCHEDULE_READ):
            raise ApiError(
                403, "forbidden", "give agent=<your code>: your role reads only its own shifts"
            )
    else:
        _readable(principal, schedule, agent)
        AgentRepository(session).get(agent)
        schedule = schedule_views.agent_shifts(schedule, agent)
    site = SiteRepository(session).get(schedule.site_code)
    name = f"schedule-{schedule.site_code}-{schedule.week_start}-v{schedule.version}"
    return Response(
        content=schedule_csv(schedule, site.timezone),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@router.get(
    "/{schedule_id}/agents/{agent_code}/calendar.ics",
    response_class=Response,
    responses={
        **responses(404),
        200: {"content": {"text/calendar": {}}, "description": "iCalendar (RFC 5545)."},
    },
)
def export_ical(
    session: SessionDep,
    principal: PrincipalDep,
    schedule_id: int = SCHEDULE_ID,
    agent_code: str = code_path("agent"),
) -> Response:
    """The agent's shifts as an iCalendar file (agents: their own, published only)."""
    schedule = ScheduleRepository(session).get(schedule_id)
    _readable(principal, schedule, agent_code)
    AgentRepository(session).get(agent_code)
    site = SiteRepository(session).get(schedule.site_code)
    return Response(
        content=schedule_ical(schedule, agent_code, site.timezone),
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{agent_code}-{schedule.week_start}.ics"'
        },
    )


XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/{schedule_id}/export.xlsx",
    response_class=Response,
    dependencies=READ,
    responses={
        **responses(404),
        200: {
            "content": {XLSX_MEDIA_TYPE: {}},
            "description": "An Excel workbook: a sheet of activities, a sheet of shifts.",
        },
    },
)
def export_xlsx(session: SessionDep, schedule_id: int = SCHEDULE_ID) -> Response:
    """The schedule as an Excel workbook: sheet `Activities` has the CSV export's rows (local
    and UTC times), sheet `Shifts` one row per shift with its local start and end, paid
    minutes and breaks."""
    schedule = ScheduleRepository(session).get(schedule_id)
    site = SiteRepository(session).get(schedule.site_code)
    records = AgentRepository(session).list_records(schedule.site_code, include_inactive=True)
    names = {r.agent.code: r.agent.name for r in records}
    name = f"schedule-{schedule.site_code}-{schedule.week_start}-v{schedule.version}"
    return Response(
        content=schedule_xlsx(schedule, site.timezone, names),
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
    )


def _edit(body: ScheduleEdit) -> schedule_edits.ShiftEdit:
    if isinstance(body, MoveEdit):
        return schedule_edits.MoveShift(body.agent_code, body.shift_date, body.offset_minutes)
    if isinstance(body, ShortenEdit):
        return schedule_edits.ShortenShift(body.agent_code, body.shift_date, body.minutes, body.at)
    if isinstance(body, ChangeActivityEdit):
        return schedule_edits.ChangeActivity(
            body.agent_code,
            body.shift_date,
            body.start_utc,
            body.end_utc,
            body.activity,
            body.queue_code,
            body.campaign_code,
        )
    return schedule_edits.SwapShifts(body.agent_code, body.other_agent_code, body.shift_date)


@router.post(
    "/{schedule_id}/edits",
    response_model=ScheduleEditResult,
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(require(Permission.SCHEDULE_WRITE))],
    responses=responses(404, 409),
)
def edit_schedule(body: ScheduleEdit, session: SessionDep, schedule_id: int = SCHEDULE_ID) -> Any:
    """Edit a shift by hand: `move` it, `shorten` it, `change_activity` over a span of it, or
    `swap` two agents' shifts of a day. The edit is applied to a copy of the schedule, checked
    with the roster's hard rules (the evaluation every roster goes through) and saved as the
    week's next draft version (201); the schedule edited, published or not, is never changed.

    422 `rule_violation` when the edited roster breaks a hard rule the schedule did not: each
    such rule is in `errors` (`field` = `rule.<name>`, `value` = the agent, `message` = why),
    and nothing is stored. 422 `invalid` naming the field when the edit does not fit the
    schedule (no shift of the agent that day, a span outside the shift, ...)."""
    from wfm.domain.errors import ValidationError

    try:
        draft = schedule_edits.edit_schedule(session, schedule_id, _edit(body))
    except schedule_edits.RuleViolationError as exc:
        raise ApiError(
            422,
            "rule_violation",
            str(exc),
            [
                {"field": f"rule.{v.rule}", "value": v.subject, "message": v.detail}
                for v in exc.violations
            ],
        ) from None
    except ValidationError as exc:
        field, _, message = str(exc).partition(": ")
        raise ApiError(
            422,
            "invalid",
            f"body.{exc}",
            [{"field": f"body.{field}", "message": message or str(exc)}],
        ) from None
    return {
        "schedule": _summary(draft),
        "edited_from_schedule_id": schedule_id,
        "edit": draft.summary["edit"],
        "hard_violations": draft.summary["hard_violations"],
    }
