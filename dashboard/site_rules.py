"""The site's roster rules on the Rules and plans page: the version valid for the shown week
(start grid, shift lengths, the site's hours, rest, days in a row, days off, fairness and the
objective's weights, breaks, wages and premiums) with
the site's seats and unplanned shrinkage; and, for planners who may write, a form that stores a
new version from a chosen week (`PUT /v1/sites/{code}/rules`: the API checks it against every
contract of the site and names each field it refuses, nothing stored) and one for the seats and
shrinkage (`PATCH /v1/sites/{code}`). A new version starts from the shown one: what the form does
not change is kept. Texts from the `planner` catalogue."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.client import ApiClient, ApiError
from dashboard.common import forget_cached_reads, refusal_lines, show_api_error
from dashboard.i18n import N_, WEEKDAYS, fmt_date, fmt_number, fmt_percent, t, weekday_names
from dashboard.roster_week import ACTIVITY_NAMES
from dashboard.self_service import flash
from wfm.domain.labour_cost import PREMIUM_KINDS

# what a GET answers that a PUT does not take: the version's identity and what its weeks use
NOT_RULES = (
    "site",
    "version",
    "valid_from",
    "note",
    "created_at_utc",
    "seats_used",
    "seats_source",
    "unplanned_shrinkage_used",
    "unplanned_shrinkage_source",
)
SOURCES = {"rules": N_("these weeks' rules"), "site": N_("the site's setting")}

BREAK_COLUMNS = {
    "kind": N_("Kind"),
    "minutes": N_("Minutes"),
    "earliest_start_after_shift_start_minutes": N_("Earliest start (min into the shift)"),
    "latest_start_after_shift_start_minutes": N_("Latest start (min into the shift)"),
    "min_shift_minutes": N_("Shifts from (min)"),
    "max_shift_minutes": N_("Shifts up to (min)"),
    "paid": N_("Paid"),
}
WAGE_COLUMNS = {
    "contract": N_("Contract"),
    "hourly_rate": N_("Hourly rate"),
    "overtime_after_weekly_paid_hours": N_("Overtime after (h a week)"),
    "overtime_multiplier": N_("Overtime multiplier"),
}
PREMIUM_COLUMNS = {
    "kind": N_("Kind"),
    "start_local": N_("From (HH:MM)"),
    "end_local": N_("To (HH:MM)"),
    "weekdays": N_("Days (0 = Mon)"),
    "multiplier": N_("Multiplier"),
    "extra_per_hour": N_("Extra per hour"),
    "contracts": N_("Contracts (empty: all)"),
}
# the objective's weights: field -> (label, what the optimizer uses when none is set)
WEIGHTS = {
    "fairness_weight_per_shift": (
        N_("Fairness: charge per unpopular shift of the agent with most"),
        N_("5 (the standard)"),
    ),
    "under_target_penalty_per_agent_hour": (
        N_("Penalty per agent-hour a queue is under target"),
        N_("twice the best selling value of an hour, at least 50 (the standard)"),
    ),
    "contract_shortfall_penalty_per_hour": (
        N_("Penalty per paid hour below a contract"),
        N_("1,000 (the standard)"),
    ),
    "campaign_shortfall_penalty_per_hour": (
        N_("Penalty per hour below a campaign's minimum"),
        N_("500 (the standard)"),
    ),
}
NONE = "-"


def _clock(value: Any) -> str:
    return str(value)[:5] if value else NONE


def _hours_text(rules: dict[str, Any]) -> str:
    if not rules.get("earliest_start_local"):
        return t("the contracts' own")
    return t(
        "{start} to {end}",
        start=_clock(rules["earliest_start_local"]),
        end=_clock(rules["latest_end_local"]),
    )


def _summary(rules: dict[str, Any]) -> pd.DataFrame:
    lengths = rules.get("shift_lengths_minutes")
    seats = rules.get("seats_used")
    seats_from = t(SOURCES[rules["seats_source"]])
    shrinkage_from = t(SOURCES[rules["unplanned_shrinkage_source"]])
    rows = [
        (t("Shifts start every"), t("{minutes} min", minutes=rules["start_step_minutes"])),
        (
            t("Shift lengths"),
            ", ".join(t("{minutes} min", minutes=m) for m in lengths)
            if lengths
            else t("the contracts' own"),
        ),
        (t("Site hours"), _hours_text(rules)),
        (
            t("Least rest between shifts"),
            _or_none(rules.get("min_rest_hours"), lambda v: t("{hours} h", hours=fmt_number(v, 1))),
        ),
        (t("Most working days in a row"), _or_none(rules.get("max_consecutive_days"), str)),
        (t("Days off in a row"), _or_none(rules.get("min_consecutive_days_off"), str)),
        (t("Seats"), f"{seats if seats else t('unlimited')} ({seats_from})"),
        (
            t("Unplanned shrinkage"),
            f"{fmt_percent(rules['unplanned_shrinkage_used'], 1)} ({shrinkage_from})",
        ),
        (
            t("Weekend days (unpopular)"),
            weekday_names(rules["weekend_weekdays"])
            if rules.get("weekend_weekdays") is not None
            else t("{days} (the standard)", days=weekday_names([5, 6])),
        ),
        (t("Late start from"), _clock(rules.get("late_start_from_local"))),
    ]
    for field, (label, standard) in WEIGHTS.items():
        value = rules.get(field)
        rows.append((t(label), t(standard) if value is None else fmt_number(float(value), 2)))
    return pd.DataFrame(rows, columns=[t("Rule"), t("Value")])


def _or_none(value: Any, said: Callable[[Any], str]) -> str:
    return t("the contracts' own") if value is None else said(value)


def _table(rows: list[dict[str, Any]], columns: dict[str, str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(columns))
    return frame.rename(columns={k: t(v) for k, v in columns.items()})


def _break_view(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The break rules as read: kinds in the reader's language, an open end as "-"."""
    shown = [
        {
            **row,
            "kind": t(ACTIVITY_NAMES.get(str(row["kind"]), str(row["kind"]))),
            "max_shift_minutes": NONE
            if row.get("max_shift_minutes") is None
            else str(row["max_shift_minutes"]),
        }
        for row in rows
    ]
    return _table(shown, BREAK_COLUMNS)


