"""The day's answer-rate target and the reforecast's band in the money decision, as every caller
gets them: the floor a horizon must answer at for the queue's day (`with_day_floors`, the one
function the live recommendation and `wfm simulate-days` call), and the shortfall priced as its
expectation over the reforecast's 80 % band (`SHORTFALL_WEIGHTS`).

The domain floor is the test_recommendation one (14:00-15:00, now 14:05, one queue Q1 at 300 s
handle time, patience 120 s, 80 % in 20 s); the live one the intraday test centre (Q1, 20
contacts per 15 min from 08:00 to 18:00, servers and sellers 09:00-17:00 with a break at 12:00).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest
from intraday_testkit import SITE, build_centre, t
from sqlalchemy import Engine, update
from test_floor_money import HOURS, advise, servers
from test_recommendation import PENALTY, SELL, SERVE, STARTS, agent, load, needed_by_erlang_a

import erlang
from wfm.db.models import QueueRow
from wfm.db.session import unit_of_work
from wfm.domain.intraday import Direction, FloorAgent, QueueSnapshot
from wfm.domain.intraday.day_target import (
    QueueDay,
    answered,
    day_floor,
    planned_for_day,
    with_day_floors,
)
from wfm.domain.intraday.recommendation import (
    DAY_ANSWER_RATE_GUARD,
    SHORTFALL_WEIGHTS,
    day_answer_rate_floor,
)
from wfm.services import intraday as svc


def rate(calls: float, agents: int) -> float:
    return float(erlang.erlang_a(calls, 900.0, 300.0, agents, 120.0, 20.0).answer_rate)


def held(target: float):  # type: ignore[no-untyped-def]
    """Q1 at 12 contacts a quarter hour with an answer-rate target."""
    base = load(12.0)
    return replace(base, model=replace(base.model, min_answer_rate=target))


# --- the floor of the day -------------------------------------------------------------------------


def test_the_floor_counts_what_happened_and_what_the_plan_answers_after_the_horizon() -> None:
    """600 contacts before (560 answered), the horizon's 48, then 8 intervals of 12 at 5
    servers: the floor is `day_answer_rate_floor` with the after-horizon answered by Erlang A
    at the planned servers, interval by interval."""
    day = QueueDay(
        offered_before=600.0,
        answered_before=560.0,
        offered=[12.0] * 12,
        aht_seconds=[300.0] * 12,
        servers=[5.0] * 12,
        sellers=[3.0] * 12,
    )
    after = 8 * 12.0 * rate(12.0, 5)
    assert answered(held(0.9).model, [12.0] * 8, [300.0] * 8, [5.0] * 8) == pytest.approx(after)
    expected = (
        (0.9 + DAY_ANSWER_RATE_GUARD) * (600 + 48 + 96) - 560 - after
    ) / 48  # the horizon's share of the day
    assert day_floor(held(0.9), day) == pytest.approx(expected)
    assert day_floor(held(0.9), day) == day_answer_rate_floor(
        0.9,
        offered_before=600.0,
        answered_before=560.0,
        horizon_offered=48.0,
        offered_after=96.0,
        answered_after=after,
    )
    # No target, no floor; a queue without its day keeps its load.
    assert day_floor(load(12.0), day) is None
    (same,) = with_day_floors([held(0.9)], {})
    assert same.answer_rate_floor is None
    (floored,) = with_day_floors([held(0.9)], {"Q1": day})
    assert floored.answer_rate_floor == pytest.approx(expected)


def test_a_day_out_of_reach_gives_no_floor() -> None:
    """A morning so bad that even the three sellers serving from now on cannot lift the day to
    the target: no floor (the money alone decides); with sellers enough, a floor above 1."""
    bad = QueueDay(
        offered_before=600.0,
        answered_before=420.0,
        offered=[12.0] * 12,
        aht_seconds=[300.0] * 12,
        servers=[5.0] * 12,
        sellers=[3.0] * 12,
    )
    best = (420.0 + 144.0 * rate(12.0, 8)) / (600.0 + 144.0)
    assert best < 0.9 + DAY_ANSWER_RATE_GUARD
    assert day_floor(held(0.9), bad) is None
    reachable = held(best - DAY_ANSWER_RATE_GUARD - 0.005)
    bound = day_floor(reachable, bad)
    assert bound is not None and bound > 1.0


def test_the_plan_for_the_day_counts_servers_and_the_sellers_who_could_serve() -> None:
    """At each interval's middle: servers by the queue of their span, sellers under every queue
    they could serve."""
    agents = [
        agent("S1", SERVE),
        agent("P1", SELL, campaign="C_LOW"),
        agent("P2", SELL, campaign="C_LOW", skills=("Q1", "Q2")),
        agent("L1", SERVE, start="14:30"),
    ]
    servers_by, sellers_by = planned_for_day(agents, ["Q1", "Q2"], STARTS, timedelta(minutes=15))
    assert servers_by["Q1"].tolist() == [1.0, 1.0, 2.0, 2.0]
    assert servers_by["Q2"].tolist() == [0.0] * 4
    assert sellers_by["Q1"].tolist() == [2.0] * 4
    assert sellers_by["Q2"].tolist() == [1.0] * 4


def test_a_floor_above_what_the_sellers_can_give_pulls_until_the_pulls_add_almost_nothing() -> None:
    """A floor of 1.4 (the horizon alone cannot save the day) with ten sellers who can serve:
    the pulls stop once the horizon's answer rate is within the guard (0.3 points) of what all
    ten would give, the sellers who sell least pulled first."""
    own = {(f"P{i}", "C_MID"): 1.0 + i for i in range(10)}
    sellers = [agent(f"P{i}", SELL, campaign="C_MID") for i in range(10)]
    floor = replace(load(12.0), answer_rate_floor=1.4)
    rec = advise(servers(5) + sellers, 12.0, queue=floor, penalty=20.0, agent_values=own)
    most = rate(12.0, 15)
    wanted = next(n for n in range(11) if rate(12.0, 5 + n) >= most - DAY_ANSWER_RATE_GUARD)
    assert 0 < wanted < 10
    assert [m.agent_code for m in rec.moves] == [f"P{i}" for i in range(wanted)]
    assert any(n.endswith("sellers are pulled to within 0.3 points of that") for n in rec.notes)


# --- the shortfall over the reforecast's band -----------------------------------------------------


def test_a_shortfall_only_the_band_foresees_pulls_a_cheap_seller() -> None:
    """12 contacts need 6 and six serve: on the reforecast alone nothing is short and a C_LOW
    seller (10 an hour) is not worth pulling. If the band's 90th percentile needs 7, the
    expected shortfall of one agent at that quantile's weight (0.3) x the penalty pays for
    them; it does not pay for a C_HIGH seller (30 an hour)."""
    assert needed_by_erlang_a(12.0) == 6 and needed_by_erlang_a(16.0) == 7
    cheap = [agent("P1", SELL, campaign="C_LOW")]
    dear = [agent("P2", SELL, campaign="C_HIGH")]
    plain = load(12.0)
    band = replace(plain, offered_lo80=[8.0] * 4, offered_hi80=[16.0] * 4)
    assert advise(servers(6) + cheap, 12.0, queue=plain).moves == ()
    rec = advise(servers(6) + cheap, 12.0, queue=band)
    assert rec.direction is Direction.TO_SERVE
    (move,) = rec.moves
    assert move.agent_code == "P1"
    # value of the answered contacts is 0 on this queue: the service value is the expected
    # shortfall avoided, one agent at the 90th percentile in every interval ahead
    assert move.trade.value_of_service == pytest.approx(SHORTFALL_WEIGHTS[2] * PENALTY * HOURS)
    assert advise(servers(6) + dear, 12.0, queue=band).moves == ()


def test_the_band_makes_a_release_keep_the_agents_the_90th_percentile_needs() -> None:
    """6 contacts need 4, eight serve: the money releases three. If the band's 90th percentile
    needs 6, the sixth and fifth servers each save 0.3 x the penalty an hour of expected
    shortfall, more than C_HIGH's 30: only two go."""
    hi = 12.0
    assert needed_by_erlang_a(6.0) == 4 and needed_by_erlang_a(hi) == 6
    assert len(advise(servers(8), 6.0).moves) == 3
    band = replace(load(6.0), offered_lo80=[3.0] * 4, offered_hi80=[hi] * 4)
    cautious = advise(servers(8), 6.0, queue=band, penalty=120.0)
    assert len(cautious.moves) == 2
    assert all(m.trade.value_of_service == pytest.approx(0.0) for m in cautious.moves)


