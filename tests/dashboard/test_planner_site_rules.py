"""The site's rules on the planner page, run by AppTest against a demo API of its own: the rules
valid for the shown week with the site's seats and shrinkage; a new version stored from the
form keeps what the form does not change (the breaks go back as they came); a version the
site's contracts can't keep is refused naming the field, and nothing is stored; the seats and
unplanned shrinkage are saved to the site; fairness, the roster's weights and the premiums are
shown and set from the page."""

from __future__ import annotations

from typing import Any

import pytest
from dashkit import DemoApi
from test_pages import assert_clean, button, run_page

from dashboard.i18n import use_locale
from dashboard.site_rules import premium_rows, premium_view

PLANNER = "pages/plans.py"


def _rules(api: DemoApi, week: Any) -> Any:
    return api.get(f"/v1/sites/{api.site}/rules", "planner", week_start=week.isoformat())


def test_rules_shown_changed_refused_and_the_site_settings_saved(own_demo_api: DemoApi) -> None:
    api = own_demo_api
    planner = run_page(api, PLANNER, "planner")
    week = planner.selectbox(key="planner_week").value
    before = _rules(api, week)
    assert before["version"] is None
    assert any("The standard rules" in c.value for c in planner.caption)
    summary = next(d.value for d in planner.dataframe if "Rule" in d.value.columns)
    assert "Site hours" in list(summary["Rule"]) and "Seats" in list(summary["Rule"])

    assert not [w for w in planner.text_input if w.key == "rules_lengths"]  # until asked for
    planner.toggle(key="rules_edit").set_value(True).run()
    # a length no part-time contract has: refused, named, nothing stored
    planner.text_input(key="rules_lengths").input("480")
    button(planner, "Store as a new version").click().run()
    assert not planner.exception
    said = [e.value for e in planner.error]
    assert said and "nothing was stored" in said[0] and "shift_lengths_minutes" in said[0], said
    assert _rules(api, week)["version"] is None

    planner.text_input(key="rules_lengths").input("")
    planner.number_input(key="rules_rest").set_value(12.0)
    planner.text_input(key="rules_note").input("longer rest")
    button(planner, "Store as a new version").click().run()
    assert_clean(planner)
    assert any("Version 1 is stored" in s.value for s in planner.success)
    after = _rules(api, week)
    assert after["version"] == 1 and after["note"] == "longer rest"
    assert after["valid_from"] == week.isoformat()
    assert after["min_rest_hours"] == 12
    assert after["breaks"] == before["breaks"]  # what the form did not change is kept
    assert after["start_step_minutes"] == before["start_step_minutes"]
    assert any("Version 1, valid from the week of" in c.value for c in planner.caption)

    planner.number_input(key="rules_shrinkage").set_value(12.0)
    planner.number_input(key="rules_seats").set_value(200)
    button(planner, "Save the site's seats and shrinkage").click().run()
    assert_clean(planner)
    site: Any = api.get(f"/v1/sites/{api.site}", "planner")
    assert site["unplanned_shrinkage"] == 0.12 and site["seats"] == 200
    summary = next(d.value for d in planner.dataframe if "Rule" in d.value.columns)
    shown = dict(zip(summary["Rule"], summary[summary.columns[1]], strict=True))
    assert shown["Seats"] == "200 (the site's setting)"
    assert shown["Unplanned shrinkage"] == "12.0% (the site's setting)"

    # a version of its own seats and shrinkage: these weeks use them, the site keeps its own
    planner.toggle(key="rules_edit").set_value(True).run()
    planner.number_input(key="rules_own_seats").set_value(150)
    planner.number_input(key="rules_own_shrinkage").set_value(15.0)
    button(planner, "Store as a new version").click().run()
    assert_clean(planner)
    own = _rules(api, week)
    assert (own["version"], own["seats"], own["unplanned_shrinkage"]) == (2, 150, 0.15)
    assert (own["seats_used"], own["seats_source"]) == (150, "rules")
    assert own["min_rest_hours"] == 12  # the version before's rules kept
    summary = next(d.value for d in planner.dataframe if "Rule" in d.value.columns)
    shown = dict(zip(summary["Rule"], summary[summary.columns[1]], strict=True))
    assert shown["Seats"] == "150 (these weeks' rules)"
    assert api.get(f"/v1/sites/{api.site}", "planner")["seats"] == 200

    zh = run_page(api, PLANNER, "planner", wfm_language="zh")
    assert "站点规则" in [h.value for h in zh.subheader]
    # the break rules as read: kinds in the reader's language, an open end as "-", never "None"
    kinds = {"break": "休息", "lunch": "午餐"}
    [breaks] = [d.value for d in zh.dataframe if "类型" in d.value.columns]
    assert list(breaks["类型"]) == [kinds[row["kind"]] for row in after["breaks"]]
    ends = [str(v) for v in breaks[breaks.columns[5]]]
    assert ends == [
        "-" if row["max_shift_minutes"] is None else str(row["max_shift_minutes"])
        for row in after["breaks"]
    ]


