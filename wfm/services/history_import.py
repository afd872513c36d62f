"""Interval history import: a parsed ACD export in, stored intervals out (all or nothing)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from wfm.adapters.acd_files import ParsedImport, RowError
from wfm.db.repositories import HistoryRepository, QueueRepository
from wfm.domain.errors import ValidationError


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
class ImportSummary:
    rows: int
    imported: int
    queues: tuple[str, ...]
    first_interval_utc: datetime | None
    last_interval_utc: datetime | None


def import_history(
    session: Session, parsed: ParsedImport, *, dry_run: bool = False
) -> ImportSummary:
    """Store the parsed intervals (replacing any already stored for the same queue and interval),
    or raise ImportRejected naming every bad row; rows of unknown queues are bad rows."""
    if not parsed.ok:
        raise ImportRejected(parsed.errors, parsed.error_count, parsed.rows)
    known = QueueRepository(session).ids_by_code()
    errors = [
        RowError(row, f"no queue {record.queue_code!r}", None, record.queue_code)
        for record, row in zip(parsed.records, parsed.record_rows, strict=True)
        if record.queue_code not in known
    ]
    if errors:
        raise ImportRejected(tuple(errors[:200]), len(errors), parsed.rows)
    if not dry_run:
        HistoryRepository(session).upsert(parsed.records)
    starts = [r.interval_start_utc for r in parsed.records]
    return ImportSummary(
        rows=parsed.rows,
        imported=0 if dry_run else len(parsed.records),
        queues=tuple(sorted({r.queue_code for r in parsed.records})),
        first_interval_utc=min(starts) if starts else None,
        last_interval_utc=max(starts) if starts else None,
    )
