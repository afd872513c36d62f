"""The sell/serve recommendation: how many sellers to pull back to the queues, or servers to
release to sell, now, and who.

For each queue and each interval of a short horizon (the current interval and the next few), the
recommendation compares the **servers needed** (Erlang A on the reforecast: the fewest agents that
meet every target of the queue's model: service level, least answer rate, abandon cap; contacts
waiting now added to the current interval) with
the **servers** the floor has (a chat agent works `concurrency` contacts at once):

- in the current interval, the agents serving now (their ACD state), plus agents switched to serve
  in the last `switch_grace_seconds` whose ACD state has not caught up yet; an agent with no state
  yet counts as planned;
- in later intervals, the agents planned to serve (the effective plan), each counted for the share
  of the interval it is planned to serve.

**Pull** (switch sellers to serve) when a queue is short by at least `pull_threshold_agents` in the
current interval or the next `pull_lookahead_intervals`: as many sellers as the largest shortfall,
chosen among agents on shift who are selling now and have the queue's skill, least valuable
campaign first (campaign value per productive hour at this hour), then by agent code.

**Release** (switch servers to sell) only when no queue is short, no pull was made in the last
`release_cooldown_minutes`, and a queue has more servers than needed in *every* interval of the
horizon by more than `release_margin_agents`: servers beyond needed + margin are released, chosen
among agents serving now who can sell a campaign that is calling now, agents who were switched
in from selling first, then the most valuable campaign first.

**Hysteresis**: the pull threshold (short by half an agent) and the release threshold (over by more
than the margin in the whole horizon) leave a dead band in which nothing moves; an agent switched
within `min_dwell_minutes` is not switched again; and a release waits for the cooldown after a
pull. **Limits**: never more agents than are eligible on shift, and at most `max_agents_per_move`.

The predicted service level and answer rate (Erlang A) are given per queue and interval with and
without the move, and over the horizon weighted by contacts.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt

from wfm.domain import Activity
from wfm.domain.intraday.plan import PlanSpan
from wfm.domain.intraday.states import ActualActivity
from wfm.domain.queue_model import QueueModel, kpis_of_queues, requirement_of_queues

FloatArray = npt.NDArray[np.float64]
_EPS = 1e-9


class Direction(enum.StrEnum):
    TO_SERVE = "to_serve"
    TO_SELL = "to_sell"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class QueueLoad:
    """One queue's reforecast over the horizon (the current interval first) and its model, which
    holds its targets, patience and concurrency."""

    model: QueueModel
    offered: Sequence[float]  # contacts per interval
    aht_seconds: Sequence[float]
    contacts_waiting: float = 0.0

    @property
    def queue_code(self) -> str:
        return self.model.code


@dataclass(frozen=True, slots=True)
class FloorAgent:
    """An agent as the recommendation sees it."""

    agent_code: str
    queue_skills: frozenset[str]
    campaign_skills: frozenset[str]
    plan: tuple[PlanSpan, ...]  # the effective plan (published roster + authorised changes)
    actual: ActualActivity | None = None  # None: no state received yet
    last_switch_utc: datetime | None = None
    published_activity_now: Activity | None = None  # before authorised changes


@dataclass(frozen=True, slots=True)
class RecommendationConfig:
    horizon_intervals: int = 4
    pull_lookahead_intervals: int = 1
    pull_threshold_agents: float = 0.5
    release_margin_agents: float = 1.0
    min_dwell_minutes: float = 30.0
    release_cooldown_minutes: float = 30.0
    switch_grace_seconds: float = 300.0
    max_agents_per_move: int | None = None
    max_switch_minutes: float = 240.0

    def __post_init__(self) -> None:
        if self.horizon_intervals < 1:
            raise ValueError("horizon_intervals must be >= 1")
        if not 0 <= self.pull_lookahead_intervals < self.horizon_intervals:
            raise ValueError("pull_lookahead_intervals must be in [0, horizon_intervals)")
        if not self.pull_threshold_agents > 0:
            raise ValueError("pull_threshold_agents must be > 0")
        if not self.release_margin_agents >= 0:
            raise ValueError("release_margin_agents must be >= 0")
        if self.max_agents_per_move is not None and self.max_agents_per_move < 0:
            raise ValueError("max_agents_per_move must be >= 0")


@dataclass(frozen=True, slots=True)
class AgentMove:
    agent_code: str
    to_activity: Activity
    queue_code: str  # the queue the agent goes to serve, or stops serving
    campaign_code: str | None  # the campaign the agent leaves, or goes to sell
    campaign_value_per_hour: float
    until_utc: datetime  # end of the switch: when the agent's current block of work ends


@dataclass(frozen=True, slots=True)
class IntervalOutlook:
    queue_code: str
    interval_start_utc: datetime
    offered: float
    aht_seconds: float
    servers_needed: int
    servers_without: float
    servers_with: float
    service_level_without: float
    service_level_with: float
    answer_rate_without: float
    answer_rate_with: float


@dataclass(frozen=True, slots=True)
class Recommendation:
    as_of_utc: datetime
    direction: Direction
    moves: tuple[AgentMove, ...]
    until_utc: datetime
    message: str
    on_shift_now: int
    servers_now: float
    sellers_now: int
    outlook: tuple[IntervalOutlook, ...]
    service_level_without: float | None
    service_level_with: float | None
    answer_rate_without: float | None
    answer_rate_with: float | None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def count(self) -> int:
        return len(self.moves)


def _span_at(plan: Sequence[PlanSpan], at: datetime) -> PlanSpan | None:
    for s in plan:
        if s.start_utc <= at < s.end_utc:
            return s
        if s.start_utc > at:
            return None
    return None


def _serve_queue(agent: FloorAgent, span: PlanSpan | None) -> str | None:
    if span is not None and span.queue_code:
        return span.queue_code
    return min(agent.queue_skills) if agent.queue_skills else None


def _planned_share(
    plan: Sequence[PlanSpan], activity: Activity, start: datetime, end: datetime
) -> dict[str | None, float]:
    """Share of [start, end) planned as `activity`, per queue/campaign code of the spans."""
    total = (end - start).total_seconds()
    out: dict[str | None, float] = {}
    for s in plan:
        if s.end_utc <= start:
            continue
        if s.start_utc >= end:
            break
        if s.activity is not activity:
            continue
        overlap = (min(s.end_utc, end) - max(s.start_utc, start)).total_seconds()
        key = s.queue_code if activity is Activity.SERVE else s.campaign_code
        out[key] = out.get(key, 0.0) + overlap / total
    return out


def _load_matrix(queues: Sequence[QueueLoad], horizon: int) -> tuple[FloatArray, FloatArray]:
    """Contacts and handle time per (queue, interval); the backlog joins the first interval."""
    shape = (len(queues), horizon)
    calls = np.zeros(shape)
    aht = np.ones(shape)
    for qi, load in enumerate(queues):
        calls[qi] = np.asarray(load.offered[:horizon], dtype=np.float64)
        calls[qi, 0] += load.contacts_waiting
        aht[qi] = np.asarray(load.aht_seconds[:horizon], dtype=np.float64)
    # a handle time missing from the reforecast (zero, negative, NaN) counts as one second
    return calls, np.where(aht > 0, aht, 1.0)


def _needed(
    queues: Sequence[QueueLoad], calls: FloatArray, aht: FloatArray
) -> npt.NDArray[np.int64]:
    """Servers needed per (queue, interval): the queue model's requirement, none without
    contacts (all queues in one evaluation)."""
    needed = np.zeros(calls.shape, dtype=np.int64)
    busy = calls > 0
    staffing = requirement_of_queues(
        [q.model for q in queues],
        [calls[qi][busy[qi]] for qi in range(len(queues))],
        [aht[qi][busy[qi]] for qi in range(len(queues))],
    )
    for qi, result in enumerate(staffing):
        needed[qi][busy[qi]] = result.agents
    return needed


def _kpis(
    queues: Sequence[QueueLoad], calls: FloatArray, aht: FloatArray, agents: Sequence[FloatArray]
) -> list[tuple[FloatArray, FloatArray]]:
    """Service level and answer rate of each (queue, interval) under each staffing in `agents`
    (one array per queue and interval each), from the queue models in one evaluation: 1 without
    contacts, 0 with contacts and nobody serving."""
    stack = len(agents)
    every_calls = np.stack([calls] * stack)
    every_aht = np.stack([aht] * stack)
    every_agents = np.stack(agents)
    ok = (every_calls > 0) & (every_agents > _EPS)
    predicted = kpis_of_queues(
        [q.model for q in queues],
        [every_calls[:, qi][ok[:, qi]] for qi in range(len(queues))],
        [every_aht[:, qi][ok[:, qi]] for qi in range(len(queues))],
        [every_agents[:, qi][ok[:, qi]] for qi in range(len(queues))],
    )
    sl = np.where(every_calls > 0, 0.0, 1.0)
    ar = sl.copy()
    for qi, kpis in enumerate(predicted):
        assert kpis.answer_rate is not None  # Erlang A: `_horizon` refuses a model without patience
        sl[:, qi][ok[:, qi]] = kpis.service_level
        ar[:, qi][ok[:, qi]] = kpis.answer_rate
    return [(sl[k], ar[k]) for k in range(stack)]


def servers_needed(load: QueueLoad, interval_seconds: float | None = None) -> npt.NDArray[np.int64]:
    """Fewest agents meeting the queue's targets in each horizon interval (`interval_seconds`,
    when given, must be the model's)."""
    if interval_seconds is not None and interval_seconds != load.model.interval_seconds:
        raise ValueError(
            f"queue {load.queue_code!r}: its model is on {load.model.interval_minutes}-minute "
            f"intervals, not {interval_seconds:g} s"
        )
    horizon = min(len(load.offered), len(load.aht_seconds))
    calls, aht = _load_matrix([load], horizon)
    return _needed([load], calls, aht)[0]


