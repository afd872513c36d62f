"""Intraday use-cases: the state feed, queue snapshots, adherence, reforecast, the sell/serve
recommendation, switches and exceptions, and the auto mode.

Every function takes a session and works inside the caller's transaction (repositories flush,
the caller commits). Times are the **site clock**: the real clock, unless a simulated clock was set
for the site (`set_clock`), which the live-day simulator does so that a whole day can be played
fast; every "now" below is the site clock's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy.orm import Session

from wfm.db.repositories import (
    AgentRepository,
    CampaignRepository,
    ForecastRepository,
    QueueRepository,
    SiteRepository,
)
from wfm.db.repositories.intraday import (
    AgentStateFeedRepository,
    CurrentState,
    FloorAgentRow,
    FloorRepository,
    IntradaySettings,
    IntradaySettingsRepository,
    PlanChangeRepository,
    QueueSnapshotRepository,
    RecommendationLogRepository,
    ReforecastRepository,
    StoredPlanChange,
)
from wfm.domain import Activity, Campaign, ForecastRun, Queue, Site
from wfm.domain.errors import NotFoundError, ValidationError
from wfm.domain.intraday import (
    AdherenceSummary,
    AgentMove,
    AgentStatus,
    AutoLimits,
    ChangeKind,
    Direction,
    FloorAgent,
    IngestLimits,
    MinuteAdherence,
    PlanChange,
    PlanSpan,
    QueueLoad,
    QueueSnapshot,
    RawEvent,
    Recommendation,
    RecommendationConfig,
    Reforecast,
    ReforecastConfig,
    Rejection,
    RejectReason,
    StateEvent,
    StateMapping,
    actual_offered_from_snapshots,
    adherence_by_minute,
    apply_change,
    combine,
    effective_plan,
    moves_within_limits,
    recommend,
    reforecast_queue,
    screen_batch,
    status_now,
    switch_change,
)
from wfm.domain.intraday.states import ActualActivity

DEFAULT_PATIENCE_SECONDS = 120.0
EVENT_LOOKBACK = timedelta(hours=16)  # the state before a window is read from this far back
MAX_SWITCH = timedelta(hours=4)  # a switch without an end lasts at most this long
AUTO_EVERY = timedelta(minutes=5)  # the auto mode re-evaluates at most this often
SNAPSHOT_FRESH = timedelta(minutes=10)  # contacts waiting count only from a recent snapshot


# --- clock and settings ----------------------------------------------------------------------


def _real_now() -> datetime:
    return datetime.now(UTC)


def clock_now(settings: IntradaySettings, real_now_utc: datetime) -> datetime:
    """The site clock: simulated when a clock was set, else the real time."""
    if (
        settings.clock_start_utc is not None
        and settings.clock_anchor_utc is not None
        and settings.clock_speed is not None
    ):
        elapsed = real_now_utc - settings.clock_anchor_utc
        return settings.clock_start_utc + elapsed * settings.clock_speed
    return real_now_utc


def site_now(session: Session, site_code: str, real_now_utc: datetime | None = None) -> datetime:
    settings = IntradaySettingsRepository(session).get(site_code)
    return clock_now(settings, real_now_utc or _real_now())


def set_clock(
    session: Session,
    *,
    site_code: str,
    now_utc: datetime | None,
    speed: float = 1.0,
    updated_by: str = "",
    real_now_utc: datetime | None = None,
) -> IntradaySettings:
    """Start a simulated clock at `now_utc` running `speed` times real time (0 holds it still;
    `now_utc` None goes back to real time)."""
    if now_utc is not None and now_utc.tzinfo is None:
        raise ValidationError("now_utc must carry a timezone")
    if not 0 <= speed <= 10_000:
        raise ValidationError("speed must be in [0, 10000]")
    repo = IntradaySettingsRepository(session)
    real = real_now_utc or _real_now()
    current = repo.get(site_code)
    if now_utc is None:
        updated = replace(current, clock_start_utc=None, clock_anchor_utc=None, clock_speed=None)
    else:
        updated = replace(
            current, clock_start_utc=now_utc, clock_anchor_utc=real, clock_speed=float(speed)
        )
    repo.save(updated, updated_by=updated_by, at_utc=real)
    return updated


def get_settings(session: Session, site_code: str) -> IntradaySettings:
    return IntradaySettingsRepository(session).get(site_code)


def update_settings(
    session: Session, *, site_code: str, changes: Mapping[str, Any], updated_by: str = ""
) -> IntradaySettings:
    """Change the auto mode limits and/or the ACD state mapping of a site."""
    allowed = {
        "auto_enabled",
        "auto_max_agents_per_move",
        "auto_max_agents_switched",
        "auto_allow_to_serve",
        "auto_allow_to_sell",
        "state_mapping",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    for name in ("auto_max_agents_per_move", "auto_max_agents_switched"):
        if name in changes and not (isinstance(changes[name], int) and changes[name] >= 0):
            raise ValidationError(f"{name} must be an integer >= 0")
    if changes.get("state_mapping") is not None:
        state_mapping_from(changes["state_mapping"])  # raises ValidationError when malformed
    repo = IntradaySettingsRepository(session)
    updated = replace(repo.get(site_code), **dict(changes))
    repo.save(updated, updated_by=updated_by, at_utc=_real_now())
    return updated


def state_mapping_from(table: Mapping[str, Any] | None) -> StateMapping:
    """A site's ACD mapping: {"states": {state: activity}, "reasons": [[state, reason, activity]]}
    laid over the default table."""
    if not table:
        return StateMapping()
    try:
        states = dict(table.get("states") or {})
        reasons = {(str(s), str(r)): str(a) for s, r, a in (table.get("reasons") or [])}
        return StateMapping.from_tables(states, reasons)
    except (ValueError, TypeError, AttributeError) as exc:
        raise ValidationError(f"state_mapping: {exc}") from None


# --- the state feed ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EventIngestResult:
    received: int
    accepted: int
    rejections: tuple[Rejection, ...]

    @property
    def duplicates(self) -> int:
        return sum(1 for r in self.rejections if r.reason is RejectReason.DUPLICATE)


def ingest_agent_events(
    session: Session,
    *,
    events: Sequence[RawEvent],
    limits: IngestLimits = IngestLimits(),
    real_now_utc: datetime | None = None,
) -> EventIngestResult:
    """Store what can be stored of a batch; the rest is rejected per item with its reason."""
    real = real_now_utc or _real_now()
    feed = AgentStateFeedRepository(session)
    agents = feed.agents(e.agent_code for e in events)
    settings = IntradaySettingsRepository(session).by_site_id()
    known = feed.known_events(e.event_id for e in events)
    latest_ids = feed.latest_by_agent(ref.id for ref in agents.values())
    latest = {code: latest_ids[ref.id] for code, ref in agents.items() if ref.id in latest_ids}

    # An id repeated within the batch is screened once (its first occurrence).
    first_index: dict[str, int] = {}
    groups: dict[int | None, list[int]] = {}
    repeated: list[int] = []
    for i, e in enumerate(events):
        if e.event_id in first_index:
            repeated.append(i)
            continue
        first_index[e.event_id] = i
        ref = agents.get(e.agent_code)
        groups.setdefault(ref.site_id if ref else None, []).append(i)

    rejections: list[Rejection] = []
    accepted: list[StateEvent] = []
    for site_id, indexes in groups.items():
        site_settings = settings.get(site_id) if site_id is not None else None
        now = clock_now(site_settings, real) if site_settings else real
        mapping = state_mapping_from(site_settings.state_mapping if site_settings else None)
        screened = screen_batch(
            [events[i] for i in indexes],
            now_utc=now,
            known_agents=agents,
            known_events=known,
            latest_by_agent=latest,
            mapping=mapping,
            limits=limits,
        )
        accepted.extend(screened.accepted)
        rejections.extend(replace(r, index=indexes[r.index]) for r in screened.rejections)
    for i in repeated:
        e = events[i]
        first = events[first_index[e.event_id]]
        same = (first.agent_code, first.occurred_at_utc, first.state, first.reason or None) == (
            e.agent_code,
            e.occurred_at_utc,
            e.state,
            e.reason or None,
        )
        rejections.append(
            Rejection(
                i,
                e.event_id,
                RejectReason.DUPLICATE if same else RejectReason.CONFLICTING_DUPLICATE,
                f"event {e.event_id!r} appears more than once in the batch"
                + ("" if same else " with different content"),
            )
        )
    feed.add(accepted, {code: ref.id for code, ref in agents.items()}, real)
    rejections.sort(key=lambda r: r.index)
    return EventIngestResult(len(events), len(accepted), tuple(rejections))


@dataclass(frozen=True, slots=True)
class SnapshotRejection:
    index: int
    queue_code: str
    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class SnapshotIngestResult:
    received: int
    accepted: int
    rejections: tuple[SnapshotRejection, ...]
    auto_applied: tuple[AgentMove, ...] = ()


def ingest_queue_snapshots(
    session: Session,
    *,
    snapshots: Sequence[QueueSnapshot],
    limits: IngestLimits = IngestLimits(),
    real_now_utc: datetime | None = None,
) -> SnapshotIngestResult:
    """Store queue snapshots (idempotent by queue and time); bad items are rejected per item.

    When a site's auto mode is on, it is evaluated here too (at most every 5 site-clock minutes).
    """
    real = real_now_utc or _real_now()
    repo = QueueSnapshotRepository(session)
    queues = repo.queue_ids(s.queue_code for s in snapshots)
    settings = IntradaySettingsRepository(session).by_site_id()
    rejections: list[SnapshotRejection] = []
    candidates: list[tuple[int, QueueSnapshot]] = []
    seen: set[tuple[int, datetime]] = set()
    skew = timedelta(seconds=limits.max_clock_skew_seconds)
    for i, s in enumerate(snapshots):
        if s.queue_code not in queues:
            rejections.append(
                SnapshotRejection(i, s.queue_code, "unknown_queue", f"no queue {s.queue_code!r}")
            )
            continue
        if s.observed_at_utc.tzinfo is None:
            rejections.append(
                SnapshotRejection(i, s.queue_code, "naive_timestamp", "observed_at has no timezone")
            )
            continue
        queue_id, site_id = queues[s.queue_code]
        site_settings = settings.get(site_id)
        now = clock_now(site_settings, real) if site_settings else real
        if s.observed_at_utc > now + skew:
            ahead = (s.observed_at_utc - now).total_seconds()
            rejections.append(
                SnapshotRejection(
                    i,
                    s.queue_code,
                    "clock_skew",
                    f"snapshot is {ahead:.0f} s ahead of the server clock "
                    f"(limit {limits.max_clock_skew_seconds:g} s)",
                )
            )
            continue
        key = (queue_id, s.observed_at_utc)
        if key in seen:
            rejections.append(
                SnapshotRejection(i, s.queue_code, "duplicate", "repeated within the batch")
            )
            continue
        seen.add(key)
        candidates.append((i, s))
    stored = repo.existing((queues[s.queue_code][0], s.observed_at_utc) for _, s in candidates)
    fresh: list[QueueSnapshot] = []
    for i, s in candidates:
        if (queues[s.queue_code][0], s.observed_at_utc) in stored:
            rejections.append(
                SnapshotRejection(
                    i, s.queue_code, "duplicate", "a snapshot of this queue at this time exists"
                )
            )
        else:
            fresh.append(s)
    repo.add(fresh, {code: qid for code, (qid, _) in queues.items()}, real)
    rejections.sort(key=lambda r: r.index)

    applied: list[AgentMove] = []
    site_ids = {queues[s.queue_code][1] for s in fresh}
    for site_id in sorted(site_ids):
        site_settings = settings.get(site_id)
        if site_settings is None or not site_settings.auto_enabled:
            continue
        now = clock_now(site_settings, real)
        last = RecommendationLogRepository(session).list(site_settings.site_code, limit=1)
        if last and now - last[0]["as_of_utc"] < AUTO_EVERY:
            continue
        try:
            result = run_auto_mode(session, site_code=site_settings.site_code, at_utc=now)
        except NotFoundError:
            continue  # no forecast for the day: nothing to recommend
        applied.extend(result.applied)
    return SnapshotIngestResult(len(snapshots), len(fresh), tuple(rejections), tuple(applied))


# --- the floor: plans, states, skills ----------------------------------------------------------


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


# Published rosters as plans, per (site, three local days around a day, roster stamp): the
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
    key = (site.code, lo, repo.published_stamp(site.code))
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
    key = (site_code, repo.agents_stamp(site_code))
    cached = _AGENTS_CACHE.get(key)
    if cached is None:
        cached = repo.agents(site_code)
        for old in [k for k in _AGENTS_CACHE if k[0] == site_code]:
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


def _local_day_bounds(site: Site, day: date) -> tuple[datetime, datetime]:
    tz = ZoneInfo(site.timezone)
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return start, end


def local_day(site: Site, at_utc: datetime) -> date:
    return at_utc.astimezone(ZoneInfo(site.timezone)).date()


# --- adherence -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LiveAdherence:
    as_of_utc: datetime
    scheduled_now: int
    out_of_adherence: int
    agents: tuple[AgentStatus, ...]  # scheduled agents, longest out of adherence first


def live_adherence(
    session: Session,
    *,
    site_code: str,
    at_utc: datetime | None = None,
    tolerance_seconds: float = 60.0,
    only_out: bool = False,
) -> LiveAdherence:
    """Who is out of adherence now, and for how long."""
    now = at_utc or site_now(session, site_code)
    start = now - EVENT_LOOKBACK
    floor = load_floor(session, site_code, start, now + timedelta(minutes=2), now)
    events = AgentStateFeedRepository(session).events(site_code, start, now + timedelta(seconds=1))
    statuses = []
    for code, plan in floor.plans.items():
        if not any(s.start_utc <= now < s.end_utc for s in plan):
            continue
        status = status_now(
            code,
            plan,
            events.get(code, []),
            now,
            tolerance_seconds=tolerance_seconds,
            lookback=EVENT_LOOKBACK,
        )
        statuses.append(status)
    statuses.sort(key=lambda s: (-s.out_for_seconds, s.agent_code))
    out = sum(1 for s in statuses if not s.in_adherence)
    shown = [s for s in statuses if not s.in_adherence] if only_out else statuses
    return LiveAdherence(now, len(statuses), out, tuple(shown))


def _adherence_for_window(
    session: Session,
    site_code: str,
    start: datetime,
    end: datetime,
    agent_code: str | None,
    tolerance_seconds: float,
) -> dict[str, MinuteAdherence]:
    floor = load_floor(session, site_code, start, end, end)
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
        )
        for code in sorted(codes)
        if code in floor.agents
    }


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


# --- forecast and reforecast -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DayForecast:
    run: ForecastRun
    interval_minutes: int
    interval_starts_utc: tuple[datetime, ...]
    offered: dict[str, np.ndarray]  # per queue
    aht_seconds: dict[str, np.ndarray]


def day_forecast(session: Session, site_code: str, day: date) -> DayForecast:
    """The latest forecast covering the site's local day (with the planners' manual adjustments
    applied), per queue and interval."""
    site = SiteRepository(session).get(site_code)
    start, end = _local_day_bounds(site, day)
    repo = ForecastRepository(session)
    run = next(
        (
            r
            for r in reversed(repo.runs(site_code))
            if r.horizon_start_utc < end and r.horizon_end_utc > start
        ),
        None,
    )
    if run is None or run.id is None:
        raise NotFoundError(f"no forecast covers {day.isoformat()} for site {site_code!r}")
    minutes = run.interval_minutes
    n = int((end - start).total_seconds() // (minutes * 60))
    starts = tuple(start + timedelta(minutes=minutes * i) for i in range(n))
    index = {s: i for i, s in enumerate(starts)}
    queues = [q.code for q in QueueRepository(session).list(site_code)]
    offered = {q: np.zeros(n) for q in queues}
    aht = {q: np.zeros(n) for q in queues}
    from wfm.services.forecasting import adjusted_values  # manual adjustments on top

    for v in adjusted_values(session, run.id, start_utc=start, end_utc=end):
        i = index.get(v.interval_start_utc)
        if i is None or v.queue_code not in offered:
            continue
        offered[v.queue_code][i] = v.offered
        aht[v.queue_code][i] = v.aht_seconds
    for q in queues:  # closed intervals carry no AHT: use the day's mean so the maths is defined
        positive = aht[q][aht[q] > 0]
        fill = float(positive.mean()) if positive.size else 180.0
        aht[q] = np.where(aht[q] > 0, aht[q], fill)
    return DayForecast(run, minutes, starts, offered, aht)


@dataclass(frozen=True, slots=True)
class DayReforecast:
    as_of_utc: datetime
    forecast: DayForecast
    queues: dict[str, Reforecast]
    latest_snapshots: dict[str, QueueSnapshot]


def reforecast_day(
    session: Session,
    *,
    site_code: str,
    at_utc: datetime | None = None,
    config: ReforecastConfig = ReforecastConfig(),
    store: bool = False,
) -> DayReforecast:
    """Reforecast the rest of the site's local day for every queue (and store it if asked)."""
    now = at_utc or site_now(session, site_code)
    site = SiteRepository(session).get(site_code)
    day = local_day(site, now)
    forecast = day_forecast(session, site_code, day)
    start, _ = _local_day_bounds(site, day)
    snapshots = QueueSnapshotRepository(session).list(site_code, start, now)
    out: dict[str, Reforecast] = {}
    latest: dict[str, QueueSnapshot] = {}
    for queue_code, offered in forecast.offered.items():
        snaps = snapshots.get(queue_code, [])
        actual, latest_at = actual_offered_from_snapshots(
            snaps, forecast.interval_starts_utc, forecast.interval_minutes
        )
        if snaps:
            latest[queue_code] = snaps[-1]
        as_of = latest_at if latest_at is not None else now
        out[queue_code] = reforecast_queue(
            queue_code,
            forecast.interval_starts_utc,
            forecast.interval_minutes,
            offered,
            actual,
            as_of,
            config,
        )
    if store:
        repo = ReforecastRepository(session)
        for queue_code, r in out.items():
            repo.replace(
                queue_code,
                [
                    (
                        s,
                        r.interval_minutes,
                        float(r.forecast_offered[i]),
                        None if np.isnan(r.actual_offered[i]) else float(r.actual_offered[i]),
                        float(r.reforecast_offered[i]),
                        r.applied_ratio,
                    )
                    for i, s in enumerate(r.interval_starts_utc)
                ],
                now,
            )
    return DayReforecast(now, forecast, out, latest)


