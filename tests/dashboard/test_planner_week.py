"""The planner's week per agent: every agent of the roster on all seven days, filtered by team,
skill and agent; a shift edited from the page goes through POST /v1/schedules/{id}/edits and
lands as a new draft (the schedule shown untouched), and an edit that breaks a rule is refused
on the page with nothing stored."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dashkit import DemoApi
from streamlit.testing.v1 import AppTest
from test_pages import assert_clean, run_page

from dashboard.i18n import use_locale
from dashboard.planner_roster import edit_said


def _week_caption(at: AppTest) -> str:
    found = [c.value for c in at.caption if "agents," in c.value and "shifts from" in c.value]
    assert len(found) == 1, [c.value for c in at.caption]
    return found[0]


def _schedule(demo_api: DemoApi, week: Any = None) -> Any:
    """The schedule the page shows for the week: its published one, else its latest draft."""
    schedules: Any = demo_api.get(
        "/v1/schedules",
        "planner",
        site=demo_api.site,
        week_start=(week or demo_api.week1).isoformat(),
    )
    published = [s for s in schedules if s["status"] == "published"]
    shown = (published or [s for s in schedules if s["status"] == "draft"])[-1]
    return demo_api.get(f"/v1/schedules/{shown['id']}", "planner")


def _charts(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


def _day(value: Any) -> date:
    """A date of the chart's scale domain (Vega-Lite: an ISO text or a {year, month, date}
    object, or epoch milliseconds)."""
    if isinstance(value, dict):
        return date(value["year"], value["month"], value["date"])
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000, UTC).date()
    return datetime.fromisoformat(str(value)).date()


def _gantt_rows(at: AppTest) -> int:
    """The agents the page's Gantt draws (its height is 22 px a row and 40 more)."""
    [gantt] = [c for c in _charts(at) if c.get("encoding", {}).get("y", {}).get("field") == "row"]
    rows, extra = divmod(int(gantt["height"]) - 40, 22)
    assert extra == 0, gantt["height"]
    return rows


def test_a_large_week_is_drawn_a_page_of_agents_at_a_time(
    demo_api: DemoApi, monkeypatch: Any
) -> None:
    """More agents than a page holds: the Gantt draws one page (the first on opening) and
    Agents shown pages through them; the caption and exports keep every agent; a filter that
    leaves one page hides the pager, and clearing it brings the pages back."""
    from dashboard import roster_week

    monkeypatch.setattr(roster_week, "AGENTS_PER_PAGE", 12)
    at = run_page(demo_api, "pages/planner.py", "planner")
    at.selectbox(key="planner_week").select(demo_api.week1).run()
    rostered = {s["agent_code"] for s in _schedule(demo_api)["shifts"]}
    assert len(rostered) > 24  # three pages at 12 a page
    pager = at.selectbox(key="planner_agent_page")
    last = len(rostered)
    assert pager.options == [f"1-12 of {last}", f"13-24 of {last}", f"25-{last} of {last}"]
    assert _gantt_rows(at) == 12
    pager.set_value((25, last)).run()
    assert_clean(at)
    assert _gantt_rows(at) == last - 24
    assert _week_caption(at).startswith(f"{last} agents, ")
    [table] = [d.value for d in at.dataframe if "Shifts" in d.value.columns]
    assert sorted(table["Agent"]) == sorted(rostered)

    one = sorted(rostered)[:3]
    at.multiselect(key="planner_filter_agent").set_value(one).run()
    assert_clean(at)
    assert not [s for s in at.selectbox if s.key == "planner_agent_page"]
    assert _gantt_rows(at) == 3
    at.multiselect(key="planner_filter_agent").set_value([]).run()
    assert_clean(at)
    assert len(at.selectbox(key="planner_agent_page").options) == 3


def _submit(at: AppTest, label: str) -> None:
    [button] = [b for b in at.button if b.label == label]
    button.click().run()


