"""`wfm db ...`: create, update and inspect the database schema; back it up and restore it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from wfm.cli.app import app, info
from wfm.cli.common import DatabaseUrlOption, open_database, resolve_database_url, user_errors

if TYPE_CHECKING:
    from wfm.adapters.db_backup import BackupSummary

db_app = typer.Typer(
    help="Create, update, inspect, back up and restore the database.", no_args_is_help=True
)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def upgrade(database_url: DatabaseUrlOption = None) -> None:
    """Create the schema, or bring it up to the latest migration (safe to repeat)."""
    from wfm.db import migrate

    engine = open_database(database_url, require_schema=False)
    with user_errors():
        before = migrate.current_revision(engine)
        migrate.upgrade(engine)
        after = migrate.current_revision(engine)
    where = engine.url.render_as_string(hide_password=True)
    if before == after:
        info(f"{where}: schema already at revision {after}")
    else:
        info(f"{where}: schema upgraded from {before or 'empty'} to revision {after}")


@db_app.command("status")
def status(database_url: DatabaseUrlOption = None) -> None:
    """Show the schema revision and how much data the database holds."""
    from wfm.db import migrate
    from wfm.db.repositories import AgentRepository, HistoryRepository, SiteRepository
    from wfm.db.session import unit_of_work

    engine = open_database(database_url, require_schema=True)
    with user_errors(), unit_of_work(engine) as session:
        typer.echo(f"database: {engine.url.render_as_string(hide_password=True)}")
        typer.echo(f"schema revision: {migrate.current_revision(engine)}")
        typer.echo(f"sites: {SiteRepository(session).count()}")
        typer.echo(f"agents: {AgentRepository(session).count()}")
        for span in HistoryRepository(session).spans():
            first, last = span.first_interval_utc, span.last_interval_utc
            typer.echo(
                f"history {span.queue_code}: {span.intervals} intervals, {span.offered} offered, "
                f"{first:%Y-%m-%d %H:%M} .. {last:%Y-%m-%d %H:%M} UTC"
            )


BackupPathArgument = Annotated[
    Path, typer.Argument(help="The backup file.", show_default=False, resolve_path=False)
]


def _report(summary: BackupSummary, verb: str) -> None:
    for name, rows in summary.tables:  # the empty ones count in the total line only
        if rows is None or rows > 0:
            info(f"  {name}: {rows} rows" if rows is not None else f"  {name}")
    total = f", {summary.rows} rows" if summary.rows is not None else ""
    size_mb = summary.size_bytes / 1_000_000
    info(
        f"{verb} {summary.path}: {summary.kind}, schema revision {summary.revision}, "
        f"{len(summary.tables)} tables{total}, {size_mb:.1f} MB"
    )


@db_app.command("backup")
def backup(
    path: BackupPathArgument,
    database_url: DatabaseUrlOption = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite PATH if it exists.")] = False,
) -> None:
    """Back up the whole database to one file, consistent while others write.

    SQLite: a copy made with SQLite's online backup API. PostgreSQL: a pg_dump custom-format
    archive (needs PostgreSQL's client programs, pg_dump and pg_restore)."""
    from wfm.adapters.db_backup import backup_database

    url = resolve_database_url(database_url)
    with user_errors():
        summary = backup_database(url, path, force=force, progress=info)
    _report(summary, "backup written to")


@db_app.command("restore")
def restore(
    path: BackupPathArgument,
    database_url: DatabaseUrlOption = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace a database that already holds tables.")
    ] = False,
) -> None:
    """Replace the database by a backup of `wfm db backup`, all or nothing.

    Refuses a database that already holds tables (unless --force), a backup of the other kind of
    database, and a backup whose schema revision this version of wfm does not know."""
    from wfm.adapters.db_backup import restore_database
    from wfm.db import migrate

    url = resolve_database_url(database_url)
    with user_errors():
        summary = restore_database(url, path, force=force, progress=info)
    _report(summary, "restored from")
    head = migrate.head_revision()
    if summary.revision != head:
        info(f"the schema is at revision {summary.revision}; `wfm db upgrade` brings it to {head}")
