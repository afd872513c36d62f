"""What every page shares: sign-in with a token kept in the session, cached API reads, the site
picker and one way of showing API failures (a message on the page, never a traceback)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import streamlit as st

from dashboard.client import ApiClient, ApiError, api_url_from_env

log = logging.getLogger("wfm.dashboard")

TOKEN_KEY = "wfm_token"
URL_KEY = "wfm_api_url"
ME_KEY = "wfm_me"
SITE_KEY = "wfm_site"

SHORT_TTL_SECONDS = 15
LONG_TTL_SECONDS = 120


@st.cache_data(ttl=SHORT_TTL_SECONDS, show_spinner=False)
def _read_short(base_url: str, token: str, method: str, args: tuple[Any, ...]) -> Any:
    return getattr(ApiClient(base_url, token), method)(*args)


@st.cache_data(ttl=LONG_TTL_SECONDS, show_spinner=False)
def _read_long(base_url: str, token: str, method: str, args: tuple[Any, ...]) -> Any:
    return getattr(ApiClient(base_url, token), method)(*args)


def read(api: ApiClient, method: str, *args: Any, live: bool = False) -> Any:
    """A cached read: `live` data for 15 s, planning data for 2 min (per URL and token)."""
    reader = _read_short if live else _read_long
    return reader(api.base_url, api.token, method, tuple(args))


def forget_cached_reads() -> None:
    """After a write: the next reads go to the API."""
    _read_short.clear()
    _read_long.clear()


def sign_out() -> None:
    for key in (TOKEN_KEY, ME_KEY):
        st.session_state.pop(key, None)
    forget_cached_reads()


def _sign_in_form(url: str) -> None:
    st.title("WFM dashboard")
    st.write(
        "Enter your API token (from `wfm token create --role ROLE --name NAME`). "
        "It is kept for this browser session only."
    )
    with st.form("sign_in"):
        token = st.text_input("API token", type="password", key="sign_in_token")
        submitted = st.form_submit_button("Sign in")
    st.caption(f"API: {url}")
    if submitted:
        token = token.strip()
        if not token:
            st.error("Enter a token.")
            return
        try:
            me = ApiClient(url, token).me()
        except ApiError as exc:
            show_api_error(exc)
            return
        st.session_state[TOKEN_KEY] = token
        st.session_state[ME_KEY] = me
        st.rerun()


def signed_in() -> tuple[ApiClient, dict[str, Any]] | None:
    """The client and `/v1/me` of the session's token, or None (after showing why)."""
    url = st.session_state.setdefault(URL_KEY, api_url_from_env())
    token = st.session_state.get(TOKEN_KEY)
    if not token:
        _sign_in_form(url)
        return None
    api = ApiClient(url, token)
    me = st.session_state.get(ME_KEY)
    if me is None:
        try:
            me = api.me()
        except ApiError as exc:
            show_api_error(exc)
            return None
        st.session_state[ME_KEY] = me
    return api, me


def require_client() -> tuple[ApiClient, dict[str, Any]]:
    """The signed-in client, or the sign-in form and the end of the page."""
    found = signed_in()
    if found is None:
        st.stop()
    assert found is not None
    api, me = found
    with st.sidebar:
        who = me.get("agent_code") or me.get("name")
        st.caption(f"Signed in as **{who}** ({me.get('role')})")
        if st.button("Sign out", key="sign_out"):
            sign_out()
            st.rerun()
    return api, me


def can(me: dict[str, Any], permission: str) -> bool:
    return permission in (me.get("permissions") or [])


def show_api_error(exc: ApiError, what: str = "") -> None:
    """One clear message for an API failure."""
    prefix = f"{what}: " if what else ""
    if exc.kind == "unreachable":
        st.error(
            f"{prefix}The API does not answer. Check that `wfm serve` is running and that "
            f"WFM_API_URL points at it. ({exc.message})"
        )
    elif exc.kind == "unauthorized":
        st.session_state.pop(TOKEN_KEY, None)
        st.session_state.pop(ME_KEY, None)
        st.error(
            f"{prefix}The API refused the token: it is unknown, revoked or expired. "
            "Sign in again with a valid token."
        )
    elif exc.kind == "forbidden":
        st.warning(f"{prefix}Your role may not see or do this ({exc.message}).")
    elif exc.kind == "not_found":
        st.info(f"{prefix}No data: {exc.message}")
    elif exc.kind == "conflict":
        st.warning(f"{prefix}Conflict: {exc.message}")
    else:
        st.error(f"{prefix}The API could not do this: {exc.message}")


@contextmanager
def section(what: str) -> Iterator[None]:
    """Run a part of a page; an API failure (or a bug) shows a message and the page goes on."""
    try:
        yield
    except ApiError as exc:
        show_api_error(exc, what)
    except Exception as exc:  # a page never shows a traceback
        log.exception("dashboard section %r failed", what)
        st.error(f"{what}: something went wrong while drawing this part ({exc}).")


def pick_site(api: ApiClient) -> str | None:
    """The site chosen in the sidebar (remembered for the session)."""
    try:
        sites = read(api, "sites")
    except ApiError as exc:
        show_api_error(exc, "Sites")
        return None
    if not sites:
        st.info("No site yet: load one with `wfm demo-data` or `POST /v1/sites`.")
        return None
    codes = [s["code"] for s in sites]
    names = {s["code"]: f"{s['code']} - {s['name']}" for s in sites}
    current = st.session_state.get(SITE_KEY)
    index = codes.index(current) if current in codes else 0
    code = st.sidebar.selectbox("Site", codes, index=index, format_func=names.__getitem__)
    st.session_state[SITE_KEY] = code
    return str(code)
