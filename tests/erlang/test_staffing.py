"""Staffing: the least agents meeting every target, checked against the models directly."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from erlang import ErlangError, erlang_a, erlang_c, required_agents, scheduled_from_required

CALLS, INTERVAL, AHT, T = 100.0, 1800.0, 180.0, 20.0


def test_golden_requirement_80_20_with_shrinkage() -> None:
    result = required_agents(
        CALLS, INTERVAL, AHT, service_level=0.8, threshold_seconds=T, shrinkage=0.3
    )
    assert int(result.agents) == 14
    assert int(result.scheduled_agents) == 20
    assert float(result.service_level) == pytest.approx(0.8884, abs=5e-5)
    assert float(result.asa_seconds) == pytest.approx(7.84, abs=5e-3)
    assert float(result.occupancy) == pytest.approx(0.714, abs=5e-4)
    assert result.model == "erlang_c"
    assert result.answer_rate is None


def test_scheduled_agents_round_up_without_floating_point_surprises() -> None:
    np.testing.assert_array_equal(
        scheduled_from_required([14, 7, 10, 0, 1], [0.3, 0.3, 0.5, 0.3, 0.0]), [20, 10, 20, 0, 1]
    )
    assert int(scheduled_from_required(15, 0.3)) == 22  # 21.43 rounds up


def test_zero_calls_need_zero_agents() -> None:
    result = required_agents(
        [0.0, 0.0], INTERVAL, AHT, service_level=0.9, patience_seconds=100.0, max_abandon_rate=0.01
    )
    np.testing.assert_array_equal(result.agents, [0, 0])
    np.testing.assert_array_equal(result.scheduled_agents, [0, 0])
    np.testing.assert_array_equal(result.service_level, [1.0, 1.0])
    # Quiet intervals often carry no handle time either; that is not an error.
    quiet = required_agents([0.0, 100.0], INTERVAL, [0.0, AHT], service_level=0.8)
    np.testing.assert_array_equal(quiet.agents, [0, 14])
    with pytest.raises(
        ErlangError, match="aht_seconds must be at least 1e-06 where there are calls"
    ):
        required_agents([5.0, 100.0], INTERVAL, [0.0, AHT], service_level=0.8)


def _meets_c(calls: float, agents: int, sl: float, asa: float | None, occ: float | None) -> bool:
    r = erlang_c(calls, INTERVAL, AHT, agents, T)
    ok = float(r.service_level) >= sl - 1e-12
    if asa is not None:
        ok &= float(r.asa_seconds) <= asa
    if occ is not None:
        ok &= float(r.occupancy) <= occ + 1e-12
    return bool(ok)


@settings(max_examples=60, deadline=None)
@given(
    calls=st.floats(min_value=0.01, max_value=20000.0),
    sl=st.floats(min_value=0.05, max_value=0.99),
    asa=st.one_of(st.none(), st.floats(min_value=0.5, max_value=120.0)),
    occ=st.one_of(st.none(), st.floats(min_value=0.5, max_value=1.0)),
)
def test_erlang_c_requirement_is_the_least_staffing_meeting_all_targets(
    calls: float, sl: float, asa: float | None, occ: float | None
) -> None:
    result = required_agents(
        calls, INTERVAL, AHT, service_level=sl, max_asa_seconds=asa, max_occupancy=occ
    )
    n = int(result.agents)
    assert _meets_c(calls, n, sl, asa, occ)
    assert n == 0 or not _meets_c(calls, n - 1, sl, asa, occ)


@settings(max_examples=30, deadline=None)
@given(
    calls=st.floats(min_value=0.5, max_value=8000.0),
    patience=st.floats(min_value=10.0, max_value=2000.0),
    sl=st.one_of(st.none(), st.floats(min_value=0.05, max_value=0.98)),
    abandon=st.one_of(st.none(), st.floats(min_value=0.005, max_value=0.3)),
)
def test_erlang_a_requirement_is_the_least_staffing_meeting_all_targets(
    calls: float, patience: float, sl: float | None, abandon: float | None
) -> None:
    if sl is None and abandon is None:
        sl = 0.8
    result = required_agents(
        calls,
        INTERVAL,
        AHT,
        service_level=sl,
        max_abandon_rate=abandon,
        patience_seconds=patience,
    )

    def meets(n: int) -> bool:
        r = erlang_a(calls, INTERVAL, AHT, n, patience, T)
        ok = True
        if sl is not None:
            ok &= float(r.service_level) >= sl - 1e-12
        if abandon is not None:
            ok &= float(r.abandon_rate) <= abandon + 1e-12
        return bool(ok)

    n = int(result.agents)
    assert meets(n)
    assert n == 0 or not meets(n - 1)
    assert result.answer_rate is not None and result.abandon_rate is not None
    assert float(result.answer_rate) == pytest.approx(1.0 - float(result.abandon_rate))


def test_min_answer_rate_is_the_complement_of_max_abandon_rate() -> None:
    by_answer = required_agents(CALLS, INTERVAL, AHT, min_answer_rate=0.97, patience_seconds=120.0)
    by_abandon = required_agents(
        CALLS, INTERVAL, AHT, max_abandon_rate=0.03, patience_seconds=120.0
    )
    assert int(by_answer.agents) == int(by_abandon.agents)
    assert float(by_answer.answer_rate) >= 0.97  # type: ignore[arg-type]


def test_occupancy_cap_alone_sets_the_requirement() -> None:
    result = required_agents(CALLS, INTERVAL, AHT, max_occupancy=0.5)
    assert int(result.agents) == 20
    assert float(result.occupancy) == pytest.approx(0.5)


def test_vectorised_requirement_equals_one_interval_at_a_time() -> None:
    rng = np.random.default_rng(7)
    calls = rng.uniform(0.0, 400.0, 200)
    calls[::17] = 0.0
    aht = rng.uniform(100.0, 400.0, 200)
    together = required_agents(
        calls, 900.0, aht, service_level=0.8, max_occupancy=0.9, shrinkage=0.25
    )
    for i in range(0, 200, 13):
        alone = required_agents(
            calls[i], 900.0, aht[i], service_level=0.8, max_occupancy=0.9, shrinkage=0.25
        )
        assert int(together.agents[i]) == int(alone.agents)
        assert int(together.scheduled_agents[i]) == int(alone.scheduled_agents)


def test_chat_concurrency_divides_the_requirement() -> None:
    voice = required_agents(300.0, INTERVAL, AHT, service_level=0.8)
    chat = required_agents(300.0, INTERVAL, AHT, service_level=0.8, concurrency=3)
    servers = int(voice.agents)
    assert int(chat.agents) == math.ceil(servers / 3)
    # A fractional concurrency takes the general search and agrees on whole values.
    nearly = required_agents(300.0, INTERVAL, AHT, service_level=0.8, concurrency=2.999999)
    assert int(nearly.agents) in (int(chat.agents), int(chat.agents) + 1)


def test_requirement_grows_with_load_and_target() -> None:
    calls = np.linspace(0.0, 3000.0, 301)
    low = required_agents(calls, INTERVAL, AHT, service_level=0.7)
    high = required_agents(calls, INTERVAL, AHT, service_level=0.95)
    assert np.all(np.diff(low.agents) >= 0)
    assert np.all(high.agents >= low.agents)


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"service_level": 1.0}, "service_level"),
        ({"service_level": 0.0}, "service_level"),
        ({"service_level": 1.5}, "service_level"),
        ({"max_asa_seconds": 0.0}, "max_asa_seconds"),
        ({"max_abandon_rate": 0.05}, "max_abandon_rate"),
        ({"min_answer_rate": 0.95}, "min_answer_rate"),
        ({"max_abandon_rate": 0.0, "patience_seconds": 60.0}, "max_abandon_rate"),
        ({"max_occupancy": 0.0}, "max_occupancy"),
        ({"max_occupancy": 1.2}, "max_occupancy"),
        ({"shrinkage": 1.0}, "shrinkage"),
        ({"shrinkage": -0.1}, "shrinkage"),
        ({"concurrency": 0.5}, "concurrency"),
        ({"patience_seconds": 0.0}, "patience_seconds"),
        ({"calls": -3.0}, "calls"),
        ({"calls": math.inf}, "calls"),
        ({"aht_seconds": -180.0}, "aht_seconds"),
        ({"service_level": None}, "service_level"),
    ],
)
def test_bad_targets_name_the_argument(kwargs: dict[str, float | None], argument: str) -> None:
    arguments: dict[str, float | None] = {
        "calls": CALLS,
        "interval_seconds": INTERVAL,
        "aht_seconds": AHT,
        "service_level": 0.8,
    }
    arguments.update(kwargs)
    calls = arguments.pop("calls")
    interval = arguments.pop("interval_seconds")
    aht = arguments.pop("aht_seconds")
    with pytest.raises(ErlangError) as caught:
        required_agents(calls, interval, aht, **arguments)  # type: ignore[arg-type]
    assert caught.value.argument == argument


def test_a_handle_time_below_a_microsecond_is_refused_where_there_are_calls() -> None:
    # shorter ones overflowed the Erlang A series and came back as NaN
    with pytest.raises(ErlangError, match="aht_seconds must be at least 1e-06"):
        required_agents(100.0, INTERVAL, 1e-300, service_level=0.8, patience_seconds=60.0)
    with pytest.raises(ErlangError, match="aht_seconds must be at least 1e-06"):
        erlang_a(1.0, INTERVAL, 5e-324, 1, 60.0)
    at_least = erlang_a(1e7, INTERVAL, 1e-6, 1, 60.0)
    assert 0.0 <= float(at_least.p_wait) <= 1.0


@pytest.mark.parametrize("shape", [(), (3,)])
def test_an_unreachable_target_is_named_whether_one_for_all_or_one_per_interval(
    shape: tuple[int, ...],
) -> None:
    from erlang.staffing import _Targets, _unreachable

    targets = _Targets(
        service_level=np.full(shape, 0.95),
        threshold_seconds=np.full(shape, 20.0),
        max_asa_seconds=None,
        max_abandon_rate=None,
        max_occupancy=None,
    )
    with pytest.raises(ErlangError, match="service_level 0.95 cannot be met"):
        _unreachable(targets, 2 if shape else 0)
