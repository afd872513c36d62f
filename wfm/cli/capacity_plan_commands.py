"""`wfm capacity-plan SITE`: plan a site's staff and hires for the coming months in-process and
print the monthly table."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from wfm.cli.app import app, info
from wfm.cli.common import DatabaseUrlOption, open_database, user_errors

# (key of a month, column title, format)
COLUMNS = (
    ("contacts", "contacts", "{:>10,.0f}"),
    ("fte_needed", "FTE needed", "{:>11.1f}"),
    ("fte_existing", "FTE today's", "{:>12.1f}"),
    ("hires_starting", "hires", "{:>6d}"),
    ("fte_paid", "FTE paid", "{:>9.1f}"),
    ("fte_productive", "FTE prod.", "{:>10.1f}"),
    ("short_fte", "short", "{:>7.1f}"),
    ("answer_rate", "answer rate", "{:>12.3f}"),
    ("service_level", "serv. level", "{:>12.3f}"),
    ("labour_cost", "labour cost", "{:>13,.0f}"),
)

Knob = Annotated[float | None, typer.Option()]


@app.command("capacity-plan")
def capacity_plan_command(
    site: Annotated[str, typer.Argument(help="Site code.")],
    months: Annotated[int, typer.Option(help="Months planned, 1 to 18.")] = 12,
    start_month: Annotated[
        str | None,
        typer.Option(help="First month, YYYY-MM-01 (default: the month after the history)."),
    ] = None,
    attrition: Annotated[
        float | None, typer.Option(help="Share of staff leaving a month, 0-1 (default 0.02).")
    ] = None,
    growth: Annotated[
        float | None,
        typer.Option(help="Volume growth a year on top of the trend (0.1: +10 %; default 0)."),
    ] = None,
    answer_rate_target: Annotated[
        float | None, typer.Option(help="Least answer rate for every queue, in (0, 1).")
    ] = None,
    lead_weeks: Annotated[
        float | None, typer.Option(help="Recruiting lead time in weeks (default 6).")
    ] = None,
    training_weeks: Annotated[
        float | None, typer.Option(help="Weeks of paid training (default 4).")
    ] = None,
    nesting_weeks: Annotated[
        float | None, typer.Option(help="Weeks of nesting (default 2).")
    ] = None,
    nesting_productivity: Annotated[
        float | None, typer.Option(help="Productivity while nesting, 0-1 (default 0.5).")
    ] = None,
    hire_fte: Annotated[float | None, typer.Option(help="FTE of a hire (default 1).")] = None,
    hourly_cost: Annotated[
        float | None,
        typer.Option(help="Cost of a paid hour (default: the contracts' wages in the rules)."),
    ] = None,
    hire_hourly_cost: Annotated[
        float | None, typer.Option(help="Cost of a hire's paid hour (default: as today's).")
    ] = None,
    full_time_hours: Annotated[
        float | None, typer.Option(help="Weekly paid hours of one FTE (default: longest contract).")
    ] = None,
    efficiency: Annotated[
        float | None,
        typer.Option(help="Rostering efficiency, (0, 1] (default: observed in stored rosters)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the stored plan as JSON.")] = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Forecast the site's months from its history, staff them through the queue model, and
    place the hires that meet the need under attrition; store the plan and print it month by
    month. A bad knob or an unknown site is one `error:` line naming the field (exit 2),
    nothing stored. No forecast or roster is written."""
    from wfm.db.repositories import CapacityPlanRepository
    from wfm.db.session import unit_of_work
    from wfm.services.capacity_plan import (
        capacity_plan_status,
        create_capacity_plan,
        run_capacity_plan,
    )

    doc: dict[str, Any] = {"site": site, "months": months, "start_month": start_month}
    knobs = {
        "monthly_attrition": attrition,
        "volume_growth_per_year": growth,
        "answer_rate_target": answer_rate_target,
        "recruiting_lead_weeks": lead_weeks,
        "training_weeks": training_weeks,
        "nesting_weeks": nesting_weeks,
        "nesting_productivity": nesting_productivity,
        "hire_fte": hire_fte,
        "hourly_cost": hourly_cost,
        "hire_hourly_cost": hire_hourly_cost,
        "full_time_weekly_hours": full_time_hours,
        "rostering_efficiency": efficiency,
    }
    doc.update({k: v for k, v in knobs.items() if v is not None})
    engine = open_database(database_url)
    with user_errors(), unit_of_work(engine) as session:
        plan_id, _ = create_capacity_plan(session, doc, queue_job=False)
        run_capacity_plan(session, plan_id, progress=lambda f, m: info(f"[{f:4.0%}] {m}"))
        shown = capacity_plan_status(session, CapacityPlanRepository(session).get(plan_id))
    if as_json:
        typer.echo(json.dumps(shown, indent=2, default=str))
        return
    typer.echo(table(shown))


def table(shown: dict[str, Any]) -> str:
    """The plan month by month, then its hires, settings and warnings."""
    plan = shown["plan"]
    settings = plan["settings"]
    lines = [
        f"capacity plan {shown['id']}: site {shown['site']}, {len(plan['months'])} months from "
        f"{plan['start_month']}, history until {plan['history_until']}, money in "
        f"{plan['currency']}",
        f"{'month':<8}"
        + "".join(
            f"{title:>{len(pattern.format(0) if 'd' in pattern else pattern.format(0.0))}}"
            for _, title, pattern in COLUMNS
        ),
    ]
    for month in plan["months"]:
        cells = []
        for key, _, pattern in COLUMNS:
            value = month[key]
            width = len(pattern.format(0) if "d" in pattern else pattern.format(0.0))
            cells.append(f"{'-':>{width}}" if value is None else pattern.format(value))
        lines.append(f"{month['month'][:7]:<8}" + "".join(cells))
    for hire in plan["hires"]:
        lines.append(f"hire {hire['count']} starting {hire['start']} (for {hire['for_month'][:7]})")
    if not plan["hires"]:
        lines.append("no hires needed")
    sources = plan["sources"]
    lines.append(
        f"attrition {settings['monthly_attrition']:.3f}/month, growth "
        f"{settings['volume_growth_per_year']:+.2f}/year, unplanned shrinkage "
        f"{settings['unplanned_shrinkage']:.2f} (site), rostering efficiency "
        f"{settings['rostering_efficiency']:.3f} ({sources['rostering_efficiency']}), full time "
        f"{settings['full_time_weekly_hours']:g} h/week, lead {settings['recruiting_lead_weeks']:g}"
        f" + training {settings['training_weeks']:g} + nesting {settings['nesting_weeks']:g} "
        f"weeks at {settings['nesting_productivity']:g}"
    )
    if plan["total_labour_cost"] is None:
        lines.append("labour cost: - (no wage for some contract; give --hourly-cost)")
    lines += [f"warning: {w}" for w in plan["warnings"]]
    return "\n".join(lines)
