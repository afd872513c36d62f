"""The site's calendar on the Rules and plans page: a year's public holidays and make-up working
days as the forecasts see them (the country's, with the site's own days over them, each saying
where it comes from), and for planners who may write, a table of the site's own days stored
whole (`PUT /v1/sites/{code}/calendar`: a date twice or a bad cell is refused, naming it, and
nothing is stored). Texts from the `planner` catalogue."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.client import ApiClient, ApiError
from dashboard.common import forget_cached_reads, refusal_lines, show_api_error
from dashboard.i18n import N_, fmt_date, t
from dashboard.self_service import flash

DAY_KINDS = {
    "holiday": N_("holiday"),
    "workday": N_("make-up working day"),
    "normal": N_("ordinary day"),
}
SOURCES = {"country": N_("country's calendar"), "site": N_("this site")}
COLUMNS = {"day": N_("Date (YYYY-MM-DD)"), "kind": N_("Kind"), "name": N_("Day's name")}
YEARS_SHOWN = 3  # this year and the next two


def year_table(year: dict[str, Any]) -> pd.DataFrame:
    """The year's days in words: date with weekday, kind, name and source."""
    return pd.DataFrame(
        [
            {
                t("Date"): fmt_date(d["day"], weekday=True),
                t("Kind"): t(DAY_KINDS.get(d["kind"], d["kind"])),
                t("Day's name"): d.get("name") or "",
                t("Source"): t(SOURCES.get(d["source"], d["source"])),
            }
            for d in year.get("days") or []
        ],
        columns=[t("Date"), t("Kind"), t("Day's name"), t("Source")],
    )


def own_days_view(days: list[dict[str, Any]]) -> pd.DataFrame:
    """The site's own days as the editor shows them (kinds in the reader's language)."""
    return pd.DataFrame(
        [
            {
                t(COLUMNS["day"]): str(d["day"]),
                t(COLUMNS["kind"]): t(DAY_KINDS[d["kind"]]),
                t(COLUMNS["name"]): d.get("name") or "",
            }
            for d in days
        ],
        columns=[t(label) for label in COLUMNS.values()],
    )


def own_days_body(table: pd.DataFrame) -> list[dict[str, Any]]:
    """The edited table as the API takes it; ValueError naming the row that is not a date or a
    kind. Empty rows are left out; duplicates are the API's to refuse."""
    kinds = {t(label): kind for kind, label in DAY_KINDS.items()}
    days: list[dict[str, Any]] = []
    for number, row in enumerate(table.to_dict("records"), start=1):
        cells = {key: row.get(t(label)) for key, label in COLUMNS.items()}
        text = "" if cells["day"] is None or pd.isna(cells["day"]) else str(cells["day"]).strip()
        if not text and not cells["kind"]:
            continue
        try:
            day = date.fromisoformat(text[:10])
        except ValueError:
            raise ValueError(
                t("Row {row}: {value} is not a date; write YYYY-MM-DD.", row=number, value=text)
            ) from None
        kind = kinds.get(str(cells["kind"] or ""))
        if kind is None:
            raise ValueError(t("Row {row}: pick a kind.", row=number))
        name = cells["name"]
        days.append(
            {
                "day": day.isoformat(),
                "kind": kind,
                "name": "" if name is None or pd.isna(name) else str(name).strip(),
            }
        )
    return days


def _editor(api: ApiClient, site: str, own: list[dict[str, Any]]) -> None:
    what = t("Store the site's calendar")
    with st.form("calendar_form"):
        st.caption(
            t(
                "The site's own days over its country's calendar: a holiday the country lacks, "
                "a make-up working day, or an ordinary day the country calls a holiday. "
                "Forecasts and capacity plans made from now on use them."
            )
        )
        edited = st.data_editor(
            own_days_view(own),
            num_rows="dynamic",
            hide_index=True,
            key="calendar_days",
            column_config={
                t(COLUMNS["kind"]): st.column_config.SelectboxColumn(
                    options=[t(label) for label in DAY_KINDS.values()]
                ),
            },
        )
        sent = st.form_submit_button(what)
    if not sent:
        return
    try:
        days = own_days_body(edited)
    except ValueError as exc:
        st.error(str(exc))
        return
    try:
        api.set_site_calendar(site, days)
    except ApiError as exc:
        show_api_error(exc, what)
        for line in refusal_lines(exc):
            st.error(line)
        st.error(t("{part}: nothing was saved.", part=what))
        return
    flash("success", t("The site's calendar is stored: {count} days.", count=len(days)))
    forget_cached_reads()
    st.rerun()


def show_site_calendar(api: ApiClient, site: str, today: date, may_write: bool) -> None:
    """A year's holidays and make-up working days, and the editor of the site's own days."""
    years = [today.year + i for i in range(YEARS_SHOWN)]
    year = int(st.selectbox(t("Year"), years, key="calendar_year"))
    shown = api.calendar_year(site, year)
    if shown.get("days"):
        st.dataframe(year_table(shown), hide_index=True, width="stretch")
    else:
        st.caption(t("No holiday and no make-up working day in {year}.", year=year))
    if not shown.get("country"):
        st.caption(t("The site names no country: only its own days count."))
    if may_write:
        _editor(api, site, api.site_calendar(site))
