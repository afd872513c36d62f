"""Backups of the whole database to one file, and restoring them (`wfm db backup` / `restore`).

SQLite: the backup is itself a SQLite database, copied with SQLite's online backup API in one
step, so it is the database as of one moment even while other connections write (they wait for
the copy, up to their busy timeout). Restoring copies it back with the same API into the target,
which SQLite writes in one transaction: other connections see the old database or the new one.

PostgreSQL: the backup is a `pg_dump` custom-format archive (one snapshot: writers carry on), of
the schema the URL's search_path selects when that is not `public`; restoring runs `pg_restore
--clean --if-exists --single-transaction`, so it is all or nothing. Both programs must be
installed (PostgreSQL's client programs); without them the command says so.

Every backup carries its Alembic revision: a restore refuses a backup whose revision this version
of wfm does not know, a file that is no backup, a backup of the other kind of database, and a
target that already holds tables unless told to replace them (`force`).
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text
from sqlalchemy.engine import URL

from wfm.db import migrate
from wfm.db.session import make_engine, sqlite_file
from wfm.domain.errors import WfmError

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
SQLITE_BUSY_SECONDS = 60.0
Progress = Callable[[str], None]


class BackupError(WfmError):
    """The backup or restore cannot be done as asked; nothing was changed."""


@dataclass(frozen=True, slots=True)
class BackupSummary:
    """What a backup holds, or what a restore wrote."""

    path: Path
    kind: str  # "sqlite" or "postgresql"
    revision: str
    size_bytes: int
    tables: tuple[tuple[str, int | None], ...]  # name and row count (None: not counted)

    @property
    def rows(self) -> int | None:
        counts = [n for _, n in self.tables]
        return None if any(n is None for n in counts) else sum(n for n in counts if n is not None)


def backup_database(
    url: str, path: Path, *, force: bool = False, progress: Progress
) -> BackupSummary:
    """Write the database at `url` to the file `path` (refused when it exists, unless `force`)."""
    parsed = _parse(url)
    _check_backup_path(path, force)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_backup(_sqlite_path(url), path, progress)
    return _postgres_backup(url, parsed, path, progress)


def restore_database(
    url: str, path: Path, *, force: bool = False, progress: Progress
) -> BackupSummary:
    """Replace the database at `url` by the backup `path`; a database that holds tables is
    replaced only with `force`."""
    parsed = _parse(url)
    backend = parsed.get_backend_name()
    kind = _backup_kind(path)
    if kind != backend:
        theirs = "a SQLite" if kind == "sqlite" else "a PostgreSQL (pg_dump)"
        raise BackupError(
            f"{path} is {theirs} backup and the database URL names a {_label(backend)} database"
        )
    if backend == "sqlite":
        return _sqlite_restore(_sqlite_path(url), path, force, progress)
    return _postgres_restore(url, parsed, path, force, progress)


# --- shared -------------------------------------------------------------------------------------


def _parse(url: str) -> URL:
    engine = make_engine(url, create_dirs=False)  # raises ConfigurationError for a bad URL
    parsed = engine.url
    engine.dispose()
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise BackupError(
            f"backups cover SQLite and PostgreSQL databases, not {parsed.get_backend_name()}"
        )
    return parsed


def _label(backend: str) -> str:
    return "SQLite" if backend == "sqlite" else "PostgreSQL"


def _sqlite_path(url: str) -> Path:
    path = sqlite_file(url)
    if path is None:
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return path


def _check_backup_path(path: Path, force: bool) -> None:
    if path.is_dir():
        raise BackupError(f"{path} is a folder; name the backup file")
    if path.exists() and not force:
        raise BackupError(f"{path} exists; name a new file, or pass --force to overwrite it")
    if not path.parent.is_dir():
        raise BackupError(f"the folder {path.parent} does not exist")


def _backup_kind(path: Path) -> str:
    if not path.exists():
        raise BackupError(f"no backup at {path}")
    if path.is_dir():
        raise BackupError(f"{path} is a folder, not a backup file")
    with path.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    raise BackupError(
        f"{path} is not a wfm backup (neither a SQLite database nor a pg_dump custom archive)"
    )


def _check_revision(revision: str | None, path: Path) -> str:
    if revision is None:
        raise BackupError(f"{path} holds no WFM schema (no Alembic revision)")
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    try:
        known = script.get_revision(revision) is not None
    except Exception:  # alembic raises its own errors for unknown or ambiguous ids
        known = False
    if not known:
        raise BackupError(
            f"{path} holds schema revision {revision}, which this version of wfm does not know "
            f"(its latest is {migrate.head_revision()}); restore it with the wfm it came from"
        )
    return revision


def _partial(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.partial")


def _publish(partial: Path, path: Path) -> None:
    """Make the finished file `partial` the backup `path` in one rename, durably."""
    with partial.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


# --- SQLite -------------------------------------------------------------------------------------


def _sqlite_connect(path: Path, mode: str) -> sqlite3.Connection:
    uri = f"file:{quote(str(path.resolve()))}?mode={mode}"
    return sqlite3.connect(uri, uri=True, timeout=SQLITE_BUSY_SECONDS)


def _sqlite_contents(conn: sqlite3.Connection) -> tuple[str | None, list[tuple[str, int | None]]]:
    names = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    tables: list[tuple[str, int | None]] = [
        (name, conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]) for name in names
    ]
    revision = None
    if "alembic_version" in names:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = row[0] if row else None
    return revision, tables


def _sqlite_backup(source: Path, path: Path, progress: Progress) -> BackupSummary:
    if not source.exists():
        raise BackupError(f"no database at {source}")
    partial = _partial(path)
    try:
        src = _sqlite_connect(source, "rw")
        try:
            revision, _ = _sqlite_contents(src)
            if revision is None:
                raise BackupError(f"the database {source} has no WFM schema; nothing to back up")
            progress(f"backing up the SQLite database {source} to {path}")
            dst = sqlite3.connect(partial)
            try:
                src.backup(dst)  # one step: the whole database as of one moment
                revision, tables = _sqlite_contents(dst)
            finally:
                dst.close()
        finally:
            src.close()
        _publish(partial, path)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot back up {source}: {exc}") from exc
    finally:
        partial.unlink(missing_ok=True)
    assert revision is not None
    return BackupSummary(path, "sqlite", revision, path.stat().st_size, tuple(tables))


def _sqlite_restore(target: Path, path: Path, force: bool, progress: Progress) -> BackupSummary:
    try:
        src = _sqlite_connect(path, "ro")
    except sqlite3.Error as exc:
        raise BackupError(f"cannot open the backup {path}: {exc}") from exc
    try:
        try:
            check = src.execute("PRAGMA quick_check").fetchone()[0]
            revision, _ = _sqlite_contents(src)
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{path} is not a usable SQLite backup: {exc}") from exc
        if check != "ok":
            raise BackupError(f"the backup {path} is damaged: {check}")
        revision = _check_revision(revision, path)
        if not target.parent.is_dir():
            raise BackupError(f"the folder {target.parent} does not exist")
        try:
            dst = _sqlite_connect(target, "rwc")
            try:
                _, existing = _sqlite_contents(dst)
                if existing and not force:
                    raise BackupError(
                        f"the database {target} is not empty ({len(existing)} tables); "
                        "pass --force to replace it"
                    )
                progress(f"restoring {path} (schema revision {revision}) into {target}")
                src.backup(dst)  # SQLite writes the target in one transaction
                _, tables = _sqlite_contents(dst)
            finally:
                dst.close()
        except sqlite3.Error as exc:
            raise BackupError(f"cannot restore into {target}: {exc}") from exc
    finally:
        src.close()
    return BackupSummary(path, "sqlite", revision, target.stat().st_size, tuple(tables))


# --- PostgreSQL ---------------------------------------------------------------------------------


def _program(name: str, doing: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed: {doing} a PostgreSQL database needs PostgreSQL's client "
            "programs (e.g. `apt-get install postgresql-client`, of the server's version or newer)"
        )
    return found


def _libpq(parsed: URL) -> tuple[str, dict[str, str]]:
    """The URL for the PostgreSQL programs (no driver, no password) and their environment (the
    password as PGPASSWORD, so it never shows in a process list)."""
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str], what: str) -> str:
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
        detail = lines[0] if lines else f"exit code {result.returncode}"
        raise BackupError(f"{what} failed: {detail}")
    return result.stdout


def _postgres_schema(engine: Engine) -> str:
    """The schema the URL's connections create tables in: the first of the search_path."""
    with engine.connect() as conn:
        current = conn.execute(text("SELECT current_schema()")).scalar()
        if current is not None:
            return str(current)
        path = str(conn.execute(text("SELECT current_setting('search_path')")).scalar() or "")
    first = path.split(",")[0].strip().strip('"')
    return first or "public"


