"""Planner: a week from forecast to published roster - forecast against actuals with
prediction bands and adjustments, requirement against scheduled servers and sellers, the
week's roster per agent with filters, edits, exports and calendars, forecast and roster jobs
with progress, review and publish. The site's rules, preferences, scenarios and capacity plans
are on the Rules and plans page (`plans.py`), requests and trades on their own (`requests.py`).
Every text in the reader's language (`dashboard.i18n`), every time in the site's."""

from __future__ import annotations

from datetime import date
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
    read_ahead,
    require_client,
    section,
    show_api_error,
    site_currency,
    site_timezone,
)
from dashboard.i18n import N_, fmt_date, fmt_datetime, fmt_money, fmt_number, fmt_percent, said, t
from dashboard.idle_time import show_idle_time
from dashboard.planner_jobs import show_job_progress, track_job
from dashboard.planner_roster import adjustment_form, show_week
from dashboard.planning_week import forecast_weeks, pick_week, shown_schedule
from dashboard.roster_week import ACTIVITY_COLOURS
from dashboard.scenarios import JOB_STATUS
from dashboard.self_service import show_flash
from wfm.domain.grid import local_day_bounds_utc

STATUS_NAMES = {
    "draft": N_("draft"),
    "published": N_("published"),
    "archived": N_("archived"),
    **JOB_STATUS,
}
PATIENCE_SOURCES = {
    "history": N_("history"),
    "site": N_("site"),
    "calibration": N_("calibration"),
}
# the forecast models as a reader reads them (forecasting.models names them)
FORECAST_MODELS = {
    "seasonal_naive": N_("seasonal naive"),
    "window_average_4w": N_("4-week average"),
    "calendar_average_6w": N_("6-week calendar average"),
    "mstl": N_("MSTL"),
    "top_down": N_("top-down"),
    "combination": N_("combination"),
}
api, me = require_client()
st.title(t("Planner"))
show_flash()
site = pick_site(api)
if site is None:
    st.stop()
assert site is not None
timezone = site_timezone()
currency = site_currency()
zone = ZoneInfo(timezone)