# --- the live recommendation gets the floor -----------------------------------------------------


@pytest.fixture
def floored(engine: Engine) -> Engine:
    """The test centre with 16 servers, Q1 held to an 80.9 % answer rate, 10:00."""
    with unit_of_work(engine) as session:
        build_centre(session, servers=16)
        svc.set_clock(session, site_code=SITE, now_utc=t("10:00"), speed=0)
        session.execute(update(QueueRow).where(QueueRow.code == "Q1").values(min_answer_rate=0.809))
    return engine


def morning(answered_today: int, abandoned_today: int) -> list[QueueSnapshot]:
    """Snapshots every 15 minutes from 08:00 to 10:00: 20 contacts an interval, as forecast, the
    day's answered and abandoned spread evenly."""
    return [
        QueueSnapshot(
            "Q1",
            t("08:00") + timedelta(minutes=15 * k),
            0,
            0.0,
            16,
            answered_today * k // 8,
            abandoned_today * k // 8,
        )
        for k in range(9)
    ]


@pytest.mark.parametrize(("answered_today", "releases"), [(150, 6), (110, 3)])
def test_the_live_recommendation_holds_the_days_answer_rate(
    floored: Engine, answered_today: int, releases: int
) -> None:
    """160 contacts by 10:00, as forecast. Answered 150, the day is safe: six of sixteen servers
    go to sell (the requirement plus one spare stay). Answered 110, the rest of the day at the
    plan leaves the horizon to answer 99.5 % for the day to reach 80.9 % + the guard, more than
    twelve servers answer (99.3 %, Erlang A): the releases stop at thirteen."""
    with unit_of_work(floored) as session:
        svc.ingest_queue_snapshots(session, snapshots=morning(answered_today, 160 - answered_today))
        rec = svc.recommendation(session, site_code=SITE)
    assert rec.direction is Direction.TO_SELL and len(rec.moves) == releases
    refused = "no release from Q1: its day's answer-rate target needs its servers" in rec.notes
    assert refused is (releases < 6)
    assert rec.answer_rate_with is not None