# --- the recommendation ----------------------------------------------------------------------


def campaign_values_now(campaigns: Sequence[Campaign], site: Site, at_utc: datetime) -> dict:
    """Value per scheduled hour (value per productive hour x efficiency) of each campaign whose
    calling window is open at `at_utc` (local time of the site)."""
    local = at_utc.astimezone(ZoneInfo(site.timezone))
    out: dict[str, float] = {}
    for c in campaigns:
        open_now = any(
            w.weekday == local.weekday() and w.start_local <= local.time() < w.end_local
            for w in c.calling_windows
        )
        if not open_now:
            continue
        by_hour = c.value_per_productive_hour_by_hour
        value = by_hour[local.hour] if len(by_hour) == 24 else 0.0
        out[c.code] = float(value) * c.efficiency
    return out


def _queue_load(
    queue: Queue, offered: np.ndarray, aht: np.ndarray, waiting: float, default_patience: float
) -> QueueLoad:
    return QueueLoad(
        queue_code=queue.code,
        offered=[float(x) for x in offered],
        aht_seconds=[float(x) for x in aht],
        service_level_target=queue.service_level_target,
        threshold_seconds=queue.service_threshold_seconds,
        patience_seconds=queue.mean_patience_seconds or default_patience,
        concurrency=max(queue.chat_concurrency, 1),
        contacts_waiting=waiting,
    )


