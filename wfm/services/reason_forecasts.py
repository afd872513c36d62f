"""Forecasts per contact reason, reconciled with a stored queue forecast (`forecasting.reasons`).

For each queue of a forecast run: the share estimator is chosen by a rolling-origin backtest
on the reason history before the run's origin (the end of the history it was made from), the
shares come from the `WINDOW_DAYS` before that origin, and the queue's forecast (with its manual
adjustments, as staffing sees it) is split over the reasons, so the reasons add up to the queue
in every interval. Where the range has realised history, each reason's forecast is scored
against it (WMAPE)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from wfm.db.repositories import (
    ForecastRepository,
    HistoryRepository,
    QueueRepository,
    SiteRepository,
)
from wfm.domain import ForecastRun
from wfm.domain.errors import NotFoundError, ValidationError

MAX_RANGE_DAYS = 35
WINDOW_DAYS = 56
BACKTEST_FOLDS = 4
BACKTEST_HORIZON_DAYS = 7


@dataclass(frozen=True, slots=True)
class ReasonFigure:
    reason: str
    share: float  # of the queue's forecast over the range
    forecast_offered: float  # over the range
    realised_offered: float | None  # over the range's intervals with recorded reasons
    forecast_on_realised: float | None  # the forecast over those same intervals
    wmape: float | None  # of the forecast against the realised contacts, per interval
    backtest_wmape: float | None  # of the chosen estimator, split of the realised queue totals


@dataclass(frozen=True, slots=True)
class ReasonInterval:
    interval_start_utc: datetime
    offered: float  # the queue's forecast
    by_reason: dict[str, float]  # sums to `offered`


@dataclass(frozen=True, slots=True)
class QueueReasonForecast:
    queue_code: str
    method: str | None  # the share estimator; None without reason history
    prior_strength: float | None
    share_window_start_utc: datetime
    share_window_end_utc: datetime
    contacts_with_reason: int  # in the share window
    backtest_origins_utc: tuple[datetime, ...]
    backtest_wmape_by_method: dict[str, float]
    forecast_offered: float
    reasons: tuple[ReasonFigure, ...]
    intervals: tuple[ReasonInterval, ...]


@dataclass(frozen=True, slots=True)
class ReasonForecastReport:
    site_code: str
    timezone: str
    forecast_run_id: int
    version: int
    start_utc: datetime
    end_utc: datetime
    queues: tuple[QueueReasonForecast, ...]


def reason_forecast(
    session: Session,
    *,
    site_code: str,
    start_utc: datetime,
    end_utc: datetime,
    queue_codes: Sequence[str] | None = None,
    run_id: int | None = None,
    with_intervals: bool = True,
) -> ReasonForecastReport:
    """The run's (default the site's latest) forecast of [start_utc, end_utc) split by reason
    for the site's queues (or the named ones)."""
    for name, moment in (("start", start_utc), ("end", end_utc)):
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValidationError(f"{name} must carry a UTC offset")
    if end_utc <= start_utc:
        raise ValidationError(f"end ({end_utc.isoformat()}) must be after start")
    if end_utc - start_utc > timedelta(days=MAX_RANGE_DAYS):
        raise ValidationError(f"the range covers at most {MAX_RANGE_DAYS} days")
    site = SiteRepository(session).get(site_code)
    known = [q.code for q in QueueRepository(session).list(site_code)]
    missing = [q for q in queue_codes or () if q not in known]
    if missing:
        raise NotFoundError(f"site {site_code!r} has no queue {missing[0]!r}")
    run = _run(session, site_code, run_id)
    assert run.id is not None
    chosen = list(dict.fromkeys(queue_codes)) if queue_codes else known
    return ReasonForecastReport(
        site_code=site_code,
        timezone=site.timezone,
        forecast_run_id=run.id,
        version=run.version,
        start_utc=start_utc,
        end_utc=end_utc,
        queues=tuple(
            _queue(session, run, code, site.timezone, start_utc, end_utc, with_intervals)
            for code in chosen
        ),
    )


def _run(session: Session, site_code: str, run_id: int | None) -> ForecastRun:
    repo = ForecastRepository(session)
    if run_id is None:
        run = repo.latest_run(site_code)
        if run is None:
            raise NotFoundError(f"site {site_code!r} has no forecast run yet (POST /v1/forecasts)")
        return run
    run = repo.run(run_id)
    if run.site_code != site_code:
        raise NotFoundError(f"forecast run {run_id} is not a run of {site_code!r}")
    return run


