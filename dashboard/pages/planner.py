"""Planner: forecast against actuals with prediction bands, requirement against scheduled servers
and sellers, the roster by agent, forecast and roster jobs with progress, review and publish."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import frames
from dashboard.client import ApiClient, ApiError
from dashboard.common import (
    can,
    forget_cached_reads,
    pick_site,
    read,
    require_client,
    section,
    show_api_error,
)
from dashboard.i18n import pick_language
from dashboard.idle_time import show_idle_time
from wfm.domain.grid import local_day_bounds_utc

JOBS_KEY = "planner_jobs"
ACTIVITY_COLOURS = {
    "serve": "#1f77b4",
    "sell": "#2ca02c",
    "break": "#ff7f0e",
    "lunch": "#d62728",
    "other": "#9467bd",
}

api, me = require_client()
st.title("Planner")
site = pick_site(api)
pick_language()
if site is None:
    st.stop()
assert site is not None


def _site_zone(client: ApiClient, code: str) -> ZoneInfo:
    for s in read(client, "sites"):
        if s["code"] == code:
            return ZoneInfo(s["timezone"])
    return ZoneInfo("UTC")


def _patience_table(queues: list[dict[str, Any]]) -> pd.DataFrame:
    """Per queue: the mean patience in use and where it comes from (`/v1/queues`)."""

    def seconds(value: float | None) -> float | None:
        return None if value is None else round(value, 1)

    return pd.DataFrame(
        [
            {
                "queue": q["code"],
                "patience_s": seconds(q["patience"]["seconds"]),
                "source": q["patience"]["source"],
                "estimated_at_utc": q["patience"]["estimated_at_utc"],
                "ci95_low_s": seconds(q["patience"]["ci_low_seconds"]),
                "ci95_high_s": seconds(q["patience"]["ci_high_seconds"]),
                "abandoned": q["patience"]["abandoned_count"],
            }
            for q in queues
        ]
    )


def _shrinkage_section(client: ApiClient, site: str, may_write: bool) -> None:
    """The site's unplanned shrinkage setting beside the one measured on its agents' days."""
    measured = read(client, "unplanned_shrinkage", site)
    setting, estimate = measured["setting"], measured["estimate"]
    left, right = st.columns(2)
    left.metric(
        "Unplanned shrinkage in use",
        f"{setting:.1%}",
        help="The site's setting: each rostered agent absent with this probability in "
        "requirements, rosters and their predictions.",
    )
    if estimate is None:
        right.metric("Measured", "-")
    else:
        low, high = measured["ci95_low"], measured["ci95_high"]
        interval = None if low is None or high is None else f"95 % interval {low:.1%} to {high:.1%}"
        right.metric("Measured", f"{estimate:.1%}", help=interval)
    st.caption(
        f"Measured on {measured['agent_days']} rostered agent-days with ACD events from "
        f"{measured['first_day']} to {measured['last_day']}: the share of scheduled work time "
        "not available (absent, late, not ready); "
        + (
            f"days absent {measured['absence_share']:.1%}, lateness and aux "
            f"{measured['lateness_and_aux_share']:.1%}."
            if estimate is not None
            else "no agent events on rostered days yet."
        )
    )
    if not measured["sufficient"]:
        st.caption(f"An estimate needs {measured['min_agent_days']} agent-days to be used.")
    elif may_write and st.button("Use the measured value", key="apply_shrinkage"):
        try:
            client.apply_unplanned_shrinkage(site)
            forget_cached_reads()
            st.success(f"The site's unplanned shrinkage is now {estimate:.1%}.")
        except ApiError as exc:
            show_api_error(exc, "Unplanned shrinkage")


def _selling_table(evaluation: dict[str, Any]) -> pd.DataFrame:
    """Per campaign of the schedule's evaluation: where its values per selling hour come from
    (estimated from the dialer attempts, typed, and why), and the hours and value the roster
    sells (`/v1/schedules/{id}/evaluation`)."""
    rows = []
    for code, c in evaluation["campaigns"].items():
        source, _, why = str(c.get("value_source") or "typed: ").partition(": ")
        rows.append(
            {
                "campaign": code,
                "selling values": source,
                "why": why,
                "sell_h": round(c["sell_hours"], 1),
                "value": round(c["value"], 0),
            }
        )
    return pd.DataFrame(rows)


def _pick_schedule(versions: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The week's published schedule, or else its latest draft."""
    published = [v for v in versions if v["status"] == "published"]
    if published:
        return published[-1]
    drafts = [v for v in versions if v["status"] == "draft"]
    return drafts[-1] if drafts else None