def _untable(frame: pd.DataFrame, columns: dict[str, str]) -> list[dict[str, Any]]:
    """An edited table back as the API's rows: blank rows left out, blanks as null."""
    frame = frame.rename(columns={t(v): k for k, v in columns.items()})
    rows = []
    for record in frame.to_dict("records"):
        row = {k: (None if pd.isna(v) else v) for k, v in record.items() if k in columns}
        if any(v not in (None, "") for v in row.values()):
            rows.append(row)
    return rows


def _whole(value: Any) -> Any:
    """Numbers an editor returns as floats, as the API's whole numbers where they are whole."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def premium_view(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The premiums as read and edited: times as HH:MM, days and contracts as lists in text."""
    shown = [
        {
            **row,
            "start_local": _clock(row.get("start_local")),
            "end_local": _clock(row.get("end_local")),
            "weekdays": ",".join(str(d) for d in row.get("weekdays") or []),
            "contracts": ", ".join(row.get("contracts") or []),
        }
        for row in rows
    ]
    return _table(shown, PREMIUM_COLUMNS)


def premium_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The edited premiums as the API's rows (ValueError naming a cell it cannot read)."""
    rows = []
    for n, row in enumerate(_untable(frame, PREMIUM_COLUMNS), start=1):
        where = t("Premiums, row {row}", row=n)
        days = str(row.get("weekdays") or "").replace("，", ",")
        try:
            weekdays = [int(part) for part in days.split(",") if part.strip()]
        except ValueError:
            raise ValueError(t("{field}: days as numbers, 0 = Monday: 5,6", field=where)) from None
        contracts = [c.strip() for c in str(row.get("contracts") or "").split(",") if c.strip()]
        rows.append(
            {
                "kind": str(row.get("kind") or "").strip(),
                "start_local": _parse_clock(str(row.get("start_local") or ""), where),
                "end_local": _parse_clock(str(row.get("end_local") or ""), where),
                "weekdays": weekdays or [0, 1, 2, 3, 4, 5, 6],
                "multiplier": _whole(row.get("multiplier") or 1.0),
                "extra_per_hour": _whole(row.get("extra_per_hour") or 0.0),
                "contracts": contracts or None,
            }
        )
    return rows


