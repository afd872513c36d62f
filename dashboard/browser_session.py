"""A sign-in that survives reloading the page.

Streamlit starts a new session (with an empty `st.session_state`) whenever the browser reloads
the page or opens a page's address. So that a reader stays signed in, the dashboard keeps the
API token on the server, in a process-wide table of browser sessions, and gives the browser only
a random session key in a cookie (`wfm_session`: SameSite=Strict, Secure on https, gone when
the browser closes; the key itself expires on the server after `SESSION_SECONDS`). A new
Streamlit session reads the cookie (`st.context.cookies`) and takes the token back from the
table. The token itself never reaches the browser's storage or the address bar; signing out
drops the key from the table and clears the cookie. When the dashboard restarts the table is
empty, and a reader with an old cookie sees the sign-in form with a message saying why.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

import streamlit as st

COOKIE = "wfm_session"
SESSION_SECONDS = 12 * 3600
_KEY = "wfm_session_key"  # this Streamlit session's key in the table
_CLEAR = "wfm_session_clear"  # the cookie still has to be cleared in the browser


@dataclass
class SessionTable:
    """Keys given to browsers -> (API token, expiry on the monotonic clock)."""

    seconds: float = SESSION_SECONDS
    _rows: dict[str, tuple[str, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def open(self, token: str) -> str:
        key = secrets.token_urlsafe(32)
        now = time.monotonic()
        with self._lock:
            self._rows = {k: row for k, row in self._rows.items() if row[1] > now}
            self._rows[key] = (token, now + self.seconds)
        return key

    def token(self, key: str) -> str | None:
        with self._lock:
            row = self._rows.get(key)
            if row is None or row[1] <= time.monotonic():
                self._rows.pop(key, None)
                return None
            return row[0]

    def close(self, key: str) -> None:
        with self._lock:
            self._rows.pop(key, None)


@st.cache_resource(show_spinner=False)
def _table() -> SessionTable:
    return SessionTable()


def _set_cookie(value: str, *, clear: bool = False) -> None:
    """A cookie for this browser session (gone when the browser closes), or its removal."""
    age = "; max-age=0" if clear else ""
    st.html(
        "<script>(function(){"
        f'var c="{COOKIE}={value}; path=/; SameSite=Strict{age}";'
        'if (window.location.protocol === "https:") { c += "; Secure"; }'
        "document.cookie = c;})();</script>",
        unsafe_allow_javascript=True,
    )


def remember(token: str) -> None:
    """After a sign-in: a new key for the token, sent to the browser on this and every run (a
    rerun right after sign-in would otherwise drop the script before it ran)."""
    st.session_state[_KEY] = _table().open(token)
    st.session_state.pop(_CLEAR, None)


def keep_cookie() -> None:
    """On every signed-in run: the browser holds this session's key."""
    key = st.session_state.get(_KEY)
    if key:
        _set_cookie(key)


def recall() -> tuple[str | None, bool]:
    """The token of the browser's cookie, and whether the browser had a key that is no longer
    valid (expired, signed out elsewhere, or the dashboard restarted)."""
    if st.session_state.get(_CLEAR):
        return None, False
    key = st.context.cookies.get(COOKIE)
    if not key:
        return None, False
    token = _table().token(key)
    if token is None:
        return None, True
    st.session_state[_KEY] = key
    return token, False


def forget() -> None:
    """Sign-out: the key leaves the table; the sign-in form clears the cookie."""
    key = st.session_state.pop(_KEY, None) or st.context.cookies.get(COOKIE)
    if key:
        _table().close(key)
    st.session_state[_CLEAR] = True


def clear_cookie_if_asked() -> None:
    if st.session_state.get(_CLEAR):
        _set_cookie("", clear=True)
