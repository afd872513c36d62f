"""Executive: answer rate, service level, ASA and abandon rate against target, per queue and
overall, by day, week or month with the trend; forecast accuracy; outbound hours and value; top
contact reasons with their trend and change against the previous range; what was sold against
plan (`dashboard.sold`, bilingual)."""

from __future__ import annotations

from datetime import date, timedelta

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import frames
from dashboard.common import pick_site, read, require_client, section
from dashboard.i18n import pick_language, text
from dashboard.sold import show_sold

api, me = require_client()
st.title("Executive")
site = pick_site(api)
pick_language()
if site is None:
    st.stop()
assert site is not None

DEFAULT_SPAN_DAYS = {"day": 28, "week": 7 * 13, "month": 365}

span = None
with section("History"):
    today = date.today()
    probe = read(api, "kpis", site, today - timedelta(days=731), today + timedelta(days=1), "day")
    span = frames.history_span(probe)
if span is None:
    st.info(f"No interval history for site {site} yet: import some (`POST /v1/history/import`).")
    st.stop()
assert span is not None
first_day, last_day = date.fromisoformat(span[0]), date.fromisoformat(span[1])

left, right = st.columns([1, 2])
granularity = left.radio(
    "Period", ["day", "week", "month"], horizontal=True, key="exec_granularity"
)
default_start = max(first_day, last_day - timedelta(days=DEFAULT_SPAN_DAYS[granularity] - 1))
chosen = right.date_input(
    "Range (local days)",
    value=(default_start, last_day),
    min_value=first_day,
    max_value=last_day,
    key=f"exec_range_{granularity}",
)
if not isinstance(chosen, tuple) or len(chosen) != 2:
    st.info("Pick the last day of the range.")
    st.stop()
start, end = chosen[0], chosen[1] + timedelta(days=1)

