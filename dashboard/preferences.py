"""An agent's weekly availability and roster preferences, shown and edited through the API:
one widget for a planner editing any agent (`/v1/agents/{code}/...`, the planner page) and for
an agent editing their own (`/v1/me/...`, `agent_code=None`). Availability is a list of
site-local windows per weekday (hard for the roster); a preference is a soft wish (a day off,
a work day, a start window, or at most so many evening shifts a week) on some weekdays or dates,
charged its weight for each day it is not honoured; a voluntary-time-off offer is hours a week
the agent would work less than the contract's minimum, unpaid. What the API refuses is said
field by field and nothing is stored. Texts from the `common` catalogue."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.client import ApiClient, ApiError
from dashboard.common import forget_cached_reads, show_api_error
from dashboard.i18n import N_, WEEKDAYS, fmt_date, fmt_number, fmt_percent, t, weekday_names
from scheduling.problem import EVENING_FROM_LOCAL

KINDS = {
    "day_off": N_("day off"),
    "work_day": N_("work day"),
    "start_between": N_("start between"),
    "max_evenings": N_("at most so many evenings"),
    "voluntary_time_off": N_("voluntary time off"),
}
DEFAULT_MAX_EVENINGS = 2  # the form's first value
DEFAULT_VTO_HOURS = 4.0  # the form's first value
FLASH_KEY = "preferences_flash"
_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def _hhmm(value: str | None) -> str:
    return str(value or "")[:5]


def windows_text(windows: list[dict[str, Any]], weekday: int) -> str:
    """A weekday's windows as typed in its field: "08:00-12:00, 13:00-17:00"."""
    return ", ".join(
        f"{_hhmm(w['start_local'])}-{_hhmm(w['end_local'])}"
        for w in windows
        if w["weekday"] == weekday
    )


def parse_windows(text: str, weekday: int) -> list[dict[str, Any]]:
    """The windows typed for a weekday, as the API takes them; ValueError saying which part is
    not a window "HH:MM-HH:MM". Order and overlap are the API's to judge."""
    found = []
    for part in (p for p in text.split(",") if p.strip()):
        match = _WINDOW.match(part)
        if match is None:
            raise ValueError(part.strip())
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise ValueError(part.strip())
        found.append(
            {"weekday": weekday, "start_local": f"{h1:02}:{m1:02}", "end_local": f"{h2:02}:{m2:02}"}
        )
    return found


def preference_text(pref: dict[str, Any]) -> str:
    """A preference in words: "day off · Sat, Sun · weight 5"."""
    kind = t(KINDS.get(pref["kind"], pref["kind"]))
    if pref["kind"] == "start_between":
        kind = t(
            "{kind} {earliest} and {latest}",
            kind=kind,
            earliest=_hhmm(pref.get("earliest_start_local")) or "00:00",
            latest=_hhmm(pref.get("latest_start_local")) or "24:00",
        )
    elif pref["kind"] == "max_evenings":
        evening = _hhmm(pref.get("evening_from_local"))
        kind = t(
            "evening shifts ≤ {count} (ending after {time})",
            count=int(pref.get("max_evening_shifts") or 0),
            time=evening or f"{EVENING_FROM_LOCAL:%H:%M}",
        )
    days = [weekday_names(pref.get("weekdays") or [])]
    days.append(", ".join(fmt_date(d) for d in pref.get("dates") or []))
    when = "; ".join(d for d in days if d) or t("every day")
    if pref["kind"] == "voluntary_time_off":
        hours = fmt_number(float(pref.get("vto_hours_max") or 0.0), 1)
        offer = t("{kind}: up to {hours} unpaid hours a week", kind=kind, hours=hours)
        return f"{offer} · {when}"
    weight = t("weight {weight}", weight=fmt_number(float(pref.get("weight") or 1.0), 1))
    return f"{kind} · {when} · {weight}"


