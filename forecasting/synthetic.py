"""Synthetic interval history with a known rate, for tests, benchmarks and demos.

Contacts per interval are Poisson draws around a rate that is a product of a queue level, a
weekday factor and a two-peak intraday shape (zero outside opening hours), so a forecast can be
checked against the rate that generated the data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

DEFAULT_WEEKDAY_FACTORS = (1.15, 1.05, 1.0, 1.0, 0.95, 0.55, 0.0)


@dataclass(frozen=True)
class SyntheticSpec:
    """Shape of the generated centre."""

    weeks: int = 8
    interval_minutes: int = 30
    queues: int = 1
    daily_contacts: float = 800.0
    open_hour: int = 8
    close_hour: int = 20
    weekday_factors: tuple[float, ...] = DEFAULT_WEEKDAY_FACTORS
    aht_seconds: float = 240.0
    start: date = date(2024, 1, 1)
    seed: int = 0


def intraday_shape(spd: int, open_hour: int, close_hour: int) -> np.ndarray:
    """Share of a day's contacts per slot: a morning and an afternoon peak, 0 when closed."""
    hours = (np.arange(spd) + 0.5) * 24.0 / spd
    shape = np.exp(-0.5 * ((hours - 10.5) / 1.6) ** 2) + 0.8 * np.exp(
        -0.5 * ((hours - 15.0) / 2.0) ** 2
    )
    shape = shape + 0.15
    shape[(hours < open_hour) | (hours >= close_hour)] = 0.0
    return np.asarray(shape / shape.sum())


def synthetic_rates(spec: SyntheticSpec, days: int | None = None) -> pd.DataFrame:
    """The generating rate per queue and local slot for ``days`` days from ``spec.start``."""
    spd = 24 * 60 // spec.interval_minutes
    n_days = spec.weeks * 7 if days is None else days
    shape = intraday_shape(spd, spec.open_hour, spec.close_hour)
    starts = pd.date_range(pd.Timestamp(spec.start), periods=n_days, freq="D")
    ds = (
        starts.to_numpy()[:, None]
        + (np.arange(spd) * spec.interval_minutes * 60_000_000_000).astype("timedelta64[ns]")[
            None, :
        ]
    ).ravel()
    weekday = np.asarray(spec.weekday_factors)[starts.weekday.to_numpy()]
    frames = []
    for q in range(spec.queues):
        level = spec.daily_contacts * (1.0 + 0.5 * q / max(spec.queues, 1))
        rate = (level * weekday[:, None] * shape[None, :]).ravel()
        frames.append(pd.DataFrame({"unique_id": f"Q{q:03d}", "ds": ds, "rate": rate}))
    return pd.concat(frames, ignore_index=True)


def synthetic_history(spec: SyntheticSpec, *, drop_closed: bool = True) -> pd.DataFrame:
    """History frame (``unique_id, ds`` naive local, ``y, handled, handle_seconds``).

    With ``drop_closed`` the rows of closed slots are left out, as many ACD exports do.
    """
    rng = np.random.default_rng(spec.seed)
    rates = synthetic_rates(spec)
    offered = rng.poisson(rates["rate"].to_numpy()).astype(float)
    handled = np.floor(offered * 0.92)
    handle_seconds = np.where(
        handled > 0,
        rng.gamma(shape=np.maximum(handled, 1e-9) * 4.0, scale=spec.aht_seconds / 4.0),
        0.0,
    )
    frame = rates.assign(y=offered, handled=handled, handle_seconds=handle_seconds)
    if drop_closed:
        frame = frame[frame["rate"] > 0]
    return frame.drop(columns=["rate"]).reset_index(drop=True)


def as_local_aware(frame: pd.DataFrame, timezone: str) -> pd.DataFrame:
    """Attach ``timezone`` to naive local ``ds`` (times that do not exist are dropped)."""
    aware = frame["ds"].dt.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT")
    return frame.assign(ds=aware)[aware.notna()].reset_index(drop=True)


def queue_ids(spec: SyntheticSpec) -> Sequence[str]:
    return [f"Q{q:03d}" for q in range(spec.queues)]


__all__ = [
    "DEFAULT_WEEKDAY_FACTORS",
    "SyntheticSpec",
    "as_local_aware",
    "intraday_shape",
    "queue_ids",
    "synthetic_history",
    "synthetic_rates",
]
