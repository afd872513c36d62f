"""`wfm erlang`: staffing requirement for one interval, or the KPIs at a given staffing."""

from __future__ import annotations

import json
import math
from typing import Annotated, Any

import typer

from wfm.cli.app import app, fail

_ARGUMENTS = (
    "calls",
    "aht_seconds",
    "service_level",
    "threshold_seconds",
    "max_asa_seconds",
    "max_occupancy",
    "patience_seconds",
    "max_abandon_rate",
    "min_answer_rate",
    "concurrency",
    "shrinkage",
    "agents",
)


def _option_name(argument: str) -> str:
    return "--" + argument.replace("_", "-")


def _cli_message(argument: str, problem: str) -> str:
    """The library's message with its parameter names spelt as this command's options."""
    for name in sorted(_ARGUMENTS, key=len, reverse=True):
        problem = problem.replace(name, _option_name(name))
    return f"{_option_name(argument)} {problem}"


def _number(value: Any) -> float | None:
    """JSON-safe number: infinite ASA (an unstable queue) becomes null."""
    number = float(value)
    return number if math.isfinite(number) else None


@app.command("erlang")
def erlang_command(
    calls: Annotated[
        float, typer.Option(help="Contacts offered in the interval (forecast or actual).")
    ],
    aht_seconds: Annotated[
        float, typer.Option(help="Average handle time per contact: talk + hold + wrap-up, s.")
    ],
    interval_minutes: Annotated[float, typer.Option(help="Length of the interval, minutes.")] = 15,
    service_level: Annotated[
        float,
        typer.Option(help="Service-level target: fraction answered within the threshold, (0, 1)."),
    ] = 0.8,
    threshold_seconds: Annotated[
        float, typer.Option(help="Service-level threshold T: answered within T seconds.")
    ] = 20,
    max_asa_seconds: Annotated[
        float | None, typer.Option(help="Also require the average speed of answer <= this, s.")
    ] = None,
    max_occupancy: Annotated[
        float | None, typer.Option(help="Also cap agent occupancy at this fraction, (0, 1].")
    ] = None,
    patience_seconds: Annotated[
        float | None,
        typer.Option(
            help="Mean caller patience, s: use Erlang A (abandonment) instead of Erlang C."
        ),
    ] = None,
    max_abandon_rate: Annotated[
        float | None,
        typer.Option(help="Also require abandoned / offered <= this (needs --patience-seconds)."),
    ] = None,
    min_answer_rate: Annotated[
        float | None,
        typer.Option(help="Also require answered / offered >= this (needs --patience-seconds)."),
    ] = None,
    concurrency: Annotated[
        float, typer.Option(help="Contacts an agent handles at once (chat, messaging); >= 1.")
    ] = 1,
    shrinkage: Annotated[
        float,
        typer.Option(help="Fraction of paid time not serving (breaks, meetings, absence), [0, 1)."),
    ] = 0.0,
    agents: Annotated[
        float | None,
        typer.Option(help="Report the KPIs at this many agents instead of the requirement."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object instead of text.")
    ] = False,
) -> None:
    """Agents needed to meet the service targets in one interval (Erlang C, or Erlang A with
    --patience-seconds), scheduled agents after shrinkage, and the predicted KPIs.

    With --agents, print the KPIs at that staffing instead.
    """
    from erlang import ErlangError, erlang_a, erlang_c, required_agents, scheduled_from_required

    if not math.isfinite(interval_minutes) or interval_minutes <= 0:
        fail(f"--interval-minutes must be a finite number > 0, got {interval_minutes:g}")
    interval_seconds = interval_minutes * 60.0
    try:
        if agents is None:
            staffing = required_agents(
                calls,
                interval_seconds,
                aht_seconds,
                service_level=service_level,
                threshold_seconds=threshold_seconds,
                max_asa_seconds=max_asa_seconds,
                max_abandon_rate=max_abandon_rate,
                min_answer_rate=min_answer_rate,
                patience_seconds=patience_seconds,
                max_occupancy=max_occupancy,
                concurrency=concurrency,
                shrinkage=shrinkage,
            )
            serving = int(staffing.agents)
        else:
            # Validate the targets the same way even though only the KPIs are printed.
            required_agents(
                0.0,
                interval_seconds,
                aht_seconds,
                service_level=service_level,
                threshold_seconds=threshold_seconds,
                max_asa_seconds=max_asa_seconds,
                max_abandon_rate=max_abandon_rate,
                min_answer_rate=min_answer_rate,
                patience_seconds=patience_seconds,
                max_occupancy=max_occupancy,
                concurrency=concurrency,
                shrinkage=shrinkage,
            )
            if agents != math.floor(agents) or agents < 0:
                fail(f"--agents must be a whole number >= 0, got {agents:g}")
            serving = int(agents)
        scheduled = int(scheduled_from_required(serving, shrinkage))
        report: dict[str, Any] = {
            "model": "erlang_a" if patience_seconds is not None else "erlang_c",
            "agents": serving,
            "scheduled_agents": scheduled,
        }
        if patience_seconds is None:
            c = erlang_c(
                calls,
                interval_seconds,
                aht_seconds,
                serving,
                threshold_seconds,
                concurrency=concurrency,
            )
            report.update(
                service_level=float(c.service_level),
                asa_seconds=_number(c.asa_seconds),
                occupancy=float(c.occupancy),
                p_wait=float(c.p_wait),
            )
            load = float(c.load_erlangs)
        else:
            a = erlang_a(
                calls,
                interval_seconds,
                aht_seconds,
                serving,
                patience_seconds,
                threshold_seconds,
                concurrency=concurrency,
            )
            report.update(
                service_level=float(a.service_level),
                asa_seconds=_number(a.asa_seconds),
                occupancy=float(a.occupancy),
                p_wait=float(a.p_wait),
                answer_rate=float(a.answer_rate),
                abandon_rate=float(a.abandon_rate),
                service_level_of_answered=float(a.service_level_of_answered),
                service_level_abandons_count=float(a.service_level_abandons_count),
                mean_wait_seconds=float(a.mean_wait_seconds),
                answered_per_interval=float(a.answered_per_interval),
            )
            load = float(a.load_erlangs)
    except ErlangError as exc:
        fail(_cli_message(exc.argument, exc.problem))
    report["load_erlangs"] = load
    report["inputs"] = {
        "calls": calls,
        "interval_minutes": interval_minutes,
        "aht_seconds": aht_seconds,
        "service_level": service_level,
        "threshold_seconds": threshold_seconds,
        "max_asa_seconds": max_asa_seconds,
        "max_occupancy": max_occupancy,
        "patience_seconds": patience_seconds,
        "max_abandon_rate": max_abandon_rate,
        "min_answer_rate": min_answer_rate,
        "concurrency": concurrency,
        "shrinkage": shrinkage,
    }
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    typer.echo(_text(report, given_agents=agents is not None))


def _percent(value: float) -> str:
    return f"{100.0 * value:.1f} %"


def _text(report: dict[str, Any], *, given_agents: bool) -> str:
    inputs = report["inputs"]
    model = "Erlang A" if report["model"] == "erlang_a" else "Erlang C"
    asa = report["asa_seconds"]
    lines = [
        f"{model}: {inputs['calls']:g} contacts in {inputs['interval_minutes']:g} min, "
        f"AHT {inputs['aht_seconds']:g} s, load {report['load_erlangs']:.2f} Erlangs",
        f"{'agents serving' if given_agents else 'agents required':<22}{report['agents']}",
        f"{'scheduled agents':<22}{report['scheduled_agents']}"
        f"  (shrinkage {_percent(inputs['shrinkage'])})",
        f"{'service level':<22}{_percent(report['service_level'])} within "
        f"{inputs['threshold_seconds']:g} s (target {_percent(inputs['service_level'])})",
        f"{'ASA':<22}{'infinite (unstable queue)' if asa is None else f'{asa:.1f} s'}",
        f"{'occupancy':<22}{_percent(report['occupancy'])}",
        f"{'P(wait)':<22}{_percent(report['p_wait'])}",
    ]
    if report["model"] == "erlang_a":
        lines += [
            f"{'answer rate':<22}{_percent(report['answer_rate'])}",
            f"{'abandon rate':<22}{_percent(report['abandon_rate'])}"
            f"  (mean patience {inputs['patience_seconds']:g} s)",
            f"{'SL of answered':<22}{_percent(report['service_level_of_answered'])}",
            f"{'SL, abandons count':<22}{_percent(report['service_level_abandons_count'])}",
        ]
    return "\n".join(lines)
