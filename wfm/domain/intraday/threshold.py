"""The floor rule the product had before moves were decided in money: the baseline that `wfm
simulate-days` plays the money decision against.

The servers needed are the same as the money decision's (`servers_needed`: the queue model's
fewest agents meeting every target), and so are the servers counted (the effective plan: all of
an agent planned to serve now, and later each agent for the share of the interval it is planned
to serve); only the rule differs:

- **Pull** when a queue is short by `pull_threshold_agents` (half an agent) or more now or in the
  next `pull_lookahead_intervals`: as many sellers as the largest shortfall (rounded up), among
  the agents planned to sell now with the queue's skill, least valuable campaign first.
- **Release** only when no queue is short, no pull was made in the last
  `release_cooldown_minutes`, and a queue has more than `release_margin_agents` (one agent) to
  spare in every interval of the next hour: the whole agents beyond the margin, among the agents
  planned to serve it now who can sell a campaign calling now, agents published to sell first,
  then the most valuable campaign.
- An agent switched less than `min_dwell_minutes` ago is not switched again; a switch lasts until
  the agent's block of work ends, at most `max_switch_minutes`, and a release until the
  campaign's calling window closes, if earlier.

It never weighs the contacts a pull saves against the sales it gives up: that is the difference.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt

from wfm.domain import Activity
from wfm.domain.intraday.plan import PlanSpan
from wfm.domain.intraday.recommendation import (
    AgentMove,
    Direction,
    FloorAgent,
    QueueLoad,
    servers_needed,
)

FloatArray = npt.NDArray[np.float64]
_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class ThresholdConfig:
    pull_threshold_agents: float = 0.5
    pull_lookahead_intervals: int = 1
    release_margin_agents: float = 1.0
    release_window_minutes: float = 60.0
    min_dwell_minutes: float = 30.0
    release_cooldown_minutes: float = 30.0
    max_switch_minutes: float = 240.0


@dataclass(frozen=True, slots=True)
class OpenCampaign:
    """A campaign calling now: its value per scheduled hour now and when its window closes."""

    value_per_hour: float
    calling_until_utc: datetime


def _span_at(plan: Sequence[PlanSpan], at: datetime) -> PlanSpan | None:
    return next((s for s in plan if s.start_utc <= at < s.end_utc), None)


def _serve_queue(agent: FloorAgent, span: PlanSpan | None) -> str | None:
    if span is not None and span.queue_code:
        return span.queue_code
    return min(agent.queue_skills) if agent.queue_skills else None


def planned_servers(
    agents: Sequence[FloorAgent],
    queue_codes: Sequence[str],
    starts: Sequence[datetime],
    length: timedelta,
) -> FloatArray:
    """Servers per (queue, interval): all of an agent planned to serve at the first start, and
    in later intervals each agent for the share of the interval it is planned to serve."""
    index = {q: i for i, q in enumerate(queue_codes)}
    servers = np.zeros((len(queue_codes), len(starts)))
    for agent in agents:
        span = _span_at(agent.plan, starts[0])
        if span is not None and span.activity is Activity.SERVE:
            q = _serve_queue(agent, span)
            if q in index:
                servers[index[q], 0] += 1.0
        for h in range(1, len(starts)):
            end = starts[h] + length
            for s in agent.plan:
                if s.activity is not Activity.SERVE or s.end_utc <= starts[h] or s.start_utc >= end:
                    continue
                q = _serve_queue(agent, s)
                if q in index:
                    overlap = min(s.end_utc, end) - max(s.start_utc, starts[h])
                    servers[index[q], h] += overlap / length
    return servers


def _unlocked(agent: FloorAgent, now_utc: datetime, config: ThresholdConfig) -> bool:
    dwell = timedelta(minutes=config.min_dwell_minutes)
    return agent.last_switch_utc is None or now_utc - agent.last_switch_utc >= dwell


def _pulls(
    short_by: FloatArray,
    queue_codes: Sequence[str],
    agents: Sequence[FloorAgent],
    now_utc: datetime,
    campaigns: Mapping[str, OpenCampaign],
    config: ThresholdConfig,
) -> list[AgentMove]:
    """Per short queue, most short first, as many skilled sellers as it is short, least
    valuable campaign first."""
    moves: list[AgentMove] = []
    taken: set[str] = set()
    longest = now_utc + timedelta(minutes=config.max_switch_minutes)
    for qi in np.argsort(-short_by, kind="stable"):
        if short_by[qi] < config.pull_threshold_agents - _EPS:
            break
        q = queue_codes[qi]
        candidates = []
        for agent in agents:
            span = _span_at(agent.plan, now_utc)
            if span is None or span.activity is not Activity.SELL or agent.agent_code in taken:
                continue
            if q not in agent.queue_skills or not _unlocked(agent, now_utc, config):
                continue
            room = campaigns.get(span.campaign_code or "")
            value = room.value_per_hour if room is not None else 0.0
            candidates.append((value, agent.agent_code, span))
        candidates.sort(key=lambda c: (c[0], c[1]))
        for value, code, span in candidates[: math.ceil(short_by[qi] - _EPS)]:
            until = min(span.end_utc, longest)
            moves.append(AgentMove(code, Activity.SERVE, q, span.campaign_code, value, until))
            taken.add(code)
    return moves


def _releases(
    surplus: FloatArray,
    queue_codes: Sequence[str],
    agents: Sequence[FloorAgent],
    now_utc: datetime,
    campaigns: Mapping[str, OpenCampaign],
    config: ThresholdConfig,
) -> list[AgentMove]:
    """Per queue with whole servers to spare, most first: agents published to sell first, then
    the most valuable campaign calling now."""
    moves: list[AgentMove] = []
    longest = now_utc + timedelta(minutes=config.max_switch_minutes)
    for qi in np.argsort(-surplus, kind="stable"):
        spare = math.floor(surplus[qi] + _EPS)
        if spare < 1:
            break
        q = queue_codes[qi]
        candidates = []
        for agent in agents:
            span = _span_at(agent.plan, now_utc)
            if span is None or span.activity is not Activity.SERVE:
                continue
            if _serve_queue(agent, span) != q or not _unlocked(agent, now_utc, config):
                continue
            open_ = [
                (campaigns[c].value_per_hour, c) for c in agent.campaign_skills if c in campaigns
            ]
            if not open_:
                continue
            value, campaign = max(open_)
            returning = agent.published_activity_now is Activity.SELL
            until = min(span.end_utc, longest, campaigns[campaign].calling_until_utc)
            candidates.append((not returning, -value, agent.agent_code, campaign, until))
        candidates.sort()
        for _ret, neg_value, code, campaign, until in candidates[:spare]:
            moves.append(AgentMove(code, Activity.SELL, q, campaign, -neg_value, until))
    return moves


def threshold_moves(
    *,
    now_utc: datetime,
    interval_starts_utc: Sequence[datetime],
    interval_minutes: int,
    queues: Sequence[QueueLoad],
    agents: Sequence[FloorAgent],
    campaigns: Mapping[str, OpenCampaign],
    last_pull_utc: datetime | None = None,
    config: ThresholdConfig = ThresholdConfig(),
) -> tuple[Direction, tuple[AgentMove, ...]]:
    """The threshold rule's move now (see the module docstring). `interval_starts_utc` are the
    horizon's starts from the interval containing `now_utc` (at least the release window's),
    each queue gives one value per interval; `campaigns` are those calling now."""
    starts = list(interval_starts_utc)
    length = timedelta(minutes=interval_minutes)
    if not starts or not starts[0] <= now_utc < starts[0] + length:
        raise ValueError("the first interval must contain now_utc")
    if not queues:
        return Direction.NONE, ()
    needed = np.stack([servers_needed(q)[: len(starts)] for q in queues]).astype(np.float64)
    codes = [q.queue_code for q in queues]
    servers = planned_servers(agents, codes, starts, length)
    shortfall = needed - servers
    short_by = shortfall[:, : config.pull_lookahead_intervals + 1].max(axis=1)
    if np.any(short_by >= config.pull_threshold_agents - _EPS):
        pulls = _pulls(short_by, codes, agents, now_utc, campaigns, config)
        return (Direction.TO_SERVE if pulls else Direction.NONE), tuple(pulls)
    cooldown = timedelta(minutes=config.release_cooldown_minutes)
    if last_pull_utc is not None and now_utc - last_pull_utc < cooldown:
        return Direction.NONE, ()
    window = max(1, math.ceil(config.release_window_minutes / interval_minutes - _EPS))
    surplus = (-shortfall[:, :window]).min(axis=1) - config.release_margin_agents
    releases = _releases(surplus, codes, agents, now_utc, campaigns, config)
    return (Direction.TO_SELL if releases else Direction.NONE), tuple(releases)
