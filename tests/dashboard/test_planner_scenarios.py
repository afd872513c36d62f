"""The planner's scenario comparison: a row per figure, the base's column, then each variant's
figure and its difference to the base, in English and Chinese; "-" where a figure is null."""

from __future__ import annotations

from typing import Any

import pytest
from dashkit import DemoApi
from test_pages import assert_clean, button, run_page

from dashboard import i18n
from dashboard.scenarios import FIGURES, comparison_table

PLANNER = "pages/plans.py"
COMPARISON = {
    "base": {
        "name": "base",
        "figures": {"answer_rate": 0.9, "service_level": 0.8, "agents": 10, "labour_cost": None},
    },
    "variants": [
        {
            "name": "volume +10%",
            "figures": {"answer_rate": 0.85, "service_level": 0.7, "agents": 10},
            "difference": {"answer_rate": -0.05, "service_level": -0.1, "agents": 0},
        }
    ],
}


@pytest.mark.parametrize("locale", [i18n.EN, i18n.ZH])
def test_each_figure_beside_the_base_with_its_difference(
    locale: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(i18n, "current_locale", lambda: locale)
    table = comparison_table(COMPARISON)
    assert len(table) == len(FIGURES)
    base, variant, delta = table.columns[1:]
    assert base == i18n.t("Base") and variant == "volume +10%"
    first = table.iloc[0]
    assert (first[base], first[variant], first[delta]) == ("90.0%", "85.0%", "-5.0%")
    agents = table.iloc[list(FIGURES).index("agents")]
    assert agents[delta] == "+0"
    labour = table.iloc[list(FIGURES).index("labour_cost")]
    assert (labour[base], labour[delta]) == ("-", "-")


def test_the_planner_asks_a_scenario_from_the_page_and_bad_rows_are_refused(
    own_demo_api: DemoApi,
) -> None:
    """The form posts the shown week's scenario with only what each named row changes; a named
    row that changes nothing, or no name, is refused on the page and nothing is stored."""
    api = own_demo_api
    planner = run_page(api, PLANNER, "planner")
    week = planner.selectbox(key="planner_week").value
    planner.toggle(key="scenario_new_open").set_value(True).run()
    planner.text_input(key="scenario_new_name").input("Winter")
    planner.text_input(key="scenario_name_0").input("busier")
    planner.text_input(key="scenario_name_1").input("nothing")
    planner.number_input(key="scenario_volume_0").set_value(10)
    button(planner, "Run the scenario").click().run()
    assert [e.value for e in planner.error] == ["Say what nothing changes."]
    assert api.get("/v1/scenarios", "planner", site=api.site) == []

    planner.text_input(key="scenario_name_1").input("")
    planner.number_input(key="scenario_agents_0").set_value(2)
    button(planner, "Run the scenario").click().run()
    assert_clean(planner)
    stored: Any = api.get("/v1/scenarios", "planner", site=api.site)
    [scenario] = stored
    skill = planner.selectbox(key="scenario_skill_0").value
    assert scenario["name"] == "Winter" and scenario["week_start"] == week.isoformat()
    assert scenario["status"] == "queued"
    assert scenario["document"]["variants"] == [
        {
            "name": "busier",
            "changes": {"volume_percent": 10, "headcount": [{"skill": skill, "agents": 2}]},
        }
    ]
    assert any("Winter is queued" in s.value for s in planner.success)
    listed = next(d.value for d in planner.dataframe if "Scenario" in d.value.columns)
    assert list(listed["Status"]) == ["queued"]


def test_a_variant_changes_targets_shrinkage_seats_and_selling_values_from_the_page(
    own_demo_api: DemoApi,
) -> None:
    """The second line of a variant: the service-level target, the unplanned shrinkage and
    seats (empty: the site's) and the selling value, which changes every campaign; five
    variants can be asked at once."""
    api = own_demo_api
    agents: Any = api.get("/v1/agents", "planner", site=api.site)
    campaigns = sorted({c for a in agents for c in a["campaign_skills"]})
    assert campaigns
    planner = run_page(api, PLANNER, "planner")
    planner.toggle(key="scenario_new_open").set_value(True).run()
    assert [w for w in planner.text_input if w.key == "scenario_name_4"]  # a fifth variant
    before: Any = api.get("/v1/scenarios", "planner", site=api.site)
    planner.text_input(key="scenario_new_name").input("Leaner")
    planner.text_input(key="scenario_name_0").input("tighter")
    planner.number_input(key="scenario_sl_0").set_value(85)
    planner.number_input(key="scenario_shrinkage_0").set_value(15.0)
    planner.number_input(key="scenario_seats_0").set_value(20)
    planner.number_input(key="scenario_selling_0").set_value(20)
    planner.text_input(key="scenario_name_4").input("campaign cut")
    planner.selectbox(key="scenario_skill_4").set_value(campaigns[0])
    planner.number_input(key="scenario_agents_4").set_value(-1)
    button(planner, "Run the scenario").click().run()
    assert_clean(planner)
    stored: Any = api.get("/v1/scenarios", "planner", site=api.site)
    [scenario] = [s for s in stored if s["id"] not in {b["id"] for b in before}]
    assert scenario["document"]["variants"] == [
        {
            "name": "tighter",
            "changes": {
                "service_level_target": 0.85,
                "unplanned_shrinkage": 0.15,
                "seats": 20,
                "campaigns": {code: {"value_percent": 20} for code in campaigns},
            },
        },
        {
            "name": "campaign cut",
            "changes": {"headcount": [{"skill": campaigns[0], "agents": -1}]},
        },
    ]


def test_a_variant_changes_the_shift_lengths_and_the_rest_from_the_page(
    own_demo_api: DemoApi,
) -> None:
    """The third line of a variant: shift lengths and the rest between shifts (empty: the
    week's rules), sent as the variant's `rules`; a length that is not whole minutes is named
    on the page, and lengths the site's contracts can't work are refused by the API naming the
    field; nothing is stored either way."""
    api = own_demo_api
    before: Any = api.get("/v1/scenarios", "planner", site=api.site)
    planner = run_page(api, PLANNER, "planner")
    planner.toggle(key="scenario_new_open").set_value(True).run()
    planner.text_input(key="scenario_new_name").input("Shorter shifts")
    planner.text_input(key="scenario_name_0").input("six hours")
    planner.text_input(key="scenario_lengths_0").input("360, 6h")
    button(planner, "Run the scenario").click().run()
    assert any("six hours: 6h is not a shift length" in e.value for e in planner.error)
    planner.text_input(key="scenario_lengths_0").input("480")  # part-timers work 5-6 h
    button(planner, "Run the scenario").click().run()
    refused = " ".join(e.value for e in planner.error)
    assert "variants[0].changes.rules.shift_lengths_minutes" in refused, refused
    assert api.get("/v1/scenarios", "planner", site=api.site) == before

    planner.text_input(key="scenario_lengths_0").input("300，360, 480, 540")
    planner.number_input(key="scenario_rest_0").set_value(12.0)
    button(planner, "Run the scenario").click().run()
    assert_clean(planner)
    stored: Any = api.get("/v1/scenarios", "planner", site=api.site)
    [scenario] = [s for s in stored if s["id"] not in {b["id"] for b in before}]
    assert scenario["document"]["variants"] == [
        {
            "name": "six hours",
            "changes": {
                "rules": {"shift_lengths_minutes": [300, 360, 480, 540], "min_rest_hours": 12.0}
            },
        }
    ]
