"""The recommendation's fast path decides exactly as a straightforward reference does.

The fast path keeps each distinct (contacts, handle time, servers) cell's KPIs for the whole
recommendation and evaluates a few staffings ahead in the same queue-model call, prices each
server's release options once and ranks the pool with arrays. The reference below evaluates every
staffing asked with the queue model directly and re-prices every server's options for every
release, one at a time, as the rule is stated (`wfm.domain.intraday.recommendation` docstring).
On random small floors (servers, sellers, breaks and part-interval blocks, switches just made,
several queues and campaigns, agents' own values, weekly caps, exhausted lists, callbacks due,
calling windows closing inside the horizon, a cap on agents per move) the two recommendations are
identical, figure for figure.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from intraday_testkit import t
from test_recommendation import NOW, STARTS, model

from wfm.domain import Activity, ActivitySpan, Shift, ShiftBreak
from wfm.domain.intraday import (
    CampaignRoom,
    FloorAgent,
    FloorEconomics,
    QueueLoad,
    RecommendationConfig,
    SellingValue,
    effective_plan,
    recommend,
    switch_change,
)
from wfm.domain.intraday import recommendation as rec
from wfm.domain.queue_model import kpis_of_queues

CAMPAIGNS = ("C1", "C2", "C3")
QUEUES = ("Q1", "Q2")


def direct_cells(
    self: rec._Valuer,
    qi: int,
    calls: np.ndarray,
    aht: np.ndarray,
    agents: np.ndarray,
    ahead: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Every cell from the queue model, as asked, nothing kept."""
    (kpis,) = kpis_of_queues([self.queues[qi].model], [calls], [aht], [agents])
    assert kpis.answer_rate is not None
    return kpis.service_level, kpis.answer_rate


def reference_sell_option(
    agent: FloorAgent,
    qi: int,
    span: object,
    horizon: rec._Horizon,
    rules: rec._Rules,
    valuer: rec._Valuer,
    used_hours: Mapping[str, float],
) -> tuple[rec._Option | None, list[str]]:
    best: rec._Option | None = None
    notes = []
    for campaign in sorted(agent.campaign_skills):
        room = rules.economics.room(campaign)
        if room.calling_until_utc is None or room.calling_until_utc <= rules.now_utc:
            continue
        if room.exhausted:
            notes.append(f"campaign {campaign}: its lead list is exhausted")
            continue
        until = min(rules.until(span), room.calling_until_utc)  # type: ignore[arg-type]
        switch_hours = (until - rules.now_utc).total_seconds() / 3600.0
        cap = room.hours_left_this_week
        if cap is not None and used_hours.get(campaign, 0.0) + switch_hours > cap + rec._EPS:
            notes.append(f"campaign {campaign}: its weekly maximum hours leave no room")
            continue
        shares = rec._shares(agent, Activity.SERVE, until, horizon)
        sales = valuer.sales(agent.agent_code, campaign, shares)
        if best is None or sales > best.sales:
            margin = rules.margin(agent, valuer.hours(shares))
            returning = agent.published_activity_now is Activity.SELL
            best = rec._Option(agent, qi, campaign, until, shares, sales, margin, returning)
    return best, notes


def reference_release(
    horizon: rec._Horizon, floor: rec._Floor, rules: rec._Rules, valuer: rec._Valuer
) -> tuple[list[rec.AgentMove], list[str]]:
    servers = floor.servers.copy()
    used_hours: dict[str, float] = {}
    pool = list(floor.servers_here)
    moves: list[rec.AgentMove] = []
    notes: list[str] = []
    keep = rules.config.release_margin_agents - rec._EPS
    sellable = False
    while pool and not rules.full(moves, notes):
        options = []
        for agent, serving, span in pool:
            qi = horizon.qindex[serving]
            option, why = reference_sell_option(agent, qi, span, horizon, rules, valuer, used_hours)
            notes.extend(why)
            if option is not None and np.all(
                servers[qi] - option.shares - valuer.needed[qi] >= keep
            ):
                options.append(option)
        sellable = sellable or bool(options)
        if not options:
            break
        effects = rec._effects(valuer, servers, options, -1.0)
        ranked = [
            (-(o.sales + e[0] - o.margin), not o.returning, o.agent.agent_code, o, e)
            for o, e in zip(options, effects, strict=True)
        ]
        neg_excess, _returning, code, best, effect = min(ranked, key=lambda r: r[:3])
        if neg_excess >= 0:
            break
        moves.append(rec._move(best, Activity.SELL, effect, horizon, rules))
        servers[best.qi] -= best.shares
        assert best.campaign is not None
        used_hours[best.campaign] = (
            used_hours.get(best.campaign, 0.0)
            + (best.until - rules.now_utc).total_seconds() / 3600.0
        )
        pool = [p for p in pool if p[0].agent_code != code]
    if not moves and not sellable:
        notes.append("servers to spare, but none can sell a campaign open now")
    return moves, notes


def codes(activity: Activity, queue: str, campaign: str) -> tuple[str | None, str | None]:
    return (queue, None) if activity is Activity.SERVE else (None, campaign)


MINUTES = st.sampled_from([0, 5, 10, 15, 20, 30, 35, 45, 50, 55, 60, 70, 75])


