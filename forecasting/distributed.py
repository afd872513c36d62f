"""The engine's model fits on a Dask cluster, through statsforecast's own distributed backend.

`DaskForecastBackend` plugs into the backend seam of `forecasting.models` (``backend=`` of
`forecasting.forecast` / `forecasting.backtest`): every cross-validation and forecast call goes
to statsforecast's ``FugueBackend`` on a ``DaskExecutionEngine``, which partitions the long frame
by ``unique_id`` and fits each queue's models in a Dask task. Everything else (calendar, scoring,
model choice, bands, handle time) stays in the calling process, so the result is the same frame,
row for row, as the in-process path: statsforecast's fugue path would hand the model columns
back as float32; here they stay float64, and rows, dtypes and order are put back as statsforecast
returns them in process.

The backend never waits forever: it reports the share of tasks done while it waits, fails with
`DistributedRunError` when the cluster has had no worker for ``no_workers_timeout_seconds`` or
when a task failed for good (Dask reruns a task whose worker was lost on the workers left;
after ``distributed.scheduler.allowed-failures`` lost workers it gives up on it).

Needs the ``dask`` extra (``pip install 'wfm[dask]'``): dask, distributed and fugue's Dask engine.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from statsforecast.distributed.fugue import FugueBackend
from triad import Schema

Progress = Callable[[float, str], None]

#: Dask partitions of a frame per worker thread of the cluster (fugue's default is a handful
#: whatever the cluster: the backtest of 1,000 queues then ran as 4 tasks of up to 3 minutes)
PARTITIONS_PER_THREAD = 8

#: rows of the frames statsforecast returns, in its in-process order
_CV_ORDER = ["unique_id", "cutoff", "ds"]
_FORECAST_ORDER = ["unique_id", "ds"]


class DistributedRunError(RuntimeError):
    """A distributed run could not finish; the message says why. Nothing was returned."""


class Float64FugueBackend(FugueBackend):
    """statsforecast's FugueBackend, with float64 model columns instead of its float32."""

    def _get_output_schema(self, **kwargs: Any) -> Any:
        schema = super()._get_output_schema(**kwargs)
        return Schema(
            [
                (column.name, pa.float64() if pa.types.is_float32(column.type) else column.type)
                for column in schema.fields
            ]
        )


