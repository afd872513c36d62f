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
    compare: Annotated[
        bool,
        typer.Option(
            "--compare",
            help="Also play the other policies on the same days and say whether money's net "
            "value beats both while it holds the answer-rate target on every reachable day.",
        ),
    ] = False,
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
    penalty per agent-hour short. A day's answer-rate target is reachable when the day played
    with every agent present serving (none selling) meets it. Nothing is written to the database.
    """
    from wfm.services.simulate_days import POLICIES, check_request, simulate_days

    with user_errors():
        check_request(days, [policy])

    def work(session: Any, site_code: str) -> Simulation:
        try:
            return simulate_days(
                session,
                site_code=site_code,
                days=days,
                policies=list(POLICIES) if compare else [policy],
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


def _day(d: SimulatedDay, reachable: bool | None) -> dict[str, Any]:
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
        "target_reachable": reachable,
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
        "days": [_day(d, r) for d, r in zip(run.days, simulation.target_reachable, strict=True)],
        "summary": simulation.summary(policy),
        "policies": {p: _brief(simulation, p) for p in simulation.runs},
        "comparison": simulation.comparison(),
    }


def _brief(simulation: Simulation, policy: str) -> dict[str, Any]:
    s = simulation.summary(policy)
    keys = (
        "net_value",
        "days_target_met",
        "days_target_reachable",
        "days_missed_where_reachable",
        "holds_target_on_reachable_days",
    )
    return {k: s[k] for k in keys}


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
    for d, reachable in zip(run.days, simulation.target_reachable, strict=True):
        mark = (
            "" if d.answer_rate_met is not False else (" (target missed)" if reachable else " (x)")
        )
        typer.echo(
            f"{d.index + 1:>3} {d.day.isoformat():10} {d.answer_rate:7.3f} "
            f"{d.service_level:6.3f} {d.outbound_revenue:9,.0f} {d.target_penalty:8,.0f} "
            f"{d.net_value:10,.0f} {d.pulls:5d} {d.releases:4d}  {d.surprise}{mark}"
        )
    s = run.summary()
    missed = simulation.missed_where_reachable(policy)
    typer.echo(
        f"total: answer rate {s['answer_rate']:.3f}, service level {s['service_level']:.3f}, "
        f"outbound revenue {s['outbound_revenue']:,.0f} {cur}, net value "
        f"{s['net_value']:,.0f} {cur} (answered {s['answered_value']:,.0f}, penalty "
        f"{s['target_penalty']:,.0f}); answer-rate target met on {s['days_target_met']} of "
        f"{len(run.days)} days, missed on {len(missed)} of "
        f"{sum(1 for r in simulation.target_reachable if r)} days the roster could meet it"
    )
    comparison = simulation.comparison()
    if comparison is None:
        return
    for other in simulation.runs:
        if other != policy:
            o = simulation.summary(other)
            typer.echo(
                f"{other}: net value {o['net_value']:,.0f} {cur}, answer-rate target met on "
                f"{o['days_target_met']} days, missed on {len(o['days_missed_where_reachable'])} "
                "reachable days"
            )
    typer.echo(
        "money beats threshold: {money_beats_threshold}, beats never: {money_beats_never}, "
        "holds the target on every reachable day: "
        "{money_holds_target_on_reachable_days}".format(**comparison)
    )
