"""The planner's side of agent self-service: the site's pending time-off requests with the queue
prediction each was judged on (approve, or refuse with a reason), and the shift-bidding rounds
(create one with its patterns, open, close, assign, apply, and read every agent's award with its
explanation). Everything through the API (`dashboard.client`); times in the site's; texts from
the `planner` catalogue."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from dashboard.client import ApiClient, ApiError
from dashboard.common import forget_cached_reads, show_api_error
from dashboard.i18n import N_, WEEKDAYS, fmt_date, fmt_datetime, fmt_number, t
from dashboard.self_service import ROUND_STATUS, RULES, award_text, flash, prediction_text

# the step a round in each state takes next, and its button
NEXT_STEP = {
    "draft": ("open", N_("Open to agents")),
    "open": ("close", N_("Close bids now")),
    "closed": ("assign", N_("Assign patterns")),
    "assigned": ("apply", N_("Make draft schedules")),
}
PATTERN_ROWS = 3


# --- time-off requests -----------------------------------------------------------------------


def _pending_table(requests: list[dict[str, Any]], zone: str) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                t("Agent"): r["agent_code"],
                t("From"): fmt_datetime(r["start_utc"], zone),
                t("Until"): fmt_datetime(r["end_utc"], zone),
                t("Hours"): fmt_number(r["hours"], 1),
                t("Reason"): r["reason"],
                t("Prediction"): prediction_text(r.get("prediction")),
                t("Asked"): fmt_datetime(r["created_at_utc"], zone),
            }
            for r in requests
        ]
    )


def show_requests(client: ApiClient, site: str, zone: str) -> None:
    """The site's pending time-off requests, their prediction, and a decision form."""
    pending = client.time_off_requests(site, "pending")
    if not pending:
        st.info(t("No time-off request is waiting for a decision."))
        return
    st.dataframe(_pending_table(pending, zone), hide_index=True, width="stretch")
    by_id = {r["id"]: r for r in pending}
    with st.form("planner_decision"):
        request_labels = {
            i: t(
                "{agent}: {start} to {end}",
                agent=r["agent_code"],
                start=fmt_datetime(r["start_utc"], zone),
                end=fmt_datetime(r["end_utc"], zone),
            )
            for i, r in by_id.items()
        }
        chosen = st.selectbox(
            t("Request"),
            list(by_id),
            format_func=request_labels.__getitem__,
            key="planner_request",
        )
        approve = st.radio(
            t("Decision"),
            [True, False],
            format_func={True: t("Approve"), False: t("Refuse")}.__getitem__,
            horizontal=True,
            key="planner_request_decision",
        )
        reason = st.text_input(
            t("Reason (required to refuse)"), max_chars=2000, key="planner_request_reason"
        )
        sent = st.form_submit_button(t("Decide"))
    if not sent:
        return
    if not approve and not reason.strip():
        st.error(t("Say why the request is refused."))
        return
    try:
        client.decide_time_off(int(chosen), "approve" if approve else "refuse", reason.strip())
    except ApiError as exc:
        show_api_error(exc, t("Decide"))
        return
    agent = by_id[chosen]["agent_code"]
    flash(
        "success",
        t("{agent}'s request is approved.", agent=agent)
        if approve
        else t("{agent}'s request is refused.", agent=agent),
    )
    forget_cached_reads()  # an approval republishes the week
    st.rerun()


# --- bid rounds ------------------------------------------------------------------------------


def _rounds_table(rounds: list[dict[str, Any]], zone: str) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                t("Round"): r["name"],
                t("First week"): fmt_date(r["week_start"]),
                t("Weeks"): r["weeks"],
                t("Turns by"): t(RULES.get(r["rule"], r["rule"])),
                t("Status"): t(ROUND_STATUS.get(r["status"], r["status"])),
                t("Bids close"): fmt_datetime(r["closes_at_utc"], zone),
                t("Patterns"): len(r["patterns"]),
                t("Bids"): r["bids"],
            }
            for r in rounds
        ]
    )


def _results_table(awards: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                t("Turn"): a["turn"],
                t("Agent"): a["agent_code"],
                t("Pattern"): a.get("pattern") or t("none"),
                t("Choice"): a["choice"] if a.get("choice") is not None else "-",
                t("Explanation"): award_text(a),
            }
            for a in awards
        ]
    )


def _round_detail(client: ApiClient, found: dict[str, Any]) -> None:
    status = found["status"]
    st.caption(
        t(
            "Patterns: {patterns}",
            patterns="; ".join(
                t("{label}, {places} places", label=p["label"], places=p["seats"])
                for p in found["patterns"]
            ),
        )
    )
    if status in NEXT_STEP:
        step, label = NEXT_STEP[status]
        if st.button(t(label), key=f"planner_round_{step}_{found['id']}"):
            try:
                client.bid_round_step(int(found["id"]), step)
            except ApiError as exc:
                show_api_error(exc, t(label))
            else:
                flash("success", t("{round}: done.", round=found["name"]))
                st.rerun()
    if status in ("assigned", "applied"):
        awards = client.bid_round_results(int(found["id"]))
        st.dataframe(_results_table(awards), hide_index=True, width="stretch")
    if found.get("schedule_ids"):
        st.caption(
            t(
                "Draft schedules made from the awards: {ids}; review and publish them in the "
                "roster above.",
                ids=", ".join(str(i) for i in found["schedule_ids"]),
            )
        )


