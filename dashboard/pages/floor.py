"""Floor: the sell/serve recommendation (each agent's end of switch, the trade in service and
money, the agents to apply it to), the agents' states against plan, and per queue the day's
contacts (forecast, reforecast with its band, actual) and agents (required, scheduled, serving),
in the site's local time. The live part refreshes itself every 30 s."""

from __future__ import annotations

from contextlib import suppress
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import altair as alt
import pandas as pd
import streamlit as st

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
from dashboard.frames import VALUE_SOURCES
from dashboard.i18n import N_, fmt_datetime, fmt_money, fmt_number, fmt_percent, fmt_time, said, t

REFRESH_SECONDS = 30
LAST_SWITCH_KEY = "floor_last_switch"  # the confirmation of the last Apply, shown once
PICK_KEY = "floor_pick"  # the agents ticked for Apply (the widget's value)
UNPICKED_KEY = "floor_unpicked"  # agents the reader took out of the selection, kept over refreshes

STATE_LABELS = {
    "out_of_adherence": N_("Out of adherence"),
    "absent": N_("Absent"),
    "on_break": N_("On break"),
    "in_adherence": N_("In adherence"),
    "not_started": N_("Not started"),
    "off_shift": N_("Between shifts"),
    "finished": N_("Finished"),
}
STATE_COLOURS = {
    "out_of_adherence": "#f8d7da",
    "absent": "#fde2c4",
    "on_break": "#e2e3f3",
    "in_adherence": "#d4edda",
}
ACTIVITY_LABELS = {
    "serve": N_("Serving"),
    "sell": N_("Selling"),
    "break": N_("Break"),
    "lunch": N_("Lunch"),
    "other": N_("Other work"),
    "not_ready": N_("Not ready"),
    "logged_out": N_("Logged out"),
    "off": N_("Off"),
}


def _site_zone(client: ApiClient, code: str) -> str:
    for s in read(client, "sites"):
        if s["code"] == code:
            return str(s["timezone"])
    return "UTC"


def _signed_points(points: float) -> str:
    return ("+" if points >= 0 else "") + fmt_number(points, 1)


def _signed_money(amount: float, currency: str) -> str:
    return ("+" if amount > 0 else "") + fmt_money(amount, currency, 0)


def trade_text(trade: dict[str, Any]) -> str:
    """The trade in both currencies: "+1.2 points answer rate, −¥380 expected sales"."""
    return t(
        "{answer_rate} points answer rate, {sales} expected sales",
        answer_rate=_signed_points(trade["answer_rate_points"]),
        sales=_signed_money(trade["expected_sales_value"], trade["currency"]),
    )


def headline(rec: dict[str, Any], zone: str) -> str:
    """What to do and until when, the ends being the moves' own (one per agent)."""
    count = len(rec["moves"])
    if rec["direction"] == "to_serve":
        what = (
            t("Switch 1 seller to serve")
            if count == 1
            else t("Switch {n} sellers to serve", n=count)
        )
    else:
        what = (
            t("Release 1 server to sell")
            if count == 1
            else t("Release {n} servers to sell", n=count)
        )
    ends = sorted({m["until_utc"] for m in rec["moves"]})
    if len(ends) == 1:
        return t("{what} until {time}", what=what, time=fmt_time(ends[0], zone))
    return t(
        "{what}, each until the end of their block ({first} to {last}; below)",
        what=what,
        first=fmt_time(ends[0], zone),
        last=fmt_time(ends[-1], zone),
    )


