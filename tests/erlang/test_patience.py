"""Patience estimation: the exponential MLE recovers a known patience from censored waits."""

from __future__ import annotations

import math

import numpy as np
import pytest

from erlang import (
    ErlangError,
    estimate_patience_by_queue,
    estimate_patience_from_calls,
    estimate_patience_seconds,
    simulate_queue,
)


def test_pooled_estimate_is_total_wait_over_abandons() -> None:
    assert estimate_patience_seconds(1200.0, 4) == pytest.approx(300.0)
    assert estimate_patience_seconds([600.0, 400.0, 200.0], [1, 2, 1]) == pytest.approx(300.0)
    assert math.isinf(estimate_patience_seconds(500.0, 0))


def test_patience_is_recovered_from_censored_waits() -> None:
    rng = np.random.default_rng(11)
    true_mean = 240.0
    patience = rng.exponential(true_mean, 20000)
    offered_wait = rng.exponential(150.0, 20000)  # what the queue would have made them wait
    abandoned = patience < offered_wait
    waits = np.minimum(patience, offered_wait)
    estimate = estimate_patience_from_calls(waits, abandoned)
    assert estimate.abandoned_count == int(abandoned.sum())
    assert estimate.ci_low_seconds < true_mean < estimate.ci_high_seconds
    # Ignoring the answered callers' waits (a common mistake) badly underestimates it.
    naive = float(waits[abandoned].mean())
    assert naive < 0.7 * true_mean


def test_patience_from_a_simulated_queue() -> None:
    result = simulate_queue(
        np.full(200, 100.0),
        9,
        interval_seconds=1800.0,
        aht_seconds=180.0,
        patience_seconds=200.0,
        replications=1,
        seed=5,
    )
    # Total wait of all callers / abandoned = mean wait / abandon rate.
    estimate = result.mean_wait_seconds.value / result.abandon_rate.value
    assert estimate == pytest.approx(200.0, rel=0.05)


def test_patience_per_queue() -> None:
    queues = ["retail", "retail", "business", "business", "business"]
    waits = [100.0, 50.0, 30.0, 30.0, 60.0]
    abandoned = [True, False, True, True, False]
    by_queue = estimate_patience_by_queue(queues, waits, abandoned)
    assert by_queue["retail"].patience_seconds == pytest.approx(150.0)
    assert by_queue["business"].patience_seconds == pytest.approx(60.0)


def test_bad_per_call_input() -> None:
    with pytest.raises(ErlangError) as caught:
        estimate_patience_from_calls([10.0, -1.0], [True, False])
    assert caught.value.argument == "wait_seconds"
    with pytest.raises(ErlangError) as caught:
        estimate_patience_from_calls([10.0, 5.0], [True])
    assert caught.value.argument == "abandoned"
    with pytest.raises(ErlangError) as caught:
        estimate_patience_from_calls([10.0], [2])
    assert caught.value.argument == "abandoned"
    with pytest.raises(ErlangError) as caught:
        estimate_patience_seconds(-5.0, 1)
    assert caught.value.argument == "total_wait_seconds_all_callers"
