"""The interval grid and local days: where a site's local day or week begins and ends in UTC,
and the interval starts between two instants.

Every stored instant is timezone-aware UTC; a local day is the span between two local midnights
of the site's timezone, so it lasts 23 or 25 hours on daylight-saving changes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def local_midnight_utc(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant at which the local `day` begins in `zone` (the first, if it occurs
    twice)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def local_day_bounds_utc(day: date, zone: ZoneInfo, days: int = 1) -> tuple[datetime, datetime]:
    """[start, end) in UTC of `days` local days from `day`."""
    return local_midnight_utc(day, zone), local_midnight_utc(day + timedelta(days=days), zone)


def week_bounds_utc(week_start: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the seven local days from `week_start`."""
    return local_day_bounds_utc(week_start, zone, days=7)


def local_date(instant_utc: datetime, zone: ZoneInfo) -> date:
    """The local calendar day of an instant."""
    return instant_utc.astimezone(zone).date()


def interval_starts_utc(
    start_utc: datetime, end_utc: datetime, interval_minutes: int
) -> list[datetime]:
    """The starts of the intervals of `interval_minutes` from `start_utc` up to `end_utc`."""
    step = timedelta(minutes=interval_minutes)
    count = max(0, -(-(end_utc - start_utc) // step))
    return [start_utc + i * step for i in range(count)]