def _as_body(pref: dict[str, Any]) -> dict[str, Any]:
    """A preference as read, as the API takes it back."""
    body = {
        "kind": pref["kind"],
        "weight": pref.get("weight", 1.0),
        "dates": [str(d) for d in pref.get("dates") or []],
        "weekdays": list(pref.get("weekdays") or []),
    }
    for bound in ("earliest_start_local", "latest_start_local", "evening_from_local"):
        if pref.get(bound):
            body[bound] = _hhmm(pref[bound])
    if pref.get("max_evening_shifts") is not None:
        body["max_evening_shifts"] = int(pref["max_evening_shifts"])
    if pref.get("vto_hours_max") is not None:
        body["vto_hours_max"] = float(pref["vto_hours_max"])
    return body


def _availability_table(windows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                t("Weekday"): t(WEEKDAYS[d]),
                t("Windows"): windows_text(windows, d) or t("not available"),
            }
            for d in range(7)
        ]
    )


def _flash(text: str) -> None:
    st.session_state[FLASH_KEY] = text


def _save_availability(api: ApiClient, agent_code: str | None, texts: list[str], what: str) -> None:
    windows: list[dict[str, Any]] = []
    for weekday, text in enumerate(texts):
        try:
            windows += parse_windows(text, weekday)
        except ValueError as exc:
            st.error(
                t(
                    "{day}: {part} is not a window; write HH:MM-HH:MM, several separated by "
                    "commas.",
                    day=t(WEEKDAYS[weekday]),
                    part=str(exc),
                )
            )
            return
    try:
        api.set_availability(windows, agent_code)
    except ApiError as exc:
        show_api_error(exc, what)
        st.error(t("{part}: nothing was saved.", part=what))
        return
    _flash(t("The availability is saved: {count} windows.", count=len(windows)))
    forget_cached_reads()  # the schedule's evaluation counts them
    st.rerun()


def _availability_form(
    api: ApiClient, agent_code: str | None, windows: list[dict[str, Any]], key: str
) -> None:
    what = t("Save the availability")
    with st.form(f"{key}_availability"):
        st.caption(
            t(
                "Windows in the site's local time, HH:MM-HH:MM, several separated by commas. No "
                "window on any day: available at any time; once one day has a window, a day "
                "left empty is not available."
            )
        )
        cells = st.columns(7)
        texts = [
            str(
                cells[d].text_input(
                    t(WEEKDAYS[d]), value=windows_text(windows, d), key=f"{key}_avail_{d}"
                )
            )
            for d in range(7)
        ]
        saved = st.form_submit_button(what)
    if saved:
        _save_availability(api, agent_code, texts, what)


def _parse_dates(text: str) -> list[str]:
    """Dates typed as YYYY-MM-DD separated by commas; ValueError naming the one that is not."""
    days = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        try:
            days.append(date.fromisoformat(part).isoformat())
        except ValueError:
            raise ValueError(part) from None
    return days


def _store_preferences(
    api: ApiClient, agent_code: str | None, preferences: list[dict[str, Any]], what: str, done: str
) -> None:
    try:
        api.set_preferences(preferences, agent_code)
    except ApiError as exc:
        show_api_error(exc, what)
        st.error(t("{part}: nothing was saved.", part=what))
        return
    _flash(done)
    forget_cached_reads()  # the schedule's evaluation counts them
    st.rerun()