def _local(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column of UTC instants as site-local wall-clock times."""
    return pd.to_datetime(frame[column], utc=True).dt.tz_convert(zone).dt.tz_localize(None)


def _patience_table(queues: list[dict[str, Any]]) -> pd.DataFrame:
    """Per queue: the mean patience in use and where it comes from (`/v1/queues`)."""

    def seconds(value: float | None) -> float | None:
        return None if value is None else round(value, 1)

    return pd.DataFrame(
        [
            {
                t("Queue"): q["code"],
                t("Patience (s)"): seconds(q["patience"]["seconds"]),
                t("Source"): t(PATIENCE_SOURCES.get(src, src))
                if (src := q["patience"]["source"])
                else "",
                t("Estimated at"): fmt_datetime(q["patience"]["estimated_at_utc"], timezone)
                if q["patience"]["estimated_at_utc"]
                else "",
                t("95 % low (s)"): seconds(q["patience"]["ci_low_seconds"]),
                t("95 % high (s)"): seconds(q["patience"]["ci_high_seconds"]),
                t("Abandoned"): q["patience"]["abandoned_count"],
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
        t("Unplanned shrinkage in use"),
        fmt_percent(setting),
        help=t(
            "The site's setting: each rostered agent absent with this probability in "
            "requirements, rosters and their predictions."
        ),
    )
    if estimate is None:
        right.metric(t("Measured"), "-")
    else:
        low, high = measured["ci95_low"], measured["ci95_high"]
        interval = (
            None
            if low is None or high is None
            else t("95 % interval {low} to {high}", low=fmt_percent(low), high=fmt_percent(high))
        )
        right.metric(t("Measured"), fmt_percent(estimate), help=interval)
    st.caption(
        t(
            "Measured on {days} rostered agent-days with ACD events from {first} to {last}: the "
            "share of scheduled work time not available (absent, late, not ready).",
            days=fmt_number(measured["agent_days"]),
            first=fmt_date(measured["first_day"]) if measured["first_day"] else "-",
            last=fmt_date(measured["last_day"]) if measured["last_day"] else "-",
        )
        + " "
        + (
            t(
                "Days absent {absent}, lateness and aux {late}.",
                absent=fmt_percent(measured["absence_share"]),
                late=fmt_percent(measured["lateness_and_aux_share"]),
            )
            if estimate is not None
            else t("No agent events on rostered days yet.")
        )
    )
    if not measured["sufficient"]:
        st.caption(
            t("An estimate needs {days} agent-days to be used.", days=measured["min_agent_days"])
        )
    elif may_write and st.button(t("Use the measured value"), key="apply_shrinkage"):
        try:
            client.apply_unplanned_shrinkage(site)
            forget_cached_reads()
            st.success(
                t("The site's unplanned shrinkage is now {value}.", value=fmt_percent(estimate))
            )
        except ApiError as exc:
            show_api_error(exc, t("Unplanned shrinkage"))


def _selling_table(evaluation: dict[str, Any]) -> pd.DataFrame:
    """Per campaign of the schedule's evaluation: where its values per selling hour come from
    (estimated from the dialer attempts, typed, and why), and the hours and value the roster
    sells (`/v1/schedules/{id}/evaluation`)."""
    rows = []
    for code, c in evaluation["campaigns"].items():
        source, why = frames.value_source_said(c.get("value_source"))
        rows.append(
            {
                t("Campaign"): code,
                t("Selling values"): source,
                t("Why"): why,
                t("Selling hours"): round(c["sell_hours"], 1),
                t("Value"): fmt_money(c["value"], currency, 0),
            }
        )
    return pd.DataFrame(rows)


def _forecast_chart(values: pd.DataFrame, actual: pd.DataFrame) -> alt.LayerChart | alt.FacetChart:
    """Forecast contacts with 80 % and 95 % bands (blue) and actual contacts (red), per
    interval in local time."""
    # the chart's data carries only the columns it draws (the browser parses all it is sent)
    drawn = ["offered", "offered_lo80", "offered_hi80", "offered_lo95", "offered_hi95"]
    values = values[drawn].assign(local=_local(values, "interval_start_utc"))
    base = alt.Chart(values).encode(x=alt.X("local:T", title=t("Local time")))
    layers = [
        base.mark_area(opacity=0.15, color="#1f77b4").encode(
            y=alt.Y("offered_lo95:Q", title=t("Contacts per interval")), y2="offered_hi95:Q"
        ),
        base.mark_area(opacity=0.3, color="#1f77b4").encode(
            y="offered_lo80:Q", y2="offered_hi80:Q"
        ),
        base.mark_line(color="#1f77b4").encode(
            y="offered:Q",
            tooltip=[
                alt.Tooltip("local:T", title=t("Local time"), format="%a %H:%M"),
                alt.Tooltip("offered:Q", title=t("Forecast"), format=".1f"),
            ],
        ),
    ]
    if not actual.empty:
        actual = actual[["offered"]].assign(local=_local(actual, "interval_start_utc"))
        layers.append(
            alt.Chart(actual).mark_line(color="#d62728").encode(x="local:T", y="offered:Q")
        )
    return alt.layer(*layers).properties(height=300)


def _coverage_chart(coverage: pd.DataFrame) -> alt.LayerChart:
    """Agents serving and selling (areas), required (dashed) and to schedule (dotted), per
    interval in local time."""
    drawn = ["required", "to_schedule", "servers", "sellers"]
    coverage = coverage[drawn].assign(local=_local(coverage, "interval_start_utc"))
    serving, selling = t("serving"), t("selling")
    staffed = coverage.rename(columns={"servers": serving, "sellers": selling}).melt(
        id_vars="local", value_vars=[serving, selling], var_name="activity", value_name="agents"
    )
    area = (
        alt.Chart(staffed)
        .mark_area(opacity=0.6)
        .encode(
            x=alt.X("local:T", title=t("Local time")),
            y=alt.Y("agents:Q", stack=True, title=t("Agents")),
            color=alt.Color(
                "activity:N",
                title=t("Activity"),
                scale=alt.Scale(
                    domain=[serving, selling],
                    range=[ACTIVITY_COLOURS["serve"], ACTIVITY_COLOURS["sell"]],
                ),
            ),
        )
    )
    need = (
        alt.Chart(coverage)
        .mark_line(color="black", strokeDash=[4, 2])
        .encode(x="local:T", y="required:Q")
    )
    gross = (
        alt.Chart(coverage)
        .mark_line(color="black", strokeDash=[1, 2])
        .encode(x="local:T", y="to_schedule:Q")
    )
    return (area + need + gross).properties(height=300)


runs: list[dict[str, Any]] = []
with section(t("Forecasts")):
    runs = read(api, "forecast_runs", site)

run = runs[-1] if runs else None
week_start: date | None = None
if run is None:
    st.info(t("No forecast yet for site {site}: run one below (or `wfm forecast`).", site=site))
else:
    horizon_start, horizon_end, weeks = forecast_weeks(run, zone)
    st.caption(
        t(
            "Forecast version {version}: {start} to {end} ({minutes}-min intervals); "
            "models {models}",
            version=run["version"],
            start=fmt_date(horizon_start),
            end=fmt_date(horizon_end),
            minutes=run["interval_minutes"],
            models=", ".join(
                f"{q}: {t(FORECAST_MODELS[m]) if m in FORECAST_MODELS else m}"
                for q, m in sorted(run["model_by_queue"].items())
            ),
        )
    )
    week_start = pick_week(weeks, "planner_week")


def _start_reads(site: str, run: dict[str, Any], week: date) -> None:
    """Start the page's reads of the week side by side (the schedule's evaluation is the slow
    one): each section below then takes its answer instead of waiting in turn."""
    week_from, week_to = local_day_bounds_utc(week, zone, days=7)

    def forecast() -> None:
        codes = [q["code"] for q in read(api, "queues", site)]
        queue = st.session_state.get("planner_queue") or codes[0]
        read_ahead(lambda: read(api, "forecast_values", run["id"], queue, week_from, week_to))
        if can(me, "history:read"):
            read(api, "history", queue, week_from, week_to)
        if can(me, "kpi:read"):
            read_ahead(*(lambda c=code: read(api, "queue_accuracy", c) for code in codes))

    def schedule() -> None:
        picked = shown_schedule(read(api, "schedules", site, week))
        if picked is not None:
            read_ahead(
                lambda: read(api, "schedule_intervals", picked["id"]),
                lambda: read(api, "schedule", picked["id"]),
            )
            read(api, "evaluation", picked["id"])

    read_ahead(
        schedule,
        forecast,
        lambda: read(api, "requirements", site, week_from, week_to),
        lambda: read(api, "unplanned_shrinkage", site),
    )
    api.ahead().agents(site)  # the roster's agents, a live list read on this run


if site is not None and run is not None and week_start is not None:
    _start_reads(site, run, week_start)

with section(t("Queue patience")):
    st.dataframe(_patience_table(read(api, "queues", site)), hide_index=True)
    st.caption(
        t(
            "Mean caller patience each queue's staffing uses: source history is the queue's own "
            "estimate (95 % interval, the abandons it rests on, the end of the history it "
            "covers); source site is the site's setting, for queues without an estimate; source "
            "calibration is fitted with the queue's calibration against its history."
        )
    )

with section(t("Unplanned shrinkage")):
    _shrinkage_section(api, site, can(me, "org:write"))

if can(me, "kpi:read"):
    with section(t("Prediction against what happened")):
        codes = [q["code"] for q in read(api, "queues", site)]
        accuracy = frames.accuracy_frame(read(api, "queue_accuracy", code) for code in codes)
        if accuracy.empty:
            st.info(t("No interval history yet to hold the queue model against."))
        else:
            shown, numeric = frames.accuracy_view(accuracy)
            st.dataframe(
                shown,
                hide_index=True,
                column_config={
                    label: st.column_config.TextColumn(alignment="right") for label in numeric
                },
            )
        st.caption(
            t(
                "Per queue and local week: the answer rate (AR) and service level (SL) that "
                "happened, and what the queue model (calibrated when the queue has a "
                "calibration) and the textbook Erlang A predict at the calls, handle time and "
                "agents serving that happened; MAE is call-weighted over the week's intervals, "
                "bias is predicted minus actual (+: promised too much), the noise floor is what "
                "a perfect model would still miss. Weeks without agent events predict nothing."
            )
        )

schedule: dict[str, Any] | None = None
if week_start is not None and run is not None:
    week_from, week_to = local_day_bounds_utc(week_start, zone, days=7)

    st.subheader(t("Forecast and actuals"))
    with section(t("Forecast and actuals")):
        queues = [q["code"] for q in read(api, "queues", site)]
        queue = st.selectbox(t("Queue"), queues, key="planner_queue")
        values = pd.DataFrame(read(api, "forecast_values", run["id"], queue, week_from, week_to))
        if values.empty:
            st.info(
                t(
                    "The forecast has no values for {queue} in the week of {week}.",
                    queue=queue,
                    week=fmt_date(week_start),
                )
            )
        else:
            actual = pd.DataFrame()
            if can(me, "history:read"):
                actual = pd.DataFrame(read(api, "history", queue, week_from, week_to))
            st.altair_chart(_forecast_chart(values, actual), width="stretch")
            note = (
                t(
                    "Actual (red): {count} contacts.",
                    count=fmt_number(actual["offered"].sum()),
                )
                if not actual.empty
                else t("No actuals yet for this week.")
            )
            st.caption(
                t(
                    "Forecast (blue line) with 80 % and 95 % bands: {total} contacts.",
                    total=fmt_number(values["offered"].sum()),
                )
                + " "
                + note
            )
        if can(me, "forecast:write") and st.toggle(
            t("Adjust the forecast"), key="planner_adjust_open"
        ):
            adjustment_form(api, queues, week_start, timezone)

    st.subheader(t("Requirement against the schedule"))
    with section(t("Requirement against the schedule")):
        requirements = read(api, "requirements", site, week_from, week_to)
        schedule = shown_schedule(read(api, "schedules", site, week_start))
        cells: list[dict[str, Any]] = []
        if schedule is None:
            st.info(
                t(
                    "No schedule yet for the week of {week}: showing the requirement only. "
                    "Build a roster below.",
                    week=fmt_date(week_start),
                )
            )
        else:
            cells = read(api, "schedule_intervals", schedule["id"])["intervals"]
        if not requirements and not cells:
            st.info(
                t(
                    "No requirement for the week of {week}: compute requirements first.",
                    week=fmt_date(week_start),
                )
            )
        else:
            coverage = frames.coverage_frame(requirements, cells)
            a, g, b, c = st.columns(4)
            a.metric(
                t("Peak agents required"),
                f"{coverage['required'].max():.0f}",
                help=t("Agents serving needed to meet every queue's targets (net)."),
            )
            g.metric(
                t("Peak agents to schedule"),
                f"{coverage['to_schedule'].max():.0f}",
                help=t(
                    "Agents to roster serving for them (gross): {how}",
                    how=frames.shrinkage_said(requirements),
                ),
            )
            b.metric(t("Peak servers scheduled"), f"{coverage['servers'].max():.0f}")
            c.metric(t("Peak sellers scheduled"), f"{coverage['sellers'].max():.0f}")
            st.altair_chart(_coverage_chart(coverage), width="stretch")
            st.caption(
                t(
                    "Dashed: agents required serving (all queues); dotted: agents to schedule "
                    "for them (unplanned shrinkage added once; breaks are rostered); areas: "
                    "scheduled."
                )
            )
        if schedule is not None:
            evaluated = read(api, "evaluation", schedule["id"])
            selling = _selling_table(evaluated)
            if not selling.empty:
                st.dataframe(selling, hide_index=True, width="stretch")
                st.caption(
                    t(
                        "Where and why the roster sells: each campaign's value of a selling hour "
                        "is estimated from the site's dialer attempts of the four weeks before "
                        "the week where they carry it (otherwise the typed value, and why); the "
                        "selling area above shows when the roster sells."
                    )
                )
            show_idle_time(evaluated)

    st.subheader(t("Roster"))
    with section(t("Roster")):
        if schedule is None:
            st.info(t("No schedule yet for the week of {week}.", week=fmt_date(week_start)))
        else:
            st.caption(
                t(
                    "Schedule version {version} ({status}).",
                    version=schedule["version"],
                    status=t(STATUS_NAMES.get(schedule["status"], schedule["status"])),
                )
            )
            show_week(api, me, site, schedule, timezone)

st.subheader(t("Jobs"))

left, right = st.columns(2)
with left:
    if can(me, "forecast:write"):
        with st.form("run_forecast"):
            weeks_ahead = st.number_input(t("Weeks ahead"), min_value=1, max_value=26, value=3)
            if st.form_submit_button(t("Run forecast (and requirements)")):
                try:
                    job = api.start_forecast(site, int(weeks_ahead))
                    track_job(job["id"])
                except ApiError as exc:
                    show_api_error(exc, t("Forecast"))
    else:
        st.caption(t("Your role may not run forecasts."))
with right:
    if can(me, "schedule:write") and week_start is not None:
        with st.form("build_roster"):
            st.write(t("Build a roster for the week of {week}", week=fmt_date(week_start)))
            if st.form_submit_button(t("Build roster")):
                try:
                    job = api.start_schedule(site, week_start)
                    track_job(job["id"])
                except ApiError as exc:
                    show_api_error(exc, t("Roster"))
    elif week_start is None:
        st.caption(t("A roster needs a forecast first."))
    else:
        st.caption(t("Your role may not build rosters."))
show_job_progress(api)


def _review_queues(evaluation: dict[str, Any]) -> pd.DataFrame:
    """Per queue of the schedule's evaluation: predicted service against the target, and
    coverage against the requirement (`/v1/schedules/{id}/evaluation`)."""
    return pd.DataFrame(
        [
            {
                t("Queue"): q["queue_code"],
                t("Service level"): fmt_percent(q["predicted_service_level"]),
                t("Target"): fmt_percent(q["service_level_target"]),
                t("Answer rate"): fmt_percent(q["predicted_answer_rate"]),
                t("Answer rate target"): fmt_percent(q.get("answer_rate_target")),
                t("ASA (s)"): fmt_number(q["predicted_asa_seconds"], 1),
                t("Occupancy"): fmt_percent(q["predicted_occupancy"]),
                t("Intervals meeting the target"): (
                    f"{q['intervals_meeting_target']}/{q['intervals_with_contacts']}"
                ),
                t("Under coverage (agent-h)"): round(q["under_coverage_agent_hours"], 2),
                t("Required (agent-h)"): round(q["required_agent_hours"], 2),
                t("Serving (agent-h)"): round(q["serving_agent_hours"], 2),
            }
            for q in evaluation["queues"]
        ]
    )


def _review_campaigns(evaluation: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                t("Campaign"): code,
                t("Selling hours"): round(c["sell_hours"], 2),
                t("Productive hours"): round(c["productive_hours"], 2),
                t("Value"): fmt_money(c["value"], currency, 0),
            }
            for code, c in evaluation["campaigns"].items()
        ]
    )


def _review_labour(evaluation: dict[str, Any]) -> None:
    """The roster's labour cost, cost per answered contact and sales per paid hour (a dash
    where the site's rules set no wages for the week)."""
    a, b, c = st.columns(3)
    a.metric(t("Labour cost"), fmt_money(evaluation.get("labour_cost"), currency, 0))
    b.metric(
        t("Cost per answered contact"),
        fmt_money(evaluation.get("cost_per_answered_contact"), currency, 2),
    )
    c.metric(
        t("Sales per paid hour"), fmt_money(evaluation.get("sales_per_paid_hour"), currency, 2)
    )
    if evaluation.get("labour_cost") is None:
        st.caption(t("No wages in the site's rules for this week: the roster is not priced."))