with section("Service KPIs"):
    report = read(api, "kpis", site, start, end, granularity)
    queues = read(api, "queues", site)
    totals = frames.kpi_totals(report)
    points = frames.kpi_points(report)
    if report["overall"]["total"]["offered"] == 0:
        st.info(f"No contacts between {start} and {chosen[1]}.")
        st.stop()
    targets = frames.queue_targets(queues)
    offered = {row.queue: row.offered for row in totals.itertuples()}
    overall = frames.overall_targets(targets, offered)
    targets[frames.ALL_QUEUES] = overall

    st.subheader(f"All queues, {start} to {chosen[1]}")
    columns = st.columns(4)
    overall_row = totals[totals["queue"] == frames.ALL_QUEUES].iloc[0]
    for column, kpi in zip(columns, frames.KPI_LABELS, strict=True):
        value = overall_row[kpi]
        target = overall.of(kpi)
        better = frames.HIGHER_IS_BETTER[kpi]
        state = frames.status(value, target, better)
        _, change = frames.trend(points, frames.ALL_QUEUES, kpi)
        is_time = kpi == "asa_seconds"
        shown = (
            "-"
            if value is None or pd.isna(value)
            else (f"{value:.1f} s" if is_time else f"{100 * value:.1f} %")
        )
        delta = None
        if change is not None:
            delta = f"{change:+.1f} s" if is_time else f"{100 * change:+.1f} pts"
        column.metric(
            frames.KPI_LABELS[kpi],
            shown,
            delta=delta,
            delta_color="normal" if better else "inverse",
            help=f"{frames.target_text(kpi, target)}; change from the previous {granularity}.",
        )
        colour = frames.STATUS_COLOURS[state]
        label = {"good": "on target", "near": "near target", "bad": "off target"}.get(
            state, "no target" if target is None else ""
        )
        column.markdown(
            f"<span style='color:{colour};font-weight:600'>&#9679; {label}</span>",
            unsafe_allow_html=True,
        )

    st.subheader("By queue")

    def _colour(row: pd.Series) -> list[str]:
        styles = []
        t = targets.get(row["queue"], overall)
        for name in row.index:
            if name in frames.KPI_LABELS:
                state = frames.status(row[name], t.of(name), frames.HIGHER_IS_BETTER[name])
                styles.append(f"color: {frames.STATUS_COLOURS[state]}; font-weight: 600")
            else:
                styles.append("")
        return styles

    table = totals.set_index(totals["queue"]).drop(columns=["queue"]).reset_index()
    styled = table.style.apply(_colour, axis=1).format(
        {
            "service_level": "{:.1%}",
            "answer_rate": "{:.1%}",
            "abandon_rate": "{:.1%}",
            "asa_seconds": "{:.1f}",
        },
        na_rep="-",
    )
    st.dataframe(
        styled,
        hide_index=True,
        width="stretch",
        column_config={k: st.column_config.Column(v) for k, v in frames.KPI_LABELS.items()},
    )

    st.subheader("Trend")
    kpi = st.selectbox(
        "KPI", list(frames.KPI_LABELS), format_func=frames.KPI_LABELS.__getitem__, key="exec_kpi"
    )
    chart_data = points[["period", "queue", kpi]].dropna()
    lines = (
        alt.Chart(chart_data)
        .mark_line(point=True)
        .encode(
            x=alt.X("period:T", title=granularity.title()),
            y=alt.Y(
                f"{kpi}:Q",
                title=frames.KPI_LABELS[kpi],
                axis=alt.Axis(format=".0%") if kpi != "asa_seconds" else alt.Axis(),
            ),
            color=alt.Color("queue:N", title="Queue"),
            tooltip=["period:T", "queue:N", alt.Tooltip(f"{kpi}:Q", format=".3f")],
        )
    )
    overall_target = overall.of(kpi)
    if overall_target is None:
        st.altair_chart(lines.properties(height=320), width="stretch")
        st.caption(f"{frames.KPI_LABELS[kpi]}: no overall target (not every queue has one stored).")
    else:
        rule = (
            alt.Chart(pd.DataFrame({"target": [overall_target]}))
            .mark_rule(strokeDash=[6, 4], color=frames.STATUS_COLOURS["bad"])
            .encode(y="target:Q")
        )
        st.altair_chart((lines + rule).properties(height=320), width="stretch")
        st.caption(
            "Dashed line: the overall target (queues' stored targets weighted by contacts offered)."
        )

st.subheader("Forecast accuracy")
with section("Forecast accuracy"):
    accuracy = read(api, "forecast_accuracy", site, "day")
    if accuracy["forecast_run_id"] is None:
        st.info("No forecast has been scored against actuals yet.")
    else:
        overall_accuracy = accuracy["overall_accuracy_percent"]
        st.metric(
            f"Forecast accuracy (run version {accuracy['version']})",
            "-" if overall_accuracy is None else f"{overall_accuracy:.1f} %",
            help="100 - WMAPE of contacts offered over every scored day.",
        )
        scores = pd.DataFrame(accuracy["periods"])
        if not scores.empty:
            scores["period_start"] = pd.to_datetime(scores["period_start"])
            st.altair_chart(
                alt.Chart(scores)
                .mark_line(point=True)
                .encode(
                    x=alt.X("period_start:T", title="Day"),
                    y=alt.Y("accuracy_percent:Q", title="Accuracy (%)"),
                    color=alt.Color("queue_code:N", title="Queue"),
                    tooltip=["queue_code", "period_start:T", "accuracy_percent:Q"],
                )
                .properties(height=240),
                width="stretch",
            )

st.subheader("Outbound")
with section("Outbound"):
    week_start = date.today() - timedelta(days=date.today().weekday())
    outbound = read(api, "outbound", site, week_start)
    if outbound["schedule_id"] is None:
        st.info(f"No schedule yet for the week of {week_start}: no outbound hours planned.")
    else:
        a, b = st.columns(2)
        a.metric("Outbound hours planned", f"{outbound['sell_hours']:.1f} h")
        b.metric("Outbound value planned", f"{outbound['value']:,.0f}")
        st.dataframe(pd.DataFrame(outbound["campaigns"]), hide_index=True)

