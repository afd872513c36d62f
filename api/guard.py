"""ASGI middleware in front of the application.

`SecurityHeaders` adds the browser protections to every answer. `RequestGuard` decides what a
request may cost before the application sees it:

* every /v1 request (but reads of OPEN_PATH_PREFIXES: calendar subscription links) is
  authenticated from its Authorization header before a byte of its body is read, and before
  the admission gate (`api.app.ConcurrencyLimit`) is taken: a client without a valid token is
  answered 401 at once and never holds a place that authenticated work waits for;
* a client address whose tokens keep being refused is answered 429 for a while
  (`FailureThrottle`);
* a body is read here, before the gate, against a size cap (413, from Content-Length up front
  and by counting as it streams) and a deadline that a stalled or trickling body misses (408,
  connection closed); a JSON body nested deeper than a limit is refused (422) before any parser
  recurses into it. The application then reads the body from memory.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from itertools import accumulate
from typing import Any

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import PRINCIPAL_KEY, authenticate, bearer_secret, known_principal
from api.errors import ApiError, error_response
from api.settings import ApiSettings

API_PREFIX = "/v1"
# capped by api_max_import_megabytes
IMPORT_PATHS = frozenset({"/v1/history/import", "/v1/outbound/attempts"})
BATCH_PATHS = frozenset({"/v1/agent-events", "/v1/queue-snapshots"})  # api_max_batch_megabytes
# /v1 paths served to GET without a token: a calendar app polls an agent's subscription link
# (api.me.calendar_feed) and cannot send an Authorization header; the secret in the path is the
# credential. Their 404s are not counted as refused tokens: calendar services poll many users'
# links from few addresses, and a revoked link must not lock out the others (a 256-bit secret
# is not worth guessing). They still wait for the admission gate and have their bodies capped.
OPEN_PATH_PREFIXES = ("/v1/calendar-feeds/",)
OPEN_METHODS = frozenset({"GET"})
THROTTLED_ADDRESSES = 10_000  # client addresses whose failures are remembered, most recent first

# Security headers ---------------------------------------------------------------------------------

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# the Swagger UI page: its scripts and styles come from this server only (api.docs); the UI
# sets inline style attributes and shows data: images
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'none'"
)
COMMON_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
}


class SecurityHeaders:
    """nosniff, no framing, no referrer and a Content-Security-Policy on every HTTP answer; the
    docs pages (paths under `docs_prefix`) get a policy that lets their own scripts run."""

    def __init__(self, app: ASGIApp, docs_prefix: str = "/docs") -> None:
        self.app = app
        self.docs_prefix = docs_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        csp = DOCS_CSP if path.startswith(self.docs_prefix) else API_CSP

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in COMMON_HEADERS.items():
                    headers.setdefault(name, value)
                headers.setdefault("content-security-policy", csp)
            await send(message)

        await self.app(scope, receive, send_with_headers)


# Failed authentication ---------------------------------------------------------------------------


class FailureThrottle:
    """Failed authentications per client address, counted in fixed windows of `window_seconds`
    from an address's first failure; an address with `max_failures` in its window waits for the
    window's end. Remembers at most `size` addresses (the least recently failing are forgotten
    first), so a flood of addresses costs bounded memory. Not thread-safe: used on one event loop.
    """

    def __init__(
        self,
        max_failures: int,
        window_seconds: float,
        size: int = THROTTLED_ADDRESSES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self.size = size
        self.clock = clock
        self._windows: OrderedDict[str, tuple[float, int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._windows)

    def wait_seconds(self, address: str) -> float | None:
        """How long `address` must wait before trying again, or None when it may try now."""
        if self.max_failures <= 0:
            return None
        window = self._windows.get(address)
        if window is None:
            return None
        started, failures = window
        remaining = started + self.window_seconds - self.clock()
        if remaining <= 0:
            del self._windows[address]
            return None
        return remaining if failures >= self.max_failures else None

    def failed(self, address: str) -> None:
        """Count a failed authentication of `address`."""
        if self.max_failures <= 0:
            return
        now = self.clock()
        started, failures = self._windows.get(address, (now, 0))
        if now - started >= self.window_seconds:
            started, failures = now, 0
        self._windows[address] = (started, failures + 1)
        self._windows.move_to_end(address)
        while len(self._windows) > self.size:
            self._windows.popitem(last=False)


# JSON nesting -------------------------------------------------------------------------------------

_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = [0] * 256
_STEP[ord("[")] = _STEP[ord("{")] = 1
_STEP[ord("]")] = _STEP[ord("}")] = -1
_THREAD_SCAN_BYTES = 256 * 1024  # bodies larger than this are scanned off the event loop


def json_depth_exceeds(body: bytes, limit: int) -> bool:
    """Whether the JSON text `body` nests arrays and objects deeper than `limit`.

    Strings are taken out first (a bracket inside one is text). For malformed JSON the answer
    errs towards True: a parser fails at the first error, having nested no deeper than the
    brackets before it, which are all counted here."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    if b"\x00" in body:  # UTF-16 or UTF-32, which json.loads accepts too
        try:
            body = body.decode(json.detect_encoding(body)).encode()
        except (UnicodeDecodeError, LookupError):
            return False  # not JSON text: its parser refuses it before nesting
    structure = _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKET)
    return max(accumulate(map(_STEP.__getitem__, structure)), default=0) > limit


