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
