"""Time-off requests over real HTTP, on each database backend: an agent asks for time off for
themself (POST /v1/me/time-off), sees their requests and balance, cancels a pending one; a
request is approved automatically when the published roster without the agent in the span keeps
every affected queue and day on its targets (the prediction checked here against the schedule
evaluator, `interval_targets`, on the roster without the agent), else it waits for a planner,
who approves (the published roster is republished without the agent) or refuses with a reason.
Other roles are refused, an agent never sees or touches another's request, and bad input is
4xx naming why with nothing written."""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from apikit import SITE, TZ, ApiServer, contract, ok, seed_centre
from sqlalchemy import Engine, select
from test_schedule_edits import _built

from wfm.db.models import NotificationEventRow
from wfm.db.repositories import AgentRepository, ScheduleRepository
from wfm.db.session import unit_of_work
from wfm.domain.grid import local_day_bounds_utc
from wfm.services.schedule_evaluation import interval_targets
from wfm.services.schedule_views import schedule_problem
from wfm.services.scheduling import roster_from_shifts

MONDAY = date(2026, 3, 9)  # a week no roster is published for


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _day_span(day: date, zone: ZoneInfo, days: int = 1) -> dict[str, str]:
    start, end = local_day_bounds_utc(day, zone, days)
    return {"start": start.astimezone(zone).isoformat(), "end": end.astimezone(zone).isoformat()}


