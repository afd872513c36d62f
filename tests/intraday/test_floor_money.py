"""Floor moves decided in money: a pull or a release weighs, per agent and over the horizon, the
value of the service it changes (value per answered contact x contacts answered, plus the
roster's under-target penalty per agent-hour short) against the expected sales it gives up or
gains, and is made only past the hysteresis margin.

The horizon is 14:00-15:00 in 15-minute intervals and now is 14:05, so a move that lasts past
15:00 spans 10/15 of the first interval and three whole ones: 11/12 h. Service figures are checked
against Erlang A itself and the queue model's own prediction, not the recommendation's arithmetic.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest
from intraday_testkit import t
from test_recommendation import (
    NOW,
    PENALTY,
    SELL,
    SERVE,
    STARTS,
    agent,
    economics,
    load,
    model,
    needed_by_erlang_a,
)

import erlang
from wfm.domain.intraday import (
    CampaignRoom,
    Direction,
    FloorAgent,
    QueueLoad,
    Recommendation,
    RecommendationConfig,
    SellingValue,
    Trade,
    recommend,
    switch_change,
)
from wfm.domain.money import money_text, points_text

HOURS = 11 / 12  # of the horizon, for a move lasting past 15:00
WEIGHTS = np.array([10 / 15, 1.0, 1.0, 1.0])  # share of each interval still ahead


def advise(
    agents: list[FloorAgent],
    calls: float,
    *,
    queue: QueueLoad | None = None,
    config: RecommendationConfig = RecommendationConfig(),
    now=NOW,  # type: ignore[no-untyped-def]
    **money,  # type: ignore[no-untyped-def]
) -> Recommendation:
    return recommend(
        now_utc=now,
        interval_starts_utc=STARTS,
        interval_minutes=15,
        queues=[queue or load(calls)],
        agents=agents,
        economics=economics(**money),
        config=config,
    )


def servers(n: int) -> list[FloorAgent]:
    return [agent(f"S{i}", SERVE) for i in range(n)]


def released(code: str, campaign: str, minutes_ago: float) -> FloorAgent:
    """A server switched to sell `campaign` until 18:00, `minutes_ago` minutes before now."""
    at = NOW - timedelta(minutes=minutes_ago)
    change = switch_change(code, at, t("18:00"), SELL, campaign_code=campaign)
    return agent(code, SERVE, changes=[change], last_switch=at)


# --- each direction ------------------------------------------------------------------------------


def test_a_short_queue_pulls_the_seller_with_the_lowest_selling_value_first() -> None:
    """12 contacts need 6 servers, five serve: one pull. Every seller is on C_MID, but their own
    (estimated) values differ: the one who sells least goes, and the trade is priced exactly."""
    assert needed_by_erlang_a(12.0) == 6
    sellers = [agent(c, SELL, campaign="C_MID") for c in ("P1", "P2", "P3")]
    own = {("P1", "C_MID"): 25.0, ("P2", "C_MID"): 5.0, ("P3", "C_MID"): 15.0}
    worth = replace(model(), value_per_answered_contact=2.0)
    queue = QueueLoad(worth, [12.0] * 4, [300.0] * 4)
    rec = advise(servers(5) + sellers, 12.0, queue=queue, agent_values=own)
    assert rec.direction is Direction.TO_SERVE
    (move,) = rec.moves
    assert move.agent_code == "P2" and move.campaign_code == "C_MID"
    assert move.campaign_value_per_hour == 5.0
    # Sales given up: 5 an hour for 11/12 h. Service gained: the contacts the sixth server
    # answers (Erlang A, 2 each) in each interval, weighted by the share ahead, plus one
    # agent-hour short avoided per interval-hour ahead at the roster's penalty.
    ar5 = float(erlang.erlang_a(12.0, 900.0, 300.0, 5, 120.0, 20.0).answer_rate)
    ar6 = float(erlang.erlang_a(12.0, 900.0, 300.0, 6, 120.0, 20.0).answer_rate)
    answered = 2.0 * 12.0 * (ar6 - ar5) * WEIGHTS.sum()
    assert move.trade.expected_sales_value == pytest.approx(-5.0 * HOURS)
    assert move.trade.value_of_service == pytest.approx(answered + PENALTY * HOURS)
    assert move.trade.net_value == pytest.approx(answered + (PENALTY - 5.0) * HOURS)
    assert move.trade.answer_rate_points == pytest.approx(100 * (ar6 - ar5))
    assert rec.trade.expected_sales_value == move.trade.expected_sales_value
    assert rec.trade.currency == "CNY" and rec.currency == "CNY"
    assert move.trade.text == (
        f"{points_text(100 * (ar6 - ar5), 'answer rate')}, "
        f"{points_text(move.trade.service_level_points, 'service level')}, −¥5 expected sales"
    )


def test_a_quiet_queue_releases_to_the_highest_value_campaign() -> None:
    """6 contacts need 4, eight serve: three go (one spare kept, the release margin), each to
    the campaign calling now that earns most for them: C_HIGH, except S7, whose own value on
    C_MID is higher."""
    own = {("S7", "C_MID"): 40.0}
    rec = advise(servers(8), 6.0, agent_values=own)
    assert rec.direction is Direction.TO_SELL
    assert [(m.agent_code, m.campaign_code) for m in rec.moves] == [
        ("S7", "C_MID"),
        ("S0", "C_HIGH"),
        ("S1", "C_HIGH"),
    ]
    assert [m.trade.expected_sales_value for m in rec.moves] == pytest.approx(
        [40.0 * HOURS, 30.0 * HOURS, 30.0 * HOURS]
    )
    # Answered contacts are worth nothing on this queue and it stays above its requirement:
    # the service given up costs nothing, but the points lost are stated.
    assert all(m.trade.value_of_service == pytest.approx(0.0) for m in rec.moves)
    assert rec.trade.answer_rate_points < 0
    assert rec.trade.expected_sales_value == pytest.approx(100.0 * HOURS)


def test_a_pull_is_refused_when_the_sales_given_up_exceed_the_service_value() -> None:
    """One short, the only sellers earn 30 an hour. At the roster's penalty (60 per agent-hour
    short) the pull pays; at a penalty of 20 it gives up more than it saves."""
    sellers = [agent("P1", SELL, campaign="C_HIGH"), agent("P2", SELL, campaign="C_HIGH")]
    pulled = advise(servers(5) + sellers, 12.0)
    assert [m.agent_code for m in pulled.moves] == ["P1"]
    refused = advise(servers(5) + sellers, 12.0, penalty=20.0)
    assert refused.direction is Direction.NONE and refused.moves == ()
    assert refused.trade == Trade.nothing()
    give_up, save = money_text(30.0 * HOURS, signed=False), money_text(20.0 * HOURS, signed=False)
    assert f"pulling P1 to Q1 would give up {give_up} of expected sales for {save} of service" in (
        refused.notes
    )


# --- caps: the weekly maximum, the calling window -------------------------------------------------


def test_no_release_past_a_campaigns_weekly_maximum() -> None:
    """A release lasts until the server's block ends (18:00, 3 h 55 min from now) and counts
    whole against the campaign's hours left this week."""
    switch_hours = (t("18:00") - NOW).total_seconds() / 3600
    room = {"C_HIGH": CampaignRoom("C_HIGH", t("18:00"), hours_left_this_week=switch_hours + 1)}
    rec = advise(servers(8), 6.0, rooms=room)
    # Room for one release to C_HIGH; the next two go to the next best campaign.
    assert [m.campaign_code for m in rec.moves] == ["C_HIGH", "C_MID", "C_MID"]
    full = {
        c: CampaignRoom(c, t("18:00"), hours_left_this_week=switch_hours - 0.1)
        for c in ("C_LOW", "C_MID", "C_HIGH")
    }
    none = advise(servers(8), 6.0, rooms=full)
    assert none.direction is Direction.NONE
    assert "campaign C_HIGH: its weekly maximum hours leave no room" in none.notes


