"""Options and helpers shared by the commands that work on the database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from sqlalchemy import Engine

from wfm.cli.app import fail
from wfm.domain.errors import WfmError

DatabaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="SQLAlchemy database URL; default $WFM_DATABASE_URL or sqlite:///var/wfm.db.",
        show_default=False,
    ),
]


def resolve_database_url(database_url: str | None) -> str:
    from wfm.settings import get_settings

    return database_url or get_settings().database_url


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the project's domain errors into a one-line message and exit code 2."""
    try:
        yield
    except WfmError as exc:
        fail(str(exc))


def open_database(database_url: str | None, *, require_schema: bool = True) -> Engine:
    """An engine on the database; unless told otherwise, its schema must be up to date."""
    from wfm.db import migrate
    from wfm.db.session import make_engine, sqlite_file

    url = resolve_database_url(database_url)
    with user_errors():
        sqlite_path = sqlite_file(url)
        if require_schema and sqlite_path is not None and not sqlite_path.exists():
            fail(f"no database at {sqlite_path}; run `wfm db upgrade` (or `make demo`) first")
        engine = make_engine(url)
        if require_schema:
            migrate.require_current_schema(engine)
    return engine
