"""Calibration against outcomes: known parameters are recovered, data that follow the model are
left alone, a distortion is learnt out of sample, the noise floor is the binomial's, and bad
input is refused by name."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats

from erlang import (
    Calibration,
    ErlangError,
    binomial_noise_floor,
    erlang_a,
    erlang_c,
    fit_calibration,
    rate_accuracy,
    recency_weights,
    required_agents,
    simulate_queue,
)

AVAILABILITY = 0.85
PATIENCE = 200.0


def expected_history(size: int = 120, seed: int = 7) -> dict[str, np.ndarray]:
    """Interval rows whose counts are exactly Erlang A's expectations at the true parameters."""
    rng = np.random.default_rng(seed)
    agents = rng.integers(6, 60, size).astype(float)
    calls = agents * AVAILABILITY * 1800.0 / 180.0 * rng.uniform(0.75, 1.25, size)
    kpis = erlang_a(calls, 1800.0, 180.0, agents * AVAILABILITY, PATIENCE, 20.0)
    answered = calls * kpis.answer_rate
    return {
        "offered": calls,
        "answered": answered,
        "abandoned": calls - answered,
        "agents": agents,
        "within": calls * kpis.service_level,
        "total_wait": calls * kpis.mean_wait_seconds,
        "model_answer_rate": np.asarray(kpis.answer_rate),
        "model_service_level": np.asarray(kpis.service_level),
    }


def test_expected_counts_give_back_the_parameters_and_the_model() -> None:
    h = expected_history()
    fitted = fit_calibration(
        h["offered"], h["answered"], h["abandoned"], 180.0, h["agents"], 1800.0,
        answered_within_threshold=h["within"],
    )  # fmt: skip
    assert fitted.patience_method == "likelihood"
    assert fitted.availability == pytest.approx(AVAILABILITY, rel=2e-3)
    assert fitted.patience_seconds == pytest.approx(PATIENCE, rel=1e-2)
    # Identity: the recalibration leaves a model that fits alone.
    predicted = fitted.predict(h["offered"], 180.0, h["agents"], 1800.0)
    assert np.max(np.abs(predicted.answer_rate - h["model_answer_rate"])) < 2e-3
    assert np.max(np.abs(predicted.service_level - h["model_service_level"])) < 2e-3
    assert fitted.answer_rate_coefficients[1] == pytest.approx(1.0, abs=0.02)
    assert fitted.threshold_seconds == 20.0
    assert fitted.intervals == 120
    assert fitted.offered == pytest.approx(h["offered"].sum())


def test_total_waits_give_patience_as_the_censored_estimate() -> None:
    h = expected_history()
    fitted = fit_calibration(
        h["offered"], h["answered"], h["abandoned"], 180.0, h["agents"], 1800.0,
        total_wait_seconds=h["total_wait"],
    )  # fmt: skip
    assert fitted.patience_method == "waits"
    assert fitted.patience_seconds == pytest.approx(h["total_wait"].sum() / h["abandoned"].sum())
    assert fitted.patience_seconds == pytest.approx(PATIENCE, rel=1e-6)
    assert fitted.availability == pytest.approx(AVAILABILITY, rel=1e-3)
    assert fitted.threshold_seconds is None  # no service level in the history


def test_a_kept_availability_fits_patience_alone() -> None:
    h = expected_history()
    kept = fit_calibration(
        h["offered"], h["answered"], h["abandoned"], 180.0, h["agents"], 1800.0,
        availability=AVAILABILITY, recalibrate=False,
    )  # fmt: skip
    assert kept.availability == AVAILABILITY
    assert kept.patience_seconds == pytest.approx(PATIENCE, rel=1e-3)
    assert kept.answer_rate_coefficients == (0.0, 1.0, 0.0, 0.0)
    # The textbook model (every agent a server) explains the same answers with less patience.
    textbook = fit_calibration(
        h["offered"], h["answered"], h["abandoned"], 180.0, h["agents"], 1800.0,
        availability=1.0, recalibrate=False,
    )  # fmt: skip
    assert textbook.patience_seconds < PATIENCE
    with pytest.raises(ErlangError, match="^availability"):
        fit_calibration(10.0, 8.0, 2.0, 180.0, 3.0, 1800.0, availability=1.2)


