"""Every error becomes a JSON body `{"error": kind, "detail": one line, "errors": [...]}`.

Domain errors (`wfm.domain.errors`) map to HTTP statuses here and only here.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError, IntegrityError, OperationalError, StatementError
from starlette.exceptions import HTTPException as StarletteHTTPException

from wfm.domain.errors import (
    AlreadyExistsError,
    ConfigurationError,
    ConflictError,
    DatabaseNotReadyError,
    NotFoundError,
    ValidationError,
    WfmError,
)

log = logging.getLogger("wfm.api")

STATUS_OF: dict[type[WfmError], tuple[int, str]] = {
    NotFoundError: (404, "not_found"),
    AlreadyExistsError: (409, "already_exists"),
    ConflictError: (409, "conflict"),
    ValidationError: (422, "invalid"),
    DatabaseNotReadyError: (503, "database_not_ready"),
    ConfigurationError: (503, "misconfigured"),
}


class FieldError(BaseModel):
    """One problem of the request: where it is and why it is refused."""

    field: str | None = Field(
        default=None,
        description="Dotted path of the field (`body.site_code`, `query.start`) or the column.",
        examples=["body.service_level_target"],
    )
    row: int | None = Field(
        default=None,
        description="For imports: the CSV line number (the header is line 1) or JSON position.",
        examples=[14],
    )
    value: str | None = Field(default=None, description="The offending value, shortened.")
    message: str = Field(
        description="Why the value is refused.", examples=["must be between 0 and 1"]
    )


class ErrorBody(BaseModel):
    """The body of every 4xx and 5xx response."""

    error: str = Field(description="Kind of error, stable for clients.", examples=["not_found"])
    detail: str = Field(
        description="One line saying what went wrong.", examples=["no queue 'retail'"]
    )
    errors: list[FieldError] = Field(
        default_factory=list, description="Per-field or per-row problems, when there are any."
    )


class ApiError(Exception):
    """An error raised by an endpoint with its status, kind and per-field details."""

    def __init__(
        self,
        status: int,
        error: str,
        detail: str,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.error = error
        self.detail = detail
        self.errors = errors or []
        self.headers = headers
        self.extra = extra or {}


# what an error body must not carry verbatim: a lone surrogate cannot be encoded as UTF-8 (the
# response would fail), and control characters garble logs and terminals that show it
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def printable(text: str) -> str:
    """`text` with lone surrogates and control characters escaped (`\\x00`, `\\ud800`)."""
    return _UNPRINTABLE.sub(lambda m: repr(m.group())[1:-1], text)


def _printable_error(item: dict[str, Any]) -> dict[str, Any]:
    return {k: printable(v) if isinstance(v, str) else v for k, v in item.items()}


def error_response(
    status: int,
    error: str,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "error": error,
        "detail": printable(detail),
        "errors": [_printable_error(item) for item in errors or []],
    }
    body.update(extra or {})
    return JSONResponse(status_code=status, content=body, headers=headers)


def _loc(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in loc)


def _short(value: Any) -> str | None:
    if value is None:
        return None
    text = repr(value) if not isinstance(value, str) else printable(value)
    return text if len(text) <= 100 else text[:97] + "..."


def validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    errors = []
    for item in exc.errors():
        message = str(item.get("msg", "is invalid")).removeprefix("Value error, ")
        loc = tuple(item.get("loc", ()))
        value = _short(item.get("input")) if item.get("type") != "missing" else None
        if item.get("type") == "json_invalid":
            reason = item.get("ctx", {}).get("error", message)
            where = f" at character {loc[1]}" if len(loc) > 1 else ""
            message = f"malformed JSON{where}: {reason}"
            loc, value = loc[:1], None
        errors.append({"field": _loc(loc), "row": None, "value": value, "message": message})
    return errors


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.error, exc.detail, exc.errors, exc.headers, exc.extra)

    @app.exception_handler(WfmError)
    async def _domain_error(_request: Request, exc: WfmError) -> JSONResponse:
        status, kind = 422, "invalid"
        for cls in type(exc).__mro__:
            if cls in STATUS_OF:
                status, kind = STATUS_OF[cls]
                break
        return error_response(status, kind, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_errors(exc)
        first = errors[0] if errors else {"field": "request", "message": "is invalid"}
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        return error_response(422, "invalid", f"{first['field']}: {first['message']}{more}", errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and "parsing the body" in str(exc.detail):
            return error_response(
                422,
                "invalid",
                "body: malformed JSON (not UTF-8 text, or unreadable)",
                [{"field": "body", "message": "malformed JSON: not UTF-8 text, or unreadable"}],
            )
        kinds = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized"}
        return error_response(
            exc.status_code,
            kinds.get(exc.status_code, "http_error"),
            str(exc.detail),
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(IntegrityError)
    async def _integrity(_request: Request, exc: IntegrityError) -> JSONResponse:
        detail = str(exc.orig).strip().splitlines()[0] if exc.orig else "constraint violated"
        return error_response(409, "conflict", f"the change conflicts with stored data: {detail}")

    @app.exception_handler(DataError)
    async def _refused_value(_request: Request, exc: DataError) -> JSONResponse:
        # the database refused a value the request brought (NUL in text, a number or date out of
        # its range): validation should have caught it, hence the warning with the statement
        detail = str(exc.orig).strip().splitlines()[0] if exc.orig else "value refused"
        log.warning("database refused a value: %s", exc)
        return error_response(422, "invalid", f"the database refused a value: {detail}")

    @app.exception_handler(StatementError)
    async def _unbindable(_request: Request, exc: StatementError) -> JSONResponse:
        # a date at the end of the calendar that a column type could not convert; any other
        # statement error is a fault of the server and stays a 500 (the handler below)
        if not isinstance(exc.orig, OverflowError):
            raise exc
        log.warning("a value could not be bound: %s", exc)
        return error_response(422, "invalid", f"a date or number is out of range: {exc.orig}")

    @app.exception_handler(OperationalError)
    async def _unavailable(_request: Request, exc: OperationalError) -> JSONResponse:
        detail = str(exc.orig).strip().splitlines()[0] if exc.orig else "database error"
        log.warning("database unavailable: %s", detail)
        return error_response(
            503,
            "database_unavailable",
            f"the database did not answer: {detail}",
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return error_response(
            500, "internal", f"unexpected server error ({type(exc).__name__}); see the log"
        )


COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "No bearer token, or an unknown or revoked one."},
    403: {"model": ErrorBody, "description": "The token's role lacks the permission."},
    422: {"model": ErrorBody, "description": "The request is malformed; `errors` says where."},
    503: {"model": ErrorBody, "description": "The database is unreachable or not migrated."},
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses: the common ones plus 404/409 bodies where an endpoint has them."""
    extra = {
        404: {"model": ErrorBody, "description": "A named entity does not exist."},
        409: {"model": ErrorBody, "description": "The request conflicts with stored state."},
        413: {"model": ErrorBody, "description": "The upload is larger than allowed."},
        415: {"model": ErrorBody, "description": "The body's content type is not accepted."},
    }
    result = dict(COMMON_RESPONSES)
    for status in statuses:
        result[status] = extra[status]
    return result
