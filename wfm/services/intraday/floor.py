"""The floor: each agent's skills and their published and effective plans over a window, and the
day's plan as a whole (the live-day simulator and the dashboard read it)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from wfm.db.repositories import AgentRepository, CampaignRepository, QueueRepository, SiteRepository
from wfm.db.repositories.intraday import (
    FloorAgentRow,
    FloorRepository,
    PlanChangeRepository,
    StoredPlanChange,
)
from wfm.domain import Campaign, Queue, Site
from wfm.domain.intraday import ChangeKind, PlanChange, PlanSpan, apply_change, effective_plan
from wfm.services.intraday.clock import _local_day_bounds, local_day, site_now
from wfm.services.intraday.reforecast import DayForecast, day_forecast

EVENT_LOOKBACK = timedelta(hours=16)  # the state before a window is read from this far back


@dataclass(frozen=True, slots=True)
class Floor:
    site: Site
    now_utc: datetime
    agents: dict[str, FloorAgentRow]
    changes: list[StoredPlanChange]
    published: dict[str, Sequence[PlanSpan]]  # the published roster, approved time off applied
    plans: dict[str, Sequence[PlanSpan]]  # the effective plan: with the authorised changes


def _approved_absences(
    session: Session, agent_codes: Iterable[str], start: datetime, end: datetime
) -> dict[str, list[PlanChange]]:
    wanted = set(agent_codes)
    out: dict[str, list[PlanChange]] = {}
    for t in AgentRepository(session).time_off(start, end):
        if t.approved and t.agent_code in wanted:
            out.setdefault(t.agent_code, []).append(
                PlanChange(
                    t.agent_code,
                    t.start_utc,
                    t.end_utc,
                    None,
                    kind=ChangeKind.EXCEPTION,
                    reason=t.reason,
                )
            )
    return out


# Published rosters as plans, per (database, site, three local days around a day, roster stamp): the
# roster changes only when one is published, so every request of a day shares the work.
_ROSTER_CACHE: dict[tuple[Any, ...], dict[str, tuple[PlanSpan, ...]]] = {}
_ROSTER_CACHE_SIZE = 8


def _published_plans(
    session: Session, site: Site, start_utc: datetime, end_utc: datetime
) -> dict[str, tuple[PlanSpan, ...]]:
    repo = FloorRepository(session)
    day_start, _ = _local_day_bounds(site, local_day(site, start_utc))
    lo, hi = day_start - timedelta(days=1), day_start + timedelta(days=2)
    if not (lo <= start_utc and end_utc <= hi):  # a long window: no cache
        shifts = repo.published_shifts(site.code, start_utc, end_utc)
        return {code: tuple(effective_plan(s)) for code, s in shifts.items()}
    key = (repo.database_identity(), site.code, lo, repo.published_stamp(site.code))
    cached = _ROSTER_CACHE.get(key)
    if cached is None:
        shifts = repo.published_shifts(site.code, lo, hi)
        cached = {code: tuple(effective_plan(s)) for code, s in shifts.items()}
        while len(_ROSTER_CACHE) >= _ROSTER_CACHE_SIZE:
            _ROSTER_CACHE.pop(next(iter(_ROSTER_CACHE)))
        _ROSTER_CACHE[key] = cached
    return cached


_AGENTS_CACHE: dict[tuple[Any, ...], dict[str, FloorAgentRow]] = {}


def _floor_agents(session: Session, site_code: str) -> dict[str, FloorAgentRow]:
    """The site's active agents with their skills (cached while the agents stamp holds)."""
    repo = FloorRepository(session)
    key = (repo.database_identity(), site_code, repo.agents_stamp(site_code))
    cached = _AGENTS_CACHE.get(key)
    if cached is None:
        cached = repo.agents(site_code)
        for old in [k for k in _AGENTS_CACHE if k[:2] == key[:2]]:
            del _AGENTS_CACHE[old]
        _AGENTS_CACHE[key] = cached
    return cached


def load_floor(
    session: Session, site_code: str, start_utc: datetime, end_utc: datetime, now_utc: datetime
) -> Floor:
    """Agents and their published and effective plans over [start_utc, end_utc) (the spans of
    the shifts overlapping it; agents without one are left out)."""
    site = SiteRepository(session).get(site_code)
    agents = _floor_agents(session, site_code)
    roster = _published_plans(session, site, start_utc, end_utc)
    # Agents with a shift in the window, with their whole plan (spans outside the window do
    # not count anywhere: adherence, the live list and the recommendation look inside it).
    shift_spans = {
        code: spans
        for code, spans in roster.items()
        if code in agents and any(s.start_utc < end_utc and s.end_utc > start_utc for s in spans)
    }
    changes = PlanChangeRepository(session).list(site_code, start_utc, end_utc)
    absences = _approved_absences(session, shift_spans, start_utc, end_utc)
    by_agent: dict[str, list[PlanChange]] = {}
    for stored in changes:
        by_agent.setdefault(stored.change.agent_code, []).append(stored.change)
    published: dict[str, Sequence[PlanSpan]] = {}
    plans: dict[str, Sequence[PlanSpan]] = {}
    for code, spans in shift_spans.items():
        plan: Sequence[PlanSpan] = spans
        for absence in absences.get(code, []):
            plan = apply_change(plan, absence)
        published[code] = plan
        for change in by_agent.get(code, []):
            plan = apply_change(plan, change)
        plans[code] = plan
    return Floor(site, now_utc, agents, changes, published, plans)


# --- the day's plan as a whole (the live-day simulator and the dashboard read it) -------------


@dataclass(frozen=True, slots=True)
class DayPlan:
    site: Site
    day: date
    forecast: DayForecast
    queues: tuple[Queue, ...]
    campaigns: tuple[Campaign, ...]
    agents: dict[str, FloorAgentRow]
    plans: dict[str, list[PlanSpan]]


def day_plan(session: Session, *, site_code: str, day: date) -> DayPlan:
    """The forecast, queues, campaigns and each agent's effective plan for the local day."""
    site = SiteRepository(session).get(site_code)
    start, end = _local_day_bounds(site, day)
    forecast = day_forecast(session, site_code, day)
    floor = load_floor(session, site_code, start, end, site_now(session, site_code))
    return DayPlan(
        site=site,
        day=day,
        forecast=forecast,
        queues=tuple(QueueRepository(session).list(site_code)),
        campaigns=tuple(CampaignRepository(session).list(site_code)),
        agents=floor.agents,
        plans={
            code: [s for s in plan if s.start_utc < end and s.end_utc > start]
            for code, plan in floor.plans.items()
        },
    )