def show_bid_rounds(client: ApiClient, site: str, zone: str, week: date) -> None:
    """The site's rounds, the chosen one's next step and results, and a form for a new one."""
    rounds = client.bid_rounds(site)
    if rounds:
        st.dataframe(_rounds_table(rounds, zone), hide_index=True, width="stretch")
        by_id = {r["id"]: r for r in rounds}
        round_labels = {
            i: t(
                "{round} ({status})",
                round=r["name"],
                status=t(str(ROUND_STATUS.get(r["status"]) or r["status"])),
            )
            for i, r in by_id.items()
        }
        chosen = st.selectbox(
            t("Bid round"), list(by_id), format_func=round_labels.__getitem__, key="planner_round"
        )
        _round_detail(client, by_id[chosen])
    else:
        st.info(t("No bid round yet for this site."))
    if st.toggle(t("New bid round"), key="bid_new_open"):
        _round_form(client, site, ZoneInfo(zone), week)


def _pattern_inputs(row: int) -> dict[str, Any]:
    cells = st.columns([3, 4, 2, 2, 2, 3])
    return {
        "name": cells[0].text_input(t("Pattern name"), key=f"bid_new_name_{row}"),
        "weekdays": cells[1].multiselect(
            t("Days"),
            list(range(7)),
            default=list(range(5)),
            format_func={d: t(str(WEEKDAYS[d])) for d in range(len(WEEKDAYS))}.__getitem__,
            placeholder=t("Pick days"),
            key=f"bid_new_days_{row}",
        ),
        "start_local": cells[2].time_input(
            t("Start"), value=time(8), step=900, key=f"bid_new_start_{row}"
        ),
        "end_local": cells[3].time_input(
            t("End"), value=time(16), step=900, key=f"bid_new_end_{row}"
        ),
        "seats": cells[4].number_input(
            t("Places"), min_value=1, max_value=10000, value=5, key=f"bid_new_seats_{row}"
        ),
        "skills": cells[5].text_input(
            t("Skills (codes, comma separated)"), key=f"bid_new_skills_{row}"
        ),
    }


def _round_form(client: ApiClient, site: str, zone: ZoneInfo, week: date) -> None:
    """A draft round: its name, weeks, rule, closing time and up to three patterns."""
    with st.form("planner_new_round"):
        left, middle, right = st.columns(3)
        name = left.text_input(t("Round name"), key="bid_new_round")
        first = middle.date_input(t("First week"), value=week, key="bid_new_week")
        weeks = right.number_input(t("Weeks"), 1, 8, 1, key="bid_new_weeks")
        rule_labels = {r: t(RULES[r]) for r in RULES}  # in the page's language, now
        rule = left.selectbox(
            t("Turns by"), list(RULES), format_func=rule_labels.__getitem__, key="bid_new_rule"
        )
        closes_day = middle.date_input(
            t("Bids close on"),
            value=max(week - timedelta(days=2), date.today() + timedelta(days=1)),
            key="bid_new_close_day",
        )
        closes_time = right.time_input(t("at"), value=time(17), step=900, key="bid_new_close_time")
        st.caption(t("Patterns (rows without a name are left out); times are the site's."))
        rows = [_pattern_inputs(row) for row in range(PATTERN_ROWS)]
        sent = st.form_submit_button(t("Create the round"))
    if not sent or not isinstance(first, date) or not isinstance(closes_day, date):
        return
    patterns = [
        {
            **row,
            "name": row["name"].strip(),
            "start_local": row["start_local"].strftime("%H:%M"),
            "end_local": row["end_local"].strftime("%H:%M"),
            "seats": int(row["seats"]),
            "skills": [s.strip() for s in row["skills"].split(",") if s.strip()],
        }
        for row in rows
        if row["name"].strip()
    ]
    if not name.strip() or not patterns:
        st.error(t("Give the round a name and at least one pattern."))
        return
    body = {
        "site": site,
        "name": name.strip(),
        "week_start": first.isoformat(),
        "weeks": int(weeks),
        "rule": rule,
        "closes_at": datetime.combine(closes_day, closes_time, tzinfo=zone).isoformat(),
        "patterns": patterns,
    }
    try:
        made = client.create_bid_round(body)
    except ApiError as exc:
        show_api_error(exc, t("Create the round"))
        return
    flash("success", t("{round} is saved as a draft.", round=made["name"]))
    st.rerun()
