"""Whether a worker is alive: its row in `workers`, kept fresh by a side thread, and what a
starting worker can tell about the worker of a job left running (its process gone from this
host, its heartbeat too old, or it said it stopped)."""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from wfm.db.repositories import WorkerEntry, WorkerRepository
from wfm.db.session import unit_of_work
from wfm.domain import Job

log = logging.getLogger("wfm.worker")

# workers not heard of for this long are forgotten when another one starts
FORGET_AFTER = timedelta(days=7)


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists on this host."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by someone else
        return True
    except OSError:
        return True
    return True


def why_gone(
    job: Job,
    worker: WorkerEntry | None,
    *,
    me: str,
    hostname: str,
    now_utc: datetime,
    alive_seconds: float,
) -> str | None:
    """Why the worker running `job` is known to be gone, or None when it may be alive (or is
    unknown: then only the job's own heartbeat tells)."""
    if worker is None or worker.id == me:
        return None
    if worker.stopped_at_utc is not None:
        return (
            f"its worker {worker.id} stopped at {worker.stopped_at_utc:%Y-%m-%d %H:%M:%S} UTC "
            "without finishing it"
        )
    if worker.hostname == hostname and (worker.pid == os.getpid() or not pid_alive(worker.pid)):
        return f"its worker {worker.id} is gone (process {worker.pid} on {hostname} has ended)"
    if now_utc - worker.heartbeat_at_utc > timedelta(seconds=alive_seconds):
        return (
            f"its worker {worker.id} has not been heard of since "
            f"{worker.heartbeat_at_utc:%Y-%m-%d %H:%M:%S} UTC"
        )
    return None


class Presence:
    """The worker's row in `workers`: registered at start, its heartbeat refreshed from a side
    thread every WFM_WORKER_HEARTBEAT_SECONDS, marked stopped at the end."""

    def __init__(
        self,
        worker_id: str,
        *,
        sessions: sessionmaker[Session],
        beat_sessions: sessionmaker[Session],
        heartbeat_seconds: float,
    ) -> None:
        self.worker_id = worker_id
        self.sessions = sessions
        self.beat_sessions = beat_sessions
        self.heartbeat_seconds = heartbeat_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        now = datetime.now(UTC)
        with unit_of_work(self.sessions) as session:
            workers = WorkerRepository(session)
            workers.forget_before(now - FORGET_AFTER)
            workers.register(
                self.worker_id, hostname=socket.gethostname(), pid=os.getpid(), now_utc=now
            )
        self._thread = threading.Thread(target=self._run, name="wfm-worker-beat", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        interval = self.heartbeat_seconds
        while not self._stop.wait(interval):
            try:
                with unit_of_work(self.beat_sessions) as session:
                    WorkerRepository(session).beat(self.worker_id, datetime.now(UTC))
            except Exception as exc:  # a busy database skips one beat
                log.debug("worker heartbeat skipped: %s", exc)

    def stop(self) -> None:
        """Stop the heartbeat and record that the worker stopped."""
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join(timeout=5)
        self._thread = None
        try:
            with unit_of_work(self.beat_sessions) as session:
                WorkerRepository(session).stop(self.worker_id, datetime.now(UTC))
        except Exception as exc:
            log.warning("could not record that worker %s stopped: %s", self.worker_id, exc)