def test_no_release_outside_a_calling_window_and_none_past_its_end() -> None:
    closed = {"C_HIGH": CampaignRoom("C_HIGH", calling_until_utc=None)}
    rec = advise(servers(8), 6.0, rooms=closed)
    assert {m.campaign_code for m in rec.moves} == {"C_MID"}
    closing = {"C_HIGH": CampaignRoom("C_HIGH", calling_until_utc=t("14:30"))}
    rec = advise(servers(8), 6.0, rooms=closing)
    # C_HIGH calls for 25 more minutes: 30 x 25/60 = 12.5 of sales, against C_MID's 20 x 11/12.
    assert {m.campaign_code for m in rec.moves} == {"C_MID"}
    only_high = {"C_HIGH": 30.0}
    rec = advise(servers(8), 6.0, values=only_high, rooms=closing)
    assert all(m.campaign_code == "C_HIGH" and m.until_utc == t("14:30") for m in rec.moves)
    assert rec.moves[0].trade.expected_sales_value == pytest.approx(30.0 * 25 / 60)
    nobody = advise(servers(8), 6.0, values=only_high, rooms={"C_HIGH": CampaignRoom("C_HIGH")})
    assert nobody.direction is Direction.NONE
    assert "servers to spare, but none can sell a campaign open now" in nobody.notes


