"""`wfm notify deliver`: send the notifications that are due (webhooks and e-mails)."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated

import typer

from wfm.cli.app import app, info
from wfm.cli.common import DatabaseUrlOption, open_database, user_errors

notify_app = typer.Typer(help="Notifications: webhooks and e-mails.", no_args_is_help=True)
app.add_typer(notify_app, name="notify")


@notify_app.command("deliver")
def deliver_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Send the outbox's deliveries that are due now (at most WFM_NOTIFY_BATCH_SIZE), as the
    worker does every 30 s: each delivered, retried later with back-off, or given up after
    WFM_NOTIFY_MAX_ATTEMPTS attempts. Prints how many of each."""
    from wfm.db.session import unit_of_work
    from wfm.services.notifications import deliver_due

    engine = open_database(database_url)
    with user_errors(), unit_of_work(engine) as session:
        report = deliver_due(session, datetime.now(UTC))
    if as_json:
        typer.echo(json.dumps(asdict(report)))
        return
    info(
        f"notifications: {report.delivered} delivered, {report.retrying} to retry, "
        f"{report.failed} given up"
    )
