"""`/v1/history`: import interval history (CSV or JSON, all or nothing), read it back, delete a
range of it."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime

from api.cache import invalidate_kpis
from api.deps import SessionDep, SettingsDep, require
from api.errors import ApiError, responses
from api.history.schemas import (
    AliasRead,
    ColumnMappingRead,
    CoverageRead,
    FieldRead,
    HistoryDeletionRead,
    ImportErrorRead,
    ImportRead,
    IntervalRead,
    MappingsRead,
)
from api.schemas import CODE_PATTERN, moment_query
from api.uploads import decode_upload, import_rejection, media_type, read_upload
from wfm.adapters.acd_files import (
    ALIASES,
    FIELDS,
    ImportFormatError,
    ImportOptions,
    ParsedImport,
    parse_csv,
    parse_json,
)
from wfm.db.repositories import HistoryRepository, QueueRepository
from wfm.domain.access import Permission
from wfm.services.history_import import (
    HistoryWindow,
    ImportRejected,
    delete_history,
    import_history,
)

router = APIRouter(prefix="/history", tags=["history"])
READ = [Depends(require(Permission.HISTORY_READ))]
WRITE = [Depends(require(Permission.HISTORY_WRITE))]

MAX_READ_DAYS = 92

_IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "description": "The export: CSV with a header row (`text/csv`) or a JSON array of "
        "objects (`application/json`), one row per queue and interval.",
        "content": {
            "text/csv": {
                "schema": {"type": "string"},
                "example": "queue,interval_start,offered,answered,abandoned,"
                "reason:billing,reason:card_lost\n"
                "retail,2025-03-03T08:00:00+01:00,42,40,2,30,5\n",
            },
            "application/json": {
                "schema": {"type": "array", "items": {"type": "object"}},
                "example": [
                    {
                        "queue": "retail",
                        "interval_start": "2025-03-03T08:00:00+01:00",
                        "offered": 42,
                        "answered": 40,
                        "abandoned": 2,
                        "reason_counts": {"billing": 30, "card_lost": 5},
                    }
                ],
            },
        },
    }
}


def _parse_mapping(items: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for item in items:
        column, sep, target = item.partition("=")
        if not sep or not column.strip() or not target.strip():
            raise ApiError(
                422,
                "invalid",
                f"query.mapping: {item!r} is not COLUMN=field",
                [{"field": "query.mapping", "value": item, "message": "expected COLUMN=field"}],
            )
        mapping[column.strip()] = target.strip()
    return mapping


@router.post(
    "/import",
    response_model=ImportRead,
    dependencies=WRITE,
    openapi_extra=_IMPORT_BODY,
    responses={
        **responses(413, 415),
        422: {"model": ImportErrorRead, "description": "Rejected; nothing was stored."},
    },
)
async def import_intervals(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    timezone: str | None = Query(
        default=None,
        max_length=64,
        description="IANA timezone of timestamps that carry no offset; without it they are "
        "rejected.",
        examples=["Europe/Paris"],
    ),
    interval_minutes: int | None = Query(
        default=None,
        ge=15,
        le=60,
        description="Interval length when no column gives it (else inferred): 15, 30 or 60.",
    ),
    queue: str | None = Query(
        default=None, pattern=CODE_PATTERN, description="Queue of every row, when no column."
    ),
    mapping: list[str] = Query(
        default_factory=list,
        description="Explicit column mapping, `COLUMN=field`, repeatable; wins over names.",
        examples=[["Calls=offered"]],
    ),
    unmapped: Literal["reject", "ignore"] = Query(
        default="reject", description="What to do with columns that map to no field."
    ),
    dry_run: bool = Query(default=False, description="Check everything, store nothing."),
) -> Any:
    """Import ACD interval history, all or nothing.

    Columns map by name (the project's fields, Avaya CMS, Cisco and Genesys report names; see
    `GET /v1/history/column-mappings`) or by `mapping`. Contact reasons come as one column per
    reason, `reason:<code>`, or (JSON) as a `reason_counts` object {code: count}. Every row is
    checked (types, negative counts, answered + abandoned <= offered, reason codes, reasons
    adding up to at most offered, timezone, duplicates, unknown queues); if any row is bad the
    answer is 422 listing the rows and nothing is stored. So is an interval starting outside
    the plausible window around now (settings `WFM_HISTORY_MAX_PAST_DAYS`, default 3660, and
    `WFM_HISTORY_MAX_FUTURE_DAYS`, default 2). Re-importing the same intervals replaces them,
    reason counts included (no duplicates); imports of the same queues at the same time take
    turns and all succeed.
    """
    if interval_minutes is not None and interval_minutes not in (15, 30, 60):
        raise ApiError(
            422,
            "invalid",
            "query.interval_minutes: must be 15, 30 or 60",
            [
                {
                    "field": "query.interval_minutes",
                    "value": str(interval_minutes),
                    "message": "must be 15, 30 or 60",
                }
            ],
        )
    raw = await read_upload(request, int(settings.api_max_import_megabytes * 1_000_000))
    content_type = media_type(request)
    options = ImportOptions(
        timezone=timezone,
        interval_minutes=interval_minutes,
        queue_code=queue,
        mapping=_parse_mapping(mapping),
    )
    window = HistoryWindow(settings.history_max_past_days, settings.history_max_future_days)
    return await _run_import(
        request, session, raw, content_type, options, unmapped, dry_run, window
    )


async def _run_import(
    request: Request,
    session: Any,
    raw: bytes,
    content_type: str,
    options: ImportOptions,
    unmapped: str,
    dry_run: bool,
    window: HistoryWindow,
) -> Any:
    from starlette.concurrency import run_in_threadpool

    def work() -> Any:
        parsed: ParsedImport | None = None
        try:
            kind, content = decode_upload(raw, content_type)
            parsed = parse_csv(content, options) if kind == "csv" else parse_json(content, options)
            if parsed.unmapped_columns and unmapped == "reject":
                raise ApiError(
                    422,
                    "import_rejected",
                    f"columns {', '.join(map(repr, parsed.unmapped_columns))} map to no field; "
                    "map them (mapping=COLUMN=field) or pass unmapped=ignore",
                    [
                        {
                            "row": 1,
                            "field": column,
                            "message": "unknown column: map it with mapping=COLUMN=field "
                            "or pass unmapped=ignore",
                        }
                        for column in parsed.unmapped_columns
                    ],
                    extra={
                        "error_count": len(parsed.unmapped_columns),
                        "unmapped_columns": list(parsed.unmapped_columns),
                    },
                )
            summary = import_history(session, parsed, dry_run=dry_run, window=window)
        except (ImportFormatError, ImportRejected) as exc:
            unmapped_columns = parsed.unmapped_columns if parsed else ()
            raise import_rejection(exc, unmapped_columns) from None
        return parsed, summary

    parsed, summary = await run_in_threadpool(work)
    if not dry_run:
        invalidate_kpis(request.app)
    return ImportRead(
        rows=summary.rows,
        imported=summary.imported,
        dry_run=dry_run,
        queues=list(summary.queues),
        first_interval_utc=summary.first_interval_utc,
        last_interval_utc=summary.last_interval_utc,
        columns=[
            ColumnMappingRead(column=c.column, field=c.field, source=c.source)
            for c in parsed.columns
        ],
        unmapped_columns=list(parsed.unmapped_columns),
    )


@router.get("", response_model=list[IntervalRead], dependencies=READ, responses=responses(404))
def read_intervals(
    session: SessionDep,
    queue: str = Query(pattern=CODE_PATTERN, description="Queue to read."),
    start: AwareDatetime = moment_query(description="From this instant (inclusive)."),
    end: AwareDatetime = moment_query(description="To this instant (exclusive)."),
) -> Any:
    """Stored intervals of one queue over at most 92 days, by start."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end <= start:
        raise ApiError(
            422,
            "invalid",
            "query.end: must be after start",
            [{"field": "query.end", "message": "must be after start"}],
        )
    if end - start > timedelta(days=MAX_READ_DAYS):
        raise ApiError(
            422,
            "invalid",
            f"query.end: at most {MAX_READ_DAYS} days per read",
            [{"field": "query.end", "message": f"at most {MAX_READ_DAYS} days after start"}],
        )
    QueueRepository(session).id_of(queue)
    return HistoryRepository(session).records(queue, start, end)


