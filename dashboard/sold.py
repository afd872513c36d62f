"""The executive page's "What was sold / 销售实绩" section: realised outbound revenue against the
published rosters' plan by local hour, conversion and contact rate by hour, a table by campaign
and segment, and sell/serve value per paid hour (`GET /v1/outbound/results`)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from dashboard.client import ApiClient
from dashboard.common import read
from dashboard.i18n import text

MAX_WINDOW_DAYS = 92  # the endpoint's longest window


def sold_window(start: date, last: date) -> tuple[date, date]:
    """The page's range, at most its last `MAX_WINDOW_DAYS` days."""
    return max(start, last - timedelta(days=MAX_WINDOW_DAYS - 1)), last


def _money(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f} %"


def hour_frame(results: dict[str, Any]) -> pd.DataFrame:
    """Realised and planned revenue by local hour, long (hour, series, revenue), hours with
    either."""
    realised, plan = text("Realised", "实际"), text("Plan", "计划")
    rows = []
    for h in results["hours"]:
        if not h["attempts"] and not h["planned_revenue"]:
            continue
        rows.append({"hour": h["hour"], "series": realised, "revenue": h["revenue"]})
        if h["planned_revenue"] is not None:
            rows.append({"hour": h["hour"], "series": plan, "revenue": h["planned_revenue"]})
    return pd.DataFrame(rows, columns=["hour", "series", "revenue"])