# --- hysteresis ---------------------------------------------------------------------------------


def test_a_move_just_made_is_reversed_only_past_the_larger_margin() -> None:
    """R1 was released to sell five minutes ago; now the queue is one short. Pulling R1 back
    nets (60 - own value) x 11/12: with an own value of 32 that is 25.67, more than the usual
    margin (0.1 x 60 x 11/12 = 5.5) but less than the margin to reverse a switch made within
    30 minutes (0.5 x 60 x 11/12 = 27.5). With an own value of 10 (45.83) it is pulled back."""
    r1 = released("R1", "C_MID", minutes_ago=5)
    rich = {("R1", "C_MID"): 32.0}
    held = advise([*servers(5), r1], 12.0, agent_values=rich)
    assert held.direction is Direction.NONE
    assert any("less than the ¥28 needed to reverse a switch" in n for n in held.notes)
    # The same agent, switched 40 minutes ago: the usual margin applies.
    r1_earlier = released("R1", "C_MID", minutes_ago=40)
    moved = advise([*servers(5), r1_earlier], 12.0, agent_values=rich)
    assert [m.agent_code for m in moved.moves] == ["R1"]
    assert moved.moves[0].margin_value == pytest.approx(0.1 * PENALTY * HOURS)
    # A bigger difference reverses even a fresh switch.
    poor = {("R1", "C_MID"): 10.0}
    back = advise([*servers(5), r1], 12.0, agent_values=poor)
    assert [m.agent_code for m in back.moves] == ["R1"]
    assert back.moves[0].margin_value == pytest.approx(0.5 * PENALTY * HOURS)
    assert back.moves[0].trade.net_value == pytest.approx((PENALTY - 10.0) * HOURS)


def test_the_next_cycle_does_not_undo_a_pull() -> None:
    """The three sellers pulled at 14:05 serve; a minute later the queue is quieter (16
    contacts need 7 of the 8): the spare server is not released (cooldown, release margin)."""
    sellers = [agent(c, SELL, campaign="C_LOW") for c in ("P1", "P2", "P3")]
    first = advise(servers(5) + sellers, 18.0)
    assert first.count == 3
    after = []
    for a in servers(5) + sellers:
        if a.agent_code in {m.agent_code for m in first.moves}:
            change = switch_change(a.agent_code, NOW, t("18:00"), SERVE, queue_code="Q1")
            a = agent(a.agent_code, SELL, campaign="C_LOW", changes=[change], last_switch=NOW)
        after.append(a)
    for calls in (18.0, 16.0, 12.0):
        rec = recommend(
            now_utc=NOW + timedelta(minutes=1),
            interval_starts_utc=STARTS,
            interval_minutes=15,
            queues=[load(calls)],
            agents=after,
            economics=economics(),
            last_pull_utc=NOW,
        )
        assert rec.direction is Direction.NONE, (calls, rec.notes)


# --- one model -----------------------------------------------------------------------------------


def test_the_trade_points_are_the_queue_models_prediction_difference() -> None:
    """Three pulled onto a queue 18 contacts a quarter need 8 of: the points of the whole move,
    and the sum of the moves' points, are the queue model's contact-weighted prediction with
    the move minus without it."""
    sellers = [agent(c, SELL, campaign="C_LOW") for c in ("P1", "P2", "P3", "P4")]
    rec = advise(servers(5) + sellers, 18.0)
    assert rec.count == 3
    calls = np.full(4, 18.0)
    aht = np.full(4, 300.0)
    without = model().kpis(calls, aht, np.full(4, 5.0))
    with_move = model().kpis(calls, aht, np.full(4, 8.0))
    assert without.answer_rate is not None and with_move.answer_rate is not None
    ar_points = 100 * float(np.mean(with_move.answer_rate - without.answer_rate))
    sl_points = 100 * float(np.mean(with_move.service_level - without.service_level))
    assert rec.trade.answer_rate_points == pytest.approx(ar_points)
    assert rec.trade.service_level_points == pytest.approx(sl_points)
    assert sum(m.trade.answer_rate_points for m in rec.moves) == pytest.approx(ar_points)
    assert sum(m.trade.service_level_points for m in rec.moves) == pytest.approx(sl_points)
    assert rec.answer_rate_with is not None and rec.answer_rate_without is not None
    assert rec.trade.answer_rate_points == pytest.approx(
        100 * (rec.answer_rate_with - rec.answer_rate_without)
    )


