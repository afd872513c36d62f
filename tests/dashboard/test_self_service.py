"""Agent self-service through the dashboard, run by AppTest against the live demo API: an agent
asks for time off on My schedule, a planner sees it pending with its prediction on the Planner
page and approves it, and the agent then reads it approved with the balance changed; a planner
creates and opens a bid round, the agent ranks its patterns, the planner closes and assigns it,
and the agent reads the award with the API's explanation; the agent's e-mail notifications are
saved; the agent makes a calendar subscription link, shown once, and replaces it from another
session; bad input shows a message in the reader's language, never a traceback."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import httpx
from dashkit import DemoApi
from streamlit.testing.v1 import AppTest
from test_pages import assert_clean, button, metric, run_page
from test_pages_people import assert_no_raw_field_names

from dashboard.i18n import fmt_number, use_locale
from dashboard.self_service import award_text, prediction_text
from scheduling.bidding import explain

MY_PAGE = "pages/my_schedule.py"
PLANNER = "pages/requests.py"


def _feed_urls(at: AppTest) -> list[str]:
    return [str(c.value) for c in at.code if "/v1/calendar-feeds/" in str(c.value)]


def test_the_calendar_subscription_link_is_shown_once_and_can_be_replaced(
    own_demo_api: DemoApi,
) -> None:
    api = own_demo_api
    with api.client("agent") as http:
        http.delete("/v1/me/calendar-feed")  # none to start with (204, or 404 when there is none)
    at = run_page(api, MY_PAGE, "agent")
    assert not _feed_urls(at)
    assert [e.label for e in at.expander if e.label == "Subscribe in my calendar app"]
    button(at, "Create my subscription link").click().run()
    assert_clean(at)
    [url] = _feed_urls(at)
    assert url.startswith(api.url + "/v1/calendar-feeds/") and url.endswith(".ics")
    assert any("shown only once" in c.value for c in at.caption), [c.value for c in at.caption]
    served = httpx.get(url, timeout=60.0)  # as a calendar app polls it: no token
    assert served.status_code == 200, served.text
    assert f"X-WR-CALNAME:Shifts of {api.agent_code}" in served.text
    assert "Make a new link (the old one stops working)" in [b.label for b in at.button]

    # another session (in Chinese) cannot show the link again: it says so and offers a new one
    zh = run_page(api, MY_PAGE, "agent", wfm_language="zh")
    assert not _feed_urls(zh)
    assert [e.label for e in zh.expander if e.label == "在我的日历应用中订阅"]
    assert any("订阅链接" in i.value and "旧链接将失效" in i.value for i in zh.info), [
        i.value for i in zh.info
    ]
    [again] = [b for b in zh.button if b.label == "生成新链接（旧链接将失效）"]
    again.click().run()
    assert_clean(zh)
    [new_url] = _feed_urls(zh)
    assert new_url != url and new_url.startswith(api.url + "/v1/calendar-feeds/")
    assert any("只显示这一次" in c.value for c in zh.caption), [c.value for c in zh.caption]
    assert httpx.get(url, timeout=60.0).status_code == 404
    assert httpx.get(new_url, timeout=60.0).status_code == 200


def _hours(value: float) -> str:
    with use_locale("en"):
        return f"{fmt_number(value, 1)} h"


def _mine(api: DemoApi) -> Any:
    return api.get("/v1/me/time-off", "agent")


def _set_opening_balance(api: DemoApi, hours: float) -> None:
    with api.client("planner") as http:
        response = http.put(
            f"/v1/agents/{api.agent_code}/time-off-balance",
            json={"opening_hours": hours, "as_of": (api.week1 - timedelta(days=7)).isoformat()},
        )
    assert response.status_code == 200, response.text


def _ask(at: AppTest, first: Any, last: Any, reason: str) -> AppTest:
    at.date_input(key="my_off_first").set_value(first)
    at.date_input(key="my_off_last").set_value(last)
    at.text_input(key="my_off_reason").input(reason)
    return button(at, "Request time off").click().run()


def test_time_off_asked_pending_approved_and_charged(own_demo_api: DemoApi) -> None:
    api = own_demo_api
    _set_opening_balance(api, 80)
    at = run_page(api, MY_PAGE, "agent")
    before = _mine(api)["balance"]
    assert metric(at, "Available") == _hours(before["available_hours"])
    assert any("no time-off requests" in i.value for i in at.info)
    # the week after the published one has no published roster: a planner decides
    day = api.week2 + timedelta(days=2)
    _ask(at, day, day, "family")
    assert_clean(at)
    [asked] = _mine(api)["requests"]
    assert asked["status"] == "pending" and asked["reason"] == "family"
    assert asked["prediction"]["verdict"] == "no_published_week"
    assert any("Sent to a planner" in i.value for i in at.info), [i.value for i in at.info]
    table = at.dataframe[-1].value
    assert list(table["Status"]) == ["waiting for a planner"]
    with use_locale("en"):
        said = prediction_text(asked["prediction"])
    assert said.startswith("No published roster covers all of it")
    assert list(table["Prediction"]) == [said]
    assert metric(at, "Pending") == _hours(asked["hours"])
    assert_no_raw_field_names(at)

    # the same day again overlaps: said in the reader's language, nothing stored
    zh = run_page(api, MY_PAGE, "agent", wfm_language="zh")
    zh.date_input(key="my_off_first").set_value(day)
    zh.date_input(key="my_off_last").set_value(day)
    [send] = [b for b in zh.button if b.label == "申请休假"]
    send.click().run()
    assert not zh.exception
    assert [e.value for e in zh.error if "重叠" in e.value], [e.value for e in zh.error]
    assert len(_mine(api)["requests"]) == 1

    planner = run_page(api, PLANNER, "planner")
    pending = next(d.value for d in planner.dataframe if "Prediction" in d.value.columns)
    assert list(pending["Agent"]) == [api.agent_code]
    assert list(pending["Prediction"]) == [said]
    assert planner.selectbox(key="planner_request").value == asked["id"]
    button(planner, "Decide").click().run()
    assert_clean(planner)
    assert any("is approved" in s.value for s in planner.success)
    assert any("No time-off request is waiting" in i.value for i in planner.info)

    at = run_page(api, MY_PAGE, "agent")
    after = _mine(api)["balance"]
    assert after["approved_hours"] == before["approved_hours"] + asked["hours"]
    assert after["pending_hours"] == 0
    assert metric(at, "Approved") == _hours(after["approved_hours"])
    assert metric(at, "Available") == _hours(before["available_hours"] - asked["hours"])
    assert list(at.dataframe[-1].value["Status"]) == ["approved"]


def test_a_request_beyond_the_balance_is_refused_in_words(own_demo_api: DemoApi) -> None:
    api = own_demo_api
    _set_opening_balance(api, 1)
    at = run_page(api, MY_PAGE, "agent")
    first = api.week2 + timedelta(days=7)
    _ask(at, first, first + timedelta(days=3), "holiday")
    assert not at.exception
    refused = [e.value for e in at.error]
    assert refused and refused[0].startswith("Not enough leave"), refused
    assert "Traceback" not in refused[0]
    assert all(r["reason"] != "holiday" for r in _mine(api)["requests"])
    _set_opening_balance(api, 80)


def _new_round(planner: AppTest, name: str) -> AppTest:
    planner.toggle(key="bid_new_open").set_value(True).run()
    planner.text_input(key="bid_new_round").input(name)
    planner.text_input(key="bid_new_name_0").input("Early")
    planner.text_input(key="bid_new_name_1").input("Late")
    planner.time_input(key="bid_new_start_1").set_value(time(12))
    planner.time_input(key="bid_new_end_1").set_value(time(20))
    return button(planner, "Create the round").click().run()


def test_a_bid_ranked_assigned_and_explained(own_demo_api: DemoApi) -> None:
    api = own_demo_api
    planner = _new_round(run_page(api, PLANNER, "planner"), "Winter rota")
    assert_clean(planner)
    rounds: Any = api.get("/v1/bid-rounds", "planner", site=api.site)
    [made] = [r for r in rounds if r["name"] == "Winter rota"]
    assert made["status"] == "draft" and [p["name"] for p in made["patterns"]] == ["Early", "Late"]
    assert made["week_start"] == (api.week2).isoformat()
    button(planner, "Open to agents").click().run()
    assert_clean(planner)

    at = run_page(api, MY_PAGE, "agent")
    mine: Any = api.get("/v1/me/bid-rounds", "agent")
    [open_round] = [r for r in mine if r["id"] == made["id"]]
    assert open_round["status"] == "open" and open_round["patterns"], open_round
    order = [p["id"] for p in reversed(open_round["patterns"])]
    at.multiselect(key=f"my_bid_{made['id']}").set_value(order)
    button(at, "Submit my ranking").click().run()
    assert_clean(at)
    assert any("is saved" in s.value for s in at.success)
    mine = api.get("/v1/me/bid-rounds", "agent")
    assert next(r for r in mine if r["id"] == made["id"])["ranking"] == order

    planner = run_page(api, PLANNER, "planner")
    button(planner, "Close bids now").click().run()
    planner = run_page(api, PLANNER, "planner")
    button(planner, "Assign patterns").click().run()
    assert_clean(planner)
    awards: Any = api.get(f"/v1/bid-rounds/{made['id']}/results", "planner")
    results = next(d.value for d in planner.dataframe if "Explanation" in d.value.columns)
    own: Any = api.get(f"/v1/me/bid-rounds/{made['id']}/result", "agent")
    with use_locale("en"):
        assert list(results["Explanation"]) == [award_text(a) for a in awards]
        said = award_text(own)
    assert said.startswith("You got choice 1 (") and "by seniority" in said, said
    assert list(results["Agent"]) == [a["agent_code"] for a in awards]

    at = run_page(api, MY_PAGE, "agent")
    assert own["choice"] == 1 and own["pattern_id"] == order[0]
    told = [s.value for s in at.success if said in s.value]
    assert told and told[0].startswith(f"You got {own['pattern']}."), told

    planner = run_page(api, PLANNER, "planner")
    button(planner, "Make draft schedules").click().run()
    assert_clean(planner)
    applied: Any = api.get(f"/v1/bid-rounds/{made['id']}", "planner")
    assert applied["status"] == "applied" and applied["schedule_ids"]
    assert any(str(applied["schedule_ids"][0]) in c.value for c in planner.caption)


def test_notifications_saved_and_bad_address_refused(own_demo_api: DemoApi) -> None:
    api = own_demo_api
    at = run_page(api, MY_PAGE, "agent")
    at.text_input(key="my_email").input("ana@example.com")
    at.checkbox(key="my_notify_request_decided").check()
    button(at, "Save my notifications").click().run()
    assert_clean(at)
    prefs: Any = api.get("/v1/me/notification-preferences", "agent")
    assert prefs["email"] == "ana@example.com"
    assert prefs["channels"].get("email") == ["request_decided"]
    assert at.checkbox(key="my_notify_request_decided").value is True
    assert at.checkbox(key="my_notify_roster_published").value is False

    at.text_input(key="my_email").input("not an address")
    button(at, "Save my notifications").click().run()
    assert not at.exception
    assert [e.value for e in at.error if "email" in e.value], [e.value for e in at.error]
    prefs = api.get("/v1/me/notification-preferences", "agent")
    assert prefs["email"] == "ana@example.com"


def _day(queue: str, answer_rate: float, target: float) -> dict[str, Any]:
    return {"queue_code": queue, "day": "2026-11-18", "answer_rate": answer_rate,
            "answer_rate_target": target, "service_level": None,
            "service_level_target": 0.8}  # fmt: skip


def test_a_prediction_is_said_from_its_figures_in_the_readers_language() -> None:
    on_target = {"verdict": "on_target", "message": "english",
                 "queue_days": [_day("CARE", 0.95, 0.9), _day("CHAT", 0.91, 0.9)]}  # fmt: skip
    off_target = {"verdict": "off_target", "message": "english",
                  "queue_days": [_day("CARE", 0.95, 0.9), _day("CHAT", 0.85, 0.9)]}  # fmt: skip
    with use_locale("en"):
        assert prediction_text(on_target) == (
            "Every affected queue and day stays on target; the narrowest: CHAT on Nov 18, "
            "2026: answer rate 91.0% against a target of 90% (+1.0 points)."
        )
        assert prediction_text(off_target) == (
            "Below target without this agent: CHAT on Nov 18, 2026: answer rate 85.0% against "
            "a target of 90% (-5.0 points)."
        )
        assert prediction_text({"verdict": "new", "message": "as said"}) == "as said"
        assert prediction_text(None) == ""
    with use_locale("zh_CN"):
        chinese = prediction_text(on_target)
    assert "CHAT" in chinese and "91.0%" in chinese and "2026年11月18日" in chinese
    assert "narrowest" not in chinese and "answer rate" not in chinese


def test_an_award_is_explained_from_its_reasons_in_the_readers_language() -> None:
    reasons: list[dict[str, Any]] = [
        {"kind": "none_of_choices", "choices": 1},
        {"kind": "full", "choice": 1, "pattern": "Early", "seats": 1},
        {"kind": "all_full"},
        {"kind": "turn", "position": 2, "rule": "seniority", "hired": "2020-01-06", "last": None},
    ]
    full = {"explanation": explain(reasons), "reasons": reasons}
    assert full["explanation"].startswith("none of your 1 choices could be given: choice 1")
    with use_locale("en"):
        english = award_text(full)
    assert english == (
        "None of your 1 choices could be given. Choice 1 (Early) was full when your turn came "
        "(all 1 places taken by agents ahead of you). Every pattern open to you was full, so "
        "none was given. Your turn was 2 by seniority (hired Jan 6, 2020)."
    )
    with use_locale("zh_CN"):
        chinese = award_text(full)
    assert "2020年1月6日" in chinese and "第 2 位" in chinese and "choice" not in chinese
    # an award stored before reasons existed keeps the API's paragraph
    assert award_text({"explanation": "as stored"}) == "as stored"
