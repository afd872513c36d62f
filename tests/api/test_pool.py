"""The API's database pool keeps one open connection per request it admits at once, and one per
token look-up that the request guard may run before admission: the default pool would close every
connection beyond 5 on return and open a new one on the next burst."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import Engine
from sqlalchemy.pool import QueuePool

from api.app import create_app
from api.deps import TOKEN_LOOKUPS
from api.server import reserve_port
from api.settings import ApiSettings


def test_the_pool_keeps_a_connection_per_admitted_request(
    engine: Engine, database_url: str
) -> None:
    app = create_app(ApiSettings(database_url=database_url, api_max_concurrent_requests=7))
    api_engine: Engine = app.state.engine
    try:
        pool = api_engine.pool
        connections = 7 + TOKEN_LOOKUPS
        assert isinstance(pool, QueuePool) and pool.size() == connections
        held = [api_engine.connect() for _ in range(connections)]
        for connection in held:
            connection.close()
        assert pool.checkedin() == connections  # all returned connections stay open
        assert pool.overflow() <= 0  # and never more than the admitted requests
    finally:
        api_engine.dispose()


def test_the_server_opens_its_connections_at_start(engine: Engine, database_url: str) -> None:
    app = create_app(ApiSettings(database_url=database_url, api_max_concurrent_requests=6))
    pool = app.state.engine.pool

    async def start_and_stop() -> int:
        async with app.router.lifespan_context(app):  # the server's start-up and shutdown
            return int(pool.checkedin())

    assert asyncio.run(start_and_stop()) == 6 + TOKEN_LOOKUPS
    assert pool.checkedin() == 0  # closed again at shutdown


def test_an_unreachable_database_at_start_is_a_warning_not_a_crash(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from api.app import open_pool
    from wfm.db.session import make_engine

    closed = reserve_port("127.0.0.1", 0)  # nothing listens there
    nowhere = make_engine(
        f"postgresql+psycopg://postgres@127.0.0.1:{closed}/test?connect_timeout=2"
    )
    with caplog.at_level(logging.WARNING, logger="wfm.api"):
        assert open_pool(nowhere, 3) == 0
    nowhere.dispose()
    assert any("could not open the database connections" in r.getMessage() for r in caplog.records)