def _apply(client: ApiClient, code: str, rec: dict[str, Any]) -> None:
    """Switch the ticked agents, each until the end the recommendation gave them."""
    to = "serve" if rec["direction"] == "to_serve" else "sell"
    chosen = set(st.session_state.get(PICK_KEY) or [])
    agents = [
        {
            "agent_code": m["agent_code"],
            "queue_code": m["queue_code"],
            "campaign_code": m["campaign_code"],
            "end_utc": m["until_utc"],
        }
        for m in rec["moves"]
        if m["agent_code"] in chosen
    ]
    try:
        result = client.switch(code, to, agents, reason="dashboard: " + rec["message"])
    except ApiError as exc:
        st.session_state[LAST_SWITCH_KEY] = {"error": exc.message}
        return
    forget_cached_reads()
    st.session_state.pop(UNPICKED_KEY, None)
    st.session_state[LAST_SWITCH_KEY] = {
        "to": to,
        "accepted": [c["agent_code"] for c in result["accepted"]],
        "rejected": [f"{r['agent_code']} ({r['message']})" for r in result["rejected"]],
    }


def _picked() -> None:
    """The reader changed the selection: remember who was taken out (by agent code)."""
    options = st.session_state.get("floor_pick_options") or []
    chosen = set(st.session_state.get(PICK_KEY) or [])
    st.session_state[UNPICKED_KEY] = sorted(set(options) - chosen)


def _confirmation() -> None:
    """The last Apply's outcome, once: the next refresh or decision clears it."""
    last = st.session_state.pop(LAST_SWITCH_KEY, None)
    if not last:
        return
    if "error" in last:
        st.error(t("The switch failed: {reason}", reason=last["error"]))
        return
    done = ", ".join(last["accepted"]) or t("nobody")
    text = (
        t("Switched to serve: {agents}", agents=done)
        if last["to"] == "serve"
        else t("Switched to sell: {agents}", agents=done)
    )
    if last["rejected"]:
        text += t("; refused: {agents}", agents=", ".join(last["rejected"]))
    st.success(text)


def _moves_table(rec: dict[str, Any], names: dict[str, str], zone: str) -> pd.DataFrame:
    currency = rec["currency"]
    return pd.DataFrame(
        [
            {
                t("Agent"): m["agent_code"],
                t("Name"): names.get(m["agent_code"], ""),
                t("To"): t(ACTIVITY_LABELS[m["to"]]),
                t("Queue"): m["queue_code"],
                t("Campaign"): m["campaign_code"] or "",
                t("Until"): fmt_time(m["until_utc"], zone),
                t("Trade"): trade_text(m["trade"]),
                t("Net value"): fmt_money(m["trade"]["net_value"], currency, 0),
            }
            for m in rec["moves"]
        ]
    )