@dataclass(frozen=True, slots=True)
class _Horizon:
    """The intervals looked ahead over and the queues, as `recommend` checked them."""

    now_utc: datetime
    starts: list[datetime]
    length: timedelta
    queue_codes: list[str]
    qindex: dict[str, int]

    @property
    def intervals(self) -> int:
        return len(self.starts)


def _horizon(
    now_utc: datetime,
    interval_starts_utc: Sequence[datetime],
    interval_minutes: int,
    queues: Sequence[QueueLoad],
    config: RecommendationConfig,
) -> _Horizon:
    """The horizon's intervals, checked against now and against each queue's values and model."""
    starts = list(interval_starts_utc)[: config.horizon_intervals]
    if not starts:
        raise ValueError("interval_starts_utc is empty")
    length = timedelta(minutes=interval_minutes)
    if not starts[0] <= now_utc < starts[0] + length:
        raise ValueError("the first interval must contain now_utc")
    for load in queues:
        if len(load.offered) < len(starts) or len(load.aht_seconds) < len(starts):
            raise ValueError(f"queue {load.queue_code!r}: one offered and AHT value per interval")
        if load.model.patience.seconds is None:
            raise ValueError(f"queue {load.queue_code!r}: the recommendation needs a patience")
        if load.model.interval_minutes != interval_minutes:
            raise ValueError(
                f"queue {load.queue_code!r}: its model is on {load.model.interval_minutes}-minute "
                f"intervals, the horizon on {interval_minutes}-minute ones"
            )
    codes = [q.queue_code for q in queues]
    return _Horizon(now_utc, starts, length, codes, {c: i for i, c in enumerate(codes)})


