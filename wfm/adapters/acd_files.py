"""Interval history from ACD exports: column mapping, parsing and row-level validation (no I/O).

An export (CSV text or a list of JSON objects) becomes `IntervalRecord`s, or a list of row errors
that say which row, which column and why. Columns are mapped by name: the project's own field names,
then the interval-report names of common ACDs (Avaya CMS, Cisco, Genesys; see `ALIASES`), then any
explicit mapping the caller gives; what cannot be mapped is reported. Timestamps must carry a zone
unless the caller names the timezone the export is in.

Contact reasons come as one column per reason, `reason:<code>` (or any column mapped to
`reason:<code>`), or as one `reason_counts` value per row: an object {code: count} in JSON, that
object's JSON text in CSV. Their sum may not exceed the row's offered contacts.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from wfm.domain import IntervalRecord

ALLOWED_INTERVAL_MINUTES = (15, 30, 60)
MAX_REPORTED_ERRORS = 200

# The fields an import can fill, with what each means.
FIELDS: dict[str, str] = {
    "queue_code": "queue (split, skill, call type) the row belongs to",
    "interval_start": "start of the interval: ISO 8601 with offset, or local with `timezone`",
    "interval": "an ISO 8601 interval `start/end` (Genesys); gives start and length",
    "interval_date": "date of the interval (when date and time are separate columns)",
    "interval_time": "local start time of the interval, `HH:MM` or `HHMM`",
    "interval_minutes": "length of the interval in minutes: 15, 30 or 60",
    "offered": "contacts offered",
    "answered": "contacts answered (handled)",
    "abandoned": "contacts abandoned, short abandons included",
    "short_abandoned": "abandons within the queue's short-abandon threshold",
    "answered_within_threshold": "contacts answered within the service threshold",
    "handle_seconds": "total handle time: talk + hold + after-call work",
    "talk_seconds": "total talk time (added into handle time)",
    "hold_seconds": "total hold time (added into handle time)",
    "after_call_work_seconds": "total after-call work (added into handle time)",
    "aht_seconds": "average handle time; handle time = AHT x answered",
    "wait_seconds_answered": "total time answered contacts waited",
    "asa_seconds": "average speed of answer; wait of answered = ASA x answered",
    "wait_seconds_abandoned": "total time abandoning contacts waited",
    "reason_counts": "contacts per contact reason: an object {code: count} (CSV: its JSON text)",
    "reason:<code>": "contacts of one contact reason, one column per reason (e.g. reason:billing)",
}
REASON_PREFIX = "reason:"
REASON_CODE_MAX_CHARACTERS = 64
REASON_CODE_RULE = (
    f"a reason code is 1 to {REASON_CODE_MAX_CHARACTERS} characters in any script (letters, "
    "digits, punctuation) without spaces or control characters"
)
# no whitespace (Unicode's, the ideographic space included), control character (C0, DEL, C1) or
# lone surrogate
_REASON_CODE = re.compile(
    rf"[^\s\x00-\x1f\x7f-\x9f\ud800-\udfff]{{1,{REASON_CODE_MAX_CHARACTERS}}}"
)


@dataclass(frozen=True, slots=True)
class Alias:
    field: str
    source: str
    scale: float = 1.0  # multiply the column's values by this (e.g. milliseconds to seconds)


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


_PROJECT = "wfm"
_CMS = "Avaya CMS"
_CISCO = "Cisco"
_GENESYS = "Genesys"
_GENERIC = "common"

# Normalised column name (lower case, letters and digits only) -> field.
ALIASES: dict[str, Alias] = {
    **{_norm(name): Alias(name, _PROJECT) for name in FIELDS if REASON_PREFIX not in name},
    # generic spellings
    "queue": Alias("queue_code", _GENERIC),
    "queuename": Alias("queue_code", _GENERIC),
    "queueid": Alias("queue_code", _GENERIC),
    "skill": Alias("queue_code", _GENERIC),
    "intervalstartutc": Alias("interval_start", _GENERIC),
    "start": Alias("interval_start", _GENERIC),
    "timestamp": Alias("interval_start", _GENERIC),
    "date": Alias("interval_date", _GENERIC),
    "time": Alias("interval_time", _GENERIC),
    "handled": Alias("answered", _GENERIC),
    "abandons": Alias("abandoned", _GENERIC),
    "aht": Alias("aht_seconds", _GENERIC),
    "ahts": Alias("aht_seconds", _GENERIC),
    "asa": Alias("asa_seconds", _GENERIC),
    "asas": Alias("asa_seconds", _GENERIC),
    # Avaya CMS interval (split/skill) reports
    "split": Alias("queue_code", _CMS),
    "splitskill": Alias("queue_code", _CMS),
    "rowdate": Alias("interval_date", _CMS),
    "starttime": Alias("interval_time", _CMS),
    "intrvl": Alias("interval_minutes", _CMS),
    "callsoffered": Alias("offered", f"{_CMS} / {_CISCO}"),
    "acdcalls": Alias("answered", _CMS),
    "abncalls": Alias("abandoned", _CMS),
    "acdtime": Alias("talk_seconds", _CMS),
    "acwtime": Alias("after_call_work_seconds", _CMS),
    "holdacdtime": Alias("hold_seconds", _CMS),
    "anstime": Alias("wait_seconds_answered", _CMS),
    "abntime": Alias("wait_seconds_abandoned", _CMS),
    "acceptable": Alias("answered_within_threshold", _CMS),
    # Cisco (call type / skill group interval tables)
    "calltypeid": Alias("queue_code", _CISCO),
    "skillgroup": Alias("queue_code", _CISCO),
    "datetime": Alias("interval_start", _CISCO),
    "callshandled": Alias("answered", _CISCO),
    "callsanswered": Alias("answered", _CISCO),
    "callsabandoned": Alias("abandoned", _CISCO),
    "totalcallsaband": Alias("abandoned", _CISCO),
    "servicelevelcalls": Alias("answered_within_threshold", _CISCO),
    "answerwaittime": Alias("wait_seconds_answered", _CISCO),
    "handletime": Alias("handle_seconds", _CISCO),
    "calldelayabandtime": Alias("wait_seconds_abandoned", _CISCO),
    # Genesys (analytics interval exports; durations in milliseconds)
    "queueid_genesys": Alias("queue_code", _GENESYS),
    "noffered": Alias("offered", _GENESYS),
    "nanswered": Alias("answered", _GENESYS),
    "tansweredcount": Alias("answered", _GENESYS),
    "nabandon": Alias("abandoned", _GENESYS),
    "tabandoncount": Alias("abandoned", _GENESYS),
    "nshortabandon": Alias("short_abandoned", _GENESYS),
    "nansweredwithinsl": Alias("answered_within_threshold", _GENESYS),
    "thandle": Alias("handle_seconds", _GENESYS, 0.001),
    "thandlesum": Alias("handle_seconds", _GENESYS, 0.001),
    "tanswered": Alias("wait_seconds_answered", _GENESYS, 0.001),
    "tansweredsum": Alias("wait_seconds_answered", _GENESYS, 0.001),
    "tabandon": Alias("wait_seconds_abandoned", _GENESYS, 0.001),
    "tabandonsum": Alias("wait_seconds_abandoned", _GENESYS, 0.001),
}
ALIASES.pop("queueid_genesys")
# Names like `answered_within_20s` (answered within a threshold named in the column).
_WITHIN_PATTERN = re.compile(r"^answeredwithin\d+s?$")

_COUNT_FIELDS = ("offered", "answered", "abandoned", "short_abandoned", "answered_within_threshold")
_SECONDS_FIELDS = (
    "handle_seconds",
    "talk_seconds",
    "hold_seconds",
    "after_call_work_seconds",
    "aht_seconds",
    "wait_seconds_answered",
    "asa_seconds",
    "wait_seconds_abandoned",
)


class ImportFormatError(ValueError):
    """The input as a whole cannot be read (not CSV/JSON, no header, required fields missing)."""


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem of one row. `row` is the CSV line number (the header is line 1) or the
    position in the JSON array counting from 1."""

    row: int
    message: str
    column: str | None = None
    value: str | None = None


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    column: str
    field: str
    source: str


