"""The floor page, run by AppTest against the live demo API: the recommendation's end times are
the moves' own across refreshes, Apply switches each agent until its own end, the selection
survives a refresh and the confirmation clears; the agents' board and the queues' charts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dashkit import DASHBOARD, DemoApi
from streamlit.testing.v1 import AppTest

from dashboard.i18n import t, use_locale


def run_floor(api: DemoApi, role: str = "floor_manager", lang: str = "en") -> AppTest:
    at = AppTest.from_file(str(DASHBOARD / "pages/floor.py"), default_timeout=90)
    at.session_state["wfm_api_url"] = api.url
    at.session_state["wfm_token"] = api.tokens[role]
    at.query_params["lang"] = lang
    at.run()
    assert_clean(at)
    return at


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def metric(at: AppTest, label: str) -> str:
    found = [m.value for m in at.metric if m.label == label]
    assert found, (label, [m.label for m in at.metric])
    return str(found[0])


def local_hhmm(api: DemoApi, ts: str) -> str:
    return datetime.fromisoformat(ts).astimezone(ZoneInfo(api.timezone)).strftime("%H:%M")


@contextmanager
def site_clock(api: DemoApi, local: time) -> Iterator[None]:
    """The demo site's clock held at `local` on the first week's Monday, then put back."""
    zone = ZoneInfo(api.timezone)
    moment = datetime.combine(api.clock_utc.astimezone(zone).date(), local, tzinfo=zone)
    with api.client() as http:
        body = {"site": api.site, "now_utc": moment.isoformat(), "speed": 0}
        assert http.put("/v1/intraday/clock", json=body).status_code == 200
        try:
            yield
        finally:
            body["now_utc"] = api.clock_utc.isoformat()
            assert http.put("/v1/intraday/clock", json=body).status_code == 200


def test_the_floor_page_states_one_end_per_agent_and_applies_it(demo_api: DemoApi) -> None:
    # At 11:20 the recommendation's horizon runs to 12:15 and the sellers' block to lunch at
    # 12:00: the page states and applies 12:00, each agent's own end.
    with site_clock(demo_api, time(11, 20)):
        _states_and_applies_one_end_per_agent(demo_api)


def _states_and_applies_one_end_per_agent(api: DemoApi) -> None:
    rec: Any = api.get("/v1/intraday/recommendation", "floor_manager", site=api.site)
    assert rec["moves"], rec["message"]  # half the floor sells: servers are short
    at = run_floor(api)
    assert metric(at, "On shift now") == str(rec["on_shift_now"])
    assert metric(at, "Sellers now") == str(rec["sellers_now"])
    # The headline's end is the rows' end, each the move's own, in the site's local time.
    ends = sorted({local_hhmm(api, m["until_utc"]) for m in rec["moves"]})
    assert local_hhmm(api, rec["until_utc"]) == "12:15" and ends == ["12:00"]
    (headline,) = [w.value for w in at.warning if w.value.startswith("Recommendation:")]
    assert all(end in headline for end in ends) and "12:15" not in headline, headline
    moves = at.dataframe[0].value
    assert list(moves["Until"]) == [local_hhmm(api, m["until_utc"]) for m in rec["moves"]]
    assert list(moves["Agent"]) == [m["agent_code"] for m in rec["moves"]]
    assert all("points answer rate" in x and "expected sales" in x for x in moves["Trade"])

    # Take one agent out of the selection: it stays out over a refresh of the page.
    codes = [m["agent_code"] for m in rec["moves"]]
    kept = codes[1:] if len(codes) > 1 else codes
    at.multiselect(key="floor_pick").set_value(kept).run()
    at.run()  # the 30 s refresh
    assert_clean(at)
    assert at.multiselect(key="floor_pick").value == kept
    assert not at.button(key="floor_apply").disabled

    at.button(key="floor_apply").click().run()
    assert_clean(at)
    assert any(s.value.startswith("Switched to serve: ") for s in at.success)
    changes: Any = api.get(
        "/v1/intraday/plan-changes",
        "floor_manager",
        site=api.site,
        start_utc=(api.clock_utc - timedelta(hours=1)).isoformat(),
        end_utc=(api.clock_utc + timedelta(hours=5)).isoformat(),
    )
    ends_by_agent = {m["agent_code"]: m["until_utc"] for m in rec["moves"]}
    switched = {c["agent_code"]: c for c in changes if c["kind"] == "switch"}
    for code in kept:  # each switched until its own end, as the row said
        assert datetime.fromisoformat(switched[code]["end_utc"]) == datetime.fromisoformat(
            ends_by_agent[code]
        )
    after: Any = api.get("/v1/intraday/recommendation", "floor_manager", site=api.site)
    assert not set(kept) & {m["agent_code"] for m in after["moves"]}

    at.run()  # the next refresh: the confirmation has cleared
    assert_clean(at)
    assert not any(s.value.startswith("Switched to") for s in at.success)


def test_the_board_lists_every_agent_with_a_plan_today_out_of_adherence_first(
    demo_api: DemoApi,
) -> None:
    api = demo_api
    at = run_floor(api)
    live: Any = api.get("/v1/adherence/live", "floor_manager", site=api.site)
    assert metric(at, "Scheduled now") == str(live["scheduled_now"])
    assert metric(at, "Out of adherence now") == str(live["out_of_adherence"])
    boards = [d.value for d in at.dataframe if "State" in d.value.columns]
    assert boards, [list(d.value.columns) for d in at.dataframe]
    board = boards[0]
    assert list(board["Agent"]) == [a["agent_code"] for a in live["agents"]]
    day: Any = api.get(
        "/v1/intraday/day",
        site=api.site,
        date=api.clock_utc.astimezone(ZoneInfo(api.timezone)).date().isoformat(),
    )
    names = {a["agent_code"]: a["name"] for a in day["agents"]}
    assert list(board["Name"]) == [names[c] for c in board["Agent"]]
    # with no agent state today the page says why everyone reads as absent
    warned = any("No agent state has arrived today" in w.value for w in at.warning)
    assert warned == (live["last_event_utc"] is None and live["scheduled_now"] > 0)
    # No raw field names in the page's tables.
    for frame in at.dataframe:
        assert not [c for c in frame.value.columns if "_" in str(c)], list(frame.value.columns)


def test_the_queue_charts_and_the_page_in_chinese(demo_api: DemoApi) -> None:
    api = demo_api
    staffing: Any = api.get("/v1/intraday/staffing", site=api.site)
    reforecast: Any = api.get("/v1/intraday/reforecast", site=api.site)
    assert {q["queue_code"] for q in staffing["queues"]} == {
        q["queue_code"] for q in reforecast["queues"]
    }
    at = run_floor(api, lang="zh-CN")
    with use_locale("zh_CN"):
        title, reforecast_label, required = t("Floor"), t("Reforecast"), t("Required")
    assert title != "Floor"
    assert [x.value for x in at.title] == [title]
    assert len(at.tabs) == len(reforecast["queues"])
    specs = [
        json.dumps(json.loads(chart.proto.spec), ensure_ascii=False)
        for chart in at.get("vega_lite_chart")
    ]
    contacts = [s for s in specs if '"area"' in s and reforecast_label in s]
    agents = [s for s in specs if '"step-after"' in s and required in s]
    # One chart of each per queue, on the site's clock (a UTC scale of local wall times).
    assert len(contacts) == len(agents) == len(reforecast["queues"])
    assert all('"%H:%M"' in s and '"utc"' in s for s in contacts + agents)
