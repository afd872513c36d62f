"""A calibrated queue model: every figure goes through the calibration (the servers the agents
effectively are, the fitted patience, the recalibrated answer rate and service level), and the
requirement is the least staffing meeting the targets as calibrated."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

import erlang
from wfm.domain.queue_model import (
    Patience,
    PatienceSource,
    QueueModel,
    kpis_of_queues,
    requirement_of_queues,
)

CALIBRATION = erlang.Calibration(
    availability=0.85,
    patience_seconds=240.0,
    patience_method="likelihood",
    # answers fewer calls than Erlang A, more so at high volume (like the bank's)
    answer_rate_coefficients=(1.5, 0.6, -0.6, 0.4),
    service_level_coefficients=(0.3, 0.8, -0.2, 0.1),
    threshold_seconds=20.0,
    intervals=400,
    offered=15000.0,
    answered=13000.0,
    abandoned=2000.0,
    fitted_until_utc=datetime(1999, 2, 15, tzinfo=UTC),
)
CALLS = np.array([0.0, 12.0, 40.0, 80.0, 150.0, 300.0])
AHT = np.array([0.0, 180.0, 175.0, 190.0, 200.0, 180.0])


def textbook(**targets: float | None) -> QueueModel:
    return QueueModel(
        code="retail",
        interval_minutes=30,
        service_level_target=targets.get("service_level_target", 0.8),
        service_threshold_seconds=20.0,
        patience=Patience.given(348.0),
        max_occupancy=targets.get("max_occupancy"),
        min_answer_rate=targets.get("min_answer_rate"),
    )


def test_the_calibrated_model_speaks_as_the_calibration() -> None:
    model = textbook().calibrated(CALIBRATION)
    assert model.patience.seconds == 240.0
    assert model.patience.source is PatienceSource.CALIBRATION
    assert model.patience.estimated_at_utc == datetime(1999, 2, 15, tzinfo=UTC)
    assert model.availability == 0.85
    agents = np.array([0.0, 3.0, 6.0, 10.0, 17.0, 31.0])
    kpis = model.kpis(CALLS, AHT, agents)
    expected = CALIBRATION.predict(CALLS[1:], AHT[1:], agents[1:], 1800.0, 20.0)
    assert kpis.answer_rate is not None and kpis.abandon_rate is not None
    np.testing.assert_allclose(kpis.answer_rate[1:], expected.answer_rate, rtol=1e-12)
    np.testing.assert_allclose(
        kpis.service_level[1:],
        np.minimum(expected.service_level, expected.answer_rate),
        rtol=1e-12,
    )
    np.testing.assert_allclose(kpis.abandon_rate, 1.0 - kpis.answer_rate)
    np.testing.assert_allclose(kpis.answered, CALLS * kpis.answer_rate)
    # The queue layer's other KPIs: Erlang A with 85 % of the agents as servers.
    layer = erlang.erlang_a(CALLS, 1800.0, np.maximum(AHT, 1.0), agents * 0.85, 240.0, 20.0)
    np.testing.assert_allclose(kpis.asa_seconds[1:], layer.asa_seconds[1:], rtol=1e-12)
    # No calls: nothing to recalibrate.
    assert kpis.answer_rate[0] == 1.0 and kpis.answered[0] == 0.0
    # Without the calibration the model is the textbook one again.
    assert model.calibrated(None).calibration is None


def test_calibrated_and_textbook_queues_evaluated_together_keep_their_own_figures() -> None:
    calibrated, plain = textbook().calibrated(CALIBRATION), textbook()
    agents = np.full(CALLS.shape, 12.0)
    together = kpis_of_queues([calibrated, plain], [CALLS, CALLS], [AHT, AHT], [agents, agents])
    alone = [calibrated.kpis(CALLS, AHT, agents), plain.kpis(CALLS, AHT, agents)]
    for both, single in zip(together, alone, strict=True):
        assert both.answer_rate is not None and single.answer_rate is not None
        np.testing.assert_allclose(both.answer_rate, single.answer_rate, rtol=1e-12)
        np.testing.assert_allclose(both.service_level, single.service_level, rtol=1e-12)
    assert together[0].answer_rate is not None and together[1].answer_rate is not None
    assert np.all(together[0].answer_rate[1:] < together[1].answer_rate[1:])


@pytest.mark.parametrize(
    "targets",
    [
        {"service_level_target": 0.8},
        {"service_level_target": None, "min_answer_rate": 0.9},
        {"service_level_target": 0.7, "min_answer_rate": 0.92, "max_occupancy": 0.85},
    ],
)
def test_the_requirement_is_the_least_staffing_meeting_the_targets_as_calibrated(
    targets: dict[str, float | None],
) -> None:
    model = textbook(**targets).calibrated(CALIBRATION)
    need = model.requirement(CALLS, AHT, shrinkage=0.1)
    assert need.agents[0] == 0
    busy = CALLS > 0

    def met(agents: np.ndarray) -> np.ndarray:
        kpis = model.kpis(CALLS, AHT, agents)
        ok = model.targets_met(kpis.service_level, kpis.answer_rate).all
        assert ok is not None
        if model.max_occupancy is not None:
            load = CALLS / 1800.0 * AHT
            ok = ok & (load <= model.max_occupancy * 0.85 * agents + 1e-9)
        return np.asarray(ok)

    assert np.all(met(need.agents.astype(float))[busy])
    assert not np.any(met(np.maximum(need.agents - 1.0, 0.0))[busy])
    np.testing.assert_array_equal(
        need.scheduled_agents, np.ceil(need.agents / 0.9 - 1e-9).astype(int)
    )
    kpis = model.kpis(CALLS, AHT, need.agents)
    assert need.kpis.answer_rate is not None and kpis.answer_rate is not None
    np.testing.assert_allclose(need.kpis.answer_rate, kpis.answer_rate)
    # The same queue in a batch with a textbook one gets the same answer.
    batch = requirement_of_queues([textbook(), model], [CALLS, CALLS], [AHT, AHT], shrinkage=0.1)
    np.testing.assert_array_equal(batch[1].agents, need.agents)
    np.testing.assert_array_equal(batch[0].agents, textbook().requirement(CALLS, AHT).agents)


def test_availability_alone_scales_the_servers() -> None:
    only = erlang.Calibration(availability=0.8, patience_seconds=300.0, patience_method="waits")
    model = textbook().calibrated(only)
    need = model.requirement(CALLS, AHT)
    direct = erlang.required_agents(
        CALLS, 1800.0, np.maximum(AHT, 1.0) * (CALLS > 0) + AHT * (CALLS == 0),
        service_level=0.8, patience_seconds=300.0, availability=0.8,
    )  # fmt: skip
    np.testing.assert_array_equal(need.agents, direct.agents)
    sim = model.simulate(CALLS, AHT, np.full(CALLS.shape, 10), seed=1)
    assert sim.calls_simulated > 0
