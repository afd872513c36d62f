"""The dashboard's two languages, English and 简体中文: the reader picks one in the sidebar (kept
for the session) and a page shows each label in it with `text(english, chinese)`."""

from __future__ import annotations

import streamlit as st

LANGUAGE_KEY = "wfm_language"
LANGUAGES = {"en": "English", "zh": "简体中文"}


def pick_language() -> str:
    """The language chosen in the sidebar ("en" or "zh"), remembered for the session."""
    current = st.session_state.get(LANGUAGE_KEY, "en")
    codes = list(LANGUAGES)
    chosen = st.sidebar.selectbox(
        "Language / 语言",
        codes,
        index=codes.index(current) if current in codes else 0,
        format_func=LANGUAGES.__getitem__,
        key=f"{LANGUAGE_KEY}_picker",
    )
    st.session_state[LANGUAGE_KEY] = chosen
    return str(chosen)


def text(english: str, chinese: str) -> str:
    """The label in the session's language."""
    return chinese if st.session_state.get(LANGUAGE_KEY) == "zh" else english