def test_fairness_and_weights_set_on_the_page_and_a_bad_weight_refused(
    own_demo_api: DemoApi,
) -> None:
    api = own_demo_api
    planner = run_page(api, PLANNER, "planner")
    week = planner.selectbox(key="planner_week").value
    summary = next(d.value for d in planner.dataframe if "Rule" in d.value.columns)
    shown = dict(zip(summary["Rule"], summary["Value"], strict=True))
    assert shown["Weekend days (unpopular)"] == "Sat, Sun (the standard)"
    assert shown["Penalty per paid hour below a contract"] == "1,000 (the standard)"

    stored = _rules(api, week)["version"] or 0  # the module's demo may hold a version already
    planner.toggle(key="rules_edit").set_value(True).run()
    planner.text_input(key="rules_fairness_weight_per_shift").input("lots")
    button(planner, "Store as a new version").click().run()
    said = [e.value for e in planner.error]
    assert said and "a number, or empty for the standard" in said[0], said
    assert (_rules(api, week)["version"] or 0) == stored  # nothing stored

    planner.text_input(key="rules_fairness_weight_per_shift").input("7.5")
    planner.text_input(key="rules_campaign_shortfall_penalty_per_hour").input("250")
    planner.text_input(key="rules_late").input("18:00")
    planner.multiselect(key="rules_weekend").set_value([6])
    button(planner, "Store as a new version").click().run()
    assert_clean(planner)
    after = _rules(api, week)
    assert after["version"] == stored + 1
    assert after["fairness_weight_per_shift"] == 7.5
    assert after["campaign_shortfall_penalty_per_hour"] == 250
    assert after["under_target_penalty_per_agent_hour"] is None  # left empty: the standard
    assert after["contract_shortfall_penalty_per_hour"] is None
    assert str(after["late_start_from_local"]).startswith("18:00")
    assert after["weekend_weekdays"] == [6]
    summary = next(d.value for d in planner.dataframe if "Rule" in d.value.columns)
    shown = dict(zip(summary["Rule"], summary["Value"], strict=True))
    assert shown["Weekend days (unpopular)"] == "Sun"
    assert shown["Late start from"] == "18:00"
    assert shown["Fairness: charge per unpopular shift of the agent with most"] == "7.50"


def test_premiums_shown_and_read_back_as_the_apis_rows() -> None:
    rows = [
        {
            "kind": "evening",
            "start_local": "18:00:00",
            "end_local": "22:00:00",
            "weekdays": [0, 1, 2, 3, 4],
            "multiplier": 1.25,
            "extra_per_hour": 0.0,
            "contracts": None,
        },
        {
            "kind": "night",
            "start_local": "22:00:00",
            "end_local": "06:00:00",
            "weekdays": [0, 1, 2, 3, 4, 5, 6],
            "multiplier": 1.0,
            "extra_per_hour": 8.5,
            "contracts": ["part-time", "full-time"],
        },
    ]
    with use_locale("en"):
        frame = premium_view(rows)
        assert list(frame.columns)[:3] == ["Kind", "From (HH:MM)", "To (HH:MM)"]
        assert list(frame["Days (0 = Mon)"]) == ["0,1,2,3,4", "0,1,2,3,4,5,6"]
        back = premium_rows(frame)
        assert back == [
            {**rows[0], "start_local": "18:00", "end_local": "22:00", "multiplier": 1.25},
            {**rows[1], "start_local": "22:00", "end_local": "06:00", "multiplier": 1},
        ]
        frame.loc[0, "Days (0 = Mon)"] = "Sat"
        with pytest.raises(ValueError, match="Premiums, row 1"):
            premium_rows(frame)
