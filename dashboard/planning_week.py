"""The week a planning page shows: a Monday of the site's latest forecast, opening on the site's
week by its clock (else its latest published week, as `GET /v1/sites` says)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import streamlit as st

from dashboard.common import site_info
from dashboard.i18n import fmt_date, t
from dashboard.roster_week import in_this_language


def forecast_weeks(run: dict[str, Any], zone: ZoneInfo) -> tuple[date, date, list[date]]:
    """The forecast's first and last local days, and the Mondays of the weeks it covers."""
    horizon_start = datetime.fromisoformat(run["horizon_start_utc"]).astimezone(zone).date()
    horizon_end = datetime.fromisoformat(run["horizon_end_utc"]).astimezone(zone).date()
    weeks = []
    monday = horizon_start - timedelta(days=horizon_start.weekday())
    while monday < horizon_end:
        weeks.append(monday)
        monday += timedelta(days=7)
    return horizon_start, horizon_end, weeks


def pick_week(weeks: list[date], key: str) -> date:
    """The week chosen in a select box (its widget `key`), opening on the site's week."""
    opening = site_info().get("opening_week_start")
    opening_week = date.fromisoformat(opening) if opening else None
    chosen: date = st.selectbox(
        t("Week"),
        weeks,
        index=weeks.index(opening_week) if opening_week in weeks else 0,
        key=key,
        format_func=in_this_language(lambda w: t("week of {day}", day=fmt_date(w))),
    )
    return chosen


def shown_schedule(versions: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The week's published schedule, or else its latest draft."""
    published = [v for v in versions if v["status"] == "published"]
    if published:
        return published[-1]
    drafts = [v for v in versions if v["status"] == "draft"]
    return drafts[-1] if drafts else None
