"""Engines, sessions and the one-transaction-per-unit-of-work helper."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from wfm.domain.errors import ConfigurationError


def sqlite_file(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other backends and in-memory databases."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def make_engine(
    url: str, *, echo: bool = False, create_dirs: bool = True, pool_size: int | None = None
) -> Engine:
    """An engine for `url`; for a SQLite file, its folder is created and foreign keys are on.

    `pool_size` keeps that many connections open once made, and never more (the default pool
    keeps 5 and opens up to 10 more that it closes again on return: under steady concurrency
    beyond 5 that is a new PostgreSQL connection, a process on the server, every few requests).

    Raises ConfigurationError with a one-line explanation for a malformed URL, an unknown driver
    or a SQLite path that cannot be written.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigurationError(
            f"database URL {url!r} is not a valid SQLAlchemy URL "
            "(expected e.g. sqlite:///var/wfm.db or postgresql+psycopg://user@host/db)"
        ) from exc
    sqlite_path = sqlite_file(url)
    if sqlite_path is not None and create_dirs:
        try:
            sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigurationError(
                f"cannot create the folder {sqlite_path.parent} for the SQLite database: "
                f"{exc.strerror or exc}"
            ) from exc
        if sqlite_path.exists() and not _writable(sqlite_path):
            raise ConfigurationError(f"the SQLite database {sqlite_path} is not writable")
        if not sqlite_path.exists() and not _writable(sqlite_path.parent):
            raise ConfigurationError(f"the folder {sqlite_path.parent} is not writable")
    kwargs: dict[str, Any] = {"echo": echo}
    in_memory = parsed.get_backend_name() == "sqlite" and sqlite_path is None
    if pool_size is not None and not in_memory:  # an in-memory database has one connection
        kwargs.update(pool_size=pool_size, max_overflow=0)
    if parsed.get_backend_name() == "postgresql":
        kwargs["pool_pre_ping"] = True
    try:
        engine = create_engine(parsed, **kwargs)
    except (ArgumentError, ModuleNotFoundError) as exc:
        raise ConfigurationError(f"cannot use database URL {url!r}: {exc}") from exc
    except Exception as exc:  # NoSuchModuleError for an unknown dialect
        raise ConfigurationError(f"cannot use database URL {url!r}: {exc}") from exc
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
    return engine


def _writable(path: Path) -> bool:
    import os

    return os.access(path, os.W_OK)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


@contextmanager
def unit_of_work(engine_or_factory: Engine | sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit when the block ends normally, roll back on any exception."""
    factory = (
        engine_or_factory
        if isinstance(engine_or_factory, sessionmaker)
        else session_factory(engine_or_factory)
    )
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
