"""The sell/serve recommendation: which sellers to pull back to the queues, or servers to
release to sell, now, decided in money.

For each queue and each interval of a short horizon (the current interval and the next few), the
**servers needed** are the queue model's requirement (the fewest agents meeting every target:
service level, least answer rate, abandon cap; contacts waiting now added to the current
interval), and the **servers** the floor has are:

- in the current interval, the agents serving now (their ACD state), plus agents switched to serve
  in the last `switch_grace_seconds` whose ACD state has not caught up yet; an agent with no state
  yet counts as planned;
- in later intervals, the agents planned to serve (the effective plan), each counted for the share
  of the interval it is planned to serve.

A move of one agent is priced over the horizon (the current interval for the share still ahead):
the **value of the service** it changes on its queue (value per answered contact x contacts
answered, from the queue model, less the roster's under-target penalty per agent-hour short of
the requirement, the shortfall expected over the reforecast's 80 % band: `SHORTFALL_WEIGHTS`)
against the **expected sales** it gives up or gains (`FloorEconomics`: the agent's value of a
selling hour on the campaign, per interval).

**Pull** (seller -> serve): one at a time, the seller and queue whose move nets most, while it
nets more than its margin; a seller whose campaign needs its minutes for callbacks due stays.
**Release** (server -> sell): only without a pull, with servers beyond needed +
`release_margin_agents` in every interval and no pull in the last `release_cooldown_minutes`;
one at a time, the server
whose selling nets most (returning agents first among equals), to the campaign calling now that
earns most for them, within its weekly room and not to an exhausted list; the switch ends when
the calling window closes, if earlier.

**The day's answer-rate target** (`QueueLoad.answer_rate_floor`, `day_answer_rate_floor`): while
a queue's predicted answer rate over the horizon is under the floor its day needs, its sellers
are pulled (the least loss first) beyond what pays, up to within `DAY_ANSWER_RATE_GUARD` of what
all of them would give; a release that would leave it under the floor is refused. Callers compute
the floor with `wfm.domain.intraday.day_target.with_day_floors`.

**Hysteresis**: a move must net more than `margin_share_of_penalty` x the penalty per hour it
spans in the horizon; reversing a switch made within `min_dwell_minutes` more than
`reverse_margin_share_of_penalty` x it; the release margin and cooldown keep a dead band.
**Limits**: never more agents than are eligible on shift, and at most `max_agents_per_move`.

Each move states its **trade** (`Trade`): points of answer rate and service level on its queue
(contact-weighted over the horizon, given the moves before it), the value of the service and the
expected sales, in the economics' currency; the recommendation states the whole move's.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt

from wfm.domain import Activity
from wfm.domain.intraday.plan import PlanSpan
from wfm.domain.intraday.states import ActualActivity
from wfm.domain.intraday.trade import FloorEconomics, Trade, ValueSource
from wfm.domain.money import money_text
from wfm.domain.notes import (
    CALLBACKS_DUE,
    CAMPAIGN_HOURS_FULL,
    LEADS_EXHAUSTED,
    MOVE_CAPPED,
    NO_RELEASE,
    NOTHING_TO_SELL,
    SELLERS_PULLED,
    SHORT_FEW_SELLERS,
    TARGET_NO_SELLER_LEFT,
    TARGET_OUT_OF_REACH,
)
from wfm.domain.queue_model import QueueModel, kpis_of_queues, requirement_of_queues

FloatArray = npt.NDArray[np.float64]
_EPS = 1e-9
# Servers more (pull) or fewer (release) evaluated ahead when a move's effects need the queue
# model: the next moves' staffings come from the memo instead of a call each (`_Valuer._cells`).
_AHEAD = 16


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
    # The least contact-weighted answer rate the horizon's contacts must be answered at for the
    # queue's day to meet its answer-rate target (`day_answer_rate_floor`); None: no such bound,
    # the money alone decides.
    answer_rate_floor: float | None = None
    # The reforecast's 80 % band of the contacts per interval (its 10th and 90th percentiles);
    # None: the reforecast is taken as certain. The shortfall a move changes is priced as its
    # expectation over the band (`SHORTFALL_WEIGHTS`).
    offered_lo80: Sequence[float] | None = None
    offered_hi80: Sequence[float] | None = None

    @property
    def queue_code(self) -> str:
        return self.model.code


# The weights of the 10th percentile, the median (the reforecast) and the 90th percentile of
# the contacts in the expected shortfall (Swanson's rule for a mean from three quantiles): what
# a queue is short of its requirement is priced as its expectation over what may arrive.
SHORTFALL_WEIGHTS = (0.3, 0.4, 0.3)


# Answer-rate points the floor holds a day above its target: the queue model's projection of
# the day is not what the day will be (measured on simulated days, docs/intraday.md).
DAY_ANSWER_RATE_GUARD = 0.003


def day_answer_rate_floor(
    target: float | None,
    *,
    offered_before: float,
    answered_before: float,
    horizon_offered: float,
    offered_after: float,
    answered_after: float,
    guard: float = DAY_ANSWER_RATE_GUARD,
) -> float | None:
    """The least answer rate the horizon's `horizon_offered` contacts must be answered at for
    the day's answer rate (the contacts before, in and after the horizon) to reach `target` +
    `guard` (at most 1), given those answered before it (what happened) and after it (the queue
    model's projection at the plan). None without a target or contacts in the horizon; at most
    0 when anything holds it, above 1 when nothing can (every seller who can serve is pulled)."""
    if target is None or horizon_offered <= 0:
        return None
    total = offered_before + horizon_offered + offered_after
    wanted = min(1.0, target + guard) * total
    return (wanted - answered_before - answered_after) / horizon_offered


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
    """The horizon, the hysteresis and the limits. The margins are shares of the under-target
    penalty per agent-hour, per hour of the horizon a move spans: a move is made only when it
    nets more than `margin_share_of_penalty` of it, and a move of an agent switched less than
    `min_dwell_minutes` ago (which would reverse that switch) more than
    `reverse_margin_share_of_penalty`."""

    horizon_intervals: int = 4
    release_margin_agents: float = 1.0
    min_dwell_minutes: float = 30.0
    release_cooldown_minutes: float = 30.0
    switch_grace_seconds: float = 300.0
    max_agents_per_move: int | None = None
    max_switch_minutes: float = 240.0
    margin_share_of_penalty: float = 0.1
    reverse_margin_share_of_penalty: float = 0.5

    def __post_init__(self) -> None:
        if self.horizon_intervals < 1:
            raise ValueError("horizon_intervals must be >= 1")
        if not 0 <= self.margin_share_of_penalty <= self.reverse_margin_share_of_penalty:
            raise ValueError(
                "margins must satisfy 0 <= margin_share_of_penalty <= "
                "reverse_margin_share_of_penalty"
            )
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
    campaign_value_per_hour: float  # that campaign's expected sales per hour for this agent now
    until_utc: datetime  # end of the switch: when the agent's current block of work ends
    trade: Trade = field(
        default_factory=Trade.nothing
    )  # what this move trades, given the ones before
    margin_value: float = 0.0  # the money it had to net (the hysteresis margin)


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
    trade: Trade = field(default_factory=Trade.nothing)  # the whole move's
    value_sources: tuple[ValueSource, ...] = ()  # where each campaign's selling value comes from

    @property
    def currency(self) -> str:
        return self.trade.currency

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


def _band_matrix(queues: Sequence[QueueLoad], calls: FloatArray) -> FloatArray:
    """Contacts per (quantile, queue, interval): the band's 10th percentile, the reforecast and
    its 90th percentile (the reforecast where a queue gives no band); the backlog joins each
    quantile's first interval."""
    horizon = calls.shape[1]
    band = np.stack([calls, calls, calls])
    for qi, load in enumerate(queues):
        for b, values in ((0, load.offered_lo80), (2, load.offered_hi80)):
            if values is not None and len(values) >= horizon:
                band[b, qi] = np.asarray(values[:horizon], dtype=np.float64)
                band[b, qi, 0] += load.contacts_waiting
    band[0] = np.minimum(band[0], calls)
    band[2] = np.maximum(band[2], calls)
    return band


def _needed_band(
    queues: Sequence[QueueLoad], calls: FloatArray, aht: FloatArray, needed: npt.NDArray[np.int64]
) -> FloatArray:
    """Servers needed per (quantile, queue, interval) at the contacts of `_band_matrix`
    (`needed`: at the reforecast)."""
    band = _band_matrix(queues, calls)
    out = np.stack([needed, needed, needed]).astype(np.float64)
    for b in (0, 2):
        if not np.array_equal(band[b], calls):
            out[b] = _needed(queues, band[b], aht)
    return out


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
    """The floor as things stand: servers per (queue, interval), who is on shift (planned now,
    or serving or selling by its state) and selling, and the agents a move may take (sellers
    planned to sell, servers planned to serve now)."""

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
        planned_now = span.activity if span is not None else None
        recently_switched = (
            agent.last_switch_utc is not None and now_utc - agent.last_switch_utc < grace
        )
        if agent.actual is None or (recently_switched and planned_now in _SWITCHABLE):
            doing = planned_now
        else:
            doing = _as_planned(agent.actual)
        if span is not None or doing in _SWITCHABLE:  # planned now, or working (early, late)
            floor.on_shift += 1
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
    """What a move may do now: the dwell lock and the margins, the length of a switch, the cap
    per move, and the money (selling values, campaign rooms, the under-target penalty)."""

    now_utc: datetime
    config: RecommendationConfig
    economics: FloorEconomics

    def locked(self, agent: FloorAgent) -> bool:
        """Switched less than `min_dwell_minutes` ago: moving it again needs the larger margin."""
        dwell = timedelta(minutes=self.config.min_dwell_minutes)
        return agent.last_switch_utc is not None and self.now_utc - agent.last_switch_utc < dwell

    def margin(self, agent: FloorAgent, hours: float) -> float:
        """The money a move of `agent` spanning `hours` of the horizon must net to be made."""
        share = (
            self.config.reverse_margin_share_of_penalty
            if self.locked(agent)
            else self.config.margin_share_of_penalty
        )
        return share * self.economics.under_target_penalty_per_agent_hour * hours

    def until(self, span: PlanSpan) -> datetime:
        """A switch lasts until the agent's current block of the activity ends (a break, a
        lunch, the shift end or a planned change), at most `max_switch_minutes`."""
        return min(span.end_utc, self.now_utc + timedelta(minutes=self.config.max_switch_minutes))

    def full(self, moves: list[AgentMove], notes: list[str]) -> bool:
        """True (and a note) when the move has its most agents already."""
        cap = self.config.max_agents_per_move
        if cap is not None and len(moves) >= cap:
            notes.append(MOVE_CAPPED(agents=cap))
            return True
        return False

    def money(self, amount: float) -> str:
        return money_text(amount, self.economics.currency, signed=False)


@dataclass(frozen=True, slots=True)
class _Valuer:
    """The value of a queue's service at a staffing, from its queue model: over the horizon,
    each interval weighted by the share of it still ahead, the value per answered contact x the
    contacts answered, less the roster's under-target penalty per agent-hour short of the
    requirement."""

    queues: Sequence[QueueLoad]
    starts: Sequence[datetime]
    calls: FloatArray
    aht: FloatArray
    needed: FloatArray
    # servers needed per (quantile, queue, interval) over the reforecast's band (`_needed_band`)
    needed_band: FloatArray
    weights: FloatArray  # per interval: the share of it still ahead (1 after the current one)
    interval_hours: float
    economics: FloorEconomics
    models: Sequence[QueueModel]  # the queues' models, memoised for this recommendation

    def evaluate(
        self, qi: int, rows: Sequence[FloatArray], ahead: int = 0
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """For queue `qi` at each staffing in `rows` (servers per interval): the value of its
        service (money) and its contact-weighted service level and answer rate over the horizon
        (an interval with contacts and nobody serving counts 0; no contacts at all, 1). `ahead`
        as in `_cells`."""
        load = self.queues[qi]
        k = np.stack(list(rows))
        calls = np.broadcast_to(self.calls[qi], k.shape)
        aht = np.broadcast_to(self.aht[qi], k.shape)
        ok = (calls > 0) & (k > _EPS)
        sl = np.where(calls > 0, 0.0, 1.0)
        ar = sl.copy()
        if ok.any():
            sl[ok], ar[ok] = self._cells(qi, calls[ok], aht[ok], k[ok], ahead)
        short = self.shortfall(qi, k)
        penalty = self.economics.under_target_penalty_per_agent_hour * self.interval_hours
        per_interval = load.model.value_per_answered_contact * calls * ar - penalty * short
        value = (per_interval * self.weights).sum(axis=1)
        total = calls.sum(axis=1)
        safe = np.where(total > 0, total, 1.0)
        sl_avg = np.where(total > 0, (calls * sl).sum(axis=1) / safe, 1.0)
        ar_avg = np.where(total > 0, (calls * ar).sum(axis=1) / safe, 1.0)
        return value, sl_avg, ar_avg

    def shortfall(self, qi: int, k: FloatArray) -> FloatArray:
        """Agents queue `qi` is short of its requirement at each staffing of `k` (rows of servers
        per interval), per interval: the expectation over the reforecast's band (its 10th
        percentile, the reforecast, its 90th, weighted `SHORTFALL_WEIGHTS`); on the reforecast
        alone where the queue has no band."""
        band = self.needed_band[:, qi]
        if np.array_equal(band[0], band[2]):
            return np.maximum(0.0, self.needed[qi] - k)
        short = np.maximum(0.0, band[:, None, :] - k[None, :, :])
        return np.tensordot(np.asarray(SHORTFALL_WEIGHTS), short, axes=1)

    def _cells(
        self, qi: int, calls: FloatArray, aht: FloatArray, agents: FloatArray, ahead: int = 0
    ) -> tuple[FloatArray, FloatArray]:
        """Service level and answer rate of each cell (contacts, handle time, servers) of queue
        `qi`: each distinct cell evaluated once per recommendation (the queue model's KPI memo,
        `QueueModel.memoised`), so a staffing asked again costs no queue-model call. When a cell
        is new, the same call also evaluates it with 1 to |`ahead`| servers more (`ahead` > 0)
        or fewer (< 0): the staffings the next moves of one agent each will ask for."""
        model = self.models[qi]
        assert model.memo is not None
        cells = np.column_stack((calls, aht, agents))
        distinct, inverse = np.unique(cells, axis=0, return_inverse=True)
        if ahead and not model.memo.known(model, distinct).all():
            steps = np.sign(ahead) * np.arange(1.0, abs(ahead) + 1.0)
            more = np.repeat(distinct, steps.size, axis=0)
            more[:, 2] += np.tile(steps, len(distinct))
            more = more[more[:, 2] > _EPS]
            wanted = np.unique(np.concatenate((distinct, more)), axis=0)
            model.memo.kpis(model, wanted[~model.memo.known(model, wanted)])
        kpis = model.memo.kpis(model, distinct)
        assert kpis.answer_rate is not None  # Erlang A: `_horizon` refuses Erlang C
        inverse = inverse.reshape(-1)
        return kpis.service_level[inverse], kpis.answer_rate[inverse]

    def hours(self, shares: FloatArray) -> float:
        """Agent-hours of the horizon that a move of these shares spans."""
        return float((self.weights * shares).sum() * self.interval_hours)

    def sales(self, agent: str, campaign: str | None, shares: FloatArray) -> float:
        """Expected sales of `agent` selling `campaign` for `shares` of each interval ahead."""
        if campaign is None:
            return 0.0
        values = [self.economics.value_per_hour(agent, campaign, s) for s in self.starts]
        return float((self.weights * shares * np.asarray(values)).sum() * self.interval_hours)


@dataclass(frozen=True, slots=True)
class _Option:
    """One possible move of one agent: to or from queue `qi`, the servers it adds or takes in
    each interval (`shares`), the campaign it leaves or goes to, what that selling is worth over
    the horizon, and the margin the move must net."""

    agent: FloorAgent
    qi: int
    campaign: str | None
    until: datetime
    shares: FloatArray
    sales: float
    margin: float
    returning: bool = False  # a release of an agent published to sell now


def _effects(
    valuer: _Valuer,
    servers: FloatArray,
    options: Sequence[_Option],
    sign: float,
    known: dict[tuple[int, bytes], tuple[float, float, float]] | None = None,
) -> list[tuple[float, float, float]]:
    """Per option, the change in its queue's service value, service level and answer rate if it
    were made now (`sign` +1 adds its shares, -1 takes them); options with the same queue and
    shares are evaluated once, each queue in one call of its model. `known` keeps the effects
    across calls: the caller drops a queue's entries when its servers change."""
    keys = [(o.qi, o.shares.tobytes()) for o in options]
    out = known if known is not None else {}
    shares = {k: o.shares for k, o in zip(keys, options, strict=True) if k not in out}
    for qi in sorted({k[0] for k in shares}):
        distinct = [k for k in shares if k[0] == qi]
        rows = [servers[qi]] + [servers[qi] + sign * shares[k] for k in distinct]
        value, sl, ar = valuer.evaluate(qi, rows, int(sign) * _AHEAD)
        for i, k in enumerate(distinct, start=1):
            out[k] = (float(value[i] - value[0]), float(sl[i] - sl[0]), float(ar[i] - ar[0]))
    return [out[k] for k in keys]


def _move(
    option: _Option,
    to: Activity,
    effect: tuple[float, float, float],
    horizon: _Horizon,
    rules: _Rules,
) -> AgentMove:
    """The move of an option, with its trade: points of service level and answer rate on its
    queue, the value of the service, and the sales gained (release) or given up (pull)."""
    value, sl_change, ar_change = effect
    sales = option.sales if to is Activity.SELL else -option.sales
    code, start = option.agent.agent_code, horizon.starts[0]
    now_value = (
        rules.economics.value_per_hour(code, option.campaign, start)
        if option.campaign is not None
        else 0.0
    )
    return AgentMove(
        agent_code=code,
        to_activity=to,
        queue_code=horizon.queue_codes[option.qi],
        campaign_code=option.campaign,
        campaign_value_per_hour=now_value,
        until_utc=option.until,
        trade=Trade(100.0 * ar_change, 100.0 * sl_change, value, sales, rules.economics.currency),
        margin_value=option.margin,
    )


def _pull_options(
    horizon: _Horizon, floor: _Floor, rules: _Rules, valuer: _Valuer
) -> list[_Option]:
    """Every seller on shift, planned to sell and selling now, for every queue they can serve:
    what they would add to it and the expected sales they would give up."""
    options = []
    for agent, span in floor.sellers:
        until = rules.until(span)
        shares = _shares(agent, Activity.SELL, until, horizon)
        sales = valuer.sales(agent.agent_code, span.campaign_code, shares)
        margin = rules.margin(agent, valuer.hours(shares))
        for q in sorted(agent.queue_skills):
            if q in horizon.qindex:
                options.append(
                    _Option(
                        agent, horizon.qindex[q], span.campaign_code, until, shares, sales, margin
                    )
                )
    return options


def _callback_minutes(
    floor: _Floor, rules: _Rules, horizon: _Horizon, valuer: _Valuer
) -> dict[str, float]:
    """Per campaign with callbacks due in the horizon: the selling minutes its sellers have in
    the horizon beyond those callbacks (what pulls may take)."""
    minutes_per_interval = horizon.length.total_seconds() / 60.0
    spare: dict[str, float] = {}
    for room in rules.economics.campaigns:
        if room.callback_minutes_due > 0:
            spare[room.campaign_code] = -room.callback_minutes_due
    for agent, span in floor.sellers:
        if span.campaign_code in spare:
            shares = _shares(agent, Activity.SELL, rules.until(span), horizon)
            hours = valuer.hours(shares)
            spare[span.campaign_code] += hours / valuer.interval_hours * minutes_per_interval
    return spare


def _pull(
    horizon: _Horizon, floor: _Floor, rules: _Rules, valuer: _Valuer
) -> tuple[list[AgentMove], list[str]]:
    """Sellers to switch to serve, one at a time: the seller and queue whose move nets the most
    (service value gained minus expected sales given up, beyond the margin), until no move nets
    more than its margin. A seller whose campaign needs its selling minutes for callbacks due in
    the horizon stays selling."""
    servers = floor.servers.copy()
    options = _pull_options(horizon, floor, rules, valuer)
    spare_callback = _callback_minutes(floor, rules, horizon, valuer)
    moves: list[AgentMove] = []
    notes: list[str] = []
    known: dict[tuple[int, bytes], tuple[float, float, float]] = {}
    while options and not rules.full(moves, notes):
        effects = _effects(valuer, servers, options, +1.0, known)
        ranked = []
        for option, effect in zip(options, effects, strict=True):
            room = spare_callback.get(option.campaign or "")
            if room is not None and room - valuer.hours(option.shares) * 60.0 < -_EPS:
                notes.append(CALLBACKS_DUE(campaign=option.campaign))
                continue
            excess = effect[0] - option.sales - option.margin
            ranked.append((-excess, option.sales, option.agent.agent_code, option.qi, option))
        if not ranked:
            break
        ranked.sort(key=lambda r: r[:4])
        best = ranked[0][4]
        if ranked[0][0] >= 0:
            notes.extend(_refusal(best, effects[options.index(best)], horizon, rules))
            break
        taken = _pull_batch(ranked, servers, spare_callback, moves, notes, horizon, rules, valuer)
        known = {k: v for k, v in known.items() if k[0] != best.qi}  # its servers changed
        options = [o for o in options if o.agent.agent_code not in taken]
    options = _hold_answer_rate(
        options, servers, spare_callback, moves, notes, horizon, rules, valuer
    )
    notes.extend(_still_short(servers, valuer, horizon, floor, options))
    return moves, notes


def _callback_room(option: _Option, spare_callback: Mapping[str, float], valuer: _Valuer) -> bool:
    """Whether pulling the option's seller leaves its campaign the minutes of callbacks due."""
    room = spare_callback.get(option.campaign or "")
    return room is None or room - valuer.hours(option.shares) * 60.0 >= -_EPS


def _hold_answer_rate(
    options: list[_Option],
    servers: FloatArray,
    spare_callback: dict[str, float],
    moves: list[AgentMove],
    notes: list[str],
    horizon: _Horizon,
    rules: _Rules,
    valuer: _Valuer,
) -> list[_Option]:
    """The pulls the day's answer-rate target needs beyond those that pay: while a queue's
    contact-weighted answer rate over the horizon is under its floor (`QueueLoad.
    answer_rate_floor`), the seller who can serve it whose pull nets most (loses least), margin
    or not; callbacks due still keep their sellers. A floor above 1 (the horizon alone cannot
    save the day, later pulls must help) pulls sellers until the horizon's answer rate is within
    `DAY_ANSWER_RATE_GUARD` of what every seller who can serve the queue serving it would give:
    the last pulls into a queue that has enough add almost nothing. A caller that finds the
    day's target out of reach even so gives no floor. The options left."""
    for qi, load in enumerate(valuer.queues):
        bound = load.answer_rate_floor
        if bound is None:
            continue
        code = horizon.queue_codes[qi]
        bound = _reachable_floor(qi, bound, options, servers, spare_callback, valuer, notes, code)
        while not rules.full(moves, notes):
            answer_rate = float(valuer.evaluate(qi, [servers[qi]])[2][0])
            if answer_rate >= bound - _EPS:
                break
            mine = [o for o in options if o.qi == qi and _callback_room(o, spare_callback, valuer)]
            if not mine:
                notes.append(
                    TARGET_NO_SELLER_LEFT(
                        queue=code, needed=f"{min(bound, 1.0):.1%}", predicted=f"{answer_rate:.1%}"
                    )
                )
                break
            effects = _effects(valuer, servers, mine, +1.0)
            pick = min(
                range(len(mine)),
                key=lambda i: (
                    mine[i].sales + mine[i].margin - effects[i][0],
                    mine[i].agent.agent_code,
                ),
            )
            option = mine[pick]
            moves.append(_move(option, Activity.SERVE, effects[pick], horizon, rules))
            servers[qi] += option.shares
            if option.campaign in spare_callback:
                spare_callback[option.campaign] -= valuer.hours(option.shares) * 60.0
            options = [o for o in options if o.agent.agent_code != option.agent.agent_code]
            notes.append(SELLERS_PULLED(queue=code))
    return options


def _reachable_floor(
    qi: int,
    bound: float,
    options: Sequence[_Option],
    servers: FloatArray,
    spare_callback: Mapping[str, float],
    valuer: _Valuer,
    notes: list[str],
    code: str,
) -> float:
    """The floor queue `qi` is held to in this horizon: `bound`, but no more than
    `DAY_ANSWER_RATE_GUARD` under the answer rate every seller who can serve it (callbacks due
    allowing) would give it serving."""
    pool = [o for o in options if o.qi == qi and _callback_room(o, spare_callback, valuer)]
    if not pool:
        return bound
    most = float(valuer.evaluate(qi, [servers[qi] + sum(o.shares for o in pool)])[2][0])
    if bound <= most - DAY_ANSWER_RATE_GUARD:
        return bound
    notes.append(
        TARGET_OUT_OF_REACH(
            queue=code,
            needed=f"{min(bound, 1.0):.1%}",
            most=f"{most:.1%}",
            points=f"{100 * DAY_ANSWER_RATE_GUARD:.1f}",
        )
    )
    return most - DAY_ANSWER_RATE_GUARD


def _pull_batch(
    ranked: list[tuple[float, float, str, int, _Option]],
    servers: FloatArray,
    spare_callback: dict[str, float],
    moves: list[AgentMove],
    notes: list[str],
    horizon: _Horizon,
    rules: _Rules,
    valuer: _Valuer,
) -> set[str]:
    """Make the best pull in `ranked`, then, in the same evaluation of its queue, the next ones
    that add the same servers to the same queue while each still nets more than its margin and
    than any other pull could (the value of a queue's service is concave in its servers, so the
    other pulls' nets only fall): one queue-model call for a run of like pulls."""
    best = ranked[0][4]
    key = (best.qi, best.shares.tobytes())
    same = [r[4] for r in ranked if (r[4].qi, r[4].shares.tobytes()) == key]
    other = next((-r[0] for r in ranked if (r[4].qi, r[4].shares.tobytes()) != key), 0.0)
    cap = rules.config.max_agents_per_move
    same = same[: (cap - len(moves)) if cap is not None else len(same)]
    rows = [servers[best.qi] + j * best.shares for j in range(len(same) + 1)]
    value, sl, ar = valuer.evaluate(best.qi, rows)
    taken: set[str] = set()
    for j, option in enumerate(same, start=1):
        gain = float(value[j] - value[j - 1])
        excess = gain - option.sales - option.margin
        minutes = valuer.hours(option.shares) * 60.0
        room = spare_callback.get(option.campaign or "")
        if j > 1 and (excess <= max(other, 0.0) or (room is not None and room - minutes < -_EPS)):
            break
        effect = (gain, float(sl[j] - sl[j - 1]), float(ar[j] - ar[j - 1]))
        moves.append(_move(option, Activity.SERVE, effect, horizon, rules))
        servers[option.qi] += option.shares
        if option.campaign in spare_callback:
            spare_callback[option.campaign] -= minutes
        taken.add(option.agent.agent_code)
    return taken


def _refusal(
    option: _Option, effect: tuple[float, float, float], horizon: _Horizon, rules: _Rules
) -> list[str]:
    """Why the best pull left was not made, when it would have served a queue short of its
    requirement or the agent was switched a moment ago."""
    q = horizon.queue_codes[option.qi]
    code = option.agent.agent_code
    if rules.locked(option.agent) and effect[0] - option.sales > 0:
        return [
            f"pulling {code} back to {q} would net {rules.money(effect[0] - option.sales)}, "
            f"less than the {rules.money(option.margin)} needed to reverse a switch made less "
            f"than {rules.config.min_dwell_minutes:g} min ago"
        ]
    if effect[0] <= 0:
        return []
    return [
        f"pulling {code} to {q} would give up {rules.money(option.sales)} of expected sales "
        f"for {rules.money(effect[0])} of service"
    ]


def _still_short(
    servers: FloatArray, valuer: _Valuer, horizon: _Horizon, floor: _Floor, left: Sequence[_Option]
) -> list[str]:
    """A note per queue still short of its requirement by half an agent or more now or in the
    next interval with no seller left who could be pulled to it."""
    notes = []
    short_by = (valuer.needed - servers)[:, :2].max(axis=1)
    for qi, q in enumerate(horizon.queue_codes):
        if short_by[qi] >= 0.5 - _EPS and not any(o.qi == qi for o in left):
            skilled = sum(1 for agent, _span in floor.sellers if q in agent.queue_skills)
            notes.append(SHORT_FEW_SELLERS(queue=q, agents=f"{short_by[qi]:.1f}", sellers=skilled))
    return notes


@dataclass(frozen=True, slots=True)
class _SellChoice:
    """A server who may be released and the campaigns open to them, each priced once (what a
    switch would earn and span does not change as others are released; only the weekly room
    left does): per campaign calling now, in code order, its option, or None when its lead list
    is exhausted, and the hours the switch would take from its weekly room."""

    agent: FloorAgent
    campaigns: tuple[tuple[str, _Option | None, float], ...]

    def best(
        self, rules: _Rules, used_hours: Mapping[str, float]
    ) -> tuple[_Option | None, list[str]]:
        """The campaign the server would sell if released now: of those with leads left and room
        under the weekly cap for the whole switch, the one with the highest expected sales."""
        best: _Option | None = None
        notes = []
        for campaign, option, switch_hours in self.campaigns:
            if option is None:
                notes.append(LEADS_EXHAUSTED(campaign=campaign))
                continue
            cap = rules.economics.room(campaign).hours_left_this_week
            if cap is not None and used_hours.get(campaign, 0.0) + switch_hours > cap + _EPS:
                notes.append(CAMPAIGN_HOURS_FULL(campaign=campaign))
                continue
            if best is None or option.sales > best.sales:
                best = option
        return best, notes


def _sell_choice(
    agent: FloorAgent, qi: int, span: PlanSpan, horizon: _Horizon, rules: _Rules, valuer: _Valuer
) -> _SellChoice:
    """The campaigns a server could be released to: those they can sell that are calling now;
    the switch ends when the calling window closes, if earlier."""
    campaigns: list[tuple[str, _Option | None, float]] = []
    for campaign in sorted(agent.campaign_skills):
        room = rules.economics.room(campaign)
        if room.calling_until_utc is None or room.calling_until_utc <= rules.now_utc:
            continue
        if room.exhausted:
            campaigns.append((campaign, None, 0.0))
            continue
        until = min(rules.until(span), room.calling_until_utc)
        shares = _shares(agent, Activity.SERVE, until, horizon)
        option = _Option(
            agent,
            qi,
            campaign,
            until,
            shares,
            valuer.sales(agent.agent_code, campaign, shares),
            rules.margin(agent, valuer.hours(shares)),
            agent.published_activity_now is Activity.SELL,
        )
        campaigns.append((campaign, option, (until - rules.now_utc).total_seconds() / 3600.0))
    return _SellChoice(agent, tuple(campaigns))


@dataclass(slots=True)
class _SellPool:
    """The servers still to be considered for release (in the floor's order), each with their
    best option now, held as arrays so that the check against the release margin and the ranking
    are taken over the whole pool at once. Options with the same queue and shares form a group,
    priced once; `rank` orders equals: agents switched in from selling first, then by code."""

    choices: list[_SellChoice]
    options: list[_Option | None]
    alive: npt.NDArray[np.bool_]
    has_option: npt.NDArray[np.bool_]
    qi: npt.NDArray[np.int64]
    shares: FloatArray
    sales: FloatArray
    margin: FloatArray
    group: npt.NDArray[np.int64]
    rank: npt.NDArray[np.int64]
    groups: dict[tuple[int, bytes], int] = field(default_factory=dict)
    group_options: list[_Option] = field(default_factory=list)

    @classmethod
    def of(cls, choices: list[_SellChoice], qis: list[int], intervals: int) -> _SellPool:
        n = len(choices)
        order = sorted(
            range(n),
            key=lambda i: (
                choices[i].agent.published_activity_now is not Activity.SELL,
                choices[i].agent.agent_code,
            ),
        )
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n)
        return cls(
            choices,
            [None] * n,
            np.ones(n, dtype=bool),
            np.zeros(n, dtype=bool),
            np.asarray(qis, dtype=np.int64).reshape(n),
            np.zeros((n, intervals)),
            np.zeros(n),
            np.zeros(n),
            np.zeros(n, dtype=np.int64),
            rank,
        )

    def refresh(
        self, which: Sequence[int], rules: _Rules, used_hours: Mapping[str, float]
    ) -> list[str]:
        """Choose again the option of the servers `which` (in pool order), with their notes."""
        notes = []
        for i in which:
            if not self.alive[i]:
                continue
            option, why = self.choices[i].best(rules, used_hours)
            notes.extend(why)
            self.options[i] = option
            self.has_option[i] = option is not None
            if option is not None:
                self.shares[i] = option.shares
                self.sales[i] = option.sales
                self.margin[i] = option.margin
                key = (option.qi, option.shares.tobytes())
                if key not in self.groups:
                    self.groups[key] = len(self.group_options)
                    self.group_options.append(option)
                self.group[i] = self.groups[key]
        return notes

    def fitting(
        self, servers: FloatArray, needed: FloatArray, keep: float
    ) -> npt.NDArray[np.int64]:
        """The servers with an option that leaves their queue at least `keep` agents over its
        requirement in every interval."""
        fits = np.all(servers[self.qi] - self.shares - needed[self.qi] >= keep, axis=1)
        return np.flatnonzero(self.alive & self.has_option & fits)

    def using(self, campaign: str) -> list[int]:
        """The servers who could sell `campaign`."""
        return [
            i
            for i, choice in enumerate(self.choices)
            if self.alive[i] and any(c == campaign for c, _o, _h in choice.campaigns)
        ]

    def best(
        self,
        candidates: npt.NDArray[np.int64],
        valuer: _Valuer,
        servers: FloatArray,
        known: dict[tuple[int, bytes], tuple[float, float, float]],
    ) -> tuple[int, float, tuple[float, float, float]]:
        """Of `candidates`, the server whose release nets most beyond its margin (`rank` among
        equals): its index, minus its excess, and the effect on its queue."""
        present = np.unique(self.group[candidates])
        effects = _effects(valuer, servers, [self.group_options[g] for g in present], -1.0, known)
        gain = np.zeros(len(self.group_options))
        gain[present] = [e[0] for e in effects]
        neg_excess = -(
            self.sales[candidates] + gain[self.group[candidates]] - self.margin[candidates]
        )
        least = neg_excess.min()
        tied = candidates[neg_excess == least]
        pick = int(tied[np.argmin(self.rank[tied])])
        effect = effects[int(np.searchsorted(present, self.group[pick]))]
        return pick, float(least), effect


def _release(
    horizon: _Horizon, floor: _Floor, rules: _Rules, valuer: _Valuer
) -> tuple[list[AgentMove], list[str]]:
    """Servers to release to sell, one at a time: the server whose selling nets the most (the
    expected sales gained minus the service value lost, beyond the margin; agents switched in
    from selling first among equals), never leaving a queue fewer than its requirement plus
    `release_margin_agents` in any interval of the horizon. Each server's options are priced
    once; after a release only the servers of a capped campaign it used choose again, and only
    the effects on its queue are priced again."""
    servers = floor.servers.copy()
    used_hours: dict[str, float] = {}
    qis = [horizon.qindex[serving] for _agent, serving, _span in floor.servers_here]
    pool = _SellPool.of(
        [
            _sell_choice(agent, qi, span, horizon, rules, valuer)
            for (agent, _serving, span), qi in zip(floor.servers_here, qis, strict=True)
        ],
        qis,
        horizon.intervals,
    )
    moves: list[AgentMove] = []
    notes: list[str] = []
    keep = rules.config.release_margin_agents - _EPS
    sellable = False
    changed: Sequence[int] = range(len(pool.choices))
    known: dict[tuple[int, bytes], tuple[float, float, float]] = {}
    while pool.alive.any() and not rules.full(moves, notes):
        notes.extend(pool.refresh(changed, rules, used_hours))
        candidates = pool.fitting(servers, valuer.needed, keep)
        sellable = sellable or candidates.size > 0
        if not candidates.size:
            break
        pick, neg_excess, effect = pool.best(candidates, valuer, servers, known)
        if neg_excess >= 0:
            break
        best = pool.options[pick]
        assert best is not None and best.campaign is not None
        if not _holds_answer_rate(valuer, best.qi, servers[best.qi] - best.shares):
            pool.alive[pick] = False  # its queue's day needs it serving
            changed = ()
            notes.append(NO_RELEASE(queue=horizon.queue_codes[best.qi]))
            continue
        moves.append(_move(best, Activity.SELL, effect, horizon, rules))
        servers[best.qi] -= best.shares
        used_hours[best.campaign] = (
            used_hours.get(best.campaign, 0.0)
            + (best.until - rules.now_utc).total_seconds() / 3600.0
        )
        pool.alive[pick] = False
        known = {k: v for k, v in known.items() if k[0] != best.qi}  # its servers changed
        capped = rules.economics.room(best.campaign).hours_left_this_week is not None
        changed = pool.using(best.campaign) if capped else ()
    if not moves and not sellable:
        notes.append(NOTHING_TO_SELL())
    return moves, notes


def _holds_answer_rate(valuer: _Valuer, qi: int, servers: FloatArray) -> bool:
    """Whether queue `qi` at `servers` answers the horizon's contacts at its floor, if any."""
    bound = valuer.queues[qi].answer_rate_floor
    return bound is None or float(valuer.evaluate(qi, [servers])[2][0]) >= bound - _EPS


def _decide(
    horizon: _Horizon,
    floor: _Floor,
    rules: _Rules,
    valuer: _Valuer,
    last_pull_utc: datetime | None,
) -> tuple[Direction, list[AgentMove], list[str]]:
    """Pull when a pull nets more than its margin; else release when a queue has servers to
    spare beyond the release margin over the whole horizon, no pull is cooling down, and a
    release nets more than its margin; else nothing."""
    config = rules.config
    moves, notes = _pull(horizon, floor, rules, valuer)
    if moves:
        return Direction.TO_SERVE, moves, notes
    surplus = (floor.servers - valuer.needed).min(axis=1) - config.release_margin_agents
    if not np.any(surplus >= 1.0 - _EPS):
        return Direction.NONE, [], notes
    cooldown = timedelta(minutes=config.release_cooldown_minutes)
    if last_pull_utc is not None and rules.now_utc - last_pull_utc < cooldown:
        note = (
            "servers to spare, but sellers were pulled in the last "
            f"{config.release_cooldown_minutes:g} min"
        )
        return Direction.NONE, [], [*notes, note]
    moves, release_notes = _release(horizon, floor, rules, valuer)
    return (Direction.TO_SELL if moves else Direction.NONE), moves, notes + release_notes


def _shares(agent: FloorAgent, source: Activity, until: datetime, horizon: _Horizon) -> FloatArray:
    """Servers a switch of `agent` out of `source` moves in each interval: all of the current
    one, and of each later one the share planned as `source` before the switch ends."""
    starts, length = horizon.starts, horizon.length
    shares = np.zeros(horizon.intervals)
    shares[0] = 1.0
    for h in range(1, horizon.intervals):
        end = min(starts[h] + length, until)
        if end <= starts[h]:
            continue
        moved = _planned_share(agent.plan, source, starts[h], end)
        shares[h] = sum(moved.values()) * (end - starts[h]) / length
    return shares


def _servers_with(
    moves: Sequence[AgentMove], agents: Sequence[FloorAgent], horizon: _Horizon, floor: _Floor
) -> FloatArray:
    """Servers per (queue, interval) with the moves: each moved agent counts now, and later for
    the share of each interval it was planned in its former activity until its switch ends."""
    with_move = floor.servers.copy()
    by_code = {a.agent_code: a for a in agents}
    for move in moves:
        source = Activity.SELL if move.to_activity is Activity.SERVE else Activity.SERVE
        sign = 1.0 if move.to_activity is Activity.SERVE else -1.0
        shares = _shares(by_code[move.agent_code], source, move.until_utc, horizon)
        with_move[horizon.qindex[move.queue_code]] += sign * shares
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


def _valuer(
    now_utc: datetime,
    horizon: _Horizon,
    queues: Sequence[QueueLoad],
    calls: FloatArray,
    aht: FloatArray,
    needed: npt.NDArray[np.int64],
    needed_band: FloatArray,
    economics: FloorEconomics,
) -> _Valuer:
    """The valuation of the horizon: the current interval counts for the share still ahead."""
    weights = np.ones(horizon.intervals)
    weights[0] = (horizon.starts[0] + horizon.length - now_utc) / horizon.length
    return _Valuer(
        queues=queues,
        starts=horizon.starts,
        calls=calls,
        aht=aht,
        needed=needed.astype(np.float64),
        needed_band=needed_band,
        weights=weights,
        interval_hours=horizon.length.total_seconds() / 3600.0,
        economics=economics,
        models=[q.model.memoised() for q in queues],
    )


def _trade(moves: Sequence[AgentMove], weighted: Sequence[float | None], currency: str) -> Trade:
    """The whole move's trade: the points over every queue of the horizon (contact-weighted, as
    the outlook), the money the sum of the moves'."""
    sl0, sl1, ar0, ar1 = weighted
    return Trade(
        answer_rate_points=100.0 * (ar1 - ar0) if ar0 is not None and ar1 is not None else 0.0,
        service_level_points=100.0 * (sl1 - sl0) if sl0 is not None and sl1 is not None else 0.0,
        value_of_service=sum(m.trade.value_of_service for m in moves),
        expected_sales_value=sum(m.trade.expected_sales_value for m in moves),
        currency=currency,
    )


def recommend(
    *,
    now_utc: datetime,
    interval_starts_utc: Sequence[datetime],
    interval_minutes: int,
    queues: Sequence[QueueLoad],
    agents: Sequence[FloorAgent],
    economics: FloorEconomics,
    last_pull_utc: datetime | None = None,
    config: RecommendationConfig = RecommendationConfig(),
) -> Recommendation:
    """The move to make now; see the module docstring for the rules.

    `interval_starts_utc` are the horizon's interval starts, the one containing `now_utc` first;
    each queue gives one value per interval, and its model is on the same intervals.
    `economics` holds the selling values over the horizon, each campaign's room (calling window,
    weekly cap, list, callbacks), the under-target penalty and the currency.
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
        band = _needed_band(queues, calls, aht, needed)
        valuer = _valuer(now_utc, horizon, queues, calls, aht, needed, band, economics)
        rules = _Rules(now_utc, config, economics)
        direction, moves, notes = _decide(horizon, floor, rules, valuer, last_pull_utc)
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
        trade=_trade(moves, weighted, economics.currency),
        value_sources=economics.value_sources,
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
