"""The worker's scheduled jobs (explicit ids, stored in the database, configurable) and the
nightly import-and-forecast; the stateless staffing calculator over HTTP."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from apikit import SITE, ApiServer, history_csv, ok, seed_centre
from sqlalchemy import select
from typer.testing import CliRunner

from wfm.cli import app as cli
from wfm.db.models import SchedulerJobRow
from wfm.db.repositories import HistoryRepository, JobRepository
from wfm.db.session import unit_of_work
from wfm.domain.errors import ConfigurationError
from wfm.worker import scheduled
from wfm.worker.settings import WorkerSettings
from wfm.worker.worker import Worker

IDS = {
    "wfm-nightly-import-forecast",
    "wfm-weekly-draft-roster",
    "wfm-intraday-cycle",
    "wfm-notify-deliver",
}


def _stored_ids(api: ApiServer) -> set[str]:
    with unit_of_work(api.engine) as session:
        return set(session.scalars(select(SchedulerJobRow.id)))


def test_scheduled_jobs_are_stored_by_id_and_follow_the_settings(
    api: ApiServer, tmp_path: Path
) -> None:
    settings = WorkerSettings(database_url=api.database_url)
    scheduler = scheduled.start_scheduler(api.engine, settings)
    try:
        assert {job.id for job in scheduler.get_jobs()} == IDS
    finally:
        scheduler.shutdown(wait=False)
    assert _stored_ids(api) == IDS
    # a restart with the roster disabled and another cron replaces, never duplicates
    changed = WorkerSettings(
        database_url=api.database_url,
        weekly_roster_enabled=False,
        nightly_forecast_cron="0 3 * * *",
    )
    scheduler = scheduled.start_scheduler(api.engine, changed)
    try:
        nightly = scheduler.get_job("wfm-nightly-import-forecast")
        assert nightly is not None and "hour='3'" in str(nightly.trigger)
    finally:
        scheduler.shutdown(wait=False)
    assert _stored_ids(api) == IDS - {"wfm-weekly-draft-roster"}

    with pytest.raises(ConfigurationError, match="WFM_NIGHTLY_FORECAST_CRON"):
        scheduled.scheduled_jobs(WorkerSettings(nightly_forecast_cron="every night"))
    result = CliRunner().invoke(
        cli,
        ["worker", "--database-url", api.database_url],
        env={"WFM_WEEKLY_ROSTER_CRON": "61 * * * *"},
    )
    assert result.exit_code == 2 and result.stderr.startswith("error: WFM_WEEKLY_ROSTER_CRON")


def test_nightly_job_imports_the_folder_then_forecasts(api: ApiServer, tmp_path: Path) -> None:
    with api.client("admin") as admin:
        seed_centre(admin)
    inbox, archive = tmp_path / "inbox", tmp_path / "done"
    inbox.mkdir()
    # one file per queue, named after it, without a queue column
    for queue in ("retail", "business"):
        lines = history_csv(28, datetime(2025, 2, 2, 23, 0, tzinfo=UTC), (queue,)).splitlines()
        header = lines[0].replace("queue,", "")
        body = [line.split(",", 1)[1] for line in lines[1:]]
        (inbox / f"{queue}.csv").write_text("\n".join([header, *body]) + "\n")
    settings = WorkerSettings(
        database_url=api.database_url, import_dir=inbox, import_archive_dir=archive
    )
    scheduled.bind(api.engine, settings)
    scheduled.nightly_import_and_forecast()
    scheduled.weekly_draft_roster()
    scheduled.intraday_cycle()
    with unit_of_work(api.engine) as session:
        queued = {j.kind: j for j in JobRepository(session).list()}
    assert set(queued) == {"import_and_forecast", "schedule"}
    week = date.fromisoformat(str(queued["schedule"].params["week_start"]))
    assert week.weekday() == 0 and week > datetime.now(UTC).date()

    worker = Worker(api.engine, settings)
    try:
        worker.run(worker.claim())  # type: ignore[arg-type]  # the oldest: import-and-forecast
    finally:
        worker.close()
    with unit_of_work(api.engine) as session:
        job = JobRepository(session).get(queued["import_and_forecast"].id)
        stored = HistoryRepository(session).count()
    assert job.status.value == "succeeded", job.error
    assert stored == 2 * 28 * 96
    assert job.result is not None
    assert [f["file"] for f in job.result["imported"]] == ["business.csv", "retail.csv"]
    assert [f["site_code"] for f in job.result["forecasts"]] == [SITE]
    assert not list(inbox.iterdir()) and len(list(archive.iterdir())) == 2


def test_staffing_calculator_golden_values(api: ApiServer) -> None:
    with api.client("floor_manager") as floor:
        # the reference of docs/domain.md: 100 calls in 30 min, AHT 180 s, 80/20, shrinkage 30 %
        result = ok(
            floor.post(
                "/v1/staffing/calculate",
                json={
                    "interval_minutes": 30,
                    "intervals": [
                        {"contacts": 100, "aht_seconds": 180, "agents": 11},
                        {"contacts": 0, "aht_seconds": 180},
                    ],
                    "service_level_target": 0.8,
                    "threshold_seconds": 20,
                    "shrinkage": 0.3,
                },
            )
        )
        assert result["model"] == "erlang_c"
        busy, idle = result["intervals"]
        assert busy["load_erlangs"] == pytest.approx(10.0)
        assert busy["required_agents"] == 14 and busy["scheduled_agents"] == 20
        assert busy["at_required"]["service_level"] == pytest.approx(0.8884, abs=1e-4)
        assert busy["at_required"]["asa_seconds"] == pytest.approx(7.84, abs=0.01)
        assert busy["at_required"]["occupancy"] == pytest.approx(0.714, abs=1e-3)
        assert busy["at_given"]["p_wait"] == pytest.approx(0.6821, abs=1e-4)
        assert idle["required_agents"] == 0 and idle["scheduled_agents"] == 0
        assert result["total_scheduled_agent_hours"] == pytest.approx(10.0)

        with_patience = ok(
            floor.post(
                "/v1/staffing/calculate",
                json={
                    "intervals": [{"contacts": 100, "aht_seconds": 180, "agents": 8}],
                    "patience_seconds": 120,
                    "min_answer_rate": 0.95,
                    "service_level_target": None,
                },
            )
        )
        row = with_patience["intervals"][0]
        assert with_patience["model"] == "erlang_a"
        assert row["at_required"]["answer_rate"] >= 0.95
        assert row["at_given"]["answer_rate"] < row["at_required"]["answer_rate"]

        for body, field in [
            ({"intervals": []}, "body.intervals"),
            ({"intervals": [{"contacts": -1, "aht_seconds": 180}]}, "body.intervals.0.contacts"),
            ({"intervals": [{"contacts": 1, "aht_seconds": 0}]}, "body.intervals.0.aht_seconds"),
            ({"intervals": [{"contacts": 1, "aht_seconds": 1}], "shrinkage": 1}, "body.shrinkage"),
            (
                {"intervals": [{"contacts": 1, "aht_seconds": 1}], "interval_minutes": 20},
                "body.interval_minutes",
            ),
        ]:
            response = floor.post("/v1/staffing/calculate", json=body)
            assert response.status_code == 422, body
            assert response.json()["errors"][0]["field"] == field
        no_patience = floor.post(
            "/v1/staffing/calculate",
            json={"intervals": [{"contacts": 1, "aht_seconds": 1}], "min_answer_rate": 0.9},
        )
        assert no_patience.status_code == 422 and "patience" in no_patience.json()["detail"]
