"""The planner's capacity plans against the live demo API: two plans posted through the API and
computed by the worker's jobs; the page lists them, shows the latest month by month with the
figures of GET /v1/capacity-plans/{id} (its chart, assumptions and warnings too), puts a second
plan beside it with the difference, refuses a bad form input with the API's message naming the
field (nothing stored), queues a good one and follows its job, and says months in Chinese as
"2027年1月"."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from dashkit import DemoApi
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1 import AppTest
from test_pages import assert_clean, button, run_page

from dashboard.i18n import fmt_money, fmt_month, fmt_number, fmt_percent, use_locale

PLANNER = "pages/plans.py"
STEADY = {"months": 12, "monthly_attrition": 0.02, "hourly_cost": 20.0}
LEAKY = {"months": 12, "monthly_attrition": 0.1, "volume_growth_per_year": 0.2, "hourly_cost": 20.0}


@pytest.fixture(scope="module")
def plans(own_demo_api: DemoApi) -> tuple[dict[str, Any], dict[str, Any]]:
    """Two plans of the demo site posted through the API and computed by the worker: the
    steady one first, the leaky one (more attrition, more growth) second, as GET gives them."""
    api = own_demo_api
    ids = []
    with api.client("planner") as http:
        for body in (STEADY, LEAKY):
            response = http.post("/v1/capacity-plans", json={"site": api.site, **body})
            assert response.status_code == 202, response.text
            ids.append(response.json()["capacity_plan_id"])
    assert api.run_jobs() == 2
    shown: list[Any] = [api.get(f"/v1/capacity-plans/{i}", "planner") for i in ids]
    assert all(p["status"] == "succeeded" and p["plan"] for p in shown), shown
    return shown[0], shown[1]


def _table(at: AppTest, column: str) -> Any:
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def _signed(text: str, value: float) -> str:
    """A difference as the page says it: "+" before a rise, no sign on what shows as zero."""
    if not re.search("[1-9]", text):
        return text.replace("-", "")
    return ("+" + text) if value > 0 else text


def test_the_latest_plan_month_by_month_with_the_apis_figures(
    own_demo_api: DemoApi, plans: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    steady, leaky = plans
    at = run_page(own_demo_api, PLANNER, "planner")
    assert "Capacity plan" in [s.value for s in at.subheader]
    listed = _table(at, "Asked")
    assert list(listed["Plan"]) == [f"Plan {leaky['id']}", f"Plan {steady['id']}"]
    assert list(listed["Status"]) == ["succeeded", "succeeded"]
    assert list(listed["Hires"]) == [fmt_number(p["plan"]["total_hires"]) for p in plans[::-1]]

    # the newest computed plan is shown by default, each month as the API computed it
    assert at.selectbox(key="capacity_shown").value == leaky["id"]
    table = _table(at, "Forecast contacts")
    months = leaky["plan"]["months"]
    assert len(table) == len(months) == 12
    with use_locale("en"):
        expected = {
            "Month": [fmt_month(m["month"]) for m in months],
            "Forecast contacts": [fmt_number(m["contacts"]) for m in months],
            "Handle time (s)": [fmt_number(m["aht_seconds"]) for m in months],
            "FTE needed": [fmt_number(m["fte_needed"], 1) for m in months],
            "Staff available (FTE)": [fmt_number(m["fte_productive"], 1) for m in months],
            "Hires starting": [fmt_number(m["hires_starting"]) for m in months],
            "Cost": [fmt_money(m["labour_cost"], leaky["plan"]["currency"], 0) for m in months],
            "Expected answer rate": [fmt_percent(m["answer_rate"]) for m in months],
            "Shortfall (FTE)": [fmt_number(m["short_fte"], 1) for m in months],
        }
    assert list(table.columns) == list(expected)
    for column, values in expected.items():
        assert list(table[column]) == values, column
    assert all(re.fullmatch(r"[A-Z][a-z]{2} \d{4}", m) for m in table["Month"])
    assert any(m["labour_cost"] for m in months) and any(m["hires_starting"] for m in months)

    # the chart draws need against staff from the same figures
    [chart] = [
        c for c in at.get("vega_lite_chart") if '"fte"' in json.dumps(json.loads(c.proto.spec))
    ]
    [data] = [convert_arrow_bytes_to_pandas_df(d.data.data) for d in chart.proto.datasets]
    need = data[data["series"] == "FTE needed"]
    staff = data[data["series"] == "Staff available (FTE)"]
    assert list(need["month"]) == list(staff["month"]) == expected["Month"]
    assert list(need["fte"]) == [round(m["fte_needed"], 2) for m in months]
    assert list(staff["fte"]) == [round(m["fte_productive"], 2) for m in months]

    # the assumptions it was computed with, and its warnings
    assumptions = _table(at, "Assumption").set_index("Assumption")["Value"]
    assert assumptions["Monthly attrition"] == "10.0%"
    assert assumptions["Volume growth per year, on top of the forecast's trend"] == "+20.0%"
    assert assumptions["Answer-rate target"] == "each queue's own targets"
    assert assumptions["Training"] == "4 weeks"
    shrinkage = leaky["plan"]["settings"]["unplanned_shrinkage"]
    with use_locale("en"):
        assert assumptions["Unplanned shrinkage"] == (
            f"{fmt_percent(shrinkage)}, the site's setting"  # no rules version sets its own
        )
    assert assumptions["Nesting"] == "2 weeks at 50% productivity"
    efficiency = leaky["plan"]["settings"]["rostering_efficiency"]
    assert assumptions["Rostering efficiency"].startswith(fmt_percent(efficiency) + ", ")
    assert "given with the plan" in assumptions["Hourly cost of today's agents"]
    warnings = leaky["plan"]["warnings"]
    assert warnings, "six weeks of history: the forecast has no trend, and says so"
    [shown] = [w.value for w in at.warning if "The plan's warnings:" in w.value]
    assert all(w in shown for w in warnings)


def test_a_second_plan_beside_the_shown_one_with_the_difference(
    own_demo_api: DemoApi, plans: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    steady, leaky = plans
    at = run_page(own_demo_api, PLANNER, "planner")
    at.selectbox(key="capacity_shown").select(steady["id"]).run()
    assert at.selectbox(key="capacity_compare").value is None
    assert not [d for d in at.dataframe if "FTE needed · difference" in d.value.columns]
    at.selectbox(key="capacity_compare").select(leaky["id"]).run()
    assert_clean(at)
    table = _table(at, "FTE needed · difference")
    a, b = steady["plan"]["months"], leaky["plan"]["months"]
    first, second = f"Plan {steady['id']}", f"Plan {leaky['id']}"
    assert [m["month"] for m in a] == [m["month"] for m in b]  # the same start, same months
    with use_locale("en"):
        assert list(table["Month"]) == [fmt_month(m["month"]) for m in a]
        assert list(table[f"FTE needed · {first}"]) == [fmt_number(m["fte_needed"], 1) for m in a]
        assert list(table[f"FTE needed · {second}"]) == [fmt_number(m["fte_needed"], 1) for m in b]
        for name, label, digits in (
            ("fte_needed", "FTE needed", 1),
            ("fte_productive", "Staff available (FTE)", 1),
            ("hires_starting", "Hires starting", 0),
        ):
            deltas = [y[name] - x[name] for x, y in zip(a, b, strict=True)]
            assert list(table[f"{label} · difference"]) == [
                _signed(fmt_number(d, digits), d) for d in deltas
            ], label
        answer = [y["answer_rate"] - x["answer_rate"] for x, y in zip(a, b, strict=True)]
        assert list(table["Expected answer rate · difference"]) == [
            _signed(fmt_percent(d), d) for d in answer
        ]
        cost = [y["labour_cost"] - x["labour_cost"] for x, y in zip(a, b, strict=True)]
        assert list(table["Cost · difference"]) == [
            _signed(fmt_money(d, steady["plan"]["currency"], 0), d) for d in cost
        ]
    # more attrition and growth: the leaky plan hires more, so the difference is not all zero
    assert sum(m["hires_starting"] for m in b) > sum(m["hires_starting"] for m in a)
    assert any(v.startswith("+") for v in table["Hires starting · difference"])


def test_the_months_in_chinese(
    own_demo_api: DemoApi, plans: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    _, leaky = plans
    at = run_page(own_demo_api, PLANNER, "planner", wfm_language="zh_CN")
    assert "产能计划" in [s.value for s in at.subheader]
    table = _table(at, "预测联络量")
    months = list(table["月"])
    assert all(re.fullmatch(r"\d{4}年\d{1,2}月", m) for m in months), months
    with use_locale("zh_CN"):
        assert months == [fmt_month(m["month"]) for m in leaky["plan"]["months"]]


def test_the_form_shows_the_apis_refusal_then_queues_a_plan(
    own_demo_api: DemoApi, plans: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    api = own_demo_api
    at = run_page(api, PLANNER, "planner")
    at.toggle(key="capacity_new_open").set_value(True).run()
    assert_clean(at)
    at.number_input(key="capacity_new_target").set_value(100.0)  # the API wants (0, 1)
    button(at, "Plan the months").click().run()
    [refused] = [e.value for e in at.error]
    assert refused.startswith("Plan the months: The API could not do this: ")
    assert "body.answer_rate_target" in refused
    assert len(api.get("/v1/capacity-plans", "planner", site=api.site)) == 2  # type: ignore[arg-type]

    at.number_input(key="capacity_new_target").set_value(85.0)
    at.number_input(key="capacity_new_months").set_value(3)
    at.number_input(key="capacity_new_attrition").set_value(5.0)
    button(at, "Plan the months").click().run()
    assert_clean(at)
    stored: Any = api.get("/v1/capacity-plans", "planner", site=api.site)
    assert len(stored) == 3
    newest = stored[0]
    assert newest["status"] == "queued"
    assert newest["inputs"]["months"] == 3
    assert newest["inputs"]["monthly_attrition"] == pytest.approx(0.05)
    assert newest["inputs"]["answer_rate_target"] == pytest.approx(0.85)
    assert any(f"Plan {newest['id']} is queued" in s.value for s in at.success)
    assert at.session_state["planner_jobs"] == [newest["job_id"]]
    progress = [p.proto.text for p in at.get("progress")]
    assert any(text.startswith(f"Capacity plan job {newest['job_id'][:8]}: ") for text in progress)
    assert list(_table(at, "Asked")["Status"]) == ["queued", "succeeded", "succeeded"]


def test_a_plan_without_wages_says_so_without_a_figure(
    plans: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    from dashboard.capacity_plan import assumptions_table

    steady, _ = plans
    unpaid = json.loads(json.dumps(steady))
    unpaid["plan"]["staff"]["hourly_cost"] = None
    unpaid["plan"]["sources"]["hourly_cost"] = "none"
    with use_locale("en"):
        rows = assumptions_table(unpaid).set_index("Assumption")["Value"]
        paid = assumptions_table(steady).set_index("Assumption")["Value"]
    assert (
        rows["Hourly cost of today's agents"] == "none: a contract has no wage in the site's rules"
    )
    assert paid["Hourly cost of today's agents"].startswith(fmt_money(20.0, "CNY", 2) + ", ")
