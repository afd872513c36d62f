"""Settings of the API server (environment `WFM_...`, on top of the core settings)."""

from __future__ import annotations

from pydantic import Field

from wfm.settings import Settings


class ApiSettings(Settings):
    """The core settings plus the server's own."""

    api_max_import_megabytes: float = Field(
        default=200.0, description="Largest interval-history upload accepted, in megabytes."
    )
    api_kpi_cache_seconds: float = Field(
        default=30.0,
        description=(
            "How long a KPI answer may be served from memory; imports through this server clear "
            "it at once, imports elsewhere (the worker) show after at most this long. 0 disables."
        ),
    )
    api_warm_up: bool = Field(
        default=False,
        description=(
            "Evaluate each site's opening schedule in the background when a server process "
            "starts, so that the first reader of the planner does not wait for it; `wfm serve` "
            "turns it on (`--no-warm-up` off)."
        ),
    )
    api_token_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        description=(
            "How long a server process trusts a bearer token it has checked before looking it up "
            "again; a token revoked with `wfm token revoke` is refused within this long. "
            "0 looks every request's token up in the database."
        ),
    )
    api_max_concurrent_requests: int = Field(
        default=15,
        ge=1,
        le=100,
        description=(
            "Requests a server process works on at once (the rest wait their turn); its "
            "database pool keeps as many connections, since each request holds one (mind "
            "PostgreSQL's max_connections: every server process and the worker have a pool)."
        ),
    )
    api_max_interval_rows: int = Field(
        default=50_000,
        description="Most interval rows one read (history, forecast values) returns.",
    )
    api_max_body_megabytes: float = Field(
        default=1.0,
        gt=0,
        description=(
            "Largest request body accepted, in megabytes (the history import and the live-feed "
            "batches have their own limits); a larger one is refused with 413 as soon as its "
            "size shows, from its Content-Length or while it streams."
        ),
    )
    api_max_batch_megabytes: float = Field(
        default=16.0,
        gt=0,
        description=(
            "Largest body of the live-feed batches (POST /v1/agent-events, /v1/queue-snapshots), "
            "in megabytes: a full batch of 20,000 events fits."
        ),
    )
    api_body_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description=(
            "How long a request body may take beyond its transfer at "
            "api_body_min_kilobytes_per_second: a body that stalls this long, or trickles "
            "slower than that rate, is cut off with 408 and its connection closed."
        ),
    )
    api_body_min_kilobytes_per_second: float = Field(
        default=50.0,
        gt=0,
        description="The slowest transfer rate a request body may keep up (see above).",
    )
    api_max_json_depth: int = Field(
        default=64,
        ge=8,
        le=500,
        description="Deepest nesting of arrays and objects a JSON body may have (else 422).",
    )
    api_auth_failures_per_window: int = Field(
        default=20,
        ge=0,
        description=(
            "Refused bearer tokens (unknown, expired or revoked) a client address may present "
            "within api_auth_failure_window_seconds; beyond that, until the window ends, its "
            "requests with a token the server does not already hold as good are answered 429 "
            "with Retry-After, without a database look-up. 0 disables the throttle."
        ),
    )
    api_auth_failure_window_seconds: float = Field(
        default=60.0,
        gt=0,
        description="The window of api_auth_failures_per_window, in seconds.",
    )
    api_header_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description=(
            "How long a client may take to send a request's headers (from its connection, or "
            "from the request's first byte) before the connection is closed."
        ),
    )
