"""Availability and roster preferences entered by agents over real HTTP, on each database
backend: an agent reads and replaces their own (bad windows and preferences are 422 naming why,
nothing written), planners keep their access to every agent's, and a roster built afterwards
honours them, checked from scratch with the roster's evaluation."""

from __future__ import annotations

from dataclasses import replace
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from apikit import ApiServer, ok
from swapkit import agent_client

from scheduling.evaluate import evaluate
from wfm.db.repositories import AgentRepository, ScheduleRepository
from wfm.db.session import unit_of_work
from wfm.services.centre import CentreData, load_centre
from wfm.services.forecasting import run_forecast
from wfm.services.schedule_views import schedule_problem
from wfm.services.scheduling import build_schedule, first_forecast_week, roster_from_shifts
from wfm.tools.demo import generate_demo_centre

WINDOWS = [{"weekday": d, "start_local": "08:00", "end_local": "20:00"} for d in range(7)]


def _refused(response: httpx.Response, field: str) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert any(field in (e.get("field") or "") + e["message"] for e in body["errors"]), body


def test_bad_windows_and_preferences_are_refused_and_nothing_is_written(api: ApiServer) -> None:
    with api.client("admin") as admin:
        ok(
            admin.post(
                "/v1/sites", json={"code": "lyon", "name": "Lyon", "timezone": "Europe/Paris"}
            ),
            201,
        )
        ok(
            admin.post("/v1/queues", json={"site_code": "lyon", "code": "care", "name": "Care"}),
            201,
        )
        for code in ("B1", "B2"):
            agent = {
                "site_code": "lyon",
                "code": code,
                "name": f"Agent {code}",
                "contract": {
                    "name": "ft",
                    "weekly_hours_min": 32,
                    "weekly_hours_max": 40,
                    "days_per_week_min": 4,
                    "days_per_week_max": 5,
                    "shift_lengths_minutes": [480],
                },
                "queue_skills": ["care"],
            }
            ok(admin.post("/v1/agents", json=agent), 201)
    with (
        agent_client(api, "B1") as mine,
        agent_client(api, "B2") as other,
        api.client("planner") as planner,
    ):
        windows = ok(mine.put("/v1/me/availability", json={"windows": WINDOWS[:2]}))
        assert [(w["weekday"], w["start_local"]) for w in windows] == [
            (0, "08:00:00"),
            (1, "08:00:00"),
        ]  # type: ignore[union-attr]
        wishes = [
            {"kind": "day_off", "weekdays": [5, 6], "weight": 5},
            {
                "kind": "start_between",
                "earliest_start_local": "09:00",
                "latest_start_local": "11:00",
            },
            {"kind": "max_evenings", "max_evening_shifts": 1, "evening_from_local": "18:30"},
            {"kind": "voluntary_time_off", "vto_hours_max": 7.5, "weekdays": [4]},
        ]
        stored = ok(mine.put("/v1/me/preferences", json={"preferences": wishes}))
        assert [p["kind"] for p in stored] == [  # type: ignore[union-attr]
            "day_off",
            "start_between",
            "max_evenings",
            "voluntary_time_off",
        ]
        assert stored[3]["vto_hours_max"] == 7.5  # type: ignore[index]
        assert stored[2]["vto_hours_max"] is None  # type: ignore[index]
        assert stored[2]["max_evening_shifts"] == 1  # type: ignore[index]
        assert stored[2]["evening_from_local"] == "18:30:00"  # type: ignore[index]
        assert stored[0]["max_evening_shifts"] is None  # type: ignore[index]
        bad_windows = [
            ([{"weekday": 0, "start_local": "12:00", "end_local": "12:00"}], "end_local"),
            ([{"weekday": 0, "start_local": "12:00", "end_local": "09:00"}], "end_local"),
            (
                [
                    {"weekday": 2, "start_local": "08:00", "end_local": "12:00"},
                    {"weekday": 2, "start_local": "11:00", "end_local": "15:00"},
                ],
                "overlap",
            ),
            ([{"weekday": 7, "start_local": "08:00", "end_local": "12:00"}], "weekday"),
        ]
        for body, why in bad_windows:
            _refused(mine.put("/v1/me/availability", json={"windows": body}), why)
        bad_wishes = [
            ({"kind": "nap"}, "kind"),
            ({"kind": "day_off", "weekdays": [9]}, "weekday"),
            ({"kind": "start_between"}, "earliest_start_local"),
            (
                {
                    "kind": "start_between",
                    "earliest_start_local": "12:00",
                    "latest_start_local": "09:00",
                },
                "before",
            ),
            ({"kind": "day_off", "earliest_start_local": "09:00"}, "start window"),
            ({"kind": "day_off", "weight": -1}, "weight"),
            ({"kind": "max_evenings"}, "max_evening_shifts"),
            ({"kind": "max_evenings", "max_evening_shifts": -1}, "max_evening_shifts"),
            ({"kind": "max_evenings", "max_evening_shifts": 8}, "max_evening_shifts"),
            (
                {"kind": "max_evenings", "max_evening_shifts": 1, "evening_from_local": "25:00"},
                "evening_from_local",
            ),
            ({"kind": "day_off", "max_evening_shifts": 1}, "max_evening_shifts"),
            ({"kind": "work_day", "evening_from_local": "18:00"}, "evening_from_local"),
            ({"kind": "voluntary_time_off"}, "vto_hours_max"),
            ({"kind": "voluntary_time_off", "vto_hours_max": 0}, "vto_hours_max"),
            ({"kind": "voluntary_time_off", "vto_hours_max": 61}, "vto_hours_max"),
            ({"kind": "voluntary_time_off", "vto_hours_max": "NaN"}, "vto_hours_max"),
            ({"kind": "day_off", "vto_hours_max": 4}, "vto_hours_max"),
        ]
        for wish, why in bad_wishes:
            _refused(mine.put("/v1/me/preferences", json={"preferences": [wish]}), why)
        # nothing written
        assert ok(mine.get("/v1/me/availability")) == windows
        assert ok(mine.get("/v1/me/preferences")) == stored
        # the other agent sees only their own (none), and no one else's through the planners' paths
        assert ok(other.get("/v1/me/availability")) == []
        assert ok(other.get("/v1/me/preferences")) == []
        assert other.get("/v1/agents/B1/preferences").status_code == 403
        assert other.put("/v1/agents/B1/availability", json={"windows": []}).status_code == 403
        # planners read and replace every agent's
        assert ok(planner.get("/v1/agents/B1/preferences")) == stored
        assert ok(planner.get("/v1/agents/B1/availability")) == windows
        ok(planner.put("/v1/agents/B1/preferences", json={"preferences": wishes[:1]}))
        assert [p["kind"] for p in ok(mine.get("/v1/me/preferences"))] == ["day_off"]  # type: ignore[union-attr]
        assert planner.get("/v1/me/preferences").status_code == 403


