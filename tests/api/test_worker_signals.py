"""`wfm worker` as a process, stopped in the middle of a roster solve (OR-Tools running in native
threads): SIGTERM and SIGINT exit with 0, without `terminate called without an active exception`,
the job back in the queue and the worker recorded as stopped; a worker killed there (SIGKILL)
leaves its job running, and the next worker to start marks it failed at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from wfm.db.repositories import JobRepository, WorkerRepository
from wfm.db.session import make_engine, unit_of_work
from wfm.domain import Job, JobStatus
from wfm.services.jobs import enqueue

# a centre big enough that the solver still runs in native threads seconds after the signal
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def roster_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Engine, dict]]:
    """A demo centre with a forecast and requirements: a roster job of it spends seconds in
    OR-Tools."""
    from wfm.db import migrate
    from wfm.services.centre import CentreData, load_centre
    from wfm.services.forecasting import run_forecast
    from wfm.services.staffing import compute_requirements
    from wfm.tools.demo import generate_demo_centre

    url = f"sqlite:///{tmp_path_factory.mktemp('signals') / 'roster.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    demo = generate_demo_centre(weeks=5, agents=40, seed=2)
    site = demo.sites[0]
    with unit_of_work(engine) as session:
        load_centre(session, CentreData.of_demo(demo))
    with unit_of_work(engine) as session:
        run = run_forecast(session, site_code=site.code, weeks=1)
        compute_requirements(session, site_code=site.code, forecast_run_id=run.id)
    week = run.horizon_start_utc.astimezone(ZoneInfo(site.timezone)).date()
    week += timedelta(days=(7 - week.weekday()) % 7)
    params = {"site_code": site.code, "week_start": week.isoformat(), "time_limit_seconds": 300.0}
    yield url, engine, params
    engine.dispose()


def _worker(url: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "WFM_DATABASE_URL": url,
        "WFM_WORKER_POLL_SECONDS": "0.1",
        "WFM_WORKER_HEARTBEAT_SECONDS": "0.2",
        "WFM_DASK_SCHEDULER": "",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "wfm", "worker", "--no-schedule"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _job(engine: Engine, job_id: str) -> Job:
    with unit_of_work(engine) as session:
        return JobRepository(session).get(job_id)


def _until_solving(engine: Engine, job_id: str, process: subprocess.Popen[str]) -> Job:
    """Wait until the job assigns shifts to agents: CP-SAT solves in native threads from then on
    (assignment, local search, breaks), the moment a signal used to abort the process with
    `terminate called without an active exception` (exit code 134)."""
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        job = _job(engine, job_id)
        # from the assignment (0.02 + 0.93 * 0.45 of the job) to the roster's evaluation, every
        # stage runs CP-SAT; the heartbeat reports only every 0.2 s, so a stage can pass unseen
        if job.status is JobStatus.RUNNING and 0.43 <= job.progress < 0.9:
            return job
        assert job.status in (JobStatus.QUEUED, JobStatus.RUNNING), job
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    raise AssertionError(f"the job never reached its solver: {_job(engine, job_id)}")


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_mid_solve_exits_cleanly_and_requeues_the_job(
    roster_db: tuple[str, Engine, dict], stop: signal.Signals
) -> None:
    url, engine, params = roster_db
    with unit_of_work(engine) as session:
        job = enqueue(session, "schedule", params)
    worker = _worker(url)
    try:
        running = _until_solving(engine, job.id, worker)
        worker.send_signal(stop)
        out, err = worker.communicate(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
    assert "terminate called" not in err, err[-3000:]
    assert worker.returncode == 0, err[-3000:]
    assert "Traceback" not in err, err[-3000:]
    requeued = _job(engine, job.id)
    assert requeued.status is JobStatus.QUEUED and "requeued" in requeued.message
    with unit_of_work(engine) as session:
        gone = WorkerRepository(session).get(running.worker_id or "")
        JobRepository(session).cancel(job.id, requeued.created_at_utc)  # leave the queue empty
    assert gone is not None and gone.stopped_at_utc is not None


def test_the_next_worker_fails_a_killed_workers_job_at_once(
    roster_db: tuple[str, Engine, dict],
) -> None:
    url, engine, params = roster_db
    with unit_of_work(engine) as session:
        job = enqueue(session, "schedule", params)
    doomed = _worker(url)
    try:
        _until_solving(engine, job.id, doomed)
        doomed.kill()
        doomed.communicate(timeout=60)
    finally:
        if doomed.poll() is None:
            doomed.kill()
    assert _job(engine, job.id).status is JobStatus.RUNNING  # as the dead worker left it
    # the next worker (WFM_JOB_STALE_SECONDS 120 s by default) settles it as it starts
    successor = _worker(url)
    try:
        deadline = time.monotonic() + 120
        while (job_now := _job(engine, job.id)).status is JobStatus.RUNNING:
            assert time.monotonic() < deadline, "the job stayed running"
            assert successor.poll() is None, successor.communicate()
            time.sleep(0.05)
        assert job_now.status is JobStatus.FAILED
        assert f"process {doomed.pid}" in (job_now.error or "")
        assert "wrote nothing" in (job_now.error or "")
        successor.send_signal(signal.SIGTERM)  # idle: stops at once
        _out, err = successor.communicate(timeout=60)
    finally:
        if successor.poll() is None:
            successor.kill()
            successor.communicate()
    assert successor.returncode == 0 and "terminate called" not in err, err[-3000:]
