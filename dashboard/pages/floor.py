"""Floor: live queue state, servers and sellers now, the sell/serve recommendation with a button
to apply it (or pick the agents), agents out of adherence and adherence by agent today. The page
refreshes itself."""

from __future__ import annotations

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
from dashboard.i18n import text as tr

REFRESH_SECONDS = 30
LAST_SWITCH_KEY = "floor_last_switch"

api, me = require_client()
st.title("Floor")
site = pick_site(api)
if site is None:
    st.stop()
assert site is not None


def _today(client: ApiClient, code: str) -> tuple[date, datetime]:
    """The site clock's local day and now (the clock may be simulated)."""
    settings = read(client, "intraday_settings", code, live=True)
    now = datetime.fromisoformat(settings["clock_now_utc"])
    zone = "UTC"
    for s in read(client, "sites"):
        if s["code"] == code:
            zone = s["timezone"]
    return now.astimezone(ZoneInfo(zone)).date(), now


def _apply(client: ApiClient, code: str, rec: dict[str, Any], chosen: list[str]) -> None:
    to = "serve" if rec["direction"] == "to_serve" else "sell"
    agents = [
        {
            "agent_code": m["agent_code"],
            "queue_code": m["queue_code"],
            "campaign_code": m["campaign_code"],
        }
        for m in rec["moves"]
        if m["agent_code"] in chosen
    ]
    try:
        result = client.switch(
            code, to, agents, end_utc=rec["until_utc"], reason="dashboard: " + rec["message"]
        )
    except ApiError as exc:
        show_api_error(exc, "Switch")
        return
    forget_cached_reads()
    st.session_state[LAST_SWITCH_KEY] = {
        "to": to,
        "accepted": [c["agent_code"] for c in result["accepted"]],
        "rejected": [f"{r['agent_code']} ({r['reason']})" for r in result["rejected"]],
    }


def _recommendation(client: ApiClient, code: str) -> None:
    rec = read(client, "recommendation", code, live=True)
    a, b, c = st.columns(3)
    a.metric("On shift now", rec["on_shift_now"])
    b.metric("Servers now", f"{rec['servers_now']:.0f}")
    c.metric("Sellers now", rec["sellers_now"])
    sl_without, sl_with = rec["service_level_without"], rec["service_level_with"]
    ar_without, ar_with = rec["answer_rate_without"], rec["answer_rate_with"]
    if rec["direction"] == "none":
        st.success(f"Recommendation: {rec['message']}")
    else:
        st.warning(f"Recommendation: {rec['message']} until {rec['until_utc'][11:16]} UTC")
    if sl_without is not None and sl_with is not None:
        d, e = st.columns(2)
        d.metric(
            "Service level with the move",
            f"{100 * sl_with:.1f} %",
            delta=f"{100 * (sl_with - sl_without):+.1f} pts",
        )
        if ar_without is not None and ar_with is not None:
            e.metric(
                "Answer rate with the move",
                f"{100 * ar_with:.1f} %",
                delta=f"{100 * (ar_with - ar_without):+.1f} pts",
            )
    if rec["direction"] != "none":
        trade = rec["trade"]
        st.markdown(f"**The trade:** {trade['text']}")
        st.caption(
            f"Value of the service gained or lost: {trade['value_of_service']:,.0f}; net "
            f"{trade['net_value']:+,.0f} {rec['currency']} over the horizon (a move is made only "
            "when it nets more than its hysteresis margin)."
        )
    for source in rec.get("value_sources", []):
        st.caption(
            tr("Expected sales of {c}: {t}", "{c} 的预期销售额：{t}").format(
                c=source["campaign_code"],
                t=source["text"]
                if source["source"] != "estimated"
                else tr(source["text"], f"根据 {source['attempts']} 次拨打估算"),
            )
        )
    for note in rec["notes"]:
        st.caption(note)
    if rec["moves"]:
        moves = pd.DataFrame(
            [
                {
                    "agent": m["agent_code"],
                    "to": m["to"],
                    "queue": m["queue_code"],
                    "campaign": m["campaign_code"],
                    "until (UTC)": m["until_utc"][11:16],
                    "trade": m["trade"]["text"],
                    f"net value ({rec['currency']})": round(m["trade"]["net_value"]),
                }
                for m in rec["moves"]
            ]
        )
        st.dataframe(moves, hide_index=True, width="stretch")
        if can(me, "intraday:write"):
            names = [m["agent_code"] for m in rec["moves"]]
            chosen = st.multiselect("Agents to switch", names, default=names, key="floor_pick")
            if st.button("Apply recommendation", key="floor_apply", disabled=not chosen):
                _apply(client, code, rec, chosen)
        else:
            st.caption("Your role may not switch agents.")
    last = st.session_state.get(LAST_SWITCH_KEY)
    if last:
        text = f"Switched to {last['to']}: {', '.join(last['accepted']) or 'nobody'}"
        if last["rejected"]:
            text += f"; refused: {', '.join(last['rejected'])}"
        st.info(text)


