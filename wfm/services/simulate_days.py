"""Simulated days on the floor, head to head: the published roster played call by call under a
floor policy (`wfm simulate-days`, `bench/simulate_days_bench.py`; docs/intraday.md, "Simulated
days").

The published week (the latest published schedule) has seven days; day k of the run replays its
day k mod 7 with its own random draw (the seed and k), so a run longer than a week gives every
weekday several different days. A day is played as `wfm.services.demo_week.play_day` and
`tests/intraday/test_surge.py` play one:

- agents absent for the day are drawn at the schedule's unplanned shrinkage (its week's);
- the day's calls are the forecast times the day's surprise (`draw_surprise`: day-level noise and
  sometimes an intraday surge), drawn once through each queue's `QueueModel` simulator, so every
  policy meets the same calls (common random numbers);
- interval by interval, the queues are reforecast from what has arrived
  (`reforecast_queue`, its prior centred on the run's days before, as the live service centres
  it on the stored days before today), the policy is asked, and its moves are applied to the
  plans as switches;
  the servers of an interval are the agents planned to serve at its middle;
- the whole day is then simulated with those servers (same seed: same calls);
- the agents selling (published or switched, in the campaign's calling window) make attempts,
  contacts and sales drawn from what the site's dialer attempts of the 28 days before the week
  say (`wfm.domain.outbound.simulate`), with the same uniforms for every policy.

Policies: **money** (`recommend`, with the floor's economics: `floor_economics`, and each
queue's answer-rate floor for the day: `_with_floors`), **threshold** (`threshold_moves`, the
rule before money) and **never** (no moves). A day's answer-rate target is **reachable** when
the day played with every agent present serving and none selling meets it
(`_target_reachable`).

A day's **net value** = outbound revenue + answered contacts x each queue's value per answered
contact − the roster's under-target penalty (`Problem.under_target_penalty_per_agent_hour` of
the schedule's problem) x the agent-hours each queue was short of the servers the calls that
arrived needed (its queue model's requirement). Nothing is written to the database.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy.orm import Session

from wfm.db.repositories import DialerAttemptRepository, ScheduleRepository
from wfm.domain import Activity, Campaign, ScheduleStatus, Site
from wfm.domain.errors import NotFoundError, ValidationError
from wfm.domain.grid import week_bounds_utc
from wfm.domain.intraday import (
    FloorAgent,
    FloorEconomics,
    QueueLoad,
    RecentDays,
    RecommendationConfig,
    apply_change,
    recommend,
    reforecast_queue,
    switch_change,
)
from wfm.domain.intraday.day_target import QueueDay, answered, with_day_floors
from wfm.domain.intraday.dayplay import (
    DaySurprise,
    calling_until,
    draw_surprise,
    selling_by_interval,
    serving_by_interval,
)
from wfm.domain.intraday.livesim import SimQueue, servers_at, simulate_day
from wfm.domain.intraday.plan import PlanSpan
from wfm.domain.intraday.recommendation import AgentMove
from wfm.domain.intraday.threshold import OpenCampaign, threshold_moves
from wfm.domain.money import DEFAULT_CURRENCY
from wfm.domain.outbound import AttemptTable, OutboundEstimates, estimate_outbound
from wfm.domain.outbound.simulate import SellingSlot, SellingTotals, draw_selling
from wfm.domain.queue_model import QueueModel
from wfm.services.intraday.economics import floor_economics
from wfm.services.intraday.floor import DayPlan, day_plan
from wfm.services.schedule_views import schedule_problem
from wfm.services.selling_value import DEFAULT_LOOKBACK_DAYS
from wfm.tools.demo import calibration as cal

POLICIES = ("money", "threshold", "never")
MAX_DAYS = 366
WEEK_DAYS = 7
MAX_SEGMENTS = 8  # uniforms drawn per selling slot: three per segment of its campaign
Progress = Callable[[float, str], None]


@dataclass(frozen=True, slots=True)
class SimulatedDay:
    """One day played under one policy."""

    index: int
    day: date  # the published day it replays
    policy: str
    surprise: str
    offered: float
    answered: float
    answered_within_threshold: float
    answer_rate: float
    service_level: float
    answer_rate_by_queue: dict[str, float]
    answer_rate_met: bool | None  # every queue with an answer-rate target met it (None: none has)
    roster_meets_answer_rate: bool | None  # the roster's prediction for the forecast meets it
    outbound_revenue: float
    attempts: int
    contacts: int
    sales: int
    answered_value: float
    short_agent_hours: float
    target_penalty: float
    net_value: float
    pulls: int
    releases: int
    sell_hours: float


@dataclass(frozen=True, slots=True)
class PolicyRun:
    policy: str
    days: tuple[SimulatedDay, ...]

    def summary(self) -> dict[str, float | int]:
        offered = sum(d.offered for d in self.days)
        return {
            "days": len(self.days),
            "offered": offered,
            "answered": sum(d.answered for d in self.days),
            "answer_rate": sum(d.answered for d in self.days) / offered if offered else 1.0,
            "service_level": (
                sum(d.answered_within_threshold for d in self.days) / offered if offered else 1.0
            ),
            "outbound_revenue": sum(d.outbound_revenue for d in self.days),
            "answered_value": sum(d.answered_value for d in self.days),
            "target_penalty": sum(d.target_penalty for d in self.days),
            "short_agent_hours": sum(d.short_agent_hours for d in self.days),
            "net_value": sum(d.net_value for d in self.days),
            "pulls": sum(d.pulls for d in self.days),
            "releases": sum(d.releases for d in self.days),
            "sell_hours": sum(d.sell_hours for d in self.days),
            "days_target_met": sum(1 for d in self.days if d.answer_rate_met),
        }


@dataclass(frozen=True, slots=True)
class Simulation:
    site_code: str
    week_start: date
    seed: int
    currency: str
    under_target_penalty_per_agent_hour: float
    runs: dict[str, PolicyRun]
    # per day: the day played with every agent present serving, none selling, meets every
    # queue's answer-rate target (None: no queue has one)
    target_reachable: tuple[bool | None, ...]

    def missed_where_reachable(self, policy: str) -> list[int]:
        """The days (indices) the policy missed the answer-rate target though the roster could
        meet it."""
        return [
            d.index
            for d, reachable in zip(self.runs[policy].days, self.target_reachable, strict=True)
            if reachable and d.answer_rate_met is False
        ]

    def summary(self, policy: str) -> dict[str, Any]:
        """The policy's totals, the days its target was met and could be, and the days it
        missed a reachable target."""
        missed = self.missed_where_reachable(policy)
        return {
            **self.runs[policy].summary(),
            "days_target_reachable": sum(1 for r in self.target_reachable if r),
            "days_missed_where_reachable": missed,
            "holds_target_on_reachable_days": not missed,
        }

    def comparison(self) -> dict[str, bool] | None:
        """Whether money's net value beats threshold's and never-switch's and money holds the
        answer-rate target on every reachable day (None unless all three were played)."""
        if not all(p in self.runs for p in POLICIES):
            return None
        net = {p: self.runs[p].summary()["net_value"] for p in POLICIES}
        return {
            "money_beats_threshold": net["money"] > net["threshold"],
            "money_beats_never": net["money"] > net["never"],
            "money_holds_target_on_reachable_days": not self.missed_where_reachable("money"),
        }


@dataclass
class _Week:
    """What every day of the run shares: the published week and what the data says."""

    site: Site
    week_start: date
    penalty: float
    shrinkage: float
    estimates: OutboundEstimates
    segment_shares: dict[str, dict[str, float]]
    typed_values: dict[str, tuple[float, ...]]
    plans: dict[date, DayPlan] = field(default_factory=dict)
    economics: dict[date, FloorEconomics] = field(default_factory=dict)
    roster_meets: dict[date, bool | None] = field(default_factory=dict)


@dataclass
class _World:
    """One simulated day, the same for every policy."""

    index: int
    plan: DayPlan
    surprise: DaySurprise
    queues: list[SimQueue]
    models: dict[str, QueueModel]  # memoised for the day: the projections share their cells
    plans: dict[str, list[PlanSpan]]  # the agents present
    default_queue: dict[str, str | None]
    arrived: dict[str, np.ndarray]
    uniforms: np.ndarray
    agent_index: dict[str, int]
    seed: int
    recent: dict[str, RecentDays] = field(default_factory=dict)  # the run's days before


def check_request(days: int, policies: Sequence[str]) -> None:
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError(f"days must be between 1 and {MAX_DAYS}, got {days}")
    unknown = [p for p in policies if p not in POLICIES]
    if unknown:
        raise ValidationError(f"unknown policy {unknown[0]!r}; policies: {', '.join(POLICIES)}")


def simulate_days(
    session: Session,
    *,
    site_code: str,
    days: int,
    policies: Sequence[str],
    seed: int,
    progress: Progress | None = None,
) -> Simulation:
    """Play `days` days of the published week under each policy (see the module docstring);
    the never-switch policy is always played too (the baseline), and each day once more with
    every agent present serving (`_target_reachable`: could the roster meet the target)."""
    check_request(days, policies)
    week = _load_week(session, site_code)
    wanted = list(dict.fromkeys([*policies, "never"]))
    played: dict[str, list[SimulatedDay]] = {p: [] for p in wanted}
    reachable: list[bool | None] = []
    extra_hours: dict[str, dict[str, float]] = {p: {} for p in wanted}
    past: dict[str, list[tuple[float, float]]] = {}  # per queue: (arrived, forecast) per day
    for k in range(days):
        day = week.week_start + timedelta(days=k % WEEK_DAYS)
        world = _world(session, week, k, day, seed)
        world.recent = {
            code: RecentDays(tuple(a for a, _ in totals), tuple(f for _, f in totals))
            for code, totals in past.items()
        }
        for code, arrived in world.arrived.items():
            planned = world.plan.forecast.offered.get(code)
            forecast_total = 0.0 if planned is None else float(np.sum(planned))
            past.setdefault(code, []).append((float(np.sum(arrived)), forecast_total))
        if k % WEEK_DAYS == 0:  # a new simulated week: the weekly caps start again
            extra_hours = {p: {} for p in wanted}
        for policy in wanted:
            played[policy].append(_play(session, week, world, policy, extra_hours[policy]))
        reachable.append(_target_reachable(world))
        if progress is not None:
            parts = ", ".join(f"{p} {played[p][-1].net_value:,.0f}" for p in wanted)
            progress((k + 1) / days, f"day {k + 1}/{days} ({day}, {world.surprise.text}): {parts}")
    return Simulation(
        site_code=site_code,
        week_start=week.week_start,
        seed=seed,
        currency=DEFAULT_CURRENCY,
        under_target_penalty_per_agent_hour=week.penalty,
        runs={p: PolicyRun(p, tuple(played[p])) for p in wanted},
        target_reachable=tuple(reachable),
    )


def _load_week(session: Session, site_code: str) -> _Week:
    """The latest published schedule's week, its problem's penalty and shrinkage, the outbound
    estimates of the attempts before it."""
    repo = ScheduleRepository(session)
    published = [s for s in repo.list(site_code) if s.status is ScheduleStatus.PUBLISHED]
    if not published:
        raise NotFoundError(
            f"site {site_code!r} has no published roster; build and publish one with "
            "`wfm schedule --publish`"
        )
    latest = max(published, key=lambda s: s.created_at_utc)
    assert latest.id is not None
    schedule = repo.get(latest.id)
    problem = schedule_problem(session, schedule).problem
    if not any(q.contacts for q in problem.queues):
        raise NotFoundError(f"no forecast covers the published week of {schedule.week_start}")
    plan = day_plan(session, site_code=site_code, day=schedule.week_start)  # raises: no forecast
    start_utc, _ = week_bounds_utc(schedule.week_start, ZoneInfo(plan.site.timezone))
    campaigns = [c for c in plan.campaigns if c.calling_windows]
    records = (
        DialerAttemptRepository(session).list(
            campaign_codes=[c.code for c in campaigns],
            start_utc=start_utc - timedelta(days=DEFAULT_LOOKBACK_DAYS),
            end_utc=start_utc,
        )
        if campaigns
        else []
    )
    estimates = estimate_outbound(AttemptTable.from_records(records, plan.site.timezone))
    counts = Counter((r.campaign_code, r.segment_code) for r in records)
    shares: dict[str, dict[str, float]] = {}
    for c in campaigns:
        shares[c.code] = (
            {c.segment_code: 1.0}
            if c.segment_code is not None
            else {s: float(n) for (code, s), n in counts.items() if code == c.code}
        )
    return _Week(
        site=plan.site,
        week_start=schedule.week_start,
        penalty=problem.under_target_penalty_per_agent_hour(),
        shrinkage=problem.shrinkage,
        estimates=estimates,
        segment_shares=shares,
        typed_values={c.code: tuple(c.value_per_productive_hour_by_hour) for c in campaigns},
    )


def _day_plan(session: Session, week: _Week, day: date) -> DayPlan:
    """The published day's plan, and (once) the roster's predicted answer rate against its
    target: the planned servers on the forecast, under the schedule's shrinkage."""
    if day not in week.plans:
        plan = day_plan(session, site_code=week.site.code, day=day)
        week.plans[day] = plan
        week.roster_meets[day] = _roster_meets(plan, week.shrinkage)
    return week.plans[day]


