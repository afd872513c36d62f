"""The queue's health and job cancellation over real HTTP, on each database: /health says
`degraded` while jobs wait with no live worker, and `ok` again once a worker beats; a queued job
is cancelled at once and never taken, a running one stops at its next progress report with
nothing written; a starting worker settles the jobs of gone workers at once."""

from __future__ import annotations

import os
import socket
import threading
import time
from datetime import UTC, datetime, timedelta

from apikit import ApiServer, ok, seed_centre

from wfm.db.repositories import JobRepository, SiteRepository, WorkerRepository
from wfm.db.session import unit_of_work
from wfm.domain import Job, JobStatus, Site
from wfm.services.jobs import enqueue
from wfm.worker.handlers import JobContext, Outcome
from wfm.worker.settings import WorkerSettings
from wfm.worker.worker import Worker

FAST = WorkerSettings(worker_heartbeat_seconds=0.05, worker_poll_seconds=0.05)


def _queue(api: ApiServer, kind: str = "requirements") -> Job:
    with unit_of_work(api.engine) as session:
        return enqueue(session, kind, {"site_code": "paris"})


def test_health_reports_workers_and_the_queue(api: ApiServer) -> None:
    with api.client(role=None) as anonymous:
        idle = ok(anonymous.get("/health"))
        assert idle["status"] == "ok" and idle["queued_jobs"] == 0
        assert idle["workers_alive"] == 0 and idle["last_worker_heartbeat_utc"] is None
        job = _queue(api)
        waiting = ok(anonymous.get("/health"))  # degraded is still 200: the API serves
        assert waiting["status"] == "degraded" and waiting["queued_jobs"] == 1
        assert waiting["oldest_queued_job_age_seconds"] >= 0
        assert (
            "no live worker" in waiting["detail"] and "no worker has ever run" in waiting["detail"]
        )

        worker = Worker(api.engine, FAST)
        worker.presence.start()
        try:
            alive = ok(anonymous.get("/health"))
            assert alive["status"] == "ok" and alive["workers_alive"] == 1
            assert alive["queued_jobs"] == 1 and alive["last_worker_heartbeat_utc"]
        finally:
            worker.presence.stop()
            worker.close()
        stopped = ok(anonymous.get("/health"))
        assert stopped["status"] == "degraded" and stopped["workers_alive"] == 0
        assert "the last worker heartbeat was at" in stopped["detail"]

        # a worker whose heartbeat is older than WFM_WORKER_ALIVE_SECONDS does not count
        with unit_of_work(api.engine) as session:
            WorkerRepository(session).register(
                "silent",
                hostname="elsewhere",
                pid=1,
                now_utc=datetime.now(UTC) - timedelta(hours=1),
            )
        assert ok(anonymous.get("/health"))["status"] == "degraded"
        with api.client("planner") as planner:
            ok(planner.post(f"/v1/jobs/{job.id}/cancel"))
        assert ok(anonymous.get("/health"))["status"] == "ok"


def test_a_queued_job_is_cancelled_and_never_taken(api: ApiServer) -> None:
    with api.client("planner") as planner, api.client("executive") as executive:
        seed_centre(planner)
        job = _queue(api)
        assert executive.post(f"/v1/jobs/{job.id}/cancel").status_code == 403
        cancelled = ok(planner.post(f"/v1/jobs/{job.id}/cancel"))
        assert cancelled["status"] == "cancelled" and cancelled["cancel_requested_at_utc"]
        assert cancelled["finished_at_utc"] and cancelled["worker_id"] is None
        worker = Worker(api.engine, FAST)
        try:
            assert worker.run_next() is None  # the worker never takes it
        finally:
            worker.close()
        assert ok(planner.get(f"/v1/jobs/{job.id}"))["status"] == "cancelled"
        again = planner.post(f"/v1/jobs/{job.id}/cancel")
        assert again.status_code == 409 and "already ended (cancelled)" in again.json()["detail"]
        listed = ok(planner.get("/v1/jobs", params={"status": "cancelled"}))
        assert [j["id"] for j in listed] == [job.id]
        retry = ok(planner.post(f"/v1/jobs/{job.id}/retry"), 202)
        assert retry["status"] == "queued" and retry["params"] == job.params
        missing = planner.post("/v1/jobs/00000000-0000-0000-0000-000000000000/cancel")
        assert missing.status_code == 404


