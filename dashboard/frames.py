"""API answers turned into tables for the pages (pandas; texts through `dashboard.i18n`, no
Streamlit widgets)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

import pandas as pd

from dashboard.i18n import MISSING, N_, fmt_date, fmt_number, fmt_percent, t

ALL_QUEUES = N_("All queues")  # the overall row's key; shown as t(ALL_QUEUES)

# Within this fraction of a target counts as "near" (amber), beyond it as a miss (red).
NEAR_MISS_FRACTION = 0.05

KPI_LABELS = {  # English msgids: show them with t()
    "service_level": N_("Service level"),
    "answer_rate": N_("Answer rate"),
    "asa_seconds": N_("ASA (s)"),
    "abandon_rate": N_("Abandon rate"),
}
STATUS_LABELS = {
    "good": N_("on target"),
    "near": N_("near target"),
    "bad": N_("off target"),
}
# st.metric's delta colour of each status, so that the delta's colour says what the dot says
DeltaColour = Literal["green", "orange", "red", "gray"]
STATUS_DELTA_COLOURS: dict[str, DeltaColour] = {
    "good": "green",
    "near": "orange",
    "bad": "red",
    "none": "gray",
}
HIGHER_IS_BETTER = {
    "service_level": True,
    "answer_rate": True,
    "asa_seconds": False,
    "abandon_rate": False,
}
STATUS_COLOURS = {"good": "#2e7d32", "near": "#f9a825", "bad": "#c62828", "none": "#9e9e9e"}


# one colour per queue on every chart: the queues sorted by code take these in turn; the overall
# line is dark grey
QUEUE_PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#bcbd22",
    "#17becf",
    "#aec7e8",
)
OVERALL_COLOUR = "#424242"


def queue_colours(codes: Iterable[str], overall: str | None = None) -> tuple[list[str], list[str]]:
    """(domain, range) of a chart's colour scale: the queues by code, each its colour whatever
    the other queues on the chart, and `overall` (the label of all queues together) dark grey."""
    domain = sorted(set(codes))
    colours = [QUEUE_PALETTE[i % len(QUEUE_PALETTE)] for i in range(len(domain))]
    if overall is not None:
        domain.append(overall)
        colours.append(OVERALL_COLOUR)
    return domain, colours


@dataclass(frozen=True)
class Targets:
    """A queue's targets as the API stores them (`GET /v1/queues`); None: no such target. The
    answer rate is held to the queue's `answer_rate_target` (its least answer rate, or 1 - its
    most abandon rate), and the abandon rate to 1 - that: they are one target. Queues store no
    ASA target, so ASA is never judged."""

    service_level: float | None = None
    answer_rate: float | None = None
    asa_seconds: float | None = None

    @property
    def abandon_rate(self) -> float | None:
        return None if self.answer_rate is None else 1.0 - self.answer_rate

    def of(self, kpi: str) -> float | None:
        value: float | None = getattr(self, kpi)
        return value


def queue_targets(queues: Iterable[dict[str, Any]]) -> dict[str, Targets]:
    """Per queue: its stored service-level and answer-rate targets (None where it has none)."""
    return {
        q["code"]: Targets(
            service_level=_fraction(q.get("service_level_target")),
            answer_rate=_fraction(q.get("answer_rate_target")),
        )
        for q in queues
    }


def _fraction(value: Any) -> float | None:
    return None if value is None else float(value)


def overall_targets(targets: dict[str, Targets], offered: dict[str, float]) -> Targets:
    """All queues' target of each KPI: the queues' targets weighted by contacts offered (equal
    weights without contacts), when every queue has that target; else none (a mix of queues with
    and without a target has no honest overall one)."""
    weights = {q: float(offered.get(q, 0.0)) for q in targets}
    if sum(weights.values()) <= 0:
        weights = dict.fromkeys(targets, 1.0)

    def weighted(kpi: str) -> float | None:
        values = {q: t.of(kpi) for q, t in targets.items()}
        if not values or any(v is None for v in values.values()):
            return None
        total = sum(weights.values())
        return sum(float(v or 0.0) * weights[q] for q, v in values.items()) / total

    return Targets(service_level=weighted("service_level"), answer_rate=weighted("answer_rate"))


def target_text(kpi: str, target: float | None) -> str:
    """How the page says a KPI's target: "Target at least 80.0%", or "No target"."""
    if target is None:
        if kpi == "asa_seconds":
            return t("No target (queues store none for ASA)")
        return t("No target")
    shown = (
        t("{seconds} s", seconds=fmt_number(target, 0))
        if kpi == "asa_seconds"
        else fmt_percent(target)
    )
    if HIGHER_IS_BETTER[kpi]:
        return t("Target at least {target}", target=shown)
    return t("Target at most {target}", target=shown)


