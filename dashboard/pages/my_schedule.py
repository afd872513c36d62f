"""My schedule: an agent's own shifts, breaks and activities in the published roster, in the
site's local time. Opens on the week the site's clock is in, or the latest published week when
the clock is outside any. Texts from the `my_schedule` catalogue."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import frames
from dashboard.client import ApiError
from dashboard.common import read, require_client, section
from dashboard.i18n import N_, fmt_date, fmt_number, fmt_time, t

ACTIVITY_COLOURS = {
    "serve": "#1f77b4",
    "sell": "#2ca02c",
    "break": "#ff7f0e",
    "lunch": "#d62728",
    "other": "#9467bd",
}
ACTIVITY_NAMES = {
    "serve": N_("Serve"),
    "sell": N_("Sell"),
    "break": N_("Break"),
    "lunch": N_("Lunch"),
    "other": N_("Other"),
}

api, me = require_client()
st.title(t("My schedule"))
if not me.get("agent_code"):
    st.info(t("This page shows an agent's own schedule: sign in with an agent token."))
    st.stop()

zone_name = str(me.get("timezone") or "UTC")
zone = ZoneInfo(zone_name)
opening = me.get("opening_week_start")
if opening:
    opening_week = date.fromisoformat(opening)
else:
    today = datetime.now(zone).date()
    opening_week = today - timedelta(days=today.weekday())
week_start = st.date_input(
    t("Week starting"), value=opening_week, format="YYYY-MM-DD", key="my_week"
)
if not isinstance(week_start, date):
    st.stop()
assert isinstance(week_start, date)


def _hour(moment: pd.Timestamp) -> float:
    local = moment.tz_convert(zone_name)
    return float(local.hour + local.minute / 60)


def _table(shifts: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "day": fmt_date(s["shift_date"], weekday=True),
                "start": fmt_time(s["start_utc"], zone_name),
                "end": fmt_time(s["end_utc"], zone_name),
                "breaks": ", ".join(
                    t(
                        "{kind} {start}-{end}",
                        kind=t(ACTIVITY_NAMES.get(b["kind"], b["kind"])),
                        start=fmt_time(b["start_utc"], zone_name),
                        end=fmt_time(b["end_utc"], zone_name),
                    )
                    for b in s["breaks"]
                ),
            }
            for s in shifts
        ],
        columns=["day", "start", "end", "breaks"],
    )


def _chart(shifts: list[dict[str, Any]]) -> None:
    spans = frames.gantt_frame(shifts)
    spans["day"] = [fmt_date(d, weekday=True) for d in spans["shift_date"]]
    spans["from"] = [fmt_time(s.to_pydatetime(), zone_name) for s in spans["start"]]
    spans["to"] = [fmt_time(e.to_pydatetime(), zone_name) for e in spans["end"]]
    spans["start_hour"] = [_hour(s) for s in spans["start"]]
    spans["end_hour"] = [
        _hour(e) if _hour(e) > _hour(s) else 24.0
        for s, e in zip(spans["start"], spans["end"], strict=True)
    ]
    spans["what"] = [t(ACTIVITY_NAMES.get(a, a)) for a in spans["activity"]]
    names = [t(ACTIVITY_NAMES[a]) for a in ACTIVITY_COLOURS]
    days = list(dict.fromkeys(spans["day"]))
    st.altair_chart(
        alt.Chart(spans)
        .mark_bar()
        .encode(
            x=alt.X(
                "start_hour:Q",
                title=t("Local hour ({timezone})", timezone=zone_name),
                scale=alt.Scale(domain=[0, 24]),
            ),
            x2="end_hour:Q",
            y=alt.Y("day:N", title=None, sort=days),
            color=alt.Color(
                "what:N",
                title=t("Activity"),
                scale=alt.Scale(domain=names, range=list(ACTIVITY_COLOURS.values())),
            ),
            tooltip=[
                alt.Tooltip("day:N", title=t("Day")),
                alt.Tooltip("what:N", title=t("Activity")),
                alt.Tooltip("on:N", title=t("On")),
                alt.Tooltip("from:N", title=t("Start")),
                alt.Tooltip("to:N", title=t("End")),
            ],
        )
        .properties(height=60 + 36 * len(days)),
        width="stretch",
    )


with section(t("Schedule")):
    try:
        shifts = read(api, "my_schedule", week_start)
    except ApiError as exc:
        if exc.kind != "not_found":
            raise
        st.info(
            t(
                "No schedule yet: nothing is published for the week of {week}.",
                week=fmt_date(week_start),
            )
        )
        st.stop()
    if not shifts:
        st.info(
            t(
                "No shifts for you in the published schedule of the week of {week}.",
                week=fmt_date(week_start),
            )
        )
    else:
        seconds = sum(
            (
                datetime.fromisoformat(s["end_utc"]) - datetime.fromisoformat(s["start_utc"])
            ).total_seconds()
            for s in shifts
        )
        a, b = st.columns(2)
        a.metric(t("Shifts this week"), len(shifts))
        b.metric(t("Paid hours"), t("{hours} h", hours=fmt_number(seconds / 3600, 1)))
        st.caption(t("Times are the site's local time ({timezone}).", timezone=zone_name))
        st.dataframe(
            _table(shifts),
            hide_index=True,
            width="stretch",
            column_config={
                "day": st.column_config.TextColumn(t("Day")),
                "start": st.column_config.TextColumn(t("Start")),
                "end": st.column_config.TextColumn(t("End")),
                "breaks": st.column_config.TextColumn(t("Breaks")),
            },
        )
        _chart(shifts)