def recommendation(
    session: Session,
    *,
    site_code: str,
    at_utc: datetime | None = None,
    config: RecommendationConfig = RecommendationConfig(),
    reforecast_config: ReforecastConfig = ReforecastConfig(),
    default_patience_seconds: float = DEFAULT_PATIENCE_SECONDS,
) -> Recommendation:
    """The sell/serve move for the site now (see `wfm.domain.intraday.recommendation`)."""
    now = at_utc or site_now(session, site_code)
    day_re = reforecast_day(session, site_code=site_code, at_utc=now, config=reforecast_config)
    forecast = day_re.forecast
    length = timedelta(minutes=forecast.interval_minutes)
    starts = forecast.interval_starts_utc
    current = next((i for i, s in enumerate(starts) if s <= now < s + length), None)
    if current is None:
        raise NotFoundError(f"{now.isoformat()} is outside the forecast day")
    horizon = list(starts[current : current + config.horizon_intervals])
    horizon_end = horizon[-1] + length

    queues = QueueRepository(session).list(site_code)
    loads = []
    for q in queues:
        r = day_re.queues[q.code]
        snap = day_re.latest_snapshots.get(q.code)
        waiting = (
            float(snap.contacts_waiting)
            if snap is not None and now - snap.observed_at_utc <= SNAPSHOT_FRESH
            else 0.0
        )
        # The rest of the current interval runs at the reforecast rate of its remaining part.
        offered = r.reforecast_offered[current : current + len(horizon)].copy()
        if r.current_index == current and r.elapsed_fraction < 1:
            offered[0] = r.forecast_offered[current] * r.applied_ratio
        loads.append(
            _queue_load(
                q,
                offered,
                forecast.aht_seconds[q.code][current : current + len(horizon)],
                waiting,
                default_patience_seconds,
            )
        )

    floor = load_floor(session, site_code, now - EVENT_LOOKBACK, horizon_end, now)
    states = AgentStateFeedRepository(session).current_states(site_code)
    last_switch: dict[str, datetime] = {}
    last_pull: datetime | None = None
    for stored in floor.changes:
        if stored.change.kind is not ChangeKind.SWITCH or stored.created_at_utc > now:
            continue
        code = stored.change.agent_code
        last_switch[code] = max(last_switch.get(code, stored.created_at_utc), stored.created_at_utc)
        if stored.change.activity is Activity.SERVE:
            last_pull = (
                stored.created_at_utc
                if last_pull is None
                else max(last_pull, stored.created_at_utc)
            )
    agents = []
    for code, plan in floor.plans.items():
        if not any(s.start_utc < horizon_end and s.end_utc > now for s in plan):
            continue
        row = floor.agents[code]
        state = states.get(code)
        published_now = next(
            (s.activity for s in floor.published.get(code, []) if s.start_utc <= now < s.end_utc),
            None,
        )
        agents.append(
            FloorAgent(
                agent_code=code,
                queue_skills=row.queue_skills,
                campaign_skills=row.campaign_skills,
                plan=tuple(plan),
                actual=_actual_now(state, now),
                last_switch_utc=last_switch.get(code),
                published_activity_now=published_now,
            )
        )
    campaigns = CampaignRepository(session).list(site_code)
    return recommend(
        now_utc=now,
        interval_starts_utc=horizon,
        interval_minutes=forecast.interval_minutes,
        queues=loads,
        agents=agents,
        campaign_value_now=campaign_values_now(campaigns, floor.site, now),
        last_pull_utc=last_pull,
        config=config,
    )


