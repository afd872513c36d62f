"""What-if scenarios, for the planner: the site's scenarios (`GET /v1/scenarios?site=`) with
their job's status, and the latest solved one side by side: a column per week (the base and each
variant), a row per figure, the difference to the base beside each variant's. Read-only:
scenarios are posted through the API or `wfm scenario run`. Bilingual (`dashboard.i18n`)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard.client import ApiClient
from dashboard.i18n import N_, fmt_date, t

FIGURES = {
    "answer_rate": N_("Answer rate"),
    "service_level": N_("Service level"),
    "outbound_value": N_("Sales"),
    "paid_hours": N_("Paid hours"),
    "hours_short": N_("Hours short"),
    "agents": N_("Agents rostered"),
    "labour_cost": N_("Labour cost"),
    "cost_per_answered_contact": N_("Cost per answered contact"),
    "sales_per_paid_hour": N_("Sales per paid hour"),
}
RATES = ("answer_rate", "service_level")


def _shown(name: str, value: Any, *, signed: bool = False) -> str:
    if value is None:
        return "-"
    sign = "+" if signed and value >= 0 else ""
    if name in RATES:
        return f"{sign}{100 * value:.1f}%"
    return f"{sign}{value:,.1f}" if name != "agents" else f"{sign}{value:.0f}"


def comparison_table(comparison: dict[str, Any]) -> pd.DataFrame:
    """A row per figure; the base's column, then per variant its figure and its difference."""
    weeks = [comparison["base"], *comparison["variants"]]
    rows = []
    for name, label in FIGURES.items():
        row = {t("Figure"): t(label)}
        for week in weeks:
            title = t("Base") if week is comparison["base"] else week["name"]
            figures = week.get("figures") or {}
            row[title] = _shown(name, figures.get(name))
            if week is not comparison["base"]:
                delta = (week.get("difference") or {}).get(name)
                row[t("{variant} vs base", variant=week["name"])] = _shown(name, delta, signed=True)
        rows.append(row)
    return pd.DataFrame(rows)


def show_scenarios(client: ApiClient, site: str) -> None:
    """The site's scenarios and the latest solved one's comparison."""
    scenarios = client.get("/scenarios", site=site, limit=20)
    if not scenarios:
        st.info(t("No scenarios yet: post one to /v1/scenarios or run wfm scenario run."))
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("Scenario"): s["name"],
                    t("Week"): fmt_date(s["week_start"]),
                    t("Variants"): len(s["document"].get("variants", [])),
                    t("Status"): s["status"],
                    t("Progress"): f"{100 * s['progress']:.0f}%",
                }
                for s in scenarios
            ]
        ),
        hide_index=True,
    )
    solved = [s for s in scenarios if s.get("comparison")]
    if not solved:
        return
    latest = solved[0]
    st.caption(
        t(
            "{name}, week of {week}: each variant beside the base, solved the same way.",
            name=latest["name"],
            week=fmt_date(latest["week_start"]),
        )
    )
    st.dataframe(comparison_table(latest["comparison"]), hide_index=True)
    figures = latest["comparison"]["base"].get("figures") or {}
    if figures.get("labour_cost") is None:
        st.caption(t("Labour cost: none, the site's rules for the week set no wages."))
