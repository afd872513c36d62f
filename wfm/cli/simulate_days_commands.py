"""`wfm simulate-days`: the published roster played call by call for N days under a floor policy."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from wfm.cli.app import app
from wfm.cli.common import DatabaseUrlOption, user_errors
from wfm.cli.pipeline_commands import SiteOption, on_site, print_progress

if TYPE_CHECKING:
    from wfm.services.simulate_days import SimulatedDay, Simulation


@app.command("simulate-days")
def simulate_days_command(
    days: Annotated[int, typer.Option("--days", help="Days to play (1-366).")] = 7,
    policy: Annotated[
        str,
        typer.Option(
            "--policy",
            help="The floor policy: money (moves decided in money), threshold (the rule before "
            "it: pull at half an agent short, release above one spare for an hour) or never.",
        ),
    ] = "money",
    seed: Annotated[int, typer.Option(help="Random seed: the same seed plays the same days.")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
    site: SiteOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Play N days of the published roster call by call under a floor policy, and print each
    day's and the total inbound answer rate, service level, outbound revenue and net value.

    Day k replays the published week's day k mod 7 with its own draw (the seed and k): absences,
    a volume surprise (day noise, sometimes an intraday surge), the calls through the queue
    simulator and the sellers' attempts, contacts and sales from the learned outbound estimates.
    The policy is asked at every interval, its moves applied as switches. Net value = outbound
    revenue + answered contacts x value per answered contact − the roster's under-target
    penalty per agent-hour short. Nothing is written to the database.
    """
    from wfm.services.simulate_days import check_request, simulate_days

    with user_errors():
        check_request(days, [policy])

    def work(session: Any, site_code: str) -> Simulation:
        try:
            return simulate_days(
                session,
                site_code=site_code,
                days=days,
                policies=[policy],
                seed=seed,
                progress=print_progress,
            )
        finally:
            session.rollback()  # read only: nothing of the play reaches the database

    simulation = on_site(database_url, site, work)
    if as_json:
        typer.echo(json.dumps(_document(simulation, policy), indent=2))
        return
    _print(simulation, policy)


def _day(d: SimulatedDay, could_meet: bool | None) -> dict[str, Any]:
    return {
        "index": d.index,
        "day": d.day.isoformat(),
        "surprise": d.surprise,
        "offered": d.offered,
        "answered": d.answered,
        "answer_rate": d.answer_rate,
        "service_level": d.service_level,
        "answer_rate_by_queue": d.answer_rate_by_queue,
        "answer_rate_met": d.answer_rate_met,
        "answer_rate_could_be_met": could_meet,
        "roster_meets_answer_rate": d.roster_meets_answer_rate,
        "outbound_revenue": d.outbound_revenue,
        "attempts": d.attempts,
        "contacts": d.contacts,
        "sales": d.sales,
        "sell_hours": d.sell_hours,
        "answered_value": d.answered_value,
        "short_agent_hours": d.short_agent_hours,
        "target_penalty": d.target_penalty,
        "net_value": d.net_value,
        "pulls": d.pulls,
        "releases": d.releases,
    }


def _document(simulation: Simulation, policy: str) -> dict[str, Any]:
    run = simulation.runs[policy]
    return {
        "site": simulation.site_code,
        "week_start": simulation.week_start.isoformat(),
        "policy": policy,
        "seed": simulation.seed,
        "currency": simulation.currency,
        "under_target_penalty_per_agent_hour": simulation.under_target_penalty_per_agent_hour,
        "days": [_day(d, c) for d, c in zip(run.days, simulation.could_meet, strict=True)],
        "summary": {
            **run.summary(),
            "days_answer_rate_could_be_met": sum(1 for c in simulation.could_meet if c),
            "days_missed_where_could_be_met": simulation.missed_where_could_meet(policy),
        },
    }


def _print(simulation: Simulation, policy: str) -> None:
    run = simulation.runs[policy]
    cur = simulation.currency
    typer.echo(
        f"site {simulation.site_code}, published week of {simulation.week_start}, policy "
        f"{policy}, seed {simulation.seed}"
    )
    typer.echo(
        f"{'day':>3} {'date':10} {'answer':>7} {'SL':>6} {'revenue':>9} {'penalty':>8} "
        f"{'net':>10} {'pulls':>5} {'rel':>4}  surprise"
    )
    for d, could in zip(run.days, simulation.could_meet, strict=True):
        mark = "" if d.answer_rate_met is not False else (" (target missed)" if could else " (x)")
        typer.echo(
            f"{d.index + 1:>3} {d.day.isoformat():10} {d.answer_rate:7.3f} "
            f"{d.service_level:6.3f} {d.outbound_revenue:9,.0f} {d.target_penalty:8,.0f} "
            f"{d.net_value:10,.0f} {d.pulls:5d} {d.releases:4d}  {d.surprise}{mark}"
        )
    s = run.summary()
    missed = simulation.missed_where_could_meet(policy)
    typer.echo(
        f"total: answer rate {s['answer_rate']:.3f}, service level {s['service_level']:.3f}, "
        f"outbound revenue {s['outbound_revenue']:,.0f} {cur}, net value "
        f"{s['net_value']:,.0f} {cur} (answered {s['answered_value']:,.0f}, penalty "
        f"{s['target_penalty']:,.0f}); answer-rate target missed on {len(missed)} of "
        f"{sum(1 for c in simulation.could_meet if c)} days it could be met"
    )