zone = _site_zone(api, site)
runs: list[dict[str, Any]] = []
with section("Forecasts"):
    runs = read(api, "forecast_runs", site)

run = runs[-1] if runs else None
week_start: date | None = None
if run is None:
    st.info(f"No forecast yet for site {site}: run one below (or `wfm forecast`).")
else:
    horizon_start = datetime.fromisoformat(run["horizon_start_utc"]).astimezone(zone).date()
    horizon_end = datetime.fromisoformat(run["horizon_end_utc"]).astimezone(zone).date()
    first_monday = horizon_start - timedelta(days=horizon_start.weekday())
    weeks = []
    monday = first_monday
    while monday < horizon_end:
        weeks.append(monday)
        monday += timedelta(days=7)
    st.caption(
        f"Forecast version {run['version']}: {horizon_start} to {horizon_end} "
        f"({run['interval_minutes']}-min intervals); models "
        + ", ".join(f"{q}: {m}" for q, m in sorted(run["model_by_queue"].items()))
    )
    week_start = st.selectbox("Week", weeks, key="planner_week", format_func=str)

with section("Queue patience"):
    st.dataframe(_patience_table(read(api, "queues", site)), hide_index=True)
    st.caption(
        "Mean caller patience each queue's staffing uses: source history is the queue's own "
        "estimate (95 % interval, the abandons it rests on, the end of the history it covers); "
        "source site is the site's setting, for queues without an estimate; source calibration "
        "is fitted with the queue's calibration against its history."
    )

with section("Unplanned shrinkage"):
    _shrinkage_section(api, site, can(me, "org:write"))

if can(me, "kpi:read"):
    with section("Prediction against what happened"):
        codes = [q["code"] for q in read(api, "queues", site)]
        accuracy = frames.accuracy_frame(read(api, "queue_accuracy", code) for code in codes)
        if accuracy.empty:
            st.info("No interval history yet to hold the queue model against.")
        else:
            st.dataframe(accuracy, hide_index=True)
        st.caption(
            "Per queue and local week: the answer rate (AR) and service level (SL) that "
            "happened, and what the queue model (calibrated when the queue has a calibration) "
            "and the textbook Erlang A predict at the calls, handle time and agents serving "
            "that happened; MAE is call-weighted over the week's intervals, bias is predicted "
            "minus actual (+: promised too much), the noise floor is what a perfect model "
            "would still miss. Weeks without agent events predict nothing."
        )

