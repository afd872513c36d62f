"""The sell/serve recommendation: who moves, how many, hysteresis and limits.

Servers needed are checked against Erlang A itself (the least N whose service level meets the
target, N - 1 not), so the tests do not restate the recommendation's own arithmetic.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from intraday_testkit import shift, t

import erlang
from wfm.domain import Activity
from wfm.domain.intraday import (
    ActualActivity,
    AutoLimits,
    CampaignRoom,
    Direction,
    FloorAgent,
    FloorEconomics,
    QueueLoad,
    RecommendationConfig,
    SellingValue,
    effective_plan,
    moves_within_limits,
    recommend,
    servers_needed,
    switch_change,
)
from wfm.domain.intraday.plan import PlanChange, PlanSpan
from wfm.domain.queue_model import Patience, QueueModel

SERVE, SELL = Activity.SERVE, Activity.SELL
NOW = t("14:05")
STARTS = [t("14:00") + timedelta(minutes=15 * i) for i in range(4)]
CAMPAIGN_VALUES = {"C_LOW": 10.0, "C_MID": 20.0, "C_HIGH": 30.0}
# The roster's under-target penalty for these campaigns: twice the best selling value of an
# agent-hour (30 x efficiency 1), at least 50 (docs/roster-problem.md).
PENALTY = 60.0


def economics(
    values: dict[str, float] = CAMPAIGN_VALUES,
    starts: list[datetime] = STARTS,
    *,
    penalty: float = PENALTY,
    rooms: dict[str, CampaignRoom] | None = None,
    calling_until: datetime | None = None,
    agent_values: dict[tuple[str, str], float] | None = None,
) -> FloorEconomics:
    """Typed values per campaign, the same in every interval of `starts`, each campaign calling
    until 18:00 unless `rooms` says otherwise; `agent_values` per (agent, campaign) override."""
    until = calling_until or t("18:00")
    selling = [SellingValue(c, s, v) for c, v in values.items() for s in starts]
    selling += [
        SellingValue(c, s, v, agent_code=a, source="estimated")
        for (a, c), v in (agent_values or {}).items()
        for s in starts
    ]
    rooms = rooms or {}
    campaigns = tuple(rooms.get(c, CampaignRoom(c, calling_until_utc=until)) for c in values)
    return FloorEconomics(penalty, tuple(selling), campaigns)


def agent(
    code: str,
    activity: Activity,
    *,
    campaign: str | None = None,
    skills: tuple[str, ...] = ("Q1",),
    campaigns: tuple[str, ...] = ("C_LOW", "C_MID", "C_HIGH"),
    actual: ActualActivity | None = None,
    changes: list[PlanChange] | None = None,
    last_switch: datetime | None = None,
    start: str = "13:00",
) -> FloorAgent:
    s = shift(start, "18:00", activities=[(start, "18:00", activity)], agent=code)
    if campaign is not None:
        s = type(s)(
            agent_code=s.agent_code,
            shift_date=s.shift_date,
            start_utc=s.start_utc,
            end_utc=s.end_utc,
            activities=tuple(
                type(a)(a.start_utc, a.end_utc, a.activity, None, campaign) for a in s.activities
            ),
        )
    plan = effective_plan([s], changes or [])
    return FloorAgent(
        agent_code=code,
        queue_skills=frozenset(skills),
        campaign_skills=frozenset(campaigns),
        plan=tuple(plan),
        actual=actual,
        last_switch_utc=last_switch,
        published_activity_now=activity,
    )


def model(code: str = "Q1", *, patience_seconds: float = 120.0, concurrency: int = 1) -> QueueModel:
    return QueueModel(
        code=code,
        interval_minutes=15,
        service_level_target=0.8,
        service_threshold_seconds=20.0,
        patience=Patience.given(patience_seconds),
        concurrency=concurrency,
    )


def load(calls: float, aht: float = 300.0, waiting: float = 0.0) -> QueueLoad:
    return QueueLoad(
        model=model("Q1"),
        offered=[calls] * 4,
        aht_seconds=[aht] * 4,
        contacts_waiting=waiting,
    )


def floor() -> list[FloorAgent]:
    servers = [agent(f"S{i}", SERVE) for i in range(5)]
    sellers = [
        agent("P1", SELL, campaign="C_HIGH"),
        agent("P2", SELL, campaign="C_LOW"),
        agent("P3", SELL, campaign="C_MID"),
        agent("P4", SELL, campaign="C_LOW", skills=("Q2",)),  # cannot serve Q1
        agent("P5", SELL, campaign="C_LOW"),
    ]
    return servers + sellers


def needed_by_erlang_a(calls: float, aht: float = 300.0, concurrency: int = 1) -> int:
    n = 1
    while True:
        result = erlang.erlang_a(calls, 900.0, aht, n, 120.0, 20.0, concurrency=concurrency)
        sl = float(result.service_level)
        if sl >= 0.8:
            return n
        n += 1


@pytest.mark.parametrize("calls", [0.0, 3.0, 20.0, 55.0, 140.0])
def test_servers_needed_is_the_least_meeting_the_target(calls: float) -> None:
    needed = servers_needed(load(calls), 900.0)
    expected = 0 if calls == 0 else needed_by_erlang_a(calls)
    assert list(needed) == [expected] * 4


def test_contacts_waiting_raise_the_current_need_and_chat_agents_work_in_parallel() -> None:
    base = servers_needed(load(40.0), 900.0)
    backlog = servers_needed(load(40.0, waiting=15.0), 900.0)
    assert backlog[0] == needed_by_erlang_a(55.0) and backlog[0] > base[0]
    assert list(backlog[1:]) == list(base[1:])
    chat = QueueLoad(model("CH", concurrency=2), [40.0] * 4, [600.0] * 4)
    assert servers_needed(chat, 900.0)[0] == needed_by_erlang_a(40.0, 600.0, concurrency=2)
    assert servers_needed(chat, 900.0)[0] < needed_by_erlang_a(40.0, 600.0)


def test_a_surge_pulls_the_least_valuable_skilled_sellers() -> None:
    calls = 18.0
    need = needed_by_erlang_a(calls)
    assert need == 8  # five servers on the floor: three short
    rec = recommend(
        now_utc=NOW,
        interval_starts_utc=STARTS,
        interval_minutes=15,
        queues=[load(calls)],
        agents=floor(),
        economics=economics(),
    )
    assert rec.direction is Direction.TO_SERVE
    assert rec.message == "switch 3 sellers to serve"
    # P4 lacks the skill; the least valuable campaigns first (C_LOW: P2, P5), then C_MID (P3).
    assert [m.agent_code for m in rec.moves] == ["P2", "P5", "P3"]
    assert all(m.to_activity is SERVE and m.queue_code == "Q1" for m in rec.moves)
    assert [m.campaign_code for m in rec.moves] == ["C_LOW", "C_LOW", "C_MID"]
    # Each switch lasts until the seller's block of selling ends (the shift end at 18:00).
    assert all(m.until_utc == t("18:00") for m in rec.moves)
    assert rec.on_shift_now == 10 and rec.servers_now == 5 and rec.sellers_now == 5
    assert rec.until_utc == t("15:00")
    first = rec.outlook[0]
    assert first.servers_needed == 8 and first.servers_without == 5 and first.servers_with == 8
    sl5 = erlang.erlang_a(calls, 900.0, 300.0, 5, 120.0, 20.0)
    sl8 = erlang.erlang_a(calls, 900.0, 300.0, 8, 120.0, 20.0)
    assert first.service_level_without == pytest.approx(float(sl5.service_level))
    assert first.service_level_with == pytest.approx(float(sl8.service_level))
    assert first.answer_rate_with == pytest.approx(float(sl8.answer_rate))
    assert rec.answer_rate_with is not None and rec.answer_rate_without is not None
    assert rec.answer_rate_with > rec.answer_rate_without
    assert rec.service_level_with > rec.service_level_without  # type: ignore[operator]


def test_no_more_than_the_sellers_on_shift() -> None:
    rec = recommend(
        now_utc=NOW,
        interval_starts_utc=STARTS,
        interval_minutes=15,
        queues=[load(200.0)],
        agents=floor(),
        economics=economics(),
    )
    assert rec.count == 4  # every skilled seller, no more
    assert {m.agent_code for m in rec.moves} == {"P1", "P2", "P3", "P5"}
    assert any("only 4 sellers on shift" in n for n in rec.notes)


def test_the_move_is_capped() -> None:
    cfg = RecommendationConfig(max_agents_per_move=2)
    rec = recommend(
        now_utc=NOW,
        interval_starts_utc=STARTS,
        interval_minutes=15,
        queues=[load(18.0)],
        agents=floor(),
        economics=economics(),
        config=cfg,
    )
    assert [m.agent_code for m in rec.moves] == ["P2", "P5"]
    assert any("limited to 2" in n for n in rec.notes)


def test_actual_states_count_for_the_current_interval() -> None:
    agents = floor()
    # Two planned servers are logged out: the floor is two servers shorter now.
    agents[0] = agent("S0", SERVE, actual=ActualActivity.LOGGED_OUT)
    agents[1] = agent("S1", SERVE, actual=ActualActivity.BREAK)
    rec = recommend(
        now_utc=NOW,
        interval_starts_utc=STARTS,
        interval_minutes=15,
        queues=[load(14.0)],  # needs 7: five planned, three serving now
        agents=agents,
        economics=economics(),
    )
    assert rec.servers_now == 3
    assert rec.outlook[1].servers_without == 5  # later intervals follow the plan
    # Short by four now, by two later: the two C_LOW sellers are worth pulling for the whole
    # horizon. A third would only fill the ten minutes left of this interval (60 an agent-hour
    # short x 1/6 h = 10) and give up 20 an hour for 55 minutes of the horizon (18.33): refused.
    assert [m.agent_code for m in rec.moves] == ["P2", "P5"]
    assert any(
        "pulling P3 to Q1 would give up ¥18 of expected sales for ¥10" in n for n in rec.notes
    )


def switched_floor(at: datetime) -> list[FloorAgent]:
    """The floor after P2, P5 and P3 were switched to serve at `at` until 15:00."""
    agents = []
    for a in floor():
        if a.agent_code in ("P2", "P5", "P3"):
            campaign = {"P2": "C_LOW", "P5": "C_LOW", "P3": "C_MID"}[a.agent_code]
            change = switch_change(a.agent_code, at, t("15:00"), SERVE, queue_code="Q1")
            a = agent(a.agent_code, SELL, campaign=campaign, changes=[change], last_switch=at)
        agents.append(a)
    return agents


def test_once_switched_nothing_moves_and_small_dips_do_not_release() -> None:
    agents = switched_floor(NOW)
    # 18 contacts need 8 (as many as now serve), 16 need 7 (one spare: within the margin).
    for minutes, calls in [(1, 18.0), (3, 16.0), (6, 17.0)]:
        rec = recommend(
            now_utc=NOW + timedelta(minutes=minutes),
            interval_starts_utc=STARTS,
            interval_minutes=15,
            queues=[load(calls)],
            agents=agents,
            economics=economics(),
            last_pull_utc=NOW,
        )
        assert rec.direction is Direction.NONE, (minutes, calls, rec.notes)


def test_release_waits_for_the_cooldown_then_returns_switched_agents_first() -> None:
    agents = switched_floor(NOW)
    quiet = [load(6.0)]  # needs 4: eight serving now
    held = recommend(
        now_utc=NOW + timedelta(minutes=8),
        interval_starts_utc=STARTS,
        interval_minutes=15,
        queues=quiet,
        agents=agents,
        economics=economics(),
        last_pull_utc=NOW,
    )
    assert held.direction is Direction.NONE
    assert any("pulled in the last" in n for n in held.notes)

    # Later, with the switch running until 16:00 so the horizon still sees them serving.
    later = NOW + timedelta(minutes=40)
    starts = [t("14:45") + timedelta(minutes=15 * i) for i in range(4)]
    agents = []
    for a in floor():
        if a.agent_code in ("P2", "P5", "P3"):
            campaign = {"P2": "C_LOW", "P5": "C_LOW", "P3": "C_MID"}[a.agent_code]
            change = switch_change(a.agent_code, NOW, t("16:00"), SERVE, queue_code="Q1")
            a = agent(a.agent_code, SELL, campaign=campaign, changes=[change], last_switch=NOW)
        agents.append(a)
    rec = recommend(
        now_utc=later,
        interval_starts_utc=starts,
        interval_minutes=15,
        queues=quiet,
        agents=agents,
        economics=economics(starts=starts),
        last_pull_utc=NOW,
    )
    need = needed_by_erlang_a(6.0)
    assert rec.direction is Direction.TO_SELL
    assert rec.count == 8 - need - 1  # one spare server kept (the release margin)
    released = [m.agent_code for m in rec.moves]
    # The three switched-in agents go back first, best campaign for each (C_HIGH).
    assert released[:3] == ["P2", "P3", "P5"]
    assert all(m.to_activity is SELL and m.campaign_code == "C_HIGH" for m in rec.moves)
    assert rec.message == f"release {rec.count} servers to sell"
    assert rec.service_level_with <= rec.service_level_without  # type: ignore[operator]


def test_no_release_to_closed_campaigns() -> None:
    agents = [agent(f"S{i}", SERVE, campaigns=("C_LOW",)) for i in range(8)]
    rec = recommend(
        now_utc=NOW,
        interval_starts_utc=STARTS,
        interval_minutes=15,
        queues=[load(5.0)],
        agents=agents,
        economics=economics({"C_HIGH": 30.0}),  # C_LOW is not calling now
    )
    assert rec.direction is Direction.NONE
    assert any("none can sell" in n for n in rec.notes)


def test_auto_mode_limits() -> None:
    rec = recommend(
        now_utc=NOW,
        interval_starts_utc=STARTS,
        interval_minutes=15,
        queues=[load(18.0)],
        agents=floor(),
        economics=economics(),
    )
    assert moves_within_limits(rec, AutoLimits(enabled=False), 0) == ()
    assert len(moves_within_limits(rec, AutoLimits(enabled=True, max_agents_per_move=2), 0)) == 2
    limits = AutoLimits(enabled=True, max_agents_per_move=3, max_agents_switched=4)
    assert len(moves_within_limits(rec, limits, switched_now=3)) == 1
    assert moves_within_limits(rec, AutoLimits(enabled=True, allow_to_serve=False), 0) == ()


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="contain now_utc"):
        recommend(
            now_utc=t("16:00"),
            interval_starts_utc=STARTS,
            interval_minutes=15,
            queues=[load(1.0)],
            agents=[],
            economics=economics({}),
        )
    with pytest.raises(ValueError, match="one offered and AHT value"):
        recommend(
            now_utc=NOW,
            interval_starts_utc=STARTS,
            interval_minutes=15,
            queues=[QueueLoad(model("Q1"), [1.0], [300.0])],
            agents=[],
            economics=economics({}),
        )


@st.composite
def floors(draw: st.DrawFn) -> list[FloorAgent]:
    n = draw(st.integers(0, 14))
    out = []
    for i in range(n):
        activity = draw(st.sampled_from([SERVE, SELL]))
        out.append(
            agent(
                f"A{i}",
                activity,
                campaign=draw(st.sampled_from(["C_LOW", "C_MID", "C_HIGH"]))
                if activity is SELL
                else None,
                skills=tuple(draw(st.sets(st.sampled_from(["Q1", "Q2"]), max_size=2))),
                actual=draw(st.sampled_from([None, *ActualActivity])),
                last_switch=draw(st.sampled_from([None, NOW - timedelta(minutes=10)])),
                start=draw(st.sampled_from(["13:00", "14:30"])),  # 14:30: not on shift yet
            )
        )
    return out


@settings(max_examples=40, deadline=None)
@given(
    agents=floors(),
    calls1=st.floats(0.0, 120.0),
    calls2=st.floats(0.0, 60.0),
    cap=st.sampled_from([None, 1, 3]),
)
def test_moves_are_always_possible(
    agents: list[FloorAgent], calls1: float, calls2: float, cap: int | None
) -> None:
    queues = [
        load(calls1),
        QueueLoad(model("Q2", patience_seconds=90.0), [calls2] * 4, [240.0] * 4),
    ]
    rec = recommend(
        now_utc=NOW,
        interval_starts_utc=STARTS,
        interval_minutes=15,
        queues=queues,
        agents=agents,
        economics=economics(),
        config=RecommendationConfig(max_agents_per_move=cap),
    )
    by_code = {a.agent_code: a for a in agents}
    codes = [m.agent_code for m in rec.moves]
    assert len(codes) == len(set(codes))
    assert rec.count <= rec.on_shift_now
    if cap is not None:
        assert rec.count <= cap
    for m in rec.moves:
        a = by_code[m.agent_code]
        span = next(s for s in a.plan if s.start_utc <= NOW < s.end_utc)  # on shift now
        # Every move nets more than its margin; an agent switched less than 30 min ago moves
        # only past the larger margin (each plan is one block to 18:00: 11/12 h of the horizon).
        locked = a.last_switch_utc is not None and NOW - a.last_switch_utc < timedelta(minutes=30)
        share = 0.5 if locked else 0.1
        assert m.margin_value == pytest.approx(share * PENALTY * 11 / 12)
        assert m.trade.net_value > m.margin_value
        if rec.direction is Direction.TO_SERVE:
            assert span.activity is SELL and m.to_activity is SERVE
            assert m.queue_code in a.queue_skills
        else:
            assert span.activity is SERVE and m.to_activity is SELL
            assert m.campaign_code in a.campaign_skills
    if rec.direction is Direction.TO_SERVE:
        sellers_on_shift = [
            a for a in agents if a.plan[0].start_utc <= NOW and a.plan[0].activity is SELL
        ]
        assert rec.count <= len(sellers_on_shift)
        # Pulling never lowers the predicted service of any interval.
        for o in rec.outlook:
            assert o.service_level_with >= o.service_level_without - 1e-12
            on_shift = rec.on_shift_now if o.interval_start_utc == STARTS[0] else len(agents)
            assert o.servers_with <= on_shift
    assert (rec.direction is Direction.NONE) == (rec.count == 0)
    assert np.all([o.servers_needed >= 0 for o in rec.outlook])


def test_a_switch_lasts_until_the_block_ends_and_the_prediction_knows_it() -> None:
    """A seller planned on one campaign until 14:30 and on another after it is switched until
    14:30: from then on the prediction counts them selling again, as planned."""
    plan = (
        PlanSpan(t("13:00"), t("14:30"), SELL, None, "C_LOW"),
        PlanSpan(t("14:30"), t("18:00"), SELL, None, "C_HIGH"),
    )
    seller = FloorAgent("PB", frozenset({"Q1"}), frozenset({"C_LOW", "C_HIGH"}), plan)
    servers = [agent(f"S{i}", SERVE) for i in range(5)]
    rec = recommend(
        now_utc=NOW,
        interval_starts_utc=STARTS,
        interval_minutes=15,
        queues=[load(18.0)],
        agents=[*servers, seller],
        economics=economics(),
    )
    (move,) = rec.moves
    assert move.until_utc == t("14:30")
    by_start = {o.interval_start_utc: o for o in rec.outlook}
    assert by_start[t("14:15")].servers_with == 6
    assert by_start[t("14:30")].servers_with == 5


def test_an_agent_working_before_its_shift_is_on_the_floor() -> None:
    """An agent planned from 14:30 who is already serving at 14:05 (by its ACD state) serves
    now and is counted on shift now: the servers of the current interval never exceed the
    agents on shift (a case hypothesis found: 6 servers, 5 on shift by plan)."""
    early = agent("E", SERVE, start="14:30", actual=ActualActivity.SERVE)
    servers = [agent(f"S{i}", SERVE) for i in range(3)]
    seller = agent("P", SELL, campaign="C_LOW")
    rec = recommend(
        now_utc=NOW,
        interval_starts_utc=STARTS,
        interval_minutes=15,
        queues=[load(11.0)],
        agents=[*servers, early, seller],
        economics=economics(),
    )
    assert rec.on_shift_now == 5
    assert rec.servers_now == 4.0
    first = next(o for o in rec.outlook if o.interval_start_utc == STARTS[0])
    assert first.servers_without == 4.0
    assert first.servers_with <= rec.on_shift_now