def _roster_meets(plan: DayPlan, shrinkage: float) -> bool | None:
    forecast = plan.forecast
    starts = list(forecast.interval_starts_utc)
    length = timedelta(minutes=forecast.interval_minutes)
    default_queue = {c: _default_queue(plan, c) for c in plan.plans}
    codes = [q.code for q in plan.queues]
    rostered = serving_by_interval(plan.plans, default_queue, starts, length, codes)
    verdicts = []
    for queue in plan.queues:
        model = QueueModel.of_queue(queue, plan.site, forecast.interval_minutes)
        target = model.answer_rate_target
        calls = np.asarray(forecast.offered.get(queue.code, np.zeros(len(starts))))
        if target is None or calls.sum() <= 0:
            continue
        busy = calls > 0
        kpis = model.kpis_under_absence(
            calls[busy],
            forecast.aht_seconds[queue.code][busy],
            rostered[queue.code][busy],
            shrinkage,
        )
        assert kpis.answer_rate is not None
        rate = float((calls[busy] * np.asarray(kpis.answer_rate)).sum() / calls.sum())
        verdicts.append(rate >= target - 1e-9)
    return all(verdicts) if verdicts else None


def _default_queue(plan: DayPlan, code: str) -> str | None:
    row = plan.agents.get(code)
    return next(iter(sorted(row.queue_skills)), None) if row is not None else None


