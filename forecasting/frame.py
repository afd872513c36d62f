"""The history frame contract and its preparation into a regular local-time grid.

Contract (one long frame, statsforecast style):

* ``unique_id``: the series (queue) code, any hashable value, used as ``str``.
* ``ds``: the start of the interval the row counts. Either timezone-aware (any zone; it is
  converted to the site's ``timezone``, UTC when none is given) or naive, in which case it is
  read as local wall-clock time in ``timezone`` and ``timezone`` is required.
* ``y``: contacts offered in that interval, a finite number >= 0.
* optional ``handled`` (contacts handled, >= 0) and ``handle_seconds`` (total handle time of
  those contacts, >= 0): with both, average handle time is forecast as well.

Rows may be at any grain finer than the planning interval that divides it (6-minute rows
are summed to 30 minutes). A slot with no row means "no data" (closed, or a gap in the feed),
never zero demand: a real zero must be a row with ``y = 0``.

Models work on local wall-clock time (so the daily pattern does not drift across daylight
saving changes); every day has ``24 * 60 / interval_minutes`` slots.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

ALLOWED_INTERVAL_MINUTES = (15, 30, 60)
REQUIRED_COLUMNS = ("unique_id", "ds", "y")
OPTIONAL_COLUMNS = ("handled", "handle_seconds")
# the columns of `PreparedHistory.frame`, in order
_PREPARED_COLUMNS = (
    "unique_id",
    "ds",
    "day_index",
    "slot",
    "dow",
    "dom",
    "y",
    "handled",
    "handle_seconds",
    "observed",
)


class HistoryError(ValueError):
    """The history frame breaks the contract; the message names the offending rows."""


def describe_rows(labels: Iterable[Any], row_label: str = "row", limit: int = 5) -> str:
    """'rows 3, 8 and 2 more' style listing of row labels for error messages."""
    items = [str(label) for label in labels]
    if not items:
        return f"no {row_label}s"
    noun = row_label if len(items) == 1 else f"{row_label}s"
    shown = ", ".join(items[:limit])
    more = len(items) - limit
    return f"{noun} {shown}" + (f" and {more} more" if more > 0 else "")


def slots_per_day(interval_minutes: int) -> int:
    return 24 * 60 // interval_minutes


def check_interval_minutes(interval_minutes: int) -> None:
    if interval_minutes not in ALLOWED_INTERVAL_MINUTES:
        raise HistoryError(
            f"interval_minutes must be one of {', '.join(map(str, ALLOWED_INTERVAL_MINUTES))}, "
            f"got {interval_minutes}"
        )


def check_timezone(timezone: str | None) -> None:
    if timezone is None:
        return
    try:
        pd.Timestamp("2000-01-01").tz_localize(timezone)
    except Exception as exc:
        raise HistoryError(f"unknown timezone {timezone!r}") from exc


@dataclass(frozen=True)
class PreparedHistory:
    """History on a regular local grid: one row per queue, local day and slot.

    ``frame`` columns: ``unique_id`` (str), ``ds`` (naive local slot start), ``day_index``
    (days since 1970-01-01, local), ``slot``, ``dow`` (Monday 0), ``dom`` (day of month),
    ``y`` (float, NaN where no row existed), ``handled``, ``handle_seconds`` (NaN when absent),
    ``observed`` (a row existed). Every queue spans the same days, whole days only.
    """

    frame: pd.DataFrame
    interval_minutes: int
    timezone: str
    first_day: date
    last_day: date
    history_start_utc: datetime
    history_end_utc: datetime
    has_handle_time: bool
    queue_last_observed: dict[str, date]

    def queue_days(self) -> dict[str, int]:
        """Days of grid per queue (from its first day with data to the common last day)."""
        counts = self.frame.groupby("unique_id", sort=False).size() // self.slots_per_day
        return {str(queue): int(days) for queue, days in counts.items()}

    @property
    def slots_per_day(self) -> int:
        return slots_per_day(self.interval_minutes)

    @property
    def unique_ids(self) -> list[str]:
        return list(dict.fromkeys(self.frame["unique_id"]))

    @property
    def n_days(self) -> int:
        return (self.last_day - self.first_day).days + 1


def _numeric_column(
    frame: pd.DataFrame, column: str, row_label: str, *, required: bool
) -> pd.Series:
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna() & raw.notna()
    if bad.any():
        raise HistoryError(
            f"{column} is not a number in {describe_rows(frame.index[bad], row_label)}"
        )
    if required and values.isna().any():
        raise HistoryError(
            f"{column} is missing in {describe_rows(frame.index[values.isna()], row_label)}"
        )
    infinite = np.isinf(values.to_numpy(dtype=float, na_value=np.nan))
    if infinite.any():
        raise HistoryError(
            f"{column} is infinite in {describe_rows(frame.index[infinite], row_label)}"
        )
    negative = values < 0
    if negative.any():
        raise HistoryError(
            f"{column} is negative in {describe_rows(frame.index[negative], row_label)}"
        )
    return values.astype(float)


def to_local_wall_clock(
    ds: pd.Series, timezone: str | None, row_label: str = "row"
) -> tuple[pd.Series, pd.Series]:
    """Local naive wall-clock times and their UTC offsets in minutes (0 for naive input)."""
    if not pd.api.types.is_datetime64_any_dtype(ds):
        raise HistoryError("ds must hold datetimes (parse the timestamps first)")
    if ds.isna().any():
        raise HistoryError(f"ds is missing in {describe_rows(ds.index[ds.isna()], row_label)}")
    if isinstance(ds.dtype, pd.DatetimeTZDtype):
        local = ds.dt.tz_convert(timezone or "UTC")
        offsets = local.map(lambda ts: ts.utcoffset().total_seconds() / 60.0)
        return local.dt.tz_localize(None), offsets.astype(float)
    if timezone is None:
        raise HistoryError(
            "ds has no timezone; give the site's timezone so local times can be read "
            f"(first naive {describe_rows(ds.index[:1], row_label)})"
        )
    return ds, pd.Series(0.0, index=ds.index)


def local_to_utc(local: pd.Series | pd.DatetimeIndex, timezone: str) -> pd.DataFrame:
    """Map naive local slot starts to UTC instants.

    Returns a frame with columns ``ds_local`` and ``ds`` (UTC). Local times that do not exist
    (spring-forward gap) are dropped; times that occur twice (fall-back) give two rows.
    """
    local_index = pd.DatetimeIndex(local)
    frame = pd.DataFrame({"ds_local": local_index})
    first = local_index.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT")
    dst = local_index.tz_localize(timezone, ambiguous=True, nonexistent="NaT")
    std = local_index.tz_localize(timezone, ambiguous=False, nonexistent="NaT")
    ambiguous = first.isna() & ~dst.isna() & ~std.isna() & (dst != std)
    parts = [frame.assign(ds=first.tz_convert("UTC"))[~first.isna()]]
    if ambiguous.any():
        parts.append(frame.assign(ds=dst.tz_convert("UTC"))[ambiguous])
        parts.append(frame.assign(ds=std.tz_convert("UTC"))[ambiguous])
    out = pd.concat(parts)
    return out.sort_values(["ds"]).reset_index(drop=True)


def _typical_step_minutes(unique_id: pd.Series, local: pd.Series) -> float | None:
    """The most common step between consecutive rows of a series (None with few rows)."""
    if len(local) < 24:
        return None
    ordered = pd.DataFrame({"unique_id": unique_id, "ds": local}).sort_values(["unique_id", "ds"])
    steps = ordered.groupby("unique_id")["ds"].diff().dropna().dt.total_seconds() / 60.0
    steps = steps[steps > 0]
    return float(steps.mode().iloc[0]) if len(steps) else None


def prepare_history(
    history: pd.DataFrame,
    *,
    interval_minutes: int,
    timezone: str | None = None,
    row_label: str = "row",
) -> PreparedHistory:
    """Validate the history frame and put it on a regular local grid of whole days.

    Raises `HistoryError` naming the rows (by index label) that break the contract.
    """
    check_interval_minutes(interval_minutes)
    check_timezone(timezone)
    _check_frame(history, row_label)
    counts, has_handle_time = _checked_counts(history, row_label)
    local, offsets = to_local_wall_clock(history["ds"], timezone, row_label)
    unique_id = history["unique_id"].astype(str)
    _refuse_duplicate_timestamps(unique_id, local, offsets, history.index, row_label)
    _refuse_coarser_resolution(unique_id, local, interval_minutes)

    slots = _sum_into_slots(unique_id, local, offsets, counts, interval_minutes)
    grid, first_day, last_day = _regular_grid(slots, interval_minutes)
    observed_rows = grid.loc[grid["observed"]]
    frame, queue_last_observed = _from_first_data(grid, observed_rows)
    tz_name = timezone or "UTC"
    return PreparedHistory(
        frame=frame[list(_PREPARED_COLUMNS)],
        interval_minutes=interval_minutes,
        timezone=tz_name,
        first_day=first_day,
        last_day=last_day,
        history_start_utc=_local_to_utc_instant(observed_rows["ds"].min(), tz_name),
        history_end_utc=_local_to_utc_instant(
            observed_rows["ds"].max() + pd.Timedelta(minutes=interval_minutes), tz_name
        ),
        has_handle_time=has_handle_time,
        queue_last_observed=queue_last_observed,
    )


def _check_frame(history: pd.DataFrame, row_label: str) -> None:
    """A non-empty DataFrame with the required columns and a series code on every row."""
    if not isinstance(history, pd.DataFrame):
        raise HistoryError("history must be a pandas DataFrame")
    missing = [column for column in REQUIRED_COLUMNS if column not in history.columns]
    if missing:
        raise HistoryError(f"history lacks column(s) {', '.join(missing)}")
    if history.empty:
        raise HistoryError("history has no rows")
    if history["unique_id"].isna().any():
        bad = history.index[history["unique_id"].isna()]
        raise HistoryError(f"unique_id is missing in {describe_rows(bad, row_label)}")


def _checked_counts(history: pd.DataFrame, row_label: str) -> tuple[dict[str, pd.Series], bool]:
    """``y``, ``handled`` and ``handle_seconds`` as checked floats (the last two NaN when the
    frame lacks either), and whether the frame has handle time."""
    offered = _numeric_column(history, "y", row_label, required=True)
    has_handle_time = all(column in history.columns for column in OPTIONAL_COLUMNS)
    handled = (
        _numeric_column(history, "handled", row_label, required=False).fillna(0.0)
        if has_handle_time
        else pd.Series(np.nan, index=history.index)
    )
    handle_seconds = (
        _numeric_column(history, "handle_seconds", row_label, required=False).fillna(0.0)
        if has_handle_time
        else pd.Series(np.nan, index=history.index)
    )
    counts = {"y": offered, "handled": handled, "handle_seconds": handle_seconds}
    return counts, has_handle_time


def _refuse_duplicate_timestamps(
    unique_id: pd.Series,
    local: pd.Series,
    offsets: pd.Series,
    labels: pd.Index,
    row_label: str,
) -> None:
    """A series may count each instant once (the repeated local hour has two UTC offsets)."""
    key = pd.DataFrame({"unique_id": unique_id, "ds": local, "offset": offsets})
    duplicated = key.duplicated(keep=False)
    if duplicated.any():
        raise HistoryError(
            f"duplicate timestamps for the same series in "
            f"{describe_rows(labels[duplicated], row_label)}"
        )


def _refuse_coarser_resolution(
    unique_id: pd.Series, local: pd.Series, interval_minutes: int
) -> None:
    """History recorded at a coarser grain than the planning interval cannot be split."""
    minute_of_day = (local.dt.hour * 60 + local.dt.minute).to_numpy()
    resolution = int(np.gcd.reduce(np.append(minute_of_day.astype(np.int64), 24 * 60)))
    if (
        resolution > interval_minutes
        and resolution % interval_minutes == 0
        and _typical_step_minutes(unique_id, local) == resolution
    ):
        raise HistoryError(
            f"history is at {resolution}-minute resolution, coarser than "
            f"interval_minutes={interval_minutes}; use interval_minutes={resolution} or more"
        )


def _sum_into_slots(
    unique_id: pd.Series,
    local: pd.Series,
    offsets: pd.Series,
    counts: dict[str, pd.Series],
    interval_minutes: int,
) -> pd.DataFrame:
    """The counts per series and local slot, indexed by (``unique_id``, ``ds``)."""
    freq = f"{interval_minutes}min"
    rows = pd.DataFrame(
        {
            "unique_id": unique_id.to_numpy(),
            "ds": local.dt.floor(freq).to_numpy(),
            "offset": offsets.to_numpy(),
            **{column: values.to_numpy() for column, values in counts.items()},
        }
    )
    # Sum finer rows into the interval; a local slot seen twice (the repeated hour when clocks
    # go back) is averaged so the wall-clock pattern keeps its usual scale.
    summed = rows.groupby(["unique_id", "ds", "offset"], sort=False).sum(min_count=1)
    return summed.groupby(level=["unique_id", "ds"], sort=True).mean()


def _local_slot_starts(first_day: date, n_days: int, interval_minutes: int) -> np.ndarray:
    """Naive local starts of every slot of ``n_days`` days from ``first_day``, in order."""
    spd = slots_per_day(interval_minutes)
    day_starts = pd.date_range(pd.Timestamp(first_day), periods=n_days, freq="D")
    return (
        day_starts.to_numpy()[:, None]
        + (np.arange(spd) * interval_minutes * 60_000_000_000).astype("timedelta64[ns]")[None, :]
    ).ravel()


def _regular_grid(slots: pd.DataFrame, interval_minutes: int) -> tuple[pd.DataFrame, date, date]:
    """Every queue over every slot of the common days (NaN counts where no row existed), with
    ``observed`` and the calendar columns; and the first and last day."""
    first_day = slots.index.get_level_values("ds").min().date()
    last_day = slots.index.get_level_values("ds").max().date()
    n_days = (last_day - first_day).days + 1
    ids = list(dict.fromkeys(slots.index.get_level_values("unique_id")))
    grid_local = _local_slot_starts(first_day, n_days, interval_minutes)
    grid = pd.MultiIndex.from_product(
        [ids, pd.DatetimeIndex(grid_local)], names=["unique_id", "ds"]
    )
    frame = slots.reindex(grid).reset_index()
    frame["observed"] = frame["y"].notna()
    _add_calendar_columns(frame, first_day, n_days, slots_per_day(interval_minutes), len(ids))
    return frame, first_day, last_day


def _add_calendar_columns(
    frame: pd.DataFrame, first_day: date, n_days: int, spd: int, n_queues: int
) -> None:
    """``day_index``, ``slot``, ``dow`` and ``dom`` on a grid of queues x days x slots."""
    epoch_day = (pd.Timestamp(first_day) - pd.Timestamp("1970-01-01")).days
    per_queue = n_days * spd
    day_offsets = np.repeat(np.arange(n_days), spd)
    frame["day_index"] = np.tile(epoch_day + day_offsets, n_queues).astype(np.int64)
    frame["slot"] = np.tile(np.arange(spd), n_days * n_queues).astype(np.int64)
    dow = np.array([(first_day + timedelta(days=int(d))).weekday() for d in range(n_days)])
    dom = np.array([(first_day + timedelta(days=int(d))).day for d in range(n_days)])
    frame["dow"] = np.tile(np.repeat(dow, spd), n_queues).astype(np.int64)
    frame["dom"] = np.tile(np.repeat(dom, spd), n_queues).astype(np.int64)
    assert len(frame) == per_queue * n_queues


def _from_first_data(
    grid: pd.DataFrame, observed_rows: pd.DataFrame
) -> tuple[pd.DataFrame, dict[str, date]]:
    """The grid with each queue starting on its own first day with data (no invented history
    before it), and each queue's last observed day."""
    last_seen = observed_rows.groupby("unique_id")["ds"].max()
    first_seen = observed_rows.groupby("unique_id")["day_index"].min()
    queue_last_observed = {str(queue): moment.date() for queue, moment in last_seen.items()}
    frame = grid.loc[grid["day_index"] >= grid["unique_id"].map(first_seen)].reset_index(drop=True)
    return frame, queue_last_observed


