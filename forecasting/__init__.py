"""Contact volume and handle-time forecasting on statsforecast; pure (no I/O, no database).

History in (one long frame ``unique_id, ds, y`` [+ ``handled, handle_seconds``], see
`forecasting.frame`), frozen results out:

    from forecasting import ForecastConfig, CalendarOptions, forecast, apply_adjustments
    result = forecast(history, ForecastConfig(interval_minutes=15, timezone="Europe/Paris",
                                              calendar=CalendarOptions(country="FR")),
                      horizon_days=21)
    adjusted = apply_adjustments(result.forecast, adjustments)
"""

from forecasting.adjustments import Adjustment, AdjustmentLike, apply_adjustments
from forecasting.calendar import CalendarOptions, SpecialDay, country_holidays
from forecasting.engine import (
    BacktestResult,
    ForecastConfig,
    ForecastResult,
    QueuePlan,
    backtest,
    forecast,
)
from forecasting.frame import HistoryError, PreparedHistory, prepare_history
from forecasting.intervals import IntervalCalibration
from forecasting.metrics import accuracy_by_period, mase, poisson_noise_floor, wmape
from forecasting.models import BASE_MODELS, COMBINATION, candidate_specs

__all__ = [
    "BASE_MODELS",
    "COMBINATION",
    "Adjustment",
    "AdjustmentLike",
    "BacktestResult",
    "CalendarOptions",
    "ForecastConfig",
    "ForecastResult",
    "HistoryError",
    "IntervalCalibration",
    "PreparedHistory",
    "QueuePlan",
    "SpecialDay",
    "accuracy_by_period",
    "apply_adjustments",
    "backtest",
    "candidate_specs",
    "country_holidays",
    "forecast",
    "mase",
    "poisson_noise_floor",
    "prepare_history",
    "wmape",
]