def _recommendation(
    client: ApiClient, code: str, zone: str, names: dict[str, str], me: dict[str, Any]
) -> None:
    rec = read(client, "recommendation", code, live=True)
    _confirmation()
    a, b, c = st.columns(3)
    a.metric(t("On shift now"), fmt_number(rec["on_shift_now"]))
    b.metric(t("Servers now"), fmt_number(rec["servers_now"]))
    c.metric(t("Sellers now"), fmt_number(rec["sellers_now"]))
    if rec["direction"] == "none" or not rec["moves"]:
        st.success(t("Recommendation: no change"))
    else:
        st.warning(t("Recommendation: {what}", what=headline(rec, zone)))
        trade = rec["trade"]
        st.markdown(t("**The trade:** {trade}", trade=trade_text(trade)))
        st.caption(
            t(
                "Value of the service gained or lost {service}; net {net} over the next "
                "{minutes} minutes (a move is made only when it nets more than its margin).",
                service=fmt_money(trade["value_of_service"], trade["currency"], 0),
                net=_signed_money(trade["net_value"], trade["currency"]),
                minutes=fmt_number(
                    (
                        datetime.fromisoformat(rec["until_utc"])
                        - datetime.fromisoformat(rec["as_of_utc"])
                    ).total_seconds()
                    / 60
                ),
            )
        )
    sl_without, sl_with = rec["service_level_without"], rec["service_level_with"]
    ar_without, ar_with = rec["answer_rate_without"], rec["answer_rate_with"]
    if sl_without is not None and sl_with is not None:
        d, e = st.columns(2)
        d.metric(
            t("Service level with the move"),
            fmt_percent(sl_with),
            delta=t("{points} points", points=_signed_points(100 * (sl_with - sl_without))),
        )
        if ar_without is not None and ar_with is not None:
            e.metric(
                t("Answer rate with the move"),
                fmt_percent(ar_with),
                delta=t("{points} points", points=_signed_points(100 * (ar_with - ar_without))),
            )
    for source in rec.get("value_sources", []):
        st.caption(
            t(
                "Expected sales of {campaign}: {source} ({attempts} dialler attempts in the 28 "
                "days before)",
                campaign=source["campaign_code"],
                source=t(VALUE_SOURCES.get(source["source"], source["source"])),
                attempts=fmt_number(source["attempts"]),
            )
        )
    if rec["notes"]:
        with st.expander(t("The model's notes")):
            for note in rec["notes"]:
                st.caption(said(note))
    if not rec["moves"]:
        return
    st.dataframe(_moves_table(rec, names, zone), hide_index=True, width="stretch")
    if not can(me, "intraday:write"):
        st.caption(t("Your role may not switch agents."))
        return
    options = [m["agent_code"] for m in rec["moves"]]
    unpicked = set(st.session_state.get(UNPICKED_KEY) or [])
    st.session_state["floor_pick_options"] = options
    st.session_state[PICK_KEY] = [o for o in options if o not in unpicked]
    st.multiselect(
        t("Agents to switch"),
        options,
        key=PICK_KEY,
        format_func=lambda x: f"{x} {names.get(x, '')}".strip(),
        on_change=_picked,
        placeholder=t("Choose agents"),
    )
    st.button(
        t("Apply recommendation"),
        key="floor_apply",
        disabled=not st.session_state[PICK_KEY],
        on_click=_apply,
        args=(client, code, rec),
    )


def _since(agent: dict[str, Any], zone: str) -> str:
    if agent["state"] == "out_of_adherence" and agent["out_since_utc"]:
        return fmt_time(agent["out_since_utc"], zone)
    if agent["state"] in ("absent", "not_started") and agent["shift_start_utc"]:
        return fmt_time(agent["shift_start_utc"], zone)
    return ""


def _board(client: ApiClient, code: str, zone: str, agents: dict[str, dict[str, Any]]) -> None:
    """Every agent with a plan today, in the API's order: longest out of adherence first."""
    live = read(client, "live_adherence", code, live=True)
    states = live.get("states", {})
    a, b, c, d, e = st.columns(5)
    a.metric(t("Scheduled now"), fmt_number(live["scheduled_now"]))
    b.metric(t("Out of adherence now"), fmt_number(live["out_of_adherence"]))
    c.metric(t("Absent"), fmt_number(states.get("absent", 0)))
    d.metric(t("On break"), fmt_number(states.get("on_break", 0)))
    e.metric(t("Not started yet"), fmt_number(states.get("not_started", 0)))
    if not live["agents"]:
        st.info(t("Nobody has a plan today."))
        return
    if live.get("last_event_utc") is None and live["scheduled_now"]:
        st.warning(
            t(
                "No agent state has arrived today: every scheduled agent reads as absent, and "
                "the recommendation works from the plan. Is the ACD feed sending "
                "(POST /v1/agent-events)?"
            )
        )
    rows = []
    for x in live["agents"]:
        info = agents.get(x["agent_code"], {})
        skills = [*info.get("queue_skills", []), *info.get("campaign_skills", [])]
        rows.append(
            {
                t("State"): t(STATE_LABELS.get(x["state"], x["state"])),
                t("Agent"): x["agent_code"],
                t("Name"): info.get("name", ""),
                t("Skills"): ", ".join(skills),
                t("Planned"): t(ACTIVITY_LABELS[x["planned"] or "off"]),
                t("Actual"): t(ACTIVITY_LABELS.get(x["actual"], x["actual"])),
                t("Since"): _since(x, zone),
                t("Minutes out"): fmt_number(x["out_for_seconds"] / 60, 0)
                if x["state"] == "out_of_adherence"
                else "",
                "_state": x["state"],
            }
        )
    frame = pd.DataFrame(rows)
    colours = frame.pop("_state").map(lambda s: STATE_COLOURS.get(s, ""))

    def _colour(column: pd.Series) -> list[str]:
        return [f"background-color: {c}" if c else "" for c in colours]

    st.dataframe(
        frame.style.apply(_colour, subset=[t("State")]),
        hide_index=True,
        width="stretch",
        height=min(36 * (len(frame) + 1) + 4, 600),
    )