def kpi_value_text(kpi: str, value: float | None) -> str:
    """A KPI's value as the page shows it: a percentage, or seconds for ASA."""
    if value is None or pd.isna(value):
        return "-"
    if kpi == "asa_seconds":
        return t("{seconds} s", seconds=fmt_number(value, 1))
    return fmt_percent(value)


def kpi_change_text(kpi: str, change: float) -> str:
    """A KPI's change, signed: "+1.2 pts" (percentage points) or "-3.0 s" (ASA)."""
    sign = "+" if change >= 0 else "-"
    if kpi == "asa_seconds":
        return sign + t("{seconds} s", seconds=fmt_number(abs(change), 1))
    return sign + t("{points} pts", points=fmt_number(100 * abs(change), 1))


def comparison_range(start: date, end: date) -> tuple[date, date]:
    """The range a KPI range [start, end) is compared with: the same length, the same weekdays,
    whole weeks earlier (this week so far against the same days of last week; 28 days against
    the 28 before)."""
    days = (end - start).days
    shift = timedelta(days=7 * max(1, math.ceil(days / 7)))
    return start - shift, end - shift


def comparison_name(start: date, end: date) -> str:
    """How a delta names its comparison: "vs last week", "vs the same days last week" or
    "vs 4 weeks earlier"."""
    days = (end - start).days
    weeks = max(1, math.ceil(days / 7))
    if weeks == 1:
        return t("vs last week") if days == 7 else t("vs the same days last week")
    return t("vs {weeks} weeks earlier", weeks=weeks)


def status(value: float | None, target: float | None, higher_is_better: bool) -> str:
    """good (meets the target), near (misses by at most 5 % of it), bad, or none (no value, or
    no target)."""
    if value is None or pd.isna(value) or target is None:
        return "none"
    if higher_is_better:
        if value >= target:
            return "good"
        return "near" if value >= target * (1 - NEAR_MISS_FRACTION) else "bad"
    if value <= target:
        return "good"
    return "near" if value <= target * (1 + NEAR_MISS_FRACTION) else "bad"


def _kpi_row(queue: str, kpis: dict[str, Any]) -> dict[str, Any]:
    return {
        "queue": queue,
        "offered": kpis["offered"],
        "answered": kpis["answered"],
        "abandoned": kpis["abandoned"],
        **{k: kpis[k] for k in KPI_LABELS},
    }


def kpi_totals(report: dict[str, Any]) -> pd.DataFrame:
    """One row per queue plus the overall row, over the report's whole range."""
    rows = [_kpi_row(s["queue_code"], s["total"]) for s in report["series"]]
    rows.append(_kpi_row(ALL_QUEUES, report["overall"]["total"]))
    return pd.DataFrame(rows)


def kpi_points(report: dict[str, Any]) -> pd.DataFrame:
    """Long table: queue, period, the KPIs, per period with history (overall included)."""
    rows = []
    for series in [*report["series"], report["overall"]]:
        queue = series["queue_code"] or ALL_QUEUES
        for point in series["points"]:
            if point["intervals"] == 0:
                continue
            rows.append({"period": point["period"], **_kpi_row(queue, point["kpis"])})
    frame = pd.DataFrame(
        rows, columns=["period", "queue", "offered", "answered", "abandoned", *KPI_LABELS]
    )
    frame["period"] = pd.to_datetime(frame["period"])
    return frame


REASON_COLUMNS = [
    "rank",
    "reason",
    "contacts",
    "share",
    "previous_contacts",
    "change",
    "change_ratio",
    "share_change",
]


