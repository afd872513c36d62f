"""My schedule: an agent's own shifts, breaks and activities in the published roster."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import frames
from dashboard.client import ApiError
from dashboard.common import read, require_client, section

ACTIVITY_COLOURS = {
    "serve": "#1f77b4",
    "sell": "#2ca02c",
    "break": "#ff7f0e",
    "lunch": "#d62728",
    "other": "#9467bd",
}

api, me = require_client()
st.title("My schedule")
if not me.get("agent_code"):
    st.info("This page shows an agent's own schedule: sign in with an agent token.")
    st.stop()

this_monday = date.today() - timedelta(days=date.today().weekday())
week_start = st.date_input("Week starting", value=this_monday, key="my_week")
if not isinstance(week_start, date):
    st.stop()
assert isinstance(week_start, date)

with section("Schedule"):
    try:
        shifts = read(api, "my_schedule", week_start)
    except ApiError as exc:
        if exc.kind != "not_found":
            raise
        st.info(f"No schedule yet: nothing is published for the week of {week_start}.")
        st.stop()
    if not shifts:
        st.info(f"No shifts for you in the published schedule of the week of {week_start}.")
    else:
        hours = sum(
            (
                datetime.fromisoformat(s["end_utc"]) - datetime.fromisoformat(s["start_utc"])
            ).total_seconds()
            for s in shifts
        )
        a, b = st.columns(2)
        a.metric("Shifts this week", len(shifts))
        b.metric("Paid hours", f"{hours / 3600:.1f} h")
        table = pd.DataFrame(
            [
                {
                    "day": s["shift_date"],
                    "start (UTC)": s["start_utc"][11:16],
                    "end (UTC)": s["end_utc"][11:16],
                    "breaks": ", ".join(
                        f"{b['kind']} {b['start_utc'][11:16]}" for b in s["breaks"]
                    ),
                }
                for s in shifts
            ]
        )
        st.dataframe(table, hide_index=True, width="stretch")
        spans = frames.gantt_frame(shifts)
        spans["day"] = spans["shift_date"].astype(str)
        spans["from"] = spans["start"].dt.strftime("%H:%M")
        spans["to"] = spans["end"].dt.strftime("%H:%M")
        spans["start_hour"] = spans["start"].dt.hour + spans["start"].dt.minute / 60
        spans["end_hour"] = spans["end"].dt.hour + spans["end"].dt.minute / 60
        st.altair_chart(
            alt.Chart(spans)
            .mark_bar()
            .encode(
                x=alt.X("start_hour:Q", title="Hour (UTC)", scale=alt.Scale(domain=[0, 24])),
                x2="end_hour:Q",
                y=alt.Y("day:N", title="Day"),
                color=alt.Color(
                    "activity:N",
                    scale=alt.Scale(
                        domain=list(ACTIVITY_COLOURS), range=list(ACTIVITY_COLOURS.values())
                    ),
                ),
                tooltip=["day", "activity", "on", "from", "to"],
            )
            .properties(height=260),
            width="stretch",
        )