def _frames(rows: list[tuple[datetime, int, dict[str, int]]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Queue totals ``ds, y`` and reason history ``ds, reason, y`` from repository rows."""
    offered = pd.DataFrame(
        {"ds": pd.to_datetime([r[0] for r in rows], utc=True), "y": [r[1] for r in rows]}
    )
    reasons = pd.DataFrame(
        [(at, name, count) for at, _, counts in rows for name, count in counts.items()],
        columns=["ds", "reason", "y"],
    )
    reasons["ds"] = pd.to_datetime(reasons["ds"], utc=True)
    return offered, reasons


def _queue(
    session: Session,
    run: ForecastRun,
    queue_code: str,
    timezone: str,
    start_utc: datetime,
    end_utc: datetime,
    with_intervals: bool,
) -> QueueReasonForecast:
    from forecasting.reasons import choose_share_method, estimate_shares, reconcile
    from wfm.services.forecasting import adjusted_values

    assert run.id is not None
    origin = run.history_end_utc or run.horizon_start_utc
    window_start = origin - timedelta(days=WINDOW_DAYS)
    history = HistoryRepository(session)
    offered, reasons = _frames(
        history.reason_series(queue_code, window_start - timedelta(days=BACKTEST_FOLDS * 7), origin)
    )
    values = adjusted_values(
        session, run.id, queue_code=queue_code, start_utc=start_utc, end_utc=end_utc
    )
    queue_forecast = pd.DataFrame(
        {
            "ds": pd.to_datetime([v.interval_start_utc for v in values], utc=True),
            "offered": [v.offered for v in values],
        }
    )
    total = float(queue_forecast["offered"].sum())
    window = reasons[reasons["ds"] >= pd.Timestamp(window_start)]
    empty = QueueReasonForecast(
        queue_code, None, None, window_start, origin, 0, (), {}, total, (), ()
    )
    if window.empty or window["y"].sum() <= 0:
        return empty
    try:
        method, backtests = choose_share_method(
            offered,
            reasons,
            timezone=timezone,
            end_utc=origin,
            folds=BACKTEST_FOLDS,
            window_days=WINDOW_DAYS,
        )
    except ValueError:  # too little history for one backtest origin
        method, backtests = "shrunk", {}
    shares = estimate_shares(window, timezone=timezone, method=method)
    split = reconcile(queue_forecast, shares)
    by_reason = (
        split.groupby("reason", sort=False)["offered"]
        .sum()
        .reindex(list(shares.reasons), fill_value=0.0)
    )
    scores = _realised(session, queue_code, start_utc, end_utc, split, shares.reasons)
    chosen_backtest = (
        {row.reason: row.wmape for row in backtests[method].by_reason}
        if method in backtests
        else {}
    )
    figures = tuple(
        ReasonFigure(
            reason=name,
            share=float(by_reason[name]) / total if total > 0 else float(shares.overall[i]),
            forecast_offered=float(by_reason[name]),
            realised_offered=scores[name][0] if scores else None,
            forecast_on_realised=scores[name][1] if scores else None,
            wmape=scores[name][2] if scores else None,
            backtest_wmape=_finite(chosen_backtest.get(name)),
        )
        for i, name in enumerate(shares.reasons)
    )
    return QueueReasonForecast(
        queue_code=queue_code,
        method=method,
        prior_strength=shares.prior_strength,
        share_window_start_utc=window_start,
        share_window_end_utc=origin,
        contacts_with_reason=shares.contacts,
        backtest_origins_utc=backtests[method].origins_utc if method in backtests else (),
        backtest_wmape_by_method={m: b.wmape for m, b in backtests.items() if np.isfinite(b.wmape)},
        forecast_offered=total,
        reasons=figures,
        intervals=_intervals(queue_forecast, split, shares.reasons) if with_intervals else (),
    )


def _realised(
    session: Session,
    queue_code: str,
    start_utc: datetime,
    end_utc: datetime,
    split: pd.DataFrame,
    names: tuple[str, ...],
) -> dict[str, tuple[float, float, float | None]]:
    """Per reason: realised contacts, the forecast over the same intervals and its WMAPE, over
    the range's intervals that have both recorded reasons and a forecast; {} without any."""
    from forecasting.reasons import accuracy_by_reason, realised_by_reason

    offered, reasons = _frames(
        HistoryRepository(session).reason_series(queue_code, start_utc, end_utc)
    )
    if reasons.empty:
        return {}
    starts, realised = realised_by_reason(offered, reasons, names)
    wide = split.pivot_table(index="ds", columns="reason", values="offered", aggfunc="sum")
    wide = wide.reindex(columns=list(names))
    present = starts.isin(wide.index)
    if not present.any():
        return {}
    forecast = wide.loc[starts[present]].to_numpy(float)
    rows = accuracy_by_reason(names, realised[present], forecast)
    return {r.reason: (r.actual, r.forecast, _finite(r.wmape)) for r in rows}


def _intervals(
    queue_forecast: pd.DataFrame, split: pd.DataFrame, names: tuple[str, ...]
) -> tuple[ReasonInterval, ...]:
    """One row per interval: the queue's forecast and its split (`reconcile` keeps each
    interval's reasons together, in `names` order)."""
    parts = split["offered"].to_numpy(float).reshape(len(queue_forecast), len(names))
    return tuple(
        ReasonInterval(
            pd.Timestamp(at).to_pydatetime(),
            float(offered),
            dict(zip(names, (float(x) for x in row), strict=True)),
        )
        for at, offered, row in zip(
            queue_forecast["ds"], queue_forecast["offered"], parts, strict=True
        )
    )


def _finite(value: float | None) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)
