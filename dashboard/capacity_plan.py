"""Capacity plans, for the planner: the site's plans (`GET /v1/capacity-plans?site=`) with their
job's status; the latest computed one (or the one picked) month by month: forecast contacts, FTE
needed, staff available, hires starting, cost, expected answer rate and shortfall, a chart of
need against staff, the assumptions it was computed with and its warnings; a second plan beside
it month by month with the difference; and a form that asks a new one (`POST
/v1/capacity-plans`: months, first month, attrition, growth, answer-rate target, hiring lead
time, training and nesting), computed by the worker as one job (`capacity_plan`).
Bilingual (`dashboard.i18n`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from dashboard.client import ApiClient, ApiError
from dashboard.common import forget_cached_reads, show_api_error
from dashboard.i18n import (
    MISSING,
    N_,
    fmt_date,
    fmt_datetime,
    fmt_money,
    fmt_month,
    fmt_number,
    fmt_percent,
    said,
    t,
)
from dashboard.scenarios import JOB_STATUS
from dashboard.self_service import flash

# a month's figures as the reader sees them (`plan.months[]` of GET /v1/capacity-plans/{id})
MONTH_COLUMNS = {
    "contacts": N_("Forecast contacts"),
    "aht_seconds": N_("Handle time (s)"),
    "fte_needed": N_("FTE needed"),
    "fte_productive": N_("Staff available (FTE)"),
    "hires_starting": N_("Hires starting"),
    "labour_cost": N_("Cost"),
    "answer_rate": N_("Expected answer rate"),
    "short_fte": N_("Shortfall (FTE)"),
}
COMPARED = ("fte_needed", "fte_productive", "hires_starting", "labour_cost", "answer_rate")
EFFICIENCY_SOURCES = {
    "rosters": N_("observed in the site's last {weeks} rostered weeks"),
    "given": N_("given with the plan"),
    "default": N_("the default: no roster stored to observe it in"),
}
COST_SOURCES = {
    "wages": N_("the contracts' wages in the site's roster rules"),
    "given": N_("given with the plan"),
    "none": N_("none: a contract has no wage in the site's rules"),
}
SHRINKAGE_SOURCES = {
    "site": N_("the site's setting"),
    "rules": N_("the latest site rules version's"),
}
START_MONTHS_AHEAD = 36  # months the form offers as a first month, from this one


def plan_name(plan: dict[str, Any]) -> str:
    return t("Plan {plan}", plan=plan["id"])


def _computed(plans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [p for p in plans if p["status"] == "succeeded" and p.get("plan")]


def _month_after(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _figure(name: str, value: Any, currency: str, *, signed: bool = False) -> str:
    """A month's figure as the tables show it ("-" where there is none); `signed`: a
    difference, "+" before a rise and no sign where it shows as nothing ("0.0", not "-0.0")."""
    if value is None:
        return MISSING
    if name == "answer_rate":
        text = fmt_percent(abs(value))
    elif name == "labour_cost":
        text = fmt_money(abs(value), currency, 0)
    elif name in ("contacts", "hires_starting", "aht_seconds"):
        text = fmt_number(abs(value))
    else:
        text = fmt_number(abs(value), 1)
    if not any(digit in text for digit in "123456789"):
        return text
    if value < 0:
        return "-" + text
    return "+" + text if signed else text


def _weeks(value: float) -> str:
    return t("{weeks} weeks", weeks=fmt_number(value, 0 if value == int(value) else 1))


def month_table(plan: dict[str, Any]) -> pd.DataFrame:
    """A row per month of a computed plan (`plan` as GET /v1/capacity-plans/{id} gives it)."""
    currency = str(plan["plan"].get("currency") or "CNY")
    return pd.DataFrame(
        [
            {
                t("Month"): fmt_month(month["month"]),
                **{
                    t(label): _figure(name, month.get(name), currency)
                    for name, label in MONTH_COLUMNS.items()
                },
            }
            for month in plan["plan"]["months"]
        ]
    )


def comparison_table(comparison: dict[str, Any], names: tuple[str, str]) -> pd.DataFrame:
    """The API's comparison of two plans (`GET /v1/capacity-plans/{id}/comparison`), month by
    month: each compared figure of the first, of the second, and the second's less the first's
    ("-" where a plan has no such month or figure)."""
    currency = str(comparison.get("currency") or "CNY")
    rows = []
    for month in comparison["months"]:
        row = {t("Month"): fmt_month(month["month"])}
        for name in COMPARED:
            label = t(MONTH_COLUMNS[name])
            figure = month["figures"][name]
            row[f"{label} · {names[0]}"] = _figure(name, figure["first"], currency)
            row[f"{label} · {names[1]}"] = _figure(name, figure["second"], currency)
            row[t("{figure} · difference", figure=label)] = _figure(
                name, figure["difference"], currency, signed=True
            )
        rows.append(row)
    return pd.DataFrame(rows)


def _need_chart(plan: dict[str, Any]) -> alt.Chart:
    """FTE needed against staff available (productive FTE), month by month."""
    need, staff = t(MONTH_COLUMNS["fte_needed"]), t(MONTH_COLUMNS["fte_productive"])
    months = [fmt_month(m["month"]) for m in plan["plan"]["months"]]
    data = pd.DataFrame(
        [
            {"month": label, "series": series, "fte": round(float(m[name]), 2)}
            for label, m in zip(months, plan["plan"]["months"], strict=True)
            for series, name in ((need, "fte_needed"), (staff, "fte_productive"))
        ]
    )
    return (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X("month:O", sort=months, title=t("Month")),
            y=alt.Y("fte:Q", title=t("FTE")),
            color=alt.Color(
                "series:N",
                title="",
                scale=alt.Scale(domain=[need, staff], range=["#d62728", "#1f77b4"]),
            ),
            tooltip=[
                alt.Tooltip("month:O", title=t("Month")),
                alt.Tooltip("series:N", title=""),
                alt.Tooltip("fte:Q", title=t("FTE"), format=".1f"),
            ],
        )
        .properties(height=280)
    )


def assumptions_table(plan: dict[str, Any]) -> pd.DataFrame:
    """The settings a computed plan used, and where those not given came from."""
    doc = plan["plan"]
    s, sources, staff = doc["settings"], doc.get("sources") or {}, doc.get("staff") or {}
    currency = str(doc.get("currency") or "CNY")
    target = s.get("answer_rate_target")
    growth = float(s["volume_growth_per_year"])
    efficiency_source = str(sources.get("rostering_efficiency") or "default")
    cost_source = str(sources.get("hourly_cost") or "none")
    rows = [
        (t("Monthly attrition"), fmt_percent(s["monthly_attrition"])),
        (
            t("Volume growth per year, on top of the forecast's trend"),
            ("+" if growth > 0 else "") + fmt_percent(growth),
        ),
        (
            t("Answer-rate target"),
            fmt_percent(target) if target is not None else t("each queue's own targets"),
        ),
        (
            t("Hiring lead time"),
            t(
                "{weeks}: the first hire starts on {day}",
                weeks=_weeks(s["recruiting_lead_weeks"]),
                day=fmt_date(doc["earliest_start"]),
            ),
        ),
        (t("Training"), _weeks(s["training_weeks"])),
        (
            t("Nesting"),
            t(
                "{weeks} at {share} productivity",
                weeks=_weeks(s["nesting_weeks"]),
                share=fmt_percent(s["nesting_productivity"], 0),
            ),
        ),
        (
            t("Rostering efficiency"),
            t(
                "{value}, {source}",
                value=fmt_percent(s["rostering_efficiency"]),
                source=t(
                    EFFICIENCY_SOURCES.get(efficiency_source) or efficiency_source,
                    weeks=sources.get("rostered_weeks", 0),
                ),
            ),
        ),
        (
            t("Unplanned shrinkage"),
            t(
                "{value}, {source}",
                value=fmt_percent(s["unplanned_shrinkage"]),
                source=t(SHRINKAGE_SOURCES.get(str(sources.get("unplanned_shrinkage")), "")),
            ),
        ),
        (t("Full-time week"), t("{hours} h", hours=fmt_number(s["full_time_weekly_hours"], 1))),
        (
            t("Hourly cost of today's agents"),
            t(COST_SOURCES["none"])
            if staff.get("hourly_cost") is None
            else t(
                "{value}, {source}",
                value=fmt_money(staff.get("hourly_cost"), currency, 2),
                source=t(COST_SOURCES.get(cost_source) or cost_source),
            ),
        ),
        (
            t("Staff today"),
            t(
                "{agents} agents, {fte} FTE",
                agents=fmt_number(staff.get("headcount")),
                fte=fmt_number(staff.get("fte"), 1),
            ),
        ),
    ]
    return pd.DataFrame(rows, columns=[t("Assumption"), t("Value")])


def _plans_table(plans: list[dict[str, Any]], timezone: str) -> pd.DataFrame:
    def first_month(p: dict[str, Any]) -> str:
        start = (p.get("plan") or {}).get("start_month") or p["inputs"].get("start_month")
        return fmt_month(start) if start else t("after the history")

    return pd.DataFrame(
        [
            {
                t("Plan"): plan_name(p),
                t("Asked"): fmt_datetime(p["created_at_utc"], timezone),
                t("First month"): first_month(p),
                t("Months"): p["inputs"].get("months"),
                t("Status"): t(JOB_STATUS.get(p["status"]) or str(p["status"])),
                t("Progress"): f"{100 * p['progress']:.0f}%",
                t("Hires"): fmt_number((p.get("plan") or {}).get("total_hires")),
                t("Message"): p.get("error") or p.get("message") or "",
            }
            for p in plans
        ]
    )


def _label(plan: dict[str, Any], timezone: str) -> str:
    months = plan["plan"]["months"]
    return t(
        "{plan}: {first} to {last}, asked {asked}",
        plan=plan_name(plan),
        first=fmt_month(months[0]["month"]) if months else "-",
        last=fmt_month(months[-1]["month"]) if months else "-",
        asked=fmt_datetime(plan["created_at_utc"], timezone),
    )


def show_plan(plan: dict[str, Any]) -> None:
    """A computed plan: its months, the chart of need against staff, assumptions, warnings."""
    doc = plan["plan"]
    st.dataframe(month_table(plan), hide_index=True, width="stretch")
    total = doc.get("total_labour_cost")
    st.caption(
        t(
            "Staff available: productive FTE (today's agents left after attrition, hires in "
            "training count nothing, nesting at their productivity). {hires} hires in all; "
            "cost {cost}. History until {day}.",
            hires=fmt_number(doc.get("total_hires")),
            cost=fmt_money(total, str(doc.get("currency") or "CNY"), 0)
            if total is not None
            else t("unknown (no wage)"),
            day=fmt_date(doc["history_until"]) if doc.get("history_until") else "-",
        )
    )
    st.altair_chart(_need_chart(plan), width="stretch")
    st.dataframe(assumptions_table(plan), hide_index=True)
    warnings = doc.get("warnings") or []
    if warnings:
        st.warning(
            t("The plan's warnings:") + "".join(f"\n- {said(warning)}" for warning in warnings)
        )


def show_capacity_plans(client: ApiClient, site: str, timezone: str) -> None:
    """The site's plans, the one shown (the latest computed by default) and a comparison."""
    plans = client.capacity_plans(site)
    if not plans:
        st.info(
            t(
                "No capacity plans yet: ask one below, post one to /v1/capacity-plans or run "
                "wfm capacity-plan."
            )
        )
        return
    st.dataframe(_plans_table(plans, timezone), hide_index=True)
    computed = _computed(plans)
    if not computed:
        st.caption(t("No plan computed yet: the worker computes each one as a job."))
        return
    by_id = {p["id"]: p for p in computed}
    labels = {p["id"]: _label(p, timezone) for p in computed}  # in this run's language
    shown_id = st.selectbox(
        t("Plan shown"), list(by_id), index=0, format_func=labels.__getitem__, key="capacity_shown"
    )
    shown = by_id[shown_id]
    show_plan(shown)
    others = [pid for pid in by_id if pid != shown_id]
    if not others:
        return
    other_id = st.selectbox(
        t("Compare with"),
        others,
        index=None,
        placeholder=t("Pick a second plan"),
        format_func=labels.__getitem__,
        key="capacity_compare",
    )
    if other_id is None:
        return
    compared = client.capacity_plan_comparison(shown_id, other_id)
    names = (plan_name(shown), plan_name(by_id[other_id]))
    st.dataframe(comparison_table(compared, names), hide_index=True, width="stretch")
    st.caption(
        t(
            "Month by month, {first} beside {second}; the difference is {second} less {first} "
            "(answer rate in percentage points).",
            first=plan_name(shown),
            second=plan_name(by_id[other_id]),
        )
    )