def _queues(client: ApiClient, code: str, day: date) -> None:
    snaps = pd.DataFrame(read(client, "queue_snapshots", code, day, live=True))
    if snaps.empty:
        st.info(f"No queue snapshots yet on {day}.")
        return
    latest = snaps.sort_values("observed_at_utc").groupby("queue_code").tail(1)
    st.dataframe(
        latest[
            [
                "queue_code",
                "observed_at_utc",
                "contacts_waiting",
                "longest_wait_seconds",
                "agents_ready",
                "answered_today",
                "abandoned_today",
            ]
        ],
        hide_index=True,
        width="stretch",
    )


def _adherence(client: ApiClient, code: str, day: date) -> None:
    live = read(client, "live_adherence", code, live=True)
    states = live.get("states", {})
    a, b, c, d = st.columns(4)
    a.metric("Scheduled now", live["scheduled_now"])
    b.metric("Out of adherence now", live["out_of_adherence"])
    c.metric("Absent", states.get("absent", 0))
    d.metric("Not started yet", states.get("not_started", 0))
    out = [x for x in live["agents"] if not x["in_adherence"]]
    if out:
        frame = pd.DataFrame(out)
        frame["out_for_minutes"] = (frame["out_for_seconds"] / 60).round(1)
        columns = ["agent_code", "state", "planned", "actual", "out_since_utc", "out_for_minutes"]
        st.dataframe(
            frame[[name for name in columns if name in frame.columns]],
            hide_index=True,
            width="stretch",
        )
    else:
        st.caption("Nobody is out of adherence.")
    st.markdown(f"**Adherence by agent on {day}**")
    rows = pd.DataFrame(read(client, "adherence", code, day, live=True))
    if rows.empty or rows["adherence"].isna().all():
        st.info(f"No adherence yet on {day}: no published schedule or no agent states.")
        return
    rows = rows.dropna(subset=["adherence"]).sort_values("adherence")
    st.altair_chart(
        alt.Chart(rows)
        .mark_bar()
        .encode(
            x=alt.X("adherence:Q", axis=alt.Axis(format=".0%"), scale=alt.Scale(domain=[0, 1])),
            y=alt.Y("agent_code:N", sort="x", title="Agent"),
            tooltip=["agent_code", "adherence:Q", "conformance:Q", "scheduled_minutes:Q"],
        )
        .properties(height=max(160, 16 * len(rows))),
        width="stretch",
    )
    st.dataframe(
        rows[["agent_code", "scheduled_minutes", "adherent_minutes", "adherence", "conformance"]],
        hide_index=True,
        width="stretch",
    )


@st.fragment(run_every=REFRESH_SECONDS)
def live_floor(client: ApiClient, code: str) -> None:
    day: date | None = None
    with section("Site clock"):
        day, now = _today(client, code)
        st.caption(f"Site clock {now:%Y-%m-%d %H:%M} UTC; refreshes every {REFRESH_SECONDS} s.")
    st.subheader("Sell/serve now")
    with section("Recommendation"):
        _recommendation(client, code)
    if day is None:
        return
    st.subheader("Queues now")
    with section("Queues"):
        _queues(client, code, day)
    st.subheader("Adherence")
    with section("Adherence"):
        _adherence(client, code, day)


live_floor(api, site)
