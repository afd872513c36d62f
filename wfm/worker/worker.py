"""The worker: the one APScheduler process. It runs the scheduled jobs (stored in the database with
explicit ids) and the jobs queued through the API, one at a time, each in one transaction.

Exactly-once: a job is claimed with a compare-and-set; its handler's writes and its `succeeded`
status commit together, and only if the job is still this worker's. A worker that dies leaves a
running job with a stale heartbeat; the next worker to start (or the running one, periodically)
marks it failed, and since its transaction never committed, it wrote nothing.
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

from wfm.db.repositories import JobRepository
from wfm.db.session import make_engine, session_factory, unit_of_work
from wfm.domain import Job, JobStatus
from wfm.domain.errors import WfmError
from wfm.worker.handlers import HANDLERS, Handler, JobContext
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
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"beat-{job_id[:8]}", daemon=True)

    def progress(self, fraction: float, message: str) -> None:
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
                    alive = JobRepository(session).heartbeat(
                        self.job_id,
                        self.worker.worker_id,
                        progress=self.fraction,
                        message=self.message,
                    )
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

    # --- queue --------------------------------------------------------------------------------

    def recover_stale(self) -> list[Job]:
        """Mark failed every running job whose heartbeat is older than the stale limit."""
        cutoff = datetime.now(UTC) - timedelta(seconds=self.settings.job_stale_seconds)
        with unit_of_work(self.sessions) as session:
            stale = JobRepository(session).fail_stale(
                cutoff, reason="the worker running the job stopped responding"
            )
        for job in stale:
            log.warning(
                "job %s (%s) marked failed: its worker %s died", job.id, job.kind, job.worker_id
            )
        return stale

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
            with unit_of_work(self.sessions) as session:
                JobRepository(session).finish(
                    job.id,
                    self.worker_id,
                    status=JobStatus.FAILED,
                    error=error[:4000],
                    message="failed; nothing was written",
                )
        elif outcome is not None:
            log.info("job %s (%s) succeeded: %s", job.id, job.kind, outcome.result)
            for action in outcome.after_commit:
                try:
                    action()
                except Exception:
                    log.exception("after-commit action of job %s failed", job.id)
        with unit_of_work(self.sessions) as session:
            return JobRepository(session).get(job.id)

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

    def serve_forever(self, *, with_schedule: bool = True) -> None:
        """Run until `stop()`: queued jobs in a runner thread, scheduled jobs in APScheduler.

        On stop, a job in flight goes back to the queue and its open transaction is dropped
        with the process, so it is neither lost nor half-written.
        """
        from wfm.worker import scheduled

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
                scheduler.shutdown(wait=False)
            runner.join(timeout=2)
            log.info("worker %s stopped", self.worker_id)

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


def _short_busy_timeout(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=1000")
    cursor.close()