def test_the_live_queue_day_reads_the_snapshot_and_the_plan(floored: Engine) -> None:
    """The inputs of the live floor: answered and abandoned today by the latest snapshot, the
    reforecast from the current interval to the day's end, the servers (none in the 12:00
    break, none after 17:00) and the three sellers who could serve Q1."""
    from wfm.services.intraday.recommendation import _queue_days, _queue_loads

    with unit_of_work(floored) as session:
        svc.ingest_queue_snapshots(session, snapshots=morning(120, 40))
        day_re = svc.reforecast_day(session, site_code=SITE, at_utc=t("10:00"))
        floor = svc.load_floor(
            session, SITE, t("00:00"), t("00:00") + timedelta(days=1), t("10:00")
        )
        loads = _queue_loads(session, floor.site, day_re, 40, 4, t("10:00"))
        agents = [
            FloorAgent(code, row.queue_skills, row.campaign_skills, tuple(floor.plans[code]))
            for code, row in floor.agents.items()
            if code in floor.plans
        ]
        days = _queue_days(day_re, loads, agents, 40)
    q1 = days["Q1"]
    assert (q1.offered_before, q1.answered_before) == (160.0, 120.0)
    assert np.allclose(q1.offered, day_re.queues["Q1"].reforecast_offered[40:])
    servers_by = np.asarray(q1.servers)
    assert servers_by[0] == 16 and servers_by[8] == 0  # 12:00, the break
    assert servers_by[28:].sum() == 0  # 17:00 on
    assert np.asarray(q1.sellers)[0] == 3  # P1..P3 (X1 cannot serve Q1)