def _local_to_utc_instant(local: pd.Timestamp, timezone: str) -> datetime:
    aware = pd.Timestamp(local).tz_localize(timezone, ambiguous=True, nonexistent="shift_forward")
    return aware.tz_convert("UTC").to_pydatetime()


def day_of(day_index: int) -> date:
    return date(1970, 1, 1) + timedelta(days=int(day_index))


def day_index_of(day: date) -> int:
    return (day - date(1970, 1, 1)).days


def future_grid(
    unique_ids: Sequence[str], start_day: date, n_days: int, interval_minutes: int
) -> pd.DataFrame:
    """The local slot grid of the horizon, with the calendar columns the models read."""
    spd = slots_per_day(interval_minutes)
    local = _local_slot_starts(start_day, n_days, interval_minutes)
    per_queue = len(local)
    days = [start_day + timedelta(days=d) for d in range(n_days)]
    n_queues = len(unique_ids)
    frame = pd.DataFrame(
        {
            "unique_id": np.repeat(np.asarray(unique_ids, dtype=object), per_queue),
            "ds": np.tile(local, n_queues),
            "day_index": np.tile(np.repeat([day_index_of(day) for day in days], spd), n_queues),
            "slot": np.tile(np.arange(spd), n_days * n_queues),
            "dow": np.tile(np.repeat([day.weekday() for day in days], spd), n_queues),
            "dom": np.tile(np.repeat([day.day for day in days], spd), n_queues),
        }
    )
    for column in ("day_index", "slot", "dow", "dom"):
        frame[column] = frame[column].astype(np.int64)
    return frame


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


__all__ = [
    "ALLOWED_INTERVAL_MINUTES",
    "HistoryError",
    "PreparedHistory",
    "ceil_div",
    "day_index_of",
    "day_of",
    "describe_rows",
    "future_grid",
    "local_to_utc",
    "prepare_history",
    "slots_per_day",
]
