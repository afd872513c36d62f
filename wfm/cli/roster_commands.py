"""The roster optimizer: `wfm roster`, `wfm roster-check`, `wfm roster-example` on JSON files,
and `wfm schedule` on the database."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from wfm.cli.app import app, fail, info
from wfm.cli.common import DatabaseUrlOption, open_database, user_errors
from wfm.cli.pipeline_commands import SiteOption, print_progress, resolve_site, scaled_out

TimeLimitOption = Annotated[
    float,
    typer.Option(
        "--time-limit", min=1.0, max=3600.0, help="Solver time limit, seconds (whole run)."
    ),
]
SeedOption = Annotated[
    int,
    typer.Option(
        "--seed",
        min=0,
        help="Random seed. The same seed gives the same roster when the solver runs on one "
        "thread and ends before its time limit.",
    ),
]


def _write_json(document: dict[str, Any], out: Path | None) -> None:
    text = json.dumps(document, indent=1, ensure_ascii=False) + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.name + ".partial")
        partial.write_text(text, encoding="utf-8")
        partial.replace(out)
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror or exc}")


def _load_problem(path: Path) -> Any:
    from scheduling.checks import ProblemError
    from scheduling.problem_json import load_problem

    try:
        return load_problem(path)
    except ProblemError as exc:
        _fail_issues(f"{path} is not a valid roster problem", exc.issues)


def _contradictions(path: Path, issues: Sequence[str]) -> NoReturn:
    _fail_issues(f"{path} has contradictions to fix before solving", issues)


def _fail_issues(headline: str, issues: Sequence[str]) -> NoReturn:
    info(f"error: {headline}:")
    for issue in issues[:50]:
        info(f"  - {issue}")
    if len(issues) > 50:
        info(f"  ... and {len(issues) - 50} more")
    raise typer.Exit(code=2)


def _print_summary(summary: dict[str, Any]) -> None:
    gap = summary.get("gap")
    info(
        f"{summary['status']}: objective {summary['objective']:,.0f}"
        + (f", bound {summary['bound']:,.0f}" if summary.get("bound") is not None else "")
        + (f" ({summary['bound_source']})" if summary.get("bound_source") else "")
        + (f", gap {100 * gap:.2f} %" if gap is not None else "")
        + f", {summary['hard_violations']} hard violations, "
        f"{summary['under_coverage_agent_hours']:,.1f} agent-hours short, "
        f"{summary['sell_hours']:,.1f} sell hours worth {summary['outbound_value']:,.0f} "
        f"({summary['solve_seconds']:.1f} s)"
    )
    split = summary.get("gap_split")
    if split:
        info(
            f"  of the gap: {100 * split['placement']:.2f} % at most in placing breaks and "
            f"activities on these shifts, {100 * split['shifts_or_bound']:.2f} % in the choice "
            "of shifts or the bound's looseness"
        )
    for code, queue in summary.get("queues", {}).items():
        info(f"  {code}: {_queue_line(queue)}")
    if "idle_agent_hours" in summary:  # a schedule's evaluation (docs/roster-problem.md)
        info(
            f"idle time inside serving: {summary['idle_agent_hours']:,.1f} agent-hours, "
            f"{summary['absorbable_deferred_hours']:,.1f} h absorbable by deferred work; "
            f"callbacks due {summary['callback_hours_due']:,.1f} h, "
            f"{summary['callback_hours_absorbable']:,.1f} h absorbable"
        )
    if "sales_per_paid_hour" in summary:
        info(_labour_line(summary))
    if summary.get("preference_days_asked"):
        info(
            f"preferences: {summary['preference_days_honoured']:,} of "
            f"{summary['preference_days_asked']:,} days honoured "
            f"(weight of those broken {summary.get('preference_penalty', 0.0):,.1f})"
        )
    if summary.get("voluntary_time_off_hours"):
        info(f"voluntary time off taken: {summary['voluntary_time_off_hours']:,.1f} unpaid h")


def _labour_line(summary: dict[str, Any]) -> str:
    """Labour cost, cost per answered contact and sales per paid hour (docs/roster-problem.md,
    Labour cost); "-" where a figure has no value (no wages, no answered contacts)."""

    def amount(key: str, digits: int) -> str:
        value = summary.get(key)
        return "-" if value is None else f"{value:,.{digits}f}"

    labour = summary.get("labour") or {}
    line = f"labour cost {amount('labour_cost', 0)}"
    if labour:
        line += (
            f" {labour['currency']} for {labour['paid_hours']:,.1f} paid hours (premiums "
            f"{labour['premium_cost']:,.0f}, overtime {labour['overtime_cost']:,.0f} for "
            f"{labour['overtime_hours']:,.1f} h)"
        )
        if labour.get("contracts_without_wage"):
            line += f", no wage for {', '.join(labour['contracts_without_wage'])}"
    return (
        f"{line}; {amount('answered_contacts', 0)} contacts answered, "
        f"{amount('cost_per_answered_contact', 2)} per answered contact; "
        f"sales {amount('sales_per_paid_hour', 2)} per paid hour"
    )


def _queue_line(queue: dict[str, Any]) -> str:
    """A queue's predicted service level, answer rate, ASA and occupancy ("-": no contacts)."""

    def percent(value: float | None) -> str:
        return "-" if value is None else f"{value:.1%}"

    def target(key: str) -> str:
        value = queue.get(key)
        return "no target" if value is None else f"target {value:.0%}"

    asa = queue.get("predicted_asa_seconds")
    return (
        f"service level {percent(queue.get('predicted_service_level'))} "
        f"({target('service_level_target')}), "
        f"answer rate {percent(queue.get('predicted_answer_rate'))} "
        f"({target('answer_rate_target')}), "
        f"ASA {'-' if asa is None else f'{asa:.1f} s'}, "
        f"occupancy {percent(queue.get('predicted_occupancy'))}, target met in "
        f"{queue['intervals_meeting_target']}/{queue['intervals_with_contacts']} intervals"
    )


