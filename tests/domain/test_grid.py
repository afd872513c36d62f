"""Local days and the interval grid across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from wfm.domain.grid import (
    interval_starts_utc,
    local_date,
    local_day_bounds_utc,
    local_midnight_utc,
    week_bounds_utc,
)

DUBLIN = ZoneInfo("Europe/Dublin")


def test_days_of_23_and_25_hours() -> None:
    spring = local_day_bounds_utc(date(2026, 3, 29), DUBLIN)
    autumn = local_day_bounds_utc(date(2026, 10, 25), DUBLIN)
    assert spring[1] - spring[0] == timedelta(hours=23)
    assert autumn[1] - autumn[0] == timedelta(hours=25)
    assert local_midnight_utc(date(2026, 7, 1), DUBLIN) == datetime(2026, 6, 30, 23, tzinfo=UTC)


def test_a_week_with_the_spring_change_has_four_quarter_hours_fewer() -> None:
    start, end = week_bounds_utc(date(2026, 3, 23), DUBLIN)
    assert len(interval_starts_utc(start, end, 15)) == 7 * 96 - 4


def test_interval_starts_cover_a_partial_last_interval() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    starts = interval_starts_utc(start, start + timedelta(minutes=40), 15)
    assert starts == [start + timedelta(minutes=m) for m in (0, 15, 30)]
    assert interval_starts_utc(start, start, 15) == []


@given(
    st.dates(min_value=date(1971, 1, 1), max_value=date(2099, 12, 30)),
    st.sampled_from(["Europe/Dublin", "Australia/Lord_Howe", "Asia/Kathmandu", "America/Santiago"]),
)
def test_local_day_bounds_round_trip(day: date, name: str) -> None:
    zone = ZoneInfo(name)
    start, end = local_day_bounds_utc(day, zone)
    assert local_date(start, zone) == day
    assert local_date(end - timedelta(microseconds=1), zone) == day
    assert timedelta(hours=22) <= end - start <= timedelta(hours=26)