def _independent_prediction(
    engine: Engine, schedule_id: int, agent: str, day: date
) -> dict[tuple[str, date], tuple[float, float | None]]:
    """Per queue and local day whose serving drops: the day's contact-weighted service level
    and answer rate by `interval_targets` on the roster without the agent's shift of `day`."""
    with unit_of_work(engine) as session:
        schedule = ScheduleRepository(session).get(schedule_id)
        problem = schedule_problem(session, schedule).problem
        kept = [s for s in schedule.shifts if not (s.agent_code == agent and s.shift_date == day)]
        before = interval_targets(problem, roster_from_shifts(schedule.shifts))
        after = interval_targets(problem, roster_from_shifts(kept))
    zone = problem.zone
    affected = {
        (b.queue_code, b.interval_start_utc.astimezone(zone).date())
        for b, a in zip(before, after, strict=True)
        if b.serving != a.serving
    }
    sums: dict[tuple[str, date], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
    for row in after:
        key = (row.queue_code, row.interval_start_utc.astimezone(zone).date())
        if key not in affected or not row.contacts:
            continue
        sums[key][0] += row.contacts
        sums[key][1] += (row.predicted_service_level or 0.0) * row.contacts
        sums[key][2] += (row.predicted_answer_rate or 0.0) * row.contacts
        sums[key][3] += 0.0 if row.predicted_answer_rate is None else 1.0
    return {
        key: (sl / contacts, ar / contacts if known else None)
        for key, (contacts, sl, ar, known) in sums.items()
    }


def _set_targets(client: httpx.Client, queue: str, service_level: float, answer: float) -> None:
    body = {
        "service_level_target": round(service_level, 4),
        "min_answer_rate": round(answer, 4),
        "max_abandon_rate": None,
    }
    ok(client.patch(f"/v1/queues/{queue}", json=body))


def _request(client: httpx.Client, body: dict[str, Any]) -> httpx.Response:
    return client.post("/v1/me/time-off", json=body)


def test_auto_approval_follows_the_evaluator_and_a_planner_decides_the_rest(
    api: ApiServer,
) -> None:
    schedule_id, tz = _built(api.engine)
    zone = ZoneInfo(tz)
    with api.client("planner") as planner:
        ok(planner.post(f"/v1/schedules/{schedule_id}/publish"))
        published = ok(planner.get(f"/v1/schedules/{schedule_id}"))
        assert isinstance(published, dict)
        site = published["site_code"]
        shifts = published["shifts"]
        first = shifts[0]
        agent, day = first["agent_code"], date.fromisoformat(first["shift_date"])
        other = next(s for s in shifts if s["agent_code"] != agent)
        ok(
            planner.put(
                f"/v1/agents/{agent}/time-off-balance",
                json={"opening_hours": 80, "as_of": "2026-01-01"},
            )
        )
        ok(
            planner.put(
                f"/v1/agents/{other['agent_code']}/time-off-balance",
                json={"opening_hours": 80, "as_of": "2026-01-01"},
            )
        )

        # targets just under what the roster without the agent predicts: approved at once
        expected = _independent_prediction(api.engine, schedule_id, agent, day)
        assert expected, "the agent's shift serves some queue"
        for (queue, _), (sl, ar) in expected.items():
            _set_targets(planner, queue, max(0.001, sl - 0.01), max(0.001, (ar or 0.5) - 0.01))
        token = api.add_token("agent", agent_code=agent)
        with api.client(token=token) as me:
            made = ok(_request(me, _day_span(day, zone) | {"reason": "family"}), 201)
        assert isinstance(made, dict)
        assert made["status"] == "approved" and made["decided_by"] == "auto"
        prediction = made["prediction"]
        assert prediction["verdict"] == "on_target" and "points" in prediction["message"]
        got = {(q["queue_code"], date.fromisoformat(q["day"])): q for q in prediction["queue_days"]}
        assert set(got) == set(expected)
        for key, (sl, ar) in expected.items():
            assert abs(got[key]["service_level"] - sl) < 1e-9
            assert ar is None or abs(got[key]["answer_rate"] - ar) < 1e-9
            assert got[key]["service_level_met"] is True
            assert got[key]["margins"][0].startswith("answer rate")
        # the hours: the rostered shift less its lunch
        lunch = sum(
            (_at(b["end_utc"]) - _at(b["start_utc"])).total_seconds()
            for b in first["breaks"]
            if b["kind"] == "lunch"
        )
        shift_seconds = (_at(first["end_utc"]) - _at(first["start_utc"])).total_seconds()
        assert abs(made["hours"] - (shift_seconds - lunch) / 3600) < 1e-6

        # the roster reflects it: a new published version without the shift; time off approved
        versions = ok(planner.get("/v1/schedules", params={"site": site}))
        assert isinstance(versions, list)
        assert [(v["version"], v["status"]) for v in versions] == [
            (1, "archived"),
            (2, "published"),
        ]
        republished = ok(planner.get(f"/v1/schedules/{versions[-1]['id']}"))
        assert isinstance(republished, dict)
        assert not [
            s
            for s in republished["shifts"]
            if s["agent_code"] == agent and s["shift_date"] == str(day)
        ]
        assert len(republished["shifts"]) == len(shifts) - 1
        entered = ok(planner.get(f"/v1/agents/{agent}/time-off"))
        assert isinstance(entered, list)
        span = _day_span(day, zone)
        assert [
            (e["approved"], _at(e["start_utc"]), _at(e["end_utc"]))
            for e in entered
            if e["reason"] == "family"
        ] == [(True, _at(span["start"]), _at(span["end"]))]
        # and the next roster build of the week honours it: an absence of the agent, paid
        with unit_of_work(api.engine) as session:
            rebuilt = schedule_problem(session, ScheduleRepository(session).get(schedule_id))
        spec = next(a for a in rebuilt.problem.agents if a.code == agent)
        assert [
            (a.start_utc, a.end_utc, a.paid_hours > 0)
            for a in spec.time_off
            if a.reason == "family"
        ] == [(_at(span["start"]), _at(span["end"]), True)]

        # targets out of reach: the other agent's day waits for a planner, prediction shown
        other_day = date.fromisoformat(other["shift_date"])
        for queue in {
            q
            for q, _ in _independent_prediction(
                api.engine, versions[-1]["id"], other["agent_code"], other_day
            )
        }:
            _set_targets(planner, queue, 0.99, 0.99)
        token = api.add_token("agent", agent_code=other["agent_code"])
        with api.client(token=token) as them:
            waiting = ok(_request(them, _day_span(other_day, zone)), 201)
            assert isinstance(waiting, dict)
            assert waiting["status"] == "pending" and waiting["decided_by"] is None
            assert waiting["prediction"]["verdict"] == "off_target"
            assert "below target" in waiting["prediction"]["message"]
            assert all(q["service_level_met"] is False for q in waiting["prediction"]["queue_days"])
            # the first agent's request is not theirs to see or cancel
            mine = ok(them.get("/v1/me/time-off"))
            assert isinstance(mine, dict)
            assert [r["id"] for r in mine["requests"]] == [waiting["id"]]
            assert them.post(f"/v1/me/time-off/{made['id']}/cancel").status_code == 404
        listed = ok(
            planner.get("/v1/time-off-requests", params={"site": site, "status": "pending"})
        )
        assert isinstance(listed, list)
        assert [r["id"] for r in listed] == [waiting["id"]]
        assert listed[0]["prediction"]["queue_days"]
        # the planner approves: published anew without the other agent's shift
        decided = ok(
            planner.post(
                f"/v1/time-off-requests/{waiting['id']}/decision", json={"decision": "approve"}
            )
        )
        assert isinstance(decided, dict) and decided["status"] == "approved"
        assert decided["decided_by"] == "test-planner"
        again = planner.post(
            f"/v1/time-off-requests/{waiting['id']}/decision",
            json={"decision": "refuse", "reason": "late"},
        )
        assert again.status_code == 409 and "already approved" in again.json()["detail"]
        versions = ok(planner.get("/v1/schedules", params={"site": site}))
        assert isinstance(versions, list) and versions[-1]["version"] == 3
        latest = ok(planner.get(f"/v1/schedules/{versions[-1]['id']}"))
        assert isinstance(latest, dict) and latest["status"] == "published"
        assert not [
            s
            for s in latest["shifts"]
            if s["agent_code"] == other["agent_code"] and s["shift_date"] == str(other_day)
        ]


def _centre(api: ApiServer) -> None:
    with api.client("planner") as planner:
        seed_centre(planner)
        for code in ("A0", "A1"):
            ok(
                planner.put(
                    f"/v1/agents/{code}/time-off-balance",
                    json={"opening_hours": 24, "as_of": "2026-01-05"},
                )
            )


def test_agent_requests_cancels_and_a_planner_refuses(api: ApiServer) -> None:
    _centre(api)
    zone = ZoneInfo(TZ)
    a0, a1 = api.add_token("agent", agent_code="A0"), api.add_token("agent", agent_code="A1")
    with api.client(token=a0) as me, api.client("planner") as planner:
        # no published roster: it waits for a planner, and says so
        two_days = ok(_request(me, _day_span(MONDAY, zone, 2) | {"reason": "move"}), 201)
        assert isinstance(two_days, dict)
        assert two_days["status"] == "pending" and two_days["hours"] == 16.0  # 2 x 40 h / 5
        assert two_days["prediction"]["verdict"] == "no_published_week"
        assert "a planner decides" in two_days["prediction"]["message"]
        assert two_days["start_local"].endswith("+01:00") and two_days["timezone"] == TZ
        # part of a day: its hours
        start = datetime(2026, 3, 12, 9, 0, tzinfo=zone)
        hours = ok(
            _request(
                me, {"start": start.isoformat(), "end": (start + timedelta(hours=3)).isoformat()}
            ),
            201,
        )
        assert isinstance(hours, dict) and hours["hours"] == 3.0
        mine = ok(me.get("/v1/me/time-off"))
        assert isinstance(mine, dict)
        assert [r["id"] for r in mine["requests"]] == [two_days["id"], hours["id"]]
        balance = mine["balance"]
        assert balance["pending_hours"] == 19.0 and balance["approved_hours"] == 0.0
        assert balance["balance_hours"] == balance["accrued_hours"] == 24.0  # no accrual
        assert balance["available_hours"] == 5.0

        # the agent cancels one; a planner refuses the other (a reason needed)
        cancelled = ok(me.post(f"/v1/me/time-off/{hours['id']}/cancel"))
        assert isinstance(cancelled, dict) and cancelled["status"] == "cancelled"
        assert me.post(f"/v1/me/time-off/{hours['id']}/cancel").status_code == 409
        path = f"/v1/time-off-requests/{two_days['id']}/decision"
        bare = planner.post(path, json={"decision": "refuse"})
        assert bare.status_code == 422 and "reason" in bare.json()["detail"]
        refused = ok(planner.post(path, json={"decision": "refuse", "reason": "peak week"}))
        assert isinstance(refused, dict)
        assert (refused["status"], refused["decision_reason"]) == ("refused", "peak week")
        assert planner.post(path, json={"decision": "approve"}).status_code == 409
        assert me.post(f"/v1/me/time-off/{two_days['id']}/cancel").status_code == 409
        mine = ok(me.get("/v1/me/time-off"))
        assert isinstance(mine, dict)
        assert (
            mine["balance"]["pending_hours"] == 0.0 and mine["balance"]["available_hours"] == 24.0
        )
        # nothing became time off
        assert ok(planner.get("/v1/agents/A0/time-off")) == []
        # the refusal, and only it, is in the notifications' outbox for A0
        with unit_of_work(api.engine) as session:
            events = session.scalars(select(NotificationEventRow)).all()
        assert [(e.kind, e.agent_codes) for e in events] == [("request_decided", ["A0"])]
        assert events[0].payload["request_id"] == two_days["id"]
        assert (events[0].payload["decision"], events[0].payload["reason"]) == (
            "refused",
            "peak week",
        )

        # another agent sees none of it and cannot cancel it
        with api.client(token=a1) as them:
            theirs = ok(them.get("/v1/me/time-off"))
            assert isinstance(theirs, dict) and theirs["requests"] == []
            assert them.post(f"/v1/me/time-off/{two_days['id']}/cancel").status_code == 404


def test_roles_other_than_agent_and_planner_are_refused(api: ApiServer) -> None:
    _centre(api)
    zone = ZoneInfo(TZ)
    body = _day_span(MONDAY, zone)
    with api.client(token=api.add_token("agent", agent_code="A0")) as me:
        made = ok(_request(me, body), 201)
        assert isinstance(made, dict)
        for path in (
            "/v1/time-off-requests",
            f"/v1/time-off-requests/{made['id']}",
            "/v1/agents/A0/time-off-balance",
        ):
            assert me.get(path).status_code == 403
        decision = me.post(
            f"/v1/time-off-requests/{made['id']}/decision", json={"decision": "approve"}
        )
        assert decision.status_code == 403
    for role in ("floor_manager", "executive"):
        with api.client(role) as client:
            assert client.get("/v1/time-off-requests").status_code == 403
            assert (
                client.post(
                    f"/v1/time-off-requests/{made['id']}/decision", json={"decision": "approve"}
                ).status_code
                == 403
            )
            assert _request(client, body).status_code == 403
            assert client.get("/v1/me/time-off").status_code == 403
    with api.client("planner") as planner:
        assert _request(planner, body).status_code == 403  # planners ask for no one
        assert planner.get("/v1/time-off-requests/999").status_code == 404
    with api.client("admin") as admin:
        answer = _request(admin, body)
        assert answer.status_code == 404 and "no agent" in answer.json()["detail"]
        listed = ok(admin.get("/v1/time-off-requests", params={"status": "pending"}))
        assert isinstance(listed, list) and [r["id"] for r in listed] == [made["id"]]
        assert admin.get("/v1/time-off-requests", params={"site": "nowhere"}).status_code == 404
        assert admin.get("/v1/time-off-requests", params={"status": "maybe"}).status_code == 422


def test_bad_requests_are_refused_naming_why_and_write_nothing(api: ApiServer) -> None:
    _centre(api)
    zone = ZoneInfo(TZ)
    monday = datetime(2026, 3, 9, tzinfo=zone)
    with api.client(token=api.add_token("agent", agent_code="A0")) as me:
        ok(_request(me, _day_span(MONDAY, zone)), 201)
        cases = [
            ({"start": "2026-03-10T09:00:00", "end": "2026-03-10T12:00:00"}, 422, "timezone"),
            (
                {
                    "start": (monday + timedelta(days=2)).isoformat(),
                    "end": (monday + timedelta(days=1)).isoformat(),
                },
                422,
                "after start",
            ),
            (
                {
                    "start": (monday + timedelta(days=1)).isoformat(),
                    "end": (monday + timedelta(days=40)).isoformat(),
                },
                422,
                "31 days",
            ),
            (
                {
                    "start": (monday + timedelta(hours=12)).isoformat(),
                    "end": (monday + timedelta(days=1, hours=2)).isoformat(),
                },
                409,
                "overlaps request",
            ),
            (
                {
                    "start": (monday + timedelta(days=2, seconds=30)).isoformat(),
                    "end": (monday + timedelta(days=3)).isoformat(),
                },
                422,
                "whole minute",
            ),
            # 3 more days take 24 h; 8 h are pending of the 24 h: beyond the balance
            (_day_span(MONDAY + timedelta(days=7), zone, 3), 422, "available"),
            (_day_span(MONDAY, zone) | {"agent_code": "A1"}, 422, "agent_code"),
            (_day_span(MONDAY + timedelta(days=1), zone) | {"reason": ""}, 422, "reason"),
        ]
        for body, status, why in cases:
            answer = _request(me, body)
            assert answer.status_code == status, (body, answer.text)
            assert why in answer.text, (why, answer.text)
        mine = ok(me.get("/v1/me/time-off"))
        assert isinstance(mine, dict) and len(mine["requests"]) == 1
        assert mine["balance"]["pending_hours"] == 8.0


def test_contract_accrual_and_opening_balance(api: ApiServer) -> None:
    with api.client("planner") as planner:
        seed_centre(planner)
        accruing = contract("accruing") | {"leave_accrual_hours_per_week": 3.5}
        ok(
            planner.post(
                "/v1/agents",
                json={
                    "site_code": SITE,
                    "code": "NEW",
                    "name": "New",
                    "contract": accruing,
                    "queue_skills": ["retail"],
                    "hire_date": "2026-01-05",
                },
            ),
            201,
        )
        contracts = ok(planner.get("/v1/contracts"))
        assert isinstance(contracts, list)
        assert {c["name"]: c["leave_accrual_hours_per_week"] for c in contracts} == {
            "accruing": 3.5,
            "full-time": 0.0,
        }
        today = datetime.now(UTC).astimezone(ZoneInfo(TZ)).date()
        found = ok(planner.get("/v1/agents/NEW/time-off-balance"))
        assert isinstance(found, dict)
        assert found["as_of"] == "2026-01-05" and found["opening_hours"] == 0.0
        weeks = max(0, (today - date(2026, 1, 5)).days) / 7
        assert abs(found["accrued_hours"] - 3.5 * weeks) < 1e-3
        found = ok(
            planner.put(
                "/v1/agents/NEW/time-off-balance", json={"opening_hours": 10, "as_of": str(today)}
            )
        )
        assert isinstance(found, dict) and found["accrued_hours"] == 10.0
        # a request a fortnight ahead may use the accrual projected to its first day
        start = today + timedelta(days=14)
        with api.client(token=api.add_token("agent", agent_code="NEW")) as me:
            span = _day_span(start, ZoneInfo(TZ), 2)
            made = ok(_request(me, span), 201)
            assert isinstance(made, dict) and made["hours"] == 16.0  # 10 + 2 x 3.5 = 17 h
            refused = _request(me, _day_span(start + timedelta(days=2), ZoneInfo(TZ)))
            assert refused.status_code == 422 and "available" in refused.text
        assert (
            planner.put(
                "/v1/agents/NOBODY/time-off-balance",
                json={"opening_hours": 1, "as_of": "2026-01-01"},
            ).status_code
            == 404
        )
        with unit_of_work(api.engine) as session:
            assert (
                AgentRepository(session).get("NEW").agent.contract.leave_accrual_hours_per_week
                == 3.5
            )


def test_two_at_once_one_wins_and_the_other_is_a_conflict(api: ApiServer) -> None:
    _centre(api)
    body = _day_span(MONDAY, ZoneInfo(TZ))
    token = api.add_token("agent", agent_code="A0")

    def ask(_: int) -> int:
        with api.client(token=token) as me:
            return _request(me, body).status_code

    with ThreadPoolExecutor(2) as pool:
        assert sorted(pool.map(ask, range(2))) == [201, 409]
    with api.client(token=token) as me:
        mine = ok(me.get("/v1/me/time-off"))
        assert isinstance(mine, dict) and len(mine["requests"]) == 1
        made = mine["requests"][0]

    def decide(decision: str) -> int:
        with api.client("planner") as planner:
            path = f"/v1/time-off-requests/{made['id']}/decision"
            return planner.post(path, json={"decision": decision, "reason": "busy"}).status_code

    with ThreadPoolExecutor(2) as pool:
        assert sorted(pool.map(decide, ("approve", "refuse"))) == [200, 409]
    with api.client("planner") as planner:
        final = ok(planner.get(f"/v1/time-off-requests/{made['id']}"))
        entered = ok(planner.get("/v1/agents/A0/time-off"))
    assert isinstance(final, dict) and isinstance(entered, list)
    # an approval and only an approval made time off
    assert len(entered) == (1 if final["status"] == "approved" else 0)
