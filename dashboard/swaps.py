"""Shift swaps and trades on the dashboard, both sides: an agent offers one of their own future
published shifts, takes or swaps for another agent's offer, and follows their trades (My
schedule); a planner approves or refuses the trades that wait for approval (Planner). The API
checks every trade with the roster's rules (`POST /v1/me/shift-offers/{id}/take`); a refusal
lists each rule it would break. Times in the site's; texts from the `my_schedule` catalogue."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from dashboard.client import ApiClient, ApiError
from dashboard.common import forget_cached_reads, refusal_lines, show_api_error
from dashboard.i18n import N_, fmt_date, fmt_time, t
from dashboard.self_service import flash

OFFER_MODES = {
    "any": N_("give away or swap"),
    "swap_only": N_("swap only"),
    "give_away": N_("give away only"),
}
OFFER_STATUS = {"open": N_("open"), "taken": N_("taken"), "cancelled": N_("cancelled")}
TRADE_STATUS = {
    "accepted": N_("accepted"),
    "pending_approval": N_("waiting for a planner"),
    "approved": N_("approved"),
    "refused": N_("refused"),
}
TRADE_KINDS = {"give_away": N_("give-away"), "swap": N_("swap")}
GIVE = "give"


def _label(table: dict[str, str], value: str) -> str:
    return t(table[value]) if value in table else value


def _shift_time(start_utc: str, end_utc: str, zone: str) -> str:
    return t(
        "{day}, {start} to {end}",
        day=fmt_date(datetime.fromisoformat(start_utc).astimezone(ZoneInfo(zone)).date(), True),
        start=fmt_time(start_utc, zone),
        end=fmt_time(end_utc, zone),
    )


def _refused(exc: ApiError, what: str) -> None:
    """Why the API refused: each roster rule a trade would break, else its one message."""
    if exc.error == "rule_violation" and exc.errors:
        st.error(t("The roster's rules refuse this trade; nothing changed:"))
        st.markdown("\n".join(f"- {line}" for line in refusal_lines(exc)))
    elif exc.kind == "invalid":
        st.error(f"{what}: {exc.message}")
    else:
        show_api_error(exc, what)


# --- the agent's side ------------------------------------------------------------------------


def _offers_table(offers: list[dict[str, Any]], zone: str, with_agent: bool) -> pd.DataFrame:
    rows = []
    for o in offers:
        row = {}
        if with_agent:
            row[t("Agent")] = f"{o['agent_name']} ({o['agent_code']})"
        row[t("Shift")] = _shift_time(o["shift_start_utc"], o["shift_end_utc"], zone)
        row[t("Offered for")] = _label(OFFER_MODES, o["mode"])
        if not with_agent:
            row[t("Status")] = _label(OFFER_STATUS, o["status"])
        rows.append(row)
    return pd.DataFrame(rows)


def _trades_table(trades: list[dict[str, Any]], me: str | None = None) -> pd.DataFrame:
    """The trades, one row each; with `me`, which side of each the agent was on."""
    rows = []
    for tr in trades:
        row = {
            t("Offered by"): tr["offer_agent_code"],
            t("Day offered"): fmt_date(tr["offer_shift_date"], True),
            t("Taken by"): tr["taker_agent_code"],
            t("Kind"): _label(TRADE_KINDS, tr["kind"]),
            t("Day given back"): (
                fmt_date(tr["taker_shift_date"], True) if tr["taker_shift_date"] else "-"
            ),
            t("Status"): _label(TRADE_STATUS, tr["status"]),
            t("Reason"): tr.get("reason") or "",
        }
        if me is not None:
            row[t("Mine")] = t("I offered") if tr["offer_agent_code"] == me else t("I took")
        rows.append(row)
    return pd.DataFrame(rows)


def _offer_form(api: ApiClient, shifts: list[dict[str, Any]], zone: str, offered: set[str]) -> None:
    """Offer one of the shown week's shifts not yet on offer (the API refuses one that has
    started by the site's clock, which may run apart from the wall clock)."""
    mine = {
        _shift_time(s["start_utc"], s["end_utc"], zone): s["shift_date"]
        for s in shifts
        if s["shift_date"] not in offered
    }
    if not mine:
        st.caption(t("No shift of this week is left to offer."))
        return
    modes = {t(label): mode for mode, label in OFFER_MODES.items()}
    with st.form("my_offer_form"):
        shift = st.selectbox(t("My shift to offer"), list(mine), key="my_offer_shift")
        mode = st.radio(t("Offered for"), list(modes), horizontal=True, key="my_offer_mode")
        sent = st.form_submit_button(t("Offer this shift"))
    if not sent:
        return
    try:
        api.offer_shift(date.fromisoformat(mine[str(shift)]), modes[str(mode)])
    except ApiError as exc:
        _refused(exc, t("Offer this shift"))
        return
    flash("success", t("Your shift of {day} is on offer.", day=str(shift)))
    st.rerun()


