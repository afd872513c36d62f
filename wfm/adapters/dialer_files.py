"""Dialer outcomes from CSV or JSON: one row per attempt, converted a column at a time (no I/O).

The columns (CSV header) or fields (JSON objects) are those of `wfm.domain.dialer.ATTEMPT_FIELDS`,
by those names exactly. Each value is checked on its own here: ids, an instant with its offset
(one without is refused), a result from the list, revenue and seconds that are numbers >= 0.
What needs the database (known agents, campaigns and segments, ids already imported) is the
service's (`wfm.services.outbound`). Every problem is a `RowError` naming the row (CSV line, the
header being line 1; or position in the JSON array from 1) and the field.

A clean column converts in one pass (`map`); only a column with a bad value is walked value by
value to say which rows are bad, so a million clean rows cost a few seconds.
"""

from __future__ import annotations

import gc
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from wfm.adapters.acd_files import (
    MAX_REPORTED_ERRORS,
    BadRow,
    ImportFormatError,
    RowError,
    read_csv,
)
from wfm.domain.dialer import (
    ATTEMPT_FIELDS,
    ATTEMPT_RESULTS,
    MAX_ID_LENGTH,
    REQUIRED_ATTEMPT_FIELDS,
    AttemptResult,
)

T = TypeVar("T")
MAX_SECONDS = 86_400.0  # a call's talk or wrap time longer than a day is a unit error
MAX_REVENUE = 1e12
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_RESULTS = frozenset(ATTEMPT_RESULTS)
_SPACE = re.compile(r"\s")


@dataclass(frozen=True, slots=True)
class ParsedAttempts:
    """The attempts as columns (position i of every list is one attempt), or the errors."""

    rows: int
    row_numbers: list[int]
    attempt_ids: list[str]
    attempted_at_utc: list[datetime]
    agents: list[str]
    campaigns: list[str]
    segments: list[str]
    lead_ids: list[str | None]
    results: list[str]
    revenues: list[float | None]
    talk_seconds: list[float]
    wrap_seconds: list[float]
    errors: tuple[RowError, ...]
    error_count: int

    @property
    def ok(self) -> bool:
        return self.error_count == 0


class _Bad(ValueError):
    """One value refused: the message, without the field name (added by the caller)."""


class _Log:
    def __init__(self) -> None:
        self.errors: list[RowError] = []
        self.count = 0
        self.unreadable_rows = 0  # rows that are not values at all (wrong width, not an object)

    def add(self, row: int, field: str | None, message: str, value: Any = None) -> None:
        self.count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS * 5:
            shown = None if value is None else str(value)[:80]
            self.errors.append(RowError(row, message, field, shown))


def parse_attempts_csv(text: str) -> ParsedAttempts:
    """The attempts of a CSV text with a header row; ImportFormatError when the text as a whole
    cannot be read (no header, a column missing, an unknown or repeated column)."""
    with _collector_paused():
        plain = _plain_csv(text)
        log = _Log()
        if plain is not None:
            header, numbers, records = plain
        else:
            header, lines = read_csv(text)
            _check_columns(header, "the CSV has")
            numbers, records = [], []
            for number, values in lines:
                if isinstance(values, BadRow):
                    log.add(number, values.column, values.message)
                    log.unreadable_rows += 1
                    continue
                numbers.append(number)
                records.append(values)
        columns = dict(zip(header, zip(*records, strict=True), strict=False))
        empty: Sequence[Any] = ("",) * len(records)
        raw = {name: columns.get(name, empty) for name in ATTEMPT_FIELDS}
        return _convert(numbers, raw, log, texts=True)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a million rows of new objects are made (none of
    them in a cycle: reference counting frees them); its passes over the growing heap would
    cost a third of the parse."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _plain_csv(text: str) -> tuple[list[str], list[int], list[list[str]]] | None:
    """Header, line numbers and values of a CSV that needs no CSV reader: comma separated, no
    quote, line feeds (or CRLF) only, no blank line inside, every row as wide as the header,
    the header naming the fields, each once. None for any other input (`read_csv` reads it)."""
    if '"' in text:
        return None
    if "\r" in text:
        if text.count("\r") != text.count("\r\n"):
            return None
        text = text.replace("\r\n", "\n")
    lines = text.removeprefix("\ufeff").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        return None
    header = [h.strip() for h in lines[0].split(",")]
    if len(set(header)) != len(header) or not set(header) <= ATTEMPT_FIELDS.keys():
        return None
    if any(name not in header for name in REQUIRED_ATTEMPT_FIELDS):
        return None
    records = [line.split(",") for line in lines[1:]]
    if records and set(map(len, records)) != {len(header)}:
        return None  # a blank line or a row of another width: the reader says which
    return header, list(range(2, len(records) + 2)), records


