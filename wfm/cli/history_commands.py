"""`wfm history ...`: import an ACD interval export into the database, delete a range of history."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from wfm.cli.app import app, fail, info
from wfm.cli.common import DatabaseUrlOption, open_database, user_errors

if TYPE_CHECKING:
    from wfm.adapters.acd_files import ImportOptions, ParsedImport
    from wfm.services.history_import import ImportRejected

history_app = typer.Typer(
    help="Import interval history from ACD exports; delete a range of it.", no_args_is_help=True
)
app.add_typer(history_app, name="history")

MAX_PRINTED_ERRORS = 20


@history_app.command("import")
def import_command(
    file: Annotated[
        Path, typer.Argument(help="The export: CSV with a header row, or a .json array.")
    ],
    timezone: Annotated[
        str | None, typer.Option(help="IANA timezone of timestamps that carry no offset.")
    ] = None,
    queue: Annotated[str | None, typer.Option(help="Queue of every row, when no column.")] = None,
    interval_minutes: Annotated[
        int | None, typer.Option(help="Interval length when no column gives it: 15, 30 or 60.")
    ] = None,
    mapping: Annotated[
        list[str] | None,
        typer.Option(help="Explicit column mapping COLUMN=field (repeatable)."),
    ] = None,
    ignore_unmapped: Annotated[
        bool, typer.Option(help="Import even when columns map to no field (listed).")
    ] = False,
    dry_run: Annotated[bool, typer.Option(help="Check everything, store nothing.")] = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Import interval history, all or nothing, as `POST /v1/history/import` does.

    Every row is checked (types, counts, timestamps, a date within the window of the settings
    WFM_HISTORY_MAX_PAST_DAYS / WFM_HISTORY_MAX_FUTURE_DAYS, known queues); if any row is bad,
    nothing is stored, the bad rows are listed on stderr and the exit code is 2.
    """
    from wfm.adapters.acd_files import ImportOptions
    from wfm.db.session import unit_of_work
    from wfm.services.history_import import HistoryWindow, ImportRejected, import_history
    from wfm.settings import get_settings

    options = ImportOptions(
        timezone=timezone,
        interval_minutes=interval_minutes,
        queue_code=queue,
        mapping=_mapping(mapping or []),
    )
    parsed = _parse(file, options)
    if parsed.unmapped_columns and not ignore_unmapped:
        fail(
            f"{file.name}: columns {', '.join(map(repr, parsed.unmapped_columns))} map to no "
            "field; map them (--mapping COLUMN=field) or pass --ignore-unmapped"
        )
    settings = get_settings()
    window = HistoryWindow(settings.history_max_past_days, settings.history_max_future_days)
    engine = open_database(database_url)
    with user_errors():
        try:
            with unit_of_work(engine) as session:
                summary = import_history(session, parsed, dry_run=dry_run, window=window)
        except ImportRejected as rejected:
            _print_rejection(file, rejected)
    span = ""
    if summary.first_interval_utc is not None and summary.last_interval_utc is not None:
        span = (
            f", {summary.first_interval_utc:%Y-%m-%d %H:%M} .. "
            f"{summary.last_interval_utc:%Y-%m-%d %H:%M} UTC"
        )
    verb = "checked (dry run, nothing stored)" if dry_run else "imported"
    typer.echo(
        f"{file.name}: {summary.rows} rows {verb}, {summary.imported} intervals stored, "
        f"queues {', '.join(summary.queues)}{span}"
    )


def _mapping(items: list[str]) -> dict[str, str]:
    result: dict[str, str] = {}
    for item in items:
        column, sep, target = item.partition("=")
        if not sep or not column.strip() or not target.strip():
            fail(f"--mapping {item!r} is not COLUMN=field")
        result[column.strip()] = target.strip()
    return result


def _parse(file: Path, options: ImportOptions) -> ParsedImport:
    """The file parsed as JSON (a .json name) or CSV; one-line errors for an unreadable file."""
    import json

    from wfm.adapters.acd_files import ImportFormatError, parse_csv, parse_json

    try:
        text = file.read_text(encoding="utf-8-sig")
        if file.suffix.lower() == ".json":
            try:
                items = json.loads(text)
            except (json.JSONDecodeError, RecursionError) as exc:
                raise ImportFormatError(f"malformed JSON: {exc}") from None
            return parse_json(items, options)
        return parse_csv(text, options)
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror or exc}")
    except UnicodeDecodeError as exc:
        fail(f"{file.name} is not UTF-8 (byte {exc.start}): re-export it as UTF-8")
    except ImportFormatError as exc:
        fail(f"{file.name}: {exc}")


def _print_rejection(file: Path, rejected: ImportRejected) -> NoReturn:
    """The rejection's one-line summary, then its rows (at most MAX_PRINTED_ERRORS), exit 2."""
    typer.echo(f"error: {file.name}: {rejected}", err=True)
    for error in rejected.errors[:MAX_PRINTED_ERRORS]:
        message = error.message
        if error.column and not message.startswith(error.column):
            message = f"{error.column}: {message}"
        typer.echo(f"  row {error.row}: {message}", err=True)
    if rejected.error_count > MAX_PRINTED_ERRORS:
        typer.echo(f"  ... and {rejected.error_count - MAX_PRINTED_ERRORS} more", err=True)
    raise typer.Exit(code=2)


@history_app.command("delete")
def delete_command(
    queue: Annotated[str, typer.Option(help="Queue whose history to delete.")],
    start: Annotated[
        str, typer.Option(help="Intervals starting at or after this instant (ISO 8601, offset).")
    ],
    end: Annotated[str, typer.Option(help="... and before this instant (exclusive).")],
    dry_run: Annotated[
        bool, typer.Option(help="Count the intervals it would delete, delete nothing.")
    ] = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Delete a queue's intervals starting in [start, end), as `DELETE /v1/history` does.

    In the same transaction the day sums behind the KPIs, the accuracy scores of the site's
    forecast runs overlapping the range and the site's patience estimates follow.
    """
    from wfm.db.session import unit_of_work
    from wfm.services.history_import import delete_history

    start_utc, end_utc = _instant(start, "--start"), _instant(end, "--end")
    engine = open_database(database_url)
    with user_errors(), unit_of_work(engine) as session:
        result = delete_history(session, queue_code=queue, start_utc=start_utc, end_utc=end_utc)
        if dry_run:
            session.rollback()
    span = f"{result.start_utc:%Y-%m-%d %H:%M} .. {result.end_utc:%Y-%m-%d %H:%M} UTC"
    if dry_run:
        typer.echo(f"would delete {result.deleted} intervals of queue {queue}, {span} (dry run)")
        return
    typer.echo(f"deleted {result.deleted} intervals of queue {queue}, {span}")
    if result.rescored_runs:
        info(f"forecast runs re-scored: {', '.join(map(str, result.rescored_runs))}")
    if result.patience_site is not None:
        info(f"patience re-estimated for the queues of site {result.patience_site}")


def _instant(text: str, option: str) -> datetime:
    """An ISO 8601 instant with an offset, in UTC; exit 2 naming the option otherwise."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        fail(f"{option} {text!r} is not an ISO 8601 instant (e.g. 2025-03-03T00:00:00+01:00)")
    if moment.tzinfo is None or moment.utcoffset() is None:
        fail(f"{option} {text!r} has no offset; add one (e.g. Z or +01:00)")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        fail(f"{option} {text!r} lies outside the calendar once converted to UTC")