def _actual_now(state: CurrentState | None, now: datetime) -> ActualActivity | None:
    """The agent's state now; a state time-stamped after `now` is not known yet at `now`."""
    if state is None or state.occurred_at_utc > now:
        return None
    return state.activity


# --- switches and exceptions -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SwitchItem:
    agent_code: str
    queue_code: str | None = None
    campaign_code: str | None = None
    end_utc: datetime | None = None  # this agent's end (else the request's, else the block's)


@dataclass(frozen=True, slots=True)
class ItemRejection:
    index: int
    agent_code: str
    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class SwitchResult:
    start_utc: datetime
    end_utc: datetime | None  # the request's end, if it gave one (each change has its own)
    accepted: tuple[PlanChange, ...]
    rejections: tuple[ItemRejection, ...] = field(default_factory=tuple)


def record_switch(
    session: Session,
    *,
    site_code: str,
    to_activity: Activity,
    items: Sequence[SwitchItem],
    start_utc: datetime | None = None,
    end_utc: datetime | None = None,
    reason: str = "",
    created_by: str = "",
    source: str = "manager",
) -> SwitchResult:
    """Record a sell/serve switch for named agents as an authorised plan change.

    A switch runs from `start_utc` (default: now) to the agent's own `end_utc`, else the
    request's, else the end of the agent's current block of the activity switched from (their
    next break, lunch, shift end or planned change; at most 4 hours).

    Rejected per agent: unknown agents, agents not on shift at the start, agents not planned to
    do the activity they are switched from, agents without the skill (the queue to serve or the
    campaign to sell; a campaign must be calling at the start), an end not after the start.
    """
    if to_activity not in (Activity.SERVE, Activity.SELL):
        raise ValidationError("to must be serve or sell")
    now = site_now(session, site_code)
    start = start_utc or now
    for moment, name in ((start, "start_utc"), (end_utc, "end_utc")):
        if moment is not None and moment.tzinfo is None:
            raise ValidationError(f"{name} must carry a timezone")
    if end_utc is not None and end_utc <= start:
        raise ValidationError("end_utc must be after start_utc")
    ends = [e for e in (end_utc, *(i.end_utc for i in items)) if e is not None]
    window_end = max([start + MAX_SWITCH, *ends])
    floor = load_floor(session, site_code, start - timedelta(hours=1), window_end, now)
    campaigns = CampaignRepository(session).list(site_code)
    open_values = campaign_values_now(campaigns, floor.site, start)
    source_activity = Activity.SELL if to_activity is Activity.SERVE else Activity.SERVE
    accepted: list[PlanChange] = []
    rejections: list[ItemRejection] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        code = item.agent_code

        def reject(reason_code: str, message: str, i: int = i, code: str = code) -> None:
            rejections.append(ItemRejection(i, code, reason_code, message))

        if code in seen:
            reject("duplicate", f"agent {code!r} is named twice")
            continue
        seen.add(code)
        agent = floor.agents.get(code)
        if agent is None:
            reject("unknown_agent", f"no agent {code!r} at site {site_code!r}")
            continue
        span = next(
            (s for s in floor.plans.get(code, []) if s.start_utc <= start < s.end_utc), None
        )
        if span is None:
            reject("not_on_shift", f"agent {code!r} is not on shift at {start.isoformat()}")
            continue
        if span.activity is not source_activity:
            reject(
                f"not_{source_activity.value}ing".replace("serveing", "serving"),
                f"agent {code!r} is planned to {span.activity.value} at {start.isoformat()}, "
                f"not to {source_activity.value}",
            )
            continue
        queue_code = campaign_code = None
        if to_activity is Activity.SERVE:
            queue_code = item.queue_code or (
                min(agent.queue_skills) if agent.queue_skills else None
            )
            if queue_code is None or queue_code not in agent.queue_skills:
                reject(
                    "no_skill",
                    f"agent {code!r} has no skill for queue {queue_code!r}"
                    if queue_code
                    else f"agent {code!r} has no queue skill",
                )
                continue
        else:
            open_skills = [c for c in agent.campaign_skills if c in open_values]
            campaign_code = item.campaign_code or (
                max(open_skills, key=lambda c: (open_values[c], c)) if open_skills else None
            )
            if campaign_code is None:
                reject("no_skill", f"agent {code!r} has no skill for a campaign calling now")
                continue
            if campaign_code not in agent.campaign_skills:
                reject("no_skill", f"agent {code!r} has no skill for campaign {campaign_code!r}")
                continue
            if campaign_code not in open_values:
                reject("campaign_closed", f"campaign {campaign_code!r} is not calling now")
                continue
        end = item.end_utc or end_utc or min(span.end_utc, start + MAX_SWITCH)
        if end <= start:
            reject("invalid_end", f"the end of agent {code!r}'s switch is not after its start")
            continue
        accepted.append(
            switch_change(
                code,
                start,
                end,
                to_activity,
                queue_code=queue_code,
                campaign_code=campaign_code,
                reason=reason,
            )
        )
    if accepted:
        ids = PlanChangeRepository(session).add(
            accepted, source=source, created_by=created_by, created_at_utc=now
        )
        accepted = [replace(c, id=i) for c, i in zip(accepted, ids, strict=True)]
    return SwitchResult(start, end_utc, tuple(accepted), tuple(rejections))