def _postgres_tables(engine: Engine, schema: str) -> list[tuple[str, int | None]]:
    with engine.connect() as conn:
        names = conn.execute(
            text(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = :schema AND table_type = 'BASE TABLE' ORDER BY table_name"
            ),
            {"schema": schema},
        ).scalars()
        quoted = schema.replace('"', '""')
        return [
            (name, conn.execute(text(f'SELECT count(*) FROM "{quoted}"."{name}"')).scalar())
            for name in list(names)
        ]


def _open_postgres(url: str) -> Engine:
    engine = make_engine(url)
    migrate.current_revision(engine)  # DatabaseNotReadyError, one line, when unreachable
    return engine


def _postgres_backup(url: str, parsed: URL, path: Path, progress: Progress) -> BackupSummary:
    pg_dump = _program("pg_dump", "backing up")
    pg_restore = _program("pg_restore", "checking the backup of")
    engine = _open_postgres(url)
    try:
        if migrate.current_revision(engine) is None:
            raise BackupError("the database has no WFM schema; nothing to back up")
        schema = _postgres_schema(engine)
    finally:
        engine.dispose()
    where, env = _libpq(parsed)
    command = [pg_dump, "--format=custom", "--dbname", where]
    if schema != "public":
        command.append(f'--schema="{schema}"')  # quoted: the name as it is, not a pattern
    shown = parsed.render_as_string(hide_password=True)
    progress(f"backing up the PostgreSQL database {shown} (schema {schema}) to {path}")
    partial = _partial(path)
    try:
        _run([*command, "--file", str(partial)], env, "pg_dump")
        archive = _archive(pg_restore, partial, env)
        revision = _check_revision(archive.revision, path)
        _publish(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    tables = tuple((name, None) for name in archive.tables)
    return BackupSummary(path, "postgresql", revision, path.stat().st_size, tables)


@dataclass(frozen=True, slots=True)
class _Archive:
    schemas: frozenset[str]
    tables: tuple[str, ...]
    revision: str | None


RESTORE_OPTIONS = (
    "--clean",
    "--if-exists",
    "--no-owner",
    "--no-privileges",
    "--single-transaction",
    "--exit-on-error",
)
TOC_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE (?!DATA )(\S+) (\S+) ")


def _archive(pg_restore: str, path: Path, env: dict[str, str]) -> _Archive:
    """What a pg_dump archive holds: its tables' schemas and names, and its Alembic revision."""
    listing = _run([pg_restore, "--list", str(path)], env, f"reading {path} with pg_restore")
    found = [m.groups() for m in map(TOC_TABLE.match, listing.splitlines()) if m]
    data = _run(
        [pg_restore, "--data-only", "--table=alembic_version", "--file=-", str(path)],
        env,
        f"reading {path} with pg_restore",
    )
    lines = data.splitlines()
    revision = None
    for i, line in enumerate(lines[:-1]):
        if line.startswith("COPY ") and "alembic_version" in line and lines[i + 1] != "\\.":
            revision = lines[i + 1].split("\t")[0]
            break
    return _Archive(frozenset(s for s, _ in found), tuple(sorted(t for _, t in found)), revision)


def _postgres_restore(
    url: str, parsed: URL, path: Path, force: bool, progress: Progress
) -> BackupSummary:
    pg_restore = _program("pg_restore", "restoring")
    where, env = _libpq(parsed)
    archive = _archive(pg_restore, path, env)
    revision = _check_revision(archive.revision, path)
    engine = _open_postgres(url)
    try:
        schema = _postgres_schema(engine)
        if archive.schemas != {schema}:
            held = ", ".join(sorted(archive.schemas)) or "none"
            raise BackupError(
                f"{path} holds the schema {held} and the database URL's schema is {schema}; "
                "restore it where its schema is the URL's (search_path option)"
            )
        existing = _postgres_tables(engine, schema)
        if existing and not force:
            raise BackupError(
                f"the database's schema {schema} is not empty ({len(existing)} tables); "
                "pass --force to replace it"
            )
        shown = parsed.render_as_string(hide_password=True)
        progress(f"restoring {path} (schema revision {revision}) into {shown} (schema {schema})")
        _run([pg_restore, *RESTORE_OPTIONS, "--dbname", where, str(path)], env, "pg_restore")
        tables = _postgres_tables(engine, schema)
    finally:
        engine.dispose()
    return BackupSummary(path, "postgresql", revision, path.stat().st_size, tuple(tables))