def _add_preference_form(
    api: ApiClient, agent_code: str | None, current: list[dict[str, Any]], key: str
) -> None:
    what = t("Add the preference")
    kind_labels = {t(label): kind for kind, label in KINDS.items()}  # shown in this language
    with st.form(f"{key}_preference"):
        left, right = st.columns(2)
        kind = kind_labels[str(left.radio(t("Kind"), list(kind_labels), key=f"{key}_pref_kind"))]
        weight = right.number_input(
            t("Weight"),
            min_value=0.1,
            max_value=1000.0,
            value=1.0,
            step=1.0,
            help=t("Charged for each day the preference is not honoured."),
            key=f"{key}_pref_weight",
        )
        names = {t(WEEKDAYS[d]): d for d in range(7)}
        picked = left.multiselect(
            t("Weekdays"), list(names), placeholder=t("Pick weekdays"), key=f"{key}_pref_weekdays"
        )
        dates_text = right.text_input(
            t("Dates (YYYY-MM-DD, separated by commas)"), key=f"{key}_pref_dates"
        )
        st.caption(t("No weekday and no date: every day."))
        earliest = left.time_input(
            t("Earliest start"), value=None, step=900, key=f"{key}_pref_earliest"
        )
        latest = right.time_input(t("Latest start"), value=None, step=900, key=f"{key}_pref_latest")
        st.caption(t("A start window is for the kind start between only."))
        evenings = left.number_input(
            t("Evening shifts at most"),
            min_value=0,
            max_value=7,
            value=DEFAULT_MAX_EVENINGS,
            step=1,
            key=f"{key}_pref_evenings",
        )
        evening_from = right.time_input(
            t("Evening shifts end after"), value=None, step=900, key=f"{key}_pref_evening_from"
        )
        st.caption(
            t(
                "For the kind at most so many evenings only: each evening shift of the week "
                "above the number is charged the weight. Empty time: {time}.",
                time=f"{EVENING_FROM_LOCAL:%H:%M}",
            )
        )
        vto_hours = left.number_input(
            t("Unpaid hours a week at most"),
            min_value=0.5,
            max_value=60.0,
            value=DEFAULT_VTO_HOURS,
            step=0.5,
            key=f"{key}_pref_vto_hours",
        )
        st.caption(
            t(
                "For the kind voluntary time off only: the agent would work up to so many hours "
                "a week less than the contract's minimum, unpaid, in the weeks holding the "
                "picked days; the roster takes them where they are worth less than the wage. "
                "The weight is not used."
            )
        )
        sent = st.form_submit_button(what)
    if not sent:
        return
    try:
        dates = _parse_dates(str(dates_text))
    except ValueError as exc:
        st.error(t("{part} is not a date; write YYYY-MM-DD.", part=str(exc)))
        return
    made: dict[str, Any] = {
        "kind": kind,
        "weight": float(weight),
        "weekdays": sorted(names[str(p)] for p in picked),
        "dates": dates,
    }
    if kind == "max_evenings":
        made["max_evening_shifts"] = int(evenings)
        bounds = [("evening_from_local", evening_from)]
    elif kind == "voluntary_time_off":
        made["vto_hours_max"] = float(vto_hours)
        bounds = []
    else:
        bounds = [("earliest_start_local", earliest), ("latest_start_local", latest)]
    for bound, value in bounds:
        if isinstance(value, time):
            made[bound] = f"{value:%H:%M}"
    done = t("The preference is added: {preference}.", preference=preference_text(made))
    _store_preferences(api, agent_code, [*map(_as_body, current), made], what, done)


def _remove_preferences(
    api: ApiClient, agent_code: str | None, current: list[dict[str, Any]], key: str
) -> None:
    labels = {i: preference_text(p) for i, p in enumerate(current)}
    chosen = st.multiselect(
        t("Preferences to remove"),
        list(labels),
        format_func=labels.__getitem__,
        placeholder=t("Pick preferences"),
        key=f"{key}_pref_remove",
    )
    what = t("Remove the picked preferences")
    if st.button(what, key=f"{key}_pref_remove_send", disabled=not chosen):
        kept = [_as_body(p) for i, p in enumerate(current) if i not in set(chosen)]
        done = t("{count} preferences removed.", count=len(chosen))
        _store_preferences(api, agent_code, kept, what, done)


