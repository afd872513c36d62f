"""The API and the worker process together: a job posted over HTTP runs in `wfm worker`; a worker
killed mid-job leaves the job failed (nothing written) and retryable; a worker stopped mid-job puts
it back in the queue."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
from apikit import SITE, ApiServer, history_csv, ok, seed_centre

from wfm.db.repositories import JobRepository
from wfm.db.session import unit_of_work
from wfm.domain import Job, JobStatus
from wfm.services.jobs import enqueue

CSV = {"Content-Type": "text/csv"}


def _worker(api: ApiServer, *args: str, stale_seconds: float = 120.0) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "WFM_DATABASE_URL": api.database_url,
        "WFM_WORKER_POLL_SECONDS": "0.1",
        "WFM_WORKER_HEARTBEAT_SECONDS": "0.2",
        "WFM_JOB_STALE_SECONDS": str(stale_seconds),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "wfm", "worker", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait(
    client: httpx.Client, job_id: str, done: Callable[[dict], bool], limit: float = 90.0
) -> dict:
    deadline = time.monotonic() + limit
    while True:
        job = ok(client.get(f"/v1/jobs/{job_id}"))
        if done(job):
            return job  # type: ignore[return-value]
        assert time.monotonic() < deadline, f"job stuck: {job}"
        time.sleep(0.05)


def _stop(process: subprocess.Popen[str]) -> str:
    if process.poll() is None:
        process.kill()
    out, _ = process.communicate(timeout=30)
    return out


def test_worker_runs_api_jobs_and_survives_crashes(api: ApiServer) -> None:
    with api.client("planner") as planner:
        seed_centre(planner)
        ok(
            planner.post(
                "/v1/history/import",
                content=history_csv(28, datetime(2025, 2, 2, 23, 0, tzinfo=UTC)),
                headers=CSV,
            )
        )
        # 1. a job posted over HTTP completes in the worker process
        worker = _worker(api, "--no-schedule")
        try:
            job = ok(planner.post("/v1/forecasts", json={"site_code": SITE, "weeks": 1}), 202)
            done = _wait(planner, job["id"], lambda j: j["status"] in ("succeeded", "failed"))
            assert done["status"] == "succeeded", done["error"]
            assert done["worker_id"] and done["heartbeat_at_utc"]
            run_id = done["result"]["forecast_run_id"]
            assert ok(planner.get(f"/v1/forecasts/{run_id}"))["job_id"] == job["id"]

            # 2. killed mid-job: nothing is written, the job is marked failed, a retry succeeds
            doomed = ok(planner.post("/v1/forecasts", json={"site_code": SITE, "weeks": 1}), 202)
            _wait(planner, doomed["id"], lambda j: j["status"] != "queued")
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
        finally:
            _stop(worker)
        after_kill = ok(planner.get(f"/v1/jobs/{doomed['id']}"))
        assert after_kill["status"] == "running"  # as the dead worker left it
        assert [r["id"] for r in ok(planner.get("/v1/forecasts", params={"site": SITE}))] == [
            run_id
        ]
        # the next worker to start marks it failed at once (its process is gone), long before
        # WFM_JOB_STALE_SECONDS (120 s here)
        recovery = _worker(api, "--once")
        output = _stop_after(recovery)
        assert "1 stale jobs marked failed" in output, output
        failed = ok(planner.get(f"/v1/jobs/{doomed['id']}"))
        assert failed["status"] == "failed"
        assert f"process {worker.pid}" in failed["error"] and "has ended" in failed["error"]
        assert "wrote nothing" in failed["error"]
        assert len(ok(planner.get("/v1/forecasts", params={"site": SITE}))) == 1

        retry = ok(planner.post(f"/v1/jobs/{doomed['id']}/retry"), 202)
        assert retry["params"] == doomed["params"] and retry["id"] != doomed["id"]
        output = _stop_after(_worker(api, "--once"))
        assert "1 jobs run" in output, output
        assert ok(planner.get(f"/v1/jobs/{retry['id']}"))["status"] == "succeeded"
        assert len(ok(planner.get("/v1/forecasts", params={"site": SITE}))) == 2

        # 3. stopped (SIGTERM) mid-job: the job goes back to the queue, untouched
        worker = _worker(api, "--no-schedule")
        try:
            paused = ok(planner.post("/v1/forecasts", json={"site_code": SITE, "weeks": 1}), 202)
            _wait(planner, paused["id"], lambda j: j["status"] != "queued")
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=30)
        finally:
            _stop(worker)
        requeued = ok(planner.get(f"/v1/jobs/{paused['id']}"))
        if requeued["status"] == "queued":
            assert "requeued" in requeued["message"] and requeued["worker_id"] is None
            assert len(ok(planner.get("/v1/forecasts", params={"site": SITE}))) == 2
            _stop_after(_worker(api, "--once"))
        else:  # the job finished in the moment between its start and the signal
            assert requeued["status"] == "succeeded"
        assert ok(planner.get(f"/v1/jobs/{paused['id']}"))["status"] == "succeeded"
        assert len(ok(planner.get("/v1/forecasts", params={"site": SITE}))) == 3


def _stop_after(process: subprocess.Popen[str]) -> str:
    out, _ = process.communicate(timeout=120)
    assert process.returncode == 0, out
    return out


def test_claim_is_compare_and_set_and_a_late_finish_is_refused(api: ApiServer) -> None:
    with api.client("admin") as admin:
        seed_centre(admin)
    with unit_of_work(api.engine) as session:
        job = enqueue(session, "requirements", {"site_code": SITE})
    with unit_of_work(api.engine) as session:
        first = JobRepository(session).claim_next("worker-a")
    with unit_of_work(api.engine) as session:
        second = JobRepository(session).claim_next("worker-b")
    assert isinstance(first, Job) and first.id == job.id and first.worker_id == "worker-a"
    assert second is None
    # worker-a goes silent; the job is failed as stale; its late result is refused
    with unit_of_work(api.engine) as session:
        stale = JobRepository(session).fail_stale(
            datetime.now(UTC) + timedelta(seconds=1), reason="test cut-off"
        )
    assert [j.id for j in stale] == [job.id]
    with unit_of_work(api.engine) as session:
        repo = JobRepository(session)
        assert not repo.finish(job.id, "worker-a", status=JobStatus.SUCCEEDED, result={})
        assert not repo.heartbeat(job.id, "worker-a")
        assert repo.get(job.id).status is JobStatus.FAILED