class DaskForecastBackend:
    """Runs the forecasting engine's statsforecast calls on the cluster of ``client``.

    Frames are cut into ``partitions`` Dask partitions (by queue; default
    `PARTITIONS_PER_THREAD` per worker thread), so the work spreads over every worker and no
    task holds a large share of the queues.

    ``progress(fraction, message)`` hears, while a call runs, the share of its Dask tasks done
    (fraction within that call). ``task_log`` collects, per call, the number of partitions,
    the seconds spent waiting for the tasks (``seconds``) and in the whole call
    (``call_seconds``, with building and sending the graph), for benchmarks.
    """

    def __init__(
        self,
        client: Any,
        *,
        progress: Progress | None = None,
        no_workers_timeout_seconds: float = 60.0,
        poll_seconds: float = 0.5,
        partitions: int | None = None,
    ) -> None:
        from fugue_dask import DaskExecutionEngine

        self.client = client
        self.progress = progress
        self.no_workers_timeout_seconds = no_workers_timeout_seconds
        self.poll_seconds = poll_seconds
        if partitions is None:
            workers = client.scheduler_info(n_workers=-1).get("workers", {})
            threads = sum(int(worker.get("nthreads", 1)) for worker in workers.values())
            partitions = PARTITIONS_PER_THREAD * max(1, threads)
        self.partitions = partitions
        self._engine = DaskExecutionEngine(
            dask_client=client, conf={"fugue.dask.default.partitions": partitions}
        )
        self._backend = Float64FugueBackend(self._engine)
        self.task_log: list[dict[str, Any]] = []

    # -- the seam ----------------------------------------------------------------------------

    def cross_validation(
        self,
        frame: pd.DataFrame,
        models: Sequence[Any],
        *,
        freq: str,
        horizon: int,
        n_windows: int,
        step_size: int,
    ) -> pd.DataFrame:
        started = time.time()
        with self.client.as_current():  # fugue computes on the default client
            out = self._cross_validation(frame, models, freq, horizon, n_windows, step_size)
        self._log_call(started)
        return out

    def _cross_validation(
        self,
        frame: pd.DataFrame,
        models: Sequence[Any],
        freq: str,
        horizon: int,
        n_windows: int,
        step_size: int,
    ) -> pd.DataFrame:
        lazy = self._backend.cross_validation(
            df=frame,
            freq=freq,
            models=list(models),
            fallback_model=None,
            h=horizon,
            n_windows=n_windows,
            step_size=step_size,
            test_size=None,  # type: ignore[arg-type]  # statsforecast passes None itself
            input_size=None,  # type: ignore[arg-type]
            level=None,
            refit=True,
            fitted=False,
            prediction_intervals=None,
            id_col="unique_id",
            time_col="ds",
            target_col="y",
        )
        label = f"backtest of {_names(models)} ({n_windows} folds)"
        result = self._collect(lazy, label, frame)
        return _in_process_layout(result, frame, _CV_ORDER, time_columns=("ds", "cutoff"))

    def forecast(
        self,
        frame: pd.DataFrame,
        future_exog: pd.DataFrame,
        models: Sequence[Any],
        *,
        freq: str,
        horizon: int,
    ) -> pd.DataFrame:
        started = time.time()
        with self.client.as_current():  # fugue computes on the default client
            out = self._forecast(frame, future_exog, models, freq, horizon)
        self._log_call(started)
        return out

    def _log_call(self, started: float) -> None:
        """The whole call (building and sending the Dask graph, waiting, reordering rows):
        wall seconds and epoch start and end, next to the wait alone (``seconds``)."""
        finished = time.time()
        self.task_log[-1].update(
            call_seconds=finished - started, started_at=started, finished_at=finished
        )

    def _forecast(
        self,
        frame: pd.DataFrame,
        future_exog: pd.DataFrame,
        models: Sequence[Any],
        freq: str,
        horizon: int,
    ) -> pd.DataFrame:
        lazy = self._backend.forecast(
            df=frame,
            freq=freq,
            models=list(models),
            fallback_model=None,
            X_df=future_exog,
            h=horizon,
            level=None,
            fitted=False,
            prediction_intervals=None,
            id_col="unique_id",
            time_col="ds",
            target_col="y",
        )
        result = self._collect(lazy, f"forecast with {_names(models)}", frame)
        return _in_process_layout(result, frame, _FORECAST_ORDER, time_columns=("ds",))

    # -- waiting -----------------------------------------------------------------------------

    def _collect(self, lazy: Any, label: str, frame: pd.DataFrame) -> pd.DataFrame:
        """Compute a lazy Dask frame, telling the progress and never waiting forever."""
        from distributed import futures_of, wait
        from distributed.client import FuturesCancelledError

        started = time.monotonic()
        queues = int(frame["unique_id"].nunique())
        if isinstance(lazy, pd.DataFrame):
            out = lazy
            partitions = 0
        else:
            try:
                persisted = self.client.persist(lazy)
                futures = futures_of(persisted)
                partitions = len(futures)
                self._wait(futures, label, queues, wait)
                out = self.client.compute(persisted).result()
            except DistributedRunError:
                raise
            except (FuturesCancelledError, OSError, TimeoutError) as exc:
                raise DistributedRunError(
                    f"{label} on the Dask cluster failed: {type(exc).__name__}: {exc}"
                ) from exc
            except Exception as exc:
                if type(exc).__name__ == "KilledWorker":
                    raise DistributedRunError(
                        f"{label} on the Dask cluster failed: a task lost its worker too many "
                        f"times ({exc})"
                    ) from exc
                raise
        self.task_log.append(
            {
                "call": label,
                "queues": queues,
                "partitions": partitions,
                "seconds": time.monotonic() - started,
            }
        )
        return out

    def _wait(self, futures: list[Any], label: str, queues: int, wait: Any) -> None:
        total = max(1, len(futures))
        no_workers_since: float | None = None
        reported = -1
        while True:
            # a timeout means not all done yet: report, check the workers, wait again
            with contextlib.suppress(TimeoutError):
                wait(futures, timeout=self.poll_seconds)
            done = [future for future in futures if future.done()]
            pending = [future for future in futures if not future.done()]
            failed = [future for future in done if future.status in ("error", "cancelled")]
            if failed:
                failed[0].result()  # raises the task's own error (KilledWorker, ...)
            finished = len(done)
            if finished != reported and self.progress is not None:
                self.progress(
                    finished / total,
                    f"{label}: {finished}/{total} Dask partitions of {queues} queues done",
                )
                reported = finished
            if not pending:
                return
            workers = self.client.scheduler_info(n_workers=-1).get("workers", {})
            if workers:
                no_workers_since = None
            elif no_workers_since is None:
                no_workers_since = time.monotonic()
            elif time.monotonic() - no_workers_since > self.no_workers_timeout_seconds:
                self.client.cancel(list(pending))
                raise DistributedRunError(
                    f"{label}: the Dask cluster has had no worker for "
                    f"{self.no_workers_timeout_seconds:g} s; the run was abandoned"
                )


def _names(models: Sequence[Any]) -> str:
    return ", ".join(repr(model) for model in models)


def _in_process_layout(
    result: pd.DataFrame, frame: pd.DataFrame, order: list[str], *, time_columns: Sequence[str]
) -> pd.DataFrame:
    """The rows, dtypes and order statsforecast gives in process (ids sorted, then time)."""
    out = pd.DataFrame(result).reset_index(drop=True)
    out["unique_id"] = out["unique_id"].astype(str).astype(object)
    ds_dtype = frame["ds"].dtype
    for column in time_columns:
        out[column] = pd.to_datetime(out[column].astype("datetime64[ns]")).astype(ds_dtype)
    for column in out.columns:
        if column in ("unique_id", *time_columns):
            continue
        out[column] = out[column].to_numpy(dtype=np.float64, na_value=np.nan)
    return out.sort_values(order, kind="stable").reset_index(drop=True)


__all__ = ["DaskForecastBackend", "DistributedRunError", "Float64FugueBackend"]