st.subheader(text("What was sold", "销售实绩"))
with section("What was sold"):
    show_sold(api, site, start, chosen[1])

st.subheader("Top contact reasons")
with section("Contact reasons"):
    reasons = read(api, "contact_reasons", site, start, end, granularity)
    if not reasons["reasons"]:
        st.info(
            f"No contact reasons recorded between {start} and {chosen[1]}: the history of "
            "these days carries no reason mix."
        )
    else:
        previous_last = date.fromisoformat(reasons["previous_end"]) - timedelta(days=1)
        st.caption(
            f"{reasons['contacts_with_reason']:,} contacts with a recorded reason "
            f"({reasons['reasons_recorded']} reasons) from {start} to {chosen[1]}; shares are of "
            f"those contacts; changes are against {reasons['previous_start']} to {previous_last}."
        )
        reason_table = frames.reason_totals(reasons)
        order = list(reason_table["reason"])
        bars = (
            alt.Chart(reason_table)
            .mark_bar()
            .encode(
                x=alt.X("contacts:Q", title="Contacts"),
                y=alt.Y("reason:N", sort=order, title=None),
                tooltip=[
                    "reason:N",
                    alt.Tooltip("contacts:Q", format=","),
                    alt.Tooltip("share:Q", format=".1%"),
                    alt.Tooltip("previous_contacts:Q", title="previous", format=","),
                    alt.Tooltip("change:Q", format="+,"),
                ],
            )
            .properties(height=max(120, 28 * len(order)))
        )
        st.altair_chart(bars, width="stretch")

        measure = st.radio(
            "Trend of",
            ["contacts", "share"],
            horizontal=True,
            format_func={"contacts": "Contacts", "share": "Share of contacts"}.__getitem__,
            key="exec_reason_measure",
        )
        reason_trend = frames.reason_points(reasons).dropna(subset=[measure])
        st.altair_chart(
            alt.Chart(reason_trend)
            .mark_line(point=True)
            .encode(
                x=alt.X("period:T", title=granularity.title()),
                y=alt.Y(
                    f"{measure}:Q",
                    title="Contacts" if measure == "contacts" else "Share of contacts",
                    axis=alt.Axis(format=".0%") if measure == "share" else alt.Axis(),
                ),
                color=alt.Color("reason:N", title="Reason", sort=order),
                tooltip=[
                    "period:T",
                    "reason:N",
                    alt.Tooltip("contacts:Q", format=","),
                    alt.Tooltip("share:Q", format=".1%"),
                ],
            )
            .properties(height=300),
            width="stretch",
        )
        st.dataframe(
            reason_table,
            hide_index=True,
            width="stretch",
            column_config={
                "rank": st.column_config.NumberColumn("Rank"),
                "reason": st.column_config.TextColumn("Reason"),
                "contacts": st.column_config.NumberColumn("Contacts", format="localized"),
                "share": st.column_config.NumberColumn("Share", format="percent"),
                "previous_contacts": st.column_config.NumberColumn(
                    "Previous", format="localized", help="Contacts over the previous range."
                ),
                "change": st.column_config.NumberColumn("Change", format="%+d"),
                "change_ratio": st.column_config.NumberColumn(
                    "Change (%)", format="percent", help="Change / previous contacts."
                ),
                "share_change": st.column_config.NumberColumn(
                    "Share change",
                    format="percent",
                    help="Share now minus share over the previous range, in percentage points.",
                ),
            },
        )
        if reasons["outside_top_count"]:
            st.caption(
                f"Other reasons beyond these {len(order)}: "
                f"{reasons['outside_top_count']:,} contacts."
            )
