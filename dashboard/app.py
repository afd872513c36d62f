"""The WFM dashboard: sign in with an API token, then the pages the token's role may use.

Run with `wfm dashboard` (or `streamlit run dashboard/app.py`); the API is `$WFM_API_URL`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from dashboard.common import can, signed_in  # noqa: E402

_PAGES = Path(__file__).resolve().parent / "pages"

st.set_page_config(page_title="WFM dashboard", page_icon=":telephone_receiver:", layout="wide")

found = signed_in()
if found is None:
    st.stop()
assert found is not None
_api, me = found

pages = []
if can(me, "kpi:read"):
    pages.append(st.Page(_PAGES / "executive.py", title="Executive", icon=":material/monitoring:"))
if can(me, "forecast:read"):
    pages.append(st.Page(_PAGES / "planner.py", title="Planner", icon=":material/calendar_month:"))
if can(me, "intraday:read"):
    pages.append(st.Page(_PAGES / "floor.py", title="Floor", icon=":material/support_agent:"))
if me.get("agent_code") and can(me, "schedule:read_own"):
    pages.append(st.Page(_PAGES / "my_schedule.py", title="My schedule", icon=":material/event:"))

if not pages:
    st.warning(f"The role {me.get('role')!r} has no dashboard page. Ask for another token.")
    st.stop()

st.navigation(pages).run()
