"""The executive's adherence and plan accuracy under `kpi:read` (`GET /v1/kpis/adherence`,
`GET /v1/kpis/plan-accuracy`) over real HTTP on the intraday test centre: S1-S3 serve Q1 and
P1-P3 sell 09:00-17:00 with a break at 12:00, X1 (Q2 only) sells; the site clock at 10:00 of the
test day (Europe/Dublin: UTC in November). Figures are worked out by hand from the events posted
and the history imported, and set against the floor's and the planner's own endpoints."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from intraday_testkit import DAY, SITE, Server

NEXT = (DAY + timedelta(days=1)).isoformat()


def _ok(response: Any) -> Any:
    assert response.status_code == 200, (response.status_code, response.text)
    return response.json()


def _event(event_id: str, agent: str, hhmm: str, state: str) -> dict[str, str]:
    at = f"{DAY.isoformat()}T{hhmm}:00Z"
    return {"event_id": event_id, "agent_code": agent, "occurred_at_utc": at, "state": state}


def _post_events(server: Server) -> None:
    events = [
        _event("e1", "S1", "09:00", "ready"),  # in adherence from the start
        _event("e2", "S2", "09:20", "ready"),  # 19 min late (the first minute is tolerated)
        _event("e3", "P1", "09:00", "outbound_dialling"),
        _event("e4", "X1", "09:00", "outbound_dialling"),
        # S3, P2 and P3 never log in
    ]
    with server.client("floor_manager") as c:
        _ok(c.post("/v1/agent-events", json={"events": events}))


def test_adherence_counts_elapsed_time_by_team_and_queue(server: Server) -> None:
    _post_events(server)
    with server.client("executive") as executive:
        found = _ok(
            executive.get("/v1/kpis/adherence", params={"site": SITE, "start": DAY, "end": NEXT})
        )
    assert found["as_of_utc"].startswith(f"{DAY.isoformat()}T10:00:00")
    assert found["agents_reporting"] == 4
    # 09:00-10:00 elapsed for 7 agents; adherent: S1, P1, X1 60 min, S2 1 + 40, S3, P2, P3 the
    # tolerated first minute; worked: S1, P1, X1 60, S2 40
    total = found["total"]
    assert total["agents"] == 7
    assert total["scheduled_minutes"] == pytest.approx(420)
    assert total["scheduled_work_minutes"] == pytest.approx(420)
    assert total["adherent_minutes"] == pytest.approx(60 * 3 + 41 + 3)
    assert total["worked_minutes"] == pytest.approx(60 * 3 + 40)
    assert total["adherence"] == pytest.approx(224 / 420)
    assert total["conformance"] == pytest.approx(220 / 420)
    (day,) = found["days"]
    assert day["day"] == DAY.isoformat() and day["adherent_minutes"] == pytest.approx(224)
    teams = {tuple(t["queue_codes"]): t for t in found["teams"]}
    assert set(teams) == {("Q1",), ("Q2",)}
    assert teams[("Q1",)]["agents"] == 6
    assert teams[("Q1",)]["adherence"] == pytest.approx((60 * 2 + 41 + 3) / 360)
    assert teams[("Q2",)]["adherence"] == pytest.approx(1.0)
    queues = {q["queue_code"]: q for q in found["queues"]}
    assert queues["Q1"]["adherent_minutes"] == pytest.approx(teams[("Q1",)]["adherent_minutes"])
    assert queues["Q2"]["worked_minutes"] == pytest.approx(60)

    # with a team, agents count in it (named, with its members' queue skills together); the
    # others stay grouped by their queue skills
    with server.client("admin") as admin:
        for code in ("S1", "S2"):
            _ok(admin.patch(f"/v1/agents/{code}", json={"team": "一组"}))
        by_team = _ok(
            admin.get("/v1/kpis/adherence", params={"site": SITE, "start": DAY, "end": NEXT})
        )
    named = {(t["team"], tuple(t["queue_codes"])): t for t in by_team["teams"]}
    assert set(named) == {("", ("Q1",)), ("", ("Q2",)), ("一组", ("Q1",))}
    assert named[("一组", ("Q1",))]["agents"] == 2
    assert named[("一组", ("Q1",))]["adherent_minutes"] == pytest.approx(60 + 41)
    assert named[("", ("Q1",))]["agents"] == 4
    assert by_team["total"] == found["total"]
    with server.client("admin") as admin:
        for code in ("S1", "S2"):
            _ok(admin.patch(f"/v1/agents/{code}", json={"team": ""}))

    # a range around the day: the day after has not begun, the day before had no shifts
    with server.client("executive") as executive:
        wider = _ok(
            executive.get(
                "/v1/kpis/adherence",
                params={
                    "site": SITE,
                    "start": DAY - timedelta(days=1),
                    "end": DAY + timedelta(days=2),
                },
            )
        )
    assert [d["day"] for d in wider["days"]] == [
        (DAY - timedelta(days=1)).isoformat(),
        DAY.isoformat(),
    ]
    assert wider["days"][0]["scheduled_minutes"] == 0 and wider["days"][0]["adherence"] is None
    assert wider["total"] == total

    # the floor's per-agent day (same definitions) adds up to the site's total
    with server.client("floor_manager") as floor:
        agents = _ok(floor.get("/v1/adherence", params={"site": SITE, "date": DAY}))
    assert sum(a["adherent_minutes"] for a in agents) == pytest.approx(total["adherent_minutes"])
    assert sum(a["worked_minutes"] for a in agents) == pytest.approx(total["worked_minutes"])


def test_adherence_refuses_bad_ranges_and_unknown_sites(server: Server) -> None:
    with server.client("executive") as executive:
        for start, end in ((NEXT, DAY), (DAY, DAY), (DAY, DAY + timedelta(days=32))):
            for path in ("/v1/kpis/adherence", "/v1/kpis/plan-accuracy"):
                r = executive.get(path, params={"site": SITE, "start": start, "end": end})
                assert r.status_code == 422, (path, start, end, r.text)
                assert "end" in r.json()["detail"]
        for path in ("/v1/kpis/adherence", "/v1/kpis/plan-accuracy"):
            r = executive.get(path, params={"site": "NOPE", "start": DAY, "end": NEXT})
            assert r.status_code == 404, r.text
    with server.client(None) as anonymous:
        r = anonymous.get("/v1/kpis/adherence", params={"site": SITE, "start": DAY, "end": NEXT})
        assert r.status_code == 401


# Q1's history of the test day: 08:00-18:00, offered 16 + k % 9, two abandons and 10 + k % 5
# answered within the threshold per interval k; Q2 (no forecast) 4 offered, all answered.
def _history() -> tuple[str, list[tuple[str, int, int, int]]]:
    lines = [
        "queue,interval_start,offered,answered,abandoned,short_abandoned,"
        "answered_within_threshold,handle_seconds,wait_seconds_answered"
    ]
    rows = []
    for k in range(40):
        start = f"{DAY.isoformat()}T{8 + k // 4:02d}:{15 * (k % 4):02d}:00Z"
        offered = 16 + k % 9
        answered, within = offered - 2, 10 + k % 5
        rows.append(("Q1", offered, answered, within))
        lines.append(f"Q1,{start},{offered},{answered},2,0,{within},{answered * 300},0")
        rows.append(("Q2", 4, 4, 4))
        lines.append(f"Q2,{start},4,4,0,0,4,1200,0")
    return "\n".join(lines) + "\n", rows


def test_plan_accuracy_against_the_planners_evaluation_and_the_history(server: Server) -> None:
    csv, rows = _history()
    with server.client("admin") as admin:
        _ok(admin.post("/v1/history/import", content=csv, headers={"Content-Type": "text/csv"}))
        (schedule,) = _ok(admin.get("/v1/schedules", params={"site": SITE}))
        intervals = _ok(admin.get(f"/v1/schedules/{schedule['id']}/evaluation/intervals"))
    params = {"site": SITE, "start": DAY, "end": NEXT}
    with server.client("executive") as executive:
        # the site clock at 10:00: the day has not ended, nothing is compared yet
        early = _ok(executive.get("/v1/kpis/plan-accuracy", params=params))
        assert early["days"] == [] and early["today"] == DAY.isoformat()
        assert early["total"]["offered"] == 0 and early["total"]["answer_rate"] is None
    with server.client("admin") as admin:
        now = f"{NEXT}T10:00:00Z"
        _ok(admin.put("/v1/intraday/clock", json={"site": SITE, "now_utc": now, "speed": 0}))
    with server.client("executive") as executive:
        found = _ok(executive.get("/v1/kpis/plan-accuracy", params=params))

    q1 = [
        r
        for r in intervals
        if r["queue_code"] == "Q1" and r["interval_start_utc"].startswith(DAY.isoformat())
    ]
    forecast = sum(r["contacts"] for r in q1)
    predicted_ar = sum(r["contacts"] * r["predicted_answer_rate"] for r in q1) / forecast
    predicted_sl = sum(r["contacts"] * r["predicted_service_level"] for r in q1) / forecast
    assert forecast == pytest.approx(20.0 * 40)  # 20 contacts per 15 min, 08:00-18:00
    offered = sum(r[1] for r in rows if r[0] == "Q1")
    answered = sum(r[2] for r in rows if r[0] == "Q1")
    within = sum(r[3] for r in rows if r[0] == "Q1")

    assert [s["schedule_id"] for s in found["schedules"]] == [schedule["id"]]
    (day,) = found["days"]
    assert day["day"] == DAY.isoformat() and day["schedule_id"] == schedule["id"]
    queues = {q["queue_code"]: q for q in found["queues"]}
    assert queues["Q1"]["forecast_offered"] == pytest.approx(forecast)
    assert queues["Q1"]["predicted_answer_rate"] == pytest.approx(predicted_ar)
    assert queues["Q1"]["predicted_service_level"] == pytest.approx(predicted_sl)
    assert queues["Q1"]["offered"] == offered
    assert queues["Q1"]["answer_rate"] == pytest.approx(answered / offered)
    assert queues["Q1"]["service_level"] == pytest.approx(within / offered)
    assert queues["Q1"]["answer_rate_difference"] == pytest.approx(
        answered / offered - predicted_ar
    )
    assert queues["Q1"]["service_level_difference"] == pytest.approx(
        within / offered - predicted_sl
    )
    # Q2 had no forecast: no prediction, but what happened is reported
    assert queues["Q2"]["forecast_offered"] == 0 and queues["Q2"]["predicted_answer_rate"] is None
    assert queues["Q2"]["offered"] == 160 and queues["Q2"]["answer_rate"] == pytest.approx(1.0)
    # every queue together: the prediction is Q1's (the only forecast), the actuals both queues'
    total = found["total"]
    assert total["predicted_answer_rate"] == pytest.approx(predicted_ar)
    assert total["offered"] == offered + 160
    assert total["answer_rate"] == pytest.approx((answered + 160) / (offered + 160))
    assert {q["queue_code"]: q["offered"] for q in day["queues"]} == {"Q1": offered, "Q2": 160}