@dataclass(frozen=True, slots=True)
class ImportOptions:
    timezone: str | None = None  # the zone of timestamps that carry none
    interval_minutes: int | None = None  # when no column says it
    queue_code: str | None = None  # when no column says it
    mapping: Mapping[str, str] = field(default_factory=dict)  # explicit column -> field


@dataclass(frozen=True, slots=True)
class ParsedImport:
    records: tuple[IntervalRecord, ...]
    record_rows: tuple[int, ...]  # the row each record came from
    columns: tuple[ColumnMapping, ...]
    unmapped_columns: tuple[str, ...]
    rows: int
    errors: tuple[RowError, ...]
    error_count: int

    @property
    def ok(self) -> bool:
        return self.error_count == 0


def resolve_columns(
    columns: Sequence[str], mapping: Mapping[str, str] | None = None
) -> tuple[list[ColumnMapping], list[str]]:
    """Map each column to a field: explicit mapping first, then known names; returns the mapping
    and the columns left unmapped. A column named `reason:<code>` counts the contacts of that
    reason (its code is checked by `parse_rows`). Raises ImportFormatError for a bad explicit
    mapping, two columns that map to the same field, or reasons given both as `reason:<code>`
    columns and as `reason_counts`."""
    mapping = dict(mapping or {})
    for column, target in mapping.items():
        if column not in columns:
            raise ImportFormatError(
                f"mapping names column {column!r}, which is not in the input "
                f"(columns: {', '.join(columns) or 'none'})"
            )
        if target.startswith(REASON_PREFIX):
            if not is_reason_code(target[len(REASON_PREFIX) :]):
                raise ImportFormatError(
                    f"mapping sends column {column!r} to {target!r}: {REASON_CODE_RULE}"
                )
        elif target not in FIELDS:
            raise ImportFormatError(
                f"mapping sends column {column!r} to {target!r}, which is not a field "
                f"(fields: {', '.join(FIELDS)})"
            )
    mapped: list[ColumnMapping] = []
    unmapped: list[str] = []
    by_field: dict[str, str] = {}
    for column in columns:
        if column in mapping:
            item = ColumnMapping(column, mapping[column], "mapping")
        elif column[: len(REASON_PREFIX)].lower() == REASON_PREFIX:
            code = column[len(REASON_PREFIX) :].strip()
            item = ColumnMapping(column, REASON_PREFIX + code, _PROJECT)
        else:
            key = _norm(column)
            alias = ALIASES.get(key)
            if alias is not None:
                item = ColumnMapping(column, alias.field, alias.source)
            elif _WITHIN_PATTERN.match(key):
                item = ColumnMapping(column, "answered_within_threshold", _GENERIC)
            else:
                unmapped.append(column)
                continue
        if item.field in by_field:
            raise ImportFormatError(
                f"columns {by_field[item.field]!r} and {column!r} both map to field "
                f"{item.field!r}; map one of them elsewhere or drop it"
            )
        by_field[item.field] = column
        mapped.append(item)
    if "reason_counts" in by_field:
        per_reason = [m.column for m in mapped if m.field.startswith(REASON_PREFIX)]
        if per_reason:
            raise ImportFormatError(
                f"reasons come both as {by_field['reason_counts']!r} and as columns "
                f"{', '.join(map(repr, per_reason))}; give them one way"
            )
    return mapped, unmapped


def is_reason_code(code: str) -> bool:
    """Any Unicode text of 1 to 64 characters without whitespace, control characters or lone
    surrogates (stored and shown as given)."""
    return _REASON_CODE.fullmatch(code) is not None


