"""Adherence: who is out of adherence now, one agent's day minute by minute, adherence and
conformance per agent over an interval, a day or a week, and over a range of days for the site,
each day, team and queue (`adherence_over_days`, the executive's figure)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from wfm.db.repositories import AgentRepository, SiteRepository
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
from wfm.services.intraday.floor import EVENT_LOOKBACK, Floor, load_floor


@dataclass(frozen=True, slots=True)
class LiveAdherence:
    as_of_utc: datetime
    scheduled_now: int
    out_of_adherence: int
    # the agents with a plan today: those scheduled now longest out of adherence first, then
    # the absent, those on break or in adherence, those not started, between shifts, finished
    agents: tuple[AgentStatus, ...]
    states: dict[str, int]  # how many agents are in each AgentState
    # the site's latest agent event of the day so far; None: no state has arrived today, so
    # the states read every scheduled agent as absent (the feed may be down)
    last_event_utc: datetime | None = None


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
    arrived = [
        e.occurred_at_utc
        for found in events.values()
        for e in found
        if day_start <= e.occurred_at_utc <= now
    ]
    return LiveAdherence(now, len(scheduled), out, tuple(shown), states, max(arrived, default=None))


def _adherence_for_window(
    session: Session,
    site_code: str,
    start: datetime,
    end: datetime,
    agent_code: str | None,
    tolerance_seconds: float,
) -> dict[str, MinuteAdherence]:
    return _window(session, site_code, start, end, agent_code, tolerance_seconds).minutes


@dataclass(frozen=True, slots=True)
class _Window:
    minutes: dict[str, MinuteAdherence]  # per agent with a plan or events in the window
    floor: Floor
    now_utc: datetime  # the site clock: time from here on counts as nothing
    reporting: frozenset[str]  # agents with a state event inside the window (before now)


def _window(
    session: Session,
    site_code: str,
    start: datetime,
    end: datetime,
    agent_code: str | None,
    tolerance_seconds: float,
) -> _Window:
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
    minutes = {
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
    reporting = frozenset(
        code
        for code in minutes
        if any(start <= e.occurred_at_utc < min(end, now) for e in events.get(code, []))
    )
    return _Window(minutes, floor, now, reporting)


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


# --- adherence over days, by team and queue (the executive's figure) ------------------------

MAX_RANGE_DAYS = 31


@dataclass(frozen=True, slots=True)
class AdherenceTotals:
    """Adherence and conformance of a group of agents: the sums of its agents' minutes."""

    agents: int  # agents with scheduled time in the span so far
    scheduled_minutes: float
    adherent_minutes: float
    scheduled_work_minutes: float
    worked_minutes: float

    @property
    def adherence(self) -> float | None:
        return self.adherent_minutes / self.scheduled_minutes if self.scheduled_minutes else None

    @property
    def conformance(self) -> float | None:
        if not self.scheduled_work_minutes:
            return None
        return self.worked_minutes / self.scheduled_work_minutes

    def __add__(self, other: AdherenceTotals) -> AdherenceTotals:
        return AdherenceTotals(
            self.agents + other.agents,
            self.scheduled_minutes + other.scheduled_minutes,
            self.adherent_minutes + other.adherent_minutes,
            self.scheduled_work_minutes + other.scheduled_work_minutes,
            self.worked_minutes + other.worked_minutes,
        )


NO_TIME = AdherenceTotals(0, 0.0, 0.0, 0.0, 0.0)


def _slice_totals(m: MinuteAdherence, first: int, stop: int) -> AdherenceTotals:
    """One agent's minutes [first, stop) of its window, summed."""
    part = slice(first, stop)
    scheduled = float(m.scheduled_seconds[part].sum()) / 60.0
    return AdherenceTotals(
        agents=1 if scheduled > 0 else 0,
        scheduled_minutes=scheduled,
        adherent_minutes=float(m.adherent_seconds[part].sum()) / 60.0,
        scheduled_work_minutes=float(m.scheduled_work_seconds[part].sum()) / 60.0,
        worked_minutes=float(m.worked_seconds[part].sum()) / 60.0,
    )


@dataclass(frozen=True, slots=True)
class RangeAdherence:
    site_code: str
    timezone: str
    start: date
    end: date  # exclusive
    as_of_utc: datetime  # the site clock: later time is not counted
    tolerance_seconds: float
    agents_reporting: int  # agents with a state event in the range (before as_of_utc)
    total: AdherenceTotals
    days: tuple[tuple[date, AdherenceTotals], ...]  # the range's local days begun by as_of_utc
    # by the agents' team; agents without one by their queue skills: (team, queue skills)
    teams: tuple[tuple[tuple[str, tuple[str, ...]], AdherenceTotals], ...]
    queues: tuple[tuple[str, AdherenceTotals], ...]  # the agents skilled on each queue


def adherence_over_days(
    session: Session,
    *,
    site_code: str,
    start: date,
    end: date,
    tolerance_seconds: float = 60.0,
) -> RangeAdherence:
    """Adherence and conformance of the site's agents over local days [start, end), counting
    elapsed time only (to the site clock's now), with the sums of `adherence_report`: for the
    site, each day, each team (agents without a team: grouped by their queue skills) and each
    queue (the agents skilled on it; an agent of two queues counts in both)."""
    if end <= start:
        raise ValidationError(f"end ({end}) must be after start ({start})")
    if (end - start).days > MAX_RANGE_DAYS:
        raise ValidationError(
            f"end: adherence covers at most {MAX_RANGE_DAYS} days; asked for {(end - start).days}"
        )
    site = SiteRepository(session).get(site_code)
    days = [start + timedelta(days=i) for i in range((end - start).days)]
    bounds = [_local_day_bounds(site, d)[0] for d in days] + [_local_day_bounds(site, end)[0]]
    window = _window(session, site_code, bounds[0], bounds[-1], None, tolerance_seconds)
    cuts = [int((b - bounds[0]).total_seconds()) // 60 for b in bounds]
    per_day = [NO_TIME] * len(days)
    team_of = AgentRepository(session).teams(site_code)
    teams: dict[tuple[str, tuple[str, ...]], AdherenceTotals] = {}
    team_skills: dict[str, set[str]] = {}
    queues: dict[str, AdherenceTotals] = {}
    total = NO_TIME
    for code, minutes in window.minutes.items():
        whole = _slice_totals(minutes, 0, cuts[-1])
        if not whole.scheduled_minutes and not whole.worked_minutes:
            continue
        total += whole
        for k in range(len(days)):
            per_day[k] += _slice_totals(minutes, cuts[k], cuts[k + 1])
        skills = tuple(sorted(window.floor.agents[code].queue_skills))
        team = team_of.get(code, "")
        if team:
            team_skills.setdefault(team, set()).update(skills)
        key = (team, () if team else skills)
        teams[key] = teams.get(key, NO_TIME) + whole
        for queue in skills:
            queues[queue] = queues.get(queue, NO_TIME) + whole
    return RangeAdherence(
        site_code=site_code,
        timezone=site.timezone,
        start=start,
        end=end,
        as_of_utc=window.now_utc,
        tolerance_seconds=tolerance_seconds,
        agents_reporting=len(window.reporting),
        total=total,
        days=tuple((d, per_day[k]) for k, d in enumerate(days) if bounds[k] < window.now_utc),
        teams=tuple(
            sorted(
                ((team, tuple(sorted(team_skills[team])) if team else skills), totals)
                for (team, skills), totals in teams.items()
            )
        ),
        queues=tuple(sorted(queues.items())),
    )