def test_the_week_shows_every_agent_and_filters_by_team_skill_and_agent(
    demo_api: DemoApi,
) -> None:
    at = run_page(demo_api, "pages/planner.py", "planner")
    # the page opens on the site's week by its clock (the demo's clock is in the first week)
    sites: Any = demo_api.get("/v1/sites", "planner")
    [site] = [s for s in sites if s["code"] == demo_api.site]
    assert site["opening_week_start"] == demo_api.week1.isoformat()
    assert at.selectbox(key="planner_week").value == demo_api.week1
    at.selectbox(key="planner_week").select(demo_api.week1).run()
    assert_clean(at)
    schedule = _schedule(demo_api)
    agents: Any = demo_api.get("/v1/agents", "planner", site=demo_api.site)
    by_code = {a["code"]: a for a in agents}
    rostered = {s["agent_code"] for s in schedule["shifts"]}
    # the Gantt: a row per agent, every label shown, the chart as tall as the rows need, its
    # time axis the seven local days of the week
    [gantt] = [c for c in _charts(at) if c.get("encoding", {}).get("y", {}).get("field") == "row"]
    assert gantt["height"] == 22 * len(rostered) + 40
    assert gantt["encoding"]["y"]["axis"]["labelLimit"] == 0
    first, last = gantt["encoding"]["x"]["scale"]["domain"]
    assert _day(first) == demo_api.week1 and _day(last) == demo_api.week1 + timedelta(days=7)
    colours = gantt["encoding"]["color"]["scale"]
    assert colours["domain"] == ["serve", "sell", "break", "lunch", "other"]
    caption = _week_caption(at)
    assert caption.startswith(f"{len(rostered)} agents, {len(schedule['shifts'])} shifts from ")
    assert "local time (" + demo_api.timezone + ")" in caption
    # every agent's row is labelled with code, name and team (the demo agents' own teams)
    table = [d.value for d in at.dataframe if "Shifts" in d.value.columns]
    assert len(table) == 1
    listed = table[0]
    assert sorted(listed["Agent"]) == sorted(rostered)
    for _, row in listed.iterrows():
        agent = by_code[row["Agent"]]
        assert row["Name"] == agent["name"]
        assert row["Team"] == agent["team"] and agent["team"].startswith("Team ")
        shifts = [s for s in schedule["shifts"] if s["agent_code"] == row["Agent"]]
        assert row["Shifts"] == len(shifts) > 0

    # by team: the filter lists the rostered agents' teams; picking one keeps only its agents
    options = at.multiselect(key="planner_filter_team").options
    assert options == sorted({by_code[c]["team"] for c in rostered})
    team = listed["Team"].value_counts().index[0]
    members = {c for c in rostered if by_code[c]["team"] == team}
    assert 0 < len(members) < len(rostered)
    at.multiselect(key="planner_filter_team").set_value([team]).run()
    assert_clean(at)
    in_team = [s for s in schedule["shifts"] if s["agent_code"] in members]
    assert _week_caption(at).startswith(f"{len(members)} agents, {len(in_team)} shifts")

    # by skill (with the team filter cleared): agents with the skill for a queue or campaign
    at.multiselect(key="planner_filter_team").set_value([]).run()
    skill = sorted({c for a in agents for c in a["campaign_skills"]})[0]
    skilled = {c for c in rostered if skill in by_code[c]["campaign_skills"]}
    assert 0 < len(skilled) < len(rostered)
    at.multiselect(key="planner_filter_skill").set_value([skill]).run()
    assert _week_caption(at).startswith(f"{len(skilled)} agents, ")

    # by agent
    at.multiselect(key="planner_filter_skill").set_value([]).run()
    one = sorted(rostered)[0]
    at.multiselect(key="planner_filter_agent").set_value([one]).run()
    theirs = [s for s in schedule["shifts"] if s["agent_code"] == one]
    assert _week_caption(at).startswith(f"1 agents, {len(theirs)} shifts")
    assert list(listed["Agent"]) and [d.value for d in at.dataframe if "Team" in d.value.columns]


