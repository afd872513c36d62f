"""Idle time inside serving, for the planner: per local day of a schedule's evaluation
(`/v1/schedules/{id}/evaluation`, `idle_days`), the serving agents' idle hours, the deferred work
(callbacks, follow-ups) they can absorb while every queue meets its targets, and the open
callbacks due that day against it. Bilingual (`dashboard.i18n`)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard.i18n import text


def idle_table(evaluation: dict[str, Any]) -> pd.DataFrame:
    """One row per local day of the evaluation's week, hours to one decimal."""
    columns = {
        "day": text("day", "日期"),
        "idle_agent_hours": text("idle h", "空闲小时"),
        "absorbable_deferred_hours": text("absorbable h", "可吸收小时"),
        "callbacks_due": text("callbacks due", "到期回拨"),
        "callback_hours_due": text("callback h", "回拨小时"),
        "callback_hours_absorbable": text("callback h absorbed", "可吸收回拨小时"),
    }
    rows = [
        {
            label: row[name] if name in ("day", "callbacks_due") else round(row[name], 1)
            for name, label in columns.items()
        }
        for row in evaluation.get("idle_days", [])
    ]
    return pd.DataFrame(rows, columns=list(columns.values()))


def show_idle_time(evaluation: dict[str, Any]) -> None:
    """The section: the week's totals, the table per day and what the figures mean."""
    st.markdown("**" + text("Idle time inside serving", "接听间隙") + "**")
    table = idle_table(evaluation)
    if table.empty:
        st.info(text("The schedule has no days to show.", "该排班没有可显示的日期。"))
        return
    a, b, c = st.columns(3)
    a.metric(text("Idle hours", "空闲小时"), f"{evaluation['idle_agent_hours']:.1f} h")
    b.metric(
        text("Absorbable deferred hours", "可吸收延后工作小时"),
        f"{evaluation['absorbable_deferred_hours']:.1f} h",
    )
    c.metric(
        text("Callback hours absorbed", "可吸收回拨小时"),
        f"{evaluation['callback_hours_absorbable']:.1f} / {evaluation['callback_hours_due']:.1f} h",
    )
    st.dataframe(table, hide_index=True, width="stretch")
    st.caption(
        text(
            "Serving agents are idle between contacts (agents present x (1 - occupancy)). "
            "Deferred work such as callbacks, done only when no contact waits, can fill the "
            "absorbable part of that time while every queue still meets its targets; days "
            "already short absorb nothing. Callbacks absorbed need not be rostered as selling "
            "time.",
            "接听坐席在两次来电之间处于空闲（在岗坐席 × (1 − 占用率)）。回拨等延后工作只在没有"
            "来电等待时处理，可以填补其中可吸收的部分，同时各队列仍达到目标；已经人手不足的时段"
            "不吸收任何工作。可吸收的回拨无需排为外呼销售时间。",
        )
    )
