"""`wfm scenario run FILE.json`: solve a what-if scenario in-process and print it side by side."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from wfm.cli.app import app, fail, info
from wfm.cli.common import DatabaseUrlOption, open_database, user_errors

scenario_app = typer.Typer(help="What-if scenarios on a site's week.", no_args_is_help=True)
app.add_typer(scenario_app, name="scenario")

ROWS = (
    ("answer_rate", "answer rate", "{:.4f}"),
    ("service_level", "service level", "{:.4f}"),
    ("outbound_value", "sales", "{:,.0f}"),
    ("paid_hours", "paid hours", "{:,.1f}"),
    ("hours_short", "hours short", "{:,.1f}"),
    ("agents", "agents", "{:.0f}"),
    ("labour_cost", "labour cost", "{:,.0f}"),
    ("cost_per_answered_contact", "cost/answered", "{:.2f}"),
    ("sales_per_paid_hour", "sales/paid hour", "{:.2f}"),
)


@scenario_app.command("run")
def run_command(
    file: Annotated[
        Path, typer.Argument(help="The scenario, JSON (the body of POST /v1/scenarios).")
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the stored scenario as JSON.")
    ] = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Check the scenario, store it, solve its base week and every variant here (no worker),
    and print each variant's figures beside the base's with the difference. A bad file or a
    change naming an unknown queue, skill or campaign is one `error:` line (exit 2), nothing
    stored. No roster or forecast is written."""
    from wfm.db.repositories import ScenarioRepository
    from wfm.db.session import unit_of_work
    from wfm.services.scenarios import create_scenario, run_scenario, scenario_status

    doc = _read(file)
    engine = open_database(database_url)
    with user_errors(), unit_of_work(engine) as session:
        scenario_id, _ = create_scenario(session, doc, queue_job=False)
        run_scenario(session, scenario_id, progress=lambda f, m: info(f"[{f:4.0%}] {m}"))
        shown = scenario_status(session, ScenarioRepository(session).get(scenario_id))
    if as_json:
        typer.echo(json.dumps(shown, indent=2, default=str))
        return
    typer.echo(table(shown))


def table(shown: dict[str, Any]) -> str:
    """The comparison side by side: a column per week (base first), a row per figure, and
    under each variant's figure its difference to the base."""
    comparison = shown["comparison"]
    columns = [comparison["base"], *comparison["variants"]]
    width = max(14, *(len(c["name"]) + 2 for c in columns))
    lines = [
        f"scenario {shown['id']} {shown['name']!r}: site {shown['site']}, week of "
        f"{shown['week_start']}, {comparison['time_limit_seconds']:g} s per solve, "
        f"money in {comparison['currency']}",
        f"{'':16}" + "".join(f"{c['name'][: width - 2]:>{width}}" for c in columns),
    ]
    for key, label, pattern in ROWS:
        values, deltas = [], []
        for column in columns:
            figures = column.get("figures")
            value = None if figures is None else figures.get(key)
            values.append("-" if value is None else pattern.format(value))
            delta = (column.get("difference") or {}).get(key)
            deltas.append("" if delta is None else "+" * (delta >= 0) + pattern.format(delta))
        lines.append(f"{label:16}" + "".join(f"{v:>{width}}" for v in values))
        if any(deltas):
            lines.append(f"{'  vs base':16}" + "".join(f"{d:>{width}}" for d in deltas))
    for column in columns:
        if column.get("error"):
            lines.append(f"{column['name']}: not solved: {column['error']}")
    if all((c.get("figures") or {}).get("labour_cost") is None for c in columns):
        lines.append("labour cost: - (the site's rules for the week set no wages)")
    return "\n".join(lines)


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"can't read the scenario {path}: {exc}")