def test_a_shift_edited_on_the_page_becomes_a_new_draft(demo_api: DemoApi) -> None:
    # on the second week (a draft, or published by another test): the first keeps its
    # published version as the latest for the other planner tests
    at = run_page(demo_api, "pages/planner.py", "planner")
    at.selectbox(key="planner_week").select(demo_api.week2).run()
    published = _schedule(demo_api, demo_api.week2)
    before: Any = demo_api.get(
        "/v1/schedules", "planner", site=demo_api.site, week_start=demo_api.week2.isoformat()
    )

    at.toggle(key="planner_edit_open").set_value(True).run()
    # shortening a shift by an hour breaks its contract's length: refused, nothing stored
    at.radio(key="planner_edit_kind").set_value("shorten").run()
    at.number_input(key="planner_edit_minutes").set_value(60).run()
    _submit(at, "Check and save as a new draft")
    assert_clean_but_errors = [e.value for e in at.error]
    assert len(assert_clean_but_errors) == 1
    assert "refused and nothing was saved" in assert_clean_but_errors[0]
    assert "shift length (" in assert_clean_but_errors[0]  # the rule in the planner's words
    after: Any = demo_api.get(
        "/v1/schedules", "planner", site=demo_api.site, week_start=demo_api.week2.isoformat()
    )
    assert after == before

    # a swap lists the other agents with their names and whether they work that day
    at.radio(key="planner_edit_kind").set_value("swap").run()
    owner = at.selectbox(key="planner_edit_shift").value.split(" · ")[0]
    day = next(s["shift_date"] for s in published["shifts"] if s["agent_code"] == owner)
    working = {s["agent_code"] for s in published["shifts"] if s["shift_date"] == day}
    listed: Any = demo_api.get("/v1/agents", "planner", site=demo_api.site)
    rows = listed["items"] if isinstance(listed, dict) else listed
    names = {a["code"]: a["name"] for a in rows}
    labels = [str(o) for o in at.selectbox(key="planner_edit_other").options]
    assert labels and all(label.count(" · ") == 2 for label in labels), labels[:3]
    for label in labels:
        code, name, said = label.split(" · ")
        assert name == names[code] and code != owner
        assert said == ("works that day" if code in working else "off that day")

    # moving the first listed shift by 30 minutes: a new draft, the published one untouched
    at.radio(key="planner_edit_kind").set_value("move").run()
    shift_label = at.selectbox(key="planner_edit_shift").value
    agent_code = shift_label.split(" · ")[0]
    at.number_input(key="planner_edit_offset").set_value(30).run()
    _submit(at, "Check and save as a new draft")
    assert_clean(at)
    saved = [s.value for s in at.success if "Saved as draft version" in s.value]
    assert len(saved) == 1, [s.value for s in at.success]
    assert f"{agent_code}'s shift of " in saved[0] and "moved by +30 min" in saved[0]
    versions: Any = demo_api.get(
        "/v1/schedules", "planner", site=demo_api.site, week_start=demo_api.week2.isoformat()
    )
    draft = versions[-1]
    assert draft["status"] == "draft" and f"version {draft['version']}" in saved[0]
    assert draft["summary"]["edited_from_schedule_id"] == published["id"]
    full: Any = demo_api.get(f"/v1/schedules/{draft['id']}", "planner")
    original = [s for s in published["shifts"] if s["agent_code"] == agent_code][0]
    moved = [
        s
        for s in full["shifts"]
        if s["agent_code"] == agent_code and s["shift_date"] == original["shift_date"]
    ][0]
    assert datetime.fromisoformat(moved["start_utc"]) == datetime.fromisoformat(
        original["start_utc"]
    ) + timedelta(minutes=30)
    assert demo_api.get(f"/v1/schedules/{published['id']}", "planner") == published
    # the review section now shows the edited draft
    assert any(f"Edited by hand: moved {agent_code}" in c.value for c in at.caption)


