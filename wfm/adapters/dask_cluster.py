"""The Dask cluster that forecasts and rosters scale out to (docs/scale-out.md).

`WFM_DASK_SCHEDULER` names it: a scheduler address (``tcp://dask-scheduler:8786``) or ``local``
for a `LocalCluster` inside this process (``WFM_DASK_LOCAL_WORKERS`` workers, processes unless
``WFM_DASK_LOCAL_PROCESSES=false``). Unset, everything runs in the process, as before.

`scale_out(settings)` is what a job asks: it connects (once per process; the client is kept and
reused while it stays connected), trying for at most ``WFM_DASK_CONNECT_TIMEOUT_SECONDS``. A
scheduler that can't be reached, or has no worker, is never waited on longer than that: by
default the job runs in the process and says so (log, job message, job result); with
``WFM_DASK_FALLBACK_LOCAL=false`` it fails with `ClusterUnavailableError` instead. What the
job then gets is a forecast backend and a roster solver for the cluster, or None for each.

A run that fails on the cluster (a task that failed for good, no workers left, the scheduler
gone) raises `ClusterRunError`; the job's transaction is rolled back, so nothing is half-written.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from wfm.domain.errors import ConfigurationError, WfmError
from wfm.settings import Settings

log = logging.getLogger("wfm.dask")

Progress = Callable[[float, str], None]

LOCAL = "local"


class ClusterUnavailableError(ConfigurationError):
    """The configured Dask scheduler can't be reached (or has no worker)."""


class ClusterRunError(WfmError):
    """A forecast or roster run failed on the Dask cluster as a whole."""


@dataclass
class Cluster:
    """A connected client, and the LocalCluster behind it when ``local``."""

    client: Any
    address: str
    local: Any | None = None

    @property
    def kind(self) -> str:
        return "local Dask cluster" if self.local is not None else "Dask cluster"

    def workers(self) -> dict[str, Any]:
        workers: dict[str, Any] = self.client.scheduler_info(n_workers=-1).get("workers", {})
        return workers

    def describe(self) -> str:
        workers = self.workers()
        threads = sum(int(w.get("nthreads", 1)) for w in workers.values())
        return f"{self.kind} at {self.address}: {len(workers)} worker(s), {threads} thread(s)"

    def connected(self) -> bool:
        return bool(self.client.status == "running")

    def close(self) -> None:
        try:
            self.client.close()
        finally:
            if self.local is not None:
                self.local.close()


_lock = threading.Lock()
_open: dict[tuple[Any, ...], Cluster] = {}


def _key(settings: Settings) -> tuple[Any, ...]:
    return (
        settings.dask_scheduler,
        settings.dask_local_workers,
        settings.dask_local_processes,
    )


def _quiet_dask_logs() -> None:
    # the shuffle that partitions frames by queue logs every start and stop at WARNING
    logging.getLogger("distributed.shuffle").setLevel(logging.ERROR)


def connect(settings: Settings) -> Cluster:
    """The process's cluster for these settings (connecting on first use, or after the
    connection was lost). `ClusterUnavailableError` after at most the connect timeout."""
    address = (settings.dask_scheduler or "").strip()
    if not address:
        raise ClusterUnavailableError("WFM_DASK_SCHEDULER is not set")
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise ClusterUnavailableError(
            "WFM_DASK_SCHEDULER is set but Dask is not installed (pip install 'wfm[dask]')"
        ) from exc
    _quiet_dask_logs()
    key = _key(settings)
    timeout = settings.dask_connect_timeout_seconds
    with _lock:
        cached = _open.get(key)
        if cached is not None:
            if cached.connected():
                return cached
            log.warning("the Dask client for %s lost its connection; reconnecting", address)
            _open.pop(key, None)
            _close_quietly(cached)
        if address == LOCAL:
            local = LocalCluster(
                n_workers=settings.dask_local_workers,
                threads_per_worker=1,
                processes=settings.dask_local_processes,
                dashboard_address=None,
                # the scheduler's HTTP server (without the dashboard): a free port, not 8787
                scheduler_kwargs={"dashboard_address": ":0"},
                silence_logs=False,  # its default turns the process's log handlers down
            )
            cluster = Cluster(Client(local, set_as_default=False), local.scheduler_address, local)
        else:
            client = _client_within(Client, address, timeout)
            cluster = Cluster(client, address)
            try:
                client.wait_for_workers(1, timeout=timeout)
            except (OSError, TimeoutError) as exc:
                _close_quietly(cluster)
                raise ClusterUnavailableError(
                    f"the Dask scheduler at {address} has no worker (waited {timeout:g} s)"
                ) from exc
        _open[key] = cluster
        log.info("connected to the %s", cluster.describe())
        return cluster


