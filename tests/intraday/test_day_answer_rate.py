"""The day's answer-rate target as a bound on the floor's money: the floor a horizon must answer
its contacts at for the day to meet the target (`day_answer_rate_floor`), the pulls it forces
when the money would not make them, and the releases it refuses.

The floor (the test_recommendation one: 14:00-15:00, now 14:05) has one queue of 12 contacts a
quarter hour at 300 s; five servers answer them at Erlang A's rate with 5, six at its rate with 6.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from test_floor_money import advise, servers
from test_recommendation import SELL, agent, load

import erlang
from wfm.domain.intraday import Direction
from wfm.domain.intraday.recommendation import DAY_ANSWER_RATE_GUARD, day_answer_rate_floor


def rate(calls: float, agents: int) -> float:
    return float(erlang.erlang_a(calls, 900.0, 300.0, agents, 120.0, 20.0).answer_rate)


def test_the_floor_is_what_the_day_needs_of_the_horizon() -> None:
    """1,000 contacts before (930 answered), 200 in the horizon, 800 after (770 projected): a
    95 % day needs 0.953 x 2,000 = 1,906 answered, so the horizon's 200 must give 206 (1.03:
    nothing can) ; with a better morning (960 answered) 176 (0.88)."""
    common = {"offered_before": 1000.0, "horizon_offered": 200.0, "offered_after": 800.0}
    low = day_answer_rate_floor(0.95, answered_before=930.0, answered_after=770.0, **common)
    high = day_answer_rate_floor(0.95, answered_before=960.0, answered_after=770.0, **common)
    assert DAY_ANSWER_RATE_GUARD == 0.003
    assert low == pytest.approx((0.953 * 2000 - 930 - 770) / 200) == pytest.approx(1.03)
    assert high == pytest.approx(0.88)
    exact = day_answer_rate_floor(
        0.95, answered_before=960.0, answered_after=770.0, guard=0.0, **common
    )
    # answering the horizon at its floor makes the day exactly the target
    assert exact is not None
    assert (960 + 770 + 200 * exact) / 2000 == pytest.approx(0.95)
    assert day_answer_rate_floor(None, answered_before=0.0, answered_after=0.0, **common) is None
    nothing = {**common, "horizon_offered": 0.0}
    assert day_answer_rate_floor(0.95, answered_before=0.0, answered_after=0.0, **nothing) is None


def test_a_pull_the_money_refuses_is_made_when_the_day_needs_it() -> None:
    """At a penalty of 20 the pull does not pay (test_floor_money); with a floor above the
    horizon's answer rate at five servers the seller who loses least is pulled, and one is
    enough: six servers answer above the floor."""
    sellers = [
        agent("P1", SELL, campaign="C_HIGH"),
        agent("P2", SELL, campaign="C_MID"),
        agent("P3", SELL, campaign="C_MID"),
    ]
    assert advise(servers(5) + sellers, 12.0, penalty=20.0).moves == ()
    bound = (rate(12.0, 5) + rate(12.0, 6)) / 2
    held = replace(load(12.0), answer_rate_floor=bound)
    rec = advise(servers(5) + sellers, 12.0, queue=held, penalty=20.0)
    assert rec.direction is Direction.TO_SERVE
    assert [m.agent_code for m in rec.moves] == ["P2"]  # C_MID gives up less than C_HIGH
    assert rec.answer_rate_with == pytest.approx(rate(12.0, 6))
    assert "sellers pulled to Q1 to hold the day's answer-rate target" in rec.notes
    # A floor the horizon already meets changes nothing.
    met = replace(load(12.0), answer_rate_floor=rate(12.0, 5) - 0.01)
    assert advise(servers(5) + sellers, 12.0, queue=met, penalty=20.0).moves == ()


def test_a_floor_nothing_can_meet_pulls_every_seller_who_can_serve() -> None:
    """A floor of 1 (no abandon at all) or above (the horizon alone cannot save the day) is
    beyond any staffing: every seller who can serve Q1 is pulled, and the note says none is
    left."""
    sellers = [agent(f"P{i}", SELL, campaign="C_HIGH") for i in range(3)]
    sellers.append(agent("PX", SELL, campaign="C_LOW", skills=("Q2",)))  # cannot serve Q1
    for bound, text in ((1.0, "100.0%"), (1.4, "100.0%")):
        held = replace(load(12.0), answer_rate_floor=bound)
        rec = advise(servers(5) + sellers, 12.0, queue=held, penalty=20.0)
        assert sorted(m.agent_code for m in rec.moves) == ["P0", "P1", "P2"]
        assert any(
            n.startswith(f"queue Q1: the day's answer-rate target needs {text}") for n in rec.notes
        )


def test_a_release_that_would_break_the_floor_is_refused() -> None:
    """6 contacts, eight serve: the money releases three (test_floor_money). With a floor between
    the answer rates at 7 and at 8 servers none goes; between 6 and 7, one."""
    assert len(advise(servers(8), 6.0).moves) == 3
    none = replace(load(6.0), answer_rate_floor=(rate(6.0, 7) + rate(6.0, 8)) / 2)
    refused = advise(servers(8), 6.0, queue=none)
    assert refused.direction is Direction.NONE and refused.moves == ()
    assert "no release from Q1: its day's answer-rate target needs its servers" in refused.notes
    one = replace(load(6.0), answer_rate_floor=(rate(6.0, 6) + rate(6.0, 7)) / 2)
    assert len(advise(servers(8), 6.0, queue=one).moves) == 1