def _world(session: Session, week: _Week, k: int, day: date, seed: int) -> _World:
    """Day k of the run: the published day's plan, who is absent, the surprise and the calls."""
    plan = _day_plan(session, week, day)
    forecast = plan.forecast
    starts = list(forecast.interval_starts_utc)
    rng = np.random.default_rng([seed, k])
    codes = sorted(code for code, spans in plan.plans.items() if spans)
    absent = {code for code in codes if rng.random() < week.shrinkage}
    plans = {code: list(plan.plans[code]) for code in codes if code not in absent}
    surprise = draw_surprise(rng, starts, plan.site.timezone, cal.DAY_NOISE_LOG_SD)
    models = {
        q.code: QueueModel.of_queue(q, plan.site, forecast.interval_minutes).memoised()
        for q in plan.queues
    }
    zeros = np.zeros(len(starts))
    queues = [
        SimQueue(
            models[q.code],
            list(np.asarray(forecast.offered.get(q.code, zeros)) * surprise.factors),
            list(np.asarray(forecast.aht_seconds.get(q.code, zeros))),
        )
        for q in plan.queues
    ]
    day_seed = seed * 1000 + k
    # the simulator draws the calls before it runs: what arrives does not depend on staffing
    idle = {q.queue_code: np.zeros(len(starts), dtype=np.int64) for q in queues}
    arrived = simulate_day(queues, idle, interval_minutes=forecast.interval_minutes, seed=day_seed)
    agent_index = {code: i for i, code in enumerate(plans)}
    uniforms = rng.random((max(1, len(plans)) * len(starts), 3 * MAX_SEGMENTS))
    return _World(
        index=k,
        plan=plan,
        surprise=surprise,
        queues=queues,
        models=models,
        plans=plans,
        default_queue={c: _default_queue(plan, c) for c in plans},
        arrived={code: o.offered for code, o in arrived.items()},
        uniforms=uniforms,
        agent_index=agent_index,
        seed=day_seed,
    )