def _client_within(client_class: Any, address: str, timeout: float) -> Any:
    """A client connected to ``address``, or `ClusterUnavailableError` after ``timeout`` (plus
    a little grace) at most. Dask's own timeout does not cover a peer that accepts the
    connection and then never answers (the client waits forever), so the connection is made
    in a side thread and abandoned (closed if it ever completes) when it takes too long."""
    outcome: dict[str, Any] = {}
    abandoned = threading.Event()

    def attempt() -> None:
        try:
            client = client_class(address, timeout=timeout, set_as_default=False)
        except BaseException as exc:  # reported to the caller below
            outcome["error"] = exc
            return
        if abandoned.is_set():
            client.close()
        else:
            outcome["client"] = client

    thread = threading.Thread(target=attempt, name="wfm-dask-connect", daemon=True)
    thread.start()
    thread.join(timeout + 2.0)
    if thread.is_alive() or not outcome:
        abandoned.set()
        raise ClusterUnavailableError(
            f"the Dask scheduler at {address} could not be reached within {timeout:g} s (no answer)"
        )
    if "error" in outcome:
        exc = outcome["error"]
        raise ClusterUnavailableError(
            f"the Dask scheduler at {address} could not be reached within {timeout:g} s "
            f"({type(exc).__name__}: {exc})"
        ) from exc
    return outcome["client"]


def _close_quietly(cluster: Cluster) -> None:
    try:
        cluster.close()
    except Exception as exc:  # a dead connection may fail to close; it is dropped anyway
        log.debug("closing the Dask client: %s", exc)


def close_all() -> None:
    """Close every client (and local cluster) this process opened."""
    with _lock:
        clusters = list(_open.values())
        _open.clear()
    for cluster in clusters:
        _close_quietly(cluster)


@dataclass(frozen=True)
class ScaleOut:
    """Where a job's heavy work runs: ``cluster`` (None: in the process) and, after a fallback,
    the ``note`` saying why it is not on the cluster."""

    settings: Settings
    cluster: Cluster | None = None
    note: str | None = None

    @property
    def distributed(self) -> bool:
        return self.cluster is not None

    def summary(self) -> str:
        """One line for a job's result."""
        if self.cluster is not None:
            return f"ran on the {self.cluster.describe()}"
        return self.note or "ran in the worker process"

    def forecast_backend(self, progress: Progress | None = None) -> Any | None:
        """The forecasting engine's backend on the cluster (None in process); its waits are
        reported through ``progress`` (monotone, from 0 towards 1 over the run's calls)."""
        if self.cluster is None:
            return None
        from forecasting.distributed import DaskForecastBackend

        return _GuardedForecastBackend(
            DaskForecastBackend(
                self.cluster.client,
                progress=_Approach(progress) if progress is not None else None,
                no_workers_timeout_seconds=self.settings.dask_no_workers_timeout_seconds,
            ),
            self.cluster,
        )

    def roster_solver(self) -> ClusterSolver | None:
        """A stand-in for `scheduling.solver.solve` on the cluster (None in process)."""
        if self.cluster is None:
            return None
        return ClusterSolver(self.cluster, self.settings)


