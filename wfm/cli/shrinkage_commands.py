"""`wfm shrinkage`: a site's unplanned shrinkage measured on its agents' rostered days."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from wfm.cli.app import app
from wfm.cli.common import DatabaseUrlOption, open_database, user_errors
from wfm.cli.pipeline_commands import SiteOption, resolve_site
from wfm.domain.intraday.shrinkage import DEFAULT_LOOKBACK_DAYS, MAX_LOOKBACK_DAYS


@app.command("shrinkage")
def shrinkage_command(
    site: SiteOption = None,
    lookback_days: Annotated[
        int,
        typer.Option(min=1, max=MAX_LOOKBACK_DAYS, help="Local days before today to read."),
    ] = DEFAULT_LOOKBACK_DAYS,
    apply: Annotated[
        bool, typer.Option("--apply", help="Write the estimate to the site's setting.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Measure the site's unplanned shrinkage (absence, lateness, unplanned aux) on its agents'
    ACD events over the rostered days of the last --lookback-days local days.

    Prints the estimate with its 95 % interval, split into whole days absent and lateness plus
    aux, beside the site's setting (which requirements and rosters use). With --apply the
    estimate becomes the setting; that is refused (exit 2) when too few rostered agent-days
    have events. Days on which no rostered agent worked (no ACD feed) are left out.
    """
    from wfm.db.session import unit_of_work
    from wfm.services.shrinkage import estimate_site_shrinkage, shrinkage_report

    engine = open_database(database_url)
    with user_errors(), unit_of_work(engine) as session:
        site_code = resolve_site(session, site)
        result = estimate_site_shrinkage(
            session, site_code=site_code, lookback_days=lookback_days, apply=apply
        )
        report = shrinkage_report(result)
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    for line in report_lines(report):
        typer.echo(line)


def report_lines(report: dict[str, Any]) -> list[str]:
    """The report in words."""

    def pct(value: float | None) -> str:
        return "-" if value is None else f"{100 * value:.1f} %"

    lines = [
        f"site {report['site']}: {report['agent_days']} rostered agent-days with ACD events from "
        f"{report['first_day']} to {report['last_day']} ({report['scheduled_work_hours']:.0f} h "
        f"of scheduled work; {report['days_without_events']} rostered days without events left "
        "out)"
    ]
    if report["estimate"] is None:
        lines.append("no estimate: no rostered agent-day with ACD events in the window")
    else:
        lines.append(
            f"unplanned shrinkage {pct(report['estimate'])} (95 % interval "
            f"{pct(report['ci95_low'])} to {pct(report['ci95_high'])}): absence "
            f"{pct(report['absence_share'])} ({report['absent_agent_days']} agent-days), "
            f"lateness and aux {pct(report['lateness_and_aux_share'])}"
        )
    if not report["sufficient"]:
        lines.append(
            f"too few agent-days for an estimate to use (needs {report['min_agent_days']})"
        )
    verb = "now" if report["applied"] else "is"
    lines.append(f"the site's setting {verb} {pct(report['setting'])}")
    return lines
