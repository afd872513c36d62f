"""`wfm calibrate`: fit the queue model on past intervals from a CSV and score it on later ones."""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from wfm.cli.app import app, fail
from wfm.cli.common import DatabaseUrlOption
from wfm.cli.pipeline_commands import (
    HISTORY_LOOKBACK_DAYS,
    HistoryLookbackOption,
    SiteOption,
    on_site,
)

REQUIRED = ("interval_start", "offered", "answered", "abandoned", "aht_seconds", "agents")
OPTIONAL = (
    "answered_within_threshold",
    "threshold_seconds",
    "interval_minutes",
    "total_wait_seconds",
)
COUNTS = ("offered", "answered", "abandoned", "answered_within_threshold")


@dataclass(frozen=True)
class IntervalRow:
    """One interval of the file, checked."""

    line: int
    interval_start: datetime
    offered: float
    answered: float
    abandoned: float
    aht_seconds: float
    agents: float
    interval_seconds: float
    answered_within_threshold: float | None
    threshold_seconds: float | None
    total_wait_seconds: float | None = None


@app.command("calibrate")
def calibrate_command(
    intervals_csv: Annotated[
        Path,
        typer.Argument(
            metavar="INTERVALS.csv",
            help="Interval rows: interval_start (ISO 8601 with offset), offered, answered, "
            "abandoned, aht_seconds, agents; optional answered_within_threshold, "
            "threshold_seconds, interval_minutes, total_wait_seconds.",
        ),
    ],
    fit_until: Annotated[
        str,
        typer.Option(
            help="Fit on the rows before this date (YYYY-MM-DD, each row's own local date) or "
            "instant (ISO 8601 with offset); score the rows from it.",
        ),
    ],
    interval_minutes: Annotated[
        float | None,
        typer.Option(help="Interval length for rows without an interval_minutes column."),
    ] = None,
    threshold_seconds: Annotated[
        float,
        typer.Option(help="Service-level threshold for rows without a threshold_seconds column."),
    ] = 20.0,
    half_life_days: Annotated[
        float | None,
        typer.Option(
            help="Weigh the fitted rows by recency: a row this many days before the last "
            "fitted one counts half (default: all alike).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Calibrate the queue model on the rows before --fit-until and check it on the rest.

    Prints, for each scored interval with calls, the predicted and actual answer rate and
    service level, then their mean absolute error (call-weighted and plain), the bias of the
    total and the binomial noise floor, for the calibrated model and for the textbook Erlang A
    (every agent a server), and the fitted parameters.
    """
    if interval_minutes is not None and not (
        math.isfinite(interval_minutes) and interval_minutes > 0
    ):
        fail("--interval-minutes must be a number > 0")
    if not (math.isfinite(threshold_seconds) and threshold_seconds >= 0):
        fail("--threshold-seconds must be a number >= 0")
    if half_life_days is not None and not (math.isfinite(half_life_days) and half_life_days > 0):
        fail("--half-life-days must be a number > 0")
    rows = read_rows(intervals_csv, interval_minutes, threshold_seconds)
    is_fit = _splitter(fit_until)
    fit = [row for row in rows if is_fit(row.interval_start)]
    scored = [row for row in rows if not is_fit(row.interval_start) and row.offered > 0]
    if not any(row.offered > 0 for row in fit):
        fail(f"--fit-until {fit_until}: no row with calls before it to fit on")
    if not scored:
        fail(f"--fit-until {fit_until}: no row with calls from it to score")
    calibration, baseline = _fit(intervals_csv, fit, half_life_days)
    report = _report(fit_until, fit, scored, calibration, baseline)
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    for line in report_lines(report):
        typer.echo(line)


def _column(name: str, chosen: list[IntervalRow]) -> Any:
    import numpy as np

    return np.array([getattr(row, name) for row in chosen], dtype=float)


def _fit(path: Path, fit: list[IntervalRow], half_life_days: float | None) -> tuple[Any, Any]:
    """The calibration fitted on the rows, and the textbook Erlang A (availability 1, no
    recalibration, the patience fitted alike) as the baseline."""
    from wfm.domain import queue_model

    last = max(row.interval_start for row in fit)
    ages = [(last - row.interval_start).total_seconds() / 86400.0 for row in fit]
    with_sl = fit[0].answered_within_threshold is not None
    with_waits = fit[0].total_wait_seconds is not None
    threshold = fit[0].threshold_seconds
    common: dict[str, Any] = {
        "answered_within_threshold": _column("answered_within_threshold", fit) if with_sl else None,
        "threshold_seconds": threshold,
        "total_wait_seconds": _column("total_wait_seconds", fit) if with_waits else None,
        "weights": queue_model.recency_weights(ages, half_life_days),
    }
    names = ("offered", "answered", "abandoned", "aht_seconds", "agents", "interval_seconds")
    arrays = [_column(name, fit) for name in names]
    try:
        calibration = queue_model.fit_calibration(
            *arrays,
            **common,
            fitted_from_utc=min(row.interval_start for row in fit).astimezone(UTC),
            fitted_until_utc=last.astimezone(UTC),
            half_life_days=half_life_days,
        )
        baseline = queue_model.fit_calibration(
            *arrays, **common, availability=1.0, recalibrate=False
        )
    except queue_model.ErlangError as exc:
        fail(f"{path}: {exc}")
    return calibration, baseline


def _report(
    fit_until: str,
    fit: list[IntervalRow],
    scored: list[IntervalRow],
    calibration: Any,
    baseline: Any,
) -> dict[str, Any]:
    """The report: the scored intervals and the summary (`--json` prints it as it is)."""
    from wfm.domain import queue_model

    threshold = scored[0].threshold_seconds
    with_sl = scored[0].answered_within_threshold is not None
    offered = _column("offered", scored)
    inputs = (
        offered,
        _column("aht_seconds", scored),
        _column("agents", scored),
        _column("interval_seconds", scored),
    )
    predicted = calibration.predict(*inputs, threshold_seconds=threshold)
    textbook = baseline.predict(*inputs, threshold_seconds=threshold)
    answered = _column("answered", scored)
    within = _column("answered_within_threshold", scored) if with_sl else None
    return {
        "intervals": [
            {
                "interval_start": row.interval_start.isoformat(),
                "offered": row.offered,
                "predicted_answer_rate": float(predicted.answer_rate[i]),
                "actual_answer_rate": row.answered / row.offered,
                "predicted_service_level": float(predicted.service_level[i]),
                "actual_service_level": None
                if row.answered_within_threshold is None
                else row.answered_within_threshold / row.offered,
                "erlang_a_answer_rate": float(textbook.answer_rate[i]),
                "erlang_a_service_level": float(textbook.service_level[i]),
            }
            for i, row in enumerate(scored)
        ],
        "summary": {
            "fit_until": fit_until,
            "fitted_intervals": len(fit),
            "scored_intervals": len(scored),
            "scored_offered": float(offered.sum()),
            "weeks": _weeks(scored, predicted.answer_rate, predicted.service_level),
            "threshold_seconds": threshold,
            "calibration": calibration.to_dict(),
            "answer_rate": _accuracy(
                queue_model.rate_accuracy(offered, answered, predicted.answer_rate)
            ),
            "service_level": None
            if within is None
            else _accuracy(queue_model.rate_accuracy(offered, within, predicted.service_level)),
            "erlang_a": {
                "patience_seconds": baseline.patience_seconds,
                "answer_rate": _accuracy(
                    queue_model.rate_accuracy(offered, answered, textbook.answer_rate)
                ),
                "service_level": None
                if within is None
                else _accuracy(queue_model.rate_accuracy(offered, within, textbook.service_level)),
            },
        },
    }


def _weeks(rows: list[IntervalRow], answer_rate: Any, service_level: Any) -> list[dict[str, Any]]:
    """Predicted against actual totals per week (Monday of each row's own local date)."""
    weeks: dict[date, list[float]] = {}
    for row, ar, sl in zip(rows, answer_rate, service_level, strict=True):
        day = row.interval_start.date()
        sums = weeks.setdefault(day - timedelta(days=day.weekday()), [0, 0.0, 0.0, 0.0, 0.0, 0.0])
        within = row.answered_within_threshold
        sums[0] += 1
        sums[1] += row.offered
        sums[2] += row.answered
        sums[3] += float(ar) * row.offered
        sums[4] += float("nan") if within is None else within
        sums[5] += float(sl) * row.offered
    return [
        {
            "week_start": monday.isoformat(),
            "intervals": int(n),
            "offered": offered,
            "actual_answer_rate": answered / offered,
            "predicted_answer_rate": predicted_ar / offered,
            "actual_service_level": None if math.isnan(within) else within / offered,
            "predicted_service_level": predicted_sl / offered,
        }
        for monday, (n, offered, answered, predicted_ar, within, predicted_sl) in sorted(
            weeks.items()
        )
    ]


def _accuracy(score: Any) -> dict[str, float | int]:
    return {
        "intervals": score.intervals,
        "mae_call_weighted": score.mae_call_weighted,
        "mae": score.mae,
        "bias": score.bias,
        "predicted_total": score.predicted_total_rate,
        "actual_total": score.actual_total_rate,
        "noise_floor_call_weighted": score.noise_floor.call_weighted,
        "noise_floor": score.noise_floor.plain,
    }


def report_lines(report: dict[str, Any]) -> list[str]:
    """The report as text: one line per scored interval, then the summary."""

    def pct(value: float | None) -> str:
        return "-" if value is None else f"{100 * value:.1f}"

    summary = report["summary"]
    cal = summary["calibration"]
    lines = [
        f"{'interval_start':<26} {'offered':>8} {'AR pred':>8} {'AR actual':>9} "
        f"{'SL pred':>8} {'SL actual':>9}   (%)"
    ]
    for row in report["intervals"]:
        lines.append(
            f"{row['interval_start']:<26} {row['offered']:>8g} "
            f"{pct(row['predicted_answer_rate']):>8} {pct(row['actual_answer_rate']):>9} "
            f"{pct(row['predicted_service_level']):>8} {pct(row['actual_service_level']):>9}"
        )
    lines += [
        "",
        f"{'week from':<12} {'offered':>8} {'AR pred':>8} {'AR actual':>9} "
        f"{'SL pred':>8} {'SL actual':>9}   (%)",
    ]
    for week in summary["weeks"]:
        lines.append(
            f"{week['week_start']:<12} {week['offered']:>8g} "
            f"{pct(week['predicted_answer_rate']):>8} {pct(week['actual_answer_rate']):>9} "
            f"{pct(week['predicted_service_level']):>8} {pct(week['actual_service_level']):>9}"
        )
    lines += [
        "",
        f"fitted on {summary['fitted_intervals']} intervals ({cal['fitted_from_utc']} to "
        f"{cal['fitted_until_utc']}), scored {summary['scored_intervals']} intervals with "
        f"{summary['scored_offered']:g} calls from {summary['fit_until']}",
        f"availability {cal['availability']:.3f} (effective servers = availability x agents), "
        f"patience {cal['patience_seconds']:.0f} s ({cal['patience_method']})",
        "recalibration (b0, b1 logit, b2 log offered, b3 log servers): answer rate "
        + ", ".join(f"{b:.3f}" for b in cal["answer_rate_coefficients"])
        + "; service level "
        + ", ".join(f"{b:.3f}" for b in cal["service_level_coefficients"]),
        "",
        f"{'':<34} {'MAE cw':>7} {'MAE':>7} {'bias':>7} {'floor cw':>9} {'floor':>7}",
    ]
    threshold = f"{summary['threshold_seconds']:g} s"
    textbook = summary["erlang_a"]
    for label, score in (
        ("answer rate, calibrated", summary["answer_rate"]),
        (f"answer rate, Erlang A ({textbook['patience_seconds']:.0f} s)", textbook["answer_rate"]),
        (f"service level {threshold}, calibrated", summary["service_level"]),
        (f"service level {threshold}, Erlang A", textbook["service_level"]),
    ):
        if score is None:
            continue
        lines.append(
            f"{label:<34} {score['mae_call_weighted']:>7.4f} {score['mae']:>7.4f} "
            f"{100 * score['bias']:>+6.2f}p {score['noise_floor_call_weighted']:>9.4f} "
            f"{score['noise_floor']:>7.4f}"
        )
    ar = summary["answer_rate"]
    erlang_total = textbook["answer_rate"]["predicted_total"]
    lines.append(
        f"total answer rate: actual {pct(ar['actual_total'])} %, calibrated "
        f"{pct(ar['predicted_total'])} %, Erlang A {pct(erlang_total)} %"
    )
    return lines


def _splitter(text: str) -> Any:
    """Whether a row's interval_start falls before --fit-until (a date or an instant)."""
    value = text.strip()
    try:
        day = date.fromisoformat(value)
    except ValueError:
        day = None
    if day is not None and len(value) == 10:
        return lambda start: start.date() < day
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        fail(f"--fit-until must be a date (YYYY-MM-DD) or an ISO 8601 instant, got {text!r}")
    if moment.tzinfo is None:
        fail(f"--fit-until {text!r} has no UTC offset (e.g. +02:00 or Z)")
    return lambda start: start < moment


def read_rows(
    path: Path, interval_minutes: float | None, threshold_seconds: float
) -> list[IntervalRow]:
    """The file's rows, checked; the first bad one ends the command (exit 2) naming its line
    and column."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        fail(f"{path}: cannot read ({exc.strerror or exc})")
    with handle:
        reader = csv.DictReader(handle)
        header = [name.strip() for name in reader.fieldnames or []]
        missing = [name for name in REQUIRED if name not in header]
        if missing:
            fail(f"{path}: missing column(s) {', '.join(missing)} (need {', '.join(REQUIRED)})")
        if "interval_minutes" not in header and interval_minutes is None:
            fail(f"{path}: no interval_minutes column; give --interval-minutes")
        reader.fieldnames = header
        rows = []
        for raw in reader:
            rows.append(_row(path, reader.line_num, raw, interval_minutes, threshold_seconds))
    if not rows:
        fail(f"{path}: no rows")
    thresholds = {row.threshold_seconds for row in rows}
    if len(thresholds) > 1:
        first = next(row for row in rows if row.threshold_seconds != rows[0].threshold_seconds)
        fail(
            f"{path} line {first.line}: threshold_seconds must be the same on every row "
            f"({rows[0].threshold_seconds:g} above, {first.threshold_seconds:g} here)"
        )
    for name in ("answered_within_threshold", "total_wait_seconds"):
        given = {getattr(row, name) is not None for row in rows}
        if len(given) > 1:
            first = next(row for row in rows if getattr(row, name) is None)
            fail(f"{path} line {first.line}: {name} is empty (given on other rows)")
    return rows


def _row(
    path: Path,
    line: int,
    raw: dict[str, str | None],
    interval_minutes: float | None,
    threshold_seconds: float,
) -> IntervalRow:
    where = f"{path} line {line}"

    def text(name: str) -> str:
        value = raw.get(name)
        return "" if value is None else value.strip()

    def number(name: str, *, required: bool = True) -> float | None:
        value = text(name)
        if value == "":
            if required:
                fail(f"{where}: {name} is empty")
            return None
        try:
            parsed = float(value)
        except ValueError:
            fail(f"{where}: {name} must be a number, got {value!r}")
        if not math.isfinite(parsed) or parsed < 0:
            fail(f"{where}: {name} must be a finite number >= 0, got {value!r}")
        if name in COUNTS and parsed != math.floor(parsed):
            fail(f"{where}: {name} must be a whole number of calls, got {value!r}")
        return parsed

    start_text = text("interval_start")
    try:
        start = datetime.fromisoformat(start_text)
    except ValueError:
        fail(f"{where}: interval_start must be an ISO 8601 date and time, got {start_text!r}")
    if start.tzinfo is None:
        fail(f"{where}: interval_start {start_text!r} has no UTC offset (e.g. +02:00 or Z)")
    offered, answered, abandoned = (number(n) for n in ("offered", "answered", "abandoned"))
    aht, agents = number("aht_seconds"), number("agents")
    assert offered is not None and answered is not None and abandoned is not None
    assert aht is not None and agents is not None
    within = number("answered_within_threshold", required=False)
    total_wait = number("total_wait_seconds", required=False)
    minutes = number("interval_minutes", required=False)
    if minutes is None:
        if interval_minutes is None:
            fail(f"{where}: interval_minutes is empty and no --interval-minutes was given")
        minutes = interval_minutes
    if minutes <= 0:
        fail(f"{where}: interval_minutes must be > 0, got {minutes:g}")
    threshold = number("threshold_seconds", required=False)
    if answered > offered:
        fail(f"{where}: answered ({answered:g}) must not exceed offered ({offered:g})")
    if answered + abandoned > offered:
        fail(f"{where}: abandoned ({abandoned:g}) must not exceed offered - answered")
    if within is not None and within > answered:
        fail(f"{where}: answered_within_threshold ({within:g}) must not exceed answered")
    if answered > 0 and aht <= 0:
        fail(f"{where}: aht_seconds must be > 0 where calls were answered")
    return IntervalRow(
        line=line,
        interval_start=start,
        offered=offered,
        answered=answered,
        abandoned=abandoned,
        aht_seconds=aht if aht > 0 else 1.0,
        agents=agents,
        interval_seconds=minutes * 60.0,
        answered_within_threshold=within,
        threshold_seconds=threshold_seconds if threshold is None else threshold,
        total_wait_seconds=total_wait,
    )


@app.command("calibrate-queues")
def calibrate_queues_command(
    site: SiteOption = None,
    lookback_days: HistoryLookbackOption = HISTORY_LOOKBACK_DAYS,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Calibrate each queue's model on its stored history and agent events, and store it.

    Fits, per queue, the share of its serving agents that are effectively available, the
    patience and the logistic recalibration (docs/erlang.md) on the last --lookback-days local
    days of history, with the agents serving per interval measured from the agents' ACD events.
    Prints per queue the fit (availability, patience, intervals, calls, in-sample answer-rate
    error against the textbook's and the noise floor) or why it was refused; a refused queue
    keeps the calibration it had. Every forecast run does the same with 56 days.
    """
    from wfm.services.calibration import calibrate_queues

    run = on_site(
        database_url,
        site,
        lambda session, site_code: calibrate_queues(
            session, site_code=site_code, lookback_days=lookback_days
        ),
    )
    for line in calibration_lines(run):
        typer.echo(line)


def calibration_lines(run: Any) -> list[str]:
    """The run as a heading and one line per queue."""
    if run.window_end_utc is None:
        lines = [f"site {run.site.code}: no interval history"]
    else:
        lines = [
            f"site {run.site.code}: history of the {run.lookback_days} local days to "
            f"{run.window_end_utc:%Y-%m-%d %H:%M} UTC"
        ]
    for queue in run.queues:
        fitted = queue.fitted
        if fitted is None:
            kept = (
                ""
                if queue.kept is None
                else f" (keeps the one fitted {queue.kept.fitted_at_utc:%Y-%m-%d})"
            )
            lines.append(f"{queue.queue_code}: not calibrated: {queue.refused}{kept}")
            continue
        cal = fitted.calibration
        lines.append(
            f"{queue.queue_code}: availability {cal.availability:.3f}, patience "
            f"{cal.patience_seconds:.0f} s ({cal.patience_method}), {fitted.intervals} intervals, "
            f"{fitted.calls:.0f} calls; answer-rate MAE {fitted.answer_rate_mae:.3f} "
            f"(textbook {fitted.textbook_answer_rate_mae:.3f}, noise floor "
            f"{fitted.answer_rate_noise_floor:.3f})"
        )
    return lines
