"""The worker: the one APScheduler process. It runs the scheduled jobs (stored in the database with
explicit ids) and the jobs queued through the API, one at a time, each in one transaction.

Exactly-once: a job is claimed with a compare-and-set; its handler's writes and its `succeeded`
status commit together, and only if the job is still this worker's. A worker that dies leaves a
running job behind; a worker that starts marks it failed at once when its worker is known to be
gone (its process no longer exists on this host, or the worker's heartbeat in `workers` is older
than WFM_WORKER_ALIVE_SECONDS), and a running worker does so periodically, as it does for any job
whose own heartbeat is older than WFM_JOB_STALE_SECONDS. Since the job's transaction never
committed, it wrote nothing.

A worker registers in `workers` and keeps its heartbeat fresh there (/health reads it). A cancel
asked for while a job runs stops the job at its next progress report; it is rolled back and marked
cancelled. On SIGTERM/SIGINT the worker puts the job in flight back in the queue, stops the
scheduler, records that it stopped, and exits with 0 (leaving at once, without waiting for a
solver still running in native threads: its transaction is dropped with the process).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from wfm.db.repositories import JobRepository, WorkerRepository
from wfm.db.session import make_engine, session_factory, unit_of_work
from wfm.domain import Job, JobStatus
from wfm.domain.errors import WfmError
from wfm.worker.handlers import HANDLERS, Handler, JobContext
from wfm.worker.liveness import Presence, why_gone
from wfm.worker.settings import WorkerSettings

log = logging.getLogger("wfm.worker")


def new_worker_id() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class _Beat:
    """Keeps a running job's heartbeat and progress fresh from a side thread, in its own short
    transactions (so the API sees progress while the job's own transaction is still open)."""

    def __init__(self, worker: Worker, job_id: str) -> None:
        self.worker = worker
        self.job_id = job_id
        self.fraction: float | None = None
        self.message: str | None = None
        self.lost = False
        self.cancelled = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"beat-{job_id[:8]}", daemon=True)

    def progress(self, fraction: float, message: str) -> None:
        if self.cancelled:
            raise JobCancelled(self.job_id)
        self.fraction = max(0.0, min(1.0, float(fraction)))
        self.message = message[:500]
        log.info("job %s: %3.0f%% %s", self.job_id[:8], 100 * self.fraction, message)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        interval = self.worker.settings.worker_heartbeat_seconds
        while not self._stop.wait(interval):
            try:
                with unit_of_work(self.worker.beat_sessions) as session:
                    jobs = JobRepository(session)
                    alive = jobs.heartbeat(
                        self.job_id,
                        self.worker.worker_id,
                        progress=self.fraction,
                        message=self.message,
                    )
                    if alive and jobs.cancel_requested(self.job_id) and not self.cancelled:
                        self.cancelled = True
                        log.warning("job %s: cancel requested; stopping", self.job_id[:8])
                if not alive and not self.lost:
                    self.lost = True
                    log.warning("job %s is no longer this worker's", self.job_id[:8])
            except Exception as exc:  # a busy database skips one beat
                log.debug("heartbeat skipped: %s", exc)