def reason_totals(report: dict[str, Any]) -> pd.DataFrame:
    """One row per top reason of a contact-reasons report: contacts and share over the range,
    and against the previous range (shares and changes as fractions, as the API gives them)."""
    rows = [
        {
            "rank": r["rank"],
            "reason": r["reason"],
            "contacts": r["count"],
            "share": r["share"],
            "previous_contacts": r["previous_count"],
            "change": r["count_change"],
            "change_ratio": r["count_change_ratio"],
            "share_change": r["share_change"],
        }
        for r in report["reasons"]
    ]
    return pd.DataFrame(rows, columns=REASON_COLUMNS)


def reason_points(report: dict[str, Any]) -> pd.DataFrame:
    """Long table of the top reasons' trend: period, reason, contacts, share."""
    rows = [
        {"period": p["period"], "reason": r["reason"], "contacts": p["count"], "share": p["share"]}
        for r in report["reasons"]
        for p in r["points"]
    ]
    frame = pd.DataFrame(rows, columns=["period", "reason", "contacts", "share"])
    frame["period"] = pd.to_datetime(frame["period"])
    return frame


def history_span(report: dict[str, Any]) -> tuple[str, str] | None:
    """First and last period with history in a report (local dates, ISO), or None."""
    periods = [p["period"] for p in report["overall"]["points"] if p["intervals"] > 0]
    if not periods:
        return None
    return periods[0], periods[-1]


def coverage_frame(requirements: list[dict[str, Any]], cells: list[dict[str, Any]]) -> pd.DataFrame:
    """Per interval: agents required serving (net, all queues), agents to schedule for them
    (gross: the requirement's unplanned shrinkage added once), scheduled to serve and to sell."""
    required: dict[pd.Timestamp, float] = {}
    gross: dict[pd.Timestamp, float] = {}
    for r in requirements:
        at = pd.Timestamp(r["interval_start_utc"])
        required[at] = required.get(at, 0.0) + r["required_agents"]
        gross[at] = gross.get(at, 0.0) + r["scheduled_agents"]
    serving: dict[pd.Timestamp, float] = {}
    selling: dict[pd.Timestamp, float] = {}
    for c in cells:
        at = pd.Timestamp(c["interval_start_utc"])
        serving[at] = float(sum(c["serving"].values()))
        selling[at] = float(sum(c["selling"].values()))
    index = sorted(set(required) | set(serving))
    return pd.DataFrame(
        {
            "interval_start_utc": index,
            "required": [required.get(t, 0.0) for t in index],
            "to_schedule": [gross.get(t, 0.0) for t in index],
            "servers": [serving.get(t, 0.0) for t in index],
            "sellers": [selling.get(t, 0.0) for t in index],
        }
    )


def shrinkage_said(requirements: list[dict[str, Any]]) -> str:
    """How the requirement rows were grossed up: their shrinkage and where it came from (the
    gross heads are the least rostered whose expected service meets the targets with each agent
    absent with that probability)."""
    used = {(r.get("shrinkage"), r.get("shrinkage_source")) for r in requirements}
    if len(used) != 1 or next(iter(used))[0] is None:
        return t("required, each rostered agent absent at the shrinkage.")
    fraction, source = next(iter(used))
    if source == "site":
        return t(
            "required, each rostered agent absent with probability {share}, the site's "
            "unplanned shrinkage.",
            share=fmt_percent(fraction, 0),
        )
    if source == "rules":
        return t(
            "required, each rostered agent absent with probability {share}, the unplanned "
            "shrinkage of the week's site rules.",
            share=fmt_percent(fraction, 0),
        )
    return t(
        "required, each rostered agent absent with probability {share}, given.",
        share=fmt_percent(fraction, 0),
    )


def gantt_frame(shifts: list[dict[str, Any]]) -> pd.DataFrame:
    """One bar per activity span (serve, sell, break, lunch, other), by agent."""
    rows = []
    for shift in shifts:
        spans = shift["activities"] or [
            {
                "start_utc": shift["start_utc"],
                "end_utc": shift["end_utc"],
                "activity": "serve",
                "queue_code": None,
                "campaign_code": None,
            }
        ]
        for span in spans:
            rows.append(
                {
                    "agent": shift["agent_code"],
                    "shift_date": shift["shift_date"],
                    "start": pd.Timestamp(span["start_utc"]),
                    "end": pd.Timestamp(span["end_utc"]),
                    "activity": span["activity"],
                    "on": span.get("queue_code") or span.get("campaign_code") or "",
                }
            )
    return pd.DataFrame(rows, columns=["agent", "shift_date", "start", "end", "activity", "on"])