def _percent(value: float) -> float:
    """A percentage typed on the form as the API's fraction."""
    return round(float(value) / 100.0, 6)


def capacity_form(client: ApiClient, site: str, track_job: Callable[[str], None]) -> None:
    """Ask a new plan of the site with the scenario knobs; `track_job` follows its job."""
    today = date.today()
    starts: list[date | None] = [
        None,
        *(_month_after(today, k) for k in range(START_MONTHS_AHEAD + 1)),
    ]
    start_labels = {
        d: t("The month after the history ends") if d is None else fmt_month(d) for d in starts
    }
    with st.form("capacity_new"):
        a, b, c, d = st.columns(4)
        months = a.number_input(t("Months"), 1, 18, 12, key="capacity_new_months")
        start = b.selectbox(
            t("First month"), starts, format_func=start_labels.__getitem__, key="capacity_new_start"
        )
        attrition = c.number_input(
            t("Monthly attrition %"), 0.0, 100.0, 2.0, step=0.5, key="capacity_new_attrition"
        )
        growth = d.number_input(
            t("Volume growth per year %"), -90.0, 500.0, 0.0, step=1.0, key="capacity_new_growth"
        )
        a, b, c, d, e = st.columns(5)
        target = a.number_input(
            t("Answer-rate target %"),
            0.0,
            100.0,
            0.0,
            step=1.0,
            key="capacity_new_target",
            help=t("0: each queue's own targets."),
        )
        lead = b.number_input(
            t("Hiring lead time (weeks)"), 0.0, 104.0, 6.0, step=1.0, key="capacity_new_lead"
        )
        training = c.number_input(
            t("Training (weeks)"), 0.0, 104.0, 4.0, step=1.0, key="capacity_new_training"
        )
        nesting = d.number_input(
            t("Nesting (weeks)"), 0.0, 104.0, 2.0, step=1.0, key="capacity_new_nesting"
        )
        productivity = e.number_input(
            t("Nesting productivity %"), 0.0, 100.0, 50.0, step=5.0, key="capacity_new_nesting_pct"
        )
        st.caption(
            t(
                "FTE needed come from the site's history through each queue's model; staff from "
                "today's agents under attrition; hires start after the lead time and are ready "
                "after training and nesting. Wages come from the site's roster rules."
            )
        )
        sent = st.form_submit_button(t("Plan the months"))
    if not sent:
        return
    body: dict[str, Any] = {
        "site": site,
        "months": int(months),
        "monthly_attrition": _percent(attrition),
        "volume_growth_per_year": _percent(growth),
        "recruiting_lead_weeks": float(lead),
        "training_weeks": float(training),
        "nesting_weeks": float(nesting),
        "nesting_productivity": _percent(productivity),
    }
    if start is not None:
        body["start_month"] = start.isoformat()
    if target:
        body["answer_rate_target"] = _percent(target)
    try:
        accepted = client.create_capacity_plan(body)
    except ApiError as exc:
        show_api_error(exc, t("Plan the months"))
        return
    track_job(str(accepted["job_id"]))
    flash(
        "success",
        t(
            "Plan {plan} is queued: the worker computes it ({months} months).",
            plan=accepted["capacity_plan_id"],
            months=int(months),
        ),
    )
    forget_cached_reads()
    st.rerun()
