"""Agent self-service in headless Chromium, through the running dashboard (`wfm dashboard`) on a
demo centre of its own (every agent works Monday to Friday 08:00-16:00 of the published week;
the site's clock stands at Monday 11:00). An agent asks for a day off in the next week (no
roster is published there, so a planner decides), offers Thursday's shift, and ranks the
patterns of an open bid round; a second agent swaps the offered shift for their own; a planner
then approves the request and the trade and closes and assigns the round, all by clicking. The
API is the oracle of what each click did.

Needs Debian's Chromium at /usr/bin/chromium and the `playwright` package; skipped otherwise."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from dashkit import CHROMIUM, DemoApi
from test_browser import (
    HEIGHT,
    WIDTH,
    dashboard_process,
    main_text,
    rendered,
    settle,
    sign_in,
)

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no Chromium at /usr/bin/chromium")


def _ok(response: Any) -> Any:
    assert response.status_code < 300, (response.status_code, response.text)
    return response.json() if response.content else None


def _prepare(api: DemoApi) -> int:
    """Leave to take, trades that wait for a planner, and an open bid round of the next week;
    the round's id."""
    with api.client("planner") as http:
        _ok(
            http.put(
                f"/v1/agents/{api.agent_code}/time-off-balance",
                json={"opening_hours": 80, "as_of": (api.week1 - timedelta(days=7)).isoformat()},
            )
        )
        _ok(http.patch(f"/v1/sites/{api.site}", json={"swaps_need_approval": True}))
        pattern = {"weekdays": [0, 1, 2, 3, 4], "seats": 20, "skills": []}
        made = _ok(
            http.post(
                "/v1/bid-rounds",
                json={
                    "site": api.site,
                    "name": "Spring rota",
                    "week_start": api.week2.isoformat(),
                    "weeks": 1,
                    "rule": "seniority",
                    "closes_at": (datetime.now(UTC) + timedelta(days=2)).isoformat(),
                    "patterns": [
                        {**pattern, "name": "Early", "start_local": "08:00", "end_local": "16:00"},
                        {**pattern, "name": "Late", "start_local": "12:00", "end_local": "20:00"},
                    ],
                },
            )
        )
        _ok(http.post(f"/v1/bid-rounds/{made['id']}/open"))
    return int(made["id"])


def _type_date(page: Any, label: str, day: date) -> None:
    """Type a day into a Streamlit date input: its year, month and day are segments that move
    on to the next once full."""
    box = page.locator('[data-testid="stDateInput"]', has_text=label).first
    box.locator('[data-type="year"]').click()
    page.keyboard.type(f"{day.year:04d}{day.month:02d}{day.day:02d}")
    page.keyboard.press("Tab")
    settle(page)
    shown = box.locator('[role="group"]').inner_text().replace("\n", "")
    assert shown == day.strftime("%Y/%m/%d"), (label, shown)


def _choose(page: Any, testid: str, label: str, option: str) -> None:
    """Pick the first choice containing `option` in the select box or multiselect `label` (typed
    into its combo box, which then lists the choices that match)."""
    box = page.locator(f'[data-testid="{testid}"]', has_text=label).first
    combo = box.get_by_role("combobox").first
    combo.click()
    combo.fill(option)
    page.get_by_role("option").filter(has_text=option).first.click()
    page.keyboard.press("Escape")
    settle(page)


def _click(page: Any, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()
    settle(page)


def _my_page(context: Any, url: str, token: str) -> Any:
    page = sign_in(context, url, token)
    page.goto(f"{url}/my_schedule?lang=en")
    rendered(page, "My schedule")
    return page


def test_an_agent_asks_offers_swaps_and_bids_and_a_planner_decides(
    browser: Any, own_demo_api: DemoApi
) -> None:
    api = own_demo_api
    round_id = _prepare(api)
    wednesday = api.week2 + timedelta(days=2)
    thursday = api.week1 + timedelta(days=3)
    giver: Any = api.get("/v1/me", "agent")
    taker: Any = api.get("/v1/me", "agent2")
    with dashboard_process(api.url) as url:
        context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
        try:
            page = _my_page(context, url, api.tokens["agent"])
            # a day off next week
            _type_date(page, "First day", wednesday)
            _type_date(page, "Last day", wednesday)
            _click(page, "Request time off")
            page.get_by_text("Sent to a planner").wait_for()
            [asked] = api.get("/v1/me/time-off", "agent")["requests"]  # type: ignore[index]
            assert asked["status"] == "pending", asked
            assert asked["start_utc"][:10] <= wednesday.isoformat() <= asked["end_utc"][:10]
            # Thursday's shift on offer
            _choose(page, "stSelectbox", "My shift to offer", "Thu")
            _click(page, "Offer this shift")
            page.get_by_text("Your shift of").wait_for()
            offers: Any = api.get("/v1/me/shift-offers", "agent", mine=True)
            assert [(o["shift_date"], o["status"]) for o in offers] == [
                (thursday.isoformat(), "open")
            ]
            # the bid: Late first, then Early
            _choose(page, "stMultiSelect", "Your choices, best first", "Late")
            _choose(page, "stMultiSelect", "Your choices, best first", "Early")
            _click(page, "Submit my ranking")
            page.get_by_text("Your ranking of Spring rota is saved").wait_for()
            bids: Any = api.get("/v1/me/bid-rounds", "agent")
            [bid] = [r for r in bids if r["id"] == round_id]
            names = {p["id"]: p["name"] for p in bid["patterns"]}
            assert [names[i] for i in bid["ranking"]] == ["Late", "Early"]
        finally:
            context.close()

        context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
        try:
            page = _my_page(context, url, api.tokens["agent2"])
            page.get_by_text("Swap it for my shift of a day").click()
            settle(page)
            _type_date(page, "My shift given back (swap)", thursday)
            _click(page, "Take the offer")
            page.get_by_text("waits for a planner's approval").wait_for()
            found: Any = api.get("/v1/me/shift-trades", "agent2")
            [trade] = found
            assert trade["status"] == "pending_approval" and trade["kind"] == "swap", trade
            assert trade["offer_agent_code"] == giver["agent_code"]
            assert trade["taker_agent_code"] == taker["agent_code"]
        finally:
            context.close()

        context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
        try:
            page = sign_in(context, url, api.tokens["planner"])
            page.goto(f"{url}/requests?lang=en")
            rendered(page, "Requests and trades")
            _click(page, "Decide")  # the one pending request, approved (the default)
            page.get_by_text("request is approved").wait_for()
            _click(page, "Decide the trade")
            page.get_by_text("The trade is approved and published").wait_for()
            _click(page, "Close bids now")
            page.get_by_role("button", name="Assign patterns", exact=True).wait_for()
            _click(page, "Assign patterns")
            page.get_by_role("button", name="Make draft schedules", exact=True).wait_for()
            text = main_text(page)
            assert "Traceback" not in text and "something went wrong" not in text.lower()
        finally:
            context.close()

    [decided] = api.get("/v1/me/time-off", "agent")["requests"]  # type: ignore[index]
    assert decided["status"] == "approved", decided
    settled: Any = api.get("/v1/me/shift-trades", "agent2")
    [traded] = settled
    assert traded["status"] == "approved" and traded["schedule_ids"], traded
    assigned: Any = api.get(f"/v1/bid-rounds/{round_id}", "planner")
    assert assigned["status"] == "assigned", assigned
    award: Any = api.get(f"/v1/me/bid-rounds/{round_id}/result", "agent")
    # the only bidder, with places to spare, gets their first choice
    assert award["choice"] == 1 and award["pattern"].startswith("Late"), award
    assert award["explanation"], award
