"""`wfm erlang`: staffing requirement for one interval, or the KPIs at a given staffing."""

from __future__ import annotations

import json
import math
from typing import Annotated, Any

import typer

from wfm.cli.app import app, fail
from wfm.domain.queue_model import (
    ErlangError,
    Patience,
    QueueModel,
    QueueModelKind,
    answer_rate_target,
    scheduled_agents,
)

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
        typer.Option(
            "--shrinkage",
            "--total-shrinkage",
            help="Total shrinkage: the fraction of paid time not serving, [0, 1). With no roster "
            "it holds everything: breaks, lunches, meetings, absence. (Requirements and rosters "
            "use the site's unplanned shrinkage instead: their breaks are rostered.)",
        ),
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
    --patience-seconds), scheduled agents after the total shrinkage, and the predicted KPIs.

    With --agents, print the KPIs at that staffing instead.
    """
    if not math.isfinite(interval_minutes) or interval_minutes <= 0:
        fail(f"--interval-minutes must be a finite number > 0, got {interval_minutes:g}")
    model = QueueModel(
        code="calculation",
        interval_minutes=interval_minutes,
        service_level_target=service_level,
        service_threshold_seconds=threshold_seconds,
        patience=Patience.given(patience_seconds),
        max_occupancy=max_occupancy,
        concurrency=concurrency,
        max_asa_seconds=max_asa_seconds,
        min_answer_rate=min_answer_rate,
        max_abandon_rate=max_abandon_rate,
    )
    try:
        report = _report(model, calls, aht_seconds, shrinkage, agents)
    except ErlangError as exc:
        fail(_cli_message(exc.argument, exc.problem))
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


def _serving(
    model: QueueModel, calls: float, aht_seconds: float, shrinkage: float, agents: float | None
) -> int:
    """Agents serving: the model's requirement, or the whole number given (the targets are
    checked the same way even though only the KPIs are printed then)."""
    if agents is None:
        return int(model.requirement(calls, aht_seconds, shrinkage=shrinkage).agents)
    model.requirement(0.0, aht_seconds, shrinkage=shrinkage)
    if agents != math.floor(agents) or agents < 0:
        fail(f"--agents must be a whole number >= 0, got {agents:g}")
    return int(agents)


def _report(
    model: QueueModel, calls: float, aht_seconds: float, shrinkage: float, agents: float | None
) -> dict[str, Any]:
    """Agents serving and scheduled, and the KPIs the model predicts at the agents serving
    (Erlang A's answer and abandon rates and service-level variants too)."""
    serving = _serving(model, calls, aht_seconds, shrinkage, agents)
    kpis = model.kpis(calls, aht_seconds, serving)
    report: dict[str, Any] = {
        "model": model.kind.value,
        "agents": serving,
        "scheduled_agents": int(scheduled_agents(serving, shrinkage)),
        "service_level": float(kpis.service_level),
        "asa_seconds": _number(kpis.asa_seconds),
        "occupancy": float(kpis.occupancy),
        "p_wait": float(kpis.p_wait),
    }
    if model.kind is QueueModelKind.ERLANG_A:
        assert kpis.answer_rate is not None and kpis.abandon_rate is not None
        assert kpis.service_level_of_answered is not None
        assert kpis.service_level_abandons_count is not None
        assert kpis.mean_wait_seconds is not None
        report.update(
            answer_rate=float(kpis.answer_rate),
            abandon_rate=float(kpis.abandon_rate),
            service_level_of_answered=float(kpis.service_level_of_answered),
            service_level_abandons_count=float(kpis.service_level_abandons_count),
            mean_wait_seconds=float(kpis.mean_wait_seconds),
            answered_per_interval=float(kpis.answered),
        )
    report["load_erlangs"] = float(kpis.load_erlangs)
    return report


def _percent(value: float) -> str:
    return f"{100.0 * value:.1f} %"


def _answer_rate_target(inputs: dict[str, Any]) -> str:
    """The answer rate held to (the stricter of --min-answer-rate and 1 - --max-abandon-rate)."""
    target = answer_rate_target(inputs["min_answer_rate"], inputs["max_abandon_rate"])
    return "" if target is None else f" (target {_percent(target)})"


def _text(report: dict[str, Any], *, given_agents: bool) -> str:
    inputs = report["inputs"]
    model = "Erlang A" if report["model"] == "erlang_a" else "Erlang C"
    asa = report["asa_seconds"]
    lines = [
        f"{model}: {inputs['calls']:g} contacts in {inputs['interval_minutes']:g} min, "
        f"AHT {inputs['aht_seconds']:g} s, load {report['load_erlangs']:.2f} Erlangs",
        f"{'agents serving' if given_agents else 'agents required':<22}{report['agents']}",
        f"{'scheduled agents':<22}{report['scheduled_agents']}"
        f"  (total shrinkage {_percent(inputs['shrinkage'])})",
        f"{'service level':<22}{_percent(report['service_level'])} within "
        f"{inputs['threshold_seconds']:g} s (target {_percent(inputs['service_level'])})",
        f"{'ASA':<22}{'infinite (unstable queue)' if asa is None else f'{asa:.1f} s'}",
        f"{'occupancy':<22}{_percent(report['occupancy'])}",
        f"{'P(wait)':<22}{_percent(report['p_wait'])}",
    ]
    if report["model"] == "erlang_a":
        lines += [
            f"{'answer rate':<22}{_percent(report['answer_rate'])}{_answer_rate_target(inputs)}",
            f"{'abandon rate':<22}{_percent(report['abandon_rate'])}"
            f"  (mean patience {inputs['patience_seconds']:g} s)",
            f"{'SL of answered':<22}{_percent(report['service_level_of_answered'])}",
            f"{'SL, abandons count':<22}{_percent(report['service_level_abandons_count'])}",
        ]
    return "\n".join(lines)