def parse_attempts_json(items: Any) -> ParsedAttempts:
    """The attempts of a JSON array of objects, one per attempt."""
    if not isinstance(items, list):
        raise ImportFormatError("the JSON body must be an array of objects, one per attempt")
    keys: dict[str, None] = {}
    log = _Log()
    numbers: list[int] = []
    objects: list[Mapping[str, Any]] = []
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            log.add(index, None, f"item is a JSON {_kind(item)}, not an object")
            log.unreadable_rows += 1
            continue
        keys.update(dict.fromkeys(map(str, item)))
        numbers.append(index)
        objects.append(item)
    unknown = [k for k in keys if k not in ATTEMPT_FIELDS]
    if unknown:
        raise ImportFormatError(_unknown_message(unknown, "the JSON objects have"))
    columns = {name: [item.get(name) for item in objects] for name in ATTEMPT_FIELDS}
    return _convert(numbers, columns, log)


def _check_columns(header: Sequence[str], where: str) -> None:
    unknown = [h for h in header if h not in ATTEMPT_FIELDS]
    if unknown:
        raise ImportFormatError(_unknown_message(unknown, where))
    missing = [name for name in REQUIRED_ATTEMPT_FIELDS if name not in header]
    if missing:
        raise ImportFormatError(
            f"{where} no column {', '.join(missing)}; the columns are "
            f"{', '.join(ATTEMPT_FIELDS)} (lead_id and revenue optional)"
        )


def _unknown_message(unknown: Sequence[str], where: str) -> str:
    names = ", ".join(repr(_CONTROL.sub("?", u[:64])) for u in unknown[:5])
    return f"{where} unknown columns {names}; the columns are {', '.join(ATTEMPT_FIELDS)}"


def _convert(
    numbers: list[int], raw: Mapping[str, Sequence[Any]], log: _Log, *, texts: bool = False
) -> ParsedAttempts:
    """Each column converted and checked; the rows' problems in `log`. `texts`: every value is
    a str (CSV), which the one-pass conversions of `_FAST` need."""

    def column(name: str, convert: Callable[[Any], T]) -> list[T]:
        values = raw[name]
        if texts:
            try:
                return _FAST[convert](values)
            except (_Bad, ValueError, TypeError, OverflowError):
                pass
        return _column(values, numbers, name, convert, log)

    results = column("result", _result)
    revenues = column("revenue", _revenue)
    for number, result, revenue in zip(numbers, results, revenues, strict=True):
        if revenue and result is not None and result != AttemptResult.SALE:
            log.add(number, "revenue", f"revenue {revenue:g} given for a {result}", revenue)
    revenues = [
        r if result == AttemptResult.SALE else None
        for r, result in zip(revenues, results, strict=True)
    ]
    parsed = ParsedAttempts(
        rows=len(numbers) + log.unreadable_rows,
        row_numbers=numbers,
        attempt_ids=column("attempt_id", _attempt_id),
        attempted_at_utc=column("attempted_at", _instant),
        agents=column("agent", _code),
        campaigns=column("campaign", _code),
        segments=column("segment", _code),
        lead_ids=column("lead_id", _lead_id),
        results=results,
        revenues=revenues,
        talk_seconds=column("talk_seconds", _seconds),
        wrap_seconds=column("wrap_seconds", _seconds),
        errors=(),
        error_count=0,
    )
    if not log.count:
        return parsed
    errors = sorted(log.errors, key=lambda e: e.row)[:MAX_REPORTED_ERRORS]
    return replace(parsed, errors=tuple(errors), error_count=log.count)


def _column(
    values: Sequence[Any], numbers: list[int], name: str, convert: Callable[[Any], T], log: _Log
) -> list[T]:
    """`convert` over the column in one pass; on a refusal, value by value, each refusal logged
    against its row and the field (the list then holds None where a value was refused)."""
    try:
        return list(map(convert, values))
    except (_Bad, ValueError, TypeError, OverflowError):
        pass
    converted: list[Any] = []
    for number, value in zip(numbers, values, strict=True):
        try:
            converted.append(convert(value))
        except (_Bad, ValueError, TypeError, OverflowError) as exc:
            message = str(exc) if isinstance(exc, _Bad) else "is not readable"
            log.add(number, name, f"{name} {message}", value)
            converted.append(None)
    return converted


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if value is None:
        return ""
    raise _Bad(f"is a JSON {_kind(value)}, not text")


def _attempt_id(value: Any) -> str:
    text = _text(value)
    if not text:
        raise _Bad("is missing")
    if len(text) > MAX_ID_LENGTH or _CONTROL.search(text):
        raise _Bad(f"must be 1 to {MAX_ID_LENGTH} characters without control characters")
    return text


