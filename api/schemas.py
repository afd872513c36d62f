"""Schema building blocks shared by the resources."""

from __future__ import annotations

from datetime import time
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Path
from pydantic import (
    AfterValidator,
    BaseModel,
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
Name = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]


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
