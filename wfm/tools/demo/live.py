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
from zoneinfo import ZoneInfo


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


__all__ = (
    "history_end_for",
    "today_at",
    "week_start_of",
)
