"""`/v1/outbound`: import dialer outcomes (CSV or JSON, all or nothing, idempotent by attempt id);
read and keep lead lists, callbacks and campaign targets."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request, status
from starlette.concurrency import run_in_threadpool

from api.deps import SessionDep, SettingsDep, require
from api.errors import ApiError, responses
from api.history.schemas import ImportErrorRead
from api.outbound.schemas import (
    AttemptImportRead,
    CallbackCreate,
    CallbackRead,
    CallbackUpdate,
    CampaignTargetsRead,
    LeadListCreate,
    LeadListRead,
    LeadListUpdate,
    OutboundResultsRead,
)
from api.schemas import CODE_PATTERN, AwareMoment, changes, code_path, day_query
from api.uploads import decode_upload, import_rejection, media_type, read_upload
from wfm.adapters.acd_files import ImportFormatError
from wfm.adapters.dialer_files import parse_attempts_csv, parse_attempts_json
from wfm.db.repositories import CallbackRepository, LeadListRepository
from wfm.domain import CallingWindow
from wfm.domain.access import Permission
from wfm.domain.dialer import CallbackStatus, LeadList
from wfm.services import outbound
from wfm.services.history_import import HistoryWindow, ImportRejected
from wfm.services.outbound_results import MAX_WINDOW_DAYS, outbound_results, results_fields

router = APIRouter(prefix="/outbound", tags=["outbound"])
IMPORT = [Depends(require(Permission.HISTORY_WRITE))]
READ = [Depends(require(Permission.ORG_READ))]
WRITE = [Depends(require(Permission.ORG_WRITE))]
RESULTS = [Depends(require(Permission.KPI_READ))]
MAX_CALLBACKS = 5_000

_ATTEMPTS_BODY = {
    "requestBody": {
        "required": True,
        "description": "Dialer attempts: CSV with a header row (`text/csv`) or a JSON array of "
        "objects (`application/json`), one per attempt, with the fields attempt_id, "
        "attempted_at, agent, campaign, segment, lead_id (optional), result, revenue "
        "(sales only), talk_seconds, wrap_seconds.",
        "content": {
            "text/csv": {
                "schema": {"type": "string"},
                "example": "attempt_id,attempted_at,agent,campaign,segment,lead_id,result,"
                "revenue,talk_seconds,wrap_seconds\n"
                "d-1001,2025-03-03T18:05:00+01:00,A1,renewals,gold,L-77,sale,240.0,312,45\n"
                "d-1002,2025-03-03T18:07:30+01:00,A1,renewals,gold,L-78,no_answer,,0,5\n",
            },
            "application/json": {
                "schema": {"type": "array", "items": {"type": "object"}},
                "example": [
                    {
                        "attempt_id": "d-1001",
                        "attempted_at": "2025-03-03T18:05:00+01:00",
                        "agent": "A1",
                        "campaign": "renewals",
                        "segment": "gold",
                        "lead_id": "L-77",
                        "result": "sale",
                        "revenue": 240.0,
                        "talk_seconds": 312,
                        "wrap_seconds": 45,
                    }
                ],
            },
        },
    }
}


@router.post(
    "/attempts",
    response_model=AttemptImportRead,
    dependencies=IMPORT,
    openapi_extra=_ATTEMPTS_BODY,
    responses={
        **responses(413, 415),
        422: {"model": ImportErrorRead, "description": "Rejected; nothing was stored."},
    },
)
async def import_attempts(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    dry_run: bool = Query(default=False, description="Check everything, store nothing."),
) -> Any:
    """Import dialer outcomes, all or nothing, one row per attempt.

    Every row is checked: the fields present and readable, `attempted_at` with an offset (one
    without is refused) and within the window of the interval history (settings
    `WFM_HISTORY_MAX_PAST_DAYS`, `WFM_HISTORY_MAX_FUTURE_DAYS`), known agent, campaign and
    segment codes, a result from the list, revenue >= 0 (sales only; 0 or empty otherwise),
    talk and wrap seconds >= 0. If any row is bad the answer is 422 naming each row and field
    and nothing is stored. `attempt_id` is unique per site (the campaign's): re-sending an
    attempt with the same content leaves it as it is (counted `unchanged`); the same id with
    other content, in the upload or already stored, is a bad row. Needs `history:write`
    (planners and admins); the upload cap is `WFM_API_MAX_IMPORT_MEGABYTES`.
    """
    raw = await read_upload(request, int(settings.api_max_import_megabytes * 1_000_000))
    content_type = media_type(request)
    window = HistoryWindow(settings.history_max_past_days, settings.history_max_future_days)

    def work() -> outbound.AttemptImportSummary:
        try:
            kind, content = decode_upload(raw, content_type)
            parsed = parse_attempts_csv(content) if kind == "csv" else parse_attempts_json(content)
            return outbound.import_attempts(session, parsed, dry_run=dry_run, window=window)
        except (ImportFormatError, ImportRejected) as exc:
            raise import_rejection(exc) from None

    summary = await run_in_threadpool(work)
    return AttemptImportRead(
        rows=summary.rows,
        imported=summary.imported,
        unchanged=summary.unchanged,
        dry_run=summary.dry_run,
        campaigns=list(summary.campaigns),
        first_attempt_utc=summary.first_attempt_utc,
        last_attempt_utc=summary.last_attempt_utc,
    )


@router.get(
    "/lead-lists", response_model=list[LeadListRead], dependencies=READ, responses=responses()
)
def list_lead_lists(
    session: SessionDep,
    campaign: str | None = Query(default=None, pattern=CODE_PATTERN, description="Only this."),
    site: str | None = Query(default=None, pattern=CODE_PATTERN, description="Only this site."),
) -> Any:
    """Lead lists by campaign and code."""
    return LeadListRepository(session).list(campaign_code=campaign, site_code=site)


@router.post(
    "/lead-lists",
    response_model=LeadListRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=WRITE,
    responses=responses(404, 409),
)
def create_lead_list(body: LeadListCreate, session: SessionDep) -> Any:
    """Create a campaign's lead list of one segment (`org:write`: planners and admins)."""
    values = body.model_dump(exclude={"calling_windows"})
    lead_list = LeadList(**values, calling_windows=_windows(body.calling_windows))
    return outbound.create_lead_list(session, lead_list, datetime.now(UTC))


@router.get(
    "/lead-lists/{campaign}/{code}",
    response_model=LeadListRead,
    dependencies=READ,
    responses=responses(404),
)
def get_lead_list(
    session: SessionDep,
    campaign: str = code_path("campaign"),
    code: str = code_path("lead list"),
) -> Any:
    """One lead list."""
    return LeadListRepository(session).get(campaign, code)


@router.patch(
    "/lead-lists/{campaign}/{code}",
    response_model=LeadListRead,
    dependencies=WRITE,
    responses=responses(404),
)
def update_lead_list(
    body: LeadListUpdate,
    session: SessionDep,
    campaign: str = code_path("campaign"),
    code: str = code_path("lead list"),
) -> Any:
    """Change a lead list's segment, size, calling hours, recontact rules or do-not-call count."""
    values = changes(body)
    if "calling_windows" in values:
        values["calling_windows"] = _windows(values["calling_windows"])
    return outbound.update_lead_list(session, campaign, code, values, datetime.now(UTC))


@router.get(
    "/callbacks", response_model=list[CallbackRead], dependencies=READ, responses=responses()
)
def list_callbacks(
    session: SessionDep,
    campaign: str | None = Query(default=None, pattern=CODE_PATTERN, description="Only this."),
    site: str | None = Query(default=None, pattern=CODE_PATTERN, description="Only this site."),
    callback_status: CallbackStatus | None = Query(
        default=None, alias="status", description="Only this status."
    ),
    due_from: AwareMoment | None = Query(default=None, description="Due at or after this."),
    due_before: AwareMoment | None = Query(default=None, description="Due before this."),
) -> Any:
    """Callbacks by due instant, at most 5,000 (narrow with the filters)."""
    return CallbackRepository(session).list(
        campaign_code=campaign,
        site_code=site,
        status=callback_status,
        due_from_utc=due_from,
        due_before_utc=due_before,
        limit=MAX_CALLBACKS,
    )


@router.post(
    "/callbacks",
    response_model=CallbackRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=WRITE,
    responses=responses(404),
)
def create_callback(body: CallbackCreate, session: SessionDep) -> Any:
    """Create an open callback, on its own or from a dialer attempt whose result was
    callback_requested (`org:write`)."""
    return outbound.create_callback(
        session,
        campaign_code=body.campaign_code,
        due_at_utc=body.due_at.astimezone(UTC),
        segment_code=body.segment_code,
        lead_id=body.lead_id,
        attempt_id=body.attempt_id,
        now_utc=datetime.now(UTC),
    )


@router.get(
    "/callbacks/{callback_id}",
    response_model=CallbackRead,
    dependencies=READ,
    responses=responses(404),
)
def get_callback(session: SessionDep, callback_id: int) -> Any:
    """One callback."""
    return CallbackRepository(session).get(callback_id)


@router.patch(
    "/callbacks/{callback_id}",
    response_model=CallbackRead,
    dependencies=WRITE,
    responses=responses(404),
)
def update_callback(body: CallbackUpdate, session: SessionDep, callback_id: int) -> Any:
    """Move a callback, mark it done or missed, or change its segment or lead."""
    values = changes(body, nullable=frozenset({"segment_code", "lead_id"}))
    if "due_at" in values:
        values["due_at_utc"] = values.pop("due_at").astimezone(UTC)
    return CallbackRepository(session).update(callback_id, values, datetime.now(UTC))


@router.get(
    "/campaigns/{code}/targets",
    response_model=CampaignTargetsRead,
    dependencies=READ,
    responses=responses(404),
)
def campaign_targets(session: SessionDep, code: str = code_path("campaign")) -> Any:
    """A campaign's targets (sales, hours, completes) and deadline, beside what its imported
    attempts add up to, its lead lists and its open callbacks. Targets are set on the campaign
    (`PATCH /v1/campaigns/{code}`)."""
    found = outbound.campaign_targets(session, code)
    campaign, progress = found.campaign, found.progress
    return CampaignTargetsRead(
        campaign_code=campaign.code,
        target_sales=campaign.target_sales,
        target_hours=campaign.target_hours,
        target_completes=campaign.target_completes,
        deadline=campaign.deadline,
        attempts=progress.attempts,
        contacts=progress.contacts,
        sales=progress.sales,
        revenue=progress.revenue,
        handled_hours=progress.handled_seconds / 3600.0,
        lead_lists=found.lead_lists,
        leads=found.leads,
        open_callbacks=found.open_callbacks,
    )


def _windows(windows: Any) -> tuple[CallingWindow, ...]:
    return tuple(CallingWindow(w.weekday, w.start_local, w.end_local) for w in windows)


@router.get(
    "/results",
    response_model=OutboundResultsRead,
    dependencies=RESULTS,
    responses=responses(404),
)
def results(
    session: SessionDep,
    site: str = Query(pattern=CODE_PATTERN, description="Site."),
    start: date = day_query(description="First local day of the window."),
    end: date = day_query(description="Last local day of the window (inclusive)."),
) -> Any:
    """What was sold: realised outbound revenue, sales, contacts and attempts against the
    published rosters' plan, by campaign, segment, campaign and segment, and local hour of day;
    conversion and contact rate; sell and serve value per paid hour (docs/outbound.md, "What was
    sold"). The window is at most 92 local days and ends at the site's now; `kpi:read`
    (executives, planners, floor managers, admins)."""
    if end < start:
        raise _window_error(end, f"end ({end}) must not be before start ({start})")
    if (end - start).days + 1 > MAX_WINDOW_DAYS:
        raise _window_error(end, f"a window covers at most {MAX_WINDOW_DAYS} days")
    found = outbound_results(session, site_code=site, start=start, end=end)
    return results_fields(found)


def _window_error(end: date, message: str) -> ApiError:
    return ApiError(
        422,
        "invalid",
        f"query.end: {message}",
        [{"field": "query.end", "value": end.isoformat(), "message": message}],
    )
