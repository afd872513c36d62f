"""Adherence: who is out of adherence now, one agent's day minute by minute, and adherence and
conformance per agent over an interval, a day or a week."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from wfm.db.repositories import SiteRepository
from wfm.db.repositories.intraday import AgentStateFeedRepository
from wfm.domain.errors import NotFoundError, ValidationError
from wfm.domain.intraday import (
    AdherenceSummary,
    AgentState,
    AgentStatus,
    MinuteAdherence,
    adherence_by_minute,
    combine,
    status_now,
)
from wfm.services.intraday.clock import _local_day_bounds, local_day, site_now
from wfm.services.intraday.floor import EVENT_LOOKBACK, load_floor


@dataclass(frozen=True, slots=True)
class LiveAdherence:
    as_of_utc: datetime
    scheduled_now: int
    out_of_adherence: int
    # the agents with a plan today: those scheduled now longest out of adherence first, then
    # the absent, those on break or in adherence, those not started, between shifts, finished
    agents: tuple[AgentStatus, ...]
    states: dict[str, int]  # how many agents are in each AgentState


_STATE_ORDER = {
    state: k
    for k, state in enumerate(
        (
            AgentState.OUT_OF_ADHERENCE,
            AgentState.ABSENT,
            AgentState.ON_BREAK,
            AgentState.IN_ADHERENCE,
            AgentState.NOT_STARTED,
            AgentState.OFF_SHIFT,
            AgentState.FINISHED,
        )
    )
}


def live_adherence(
    session: Session,
    *,
    site_code: str,
    at_utc: datetime | None = None,
    tolerance_seconds: float = 60.0,
    only_out: bool = False,
) -> LiveAdherence:
    """Where every agent with a plan today stands now, and who is out of adherence for how long."""
    now = at_utc or site_now(session, site_code)
    site = SiteRepository(session).get(site_code)
    day_start, day_end = _local_day_bounds(site, local_day(site, now))
    start = min(now - EVENT_LOOKBACK, day_start)
    floor = load_floor(session, site_code, start, max(day_end, now + timedelta(minutes=2)), now)
    events = AgentStateFeedRepository(session).events(site_code, start, now + timedelta(seconds=1))
    statuses = []
    for code, plan in floor.plans.items():
        today = [s for s in plan if s.end_utc > day_start and s.start_utc < day_end]
        if not today and not any(s.start_utc <= now < s.end_utc for s in plan):
            continue
        status = status_now(
            code,
            plan,
            events.get(code, []),
            now,
            tolerance_seconds=tolerance_seconds,
            lookback=max(EVENT_LOOKBACK, now - start),
        )
        statuses.append(status)
    statuses.sort(key=lambda s: (-s.out_for_seconds, _STATE_ORDER[s.state], s.agent_code))
    scheduled = [s for s in statuses if s.scheduled]
    out = sum(1 for s in scheduled if not s.in_adherence)
    states = {state.value: sum(1 for s in statuses if s.state == state) for state in AgentState}
    shown = [s for s in statuses if not s.in_adherence] if only_out else statuses
    return LiveAdherence(now, len(scheduled), out, tuple(shown), states)


def _adherence_for_window(
    session: Session,
    site_code: str,
    start: datetime,
    end: datetime,
    agent_code: str | None,
    tolerance_seconds: float,
) -> dict[str, MinuteAdherence]:
    floor = load_floor(session, site_code, start, end, end)
    now = site_now(session, site_code)
    if agent_code is not None and agent_code not in floor.agents:
        raise NotFoundError(f"no agent {agent_code!r} at site {site_code!r}")
    events = AgentStateFeedRepository(session).events(
        site_code, start - EVENT_LOOKBACK, end, agent_code
    )
    codes = set(floor.plans) | set(events)
    if agent_code is not None:
        codes &= {agent_code}
    return {
        code: adherence_by_minute(
            code,
            floor.plans.get(code, []),
            events.get(code, []),
            start,
            end,
            tolerance_seconds=tolerance_seconds,
            until_utc=now,
        )
        for code in sorted(codes)
        if code in floor.agents
    }


def adherence_for_day(
    session: Session, *, site_code: str, day: date, tolerance_seconds: float = 60.0
) -> dict[str, MinuteAdherence]:
    """Every agent's local day minute by minute (agents with a plan or events that day)."""
    site = SiteRepository(session).get(site_code)
    start, end = _local_day_bounds(site, day)
    return _adherence_for_window(session, site_code, start, end, None, tolerance_seconds)


def adherence_minutes(
    session: Session,
    *,
    site_code: str,
    agent_code: str,
    day: date,
    tolerance_seconds: float = 60.0,
) -> MinuteAdherence:
    """One agent's local day, minute by minute."""
    site = SiteRepository(session).get(site_code)
    start, end = _local_day_bounds(site, day)
    result = _adherence_for_window(session, site_code, start, end, agent_code, tolerance_seconds)
    if agent_code in result:
        return result[agent_code]
    return adherence_by_minute(agent_code, [], [], start, end)


def adherence_report(
    session: Session,
    *,
    site_code: str,
    day: date,
    period: str = "day",
    interval_minutes: int = 15,
    agent_code: str | None = None,
    tolerance_seconds: float = 60.0,
) -> list[AdherenceSummary]:
    """Adherence and conformance per agent: per interval or for the local day, or for the local
    week starting on `day` (`period` "interval", "day" or "week")."""
    if period not in ("interval", "day", "week"):
        raise ValidationError("period must be interval, day or week")
    if period == "interval" and interval_minutes not in (15, 30, 60):
        raise ValidationError("interval_minutes must be 15, 30 or 60")
    site = SiteRepository(session).get(site_code)
    days = [day + timedelta(days=i) for i in range(7 if period == "week" else 1)]
    per_agent: dict[str, list[AdherenceSummary]] = {}
    for d in days:
        start, end = _local_day_bounds(site, d)
        for code, minutes in _adherence_for_window(
            session, site_code, start, end, agent_code, tolerance_seconds
        ).items():
            parts = minutes.summarise(interval_minutes if period == "interval" else None)
            per_agent.setdefault(code, []).extend(parts)
    first_start, _ = _local_day_bounds(site, days[0])
    _, last_end = _local_day_bounds(site, days[-1])
    out: list[AdherenceSummary] = []
    for code in sorted(per_agent):
        parts = per_agent[code]
        if period == "week":
            week_minutes = int((last_end - first_start).total_seconds() // 60)
            parts = [
                replace(combine(parts), period_start_utc=first_start, period_minutes=week_minutes)
            ]
        out.extend(p for p in parts if p.scheduled_minutes > 0 or p.worked_minutes > 0)
    return out
