"""Forecast runs on the database: history in, a new forecast version out; adjustments; accuracy."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pandas as pd
from sqlalchemy.orm import Session

from wfm.db.repositories import (
    ForecastRepository,
    HistoryRepository,
    QueueRepository,
    SiteRepository,
)
from wfm.domain import ForecastAccuracy, ForecastAdjustment, ForecastRun, ForecastValue
from wfm.domain.errors import NotFoundError, ValidationError
from wfm.services.calibration import calibrate_queues
from wfm.services.holidays import calendar_options
from wfm.services.patience import estimate_patience

if TYPE_CHECKING:
    from forecasting.models import ForecastBackend

Progress = Callable[[float, str], None]


def _silent(_fraction: float, _message: str) -> None:
    return None


def history_frame(session: Session, queue_codes: Sequence[str]) -> pd.DataFrame:
    """The stored history of the queues in the forecasting engine's frame contract."""
    rows = HistoryRepository(session).series(queue_codes)
    frame = pd.DataFrame(
        rows,
        columns=["unique_id", "ds", "interval_minutes", "y", "handled", "handle_seconds"],
    )
    if not frame.empty:
        frame["ds"] = pd.to_datetime(frame["ds"], utc=True)
    return frame


def run_forecast(
    session: Session,
    *,
    site_code: str,
    weeks: int = 3,
    interval_minutes: int | None = None,
    progress: Progress | None = None,
    job_id: str | None = None,
    backend: ForecastBackend | None = None,
    notes: Sequence[str] = (),
) -> ForecastRun:
    """Forecast every queue of the site `weeks` ahead of its history and store a new version.

    The model is chosen per queue by rolling-origin backtest; the scores, the chosen models and
    every warning are stored with the run. The caller's transaction keeps all or nothing, and
    nothing is written before the forecast is complete. With a `backend` (a Dask
    cluster, `wfm.adapters.dask_cluster`) the model fits run there; `notes` (e.g. why it did
    not) are stored with the run's warnings.
    """
    from forecasting import ForecastConfig, HistoryError, forecast

    say = progress or _silent
    if not 1 <= weeks <= 26:
        raise ValidationError(f"weeks must be between 1 and 26, got {weeks}")
    site = SiteRepository(session).get(site_code)
    queues = QueueRepository(session).list(site_code)
    if not queues:
        raise NotFoundError(f"site {site_code!r} has no queues")
    scored = score_runs_with_actuals(session, site_code=site_code)
    if scored:
        say(0.02, f"scored {len(scored)} earlier forecast run(s) against the actuals")
    say(0.05, f"reading history of {len(queues)} queues")
    frame = history_frame(session, [q.code for q in queues])
    if frame.empty:
        raise NotFoundError(
            f"site {site_code!r} has no interval history; import history (or run `wfm demo-data`)"
        )
    minutes = interval_minutes or int(frame["interval_minutes"].max())
    if minutes not in (15, 30, 60):
        raise ValidationError(f"interval_minutes must be 15, 30 or 60, got {minutes}")
    config = ForecastConfig(
        interval_minutes=minutes,
        timezone=site.timezone,
        calendar=calendar_options(session, site),
    )
    say(0.15, f"backtesting candidate models on {len(frame)} intervals")
    try:
        result = forecast(
            frame.drop(columns=["interval_minutes"]),
            config,
            horizon_days=7 * weeks,
            backend=backend,
        )
    except (HistoryError, ValueError) as exc:
        raise ValidationError(f"cannot forecast site {site_code!r}: {exc}") from exc
    say(0.85, "storing the forecast")
    fallback_aht = _history_aht_by_queue(frame)
    values = _values(result.forecast, result.levels, fallback_aht)
    repo = ForecastRepository(session)
    run = ForecastRun(
        site_code=site_code,
        version=repo.next_version(site_code),
        created_at_utc=datetime.now(UTC),
        interval_minutes=minutes,
        horizon_start_utc=result.horizon_start_utc,
        horizon_end_utc=result.horizon_end_utc,
        history_start_utc=result.history_start_utc,
        history_end_utc=result.history_end_utc,
        model_by_queue=dict(result.model_by_queue),
        backtest_scores=result.backtest_scores,
        warnings=(*notes, *result.warnings),
        job_id=job_id,
    )
    run_id = repo.add_run(run, values)
    # the queues' patience from the same history, so nightly forecasting keeps it current
    estimate_patience(session, site_code=site_code)
    # and their calibration against that history and the agents' events (kept where refused)
    calibrate_queues(session, site_code=site_code)
    say(1.0, f"forecast version {run.version} stored ({len(values)} intervals)")
    return repo.run(run_id)


def _history_aht_by_queue(frame: pd.DataFrame) -> dict[str, float]:
    sums = frame.groupby("unique_id")[["handled", "handle_seconds"]].sum()
    return {
        str(queue): float(row.handle_seconds / row.handled)
        for queue, row in sums.iterrows()
        if row.handled > 0
    }