schedule: dict[str, Any] | None = None
if week_start is not None and run is not None:
    week_from, week_to = local_day_bounds_utc(week_start, zone, days=7)

    st.subheader("Forecast and actuals")
    with section("Forecast and actuals"):
        queues = [q["code"] for q in read(api, "queues", site)]
        queue = st.selectbox("Queue", queues, key="planner_queue")
        values = pd.DataFrame(read(api, "forecast_values", run["id"], queue, week_from, week_to))
        if values.empty:
            st.info(f"The forecast has no values for {queue} in the week of {week_start}.")
        else:
            values["interval_start_utc"] = pd.to_datetime(values["interval_start_utc"], utc=True)
            actual = pd.DataFrame()
            if can(me, "history:read"):
                actual = pd.DataFrame(read(api, "history", queue, week_from, week_to))
            base = alt.Chart(values).encode(x=alt.X("interval_start_utc:T", title="Interval"))
            layers = [
                base.mark_area(opacity=0.15, color="#1f77b4").encode(
                    y=alt.Y("offered_lo95:Q", title="Contacts per interval"), y2="offered_hi95:Q"
                ),
                base.mark_area(opacity=0.3, color="#1f77b4").encode(
                    y="offered_lo80:Q", y2="offered_hi80:Q"
                ),
                base.mark_line(color="#1f77b4").encode(
                    y="offered:Q", tooltip=["interval_start_utc:T", "offered:Q"]
                ),
            ]
            if not actual.empty:
                actual["interval_start_utc"] = pd.to_datetime(
                    actual["interval_start_utc"], utc=True
                )
                layers.append(
                    alt.Chart(actual)
                    .mark_line(color="#d62728")
                    .encode(x="interval_start_utc:T", y="offered:Q")
                )
            st.altair_chart(alt.layer(*layers).properties(height=300), width="stretch")
            total = values["offered"].sum()
            note = (
                f"Actual (red): {int(actual['offered'].sum()):,} contacts."
                if not actual.empty
                else "No actuals yet for this week."
            )
            st.caption(
                f"Forecast (blue line) with 80 % and 95 % bands: {total:,.0f} contacts. {note}"
            )

    st.subheader("Requirement against the schedule")
    with section("Requirement against the schedule"):
        requirements = read(api, "requirements", site, week_from, week_to)
        schedule = _pick_schedule(read(api, "schedules", site, week_start))
        cells: list[dict[str, Any]] = []
        if schedule is None:
            st.info(
                f"No schedule yet for the week of {week_start}: showing the requirement only. "
                "Build a roster below."
            )
        else:
            cells = read(api, "schedule_intervals", schedule["id"])["intervals"]
            st.caption(f"Schedule version {schedule['version']} ({schedule['status']}).")
        if not requirements and not cells:
            st.info(f"No requirement for the week of {week_start}: compute requirements first.")
        else:
            coverage = frames.coverage_frame(requirements, cells)
            a, g, b, c = st.columns(4)
            a.metric(
                "Peak agents required",
                f"{coverage['required'].max():.0f}",
                help="Agents serving needed to meet every queue's targets (net).",
            )
            g.metric(
                "Peak agents to schedule",
                f"{coverage['to_schedule'].max():.0f}",
                help="Agents to roster serving for them (gross): "
                + frames.shrinkage_said(requirements),
            )
            b.metric("Peak servers scheduled", f"{coverage['servers'].max():.0f}")
            c.metric("Peak sellers scheduled", f"{coverage['sellers'].max():.0f}")
            staffed = coverage.melt(
                id_vars="interval_start_utc",
                value_vars=["servers", "sellers"],
                var_name="activity",
                value_name="agents",
            )
            area = (
                alt.Chart(staffed)
                .mark_area(opacity=0.6)
                .encode(
                    x=alt.X("interval_start_utc:T", title="Interval"),
                    y=alt.Y("agents:Q", stack=True, title="Agents"),
                    color=alt.Color(
                        "activity:N",
                        scale=alt.Scale(
                            domain=["servers", "sellers"],
                            range=[ACTIVITY_COLOURS["serve"], ACTIVITY_COLOURS["sell"]],
                        ),
                    ),
                )
            )
            need = (
                alt.Chart(coverage)
                .mark_line(color="black", strokeDash=[4, 2])
                .encode(x="interval_start_utc:T", y="required:Q")
            )
            gross = (
                alt.Chart(coverage)
                .mark_line(color="black", strokeDash=[1, 2])
                .encode(x="interval_start_utc:T", y="to_schedule:Q")
            )
            st.altair_chart((area + need + gross).properties(height=300), width="stretch")
            st.caption(
                "Dashed: agents required serving (all queues); dotted: agents to schedule for "
                "them (unplanned shrinkage added once; breaks are rostered); areas: scheduled."
            )
        if schedule is not None:
            evaluated = read(api, "evaluation", schedule["id"])
            selling = _selling_table(evaluated)
            if not selling.empty:
                st.dataframe(selling, hide_index=True, width="stretch")
                st.caption(
                    "Where and why the roster sells: each campaign's value of a selling hour is "
                    "estimated from the site's dialer attempts of the four weeks before the week "
                    "where they carry it (otherwise the typed value, and why); the sellers area "
                    "above shows when the roster sells."
                )
            show_idle_time(evaluated)

    st.subheader("Roster")
    with section("Roster"):
        if schedule is None:
            st.info(f"No schedule yet for the week of {week_start}.")
        else:
            full = read(api, "schedule", schedule["id"])
            gantt = frames.gantt_frame(full["shifts"])
            if gantt.empty:
                st.info("The schedule has no shifts.")
            else:
                days = sorted(gantt["shift_date"].unique())
                day = st.selectbox("Day", days, key="planner_gantt_day")
                one = gantt[gantt["shift_date"] == day]
                chart = (
                    alt.Chart(one)
                    .mark_bar()
                    .encode(
                        x=alt.X("start:T", title="Time (UTC)"),
                        x2="end:T",
                        y=alt.Y("agent:N", title="Agent", sort="ascending"),
                        color=alt.Color(
                            "activity:N",
                            scale=alt.Scale(
                                domain=list(ACTIVITY_COLOURS),
                                range=list(ACTIVITY_COLOURS.values()),
                            ),
                        ),
                        tooltip=["agent", "activity", "on", "start:T", "end:T"],
                    )
                    .properties(height=max(200, 18 * one["agent"].nunique()))
                )
                st.altair_chart(chart, width="stretch")
                st.caption(f"{one['agent'].nunique()} agents on shift on {day}.")