@dataclass(slots=True)
class _Floor:
    """The floor as things stand: servers per (queue, interval), who is on shift and selling,
    and the agents a move may take (sellers planned to sell, servers planned to serve now)."""

    servers: FloatArray
    on_shift: int = 0
    sellers_now: int = 0
    sellers: list[tuple[FloorAgent, PlanSpan]] = field(default_factory=list)
    servers_here: list[tuple[FloorAgent, str, PlanSpan]] = field(default_factory=list)


def _floor(agents: Sequence[FloorAgent], horizon: _Horizon, grace: timedelta) -> _Floor:
    """Servers now (ACD state, or the plan for an agent with no state or switched within
    `grace`) and planned in the later intervals (each agent for the share of the interval it is
    planned to serve)."""
    now_utc, starts, length, qindex = (
        horizon.now_utc,
        horizon.starts,
        horizon.length,
        horizon.qindex,
    )
    floor = _Floor(servers=np.zeros((len(horizon.queue_codes), horizon.intervals)))
    for agent in agents:
        span = _span_at(agent.plan, now_utc)
        if span is not None:
            floor.on_shift += 1
        planned_now = span.activity if span is not None else None
        recently_switched = (
            agent.last_switch_utc is not None and now_utc - agent.last_switch_utc < grace
        )
        if agent.actual is None or (recently_switched and planned_now in _SWITCHABLE):
            doing = planned_now
        else:
            doing = _as_planned(agent.actual)
        if doing is Activity.SERVE:
            serving = _serve_queue(agent, span if planned_now is Activity.SERVE else None)
            if serving is not None and serving in qindex:
                floor.servers[qindex[serving], 0] += 1.0
                if planned_now is Activity.SERVE and span is not None:
                    floor.servers_here.append((agent, serving, span))
        elif doing is Activity.SELL:
            floor.sellers_now += 1
            if planned_now is Activity.SELL and span is not None:
                floor.sellers.append((agent, span))
        for h in range(1, horizon.intervals):
            share = _planned_share(agent.plan, Activity.SERVE, starts[h], starts[h] + length)
            for key, value in share.items():
                target = key if key is not None else _serve_queue(agent, None)
                if target is not None and target in qindex:
                    floor.servers[qindex[target], h] += value
    return floor


