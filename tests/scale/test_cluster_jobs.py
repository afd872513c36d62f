"""The worker's jobs with WFM_DASK_SCHEDULER: on a cluster the forecast job runs there and says
so in its progress and result; an unreachable scheduler is a clear error (or a fallback that
says so) within the connect timeout, never a hang; a run that fails on the cluster writes
nothing."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from wfm.adapters import dask_cluster
from wfm.db import migrate
from wfm.db.repositories import ForecastRepository, JobRepository
from wfm.db.session import make_engine, unit_of_work
from wfm.domain import Job, JobStatus
from wfm.services.centre import CentreData, load_centre
from wfm.services.jobs import enqueue
from wfm.tools.demo import generate_demo_centre
from wfm.worker.settings import WorkerSettings
from wfm.worker.worker import Worker

CONNECT_TIMEOUT = 1.5


@pytest.fixture(scope="module")
def centre(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, str, str]]:
    """A small demo centre (one site, three queues, four weeks of history) on SQLite."""
    url = f"sqlite:///{tmp_path_factory.mktemp('scale') / 'wfm.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    demo = generate_demo_centre(weeks=4, agents=10, seed=11)
    with unit_of_work(engine) as session:
        load_centre(
            session,
            CentreData.of_demo(demo),
        )
    try:
        yield engine, url, demo.sites[0].code
    finally:
        dask_cluster.close_all()
        engine.dispose()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _settings(**dask: Any) -> WorkerSettings:
    return WorkerSettings(
        worker_heartbeat_seconds=0.2,
        dask_connect_timeout_seconds=CONNECT_TIMEOUT,
        **dask,
    )


def _run_forecast_job(engine: Engine, site: str, settings: WorkerSettings) -> tuple[Job, int]:
    """Run one forecast job in a worker; the job and how many forecast runs the site has."""
    with unit_of_work(engine) as session:
        queued = enqueue(session, "forecast", {"site_code": site, "weeks": 1})
    worker = Worker(engine, settings)
    try:
        assert worker.run_pending() == 1
    finally:
        worker.close()
    with unit_of_work(engine) as session:
        job = JobRepository(session).get(queued.id)
        runs = len(ForecastRepository(session).runs(site))
    return job, runs


def test_an_unreachable_scheduler_is_a_clear_error_within_the_timeout() -> None:
    address = f"tcp://127.0.0.1:{_closed_port()}"
    started = time.monotonic()
    with pytest.raises(dask_cluster.ClusterUnavailableError, match="could not be reached"):
        dask_cluster.connect(_settings(dask_scheduler=address))
    assert time.monotonic() - started < CONNECT_TIMEOUT + 5


def test_a_scheduler_that_accepts_but_never_answers_does_not_hang() -> None:
    with socket.socket() as silent:  # the kernel accepts connections; nobody ever speaks
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        address = f"tcp://127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        with pytest.raises(dask_cluster.ClusterUnavailableError, match=address):
            dask_cluster.connect(_settings(dask_scheduler=address))
        assert time.monotonic() - started < CONNECT_TIMEOUT + 10


def test_forecast_job_falls_back_to_the_worker_process_and_says_so(
    centre: tuple[Engine, str, str], caplog: pytest.LogCaptureFixture
) -> None:
    engine, _url, site = centre
    address = f"tcp://127.0.0.1:{_closed_port()}"
    with unit_of_work(engine) as session:
        before = len(ForecastRepository(session).runs(site))
    with caplog.at_level(logging.INFO, logger="wfm"):
        job, runs = _run_forecast_job(engine, site, _settings(dask_scheduler=address))
    assert job.status is JobStatus.SUCCEEDED, job.error
    assert runs == before + 1
    note = job.result["scale_out"]
    assert address in note and "running in this process instead" in note
    assert job.result["warnings"][0] == note  # stored with the forecast run too
    assert any("scale-out unavailable" in r.getMessage() for r in caplog.records)


def test_forecast_job_fails_fast_when_fallback_is_off(centre: tuple[Engine, str, str]) -> None:
    engine, _url, site = centre
    address = f"tcp://127.0.0.1:{_closed_port()}"
    with unit_of_work(engine) as session:
        before = len(ForecastRepository(session).runs(site))
    started = time.monotonic()
    job, runs = _run_forecast_job(
        engine, site, _settings(dask_scheduler=address, dask_fallback_local=False)
    )
    assert time.monotonic() - started < CONNECT_TIMEOUT + 10
    assert job.status is JobStatus.FAILED
    assert job.error is not None and f"the Dask scheduler at {address}" in job.error
    assert runs == before


def test_worker_refuses_to_start_on_an_unreachable_scheduler(
    centre: tuple[Engine, str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from wfm.cli import app

    _engine, url, _site = centre
    monkeypatch.setenv("WFM_DASK_SCHEDULER", f"tcp://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("WFM_DASK_FALLBACK_LOCAL", "false")
    monkeypatch.setenv("WFM_DASK_CONNECT_TIMEOUT_SECONDS", str(CONNECT_TIMEOUT))
    result = CliRunner().invoke(app, ["worker", "--once", "--database-url", url])
    assert result.exit_code != 0
    assert "could not be reached" in result.output


def test_forecast_job_on_a_local_cluster_reports_dask_progress(
    centre: tuple[Engine, str, str], caplog: pytest.LogCaptureFixture
) -> None:
    engine, _url, site = centre
    settings = _settings(dask_scheduler="local", dask_local_processes=False)
    with caplog.at_level(logging.INFO, logger="wfm"):
        job, _runs = _run_forecast_job(engine, site, settings)
    assert job.status is JobStatus.SUCCEEDED, job.error
    assert job.result["scale_out"].startswith("ran on the local Dask cluster")
    progress = [r.getMessage() for r in caplog.records if r.name == "wfm.worker"]
    assert any("Dask partitions" in line for line in progress)


def test_a_run_that_fails_on_the_cluster_writes_nothing(
    centre: tuple[Engine, str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from forecasting.distributed import DaskForecastBackend, DistributedRunError

    engine, _url, site = centre

    def lost(*_args: Any, **_kwargs: Any) -> Any:
        raise DistributedRunError("forecast with top_down: a task lost its worker too many times")

    monkeypatch.setattr(DaskForecastBackend, "forecast", lost)  # after the backtest ran there
    with unit_of_work(engine) as session:
        before = len(ForecastRepository(session).runs(site))
    settings = _settings(dask_scheduler="local", dask_local_processes=False)
    job, runs = _run_forecast_job(engine, site, settings)
    assert job.status is JobStatus.FAILED
    assert job.error is not None and "lost its worker" in job.error
    assert "local Dask cluster" in job.error
    assert job.message == "failed; nothing was written"
    assert runs == before


def test_without_a_scheduler_nothing_changes(tmp_path: Path) -> None:
    where = dask_cluster.scale_out(_settings(dask_scheduler=None))
    assert not where.distributed and where.note is None
    assert where.forecast_backend() is None and where.roster_solver() is None