st.subheader("Jobs")


@st.fragment(run_every=2)
def _job_progress(client: ApiClient) -> None:
    tracked: list[str] = st.session_state.get(JOBS_KEY, [])
    if not tracked:
        st.caption("No job started from this page yet.")
        return
    for job_id in list(tracked):
        try:
            job = client.job(job_id)
        except ApiError as exc:
            show_api_error(exc, f"Job {job_id}")
            continue
        label = f"{job['kind']} job {job_id[:8]}: {job['status']}"
        if job["status"] in ("queued", "running"):
            st.progress(float(job["progress"]), text=f"{label} - {job['message'] or 'waiting'}")
            if job["status"] == "queued":
                st.caption("Queued: the worker (`wfm worker`) picks it up.")
        elif job["status"] == "succeeded":
            st.success(f"{label} - {job['message']}")
        elif job["status"] == "cancelled":
            st.warning(f"{label} - {job['message']}")
        else:
            st.error(f"{label} - {job['error']}")
        if job["status"] in (
            "succeeded",
            "failed",
            "cancelled",
        ) and job_id not in st.session_state.get("planner_jobs_seen", []):
            st.session_state.setdefault("planner_jobs_seen", []).append(job_id)
            forget_cached_reads()


left, right = st.columns(2)
with left:
    if can(me, "forecast:write"):
        with st.form("run_forecast"):
            weeks_ahead = st.number_input("Weeks ahead", min_value=1, max_value=26, value=3)
            if st.form_submit_button("Run forecast (and requirements)"):
                try:
                    job = api.start_forecast(site, int(weeks_ahead))
                    st.session_state.setdefault(JOBS_KEY, []).append(job["id"])
                except ApiError as exc:
                    show_api_error(exc, "Forecast")
    else:
        st.caption("Your role may not run forecasts.")
with right:
    if can(me, "schedule:write") and week_start is not None:
        with st.form("build_roster"):
            st.write(f"Build a roster for the week of {week_start}")
            if st.form_submit_button("Build roster"):
                try:
                    job = api.start_schedule(site, week_start)
                    st.session_state.setdefault(JOBS_KEY, []).append(job["id"])
                except ApiError as exc:
                    show_api_error(exc, "Roster")
    elif week_start is None:
        st.caption("A roster needs a forecast first.")
    else:
        st.caption("Your role may not build rosters.")