def _axis_time(ts: str, zone: str) -> str:
    """The site-local wall clock as a UTC instant, which the chart's UTC scale shows as is."""
    local = datetime.fromisoformat(ts).astimezone(ZoneInfo(zone))
    return local.replace(tzinfo=None).isoformat() + "Z"


def _x(title: str) -> alt.X:
    return alt.X(
        "time:T",
        title=title,
        scale=alt.Scale(type="utc"),
        axis=alt.Axis(format="%H:%M", labelAngle=0),
    )


def _queue_charts(client: ApiClient, code: str, zone: str) -> None:
    """Per queue: contacts (forecast, reforecast and its 80 % band, actual) and agents
    (required, scheduled, serving) over the day's open hours."""
    reforecast = read(client, "reforecast", code, live=True)
    staffing = read(client, "staffing", code, live=True)
    by_queue = {q["queue_code"]: q for q in staffing["queues"]}
    queues = reforecast["queues"]
    if not queues:
        st.info(t("No queue has a forecast today."))
        return
    tabs = st.tabs([q["queue_code"] for q in queues])
    for tab, queue in zip(tabs, queues, strict=True):
        with tab:
            _one_queue(queue, by_queue.get(queue["queue_code"]), staffing, zone)


def _lines(frame: pd.DataFrame, what: str, colours: alt.Scale, step: bool = False) -> alt.Chart:
    """One line per series of a long frame (time, clock, series, value) on the site's clock."""
    chart = alt.Chart(frame)
    return (chart.mark_line(interpolate="step-after") if step else chart.mark_line()).encode(
        x=_x(t("Site time")),
        y=alt.Y("value:Q", title=what),
        color=alt.Color("series:N", scale=colours, title=None),
        tooltip=[
            alt.Tooltip("clock:N", title=t("Time")),
            alt.Tooltip("series:N", title=t("Series")),
            alt.Tooltip("value:Q", title=what, format=".1f"),
        ],
    )