def _local(moment: Any, zone: ZoneInfo) -> Any:
    return moment.astimezone(zone)


def test_the_roster_honours_what_an_agent_entered(api: ApiServer) -> None:
    demo = generate_demo_centre(weeks=3, agents=10, seed=11)
    site, zone = demo.sites[0].code, ZoneInfo(demo.sites[0].timezone)
    with unit_of_work(api.engine) as session:
        load_centre(session, CentreData.of_demo(demo))
        # two more agents like a part-timer (four days of the five the centre opens), so the
        # roster can choose which of them has which day off
        first = next(
            a for a in AgentRepository(session).list(site) if a.contract.days_per_week_max <= 4
        )
        AgentRepository(session).add_many(
            [replace(first, code=f"{first.code}-{i}", name=f"twin {i}") for i in (1, 2)]
        )
        run_forecast(session, site_code=site, weeks=2)
    with unit_of_work(api.engine) as session:
        week = first_forecast_week(session, site)
        plain = build_schedule(session, site_code=site, week_start=week, time_limit_seconds=3)
    group = [first.code, f"{first.code}-1", f"{first.code}-2"]
    days = {code: {s.shift_date for s in plain.shifts if s.agent_code == code} for code in group}
    # an agent of the group and a day they worked while another of the group was off
    agent, day_off = next(
        (code, day)
        for code in group
        for day in sorted(days[code])
        if any(day not in days[other] for other in group if other != code)
    )
    with agent_client(api, agent) as mine:
        ok(mine.put("/v1/me/availability", json={"windows": WINDOWS}))
        wish = {"kind": "day_off", "dates": [str(day_off)], "weight": 500}
        # and no shift ending after 17:00 (the windows allow 12:00-20:00)
        evenings = {
            "kind": "max_evenings",
            "max_evening_shifts": 0,
            "evening_from_local": "17:00",
            "weight": 500,
        }
        ok(mine.put("/v1/me/preferences", json={"preferences": [wish, evenings]}))
    with unit_of_work(api.engine) as session:
        honoured = build_schedule(session, site_code=site, week_start=week, time_limit_seconds=3)
        assert honoured.id is not None
        schedule = ScheduleRepository(session).get(honoured.id)
        problem = schedule_problem(session, schedule).problem
    spec = next(a for a in problem.agents if a.code == agent)
    assert [(p.kind, p.dates) for p in spec.preferences] == [
        ("day_off", (day_off,)),
        ("max_evenings", ()),
    ]
    assert spec.preferences[1].max_evening_shifts == 0
    assert spec.preferences[1].evening_from_local == time(17)
    assert len(spec.availability) == 7
    # the oracle: the roster checked from scratch on the problem with the agent's entries
    checked = evaluate(problem, roster_from_shifts(schedule.shifts))
    assert not [v for v in checked.violations if v.subject == agent and v.rule == "availability"]
    report = next(r for r in checked.agents if r.code == agent)
    assert report.preference_penalty == 0.0
    mine_now = [s for s in schedule.shifts if s.agent_code == agent]
    assert day_off not in {s.shift_date for s in mine_now}
    for shift in mine_now:  # every shift inside 08:00-17:00 local
        start, end = _local(shift.start_utc, zone), _local(shift.end_utc, zone)
        assert start.time() >= time(8) and end.date() == start.date() and end.time() <= time(17)
