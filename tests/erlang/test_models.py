"""Erlang B, C and A against published values and independent oracles."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from erlang_oracles import erlang_a_chain, erlang_b_recursion, erlang_c_chain
from hypothesis import given, settings
from hypothesis import strategies as st

from erlang import ErlangError, erlang_a, erlang_b, erlang_c

# Published reference (domain.md; the classic 100 calls / 30 min, AHT 180 s example).
CALLS, INTERVAL, AHT, T = 100.0, 1800.0, 180.0, 20.0


def test_erlang_c_golden_values() -> None:
    at_11 = erlang_c(CALLS, INTERVAL, AHT, 11, T)
    assert float(at_11.p_wait) == pytest.approx(0.6821, abs=5e-5)
    at_14 = erlang_c(CALLS, INTERVAL, AHT, 14, T)
    assert float(at_14.service_level) == pytest.approx(0.8884, abs=5e-5)
    assert float(at_14.asa_seconds) == pytest.approx(7.84, abs=5e-3)
    assert float(at_14.occupancy) == pytest.approx(0.714, abs=5e-4)
    assert float(at_14.load_erlangs) == pytest.approx(10.0)


def test_erlang_a_golden_values() -> None:
    result = erlang_a(CALLS, INTERVAL, AHT, 14, 300.0, T)
    assert float(result.p_wait) == pytest.approx(0.14526, abs=5e-6)
    assert float(result.p_abandon) == pytest.approx(0.013984, abs=5e-7)
    assert float(result.mean_wait_seconds) == pytest.approx(4.195, abs=5e-4)
    assert float(result.answer_rate) == pytest.approx(1 - 0.013984, abs=5e-7)
    assert float(result.answered_per_interval) == pytest.approx(100 * (1 - 0.013984), abs=1e-4)


@pytest.mark.parametrize("load", [0.3, 7.5, 42.0, 300.0, 2500.0, 5000.0])
def test_erlang_b_matches_the_recursion_at_whole_servers(load: float) -> None:
    servers = sorted(
        {
            0,
            1,
            2,
            int(load / 4),
            int(load) - 1,
            int(load),
            int(load) + 3,
            int(load + 4 * math.sqrt(load)) + 1,
            int(1.5 * load) + 2,
        }
    )
    servers = [s for s in servers if s >= 0]
    got = erlang_b(servers, load)
    want = [erlang_b_recursion(s, load) for s in servers]
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-300)


def test_erlang_b_between_whole_servers_is_monotone_and_continuous() -> None:
    servers = np.linspace(0.0, 30.0, 3001)
    values = erlang_b(servers, 12.5)
    assert np.all(np.diff(values) < 0)
    assert np.max(np.abs(np.diff(values))) < 2e-3
    assert float(erlang_b(0.0, 12.5)) == 1.0
    assert float(erlang_b(3.0, 0.0)) == 0.0


@pytest.mark.parametrize(
    ("calls", "aht", "agents", "threshold"),
    [
        (100.0, 180.0, 11, 20.0),
        (100.0, 180.0, 14, 20.0),
        (900.0, 300.0, 160, 15.0),
        (20.0, 240.0, 4, 30.0),
        (12000.0, 200.0, 1380, 20.0),
    ],
)
def test_erlang_c_matches_the_birth_death_chain(
    calls: float, aht: float, agents: int, threshold: float
) -> None:
    p_wait, sl, asa = erlang_c_chain(calls, INTERVAL, aht, agents, threshold)
    got = erlang_c(calls, INTERVAL, aht, agents, threshold)
    assert float(got.p_wait) == pytest.approx(p_wait, rel=1e-8)
    assert float(got.service_level) == pytest.approx(sl, rel=1e-8)
    assert float(got.asa_seconds) == pytest.approx(asa, rel=1e-8)


@pytest.mark.parametrize(
    ("calls", "aht", "agents", "patience", "threshold"),
    [
        (100.0, 180.0, 14, 300.0, 20.0),
        (100.0, 180.0, 8, 120.0, 20.0),  # overloaded: fewer agents than the load
        (100.0, 180.0, 1, 60.0, 10.0),
        (600.0, 240.0, 70, 45.0, 30.0),  # short patience
        (50.0, 120.0, 5, 5000.0, 20.0),  # long patience
        (3000.0, 200.0, 320, 400.0, 20.0),
        (20000.0, 180.0, 1900, 180.0, 20.0),  # 2,000 Erlangs
        (20.0, 300.0, 6, 100.0, 0.0),  # threshold 0
    ],
)
def test_erlang_a_matches_the_birth_death_chain(
    calls: float, aht: float, agents: int, patience: float, threshold: float
) -> None:
    want = erlang_a_chain(calls, INTERVAL, aht, agents, patience, threshold)
    got = erlang_a(calls, INTERVAL, aht, agents, patience, threshold)
    for name in (
        "p_wait",
        "p_abandon",
        "service_level",
        "service_level_of_answered",
        "service_level_abandons_count",
        "asa_seconds",
        "mean_wait_seconds",
    ):
        assert float(getattr(got, name)) == pytest.approx(getattr(want, name), rel=1e-7), name


def test_erlang_a_is_stable_at_5000_erlangs() -> None:
    calls = 5000.0 * INTERVAL / AHT
    agents = np.array([4000, 4900, 5000, 5050, 5100, 5300])
    result = erlang_a(calls, INTERVAL, AHT, agents, 300.0, T)
    for name in ("p_wait", "p_abandon", "service_level", "asa_seconds", "occupancy"):
        values = getattr(result, name)
        assert np.all(np.isfinite(values)), name
    # With 4,000 agents for 5,000 Erlangs about a fifth must hang up.
    assert float(result.abandon_rate[0]) == pytest.approx(0.2, abs=0.01)
    assert np.all(np.diff(result.service_level) > 0)
    assert np.all(np.diff(result.answer_rate) > 0)


def test_erlang_c_unstable_and_zero_load() -> None:
    unstable = erlang_c(CALLS, INTERVAL, AHT, [0, 5, 10], T)
    np.testing.assert_array_equal(unstable.p_wait, [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(unstable.service_level, [0.0, 0.0, 0.0])
    assert np.all(np.isinf(unstable.asa_seconds))
    idle = erlang_c(0.0, INTERVAL, AHT, [0, 3], T)
    np.testing.assert_array_equal(idle.service_level, [1.0, 1.0])
    np.testing.assert_array_equal(idle.asa_seconds, [0.0, 0.0])
    np.testing.assert_array_equal(idle.p_wait, [0.0, 0.0])


def test_erlang_a_with_no_agents_or_no_calls() -> None:
    nobody = erlang_a(CALLS, INTERVAL, AHT, 0, 300.0, T)
    assert float(nobody.answer_rate) == 0.0
    assert float(nobody.service_level) == 0.0
    assert float(nobody.mean_wait_seconds) == pytest.approx(300.0)
    assert float(nobody.service_level_abandons_count) == pytest.approx(1 - math.exp(-T / 300))
    quiet = erlang_a(0.0, INTERVAL, AHT, [0, 4], 300.0, T)
    np.testing.assert_array_equal(quiet.service_level, [1.0, 1.0])
    np.testing.assert_array_equal(quiet.answer_rate, [1.0, 1.0])


def test_chat_concurrency_counts_each_agent_as_several_servers() -> None:
    chat = erlang_c(CALLS * 3, INTERVAL, AHT, 10, T, concurrency=3)
    voice = erlang_c(CALLS * 3, INTERVAL, AHT, 30, T)
    assert float(chat.service_level) == pytest.approx(float(voice.service_level))
    assert float(chat.occupancy) == pytest.approx(30.0 / 30.0 * 1.0)


def test_results_broadcast_over_intervals() -> None:
    calls = np.array([[50.0, 100.0, 150.0], [0.0, 10.0, 20.0]])
    result = erlang_a(calls, INTERVAL, AHT, 12, 200.0, T)
    assert result.service_level.shape == (2, 3)
    single = erlang_a(150.0, INTERVAL, AHT, 12, 200.0, T)
    assert float(result.service_level[0, 2]) == pytest.approx(float(single.service_level))


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"calls": -1.0}, "calls"),
        ({"calls": math.nan}, "calls"),
        ({"aht_seconds": 0.0}, "aht_seconds"),
        ({"aht_seconds": math.inf}, "aht_seconds"),
        ({"agents": -2.0}, "agents"),
        ({"patience_seconds": -5.0}, "patience_seconds"),
        ({"patience_seconds": math.inf}, "patience_seconds"),
        ({"threshold_seconds": -1.0}, "threshold_seconds"),
        ({"interval_seconds": 0.0}, "interval_seconds"),
    ],
)
def test_bad_input_names_the_argument(kwargs: dict[str, float], argument: str) -> None:
    arguments = {
        "calls": CALLS,
        "interval_seconds": INTERVAL,
        "aht_seconds": AHT,
        "agents": 14.0,
        "patience_seconds": 300.0,
        "threshold_seconds": T,
    }
    arguments.update(kwargs)
    with pytest.raises(ErlangError) as caught:
        erlang_a(**arguments)
    assert caught.value.argument == argument
    assert str(caught.value).startswith(argument)


loads = st.floats(min_value=0.05, max_value=3000.0)
patiences = st.floats(min_value=5.0, max_value=5000.0)


@settings(max_examples=60, deadline=None)
@given(load=loads, threshold=st.floats(min_value=0.0, max_value=120.0))
def test_erlang_c_service_level_never_falls_as_agents_are_added(
    load: float, threshold: float
) -> None:
    agents = np.arange(0, int(load * 1.3) + 25)
    result = erlang_c(load * INTERVAL / AHT, INTERVAL, AHT, agents, threshold)
    assert np.all(np.diff(result.service_level) >= -1e-12)
    assert np.all(np.diff(result.asa_seconds[np.isfinite(result.asa_seconds)]) <= 1e-9)
    assert np.all((result.service_level >= 0) & (result.service_level <= 1))


@settings(max_examples=40, deadline=None)
@given(load=loads, patience=patiences, threshold=st.floats(min_value=0.0, max_value=120.0))
def test_erlang_a_improves_as_agents_are_added(
    load: float, patience: float, threshold: float
) -> None:
    agents = np.arange(0, int(load * 1.3) + 25)
    result = erlang_a(load * INTERVAL / AHT, INTERVAL, AHT, agents, patience, threshold)
    assert np.all(np.diff(result.service_level) >= -1e-9)
    assert np.all(np.diff(result.answer_rate) >= -1e-9)
    assert np.all(np.diff(result.p_wait) <= 1e-9)
    for name in ("service_level", "answer_rate", "p_wait", "service_level_of_answered"):
        values = getattr(result, name)
        assert np.all((values >= -1e-12) & (values <= 1 + 1e-12)), name
    # The variants order as their definitions say.
    assert np.all(result.service_level <= result.service_level_abandons_count + 1e-12)
    assert np.all(result.service_level <= result.service_level_of_answered + 1e-12)
    assert np.all(result.p_abandon <= result.p_wait + 1e-12)


@settings(max_examples=40, deadline=None)
@given(
    load=st.floats(min_value=0.5, max_value=2000.0),
    extra=st.floats(min_value=0.5, max_value=4.0),
    threshold=st.floats(min_value=0.0, max_value=60.0),
)
def test_erlang_a_tends_to_erlang_c_as_patience_grows(
    load: float, extra: float, threshold: float
) -> None:
    agents = math.ceil(load + extra * math.sqrt(load))
    calls = load * INTERVAL / AHT
    c = erlang_c(calls, INTERVAL, AHT, agents, threshold)
    gaps, abandons = [], []
    for patience in (1e5, 1e7, 1e9):
        a = erlang_a(calls, INTERVAL, AHT, agents, patience, threshold)
        gaps.append(abs(float(a.service_level) - float(c.service_level)))
        abandons.append(float(a.p_abandon))
    assert gaps[-1] < 1e-6
    assert gaps[2] <= gaps[0] + 1e-12
    assert abandons[0] > abandons[1] > abandons[2] and abandons[2] < 1e-5
    a = erlang_a(calls, INTERVAL, AHT, agents, 1e9, threshold)
    assert float(a.p_wait) == pytest.approx(float(c.p_wait), rel=1e-5, abs=1e-9)
    assert float(a.asa_seconds) == pytest.approx(float(c.asa_seconds), rel=1e-4, abs=1e-6)


@pytest.mark.parametrize("patience", [1e15, 1e40, 1e160, 1e300, 1.7e308])
def test_erlang_a_with_endless_patience_is_erlang_c(patience: float) -> None:
    agents = np.array([14, 20, 50])
    a = erlang_a(CALLS, INTERVAL, AHT, agents, patience, T)
    c = erlang_c(CALLS, INTERVAL, AHT, agents, T)
    for name in ("p_wait", "service_level", "asa_seconds", "occupancy"):
        np.testing.assert_allclose(getattr(a, name), getattr(c, name), rtol=1e-9, err_msg=name)
    np.testing.assert_allclose(a.answer_rate, 1.0, rtol=1e-12)
    # and finite at the extremes of load and handle time, where x = N/(h theta) would overflow
    extreme = erlang_a([1e-3, 1e7], INTERVAL, [1e-3, 86_400.0], [1, 100_000], patience, T)
    for name in ("p_wait", "p_abandon", "service_level", "occupancy", "answer_rate"):
        assert np.all(np.isfinite(getattr(extreme, name))), name


@settings(max_examples=200, deadline=None)
@given(
    calls=st.floats(min_value=0.0, max_value=1e7),
    aht=st.floats(min_value=1e-6, max_value=86_400.0),
    agents=st.integers(min_value=0, max_value=100_000),
    patience=st.floats(min_value=1.0, max_value=86_400.0),
    threshold=st.floats(min_value=0.0, max_value=86_400.0),
)
def test_erlang_a_kpis_are_fractions_even_in_deep_overload(
    calls: float, aht: float, agents: int, patience: float, threshold: float
) -> None:
    result = erlang_a(calls, INTERVAL, aht, agents, patience, threshold)
    for name in ("p_wait", "p_abandon", "answer_rate", "service_level", "occupancy"):
        value = float(getattr(result, name))
        assert 0.0 <= value <= 1.0, (name, value)


def test_erlang_a_occupancy_never_exceeds_one_by_rounding() -> None:
    # a day-long handle time on one agent: the answered load is the whole agent, not a hair more
    result = erlang_a([1.0, 100.0, 1e6], INTERVAL, [86_400.0, 86_400.0, 1e5], 1, 86_400.0, T)
    assert np.all(result.occupancy <= 1.0)
    np.testing.assert_allclose(result.occupancy, 1.0, rtol=1e-6)


@settings(max_examples=100, deadline=None)
@given(
    calls=st.one_of(st.just(5e-324), st.floats(min_value=1e-320, max_value=1e-200)),
    agents=st.integers(min_value=1, max_value=50),
    patience=st.floats(min_value=1.0, max_value=86_400.0),
)
def test_erlang_a_with_a_vanishing_arrival_rate_is_finite_and_warns_nothing(
    calls: float, agents: int, patience: float
) -> None:
    # x / y overflowed here (and x / y times 0 would be NaN); numpy warned on every such call
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = erlang_a(calls, INTERVAL, AHT, agents, patience, T)
    assert float(result.p_wait) == pytest.approx(0.0, abs=1e-12)
    assert float(result.answer_rate) == pytest.approx(1.0, abs=1e-12)
    for name in ("service_level", "asa_seconds", "occupancy", "p_abandon"):
        assert math.isfinite(float(getattr(result, name))), name
