"""The forecasting engine: backtest the candidates, choose per queue, forecast with bands.

Two entry points, both pure (a frame in, frozen results out, no I/O):

* `backtest(history, config)`: rolling-origin cross-validation of every candidate that the
  queue's history supports; WMAPE, MASE and measured band coverage per queue and model; the
  chosen model per queue.
* `forecast(history, config, horizon_days=...)`: the backtest, then each queue's chosen model
  fitted on all of its history, calendar rules applied, conformal bands and handle time added.

See `forecasting.frame` for the history frame contract.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from forecasting.aht import aht_table, forecast_aht
from forecasting.calendar import (
    STATUS_OBSERVED,
    CalendarOptions,
    CalendarResult,
    SpecialDay,
    mark_calendar,
    regular_workdays_near,
)
from forecasting.frame import (
    HistoryError,
    PreparedHistory,
    day_index_of,
    future_grid,
    local_to_utc,
    prepare_history,
)
from forecasting.intervals import (
    IntervalCalibration,
    cross_conformal_coverage,
    fit_calibration,
    poisson_calibration,
)
from forecasting.metrics import mase, poisson_noise_floor, seasonal_naive_scale, wmape
from forecasting.models import (
    BASE_MODELS,
    COMBINATION,
    EXOG_COLUMNS,
    ForecastBackend,
    build_models,
    candidate_specs,
    run_cross_validation,
    run_forecast,
)

#: a backtest needs this many days of training before its first fold
MIN_TRAINING_DAYS = 14
#: intervals where neither demand nor a forecast of at least this much exist are not counted
#: when calibrating and measuring bands (an empty night slot is covered by any band)
ACTIVE_FORECAST = 1.0


@dataclass(frozen=True)
class ForecastConfig:
    """Everything that shapes a run, apart from the history itself."""

    interval_minutes: int = 15
    timezone: str | None = None
    calendar: CalendarOptions = field(default_factory=CalendarOptions)
    models: tuple[str, ...] = BASE_MODELS
    combination_size: int = 2
    combination_margin: float = 0.02
    folds: int = 6
    backtest_horizon_days: int = 7
    levels: tuple[int, ...] = (80, 95)
    aht_weeks: int = 8
    n_jobs: int = 1

    def __post_init__(self) -> None:
        if not self.models:
            raise ValueError("models must name at least one candidate")
        unknown = [model for model in self.models if model not in candidate_specs()]
        if unknown:
            raise ValueError(
                f"unknown model(s) {', '.join(unknown)}; known: {', '.join(candidate_specs())}"
            )
        if not 1 <= self.folds <= 104:
            raise ValueError(f"folds must be between 1 and 104, got {self.folds}")
        if not 1 <= self.backtest_horizon_days <= 91:
            raise ValueError(
                f"backtest_horizon_days must be between 1 and 91, got {self.backtest_horizon_days}"
            )
        if not self.levels or any(not 0 < level < 100 for level in self.levels):
            raise ValueError("levels must be percentages strictly between 0 and 100")
        if not 0 <= self.combination_margin < 1:
            raise ValueError("combination_margin must be in [0, 1)")
        if self.combination_size < 0:
            raise ValueError("combination_size must be >= 0")
        if self.n_jobs < 1:
            raise ValueError("n_jobs must be >= 1")


@dataclass(frozen=True)
class QueuePlan:
    """What a queue's history allows: backtest folds and eligible models, or a fallback."""

    days: int
    folds: int
    models: tuple[str, ...]
    fallback: str | None = None


@dataclass(frozen=True)
class BacktestResult:
    """Backtest scores, choices and calibrations per queue.

    ``scores``: one row per queue and model (``combination`` included) with ``wmape``, ``mase``,
    ``coverage_<L>`` for each level, ``n_intervals`` scored and ``chosen``.
    ``predictions``: the cross-validation rows (``unique_id, ds`` local, ``cutoff``, ``y``
    actual, ``status``, ``scored``, one column per model and ``combination``).
    """

    interval_minutes: int
    horizon_days: int
    levels: tuple[int, ...]
    plans: dict[str, QueuePlan]
    scores: pd.DataFrame
    chosen_model: dict[str, str]
    combination_members: dict[str, tuple[str, ...]]
    coverage: dict[str, dict[int, float | None]]
    calibration: dict[str, IntervalCalibration]
    noise_floor_wmape: dict[str, float]
    aht_wmape: dict[str, float | None]
    predictions: pd.DataFrame
    warnings: tuple[str, ...]

    def scores_by_queue(self) -> dict[str, dict[str, float]]:
        """{queue: {model: backtest WMAPE}}, the shape stored with a forecast run."""
        out: dict[str, dict[str, float]] = {}
        for row in self.scores.itertuples(index=False):
            out.setdefault(str(row.unique_id), {})[str(row.model)] = float(row.wmape)
        return out


