"""The WFM dashboard: sign in with an API token, then the pages the token's role may use, opening
on the role's own page (planner: Planner, floor manager: Floor, executive and administrator:
Executive, agent: My schedule; planners also have Rules and plans, and Requests and trades),
each page at its own address (`/floor`, ...; `/` moves on to
the role's page). Before sign-in no page is listed.

Run with `wfm dashboard` (or `streamlit run dashboard/app.py` from `dashboard/`, whose
`.streamlit/config.toml` sets the toolbar to viewer mode); the API is `$WFM_API_URL`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from dashboard.common import can, remember_site_language, signed_in  # noqa: E402
from dashboard.i18n import t  # noqa: E402

_PAGES = Path(__file__).resolve().parent / "pages"

# the page each role lands on (a role without it lands on the first page it may use)
LANDING = {
    "planner": "planner",
    "floor_manager": "floor",
    "executive": "executive",
    "admin": "executive",
    "agent": "my_schedule",
}

st.set_page_config(page_title="WFM", page_icon=":telephone_receiver:", layout="wide")


def _sign_in() -> None:
    """The one (hidden) page before sign-in: the form."""
    signed_in()


found = signed_in(form=False)
if found is None:
    # a hidden navigation of one page, so that Streamlit lists no page files in the sidebar
    st.navigation([st.Page(_sign_in, title=t("Sign in"), default=True)], position="hidden").run()
    st.stop()
assert found is not None
api, me = found
remember_site_language(api, me)

available = []
if can(me, "kpi:read"):
    available.append(("executive", t("Executive"), ":material/monitoring:"))
if can(me, "forecast:read"):
    available.append(("planner", t("Planner"), ":material/calendar_month:"))
    available.append(("plans", t("Rules and plans"), ":material/tune:"))
if any(can(me, p) for p in ("time_off:decide", "schedule:publish", "schedule:write")):
    available.append(("requests", t("Requests and trades"), ":material/swap_horiz:"))
if can(me, "intraday:read"):
    available.append(("floor", t("Floor"), ":material/support_agent:"))
if me.get("agent_code") and can(me, "schedule:read_own"):
    available.append(("my_schedule", t("My schedule"), ":material/event:"))

if not available:
    st.warning(
        t(
            "The role {role!r} has no dashboard page. Ask for another token.",
            role=me.get("role"),
        )
    )
    st.stop()

landing = LANDING.get(str(me.get("role")), available[0][0])
if landing not in {name for name, _, _ in available}:
    landing = available[0][0]
# every page at its own address (/floor, /planner, ...), the role's page too, so that reloading
# or bookmarking it opens it again; "/" is a hidden page that moves on to the role's page
pages = {
    name: st.Page(_PAGES / f"{name}.py", title=title, icon=icon, url_path=name)
    for name, title, icon in available
}


def _home() -> None:
    st.switch_page(pages[landing], query_params=st.query_params.to_dict())


home = st.Page(_home, title=pages[landing].title, default=True, visibility="hidden")
st.navigation([home, *pages.values()]).run()