def _economics(session: Session, week: _Week, day: date) -> FloorEconomics:
    """The floor's economics of the published day (`floor_economics`, once per day): the selling
    values of each of its intervals, the penalty, the campaigns' weekly room at its start."""
    if day not in week.economics:
        plan = week.plans[day]
        starts = list(plan.forecast.interval_starts_utc)
        week.economics[day] = floor_economics(
            session,
            site=plan.site,
            campaigns=plan.campaigns,
            now_utc=starts[0],
            interval_starts_utc=starts,
        )
    return week.economics[day]


def _economics_now(
    economics: FloorEconomics,
    campaigns: Sequence[Campaign],
    zone: ZoneInfo,
    now_utc: datetime,
    horizon: Sequence[datetime],
    extra_hours: dict[str, float],
) -> FloorEconomics:
    """The day's economics at `now_utc`: the selling values of the horizon, each campaign's
    calling window open now and its weekly room less the selling the run's switches added."""
    wanted = set(horizon)
    rooms = []
    for c in campaigns:
        room = economics.room(c.code)
        left = room.hours_left_this_week
        rooms.append(
            dataclasses.replace(
                room,
                calling_until_utc=calling_until(c, now_utc, zone),
                hours_left_this_week=None
                if left is None
                else max(0.0, left - extra_hours.get(c.code, 0.0)),
            )
        )
    return FloorEconomics(
        under_target_penalty_per_agent_hour=economics.under_target_penalty_per_agent_hour,
        selling=tuple(v for v in economics.selling if v.interval_start_utc in wanted),
        campaigns=tuple(rooms),
        currency=economics.currency,
    )


