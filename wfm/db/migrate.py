"""Run the Alembic migrations from code (used by the CLI, the API at start-up and the tests)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError

import wfm.db.migrations as migrations
from wfm.domain.errors import DatabaseNotReadyError

MIGRATIONS_DIR = Path(migrations.__file__).resolve().parent


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema of the engine's database up to `revision`, in one transaction."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    try:
        with _migration_transaction(engine) as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    except OperationalError as exc:
        raise DatabaseNotReadyError(_reach_message(engine, exc)) from exc


def downgrade(engine: Engine, revision: str = "base") -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with _migration_transaction(engine) as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


@contextmanager
def _migration_transaction(engine: Engine) -> Iterator[Connection]:
    """A connection in one transaction for a migration run. On SQLite, foreign keys are off while
    it runs: a batch migration rebuilds a table by copying it and dropping the original, and with
    the keys on, dropping `sites` would cascade to every queue, agent and schedule of the site.
    The keys are checked before the commit, so a migration cannot leave a dangling reference."""
    if engine.dialect.name != "sqlite":
        with engine.begin() as connection:
            yield connection
        return
    with engine.connect() as connection:
        # outside a transaction: SQLite ignores this pragma inside one
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
        try:
            with connection.begin():
                yield connection
                dangling = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if dangling:
                    table, _rowid, parent, _key = dangling[0]
                    raise RuntimeError(
                        f"the migration left {len(dangling)} row(s) whose reference has no "
                        f"parent row (first: {table} -> {parent}); nothing was changed"
                    )
        finally:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


def head_revision() -> str:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except OperationalError as exc:
        raise DatabaseNotReadyError(_reach_message(engine, exc)) from exc


def require_current_schema(engine: Engine) -> None:
    """Raise DatabaseNotReadyError unless the schema is at the latest migration."""
    current = current_revision(engine)
    if current != head_revision():
        where = engine.url.render_as_string(hide_password=True)
        state = "has no WFM schema" if current is None else f"is at revision {current}"
        raise DatabaseNotReadyError(
            f"the database {where} {state}; run `wfm db upgrade` to create or update it"
        )


def _reach_message(engine: Engine, exc: OperationalError) -> str:
    where = engine.url.render_as_string(hide_password=True)
    detail = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    return f"cannot reach the database {where}: {detail}"