def _is_json(headers: Headers) -> bool:
    """Whether the body will be read as JSON: a JSON content type, or none at all."""
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    return content_type in ("", "application/json") or content_type.endswith("+json")


# The guard ----------------------------------------------------------------------------------------


class BodyRefused(Exception):
    """The body is refused; `response` says why."""

    def __init__(self, response: ASGIApp) -> None:
        super().__init__()
        self.response = response


class ClientGone(Exception):
    """The client disconnected before its body was complete."""


def _refusal(
    status: int, error: str, detail: str, errors: list[dict[str, Any]] | None = None
) -> JSONResponse:
    """An answer given without reading (the rest of) the body: the connection closes after it."""
    return error_response(status, error, detail, errors, headers={"Connection": "close"})


class RequestGuard:
    """Authentication before anything else on /v1, then the body read under a cap, a deadline
    and a nesting limit (see the module's description). Sits outside the admission gate."""

    def __init__(self, app: ASGIApp, settings: ApiSettings) -> None:
        self.app = app
        self.settings = settings
        self.throttle = FailureThrottle(
            settings.api_auth_failures_per_window, settings.api_auth_failure_window_seconds
        )
        self.body_limit_bytes = int(settings.api_max_body_megabytes * 1_000_000)
        self.import_limit_bytes = int(settings.api_max_import_megabytes * 1_000_000)
        self.batch_limit_bytes = int(settings.api_max_batch_megabytes * 1_000_000)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        if _needs_token(scope.get("method", ""), path):
            refusal = await self._authenticate(scope)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        headers = Headers(scope=scope)
        if not _has_body(headers):
            await self.app(scope, receive, send)
            return
        try:
            chunks = await self._read_body(scope, headers, receive)
        except BodyRefused as refused:
            await refused.response(scope, receive, send)
            return
        except ClientGone:
            return
        await self.app(scope, _replay(chunks, receive), send)

    async def _authenticate(self, scope: Scope) -> ASGIApp | None:
        """None when the request's token is good (its owner left in the scope's state), else the
        answer: 401, or 429 for a token that is not known good already, from an address whose
        tokens were refused too often (a request without a token costs nothing and is not
        counted; a token the cache vouches for passes, so one failing client does not lock out
        the others behind the same address)."""
        headers = Headers(scope=scope)
        secret = bearer_secret(headers.get("authorization"))
        state = scope["app"].state
        principal = known_principal(state, secret) if secret else None
        if principal is None:
            client = scope.get("client")
            address = str(client[0]) if client else "unknown"
            wait = self.throttle.wait_seconds(address) if secret else None
            if wait is not None:
                seconds = max(1, math.ceil(wait))
                return error_response(
                    429,
                    "too_many_requests",
                    f"too many refused tokens from this address; retry in {seconds} s",
                    headers={"Retry-After": str(seconds), "Connection": "close"},
                )
            try:
                principal = await authenticate(state, secret)
            except ApiError as exc:
                if secret:
                    self.throttle.failed(address)
                extra = {"Connection": "close"} if _has_body(headers) else {}  # body not awaited
                return error_response(
                    exc.status, exc.error, exc.detail, exc.errors, {**(exc.headers or {}), **extra}
                )
        scope.setdefault("state", {})[PRINCIPAL_KEY] = principal
        return None

    async def _read_body(self, scope: Scope, headers: Headers, receive: Receive) -> deque[bytes]:
        """The body's chunks, read before the deadline and within the cap; raises BodyRefused
        (413, 408 or 422) or ClientGone."""
        path = scope.get("path", "")
        limit = self.body_limit_bytes
        if path in IMPORT_PATHS:
            limit = self.import_limit_bytes
        elif path in BATCH_PATHS:
            limit = self.batch_limit_bytes
        too_large = _refusal(
            413,
            "too_large",
            f"the request body is larger than {limit:,} bytes",
            [{"field": "body", "message": f"larger than {limit:,} bytes"}],
        )
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise BodyRefused(too_large)
        min_rate = self.settings.api_body_min_kilobytes_per_second * 1024
        loop = asyncio.get_running_loop()
        started = loop.time()
        chunks: deque[bytes] = deque()
        size = 0
        more = True
        while more:
            # the deadline moves on with every byte received, at the slowest rate allowed
            deadline = started + self.settings.api_body_timeout_seconds + size / min_rate
            try:
                remaining = max(0.0, deadline - loop.time())
                message = await asyncio.wait_for(receive(), timeout=remaining)
            except TimeoutError:
                raise BodyRefused(
                    _refusal(
                        408,
                        "request_timeout",
                        "the request body arrived too slowly; the connection is closed",
                    )
                ) from None
            if message["type"] == "http.disconnect":
                raise ClientGone
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise BodyRefused(too_large)
            if chunk:
                chunks.append(chunk)
            more = message.get("more_body", False)
        if _is_json(headers):
            await self._check_nesting(chunks, size)
        return chunks

    async def _check_nesting(self, chunks: deque[bytes], size: int) -> None:
        body = b"".join(chunks)
        chunks.clear()
        chunks.append(body)  # one copy of the body, not two
        depth = self.settings.api_max_json_depth
        if size > _THREAD_SCAN_BYTES:
            deep = await run_in_threadpool(json_depth_exceeds, body, depth)
        else:
            deep = json_depth_exceeds(body, depth)
        if deep:
            raise BodyRefused(
                error_response(
                    422,
                    "invalid",
                    f"body: JSON nested deeper than {depth} levels",
                    [{"field": "body", "message": f"nested deeper than {depth} levels"}],
                )
            )


