"""The simulator against Erlang C and Erlang A on a grid, and its handling of staffing changes.

A fixed seed and 99.9 % confidence intervals make the grid stable: each case simulates about
150,000 calls (20 batch means after a warm-up), and every KPI must cover the formula's value.
"""

from __future__ import annotations

import numpy as np
import pytest

from erlang import ErlangError, erlang_a, erlang_c, simulate_queue

INTERVAL = 1800.0
C_KPIS = ("p_wait", "service_level", "asa_seconds", "occupancy")
A_KPIS = (
    "p_wait",
    "service_level",
    "service_level_of_answered",
    "service_level_abandons_count",
    "answer_rate",
    "abandon_rate",
    "asa_seconds",
    "mean_wait_seconds",
    "occupancy",
)


def _stationary(calls: float, agents: int, aht: float, patience: float | None, seed: int, **kw):
    intervals = int(150_000 / calls) + 2
    return simulate_queue(
        np.full(intervals, calls),
        agents,
        interval_seconds=INTERVAL,
        aht_seconds=aht,
        patience_seconds=patience,
        replications=1,
        batches=20,
        warmup_seconds=2 * INTERVAL,
        confidence=0.999,
        seed=seed,
        **kw,
    )


@pytest.mark.parametrize(
    ("calls", "aht", "agents", "threshold"),
    [(100.0, 180.0, 14, 20.0), (900.0, 300.0, 160, 15.0), (30.0, 240.0, 6, 30.0)],
)
def test_simulation_agrees_with_erlang_c(
    calls: float, aht: float, agents: int, threshold: float
) -> None:
    sim = _stationary(calls, agents, aht, None, seed=101, threshold_seconds=threshold)
    formula = erlang_c(calls, INTERVAL, aht, agents, threshold)
    for name in C_KPIS:
        estimate = getattr(sim, name)
        assert estimate.covers(float(getattr(formula, name))), (name, estimate)
    assert sim.answer_rate.value == 1.0


@pytest.mark.parametrize(
    ("calls", "aht", "agents", "patience", "threshold"),
    [
        (100.0, 180.0, 14, 300.0, 20.0),
        (100.0, 180.0, 8, 120.0, 20.0),
        (600.0, 240.0, 75, 45.0, 30.0),
        (20.0, 300.0, 3, 600.0, 20.0),
    ],
)
def test_simulation_agrees_with_erlang_a(
    calls: float, aht: float, agents: int, patience: float, threshold: float
) -> None:
    sim = _stationary(calls, agents, aht, patience, seed=202, threshold_seconds=threshold)
    formula = erlang_a(calls, INTERVAL, aht, agents, patience, threshold)
    for name in A_KPIS:
        estimate = getattr(sim, name)
        assert estimate.covers(float(getattr(formula, name))), (name, estimate)


def test_replications_give_an_interval_that_covers_erlang_a() -> None:
    sim = simulate_queue(
        np.full(40, 100.0),
        14,
        interval_seconds=INTERVAL,
        aht_seconds=180.0,
        patience_seconds=300.0,
        replications=8,
        warmup_seconds=INTERVAL,
        confidence=0.999,
        seed=3,
    )
    formula = erlang_a(100.0, INTERVAL, 180.0, 14, 300.0, 20.0)
    assert sim.replications == 8
    for name in ("service_level", "answer_rate", "occupancy"):
        assert getattr(sim, name).covers(float(getattr(formula, name))), name


def test_occupancy_does_not_depend_on_the_handle_time_distribution() -> None:
    sim = _stationary(100.0, 13, 180.0, None, seed=9, handle_time="lognormal", handle_time_cv=0.6)
    assert sim.occupancy.covers(10.0 / 13.0)
    constant = _stationary(100.0, 13, 180.0, None, seed=9, handle_time="constant")
    assert constant.occupancy.covers(10.0 / 13.0)
    # Less variable handle times mean shorter queues than Erlang C's exponential ones.
    formula = erlang_c(100.0, INTERVAL, 180.0, 13, 20.0)
    assert constant.asa_seconds.ci_high < float(formula.asa_seconds)


def test_calls_wait_for_the_next_staffed_interval() -> None:
    sim = simulate_queue(
        [30.0, 0.0],
        [0, 40],
        interval_seconds=600.0,
        aht_seconds=60.0,
        patience_seconds=None,
        replications=3,
        seed=1,
    )
    offered = sim.offered_per_interval
    assert offered[0] > 0 and offered[1] == 0
    np.testing.assert_allclose(sim.answered_per_interval, offered)
    assert sim.answered_within_threshold_per_interval[0] < 0.5 * offered[0]
    assert sim.p_wait.value == 1.0
    # Everyone arrived in the first 600 s and waited for 600 s, so the mean wait is about 300 s.
    assert sim.asa_seconds.value == pytest.approx(300.0, rel=0.25)


def test_agents_leaving_stop_taking_calls() -> None:
    sim = simulate_queue(
        [200.0, 200.0],
        [40, 0],
        interval_seconds=1800.0,
        aht_seconds=180.0,
        patience_seconds=60.0,
        replications=4,
        seed=2,
    )
    assert sim.answered_per_interval[1] < 0.02 * sim.offered_per_interval[1]
    assert sim.answered_per_interval[0] > 0.95 * sim.offered_per_interval[0]


def test_the_seed_makes_runs_repeatable() -> None:
    args = ([50.0, 80.0, 60.0], [5, 8, 6])
    kwargs = {"interval_seconds": 900.0, "aht_seconds": 200.0, "patience_seconds": 90.0}
    first = simulate_queue(*args, seed=42, **kwargs)
    again = simulate_queue(*args, seed=42, **kwargs)
    other = simulate_queue(*args, seed=43, **kwargs)
    assert first.service_level == again.service_level
    assert first.asa_seconds == again.asa_seconds
    np.testing.assert_array_equal(first.answered_per_interval, again.answered_per_interval)
    assert first.service_level != other.service_level


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"calls_per_interval": [-1.0]}, "calls_per_interval"),
        ({"agents_per_interval": [2.5]}, "agents_per_interval"),
        ({"agents_per_interval": [1, 2, 3]}, "calls_per_interval"),
        ({"aht_seconds": 0.0}, "aht_seconds"),
        ({"patience_seconds": -1.0}, "patience_seconds"),
        ({"handle_time": "weibull"}, "handle_time"),
        ({"replications": 0}, "replications"),
        ({"warmup_seconds": 1e9}, "warmup_seconds"),
        ({"confidence": 1.0}, "confidence"),
    ],
)
def test_bad_simulation_input_names_the_argument(kwargs: dict[str, object], argument: str) -> None:
    arguments: dict[str, object] = {
        "calls_per_interval": [10.0, 20.0],
        "agents_per_interval": [2, 3],
        "interval_seconds": 900.0,
        "aht_seconds": 180.0,
    }
    arguments.update(kwargs)
    with pytest.raises(ErlangError) as caught:
        simulate_queue(
            arguments.pop("calls_per_interval"),  # type: ignore[arg-type]
            arguments.pop("agents_per_interval"),  # type: ignore[arg-type]
            **arguments,  # type: ignore[arg-type]
        )
    assert caught.value.argument == argument
