"""Schema building blocks shared by the resources."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Path, Query
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)

from api.errors import ApiError

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"

Code = Annotated[
    str,
    StringConstraints(pattern=CODE_PATTERN),
    Field(description="Identifier: letters, digits, `_`, `.`, `-`; 1 to 64 characters."),
]

# --- text: what a request may store or echo ---------------------------------------------------

# a lone surrogate cannot be written as UTF-8 (the JSON encoder and the database refuse it); a
# control character (NUL above all, which PostgreSQL refuses in text) has no place in a name
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_LAYOUT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _no_surrogate(value: Any) -> Any:
    if isinstance(value, str) and (found := _SURROGATE.search(value)):
        raise ValueError(
            f"contains a lone surrogate (U+{ord(found.group()):04X} at position "
            f"{found.start()}), which is not Unicode text"
        )
    return value


def _control_refused(value: str, pattern: re.Pattern[str], allowed: str) -> str:
    if found := pattern.search(value):
        raise ValueError(
            f"contains the control character U+{ord(found.group()):04X} at position "
            f"{found.start()}; {allowed}"
        )
    return value


def _one_line(value: str) -> str:
    return _control_refused(value, _CONTROL, "text here is one line without control characters")


def _free_text(value: str) -> str:
    return _control_refused(
        value, _CONTROL_BUT_LAYOUT, "only tab, line feed and carriage return are allowed"
    )


Text = Annotated[str, BeforeValidator(_no_surrogate), AfterValidator(_one_line)]
"""One line of text: no lone surrogate, no control character (tab and newline included)."""

FreeText = Annotated[str, BeforeValidator(_no_surrogate), AfterValidator(_free_text)]
"""Free text (notes): no lone surrogate; tab, line feed and carriage return are the only
control characters allowed."""


def _one_line_before_strip(value: Any) -> Any:
    # checked before stripping: str.strip() would quietly drop edge controls such as \x1f
    _no_surrogate(value)
    return _one_line(value) if isinstance(value, str) else value


Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200, strip_whitespace=True),
    BeforeValidator(_one_line_before_strip),  # placed after: the constraints keep their order
]

TeamName = Annotated[
    str,
    StringConstraints(max_length=64, strip_whitespace=True),
    BeforeValidator(_one_line_before_strip),
]
"""A team's name: one line, any script, trimmed, up to 64 characters; "" is no team."""


# --- dates: the calendar window of requests -----------------------------------------------------

# The product adds days and weeks to the dates it is given and converts moments between UTC and
# local time; at the ends of the calendar (years 1 and 9999) that arithmetic overflows. Every date
# and moment of a request must lie in this window, which leaves years of room either side.
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2999, 12, 31)
DATE_WINDOW = f"dates and moments lie between {EARLIEST_DAY} and {LATEST_DAY}"


def _day_in_window(value: date | None) -> date | None:
    if value is not None and not EARLIEST_DAY <= value <= LATEST_DAY:
        raise ValueError(f"must lie between {EARLIEST_DAY} and {LATEST_DAY}")
    return value


def _moment_in_window(value: datetime | None) -> datetime | None:
    # the date on its own clock: within the window, converting to UTC or to any site's time
    # moves it by less than two days and cannot leave the calendar
    if value is not None:
        _day_in_window(value.date())
    return value


Day = Annotated[date, AfterValidator(_day_in_window)]
"""A date between EARLIEST_DAY and LATEST_DAY."""

Moment = Annotated[datetime, AfterValidator(_moment_in_window)]
"""A datetime (with or without an offset) whose own date lies in the window."""

AwareMoment = Annotated[AwareDatetime, AfterValidator(_moment_in_window)]
"""A datetime with an offset whose own date lies in the window."""


def code_path(what: str) -> Any:
    return Path(pattern=CODE_PATTERN, description=f"Code of the {what}.", examples=["demo"])


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not an IANA timezone (e.g. Europe/Paris)") from None
    return value


TimezoneName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64),
    AfterValidator(_check_timezone),
    Field(description="IANA timezone name.", examples=["Europe/Paris"]),
]


def _naive_time(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("a local wall-clock time carries no timezone (e.g. 09:00)")
    return value


LocalTime = Annotated[
    time,
    AfterValidator(_naive_time),
    PlainSerializer(lambda t: t.strftime("%H:%M:%S"), return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$",
            "description": "Local wall-clock time, HH:MM or HH:MM:SS.",
            "examples": ["09:00"],
        }
    ),
]


class Input(BaseModel):
    """Request bodies refuse fields they do not know."""

    model_config = ConfigDict(extra="forbid")


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def changes(update: BaseModel, *, nullable: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The fields a PATCH body sets; an explicit null on a field that cannot be empty is 422."""
    values = update.model_dump(exclude_unset=True)
    bad = [name for name, value in values.items() if value is None and name not in nullable]
    if bad:
        raise ApiError(
            422,
            "invalid",
            f"body.{bad[0]}: cannot be null",
            [{"field": f"body.{name}", "message": "cannot be null"} for name in bad],
        )
    if not values:
        raise ApiError(
            422,
            "invalid",
            "body: names no field to change",
            [{"field": "body", "message": "give at least one field to change"}],
        )
    return {name: getattr(update, name) for name in values}


def check_range(start: Any, end: Any) -> None:
    if start is not None and end is not None and end <= start:
        raise ApiError(
            422,
            "invalid",
            "query.end: must be after start",
            [{"field": "query.end", "message": "must be after start"}],
        )


def at_most(rows: list[Any], limit: int) -> list[Any]:
    if len(rows) > limit:
        raise ApiError(
            422,
            "invalid",
            f"query: {len(rows)} rows match, more than {limit}; narrow with queue, start, end",
            [{"field": "query.start", "message": f"narrow the read below {limit} rows"}],
        )
    return rows


# A query parameter declared `start: Day = Query(...)` would lose Day's validator: FastAPI keeps
# only the bare type of an annotation whose default is a `Query`. These attach it to the Query.


def day_query(**kwargs: Any) -> Any:
    """A `date` query parameter held to the calendar window (422 naming it otherwise)."""
    param = Query(**kwargs)
    param.metadata.append(AfterValidator(_day_in_window))
    return param


def moment_query(**kwargs: Any) -> Any:
    """A `datetime` query parameter whose own date is held to the calendar window."""
    param = Query(**kwargs)
    param.metadata.append(AfterValidator(_moment_in_window))
    return param
