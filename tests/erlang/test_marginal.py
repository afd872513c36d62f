"""The marginal value curve agrees with the models column by column and behaves as a curve."""

from __future__ import annotations

import numpy as np
import pytest

from erlang import ErlangError, erlang_a, erlang_c, marginal_value_curve


def test_curve_columns_are_erlang_a_at_k_agents() -> None:
    calls = np.array([100.0, 0.0, 350.0, 20.0])
    curve = marginal_value_curve(calls, 1800.0, 180.0, 300.0, 20.0, 40)
    assert curve.answered.shape == (4, 41)
    np.testing.assert_array_equal(curve.agents, np.arange(41))
    for k in (1, 7, 14, 40):
        direct = erlang_a(calls, 1800.0, 180.0, k, 300.0, 20.0)
        np.testing.assert_allclose(curve.answered[:, k], direct.answered_per_interval, rtol=1e-12)
        np.testing.assert_allclose(curve.service_level[:, k], direct.service_level, rtol=1e-12)
        np.testing.assert_allclose(curve.answer_rate[:, k], direct.answer_rate, rtol=1e-12)


def test_curve_starts_at_zero_rises_and_has_diminishing_returns_past_the_load() -> None:
    curve = marginal_value_curve([100.0, 500.0], 1800.0, 180.0, 180.0, 20.0, 80)
    assert np.all(curve.answered[:, 0] == 0.0)
    marginal = curve.marginal_answered
    assert marginal.shape == (2, 80)
    assert np.all(marginal >= -1e-9)
    # Beyond the load (10 and 50 Erlangs) every extra agent is worth less than the one before.
    assert np.all(np.diff(marginal[0, 10:]) <= 1e-9)
    assert np.all(np.diff(marginal[1, 50:]) <= 1e-9)
    # With everyone answered the curve tops out at the calls offered.
    assert curve.answered[0, -1] == pytest.approx(100.0, rel=1e-6)


def test_curve_without_patience_uses_erlang_c_and_capacity() -> None:
    curve = marginal_value_curve([100.0], 1800.0, 180.0, None, 20.0, 16)
    # Up to the load each agent answers what they can handle: 1800 / 180 = 10 contacts.
    np.testing.assert_allclose(curve.answered[0, :11], np.arange(11) * 10.0)
    c = erlang_c(100.0, 1800.0, 180.0, 14, 20.0)
    assert curve.service_level[0, 14] == pytest.approx(float(c.service_level))
    assert curve.answer_rate[0, 14] == 1.0


def test_curve_rejects_bad_input() -> None:
    with pytest.raises(ErlangError) as caught:
        marginal_value_curve([100.0], 1800.0, 180.0, 300.0, 20.0, -1)
    assert caught.value.argument == "max_agents"
    with pytest.raises(ErlangError) as caught:
        marginal_value_curve([[100.0]], 1800.0, 180.0, 300.0, 20.0, 5)
    assert caught.value.argument == "calls"
    with pytest.raises(ErlangError) as caught:
        marginal_value_curve([100.0, 3.0], [900.0, 900.0, 900.0], 180.0, 300.0, 20.0, 5)
    assert caught.value.argument == "calls"