_job_progress(api)


def _review_queues(evaluation: dict[str, Any]) -> pd.DataFrame:
    """Per queue of the schedule's evaluation: predicted service against the target, and
    coverage against the requirement (`/v1/schedules/{id}/evaluation`)."""

    def percent(value: float | None) -> float | None:
        return None if value is None else round(100 * value, 1)

    return pd.DataFrame(
        [
            {
                "queue": q["queue_code"],
                "service_level_%": percent(q["predicted_service_level"]),
                "target_%": percent(q["service_level_target"]),
                "answer_rate_%": percent(q["predicted_answer_rate"]),
                "answer_rate_target_%": percent(q.get("answer_rate_target")),
                "asa_s": None
                if q["predicted_asa_seconds"] is None
                else round(q["predicted_asa_seconds"], 1),
                "occupancy_%": percent(q["predicted_occupancy"]),
                "intervals_meeting_target": (
                    f"{q['intervals_meeting_target']}/{q['intervals_with_contacts']}"
                ),
                "under_coverage_agent_h": round(q["under_coverage_agent_hours"], 2),
                "required_agent_h": round(q["required_agent_hours"], 2),
                "serving_agent_h": round(q["serving_agent_hours"], 2),
            }
            for q in evaluation["queues"]
        ]
    )


def _review_campaigns(evaluation: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "campaign": code,
                "sell_h": round(c["sell_hours"], 2),
                "productive_h": round(c["productive_hours"], 2),
                "value": round(c["value"], 2),
            }
            for code, c in evaluation["campaigns"].items()
        ]
    )


if week_start is not None:
    st.subheader("Review and publish")
    with section("Review"):
        versions = read(api, "schedules", site, week_start)
        drafts = [v for v in versions if v["status"] == "draft"]
        if not drafts:
            published = [v for v in versions if v["status"] == "published"]
            if published:
                st.success(
                    f"Version {published[-1]['version']} of the week of {week_start} "
                    "is published; no newer draft to review."
                )
            else:
                st.info(f"No schedule yet for the week of {week_start}: nothing to review.")
        else:
            draft = drafts[-1]
            evaluation = read(api, "evaluation", draft["id"])
            st.write(f"Draft version {draft['version']} of the week of {week_start}")
            gap = evaluation["under_coverage_agent_hours"]
            under = sum(q["intervals_under"] for q in evaluation["queues"])
            a, b, c, d = st.columns(4)
            a.metric("Coverage gap", f"{gap:.1f} agent-h")
            b.metric("Intervals under requirement", f"{under}")
            c.metric("Paid hours", f"{evaluation['paid_hours']:.1f} h")
            d.metric("Outbound value", f"{evaluation['outbound_value']:,.0f}")
            per_queue = _review_queues(evaluation)
            if not per_queue.empty:
                st.dataframe(per_queue, hide_index=True, width="stretch")
            per_campaign = _review_campaigns(evaluation)
            if not per_campaign.empty:
                st.dataframe(per_campaign, hide_index=True, width="stretch")
            st.caption(
                f"Predicted at {evaluation['shrinkage']:.0%} unplanned shrinkage (breaks are "
                "rostered) with each queue's patience "
                "(Erlang A): the evaluation stored with the schedule and printed by "
                "`wfm schedule`. " + " ".join(evaluation["notes"])
            )
            violations = evaluation["violations"]
            if violations:
                st.warning(f"Rule violations: {violations}")
            else:
                st.caption("No rule violations in the schedule.")
            if can(me, "schedule:publish"):
                if st.button(f"Publish version {draft['version']}", key="publish"):
                    try:
                        api.publish(draft["id"])
                        forget_cached_reads()
                        st.success(f"Version {draft['version']} is published.")
                    except ApiError as exc:
                        show_api_error(exc, "Publish")
            else:
                st.caption("Your role may not publish schedules.")
