"""Shared fixtures: a migrated database on SQLite, and on PostgreSQL when one is configured.

PostgreSQL tests run when `WFM_TEST_DATABASE_URL` names a reachable server; each test gets a fresh
schema (dropped afterwards) so runs never see each other's data. Without it they skip cleanly.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from wfm.db import migrate
from wfm.db.session import make_engine

POSTGRES_URL_ENV = "WFM_TEST_DATABASE_URL"


def _postgres_base_url() -> str | None:
    url = os.environ.get(POSTGRES_URL_ENV)
    if not url:
        return None
    return url


def postgres_schema_url(base_url: str, schema: str) -> str:
    """The URL with `search_path` set to `schema`, so every table goes there."""
    url = make_url(base_url)
    query = dict(url.query)
    query["options"] = f"-csearch_path={schema}"
    return url.set(query=query).render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database (no schema yet) on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'wfm-test.db'}"
        return
    base = _postgres_base_url()
    if base is None:
        pytest.skip(f"{POSTGRES_URL_ENV} is not set")
    admin = make_engine(base)
    schema = f"wfm_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # server absent or refusing
        admin.dispose()
        pytest.skip(f"PostgreSQL at {base} is not reachable: {exc.__class__.__name__}")
    try:
        yield postgres_schema_url(base, schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated database."""
    eng = make_engine(database_url)
    migrate.upgrade(eng)
    try:
        yield eng
    finally:
        eng.dispose()