def record_exception(
    session: Session,
    *,
    site_code: str,
    agent_code: str,
    start_utc: datetime,
    end_utc: datetime,
    activity: Activity | None,
    reason: str = "",
    created_by: str = "",
) -> PlanChange:
    """Record an approved exception (a meeting, training, an absence) over an agent's shift."""
    if start_utc.tzinfo is None or end_utc.tzinfo is None:
        raise ValidationError("start_utc and end_utc must carry a timezone")
    if end_utc <= start_utc:
        raise ValidationError("end_utc must be after start_utc")
    now = site_now(session, site_code)
    floor = load_floor(session, site_code, start_utc, end_utc, now)
    if agent_code not in floor.agents:
        raise NotFoundError(f"no agent {agent_code!r} at site {site_code!r}")
    if not any(
        s.start_utc < end_utc and s.end_utc > start_utc for s in floor.plans.get(agent_code, [])
    ):
        raise ValidationError(f"agent {agent_code!r} has no shift between those times")
    change = PlanChange(
        agent_code, start_utc, end_utc, activity, kind=ChangeKind.EXCEPTION, reason=reason
    )
    (change_id,) = PlanChangeRepository(session).add(
        [change], source="manager", created_by=created_by, created_at_utc=now
    )
    return replace(change, id=change_id)


