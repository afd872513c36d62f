"""The forecasting engine on a two-worker Dask cluster (statsforecast's fugue backend) gives the
same backtest, choices and forecast as in process: frames equal to the last bit."""

from __future__ import annotations

from typing import Any

import pandas as pd
from distributed import get_task_stream

from forecasting import ForecastConfig, backtest, forecast
from forecasting.distributed import DaskForecastBackend
from forecasting.synthetic import SyntheticSpec, synthetic_history

SPEC = SyntheticSpec(weeks=8, interval_minutes=30, queues=5, daily_contacts=600, seed=5)
CONFIG = ForecastConfig(interval_minutes=30, timezone="Europe/Amsterdam", folds=2)


def test_forecast_on_dask_equals_the_in_process_forecast(dask_client: Any) -> None:
    history = synthetic_history(SPEC)
    # one queue with only three weeks: a shorter plan (fewer folds, fewer models) of its own
    short = history[(history["unique_id"] == "Q004") & (history["ds"] >= "2024-02-05")]
    history = pd.concat([history[history["unique_id"] != "Q004"], short], ignore_index=True)
    local = forecast(history, CONFIG, horizon_days=14)
    heard: list[tuple[float, str]] = []
    backend = DaskForecastBackend(dask_client, progress=lambda f, m: heard.append((f, m)))
    with get_task_stream(client=dask_client) as tasks:
        remote = forecast(history, CONFIG, horizon_days=14, backend=backend)
    assert len({task["worker"] for task in tasks.data}) == 2  # both workers did work

    assert remote.model_by_queue == local.model_by_queue
    pd.testing.assert_frame_equal(remote.forecast, local.forecast, check_exact=True)
    pd.testing.assert_frame_equal(remote.backtest.scores, local.backtest.scores, check_exact=True)
    pd.testing.assert_frame_equal(
        remote.backtest.predictions, local.backtest.predictions, check_exact=True
    )
    assert remote.warnings == local.warnings
    # every statsforecast call went to the cluster, and its progress was heard
    assert len(backend.task_log) >= 3  # two backtest plans, at least one forecast group
    assert all(entry["partitions"] >= 1 for entry in backend.task_log)
    assert heard and heard[-1][0] == 1.0 and "Dask partitions" in heard[-1][1]


def test_backtest_on_dask_equals_the_in_process_backtest(dask_client: Any) -> None:
    history = synthetic_history(SPEC)
    config = ForecastConfig(
        interval_minutes=30, timezone="Europe/Amsterdam", folds=1, models=("top_down", "mstl")
    )
    local = backtest(history, config)
    remote = backtest(history, config, backend=DaskForecastBackend(dask_client))
    assert remote.chosen_model == local.chosen_model
    pd.testing.assert_frame_equal(remote.scores, local.scores, check_exact=True)
