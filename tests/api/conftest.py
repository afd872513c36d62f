"""API tests talk real HTTP to uvicorn serving the app on a free port, on each database backend.

`api` gives the server's URL, a token per role and `client(role)`; `apikit.seed_centre(client)`
creates a small centre over the API itself.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from apikit import ROLES, ApiServer, start_uvicorn  # noqa: E402


@pytest.fixture
def api(engine: Engine, database_url: str) -> Iterator[ApiServer]:
    from api.app import create_app
    from api.settings import ApiSettings

    settings = ApiSettings(
        database_url=database_url, api_kpi_cache_seconds=0, api_token_cache_seconds=1.0
    )
    app = create_app(settings)
    url, server, thread = start_uvicorn(app)
    box = ApiServer(
        url=url,
        database_url=database_url,
        engine=engine,
        token_cache_seconds=settings.api_token_cache_seconds,
    )
    for role in ROLES:
        box.tokens[role] = box.add_token(role)
    try:
        yield box
    finally:
        server.should_exit = True  # type: ignore[attr-defined]
        thread.join(timeout=10)
        app.state.engine.dispose()