@dataclass(frozen=True)
class ForecastResult:
    """A forecast run's output, ready to be stored as a version.

    ``forecast`` columns: ``unique_id``, ``ds`` (UTC interval start), ``ds_local``, ``offered``,
    ``offered_lo<L>``/``offered_hi<L>`` per level, ``aht_seconds`` (NaN without handle-time
    history), ``model`` and ``day_rule`` (holiday or special-day rule applied, else "").
    """

    forecast: pd.DataFrame
    model_by_queue: dict[str, str]
    backtest: BacktestResult
    warnings: tuple[str, ...]
    interval_minutes: int
    timezone: str
    levels: tuple[int, ...]
    history_start_utc: datetime
    history_end_utc: datetime
    horizon_start_utc: datetime
    horizon_end_utc: datetime

    @property
    def backtest_scores(self) -> dict[str, dict[str, float]]:
        return self.backtest.scores_by_queue()


# ---------------------------------------------------------------------------------------------


def _prepared(history: pd.DataFrame | PreparedHistory, config: ForecastConfig) -> PreparedHistory:
    if isinstance(history, PreparedHistory):
        if history.interval_minutes != config.interval_minutes:
            raise HistoryError(
                f"history was prepared at {history.interval_minutes} minutes, "
                f"config says {config.interval_minutes}"
            )
        return history
    return prepare_history(
        history, interval_minutes=config.interval_minutes, timezone=config.timezone
    )