def edit_availability_and_preferences(
    api: ApiClient, agent_code: str | None, *, key: str, may_write: bool = True
) -> None:
    """The agent's availability and preferences, read from the API, with the forms that
    replace them when `may_write` (`agent_code` None: the token's own agent). `key` keeps each
    agent's fields apart."""
    said = st.session_state.pop(FLASH_KEY, None)
    if said:
        st.success(said)
    windows = api.availability(agent_code)
    preferences = api.preferences(agent_code)
    st.markdown(f"**{t('Availability')}**")
    if windows:
        st.dataframe(_availability_table(windows), hide_index=True, width="stretch")
    else:
        st.caption(t("No availability windows: available at any time."))
    if may_write:
        _availability_form(api, agent_code, windows, key)
    st.markdown(f"**{t('Preferences')}**")
    if preferences:
        st.dataframe(
            pd.DataFrame({t("Preference"): [preference_text(p) for p in preferences]}),
            hide_index=True,
            width="stretch",
        )
    else:
        st.caption(t("No preferences."))
    if may_write:
        if preferences:
            _remove_preferences(api, agent_code, preferences, key)
        _add_preference_form(api, agent_code, preferences, key)


# --- the planner's view: any agent of the site, and what the week's roster left unhonoured ----


def agent_label(agent: dict[str, Any]) -> str:
    """ "A012 · Li Na · Team 2" (the team, else the queue skills)."""
    team = agent.get("team") or " + ".join(sorted(agent.get("queue_skills") or [])) or "-"
    return f"{agent['code']} · {agent['name']} · {team}"


def show_agent_preferences(api: ApiClient, agents: list[dict[str, Any]], may_write: bool) -> None:
    """Pick an agent of the site (by code, name or team) and show or edit theirs."""
    active = sorted((a for a in agents if a.get("active", True)), key=lambda a: a["code"])
    if not active:
        st.info(t("No agent at this site."))
        return
    labels = {a["code"]: agent_label(a) for a in active}
    code = st.selectbox(
        t("Agent"),
        list(labels),
        format_func=labels.__getitem__,
        key="prefs_agent",
        help=t("Type a code, a name or a team to find the agent."),
    )
    edit_availability_and_preferences(api, str(code), key=f"prefs_{code}", may_write=may_write)


def show_preference_report(
    schedule: dict[str, Any] | None, evaluation: dict[str, Any] | None
) -> None:
    """How the shown week's schedule keeps the agents' preferences, from its evaluation (the
    one the API gives, recomputed for any version): the days asked and honoured, and the weight
    of those broken, and the voluntary time off it takes."""
    if schedule is None or evaluation is None:
        st.caption(t("No schedule for this week: nothing to report on preferences."))
        return
    vto_hours = float(evaluation.get("voluntary_time_off_hours") or 0.0)
    if vto_hours > 0:
        st.caption(
            t(
                "Schedule version {version} takes {hours} unpaid hours of voluntary time off "
                "that agents offered.",
                version=schedule["version"],
                hours=fmt_number(vto_hours, 1),
            )
        )
    asked = int(evaluation.get("preference_days_asked") or 0)
    honoured = int(evaluation.get("preference_days_honoured") or 0)
    if asked == 0:
        st.caption(
            t(
                "No agent's preference asks anything of schedule version {version}.",
                version=schedule["version"],
            )
        )
        return
    a, b = st.columns(2)
    a.metric(
        t("Preferences honoured"),
        fmt_percent(honoured / asked),
        help=t(
            "Counted a day at a time: each day a day-off or work-day preference covers, and "
            "each worked day a start window covers."
        ),
    )
    b.metric(
        t("Preferences not honoured (weight)"),
        fmt_number(float(evaluation.get("preference_penalty") or 0.0), 1),
        help=t("Each day a preference is not honoured adds its weight."),
    )
    st.caption(
        t(
            "Schedule version {version} honours {honoured} of {asked} preference days.",
            version=schedule["version"],
            honoured=fmt_number(honoured, 0),
            asked=fmt_number(asked, 0),
        )
    )
