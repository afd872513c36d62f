"""An agent's availability and preferences on the planner page, run by AppTest against the live
demo API: nothing is drawn until switched on; a preference entered on the page is read back
from `GET /v1/agents/{code}/preferences`, one the API refuses is said with its field and nothing
is stored; availability windows likewise; the week's schedule says what it reports on
preferences. The agent's data is put back empty at the end (the other tests' roster checks
read availability)."""

from __future__ import annotations

from datetime import time
from typing import Any

from dashkit import DemoApi
from streamlit.testing.v1 import AppTest
from test_pages import assert_clean, button, run_page

from dashboard.preferences import parse_windows, preference_text
from scheduling.problem import EVENING_FROM_LOCAL

PLANNER = "pages/plans.py"


def _reset(api: DemoApi, code: str) -> None:
    with api.client("planner") as http:
        for path, body in (("preferences", {"preferences": []}), ("availability", {"windows": []})):
            response = http.put(f"/v1/agents/{code}/{path}", json=body)
            assert response.status_code == 200, response.text


def _keys(at: AppTest) -> set[str]:
    return {w.key for w in at.text_input if w.key}


def test_preferences_and_availability_entered_on_the_planner_page(demo_api: DemoApi) -> None:
    agents: Any = demo_api.get("/v1/agents", "planner", site=demo_api.site)
    agent = sorted(agents, key=lambda a: a["code"])[-1]
    code, key = agent["code"], f"prefs_{agent['code']}"
    try:
        at = run_page(demo_api, PLANNER, "planner")
        # the demo's agents state no preference: the shown schedule is asked nothing
        assert any("preference asks anything of schedule version" in c.value for c in at.caption)
        assert not {k for k in _keys(at) if k.startswith("prefs_")}  # until switched on
        at.toggle(key="prefs_open").set_value(True).run()
        assert_clean(at)
        at.selectbox(key="prefs_agent").select(code).run()
        assert_clean(at)
        assert f"{key}_avail_0" in _keys(at)
        assert any("No preferences." in c.value for c in at.caption)

        # a day off on weekends, weight 5: stored, read back from the API
        at.radio(key=f"{key}_pref_kind").set_value("day off")
        at.multiselect(key=f"{key}_pref_weekdays").set_value(["Sat", "Sun"])
        at.number_input(key=f"{key}_pref_weight").set_value(5.0)
        button(at, "Add the preference").click().run()
        assert_clean(at)
        stored: Any = demo_api.get(f"/v1/agents/{code}/preferences", "planner")
        assert [(p["kind"], p["weekdays"], p["dates"], p["weight"]) for p in stored] == [
            ("day_off", [5, 6], [], 5.0)
        ]
        assert any("The preference is added: day off · Sat, Sun" in s.value for s in at.success)
        # the shown schedule's evaluation now counts the agent's weekend days, as the API does
        week = at.selectbox(key="planner_week").value
        versions: Any = demo_api.get(
            "/v1/schedules", "planner", site=demo_api.site, week_start=str(week)
        )
        published = [v for v in versions if v["status"] == "published"]
        shown = (published or [v for v in versions if v["status"] == "draft"])[-1]
        evaluation: Any = demo_api.get(f"/v1/schedules/{shown['id']}/evaluation", "planner")
        assert evaluation["preference_days_asked"] == 2
        honoured = evaluation["preference_days_honoured"]
        assert any(f"honours {honoured} of 2 preference days" in c.value for c in at.caption), [
            c.value for c in at.caption
        ]
        [table] = [d.value for d in at.dataframe if "Preference" in d.value.columns]
        assert list(table["Preference"]) == ["day off · Sat, Sun · weight 5.0"]

        # a day off with a start window: the API refuses it, naming why; nothing stored
        at.radio(key=f"{key}_pref_kind").set_value("day off")
        at.text_input(key=f"{key}_pref_dates").input("2031-01-06")
        at.time_input(key=f"{key}_pref_earliest").set_value(time(9))
        button(at, "Add the preference").click().run()
        refused = " ".join(e.value for e in at.error)
        assert "day_off takes no start window" in refused and "nothing was saved" in refused
        assert demo_api.get(f"/v1/agents/{code}/preferences", "planner") == stored

        # a start window, on a date
        at.radio(key=f"{key}_pref_kind").set_value("start between")
        at.multiselect(key=f"{key}_pref_weekdays").set_value([])
        at.time_input(key=f"{key}_pref_latest").set_value(time(11))
        button(at, "Add the preference").click().run()
        assert_clean(at)
        stored = demo_api.get(f"/v1/agents/{code}/preferences", "planner")
        assert [
            (p["kind"], p["dates"], p["earliest_start_local"], p["latest_start_local"])
            for p in stored
        ] == [
            ("day_off", [], None, None),
            ("start_between", ["2031-01-06"], "09:00:00", "11:00:00"),
        ]

        # at most one evening shift ending after 18:30 on Fridays and Saturdays, weight 4
        at.radio(key=f"{key}_pref_kind").set_value("at most so many evenings")
        at.text_input(key=f"{key}_pref_dates").input("")
        at.multiselect(key=f"{key}_pref_weekdays").set_value(["Fri", "Sat"])
        at.number_input(key=f"{key}_pref_weight").set_value(4.0)
        at.number_input(key=f"{key}_pref_evenings").set_value(1)
        at.time_input(key=f"{key}_pref_evening_from").set_value(time(18, 30))
        button(at, "Add the preference").click().run()
        assert_clean(at)
        stored = demo_api.get(f"/v1/agents/{code}/preferences", "planner")
        assert [
            (p["kind"], p["weekdays"], p["max_evening_shifts"], p["evening_from_local"])
            for p in stored
        ][-1] == ("max_evenings", [4, 5], 1, "18:30:00")
        assert stored[-1]["earliest_start_local"] is None  # the start window is not sent
        [table] = [d.value for d in at.dataframe if "Preference" in d.value.columns]
        assert list(table["Preference"])[-1] == (
            "evening shifts ≤ 1 (ending after 18:30) · Fri, Sat · weight 4.0"
        )

        # an offer of 6.5 unpaid hours in the week of a date
        at.radio(key=f"{key}_pref_kind").set_value("voluntary time off")
        at.multiselect(key=f"{key}_pref_weekdays").set_value([])
        at.text_input(key=f"{key}_pref_dates").input("2031-01-08")
        at.number_input(key=f"{key}_pref_vto_hours").set_value(6.5)
        button(at, "Add the preference").click().run()
        assert_clean(at)
        stored = demo_api.get(f"/v1/agents/{code}/preferences", "planner")
        assert (stored[-1]["kind"], stored[-1]["dates"], stored[-1]["vto_hours_max"]) == (
            "voluntary_time_off",
            ["2031-01-08"],
            6.5,
        )
        assert stored[-1]["max_evening_shifts"] is None  # the evening fields are not sent
        [table] = [d.value for d in at.dataframe if "Preference" in d.value.columns]
        assert list(table["Preference"])[-1] == (
            "voluntary time off: up to 6.5 unpaid hours a week · Jan 8, 2031"
        )

        # availability: overlapping windows refused by the API, then one window a day stored
        at.text_input(key=f"{key}_avail_0").input("07:00-17:00, 16:00-18:00")
        button(at, "Save the availability").click().run()
        refused = " ".join(e.value for e in at.error)
        assert "windows overlap on weekday 0" in refused and "nothing was saved" in refused
        assert demo_api.get(f"/v1/agents/{code}/availability", "planner") == []
        at.text_input(key=f"{key}_avail_0").input("bad")
        button(at, "Save the availability").click().run()
        assert any("bad is not a window" in e.value for e in at.error)
        at.text_input(key=f"{key}_avail_0").input("07:00-17:00")
        at.text_input(key=f"{key}_avail_5").input("08:00-12:00, 13:00-16:30")
        button(at, "Save the availability").click().run()
        assert_clean(at)
        windows: Any = demo_api.get(f"/v1/agents/{code}/availability", "planner")
        assert [(w["weekday"], w["start_local"], w["end_local"]) for w in windows] == [
            (0, "07:00:00", "17:00:00"),
            (5, "08:00:00", "12:00:00"),
            (5, "13:00:00", "16:30:00"),
        ]
        [days] = [d.value for d in at.dataframe if "Windows" in d.value.columns]
        assert list(days["Windows"])[:2] == ["07:00-17:00", "not available"]

        # removing the weekend day off keeps the other
        at.multiselect(key=f"{key}_pref_remove").set_value([0]).run()
        button(at, "Remove the picked preferences").click().run()
        assert_clean(at)
        left: Any = demo_api.get(f"/v1/agents/{code}/preferences", "planner")
        assert [p["kind"] for p in left] == ["start_between", "max_evenings", "voluntary_time_off"]
        assert left[1]["max_evening_shifts"] == 1  # kept as it was
        assert left[1]["evening_from_local"] == "18:30:00"
        assert left[2]["vto_hours_max"] == 6.5

        zh = run_page(demo_api, PLANNER, "planner", wfm_language="zh")
        assert "坐席偏好与可用时间" in [h.value for h in zh.subheader]
    finally:
        _reset(demo_api, code)


