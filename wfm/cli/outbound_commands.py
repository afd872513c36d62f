"""`wfm outbound ...`: import dialer outcomes into the database."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from wfm.cli.app import app, fail
from wfm.cli.common import DatabaseUrlOption, open_database, user_errors

if TYPE_CHECKING:
    from wfm.adapters.dialer_files import ParsedAttempts

outbound_app = typer.Typer(
    help="Outbound data: import dialer outcomes (one row per attempt).", no_args_is_help=True
)
app.add_typer(outbound_app, name="outbound")


@outbound_app.command("import")
def import_command(
    file: Annotated[
        Path,
        typer.Argument(
            help="Dialer attempts: CSV with a header row, or a .json array of objects, with "
            "attempt_id, attempted_at, agent, campaign, segment, lead_id (optional), result, "
            "revenue (sales only), talk_seconds, wrap_seconds."
        ),
    ],
    dry_run: Annotated[bool, typer.Option(help="Check everything, store nothing.")] = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Import dialer outcomes, all or nothing, as `POST /v1/outbound/attempts` does.

    Every row is checked (an attempted_at with an offset and within the history window of
    WFM_HISTORY_MAX_PAST_DAYS / WFM_HISTORY_MAX_FUTURE_DAYS, known agent, campaign and segment,
    a result from the list, revenue and seconds >= 0, an attempt id not already stored with
    other content); if any row is bad, nothing is stored, the bad rows are listed on stderr
    (row and field) and the exit code is 2. Re-importing the same attempts changes nothing.
    """
    from wfm.cli.history_commands import _print_rejection
    from wfm.db.session import unit_of_work
    from wfm.services.history_import import HistoryWindow, ImportRejected
    from wfm.services.outbound import import_attempts
    from wfm.settings import get_settings

    parsed = _parse(file)
    settings = get_settings()
    window = HistoryWindow(settings.history_max_past_days, settings.history_max_future_days)
    engine = open_database(database_url)
    with user_errors():
        try:
            with unit_of_work(engine) as session:
                summary = import_attempts(session, parsed, dry_run=dry_run, window=window)
        except ImportRejected as rejected:
            _print_rejection(file, rejected)
    span = ""
    if summary.first_attempt_utc is not None and summary.last_attempt_utc is not None:
        span = (
            f", {summary.first_attempt_utc:%Y-%m-%d %H:%M} .. "
            f"{summary.last_attempt_utc:%Y-%m-%d %H:%M} UTC"
        )
    verb = "checked (dry run, nothing stored)" if dry_run else "imported"
    typer.echo(
        f"{file.name}: {summary.rows} rows {verb}, {summary.imported} attempts stored, "
        f"{summary.unchanged} unchanged, campaigns {', '.join(summary.campaigns)}{span}"
    )


def _parse(file: Path) -> ParsedAttempts:
    """The file parsed as JSON (a .json name) or CSV; one-line errors for an unreadable file."""
    import json

    from wfm.adapters.acd_files import ImportFormatError
    from wfm.adapters.dialer_files import parse_attempts_csv, parse_attempts_json

    try:
        text = file.read_text(encoding="utf-8-sig")
        if file.suffix.lower() == ".json":
            try:
                items = json.loads(text)
            except (json.JSONDecodeError, RecursionError) as exc:
                raise ImportFormatError(f"malformed JSON: {exc}") from None
            return parse_attempts_json(items)
        return parse_attempts_csv(text)
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror or exc}")
    except UnicodeDecodeError as exc:
        fail(f"{file.name} is not UTF-8 (byte {exc.start}): re-export it as UTF-8")
    except ImportFormatError as exc:
        fail(f"{file.name}: {exc}")
