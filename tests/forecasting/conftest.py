"""Small synthetic histories shared by the forecasting tests (kept small: numba and STL fits
make the first runs slow)."""

from __future__ import annotations

from datetime import date

import pytest

from forecasting import ForecastConfig, ForecastResult, forecast
from forecasting.synthetic import SyntheticSpec, synthetic_history

SPEC = SyntheticSpec(
    weeks=8, interval_minutes=30, daily_contacts=1200, seed=3, start=date(2024, 1, 1)
)
CONFIG = ForecastConfig(interval_minutes=30, timezone="Europe/Amsterdam", folds=2)
#: a cheap configuration for tests about the calendar and overlays, not about model choice
QUICK = ForecastConfig(
    interval_minutes=30,
    timezone="Europe/Amsterdam",
    folds=1,
    models=("window_average_4w", "top_down"),
)


@pytest.fixture(scope="session")
def synthetic_forecast() -> ForecastResult:
    """Two weeks ahead of eight weeks of Poisson history (Sundays closed, no rows at night)."""
    return forecast(synthetic_history(SPEC), CONFIG, horizon_days=14)
