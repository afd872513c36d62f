"""The executive page's "Adherence / 遵守率" and "Plan accuracy / 计划准确度" sections: adherence
and conformance of the selected days (elapsed time only) for the site, per team and per queue,
with the change against the comparison range (`GET /v1/kpis/adherence`); and the published
roster's planned contacts, predicted answer rate and service level against what happened, per
queue and day (`GET /v1/kpis/plan-accuracy`). Texts from the `executive` catalogue, percentages
and dates in the reader's locale, each queue in its colour of the whole page."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import frames
from dashboard.client import ApiClient
from dashboard.common import read, site_timezone
from dashboard.i18n import fmt_date, fmt_datetime, fmt_number, fmt_percent, t

MAX_DAYS = 31  # the endpoints' longest range


def _change(now: float | None, before: float | None, compared: str) -> str | None:
    if now is None or before is None:
        return None
    return f"{frames.kpi_change_text('answer_rate', now - before)} {compared}"


def team_label(row: dict[str, Any]) -> str:
    """A team by its name ("Team 01 (CARE, CHAT)"), or agents without one by their queue
    skills: "CARE + CHAT", or "No queue skill"."""
    skills = row.get("queue_codes") or []
    if row.get("team"):
        return f"{row['team']} ({', '.join(skills)})" if skills else str(row["team"])
    return " + ".join(skills) if skills else t("No queue skill")


def adherence_frame(rows: list[dict[str, Any]], label: str) -> pd.DataFrame:
    """One row per team or queue: its label, agents, scheduled hours, adherence, conformance."""
    return pd.DataFrame(
        [
            {
                "group": label_of,
                "agents": r["agents"],
                "scheduled_hours": r["scheduled_minutes"] / 60.0,
                "adherence": r["adherence"],
                "conformance": r["conformance"],
            }
            for r in rows
            for label_of in [team_label(r) if label == "team" else r["queue_code"]]
        ],
        columns=["group", "agents", "scheduled_hours", "adherence", "conformance"],
    )


def _adherence_table(frame: pd.DataFrame, group_title: str) -> None:
    styled = frame.style.format(
        {
            "agents": lambda v: fmt_number(v),
            "scheduled_hours": lambda v: fmt_number(v, 1),
            "adherence": fmt_percent,
            "conformance": fmt_percent,
        },
        na_rep="-",
    )
    st.dataframe(
        styled,
        hide_index=True,
        width="stretch",
        column_config={
            "group": st.column_config.Column(group_title),
            "agents": st.column_config.Column(t("Agents")),
            "scheduled_hours": st.column_config.Column(t("Scheduled hours")),
            "adherence": st.column_config.Column(t("Adherence")),
            "conformance": st.column_config.Column(t("Conformance")),
        },
    )


def _counted_until(as_of_utc: str, end: date, last: str) -> str:
    """Where the count stops: the site clock's now inside the range, else its last day."""
    zone = ZoneInfo(site_timezone())
    as_of = datetime.fromisoformat(as_of_utc)
    if as_of < datetime.combine(end, time(0), tzinfo=zone):
        return fmt_datetime(as_of_utc, site_timezone())
    return last