class ClusterSolver:
    """`scheduling.solver.solve`'s call shape, solving the parts on the cluster; ``parts`` keeps
    the per-part figures of the last solve (for the job's result)."""

    def __init__(self, cluster: Cluster, settings: Settings) -> None:
        self.cluster = cluster
        self.settings = settings
        self.parts: list[dict[str, Any]] = []

    def __call__(
        self,
        problem: Any,
        *,
        time_limit_seconds: float = 60.0,
        seed: int = 1,
        progress: Progress | None = None,
        **_ignored: Any,
    ) -> Any:
        from scheduling.distributed import DistributedRunError, solve_on_dask

        with _run_errors(self.cluster, "roster run", DistributedRunError):
            result = solve_on_dask(
                problem,
                self.cluster.client,
                time_limit_seconds=time_limit_seconds,
                seed=seed,
                workers=self.settings.dask_solver_workers_per_part,
                progress=progress,
                no_workers_timeout_seconds=self.settings.dask_no_workers_timeout_seconds,
            )
        self.parts = list(result.stages.get("distributed", {}).get("parts", []))
        return result


@contextlib.contextmanager
def _run_errors(cluster: Cluster, work: str, run_error: type[Exception]) -> Iterator[None]:
    """A failure of `work` on the cluster (its own `run_error`, or the network's) as a
    `ClusterRunError` that names the cluster."""
    try:
        yield
    except run_error as exc:
        raise ClusterRunError(f"{exc} ({cluster.kind} at {cluster.address})") from exc
    except (OSError, TimeoutError) as exc:
        raise ClusterRunError(
            f"the {work} on the {cluster.kind} at {cluster.address} failed: "
            f"{type(exc).__name__}: {exc}"
        ) from exc


class _Approach:
    """Per-call fractions (each call 0 -> 1) as one monotone fraction approaching 1."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.calls = 0
        self.last_fraction = 0.0
        self.value = 0.0

    def __call__(self, fraction: float, message: str) -> None:
        if fraction < self.last_fraction:  # a new call started
            self.calls += 1
        self.last_fraction = fraction
        self.value = max(self.value, 1.0 - 0.5 ** (self.calls + fraction))
        self.progress(self.value, message)


class _GuardedForecastBackend:
    """The Dask forecast backend, its failures turned into `ClusterRunError`."""

    def __init__(self, backend: Any, cluster: Cluster) -> None:
        self.backend = backend
        self.cluster = cluster

    def _guard(self, call: Callable[[], Any]) -> Any:
        from forecasting.distributed import DistributedRunError

        with _run_errors(self.cluster, "forecast", DistributedRunError):
            return call()

    def cross_validation(self, *args: Any, **kwargs: Any) -> Any:
        return self._guard(lambda: self.backend.cross_validation(*args, **kwargs))

    def forecast(self, *args: Any, **kwargs: Any) -> Any:
        return self._guard(lambda: self.backend.forecast(*args, **kwargs))


def scale_out(settings: Settings, *, say: Progress | None = None) -> ScaleOut:
    """Where this job runs; see the module docstring for the fallback and its messages."""
    if not settings.dask_scheduler:
        return ScaleOut(settings)
    try:
        cluster = connect(settings)
    except ClusterUnavailableError as exc:
        if not settings.dask_fallback_local:
            raise
        note = (
            f"scale-out unavailable: {exc}; running in this process instead "
            "(WFM_DASK_FALLBACK_LOCAL=false makes this an error)"
        )
        log.warning(note)
        if say is not None:
            say(0.0, note)
        return ScaleOut(settings, None, note)
    if say is not None:
        say(0.0, f"running on the {cluster.describe()}")
    return ScaleOut(settings, cluster)


def check_at_start(settings: Settings) -> str | None:
    """For `wfm worker` at start: a line on where jobs will run (None when Dask is off).
    Raises `ClusterUnavailableError` when it can't be reached and fallback is off."""
    if not settings.dask_scheduler:
        return None
    return scale_out(settings).summary()


__all__ = [
    "LOCAL",
    "Cluster",
    "ClusterRunError",
    "ClusterSolver",
    "ClusterUnavailableError",
    "ScaleOut",
    "check_at_start",
    "close_all",
    "connect",
    "scale_out",
]
