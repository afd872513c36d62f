"""The FastAPI application: `create_app(settings)` wires routers, errors and the database."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from sqlalchemy import Engine, event
from starlette.types import ASGIApp, Receive, Scope, Send

from api.cache import TtlCache
from api.deps import TOKEN_LOOKUPS
from api.docs import install_docs
from api.errors import ErrorBody, install_error_handlers
from api.guard import RequestGuard, SecurityHeaders, document_guard
from api.health import HEALTH_DESCRIPTION, HealthRead, health_answer
from api.me.calendar_feed import hide_feed_secrets
from api.settings import ApiSettings
from wfm.db.session import make_engine, session_factory, sqlite_file
from wfm.services.warm_up import warm_up

log = logging.getLogger("wfm.api")

API_PREFIX = "/v1"

DESCRIPTION = """
Contact-centre workforce management: organisation (sites, queues, segments, campaigns, agents),
interval history import, KPIs, forecasts, staffing requirements, rosters and background jobs.

**Auth.** Every endpoint but `/health` and an agent's calendar subscription link
(`GET /v1/calendar-feeds/{secret}.ics`, whose secret is its credential) needs
`Authorization: Bearer <token>`; tokens are created with
`wfm token create --role ROLE --name NAME [--agent CODE]`. Roles: `admin` (everything),
`planner` (organisation, history, forecasts, schedules, publishing), `floor_manager` (reads and
intraday changes), `executive` (KPIs), `agent` (their own schedule). No token or an unknown one is
401; a role without the permission is 403.

**Errors.** Every 4xx/5xx body is `{"error": kind, "detail": one line, "errors": [...]}`; `errors`
names the field (or the import row and column) and why. Writes are all-or-nothing.

**Jobs.** Forecasts, requirements and rosters run in the worker (`wfm worker`): their `POST`
answers 202 with a job; poll `GET /v1/jobs/{id}`.

Datetimes are ISO 8601 with an offset (UTC in answers); quantities carry their unit in the name;
service level and rates are fractions in [0, 1]. Dates and datetimes of a request lie between
1900-01-01 and 2999-12-31 (a datetime by its own date); others are 422, naming the field.
"""

TAGS = [
    {"name": "health", "description": "Liveness and database readiness (no auth)."},
    {"name": "me", "description": "The caller's token, role and permissions."},
    {"name": "sites", "description": "Contact-centre sites and their timezone."},
    {"name": "queues", "description": "Inbound queues with their service targets."},
    {"name": "segments", "description": "Customer segments that outbound campaigns target."},
    {"name": "campaigns", "description": "Outbound campaigns (telesales, surveys, callbacks)."},
    {"name": "agents", "description": "Agents, contracts, skills, availability and time off."},
    {"name": "history", "description": "Interval history from the ACD: import and read."},
    {
        "name": "outbound",
        "description": "Dialer outcomes (import), lead lists, callbacks and campaign targets.",
    },
    {"name": "kpis", "description": "Service KPIs from history; forecast accuracy."},
    {"name": "staffing", "description": "Stateless Erlang staffing calculator."},
    {"name": "forecasts", "description": "Forecast runs, values, adjustments, accuracy."},
    {"name": "requirements", "description": "Agents required per queue and interval."},
    {"name": "schedules", "description": "Rosters: build, read, evaluate, publish, export."},
    {"name": "jobs", "description": "Background work done by the worker."},
]


def create_app(settings: ApiSettings | None = None, *, database_url: str | None = None) -> FastAPI:
    """The API on the settings' database (or `database_url`, which wins)."""
    settings = settings or ApiSettings()
    if database_url is not None:
        settings = settings.model_copy(update={"database_url": database_url})
    # one connection per request admitted at once (ConcurrencyLimit) and per token look-up of the
    # request guard (which runs before admission), kept open between requests
    connections = settings.api_max_concurrent_requests + TOKEN_LOOKUPS
    engine = make_engine(settings.database_url, echo=settings.database_echo, pool_size=connections)
    prepare_engine(engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(open_pool, engine, connections)
        if settings.api_warm_up:  # in the background: the server answers meanwhile
            _app.state.warm_up = threading.Thread(
                target=warm_up, args=(engine,), name="wfm-warm-up", daemon=True
            )
            _app.state.warm_up.start()
        yield
        engine.dispose()

    app = FastAPI(
        lifespan=lifespan,
        title="WFM API",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        docs_url=None,  # api.docs serves Swagger UI from this server, not from a CDN
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    app.state.kpi_cache = TtlCache(settings.api_kpi_cache_seconds)
    app.state.token_cache = TtlCache(settings.api_token_cache_seconds, size=1024)
    app.state.token_lookups = asyncio.Semaphore(TOKEN_LOOKUPS)
    install_error_handlers(app)
    hide_feed_secrets()  # a subscription link's path is its credential: not in access logs
    install_docs(app)
    # outermost last: security headers on every answer, then the guard (authentication, body
    # cap, deadline and nesting) before the admission gate, so that only authenticated requests
    # with their whole body in hand wait for a place
    app.add_middleware(ConcurrencyLimit, limit=settings.api_max_concurrent_requests)
    app.add_middleware(RequestGuard, settings=settings)
    app.add_middleware(SecurityHeaders)

    @app.get(
        "/health",
        tags=["health"],
        response_model=HealthRead,
        summary="Liveness, database readiness, workers and queue",
        description=HEALTH_DESCRIPTION,
        responses={503: {"model": ErrorBody, "description": "The database is not ready."}},
    )
    def health(request: Request) -> Any:
        return health_answer(request)

    from api.routers import ROUTERS

    for router in ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    document_guard(app)
    return app


class ConcurrencyLimit:
    """At most `limit` requests inside the application at once; the rest wait their turn.

    Each request holds one database connection from its first query to its end, and the blocking
    wait for a free connection happens on a worker thread; with more requests inside than
    connections, threads waiting for a connection could hold every worker thread while the
    requests holding the connections wait for a thread. Admitting no more requests than the pool
    has connections rules that out. Health checks are always admitted.

    It sits inside `api.guard.RequestGuard`: a /v1 request is admitted only once its token is
    known good and its whole body has arrived, so clients without a token and slow uploads never
    hold a place.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.gate = asyncio.Semaphore(limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") == "/health":
            await self.app(scope, receive, send)
            return
        async with self.gate:
            await self.app(scope, receive, send)


def open_pool(engine: Engine, connections: int) -> int:
    """Open the pool's connections before the first request: a burst of requests after a start
    would otherwise wait while each opens its own (on PostgreSQL a new server process each).
    Returns how many were opened; a database that can't be reached is left to the requests and
    to /health, which say so."""
    held = []
    try:
        for _ in range(connections):
            held.append(engine.connect())
    except Exception as exc:  # noqa: BLE001 - any driver error: serve anyway, /health tells
        log.warning("could not open the database connections at start: %s", exc)
    finally:
        for connection in held:
            connection.close()
    return len(held)


def prepare_engine(engine: Engine) -> None:
    """SQLite files run in write-ahead-log mode so readers never wait for the one writer."""
    if sqlite_file(engine.url.render_as_string(hide_password=False)) is None:
        return

    @event.listens_for(engine, "connect")
    def _wal(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