def show_adherence(
    api: ApiClient, site: str, start: date, end: date, before: tuple[date, date], compared: str
) -> None:
    """Adherence over the local days [start, end), against the range `before`."""
    first, last = fmt_date(start), fmt_date(end - timedelta(days=1))
    if (end - start).days > MAX_DAYS:
        st.info(t("Adherence covers at most {days} days: pick a shorter range.", days=MAX_DAYS))
        return
    report = read(api, "kpi_adherence", site, start, end, live=True)
    total = report["total"]
    if not total["scheduled_minutes"]:
        st.info(
            t("Nobody was scheduled between {first} and {last} so far.", first=first, last=last)
        )
        return
    previous = read(api, "kpi_adherence", site, before[0], before[1], live=True)["total"]
    if not report["agents_reporting"]:
        st.warning(
            t(
                "No agent state events between {first} and {last}: every scheduled minute "
                "counts as logged out. Is the ACD state feed connected?",
                first=first,
                last=last,
            )
        )
    a, b, c = st.columns(3)
    a.metric(
        t("Adherence"),
        fmt_percent(total["adherence"]),
        delta=_change(total["adherence"], previous["adherence"], compared),
    )
    b.metric(
        t("Conformance"),
        fmt_percent(total["conformance"]),
        delta=_change(total["conformance"], previous["conformance"], compared),
    )
    c.metric(t("Agents scheduled"), fmt_number(total["agents"]))
    st.caption(
        t(
            "Adherence: scheduled time spent doing what the plan says (1 minute's tolerance "
            "around each change) / scheduled time; conformance: time worked / scheduled work "
            "time. Counted from {first} to {until} (site time), elapsed time only.",
            first=first,
            until=_counted_until(report["as_of_utc"], end, last),
        )
    )
    left, right = st.columns(2)
    with left:
        _adherence_table(adherence_frame(report["teams"], "team"), t("Team"))
    with right:
        _adherence_table(adherence_frame(report["queues"], "queue"), t("Queue"))
    days = pd.DataFrame(report["days"], columns=["day", "adherence", "scheduled_minutes"])
    days = days[days["scheduled_minutes"] > 0]
    if len(days) > 1:
        days["day"] = pd.to_datetime(days["day"])
        st.altair_chart(
            alt.Chart(days)
            .mark_bar()
            .encode(
                x=alt.X("day:T", title=t("Day"), axis=alt.Axis(format="%m-%d")),
                y=alt.Y("adherence:Q", title=t("Adherence"), axis=alt.Axis(format=".0%")),
                tooltip=[
                    alt.Tooltip("day:T", title=t("Day"), format="%Y-%m-%d"),
                    alt.Tooltip("adherence:Q", title=t("Adherence"), format=".1%"),
                ],
            )
            .properties(height=200),
            width="stretch",
        )


PLAN_COLUMNS = [
    "queue",
    "forecast_offered",
    "offered",
    "predicted_answer_rate",
    "answer_rate",
    "answer_rate_difference",
    "predicted_service_level",
    "service_level",
    "service_level_difference",
]


def plan_frame(report: dict[str, Any]) -> pd.DataFrame:
    """One row per queue over the days compared, then all queues together."""
    rows = [{"queue": q["queue_code"], **q} for q in report["queues"]]
    rows.append({"queue": frames.ALL_QUEUES, **report["total"]})
    return pd.DataFrame(rows, columns=PLAN_COLUMNS)


def plan_day_frame(report: dict[str, Any]) -> pd.DataFrame:
    """Per day and queue (long): the answer rate planned and realised."""
    planned, realised = t("Planned"), t("Realised")
    rows = []
    for day in report["days"]:
        for q in day["queues"]:
            for series, key in ((planned, "predicted_answer_rate"), (realised, "answer_rate")):
                if q[key] is not None:
                    rows.append(
                        {
                            "day": day["day"],
                            "queue": q["queue_code"],
                            "series": series,
                            "rate": q[key],
                        }
                    )
    frame = pd.DataFrame(rows, columns=["day", "queue", "series", "rate"])
    frame["day"] = pd.to_datetime(frame["day"])
    return frame


def _points(value: float | None) -> str:
    return "-" if value is None or pd.isna(value) else frames.kpi_change_text("answer_rate", value)


def _queue_name(code: Any) -> str:
    return t(str(code)) if code == frames.ALL_QUEUES else str(code)


def _plan_table(report: dict[str, Any]) -> None:
    styled = plan_frame(report).style.format(
        {
            "queue": _queue_name,
            "forecast_offered": lambda v: fmt_number(v),
            "offered": lambda v: fmt_number(v),
            "predicted_answer_rate": fmt_percent,
            "answer_rate": fmt_percent,
            "answer_rate_difference": _points,
            "predicted_service_level": fmt_percent,
            "service_level": fmt_percent,
            "service_level_difference": _points,
        },
        na_rep="-",
    )
    st.dataframe(
        styled,
        hide_index=True,
        width="stretch",
        column_config={
            "queue": st.column_config.Column(t("Queue")),
            "forecast_offered": st.column_config.Column(
                t("Contacts planned"), help=t("The forecast the roster was built for.")
            ),
            "offered": st.column_config.Column(t("Contacts realised")),
            "predicted_answer_rate": st.column_config.Column(t("Answer rate planned")),
            "answer_rate": st.column_config.Column(t("Answer rate realised")),
            "answer_rate_difference": st.column_config.Column(
                t("Difference"), help=t("Answer rate realised - planned, in percentage points.")
            ),
            "predicted_service_level": st.column_config.Column(t("Service level planned")),
            "service_level": st.column_config.Column(t("Service level realised")),
            "service_level_difference": st.column_config.Column(
                t("Difference"), help=t("Service level realised - planned, in percentage points.")
            ),
        },
    )