def _one_queue(
    queue: dict[str, Any], staff: dict[str, Any] | None, staffing: dict[str, Any], zone: str
) -> None:
    forecast, reforecast, actual, band = t("Forecast"), t("Reforecast"), t("Actual"), t("80 % band")
    rows = []
    open_times = set()
    for i in queue["intervals"]:
        when = _axis_time(i["interval_start_utc"], zone)
        if i["forecast_offered"] > 0 or (i["actual_offered"] or 0) > 0:
            open_times.add(when)
        rows.append(
            {
                "time": when,
                "clock": fmt_time(i["interval_start_utc"], zone),
                forecast: i["forecast_offered"],
                reforecast: i["reforecast_offered"],
                actual: i["actual_offered"],
                "lo": i["reforecast_lo80"],
                "hi": i["reforecast_hi80"],
            }
        )
    required, scheduled, serving = t("Required"), t("Scheduled"), t("Serving")
    agent_rows = []
    if staff is not None:
        for k, start in enumerate(staffing["interval_starts_utc"]):
            when = _axis_time(start, zone)
            if staff["servers_scheduled"][k] > 0 or staff["servers_required"][k] > 0:
                open_times.add(when)
            agent_rows.append(
                {
                    "time": when,
                    "clock": fmt_time(start, zone),
                    required: staff["servers_required"][k],
                    scheduled: staff["servers_scheduled"][k],
                    serving: staff["servers_serving"][k],
                }
            )
    if not open_times:
        st.info(t("Queue {queue} is closed today.", queue=queue["queue_code"]))
        return
    first, last = min(open_times), max(open_times)
    contacts = pd.DataFrame([r for r in rows if first <= r["time"] <= last])
    long_contacts = contacts.melt(
        id_vars=["time", "clock"], value_vars=[forecast, reforecast, actual], var_name="series"
    ).dropna(subset=["value"])
    # one colour per series across both charts; each legend lists only its own three series
    # (six in a half-width legend ran off its edge)
    contact_colours = alt.Scale(
        domain=[forecast, reforecast, actual], range=["#9aa5b1", "#1f77b4", "#d62728"]
    )
    agent_colours = alt.Scale(
        domain=[required, scheduled, serving], range=["#ff7f0e", "#2ca02c", "#9467bd"]
    )
    left, right = st.columns(2)
    with left:
        st.markdown(t("**Contacts per interval, {queue}**", queue=queue["queue_code"]))
        band_chart = (
            alt.Chart(contacts)
            .mark_area(opacity=0.2, color="#1f77b4")
            .encode(x=_x(t("Site time")), y=alt.Y("lo:Q", title=t("Contacts")), y2="hi:Q",
                    tooltip=[alt.Tooltip("clock:N", title=t("Time")),
                             alt.Tooltip("lo:Q", title=band, format=".0f"),
                             alt.Tooltip("hi:Q", title=band, format=".0f")])
        )  # fmt: skip
        lines = _lines(long_contacts, t("Contacts"), contact_colours)
        st.altair_chart(
            (band_chart + lines).properties(height=260).configure_legend(orient="bottom"),
            width="stretch",
        )
        st.caption(t("The shaded band is the reforecast's 80 % band."))
    with right:
        st.markdown(t("**Agents per interval, {queue}**", queue=queue["queue_code"]))
        if not agent_rows:
            st.info(t("No staffing figures for this queue."))
            return
        agents = pd.DataFrame([r for r in agent_rows if first <= r["time"] <= last])
        long_agents = agents.melt(
            id_vars=["time", "clock"], value_vars=[required, scheduled, serving], var_name="series"
        ).dropna(subset=["value"])
        st.altair_chart(
            _lines(long_agents, t("Agents"), agent_colours, step=True)
            .properties(height=260)
            .configure_legend(orient="bottom"),
            width="stretch",
        )
        st.caption(
            t(
                "Required: the queue model on the reforecast; scheduled: the plan with its "
                "switches; serving: the agents' states (intervals so far)."
            )
        )


def _adherence_today(client: ApiClient, code: str, day: date, names: dict[str, str]) -> None:
    """Each agent's adherence so far today, lowest first: a bar each (every agent labelled with
    code and name) and the minutes behind it."""
    rows = pd.DataFrame(read(client, "adherence", code, day, live=True))
    if rows.empty or rows["adherence"].isna().all():
        st.info(t("No adherence yet today: no published schedule or no agent states."))
        return
    rows = rows.dropna(subset=["adherence"]).sort_values("adherence")
    agent, adherence = t("Agent"), t("Adherence")
    labels = [f"{c} · {names[c]}" if names.get(c) else c for c in rows["agent_code"]]
    chart = pd.DataFrame({agent: labels, adherence: rows["adherence"].to_numpy()})
    st.altair_chart(
        alt.Chart(chart)
        .mark_bar()
        .encode(
            x=alt.X(f"{adherence}:Q", axis=alt.Axis(format=".0%"), scale=alt.Scale(domain=[0, 1])),
            y=alt.Y(
                f"{agent}:N",
                sort="x",
                axis=alt.Axis(labelOverlap=False, labelLimit=220, title=None),
            ),
            tooltip=[agent, alt.Tooltip(f"{adherence}:Q", format=".1%")],
        )
        .properties(height=max(160, 22 * len(chart))),
        width="stretch",
    )
    st.dataframe(
        pd.DataFrame(
            {
                agent: rows["agent_code"],
                t("Name"): [names.get(c, "") for c in rows["agent_code"]],
                t("Scheduled minutes so far"): rows["scheduled_minutes"].map(fmt_number),
                t("Adherent minutes"): rows["adherent_minutes"].map(fmt_number),
                adherence: rows["adherence"].map(fmt_percent),
                t("Conformance"): rows["conformance"].map(fmt_percent),
            }
        ),
        hide_index=True,
        width="stretch",
    )


