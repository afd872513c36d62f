"""`wfm outbound ...`: import dialer outcomes into the database; what was sold."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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


@outbound_app.command("results")
def results_command(
    start: Annotated[str, typer.Option(help="First local day of the window, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option(help="Last local day of the window (inclusive).")],
    site: Annotated[str, typer.Option(help="Code of the site.")] = "DUB",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """What was sold, as `GET /v1/outbound/results` gives it: realised outbound revenue, sales,
    contacts and attempts against the published rosters' plan by campaign, segment and local
    hour, conversion and contact rate, and sell/serve value per paid hour. The window is at
    most 92 days and ends at the site's now."""
    import json

    from wfm.db.session import unit_of_work
    from wfm.services.outbound_results import outbound_results, results_fields

    first, last = _day("--start", start), _day("--end", end)
    engine = open_database(database_url)
    with user_errors(), unit_of_work(engine) as session:
        found = results_fields(outbound_results(session, site_code=site, start=first, end=last))
    if as_json:
        typer.echo(json.dumps(found, indent=2))
        return
    for line in _results_lines(found):
        typer.echo(line)


def _day(option: str, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{option} {text!r} is not a date (YYYY-MM-DD)")


def _money(value: float | None) -> str:
    return "-" if value is None else f"{value:,.2f}"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _results_lines(found: dict[str, Any]) -> list[str]:
    total, paid = found["total"], found["per_paid_hour"]
    lines = [
        f"site {found['site_code']}, {found['start']} .. {found['end']} ({found['timezone']})",
        f"revenue {_money(total['revenue'])} ({_money(total['revenue_in_plan'])} in the "
        f"planned time), plan {_money(total['planned_revenue'])}, vs plan "
        f"{_money(total['revenue_vs_plan'])}; {total['attempts']} attempts, "
        f"{total['contacts']} contacts ({_share(total['contact_rate'])}), {total['sales']} "
        f"sales (conversion {_share(total['conversion'])})",
        f"{'campaign':<12} {'segment':<10} {'attempts':>9} {'contacts':>9} {'sales':>6} "
        f"{'revenue':>12} {'plan':>12} {'vs plan':>12}",
    ]
    rows = [(r["campaign_code"], "(all)", r) for r in found["campaigns"]]
    rows += [(r["campaign_code"], r["segment_code"], r) for r in found["campaign_segments"]]
    for campaign, segment, r in sorted(rows, key=lambda x: (x[0], x[1] != "(all)", x[1])):
        lines.append(
            f"{campaign:<12} {segment:<10} {r['attempts']:>9} {r['contacts']:>9} "
            f"{r['sales']:>6} {_money(r['revenue']):>12} {_money(r['planned_revenue']):>12} "
            f"{_money(r['revenue_vs_plan']):>12}"
        )
    lines.append(
        f"{'hour':<5} {'attempts':>9} {'contact rate':>13} {'conversion':>11} "
        f"{'revenue':>12} {'plan':>12}"
    )
    for r in found["hours"]:
        if r["attempts"] or r["planned_revenue"]:
            lines.append(
                f"{r['hour']:02d}:00 {r['attempts']:>9} {_share(r['contact_rate']):>13} "
                f"{_share(r['conversion']):>11} {_money(r['revenue']):>12} "
                f"{_money(r['planned_revenue']):>12}"
            )
    lines.append(
        f"per paid hour: {paid['paid_hours']:.1f} paid hours ({paid['selling_hours']:.1f} "
        f"selling, {paid['serving_hours']:.1f} serving); revenue per selling hour "
        f"{_money(paid['revenue_per_selling_hour'])}, answered value per serving hour "
        f"{_money(paid['answered_value_per_serving_hour'])}, both per paid hour "
        f"{_money(paid['value_per_paid_hour'])}"
    )
    return lines + [f"note: {note}" for note in found["notes"]]