def _weight(text: str, label: str) -> float | None:
    """A weight typed in a field: empty is the standard (None)."""
    text = text.strip().replace(",", "")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise ValueError(
            t("{field}: a number, or empty for the standard", field=t(label))
        ) from None


def _parse_clock(text: str, field: str) -> str | None:
    text = text.strip()
    if not text:
        return None
    try:
        return time.fromisoformat(text).strftime("%H:%M")
    except ValueError:
        raise ValueError(t("{field}: write a time as HH:MM", field=field)) from None


def _fairness_and_premium_inputs(rules: dict[str, Any], cost: dict[str, Any]) -> dict[str, Any]:
    """The form's premiums table, weekend days, late start and the objective's weights."""
    st.caption(t("Premiums on the hourly rate (evening, night, weekend, holiday, other)"))
    premiums = st.data_editor(
        premium_view(cost.get("premiums") or []),
        num_rows="dynamic",
        hide_index=True,
        key="rules_premiums",
        column_config={
            t(PREMIUM_COLUMNS["kind"]): st.column_config.SelectboxColumn(
                options=list(PREMIUM_KINDS)
            ),
        },
    )
    st.caption(t("Fairness and the roster's weights (empty: the standard)"))
    standard_weekend = rules.get("weekend_weekdays")
    left, right = st.columns(2)
    weekend = left.multiselect(
        t("Weekend days (unpopular)"),
        list(range(7)),
        default=[5, 6] if standard_weekend is None else standard_weekend,
        format_func={d: t(WEEKDAYS[d]) for d in range(7)}.__getitem__,
        key="rules_weekend",
    )
    late = right.text_input(
        t("Late start from (HH:MM; empty: none)"),
        _clock(rules.get("late_start_from_local")).replace(NONE, ""),
        key="rules_late",
    )
    typed: dict[str, str] = {}
    columns = st.columns(len(WEIGHTS))
    for column, (field, (label, _standard)) in zip(columns, WEIGHTS.items(), strict=True):
        value = rules.get(field)
        typed[field] = column.text_input(
            t(label), "" if value is None else str(value), key=f"rules_{field}"
        )
    return {"premiums": premiums, "weekend": weekend, "late": late, "typed": typed}


def _fairness_and_premiums(
    body: dict[str, Any], rules: dict[str, Any], extra: dict[str, Any]
) -> list[dict[str, Any]]:
    """Set the weekend days, late start and weights of `extra` (the form's) in `body`; the
    premiums as the API's rows. ValueError naming what cannot be read."""
    body["late_start_from_local"] = _parse_clock(extra["late"], t("Late start from"))
    for field, (label, _standard) in WEIGHTS.items():
        body[field] = _weight(extra["typed"][field], label)
    # the standard weekend kept as the standard when the form leaves it as it is
    weekend = sorted(int(d) for d in extra["weekend"])
    if rules.get("weekend_weekdays") is not None or weekend != [5, 6]:
        body["weekend_weekdays"] = weekend
    return premium_rows(extra["premiums"])