def plan_queues(
    days: dict[str, int], config: ForecastConfig
) -> tuple[dict[str, QueuePlan], list[str]]:
    """Folds and eligible models per queue from its days of history; warnings for shortfalls."""
    specs = candidate_specs()
    horizon = config.backtest_horizon_days
    plans: dict[str, QueuePlan] = {}
    warnings: list[str] = []
    for queue, n_days in days.items():
        folds = min(config.folds, (n_days - MIN_TRAINING_DAYS) // horizon)
        if folds < 1:
            weeks = n_days // 7
            fallback = (
                f"window_average_{min(weeks, 4)}w" if weeks >= 1 else f"daily_average_{n_days}d"
            )
            plans[queue] = QueuePlan(days=n_days, folds=0, models=(), fallback=fallback)
            warnings.append(
                f"queue {queue}: only {n_days} days of history, too little for a backtest "
                f"(needs {MIN_TRAINING_DAYS + horizon}); forecast with {fallback} and "
                "uncalibrated Poisson bands"
            )
            continue
        if folds < config.folds:
            warnings.append(
                f"queue {queue}: {n_days} days of history allow {folds} backtest fold(s) "
                f"of {horizon} days instead of {config.folds}"
            )
        training = n_days - folds * horizon
        eligible = tuple(
            model for model in config.models if specs[model].min_history_days <= training
        )
        skipped = [model for model in config.models if model not in eligible]
        if not eligible:
            weeks = n_days // 7
            fallback = (
                f"window_average_{min(weeks, 4)}w" if weeks >= 1 else f"daily_average_{n_days}d"
            )
            plans[queue] = QueuePlan(days=n_days, folds=0, models=(), fallback=fallback)
            warnings.append(
                f"queue {queue}: no selected model can run on {training} days of training; "
                f"forecast with {fallback} and uncalibrated Poisson bands"
            )
            continue
        if skipped:
            needs = ", ".join(
                f"{model} ({specs[model].min_history_days} days)" for model in skipped
            )
            warnings.append(
                f"queue {queue}: {training} days of training before the first fold; skipped {needs}"
            )
        plans[queue] = QueuePlan(days=n_days, folds=folds, models=eligible)
    return plans, warnings


def _model_frame(cal: CalendarResult, queues: Sequence[str] | None = None) -> pd.DataFrame:
    frame = cal.frame
    if queues is not None:
        frame = frame[frame["unique_id"].isin(list(queues))]
    return frame[["unique_id", "ds", "y_model", *EXOG_COLUMNS]].rename(columns={"y_model": "y"})


def _fallback_models(name: str, spd: int) -> Any:
    from statsforecast.models import SeasonalWindowAverage

    if name.startswith("window_average_"):
        weeks = int(name.removeprefix("window_average_").removesuffix("w"))
        return SeasonalWindowAverage(season_length=7 * spd, window_size=weeks, alias=name)
    days = int(name.removeprefix("daily_average_").removesuffix("d"))
    return SeasonalWindowAverage(season_length=spd, window_size=days, alias=name)


def _group_queues(plans: dict[str, QueuePlan]) -> dict[tuple[int, tuple[str, ...]], list[str]]:
    groups: dict[tuple[int, tuple[str, ...]], list[str]] = {}
    for queue, plan in plans.items():
        if plan.folds >= 1:
            groups.setdefault((plan.folds, plan.models), []).append(queue)
    return groups


def _active(actual: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    return np.asarray((actual > 0) | (predicted >= ACTIVE_FORECAST))


@dataclass(frozen=True)
class _QueueBacktest:
    """One queue's backtest: its choice, score rows, band coverage and calibration.

    ``noise_floor`` is None for a queue without a backtest (a fallback); ``combined`` holds the
    combination's cross-validation predictions when it was a candidate.
    """

    chosen: str
    members: tuple[str, ...]
    coverage: dict[int, float | None]
    calibration: IntervalCalibration
    noise_floor: float | None
    aht_wmape: float | None
    score_rows: list[dict[str, Any]]
    combined: np.ndarray | None = None


def _run_backtest(
    prepared: PreparedHistory,
    cal: CalendarResult,
    config: ForecastConfig,
    backend: ForecastBackend | None = None,
) -> BacktestResult:
    spd = prepared.slots_per_day
    plans, warnings = plan_queues(prepared.queue_days(), config)
    levels = tuple(int(level) for level in config.levels)
    parts = _cross_validate(cal, config, plans, spd, backend)
    cv_all = _marked_cross_validation(parts, cal, config)
    positions = cv_all.groupby("unique_id", sort=False).indices
    outcomes: dict[str, _QueueBacktest] = {}
    for queue, plan in plans.items():
        if plan.fallback is not None:
            outcomes[queue] = _fallback_backtest(plan.fallback, levels)
            continue
        where = positions[queue]
        outcome = _backtest_queue(
            queue, plan, cv_all.iloc[where], cal, config, levels, spd, prepared.has_handle_time
        )
        if outcome.combined is not None:
            cv_all.iloc[where, cv_all.columns.get_loc(COMBINATION)] = outcome.combined
        outcomes[queue] = outcome
    return _backtest_result(config, levels, plans, warnings, outcomes, cv_all)


def _cross_validate(
    cal: CalendarResult,
    config: ForecastConfig,
    plans: dict[str, QueuePlan],
    spd: int,
    backend: ForecastBackend | None,
) -> list[pd.DataFrame]:
    """Rolling-origin forecasts of each queue's eligible candidates over its folds (queues
    with the same folds and models are fitted together)."""
    horizon = config.backtest_horizon_days * spd
    parts = []
    for (folds, models), queues in _group_queues(plans).items():
        cv = run_cross_validation(
            _model_frame(cal, queues),
            build_models(models, spd),
            interval_minutes=config.interval_minutes,
            horizon=horizon,
            n_windows=folds,
            step_size=horizon,
            n_jobs=config.n_jobs,
            backend=backend,
        )
        parts.append(cv.drop(columns=["y"]))
    return parts


def _marked_cross_validation(
    parts: list[pd.DataFrame], cal: CalendarResult, config: ForecastConfig
) -> pd.DataFrame:
    """The cross-validation rows with actuals and status: a column per model (NaN where it did
    not run), closed slots forecast as zero, ``scored`` where the actual was observed, and an
    empty ``combination`` column."""
    status = cal.frame[
        ["unique_id", "ds", "y", "status", "closed_slot", "handled", "handle_seconds"]
    ]
    if parts:
        cv_all = pd.concat(parts, ignore_index=True)
        cv_all["unique_id"] = cv_all["unique_id"].astype(str)
        cv_all = cv_all.merge(status, on=["unique_id", "ds"], how="left")
    else:
        cv_all = pd.DataFrame(
            columns=["unique_id", "ds", "cutoff", "y", "status", "closed_slot", *config.models]
        )
    for model in config.models:
        if model not in cv_all.columns:
            cv_all[model] = np.nan
    closed = cv_all["closed_slot"].fillna(False).to_numpy(dtype=bool)
    cv_all.loc[closed, list(config.models)] = 0.0
    cv_all["scored"] = (cv_all["status"] == STATUS_OBSERVED).to_numpy()
    cv_all[COMBINATION] = np.nan
    return cv_all


def _fallback_backtest(fallback: str, levels: tuple[int, ...]) -> _QueueBacktest:
    """A queue without a backtest: its fallback model and uncalibrated Poisson bands."""
    return _QueueBacktest(
        chosen=fallback,
        members=(),
        coverage={level: None for level in levels},
        calibration=poisson_calibration(levels),
        noise_floor=None,
        aht_wmape=None,
        score_rows=[],
    )


def _backtest_queue(
    queue: str,
    plan: QueuePlan,
    rows: pd.DataFrame,
    cal: CalendarResult,
    config: ForecastConfig,
    levels: tuple[int, ...],
    spd: int,
    has_handle_time: bool,
) -> _QueueBacktest:
    """Score one queue's candidates on its cross-validation ``rows`` and choose among them."""
    scored = rows["scored"].to_numpy(dtype=bool)
    actual = rows["y"].to_numpy(dtype=float)[scored]
    history_rows = cal.frame[cal.frame["unique_id"] == queue]
    scale = _mase_scale(history_rows, rows["cutoff"].min(), spd)
    noise_floor = poisson_noise_floor(actual)
    predictions = {model: rows[model].to_numpy(dtype=float) for model in plan.models}
    model_wmape = {model: wmape(actual, predictions[model][scored]) for model in plan.models}
    candidates = list(plan.models)
    members: tuple[str, ...] = ()
    combined = None
    if config.combination_size >= 2 and len(plan.models) >= 2:
        members = _combination_members(plan.models, model_wmape, config.combination_size)
        combined = np.mean([predictions[model] for model in members], axis=0)
        predictions[COMBINATION] = combined
        model_wmape[COMBINATION] = wmape(actual, combined[scored])
        candidates.append(COMBINATION)
    best = _choose(model_wmape, candidates, config.combination_margin)
    score_rows, coverage, calibration = _score_candidates(
        queue,
        candidates,
        best,
        {model: predictions[model][scored] for model in candidates},
        model_wmape,
        actual,
        rows["cutoff"].to_numpy()[scored],
        scale,
        levels,
    )
    return _QueueBacktest(
        chosen=best,
        members=members,
        coverage=coverage,
        calibration=calibration,
        noise_floor=noise_floor,
        aht_wmape=_aht_backtest(history_rows, rows, spd, config) if has_handle_time else None,
        score_rows=score_rows,
        combined=combined,
    )


def _mase_scale(history_rows: pd.DataFrame, first_cutoff: Any, spd: int) -> float:
    """MASE's denominator: the weekly seasonal naive error on the observed history before the
    first fold."""
    before = history_rows[history_rows["ds"] <= first_cutoff]
    observed_before = np.where(
        before["status"] == STATUS_OBSERVED, before["y"].to_numpy(dtype=float), np.nan
    )
    return seasonal_naive_scale(observed_before, 7 * spd)


def _combination_members(
    models: Sequence[str], model_wmape: dict[str, float], size: int
) -> tuple[str, ...]:
    """The ``size`` models with the lowest backtest WMAPE (NaN ranks last)."""
    ranked = sorted(models, key=lambda model: np.nan_to_num(model_wmape[model], nan=np.inf))
    return tuple(ranked[:size])


def _score_candidates(
    queue: str,
    candidates: Sequence[str],
    best: str,
    predicted_by_model: dict[str, np.ndarray],
    model_wmape: dict[str, float],
    actual: np.ndarray,
    fold: np.ndarray,
    scale: float,
    levels: tuple[int, ...],
) -> tuple[list[dict[str, Any]], dict[int, float | None], IntervalCalibration]:
    """A score row per candidate (WMAPE, MASE, measured band coverage); the coverage of the
    chosen model and the band calibration fitted on its scored intervals."""
    score_rows: list[dict[str, Any]] = []
    chosen_coverage: dict[int, float | None] = {}
    calibration: IntervalCalibration | None = None
    for model in candidates:
        predicted = predicted_by_model[model]
        active = _active(actual, predicted)
        model_coverage = cross_conformal_coverage(
            actual[active], predicted[active], fold[active], levels
        )
        row: dict[str, Any] = {
            "unique_id": queue,
            "model": model,
            "wmape": model_wmape[model],
            "mase": mase(actual, predicted, scale),
            "n_intervals": int(actual.size),
            "chosen": model == best,
        }
        for level in levels:
            row[f"coverage_{level}"] = model_coverage[level]
        score_rows.append(row)
        if model == best:
            chosen_coverage = model_coverage
            calibration = fit_calibration(actual[active], predicted[active], levels)
    assert calibration is not None
    return score_rows, chosen_coverage, calibration


def _backtest_result(
    config: ForecastConfig,
    levels: tuple[int, ...],
    plans: dict[str, QueuePlan],
    warnings: list[str],
    outcomes: dict[str, _QueueBacktest],
    cv_all: pd.DataFrame,
) -> BacktestResult:
    """The per-queue outcomes gathered into the scores table, the choice and band maps, and
    the predictions frame."""
    columns = [
        "unique_id",
        "model",
        "wmape",
        "mase",
        *[f"coverage_{level}" for level in levels],
        "n_intervals",
        "chosen",
    ]
    score_rows = [row for outcome in outcomes.values() for row in outcome.score_rows]
    scores = pd.DataFrame(score_rows, columns=columns)
    model_columns = [model for model in (*config.models, COMBINATION) if model in cv_all.columns]
    predictions_frame = cv_all[
        ["unique_id", "ds", "cutoff", "y", "status", "scored", *model_columns]
    ].reset_index(drop=True)
    return BacktestResult(
        interval_minutes=config.interval_minutes,
        horizon_days=config.backtest_horizon_days,
        levels=levels,
        plans=plans,
        scores=scores,
        chosen_model={queue: outcome.chosen for queue, outcome in outcomes.items()},
        combination_members={queue: outcome.members for queue, outcome in outcomes.items()},
        coverage={queue: outcome.coverage for queue, outcome in outcomes.items()},
        calibration={queue: outcome.calibration for queue, outcome in outcomes.items()},
        noise_floor_wmape={
            queue: outcome.noise_floor
            for queue, outcome in outcomes.items()
            if outcome.noise_floor is not None
        },
        aht_wmape={queue: outcome.aht_wmape for queue, outcome in outcomes.items()},
        predictions=predictions_frame,
        warnings=tuple(warnings),
    )


def _choose(scores: dict[str, float], candidates: Sequence[str], margin: float) -> str:
    """Lowest backtest WMAPE wins, except that a single model must beat the combination by
    more than ``margin`` (relative): on a few weeks of backtest, near-ties between models are
    mostly noise, and the average of the two best is the more robust forecast."""
    best = min(candidates, key=lambda model: np.nan_to_num(scores[model], nan=np.inf))
    if COMBINATION in candidates and best != COMBINATION:
        combined = scores[COMBINATION]
        if np.isfinite(combined) and scores[best] >= (1.0 - margin) * combined:
            return COMBINATION
    return best


def _aht_backtest(
    history_rows: pd.DataFrame, cv_rows: pd.DataFrame, spd: int, config: ForecastConfig
) -> float | None:
    """Handled-weighted absolute AHT error over the folds, relative to total handle time."""
    error = 0.0
    total = 0.0
    for cutoff, fold in cv_rows.groupby("cutoff"):
        table = aht_table(history_rows[history_rows["ds"] <= cutoff], spd, weeks=config.aht_weeks)
        if table is None:
            continue
        usable = fold[(fold["status"] == STATUS_OBSERVED) & (fold["handled"] > 0)]
        if usable.empty:
            continue
        dows = pd.DatetimeIndex(usable["ds"]).weekday.to_numpy()
        slots = history_slot(usable["ds"], spd)
        predicted = table[dows, slots]
        handled = usable["handled"].to_numpy(dtype=float)
        actual = usable["handle_seconds"].to_numpy(dtype=float) / handled
        error += float(np.sum(handled * np.abs(predicted - actual)))
        total += float(usable["handle_seconds"].sum())
    return error / total if total > 0 else None


def history_slot(ds: pd.Series, spd: int) -> np.ndarray:
    index = pd.DatetimeIndex(ds)
    minutes = index.hour * 60 + index.minute
    return np.asarray(minutes // (24 * 60 // spd), dtype=np.int64)


def backtest(
    history: pd.DataFrame | PreparedHistory,
    config: ForecastConfig,
    *,
    backend: ForecastBackend | None = None,
) -> BacktestResult:
    """Rolling-origin backtest of the candidates on ``history``; see `BacktestResult`.
    With a ``backend`` (`forecasting.distributed`) the model fits run there."""
    prepared = _prepared(history, config)
    cal = mark_calendar(prepared, config.calendar)
    result = _run_backtest(prepared, cal, config, backend)
    return _with_warnings(result, _calendar_warnings(cal))


def _with_warnings(result: BacktestResult, extra: Sequence[str]) -> BacktestResult:
    if not extra:
        return result
    from dataclasses import replace

    return replace(result, warnings=(*extra, *result.warnings))


def _calendar_warnings(cal: CalendarResult) -> list[str]:
    messages = []
    for queue, counts in cal.counts.items():
        parts = [
            f"{counts[key]} {label}"
            for key, label in (
                ("missing", "missing intervals"),
                ("outlier", "outlier-day intervals"),
                ("holiday", "holiday intervals"),
                ("workday", "make-up working day intervals"),
                ("ramp", "long-holiday ramp intervals"),
                ("special", "special-day intervals"),
                ("excluded", "excluded-day intervals"),
            )
            if counts.get(key)
        ]
        if parts:
            messages.append(
                f"queue {queue}: imputed {', '.join(parts)} from the same weekday slots of "
                "nearby weeks (not scored, not fed as zeros)"
            )
    return messages


# ---------------------------------------------------------------------------------------------


def forecast(
    history: pd.DataFrame | PreparedHistory,
    config: ForecastConfig,
    *,
    horizon_days: int,
    start_day: date | None = None,
    backend: ForecastBackend | None = None,
) -> ForecastResult:
    """Backtest, choose per queue, and forecast ``horizon_days`` local days from ``start_day``
    (default: the day after the history's last day). With a ``backend``
    (`forecasting.distributed`: a Dask cluster) every model fit runs there; the result is the
    same as in process."""
    if not 1 <= horizon_days <= 366:
        raise ValueError(f"horizon_days must be between 1 and 366, got {horizon_days}")
    prepared = _prepared(history, config)
    cal = mark_calendar(prepared, config.calendar)
    bt = _with_warnings(_run_backtest(prepared, cal, config, backend), _calendar_warnings(cal))
    warnings = list(bt.warnings)
    spd = prepared.slots_per_day
    first_future = prepared.last_day + timedelta(days=1)
    start = start_day or first_future
    if start < first_future:
        raise ValueError(
            f"start_day {start} must be after the history's last day {prepared.last_day}"
        )
    gap_days = (start - first_future).days
    total_days = gap_days + horizon_days
    warnings.extend(_stale_queue_warnings(prepared))

    queues = prepared.unique_ids
    future = future_grid(queues, first_future, total_days, config.interval_minutes)
    future_positions = future.groupby("unique_id", sort=False).indices
    groups = _forecast_groups(bt, queues)
    point, model_used = _point_forecasts(
        future, future_positions, groups, bt, cal, config, spd, total_days, backend
    )
    future["offered"] = point
    future["model"] = model_used
    future["day_rule"] = ""
    _apply_closed(future, cal)
    _apply_day_rules(future, prepared, cal, config, warnings)
    _add_bands(future, future_positions, bt)
    future["aht_seconds"] = forecast_aht(cal.frame, future, spd, weeks=config.aht_weeks)
    if not prepared.has_handle_time:
        warnings.append(
            "history has no handled/handle_seconds columns: aht_seconds is not forecast"
        )
    return ForecastResult(
        forecast=_horizon_rows(future, start, prepared.timezone, bt.levels),
        model_by_queue=dict(bt.chosen_model),
        backtest=bt,
        warnings=tuple(warnings),
        interval_minutes=config.interval_minutes,
        timezone=prepared.timezone,
        levels=bt.levels,
        history_start_utc=prepared.history_start_utc,
        history_end_utc=prepared.history_end_utc,
        horizon_start_utc=_day_start_utc(start, prepared.timezone),
        horizon_end_utc=_day_start_utc(start + timedelta(days=horizon_days), prepared.timezone),
    )


def _stale_queue_warnings(prepared: PreparedHistory) -> list[str]:
    """A warning for each queue whose feed stopped two or more days before the history ends."""
    warnings = []
    for queue, last_seen in prepared.queue_last_observed.items():
        stale = (prepared.last_day - last_seen).days
        if stale >= 2:
            warnings.append(f"queue {queue}: no data for its last {stale} days; they were imputed")
    return warnings


def _forecast_members(bt: BacktestResult, queue: str) -> tuple[str, ...]:
    """The models whose mean is the queue's forecast: its chosen model, or the members of the
    combination."""
    chosen = bt.chosen_model[queue]
    return bt.combination_members[queue] if chosen == COMBINATION else (chosen,)


def _forecast_groups(bt: BacktestResult, queues: Sequence[str]) -> list[list[str]]:
    """Queues that share their eligible model set (or fallback), to be forecast together."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for queue in queues:
        plan = bt.plans[queue]
        key = plan.models if plan.fallback is None else (plan.fallback,)
        groups.setdefault(key, []).append(queue)
    return list(groups.values())


def _point_forecasts(
    future: pd.DataFrame,
    future_positions: dict[Any, np.ndarray],
    groups: list[list[str]],
    bt: BacktestResult,
    cal: CalendarResult,
    config: ForecastConfig,
    spd: int,
    total_days: int,
    backend: ForecastBackend | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Each queue's chosen model fitted on all its history and forecast over ``future``
    (clipped at zero), and the name of that model, per row of ``future``."""
    point = np.full(len(future), np.nan)
    model_used = np.empty(len(future), dtype=object)
    for group_queues in groups:
        predicted = _forecast_group(future, group_queues, bt, cal, config, spd, total_days, backend)
        by_queue = predicted.groupby("unique_id", sort=False)
        for queue in group_queues:
            part = by_queue.get_group(queue).sort_values("ds")
            names = _forecast_members(bt, queue)
            values = np.mean([part[name].to_numpy(dtype=float) for name in names], axis=0)
            where = future_positions[queue]
            point[where] = np.maximum(values, 0.0)
            model_used[where] = bt.chosen_model[queue]
    return point, model_used


def _forecast_group(
    future: pd.DataFrame,
    group_queues: list[str],
    bt: BacktestResult,
    cal: CalendarResult,
    config: ForecastConfig,
    spd: int,
    total_days: int,
    backend: ForecastBackend | None,
) -> pd.DataFrame:
    """Fit the models that the group's queues need on their history and forecast the horizon."""
    needed_models: list[str] = []
    for queue in group_queues:
        for name in _forecast_members(bt, queue):
            if name not in needed_models:
                needed_models.append(name)
    objects = [
        _fallback_models(name, spd)
        if name not in candidate_specs()
        else build_models([name], spd)[0]
        for name in needed_models
    ]
    exog = future[future["unique_id"].isin(group_queues)][["unique_id", "ds", *EXOG_COLUMNS]]
    predicted = run_forecast(
        _model_frame(cal, group_queues),
        exog,
        objects,
        interval_minutes=config.interval_minutes,
        horizon=total_days * spd,
        n_jobs=config.n_jobs,
        backend=backend,
    )
    predicted["unique_id"] = predicted["unique_id"].astype(str)
    return predicted


def _add_bands(
    future: pd.DataFrame, future_positions: dict[Any, np.ndarray], bt: BacktestResult
) -> None:
    """``offered_lo<L>``/``offered_hi<L>`` per level from each queue's calibration (zero in
    closed slots), on ``future`` in place."""
    for level in bt.levels:
        low = np.zeros(len(future))
        high = np.zeros(len(future))
        for queue, where in future_positions.items():
            low[where], high[where] = bt.calibration[queue].bounds(
                future["offered"].to_numpy()[where], level
            )
        future[f"offered_lo{level}"] = low
        future[f"offered_hi{level}"] = high
    closed_now = future["closed"].to_numpy(dtype=bool)
    for level in bt.levels:
        future.loc[closed_now, [f"offered_lo{level}", f"offered_hi{level}"]] = 0.0


def _horizon_rows(
    future: pd.DataFrame, start: date, timezone: str, levels: tuple[int, ...]
) -> pd.DataFrame:
    """The output frame: rows from ``start`` on, with UTC interval starts (a local slot that
    does not exist is dropped, one that occurs twice gives two rows), by queue and time."""
    horizon = future[future["day_index"] >= day_index_of(start)]
    utc = local_to_utc(pd.DatetimeIndex(horizon["ds"].unique()), timezone)
    out = horizon.rename(columns={"ds": "ds_local"}).merge(utc, on="ds_local", how="inner")
    band_columns = [f"offered_{side}{level}" for level in levels for side in ("lo", "hi")]
    return (
        out[
            [
                "unique_id",
                "ds",
                "ds_local",
                "offered",
                *band_columns,
                "aht_seconds",
                "model",
                "day_rule",
            ]
        ]
        .sort_values(["unique_id", "ds"])
        .reset_index(drop=True)
    )


def _day_start_utc(day: date, timezone: str) -> datetime:
    """The UTC instant at which local ``day`` starts (shifted past a gap, the first of a
    repeat)."""
    local_start = pd.Timestamp(day).tz_localize(
        timezone, nonexistent="shift_forward", ambiguous=True
    )
    return local_start.tz_convert("UTC").to_pydatetime()


def _apply_closed(future: pd.DataFrame, cal: CalendarResult) -> None:
    closed = np.zeros(len(future), dtype=bool)
    for queue, where in future.groupby("unique_id", sort=False).indices.items():
        pattern = cal.closed_pattern[str(queue)]
        part = future.iloc[where]
        closed[where] = pattern[part["dow"].to_numpy(), part["slot"].to_numpy()]
    future["closed"] = closed
    future.loc[closed, "offered"] = 0.0


@dataclass(frozen=True)
class _HorizonDays:
    """The future frame's arrays that day rules read and write (``offered`` and ``rule`` are
    written in place; ``base`` keeps the forecast before any rule)."""

    day_index: np.ndarray
    queue_ids: np.ndarray
    base: np.ndarray
    offered: np.ndarray
    rule: np.ndarray
    first: int
    last: int

    def rows(self, index: int, queue: str) -> np.ndarray:
        return np.asarray((self.day_index == index) & (self.queue_ids == queue))


def _apply_day_rules(
    future: pd.DataFrame,
    prepared: PreparedHistory,
    cal: CalendarResult,
    config: ForecastConfig,
    warnings: list[str],
) -> None:
    """Holidays (learned multiplier) then user special days, on the future frame in place."""
    day_index = future["day_index"].to_numpy()
    base = future["offered"].to_numpy(dtype=float).copy()
    first_future = day_index_of(prepared.last_day) + 1
    days = _HorizonDays(
        day_index=day_index,
        queue_ids=future["unique_id"].astype(str).to_numpy(),
        base=base,
        offered=base.copy(),
        rule=future["day_rule"].to_numpy(dtype=object).copy(),
        first=first_future,
        last=first_future + int(day_index.max() - day_index.min()),
    )
    _apply_workdays(days, cal, warnings)
    _apply_ramps(days, cal, warnings)
    _apply_holidays(days, cal, warnings)
    _apply_special_days(days, cal.frame, config.calendar.special_days, warnings)
    future["offered"] = days.offered
    future["day_rule"] = days.rule


def _apply_workdays(days: _HorizonDays, cal: CalendarResult, warnings: list[str]) -> None:
    """Each make-up working day in the horizon forecast like the nearest regular working day
    (Monday to Friday, no holiday; the later one on a tie), from the horizon or the history."""
    for workday in cal.workdays:
        index = day_index_of(workday)
        if not days.first <= index <= days.last or workday in cal.holidays:
            continue
        near = regular_workdays_near(workday, cal.holidays, cal.workdays)
        for queue in dict.fromkeys(days.queue_ids):
            rows = days.rows(index, queue)
            for like in near:
                copied = _like_day_values(days, cal.frame, queue, like)
                if copied is not None and copied.size == int(rows.sum()):
                    days.offered[rows] = copied
                    days.rule[rows] = f"make-up working day like {like}"
                    break
            else:
                warnings.append(
                    f"queue {queue}: make-up working day {workday} forecast as a weekend day: "
                    "no working day within a week in the history or the horizon"
                )


def _apply_ramps(days: _HorizonDays, cal: CalendarResult, warnings: list[str]) -> None:
    """Each working day just before or after a long holiday in the horizon scaled by the
    queue's learned effect for its offset (a warning when the history holds none)."""
    for day, offset in sorted(cal.ramp_days.items()):
        index = day_index_of(day)
        if not days.first <= index <= days.last or day in cal.holidays:
            continue
        label = f"{abs(offset)} working day(s) {'before' if offset < 0 else 'after'} a long holiday"
        for queue in dict.fromkeys(days.queue_ids):
            multiplier = cal.ramp_multiplier.get(queue, {}).get(offset)
            if multiplier is None:
                warnings.append(
                    f"queue {queue}: {day} ({label}) forecast without its effect: none in its "
                    "history to learn from; add a special day to override"
                )
                continue
            rows = days.rows(index, queue)
            days.offered[rows] = days.offered[rows] * multiplier
            rule = f"{label} x{multiplier:.2f}"
            days.rule[rows] = np.where(days.rule[rows] == "", rule, days.rule[rows] + "; " + rule)


def _apply_holidays(days: _HorizonDays, cal: CalendarResult, warnings: list[str]) -> None:
    """Each holiday in the horizon scaled by the queue's learned holiday multiplier (a warning
    when the queue's history holds no holiday)."""
    for holiday, name in cal.holidays.items():
        index = day_index_of(holiday)
        if not days.first <= index <= days.last:
            continue
        for queue in dict.fromkeys(days.queue_ids):
            rows = days.rows(index, queue)
            multiplier = cal.holiday_multiplier.get(queue)
            if multiplier is None:
                warnings.append(
                    f"queue {queue}: {holiday} ({name}) forecast as a normal day: no holiday in "
                    "its history to learn the effect from; add a special day to override"
                )
                continue
            days.offered[rows] = days.base[rows] * multiplier
            days.rule[rows] = f"holiday {name} x{multiplier:.2f}"


def _apply_special_days(
    days: _HorizonDays,
    history: pd.DataFrame,
    special_days: Sequence[SpecialDay],
    warnings: list[str],
) -> None:
    """Each special day in the horizon: the forecast times its multiplier, or a copy of the
    day it is like (a warning when that day is neither in the history nor in the horizon)."""
    for special in special_days:
        index = day_index_of(special.day)
        if not days.first <= index <= days.last:
            continue
        for queue in dict.fromkeys(days.queue_ids):
            if not special.applies_to(queue):
                continue
            rows = days.rows(index, queue)
            label = special.name or "special day"
            if special.multiplier is not None:
                days.offered[rows] = days.base[rows] * special.multiplier
                days.rule[rows] = f"{label} x{special.multiplier:g}"
                continue
            assert special.like_day is not None
            copied = _like_day_values(days, history, queue, special.like_day)
            if copied is None:
                warnings.append(
                    f"queue {queue}: special day {special.day} is like {special.like_day}, "
                    "which is neither in the history nor in the horizon; rule ignored"
                )
                continue
            days.offered[rows] = copied
            days.rule[rows] = f"{label} like {special.like_day}"


def _like_day_values(
    days: _HorizonDays, history: pd.DataFrame, queue: str, like_day: date
) -> np.ndarray | None:
    """What a like-day rule copies: the like day's forecast when it lies in the horizon, else
    its history (actuals where observed, the imputed series elsewhere); None when it is in
    neither."""
    like_index = day_index_of(like_day)
    source_rows = days.rows(like_index, queue)
    if source_rows.any():
        return np.asarray(days.base[source_rows])
    past = history[(history["unique_id"] == queue) & (history["day_index"] == like_index)]
    if past.empty:
        return None
    values = np.where(past["status"] == STATUS_OBSERVED, past["y"], past["y_model"]).astype(float)
    return np.asarray(np.nan_to_num(values))


__all__ = [
    "BacktestResult",
    "ForecastConfig",
    "ForecastResult",
    "QueuePlan",
    "backtest",
    "forecast",
    "plan_queues",
]