def test_an_activity_changed_on_the_page_becomes_a_new_draft(demo_api: DemoApi) -> None:
    """Half an hour of a shift given to other work (a meeting, say) from the page: the new
    draft's shift holds exactly that span as `other`, the rest of its day as before."""
    at = run_page(demo_api, "pages/planner.py", "planner")
    at.selectbox(key="planner_week").select(demo_api.week2).run()
    shown = _schedule(demo_api, demo_api.week2)
    at.toggle(key="planner_edit_open").set_value(True).run()
    at.radio(key="planner_edit_kind").set_value("change_activity").run()
    agent_code = at.selectbox(key="planner_edit_shift").value.split(" · ")[0]
    # the choices are the shift's quarter hours: from its start + 60 min to its start + 90 min
    begin, end = at.selectbox(key="planner_edit_from"), at.selectbox(key="planner_edit_to")
    begin.set_value(begin.options[4])
    end.set_value(end.options[5])
    at.selectbox(key="planner_edit_activity").set_value("other")
    _submit(at, "Check and save as a new draft")
    assert_clean(at)
    saved = [s.value for s in at.success if "Saved as draft version" in s.value]
    assert len(saved) == 1, ([s.value for s in at.success], [e.value for e in at.error])
    assert f"{agent_code}'s shift of " in saved[0] and "other" in saved[0]
    versions: Any = demo_api.get(
        "/v1/schedules", "planner", site=demo_api.site, week_start=demo_api.week2.isoformat()
    )
    draft: Any = demo_api.get(f"/v1/schedules/{versions[-1]['id']}", "planner")
    assert draft["summary"]["edited_from_schedule_id"] == shown["id"]
    before = [s for s in shown["shifts"] if s["agent_code"] == agent_code][0]
    [after] = [
        s
        for s in draft["shifts"]
        if s["agent_code"] == agent_code and s["shift_date"] == before["shift_date"]
    ]
    start = datetime.fromisoformat(before["start_utc"])
    other = [a for a in after["activities"] if a["activity"] == "other"]
    assert [
        (datetime.fromisoformat(a["start_utc"]), datetime.fromisoformat(a["end_utc"]))
        for a in other
    ] == [(start + timedelta(minutes=60), start + timedelta(minutes=90))]
    assert (after["start_utc"], after["end_utc"]) == (before["start_utc"], before["end_utc"])
    assert demo_api.get(f"/v1/schedules/{shown['id']}", "planner") == shown


def test_a_forecast_adjustment_posted_from_the_page(demo_api: DemoApi) -> None:
    """One local hour of the second week's Sunday, +0 % (nothing the other tests read changes):
    one adjustment per day chosen, from the chosen local hours, shown as a confirmation."""
    at = run_page(demo_api, "pages/planner.py", "planner")
    at.selectbox(key="planner_week").select(demo_api.week2).run()
    queue = at.selectbox(key="planner_queue").value
    at.toggle(key="planner_adjust_open").set_value(True).run()
    sunday = demo_api.week2 + timedelta(days=6)
    before: Any = demo_api.get("/v1/forecast-adjustments", "planner", queue=queue)
    at.selectbox(key="planner_adjust_first").select(sunday)
    at.selectbox(key="planner_adjust_last").select(sunday)
    at.selectbox(key="planner_adjust_from").select(time(22))
    at.selectbox(key="planner_adjust_to").select(time(23))
    at.number_input(key="planner_adjust_percent").set_value(0.0)
    at.text_input(key="planner_adjust_note").input("page test")
    _submit(at, "Add the adjustment")
    assert_clean(at)
    [confirmed] = [s.value for s in at.success if "adjustments of" in s.value]
    assert confirmed.startswith(f"1 adjustments of {queue}: 0.0% from ")
    after: Any = demo_api.get("/v1/forecast-adjustments", "planner", queue=queue)
    [added] = [a for a in after if a["id"] not in {b["id"] for b in before}]
    zone = ZoneInfo(demo_api.timezone)
    start = datetime.fromisoformat(added["start_utc"]).astimezone(zone)
    end = datetime.fromisoformat(added["end_utc"]).astimezone(zone)
    assert (start.date(), start.time(), end.time()) == (sunday, time(22), time(23))
    assert (added["target"], added["operation"], added["value"]) == ("offered", "scale", 1.0)
    assert added["note"] == "page test"


def test_an_edit_said_in_the_readers_language() -> None:
    body = {
        "kind": "change_activity",
        "agent_code": "A7",
        "shift_date": "2026-11-10",
        "start_utc": "2026-11-10T01:00:00+00:00",
        "end_utc": "2026-11-10T02:30:00+00:00",
        "activity": "sell",
        "campaign_code": "UPGRADE",
    }
    with use_locale("en"):
        said = edit_said(body, {}, "Asia/Shanghai")
    assert said == "A7's shift of Tue, Nov 10, 2026: sell UPGRADE from 09:00 to 10:30"
    with use_locale("zh"):
        said = edit_said(body, {}, "Asia/Shanghai")
    assert said == "A7 在 2026年11月10日周二 的班次：09:00 至 10:30 改为销售 UPGRADE", said
    swap = {
        "kind": "swap",
        "agent_code": "A7",
        "shift_date": "2026-11-10",
        "other_agent_code": "B2",
    }
    with use_locale("en"):
        said = edit_said(swap, {"B2": {"name": "李娜"}}, "Asia/Shanghai")
    assert said == "the shifts of A7 and B2 · 李娜 on Tue, Nov 10, 2026 swapped"