def _queues_now(client: ApiClient, code: str, day: date, zone: str) -> None:
    snaps = pd.DataFrame(read(client, "queue_snapshots", code, day, live=True))
    if snaps.empty:
        st.info(t("No queue snapshots yet today."))
        return
    latest = snaps.sort_values("observed_at_utc").groupby("queue_code").tail(1)
    st.dataframe(
        pd.DataFrame(
            {
                t("Queue"): latest["queue_code"],
                t("Seen at"): latest["observed_at_utc"].map(lambda x: fmt_time(x, zone)),
                t("Waiting"): latest["contacts_waiting"].map(fmt_number),
                t("Longest wait (s)"): latest["longest_wait_seconds"].map(fmt_number),
                t("Agents ready"): latest["agents_ready"].map(fmt_number),
                t("Answered today"): latest["answered_today"].map(fmt_number),
                t("Abandoned today"): latest["abandoned_today"].map(fmt_number),
            }
        ),
        hide_index=True,
        width="stretch",
    )


@st.fragment(run_every=REFRESH_SECONDS)
def live_floor(client: ApiClient, code: str, me: dict[str, Any]) -> None:
    """The floor, refreshed on its own; an API refusal is said inside the fragment, where it
    happens (an exception raised in a fragment does not reach the page's handler)."""
    try:
        _floor(client, code, me)
    except ApiError as exc:
        show_api_error(exc)


def _floor(client: ApiClient, code: str, me: dict[str, Any]) -> None:
    zone = _site_zone(client, code)
    settings = read(client, "intraday_settings", code, live=True)
    now = datetime.fromisoformat(settings["clock_now_utc"])
    day = now.astimezone(ZoneInfo(zone)).date()
    st.caption(
        t(
            "Site clock {now} ({zone}); the page refreshes every {seconds} s.",
            now=fmt_datetime(now, zone),
            zone=zone,
            seconds=REFRESH_SECONDS,
        )
    )
    agents: dict[str, dict[str, Any]] = {}
    with suppress(ApiError):  # no forecast today: codes without names
        plan = read(client, "day_plan", code, day, live=True)
        agents = {a["agent_code"]: a for a in plan["agents"]}
    names = {c: a["name"] for c, a in agents.items()}
    st.subheader(t("Sell or serve now"))
    with section(t("Recommendation")):
        _recommendation(client, code, zone, names, me)
    st.subheader(t("Agents against plan"))
    with section(t("Agents against plan")):
        _board(client, code, zone, agents)
    st.subheader(t("Queues over the day"))
    with section(t("Queues over the day")):
        _queue_charts(client, code, zone)
    st.subheader(t("Queues now"))
    with section(t("Queues now")):
        _queues_now(client, code, day, zone)
    st.subheader(t("Adherence by agent today"))
    with section(t("Adherence by agent today")):
        _adherence_today(client, code, day, names)


api, me = require_client()
st.title(t("Floor"))
site = pick_site(api)
if site is None:
    st.stop()
assert site is not None
live_floor(api, site, me)
