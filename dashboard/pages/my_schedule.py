"""My schedule: an agent's own shifts, breaks and activities in the published roster, in the
site's local time, and the agent's self-service below them (time off, swaps, availability and
roster preferences, bidding, notifications). Opens on the week the site's clock is in, or the
latest published week when the clock is outside any. Texts from the `my_schedule` catalogue."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import frames, self_service, swaps
from dashboard.client import ApiError
from dashboard.common import on_click_download, read, require_client, section
from dashboard.i18n import N_, fmt_date, fmt_number, fmt_time, t
from dashboard.preferences import edit_availability_and_preferences

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
self_service.show_flash()
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


def _minutes(start: str, end: str) -> int:
    return round((datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds() / 60)


def _breaks(shift: dict[str, Any]) -> str:
    return ", ".join(
        t(
            "{kind} {start}-{end} ({minutes} min)",
            kind=t(ACTIVITY_NAMES.get(b["kind"], b["kind"])),
            start=fmt_time(b["start_utc"], zone_name),
            end=fmt_time(b["end_utc"], zone_name),
            minutes=_minutes(b["start_utc"], b["end_utc"]),
        )
        for b in shift["breaks"]
    )


def _selling(shift: dict[str, Any]) -> str:
    return ", ".join(
        t(
            "{start}-{end} ({campaign})",
            start=fmt_time(a["start_utc"], zone_name),
            end=fmt_time(a["end_utc"], zone_name),
            campaign=a.get("campaign_code") or "-",
        )
        for a in shift.get("activities") or []
        if a["activity"] == "sell"
    )


def _table(shifts: list[dict[str, Any]], week: date) -> pd.DataFrame:
    """A row per day of the week: the shift's times, breaks with their lengths and sell blocks,
    or a day off."""
    by_day: dict[str, list[dict[str, Any]]] = {}
    for s in shifts:
        by_day.setdefault(str(s["shift_date"])[:10], []).append(s)
    rows = []
    for offset in range(7):
        day = week + timedelta(days=offset)
        found = by_day.get(day.isoformat(), [])
        if not found:
            rows.append(
                {
                    "day": fmt_date(day, weekday=True),
                    "start": t("Day off"),
                    "end": "",
                    "breaks": "",
                    "selling": "",
                }
            )
        for s in found:
            rows.append(
                {
                    "day": fmt_date(s["shift_date"], weekday=True),
                    "start": fmt_time(s["start_utc"], zone_name),
                    "end": fmt_time(s["end_utc"], zone_name),
                    "breaks": _breaks(s),
                    "selling": _selling(s),
                }
            )
    return pd.DataFrame(rows, columns=["day", "start", "end", "breaks", "selling"])


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


def _week_shifts() -> list[dict[str, Any]]:
    """The agent's shifts in the shown week's published schedule (none when nothing is)."""
    try:
        shifts: list[dict[str, Any]] = read(api, "my_schedule", week_start)
    except ApiError as exc:
        if exc.kind != "not_found":
            raise
        return []
    return shifts


def _schedule() -> None:
    """The week's shifts: figures, a row per day, the chart and the calendar file."""
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
        return
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
            _table(shifts, week_start),
            hide_index=True,
            width="stretch",
            column_config={
                "day": st.column_config.TextColumn(t("Day")),
                "start": st.column_config.TextColumn(t("Start")),
                "end": st.column_config.TextColumn(t("End")),
                "breaks": st.column_config.TextColumn(t("Breaks")),
                "selling": st.column_config.TextColumn(t("Selling")),
            },
        )
        _chart(shifts)
        st.download_button(
            t("Add this week to my calendar (iCalendar)"),
            on_click_download(api, "/me/calendar.ics", week_start=week_start),
            file_name=f"{me['agent_code']}-{week_start.isoformat()}.ics",
            mime="text/calendar",
            key="my_calendar",
        )


with section(t("Schedule")):
    _schedule()
with section(t("Subscribe in my calendar app")):
    self_service.show_calendar_feed(api, str(me["agent_code"]), zone_name)

st.subheader(t("My time off"))
with section(t("My time off")):
    self_service.show_time_off(api, zone_name)
st.subheader(t("Shift swaps"))
with section(t("Shift swaps")):
    swaps.show_swaps(api, zone_name, _week_shifts(), str(me["agent_code"]))
st.subheader(t("My availability and preferences"))
with section(t("My availability and preferences")):
    if st.toggle(t("Show and edit my availability and preferences"), key="my_prefs_open"):
        edit_availability_and_preferences(api, None, key="my_prefs")
st.subheader(t("Shift bidding"))
with section(t("Shift bidding")):
    self_service.show_bidding(api, zone_name)
st.subheader(t("Notifications"))
with section(t("Notifications")):
    self_service.show_notifications(api)