class Worker:
    def __init__(
        self,
        engine: Engine,
        settings: WorkerSettings | None = None,
        *,
        worker_id: str | None = None,
        handlers: dict[str, Handler] | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings or WorkerSettings()
        self.worker_id = worker_id or new_worker_id()
        self.handlers = handlers or HANDLERS
        self.sessions: sessionmaker[Session] = session_factory(engine)
        url = engine.url.render_as_string(hide_password=False)
        self.beat_engine = make_engine(url)
        if self.beat_engine.dialect.name == "sqlite":
            event.listen(self.beat_engine, "connect", _short_busy_timeout)
        self.beat_sessions = session_factory(self.beat_engine)
        self.current_job_id: str | None = None
        self.stopping = threading.Event()
        self.hostname = socket.gethostname()
        self.presence = Presence(
            self.worker_id,
            sessions=self.sessions,
            beat_sessions=self.beat_sessions,
            heartbeat_seconds=self.settings.worker_heartbeat_seconds,
        )

    # --- queue --------------------------------------------------------------------------------

    def recover_stale(self) -> list[Job]:
        """Settle the jobs other workers left running; returns those marked failed.

        A job whose worker is known to be gone (`liveness.why_gone`), or whose own heartbeat is
        older than WFM_JOB_STALE_SECONDS, is marked failed with the reason; one whose worker said
        it stopped cleanly goes back to the queue (its work was rolled back with it)."""
        now = datetime.now(UTC)
        cutoff = now - timedelta(seconds=self.settings.job_stale_seconds)
        failed: list[Job] = []
        with unit_of_work(self.sessions) as session:
            jobs = JobRepository(session)
            workers = {w.id: w for w in WorkerRepository(session).list()}
            for job in jobs.running():
                worker = workers.get(job.worker_id or "")
                gone = why_gone(
                    job,
                    worker,
                    me=self.worker_id,
                    hostname=self.hostname,
                    now_utc=now,
                    alive_seconds=self.settings.worker_alive_seconds,
                )
                last = job.heartbeat_at_utc or job.started_at_utc or job.created_at_utc
                if gone is None and last < cutoff:
                    gone = (
                        f"the worker running the job stopped responding: worker "
                        f"{job.worker_id or '?'} last reported at {last:%Y-%m-%d %H:%M:%S} UTC"
                    )
                if gone is None:
                    continue
                if worker is not None and worker.stopped_at_utc is not None and job.worker_id:
                    if jobs.requeue(job.id, job.worker_id, message=f"requeued: {gone}"):
                        log.warning("job %s (%s) requeued: %s", job.id, job.kind, gone)
                    continue
                if jobs.fail_running(job.id, f"{gone}; the job wrote nothing", now):
                    log.warning("job %s (%s) marked failed: %s", job.id, job.kind, gone)
                    failed.append(job)
        return failed

    def claim(self) -> Job | None:
        with unit_of_work(self.sessions) as session:
            return JobRepository(session).claim_next(self.worker_id)

    def run_next(self) -> Job | None:
        """Claim the oldest queued job and run it to the end; None when the queue is empty."""
        if self.stopping.is_set():
            return None
        job = self.claim()
        if job is None:
            return None
        return self.run(job)

    def run_pending(self) -> int:
        """Run queued jobs until none is left (or the worker is stopping); how many ran."""
        count = 0
        while self.run_next() is not None:
            count += 1
        return count

    def run(self, job: Job) -> Job:
        handler = self.handlers.get(job.kind)
        log.info("job %s (%s) started: %s", job.id, job.kind, job.params)
        self.current_job_id = job.id
        beat = _Beat(self, job.id)
        beat.start()
        outcome = None
        error: str | None = None
        try:
            if handler is None:
                raise WfmError(f"no handler for job kind {job.kind!r}")
            with unit_of_work(self.sessions) as session:
                context = JobContext(session, job, beat.progress, self.settings)
                outcome = handler(context)
                beat.stop()
                if beat.cancelled or JobRepository(session).cancel_requested(job.id):
                    raise JobCancelled(job.id)
                finished = JobRepository(session).finish(
                    job.id,
                    self.worker_id,
                    status=JobStatus.SUCCEEDED,
                    result=outcome.result,
                    message="done",
                )
                if not finished:
                    raise _JobLost(job.id)
        except _JobLost:
            outcome = None
            log.warning("job %s was taken from this worker; its work was rolled back", job.id)
        except JobCancelled:
            outcome = None
            self._settle(
                job, JobStatus.CANCELLED, None, "cancelled while running; nothing was written"
            )
        except WfmError as exc:
            error = str(exc)
        except Exception as exc:
            log.error("job %s failed:\n%s", job.id, traceback.format_exc())
            error = f"{type(exc).__name__}: {exc}"
        finally:
            beat.stop()
            self.current_job_id = None
        if error is not None:
            log.warning("job %s (%s) failed: %s", job.id, job.kind, error)
            self._settle(job, JobStatus.FAILED, error[:4000], "failed; nothing was written")
        elif outcome is not None:
            log.info("job %s (%s) succeeded: %s", job.id, job.kind, outcome.result)
            for action in outcome.after_commit:
                try:
                    action()
                except Exception:
                    log.exception("after-commit action of job %s failed", job.id)
        with unit_of_work(self.sessions) as session:
            return JobRepository(session).get(job.id)

    def _settle(self, job: Job, status: JobStatus, error: str | None, message: str) -> None:
        """Record how a job that wrote nothing ended (cancelled or failed)."""
        if status is JobStatus.CANCELLED:
            log.warning("job %s (%s) cancelled while running", job.id, job.kind)
        with unit_of_work(self.sessions) as session:
            JobRepository(session).finish(
                job.id, self.worker_id, status=status, error=error, message=message
            )

    def release_current(self) -> None:
        """On shutdown: put the job in flight back in the queue (its transaction is dropped)."""
        job_id = self.current_job_id
        if job_id is None:
            return
        try:
            with unit_of_work(self.beat_sessions) as session:
                if JobRepository(session).requeue(
                    job_id, self.worker_id, message="requeued: the worker was stopped"
                ):
                    log.warning("job %s requeued: the worker is stopping", job_id)
        except Exception as exc:
            log.warning("could not requeue job %s: %s", job_id, exc)

    # --- process ------------------------------------------------------------------------------

    def serve_forever(self, *, with_schedule: bool = True) -> bool:
        """Run until `stop()`: queued jobs in a runner thread, scheduled jobs in APScheduler.

        On stop, a job in flight goes back to the queue and its open transaction is dropped
        with the process, so it is neither lost nor half-written; the scheduler is shut down
        and the worker's row says it stopped. Returns whether the runner thread ended too:
        False when it is still inside a job (a solver in native threads, say), and the process
        should then leave with `os._exit` rather than wait for it.
        """
        from wfm.worker import scheduled

        self.presence.start()
        self.recover_stale()
        scheduler = scheduled.start_scheduler(self.engine, self.settings) if with_schedule else None
        runner = threading.Thread(target=self._run_queue, name="wfm-queue-runner", daemon=True)
        runner.start()
        log.info("worker %s running", self.worker_id)
        try:
            while not self.stopping.wait(0.5):
                if not runner.is_alive():
                    log.error("the queue runner stopped unexpectedly; restarting it")
                    runner = threading.Thread(
                        target=self._run_queue, name="wfm-queue-runner", daemon=True
                    )
                    runner.start()
        finally:
            self.stopping.set()
            self.release_current()
            if scheduler is not None:
                scheduler.shutdown(wait=True)  # a scheduled job only queues work, or is short
            runner.join(timeout=2)
            self.presence.stop()
            log.info("worker %s stopped", self.worker_id)
        return not runner.is_alive()

    def _run_queue(self) -> None:
        last_recovery = time.monotonic()
        while not self.stopping.is_set():
            try:
                ran = self.run_next()
                if time.monotonic() - last_recovery > max(5.0, self.settings.job_stale_seconds / 4):
                    self.recover_stale()
                    last_recovery = time.monotonic()
            except Exception as exc:  # database away: wait and retry
                log.warning("queue runner: %s", exc)
                ran = None
            if ran is None:
                self.stopping.wait(self.settings.worker_poll_seconds)

    def stop(self) -> None:
        self.stopping.set()

    def close(self) -> None:
        self.beat_engine.dispose()


class _JobLost(Exception):
    pass


class JobCancelled(Exception):
    """Raised at a job's progress report once a cancel was asked for: its work is rolled back."""


def _short_busy_timeout(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=1000")
    cursor.close()
