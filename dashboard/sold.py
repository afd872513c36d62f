"""The executive page's "What was sold / 销售实绩" section: realised outbound revenue against the
published rosters' plan by local hour, conversion and contact rate by hour, a table by campaign
and segment, and sell/serve value per paid hour (`GET /v1/outbound/results`). Money in the
site's currency, texts from the `executive` catalogue."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from dashboard.client import ApiClient
from dashboard.common import read, site_currency
from dashboard.frames import text_table
from dashboard.i18n import N_, fmt_date, fmt_money, fmt_number, fmt_percent, said, t

MAX_WINDOW_DAYS = 92  # the endpoint's longest window


def sold_window(start: date, last: date) -> tuple[date, date]:
    """The page's range, at most its last `MAX_WINDOW_DAYS` days."""
    return max(start, last - timedelta(days=MAX_WINDOW_DAYS - 1)), last


def _money(value: float | None) -> str:
    return fmt_money(value, site_currency(), digits=0)


def _share(value: float | None) -> str:
    return fmt_percent(value)


def hour_frame(results: dict[str, Any]) -> pd.DataFrame:
    """Realised and planned revenue by local hour, long (hour, series, revenue), hours with
    either."""
    realised, plan = t("Realised"), t("Plan")
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
    everything = t("(all)")
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
        st.caption(t("The last {days} days of the range.", days=MAX_WINDOW_DAYS))
    if not total["attempts"]:
        st.info(
            t(
                "No dialer attempts between {first} and {last}: nothing sold to show "
                "(import them with `POST /v1/outbound/attempts`).",
                first=fmt_date(first),
                last=fmt_date(last),
            )
        )
        return
    a, b, c, d = st.columns(4)
    a.metric(t("Revenue"), _money(total["revenue"]))
    b.metric(t("Plan"), _money(total["planned_revenue"]))
    c.metric(
        t("Against plan"),
        _money(total["revenue_vs_plan"]),
        help=t(
            "Revenue in the time a published roster covers ({revenue}) less the plan.",
            revenue=_money(total["revenue_in_plan"]),
        ),
    )
    d.metric(t("Conversion"), _share(total["conversion"]))
    st.caption(
        t(
            "{attempts} attempts, {contacts} contacts ({contact_rate}), {sales} sales, "
            "{first} to {last}.",
            attempts=fmt_number(total["attempts"]),
            contacts=fmt_number(total["contacts"]),
            contact_rate=_share(total["contact_rate"]),
            sales=fmt_number(total["sales"]),
            first=fmt_date(first),
            last=fmt_date(last),
        )
    )
    for note in results["notes"]:
        st.caption(said(note))
    _hour_charts(results)
    _table(results)
    _per_paid_hour(results["per_paid_hour"])


def _hour_charts(results: dict[str, Any]) -> None:
    hour_title = t("Local hour")
    revenue = hour_frame(results)
    st.altair_chart(
        alt.Chart(revenue)
        .mark_bar()
        .encode(
            x=alt.X("hour:O", title=hour_title),
            xOffset="series:N",
            y=alt.Y("revenue:Q", title=t("Revenue ({currency})", currency=site_currency())),
            color=alt.Color("series:N", title=None),
            tooltip=[
                alt.Tooltip("hour:O", title=hour_title),
                alt.Tooltip("series:N", title=t("Series")),
                alt.Tooltip("revenue:Q", title=t("Revenue"), format=",.0f"),
            ],
        )
        .properties(height=260, title=t("Revenue against plan by hour")),
        width="stretch",
    )
    rates = pd.DataFrame(
        [
            {"hour": h["hour"], "rate": name, "value": h[key]}
            for h in results["hours"]
            if h["attempts"]
            for key, name in (
                ("contact_rate", t("Contact rate")),
                ("conversion", t("Conversion")),
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
            tooltip=[
                alt.Tooltip("hour:O", title=hour_title),
                alt.Tooltip("rate:N", title=t("Rate")),
                alt.Tooltip("value:Q", title=t("Value"), format=".1%"),
            ],
        )
        .properties(height=220, title=t("Conversion by hour")),
        width="stretch",
    )


def shown_table(results: dict[str, Any]) -> pd.DataFrame:
    """The campaign table as the reader sees it: human labels, counts grouped, rates as
    percentages, money in the site's currency, "-" where there is no figure (a segment has no
    plan)."""
    money = site_currency()

    def amount(value: float | None) -> str:
        return fmt_money(value, money, digits=0)

    return text_table(
        campaign_frame(results),
        {
            "campaign_code": (N_("Campaign"), None),
            "segment_code": (N_("Segment"), None),
            "attempts": (N_("Attempts"), fmt_number),
            "contacts": (N_("Contacts"), fmt_number),
            "sales": (N_("Sales"), fmt_number),
            "contact_rate": (N_("Contact rate"), fmt_percent),
            "conversion": (N_("Conversion"), fmt_percent),
            "revenue": (N_("Revenue"), amount),
            "planned_revenue": (N_("Plan"), amount),
            "revenue_vs_plan": (N_("Against plan"), amount),
        },
    )


def _table(results: dict[str, Any]) -> None:
    st.dataframe(shown_table(results), hide_index=True, width="stretch")
    st.caption(t("The plan has no segments: a segment's plan is shown as -."))


def _per_paid_hour(paid: dict[str, Any]) -> None:
    a, b, c = st.columns(3)
    a.metric(
        t("Sales per paid selling hour"),
        _money(paid["revenue_per_selling_hour"]),
        help=t(
            "{revenue} over {hours} rostered selling hours.",
            revenue=_money(paid["revenue"]),
            hours=fmt_number(paid["selling_hours"], 1),
        ),
    )
    b.metric(
        t("Answered value per paid serving hour"),
        _money(paid["answered_value_per_serving_hour"]),
        help=t(
            "{contacts} answered contacts worth {value} over {hours} serving hours.",
            contacts=fmt_number(paid["answered_contacts"]),
            value=_money(paid["answered_value"]),
            hours=fmt_number(paid["serving_hours"], 1),
        ),
    )
    c.metric(
        t("Sell + serve value per paid hour"),
        _money(paid["value_per_paid_hour"]),
        help=t(
            "Over {hours} paid hours of the published rosters.",
            hours=fmt_number(paid["paid_hours"], 1),
        ),
    )
