"""The queue model's expected KPIs when unplanned shrinkage takes whole agents."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import ArrayLike
from scipy.stats import binom

from wfm.domain.queue_model import Calibration, ErlangError, Patience, QueueKpis, QueueModel

MODEL = QueueModel(
    code="Q",
    interval_minutes=15,
    service_level_target=0.8,
    service_threshold_seconds=20.0,
    patience=Patience.given(120.0),
    min_answer_rate=0.9,
    concurrency=1.0,
)
CONTACTS = np.array([0.0, 5.0, 40.0, 90.0, 160.0])
AHT = np.array([300.0, 240.0, 300.0, 280.0, 300.0])


def test_without_shrinkage_the_expectation_is_the_plain_kpis() -> None:
    rostered = np.array([0.0, 2.0, 14.0, 30.0, 50.0])
    expected = MODEL.kpis_under_absence(CONTACTS, AHT, rostered, 0.0)
    plain = MODEL.kpis(CONTACTS, AHT, rostered)
    for name in ("service_level", "answer_rate", "answered", "asa_seconds", "occupancy"):
        np.testing.assert_array_equal(getattr(expected, name), getattr(plain, name))


def test_the_expectation_is_the_binomial_mixture_computed_by_hand() -> None:
    """An independent oracle: the KPIs at every whole staffing 0..r weighed by the pmf."""
    r, shrinkage = 12, 0.15
    calls, aht = 40.0, 300.0
    k = np.arange(r + 1, dtype=float)
    at = MODEL.kpis(np.full(k.shape, calls), np.full(k.shape, aht), k)
    pmf = binom.pmf(k, r, 1.0 - shrinkage)
    got = MODEL.kpis_under_absence([calls], [aht], [float(r)], shrinkage)
    assert got.answered[0] == pytest.approx(float(pmf @ at.answered), rel=1e-7)
    assert got.service_level[0] == pytest.approx(float(pmf @ at.service_level), rel=1e-7)
    assert got.answer_rate is not None
    assert got.answer_rate[0] == pytest.approx(float(pmf @ at.answered) / calls, rel=1e-7)
    answered = (pmf * at.answered)[1:]  # nobody answers with nobody serving
    assert got.asa_seconds[0] == pytest.approx(
        float(answered @ at.asa_seconds[1:] / answered.sum()), rel=1e-7
    )
    assert got.occupancy[0] == pytest.approx(float((pmf * k) @ at.occupancy / (pmf @ k)), rel=1e-7)


@pytest.mark.parametrize("shrinkage", [0.05, 0.1, 0.3])
def test_absence_of_whole_agents_answers_less_than_the_thinned_staffing(shrinkage: float) -> None:
    """Answered is concave in the agents serving (Jensen): the expectation over whole agents
    lies below the KPIs at rostered x (1 - shrinkage), and the gap is largest on small queues."""
    rostered = np.array([0.0, 2.0, 14.0, 30.0, 50.0])
    expected = MODEL.kpis_under_absence(CONTACTS, AHT, rostered, shrinkage)
    thinned = MODEL.kpis(CONTACTS, AHT, rostered * (1.0 - shrinkage))
    busy = CONTACTS > 0
    assert np.all(expected.answered[busy] < thinned.answered[busy])
    assert expected.answered[0] == thinned.answered[0] == 0.0
    # more heads never answer less
    more = MODEL.kpis_under_absence(CONTACTS, AHT, rostered + 1.0, shrinkage)
    assert np.all(more.answered >= expected.answered)
    assert np.all(more.service_level >= expected.service_level - 1e-12)


def test_a_fractional_head_count_lies_between_its_whole_neighbours() -> None:
    got = MODEL.kpis_under_absence([40.0] * 3, [300.0] * 3, [12.0, 12.25, 13.0], 0.1)
    assert got.answered[0] < got.answered[1] < got.answered[2]
    assert got.answered[1] == pytest.approx(0.75 * got.answered[0] + 0.25 * got.answered[2])


def test_stacked_head_counts_broadcast_against_the_intervals() -> None:
    heads = np.array([[4.0, 8.0], [10.0, 20.0], [30.0, 40.0]])
    calls, aht = CONTACTS[1:4, None], AHT[1:4, None]
    stacked = MODEL.kpis_under_absence(calls, aht, heads, 0.1)
    assert stacked.answered.shape == (3, 2)
    one = MODEL.kpis_under_absence(CONTACTS[1:4], AHT[1:4], heads[:, 1], 0.1)
    np.testing.assert_allclose(stacked.answered[:, 1], one.answered, rtol=1e-12)


def test_the_requirement_under_absence_is_the_least_head_count_meeting_the_targets() -> None:
    shrinkage = 0.1
    staffing = MODEL.requirement_under_absence(CONTACTS, AHT, shrinkage)
    heads = staffing.scheduled_agents.astype(float)
    at = MODEL.kpis_under_absence(CONTACTS, AHT, heads, shrinkage)
    met = MODEL.targets_met(at.service_level, at.answer_rate).all
    assert met is not None and bool(np.all(met | (CONTACTS <= 0)))
    below = MODEL.kpis_under_absence(CONTACTS, AHT, np.maximum(heads - 1.0, 0.0), shrinkage)
    short = MODEL.targets_met(below.service_level, below.answer_rate).all
    assert short is not None and not bool(np.any(short & (heads > 0)))
    np.testing.assert_allclose(staffing.kpis.answered, at.answered)
    assert staffing.agents.tolist() == MODEL.requirement(CONTACTS, AHT).agents.tolist()
    assert heads[0] == 0.0


def test_a_shrinkage_outside_zero_to_one_is_refused_by_name() -> None:
    with pytest.raises(ErlangError, match="shrinkage"):
        MODEL.kpis_under_absence([10.0], [300.0], [3.0], 1.0)
    with pytest.raises(ErlangError, match="agents"):
        MODEL.kpis_under_absence([10.0], [300.0], [-1.0], 0.1)


def test_a_memoised_model_gives_the_same_figures_and_evaluates_each_cell_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`QueueModel.memoised`: the figures are the plain model's to the last digit; asking the
    same agents-present cells again evaluates nothing new; a model derived from it (calibrated)
    gets its own figures, not the ones kept for the first."""
    evaluated: list[int] = []
    plain_kpis = QueueModel.kpis

    def counted(
        self: QueueModel, contacts: ArrayLike, aht: ArrayLike, agents: ArrayLike
    ) -> QueueKpis:
        evaluated.append(int(np.size(agents)))
        return plain_kpis(self, contacts, aht, agents)

    rostered = np.array([0.0, 2.0, 14.0, 30.0, 50.0])
    plain_requirement = MODEL.requirement_under_absence(CONTACTS, AHT, 0.1)
    plain = MODEL.kpis_under_absence(CONTACTS, AHT, rostered, 0.1)
    memoised = MODEL.memoised()
    assert memoised == MODEL  # the memo is not part of the model's value
    monkeypatch.setattr(QueueModel, "kpis", counted)
    requirement = memoised.requirement_under_absence(CONTACTS, AHT, 0.1)
    first = memoised.kpis_under_absence(CONTACTS, AHT, rostered, 0.1)
    cells = sum(evaluated)
    again = memoised.kpis_under_absence(CONTACTS, AHT, rostered, 0.1)
    assert sum(evaluated) == cells  # nothing new
    np.testing.assert_array_equal(requirement.scheduled_agents, plain_requirement.scheduled_agents)
    for name in ("service_level", "answer_rate", "answered", "asa_seconds", "occupancy"):
        np.testing.assert_array_equal(getattr(first, name), getattr(plain, name))
        np.testing.assert_array_equal(getattr(again, name), getattr(plain, name))

    calibration = Calibration(availability=0.7, patience_seconds=120.0, patience_method="waits")
    derived = memoised.calibrated(calibration)
    assert derived.memo is memoised.memo
    monkeypatch.setattr(QueueModel, "kpis", plain_kpis)
    expected = MODEL.calibrated(calibration).kpis_under_absence(CONTACTS, AHT, rostered, 0.1)
    got = derived.kpis_under_absence(CONTACTS, AHT, rostered, 0.1)
    np.testing.assert_array_equal(got.answered, expected.answered)
    assert np.all(got.answered[1:] < plain.answered[1:])