def test_a_simulated_queue_gives_back_availability_and_patience() -> None:
    rng = np.random.default_rng(1)
    agents = rng.choice([20, 40, 60], 300)
    servers = np.round(agents * AVAILABILITY).astype(int)  # 17, 34, 51: whole servers
    calls = servers * 1800.0 / 180.0 * rng.uniform(0.8, 1.15, 300)
    sim = simulate_queue(
        calls, servers, interval_seconds=1800.0, aht_seconds=180.0, patience_seconds=PATIENCE,
        replications=1, seed=3,
    )  # fmt: skip
    fitted = fit_calibration(
        sim.offered_per_interval, sim.answered_per_interval, sim.abandoned_per_interval,
        180.0, agents, 1800.0,
        answered_within_threshold=sim.answered_within_threshold_per_interval,
    )  # fmt: skip
    assert fitted.availability == pytest.approx(AVAILABILITY, abs=0.03)
    assert fitted.patience_seconds == pytest.approx(PATIENCE, rel=0.15)
    # Out of sample (another seed) the calibrated prediction does as well as the true model
    # (whose error is above the binomial floor: callers of one interval share its queue).
    again = simulate_queue(
        calls, servers, interval_seconds=1800.0, aht_seconds=180.0, patience_seconds=PATIENCE,
        replications=1, seed=4,
    )  # fmt: skip
    predicted = fitted.predict(again.offered_per_interval, 180.0, agents, 1800.0)
    score = rate_accuracy(
        again.offered_per_interval, again.answered_per_interval, predicted.answer_rate
    )
    truth = erlang_a(again.offered_per_interval, 1800.0, 180.0, servers, PATIENCE, 20.0)
    true_score = rate_accuracy(
        again.offered_per_interval, again.answered_per_interval, truth.answer_rate
    )
    assert score.mae_call_weighted <= 1.05 * true_score.mae_call_weighted
    assert true_score.mae_call_weighted > score.noise_floor.call_weighted
    assert abs(score.bias) < 0.01


def test_the_recalibration_learns_a_distortion_out_of_sample() -> None:
    """Answer rates that the queue layer cannot produce (a logistic distortion of Erlang A's,
    growing with volume) are learnt on one half and predicted on the other."""
    rng = np.random.default_rng(5)
    size = 400
    agents = rng.integers(3, 12, size).astype(float)
    calls = np.round(agents * 10.0 * rng.uniform(0.6, 1.3, size))
    model = np.asarray(erlang_a(calls, 1800.0, 180.0, agents, 300.0, 20.0).answer_rate)
    logit = np.log(model) - np.log1p(-model)
    truth = special.expit(1.5 + 0.7 * logit - 0.4 * np.log(calls))
    answered = rng.binomial(calls.astype(int), truth).astype(float)
    fit_rows, score_rows = slice(0, 200), slice(200, None)
    fitted = fit_calibration(
        calls[fit_rows], answered[fit_rows], calls[fit_rows] - answered[fit_rows], 180.0,
        agents[fit_rows], 1800.0,
    )  # fmt: skip
    predicted = fitted.predict(calls[score_rows], 180.0, agents[score_rows], 1800.0)
    calibrated = rate_accuracy(calls[score_rows], answered[score_rows], predicted.answer_rate)
    plain = rate_accuracy(calls[score_rows], answered[score_rows], model[score_rows])
    assert calibrated.mae_call_weighted < plain.mae_call_weighted
    assert calibrated.mae_call_weighted < 1.25 * calibrated.noise_floor.call_weighted
    assert abs(calibrated.bias) < 0.01