def _own_settings(rules: dict[str, Any]) -> dict[str, Any]:
    """The version's own seats and unplanned shrinkage (inside the form), as the body takes
    them: None where left empty, so the site's settings hold."""
    left, middle, _ = st.columns(3)
    seats = left.number_input(
        t("Seats of these weeks (empty: the site's)"),
        1,
        100_000,
        rules.get("seats"),
        key="rules_own_seats",
    )
    shrinkage = middle.number_input(
        t("Unplanned shrinkage of these weeks (%; empty: the site's)"),
        0.0,
        90.0,
        None
        if rules.get("unplanned_shrinkage") is None
        else round(100 * float(rules["unplanned_shrinkage"]), 1),
        step=0.5,
        key="rules_own_shrinkage",
    )
    return {
        "seats": None if seats is None else int(seats),
        "unplanned_shrinkage": None if shrinkage is None else round(float(shrinkage) / 100, 4),
    }


def _new_version(rules: dict[str, Any], week: date) -> dict[str, Any] | None:
    """The form; the body of the new version, or None when not sent (or wrong, said)."""
    with st.form("rules_new_version"):
        left, middle, right = st.columns(3)
        valid_from = left.date_input(t("Valid from the week of"), value=week, key="rules_from")
        step = middle.selectbox(
            t("Shifts start every (min)"),
            [15, 30, 45, 60],
            index=[15, 30, 45, 60].index(rules["start_step_minutes"])
            if rules["start_step_minutes"] in (15, 30, 45, 60)
            else 1,
            key="rules_step",
        )
        lengths = right.text_input(
            t("Shift lengths (min, comma separated; empty: the contracts' own)"),
            ", ".join(str(m) for m in rules.get("shift_lengths_minutes") or []),
            key="rules_lengths",
        )
        left, middle, right = st.columns(3)
        opens = left.text_input(
            t("Site opens (HH:MM; empty: no limit)"),
            _clock(rules.get("earliest_start_local")).replace(NONE, ""),
            key="rules_opens",
        )
        closes = middle.text_input(
            t("Site closes (HH:MM)"),
            _clock(rules.get("latest_end_local")).replace(NONE, ""),
            key="rules_closes",
        )
        rest = right.number_input(
            t("Least rest between shifts (h; 0: the contracts' own)"),
            0.0,
            48.0,
            float(rules.get("min_rest_hours") or 0),
            step=0.5,
            key="rules_rest",
        )
        left, middle, right = st.columns(3)
        in_a_row = left.number_input(
            t("Most working days in a row (0: the contracts' own)"),
            0,
            14,
            int(rules.get("max_consecutive_days") or 0),
            key="rules_days",
        )
        off = middle.number_input(
            t("Days off in a row (0: none required)"),
            0,
            7,
            int(rules.get("min_consecutive_days_off") or 0),
            key="rules_off",
        )
        note = right.text_input(t("Why (for the planners)"), key="rules_note", max_chars=2000)
        own = _own_settings(rules)
        st.caption(t("Breaks and lunches"))
        breaks = st.data_editor(
            _table(rules.get("breaks") or [], BREAK_COLUMNS),
            num_rows="dynamic",
            hide_index=True,
            key="rules_breaks",
        )
        st.caption(t("Wages per contract (empty: the roster is not priced)"))
        cost = rules.get("labour_cost") or {}
        wages = st.data_editor(
            _table(cost.get("wages") or [], WAGE_COLUMNS),
            num_rows="dynamic",
            hide_index=True,
            key="rules_wages",
        )
        extra = _fairness_and_premium_inputs(rules, cost)
        sent = st.form_submit_button(t("Store as a new version"))
    if not sent or not isinstance(valid_from, date):
        return None
    body = {k: v for k, v in rules.items() if k not in NOT_RULES}
    try:
        body["shift_lengths_minutes"] = [
            int(part) for part in lengths.replace("，", ",").split(",") if part.strip()
        ] or None
        body["earliest_start_local"] = _parse_clock(opens, t("Site opens"))
        body["latest_end_local"] = _parse_clock(closes, t("Site closes"))
        surcharges = _fairness_and_premiums(body, rules, extra)
    except ValueError as exc:
        st.error(str(exc))
        return None
    body["start_step_minutes"] = int(step)
    body["min_rest_hours"] = float(rest) or None
    body["max_consecutive_days"] = int(in_a_row) or None
    body["min_consecutive_days_off"] = int(off) or None
    body |= own
    body["breaks"] = [
        {k: _whole(v) for k, v in row.items() if v is not None or k == "max_shift_minutes"}
        for row in _untable(breaks, BREAK_COLUMNS)
    ]
    priced = [
        {k: _whole(v) for k, v in row.items() if v is not None}
        for row in _untable(wages, WAGE_COLUMNS)
    ]
    body["labour_cost"] = (
        {"wages": priced, "premiums": surcharges} if priced or surcharges else None
    )
    return {**body, "valid_from": valid_from.isoformat(), "note": note.strip()}


