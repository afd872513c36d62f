"""Manual adjustments: an overlay that survives re-running the forecast."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting import Adjustment, apply_adjustments, forecast
from forecasting.synthetic import synthetic_history
from wfm.domain import AdjustmentOperation, ForecastAdjustment

from .conftest import QUICK, SPEC


def _frame() -> pd.DataFrame:
    ds = pd.date_range("2024-03-04T08:00Z", periods=8, freq="30min")
    offered = np.array([10.0, 20.0, 30.0, 0.0, 40.0, 50.0, 60.0, 70.0])
    return pd.DataFrame(
        {
            "unique_id": ["A"] * 4 + ["B"] * 4,
            "ds": ds,
            "offered": offered,
            "offered_lo80": offered * 0.8,
            "offered_hi80": offered * 1.2,
            "aht_seconds": 200.0,
        }
    )


def _at(minutes: int) -> datetime:
    return datetime(2024, 3, 4, 8, tzinfo=UTC) + timedelta(minutes=minutes)


def test_scale_touches_only_its_queue_and_range_and_carries_the_band() -> None:
    out = apply_adjustments(_frame(), [Adjustment("A", _at(30), _at(90), "offered", "scale", 1.5)])
    assert list(out["offered"]) == [10, 30, 45, 0, 40, 50, 60, 70]
    assert list(out["offered_hi80"]) == pytest.approx([12, 36, 54, 0, 48, 60, 72, 84])
    assert list(out["adjusted"]) == [False, True, True, False, False, False, False, False]


def test_set_moves_the_band_in_proportion_or_onto_the_value() -> None:
    adjustment = Adjustment("A", _at(60), _at(120), "offered", "set", 25.0)
    out = apply_adjustments(_frame(), [adjustment])
    assert list(out["offered"][:4]) == [10, 20, 25, 25]
    assert out["offered_lo80"].iloc[2] == pytest.approx(20.0)  # 0.8 x 25
    assert out["offered_lo80"].iloc[3] == 25.0  # was 0: band collapses onto the value


def test_handle_time_can_be_adjusted_and_domain_objects_are_accepted() -> None:
    adjustment = ForecastAdjustment(
        queue_code="B",
        start_utc=_at(0),
        end_utc=_at(240),
        target="aht_seconds",
        operation=AdjustmentOperation.SET,
        value=300.0,
    )
    out = apply_adjustments(_frame(), [adjustment])
    assert list(out["aht_seconds"]) == [200.0] * 4 + [300.0] * 4
    assert list(out["offered"]) == list(_frame()["offered"])


@pytest.mark.parametrize(
    ("adjustment", "fragment"),
    [
        (Adjustment("A", _at(0), _at(0), "offered", "scale", 2.0), "end_utc must be after"),
        (Adjustment("A", _at(0), _at(30), "calls", "scale", 2.0), "target must be"),
        (Adjustment("A", _at(0), _at(30), "offered", "add", 2.0), "operation must be"),
        (Adjustment("A", _at(0), _at(30), "offered", "scale", -1.0), "value must be"),
        (
            Adjustment("A", datetime(2024, 3, 4), _at(30), "offered", "scale", 1.0),
            "timezone-aware",
        ),
    ],
)
def test_bad_adjustments_are_refused(adjustment: Adjustment, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        apply_adjustments(_frame(), [adjustment])


@settings(deadline=None)
@given(
    first=st.floats(min_value=0, max_value=10),
    second=st.floats(min_value=0, max_value=10),
)
def test_two_scalings_compose(first: float, second: float) -> None:
    window = (_at(0), _at(240))
    twice = apply_adjustments(
        _frame(),
        [
            Adjustment("B", *window, "offered", "scale", first),
            Adjustment("B", *window, "offered", "scale", second),
        ],
    )
    once = apply_adjustments(
        _frame(), [Adjustment("B", *window, "offered", "scale", first * second)]
    )
    assert np.allclose(twice["offered"], once["offered"])
    assert np.allclose(twice["offered_hi80"], once["offered_hi80"])


def test_adjustments_survive_a_rerun_of_the_forecast() -> None:
    history = synthetic_history(SPEC)
    cut = pd.Timestamp("2024-02-19")
    first = forecast(history[history["ds"] < cut], QUICK, horizon_days=14)
    # the planner's overlay, stored apart from any forecast version
    tuesday_morning = (
        datetime(2024, 2, 27, 8, tzinfo=UTC),
        datetime(2024, 2, 27, 11, tzinfo=UTC),
    )
    friday_noon = (datetime(2024, 3, 1, 11, tzinfo=UTC), datetime(2024, 3, 1, 12, tzinfo=UTC))
    overlay = [
        Adjustment("Q000", *tuesday_morning, "offered", "scale", 1.2, note="mailing"),
        Adjustment("Q000", *friday_noon, "offered", "set", 55.0),
    ]
    # a week later the forecast is re-run on more history: a new version, same overlay
    rerun = forecast(history[history["ds"] < cut + pd.Timedelta(days=7)], QUICK, horizon_days=7)
    for result in (first, rerun):
        base = result.forecast
        adjusted = apply_adjustments(base, overlay)
        scaled = adjusted["ds"].between(*tuesday_morning, inclusive="left")
        fixed = adjusted["ds"].between(*friday_noon, inclusive="left")
        assert scaled.sum() == 6 and fixed.sum() == 2
        assert np.allclose(adjusted.loc[scaled, "offered"], 1.2 * base.loc[scaled, "offered"])
        assert (adjusted.loc[fixed, "offered"] == 55.0).all()
        others = ~(scaled | fixed)
        assert np.allclose(adjusted.loc[others, "offered"], base.loc[others, "offered"])
    # the two versions differ underneath; the overlay applied to each
    common = first.forecast.merge(rerun.forecast, on=["unique_id", "ds"], suffixes=("_1", "_2"))
    assert not np.allclose(common["offered_1"], common["offered_2"])
