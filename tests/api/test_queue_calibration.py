"""Calibration and the accuracy report over real HTTP, on each database: a queue whose history
and agent events were drawn from a known Erlang A with availability < 1 is calibrated by
POST /v1/queues/calibrations, then shows patience source "calibration", and its weekly accuracy
report shows the calibrated model missing less than the textbook; a week without agent events
says so; bad inputs are 422 or 404, and only planners and admins calibrate."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from apikit import ApiServer, ok

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:  # the history generator is shared with tests/wfm
    sys.path.append(_ROOT)

from tests.wfm.calibration_history import (  # noqa: E402
    AVAILABILITY,
    PATIENCE_SECONDS,
    SITE,
    seed_centre,
)


def _ok(response: httpx.Response, status: int = 200) -> Any:
    return ok(response, status)


def test_calibrate_then_report_accuracy(api: ApiServer) -> None:
    truth = seed_centre(api.engine, weeks=3, event_weeks=2)
    with api.client("planner") as planner:
        before = _ok(planner.get("/v1/queues/retail/accuracy", params={"weeks": 3}))
        assert before["model_source"] == "textbook" and before["calibration"] is None
        assert _ok(planner.get("/v1/queues/retail"))["patience"]["source"] == "site"

        run = _ok(planner.post("/v1/queues/calibrations", params={"site": SITE}))
        assert run["site_code"] == SITE and run["lookback_days"] == 56
        (queue,) = run["queues"]
        assert queue["queue_code"] == "retail" and queue["calibrated"] is True
        assert queue["refused"] is None
        cal = queue["calibration"]
        assert cal["availability"] == pytest.approx(AVAILABILITY, abs=0.05)
        assert cal["patience_seconds"] == pytest.approx(PATIENCE_SECONDS)
        assert cal["patience_method"] == "waits"
        assert cal["answer_rate_mae"] < cal["textbook_answer_rate_mae"]
        # the intervals of the two weeks with agent events
        assert cal["intervals"] == 2 * 7 * 24

        patience = _ok(planner.get("/v1/queues/retail"))["patience"]
        assert patience["source"] == "calibration"
        assert patience["seconds"] == pytest.approx(PATIENCE_SECONDS)

    with api.client("executive") as executive:  # a KPI reader reads the report
        report = _ok(executive.get("/v1/queues/retail/accuracy", params={"weeks": 3}))
    assert report["model_source"] == "calibration"
    assert report["calibration"]["availability"] == cal["availability"]
    weeks = report["weeks"]
    assert [w["week_start"] for w in weeks] == ["2025-03-03", "2025-03-10", "2025-03-17"]
    assert sum(w["calls"] for w in weeks) == pytest.approx(truth.offered.sum())
    assert sum(w["intervals"] for w in weeks) == len(truth.offered)
    for week in weeks[:2]:
        assert week["agent_events"] is True
        model, textbook = week["model"], week["textbook"]
        assert (
            model["answer_rate"]["mae_call_weighted"] < textbook["answer_rate"]["mae_call_weighted"]
        )
        assert textbook["answer_rate"]["bias"] > 0.02
        assert abs(model["answer_rate"]["bias"]) < 0.02
        assert model["answer_rate"]["actual_total"] == pytest.approx(week["actual_answer_rate"])
        assert model["answer_rate"]["noise_floor_call_weighted"] > 0
        assert model["service_level"]["actual_total"] == pytest.approx(week["actual_service_level"])
    last = weeks[2]
    assert last["agent_events"] is False
    assert last["model"] is None and last["textbook"] is None
    assert last["mean_agents_serving"] is None and last["actual_answer_rate"] is not None


def test_calibration_inputs_and_roles(api: ApiServer) -> None:
    seed_centre(api.engine, weeks=1, event_weeks=0)
    with api.client("planner") as planner:
        run = _ok(planner.post("/v1/queues/calibrations", params={"site": SITE}))
        (queue,) = run["queues"]
        assert queue["calibrated"] is False and queue["calibration"] is None
        assert "no agent events" in queue["refused"]
        report = _ok(planner.get("/v1/queues/retail/accuracy"))
        assert len(report["weeks"]) == 8 and not any(w["agent_events"] for w in report["weeks"])

        for params, field in (
            ({"site": SITE, "lookback_days": 0}, "lookback_days"),
            ({"site": SITE, "lookback_days": "x"}, "lookback_days"),
            ({}, "site"),
        ):
            bad = planner.post("/v1/queues/calibrations", params=params)
            assert bad.status_code == 422, bad.text
            assert field in bad.json()["errors"][0]["field"]
        for weeks in (0, 105, "two"):
            bad = planner.get("/v1/queues/retail/accuracy", params={"weeks": weeks})
            assert bad.status_code == 422, bad.text
            assert "weeks" in bad.json()["errors"][0]["field"]
        assert (
            planner.post("/v1/queues/calibrations", params={"site": "nowhere"}).status_code == 404
        )
        assert planner.get("/v1/queues/nowhere/accuracy").status_code == 404
    with api.client("admin") as admin:
        _ok(admin.post("/v1/queues/calibrations", params={"site": SITE}))
    for role in ("floor_manager", "executive"):
        with api.client(role) as client:
            denied = client.post("/v1/queues/calibrations", params={"site": SITE})
            assert denied.status_code == 403, denied.text


def test_the_day_plan_shows_the_calibrations_patience(api: ApiServer) -> None:
    """A forecast run calibrates the queue; the intraday day plan then gives the calibration's
    patience with its source."""
    from wfm.db.session import unit_of_work
    from wfm.services.forecasting import run_forecast

    seed_centre(api.engine, weeks=4)
    with unit_of_work(api.engine) as session:
        run_forecast(session, site_code=SITE, weeks=1)
    with api.client("floor_manager") as floor:
        plan = _ok(floor.get("/v1/intraday/day", params={"site": SITE, "date": "2025-03-31"}))
    (queue,) = plan["queues"]
    assert queue["patience_source"] == "calibration"
    assert queue["patience_seconds"] == pytest.approx(PATIENCE_SECONDS)
