"""What the file imports of the API share (interval history, dialer outcomes): the body read
under the import cap, its decoding as CSV text or a JSON array, and the 422 of a rejected import
naming each bad row and field."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Literal

from fastapi import Request

from api.errors import ApiError
from wfm.adapters.acd_files import ImportFormatError
from wfm.services.history_import import ImportRejected

CSV_TYPES = ("text/csv", "text/plain", "application/csv")


async def read_upload(request: Request, limit_bytes: int) -> bytes:
    """The request body, 413 past `limit_bytes` (declared or counted)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit_bytes:
        raise ApiError(413, "too_large", f"the upload is larger than {limit_bytes // 1_000_000} MB")
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit_bytes:
            raise ApiError(
                413, "too_large", f"the upload is larger than {limit_bytes // 1_000_000} MB"
            )
        chunks.append(chunk)
    return b"".join(chunks)


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def decode_upload(raw: bytes, content_type: str) -> tuple[Literal["csv", "json"], Any]:
    """("csv", the text) or ("json", the decoded value); ImportFormatError for a body that is
    not UTF-8 or not JSON, 415 for another media type."""
    if content_type in CSV_TYPES:
        try:
            return "csv", raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFormatError(
                f"the CSV is not UTF-8 (byte {exc.start}): re-export it as UTF-8"
            ) from None
    if content_type == "application/json":
        try:
            return "json", json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ImportFormatError(f"malformed JSON: {exc}") from None
    raise ApiError(
        415,
        "unsupported_media_type",
        f"send text/csv or application/json, not {content_type or 'no type'!r}",
    )


def import_rejection(exc: Exception, unmapped_columns: Sequence[str] = ()) -> ApiError:
    """The 422 of an import refused as a whole (`import_unreadable`) or by row
    (`import_rejected`, each row's field, value and reason)."""
    if isinstance(exc, ImportRejected):
        return ApiError(
            422,
            "import_rejected",
            str(exc),
            [
                {"row": e.row, "field": e.column, "value": e.value, "message": e.message}
                for e in exc.errors
            ],
            extra={"error_count": exc.error_count, "unmapped_columns": list(unmapped_columns)},
        )
    return ApiError(422, "import_unreadable", str(exc))