@dataclass(frozen=True, slots=True)
class _Rules:
    """What a move may do now: the dwell lock, the length of a switch, the cap per move."""

    now_utc: datetime
    config: RecommendationConfig
    campaign_value_now: Mapping[str, float]

    def unlocked(self, agent: FloorAgent) -> bool:
        dwell = timedelta(minutes=self.config.min_dwell_minutes)
        return agent.last_switch_utc is None or self.now_utc - agent.last_switch_utc >= dwell

    def until(self, span: PlanSpan) -> datetime:
        """A switch lasts until the agent's current block of the activity ends (a break, a
        lunch, the shift end or a planned change), at most `max_switch_minutes`."""
        return min(span.end_utc, self.now_utc + timedelta(minutes=self.config.max_switch_minutes))

    def full(self, moves: list[AgentMove], notes: list[str]) -> bool:
        """True (and a note) when the move has its most agents already."""
        cap = self.config.max_agents_per_move
        if cap is not None and len(moves) >= cap:
            notes.append(f"limited to {cap} agents per move")
            return True
        return False


def _pull(
    short_by: FloatArray, horizon: _Horizon, floor: _Floor, rules: _Rules
) -> tuple[list[AgentMove], list[str]]:
    """Sellers to switch to serve: per short queue, shortest first, as many skilled sellers as
    it is short, least valuable campaign first."""
    threshold = rules.config.pull_threshold_agents - _EPS
    moves: list[AgentMove] = []
    notes: list[str] = []
    taken: set[str] = set()
    locked = 0
    for qi in np.argsort(-short_by, kind="stable"):
        if short_by[qi] < threshold:
            break
        want = math.ceil(short_by[qi] - _EPS)
        q = horizon.queue_codes[qi]
        candidates = []
        for agent, span in floor.sellers:
            if agent.agent_code in taken or q not in agent.queue_skills:
                continue
            if not rules.unlocked(agent):
                locked += 1
                continue
            value = rules.campaign_value_now.get(span.campaign_code or "", 0.0)
            candidates.append((value, agent.agent_code, agent, span))
        candidates.sort(key=lambda c: (c[0], c[1]))
        for value, code, _agent, span in candidates[:want]:
            if rules.full(moves, notes):
                break
            moves.append(
                AgentMove(code, Activity.SERVE, q, span.campaign_code, value, rules.until(span))
            )
            taken.add(code)
        if len(candidates) < want:
            notes.append(
                f"queue {q} is short by {short_by[qi]:.1f} agents but only "
                f"{len(candidates)} sellers on shift can serve it"
            )
    if locked:
        dwell = timedelta(minutes=rules.config.min_dwell_minutes)
        notes.append(f"{locked} sellers were switched less than {dwell} ago")
    return moves, notes