@st.composite
def floor_agent(draw: st.DrawFn, code: str) -> FloorAgent:
    """An agent on shift 13:00-18:00, serving or selling now, with a block ending (or a break
    starting) somewhere in the horizon or beyond it, possibly switched a moment ago."""
    activity = draw(st.sampled_from([Activity.SERVE, Activity.SELL]))
    queue = draw(st.sampled_from(QUEUES))
    campaign = draw(st.sampled_from(CAMPAIGNS))
    block_end = t("14:00") + timedelta(minutes=draw(MINUTES) + 10)
    other = Activity.SELL if activity is Activity.SERVE else Activity.SERVE
    then = draw(st.sampled_from([activity, other]))
    spans = (
        ActivitySpan(t("13:00"), block_end, activity, *codes(activity, queue, campaign)),
        ActivitySpan(block_end, t("18:00"), then, *codes(then, queue, campaign)),
    )
    breaks = ()
    if draw(st.booleans()):
        start = t("14:15") + timedelta(minutes=draw(st.sampled_from([0, 5, 15, 30])))
        breaks = (ShiftBreak(start, start + timedelta(minutes=15), "break"),)
    shift = Shift(code, t("13:00").date(), t("13:00"), t("18:00"), breaks, spans)
    changes = []
    last_switch = None
    if draw(st.integers(0, 4)) == 0:
        last_switch = NOW - timedelta(minutes=draw(st.sampled_from([5, 20, 45])))
        target = other
        changes.append(
            switch_change(
                code,
                last_switch,
                t("16:00"),
                target,
                queue_code=queue if target is Activity.SERVE else None,
                campaign_code=campaign if target is Activity.SELL else None,
            )
        )
    skills = draw(st.sets(st.sampled_from(QUEUES), min_size=1))
    sells = draw(st.sets(st.sampled_from(CAMPAIGNS), min_size=0))
    return FloorAgent(
        agent_code=code,
        queue_skills=frozenset(skills | {queue}),
        campaign_skills=frozenset(sells | ({campaign} if activity is Activity.SELL else set())),
        plan=tuple(effective_plan([shift], changes)),
        actual=None,
        last_switch_utc=last_switch,
        published_activity_now=activity,
    )


@st.composite
def floors(draw: st.DrawFn) -> dict[str, object]:
    n = draw(st.integers(1, 14))
    agents = [draw(floor_agent(f"A{i:02d}")) for i in range(n)]
    queues = [
        QueueLoad(
            model=model(q),
            offered=[draw(st.floats(0.0, 40.0)) for _ in STARTS],
            aht_seconds=[draw(st.sampled_from([180.0, 300.0]))] * len(STARTS),
            contacts_waiting=draw(st.sampled_from([0.0, 0.0, 3.0])),
        )
        for q in QUEUES[: draw(st.integers(1, 2))]
    ]
    selling = []
    for c in CAMPAIGNS:
        value = draw(st.sampled_from([0.0, 5.0, 20.0, 40.0, 90.0]))
        selling += [SellingValue(c, s, value + 5.0 * h) for h, s in enumerate(STARTS)]
    for a in agents:
        if draw(st.integers(0, 3)) == 0:
            c = draw(st.sampled_from(CAMPAIGNS))
            own = draw(st.sampled_from([1.0, 60.0, 150.0]))
            selling += [
                SellingValue(c, s, own, agent_code=a.agent_code, source="estimated") for s in STARTS
            ]
    rooms = tuple(
        CampaignRoom(
            c,
            calling_until_utc=draw(st.sampled_from([None, t("14:40"), t("18:00"), t("18:00")])),
            hours_left_this_week=draw(st.sampled_from([None, None, 0.5, 2.0, 6.0])),
            list_remaining_fraction=draw(st.sampled_from([1.0, 1.0, 0.3, 0.0])),
            callback_minutes_due=draw(st.sampled_from([0.0, 0.0, 30.0, 200.0])),
        )
        for c in CAMPAIGNS
    )
    config = RecommendationConfig(
        max_agents_per_move=draw(st.sampled_from([None, None, 2])),
        release_margin_agents=draw(st.sampled_from([0.0, 1.0])),
    )
    return {
        "now_utc": NOW,
        "interval_starts_utc": STARTS,
        "interval_minutes": 15,
        "queues": queues,
        "agents": agents,
        "economics": FloorEconomics(draw(st.sampled_from([20.0, 60.0])), tuple(selling), rooms),
        "last_pull_utc": draw(st.sampled_from([None, None, NOW - timedelta(minutes=10)])),
        "config": config,
    }


def reference(monkeypatch: pytest.MonkeyPatch, floor: dict[str, object]) -> rec.Recommendation:
    with monkeypatch.context() as patched:
        patched.setattr(rec, "_release", reference_release)
        patched.setattr(rec._Valuer, "_cells", direct_cells)
        return recommend(**floor)  # type: ignore[arg-type]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(floor=floors())
def test_the_fast_path_decides_as_the_reference(
    monkeypatch: pytest.MonkeyPatch, floor: dict[str, object]
) -> None:
    fast = recommend(**floor)  # type: ignore[arg-type]
    assert fast == reference(monkeypatch, floor)


def test_the_random_floors_move_both_ways(monkeypatch: pytest.MonkeyPatch) -> None:
    """The property above is not vacuous: among such floors some pull and some release, several
    agents at once."""
    seen: dict[str, int] = {}

    @settings(max_examples=800, deadline=None, database=None, derandomize=True)
    @given(floor=floors())
    def tally(floor: dict[str, object]) -> None:
        result = recommend(**floor)  # type: ignore[arg-type]
        key = f"{result.direction.value}{'+' if result.count > 1 else ''}"
        seen[key] = seen.get(key, 0) + 1

    tally()
    assert seen.get("to_serve+", 0) > 0 and seen.get("to_sell+", 0) > 0, seen