# --- list depletion and callbacks due ----------------------------------------------------------


def test_an_exhausted_list_gives_nothing_up_and_takes_nobody() -> None:
    """C_HIGH's list is used up: its seller gives up no sales when pulled, so goes first, and no
    server is released to it."""
    sellers = [agent("P1", SELL, campaign="C_LOW"), agent("P2", SELL, campaign="C_HIGH")]
    assert [m.agent_code for m in advise(servers(5) + sellers, 12.0).moves] == ["P1"]
    used_up = {"C_HIGH": CampaignRoom("C_HIGH", t("18:00"), list_remaining_fraction=0.0)}
    rec = advise(servers(5) + sellers, 12.0, rooms=used_up)
    assert [m.agent_code for m in rec.moves] == ["P2"]
    assert rec.moves[0].trade.expected_sales_value == 0.0
    released_to = advise(servers(8), 6.0, rooms=used_up)
    assert {m.campaign_code for m in released_to.moves} == {"C_MID"}
    assert "campaign C_HIGH: its lead list is exhausted" in released_to.notes
    # Anything short of empty leaves the values as they are.
    half = {"C_HIGH": CampaignRoom("C_HIGH", t("18:00"), list_remaining_fraction=0.5)}
    assert {m.campaign_code for m in advise(servers(8), 6.0, rooms=half).moves} == {"C_HIGH"}


def test_callbacks_due_keep_their_sellers_selling() -> None:
    """P1 alone sells C_LOW: 55 minutes of the horizon. With 50 callback minutes due on C_LOW
    in the horizon P1 stays, and the pricier P2 is pulled instead; with none due, P1 goes."""
    sellers = [agent("P1", SELL, campaign="C_LOW"), agent("P2", SELL, campaign="C_MID")]
    assert [m.agent_code for m in advise(servers(5) + sellers, 12.0).moves] == ["P1"]
    due = {"C_LOW": CampaignRoom("C_LOW", t("18:00"), callback_minutes_due=50.0)}
    rec = advise(servers(5) + sellers, 12.0, rooms=due)
    assert [m.agent_code for m in rec.moves] == ["P2"]
    assert "sellers of C_LOW stay: callbacks are due in the horizon" in rec.notes


def test_the_limits_default_to_none() -> None:
    room = CampaignRoom("C")
    assert room.calling_until_utc is None and room.hours_left_this_week is None
    assert room.list_remaining_fraction == 1.0 and room.callback_minutes_due == 0.0
    assert not room.exhausted
    with pytest.raises(ValueError, match="list_remaining_fraction"):
        CampaignRoom("C", list_remaining_fraction=1.5)
    with pytest.raises(ValueError, match="callback_minutes_due"):
        CampaignRoom("C", callback_minutes_due=-1.0)
    with pytest.raises(ValueError, match="source"):
        SellingValue("C", NOW, 10.0, source="guessed")
    with pytest.raises(ValueError, match="value_per_productive_hour"):
        SellingValue("C", NOW, float("nan"))


# --- the trade in words -------------------------------------------------------------------------


def test_the_trade_reads_in_both_currencies() -> None:
    trade = Trade(1.24, 3.06, 500.0, -380.4, "CNY")
    assert trade.text == "+1.2 pts answer rate, +3.1 pts service level, −¥380 expected sales"
    assert trade.net_value == pytest.approx(119.6)
    assert Trade(-0.04, -2.0, -10.0, 1234.5, "EUR").text == (
        "±0.0 pts answer rate, −2.0 pts service level, +€1,234 expected sales"
    )
    assert money_text(-12.0, "CHF") == "−CHF 12"
    assert money_text(0.2) == "¥0"
