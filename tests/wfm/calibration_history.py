"""A queue's history and its agents' state events drawn from a known Erlang A whose agents are not
all available (availability < 1): what a calibration must recover and the textbook misses.

`seed_centre` writes, through the repositories, a site (Europe/Paris), the queue, agents skilled
on it alone, half-hours from 08:00 to 20:00 local over whole weeks (Monday start) of interval
history, and per half-hour the agents serving as ACD events ("ready" at the half-hour for the
agents serving, "logged_out" for the others, only when an agent's state changes). Calls are
Poisson; the answered are binomial at Erlang A's answer rate with availability x agents servers
and the true patience, the answered within 20 s binomial at its service level; the waits are
drawn so that total wait / abandons is the true patience.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import Engine

import erlang
from wfm.db.repositories import AgentRepository, HistoryRepository, QueueRepository, SiteRepository
from wfm.db.repositories.intraday import AgentStateFeedRepository
from wfm.db.session import unit_of_work
from wfm.domain import Agent, Contract, IntervalRecord, Queue, Site
from wfm.domain.intraday.events import StateEvent
from wfm.domain.intraday.states import ActualActivity

SITE = "paris"
TZ = "Europe/Paris"
ZONE = ZoneInfo(TZ)
AVAILABILITY = 0.75
PATIENCE_SECONDS = 200.0
AHT_SECONDS = 300.0
THRESHOLD_SECONDS = 20.0
AGENTS = 24
FIRST_MONDAY = date(2025, 3, 3)


@dataclass(frozen=True)
class Truth:
    """What was drawn, per interval with calls."""

    starts_utc: list[datetime]
    offered: np.ndarray
    answered: np.ndarray
    within: np.ndarray
    agents: np.ndarray


def half_hours(first_day: date, days: int) -> list[datetime]:
    out = []
    for d in range(days):
        day = first_day + timedelta(days=d)
        start = datetime.combine(day, time(8), tzinfo=ZONE)
        out += [(start + timedelta(minutes=30 * k)).astimezone(UTC) for k in range(24)]
    return out


def seed_centre(
    engine: Engine,
    *,
    queue_code: str = "retail",
    weeks: int = 2,
    event_weeks: int | None = None,
    seed: int = 7,
    with_site: bool = True,
) -> Truth:
    """`weeks` weeks of history from `FIRST_MONDAY`; agent events for the first `event_weeks`
    of them (default all)."""
    rng = np.random.default_rng(seed)
    starts = half_hours(FIRST_MONDAY, 7 * weeks)
    n = len(starts)
    hour = np.array([s.astimezone(ZONE).hour for s in starts], dtype=float)
    mean_calls = 40.0 + 30.0 * np.sin(np.pi * (hour - 8.0) / 12.0)
    offered = rng.poisson(mean_calls).astype(float)
    agents = np.clip(np.round(mean_calls * AHT_SECONDS / 1800.0 / AVAILABILITY) - 1, 2, AGENTS)
    agents = agents + rng.integers(-2, 3, size=n)
    agents = np.clip(agents, 2, AGENTS).astype(float)
    truth = erlang.erlang_a(
        np.maximum(offered, 1.0),
        1800.0,
        AHT_SECONDS,
        agents,
        PATIENCE_SECONDS,
        THRESHOLD_SECONDS,
        availability=AVAILABILITY,
    )
    answer_rate = np.asarray(truth.answer_rate)
    service_level = np.minimum(np.asarray(truth.service_level), answer_rate)
    answered = rng.binomial(offered.astype(int), answer_rate).astype(float)
    within = rng.binomial(
        answered.astype(int), np.where(answer_rate > 0, service_level / answer_rate, 0.0)
    ).astype(float)
    abandoned = offered - answered
    records = [
        IntervalRecord(
            queue_code=queue_code,
            interval_start_utc=starts[i],
            interval_minutes=30,
            offered=int(offered[i]),
            answered=int(answered[i]),
            abandoned=int(abandoned[i]),
            answered_within_threshold=int(within[i]),
            handle_seconds=float(answered[i] * AHT_SECONDS),
            wait_seconds_answered=float(abandoned[i] * PATIENCE_SECONDS * 0.6),
            wait_seconds_abandoned=float(abandoned[i] * PATIENCE_SECONDS * 0.4),
        )
        for i in range(n)
    ]
    contract = Contract("full", 30, 40, 4, 5, (480,))
    agent_codes = [f"{queue_code}-A{k:02d}" for k in range(AGENTS)]
    events: list[StateEvent] = []
    serving = [False] * AGENTS
    with_events = n if event_weeks is None else 7 * 24 * event_weeks
    for i in range(with_events):
        ends_day = i + 1 == n or starts[i + 1] - starts[i] > timedelta(minutes=30)
        for k, code in enumerate(agent_codes):
            now = k < agents[i]
            if now != serving[k]:
                events.append(_event(code, starts[i], now))
                serving[k] = now
            if ends_day and serving[k]:  # everyone logs out at the end of the day
                events.append(_event(code, starts[i] + timedelta(minutes=30), False))
                serving[k] = False
    with unit_of_work(engine) as session:
        if with_site:
            SiteRepository(session).add(Site(code=SITE, name="Paris", timezone=TZ))
        QueueRepository(session).add(
            Queue(
                site_code=SITE,
                code=queue_code,
                name=queue_code,
                service_threshold_seconds=THRESHOLD_SECONDS,
            )
        )
        AgentRepository(session).add_many(
            Agent(SITE, code, code, contract, (queue_code,)) for code in agent_codes
        )
        HistoryRepository(session).upsert(records)
        feed = AgentStateFeedRepository(session)
        ids = AgentRepository(session).ids_by_code()
        feed.add(events, ids, datetime.now(UTC))
    used = offered > 0
    return Truth(
        starts_utc=[s for s, u in zip(starts, used, strict=True) if u],
        offered=offered[used],
        answered=answered[used],
        within=within[used],
        agents=agents[used],
    )


def _event(agent: str, at: datetime, serving: bool) -> StateEvent:
    state = "ready" if serving else "logged_out"
    activity = ActualActivity.SERVE if serving else ActualActivity.LOGGED_OUT
    return StateEvent(f"{agent}-{at.isoformat()}-{state}", agent, at, state, activity)
