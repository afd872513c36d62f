"""Shift swaps through the dashboard, run by AppTest against the live demo API (every agent works
Monday to Friday 08:00-16:00; the site's clock stands at Monday 11:00): an agent offers a shift on
My schedule; a second agent sees it, tries to take it as a give-away, which the roster's rules
refuse rule by rule with nothing changed, then swaps it for their own shift of that day; the site
needs approval, so a planner approves it on the Planner page and the published roster has the
two shifts exchanged. The same page in Chinese shows the section's texts in Chinese."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from dashkit import DemoApi
from test_pages import assert_clean, button, run_page
from test_pages_people import assert_no_raw_field_names

MY_PAGE = "pages/my_schedule.py"
PLANNER = "pages/requests.py"


def _published(api: DemoApi) -> dict[str, Any]:
    listed: Any = api.get("/v1/schedules", "planner", site=api.site, week_start=api.week1)
    [published] = [s for s in listed if s["status"] == "published"]
    found: Any = api.get(f"/v1/schedules/{published['id']}", "planner")
    return dict(found)


def _shift_of(schedule: dict[str, Any], agent: str, day: str) -> dict[str, Any]:
    [shift] = [s for s in schedule["shifts"] if s["agent_code"] == agent and s["shift_date"] == day]
    return shift


def _work(shift: dict[str, Any]) -> list[tuple[str, str | None, str | None]]:
    return [(a["activity"], a["queue_code"], a["campaign_code"]) for a in shift["activities"]]


def test_an_offer_refused_as_a_give_away_then_swapped_and_approved(own_demo_api: DemoApi) -> None:
    api = own_demo_api
    with api.client("planner") as http:
        response = http.patch(f"/v1/sites/{api.site}", json={"swaps_need_approval": True})
    assert response.status_code == 200, response.text
    thursday = (api.week1 + timedelta(days=3)).isoformat()
    before = _published(api)
    giver: Any = api.get("/v1/me", "agent")
    taker: Any = api.get("/v1/me", "agent2")
    giver_code, taker_code = giver["agent_code"], taker["agent_code"]

    # the first agent offers Thursday's shift
    at = run_page(api, MY_PAGE, "agent")
    labels = at.selectbox(key="my_offer_shift").options
    [thursday_label] = [label for label in labels if "Thu" in label]
    at.selectbox(key="my_offer_shift").set_value(thursday_label)
    button(at, "Offer this shift").click().run()
    assert_clean(at)
    assert any("is on offer" in s.value for s in at.success), [s.value for s in at.success]
    mine: Any = api.get("/v1/me/shift-offers", "agent", mine=True)
    assert [(o["shift_date"], o["status"], o["mode"]) for o in mine] == [(thursday, "open", "any")]
    offers_table = next(d.value for d in at.dataframe if "Offered for" in d.value.columns)
    assert list(offers_table["Status"]) == ["open"]
    assert at.selectbox(key="my_offer_open").value == thursday_label
    assert_no_raw_field_names(at)

    # the second agent sees it; taking it as a give-away means two shifts that Thursday
    other = run_page(api, MY_PAGE, "agent2")
    seen = next(d.value for d in other.dataframe if "Offered for" in d.value.columns)
    assert list(seen["Agent"]) == [f"{_name(api, giver_code)} ({giver_code})"]
    button(other, "Take the offer").click().run()
    assert not other.exception
    said = [e.value for e in other.error]
    assert said and said[0].startswith("The roster's rules refuse this trade"), said
    told = "\n".join(m.value for m in other.markdown)
    assert taker_code in told, told
    assert api.get("/v1/me/shift-trades", "agent2") == []
    still: Any = api.get("/v1/me/shift-offers", "agent", mine=True)
    assert still[0]["status"] == "open"

    # a swap for the taker's own Thursday keeps the rules, and waits for a planner
    other.radio(key="my_take_way").set_value("Swap it for my shift of a day")
    other.date_input(key="my_take_day").set_value(api.week1 + timedelta(days=3))
    button(other, "Take the offer").click().run()
    assert_clean(other)
    assert any("waits for a planner" in i.value for i in other.info), [i.value for i in other.info]
    found: Any = api.get("/v1/me/shift-trades", "agent2")
    [trade] = found
    assert trade["status"] == "pending_approval" and trade["kind"] == "swap"
    assert list(other.dataframe[-1].value["Status"]) == ["waiting for a planner"]
    assert list(other.dataframe[-1].value["Mine"]) == ["I took"]
    assert _published(api)["id"] == before["id"]  # nothing published yet

    # the planner approves it: the week's next version is published with the shifts exchanged
    planner = run_page(api, PLANNER, "planner")
    waiting = next(d.value for d in planner.dataframe if "Taken by" in d.value.columns)
    assert list(waiting["Offered by"]) == [giver_code]
    assert list(waiting["Taken by"]) == [taker_code]
    button(planner, "Decide the trade").click().run()
    assert_clean(planner)
    assert any("approved and published" in s.value for s in planner.success)
    assert any("No shift trade is waiting" in i.value for i in planner.info)
    decided: Any = api.get("/v1/shift-trades", "planner", site=api.site)
    assert decided[0]["status"] == "approved" and decided[0]["decided_by"] == "dashboard-planner"
    after = _published(api)
    assert after["id"] != before["id"]
    assert _work(_shift_of(after, taker_code, thursday)) == _work(
        _shift_of(before, giver_code, thursday)
    )
    assert _work(_shift_of(after, giver_code, thursday)) == _work(
        _shift_of(before, taker_code, thursday)
    )

    # the agent reads the trade approved, in Chinese too
    zh = run_page(api, MY_PAGE, "agent", wfm_language="zh")
    assert "换班" in [h.value for h in zh.subheader]
    trades = zh.dataframe[-1].value
    assert list(trades["状态"]) == ["已批准"], trades
    assert list(trades["我的角色"]) == ["我让出"]


def _name(api: DemoApi, code: str) -> str:
    agents: Any = api.get("/v1/agents", "planner", site=api.site)
    return str(next(a["name"] for a in agents if a["code"] == code))