NO_AGENT_EVENTS = N_("no agent events: agents serving unknown")


def accuracy_frame(reports: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """`GET /v1/queues/{code}/accuracy` of several queues as one table, a row per queue and
    week with calls: actual and predicted answer rate and service level (%), the model's
    call-weighted error and bias (points) beside the textbook's and the binomial noise floor;
    a week without agent events predicts nothing and says so."""

    def pct(value: float | None) -> float | None:
        return None if value is None else round(100 * value, 1)

    def points(value: float | None) -> float | None:
        return None if value is None else round(100 * value, 2)

    rows = []
    for report in reports:
        for week in report["weeks"]:
            if week["intervals"] == 0:
                continue
            model, textbook = week["model"], week["textbook"]
            ar = None if model is None else model["answer_rate"]
            sl = None if model is None else model["service_level"]
            rows.append(
                {
                    "queue": report["queue_code"],
                    "week": week["week_start"],
                    "model": report["model_source"],
                    "calls": int(round(week["calls"])),
                    "agents_serving": None
                    if week["mean_agents_serving"] is None
                    else round(week["mean_agents_serving"], 1),
                    "AR_actual_%": pct(week["actual_answer_rate"]),
                    "AR_predicted_%": pct(
                        None if model is None else model["predicted_answer_rate"]
                    ),
                    "AR_textbook_%": pct(
                        None if textbook is None else textbook["predicted_answer_rate"]
                    ),
                    "AR_MAE_pts": points(None if ar is None else ar["mae_call_weighted"]),
                    "AR_textbook_MAE_pts": points(
                        None if textbook is None else textbook["answer_rate"]["mae_call_weighted"]
                    ),
                    "AR_bias_pts": points(None if ar is None else ar["bias"]),
                    "AR_noise_floor_pts": points(
                        None if ar is None else ar["noise_floor_call_weighted"]
                    ),
                    "SL_actual_%": pct(week["actual_service_level"]),
                    "SL_predicted_%": pct(
                        None if model is None else model["predicted_service_level"]
                    ),
                    "SL_MAE_pts": points(None if sl is None else sl["mae_call_weighted"]),
                    "note": "" if week["agent_events"] else NO_AGENT_EVENTS,
                }
            )
    return pd.DataFrame(rows)


# the accuracy table's columns (`accuracy_frame`) as the reader sees them
ACCURACY_COLUMNS = {
    "queue": N_("Queue"),
    "week": N_("Week"),
    "model": N_("Model"),
    "calls": N_("Calls"),
    "agents_serving": N_("Agents serving"),
    "AR_actual_%": N_("AR actual %"),
    "AR_predicted_%": N_("AR predicted %"),
    "AR_textbook_%": N_("AR textbook %"),
    "AR_MAE_pts": N_("AR MAE (pts)"),
    "AR_textbook_MAE_pts": N_("AR textbook MAE (pts)"),
    "AR_bias_pts": N_("AR bias (pts)"),
    "AR_noise_floor_pts": N_("AR noise floor (pts)"),
    "SL_actual_%": N_("SL actual %"),
    "SL_predicted_%": N_("SL predicted %"),
    "SL_MAE_pts": N_("SL MAE (pts)"),
    "note": N_("Note"),
}
# where a queue's model comes from (`GET /v1/queues/{code}/accuracy`, `model_source`)
MODEL_SOURCES = {"textbook": N_("textbook Erlang A"), "calibration": N_("calibration")}


def accuracy_view(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The accuracy table as the reader sees it, every cell a text: a column with nothing in
    it (no agent events: nothing predicted) left out, the headers, dates, numbers, the model's
    source and the note in the session's language, a missing figure shown as "-" (a table
    shows a missing number as "None"). Returns the table and its numeric columns' headers."""
    frame = frame.dropna(axis="columns", how="all")
    formats: dict[str, Callable[[Any], str]] = {
        "week": fmt_date,
        "model": lambda v: t(MODEL_SOURCES[v]) if v in MODEL_SOURCES else str(v),
        "note": lambda v: t(v) if v else "",
        "calls": fmt_number,
    }
    numeric = ["calls"]
    for column in frame.columns:
        if column.endswith("_pts"):
            formats[column] = lambda v: fmt_number(v, 2)
        elif column.endswith("_%") or column == "agents_serving":
            formats[column] = lambda v: fmt_number(v, 1)
        else:
            continue
        numeric.append(column)
    shown = pd.DataFrame(
        {
            t(ACCURACY_COLUMNS[column]): [
                MISSING if value is None or pd.isna(value) else formats.get(column, str)(value)
                for value in frame[column]
            ]
            for column in frame.columns
        }
    )
    return shown, [t(ACCURACY_COLUMNS[column]) for column in numeric]


REASON_FORECAST_COLUMNS = [
    "queue",
    "reason",
    "forecast",
    "realised",
    "accuracy",
    "backtest_accuracy",
]


# where a campaign's values per selling hour come from (`wfm.services.selling_value`)
VALUE_SOURCES = {
    "estimated": N_("estimated"),
    "typed": N_("typed"),
    "partly estimated": N_("partly estimated"),
}
_ESTIMATED = re.compile(r"^from (\d+) attempts in the (\d+) days before$")


def value_source_said(value_source: str | None) -> tuple[str, str]:
    """A campaign's value source ("estimated: from 812 attempts in the 28 days before") as the
    reader reads it: the kind and what it rests on, in the reader's language where the
    service wrote it (a planner's typed reason stays as typed)."""
    kind, _, why = str(value_source or "typed: ").partition(": ")
    found = _ESTIMATED.match(why)
    if found is not None:
        why = t(
            "from {attempts} dialler attempts in the {days} days before",
            attempts=fmt_number(int(found.group(1))),
            days=found.group(2),
        )
    return t(VALUE_SOURCES.get(kind, kind)), why


def signed_number(value: float | None) -> str:
    """A change as a count: "+12", "-3", "0", "-" when there is none."""
    text = fmt_number(value)
    return "+" + text if value is not None and value > 0 else text


def signed_percent(value: float | None) -> str:
    """A relative change: "+12.5%", "-3.0%"."""
    text = fmt_percent(value)
    return "+" + text if value is not None and value > 0 else text


def signed_points(value: float | None) -> str:
    """A change of a share, in percentage points: 0.021 -> "+2.1 pts"."""
    if value is None:
        return fmt_number(None)
    text = t("{points} pts", points=fmt_number(100 * value, 1))
    return "+" + text if value > 0 else text


def text_table(
    frame: pd.DataFrame, columns: Mapping[str, tuple[str, Callable[[Any], str] | None]]
) -> pd.DataFrame:
    """`frame`'s `columns` as the reader sees them: each under its label (translated), its
    values through its formatter (None: as they are) with a missing value (None, NaN) given to
    the formatter as None, so it shows as the formatter's "-" and never as "None" or "nan"."""
    out = {}
    for name, (label, formatter) in columns.items():
        values = frame[name]
        if formatter is not None:
            values = values.map(lambda v, f=formatter: f(None if pd.isna(v) else v))
        out[t(label)] = values
    return pd.DataFrame(out)


def reason_forecast_table(report: dict[str, Any]) -> pd.DataFrame:
    """One row per queue and reason of a reason-forecast report: the forecast over the range,
    what was realised (over the intervals with a recorded reason mix) and the accuracies
    (1 - WMAPE) against it and in the backtest; NaN where there is none."""

    def accuracy(wmape: float | None) -> float:
        return float("nan") if wmape is None else 1.0 - wmape

    rows = [
        {
            "queue": q["queue_code"],
            "reason": r["reason"],
            "forecast": r["forecast_offered"],
            "realised": float("nan") if r["realised_offered"] is None else r["realised_offered"],
            "accuracy": accuracy(r["wmape"]),
            "backtest_accuracy": accuracy(r["backtest_wmape"]),
        }
        for q in report["queues"]
        for r in q["reasons"]
    ]
    return pd.DataFrame(rows, columns=REASON_FORECAST_COLUMNS)