@router.delete(
    "",
    response_model=HistoryDeletionRead,
    dependencies=WRITE,
    responses=responses(404),
    summary="Delete a queue's interval history over a range",
)
def delete_intervals(
    request: Request,
    session: SessionDep,
    queue: str = Query(pattern=CODE_PATTERN, description="Queue whose history to delete."),
    start: AwareDatetime = moment_query(description="Intervals starting at or after this instant."),
    end: AwareDatetime = moment_query(description="... and before this instant (exclusive)."),
) -> Any:
    """Delete the queue's stored intervals that start in [start, end), e.g. rows imported with a
    wrong date; any length of range. What derives from them follows in the same transaction:
    the daily sums behind the KPIs, the accuracy scores of the site's forecast runs whose horizon
    overlaps the range, and the site's patience estimates (re-estimated as a forecast run does);
    the server's KPI answers are recomputed. Returns how many intervals were deleted (0 when none
    were stored there). Both instants carry an offset and lie between 1900 and 2999. Needs
    `history:write` (planners and admins)."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end <= start:
        raise ApiError(
            422,
            "invalid",
            "query.end: must be after start",
            [{"field": "query.end", "message": "must be after start"}],
        )
    result = delete_history(session, queue_code=queue, start_utc=start, end_utc=end)
    session.commit()
    if result.deleted:
        invalidate_kpis(request.app)
    return HistoryDeletionRead(
        queue_code=result.queue_code,
        start_utc=result.start_utc,
        end_utc=result.end_utc,
        deleted=result.deleted,
        rescored_forecast_runs=list(result.rescored_runs),
        patience_reestimated_site=result.patience_site,
    )


@router.get(
    "/coverage", response_model=list[CoverageRead], dependencies=READ, responses=responses()
)
def coverage(session: SessionDep) -> Any:
    """Per queue: the first and last interval stored, how many, and contacts offered."""
    return HistoryRepository(session).spans()


@router.get(
    "/column-mappings", response_model=MappingsRead, dependencies=READ, responses=responses()
)
def column_mappings() -> Any:
    """The fields an import fills and the column names recognised without a mapping."""
    return MappingsRead(
        fields=[FieldRead(field=k, description=v) for k, v in FIELDS.items()],
        aliases=[
            AliasRead(column=name, field=a.field, source=a.source, scale=a.scale)
            for name, a in sorted(ALIASES.items(), key=lambda kv: (kv[1].source, kv[0]))
        ],
    )