@app.command("roster")
def roster_command(
    problem_file: Annotated[
        Path,
        typer.Argument(metavar="PROBLEM.json", help="Roster problem, docs/roster-problem.md."),
    ],
    time_limit: TimeLimitOption = 60.0,
    seed: SeedOption = 1,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="Solver threads. With 1, the same seed gives the same roster (when the run "
            "ends before its time limit); with more, stages may return other rosters of equal "
            "worth.",
        ),
    ] = 2,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write the roster JSON here instead of standard output."),
    ] = None,
) -> None:
    """Build the week's roster for a problem file: shifts, breaks and sell/serve activities.

    Always returns a roster: when demand can't be met or rules bind, the summary says what is short
    and which rules bind. Progress goes to standard error.
    """
    from scheduling.checks import ProblemError
    from scheduling.solver import solve

    problem = _load_problem(problem_file)
    try:
        result = solve(
            problem,
            time_limit_seconds=time_limit,
            seed=seed,
            workers=workers,
            progress=print_progress,
        )
    except ProblemError as exc:  # raised before any solving
        _contradictions(problem_file, exc.issues)
    _write_json(result.to_json(), out)
    _print_summary(result.summary())


@app.command("roster-check")
def roster_check_command(
    problem_file: Annotated[Path, typer.Argument(metavar="PROBLEM.json")],
    roster_file: Annotated[Path, typer.Argument(metavar="ROSTER.json")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the evaluation as JSON.")] = False,
) -> None:
    """Evaluate a roster against its problem, independently of the solver.

    Checks every hard rule and recomputes the predicted service per queue and interval. Exit code 1
    when any hard rule is broken, 2 for unreadable input, 0 otherwise.
    """
    from scheduling.checks import check_problem
    from scheduling.evaluate import evaluate, violations_by_rule
    from scheduling.roster import RosterFormatError, roster_from_json

    problem = _load_problem(problem_file)
    issues = check_problem(problem)
    if issues:
        _contradictions(problem_file, issues)
    try:
        document = json.loads(roster_file.read_text(encoding="utf-8"))
    except OSError as exc:
        fail(f"cannot read {roster_file}: {exc.strerror or exc}")
    except json.JSONDecodeError as exc:
        fail(f"{roster_file} is not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}")
    try:
        roster = roster_from_json(document)
    except RosterFormatError as exc:
        fail(f"{roster_file}: {exc}")
    evaluation = evaluate(problem, roster)
    by_rule = violations_by_rule(evaluation)
    queues = {
        q.code: {
            "predicted_service_level": q.predicted_service_level,
            "predicted_answer_rate": q.predicted_answer_rate,
            "predicted_asa_seconds": q.predicted_asa_seconds,
            "predicted_occupancy": q.predicted_occupancy,
            "intervals_with_contacts": q.intervals_with_contacts,
            "intervals_meeting_target": q.intervals_meeting_target,
            "under_coverage_agent_hours": q.under_coverage_agent_hours,
        }
        for q in evaluation.queues
    }
    report = {
        "hard_violations": evaluation.hard_violations,
        "violations_by_rule": by_rule,
        "violations": [str(v) for v in evaluation.violations],
        "objective": evaluation.objective,
        "under_coverage_agent_hours": evaluation.under_coverage_agent_hours,
        "sell_hours": evaluation.sell_hours,
        "outbound_value": evaluation.sell_value,
        "queues": queues,
    }
    if as_json:
        from wfm.domain.jsonvalues import json_safe

        typer.echo(json.dumps(json_safe(report), indent=1))
    else:
        typer.echo(
            f"{evaluation.hard_violations} hard violations; objective {evaluation.objective:,.0f}; "
            f"{evaluation.under_coverage_agent_hours:,.1f} agent-hours short; "
            f"{evaluation.sell_hours:,.1f} sell hours worth {evaluation.sell_value:,.0f}"
        )
        for rule, count in sorted(by_rule.items()):
            typer.echo(f"  {rule}: {count}")
        for violation in evaluation.violations[:20]:
            typer.echo(f"  - {violation}")
        for code, q in queues.items():
            sl = q["predicted_service_level"]
            typer.echo(
                f"  {code}: service level {'-' if sl is None else f'{sl:.1%}'}, target met in "
                f"{q['intervals_meeting_target']}/{q['intervals_with_contacts']} intervals"
            )
    if evaluation.hard_violations:
        raise typer.Exit(code=1)


@app.command("roster-example")
def roster_example_command(
    agents: Annotated[int, typer.Option("--agents", min=1, max=20_000, help="Agents.")] = 200,
    queues: Annotated[int, typer.Option("--queues", min=1, max=6, help="Inbound queues.")] = 3,
    campaigns: Annotated[
        int, typer.Option("--campaigns", min=0, max=6, help="Outbound campaigns.")
    ] = 2,
    seed: SeedOption = 1,
    start: Annotated[
        str | None,
        typer.Option("--start", help="First day, YYYY-MM-DD (default the example's Monday)."),
    ] = None,
    interval_minutes: Annotated[int, typer.Option("--interval-minutes", help="15, 30 or 60.")] = 15,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the problem here instead of stdout.")
    ] = None,
    tight: Annotated[
        bool,
        typer.Option(
            "--tight",
            help="A tight centre: the requirement near the agents at the peaks and campaigns "
            "with room, so the optimizer must trade service against selling.",
        ),
    ] = False,
) -> None:
    """Write a realistic roster problem: a Dublin centre's week with mixed contracts and skills."""
    from scheduling.example import DEFAULT_START, example_problem
    from scheduling.problem_json import problem_to_json

    try:
        start_date = DEFAULT_START if start is None else date.fromisoformat(start)
    except ValueError:
        fail(f"--start {start!r} is not a date (YYYY-MM-DD)")
    try:
        problem = example_problem(
            agents,
            queues=queues,
            campaigns=campaigns,
            seed=seed,
            start_date=start_date,
            interval_minutes=interval_minutes,
            tight=tight,
        )
    except ValueError as exc:
        fail(str(exc))
    _write_json(problem_to_json(problem), out)
    if out is not None:
        kind = "a tight centre: " if tight else ""
        info(f"wrote {out}: {kind}{agents} agents, {queues} queues, {campaigns} campaigns")