def _release(
    surplus: FloatArray, horizon: _Horizon, floor: _Floor, rules: _Rules
) -> tuple[list[AgentMove], list[str]]:
    """Servers to release to sell: per queue with servers to spare, most to spare first, the
    agents switched in from selling first, then the most valuable open campaign first."""
    moves: list[AgentMove] = []
    notes: list[str] = []
    taken: set[str] = set()
    for qi in np.argsort(-surplus, kind="stable"):
        spare = math.floor(surplus[qi] + _EPS)
        if spare < 1:
            break
        q = horizon.queue_codes[qi]
        candidates = []
        for agent, serving, span in floor.servers_here:
            if serving != q or agent.agent_code in taken or not rules.unlocked(agent):
                continue
            open_campaigns = [
                (rules.campaign_value_now[c], c)
                for c in agent.campaign_skills
                if c in rules.campaign_value_now
            ]
            if not open_campaigns:
                continue
            value, campaign = max(open_campaigns)
            returning = agent.published_activity_now is Activity.SELL
            candidates.append(
                (not returning, -value, agent.agent_code, campaign, rules.until(span))
            )
        candidates.sort()
        for _ret, neg_value, code, campaign, end in candidates[:spare]:
            if rules.full(moves, notes):
                break
            moves.append(AgentMove(code, Activity.SELL, q, campaign, -neg_value, end))
            taken.add(code)
    if not moves:
        notes.append("servers to spare, but none can sell a campaign open now")
    return moves, notes


def _decide(
    needed: npt.NDArray[np.int64],
    horizon: _Horizon,
    floor: _Floor,
    rules: _Rules,
    last_pull_utc: datetime | None,
) -> tuple[Direction, list[AgentMove], list[str]]:
    """Pull when a queue is short now or soon; else release when every queue has servers to
    spare over the whole horizon and no pull is cooling down; else nothing."""
    config = rules.config
    shortfall = needed.astype(np.float64) - floor.servers
    short_by = shortfall[:, : config.pull_lookahead_intervals + 1].max(axis=1)
    if np.any(short_by >= config.pull_threshold_agents - _EPS):
        moves, notes = _pull(short_by, horizon, floor, rules)
        return (Direction.TO_SERVE if moves else Direction.NONE), moves, notes
    surplus = (-shortfall).min(axis=1) - config.release_margin_agents
    if not np.any(surplus >= 1.0 - _EPS):
        return Direction.NONE, [], []
    cooldown = timedelta(minutes=config.release_cooldown_minutes)
    if last_pull_utc is not None and rules.now_utc - last_pull_utc < cooldown:
        note = (
            "servers to spare, but sellers were pulled in the last "
            f"{config.release_cooldown_minutes:g} min"
        )
        return Direction.NONE, [], [note]
    moves, notes = _release(surplus, horizon, floor, rules)
    return (Direction.TO_SELL if moves else Direction.NONE), moves, notes


def _servers_with(
    moves: Sequence[AgentMove], agents: Sequence[FloorAgent], horizon: _Horizon, floor: _Floor
) -> FloatArray:
    """Servers per (queue, interval) with the moves: each moved agent counts now, and later for
    the share of each interval it was planned in its former activity until its switch ends."""
    with_move = floor.servers.copy()
    by_code = {a.agent_code: a for a in agents}
    starts, length = horizon.starts, horizon.length
    for move in moves:
        qi = horizon.qindex[move.queue_code]
        agent = by_code[move.agent_code]
        source = Activity.SELL if move.to_activity is Activity.SERVE else Activity.SERVE
        sign = 1.0 if move.to_activity is Activity.SERVE else -1.0
        with_move[qi, 0] += sign
        for h in range(1, horizon.intervals):
            end = min(starts[h] + length, move.until_utc)
            if end <= starts[h]:
                continue
            moved = _planned_share(agent.plan, source, starts[h], end)
            with_move[qi, h] += sign * sum(moved.values()) * (end - starts[h]) / length
    return with_move


def _outlook(
    queues: Sequence[QueueLoad],
    horizon: _Horizon,
    calls: FloatArray,
    aht: FloatArray,
    needed: npt.NDArray[np.int64],
    servers: tuple[FloatArray, FloatArray],
) -> tuple[list[IntervalOutlook], list[float | None]]:
    """Per queue and interval, the service without and with the move; and over the horizon,
    weighted by contacts: service level without, with, answer rate without, with."""
    (sl0, ar0), (sl1, ar1) = _kpis(queues, calls, aht, list(servers))
    without, with_move = servers
    outlook = [
        IntervalOutlook(
            queue_code=load.queue_code,
            interval_start_utc=horizon.starts[h],
            offered=float(calls[qi, h]),
            aht_seconds=float(load.aht_seconds[h]),
            servers_needed=int(needed[qi, h]),
            servers_without=float(without[qi, h]),
            servers_with=float(with_move[qi, h]),
            service_level_without=float(sl0[qi, h]),
            service_level_with=float(sl1[qi, h]),
            answer_rate_without=float(ar0[qi, h]),
            answer_rate_with=float(ar1[qi, h]),
        )
        for qi, load in enumerate(queues)
        for h in range(horizon.intervals)
    ]
    total = calls.sum()
    if total <= 0:
        return outlook, [None, None, None, None]
    return outlook, [float((calls * kpi).sum() / total) for kpi in (sl0, sl1, ar0, ar1)]


