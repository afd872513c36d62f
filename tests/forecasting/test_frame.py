"""The history frame contract: validation, summing to the interval, local time and DST."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting import HistoryError, prepare_history
from forecasting.frame import local_to_utc


def _frame(stamps: list[str], values: list[object], tz: str | None = None) -> pd.DataFrame:
    ds = pd.to_datetime(pd.Series(stamps))
    if tz:
        ds = ds.dt.tz_localize(tz)
    return pd.DataFrame({"unique_id": "A", "ds": ds, "y": values})


def test_finer_rows_are_summed_into_the_interval() -> None:
    stamps = pd.date_range("2024-01-01 09:00", periods=10, freq="6min")
    history = pd.DataFrame({"unique_id": "A", "ds": stamps, "y": np.arange(10.0)})
    prepared = prepare_history(history, interval_minutes=30, timezone="UTC")
    frame = prepared.frame.set_index("ds")
    assert frame.loc[pd.Timestamp("2024-01-01 09:00"), "y"] == 0 + 1 + 2 + 3 + 4
    assert frame.loc[pd.Timestamp("2024-01-01 09:30"), "y"] == 5 + 6 + 7 + 8 + 9
    # a whole day of slots, the ones without rows are "no data", not zero
    assert len(frame) == 48
    assert frame["y"].isna().sum() == 46
    assert (~frame["observed"]).sum() == 46


@settings(max_examples=25, deadline=None)
@given(
    grain=st.sampled_from([1, 3, 5, 6, 10, 15, 30]),
    counts=st.lists(st.integers(min_value=0, max_value=500), min_size=1, max_size=300),
)
def test_summing_keeps_every_contact(grain: int, counts: list[int]) -> None:
    stamps = pd.date_range("2024-03-04 07:00", periods=len(counts), freq=f"{grain}min")
    history = pd.DataFrame({"unique_id": "A", "ds": stamps, "y": counts})
    prepared = prepare_history(history, interval_minutes=30, timezone="Europe/Paris")
    assert prepared.frame["y"].sum() == sum(counts)
    assert len(prepared.frame) % 48 == 0


def test_coarser_input_than_the_interval_is_refused() -> None:
    stamps = pd.date_range("2024-01-01", periods=48, freq="60min")
    history = pd.DataFrame({"unique_id": "A", "ds": stamps, "y": 1.0})
    with pytest.raises(HistoryError, match="60-minute resolution"):
        prepare_history(history, interval_minutes=30, timezone="UTC")


def test_naive_times_need_a_timezone() -> None:
    with pytest.raises(HistoryError, match="no timezone"):
        prepare_history(_frame(["2024-01-01 09:00"], [1]), interval_minutes=30)


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        ([1, "many", 3, "x"], "y is not a number in rows 1, 3"),
        ([1, -2, 3, 4], "y is negative in row 1"),
        ([1, None, 3, 4], "y is missing in row 1"),
        ([1, float("inf"), 3, 4], "y is infinite in row 1"),
    ],
)
def test_bad_counts_name_their_rows(values: list[object], fragment: str) -> None:
    stamps = ["2024-01-01 09:00", "2024-01-01 09:30", "2024-01-01 10:00", "2024-01-01 10:30"]
    with pytest.raises(HistoryError, match=fragment):
        prepare_history(_frame(stamps, values), interval_minutes=30, timezone="UTC")


def test_duplicate_timestamps_name_their_rows() -> None:
    stamps = ["2024-01-01 09:00", "2024-01-01 09:30", "2024-01-01 09:00"]
    with pytest.raises(HistoryError, match="duplicate timestamps .* rows 0, 2"):
        prepare_history(_frame(stamps, [1, 2, 3]), interval_minutes=30, timezone="UTC")


def test_row_labels_can_be_file_lines() -> None:
    history = _frame(["2024-01-01 09:00", "2024-01-01 09:30"], [1, -1])
    history.index = [2, 3]
    with pytest.raises(HistoryError, match="negative in line 3"):
        prepare_history(history, interval_minutes=30, timezone="UTC", row_label="line")


def test_bad_settings_are_refused() -> None:
    history = _frame(["2024-01-01 09:00"], [1])
    with pytest.raises(HistoryError, match="interval_minutes"):
        prepare_history(history, interval_minutes=20, timezone="UTC")
    with pytest.raises(HistoryError, match="unknown timezone"):
        prepare_history(history, interval_minutes=30, timezone="Mars/Olympus")
    with pytest.raises(HistoryError, match="lacks column"):
        prepare_history(history.drop(columns=["y"]), interval_minutes=30, timezone="UTC")


def test_aware_times_are_read_on_the_local_clock() -> None:
    history = _frame(["2024-07-01 06:00"], [5], tz="UTC")
    prepared = prepare_history(history, interval_minutes=30, timezone="Europe/Amsterdam")
    row = prepared.frame[prepared.frame["observed"]].iloc[0]
    assert row["ds"] == pd.Timestamp("2024-07-01 08:00")  # UTC+2 in summer
    assert row["dow"] == 0 and row["dom"] == 1
    assert prepared.history_start_utc == pd.Timestamp("2024-07-01T06:00Z").to_pydatetime()
    assert prepared.history_end_utc == pd.Timestamp("2024-07-01T06:30Z").to_pydatetime()


def test_the_repeated_hour_in_autumn_is_averaged_not_doubled() -> None:
    # 27 Oct 2024, Amsterdam: 02:00-03:00 local happens twice (00:00Z and 01:00Z)
    history = _frame(["2024-10-27 00:00", "2024-10-27 01:00"], [10, 10], tz="UTC")
    prepared = prepare_history(history, interval_minutes=30, timezone="Europe/Amsterdam")
    observed = prepared.frame[prepared.frame["observed"]]
    assert list(observed["ds"]) == [pd.Timestamp("2024-10-27 02:00")]
    assert observed["y"].iloc[0] == 10


def test_local_slots_map_back_to_utc_across_both_changes() -> None:
    spring = pd.date_range("2024-03-31", periods=48, freq="30min")
    autumn = pd.date_range("2024-10-27", periods=48, freq="30min")
    spring_utc = local_to_utc(spring, "Europe/Amsterdam")
    autumn_utc = local_to_utc(autumn, "Europe/Amsterdam")
    assert len(spring_utc) == 46  # 02:00 and 02:30 do not exist
    assert len(autumn_utc) == 50  # 02:00 and 02:30 happen twice
    assert spring_utc["ds"].is_unique and autumn_utc["ds"].is_unique
    assert spring_utc["ds"].diff().dropna().eq(pd.Timedelta("30min")).all()
    assert autumn_utc["ds"].diff().dropna().eq(pd.Timedelta("30min")).all()


def test_queues_start_on_their_own_first_day() -> None:
    a = _frame(["2024-01-01 09:00", "2024-01-05 09:00"], [1, 2])
    b = _frame(["2024-01-04 09:00"], [3]).assign(unique_id="B")
    prepared = prepare_history(pd.concat([a, b]), interval_minutes=60, timezone="UTC")
    assert prepared.queue_days() == {"A": 5, "B": 2}
    assert prepared.last_day == date(2024, 1, 5)