def _signed_percent(fraction: float) -> str:
    return ("+" if fraction >= 0 else "-") + fmt_percent(abs(fraction))


def _plan_metrics(total: dict[str, Any]) -> None:
    a, b, c = st.columns(3)
    for column, label, actual, planned in (
        (a, t("Answer rate realised"), total["answer_rate"], total["predicted_answer_rate"]),
        (b, t("Service level realised"), total["service_level"], total["predicted_service_level"]),
    ):
        column.metric(
            label,
            fmt_percent(actual),
            delta=(
                None
                if actual is None or planned is None
                else t(
                    "{points} against the plan's {planned}",
                    points=frames.kpi_change_text("answer_rate", actual - planned),
                    planned=fmt_percent(planned),
                )
            ),
        )
    planned_contacts = total["forecast_offered"]
    c.metric(
        t("Contacts realised"),
        fmt_number(total["offered"]),
        delta=(
            None
            if not planned_contacts
            else t(
                "{change} against the {planned} planned",
                change=_signed_percent((total["offered"] - planned_contacts) / planned_contacts),
                planned=fmt_number(planned_contacts),
            )
        ),
        delta_color="off",
    )


def show_plan_accuracy(
    api: ApiClient, site: str, start: date, end: date, queue_codes: list[str]
) -> None:
    """The published rosters' plan against what happened over the local days [start, end)."""
    first, last = fmt_date(start), fmt_date(end - timedelta(days=1))
    if (end - start).days > MAX_DAYS:
        st.info(t("Plan accuracy covers at most {days} days: pick a shorter range.", days=MAX_DAYS))
        return
    report = read(api, "plan_accuracy", site, start, end)
    if not report["days"]:
        st.info(
            t(
                "No day from {first} to {last} has ended with both a published roster and its "
                "history: nothing to compare yet.",
                first=first,
                last=last,
            )
        )
        return
    _plan_metrics(report["total"])
    st.caption(
        t(
            "The published roster's prediction (the evaluation planners see) against what "
            "happened on the {count} days compared from {first} to {last}: ended, rostered and "
            "with history.",
            count=len(report["days"]),
            first=fmt_date(report["days"][0]["day"]),
            last=fmt_date(report["days"][-1]["day"]),
        )
    )
    _plan_table(report)
    chart = plan_day_frame(report)
    if chart.empty:
        return
    domain, colours = frames.queue_colours(queue_codes)
    st.altair_chart(
        alt.Chart(chart)
        .mark_line(point=True)
        .encode(
            x=alt.X("day:T", title=t("Day"), axis=alt.Axis(format="%m-%d")),
            y=alt.Y("rate:Q", title=t("Answer rate"), axis=alt.Axis(format=".0%")),
            color=alt.Color(
                "queue:N", title=t("Queue"), scale=alt.Scale(domain=domain, range=colours)
            ),
            strokeDash=alt.StrokeDash(
                "series:N",
                title=t("Answer rate"),
                scale=alt.Scale(domain=[t("Planned"), t("Realised")], range=[[1, 0], [6, 4]]),
            ),
            tooltip=[
                alt.Tooltip("day:T", title=t("Day"), format="%Y-%m-%d"),
                alt.Tooltip("queue:N", title=t("Queue")),
                alt.Tooltip("series:N", title=t("Answer rate")),
                alt.Tooltip("rate:Q", title=t("Answer rate"), format=".1%"),
            ],
        )
        .properties(height=260),
        width="stretch",
    )
    st.caption(t("Solid lines: the plan's answer rate; dashed: the realised one."))
