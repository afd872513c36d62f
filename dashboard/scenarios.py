"""What-if scenarios, for the planner: the site's scenarios (`GET /v1/scenarios?site=`) with
their job's status, and the latest solved one side by side: a column per week (the base and each
variant), a row per figure, the difference to the base beside each variant's; and a form that
asks a new one (`POST /v1/scenarios`: up to five variants of the shown week, each changing
volume, handle time, targets, headcount, unplanned shrinkage, seats, the campaigns' selling
value, the shift lengths or the rest between shifts), solved by the worker as one job.
Bilingual (`dashboard.i18n`)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.client import ApiClient, ApiError
from dashboard.common import forget_cached_reads, show_api_error
from dashboard.i18n import N_, fmt_date, t
from dashboard.self_service import flash

FIGURES = {
    "answer_rate": N_("Answer rate"),
    "service_level": N_("Service level"),
    "outbound_value": N_("Sales"),
    "paid_hours": N_("Paid hours"),
    "hours_short": N_("Hours short"),
    "agents": N_("Agents rostered"),
    "labour_cost": N_("Labour cost"),
    "cost_per_answered_contact": N_("Cost per answered contact"),
    "sales_per_paid_hour": N_("Sales per paid hour"),
}
RATES = ("answer_rate", "service_level")
JOB_STATUS = {  # a job's states, as the planner page says them
    "queued": N_("queued"),
    "running": N_("running"),
    "succeeded": N_("succeeded"),
    "failed": N_("failed"),
    "cancelled": N_("cancelled"),
}
VARIANT_ROWS = 5


def _shown(name: str, value: Any, *, signed: bool = False) -> str:
    if value is None:
        return "-"
    sign = "+" if signed and value >= 0 else ""
    if name in RATES:
        return f"{sign}{100 * value:.1f}%"
    return f"{sign}{value:,.1f}" if name != "agents" else f"{sign}{value:.0f}"


def comparison_table(comparison: dict[str, Any]) -> pd.DataFrame:
    """A row per figure; the base's column, then per variant its figure and its difference."""
    weeks = [comparison["base"], *comparison["variants"]]
    rows = []
    for name, label in FIGURES.items():
        row = {t("Figure"): t(label)}
        for week in weeks:
            title = t("Base") if week is comparison["base"] else week["name"]
            figures = week.get("figures") or {}
            row[title] = _shown(name, figures.get(name))
            if week is not comparison["base"]:
                delta = (week.get("difference") or {}).get(name)
                row[t("{variant} vs base", variant=week["name"])] = _shown(name, delta, signed=True)
        rows.append(row)
    return pd.DataFrame(rows)


def _variant_inputs(row: int, skills: list[str]) -> dict[str, Any]:
    """A variant's two lines of fields: zero or empty leaves a figure as the base has it."""
    with st.container(border=True):
        cells = st.columns([3, 2, 2, 2, 2])
        found = {
            "name": cells[0].text_input(t("Variant name"), key=f"scenario_name_{row}"),
            "volume_percent": cells[1].number_input(
                t("Volume %"), -90, 300, 0, step=5, key=f"scenario_volume_{row}"
            ),
            "aht_percent": cells[2].number_input(
                t("Handle time %"), -90, 300, 0, step=5, key=f"scenario_aht_{row}"
            ),
            "answer_rate": cells[3].number_input(
                t("Answer-rate target %"), 0, 100, 0, key=f"scenario_target_{row}"
            ),
            "service_level": cells[4].number_input(
                t("Service-level target %"), 0, 100, 0, key=f"scenario_sl_{row}"
            ),
        }
        cells = st.columns([2, 3, 2, 2, 2])
        found |= {
            "agents": cells[0].number_input(
                t("Agents added"), -500, 500, 0, key=f"scenario_agents_{row}"
            ),
            "skill": cells[1].selectbox(t("With skill"), skills, key=f"scenario_skill_{row}"),
            "shrinkage": cells[2].number_input(
                t("Unplanned shrinkage % (empty: the site's)"),
                0.0,
                90.0,
                None,
                step=1.0,
                key=f"scenario_shrinkage_{row}",
            ),
            "seats": cells[3].number_input(
                t("Seats (empty: the site's)"), 1, 100_000, None, key=f"scenario_seats_{row}"
            ),
            "selling_value": cells[4].number_input(
                t("Selling value %"), -100, 500, 0, step=5, key=f"scenario_selling_{row}"
            ),
        }
        cells = st.columns([3, 2, 6])
        found |= {
            "lengths": cells[0].text_input(
                t("Shift lengths, min (empty: the week's rules)"),
                placeholder="360, 480",
                key=f"scenario_lengths_{row}",
            ),
            "rest": cells[1].number_input(
                t("Rest between shifts, h (empty: the week's rules)"),
                0.0,
                48.0,
                None,
                step=1.0,
                key=f"scenario_rest_{row}",
            ),
        }
    return found


