"""What every page shares: sign-in with a token kept in the session (and across reloads, see
`dashboard.browser_session`), cached API reads, the site
picker (which also gives the site's timezone, currency and default language), the language
picker, and one way of showing API failures (a message on the page, never a traceback). Every
text is translated with `dashboard.i18n.t` (catalogue `common`)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from dashboard import browser_session
from dashboard.client import ApiClient, ApiError, api_url_from_env
from dashboard.i18n import N_, SITE_LANGUAGE_KEY, pick_language, t
from dashboard.read_cache import ReadCache

log = logging.getLogger("wfm.dashboard")

TOKEN_KEY = "wfm_token"
URL_KEY = "wfm_api_url"
ME_KEY = "wfm_me"
SITE_KEY = "wfm_site"
SITE_INFO_KEY = "wfm_site_info"  # the chosen site as `GET /v1/sites` gives it

ROLE_NAMES = {
    "admin": N_("administrator"),
    "planner": N_("planner"),
    "floor_manager": N_("floor manager"),
    "executive": N_("executive"),
    "agent": N_("agent"),
}

SHORT_TTL_SECONDS = 15
LONG_TTL_SECONDS = 120
LONG_STALE_SECONDS = 600

_BACKGROUND = ThreadPoolExecutor(max_workers=6, thread_name_prefix="wfm-read-ahead")
# refreshes have threads of their own: a read ahead may wait for one, never the reverse
_REFRESHER = ThreadPoolExecutor(max_workers=4, thread_name_prefix="wfm-read-refresh")
# live data (the floor's states, today's figures) is never served older than its 15 s
_LIVE_READS = ReadCache(
    fresh_seconds=SHORT_TTL_SECONDS,
    stale_seconds=SHORT_TTL_SECONDS,
    max_entries=512,
    refresher=_REFRESHER,
)
# planning data is served up to 10 min old while it is read again in the background
_PLANNING_READS = ReadCache(
    fresh_seconds=LONG_TTL_SECONDS,
    stale_seconds=LONG_STALE_SECONDS,
    max_entries=1024,
    refresher=_REFRESHER,
)


def read(api: ApiClient, method: str, *args: Any, live: bool = False) -> Any:
    """A remembered read (per API URL and token; see `dashboard.read_cache`): `live` data for
    15 s; planning data fresh for 2 min, then served up to 10 min old while it is read again
    in the background."""
    cache = _LIVE_READS if live else _PLANNING_READS
    base_url, token = api.base_url, api.token
    return cache.get(
        (base_url, token, method, tuple(args)),
        lambda: getattr(ApiClient(base_url, token), method)(*args),
    )


def read_ahead(*jobs: Callable[[], object]) -> None:
    """Start cached reads (`read`) in the background, side by side: the page's own `read` of the
    same thing later waits for the one under way instead of asking again. A job may read and
    then start more. A failure is left for the page's own read to meet and show."""
    context = get_script_run_ctx(suppress_warning=True)

    def run(job: Callable[[], object]) -> None:
        add_script_run_ctx(threading.current_thread(), context)
        try:
            job()
        except Exception as exc:  # the page's own read shows it
            log.debug("a read ahead failed: %s", exc)

    for job in jobs:
        _BACKGROUND.submit(run, job)


def on_click_download(api: ApiClient, path: str, **params: Any) -> Callable[[], bytes]:
    """A download button's data, fetched from the API only when the button is clicked (a page
    does not wait for files nobody asked for). A failure comes back as the file's text, which
    says what went wrong."""

    def fetch() -> bytes:
        try:
            return api.download(path, **params)
        except ApiError as exc:
            log.warning("download of %s failed: %s", path, exc.message)
            return f"{exc.kind}: {exc.message}\n".encode()

    return fetch


def forget_cached_reads() -> None:
    """After a write: the next reads go to the API."""
    _LIVE_READS.clear()
    _PLANNING_READS.clear()


def sign_out() -> None:
    for key in (TOKEN_KEY, ME_KEY):
        st.session_state.pop(key, None)
    browser_session.forget()
    forget_cached_reads()