def test_noise_floor_is_the_binomial_mean_absolute_deviation() -> None:
    for n, p in [(1, 0.3), (7, 0.5), (38, 0.874), (250, 0.02), (1000, 0.95)]:
        k = np.arange(n + 1)
        direct = float(np.sum(stats.binom.pmf(k, n, p) * np.abs(k / n - p)))
        floor = binomial_noise_floor(n, p)
        assert floor.plain == pytest.approx(direct, rel=1e-9)
        assert floor.call_weighted == pytest.approx(direct, rel=1e-9)
    # Large n: the normal approximation sqrt(2 / pi) sqrt(p (1 - p) / n).
    big = binomial_noise_floor(100_000, 0.87).plain
    assert big == pytest.approx(math.sqrt(2 / math.pi * 0.87 * 0.13 / 100_000), rel=1e-3)
    # Certain outcomes have no noise; intervals without calls don't count.
    assert binomial_noise_floor([10, 0], [1.0, 0.5]).plain == 0.0
    mixed = binomial_noise_floor([10, 40], [0.5, 0.5])
    assert mixed.call_weighted < mixed.plain  # the bigger interval is the less noisy


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 400),
    # scipy's pmf (the oracle) overflows at subnormal p
    p=st.one_of(st.sampled_from([0.0, 1.0]), st.floats(1e-9, 1.0 - 1e-9)),
)
def test_noise_floor_matches_the_binomial_sum_everywhere(n: int, p: float) -> None:
    k = np.arange(n + 1)
    direct = float(np.sum(stats.binom.pmf(k, n, p) * np.abs(k / n - p)))
    assert binomial_noise_floor(n, p).plain == pytest.approx(direct, rel=1e-7, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    b=st.tuples(*(st.floats(-3.0, 3.0) for _ in range(4))),
    calls=st.floats(0.0, 500.0),
    agents=st.floats(0.0, 60.0),
)
def test_calibrated_rates_are_fractions(
    b: tuple[float, float, float, float], calls: float, agents: float
) -> None:
    calibration = Calibration(
        availability=0.8, patience_seconds=200.0, patience_method="likelihood",
        answer_rate_coefficients=b, service_level_coefficients=b, threshold_seconds=20.0,
    )  # fmt: skip
    kpis = calibration.predict(calls, 180.0, agents, 1800.0)
    for rate in (kpis.answer_rate, kpis.service_level):
        assert 0.0 <= float(rate) <= 1.0


def test_subnormal_staffing_is_no_staffing() -> None:
    for agents in (5e-324, 1e-310):
        tiny = erlang_a(500.0, 1800.0, 180.0, agents, 200.0, 20.0)
        none = erlang_a(500.0, 1800.0, 180.0, 0.0, 200.0, 20.0)
        assert float(tiny.answer_rate) == float(none.answer_rate) == 0.0
        assert float(tiny.service_level) == float(none.service_level) == 0.0


def test_rate_accuracy_by_hand() -> None:
    score = rate_accuracy([10, 30, 0], [9, 24, 0], [0.8, 0.9, 0.5])
    # errors 0.1 (10 calls) and 0.1 (30 calls); totals 33 / 40 against 0.8*10 + 0.9*30 = 35
    assert score.intervals == 2
    assert score.mae == pytest.approx(0.1)
    assert score.mae_call_weighted == pytest.approx(0.1)
    assert score.bias == pytest.approx(35 / 40 - 33 / 40)
    assert score.actual_total_rate == pytest.approx(33 / 40)


def test_recency_weights_halve_per_half_life() -> None:
    assert recency_weights([0.0, 3.0, 6.0], 3.0) == pytest.approx([1.0, 0.5, 0.25])
    assert recency_weights([0.0, 9.0], None) == pytest.approx([1.0, 1.0])
    with pytest.raises(ErlangError, match="^half_life_days"):
        recency_weights([1.0], 0.0)


def test_weights_put_the_fit_on_the_weighted_rows() -> None:
    h = expected_history()
    other = expected_history(seed=8)
    # Rows from a centre with every agent available, weighted out: the fit ignores them.
    answered_full = other["offered"] * np.asarray(
        erlang_a(other["offered"], 1800.0, 180.0, other["agents"], PATIENCE, 20.0).answer_rate
    )
    offered = np.r_[h["offered"], other["offered"]]
    answered = np.r_[h["answered"], answered_full]
    weights = np.r_[np.ones(120), np.zeros(120)]
    fitted = fit_calibration(
        offered, answered, offered - answered, 180.0, np.r_[h["agents"], other["agents"]], 1800.0,
        total_wait_seconds=np.r_[h["total_wait"], other["total_wait"]], weights=weights,
        recalibrate=False,
    )  # fmt: skip
    assert fitted.availability == pytest.approx(AVAILABILITY, rel=1e-2)