def plan_changes(
    session: Session,
    *,
    site_code: str,
    start_utc: datetime,
    end_utc: datetime,
    after_id: int | None = None,
) -> list[StoredPlanChange]:
    """Authorised changes overlapping [start_utc, end_utc), in the order they were recorded
    (only those with an id above `after_id` when given: what is new since the last look)."""
    SiteRepository(session).get(site_code)
    return PlanChangeRepository(session).list(site_code, start_utc, end_utc, after_id=after_id)


# --- auto mode and the intraday cycle --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AutoResult:
    recommendation: Recommendation
    applied: tuple[AgentMove, ...]
    rejections: tuple[ItemRejection, ...] = ()


def _log(session: Session, site_code: str, rec: Recommendation, applied: bool) -> None:
    RecommendationLogRepository(session).add(
        site_code,
        {
            "as_of_utc": rec.as_of_utc,
            "direction": rec.direction.value,
            "agent_count": rec.count,
            "moves": [
                {
                    "agent_code": m.agent_code,
                    "to": m.to_activity.value,
                    "queue_code": m.queue_code,
                    "campaign_code": m.campaign_code,
                }
                for m in rec.moves
            ],
            "message": rec.message,
            "service_level_without": rec.service_level_without,
            "service_level_with": rec.service_level_with,
            "answer_rate_without": rec.answer_rate_without,
            "answer_rate_with": rec.answer_rate_with,
            "applied_by_auto": applied,
            "created_at": _real_now(),
        },
    )