def campaign_frame(results: dict[str, Any]) -> pd.DataFrame:
    """One row per campaign (segment "(all)") and per campaign and segment."""
    everything = text("(all)", "（全部）")
    rows = [{**r, "segment_code": everything} for r in results["campaigns"]]
    rows += results["campaign_segments"]
    columns = [
        "campaign_code",
        "segment_code",
        "attempts",
        "contacts",
        "sales",
        "contact_rate",
        "conversion",
        "revenue",
        "planned_revenue",
        "revenue_vs_plan",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    order = frame["segment_code"] != everything
    return (
        frame.assign(_order=order)
        .sort_values(["campaign_code", "_order", "segment_code"])
        .drop(columns="_order")
        .reset_index(drop=True)
    )


def show_sold(api: ApiClient, site: str, start: date, last: date) -> None:
    """The section for the local days [start, last] (at most its last 92)."""
    first, last = sold_window(start, last)
    results = read(api, "outbound_results", site, first, last)
    total = results["total"]
    if first != start:
        st.caption(
            text(
                f"The last {MAX_WINDOW_DAYS} days of the range.",
                f"范围内最近 {MAX_WINDOW_DAYS} 天。",
            )
        )
    if not total["attempts"]:
        st.info(
            text(
                f"No dialer attempts between {first} and {last}: nothing sold to show "
                "(import them with `POST /v1/outbound/attempts`).",
                f"{first} 至 {last} 期间没有外呼记录：暂无销售实绩"
                "（可通过 `POST /v1/outbound/attempts` 导入）。",
            )
        )
        return
    a, b, c, d = st.columns(4)
    a.metric(text("Revenue", "销售额"), _money(total["revenue"]))
    b.metric(text("Plan", "计划"), _money(total["planned_revenue"]))
    c.metric(
        text("Against plan", "与计划差额"),
        _money(total["revenue_vs_plan"]),
        help=text(
            f"Revenue in the time a published roster covers ({_money(total['revenue_in_plan'])}) "
            "less the plan.",
            f"已发布排班覆盖时段内的销售额（{_money(total['revenue_in_plan'])}）减去计划。",
        ),
    )
    d.metric(text("Conversion", "转化率"), _share(total["conversion"]))
    st.caption(
        text(
            f"{total['attempts']:,} attempts, {total['contacts']:,} contacts "
            f"({_share(total['contact_rate'])}), {total['sales']:,} sales, {first} to {last}.",
            f"{first} 至 {last}：外呼 {total['attempts']:,} 次，接通 {total['contacts']:,} 次"
            f"（{_share(total['contact_rate'])}），成交 {total['sales']:,} 单。",
        )
    )
    for note in results["notes"]:
        st.caption(note)
    _hour_charts(results)
    _table(results)
    _per_paid_hour(results["per_paid_hour"])


def _hour_charts(results: dict[str, Any]) -> None:
    hour_title = text("Local hour", "当地时间（小时）")
    revenue = hour_frame(results)
    st.altair_chart(
        alt.Chart(revenue)
        .mark_bar()
        .encode(
            x=alt.X("hour:O", title=hour_title),
            xOffset="series:N",
            y=alt.Y("revenue:Q", title=text("Revenue", "销售额")),
            color=alt.Color("series:N", title=None),
            tooltip=["hour:O", "series:N", alt.Tooltip("revenue:Q", format=",.0f")],
        )
        .properties(height=260, title=text("Revenue against plan by hour", "各小时销售额与计划")),
        width="stretch",
    )
    rates = pd.DataFrame(
        [
            {"hour": h["hour"], "rate": name, "value": h[key]}
            for h in results["hours"]
            if h["attempts"]
            for key, name in (
                ("contact_rate", text("Contact rate", "接通率")),
                ("conversion", text("Conversion", "转化率")),
            )
            if h[key] is not None
        ],
        columns=["hour", "rate", "value"],
    )
    st.altair_chart(
        alt.Chart(rates)
        .mark_line(point=True)
        .encode(
            x=alt.X("hour:O", title=hour_title),
            y=alt.Y("value:Q", title=None, axis=alt.Axis(format=".0%")),
            color=alt.Color("rate:N", title=None),
            tooltip=["hour:O", "rate:N", alt.Tooltip("value:Q", format=".1%")],
        )
        .properties(height=220, title=text("Conversion by hour", "各小时转化率")),
        width="stretch",
    )


def _table(results: dict[str, Any]) -> None:
    st.dataframe(
        campaign_frame(results),
        hide_index=True,
        width="stretch",
        column_config={
            "campaign_code": st.column_config.TextColumn(text("Campaign", "营销活动")),
            "segment_code": st.column_config.TextColumn(text("Segment", "客户分层")),
            "attempts": st.column_config.NumberColumn(text("Attempts", "外呼次数")),
            "contacts": st.column_config.NumberColumn(text("Contacts", "接通次数")),
            "sales": st.column_config.NumberColumn(text("Sales", "成交")),
            "contact_rate": st.column_config.NumberColumn(
                text("Contact rate", "接通率"), format="percent"
            ),
            "conversion": st.column_config.NumberColumn(
                text("Conversion", "转化率"), format="percent"
            ),
            "revenue": st.column_config.NumberColumn(text("Revenue", "销售额"), format="localized"),
            "planned_revenue": st.column_config.NumberColumn(
                text("Plan", "计划"),
                help=text("The plan has no segments.", "计划不区分客户分层。"),
                format="localized",
            ),
            "revenue_vs_plan": st.column_config.NumberColumn(
                text("Against plan", "与计划差额"), format="localized"
            ),
        },
    )


def _per_paid_hour(paid: dict[str, Any]) -> None:
    a, b, c = st.columns(3)
    a.metric(
        text("Sales per paid selling hour", "每付薪外呼小时销售额"),
        _money(paid["revenue_per_selling_hour"]),
        help=text(
            f"{paid['revenue']:,.0f} over {paid['selling_hours']:.1f} rostered selling hours.",
            f"{paid['revenue']:,.0f} ÷ 排班外呼 {paid['selling_hours']:.1f} 小时。",
        ),
    )
    b.metric(
        text("Answered value per paid serving hour", "每付薪接听小时接通价值"),
        _money(paid["answered_value_per_serving_hour"]),
        help=text(
            f"{paid['answered_contacts']:,} answered contacts worth "
            f"{paid['answered_value']:,.0f} over {paid['serving_hours']:.1f} serving hours.",
            f"接通 {paid['answered_contacts']:,} 通，价值 {paid['answered_value']:,.0f}，"
            f"排班接听 {paid['serving_hours']:.1f} 小时。",
        ),
    )
    c.metric(
        text("Sell + serve value per paid hour", "每付薪小时总价值"),
        _money(paid["value_per_paid_hour"]),
        help=text(
            f"Over {paid['paid_hours']:.1f} paid hours of the published rosters.",
            f"已发布排班共 {paid['paid_hours']:.1f} 付薪小时。",
        ),
    )