def recommend(
    *,
    now_utc: datetime,
    interval_starts_utc: Sequence[datetime],
    interval_minutes: int,
    queues: Sequence[QueueLoad],
    agents: Sequence[FloorAgent],
    campaign_value_now: Mapping[str, float],
    last_pull_utc: datetime | None = None,
    config: RecommendationConfig = RecommendationConfig(),
) -> Recommendation:
    """The move to make now; see the module docstring for the rules.

    `interval_starts_utc` are the horizon's interval starts, the one containing `now_utc` first;
    each queue gives one value per interval, and its model is on the same intervals.
    `campaign_value_now` holds the value per productive hour of each campaign that may be called
    now (closed campaigns absent).
    """
    horizon = _horizon(now_utc, interval_starts_utc, interval_minutes, queues, config)
    floor = _floor(agents, horizon, timedelta(seconds=config.switch_grace_seconds))
    direction = Direction.NONE
    moves: list[AgentMove] = []
    notes: list[str] = []
    outlook: list[IntervalOutlook] = []
    weighted: list[float | None] = [None, None, None, None]
    if queues:
        calls, aht = _load_matrix(queues, horizon.intervals)
        needed = _needed(queues, calls, aht)
        rules = _Rules(now_utc, config, campaign_value_now)
        direction, moves, notes = _decide(needed, horizon, floor, rules, last_pull_utc)
        with_move = _servers_with(moves, agents, horizon, floor)
        outlook, weighted = _outlook(
            queues, horizon, calls, aht, needed, (floor.servers, with_move)
        )
    return Recommendation(
        as_of_utc=now_utc,
        direction=direction,
        moves=tuple(moves),
        until_utc=horizon.starts[-1] + horizon.length,
        message=_message(direction, len(moves)),
        on_shift_now=floor.on_shift,
        servers_now=float(floor.servers[:, 0].sum()) if queues else 0.0,
        sellers_now=floor.sellers_now,
        outlook=tuple(outlook),
        service_level_without=weighted[0],
        service_level_with=weighted[1],
        answer_rate_without=weighted[2],
        answer_rate_with=weighted[3],
        notes=tuple(dict.fromkeys(notes)),
    )


_SWITCHABLE = (Activity.SERVE, Activity.SELL)


def _as_planned(actual: ActualActivity) -> Activity | None:
    if actual is ActualActivity.SERVE:
        return Activity.SERVE
    if actual is ActualActivity.SELL:
        return Activity.SELL
    return None


def _message(direction: Direction, count: int) -> str:
    if direction is Direction.TO_SERVE:
        return f"switch {count} seller{'s' if count != 1 else ''} to serve"
    if direction is Direction.TO_SELL:
        return f"release {count} server{'s' if count != 1 else ''} to sell"
    return "no change"


@dataclass(frozen=True, slots=True)
class AutoLimits:
    """What the auto mode may do by itself, as set by a floor manager."""

    enabled: bool = False
    max_agents_per_move: int = 3
    max_agents_switched: int = 10  # switches in force at once
    allow_to_serve: bool = True
    allow_to_sell: bool = True


def moves_within_limits(
    recommendation: Recommendation, limits: AutoLimits, switched_now: int
) -> tuple[AgentMove, ...]:
    """The part of a recommendation the auto mode may apply (nothing when it is off)."""
    if not limits.enabled or recommendation.direction is Direction.NONE:
        return ()
    if recommendation.direction is Direction.TO_SERVE and not limits.allow_to_serve:
        return ()
    if recommendation.direction is Direction.TO_SELL and not limits.allow_to_sell:
        return ()
    room = max(limits.max_agents_switched - switched_now, 0)
    if recommendation.direction is Direction.TO_SELL:
        # Returning switched agents to their planned selling frees room rather than using it.
        room = limits.max_agents_per_move
    return recommendation.moves[: min(limits.max_agents_per_move, room)]