def run_auto_mode(
    session: Session, *, site_code: str, at_utc: datetime | None = None
) -> AutoResult:
    """Apply the recommendation within the limits the floor manager set (nothing when off)."""
    now = at_utc or site_now(session, site_code)
    settings = IntradaySettingsRepository(session).get(site_code)
    rec = recommendation(session, site_code=site_code, at_utc=now)
    limits = AutoLimits(
        enabled=settings.auto_enabled,
        max_agents_per_move=settings.auto_max_agents_per_move,
        max_agents_switched=settings.auto_max_agents_switched,
        allow_to_serve=settings.auto_allow_to_serve,
        allow_to_sell=settings.auto_allow_to_sell,
    )
    switched_now = sum(
        1
        for s in PlanChangeRepository(session).list(site_code, now, now + timedelta(seconds=1))
        if s.change.kind is ChangeKind.SWITCH
        and s.change.activity is Activity.SERVE
        and s.created_at_utc <= now
    )
    moves = moves_within_limits(rec, limits, switched_now)
    applied: list[AgentMove] = []
    rejected: list[ItemRejection] = []
    if moves:
        to = Activity.SERVE if rec.direction is Direction.TO_SERVE else Activity.SELL
        result = record_switch(
            session,
            site_code=site_code,
            to_activity=to,
            items=[
                SwitchItem(m.agent_code, m.queue_code, m.campaign_code, m.until_utc) for m in moves
            ],
            start_utc=now,
            reason=f"auto: {rec.message}",
            created_by="auto",
            source="auto",
        )
        done = {c.agent_code for c in result.accepted}
        applied = [m for m in moves if m.agent_code in done]
        rejected = list(result.rejections)
    _log(session, site_code, rec, bool(applied))
    return AutoResult(rec, tuple(applied), tuple(rejected))


def intraday_cycle(
    session: Session, *, site_code: str | None = None, at_utc: datetime | None = None
) -> dict[str, Any]:
    """The worker's periodic intraday job: store each site's reforecast, run its auto mode."""
    sites = [site_code] if site_code else [s.code for s in SiteRepository(session).list()]
    summary: dict[str, Any] = {}
    for code in sites:
        now = at_utc or site_now(session, code)
        try:
            reforecast_day(session, site_code=code, at_utc=now, store=True)
        except NotFoundError as exc:
            summary[code] = {"skipped": str(exc)}
            continue
        entry: dict[str, Any] = {"reforecast_at": now.isoformat()}
        if IntradaySettingsRepository(session).get(code).auto_enabled:
            result = run_auto_mode(session, site_code=code, at_utc=now)
            entry["auto_applied"] = [m.agent_code for m in result.applied]
            entry["auto_message"] = result.recommendation.message
        summary[code] = entry
    return summary


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
