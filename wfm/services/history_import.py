"""Interval history import: a parsed ACD export in, stored intervals out (all or nothing); and
deletion of a queue's history over a range, with what derives from it.

An import is refused, naming each row, when an interval starts outside the plausible window
around now (`HistoryWindow`: by default about ten years back and two days ahead, the settings
WFM_HISTORY_MAX_PAST_DAYS and WFM_HISTORY_MAX_FUTURE_DAYS): a row dated 2200 would otherwise
stretch every forecast's history to that year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from wfm.adapters.acd_files import ParsedImport, RowError
from wfm.db.repositories import ForecastRepository, HistoryRepository, QueueRepository
from wfm.domain.errors import ValidationError

DEFAULT_MAX_PAST_DAYS = 3660
DEFAULT_MAX_FUTURE_DAYS = 2


class ImportRejected(ValidationError):
    """The import has row errors; nothing was stored."""

    def __init__(self, errors: tuple[RowError, ...], error_count: int, rows: int) -> None:
        first = errors[0] if errors else None
        where = f"; first: row {first.row}: {first.message}" if first else ""
        super().__init__(
            f"{error_count} of {rows} rows are invalid and nothing was imported{where}"
        )
        self.errors = errors
        self.error_count = error_count
        self.rows = rows


@dataclass(frozen=True, slots=True)
class HistoryWindow:
    """Where interval history may lie: from `max_past_days` before now to `max_future_days`
    after it (both whole days, at least 1)."""

    max_past_days: int = DEFAULT_MAX_PAST_DAYS
    max_future_days: int = DEFAULT_MAX_FUTURE_DAYS

    def __post_init__(self) -> None:
        if self.max_past_days < 1 or self.max_future_days < 1:
            raise ValidationError(
                "the history window needs at least 1 day either side of now, got "
                f"{self.max_past_days} days back and {self.max_future_days} ahead"
            )

    def bounds(self, now_utc: datetime) -> tuple[datetime, datetime]:
        """The earliest and the latest interval start accepted at `now_utc`."""
        return (
            now_utc - timedelta(days=self.max_past_days),
            now_utc + timedelta(days=self.max_future_days),
        )


@dataclass(frozen=True, slots=True)
class ImportSummary:
    rows: int
    imported: int
    queues: tuple[str, ...]
    first_interval_utc: datetime | None
    last_interval_utc: datetime | None


def import_history(
    session: Session,
    parsed: ParsedImport,
    *,
    dry_run: bool = False,
    window: HistoryWindow | None = None,
    now_utc: datetime | None = None,
) -> ImportSummary:
    """Store the parsed intervals (replacing any already stored for the same queue and interval),
    or raise ImportRejected naming every bad row; rows of unknown queues, and rows starting
    outside the window around `now_utc` (default: the defaults, now), are bad rows. The accuracy
    scores of the forecast runs whose horizon overlaps the imported intervals are brought in
    step (as a deletion does)."""
    if not parsed.ok:
        raise ImportRejected(parsed.errors, parsed.error_count, parsed.rows)
    known = QueueRepository(session).ids_by_code()
    errors = _outside_window(parsed, window or HistoryWindow(), now_utc or datetime.now(UTC))
    errors += [
        RowError(row, f"no queue {record.queue_code!r}", None, record.queue_code)
        for record, row in zip(parsed.records, parsed.record_rows, strict=True)
        if record.queue_code not in known
    ]
    if errors:
        errors.sort(key=lambda e: e.row)
        raise ImportRejected(tuple(errors[:200]), len(errors), parsed.rows)
    starts = [r.interval_start_utc for r in parsed.records]
    if not dry_run:
        HistoryRepository(session).upsert(parsed.records)
        if starts:
            sites = {q.code: q.site_code for q in QueueRepository(session).list()}
            _rescore_runs(
                session,
                {sites[r.queue_code] for r in parsed.records},
                min(starts),
                max(
                    r.interval_start_utc + timedelta(minutes=r.interval_minutes)
                    for r in parsed.records
                ),
            )
    return ImportSummary(
        rows=parsed.rows,
        imported=0 if dry_run else len(parsed.records),
        queues=tuple(sorted({r.queue_code for r in parsed.records})),
        first_interval_utc=min(starts) if starts else None,
        last_interval_utc=max(starts) if starts else None,
    )


def _rescore_runs(
    session: Session, site_codes: set[str], start: datetime, end: datetime
) -> list[int]:
    """Re-score the accuracy of the sites' forecast runs whose horizon overlaps [start, end),
    so forecast accuracy follows the actuals as they arrive (a played day's intervals too)."""
    from wfm.services.forecasting import update_accuracy

    rescored: list[int] = []
    for site_code in sorted(site_codes):
        for run in ForecastRepository(session).runs(site_code):
            if run.id is not None and run.horizon_start_utc < end and start < run.horizon_end_utc:
                update_accuracy(session, run_id=run.id)
                rescored.append(run.id)
    return rescored


def _outside_window(
    parsed: ParsedImport, window: HistoryWindow, now_utc: datetime
) -> list[RowError]:
    """A problem for each record starting outside the window, on the column holding its date."""
    earliest, latest = window.bounds(now_utc)
    fields = {m.field: m.column for m in parsed.columns}
    column = next(
        (fields[f] for f in ("interval_start", "interval", "interval_date") if f in fields), None
    )
    errors: list[RowError] = []
    for record, row in zip(parsed.records, parsed.record_rows, strict=True):
        start = record.interval_start_utc
        if start < earliest:
            why = (
                f"lies more than {window.max_past_days} days before now (the earliest accepted "
                f"is {earliest:%Y-%m-%d %H:%M} UTC; setting WFM_HISTORY_MAX_PAST_DAYS)"
            )
        elif start > latest:
            why = (
                f"lies more than {window.max_future_days} days after now (the latest accepted "
                f"is {latest:%Y-%m-%d %H:%M} UTC; setting WFM_HISTORY_MAX_FUTURE_DAYS)"
            )
        else:
            continue
        message = f"{column or 'interval start'} {start:%Y-%m-%d %H:%M} UTC {why}"
        errors.append(RowError(row, message, column, start.isoformat()))
    return errors


@dataclass(frozen=True, slots=True)
class HistoryDeletion:
    """What a deletion did: the intervals deleted, and the forecast runs re-scored and the
    site whose patience was re-estimated because their history changed."""

    queue_code: str
    start_utc: datetime
    end_utc: datetime
    deleted: int
    rescored_runs: tuple[int, ...]
    patience_site: str | None


def delete_history(
    session: Session, *, queue_code: str, start_utc: datetime, end_utc: datetime
) -> HistoryDeletion:
    """Delete the queue's intervals starting in [start_utc, end_utc) and bring what derives from
    them in step, in the caller's transaction: the daily sums of the days they were in, the
    accuracy scores of the site's forecast runs whose horizon overlaps the range, and the
    site's patience estimates (re-estimated as `wfm forecast` does). Raises NotFoundError for an
    unknown queue and ValidationError for a range that is empty or not in the calendar."""
    start, end = _utc(start_utc, "start"), _utc(end_utc, "end")
    if end <= start:
        raise ValidationError(f"end ({end.isoformat()}) must be after start ({start.isoformat()})")
    queue = QueueRepository(session).get(queue_code)
    deleted = HistoryRepository(session).delete_range(queue_code, start, end)
    rescored: list[int] = []
    patience_site = None
    if deleted:
        from wfm.services.forecasting import update_accuracy
        from wfm.services.patience import estimate_patience

        for run in ForecastRepository(session).runs(queue.site_code):
            if run.id is not None and run.horizon_start_utc < end and start < run.horizon_end_utc:
                update_accuracy(session, run_id=run.id)
                rescored.append(run.id)
        estimate_patience(session, site_code=queue.site_code)
        patience_site = queue.site_code
    return HistoryDeletion(queue_code, start, end, deleted, tuple(rescored), patience_site)


def _utc(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValidationError(f"{name} must carry a timezone offset (e.g. Z or +01:00)")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValidationError(
            f"{name} {moment.isoformat()} lies outside the calendar once converted to UTC"
        ) from None
