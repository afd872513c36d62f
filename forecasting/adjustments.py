"""Manual adjustments: an overlay applied on top of a forecast, never baked into it.

Adjustments are stored apart from forecast versions and re-applied to each new run, so a
planner's "marketing mail on Tuesday: +20 % from 9 to 12" survives every re-forecast.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import numpy as np
import pandas as pd

TARGETS = ("offered", "aht_seconds")
OPERATIONS = ("scale", "set")


class AdjustmentLike(Protocol):
    """Anything with these fields (e.g. `wfm.domain.ForecastAdjustment`)."""

    @property
    def queue_code(self) -> str: ...
    @property
    def start_utc(self) -> datetime: ...
    @property
    def end_utc(self) -> datetime: ...
    @property
    def target(self) -> str: ...
    @property
    def operation(self) -> object: ...
    @property
    def value(self) -> float: ...


@dataclass(frozen=True)
class Adjustment:
    """Scale or set ``target`` for queue ``queue_code`` over [start_utc, end_utc)."""

    queue_code: str
    start_utc: datetime
    end_utc: datetime
    target: str
    operation: str
    value: float
    note: str = ""


def _operation_name(operation: object) -> str:
    return str(getattr(operation, "value", operation))


def check_adjustment(adjustment: AdjustmentLike) -> None:
    """Raise ValueError with a one-line reason when the adjustment cannot be applied."""
    label = f"adjustment for {adjustment.queue_code}"
    if adjustment.target not in TARGETS:
        raise ValueError(f"{label}: target must be one of {', '.join(TARGETS)}")
    if _operation_name(adjustment.operation) not in OPERATIONS:
        raise ValueError(f"{label}: operation must be one of {', '.join(OPERATIONS)}")
    for name in ("start_utc", "end_utc"):
        moment = getattr(adjustment, name)
        if moment.tzinfo is None:
            raise ValueError(f"{label}: {name} must be timezone-aware")
    if adjustment.end_utc <= adjustment.start_utc:
        raise ValueError(f"{label}: end_utc must be after start_utc")
    if not math.isfinite(adjustment.value) or adjustment.value < 0:
        raise ValueError(f"{label}: value must be a finite number >= 0")


def apply_adjustments(
    forecast: pd.DataFrame, adjustments: Sequence[AdjustmentLike]
) -> pd.DataFrame:
    """A copy of ``forecast`` with the adjustments applied in the given order.

    ``forecast`` has ``unique_id``, ``ds`` (tz-aware interval start), ``offered``, optional
    ``offered_lo<L>``/``offered_hi<L>`` bands and ``aht_seconds``. Scaling ``offered`` scales
    its bands too; setting it moves the bands in proportion (or onto the value when the
    forecast was 0). The result has a boolean ``adjusted`` column.
    """
    out = forecast.copy()
    if "adjusted" not in out.columns:
        out["adjusted"] = False
    band_columns = [
        column for column in out.columns if column.startswith(("offered_lo", "offered_hi"))
    ]
    ds_utc = out["ds"].dt.tz_convert("UTC")
    queue = out["unique_id"].astype(str)
    for adjustment in adjustments:
        check_adjustment(adjustment)
        start = pd.Timestamp(adjustment.start_utc).tz_convert("UTC")
        end = pd.Timestamp(adjustment.end_utc).tz_convert("UTC")
        rows = (
            (queue == str(adjustment.queue_code)).to_numpy()
            & (ds_utc >= start).to_numpy()
            & (ds_utc < end).to_numpy()
        )
        if not rows.any():
            continue
        operation = _operation_name(adjustment.operation)
        value = float(adjustment.value)
        if adjustment.target == "aht_seconds":
            if "aht_seconds" not in out.columns:
                raise ValueError("forecast has no aht_seconds column to adjust")
            current = out.loc[rows, "aht_seconds"].to_numpy(dtype=float)
            out.loc[rows, "aht_seconds"] = current * value if operation == "scale" else value
        else:
            current = out.loc[rows, "offered"].to_numpy(dtype=float)
            if operation == "scale":
                new = current * value
                ratio = np.full_like(current, value)
            else:
                new = np.full_like(current, value)
                with np.errstate(divide="ignore", invalid="ignore"):
                    ratio = np.where(current > 0, value / current, np.nan)
            out.loc[rows, "offered"] = new
            for column in band_columns:
                band = out.loc[rows, column].to_numpy(dtype=float)
                out.loc[rows, column] = np.where(np.isnan(ratio), new, band * ratio)
        out.loc[rows, "adjusted"] = True
    return out


__all__ = ["Adjustment", "AdjustmentLike", "OPERATIONS", "TARGETS", "apply_adjustments"]
