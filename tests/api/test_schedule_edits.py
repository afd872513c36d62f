"""Editing a roster by hand over real HTTP, on each database backend: POST
/v1/schedules/{id}/edits moves, shortens, changes an activity or swaps two agents' shifts on a
copy of the schedule and saves it as the week's next draft, leaving the published schedule as it
was; an edit that breaks a hard rule is 422 naming each rule and stores nothing. The Excel
export holds the roster's rows, cell by cell."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from apikit import SITE, ApiServer, contract, ok, seed_centre
from sqlalchemy import Engine

from wfm.db.repositories import ScheduleRepository
from wfm.db.session import unit_of_work
from wfm.domain import Activity, ActivitySpan, Schedule, ScheduleStatus, Shift, ShiftBreak
from wfm.services.centre import CentreData, load_centre
from wfm.services.forecasting import run_forecast
from wfm.services.scheduling import build_schedule, first_forecast_week
from wfm.tools.demo import generate_demo_centre


def _built(engine: Engine) -> tuple[int, str]:
    """A demo centre of 10 agents with a forecast and a roster built for its first week."""
    demo = generate_demo_centre(weeks=3, agents=10, seed=11)
    site = demo.sites[0].code
    with unit_of_work(engine) as session:
        load_centre(session, CentreData.of_demo(demo))
        run_forecast(session, site_code=site, weeks=2)
    with unit_of_work(engine) as session:
        week = first_forecast_week(session, site)
        schedule = build_schedule(session, site_code=site, week_start=week, time_limit_seconds=2)
    assert schedule.id is not None and schedule.summary["hard_violations"] == 0
    return schedule.id, demo.sites[0].timezone


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _shift(schedule: dict[str, Any], agent: str, day: str) -> dict[str, Any] | None:
    found = [s for s in schedule["shifts"] if s["agent_code"] == agent and s["shift_date"] == day]
    return found[0] if found else None


def _versions(client: httpx.Client, site: str) -> list[tuple[int, str]]:
    listed = ok(client.get("/v1/schedules", params={"site": site}))
    assert isinstance(listed, list)
    return [(s["version"], s["status"]) for s in listed]


def _edit(client: httpx.Client, schedule_id: int, body: dict[str, Any]) -> httpx.Response:
    return client.post(f"/v1/schedules/{schedule_id}/edits", json=body)


def test_each_kind_of_edit_is_saved_as_a_new_draft(api: ApiServer) -> None:
    schedule_id, _ = _built(api.engine)
    with api.client("planner") as planner:
        ok(planner.post(f"/v1/schedules/{schedule_id}/publish"))
        published = ok(planner.get(f"/v1/schedules/{schedule_id}"))
        assert isinstance(published, dict)
        site = published["site_code"]
        agents = {a["code"]: a for a in ok(planner.get("/v1/agents", params={"site": site}))}  # type: ignore[union-attr]
        first = published["shifts"][0]
        agent, day = first["agent_code"], first["shift_date"]

        # move: every time of the shift 30 minutes later, in a new draft (version 2)
        moved = _edit(
            planner,
            schedule_id,
            {"kind": "move", "agent_code": agent, "shift_date": day, "offset_minutes": 30},
        )
        body = ok(moved, 201)
        assert isinstance(body, dict)
        assert body["schedule"]["status"] == "draft" and body["schedule"]["version"] == 2
        assert body["edited_from_schedule_id"] == schedule_id and "moved" in body["edit"]
        draft = ok(planner.get(f"/v1/schedules/{body['schedule']['id']}"))
        assert isinstance(draft, dict)
        after = _shift(draft, agent, day)
        assert after is not None
        half = timedelta(minutes=30)
        assert _at(after["start_utc"]) == _at(first["start_utc"]) + half
        assert _at(after["end_utc"]) == _at(first["end_utc"]) + half
        assert [_at(a["start_utc"]) for a in after["activities"]] == [
            _at(a["start_utc"]) + half for a in first["activities"]
        ]
        assert [a["activity"] for a in after["activities"]] == [
            a["activity"] for a in first["activities"]
        ]
        others = [s for s in draft["shifts"] if s is not after]
        assert len(others) == len(published["shifts"]) - 1
        # the published schedule is as it was
        assert ok(planner.get(f"/v1/schedules/{schedule_id}")) == published

        # change an activity: the first quarter hour of a serving span to the agent's other queue
        multi = next(
            (
                (s, q)
                for s in published["shifts"]
                for q in agents[s["agent_code"]]["queue_skills"]
                if len(agents[s["agent_code"]]["queue_skills"]) > 1
                and s["activities"][0]["activity"] == "serve"
                and s["activities"][0]["queue_code"] != q
            ),
            None,
        )
        assert multi is not None, "the demo roster has an agent with two queues serving"
        shift, queue = multi
        span_start = _at(shift["activities"][0]["start_utc"])
        changed = ok(
            _edit(
                planner,
                schedule_id,
                {
                    "kind": "change_activity",
                    "agent_code": shift["agent_code"],
                    "shift_date": shift["shift_date"],
                    "start_utc": span_start.isoformat(),
                    "end_utc": (span_start + timedelta(minutes=15)).isoformat(),
                    "activity": "serve",
                    "queue_code": queue,
                },
            ),
            201,
        )
        assert isinstance(changed, dict) and changed["schedule"]["version"] == 3
        draft = ok(planner.get(f"/v1/schedules/{changed['schedule']['id']}"))
        assert isinstance(draft, dict)
        after = _shift(draft, shift["agent_code"], shift["shift_date"])
        assert after is not None
        head = after["activities"][0]
        assert (head["activity"], head["queue_code"]) == ("serve", queue)
        assert _at(head["start_utc"]) == span_start
        assert _at(head["end_utc"]) >= span_start + timedelta(minutes=15)
        assert after["start_utc"] == shift["start_utc"] and after["end_utc"] == shift["end_utc"]

        assert ok(planner.get(f"/v1/schedules/{schedule_id}")) == published


def test_an_edit_that_breaks_a_rule_is_refused_naming_it(api: ApiServer) -> None:
    schedule_id, _ = _built(api.engine)
    with api.client("planner") as planner:
        published = ok(planner.get(f"/v1/schedules/{schedule_id}"))
        assert isinstance(published, dict)
        site = published["site_code"]
        agents = {a["code"]: a for a in ok(planner.get("/v1/agents", params={"site": site}))}  # type: ignore[union-attr]
        before = _versions(planner, site)
        full_time = next(
            s
            for s in published["shifts"]
            if len(agents[s["agent_code"]]["contract"]["shift_lengths_minutes"]) == 1
        )
        # shortened by an hour: a length the contract does not allow, and fewer weekly hours
        refused = _edit(
            planner,
            schedule_id,
            {
                "kind": "shorten",
                "agent_code": full_time["agent_code"],
                "shift_date": full_time["shift_date"],
                "minutes": 60,
            },
        )
        assert refused.status_code == 422, refused.text
        body = refused.json()
        assert body["error"] == "rule_violation"
        rules = {e["field"] for e in body["errors"]}
        assert "rule.shift_length" in rules and "rule.contract_hours_min" in rules, rules
        assert all(e["value"] == full_time["agent_code"] for e in body["errors"])
        assert "shift_length" in body["detail"]

        # serving a queue the agent has no skill for
        one_skill = next(
            s for s in published["shifts"] if len(agents[s["agent_code"]]["queue_skills"]) == 1
        )
        queues = {q for a in agents.values() for q in a["queue_skills"]}
        other = sorted(queues - set(agents[one_skill["agent_code"]]["queue_skills"]))[0]
        start = _at(one_skill["start_utc"])
        refused = _edit(
            planner,
            schedule_id,
            {
                "kind": "change_activity",
                "agent_code": one_skill["agent_code"],
                "shift_date": one_skill["shift_date"],
                "start_utc": start.isoformat(),
                "end_utc": (start + timedelta(minutes=15)).isoformat(),
                "activity": "serve",
                "queue_code": other,
            },
        )
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == ["rule.skills"]
        assert other in refused.json()["errors"][0]["message"]

        # edits that do not fit the schedule name their field
        day = published["shifts"][0]["shift_date"]
        nobody = _edit(
            planner,
            schedule_id,
            {"kind": "move", "agent_code": "NOBODY", "shift_date": day, "offset_minutes": 30},
        )
        assert (
            nobody.status_code == 422 and nobody.json()["errors"][0]["field"] == "body.agent_code"
        )
        late = _edit(
            planner,
            schedule_id,
            {
                "kind": "shorten",
                "agent_code": full_time["agent_code"],
                "shift_date": full_time["shift_date"],
                "minutes": 1440,
            },
        )
        assert late.status_code == 422 and late.json()["errors"][0]["field"] == "body.minutes"
        unknown = _edit(planner, schedule_id, {"kind": "stretch", "agent_code": "A0001"})
        assert unknown.status_code == 422
        missing = _edit(
            planner,
            2**31 - 1,
            {"kind": "move", "agent_code": "A0001", "shift_date": day, "offset_minutes": 30},
        )
        assert missing.status_code == 404
        # nothing stored by any of them
        assert _versions(planner, site) == before
    with api.client("executive") as executive:
        forbidden = _edit(
            executive,
            schedule_id,
            {"kind": "move", "agent_code": "A0001", "shift_date": day, "offset_minutes": 30},
        )
        assert forbidden.status_code == 403


@pytest.mark.parametrize("role", ["planner"])
def test_the_excel_export_holds_the_roster(api: ApiServer, role: str) -> None:
    from openpyxl import load_workbook

    schedule_id, timezone = _built(api.engine)
    zone = ZoneInfo(timezone)
    with api.client(role) as client:
        schedule = ok(client.get(f"/v1/schedules/{schedule_id}"))
        assert isinstance(schedule, dict)
        agents = ok(client.get("/v1/agents", params={"site": schedule["site_code"]}))
        names = {a["code"]: a["name"] for a in agents}  # type: ignore[union-attr]
        response = client.get(f"/v1/schedules/{schedule_id}/export.xlsx")
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        csv_rows = client.get(f"/v1/schedules/{schedule_id}/export.csv").text.splitlines()
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["Activities", "Shifts"]
    activities = [list(r) for r in book["Activities"].iter_rows(values_only=True)]
    # the activity sheet is the CSV export, row by row and cell by cell
    assert [",".join("" if c is None else str(c) for c in row) for row in activities] == csv_rows
    expected_spans = sum(len(s["activities"]) for s in schedule["shifts"])
    assert len(activities) == 1 + expected_spans
    shifts = [list(r) for r in book["Shifts"].iter_rows(values_only=True)]
    header, rows = shifts[0], shifts[1:]
    assert header[:6] == [
        "agent_code",
        "agent_name",
        "shift_date",
        "start_local",
        "end_local",
        "shift_minutes",
    ]
    assert len(rows) == len(schedule["shifts"])
    for row, shift in zip(rows, schedule["shifts"], strict=True):
        start, end = _at(shift["start_utc"]), _at(shift["end_utc"])
        assert row[0] == shift["agent_code"] and row[1] == names[shift["agent_code"]]
        assert row[2] == shift["shift_date"]
        assert row[3] == start.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        assert row[4] == end.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        assert row[5] == (end - start).total_seconds() / 60
        assert str(row[6] or "").count("lunch") == sum(
            1 for b in shift["breaks"] if b["kind"] == "lunch"
        )


MONDAY = date(2025, 3, 3)


def _day_shift(agent: str, day: date, middle: ActivitySpan | None = None) -> Shift:
    """08:00-16:00 Paris (07:00-15:00 UTC): a break 90 min in, a 30-min lunch 240 min in and a
    break 420 min in, serving `retail` between them, or `middle` from 2 h to 3 h in."""
    start = datetime(day.year, day.month, day.day, 7, tzinfo=UTC)

    def at(minutes: int) -> datetime:
        return start + timedelta(minutes=minutes)

    breaks = (
        ShiftBreak(at(90), at(105), "break"),
        ShiftBreak(at(240), at(270), "lunch"),
        ShiftBreak(at(420), at(435), "break"),
    )
    spans: list[ActivitySpan] = []
    cursor = 0
    for brk in breaks:
        begin = int((brk.start_utc - start).total_seconds() // 60)
        spans.append(ActivitySpan(at(cursor), at(begin), Activity.SERVE, queue_code="retail"))
        spans.append(ActivitySpan(brk.start_utc, brk.end_utc, Activity(brk.kind)))
        cursor = int((brk.end_utc - start).total_seconds() // 60)
    spans.append(ActivitySpan(at(cursor), at(480), Activity.SERVE, queue_code="retail"))
    if middle is not None:  # replaces 120-180 of the second serving span (105-240)
        second = spans[2]
        spans[2:3] = [
            ActivitySpan(second.start_utc, middle.start_utc, Activity.SERVE, queue_code="retail"),
            middle,
            ActivitySpan(middle.end_utc, second.end_utc, Activity.SERVE, queue_code="retail"),
        ]
    return Shift(agent, day, at(0), at(480), breaks, tuple(spans))


def _week_of_day_shifts(api: ApiServer) -> int:
    """A published week of the seeded centre: A0, A1 and A2 on 08:00-16:00 Monday to Friday;
    A1 sells renewals 10:00-11:00 on Monday, A2 serves business then."""
    shifts = []
    for d in range(5):
        day = MONDAY + timedelta(days=d)
        hour = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
        one_hour = hour + timedelta(hours=1)
        sell = ActivitySpan(hour, one_hour, Activity.SELL, campaign_code="renewals")
        serve = ActivitySpan(hour, hour + timedelta(hours=1), Activity.SERVE, queue_code="business")
        shifts += [
            _day_shift("A0", day),
            _day_shift("A1", day, sell if d == 0 else None),
            _day_shift("A2", day, serve if d == 0 else None),
            _day_shift("P0", day),
        ]
    with unit_of_work(api.engine) as session:
        repo = ScheduleRepository(session)
        return repo.add(
            Schedule(
                site_code=SITE,
                week_start=MONDAY,
                version=1,
                status=ScheduleStatus.PUBLISHED,
                created_at_utc=datetime.now(UTC),
                published_at_utc=datetime.now(UTC),
                shifts=tuple(sorted(shifts, key=lambda s: (s.agent_code, s.start_utc))),
            )
        )


def test_a_shift_is_shortened_and_two_agents_swap_their_shifts(api: ApiServer) -> None:
    with api.client("planner") as planner:
        seed_centre(planner)
        ok(
            planner.post(
                "/v1/agents",
                json={
                    "site_code": SITE,
                    "code": "P0",
                    "name": "Agent P0",
                    "contract": contract("flexible") | {"shift_lengths_minutes": [420, 480]},
                    "queue_skills": ["retail"],
                },
            ),
            201,
        )
        schedule_id = _week_of_day_shifts(api)
        published = ok(planner.get(f"/v1/schedules/{schedule_id}"))
        assert isinstance(published, dict)
        evaluation = ok(planner.get(f"/v1/schedules/{schedule_id}/evaluation"))
        assert evaluation["violations"] == []  # type: ignore[index]
        monday = MONDAY.isoformat()
        swap = {"kind": "swap", "agent_code": "A0", "other_agent_code": "A1"}
        result = ok(_edit(planner, schedule_id, swap | {"shift_date": monday}), 201)
        assert isinstance(result, dict) and result["hard_violations"] == 0
        draft = ok(planner.get(f"/v1/schedules/{result['schedule']['id']}"))
        assert isinstance(draft, dict)
        old_a0, old_a1 = _shift(published, "A0", monday), _shift(published, "A1", monday)
        new_a0, new_a1 = _shift(draft, "A0", monday), _shift(draft, "A1", monday)
        assert old_a0 and old_a1 and new_a0 and new_a1
        assert new_a0["activities"] == old_a1["activities"]
        assert new_a1["activities"] == old_a0["activities"]
        assert any(a["campaign_code"] == "renewals" for a in new_a0["activities"])
        # the other days are as they were
        assert [s for s in draft["shifts"] if s["shift_date"] != monday] == [
            s for s in published["shifts"] if s["shift_date"] != monday
        ]
        assert ok(planner.get(f"/v1/schedules/{schedule_id}")) == published

        # A0 has no skill for business, which A2 serves on Monday
        refused = _edit(
            planner, schedule_id, {**swap, "other_agent_code": "A2", "shift_date": monday}
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"] == "rule_violation"
        assert [(e["field"], e["value"]) for e in refused.json()["errors"]] == [
            ("rule.skills", "A0")
        ]
        assert "business" in refused.json()["errors"][0]["message"]
        versions = ok(planner.get("/v1/schedules", params={"site": SITE}))
        assert [v["version"] for v in versions] == [1, 2]  # type: ignore[union-attr]

        # P0's contract allows 7-hour shifts: an hour off the end of Monday's drops its last
        # break (a 7-hour shift has two breaks) and ends its activities at the new end
        shortened = ok(
            _edit(
                planner,
                schedule_id,
                {"kind": "shorten", "agent_code": "P0", "shift_date": monday, "minutes": 60},
            ),
            201,
        )
        assert isinstance(shortened, dict) and shortened["schedule"]["version"] == 3
        draft = ok(planner.get(f"/v1/schedules/{shortened['schedule']['id']}"))
        assert isinstance(draft, dict)
        before, after = _shift(published, "P0", monday), _shift(draft, "P0", monday)
        assert before and after
        assert _at(after["end_utc"]) == _at(before["end_utc"]) - timedelta(hours=1)
        assert after["start_utc"] == before["start_utc"]
        assert [b["kind"] for b in after["breaks"]] == ["break", "lunch"]
        assert _at(after["activities"][-1]["end_utc"]) == _at(after["end_utc"])
        assert after["activities"][:-1] == before["activities"][: len(after["activities"]) - 1]
        # A0's contract allows 8-hour shifts only
        refused = _edit(
            planner,
            schedule_id,
            {"kind": "shorten", "agent_code": "A0", "shift_date": monday, "minutes": 60},
        )
        assert refused.status_code == 422
        assert "rule.shift_length" in {e["field"] for e in refused.json()["errors"]}
