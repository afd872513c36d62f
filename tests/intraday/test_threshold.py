"""The threshold rule (the floor before money): pull sellers when a queue is half an agent or more
short of the servers its targets need, release servers when more than one is spare for the next
hour, nothing in between. The needs are the queue model's (`servers_needed`), an independent
count here."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
from intraday_testkit import t

from wfm.domain import Activity
from wfm.domain.intraday import Direction, FloorAgent, PlanSpan, QueueLoad, servers_needed
from wfm.domain.intraday.threshold import OpenCampaign, threshold_moves
from wfm.domain.queue_model import Patience, QueueModel

STARTS = [t("10:00") + timedelta(minutes=15 * i) for i in range(4)]
END = t("18:00")
MODEL = QueueModel(
    code="Q1",
    interval_minutes=15,
    service_level_target=0.8,
    service_threshold_seconds=20.0,
    patience=Patience.given(120.0),
)
LOAD = QueueLoad(MODEL, [60.0] * 4, [300.0] * 4)
NEEDED = int(servers_needed(LOAD).max())
CAMPAIGNS = {
    "LOW": OpenCampaign(8.0, END),
    "HIGH": OpenCampaign(24.0, END),
}


def server(code: str, until: datetime = END) -> FloorAgent:
    plan = (PlanSpan(t("08:00"), until, Activity.SERVE, "Q1", None),)
    if until != END:
        plan += (PlanSpan(until, END, Activity.BREAK, None, None),)
    return FloorAgent(code, frozenset({"Q1"}), frozenset(CAMPAIGNS), plan)


def seller(code: str, campaign: str) -> FloorAgent:
    plan = (PlanSpan(t("08:00"), END, Activity.SELL, None, campaign),)
    return FloorAgent(code, frozenset({"Q1"}), frozenset(CAMPAIGNS), plan)


def decide(agents: list[FloorAgent]) -> tuple[Direction, list[tuple[str, Activity, str | None]]]:
    direction, moves = threshold_moves(
        now_utc=STARTS[0],
        interval_starts_utc=STARTS,
        interval_minutes=15,
        queues=[LOAD],
        agents=agents,
        campaigns=CAMPAIGNS,
    )
    return direction, [(m.agent_code, m.to_activity, m.campaign_code) for m in moves]


SELLERS = [seller("P1", "HIGH"), seller("P2", "LOW"), seller("P3", "HIGH")]


def test_the_need_is_flat() -> None:
    assert np.all(servers_needed(LOAD) == NEEDED) and NEEDED > 5


def test_pull_when_a_whole_agent_short_least_valuable_campaign_first() -> None:
    servers = [server(f"S{i}") for i in range(NEEDED - 1)]
    assert decide(servers + SELLERS) == (Direction.TO_SERVE, [("P2", Activity.SERVE, "LOW")])
    servers = [server(f"S{i}") for i in range(NEEDED - 2)]
    direction, moves = decide(servers + SELLERS)
    assert direction is Direction.TO_SERVE
    assert moves == [("P2", Activity.SERVE, "LOW"), ("P1", Activity.SERVE, "HIGH")]


def test_pull_when_half_an_agent_short_in_the_next_interval() -> None:
    # one server leaves for a break at 10:22:30: half of the next interval is short
    servers = [server(f"S{i}") for i in range(NEEDED - 1)] + [server("HALF", t("10:22", 30))]
    assert decide(servers + SELLERS) == (Direction.TO_SERVE, [("P2", Activity.SERVE, "LOW")])
    # leaving at 10:30 (after the next interval) is not short soon enough
    servers = [server(f"S{i}") for i in range(NEEDED - 1)] + [server("LATE", t("10:30"))]
    assert decide(servers + SELLERS) == (Direction.NONE, [])


def test_release_only_beyond_one_spare_agent_for_the_hour() -> None:
    for spare in (0, 1):
        servers = [server(f"S{i}") for i in range(NEEDED + spare)]
        assert decide(servers + SELLERS) == (Direction.NONE, [])
    servers = [server(f"S{i}") for i in range(NEEDED + 2)]
    direction, moves = decide(servers + SELLERS)
    assert direction is Direction.TO_SELL
    assert len(moves) == 1 and moves[0][1:] == (Activity.SELL, "HIGH")
    servers = [server(f"S{i}") for i in range(NEEDED + 4)]
    assert len(decide(servers)[1]) == 3


def test_no_release_when_the_spare_ends_within_the_hour() -> None:
    # two spare until 10:45, then only what is needed: not spare for the whole hour
    servers = [server(f"S{i}") for i in range(NEEDED)]
    servers += [server("B1", t("10:45")), server("B2", t("10:45"))]
    assert decide(servers) == (Direction.NONE, [])


def test_an_agent_switched_within_the_dwell_is_not_switched_again() -> None:
    servers = [server(f"S{i}") for i in range(NEEDED - 1)]
    locked = FloorAgent(
        "P2",
        frozenset({"Q1"}),
        frozenset(CAMPAIGNS),
        SELLERS[1].plan,
        last_switch_utc=STARTS[0] - timedelta(minutes=10),
    )
    assert decide([*servers, locked, SELLERS[0]]) == (
        Direction.TO_SERVE,
        [("P1", Activity.SERVE, "HIGH")],
    )
