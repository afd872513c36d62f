"""The API's database pool keeps one open connection per request it admits at once: the default
pool would close every connection beyond 5 on return and open a new one on the next burst."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.pool import QueuePool

from api.app import create_app
from api.settings import ApiSettings


def test_the_pool_keeps_a_connection_per_admitted_request(
    engine: Engine, database_url: str
) -> None:
    app = create_app(ApiSettings(database_url=database_url, api_max_concurrent_requests=7))
    api_engine: Engine = app.state.engine
    try:
        pool = api_engine.pool
        assert isinstance(pool, QueuePool) and pool.size() == 7
        held = [api_engine.connect() for _ in range(7)]
        for connection in held:
            connection.close()
        assert pool.checkedin() == 7  # all returned connections stay open
        assert pool.overflow() <= 0  # and never more than the admitted requests
    finally:
        api_engine.dispose()