def _lead_id(value: Any) -> str | None:
    text = _text(value)
    if not text:
        return None
    if len(text) > MAX_ID_LENGTH or _CONTROL.search(text):
        raise _Bad(f"must be at most {MAX_ID_LENGTH} characters without control characters")
    return text


def _code(value: Any) -> str:
    text = _text(value)
    if not text:
        raise _Bad("is missing")
    return text


def _result(value: Any) -> str:
    text = _text(value)
    if text not in _RESULTS:
        shown = "is missing" if not text else f"{text[:40]!r} is not a result"
        raise _Bad(f"{shown}: one of {', '.join(ATTEMPT_RESULTS)}")
    return text


def _instant(value: Any) -> datetime:
    if not isinstance(value, str) or not value.strip():
        raise _Bad(
            "is missing: an ISO 8601 instant with an offset (e.g. 2025-03-03T18:05:00+01:00)"
        )
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise _Bad(
            f"{value.strip()[:40]!r} is not an ISO 8601 instant (e.g. 2025-03-03T18:05:00+01:00)"
        ) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise _Bad(f"{value.strip()[:40]!r} has no offset; add one (e.g. Z or +01:00)")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise _Bad(f"{value.strip()[:40]!r} lies outside the calendar in UTC") from None


def _number(value: Any) -> float | None:
    """A finite number from a JSON number or a text; None for empty; _Bad otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _Bad(f"is a JSON {_kind(value)}, not a number")
    try:
        number = float(value)
    except ValueError:
        raise _Bad(f"{str(value)[:40]!r} is not a number") from None
    if not math.isfinite(number):
        raise _Bad(f"{str(value)[:40]!r} is not a finite number")
    return number


def _revenue(value: Any) -> float | None:
    number = _number(value)
    if number is not None and not 0 <= number <= MAX_REVENUE:
        raise _Bad(f"{number:g} must be between 0 and {MAX_REVENUE:g}")
    return number


def _seconds(value: Any) -> float:
    number = _number(value)
    if number is None:
        raise _Bad("is missing: seconds >= 0")
    if not 0 <= number <= MAX_SECONDS:
        raise _Bad(f"{number:g} must be between 0 and {MAX_SECONDS:g} seconds")
    return number


# One pass over a whole column of plain values, for the common case of a clean import: each
# raises at the first value it cannot vouch for, and the column then goes value by value.


def _joined(values: Sequence[str]) -> str:
    return "|".join(values)


def _fast_texts(values: Sequence[str]) -> list[str]:
    texts = [v.strip() for v in values] if _SPACE.search(_joined(values)) else list(values)
    if "" in texts:
        raise _Bad("empty")
    return texts


def _fast_ids(values: Sequence[str]) -> list[str]:
    texts = _fast_texts(values)
    if texts and (max(map(len, texts)) > MAX_ID_LENGTH or _CONTROL.search(_joined(texts))):
        raise _Bad("long or control")
    return texts


def _fast_lead_ids(values: Sequence[str]) -> list[str | None]:
    joined = _joined(values)
    texts = [v.strip() for v in values] if _SPACE.search(joined) else values
    if texts and (max(map(len, texts)) > MAX_ID_LENGTH or _CONTROL.search(joined)):
        raise _Bad("long or control")
    return [t or None for t in texts]


def _fast_results(values: Sequence[str]) -> list[str]:
    if not set(values) <= _RESULTS:
        raise _Bad("not a result")
    return list(values)


def _fast_instants(values: Sequence[str]) -> list[datetime]:
    moments = list(map(datetime.fromisoformat, values))
    if None in set(map(datetime.utcoffset, moments)):
        raise _Bad("no offset")
    return [m.astimezone(UTC) for m in moments]


def _fast_seconds(values: Sequence[str]) -> list[float]:
    numbers = list(map(float, values))
    if numbers and not (
        min(numbers) >= 0 and max(numbers) <= MAX_SECONDS and math.isfinite(math.fsum(numbers))
    ):
        raise _Bad("out of range")
    return numbers


def _fast_revenue(values: Sequence[str]) -> list[float | None]:
    numbers = [float(v) if v else None for v in values]
    given = [n for n in numbers if n is not None]
    if given and not (
        min(given) >= 0 and max(given) <= MAX_REVENUE and math.isfinite(math.fsum(given))
    ):
        raise _Bad("out of range")
    return numbers


_FAST: dict[Callable[[Any], Any], Callable[[Sequence[str]], list[Any]]] = {
    _attempt_id: _fast_ids,
    _lead_id: _fast_lead_ids,
    _code: _fast_texts,
    _result: _fast_results,
    _instant: _fast_instants,
    _seconds: _fast_seconds,
    _revenue: _fast_revenue,
}


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "object" if isinstance(value, dict) else "array"
