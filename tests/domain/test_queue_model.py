"""The queue model against published Erlang figures, and its one patience policy."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from wfm.domain import DEFAULT_PATIENCE_SECONDS, Queue, Site
from wfm.domain.queue_model import (
    Patience,
    PatienceSource,
    QueueModel,
    QueueModelKind,
    handle_time,
    weighted_mean,
)

SITE = Site(code="S", name="Site", timezone="Europe/Dublin")


def _queue(**changes: object) -> Queue:
    fields: dict[str, object] = {"site_code": "S", "code": "Q", "name": "Queue"}
    fields.update(changes)
    return Queue(**fields)  # type: ignore[arg-type]


def test_erlang_c_reference_of_domain_md() -> None:
    # docs/domain.md: 100 calls per 30 min, h = 180 s, T = 20 s, 80 %: N = 14, SL 0.8884,
    # ASA 7.84 s, occupancy 0.714; with 30 % shrinkage 20 scheduled.
    model = QueueModel(
        code="Q",
        interval_minutes=30,
        service_level_target=0.8,
        service_threshold_seconds=20.0,
        patience=Patience.given(None),
    )
    assert model.kind is QueueModelKind.ERLANG_C
    staffing = model.requirement([100.0], [180.0], shrinkage=0.3)
    assert staffing.agents.tolist() == [14]
    assert staffing.scheduled_agents.tolist() == [20]
    assert staffing.kpis.service_level[0] == pytest.approx(0.8884, abs=5e-5)
    assert staffing.kpis.asa_seconds[0] == pytest.approx(7.84, abs=5e-3)
    assert staffing.kpis.occupancy[0] == pytest.approx(0.714, abs=5e-4)
    assert staffing.kpis.answer_rate is None
    at_eleven = model.kpis([100.0], [180.0], [11.0])
    assert at_eleven.p_wait[0] == pytest.approx(0.6821, abs=5e-5)


def test_requirement_and_kpis_agree() -> None:
    model = QueueModel.of_queue(_queue(mean_patience_seconds=240.0), SITE, 15)
    contacts = np.array([0.0, 3.0, 40.0, 120.0])
    aht = np.array([0.0, 200.0, 190.0, 300.0])
    staffing = model.requirement(contacts, aht)
    again = model.kpis(contacts, aht, staffing.agents)
    np.testing.assert_allclose(again.service_level, staffing.kpis.service_level)
    assert again.answer_rate is not None and staffing.kpis.answer_rate is not None
    np.testing.assert_allclose(again.answer_rate, staffing.kpis.answer_rate)
    # the targets hold at the requirement and fail one agent below it
    assert np.all(staffing.kpis.service_level[contacts > 0] >= 0.8 - 1e-12)
    fewer = np.maximum(staffing.agents - 1, 0)
    below = model.kpis(contacts, aht, fewer)
    busy = contacts > 0
    # the occupancy cap applies to the offered load
    load = model.offered_load_erlangs(contacts, aht)
    fails = (below.service_level[busy] < 0.8) | (load[busy] > 0.85 * fewer[busy] + 1e-9)
    assert np.all(fails)


def test_service_never_falls_as_agents_are_added() -> None:
    model = QueueModel.of_queue(_queue(), SITE, 15)
    agents = np.arange(1, 40, dtype=float)
    kpis = model.kpis(np.full(agents.shape, 60.0), np.full(agents.shape, 240.0), agents)
    assert kpis.answer_rate is not None
    assert np.all(np.diff(kpis.service_level) >= -1e-12)
    assert np.all(np.diff(kpis.answer_rate) >= -1e-12)
    assert np.all(np.diff(kpis.asa_seconds) <= 1e-9)


def test_patience_policy_history_else_site() -> None:
    estimated = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    own = _queue(
        mean_patience_seconds=311.0,
        patience_estimated_at_utc=estimated,
        patience_ci_low_seconds=290.0,
        patience_ci_high_seconds=335.0,
        patience_abandoned_count=812,
    )
    patience = QueueModel.of_queue(own, SITE, 15).patience
    assert patience == Patience(311.0, PatienceSource.HISTORY, estimated, 290.0, 335.0, 812)
    fallback = QueueModel.of_queue(_queue(), SITE, 15).patience
    assert fallback == Patience(DEFAULT_PATIENCE_SECONDS, PatienceSource.SITE)
    site = Site(code="S", name="Site", timezone="UTC", default_patience_seconds=95.0)
    model = QueueModel.of_queue(_queue(), site, 30)
    assert (model.patience.seconds, model.kind) == (95.0, QueueModelKind.ERLANG_A)


def test_of_queue_maps_every_target() -> None:
    queue = _queue(
        service_level_target=0.9,
        service_threshold_seconds=30.0,
        max_occupancy=0.8,
        chat_concurrency=3,
        value_per_answered_contact=4.5,
    )
    model = QueueModel.of_queue(queue, SITE, 30)
    assert (model.service_level_target, model.service_threshold_seconds) == (0.9, 30.0)
    assert (model.max_occupancy, model.concurrency, model.interval_seconds) == (0.8, 3.0, 1800.0)
    assert model.value_per_answered_contact == 4.5


def test_handle_time_floor_and_weighted_mean() -> None:
    assert handle_time([0.0, 2.0, 2.0], [0.0, 0.2, 150.0]).tolist() == [0.0, 1.0, 150.0]
    assert weighted_mean([0.5, 1.0], [1.0, 3.0]) == pytest.approx(0.875)
    assert weighted_mean([0.5], [0.0]) is None
