"""Small builders shared by the intraday tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from wfm.domain import Activity, ActivitySpan, Shift, ShiftBreak
from wfm.intraday import DEFAULT_STATE_MAPPING, StateEvent

DAY = date(2026, 11, 9)


def t(hhmm: str, seconds: int = 0) -> datetime:
    """A UTC moment on the test day: t("10:15", 30) is 10:15:30."""
    hours, minutes = (int(p) for p in hhmm.split(":"))
    return datetime(DAY.year, DAY.month, DAY.day, hours, minutes, tzinfo=UTC) + timedelta(
        seconds=seconds
    )


def shift(
    start: str,
    end: str,
    activities: list[tuple[str, str, Activity]] | None = None,
    breaks: list[tuple[str, str, str]] | None = None,
    agent: str = "A1",
) -> Shift:
    return Shift(
        agent_code=agent,
        shift_date=DAY,
        start_utc=t(start),
        end_utc=t(end),
        breaks=tuple(ShiftBreak(t(s), t(e), kind) for s, e, kind in (breaks or [])),
        activities=tuple(
            ActivitySpan(
                t(s),
                t(e),
                a,
                queue_code="Q1" if a is Activity.SERVE else None,
                campaign_code="C1" if a is Activity.SELL else None,
            )
            for s, e, a in (activities or [])
        ),
    )


_counter = [0]


def ev(
    at: datetime, state: str, reason: str | None = None, agent: str = "A1", event_id: str = ""
) -> StateEvent:
    _counter[0] += 1
    return StateEvent(
        event_id=event_id or f"e{_counter[0]}",
        agent_code=agent,
        occurred_at_utc=at,
        state=state,
        activity=DEFAULT_STATE_MAPPING.activity_of(state, reason),
        reason=reason,
    )
