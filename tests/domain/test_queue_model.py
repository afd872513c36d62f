"""The queue model against published Erlang figures, and its one patience policy."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from wfm.domain import DEFAULT_PATIENCE_SECONDS, Queue, Site
from wfm.domain.queue_model import (
    ErlangError,
    Patience,
    PatienceSource,
    QueueModel,
    QueueModelKind,
    handle_time,
    kpis_of_queues,
    requirement_of_queues,
    scheduled_agents,
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
    # a bad handle time is not floored away: the queueing maths refuses it by name
    model = QueueModel.of_queue(_queue(), SITE, 15)
    for bad in (-180.0, float("inf"), float("nan")):
        with pytest.raises(ErlangError) as refused:
            model.requirement([10.0], [bad])
        assert refused.value.argument == "aht_seconds"
    assert weighted_mean([0.5, 1.0], [1.0, 3.0]) == pytest.approx(0.875)
    assert weighted_mean([0.5], [0.0]) is None


def _three_models() -> list[QueueModel]:
    """Erlang A with the site's patience, Erlang A for chat with an estimate and other targets,
    and an Erlang C calculator on 30-minute intervals with an ASA target."""
    voice = QueueModel.of_queue(_queue(code="V"), SITE, 15)
    chat = QueueModel.of_queue(
        _queue(
            code="C",
            chat_concurrency=2,
            service_level_target=0.9,
            service_threshold_seconds=60.0,
            max_occupancy=0.8,
            mean_patience_seconds=300.0,
        ),
        SITE,
        15,
    )
    calculator = QueueModel(
        code="X",
        interval_minutes=30,
        service_level_target=0.8,
        service_threshold_seconds=20.0,
        patience=Patience.given(None),
        max_asa_seconds=5.0,
    )
    return [voice, chat, calculator]


def test_several_queues_at_once_give_each_queue_its_own_answer() -> None:
    models = _three_models()
    contacts = [np.array([0.0, 12.0, 80.0]), np.array([[5.0, 60.0], [0.0, 1.0]]), np.array(100.0)]
    aht = [np.array([0.0, 200.0, 310.0]), np.array(420.0), np.array(180.0)]
    together = requirement_of_queues(models, contacts, aht, shrinkage=0.3)
    for model, calls, handle, staffing in zip(models, contacts, aht, together, strict=True):
        alone = model.requirement(calls, handle, shrinkage=0.3)
        assert staffing.agents.shape == np.shape(calls)
        np.testing.assert_array_equal(staffing.agents, alone.agents)
        np.testing.assert_array_equal(staffing.scheduled_agents, alone.scheduled_agents)
        np.testing.assert_allclose(staffing.kpis.service_level, alone.kpis.service_level)
        assert (staffing.kpis.answer_rate is None) == (model.kind is QueueModelKind.ERLANG_C)
    # the ASA target binds: 80 % in 20 s alone needs 14 agents (ASA 7.8 s)
    assert int(together[2].agents) > 14
    assert float(together[2].kpis.asa_seconds) <= 5.0
    agents = [np.array([0.0, 3.0, 12.0]), np.array([[4.0, 20.0], [0.0, 1.0]]), np.array(15.0)]
    kpis = kpis_of_queues(models, contacts, aht, agents)
    for model, calls, handle, staff, predicted in zip(
        models, contacts, aht, agents, kpis, strict=True
    ):
        alone = model.kpis(calls, handle, staff)
        np.testing.assert_allclose(predicted.service_level, alone.service_level)
        np.testing.assert_allclose(predicted.occupancy, alone.occupancy)
        assert predicted.mean_wait_seconds is not None and alone.mean_wait_seconds is not None
        np.testing.assert_allclose(predicted.mean_wait_seconds, alone.mean_wait_seconds)
    # queues without intervals (a horizon with no contacts) give empty answers, not an error
    empty = requirement_of_queues(models[:2], [np.array([]), np.array([])], [[], []])
    assert [s.agents.tolist() for s in empty] == [[], []]


def test_kpis_detail_and_the_abandon_target() -> None:
    model = QueueModel(
        code="Q",
        interval_minutes=30,
        service_level_target=None,
        service_threshold_seconds=20.0,
        patience=Patience.given(300.0),
        max_abandon_rate=0.02,
    )
    staffing = model.requirement([100.0], [180.0], shrinkage=0.3)
    assert staffing.kpis.abandon_rate is not None
    assert staffing.kpis.abandon_rate[0] <= 0.02
    at = model.kpis([100.0], [180.0], staffing.agents - 1)
    assert at.abandon_rate is not None and at.abandon_rate[0] > 0.02
    # docs/erlang.md's Erlang A example: 14 agents, patience 300 s
    kpis = model.kpis(100.0, 180.0, 14)
    assert float(kpis.p_wait) == pytest.approx(0.14526, abs=5e-6)
    assert kpis.abandon_rate is not None
    assert float(kpis.abandon_rate) == pytest.approx(0.013984, abs=5e-7)
    # every caller's mean wait: abandoners wait until they hang up, P(abandon) x patience
    assert kpis.mean_wait_seconds is not None
    assert float(kpis.mean_wait_seconds) == pytest.approx(0.013984 * 300.0, abs=1e-3)
    assert kpis.service_level_of_answered is not None
    assert float(kpis.service_level_of_answered) >= float(kpis.service_level)
    assert float(kpis.load_erlangs) == pytest.approx(10.0)
    # without patience every caller is answered: the mean wait is the ASA
    erlang_c = QueueModel("Q", 30, 0.8, 20.0, Patience.given(None)).kpis(100.0, 180.0, 14)
    assert erlang_c.mean_wait_seconds is not None
    assert float(erlang_c.mean_wait_seconds) == float(erlang_c.asa_seconds)
    assert erlang_c.service_level_of_answered is None
    assert scheduled_agents(14, 0.3).tolist() == 20


def test_a_simulated_day_agrees_with_the_model() -> None:
    """The simulator runs the model's parameters: a chat agent is two servers, and a long run's
    answer rate and service level come close to the model's prediction."""
    chat = QueueModel.of_queue(_queue(chat_concurrency=2, mean_patience_seconds=240.0), SITE, 60)
    arrivals = np.full(48, 120.0)
    agents = np.full(48, 9)
    predicted = chat.kpis(arrivals[0], 600.0, agents[0])
    result = chat.simulate(arrivals, 600.0, agents, seed=11, replications=1)
    assert result.answer_rate.value == pytest.approx(float(predicted.answer_rate), abs=0.02)
    assert result.service_level.value == pytest.approx(float(predicted.service_level), abs=0.04)
    # the same seed, the same day
    again = chat.simulate(arrivals, 600.0, agents, seed=11, replications=1)
    np.testing.assert_array_equal(again.answered_per_interval, result.answered_per_interval)
