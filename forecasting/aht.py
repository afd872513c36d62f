"""Average handle time per interval: a volume-weighted, shrunk same-slot average.

AHT per weekday slot is total handle seconds over handled contacts in the last ``weeks`` weeks.
Quiet slots have few contacts, so each slot's estimate is shrunk towards the slot-of-day
average over all weekdays, and that towards the queue's overall AHT, as if ``prior_contacts``
contacts at the prior had been seen.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting.calendar import STATUS_OBSERVED


def aht_table(
    rows: pd.DataFrame, spd: int, *, weeks: int = 8, prior_contacts: float = 20.0
) -> np.ndarray | None:
    """(7, spd) AHT in seconds from one queue's rows (``status``, ``handled``,
    ``handle_seconds``, ``dow``, ``slot``, ``day_index``); None without handled contacts."""
    usable = rows[(rows["status"] == STATUS_OBSERVED) & (rows["handled"] > 0)]
    if usable.empty:
        return None
    last_day = int(rows["day_index"].max())
    usable = usable[usable["day_index"] > last_day - 7 * weeks]
    seconds = np.zeros((7, spd))
    handled = np.zeros((7, spd))
    np.add.at(
        seconds, (usable["dow"].to_numpy(), usable["slot"].to_numpy()), usable["handle_seconds"]
    )
    np.add.at(handled, (usable["dow"].to_numpy(), usable["slot"].to_numpy()), usable["handled"])
    total_handled = handled.sum()
    if total_handled <= 0:
        return None
    overall = seconds.sum() / total_handled
    slot_seconds = seconds.sum(axis=0)
    slot_handled = handled.sum(axis=0)
    slot_prior = (slot_seconds + prior_contacts * overall) / (slot_handled + prior_contacts)
    return np.asarray((seconds + prior_contacts * slot_prior) / (handled + prior_contacts))


def forecast_aht(
    history: pd.DataFrame,
    future: pd.DataFrame,
    spd: int,
    *,
    weeks: int = 8,
    prior_contacts: float = 20.0,
) -> np.ndarray:
    """AHT seconds for each row of ``future`` (``unique_id, dow, slot``); NaN for queues
    without handle-time history."""
    out = np.full(len(future), np.nan)
    grouped = future.groupby("unique_id", sort=False).indices
    positions = {str(queue): where for queue, where in grouped.items()}
    for unique_id, rows in history.groupby("unique_id", sort=False):
        where = positions.get(str(unique_id))
        if where is None:
            continue
        table = aht_table(rows, spd, weeks=weeks, prior_contacts=prior_contacts)
        if table is None:
            continue
        part = future.iloc[where]
        out[where] = table[part["dow"].to_numpy(), part["slot"].to_numpy()]
    return out


__all__ = ["aht_table", "forecast_aht"]