def _values(
    forecast: pd.DataFrame, levels: Sequence[int], fallback_aht: dict[str, float]
) -> list[ForecastValue]:
    def band(row: pd.Series, side: str, level: int) -> float | None:
        column = f"offered_{side}{level}"
        if level not in levels or column not in row.index:
            return None
        value = float(row[column])
        return None if math.isnan(value) else value

    values = []
    for _, row in forecast.iterrows():
        queue = str(row["unique_id"])
        aht = float(row["aht_seconds"])
        if math.isnan(aht):
            aht = fallback_aht.get(queue, 0.0)
        values.append(
            ForecastValue(
                queue_code=queue,
                interval_start_utc=row["ds"].to_pydatetime(),
                offered=float(row["offered"]),
                aht_seconds=aht,
                offered_lo80=band(row, "lo", 80),
                offered_hi80=band(row, "hi", 80),
                offered_lo95=band(row, "lo", 95),
                offered_hi95=band(row, "hi", 95),
            )
        )
    return values


def adjusted_values(
    session: Session,
    run_id: int,
    *,
    queue_code: str | None = None,
    start_utc: datetime | None = None,
    end_utc: datetime | None = None,
) -> list[ForecastValue]:
    """The run's values with every active manual adjustment applied on top."""
    from forecasting import apply_adjustments

    repo = ForecastRepository(session)
    values = repo.values(run_id, queue_code, start_utc, end_utc)
    adjustments = repo.adjustments(queue_code)
    if not values or not adjustments:
        return values
    frame = pd.DataFrame(
        {
            "unique_id": [v.queue_code for v in values],
            "ds": pd.to_datetime([v.interval_start_utc for v in values], utc=True),
            "offered": [v.offered for v in values],
            "offered_lo80": [_nan(v.offered_lo80) for v in values],
            "offered_hi80": [_nan(v.offered_hi80) for v in values],
            "offered_lo95": [_nan(v.offered_lo95) for v in values],
            "offered_hi95": [_nan(v.offered_hi95) for v in values],
            "aht_seconds": [v.aht_seconds for v in values],
        }
    )
    try:
        adjusted = apply_adjustments(frame, adjustments)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    return [
        ForecastValue(
            queue_code=v.queue_code,
            interval_start_utc=v.interval_start_utc,
            offered=float(row.offered),
            aht_seconds=float(row.aht_seconds),
            offered_lo80=_none(row.offered_lo80),
            offered_hi80=_none(row.offered_hi80),
            offered_lo95=_none(row.offered_lo95),
            offered_hi95=_none(row.offered_hi95),
        )
        for v, row in zip(values, adjusted.itertuples(index=False), strict=True)
    ]


def _nan(value: float | None) -> float:
    return math.nan if value is None else value


def _none(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def add_adjustment(session: Session, adjustment: ForecastAdjustment) -> int:
    """Store a manual adjustment after checking it can be applied."""
    from forecasting.adjustments import check_adjustment

    try:
        check_adjustment(adjustment)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    return ForecastRepository(session).add_adjustment(adjustment)


def update_accuracy(session: Session, *, run_id: int) -> list[ForecastAccuracy]:
    """Score the run against the actuals that have arrived for its horizon; store and return."""
    from forecasting import accuracy_by_period

    repo = ForecastRepository(session)
    run = repo.run(run_id)
    site = SiteRepository(session).get(run.site_code)
    queue_codes = [q.code for q in QueueRepository(session).list(run.site_code)]
    rows = HistoryRepository(session).series(
        queue_codes, run.horizon_start_utc, run.horizon_end_utc
    )
    if not rows:
        repo.replace_accuracy(run_id, [])
        return []
    actuals = pd.DataFrame(
        [(code, start, offered) for code, start, _m, offered, _a, _h in rows],
        columns=["unique_id", "ds", "y"],
    )
    actuals["ds"] = pd.to_datetime(actuals["ds"], utc=True)
    values = adjusted_values(session, run_id)
    predicted = pd.DataFrame(
        {
            "unique_id": [v.queue_code for v in values],
            "ds": pd.to_datetime([v.interval_start_utc for v in values], utc=True),
            "offered": [v.offered for v in values],
        }
    )
    table = accuracy_by_period(
        actuals, predicted, timezone=site.timezone, interval_minutes=run.interval_minutes
    )
    records = [
        ForecastAccuracy(
            queue_code=str(row.unique_id),
            period=str(row.period),
            period_start=pd.Timestamp(row.period_start).date(),
            actual_offered=float(row.actual_offered),
            forecast_offered=float(row.forecast_offered),
            wmape=float(row.wmape),
        )
        for row in table.itertuples(index=False)
        if not math.isnan(float(row.wmape))
    ]
    repo.replace_accuracy(run_id, records)
    return records


def score_runs_with_actuals(session: Session, *, site_code: str) -> dict[int, int]:
    """Score every earlier run of the site whose horizon now has actuals; {run id: records}.

    `run_forecast` calls it first, so each nightly forecast also records how the previous ones
    did once their days have happened.
    """
    spans = HistoryRepository(session).spans()
    queue_codes = {q.code for q in QueueRepository(session).list(site_code)}
    ends = [s.last_interval_utc for s in spans if s.queue_code in queue_codes]
    if not ends:
        return {}
    history_end = max(ends)
    scored: dict[int, int] = {}
    for run in ForecastRepository(session).runs(site_code):
        if run.id is not None and run.horizon_start_utc <= history_end:
            scored[run.id] = len(update_accuracy(session, run_id=run.id))
    return scored
