"""The sell/serve recommendation: how many sellers to pull back to the queues, or servers to
release to sell, now, and who.

For each queue and each interval of a short horizon (the current interval and the next few), the
recommendation compares the **servers needed** (Erlang A on the reforecast: the fewest agents that
meet the queue's service-level target, contacts waiting now added to the current interval) with
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

import erlang
from wfm.domain import Activity
from wfm.domain.intraday.plan import PlanSpan
from wfm.domain.intraday.states import ActualActivity

FloatArray = npt.NDArray[np.float64]
_EPS = 1e-9


class Direction(enum.StrEnum):
    TO_SERVE = "to_serve"
    TO_SELL = "to_sell"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class QueueLoad:
    """One queue's reforecast over the horizon (the current interval first)."""

    queue_code: str
    offered: Sequence[float]  # contacts per interval
    aht_seconds: Sequence[float]
    service_level_target: float = 0.8
    threshold_seconds: float = 20.0
    patience_seconds: float = 120.0
    concurrency: int = 1
    contacts_waiting: float = 0.0


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


def _matrix(queues: Sequence[QueueLoad], horizon: int) -> dict[str, FloatArray]:
    """Per (queue, interval) inputs of the queueing maths; the backlog joins the first interval."""
    shape = (len(queues), horizon)
    calls = np.zeros(shape)
    aht = np.ones(shape)
    for qi, load in enumerate(queues):
        calls[qi] = np.asarray(load.offered[:horizon], dtype=np.float64)
        calls[qi, 0] += load.contacts_waiting
        aht[qi] = np.asarray(load.aht_seconds[:horizon], dtype=np.float64)

    def per_queue(values: list[float]) -> FloatArray:
        return np.repeat(np.asarray(values, dtype=np.float64)[:, None], horizon, axis=1)

    return {
        "calls": calls,
        "aht": np.where(aht > 0, aht, 1.0),
        "target": per_queue([q.service_level_target for q in queues]),
        "threshold": per_queue([q.threshold_seconds for q in queues]),
        "patience": per_queue([q.patience_seconds for q in queues]),
        "concurrency": per_queue([max(q.concurrency, 1) for q in queues]),
    }


def _needed(m: dict[str, FloatArray], interval_seconds: float) -> npt.NDArray[np.int64]:
    needed = np.zeros(m["calls"].shape, dtype=np.int64)
    positive = m["calls"] > 0
    if np.any(positive):
        res = erlang.required_agents(
            m["calls"][positive],
            interval_seconds,
            m["aht"][positive],
            service_level=m["target"][positive],
            threshold_seconds=m["threshold"][positive],
            patience_seconds=m["patience"][positive],
            concurrency=m["concurrency"][positive],
        )
        needed[positive] = np.asarray(res.agents, dtype=np.int64)
    return needed