def _refused(exc: ApiError, what: str) -> None:
    if exc.kind == "invalid":  # each refused field on a line of its own
        st.error(
            t("{part}: nothing was stored.", part=what)
            + "\n\n"
            + "\n".join(f"- {line}" for line in refusal_lines(exc))
        )
    else:
        show_api_error(exc, what)


def _site_settings(client: ApiClient, site: str) -> None:
    """The site's own seats and unplanned shrinkage, which hold for every week whose rules
    version sets none."""
    settings = client.get(f"/sites/{site}")
    with st.form("rules_site_settings"):
        left, right = st.columns(2)
        seats = left.number_input(
            t("Seats (0: unlimited)"),
            0,
            100_000,
            int(settings.get("seats") or 0),
            key="rules_seats",
        )
        shrinkage = right.number_input(
            t("Unplanned shrinkage (%)"),
            0.0,
            90.0,
            round(100 * float(settings["unplanned_shrinkage"]), 1),
            step=0.5,
            key="rules_shrinkage",
        )
        st.caption(
            t(
                "The site's settings hold for every week whose rules version sets no seats or "
                "shrinkage of its own."
            )
        )
        sent = st.form_submit_button(t("Save the site's seats and shrinkage"))
    if not sent:
        return
    body = {"seats": int(seats) or None, "unplanned_shrinkage": round(float(shrinkage) / 100, 4)}
    try:
        client.patch(f"/sites/{site}", body)
    except ApiError as exc:
        _refused(exc, t("Save the site's seats and shrinkage"))
        return
    flash("success", t("The site's seats and unplanned shrinkage are saved."))
    forget_cached_reads()
    st.rerun()


def show_site_rules(client: ApiClient, site: str, week: date, can_write: bool) -> None:
    """The rules valid for `week`, and the forms that change them."""
    rules = client.site_rules(site, week)
    if rules.get("version") is None:
        st.caption(t("The standard rules: no version is stored for this site."))
    else:
        st.caption(
            t(
                "Version {version}, valid from the week of {day}. {note}",
                version=rules["version"],
                day=fmt_date(rules["valid_from"]),
                note=rules.get("note") or "",
            )
        )
    st.dataframe(_summary(rules), hide_index=True, width="stretch", height="content")
    st.dataframe(_break_view(rules.get("breaks") or []), hide_index=True)
    wages = (rules.get("labour_cost") or {}).get("wages") or []
    if wages:
        st.dataframe(_table(wages, WAGE_COLUMNS), hide_index=True)
    premiums = (rules.get("labour_cost") or {}).get("premiums") or []
    if premiums:
        st.dataframe(premium_view(premiums), hide_index=True)
    if not can_write:
        return
    # the forms are drawn only when asked for: the page stays light for reading
    if st.toggle(t("Change the rules"), key="rules_edit"):
        body = _new_version(rules, week)
        if body is not None:
            try:
                stored = client.put(f"/sites/{site}/rules", body)
            except ApiError as exc:
                _refused(exc, t("Store as a new version"))
            else:
                flash(
                    "success",
                    t(
                        "Version {version} is stored, valid from the week of {day}.",
                        version=stored["version"],
                        day=fmt_date(stored["valid_from"]),
                    ),
                )
                forget_cached_reads()
                st.rerun()
        _site_settings(client, site)