@dataclass
class _Floor:
    """The floor as a policy plays it: the plans with its switches, and what it did."""

    plans: dict[str, list[PlanSpan]]
    last_switch: dict[str, datetime] = field(default_factory=dict)
    last_pull: datetime | None = None
    pulls: int = 0
    releases: int = 0
    # per queue, whole agents serving each interval decided so far (at its middle)
    servers: dict[str, np.ndarray] = field(default_factory=dict)
    # over the day at the plans now: per queue, whole agents serving it and agents selling who
    # could serve it, at each interval's middle
    planned: tuple[dict[str, np.ndarray], dict[str, np.ndarray]] | None = None


def _agents_now(
    world: _World, floor: _Floor, now_utc: datetime, horizon_end: datetime
) -> list[FloorAgent]:
    """The agents present with a span between now and the end of the horizon."""
    agents = []
    for code, plan in floor.plans.items():
        if not any(s.start_utc < horizon_end and s.end_utc > now_utc for s in plan):
            continue
        row = world.plan.agents.get(code)
        published = next(
            (s.activity for s in world.plans[code] if s.start_utc <= now_utc < s.end_utc), None
        )
        agents.append(
            FloorAgent(
                agent_code=code,
                queue_skills=row.queue_skills if row is not None else frozenset(),
                campaign_skills=row.campaign_skills if row is not None else frozenset(),
                plan=tuple(plan),
                last_switch_utc=floor.last_switch.get(code),
                published_activity_now=published,
            )
        )
    return agents


def _loads(world: _World, i: int, horizon: int) -> tuple[list[QueueLoad], dict[str, np.ndarray]]:
    """Each queue reforecast from what arrived before interval i, over the horizon from it; and
    each queue's reforecast of the whole day."""
    forecast = world.plan.forecast
    starts = list(forecast.interval_starts_utc)
    loads = []
    whole: dict[str, np.ndarray] = {}
    for q in world.queues:
        planned = np.asarray(forecast.offered.get(q.queue_code, np.zeros(len(starts))))
        actual = np.where(np.arange(len(starts)) < i, world.arrived[q.queue_code], np.nan)
        re = reforecast_queue(
            q.queue_code,
            starts,
            forecast.interval_minutes,
            planned,
            actual,
            starts[i],
            recent=world.recent.get(q.queue_code),
        )
        whole[q.queue_code] = np.asarray(re.reforecast_offered, dtype=np.float64)
        loads.append(
            QueueLoad(
                q.model,
                [float(x) for x in re.reforecast_offered[i : i + horizon]],
                [float(x) for x in q.aht_seconds[i : i + horizon]],
                offered_lo80=[float(x) for x in re.reforecast_lo80[i : i + horizon]],
                offered_hi80=[float(x) for x in re.reforecast_hi80[i : i + horizon]],
            )
        )
    return loads, whole