def _lengths(text: str, variant: str) -> list[int]:
    """Shift lengths typed as whole minutes separated by commas; ValueError naming the variant
    and the part that is not one."""
    lengths = []
    for part in (p.strip() for p in text.replace("，", ",").split(",") if p.strip()):
        if not part.isdigit():
            raise ValueError(
                t(
                    "{variant}: {part} is not a shift length; write whole minutes separated by "
                    "commas.",
                    variant=variant,
                    part=part,
                )
            )
        lengths.append(int(part))
    return lengths


def _changes(row: dict[str, Any], campaigns: list[str]) -> dict[str, Any]:
    """A form row as the API's `changes`: only what the row changes (a selling-value change
    applies to every campaign)."""
    changes: dict[str, Any] = {}
    if row["volume_percent"]:
        changes["volume_percent"] = int(row["volume_percent"])
    if row["aht_percent"]:
        changes["aht_percent"] = int(row["aht_percent"])
    if row["answer_rate"]:
        changes["answer_rate_target"] = round(int(row["answer_rate"]) / 100, 2)
    if row["service_level"]:
        changes["service_level_target"] = round(int(row["service_level"]) / 100, 2)
    if row["agents"] and row["skill"]:
        changes["headcount"] = [{"skill": row["skill"], "agents": int(row["agents"])}]
    if row["shrinkage"] is not None:
        changes["unplanned_shrinkage"] = round(float(row["shrinkage"]) / 100, 4)
    if row["seats"] is not None:
        changes["seats"] = int(row["seats"])
    if row["selling_value"] and campaigns:
        changes["campaigns"] = {
            code: {"value_percent": int(row["selling_value"])} for code in campaigns
        }
    rules: dict[str, Any] = {}
    lengths = _lengths(str(row.get("lengths") or ""), str(row["name"]).strip())
    if lengths:
        rules["shift_lengths_minutes"] = lengths
    if row.get("rest") is not None:
        rules["min_rest_hours"] = float(row["rest"])
    if rules:
        changes["rules"] = rules
    return changes


def scenario_form(
    client: ApiClient, site: str, week: date, queues: list[str], campaigns: list[str]
) -> None:
    """Ask a new scenario of `week`: its name and up to five variants (headcount by a queue's
    or a campaign's skill; a selling-value change applies to every campaign)."""
    with st.form("scenario_new"):
        left, right = st.columns([3, 1])
        name = left.text_input(t("Scenario name"), key="scenario_new_name")
        seconds = right.number_input(
            t("Seconds per solve"), 5, 600, 20, step=5, key="scenario_new_seconds"
        )
        st.caption(
            t(
                "The week of {week}. Each variant changes the base week; rows without a name are "
                "left out, zero means unchanged.",
                week=fmt_date(week),
            )
        )
        rows = [_variant_inputs(row, [*queues, *campaigns]) for row in range(VARIANT_ROWS)]
        sent = st.form_submit_button(t("Run the scenario"))
    if not sent:
        return
    try:
        variants = [
            {"name": row["name"].strip(), "changes": _changes(row, campaigns)}
            for row in rows
            if row["name"].strip()
        ]
    except ValueError as exc:
        st.error(str(exc))
        return
    if not name.strip() or not variants:
        st.error(t("Give the scenario a name and at least one named variant."))
        return
    unchanged = [v["name"] for v in variants if not v["changes"]]
    if unchanged:
        st.error(t("Say what {variant} changes.", variant=", ".join(unchanged)))
        return
    body = {
        "name": name.strip(),
        "site": site,
        "week_start": week.isoformat(),
        "time_limit_seconds": int(seconds),
        "variants": variants,
    }
    try:
        client.post("/scenarios", body)
    except ApiError as exc:
        show_api_error(exc, t("Run the scenario"))
        return
    flash(
        "success",
        t("{name} is queued: the worker solves the base and each variant.", name=name.strip()),
    )
    forget_cached_reads()
    st.rerun()


def show_scenarios(client: ApiClient, site: str) -> None:
    """The site's scenarios and the latest solved one's comparison."""
    scenarios = client.scenarios(site)
    if not scenarios:
        st.info(
            t("No scenarios yet: ask one below, post one to /v1/scenarios or run wfm scenario run.")
        )
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("Scenario"): s["name"],
                    t("Week"): fmt_date(s["week_start"]),
                    t("Variants"): len(s["document"].get("variants", [])),
                    t("Status"): t(JOB_STATUS.get(s["status"]) or str(s["status"])),
                    t("Progress"): f"{100 * s['progress']:.0f}%",
                }
                for s in scenarios
            ]
        ),
        hide_index=True,
    )
    solved = [s for s in scenarios if s.get("comparison")]
    if not solved:
        return
    latest = solved[0]
    st.caption(
        t(
            "{name}, week of {week}: each variant beside the base, solved the same way.",
            name=latest["name"],
            week=fmt_date(latest["week_start"]),
        )
    )
    st.dataframe(comparison_table(latest["comparison"]), hide_index=True)
    figures = latest["comparison"]["base"].get("figures") or {}
    if figures.get("labour_cost") is None:
        st.caption(t("Labour cost: none, the site's rules for the week set no wages."))