def _scale_of(item: ColumnMapping) -> float:
    if item.source == "mapping" or item.source == _PROJECT:
        return 1.0
    alias = ALIASES.get(_norm(item.column))
    return alias.scale if alias is not None else 1.0


def _zone(name: str | None) -> ZoneInfo | None:
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ImportFormatError(
            f"timezone {name!r} is not an IANA timezone (e.g. Europe/Paris)"
        ) from exc


class _RowProblem(Exception):
    def __init__(self, message: str, column: str | None = None, value: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.column = column
        self.value = None if value is None else str(value)[:100]


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else str(value)


def _count(value: Any, column: str) -> int:
    if type(value) is str:
        try:
            number_fast = int(value)
        except ValueError:
            pass
        else:
            if number_fast < 0:
                raise _RowProblem(f"{column} must not be negative", column, value)
            return number_fast
        if not value.strip():
            raise _RowProblem(f"{column} is empty", column)
    if isinstance(value, bool):
        raise _RowProblem(f"{column} must be a whole number, got a boolean", column, value)
    if isinstance(value, int):
        number: float = value
    elif isinstance(value, float):
        number = value
    else:
        text = _text(value)
        try:
            number = int(text)
        except ValueError:
            try:
                number = float(text)
            except ValueError:
                raise _RowProblem(f"{column} must be a whole number", column, value) from None
    if not math.isfinite(number) or number != int(number):
        raise _RowProblem(f"{column} must be a whole number", column, value)
    if number < 0:
        raise _RowProblem(f"{column} must not be negative", column, value)
    return int(number)


def _seconds(value: Any, column: str, scale: float) -> float:
    if type(value) is str:
        try:
            fast = float(value)
        except ValueError:
            if not value.strip():
                raise _RowProblem(f"{column} is empty", column) from None
        else:
            if fast >= 0 and math.isfinite(fast):
                return fast * scale
    if isinstance(value, bool):
        raise _RowProblem(f"{column} must be a number, got a boolean", column, value)
    if isinstance(value, int | float):
        number = float(value)
    else:
        try:
            number = float(_text(value))
        except ValueError:
            raise _RowProblem(f"{column} must be a number", column, value) from None
    if not math.isfinite(number):
        raise _RowProblem(f"{column} must be a finite number", column, value)
    if number < 0:
        raise _RowProblem(f"{column} must not be negative", column, value)
    return number * scale


def _reason_object(value: Any, column: str) -> dict[str, int]:
    """A `reason_counts` value: an object {code: count}, or its JSON text (from CSV)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise _RowProblem(
                f"{column} must be a JSON object {{reason code: count}}", column, value
            ) from None
    if not isinstance(value, dict):
        kind = _json_kind(value)
        raise _RowProblem(
            f"{column} must be an object {{reason code: count}}, not "
            f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}",
            column,
            value,
        )
    counts: dict[str, int] = {}
    for code, item in value.items():
        if not is_reason_code(code):
            raise _RowProblem(
                f"{column} has reason code {code!r}: {REASON_CODE_RULE}", column, code
            )
        if item is None:
            continue  # as an empty cell: nothing recorded
        number = _count(item, f"{column}.{code}")
        if number:
            counts[code] = number
    return counts


def _parse_datetime(text: str, column: str) -> datetime:
    candidate = text.strip()
    if candidate.endswith(("Z", "z")):
        candidate = candidate[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(candidate)
    except ValueError:
        raise _RowProblem(
            f"{column} is not an ISO 8601 timestamp (e.g. 2024-03-04T08:30:00+01:00)",
            column,
            text,
        ) from None


def _parse_date(text: str, column: str) -> date:
    candidate = text.strip()
    for fmt in ("%Y-%m-%d", "%Y%m%d", "%m/%d/%Y", "%m/%d/%y"):
        try:
            return datetime.strptime(candidate, fmt).date()
        except ValueError:
            continue
    raise _RowProblem(f"{column} is not a date (YYYY-MM-DD)", column, text)


def _parse_time(text: str, column: str) -> time:
    candidate = text.strip()
    if re.fullmatch(r"\d{3,4}", candidate):
        candidate = candidate.zfill(4)
        candidate = f"{candidate[:2]}:{candidate[2:]}"
    try:
        return time.fromisoformat(candidate)
    except ValueError:
        raise _RowProblem(f"{column} is not a time of day (HH:MM)", column, text) from None


# Interval starts (UTC) far enough from the ends of the calendar (years 1 and 9999) that local
# days, weeks and interval ends can be computed from them; anything outside is a bad row.
EARLIEST_START_UTC = datetime(1, 1, 15, tzinfo=UTC)
LATEST_START_UTC = datetime(9999, 12, 17, tzinfo=UTC)
_CALENDAR_ENDS = (
    "{column} lies too near the ends of the calendar: interval starts lie between "
    f"{EARLIEST_START_UTC.date().isoformat()} and {LATEST_START_UTC.date().isoformat()} UTC"
)


def in_calendar(start_utc: datetime) -> bool:
    """Whether an interval start lies far enough from the ends of the calendar."""
    return EARLIEST_START_UTC <= start_utc < LATEST_START_UTC


class _Localiser:
    """Turns naive local timestamps into UTC; ambiguous ones (the repeated hour when clocks go
    back) take their first occurrence per queue as the earlier instant, the second as the later."""

    def __init__(self, zone: ZoneInfo | None) -> None:
        self.zone = zone
        self.seen_ambiguous: set[tuple[str, datetime]] = set()

    def to_utc(
        self, stamp: datetime, queue: str, column: str, date_column: str | None = None
    ) -> datetime:
        """The instant in UTC, which must leave room for date arithmetic (`in_calendar`); a
        date outside it is a problem of `date_column` (default `column`)."""
        where = date_column or column
        try:
            instant = self._to_utc(stamp, queue, column)
        except OverflowError:
            raise _RowProblem(
                f"{where} {stamp.isoformat()} lies outside the calendar once converted to UTC",
                where,
                stamp.isoformat(),
            ) from None
        if not in_calendar(instant):
            raise _RowProblem(_CALENDAR_ENDS.format(column=where), where, stamp.isoformat())
        return instant

    def _to_utc(self, stamp: datetime, queue: str, column: str) -> datetime:
        if stamp.tzinfo is not None and stamp.utcoffset() is not None:
            return stamp.astimezone(UTC)
        if self.zone is None:
            raise _RowProblem(
                f"{column} has no timezone; give timestamps with an offset (e.g. +01:00 or Z) "
                "or name the export's timezone in the request",
                column,
                stamp.isoformat(),
            )
        early = stamp.replace(tzinfo=self.zone, fold=0)
        late = stamp.replace(tzinfo=self.zone, fold=1)
        early_utc = early.astimezone(UTC)
        if early.utcoffset() == late.utcoffset():
            return early_utc
        if early_utc.astimezone(self.zone).replace(tzinfo=None) != stamp:
            raise _RowProblem(
                f"{column} {stamp.isoformat()} does not exist in {self.zone.key} "
                "(the clocks went forward)",
                column,
                stamp.isoformat(),
            )
        key = (queue, stamp)
        if key in self.seen_ambiguous:
            return late.astimezone(UTC)
        self.seen_ambiguous.add(key)
        return early_utc


def parse_rows(
    columns: Sequence[str],
    rows: RowSource,
    options: ImportOptions = ImportOptions(),
) -> ParsedImport:
    """Validate and convert rows (row number, column -> value) into interval records."""
    mapped, unmapped = resolve_columns(columns, options.mapping)
    by_field = {m.field: m.column for m in mapped}
    scales = {m.field: _scale_of(m) for m in mapped}
    _require_fields(by_field, options)
    zone = _zone(options.timezone)
    if options.interval_minutes is not None and (
        options.interval_minutes not in ALLOWED_INTERVAL_MINUTES
    ):
        raise ImportFormatError(
            f"interval_minutes must be one of {ALLOWED_INTERVAL_MINUTES}, "
            f"got {options.interval_minutes}"
        )
    log = _ErrorLog()
    reasons = _reason_columns(mapped, log)
    drafts, row_count = _convert_rows(
        rows, by_field, scales, options, _Localiser(zone), reasons, log
    )
    if row_count == 0:
        raise ImportFormatError("the input has no data rows")
    if "interval_minutes" not in by_field and "interval" not in by_field:
        _infer_draft_minutes(drafts, options, log)
    records, record_rows = _checked_records(drafts, by_field, log)
    log.errors.sort(key=lambda e: e.row)
    return ParsedImport(
        records=tuple(records) if log.count == 0 else (),
        record_rows=tuple(record_rows) if log.count == 0 else (),
        columns=tuple(mapped),
        unmapped_columns=tuple(unmapped),
        rows=row_count,
        errors=tuple(log.errors),
        error_count=log.count,
    )


@dataclass
class _ErrorLog:
    """The problems found so far: all counted, the first `MAX_REPORTED_ERRORS` kept."""

    errors: list[RowError] = field(default_factory=list)
    count: int = 0

    def add(self, row: int, message: str, column: str | None, value: str | None) -> None:
        self.count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(RowError(row, message, column, value))


def _reason_columns(mapped: Sequence[ColumnMapping], log: _ErrorLog) -> list[tuple[str, str]]:
    """The (reason code, column) of each column mapped to `reason:<code>`; a code that breaks
    the rule is a problem of the header (line 1), reported with the rows' problems."""
    reasons: list[tuple[str, str]] = []
    for item in mapped:
        if item.field.startswith(REASON_PREFIX):
            code = item.field[len(REASON_PREFIX) :]
            if is_reason_code(code):
                reasons.append((code, item.column))
            else:
                log.add(1, f"column {item.column!r}: {REASON_CODE_RULE}", item.column, code)
    return reasons


def _convert_rows(
    rows: RowSource,
    by_field: Mapping[str, str],
    scales: Mapping[str, float],
    options: ImportOptions,
    localiser: _Localiser,
    reasons: Sequence[tuple[str, str]],
    log: _ErrorLog,
) -> tuple[list[tuple[int, dict[str, Any]]], int]:
    """Each row converted (`_convert_row`) with its number, an interval repeated within the
    input a problem; and the number of rows read."""
    drafts: list[tuple[int, dict[str, Any]]] = []
    seen: dict[tuple[str, datetime], int] = {}
    row_count = 0
    for number, raw in rows:
        row_count += 1
        try:
            if isinstance(raw, BadRow):
                raise _RowProblem(raw.message, raw.column)
            draft = _convert_row(raw, by_field, scales, options, localiser, reasons)
            key = (draft["queue_code"], draft["interval_start_utc"])
            if key in seen:
                raise _RowProblem(
                    f"queue {key[0]!r} interval {key[1].isoformat()} appears again "
                    f"(first on row {seen[key]})",
                    by_field.get("interval_start") or by_field.get("interval"),
                )
            seen[key] = number
            drafts.append((number, draft))
        except _RowProblem as problem:
            log.add(number, problem.message, problem.column, problem.value)
    return drafts, row_count


def _infer_draft_minutes(
    drafts: Sequence[tuple[int, dict[str, Any]]], options: ImportOptions, log: _ErrorLog
) -> None:
    """Give the drafts without a length their queue's inferred interval length (`_infer_minutes`);
    the rows whose length cannot be told are problems, unless other rows already had some
    (inference needs the other rows: their errors are reported first)."""
    inferred, problems = _infer_minutes(
        ((d["queue_code"], d["interval_start_utc"], n) for n, d in drafts),
        options.interval_minutes,
    )
    if log.count:
        problems = []
    for number, message in problems:
        log.add(number, message, None, None)
    for _number, draft in drafts:
        draft.setdefault("interval_minutes", inferred.get(draft["queue_code"]))


def _checked_records(
    drafts: Sequence[tuple[int, dict[str, Any]]], by_field: Mapping[str, str], log: _ErrorLog
) -> tuple[list[IntervalRecord], list[int]]:
    """The records of the drafts with an allowed length starting on a 15-minute boundary, with
    their row numbers; the others are problems (a draft without a length was reported)."""
    records: list[IntervalRecord] = []
    record_rows: list[int] = []
    for number, draft in drafts:
        minutes = draft.get("interval_minutes")
        if minutes is None:
            continue  # reported by the inference
        start = draft["interval_start_utc"]
        if minutes not in ALLOWED_INTERVAL_MINUTES:
            complaint = f"interval length {minutes} min is not one of {ALLOWED_INTERVAL_MINUTES}"
        elif (start.minute % 15) or start.second or start.microsecond:
            complaint = f"interval start {start.isoformat()} is not on a 15-minute boundary"
        else:
            complaint = ""
        if complaint:
            log.add(number, complaint, by_field.get("interval_start"), None)
            continue
        records.append(IntervalRecord(**draft))
        record_rows.append(number)
    return records, record_rows


def _require_fields(by_field: Mapping[str, str], options: ImportOptions) -> None:
    missing: list[str] = []
    if "queue_code" not in by_field and options.queue_code is None:
        missing.append("queue_code (or name the queue in the request)")
    has_start = "interval_start" in by_field or "interval" in by_field
    has_split = "interval_date" in by_field and "interval_time" in by_field
    if not has_start and not has_split:
        missing.append("interval_start (or interval, or interval_date with interval_time)")
    counts = [name for name in ("offered", "answered", "abandoned") if name in by_field]
    if len(counts) < 2:
        missing.append(
            "two of offered, answered and abandoned (the third is derived: "
            "offered = answered + abandoned)"
        )
    if missing:
        raise ImportFormatError("missing required fields: " + "; ".join(missing))


def _convert_row(
    raw: Mapping[str, Any],
    by_field: Mapping[str, str],
    scales: Mapping[str, float],
    options: ImportOptions,
    localiser: _Localiser,
    reasons: Sequence[tuple[str, str]] = (),
) -> dict[str, Any]:
    queue, start, minutes = _row_interval(raw, by_field, options, localiser)
    counts, seconds = _row_numbers(raw, by_field, scales)
    offered, answered, abandoned, short, within = _row_contacts(counts, by_field)
    reason_counts = _row_reasons(raw, by_field, reasons, offered)
    handle, wait_answered = _row_times(seconds, answered)
    draft: dict[str, Any] = {
        "queue_code": queue,
        "interval_start_utc": start,
        "offered": offered,
        "answered": answered,
        "abandoned": abandoned,
        "short_abandoned": short,
        "answered_within_threshold": within,
        "handle_seconds": handle or 0.0,
        "wait_seconds_answered": wait_answered or 0.0,
        "wait_seconds_abandoned": seconds["wait_seconds_abandoned"] or 0.0,
    }
    if reason_counts:  # a key only when needed: one more per row slows a big import by 15 %
        draft["reason_counts"] = reason_counts
    if minutes is not None:
        draft["interval_minutes"] = minutes
    return draft


def _row_value(raw: Mapping[str, Any], by_field: Mapping[str, str], name: str) -> Any:
    """The row's value of a field; None when the field is not mapped or the value is blank."""
    column = by_field.get(name)
    if column is None:
        return None
    item = raw.get(column)
    if item is None or (isinstance(item, str) and item.strip() == ""):
        return None
    return item


def _row_required(raw: Mapping[str, Any], by_field: Mapping[str, str], name: str) -> Any:
    """The row's value of a mapped field, which may not be blank."""
    item = _row_value(raw, by_field, name)
    if item is None:
        raise _RowProblem(f"{by_field[name]} is empty", by_field[name])
    return item


def _row_interval(
    raw: Mapping[str, Any],
    by_field: Mapping[str, str],
    options: ImportOptions,
    localiser: _Localiser,
) -> tuple[str, datetime, int | None]:
    """The row's queue, interval start (UTC) and interval length when the row gives one: from an
    ISO 8601 interval, a start, or a local date and time; the length from the interval or its
    own column."""
    has_queue = "queue_code" in by_field
    queue = (
        _text(_row_required(raw, by_field, "queue_code")) if has_queue else str(options.queue_code)
    )
    minutes: int | None = None
    if "interval" in by_field:
        column = by_field["interval"]
        text = _text(_row_required(raw, by_field, "interval"))
        start_text, sep, end_text = text.partition("/")
        if not sep:
            raise _RowProblem(f"{column} must be an ISO 8601 interval start/end", column, text)
        start = localiser.to_utc(_parse_datetime(start_text, column), queue, column)
        end = localiser.to_utc(_parse_datetime(end_text, column), queue, column)
        length = (end - start) / timedelta(minutes=1)
        if length != int(length) or length <= 0:
            raise _RowProblem(f"{column} has a length of {length} minutes", column, text)
        minutes = int(length)
    elif "interval_start" in by_field:
        column = by_field["interval_start"]
        stamp = _parse_datetime(_text(_row_required(raw, by_field, "interval_start")), column)
        start = localiser.to_utc(stamp, queue, column)
    else:
        day = _parse_date(
            _text(_row_required(raw, by_field, "interval_date")), by_field["interval_date"]
        )
        clock = _parse_time(
            _text(_row_required(raw, by_field, "interval_time")), by_field["interval_time"]
        )
        start = localiser.to_utc(
            datetime.combine(day, clock),
            queue,
            by_field["interval_time"],
            by_field["interval_date"],
        )
    if "interval_minutes" in by_field:
        minutes = _count(
            _row_required(raw, by_field, "interval_minutes"), by_field["interval_minutes"]
        )
    return queue, start, minutes


def _row_numbers(
    raw: Mapping[str, Any], by_field: Mapping[str, str], scales: Mapping[str, float]
) -> tuple[dict[str, int | None], dict[str, float | None]]:
    """The row's counts and durations (seconds, scaled), None where not mapped or empty."""
    counts: dict[str, int | None] = dict.fromkeys(_COUNT_FIELDS)
    seconds: dict[str, float | None] = dict.fromkeys(_SECONDS_FIELDS)
    for name, column in ((n, by_field[n]) for n in _COUNT_FIELDS if n in by_field):
        item = raw.get(column)
        if item is not None and item != "":
            counts[name] = _count(item, column)
    for name, column in ((n, by_field[n]) for n in _SECONDS_FIELDS if n in by_field):
        item = raw.get(column)
        if item is not None and item != "":
            seconds[name] = _seconds(item, column, scales[name])
    return counts, seconds


def _row_contacts(
    counts: Mapping[str, int | None], by_field: Mapping[str, str]
) -> tuple[int, int, int, int, int]:
    """Offered, answered, abandoned (the third derived from the other two), short abandoned
    and answered within the threshold, checked against each other."""
    offered, answered, abandoned = counts["offered"], counts["answered"], counts["abandoned"]
    if answered is None and offered is not None and abandoned is not None:
        answered = offered - abandoned
        if answered < 0:
            raise _RowProblem(
                f"abandoned ({abandoned}) exceeds offered ({offered})", by_field["abandoned"]
            )
    elif abandoned is None and offered is not None and answered is not None:
        abandoned = offered - answered
        if abandoned < 0:
            raise _RowProblem(
                f"answered ({answered}) exceeds offered ({offered})", by_field["answered"]
            )
    if answered is None or abandoned is None:
        missing = [n for n in ("offered", "answered", "abandoned") if counts[n] is None]
        raise _RowProblem(
            f"needs two of offered, answered and abandoned; empty: {', '.join(missing)}",
            by_field.get(missing[0]),
        )
    if offered is None:
        offered = answered + abandoned
    elif offered < answered + abandoned:
        raise _RowProblem(
            f"offered ({offered}) is less than answered + abandoned ({answered + abandoned})",
            by_field["offered"],
            offered,
        )
    short = counts["short_abandoned"] or 0
    if short > abandoned:
        raise _RowProblem(
            f"short_abandoned ({short}) exceeds abandoned ({abandoned})",
            by_field.get("short_abandoned"),
            short,
        )
    within = counts["answered_within_threshold"] or 0
    if within > answered:
        raise _RowProblem(
            f"answered_within_threshold ({within}) exceeds answered ({answered})",
            by_field.get("answered_within_threshold"),
            within,
        )
    return offered, answered, abandoned, short, within


def _row_reasons(
    raw: Mapping[str, Any],
    by_field: Mapping[str, str],
    reasons: Sequence[tuple[str, str]],
    offered: int,
) -> dict[str, int]:
    """The row's contacts per reason (from the reason columns, else the `reason_counts` value),
    at most `offered` in all."""
    reason_counts: dict[str, int] = {}
    if reasons:
        for code, column in reasons:
            item = raw.get(column)
            if item is not None and not (isinstance(item, str) and not item.strip()):
                number = _count(item, column)
                if number:
                    reason_counts[code] = number
    elif "reason_counts" in by_field:
        item = _row_value(raw, by_field, "reason_counts")
        if item is not None:
            reason_counts = _reason_object(item, by_field["reason_counts"])
    if reason_counts:
        total = sum(reason_counts.values())
        if total > offered:
            raise _RowProblem(
                f"reason counts add up to {total}, more than offered ({offered})",
                by_field.get("reason_counts", "reason_counts"),
                total,
            )
    return reason_counts


def _row_times(
    seconds: Mapping[str, float | None], answered: int
) -> tuple[float | None, float | None]:
    """Handle time (given, else talk + hold + after-call work, else AHT x answered) and the wait
    of answered contacts (given, else ASA x answered)."""
    handle = seconds["handle_seconds"]
    if handle is None:
        parts = [
            seconds[n]
            for n in ("talk_seconds", "hold_seconds", "after_call_work_seconds")
            if seconds[n] is not None
        ]
        if parts:
            handle = float(sum(p for p in parts if p is not None))
        elif seconds["aht_seconds"] is not None:
            handle = seconds["aht_seconds"] * answered
    wait_answered = seconds["wait_seconds_answered"]
    if wait_answered is None and seconds["asa_seconds"] is not None:
        wait_answered = seconds["asa_seconds"] * answered
    return handle, wait_answered


def _infer_minutes(
    intervals: Iterable[tuple[str, datetime, int]], given: int | None
) -> tuple[dict[str, int], list[tuple[int, str]]]:
    """The interval length per queue of (queue, start, row) triples: the one given, else the
    smallest gap between its rows; and the rows whose length cannot be told, with why."""
    by_queue: dict[str, list[tuple[datetime, int]]] = {}
    for queue, start, number in intervals:
        by_queue.setdefault(queue, []).append((start, number))
    result: dict[str, int] = {}
    problems: list[tuple[int, str]] = []
    lonely: list[tuple[str, int]] = []
    for queue, stamps in by_queue.items():
        if given is not None:
            result[queue] = given
            continue
        ordered = sorted(s for s, _ in stamps)
        gaps = [(b - a) / timedelta(minutes=1) for a, b in zip(ordered, ordered[1:], strict=False)]
        if gaps:
            result[queue] = int(min(gaps))
        else:
            lonely.append((queue, stamps[0][1]))
    for queue, row in lonely:
        if result:  # a queue with one row takes the file's interval length
            result[queue] = min(result.values())
        else:
            problems.append(
                (
                    row,
                    f"cannot infer the interval length of queue {queue!r} from one row; "
                    "give interval_minutes",
                )
            )
    return result, problems


class BadRow:
    """A row that cannot be read as column values (wrong field count, not an object, ...)."""

    def __init__(self, message: str, column: str | None = None) -> None:
        self.message = message
        self.column = column


RowSource = Iterable[tuple[int, "Mapping[str, Any] | BadRow"]]


def _csv_reader(text: str) -> tuple[list[str], Iterator[tuple[int, list[str] | BadRow]]]:
    """The header and the data rows as (line number, values), blank rows skipped; a row of the
    wrong width is a BadRow."""
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFormatError("the CSV is empty: it needs a header row") from None
    except csv.Error as exc:
        raise ImportFormatError(f"the CSV header cannot be read: {exc}") from None
    header = [h.strip() for h in header]
    if not any(header):
        raise ImportFormatError("the CSV header row is empty")
    blank = [i + 1 for i, h in enumerate(header) if not h]
    if blank:
        raise ImportFormatError(f"the CSV header has unnamed columns at positions {blank}")
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        raise ImportFormatError(f"the CSV header repeats columns: {', '.join(duplicated)}")

    width = len(header)
    # without quoting, or a carriage return other than in CRLF, each record is one line
    one_line_records = getattr(dialect, "quotechar", '"') not in text and text.count(
        "\r"
    ) == text.count("\r\n")

    def numbered() -> Iterator[tuple[int, list[str]]]:
        """Each record with the line it starts on."""
        line = reader.line_num
        try:
            if one_line_records:  # the reader's own loop, numbered by position
                yield from enumerate(list(reader), start=line + 1)
                return
            for values in reader:
                first_line, line = line + 1, reader.line_num
                yield first_line, values
        except csv.Error as exc:
            raise ImportFormatError(f"line {reader.line_num}: unreadable CSV: {exc}") from None

    def rows() -> Iterator[tuple[int, list[str] | BadRow]]:
        for number, values in numbered():
            if not values or not "".join(values).strip():
                continue
            if len(values) != width:
                yield number, BadRow(f"row has {len(values)} fields but the header has {width}")
            else:
                yield number, values

    return header, rows()


def read_csv(text: str) -> tuple[list[str], Iterator[tuple[int, list[str] | BadRow]]]:
    """The header and the data rows of a CSV text as (line number, values), as this module
    reads them: separator sniffed, blank rows skipped, a row of the wrong width a BadRow; raises
    ImportFormatError for an unreadable header or record. Shared with the other imports."""
    return _csv_reader(text)


def parse_csv(text: str, options: ImportOptions = ImportOptions()) -> ParsedImport:
    """Parse a CSV export (comma, semicolon, tab or pipe separated, with a header row).

    A clean export of the plain columns is converted column by column (`_parse_plain`); any
    other input, and any input with a problem, goes row by row through `parse_rows`, which
    reports every problem. Both give the same result for an input both can read."""
    header, lines = _csv_reader(text)
    rows = list(lines)
    plain = _parse_plain(header, rows, options)
    if plain is not None:
        return plain
    return parse_rows(
        header,
        ((n, v if isinstance(v, BadRow) else dict(zip(header, v, strict=True))) for n, v in rows),
        options,
    )


# the fields `_parse_plain` converts; any other mapped field sends the input row by row
_PLAIN_FIELDS = frozenset(
    {"queue_code", "interval_start", "interval_minutes", *_COUNT_FIELDS}
    | {"handle_seconds", "wait_seconds_answered", "wait_seconds_abandoned"}
)


def _parse_plain(
    header: list[str], rows: list[tuple[int, list[str] | BadRow]], options: ImportOptions
) -> ParsedImport | None:
    """`parse_rows` for a clean CSV of the plain fields, a column at a time with the same
    conversions; None (use `parse_rows`) for other fields, scaled units, local timestamps, and
    at the first value or row that is not clean."""
    resolved = _plain_mapping(header, rows, options)
    if resolved is None:
        return None
    mapped, unmapped, by_field = resolved
    position = {name: header.index(column) for name, column in by_field.items()}
    columns = _plain_columns(rows, position, by_field, options)
    if columns is None:
        return None
    queues, starts, counts, seconds = columns
    contacts = _plain_contacts(counts, len(rows))
    if contacts is None or len(set(zip(queues, starts, strict=True))) != len(rows):
        return None  # a value that is not clean, or a repeated interval
    minutes = _plain_minutes(rows, position, queues, starts, options)
    if minutes is None:
        return None
    zero = [0.0] * len(rows)
    handle = seconds.get("handle_seconds", zero)
    wait_answered = seconds.get("wait_seconds_answered", zero)
    wait_abandoned = seconds.get("wait_seconds_abandoned", zero)
    # positional, in the field order of IntervalRecord (reason_counts left to its default)
    records = tuple(
        itertools.starmap(
            IntervalRecord,
            zip(
                queues,
                starts,
                minutes,
                *contacts,
                [h or 0.0 for h in handle],
                [w or 0.0 for w in wait_answered],
                [w or 0.0 for w in wait_abandoned],
                strict=True,
            ),
        )
    )
    return ParsedImport(
        records=records,
        record_rows=tuple(number for number, _ in rows),
        columns=tuple(mapped),
        unmapped_columns=tuple(unmapped),
        rows=len(rows),
        errors=(),
        error_count=0,
    )


def _plain_mapping(
    header: list[str], rows: list[tuple[int, list[str] | BadRow]], options: ImportOptions
) -> tuple[list[ColumnMapping], list[str], dict[str, str]] | None:
    """The mapped and unmapped columns and each mapped field's column, when the input can take
    the plain path: rows all readable, plain fields only, an interval_start column, no scaled
    units, an allowed interval length if one is given, nothing `parse_rows` would refuse."""
    try:
        mapped, unmapped = resolve_columns(header, options.mapping)
        by_field = {m.field: m.column for m in mapped}
        _require_fields(by_field, options)
        _zone(options.timezone)
    except ImportFormatError:
        return None  # parse_rows says why
    if (
        not rows
        or not by_field.keys() <= _PLAIN_FIELDS
        or "interval_start" not in by_field
        or any(_scale_of(m) != 1.0 for m in mapped)
        or (
            options.interval_minutes is not None
            and options.interval_minutes not in ALLOWED_INTERVAL_MINUTES
        )
        or any(isinstance(values, BadRow) for _, values in rows)
    ):
        return None
    return mapped, unmapped, by_field


def _plain_column(rows: list[tuple[int, list[str] | BadRow]], index: int) -> list[str]:
    return [values[index] for _, values in rows]  # type: ignore[index]


def _plain_columns(
    rows: list[tuple[int, list[str] | BadRow]],
    position: Mapping[str, int],
    by_field: Mapping[str, str],
    options: ImportOptions,
) -> tuple[list[str], list[datetime], dict[str, list[int]], dict[str, list[float]]] | None:
    """The queues, the interval starts (UTC), the counts and the seconds, column by column;
    None at a blank queue, a local timestamp, or a value that is not clean."""
    try:
        if "queue_code" in position:
            queues = [value.strip() for value in _plain_column(rows, position["queue_code"])]
            if not all(queues):
                return None
        else:
            queues = [str(options.queue_code)] * len(rows)
        starts = []
        for text in _plain_column(rows, position["interval_start"]):
            stamp = _parse_datetime(text.strip(), by_field["interval_start"])
            if stamp.tzinfo is None or stamp.utcoffset() is None:
                return None  # local times: the row-by-row path knows the zone's rules
            start = stamp.astimezone(UTC)
            if not in_calendar(start):
                return None
            starts.append(start)
        counts = {
            name: list(map(int, _plain_column(rows, position[name])))
            for name in _COUNT_FIELDS
            if name in position
        }
        seconds = {
            name: list(map(float, _plain_column(rows, position[name])))
            for name in ("handle_seconds", "wait_seconds_answered", "wait_seconds_abandoned")
            if name in position
        }
    except (ValueError, OverflowError, _RowProblem):
        return None  # the row-by-row path says which row and why
    if any(min(values) < 0 for values in counts.values()):
        return None
    if any(not all(0 <= x < math.inf for x in values) for values in seconds.values()):
        return None
    return queues, starts, counts, seconds


def _plain_contacts(
    counts: Mapping[str, list[int]], n: int
) -> tuple[list[int], list[int], list[int], list[int], list[int]] | None:
    """Offered, answered, abandoned (the third derived), short abandoned and answered within
    the threshold per row; None when a row's counts do not add up."""
    offered, answered, abandoned = (counts.get(k) for k in ("offered", "answered", "abandoned"))
    if answered is None:
        assert offered is not None and abandoned is not None
        answered = [o - a for o, a in zip(offered, abandoned, strict=True)]
    if abandoned is None:
        assert offered is not None
        abandoned = [o - a for o, a in zip(offered, answered, strict=True)]
    if offered is None:
        offered = [a + b for a, b in zip(answered, abandoned, strict=True)]
    short = counts.get("short_abandoned", [0] * n)
    within = counts.get("answered_within_threshold", [0] * n)
    if any(
        a < 0 or b < 0 or o < a + b or s > b or w > a
        for o, a, b, s, w in zip(offered, answered, abandoned, short, within, strict=True)
    ):
        return None
    return offered, answered, abandoned, short, within


def _plain_minutes(
    rows: list[tuple[int, list[str] | BadRow]],
    position: Mapping[str, int],
    queues: list[str],
    starts: list[datetime],
    options: ImportOptions,
) -> list[int] | None:
    """Each row's interval length (its column, else inferred per queue); None when a length
    cannot be told or is not allowed, or a start is not on a 15-minute boundary."""
    if "interval_minutes" in position:
        try:
            minutes = list(map(int, _plain_column(rows, position["interval_minutes"])))
        except ValueError:  # blank or not a whole number: the row-by-row path says which row
            return None
    else:
        numbers = [number for number, _ in rows]
        inferred, problems = _infer_minutes(
            zip(queues, starts, numbers, strict=True), options.interval_minutes
        )
        if problems:
            return None
        minutes = [inferred[q] for q in queues]
    if not set(minutes) <= set(ALLOWED_INTERVAL_MINUTES) or any(
        start.minute % 15 or start.second or start.microsecond for start in starts
    ):
        return None
    return minutes


def parse_json(items: Any, options: ImportOptions = ImportOptions()) -> ParsedImport:
    """Parse a JSON array of objects (one per interval); columns are the union of their keys."""
    if not isinstance(items, list):
        raise ImportFormatError("the JSON body must be an array of objects, one per interval")
    columns: dict[str, None] = {}
    for item in items:
        if isinstance(item, dict):
            columns.update(dict.fromkeys(str(k) for k in item))
    # the keys that hold a reason_counts object, the one nested value a row may have
    objects = {
        key
        for key in columns
        if options.mapping.get(key, "reason_counts" if _norm(key) == "reasoncounts" else "")
        == "reason_counts"
    }

    def rows() -> Iterator[tuple[int, Mapping[str, Any] | BadRow]]:
        for index, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                yield index, BadRow(f"item is a JSON {_json_kind(item)}, not an object")
                continue
            nested = [k for k, v in item.items() if isinstance(v, dict | list) and k not in objects]
            if nested:
                yield (
                    index,
                    BadRow(f"{nested[0]} holds a nested value; give a plain value", nested[0]),
                )
            else:
                yield index, item

    return parse_rows(list(columns), rows(), options)


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array"
