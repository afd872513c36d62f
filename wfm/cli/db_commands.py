"""`wfm db ...`: create, update and inspect the database schema."""

from __future__ import annotations

import typer

from wfm.cli.app import app, info
from wfm.cli.common import DatabaseUrlOption, open_database, user_errors

db_app = typer.Typer(help="Create, update and inspect the database schema.", no_args_is_help=True)
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