def _sign_in_form(url: str, *, ended: bool = False) -> None:
    pick_language()
    browser_session.clear_cookie_if_asked()
    st.title(t("WFM dashboard"))
    if ended:
        st.info(
            t(
                "Your sign-in in this browser has ended (it expired or the dashboard "
                "restarted). Sign in again."
            )
        )
    st.write(
        t(
            "Enter your API token (from `wfm token create --role ROLE --name NAME`). "
            "You stay signed in across reloads until you sign out, close the browser or "
            "12 hours pass; the token is kept on the dashboard's server, not in the browser."
        )
    )
    with st.form("sign_in"):
        token = st.text_input(t("API token"), type="password", key="sign_in_token")
        submitted = st.form_submit_button(t("Sign in"))
    st.caption(t("API: {url}", url=url))
    if submitted:
        token = token.strip()
        if not token:
            st.error(t("Enter a token."))
            return
        try:
            me = ApiClient(url, token).me()
        except ApiError as exc:
            show_api_error(exc)
            return
        st.session_state[TOKEN_KEY] = token
        st.session_state[ME_KEY] = me
        browser_session.remember(token)
        st.rerun()


def signed_in(*, form: bool = True) -> tuple[ApiClient, dict[str, Any]] | None:
    """The client and `/v1/me` of the session's token, or None (after showing the sign-in
    `form` and why). The form belongs inside a page: drawn before `st.navigation` has chosen
    one, its first submit would reach a page of another name and be lost."""
    url = st.session_state.setdefault(URL_KEY, api_url_from_env())
    token = st.session_state.get(TOKEN_KEY)
    if not token:
        # a reload starts a new session: the browser's session cookie names the token
        token, ended = browser_session.recall()
        if not token:
            if form:
                _sign_in_form(url, ended=ended)
            return None
        st.session_state[TOKEN_KEY] = token
    browser_session.keep_cookie()
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


def remember_site_language(api: ApiClient, me: dict[str, Any]) -> None:
    """The default language of the reader's site, for `dashboard.i18n.current_locale`: an
    agent's own site's, else the chosen (or first) site's."""
    if me.get("default_language"):
        st.session_state[SITE_LANGUAGE_KEY] = me["default_language"]
        return
    if not can(me, "org:read"):
        return
    try:
        sites = read(api, "sites")
    except ApiError:
        return  # the page's own reads show why
    chosen = st.session_state.get(SITE_KEY)
    for site in sites:
        if site["code"] == chosen or chosen is None:
            st.session_state[SITE_LANGUAGE_KEY] = site.get("default_language")
            return


def require_client() -> tuple[ApiClient, dict[str, Any]]:
    """The signed-in client, or the sign-in form and the end of the page. Draws the sidebar's
    language picker and who is signed in."""
    found = signed_in()
    if found is None:
        st.stop()
    assert found is not None
    api, me = found
    remember_site_language(api, me)
    pick_language()
    with st.sidebar:
        who = me.get("agent_code") or me.get("name")
        role = me.get("role") or ""
        st.caption(
            t("Signed in as **{who}** ({role})", who=who, role=t(ROLE_NAMES.get(role, role)))
        )
        if st.button(t("Sign out"), key="sign_out"):
            sign_out()
            st.rerun()
    return api, me


def can(me: dict[str, Any], permission: str) -> bool:
    return permission in (me.get("permissions") or [])


def show_api_error(exc: ApiError, what: str = "") -> None:
    """One clear message for an API failure (`what`: the part of the page, translated). The
    API's own message stays as it says it (English)."""
    prefix = f"{what}: " if what else ""
    if exc.kind == "unreachable":
        st.error(
            prefix
            + t(
                "The API does not answer. Check that `wfm serve` is running and that "
                "WFM_API_URL points at it. ({message})",
                message=exc.message,
            )
        )
    elif exc.kind == "unauthorized":
        st.session_state.pop(TOKEN_KEY, None)
        st.session_state.pop(ME_KEY, None)
        browser_session.forget()
        st.error(
            prefix
            + t(
                "The API refused the token: it is unknown, revoked or expired. "
                "Sign in again with a valid token."
            )
        )
    elif exc.kind == "forbidden":
        st.warning(prefix + t("Your role may not see or do this ({message}).", message=exc.message))
    elif exc.kind == "not_found":
        st.info(prefix + t("No data: {message}", message=exc.message))
    elif exc.kind == "conflict":
        st.warning(prefix + t("Conflict: {message}", message=exc.message))
    else:  # what the API refused, each on a line of its own when its answer names them
        details = "".join(f"\n- {line}" for line in refusal_lines(exc)) if exc.errors else ""
        st.error(prefix + t("The API could not do this: {message}", message=exc.message) + details)


