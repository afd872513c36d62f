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


# Every site's week runs Monday to Sunday in the site's timezone (`date.weekday()` numbering):
# rosters are built and published per such week, and published weeks never overlap.
WEEK_FIRST_WEEKDAY = 0
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def week_start_problem(day: date, zone: ZoneInfo) -> str | None:
    """Why a site's week (in `zone`) cannot begin on `day`, in words, or None when it can: the
    day must be the first weekday of the site's week, and the week and the weeks either side of
    it (rostering reads the week before) must lie inside the calendar, not at its very ends."""
    first = WEEKDAY_NAMES[WEEK_FIRST_WEEKDAY]
    if day.weekday() != WEEK_FIRST_WEEKDAY:
        return (
            f"{day} is a {WEEKDAY_NAMES[day.weekday()]}; the site's weeks start on {first} "
            f"(local), so give a {first}"
        )
    try:
        local_day_bounds_utc(day - timedelta(days=7), zone, days=21)
    except (OverflowError, ValueError):
        return f"the week of {day} lies too near an end of the calendar (years 1 and 9999)"
    return None


def is_week_start(day: date, zone: ZoneInfo) -> bool:
    """Whether a site's week (in `zone`) begins on `day`: see `week_start_problem`."""
    return week_start_problem(day, zone) is None