def _servers_planned(
    world: _World, floor: _Floor
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Per queue, the agents planned to serve it at each interval's middle and the agents
    planned to sell then who could serve it, at the plans now."""
    if floor.planned is None:
        floor.planned = (_servers_of(world, floor.plans), _sellers_for(world, floor.plans))
    return floor.planned


def _sellers_for(world: _World, plans: dict[str, list[PlanSpan]]) -> dict[str, np.ndarray]:
    starts = list(world.plan.forecast.interval_starts_utc)
    length = timedelta(minutes=world.plan.forecast.interval_minutes)
    out = {q.queue_code: np.zeros(len(starts), dtype=np.int64) for q in world.queues}
    for code, plan in plans.items():
        row = world.plan.agents.get(code)
        skills = [q for q in (row.queue_skills if row is not None else ()) if q in out]
        if not skills:
            continue
        for span in plan:
            if span.activity is not Activity.SELL:
                continue
            for i, start in enumerate(starts):
                if span.start_utc <= start + length / 2 < span.end_utc:
                    for q in skills:
                        out[q][i] += 1
    return out


def _servers_of(world: _World, plans: dict[str, list[PlanSpan]]) -> dict[str, np.ndarray]:
    starts = list(world.plan.forecast.interval_starts_utc)
    length = timedelta(minutes=world.plan.forecast.interval_minutes)
    out = {q.queue_code: np.zeros(len(starts), dtype=np.int64) for q in world.queues}
    for i, start in enumerate(starts):
        for queue, count in servers_at(plans, world.default_queue, start + length / 2).items():
            if queue in out:
                out[queue][i] = count
    return out


def _with_floors(
    world: _World,
    floor: _Floor,
    i: int,
    loads: list[QueueLoad],
    reforecast: dict[str, np.ndarray],
) -> list[QueueLoad]:
    """The loads with each queue's answer-rate floor for the horizon from interval i, as the
    live recommendation gets it (`with_day_floors`): the contacts that arrived before it,
    answered as the queue model predicts at the servers the floor had, and the rest of the day
    reforecast, with the servers and the sellers who could serve planned now."""
    planned, sellers = _servers_planned(world, floor)
    days = {}
    for q in world.queues:
        code, model = q.queue_code, world.models[q.queue_code]
        aht = np.asarray(q.aht_seconds, dtype=np.float64)
        before = world.arrived[code][:i]
        days[code] = QueueDay(
            offered_before=float(before.sum()),
            answered_before=answered(model, before, aht[:i], floor.servers[code][:i]),
            offered=reforecast[code][i:],
            aht_seconds=aht[i:],
            servers=planned[code][i:],
            sellers=sellers[code][i:],
        )
    return with_day_floors(loads, days)


def _decide(
    session: Session,
    week: _Week,
    world: _World,
    floor: _Floor,
    policy: str,
    i: int,
    extra_hours: dict[str, float],
) -> Sequence[AgentMove]:
    """The policy's moves at the start of interval i."""
    if policy == "never":
        return ()
    forecast = world.plan.forecast
    minutes = forecast.interval_minutes
    horizon = list(forecast.interval_starts_utc)[i : i + RecommendationConfig().horizon_intervals]
    now = horizon[0]
    agents = _agents_now(world, floor, now, horizon[-1] + timedelta(minutes=minutes))
    if not agents:
        return ()
    loads, reforecast = _loads(world, i, len(horizon))
    zone = ZoneInfo(world.plan.site.timezone)
    economics = _economics_now(
        _economics(session, week, world.plan.day),
        world.plan.campaigns,
        zone,
        now,
        horizon,
        extra_hours,
    )
    if policy == "money":
        return recommend(
            now_utc=now,
            interval_starts_utc=horizon,
            interval_minutes=minutes,
            queues=_with_floors(world, floor, i, loads, reforecast),
            agents=agents,
            economics=economics,
            last_pull_utc=floor.last_pull,
        ).moves
    open_now = {
        room.campaign_code: OpenCampaign(
            economics.value_per_hour("", room.campaign_code, now), room.calling_until_utc
        )
        for room in economics.campaigns
        if room.calling_until_utc is not None
    }
    _direction, moves = threshold_moves(
        now_utc=now,
        interval_starts_utc=horizon,
        interval_minutes=minutes,
        queues=loads,
        agents=agents,
        campaigns=open_now,
        last_pull_utc=floor.last_pull,
    )
    return moves


def _apply(
    floor: _Floor, moves: Sequence[AgentMove], now: datetime, extra: dict[str, float]
) -> None:
    """The moves as switches from now; the campaigns' selling hours they add or take."""
    for m in moves:
        if m.until_utc <= now:
            continue
        floor.planned = None
        serve = m.to_activity is Activity.SERVE
        change = switch_change(
            m.agent_code,
            now,
            m.until_utc,
            m.to_activity,
            queue_code=m.queue_code if serve else None,
            campaign_code=None if serve else m.campaign_code,
        )
        floor.plans[m.agent_code] = apply_change(floor.plans[m.agent_code], change)
        floor.last_switch[m.agent_code] = now
        hours = (m.until_utc - now).total_seconds() / 3600.0
        if m.campaign_code is not None:
            extra[m.campaign_code] = extra.get(m.campaign_code, 0.0) + (-hours if serve else hours)
        if serve:
            floor.last_pull = now
            floor.pulls += 1
        else:
            floor.releases += 1


def _play(
    session: Session, week: _Week, world: _World, policy: str, extra_hours: dict[str, float]
) -> SimulatedDay:
    """The day under the policy: decisions interval by interval while anyone is on shift, then
    the calls and the selling of the plans it left."""
    forecast = world.plan.forecast
    starts = list(forecast.interval_starts_utc)
    length = timedelta(minutes=forecast.interval_minutes)
    floor = _Floor({code: list(plan) for code, plan in world.plans.items()})
    floor.servers = {q.queue_code: np.zeros(len(starts), dtype=np.int64) for q in world.queues}
    spans = [s for plan in world.plans.values() for s in plan]
    if spans:
        first = min(s.start_utc for s in spans)
        last = max(s.end_utc for s in spans)
        for i, start in enumerate(starts):
            if start + length <= first or start >= last:
                continue
            moves = _decide(session, week, world, floor, policy, i, extra_hours)
            _apply(floor, moves, start, extra_hours)
            now = servers_at(floor.plans, world.default_queue, start + length / 2)
            for queue, count in now.items():
                if queue in floor.servers:
                    floor.servers[queue][i] = count
    servers = _servers_of(world, floor.plans)
    outcomes = simulate_day(
        world.queues, servers, interval_minutes=forecast.interval_minutes, seed=world.seed
    )
    selling = _selling(week, world, floor.plans, starts, length)
    return _score(week, world, policy, floor, servers, outcomes, selling)


def _selling(
    week: _Week,
    world: _World,
    plans: dict[str, list[PlanSpan]],
    starts: Sequence[datetime],
    length: timedelta,
) -> tuple[SellingTotals, float]:
    """The selling the plans hold, in the campaigns' calling windows, drawn call by call; and
    the scheduled hours of it."""
    zone = ZoneInfo(world.plan.site.timezone)
    campaigns = {c.code: c for c in world.plan.campaigns}
    hours = length.total_seconds() / 3600.0
    slots = []
    sell_hours = 0.0
    for agent, code, i, share in selling_by_interval(plans, starts, length):
        campaign = campaigns.get(code)
        middle = starts[i] + length / 2
        if campaign is None or calling_until(campaign, middle, zone) is None:
            continue
        local = starts[i].astimezone(zone)
        sell_hours += share * hours
        slots.append(
            SellingSlot(
                agent_code=agent,
                campaign_code=code,
                hour_of_week=local.weekday() * 24 + local.hour,
                productive_hours=share * hours * campaign.efficiency,
                key=world.agent_index[agent] * len(starts) + i,
            )
        )
    totals = draw_selling(
        slots, week.estimates, week.segment_shares, week.typed_values, world.uniforms
    )
    return totals, sell_hours


def _score(
    week: _Week,
    world: _World,
    policy: str,
    floor: _Floor,
    servers: dict[str, np.ndarray],
    outcomes: dict,
    selling: tuple[SellingTotals, float],
) -> SimulatedDay:
    """The day's figures: inbound service, outbound sales, and the net value."""
    hours = world.plan.forecast.interval_minutes / 60.0
    offered = answered = within = value = short = 0.0
    by_queue: dict[str, float] = {}
    for q in world.queues:
        o = outcomes[q.queue_code]
        offered += float(o.offered.sum())
        answered += float(o.answered.sum())
        within += float(o.answered_within_threshold.sum())
        value += q.model.value_per_answered_contact * float(o.answered.sum())
        busy = o.offered > 0
        needed = np.zeros(len(o.offered))
        if busy.any():
            aht = np.asarray(q.aht_seconds, dtype=np.float64)[busy]
            needed[busy] = q.model.requirement(o.offered[busy], aht).agents
        short += float(np.maximum(0.0, needed - servers[q.queue_code]).sum()) * hours
        if o.offered.sum() > 0:
            by_queue[q.queue_code] = o.answer_rate()
    verdicts = _verdicts(world, outcomes)
    totals, sell_hours = selling
    penalty = week.penalty * short
    return SimulatedDay(
        index=world.index,
        day=world.plan.day,
        policy=policy,
        surprise=world.surprise.text,
        offered=offered,
        answered=answered,
        answered_within_threshold=within,
        answer_rate=answered / offered if offered else 1.0,
        service_level=within / offered if offered else 1.0,
        answer_rate_by_queue=by_queue,
        answer_rate_met=all(verdicts) if verdicts else None,
        roster_meets_answer_rate=week.roster_meets.get(world.plan.day),
        outbound_revenue=totals.revenue,
        attempts=totals.attempts,
        contacts=totals.contacts,
        sales=totals.sales,
        answered_value=value,
        short_agent_hours=short,
        target_penalty=penalty,
        net_value=totals.revenue + value - penalty,
        pulls=floor.pulls,
        releases=floor.releases,
        sell_hours=sell_hours,
    )


def _verdicts(world: _World, outcomes: dict) -> list[bool]:
    """Per queue with an answer-rate target and contacts: the day's answer rate meets it."""
    verdicts = []
    for q in world.queues:
        o = outcomes[q.queue_code]
        target = q.model.answer_rate_target
        if target is not None and o.offered.sum() > 0:
            verdicts.append(o.answer_rate() >= target - 1e-9)
    return verdicts


def _target_reachable(world: _World) -> bool | None:
    """Whether the roster could meet the day's answer-rate targets: the day's calls simulated
    with every agent present serving and none selling, each agent planned to sell serving, in
    each interval, the skilled queue furthest short of what the calls that arrived needed (the
    queue model's requirement). None: no queue has an answer-rate target."""
    starts = list(world.plan.forecast.interval_starts_utc)
    length = timedelta(minutes=world.plan.forecast.interval_minutes)
    servers = _servers_of(world, world.plans)
    needed = {}
    for q in world.queues:
        calls = world.arrived[q.queue_code]
        busy = calls > 0
        needed[q.queue_code] = np.zeros(len(starts))
        if busy.any():
            aht = np.asarray(q.aht_seconds, dtype=np.float64)[busy]
            needed[q.queue_code][busy] = q.model.requirement(calls[busy], aht).agents
    for i, start in enumerate(starts):
        middle = start + length / 2
        for code in sorted(world.plans):
            span = next((s for s in world.plans[code] if s.start_utc <= middle < s.end_utc), None)
            row = world.plan.agents.get(code)
            if span is None or span.activity is not Activity.SELL or row is None:
                continue
            skilled = sorted(q for q in row.queue_skills if q in servers)
            if skilled:
                queue = max(skilled, key=lambda q: needed[q][i] - servers[q][i])
                servers[queue][i] += 1
    outcomes = simulate_day(
        world.queues,
        servers,
        interval_minutes=world.plan.forecast.interval_minutes,
        seed=world.seed,
    )
    verdicts = _verdicts(world, outcomes)
    return all(verdicts) if verdicts else None