def test_round_trip_through_plain_values() -> None:
    h = expected_history(size=30)
    fitted = fit_calibration(
        h["offered"], h["answered"], h["abandoned"], 180.0, h["agents"], 1800.0,
        answered_within_threshold=h["within"],
        fitted_from_utc=datetime(1999, 2, 1, tzinfo=UTC),
        fitted_until_utc=datetime(1999, 2, 15, tzinfo=UTC), half_life_days=3.0,
    )  # fmt: skip
    assert Calibration.from_dict(fitted.to_dict()) == fitted


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"answered": [11.0, 5.0]}, "answered"),
        ({"abandoned": [2.0, 6.0]}, "abandoned"),
        ({"agents": [-1.0, 3.0]}, "agents"),
        ({"aht_seconds": [math.nan, 180.0]}, "aht_seconds"),
        (
            {
                "offered": [0.0, 0.0],
                "answered": [0.0, 0.0],
                "abandoned": [0.0, 0.0],
                "answered_within_threshold": [0.0, 0.0],
            },
            "offered",
        ),
        ({"answered_within_threshold": [9.0, 6.0]}, "answered_within_threshold"),
        ({"interval_seconds": 0.0}, "interval_seconds"),
        ({"weights": [-1.0, 1.0]}, "weights"),
        ({"agents": [1.0, 2.0, 3.0]}, "offered"),  # shapes that don't broadcast
    ],
)
def test_bad_input_is_refused_by_name(change: dict[str, object], field: str) -> None:
    rows: dict[str, object] = {
        "offered": [10.0, 6.0],
        "answered": [8.0, 5.0],
        "abandoned": [2.0, 1.0],
        "aht_seconds": [180.0, 180.0],
        "agents": [3.0, 3.0],
        "interval_seconds": 1800.0,
        "answered_within_threshold": [7.0, 5.0],
    }
    rows.update(change)
    with pytest.raises(ErlangError) as raised:
        fit_calibration(**rows)  # type: ignore[arg-type]
    assert raised.value.argument == field


def test_availability_scales_the_servers() -> None:
    scaled = erlang_a(40.0, 1800.0, 180.0, 5.0 * 0.8, 300.0, 20.0)
    given = erlang_a(40.0, 1800.0, 180.0, 5.0, 300.0, 20.0, availability=0.8)
    assert float(given.answer_rate) == pytest.approx(float(scaled.answer_rate), rel=1e-12)
    c_scaled = erlang_c(40.0, 1800.0, 180.0, 6.0 * 0.9)
    c_given = erlang_c(40.0, 1800.0, 180.0, 6.0, availability=0.9)
    assert float(c_given.service_level) == pytest.approx(float(c_scaled.service_level))
    for bad in (0.0, 1.5, math.nan):
        with pytest.raises(ErlangError, match="^availability"):
            erlang_a(40.0, 1800.0, 180.0, 5.0, 300.0, availability=bad)


@pytest.mark.parametrize("patience", [None, 300.0])
def test_requirement_with_availability_is_the_least_heads(patience: float | None) -> None:
    calls = np.array([20.0, 40.0, 90.0, 200.0])
    need = required_agents(
        calls, 1800.0, 180.0, service_level=0.8, patience_seconds=patience, availability=0.8
    )

    def level(calls: float, heads: float) -> float:
        if patience is not None:
            return float(erlang_a(calls, 1800.0, 180.0, heads * 0.8, patience).service_level)
        return float(erlang_c(calls, 1800.0, 180.0, heads * 0.8).service_level)

    for count, heads in zip(calls, need.agents, strict=True):
        assert level(float(count), float(heads)) >= 0.8 - 1e-9
        assert level(float(count), float(heads) - 1.0) < 0.8
    with pytest.raises(ErlangError, match="^availability"):
        required_agents(20.0, 1800.0, 180.0, service_level=0.8, availability=0.0)