@app.command("schedule")
def schedule_command(
    week: Annotated[
        str | None,
        typer.Option(
            "--week",
            help="First local day of the week, a Monday, YYYY-MM-DD; default the first "
            "Monday-to-Sunday week of the latest forecast.",
        ),
    ] = None,
    site: SiteOption = None,
    time_limit: TimeLimitOption = 60.0,
    seed: SeedOption = 1,
    publish: Annotated[
        bool,
        typer.Option(
            "--publish",
            help="Publish the new version once it is built (refused when its week overlaps "
            "another published week).",
        ),
    ] = False,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json", help="Print the schedule's id, version, status and summary as JSON."
        ),
    ] = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Build a draft schedule for a week from the stored forecast, agents and campaigns.

    Stores the next version as a draft (publish it with --publish, from the API or the
    dashboard). Nothing is stored when the problem has contradictions. The predicted service per
    queue is the schedule's evaluation, as GET /v1/schedules/{id}/evaluation gives it.
    """
    from wfm.db.session import unit_of_work
    from wfm.services.scheduling import build_schedule, first_forecast_week, publish_schedule

    week_start: date | None = None
    if week is not None:
        try:
            week_start = date.fromisoformat(week)
        except ValueError:
            fail(f"--week {week!r} is not a date (YYYY-MM-DD)")
    engine = open_database(database_url)
    started = time.perf_counter()
    with user_errors(), scaled_out() as where, unit_of_work(engine) as session:
        site_code = resolve_site(session, site)
        if week_start is None:
            week_start = first_forecast_week(session, site_code)
        solver = where.roster_solver()
        schedule = build_schedule(
            session,
            site_code=site_code,
            week_start=week_start,
            time_limit_seconds=time_limit,
            seed=seed,
            progress=print_progress,
            solver=solver,
        )
        if solver is not None:
            info(f"{len(solver.parts)} independent parts solved on the {solver.cluster.describe()}")
        if publish:
            assert schedule.id is not None
            schedule = publish_schedule(session, schedule.id, datetime.now(UTC))
    summary: dict[str, Any] = dict(schedule.summary)
    headline = (
        f"{schedule.status.value} schedule {schedule.id} (version {schedule.version}) "
        f"for site {site_code}, "
        f"week of {week_start}: {len(schedule.shifts)} shifts "
        f"({time.perf_counter() - started:.1f} s)"
    )
    if as_json:
        info(headline)
        document = {
            "schedule_id": schedule.id,
            "site_code": site_code,
            "week_start": week_start.isoformat(),
            "version": schedule.version,
            "status": schedule.status.value,
            "shifts": len(schedule.shifts),
            "summary": summary,
        }
        typer.echo(json.dumps(document, indent=1, ensure_ascii=False))
    else:
        typer.echo(headline)
    _print_summary(summary)
    for item in list(summary.get("short", []))[:5]:
        info(f"  short: {_short_line(item)}")
    for rule in list(summary.get("binding_rules", []))[:5]:
        info(f"  binding: {rule}")


def _short_line(item: object) -> str:
    """One line for a stretch of a queue short of its requirement (the summary's `short`)."""
    if not isinstance(item, dict):
        return str(item)
    return (
        f"{item.get('queue')} {item.get('local')}: up to {item.get('max_agents_short')} agents "
        f"short ({item.get('agent_hours_short')} agent-hours)"
    )
