"""The answer rate a queue is held to, and which targets a prediction meets (pure)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wfm.domain import Queue, Site
from wfm.domain.queue_model import (
    Patience,
    QueueModel,
    Shrinkage,
    ShrinkageSource,
    answer_rate_target,
)

rates = st.none() | st.floats(min_value=0.001, max_value=0.999)


@given(rates, rates)
def test_the_answer_rate_target_is_the_stricter_of_the_two(
    least: float | None, cap: float | None
) -> None:
    target = answer_rate_target(least, cap)
    if least is None and cap is None:
        assert target is None
        return
    assert target is not None
    if least is not None:
        assert target >= least
    if cap is not None:
        assert target >= 1 - cap - 1e-12
    assert target in {least, None if cap is None else 1 - cap}


def _model(**targets: float | None) -> QueueModel:
    return QueueModel(
        code="Q",
        interval_minutes=15,
        service_level_target=targets.pop("service_level_target", None),
        service_threshold_seconds=20.0,
        patience=Patience.given(60.0),
        **targets,  # type: ignore[arg-type]
    )


def test_targets_met_judges_each_target_the_queue_has() -> None:
    sl = np.array([0.85, 0.75, 0.9])
    ar = np.array([0.91, 0.95, 0.85])
    only_sl = _model(service_level_target=0.8).targets_met(sl, ar)
    assert only_sl.answer_rate is None
    assert only_sl.all is not None and only_sl.all.tolist() == [True, False, True]
    only_ar = _model(min_answer_rate=0.9).targets_met(sl, ar)
    assert only_ar.service_level is None
    assert only_ar.all is not None and only_ar.all.tolist() == [True, True, False]
    cap = _model(max_abandon_rate=0.07).targets_met(sl, ar)  # answer rate at least 0.93
    assert cap.all is not None and cap.all.tolist() == [False, True, False]
    both = _model(service_level_target=0.8, min_answer_rate=0.9).targets_met(sl, ar)
    assert both.all is not None and both.all.tolist() == [True, False, False]
    assert _model(min_answer_rate=0.9).targets_met(sl, None).all is None  # Erlang C: no rate


def test_a_stored_queue_brings_its_targets_and_the_site_its_shrinkage() -> None:
    site = Site("S", "Site", "UTC", unplanned_shrinkage=0.12)
    queue = Queue("S", "Q", "Queue", service_level_target=None, max_abandon_rate=0.05)
    model = QueueModel.of_queue(queue, site, 15)
    assert model.service_level_target is None and model.max_abandon_rate == 0.05
    assert model.answer_rate_target == pytest.approx(0.95)
    assert Shrinkage.of_site_unless_given(site, None) == Shrinkage(0.12, ShrinkageSource.SITE)
    assert Shrinkage.of_site_unless_given(site, 0.3) == Shrinkage(0.3, ShrinkageSource.GIVEN)
    # the default: absence, lateness and unplanned aux only
    assert Site("T", "T", "UTC").unplanned_shrinkage == 0.10
