"""Erlang A batches a process computed before are looked up, not recomputed: the answer to a
batch is the formulas' to the last bit, whatever was asked before, and the table is bounded."""

from __future__ import annotations

import numpy as np
import pytest

from erlang import models
from erlang.models import erlang_a_kpis


def _cells(rng: np.random.Generator, n: int) -> tuple[np.ndarray, ...]:
    servers = rng.integers(0, 40, n).astype(float)
    rate = rng.choice([0.0, 0.01, 0.05, 0.1, 0.2], n)
    aht = rng.uniform(60, 600, n)
    patience = rng.uniform(30, 900, n)
    threshold = rng.choice([10.0, 20.0, 60.0], n)
    return servers, rate, aht, patience, threshold


def _formulas(monkeypatch: pytest.MonkeyPatch, cells: tuple[np.ndarray, ...]) -> dict[str, object]:
    with monkeypatch.context() as patch:
        patch.setattr(models, "_erlang_a_busy_remembered", models._erlang_a_busy)
        return dict(erlang_a_kpis(*cells))


def test_a_remembered_batch_answers_as_the_formulas_do(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(7)
    first, other = _cells(rng, 300), _cells(rng, 200)
    monkeypatch.setattr(models, "_REMEMBERED", {})
    computed = erlang_a_kpis(*first)
    assert len(models._REMEMBERED) == 1
    erlang_a_kpis(*other)
    looked_up = erlang_a_kpis(*first)
    assert len(models._REMEMBERED) == 2  # the repeated batch added nothing
    fresh = _formulas(monkeypatch, first)
    assert computed.keys() == looked_up.keys() == fresh.keys()
    for name, values in fresh.items():
        np.testing.assert_array_equal(looked_up[name], values, err_msg=name)
        np.testing.assert_array_equal(computed[name], values, err_msg=name)
    # a caller may change what it was given without changing what is remembered
    looked_up["service_level"][:] = -1.0
    np.testing.assert_array_equal(erlang_a_kpis(*first)["service_level"], fresh["service_level"])


def test_small_batches_are_not_kept_and_the_table_is_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(8)
    monkeypatch.setattr(models, "_REMEMBERED", {})
    erlang_a_kpis(*_cells(rng, 10))
    assert models._REMEMBERED == {}
    monkeypatch.setattr(models, "REMEMBERED_CELLS", 250)
    for _ in range(6):
        erlang_a_kpis(*_cells(rng, 100))
        assert 0 < models.remembered_cells() <= 250