def _needs_token(method: str, path: str) -> bool:
    """Whether a request must be authenticated: every /v1 path but the open ones' reads."""
    if not (path == API_PREFIX or path.startswith(API_PREFIX + "/")):
        return False
    return not (method in OPEN_METHODS and path.startswith(OPEN_PATH_PREFIXES))


def _has_body(headers: Headers) -> bool:
    declared = headers.get("content-length")
    if declared is not None:
        return declared.strip() not in ("", "0")
    return "transfer-encoding" in headers


def _replay(chunks: deque[bytes], receive: Receive) -> Receive:
    """A `receive` that hands out the body read already (letting go of each chunk), then waits
    on the connection as the original does (for the client's disconnect)."""
    done = False

    async def replay() -> Message:
        nonlocal done
        if not done:
            body = chunks.popleft() if chunks else b""
            done = not chunks
            return {"type": "http.request", "body": body, "more_body": not done}
        return await receive()

    return replay


# The guard's answers in the OpenAPI document ------------------------------------------------------

_ERROR_BODY = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
GUARD_RESPONSES = {
    "429": "Too many refused tokens from this address; wait `Retry-After` seconds.",
}
BODY_RESPONSES = {
    "408": "The request body arrived too slowly; the connection is closed.",
    "413": "The request body is larger than allowed.",
}


def document_guard(app: FastAPI) -> None:
    """Add the guard's answers (429 on every /v1 operation; 408 and 413 on those with a body)
    to the app's OpenAPI document."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()
        for path, item in schema.get("paths", {}).items():
            if not (path == API_PREFIX or path.startswith(API_PREFIX + "/")):
                continue
            for operation in item.values():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                extra = dict(GUARD_RESPONSES)
                if "requestBody" in operation:
                    extra.update(BODY_RESPONSES)
                for status, description in extra.items():
                    operation["responses"].setdefault(
                        status, {"description": description, "content": _ERROR_BODY}
                    )
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