def test_windows_and_preferences_in_words() -> None:
    assert parse_windows(" 7:00-9:30 ,13:00-17:00,", 2) == [
        {"weekday": 2, "start_local": "07:00", "end_local": "09:30"},
        {"weekday": 2, "start_local": "13:00", "end_local": "17:00"},
    ]
    for bad in ("7-9", "25:00-26:00", "07:00"):
        try:
            parse_windows(bad, 0)
        except ValueError as exc:
            assert str(exc) == bad
        else:
            raise AssertionError(bad)
    pref = {"kind": "start_between", "weight": 2, "dates": [], "weekdays": [0]}
    assert preference_text({**pref, "latest_start_local": "10:00:00"}) == (
        "start between 00:00 and 10:00 · Mon · weight 2.0"
    )
    assert preference_text({"kind": "work_day", "weekdays": [], "dates": []}) == (
        "work day · every day · weight 1.0"
    )
    evenings = {"kind": "max_evenings", "max_evening_shifts": 2, "weekdays": [], "dates": []}
    assert preference_text({**evenings, "evening_from_local": None}) == (
        f"evening shifts ≤ 2 (ending after {EVENING_FROM_LOCAL:%H:%M}) · every day · weight 1.0"
    )


def test_an_agent_enters_their_own_on_my_schedule(demo_api: DemoApi) -> None:
    """The same widget on the agent's page, through /v1/me: a planner reads it back."""
    code = demo_api.agent_code
    try:
        at = run_page(demo_api, "pages/my_schedule.py", "agent")
        assert not {k for k in _keys(at) if k.startswith("my_prefs_")}  # until switched on
        at.toggle(key="my_prefs_open").set_value(True).run()
        assert_clean(at)
        at.radio(key="my_prefs_pref_kind").set_value("work day")
        at.multiselect(key="my_prefs_pref_weekdays").set_value(["Mon"])
        button(at, "Add the preference").click().run()
        assert_clean(at)
        stored: Any = demo_api.get(f"/v1/agents/{code}/preferences", "planner")
        assert [(p["kind"], p["weekdays"], p["weight"]) for p in stored] == [("work_day", [0], 1.0)]
        at.text_input(key="my_prefs_avail_2").input("09:00-18:00")
        button(at, "Save the availability").click().run()
        assert_clean(at)
        windows: Any = demo_api.get(f"/v1/agents/{code}/availability", "planner")
        assert [(w["weekday"], w["start_local"], w["end_local"]) for w in windows] == [
            (2, "09:00:00", "18:00:00")
        ]
    finally:
        _reset(demo_api, code)


def _reports_of_schedules() -> None:
    from dashboard.preferences import show_preference_report

    show_preference_report(
        {"version": 3},
        {"preference_days_asked": 8, "preference_days_honoured": 6, "preference_penalty": 4.5},
    )
    show_preference_report({"version": 4}, {"preference_days_asked": 0})
    show_preference_report(None, None)


def test_the_schedule_reports_the_preference_days_honoured() -> None:
    at = AppTest.from_function(_reports_of_schedules)
    at.session_state["wfm_language"] = "en"
    at.run()
    assert_clean(at)
    assert [(m.label, m.value) for m in at.metric] == [
        ("Preferences honoured", "75.0%"),
        ("Preferences not honoured (weight)", "4.5"),
    ]
    captions = [c.value for c in at.caption]
    assert any("Schedule version 3 honours 6 of 8 preference days." in c for c in captions)
    assert any("No agent's preference asks anything of schedule version 4." in c for c in captions)
    assert any("No schedule for this week" in c for c in captions)
