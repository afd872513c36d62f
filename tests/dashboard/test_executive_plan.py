"""The executive page's "Adherence / 遵从率" and "Plan accuracy / 计划准确度" sections against a
live API: a demo centre of its own whose first rostered week has two days played (history
imported, every agent's states posted, a third of them late on Monday) and its clock on the
Wednesday. The page's figures are the API's (`/v1/kpis/adherence`, `/v1/kpis/plan-accuracy`), in
English and in Chinese; over days without a roster both sections say so. The agents' states are
posted a day at a time with the site clock at the day's end, as a feed would send them (the
feed takes no event from after its clock nor from long before it), and on Wednesday up to 11:00,
where the floor labels each agent's adherence so far with code and name."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from dashkit import DemoApi
from test_pages import assert_clean, metric, run_page

from dashboard.i18n import fmt_date, use_locale

STATE_OF = {"serve": "ready", "sell": "outbound_dialling", "lunch": "lunch", "break": "break"}


def _events(
    schedule: dict[str, Any], days: set[str], until: datetime, *, late_day: str
) -> list[dict[str, str]]:
    """Each agent follows its plan on `days` until `until`; every third agent logs in 10 minutes
    late on `late_day`."""
    first = late_day
    events: list[dict[str, str]] = []
    for n, shift in enumerate(schedule["shifts"]):
        if shift["shift_date"] not in days:
            continue
        for k, span in enumerate(shift["activities"]):
            at = datetime.fromisoformat(span["start_utc"])
            if k == 0 and shift["shift_date"] == first and n % 3 == 0:
                at += timedelta(minutes=10)
            state = STATE_OF[span["activity"]]
            events.append({"agent_code": shift["agent_code"], "at": at.isoformat(), "state": state})
        end = shift["end_utc"]
        events.append({"agent_code": shift["agent_code"], "at": end, "state": "logged_out"})
    return [
        {
            "event_id": f"x{min(days)}-{i}",
            "agent_code": e["agent_code"],
            "occurred_at_utc": e["at"],
            "state": e["state"],
        }
        for i, e in enumerate(events)
        if datetime.fromisoformat(e["at"]) < until
    ]


def _history(queues: list[str], days: list[date], zone: ZoneInfo) -> str:
    lines = [
        "queue,interval_start,offered,answered,abandoned,short_abandoned,"
        "answered_within_threshold,handle_seconds,wait_seconds_answered"
    ]
    for q, queue in enumerate(queues):
        for day in days:
            for k in range(40):  # 08:00-18:00 local
                at = datetime.combine(day, time(8), tzinfo=zone) + timedelta(minutes=15 * k)
                offered = 6 + (k + q) % 7
                answered = offered - 1
                within = answered - k % 3
                lines.append(
                    f"{queue},{at.astimezone(UTC).isoformat()},{offered},{answered},1,0,"
                    f"{within},{answered * 240},{answered * 20}"
                )
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def played_api(own_demo_api: DemoApi) -> Iterator[DemoApi]:
    api = own_demo_api
    zone = ZoneInfo(api.timezone)
    monday, tuesday = api.week1, api.week1 + timedelta(days=1)
    wednesday = api.week1 + timedelta(days=2)
    with api.client() as admin:
        (summary,) = [
            s
            for s in admin.get("/v1/schedules", params={"site": api.site}).json()
            if s["week_start"] == api.week1.isoformat() and s["status"] == "published"
        ]
        schedule = admin.get(f"/v1/schedules/{summary['id']}").json()
        queues = [q["code"] for q in admin.get("/v1/queues", params={"site": api.site}).json()]
        r = admin.post(
            "/v1/history/import",
            content=_history(queues, [monday, tuesday], zone),
            headers={"Content-Type": "text/csv"},
        )
        assert r.status_code == 200, r.text
        now = datetime.combine(wednesday, time(11), tzinfo=zone).astimezone(UTC)
        # a day at a time, the site clock at the day's end (Wednesday: 11:00): the feed takes
        # events up to its clock and not from long before it
        for day in (monday, tuesday, wednesday):
            until = min(now, datetime.combine(day, time(23, 59), tzinfo=zone).astimezone(UTC))
            r = admin.put(
                "/v1/intraday/clock",
                json={"site": api.site, "now_utc": until.isoformat(), "speed": 0},
            )
            assert r.status_code == 200, r.text
            events = _events(schedule, {day.isoformat()}, until, late_day=monday.isoformat())
            r = admin.post("/v1/agent-events", json={"events": events})
            assert r.status_code == 200, r.text
            assert r.json()["accepted"] == len(events), r.text
    yield api


def _percent(fraction: float) -> str:
    return f"{100 * fraction:.1f}%"


def test_adherence_and_plan_accuracy_show_the_apis_figures(played_api: DemoApi) -> None:
    api = played_api
    at = run_page(api, "pages/executive.py", "executive")
    first, last = at.date_input(key="exec_range").value
    assert (first, last) == (api.week1, api.week1 + timedelta(days=1))  # this week so far
    end = last + timedelta(days=1)
    adherence: Any = api.get("/v1/kpis/adherence", "executive", site=api.site, start=first, end=end)
    total = adherence["total"]
    assert 0.5 < total["adherence"] < 1.0  # the late logins cost adherence
    assert {"Adherence", "Plan accuracy"} <= {s.value for s in at.subheader}
    assert metric(at, "Adherence") == _percent(total["adherence"])
    assert metric(at, "Conformance") == _percent(total["conformance"])
    assert metric(at, "Agents scheduled") == str(total["agents"])
    # the site clock (Wednesday) is past the range: the count runs to its last day
    with use_locale("en"):
        counted = f"Counted from {fmt_date(first)} to {fmt_date(last)} (site time)"
    assert any(counted in c.value for c in at.caption), [c.value for c in at.caption]
    teams = [d.value for d in at.dataframe if "group" in d.value.columns]
    assert [len(t) for t in teams] == [len(adherence["teams"]), len(adherence["queues"])]
    queue_table = teams[1]
    assert list(queue_table["group"]) == [q["queue_code"] for q in adherence["queues"]]
    assert list(queue_table["adherence"]) == pytest.approx(
        [q["adherence"] for q in adherence["queues"]]
    )

    plan: Any = api.get("/v1/kpis/plan-accuracy", "executive", site=api.site, start=first, end=end)
    assert [d["day"] for d in plan["days"]] == [first.isoformat(), last.isoformat()]
    overall = plan["total"]
    assert metric(at, "Answer rate realised") == _percent(overall["answer_rate"])
    assert metric(at, "Service level realised") == _percent(overall["service_level"])
    assert metric(at, "Contacts realised") == f"{overall['offered']:,}"
    tables = [d.value for d in at.dataframe if "predicted_answer_rate" in d.value.columns]
    (table,) = tables
    assert len(table) == len(plan["queues"]) + 1  # each queue, then all queues
    assert list(table["predicted_answer_rate"])[:-1] == pytest.approx(
        [q["predicted_answer_rate"] for q in plan["queues"]]
    )
    specs = [chart.proto.spec.replace(" ", "") for chart in at.get("vega_lite_chart")]
    assert any('"strokeDash"' in spec for spec in specs)  # planned against realised by day

    zh = run_page(api, "pages/executive.py", "executive", wfm_language="zh")
    assert {"遵从率", "计划准确度"} <= {s.value for s in zh.subheader}
    assert metric(zh, "遵从率") == _percent(total["adherence"])
    assert metric(zh, "实际接通率") == _percent(overall["answer_rate"])


def test_without_a_roster_both_sections_say_so(demo_api: DemoApi) -> None:
    at = run_page(demo_api, "pages/executive.py", "executive")  # the last history week
    assert {"Adherence", "Plan accuracy"} <= {s.value for s in at.subheader}
    texts = [i.value for i in at.info]
    assert any(text.startswith("Nobody was scheduled") for text in texts), texts
    assert any("nothing to compare yet" in text for text in texts), texts
    first, _ = at.date_input(key="exec_range").value
    at.date_input(key="exec_range").set_value((first - timedelta(days=35), first)).run()
    assert_clean(at)
    texts = [i.value for i in at.info]
    assert any(text.startswith("Adherence covers at most 31 days") for text in texts), texts
    assert any(text.startswith("Plan accuracy covers at most 31 days") for text in texts), texts
    assert any(text.startswith("The split by contact reason covers") for text in texts), texts


def test_the_floor_labels_each_agents_adherence_with_code_and_name(played_api: DemoApi) -> None:
    """Wednesday 11:00 of the played week: the floor's adherence so far, one bar and one row
    per agent, each with the agent's name beside the code, every label drawn."""
    api = played_api
    at = run_page(api, "pages/floor.py", "floor_manager")
    assert not any("No agent state has arrived today" in w.value for w in at.warning)
    rows: Any = api.get(
        "/v1/adherence", "floor_manager", site=api.site, date=(api.week1 + timedelta(days=2))
    )
    scored = [r for r in rows if r["adherence"] is not None]
    assert scored
    [table] = [d.value for d in at.dataframe if "Conformance" in d.value.columns]
    agents = {a["code"]: a["name"] for a in api.get("/v1/agents", "planner", site=api.site)}
    assert sorted(table["Agent"]) == sorted(r["agent_code"] for r in scored)
    assert list(table["Name"]) == [agents[c] for c in table["Agent"]]
    specs = [chart.proto.spec.replace(" ", "") for chart in at.get("vega_lite_chart")]
    assert len([s for s in specs if '"labelOverlap":false' in s]) == 1  # every bar labelled
