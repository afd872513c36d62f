"""Rules and plans: the site's rules valid for a week (and a new version of them), agents'
preferences and availability with how many the week's schedule honoured, the site's calendar
(holidays and make-up working days), what-if scenarios of
a week beside the base, and capacity plans month by month. Apart from the Planner page, which
carries the week from forecast to published roster, so that each opens quickly. Every text in
the reader's language (`dashboard.i18n`), every time in the site's."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import streamlit as st

from dashboard.capacity_plan import capacity_form, show_capacity_plans
from dashboard.common import (
    can,
    pick_site,
    read,
    require_client,
    section,
    site_timezone,
    site_today,
)
from dashboard.holiday_calendar import show_site_calendar
from dashboard.i18n import t
from dashboard.planner_jobs import show_job_progress, track_job
from dashboard.planning_week import forecast_weeks, pick_week, shown_schedule
from dashboard.preferences import show_agent_preferences, show_preference_report
from dashboard.scenarios import scenario_form, show_scenarios
from dashboard.self_service import show_flash
from dashboard.site_rules import show_site_rules

api, me = require_client()
st.title(t("Rules and plans"))
show_flash()
site = pick_site(api)
if site is None:
    st.stop()
assert site is not None
timezone = site_timezone()
zone = ZoneInfo(timezone)

runs: list[dict[str, Any]] = []
with section(t("Forecasts")):
    runs = read(api, "forecast_runs", site)
week_start: date | None = None
if runs:
    week_start = pick_week(forecast_weeks(runs[-1], zone)[2], "planner_week")
else:
    st.info(
        t(
            "No forecast yet for site {site}: the site's rules and what-if scenarios are kept "
            "per week of a forecast. Run one on the Planner page (or `wfm forecast`).",
            site=site,
        )
    )

early = api.ahead()  # the page's lists, read side by side by their sections below
early.agents(site)
early.scenarios(site)
early.capacity_plans(site)
if week_start is not None:
    early.site_rules(site, week_start)

if week_start is not None:
    st.subheader(t("Site rules"))
    with section(t("Site rules")):
        show_site_rules(api, site, week_start, can(me, "schedule:write"))

if can(me, "agents:read"):
    st.subheader(t("Agent preferences and availability"))
    with section(t("Agent preferences and availability")):
        if week_start is not None:
            shown = shown_schedule(read(api, "schedules", site, week_start))
            show_preference_report(
                shown, None if shown is None else read(api, "evaluation", shown["id"])
            )
        if st.toggle(t("Show and edit an agent's preferences"), key="prefs_open"):
            show_agent_preferences(api, read(api, "agents", site), can(me, "agents:write"))

st.subheader(t("Site calendar"))
with section(t("Site calendar")):
    if st.toggle(t("Show the site's holidays and make-up working days"), key="calendar_open"):
        show_site_calendar(api, site, site_today(), can(me, "org:write"))

st.subheader(t("What-if scenarios"))
with section(t("What-if scenarios")):
    show_scenarios(api, site)
    if (
        can(me, "schedule:write")
        and week_start is not None
        and st.toggle(t("Ask a new scenario"), key="scenario_new_open")
    ):
        campaigns = sorted(
            {c for a in read(api, "agents", site) for c in a.get("campaign_skills") or []}
        )
        queues = [q["code"] for q in read(api, "queues", site)]
        scenario_form(api, site, week_start, queues, campaigns)

st.subheader(t("Capacity plan"))
with section(t("Capacity plan")):
    show_capacity_plans(api, site, timezone)
    if can(me, "schedule:write") and st.toggle(
        t("Ask a new capacity plan"), key="capacity_new_open"
    ):
        capacity_form(api, site, track_job)

st.subheader(t("Jobs"))
show_job_progress(api)
