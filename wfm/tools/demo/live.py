"""The demo's live week: which days are history, which day is today.

`make demo` opens on the current week: the demo's generated history ends on the Sunday before
the machine's date (`history_end_for`), the forecast, requirements and published roster cover
the week that starts the next day (the current Monday-started week), and the week's days before
today are then played through the published roster and imported as interval history
(`wfm.services.demo_week.play_past_days`, `wfm demo-catch-up`), so the history ends on the day
before the machine's date.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

# The site's unplanned shrinkage when the site stores none (absence, lateness, unplanned aux).
DEFAULT_UNPLANNED_SHRINKAGE = 0.10


def today_at(timezone: str, now_utc: datetime | None = None) -> date:
    """The machine's date in the site's timezone (`now_utc` for a fixed clock)."""
    now = now_utc if now_utc is not None else datetime.now(UTC)
    return now.astimezone(ZoneInfo(timezone)).date()


def week_start_of(day: date) -> date:
    """The Monday that starts the day's week (weeks start on Monday, `wfm.domain.grid`)."""
    return day - timedelta(days=day.weekday())


def history_end_for(today: date) -> date:
    """The last day of generated history for a demo opened on `today`: the Sunday before
    today's week, so the forecast and the roster start on the current week's Monday."""
    return week_start_of(today) - timedelta(days=1)


def unplanned_shrinkage_of(site: Any) -> float:
    """The site's unplanned shrinkage, or DEFAULT_UNPLANNED_SHRINKAGE when it stores none."""
    value = getattr(site, "unplanned_shrinkage", None)
    return DEFAULT_UNPLANNED_SHRINKAGE if value is None else float(value)


__all__ = (
    "DEFAULT_UNPLANNED_SHRINKAGE",
    "history_end_for",
    "today_at",
    "unplanned_shrinkage_of",
    "week_start_of",
)
