"""Executive: answer rate, service level, ASA and abandon rate against target, per queue and
overall, with each change against the same length of time before (this week so far against the
same days of last week); the trend by day, week or month; adherence and conformance per team and
queue (`dashboard.executive_plan`); forecast accuracy; the published roster's predicted answer rate
and service level against what happened; outbound hours and value; top contact reasons with their
trend; what was sold against plan (`dashboard.sold`); the forecast split by contact reason beside
what was realised, with accuracy per reason.

Opens on the site's current week by its clock (up to its last day with history), texts from the
`executive` catalogue, money in the site's currency, dates in the reader's locale."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import frames
from dashboard.client import ApiError
from dashboard.common import (
    pick_site,
    read,
    require_client,
    section,
    site_currency,
    site_info,
    site_timezone,
)
from dashboard.executive_plan import show_adherence, show_plan_accuracy
from dashboard.i18n import N_, fmt_date, fmt_money, fmt_number, fmt_percent, t
from dashboard.sold import show_sold

PERIODS = {"day": N_("Day"), "week": N_("Week"), "month": N_("Month")}
HISTORY_LOOKBACK_DAYS = 731
REASON_SPLIT_DAYS = 35  # the longest range `GET /v1/forecasts/reasons` splits

api, me = require_client()
st.title(t("Executive"))
site = pick_site(api)
if site is None:
    st.stop()
assert site is not None
info = site_info()
site_today = date.fromisoformat(info["today"]) if info.get("today") else date.today()
site_week = date.fromisoformat(info["week_start"]) if info.get("week_start") else site_today

span = None
with section(t("History")):
    probe = read(
        api,
        "kpis",
        site,
        site_today - timedelta(days=HISTORY_LOOKBACK_DAYS),
        site_today + timedelta(days=1),
        "day",
    )
    span = frames.history_span(probe)
if span is None:
    st.info(
        t(
            "No interval history for site {site} yet: import some (`POST /v1/history/import`).",
            site=site,
        )
    )
    st.stop()
assert span is not None
first_day, last_day = date.fromisoformat(span[0]), date.fromisoformat(span[1])
# the site's current week up to its last day with history; before any history this week, the
# week (of the same weekdays) that holds the last day with history
anchor = min(site_today, last_day)
default_start = max(first_day, anchor - timedelta(days=(anchor - site_week).days % 7))

left, right = st.columns([1, 2])
granularity = left.radio(
    t("Trend by"),
    list(PERIODS),
    horizontal=True,
    format_func={p: t(label) for p, label in PERIODS.items()}.__getitem__,
    key="exec_granularity",
)
chosen = right.date_input(
    t("Range (local days)"),
    value=(default_start, anchor),
    min_value=first_day,
    max_value=last_day,
    format="YYYY-MM-DD",
    key="exec_range",
)
if not isinstance(chosen, tuple) or len(chosen) != 2:
    st.info(t("Pick the last day of the range."))
    st.stop()
start, last = chosen[0], chosen[1]
end = last + timedelta(days=1)
before_start, before_end = frames.comparison_range(start, end)
compared = frames.comparison_name(start, end)
range_text = t("{first} to {last}", first=fmt_date(start), last=fmt_date(last))
before_text = t(
    "{first} to {last}", first=fmt_date(before_start), last=fmt_date(before_end - timedelta(days=1))
)


def _kpi_metrics(overall_row: Any, before_row: Any, overall: frames.Targets) -> None:
    columns = st.columns(4)
    for column, kpi in zip(columns, frames.KPI_LABELS, strict=True):
        value = overall_row[kpi]
        target = overall.of(kpi)
        state = frames.status(value, target, frames.HIGHER_IS_BETTER[kpi])
        previous = None if before_row is None else before_row[kpi]
        delta = None
        if previous is not None and not pd.isna(previous) and not pd.isna(value):
            delta = f"{frames.kpi_change_text(kpi, value - previous)} {compared}"
        column.metric(
            t(frames.KPI_LABELS[kpi]),
            frames.kpi_value_text(kpi, value),
            delta=delta,
            delta_color=frames.STATUS_DELTA_COLOURS[state],  # the status's colour, not the sign's
            help=t(
                "{target}. Change: {range} against {before} ({days} days each).",
                target=frames.target_text(kpi, target),
                range=range_text,
                before=before_text,
                days=(end - start).days,
            ),
        )
        label = t(frames.STATUS_LABELS[state]) if state in frames.STATUS_LABELS else ""
        if state == "none" and target is None:
            label = t("no target")
        column.markdown(
            f"<span style='color:{frames.STATUS_COLOURS[state]};font-weight:600'>"
            f"&#9679; {label}</span>",
            unsafe_allow_html=True,
        )


def _queue_table(totals: pd.DataFrame, targets: dict[str, frames.Targets]) -> None:
    overall = targets[frames.ALL_QUEUES]

    def _colour(row: pd.Series) -> list[str]:
        styles = []
        found = targets.get(row["queue"], overall)
        for name in row.index:
            if name in frames.KPI_LABELS:
                state = frames.status(row[name], found.of(name), frames.HIGHER_IS_BETTER[name])
                styles.append(f"color: {frames.STATUS_COLOURS[state]}; font-weight: 600")
            else:
                styles.append("")
        return styles

    styled = totals.style.apply(_colour, axis=1).format(
        {
            "queue": lambda q: t(q) if q == frames.ALL_QUEUES else q,
            "offered": lambda v: fmt_number(v),
            "answered": lambda v: fmt_number(v),
            "abandoned": lambda v: fmt_number(v),
            "service_level": fmt_percent,
            "answer_rate": fmt_percent,
            "abandon_rate": fmt_percent,
            "asa_seconds": lambda v: fmt_number(v, 1),
        },
        na_rep="-",
    )
    st.dataframe(
        styled,
        hide_index=True,
        width="stretch",
        column_config={
            "queue": st.column_config.Column(t("Queue")),
            "offered": st.column_config.Column(
                t("Offered"), help=t("Answered + abandoned, short abandons left out.")
            ),
            "answered": st.column_config.Column(t("Answered")),
            "abandoned": st.column_config.Column(t("Abandoned")),
            **{k: st.column_config.Column(t(v)) for k, v in frames.KPI_LABELS.items()},
        },
    )


def _queue_scale(queue_codes: list[str], with_overall: bool) -> alt.Scale:
    domain, colours = frames.queue_colours(
        queue_codes, t(frames.ALL_QUEUES) if with_overall else None
    )
    return alt.Scale(domain=domain, range=colours)


def _trend(points: pd.DataFrame, overall: frames.Targets, queue_codes: list[str]) -> None:
    kpi = st.selectbox(
        t("KPI"),
        list(frames.KPI_LABELS),
        format_func={k: t(label) for k, label in frames.KPI_LABELS.items()}.__getitem__,
        key="exec_kpi",
    )
    chart_data = points[["period", "queue", kpi]].dropna()
    chart_data["queue"] = chart_data["queue"].map(lambda q: t(q) if q == frames.ALL_QUEUES else q)
    is_time = kpi == "asa_seconds"
    lines = (
        alt.Chart(chart_data)
        .mark_line(point=True)
        .encode(
            x=alt.X("period:T", title=t(PERIODS[granularity]), axis=alt.Axis(format="%m-%d")),
            y=alt.Y(
                f"{kpi}:Q",
                title=t(frames.KPI_LABELS[kpi]),
                axis=alt.Axis() if is_time else alt.Axis(format=".0%"),
            ),
            color=alt.Color("queue:N", title=t("Queue"), scale=_queue_scale(queue_codes, True)),
            tooltip=[
                alt.Tooltip("period:T", title=t(PERIODS[granularity]), format="%Y-%m-%d"),
                alt.Tooltip("queue:N", title=t("Queue")),
                alt.Tooltip(
                    f"{kpi}:Q", title=t(frames.KPI_LABELS[kpi]), format=".1f" if is_time else ".1%"
                ),
            ],
        )
    )
    overall_target = overall.of(kpi)
    if overall_target is None:
        st.altair_chart(lines.properties(height=320), width="stretch")
        st.caption(
            t(
                "{kpi}: no overall target (not every queue has one stored).",
                kpi=t(frames.KPI_LABELS[kpi]),
            )
        )
        return
    rule = (
        alt.Chart(pd.DataFrame({"target": [overall_target]}))
        .mark_rule(strokeDash=[6, 4], color=frames.STATUS_COLOURS["bad"])
        .encode(y="target:Q")
    )
    st.altair_chart((lines + rule).properties(height=320), width="stretch")
    st.caption(
        t("Dashed line: the overall target (queues' stored targets weighted by contacts offered).")
    )


with section(t("Service KPIs")):
    report = read(api, "kpis", site, start, end, granularity)
    queues = read(api, "queues", site)
    totals = frames.kpi_totals(report)
    points = frames.kpi_points(report)
    if report["overall"]["total"]["offered"] == 0:
        st.info(
            t("No contacts between {first} and {last}.", first=fmt_date(start), last=fmt_date(last))
        )
        st.stop()
    before = read(api, "kpis", site, before_start, before_end, "day")
    before_totals = frames.kpi_totals(before) if before["overall"]["total"]["offered"] else None
    targets = frames.queue_targets(queues)
    offered = {row.queue: row.offered for row in totals.itertuples()}
    overall = frames.overall_targets(targets, offered)
    targets[frames.ALL_QUEUES] = overall

    st.subheader(t("All queues, {range}", range=range_text))
    overall_row = totals[totals["queue"] == frames.ALL_QUEUES].iloc[0]
    before_row = (
        None
        if before_totals is None
        else before_totals[before_totals["queue"] == frames.ALL_QUEUES].iloc[0]
    )
    _kpi_metrics(overall_row, before_row, overall)
    st.subheader(t("By queue"))
    _queue_table(totals, targets)
    st.subheader(t("Trend"))
    queue_codes = [q["code"] for q in queues]
    _trend(points, overall, queue_codes)

st.subheader(t("Adherence"))
with section(t("Adherence")):
    show_adherence(api, site, start, end, (before_start, before_end), compared)

st.subheader(t("Forecast accuracy"))
with section(t("Forecast accuracy")):
    accuracy = read(api, "forecast_accuracy", site, "day")
    if accuracy["forecast_run_id"] is None:
        st.info(t("No forecast has been scored against actuals yet."))
    else:
        overall_accuracy = accuracy["overall_accuracy_percent"]
        st.metric(
            t("Forecast accuracy (run version {version})", version=accuracy["version"]),
            "-" if overall_accuracy is None else fmt_percent(overall_accuracy / 100),
            help=t("100% less the WMAPE of contacts offered over every scored day."),
        )
        scores = pd.DataFrame(accuracy["periods"])
        if not scores.empty:
            scores["period_start"] = pd.to_datetime(scores["period_start"])
            scores["accuracy"] = scores["accuracy_percent"] / 100
            st.altair_chart(
                alt.Chart(scores)
                .mark_line(point=True)
                .encode(
                    x=alt.X("period_start:T", title=t("Day"), axis=alt.Axis(format="%m-%d")),
                    y=alt.Y("accuracy:Q", title=t("Accuracy"), axis=alt.Axis(format=".0%")),
                    color=alt.Color(
                        "queue_code:N",
                        title=t("Queue"),
                        scale=_queue_scale([q["code"] for q in read(api, "queues", site)], False),
                    ),
                    tooltip=[
                        alt.Tooltip("queue_code:N", title=t("Queue")),
                        alt.Tooltip("period_start:T", title=t("Day"), format="%Y-%m-%d"),
                        alt.Tooltip("accuracy:Q", title=t("Accuracy"), format=".1%"),
                    ],
                )
                .properties(height=240),
                width="stretch",
            )

st.subheader(t("Plan accuracy"))
with section(t("Plan accuracy")):
    show_plan_accuracy(api, site, start, end, [q["code"] for q in read(api, "queues", site)])

st.subheader(t("Outbound"))
with section(t("Outbound")):
    # the week of the range's last day (the sold section's range), else the site's opening
    # week (the latest published one when the clock is outside any); the caption names it
    week_start = last - timedelta(days=(last - site_week).days % 7)
    outbound = read(api, "outbound", site, week_start)
    opening = info.get("opening_week_start")
    if outbound["schedule_id"] is None and opening and date.fromisoformat(opening) != week_start:
        week_start = date.fromisoformat(opening)
        outbound = read(api, "outbound", site, week_start)
    if outbound["schedule_id"] is None:
        st.info(
            t(
                "No schedule yet for the week of {week}: no outbound hours planned.",
                week=fmt_date(week_start),
            )
        )
    else:
        st.caption(t("The published roster of the week of {week}.", week=fmt_date(week_start)))
        a, b = st.columns(2)
        a.metric(
            t("Outbound hours planned"),
            t("{hours} h", hours=fmt_number(outbound["sell_hours"], 1)),
        )
        b.metric(
            t("Outbound value planned"), fmt_money(outbound["value"], site_currency(), digits=0)
        )
        money = site_currency()
        planned = pd.DataFrame(
            outbound["campaigns"],
            columns=["campaign_code", "sell_hours", "productive_hours", "value", "value_source"],
        )
        planned["value_source"] = [
            " · ".join(part for part in frames.value_source_said(v) if part)
            for v in planned["value_source"]
        ]
        st.dataframe(
            frames.text_table(
                planned,
                {
                    "campaign_code": (N_("Campaign"), None),
                    "sell_hours": (N_("Selling hours"), lambda v: fmt_number(v, 1)),
                    "productive_hours": (N_("Productive hours"), lambda v: fmt_number(v, 1)),
                    "value": (N_("Value"), lambda v: fmt_money(v, money, digits=0)),
                    "value_source": (N_("Value from"), None),
                },
            ),
            hide_index=True,
            width="stretch",
        )

st.subheader(t("What was sold"))
with section(t("What was sold")):
    show_sold(api, site, start, last)

st.subheader(t("Top contact reasons"))
with section(t("Contact reasons")):
    reasons = read(api, "contact_reasons", site, start, end, granularity)
    if not reasons["reasons"]:
        st.info(
            t(
                "No contact reasons recorded between {first} and {last}: the history of these "
                "days carries no reason mix.",
                first=fmt_date(start),
                last=fmt_date(last),
            )
        )
    else:
        previous_last = date.fromisoformat(reasons["previous_end"]) - timedelta(days=1)
        st.caption(
            t(
                "{contacts} contacts with a recorded reason ({count} reasons) from {first} to "
                "{last}; shares are of those contacts; changes are against {previous_first} to "
                "{previous_last}.",
                contacts=fmt_number(reasons["contacts_with_reason"]),
                count=reasons["reasons_recorded"],
                first=fmt_date(start),
                last=fmt_date(last),
                previous_first=fmt_date(reasons["previous_start"]),
                previous_last=fmt_date(previous_last),
            )
        )
        st.caption(
            t(
                "Reasons count every contact, short abandons included; the contacts offered "
                "above leave short abandons out, so the two totals differ."
            )
        )
        reason_table = frames.reason_totals(reasons)
        order = list(reason_table["reason"])
        bars = (
            alt.Chart(reason_table)
            .mark_bar()
            .encode(
                x=alt.X("contacts:Q", title=t("Contacts")),
                y=alt.Y("reason:N", sort=order, title=None),
                tooltip=[
                    alt.Tooltip("reason:N", title=t("Reason")),
                    alt.Tooltip("contacts:Q", title=t("Contacts"), format=","),
                    alt.Tooltip("share:Q", title=t("Share"), format=".1%"),
                    alt.Tooltip("previous_contacts:Q", title=t("Previous"), format=","),
                    alt.Tooltip("change:Q", title=t("Change"), format="+,"),
                ],
            )
            .properties(height=max(120, 28 * len(order)))
        )
        st.altair_chart(bars, width="stretch")

        measures = {"contacts": N_("Contacts"), "share": N_("Share of contacts")}
        measure = st.radio(
            t("Trend of"),
            list(measures),
            horizontal=True,
            format_func={m: t(label) for m, label in measures.items()}.__getitem__,
            key="exec_reason_measure",
        )
        reason_trend = frames.reason_points(reasons).dropna(subset=[measure])
        st.altair_chart(
            alt.Chart(reason_trend)
            .mark_line(point=True)
            .encode(
                x=alt.X("period:T", title=t(PERIODS[granularity]), axis=alt.Axis(format="%m-%d")),
                y=alt.Y(
                    f"{measure}:Q",
                    title=t(measures[measure]),
                    axis=alt.Axis(format=".0%") if measure == "share" else alt.Axis(),
                ),
                color=alt.Color("reason:N", title=t("Reason"), sort=order),
                tooltip=[
                    alt.Tooltip("period:T", title=t(PERIODS[granularity]), format="%Y-%m-%d"),
                    alt.Tooltip("reason:N", title=t("Reason")),
                    alt.Tooltip("contacts:Q", title=t("Contacts"), format=","),
                    alt.Tooltip("share:Q", title=t("Share"), format=".1%"),
                ],
            )
            .properties(height=300),
            width="stretch",
        )
        st.dataframe(
            frames.text_table(
                reason_table,
                {
                    "rank": (N_("Rank"), None),
                    "reason": (N_("Reason"), None),
                    "contacts": (N_("Contacts"), fmt_number),
                    "share": (N_("Share"), fmt_percent),
                    "previous_contacts": (N_("Previous"), fmt_number),
                    "change": (N_("Change"), frames.signed_number),
                    "change_ratio": (N_("Change (%)"), frames.signed_percent),
                    "share_change": (N_("Share change"), frames.signed_points),
                },
            ),
            hide_index=True,
            width="stretch",
        )
        st.caption(
            t(
                "Previous: contacts over the previous range; change (%): change over previous "
                "contacts; share change: share now less share over the previous range, in "
                "percentage points. -: no previous range."
            )
        )
        if reasons["outside_top_count"]:
            st.caption(
                t(
                    "Other reasons beyond these {count}: {contacts} contacts.",
                    count=len(order),
                    contacts=fmt_number(reasons["outside_top_count"]),
                )
            )


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(site_timezone()))


def _reason_forecast_table(report: dict[str, Any]) -> None:
    table = frames.text_table(
        frames.reason_forecast_table(report),
        {
            "queue": (N_("Queue"), None),
            "reason": (N_("Reason"), None),
            "forecast": (N_("Forecast"), fmt_number),
            "realised": (N_("Realised"), fmt_number),
            "accuracy": (N_("Accuracy"), fmt_percent),
            "backtest_accuracy": (N_("Backtest accuracy"), fmt_percent),
        },
    )
    st.dataframe(table, hide_index=True, width="stretch")
    st.caption(
        t(
            "Realised: contacts of the reason that arrived. Accuracy: 100% less the WMAPE of "
            "the reason's forecast per interval; backtest accuracy: the same, in the backtest "
            "over the weeks before the forecast was made. -: not yet known."
        )
    )


def _split_or_none(first: date, stop: date) -> dict[str, Any] | None:
    """The reason split of [first, stop); None when the site has no forecast run yet."""
    try:
        found: dict[str, Any] = read(
            api, "reason_forecast", site, _local_midnight(first), _local_midnight(stop)
        )
    except ApiError as exc:
        if exc.kind != "not_found":
            raise
        return None
    return found


st.subheader(t("Forecast by contact reason"))
with section(t("Forecast by contact reason")):
    split = None if (end - start).days > REASON_SPLIT_DAYS else _split_or_none(start, end)
    if (end - start).days > REASON_SPLIT_DAYS:
        st.info(
            t(
                "The split by contact reason covers at most {days} days: pick a shorter range.",
                days=REASON_SPLIT_DAYS,
            )
        )
    elif split is None:
        st.info(t("No forecast yet: run one (`wfm forecast` or `POST /v1/forecasts`)."))
    elif not any(q["forecast_offered"] for q in split["queues"]):
        # the latest forecast starts after the history: show its first week instead
        ahead = last_day + timedelta(days=1)
        split = _split_or_none(ahead, ahead + timedelta(days=7)) or split
        st.caption(
            t(
                "No forecast covers {first} to {last}: the forecast (version {version}) of "
                "{ahead_first} to {ahead_last}, split by reason.",
                first=fmt_date(start),
                last=fmt_date(last),
                version=split["version"],
                ahead_first=fmt_date(ahead),
                ahead_last=fmt_date(ahead + timedelta(days=6)),
            )
        )
    else:
        st.caption(
            t(
                "The forecast (version {version}) of {first} to {last}, split by reason beside "
                "what was realised.",
                version=split["version"],
                first=fmt_date(start),
                last=fmt_date(last),
            )
        )
    if split is not None and not any(q["reasons"] for q in split["queues"]):
        st.info(t("No contact reasons recorded before the forecast: nothing to split by."))
    elif split is not None:
        _reason_forecast_table(split)
        st.caption(
            t(
                "Each queue's forecast is split by its reasons' shares per hour of the week, so "
                "the reasons add up to the queue's forecast."
            )
        )