def _kpis(
    m: dict[str, FloatArray], interval_seconds: float, agents: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Service level and answer rate (Erlang A) for each (queue, interval) at `agents`; the
    inputs may be stacked (several staffings of the same queues) along the first axis."""
    reps = agents.shape[0] // m["calls"].shape[0]

    def tile(a: FloatArray) -> FloatArray:
        return np.tile(a, (reps, 1))

    calls = tile(m["calls"])
    sl = np.where(calls > 0, 0.0, 1.0)
    ar = sl.copy()
    ok = (calls > 0) & (agents > _EPS)
    if np.any(ok):
        res = erlang.erlang_a(
            calls[ok],
            interval_seconds,
            tile(m["aht"])[ok],
            agents[ok],
            tile(m["patience"])[ok],
            tile(m["threshold"])[ok],
            concurrency=tile(m["concurrency"])[ok],
        )
        sl[ok] = np.asarray(res.service_level, dtype=np.float64)
        ar[ok] = np.asarray(res.answer_rate, dtype=np.float64)
    return sl, ar


def servers_needed(load: QueueLoad, interval_seconds: float) -> npt.NDArray[np.int64]:
    """Fewest agents meeting the queue's service-level target in each horizon interval."""
    horizon = min(len(load.offered), len(load.aht_seconds))
    return _needed(_matrix([load], horizon), interval_seconds)[0]


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
    each queue gives one value per interval. `campaign_value_now` holds the value per productive
    hour of each campaign that may be called now (closed campaigns absent).
    """
    starts = list(interval_starts_utc)[: config.horizon_intervals]
    horizon = len(starts)
    if horizon == 0:
        raise ValueError("interval_starts_utc is empty")
    length = timedelta(minutes=interval_minutes)
    if not starts[0] <= now_utc < starts[0] + length:
        raise ValueError("the first interval must contain now_utc")
    for load in queues:
        if len(load.offered) < horizon or len(load.aht_seconds) < horizon:
            raise ValueError(f"queue {load.queue_code!r}: one offered and AHT value per interval")
    interval_seconds = interval_minutes * 60.0
    horizon_end = starts[-1] + length
    queue_codes = [q.queue_code for q in queues]
    qindex = {c: i for i, c in enumerate(queue_codes)}
    dwell = timedelta(minutes=config.min_dwell_minutes)
    grace = timedelta(seconds=config.switch_grace_seconds)

    # Servers per queue and interval, as things stand.
    servers = np.zeros((len(queues), horizon))
    on_shift = 0
    sellers_now = 0
    sellers: list[tuple[FloorAgent, PlanSpan]] = []
    servers_here: list[tuple[FloorAgent, str, PlanSpan]] = []
    for agent in agents:
        span = _span_at(agent.plan, now_utc)
        if span is not None:
            on_shift += 1
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
                servers[qindex[serving], 0] += 1.0
                if planned_now is Activity.SERVE and span is not None:
                    servers_here.append((agent, serving, span))
        elif doing is Activity.SELL:
            sellers_now += 1
            if planned_now is Activity.SELL and span is not None:
                sellers.append((agent, span))
        for h in range(1, horizon):
            share = _planned_share(agent.plan, Activity.SERVE, starts[h], starts[h] + length)
            for key, value in share.items():
                target = key if key is not None else _serve_queue(agent, None)
                if target is not None and target in qindex:
                    servers[qindex[target], h] += value

    inputs = _matrix(queues, horizon)
    needed = _needed(inputs, interval_seconds) if queues else None
    notes: list[str] = []
    moves: list[AgentMove] = []
    direction = Direction.NONE
    cap = config.max_agents_per_move

    def unlocked(agent: FloorAgent) -> bool:
        return agent.last_switch_utc is None or now_utc - agent.last_switch_utc >= dwell

    def until(span: PlanSpan) -> datetime:
        """A switch lasts until the agent's current block of the activity ends (a break, a
        lunch, the shift end or a planned change), at most `max_switch_minutes`."""
        return min(span.end_utc, now_utc + timedelta(minutes=config.max_switch_minutes))

    if needed is not None:
        shortfall = needed.astype(np.float64) - servers
        window = slice(0, config.pull_lookahead_intervals + 1)
        short_by = shortfall[:, window].max(axis=1)
        order = np.argsort(-short_by, kind="stable")
        if np.any(short_by >= config.pull_threshold_agents - _EPS):
            direction = Direction.TO_SERVE
            taken: set[str] = set()
            locked = 0
            for qi in order:
                if short_by[qi] < config.pull_threshold_agents - _EPS:
                    break
                want = math.ceil(short_by[qi] - _EPS)
                q = queue_codes[qi]
                candidates = []
                for agent, span in sellers:
                    if agent.agent_code in taken or q not in agent.queue_skills:
                        continue
                    if not unlocked(agent):
                        locked += 1
                        continue
                    value = campaign_value_now.get(span.campaign_code or "", 0.0)
                    candidates.append((value, agent.agent_code, agent, span))
                candidates.sort(key=lambda c: (c[0], c[1]))
                for value, code, _agent, span in candidates[:want]:
                    if cap is not None and len(moves) >= cap:
                        notes.append(f"limited to {cap} agents per move")
                        break
                    moves.append(
                        AgentMove(code, Activity.SERVE, q, span.campaign_code, value, until(span))
                    )
                    taken.add(code)
                if len(candidates) < want:
                    notes.append(
                        f"queue {q} is short by {short_by[qi]:.1f} agents but only "
                        f"{len(candidates)} sellers on shift can serve it"
                    )
            if locked:
                notes.append(f"{locked} sellers were switched less than {dwell} ago")
            if not moves:
                direction = Direction.NONE
        else:
            cooling = last_pull_utc is not None and now_utc - last_pull_utc < timedelta(
                minutes=config.release_cooldown_minutes
            )
            surplus = (-shortfall).min(axis=1) - config.release_margin_agents
            if cooling and np.any(surplus >= 1.0 - _EPS):
                notes.append(
                    "servers to spare, but sellers were pulled in the last "
                    f"{config.release_cooldown_minutes:g} min"
                )
            elif np.any(surplus >= 1.0 - _EPS):
                direction = Direction.TO_SELL
                taken = set()
                for qi in np.argsort(-surplus, kind="stable"):
                    spare = math.floor(surplus[qi] + _EPS)
                    if spare < 1:
                        break
                    q = queue_codes[qi]
                    candidates_r = []
                    for agent, serving, span in servers_here:
                        if serving != q or agent.agent_code in taken or not unlocked(agent):
                            continue
                        open_campaigns = [
                            (campaign_value_now[c], c)
                            for c in agent.campaign_skills
                            if c in campaign_value_now
                        ]
                        if not open_campaigns:
                            continue
                        value, campaign = max(open_campaigns)
                        returning = agent.published_activity_now is Activity.SELL
                        candidates_r.append(
                            (not returning, -value, agent.agent_code, campaign, until(span))
                        )
                    candidates_r.sort()
                    for _ret, neg_value, code, campaign, end in candidates_r[:spare]:
                        if cap is not None and len(moves) >= cap:
                            notes.append(f"limited to {cap} agents per move")
                            break
                        moves.append(AgentMove(code, Activity.SELL, q, campaign, -neg_value, end))
                        taken.add(code)
                if not moves:
                    direction = Direction.NONE
                    notes.append("servers to spare, but none can sell a campaign open now")

    # Servers with the move, per queue and interval.
    with_move = servers.copy()
    by_code = {a.agent_code: a for a in agents}
    for move in moves:
        qi = qindex[move.queue_code]
        agent = by_code[move.agent_code]
        source = Activity.SELL if move.to_activity is Activity.SERVE else Activity.SERVE
        sign = 1.0 if move.to_activity is Activity.SERVE else -1.0
        with_move[qi, 0] += sign
        for h in range(1, horizon):
            end = min(starts[h] + length, move.until_utc)
            if end <= starts[h]:
                continue
            moved = _planned_share(agent.plan, source, starts[h], end)
            with_move[qi, h] += sign * sum(moved.values()) * (end - starts[h]) / length

    outlook: list[IntervalOutlook] = []
    totals = np.zeros(5)  # contacts, sl without, sl with, ar without, ar with (weighted)
    if queues:
        assert needed is not None
        sl, ar = _kpis(inputs, interval_seconds, np.vstack([servers, with_move]))
        n = len(queues)
        sl0, sl1, ar0, ar1 = sl[:n], sl[n:], ar[:n], ar[n:]
        contacts = inputs["calls"]
        totals = np.array(
            [
                contacts.sum(),
                (contacts * sl0).sum(),
                (contacts * sl1).sum(),
                (contacts * ar0).sum(),
                (contacts * ar1).sum(),
            ]
        )
        for qi, load in enumerate(queues):
            for h in range(horizon):
                outlook.append(
                    IntervalOutlook(
                        queue_code=load.queue_code,
                        interval_start_utc=starts[h],
                        offered=float(contacts[qi, h]),
                        aht_seconds=float(load.aht_seconds[h]),
                        servers_needed=int(needed[qi, h]),
                        servers_without=float(servers[qi, h]),
                        servers_with=float(with_move[qi, h]),
                        service_level_without=float(sl0[qi, h]),
                        service_level_with=float(sl1[qi, h]),
                        answer_rate_without=float(ar0[qi, h]),
                        answer_rate_with=float(ar1[qi, h]),
                    )
                )
    weighted: list[float | None]
    if totals[0] > 0:
        weighted = [float(v / totals[0]) for v in totals[1:]]
    else:
        weighted = [None, None, None, None]

    return Recommendation(
        as_of_utc=now_utc,
        direction=direction,
        moves=tuple(moves),
        until_utc=horizon_end,
        message=_message(direction, len(moves)),
        on_shift_now=on_shift,
        servers_now=float(servers[:, 0].sum()) if queues else 0.0,
        sellers_now=sellers_now,
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