# the roster checker's rules (`scheduling.evaluate`) as a planner reads them
RULE_NAMES = {
    "absence": N_("time off or unavailability"),
    "activities": N_("activities"),
    "availability": N_("availability"),
    "break_window": N_("break window"),
    "breaks": N_("breaks and lunches"),
    "calling_hours": N_("calling hours"),
    "campaign_hours_max": N_("campaign hours, most"),
    "campaign_hours_min": N_("campaign hours, least"),
    "contract_days_max": N_("days a week, most"),
    "contract_days_min": N_("days a week, least"),
    "contract_hours_max": N_("paid hours a week, most"),
    "contract_hours_min": N_("paid hours a week, least"),
    "contract_window": N_("the contract's hours"),
    "days_off": N_("days off in a row"),
    "horizon": N_("the week"),
    "interval_grid": N_("interval grid"),
    "max_consecutive_days": N_("working days in a row"),
    "min_rest": N_("rest between shifts"),
    "one_shift_a_day": N_("one shift a day"),
    "seats": N_("seats"),
    "shift_date": N_("shift date"),
    "shift_length": N_("shift length"),
    "shift_times": N_("shift times"),
    "skills": N_("skills"),
    "start_step": N_("start times"),
}


def refusal_lines(exc: ApiError) -> list[str]:
    """Each thing the API refused, a line each: a broken roster rule as "who: rule (why)", the
    rule in the reader's words; a field as "field: why"; the message's parts when the answer
    names none."""
    lines = []
    for e in exc.errors:
        field = str(e.get("field", ""))
        if field.startswith("rule."):
            rule = field.removeprefix("rule.")
            name = t(RULE_NAMES[rule]) if rule in RULE_NAMES else rule
            lines.append(f"{e.get('value') or ''}: {name} ({e.get('message') or rule})")
        else:
            lines.append(f"{field}: {e.get('message')}")
    return lines or [part for part in exc.message.split("; ") if part]


@contextmanager
def section(what: str) -> Iterator[None]:
    """Run a part of a page; an API failure (or a bug) shows a message and the page goes on.
    `what` names the part in the reader's language (pass it through `t`)."""
    try:
        yield
    except ApiError as exc:
        show_api_error(exc, what)
    except Exception as exc:  # a page never shows a traceback
        log.exception("dashboard section %r failed", what)
        st.error(
            t(
                "{part}: something went wrong while drawing this part ({error}).",
                part=what,
                error=exc,
            )
        )


def pick_site(api: ApiClient) -> str | None:
    """The site chosen in the sidebar (remembered for the session); its record (timezone,
    currency, default language, opening week) is kept for `site_info`."""
    try:
        sites = read(api, "sites")
    except ApiError as exc:
        show_api_error(exc, t("Sites"))
        return None
    if not sites:
        st.info(t("No site yet: load one with `wfm demo-data` or `POST /v1/sites`."))
        return None
    codes = [s["code"] for s in sites]
    names = {s["code"]: f"{s['name']} ({s['code']})" for s in sites}
    current = st.session_state.get(SITE_KEY)
    index = codes.index(current) if current in codes else 0
    code = st.sidebar.selectbox(t("Site"), codes, index=index, format_func=names.__getitem__)
    st.session_state[SITE_KEY] = code
    chosen = next(s for s in sites if s["code"] == code)
    st.session_state[SITE_INFO_KEY] = chosen
    st.session_state[SITE_LANGUAGE_KEY] = chosen.get("default_language")
    return str(code)


def site_info() -> dict[str, Any]:
    """The chosen site's record (after `pick_site`): code, name, timezone, currency, ..."""
    found: dict[str, Any] = st.session_state.get(SITE_INFO_KEY) or {}
    return found


def site_timezone() -> str:
    return str(site_info().get("timezone") or "UTC")


def site_currency() -> str:
    return str(site_info().get("currency") or "CNY")


def site_today() -> date:
    """The chosen site's local day by its clock (a simulation's may be moved)."""
    today = site_info().get("today")
    if today:
        return date.fromisoformat(str(today)[:10])
    return datetime.now(ZoneInfo(site_timezone())).date()