def _slow_handler(started: threading.Event) -> object:
    """Writes a site (PostgreSQL: SQLite's one writer would hold every other write up until the
    job ends, the cancel too), then reports progress until told to stop (at most 60 s)."""

    def handler(context: JobContext) -> Outcome:
        if context.session.get_bind().dialect.name == "postgresql":
            SiteRepository(context.session).add(Site("ghost", "Ghost", "UTC"))
            context.session.flush()
        started.set()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            context.progress(0.5, "working")
            time.sleep(0.02)
        SiteRepository(context.session).add(Site("ghost", "Ghost", "UTC"))
        return Outcome({"finished": True})

    return handler


def test_a_running_job_stops_at_its_next_progress_report(api: ApiServer) -> None:
    started = threading.Event()
    worker = Worker(api.engine, FAST, handlers={"requirements": _slow_handler(started)})  # type: ignore[dict-item]
    with api.client("planner") as planner:  # the server has its connections open, as it runs
        ok(planner.get("/v1/jobs"))
    job = _queue(api)
    outcome: list[Job | None] = []
    runner = threading.Thread(target=lambda: outcome.append(worker.run_next()), daemon=True)
    runner.start()
    try:
        assert started.wait(30)
        with api.client("planner") as planner:
            asked = planner.post(f"/v1/jobs/{job.id}/cancel")
            assert asked.status_code == 202, asked.text
            assert asked.json()["status"] == "running" and asked.json()["cancel_requested_at_utc"]
            runner.join(timeout=60)
            assert not runner.is_alive()
            done = ok(planner.get(f"/v1/jobs/{job.id}"))
            assert done["status"] == "cancelled", done
            assert "nothing was written" in done["message"]
            assert planner.get("/v1/sites/ghost").status_code == 404  # rolled back
            assert planner.post(f"/v1/jobs/{job.id}/cancel").status_code == 409
    finally:
        worker.close()
    assert outcome and outcome[0] is not None and outcome[0].status is JobStatus.CANCELLED


def test_a_starting_worker_settles_the_jobs_of_gone_workers(api: ApiServer) -> None:
    now = datetime.now(UTC)
    host = socket.gethostname()
    dead_pid = _a_dead_pid()
    with unit_of_work(api.engine) as session:
        workers = WorkerRepository(session)
        workers.register("crashed", hostname=host, pid=dead_pid, now_utc=now)
        workers.register("silent", hostname="elsewhere", pid=7, now_utc=now - timedelta(hours=1))
        workers.register("busy", hostname="elsewhere", pid=8, now_utc=now)
        workers.register("stopped", hostname="elsewhere", pid=9, now_utc=now)
        workers.stop("stopped", now)
    jobs = {}
    for owner in ("crashed", "silent", "busy", "stopped"):
        job = _queue(api)
        with unit_of_work(api.engine) as session:
            claimed = JobRepository(session).claim_next(owner)
            assert claimed is not None and claimed.id == job.id
        jobs[owner] = job.id
    worker = Worker(api.engine, FAST)  # WFM_JOB_STALE_SECONDS 120: no job heartbeat is stale
    try:
        failed = worker.recover_stale()
    finally:
        worker.close()
    assert sorted(j.id for j in failed) == sorted([jobs["crashed"], jobs["silent"]])
    with unit_of_work(api.engine) as session:
        repo = JobRepository(session)
        crashed = repo.get(jobs["crashed"])
        assert crashed.status is JobStatus.FAILED
        assert f"process {dead_pid} on {host} has ended" in (crashed.error or "")
        silent = repo.get(jobs["silent"])
        assert silent.status is JobStatus.FAILED
        assert "has not been heard of since" in (silent.error or "")
        assert repo.get(jobs["busy"]).status is JobStatus.RUNNING  # its worker is alive
        requeued = repo.get(jobs["stopped"])
        assert requeued.status is JobStatus.QUEUED and "requeued" in requeued.message


def _a_dead_pid() -> int:
    """The id of a process that has ended."""
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return pid
