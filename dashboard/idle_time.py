"""Idle time inside serving, for the planner: per local day of a schedule's evaluation
(`/v1/schedules/{id}/evaluation`, `idle_days`), the serving agents' idle hours, the deferred work
(callbacks, follow-ups) they can absorb while every queue meets its targets, and the open
callbacks due that day against it. Bilingual (`dashboard.i18n`)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard.i18n import N_, fmt_date, fmt_number, t

COLUMNS = {
    "day": N_("Day"),
    "idle_agent_hours": N_("Idle hours"),
    "absorbable_deferred_hours": N_("Absorbable hours"),
    "callbacks_due": N_("Callbacks due"),
    "callback_hours_due": N_("Callback hours"),
    "callback_hours_absorbable": N_("Callback hours absorbed"),
}


def idle_table(evaluation: dict[str, Any]) -> pd.DataFrame:
    """One row per local day of the evaluation's week, hours to one decimal."""
    columns = {name: t(label) for name, label in COLUMNS.items()}
    rows = [
        {
            label: fmt_date(row[name], weekday=True)
            if name == "day"
            else row[name]
            if name == "callbacks_due"
            else round(row[name], 1)
            for name, label in columns.items()
        }
        for row in evaluation.get("idle_days", [])
    ]
    return pd.DataFrame(rows, columns=list(columns.values()))


def show_idle_time(evaluation: dict[str, Any]) -> None:
    """The section: the week's totals, the table per day and what the figures mean."""
    st.markdown("**" + t("Idle time inside serving") + "**")
    table = idle_table(evaluation)
    if table.empty:
        st.info(t("The schedule has no days to show."))
        return
    a, b, c = st.columns(3)
    a.metric(t("Idle hours"), f"{fmt_number(evaluation['idle_agent_hours'], 1)} h")
    b.metric(
        t("Absorbable deferred hours"),
        f"{fmt_number(evaluation['absorbable_deferred_hours'], 1)} h",
    )
    c.metric(
        t("Callback hours absorbed"),
        f"{fmt_number(evaluation['callback_hours_absorbable'], 1)} / "
        f"{fmt_number(evaluation['callback_hours_due'], 1)} h",
    )
    st.dataframe(table, hide_index=True, width="stretch")
    st.caption(
        t(
            "Serving agents are idle between contacts (agents present x (1 - occupancy)). "
            "Deferred work such as callbacks, done only when no contact waits, can fill the "
            "absorbable part of that time while every queue still meets its targets; days "
            "already short absorb nothing. Callbacks absorbed need not be rostered as selling "
            "time."
        )
    )
