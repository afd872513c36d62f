"""Requests and trades: agents' time-off requests waiting for a decision, shift trades waiting
for approval, and bid rounds (opened, closed and assigned here). Every text in the reader's
language (`dashboard.i18n`), every time in the site's."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from dashboard.common import can, pick_site, require_client, section, site_info, site_timezone
from dashboard.i18n import t
from dashboard.planner_requests import show_bid_rounds, show_requests
from dashboard.self_service import show_flash
from dashboard.swaps import show_trades

api, me = require_client()
st.title(t("Requests and trades"))
show_flash()
site = pick_site(api)
if site is None:
    st.stop()
assert site is not None
timezone = site_timezone()


def _bid_week() -> date:
    """The week a new bid round starts on by default: the one after the site's current week."""
    current = site_info().get("week_start")
    if current:
        return date.fromisoformat(current) + timedelta(days=7)
    today = date.today()
    return today + timedelta(days=7 - today.weekday())


early = api.ahead()  # the page's lists, read side by side by their sections below
if can(me, "time_off:decide"):
    early.time_off_requests(site, "pending")
if can(me, "schedule:publish"):
    early.shift_trades(site, "pending_approval")
    early.shift_trades(site)
if can(me, "schedule:write"):
    early.bid_rounds(site)

if can(me, "time_off:decide"):
    st.subheader(t("Requests"))
    with section(t("Requests")):
        show_requests(api, site, timezone)
if can(me, "schedule:publish"):
    st.subheader(t("Shift trades"))
    with section(t("Shift trades")):
        show_trades(api, site)
if can(me, "schedule:write"):
    st.subheader(t("Bid rounds"))
    with section(t("Bid rounds")):
        show_bid_rounds(api, site, timezone, _bid_week())