def _take_form(api: ApiClient, offers: list[dict[str, Any]], zone: str) -> None:
    """Take another agent's shift, or swap it for one of mine."""
    labels = {
        t(
            "{agent}: {shift}",
            agent=o["agent_name"],
            shift=_shift_time(o["shift_start_utc"], o["shift_end_utc"], zone),
        ): o
        for o in offers
    }
    ways = {t("Take it (I work it in addition)"): GIVE, t("Swap it for my shift of a day"): "swap"}
    with st.form("my_take_form"):
        shown = st.selectbox(t("Offer"), list(labels), key="my_take_offer")
        way = st.radio(t("How"), list(ways), horizontal=True, key="my_take_way")
        mine = st.date_input(t("My shift given back (swap)"), value=None, key="my_take_day")
        sent = st.form_submit_button(t("Take the offer"))
    if not sent:
        return
    offer = labels[str(shown)]
    swap = ways[str(way)] != GIVE
    if swap and not isinstance(mine, date):
        st.error(t("Pick the day of your shift to give back."))
        return
    try:
        trade = api.take_offer(int(offer["id"]), mine if swap and isinstance(mine, date) else None)
    except ApiError as exc:
        _refused(exc, t("Take the offer"))
        return
    if trade["status"] == "pending_approval":
        flash("info", t("The trade keeps the roster's rules and waits for a planner's approval."))
    else:
        flash("success", t("Done: the trade is in the published roster."))
    forget_cached_reads()  # my week's shifts changed
    st.rerun()


def show_swaps(api: ApiClient, zone: str, shifts: list[dict[str, Any]], me: str) -> None:
    """My offers (cancel one, offer a shift of the shown week), the offers I could take, and my
    trades with their status."""
    mine = api.my_shift_offers()
    if mine:
        st.markdown(f"**{t('My offers')}**")
        st.dataframe(_offers_table(mine, zone, with_agent=False), hide_index=True, width="stretch")
    open_mine = {
        _shift_time(o["shift_start_utc"], o["shift_end_utc"], zone): o["id"]
        for o in mine
        if o["status"] == "open"
    }
    if open_mine:
        left, right = st.columns([3, 1])
        shown = left.selectbox(t("My open offer"), list(open_mine), key="my_offer_open")
        right.write("")
        if right.button(t("Withdraw this offer"), key="my_offer_cancel"):
            try:
                api.cancel_offer(int(open_mine[str(shown)]))
            except ApiError as exc:
                show_api_error(exc, t("Withdraw this offer"))
            else:
                flash("success", t("The offer is withdrawn."))
                st.rerun()
    _offer_form(api, shifts, zone, {o["shift_date"] for o in mine if o["status"] == "open"})

    st.markdown(f"**{t('Shifts offered by others')}**")
    offers = api.shift_offers()
    if offers:
        st.dataframe(_offers_table(offers, zone, with_agent=True), hide_index=True, width="stretch")
        _take_form(api, offers, zone)
    else:
        st.info(t("No shift you could take is on offer."))

    trades = api.my_shift_trades()
    if trades:
        st.markdown(f"**{t('My trades')}**")
        st.dataframe(_trades_table(trades, me), hide_index=True, width="stretch")


# --- the planner's side ----------------------------------------------------------------------


def show_trades(client: ApiClient, site: str) -> None:
    """The site's trades waiting for approval, with a decision form; the latest decided ones."""
    pending = client.shift_trades(site, "pending_approval")
    if not pending:
        st.info(t("No shift trade is waiting for approval."))
    else:
        st.dataframe(_trades_table(pending), hide_index=True, width="stretch")
        labels = {
            t(
                "{giver} to {taker}, {day}",
                giver=tr["offer_agent_code"],
                taker=tr["taker_agent_code"],
                day=fmt_date(tr["offer_shift_date"], True),
            ): tr
            for tr in pending
        }
        choices = {t("Approve"): True, t("Refuse"): False}
        with st.form("planner_trade_decision"):
            shown = st.selectbox(t("Shift trade"), list(labels), key="planner_trade")
            decision = st.radio(
                t("Decision"), list(choices), horizontal=True, key="planner_trade_decision"
            )
            reason = st.text_input(
                t("Reason (required to refuse)"), max_chars=500, key="planner_trade_reason"
            )
            sent = st.form_submit_button(t("Decide the trade"))
        if sent:
            approve = choices[str(decision)]
            if not approve and not reason.strip():
                st.error(t("Say why the trade is refused."))
                return
            trade = labels[str(shown)]
            try:
                client.decide_trade(int(trade["id"]), approve, reason.strip() or None)
            except ApiError as exc:
                _refused(exc, t("Decide the trade"))
                return
            flash(
                "success",
                t("The trade is approved and published.")
                if approve
                else t("The trade is refused; the roster stays as it is."),
            )
            forget_cached_reads()
            st.rerun()
    decided = [tr for tr in client.shift_trades(site) if tr["status"] != "pending_approval"][:10]
    if decided:
        st.caption(t("Latest decided trades"))
        st.dataframe(_trades_table(decided), hide_index=True, width="stretch")
