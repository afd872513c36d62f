"""Forecasts, requirements, adjustments, accuracy, schedules and jobs over real HTTP, with the
worker running the queued jobs."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from apikit import SITE, ApiServer, history_csv, ok, seed_centre

from wfm.db.repositories import ScheduleRepository
from wfm.db.session import unit_of_work
from wfm.domain import Activity, ActivitySpan, Schedule, ScheduleStatus, Shift, ShiftBreak
from wfm.worker.worker import Worker

CSV = {"Content-Type": "text/csv"}
HISTORY_START = datetime(2025, 2, 2, 23, 0, tzinfo=UTC)  # Monday 3 February, 00:00 in Paris
HISTORY_DAYS = 28


def _run_worker(api: ApiServer) -> int:
    worker = Worker(api.engine)
    try:
        return worker.run_pending()
    finally:
        worker.close()


def test_forecast_job_then_values_adjustments_requirements_accuracy(api: ApiServer) -> None:
    with api.client("planner") as planner:
        seed_centre(planner)
        ok(
            planner.post(
                "/v1/history/import",
                content=history_csv(HISTORY_DAYS, HISTORY_START),
                headers=CSV,
            )
        )
        queued = planner.post("/v1/forecasts", json={"site_code": SITE, "weeks": 1})
        assert queued.status_code == 202
        job = queued.json()
        assert job["status"] == "queued" and queued.headers["Location"] == f"/v1/jobs/{job['id']}"
        assert ok(planner.get(f"/v1/jobs/{job['id']}"))["status"] == "queued"

        assert _run_worker(api) == 1
        done = ok(planner.get(f"/v1/jobs/{job['id']}"))
        assert done["status"] == "succeeded", done["error"]
        assert done["progress"] == 1.0 and done["finished_at_utc"]
        run_id = done["result"]["forecast_run_id"]
        assert done["result"]["requirement_rows"] == 2 * 7 * 96

        runs = ok(planner.get("/v1/forecasts", params={"site": SITE}))
        assert [r["id"] for r in runs] == [run_id] and runs[0]["job_id"] == job["id"]
        run = ok(planner.get(f"/v1/forecasts/{run_id}"))
        assert run["horizon_start_utc"] == "2025-03-02T23:00:00Z"  # Monday 3 March in Paris
        values = ok(planner.get(f"/v1/forecasts/{run_id}/values", params={"queue": "retail"}))
        assert len(values) == 7 * 96
        for v in values:
            assert v["offered"] >= 0
            if v["offered_lo80"] is not None:
                assert v["offered_lo95"] <= v["offered_lo80"] <= v["offered_hi80"]
                assert v["offered_hi80"] <= v["offered_hi95"]

        window = {"start": "2025-03-03T09:00:00Z", "end": "2025-03-03T10:00:00Z"}
        plain = ok(
            planner.get(f"/v1/forecasts/{run_id}/values", params={"queue": "retail", **window})
        )
        adjustment = ok(
            planner.post(
                "/v1/forecast-adjustments",
                json={
                    "queue_code": "retail",
                    "start_utc": window["start"],
                    "end_utc": window["end"],
                    "target": "offered",
                    "operation": "scale",
                    "value": 2.0,
                    "note": "mailing",
                },
            ),
            201,
        )
        assert ok(planner.get(f"/v1/forecast-adjustments/{adjustment['id']}")) == adjustment
        doubled = ok(
            planner.get(f"/v1/forecasts/{run_id}/values", params={"queue": "retail", **window})
        )
        assert [d["offered"] for d in doubled] == pytest.approx([2 * p["offered"] for p in plain])
        raw = ok(
            planner.get(
                f"/v1/forecasts/{run_id}/values",
                params={"queue": "retail", "adjusted": False, **window},
            )
        )
        assert raw == plain
        assert planner.delete(f"/v1/forecast-adjustments/{adjustment['id']}").status_code == 204
        assert ok(planner.get("/v1/forecast-adjustments")) == []
        bad = planner.post(
            "/v1/forecast-adjustments",
            json={
                "queue_code": "retail",
                "start_utc": window["end"],
                "end_utc": window["start"],
                "target": "offered",
                "operation": "scale",
                "value": 2.0,
            },
        )
        assert bad.status_code == 422

        requirements = ok(
            planner.get(f"/v1/forecasts/{run_id}/requirements", params={"queue": "retail"})
        )
        assert len(requirements) == 7 * 96
        assert all(r["scheduled_agents"] >= r["required_agents"] for r in requirements)
        busy = [r for r in requirements if r["contacts"] > 0]
        assert busy and all(r["required_agents"] >= 1 for r in busy)
        same = ok(planner.get("/v1/requirements", params={"site": SITE, "queue": "retail"}))
        assert same == requirements

        assert ok(planner.post(f"/v1/forecasts/{run_id}/accuracy")) == []  # no actuals yet
        ok(
            planner.post(
                "/v1/history/import",
                content=history_csv(2, datetime(2025, 3, 2, 23, 0, tzinfo=UTC)),
                headers=CSV,
            )
        )
        scores = ok(planner.post(f"/v1/forecasts/{run_id}/accuracy"))
        days = [s for s in scores if s["period"] == "day"]
        assert {(s["queue_code"], s["period_start"]) for s in days} == {
            (q, d) for q in ("business", "retail") for d in ("2025-03-03", "2025-03-04")
        }
        for s in days:
            assert s["accuracy_percent"] == pytest.approx(100 * (1 - s["wmape"]))
    with api.client("executive") as executive:
        accuracy = ok(executive.get("/v1/kpis/forecast-accuracy", params={"site": SITE}))
        assert accuracy["forecast_run_id"] == run_id and len(accuracy["periods"]) == 4
        assert accuracy["overall_accuracy_percent"] is not None

    with api.client("planner") as planner:
        again = planner.post("/v1/requirements", json={"site_code": SITE, "shrinkage": 0.5})
        assert again.status_code == 202
        assert _run_worker(api) == 1
        assert ok(planner.get(f"/v1/jobs/{again.json()['id']}"))["status"] == "succeeded"
        wider = ok(planner.get("/v1/requirements", params={"site": SITE, "queue": "retail"}))
        assert sum(r["scheduled_agents"] for r in wider) > sum(
            r["scheduled_agents"] for r in requirements
        )
        kinds = {j["kind"] for j in ok(planner.get("/v1/jobs"))}
        assert kinds == {"forecast", "requirements"}
        assert [j["kind"] for j in ok(planner.get("/v1/jobs", params={"kind": "forecast"}))] == [
            "forecast"
        ]
        assert planner.post(f"/v1/jobs/{job['id']}/retry").status_code == 409
        assert planner.get("/v1/jobs/00000000-0000-0000-0000-000000000000").status_code == 404

        # rosters: a week no forecast covers is refused before any job is queued
        uncovered = planner.post(
            "/v1/schedules", json={"site_code": SITE, "week_start": "2025-06-02"}
        )
        assert uncovered.status_code == 422
        assert uncovered.json()["errors"][0]["field"] == "body.week_start"
        assert "covers" in uncovered.json()["detail"]
        build = planner.post(
            "/v1/schedules",
            json={"site_code": SITE, "week_start": "2025-03-03", "time_limit_seconds": 10},
        )
        assert build.status_code == 202
        _run_worker(api)
        built = ok(planner.get(f"/v1/jobs/{build.json()['id']}"))
        assert built["status"] == "succeeded", built["error"]
        assert built["progress"] == 1.0
        result = built["result"]
        assert result["summary"]["hard_violations"] == 0
        assert set(result["summary"]["queues"]) <= {
            q["code"] for q in ok(planner.get("/v1/queues"))
        }
        schedule = ok(planner.get(f"/v1/schedules/{result['schedule_id']}"))
        assert schedule["status"] == "draft" and schedule["week_start"] == "2025-03-03"
        assert schedule["version"] == result["version"] == 1


def _add_schedule(api: ApiServer, version_note: str = "") -> int:
    day = date(2025, 3, 3)

    def at(hour: int, minute: int = 0) -> datetime:
        return datetime(2025, 3, 3, hour, minute, tzinfo=UTC)

    shifts = (
        Shift(
            agent_code="A0",
            shift_date=day,
            start_utc=at(8),
            end_utc=at(12),
            breaks=(ShiftBreak(at(10), at(10, 15), "break"),),
            activities=(
                ActivitySpan(at(8), at(10), Activity.SERVE, queue_code="retail"),
                ActivitySpan(at(10), at(10, 15), Activity.BREAK),
                ActivitySpan(at(10, 15), at(12), Activity.SELL, campaign_code="renewals"),
            ),
        ),
        Shift(
            agent_code="A1",
            shift_date=day,
            start_utc=at(8),
            end_utc=at(9),
            activities=(ActivitySpan(at(8), at(9), Activity.SERVE, queue_code="retail"),),
        ),
    )
    with unit_of_work(api.engine) as session:
        repo = ScheduleRepository(session)
        return repo.add(
            Schedule(
                site_code=SITE,
                week_start=day,
                version=repo.next_version(SITE, day),
                status=ScheduleStatus.DRAFT,
                created_at_utc=datetime.now(UTC),
                shifts=shifts,
                summary={"note": version_note},
            )
        )


def test_schedule_reads_publish_exports_and_agent_access(api: ApiServer) -> None:
    with api.client("planner") as planner:
        seed_centre(planner)
        first = _add_schedule(api, "v1")
        second = _add_schedule(api, "v2")
        listed = ok(planner.get("/v1/schedules", params={"site": SITE}))
        assert [(s["id"], s["version"], s["status"]) for s in listed] == [
            (first, 1, "draft"),
            (second, 2, "draft"),
        ]
        full = ok(planner.get(f"/v1/schedules/{second}"))
        assert [s["agent_code"] for s in full["shifts"]] == ["A0", "A1"]
        assert ok(planner.get(f"/v1/schedules/{second}/agents/A1"))[0]["end_utc"] == (
            "2025-03-03T09:00:00Z"
        )
        assert planner.get(f"/v1/schedules/{second}/agents/NOPE").status_code == 404

        cells = ok(
            planner.get(
                f"/v1/schedules/{second}/intervals",
                params={"start": "2025-03-03T08:00:00Z", "end": "2025-03-03T11:00:00Z"},
            )
        )
        by_start = {c["interval_start_utc"]: c for c in cells["intervals"]}
        assert cells["interval_minutes"] == 15
        assert by_start["2025-03-03T08:45:00Z"]["serving"] == {"retail": 2.0}
        assert by_start["2025-03-03T09:00:00Z"]["serving"] == {"retail": 1.0}
        assert by_start["2025-03-03T10:00:00Z"]["on_break"] == 1.0
        assert by_start["2025-03-03T10:15:00Z"]["selling"] == {"renewals": 1.0}
        assert by_start["2025-03-03T08:00:00Z"]["on_shift"] == 2.0

        evaluation = ok(planner.get(f"/v1/schedules/{second}/evaluation"))
        assert evaluation["paid_hours"] == pytest.approx(5.0)
        assert evaluation["serve_hours"] == pytest.approx(3.0)
        assert evaluation["sell_hours"] == pytest.approx(1.75)
        assert evaluation["break_hours"] == pytest.approx(0.25)
        # 11:15-13:00 Paris: 1.75 h x 0.8 x 10 per productive hour
        assert evaluation["outbound_value"] == pytest.approx(14.0)
        assert evaluation["agents"] == 2

        stale = planner.post(f"/v1/schedules/{first}/publish")
        assert stale.status_code == 409 and "latest" in stale.json()["detail"]
        published = ok(planner.post(f"/v1/schedules/{second}/publish"))
        assert published["status"] == "published" and published["published_at_utc"]
        twice = planner.post(f"/v1/schedules/{second}/publish")
        assert twice.status_code == 409

        exported = planner.get(f"/v1/schedules/{second}/export.csv")
        assert exported.status_code == 200 and exported.headers["content-type"].startswith(
            "text/csv"
        )
        rows = list(csv.DictReader(io.StringIO(exported.text)))
        assert len(rows) == 4
        assert rows[0] == {
            "agent_code": "A0",
            "shift_date": "2025-03-03",
            "start_local": "2025-03-03 09:00",
            "end_local": "2025-03-03 11:00",
            "activity": "serve",
            "queue_code": "retail",
            "campaign_code": "",
            "start_utc": "2025-03-03T08:00:00Z",
            "end_utc": "2025-03-03T10:00:00Z",
        }
        only_a1 = planner.get(f"/v1/schedules/{second}/export.csv", params={"agent": "A1"})
        assert len(list(csv.DictReader(io.StringIO(only_a1.text)))) == 1

        ical = planner.get(f"/v1/schedules/{second}/agents/A0/calendar.ics")
        assert ical.headers["content-type"].startswith("text/calendar")
        lines = ical.text.split("\r\n")
        assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR"
        assert "DTSTART:20250303T080000Z" in lines and "DTEND:20250303T120000Z" in lines
        assert lines.count("BEGIN:VEVENT") == 1
        assert all(len(line.encode()) <= 75 for line in lines)

    mine = api.add_token("agent", agent_code="A1")
    with api.client(token=mine) as agent:
        own = ok(agent.get("/v1/me/schedule", params={"week_start": "2025-03-03"}))
        assert [s["agent_code"] for s in own] == ["A1"]
        assert ok(agent.get(f"/v1/schedules/{second}/agents/A1"))[0]["agent_code"] == "A1"
        assert agent.get(f"/v1/schedules/{second}/agents/A0").status_code == 403
        assert agent.get(f"/v1/schedules/{second}").status_code == 403
        assert agent.get(f"/v1/schedules/{second}/export.csv").status_code == 403
        own_csv = agent.get(f"/v1/schedules/{second}/export.csv", params={"agent": "A1"})
        assert own_csv.status_code == 200
        assert agent.get(f"/v1/schedules/{second}/agents/A1/calendar.ics").status_code == 200
        assert agent.get(f"/v1/schedules/{first}/agents/A1").status_code == 403  # a draft
        other_week = agent.get(
            "/v1/me/schedule", params={"week_start": (date(2025, 3, 3) + timedelta(7)).isoformat()}
        )
        assert other_week.status_code == 404