def _review(draft: dict[str, Any], week: date) -> None:
    """A draft's evaluation, its rule violations and the publish button."""
    evaluation = read(api, "evaluation", draft["id"])
    st.write(
        t(
            "Draft version {version} of the week of {week}",
            version=draft["version"],
            week=fmt_date(week),
        )
    )
    edit = (draft.get("summary") or {}).get("edit")
    if edit:
        st.caption(t("Edited by hand: {edit}", edit=edit))
    gap = evaluation["under_coverage_agent_hours"]
    under = sum(q["intervals_under"] for q in evaluation["queues"])
    a, b, c, d = st.columns(4)
    a.metric(t("Coverage gap"), t("{hours} agent-h", hours=f"{gap:.1f}"))
    b.metric(t("Intervals under requirement"), f"{under}")
    c.metric(t("Paid hours"), f"{evaluation['paid_hours']:.1f} h")
    d.metric(t("Outbound value"), fmt_money(evaluation["outbound_value"], currency, 0))
    _review_labour(evaluation)
    per_queue = _review_queues(evaluation)
    if not per_queue.empty:
        st.dataframe(per_queue, hide_index=True, width="stretch")
    per_campaign = _review_campaigns(evaluation)
    if not per_campaign.empty:
        st.dataframe(per_campaign, hide_index=True, width="stretch")
    st.caption(
        t(
            "Predicted at {shrinkage} unplanned shrinkage (breaks are rostered) with each "
            "queue's patience (Erlang A): the evaluation stored with the schedule and printed "
            "by `wfm schedule`.",
            shrinkage=fmt_percent(evaluation["shrinkage"], 0),
        )
        + " "
        + " ".join(said(note) for note in evaluation["notes"])
    )
    violations = evaluation["violations"]
    if violations:
        st.warning(t("Rule violations: {rules}", rules="; ".join(violations)))
    else:
        st.caption(t("No rule violations in the schedule."))
    if can(me, "schedule:publish"):
        if st.button(t("Publish version {version}", version=draft["version"]), key="publish"):
            try:
                api.publish(draft["id"])
                forget_cached_reads()
                st.success(t("Version {version} is published.", version=draft["version"]))
            except ApiError as exc:
                show_api_error(exc, t("Publish"))
    else:
        st.caption(t("Your role may not publish schedules."))


if week_start is not None:
    st.subheader(t("Review and publish"))
    with section(t("Review")):
        versions = read(api, "schedules", site, week_start)
        drafts = [v for v in versions if v["status"] == "draft"]
        if drafts:
            _review(drafts[-1], week_start)
        else:
            published = [v for v in versions if v["status"] == "published"]
            if published:
                st.success(
                    t(
                        "Version {version} of the week of {week} is published; no newer draft "
                        "to review.",
                        version=published[-1]["version"],
                        week=fmt_date(week_start),
                    )
                )
            else:
                st.info(
                    t(
                        "No schedule yet for the week of {week}: nothing to review.",
                        week=fmt_date(week_start),
                    )
                )
