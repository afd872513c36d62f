"""The intraday reforecast: hand-computed ratios, damping, and arrivals from queue snapshots."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from intraday_testkit import t

from wfm.domain.intraday import (
    QueueSnapshot,
    RecentDays,
    ReforecastConfig,
    actual_offered_from_snapshots,
    reforecast_queue,
)

STARTS = [t("09:00") + timedelta(minutes=15 * i) for i in range(4)]
NAN = float("nan")
PLAIN = ReforecastConfig(half_life_minutes=None, credibility_contacts=0.0)


def test_plain_ratio_at_an_interval_boundary() -> None:
    r = reforecast_queue("Q1", STARTS, 15, [10, 10, 10, 10], [12, 14, NAN, NAN], t("09:30"), PLAIN)
    assert r.current_index == 2 and r.elapsed_fraction == 0
    assert r.actual_to_date == 26 and r.forecast_to_date == 20
    assert r.raw_ratio == pytest.approx(1.3)
    assert r.applied_ratio == pytest.approx(1.3)
    np.testing.assert_allclose(r.reforecast_offered, [12, 14, 13, 13])


def test_damping_pulls_the_ratio_towards_one() -> None:
    damped = ReforecastConfig(half_life_minutes=None, credibility_contacts=20.0)
    r = reforecast_queue("Q1", STARTS, 15, [10, 10, 10, 10], [12, 14, NAN, NAN], t("09:30"), damped)
    # (26 + 20) / (20 + 20)
    assert r.applied_ratio == pytest.approx(1.15)
    np.testing.assert_allclose(r.reforecast_offered, [12, 14, 11.5, 11.5])


def test_recency_weights() -> None:
    recent = ReforecastConfig(half_life_minutes=15.0, credibility_contacts=0.0)
    r = reforecast_queue("Q1", STARTS, 15, [10, 10, 10, 10], [10, 20, NAN, NAN], t("09:30"), recent)
    # Interval middles are 22.5 and 7.5 min old: weights 0.5**1.5 and 0.5**0.5.
    w0, w1 = 0.5**1.5, 0.5**0.5
    assert r.applied_ratio == pytest.approx((w0 * 10 + w1 * 20) / (w0 * 10 + w1 * 10))
    assert r.raw_ratio == pytest.approx(r.applied_ratio)


def test_mid_interval() -> None:
    # At 09:20 a third of interval 1 is over: 4 contacts arrived against 10/3 forecast.
    r = reforecast_queue("Q1", STARTS, 15, [9, 12, 6, 3], [9, 4, NAN, NAN], t("09:20"), PLAIN)
    assert r.current_index == 1 and r.elapsed_fraction == pytest.approx(1 / 3)
    ratio = (9 + 4) / (9 + 12 / 3)
    assert r.applied_ratio == pytest.approx(ratio)
    np.testing.assert_allclose(
        r.reforecast_offered, [9, 4 + 12 * (2 / 3) * ratio, 6 * ratio, 3 * ratio]
    )
    assert np.isnan(r.actual_offered[2])


def test_ratio_is_clipped_and_before_the_day_nothing_changes() -> None:
    wild = reforecast_queue("Q1", STARTS, 15, [10, 10, 10, 10], [90, 0, 0, 0], t("09:15"), PLAIN)
    assert wild.applied_ratio == 2.0
    early = reforecast_queue("Q1", STARTS, 15, [10, 10, 10, 10], [NAN] * 4, t("08:00"))
    np.testing.assert_allclose(early.reforecast_offered, [10, 10, 10, 10])
    assert early.raw_ratio is None and early.applied_ratio == 1.0


def test_nothing_forecast_to_date_with_damping() -> None:
    r = reforecast_queue(
        "Q1", STARTS, 15, [0, 10, 10, 10], [5, NAN, NAN, NAN], t("09:15"),
        ReforecastConfig(half_life_minutes=None, credibility_contacts=10.0),
    )  # fmt: skip
    assert r.raw_ratio is None
    assert r.applied_ratio == pytest.approx(1.5)  # (5 + 10) / (0 + 10)


def test_the_prior_is_centred_on_the_recent_level() -> None:
    # The last days ran 50 % over their forecast (1,500 against 1,000 contacts); today's first
    # hour 20 % over (96 against 80). k = 100: (96 + 100 x 1.5) / (80 + 100).
    recent = RecentDays(actual_totals=(700.0, 800.0), forecast_totals=(500.0, 500.0))
    assert recent.level(14) == pytest.approx(1.5)
    cfg = ReforecastConfig(half_life_minutes=None, credibility_contacts=100.0)
    starts = [t("09:00") + timedelta(minutes=15 * i) for i in range(6)]
    r = reforecast_queue("Q1", starts, 15, [20] * 6, [24] * 4 + [NAN] * 2, t("10:00"), cfg, recent)
    assert r.prior_ratio == pytest.approx(1.5)
    assert r.applied_ratio == pytest.approx(246 / 180)
    np.testing.assert_allclose(r.reforecast_offered[4:], [20 * 246 / 180] * 2)
    # Before anything arrives the reforecast is the forecast at the recent level.
    early = reforecast_queue("Q1", starts, 15, [20] * 6, [NAN] * 6, t("08:00"), cfg, recent)
    assert early.applied_ratio == pytest.approx(1.5)
    np.testing.assert_allclose(early.reforecast_offered, [30] * 6)
    # Only the last `recent_days` days count; the centre is clipped to the ratio's bounds.
    three = RecentDays((100.0, 200.0, 300.0, 400.0), (100.0, 100.0, 100.0, 100.0))
    assert three.level(2) == pytest.approx(3.5) and three.level(9) == pytest.approx(2.5)
    short = ReforecastConfig(recent_days=2)
    assert reforecast_queue(
        "Q1", starts, 15, [20] * 6, [NAN] * 6, t("08:00"), short, three
    ).prior_ratio == pytest.approx(2.0)
    # No forecast in the recent days: no level, centred on 1.
    assert RecentDays((5.0,), (0.0,)).level(14) is None
    assert (
        reforecast_queue(
            "Q1", starts, 15, [20] * 6, [NAN] * 6, t("08:00"), cfg, RecentDays((5.0,), (0.0,))
        ).prior_ratio
        == 1.0
    )


@settings(max_examples=60, deadline=None)
@given(
    forecast=st.lists(st.floats(0.0, 200.0), min_size=8, max_size=8),
    factor=st.lists(st.floats(0.0, 3.0), min_size=8, max_size=8),
    minutes=st.integers(0, 8 * 15 - 1),
    k=st.floats(0.0, 200.0),
    level=st.floats(0.3, 1.8),
)
def test_the_ratio_lies_between_the_recent_level_and_todays(
    forecast: list[float], factor: list[float], minutes: int, k: float, level: float
) -> None:
    starts = [t("09:00") + timedelta(minutes=15 * i) for i in range(8)]
    actual = [f * x for f, x in zip(forecast, factor, strict=True)]
    now = t("09:00") + timedelta(minutes=minutes)
    cfg = ReforecastConfig(credibility_contacts=k, min_ratio=0.2, max_ratio=2.0)
    recent = RecentDays((1000.0 * level,), (1000.0,))
    r = reforecast_queue("Q1", starts, 15, forecast, actual, now, cfg, recent)
    on_one = reforecast_queue("Q1", starts, 15, forecast, actual, now, cfg)
    assert r.prior_ratio == pytest.approx(level)
    if r.raw_ratio is not None:
        lo, hi = sorted((level, r.raw_ratio))
        assert max(lo, 0.2) - 1e-9 <= r.applied_ratio <= min(hi, 2.0) + 1e-9
    # a higher recent level never lowers the ratio: the prior pulls towards it
    if level >= 1:
        assert r.applied_ratio >= on_one.applied_ratio - 1e-9
    else:
        assert r.applied_ratio <= on_one.applied_ratio + 1e-9


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="one value per interval"):
        reforecast_queue("Q1", STARTS, 15, [1, 2], [1, 2], t("09:30"))
    with pytest.raises(ValueError, match="actual_offered"):
        reforecast_queue("Q1", STARTS, 15, [1, 1, 1, 1], [-1, 0, NAN, NAN], t("09:30"))
    with pytest.raises(ValueError, match="min_ratio"):
        ReforecastConfig(min_ratio=1.5)
    with pytest.raises(ValueError, match="recent_days"):
        ReforecastConfig(recent_days=0)
    with pytest.raises(ValueError, match="one value per day"):
        RecentDays((1.0, 2.0), (1.0,))
    with pytest.raises(ValueError, match="finite"):
        RecentDays((float("nan"),), (1.0,))


@settings(max_examples=60, deadline=None)
@given(
    forecast=st.lists(st.floats(0.0, 200.0), min_size=8, max_size=8),
    factor=st.lists(st.floats(0.0, 3.0), min_size=8, max_size=8),
    minutes=st.integers(0, 8 * 15 - 1),
    k=st.floats(0.0, 200.0),
)
def test_damped_ratio_lies_between_one_and_the_raw_ratio(
    forecast: list[float], factor: list[float], minutes: int, k: float
) -> None:
    starts = [t("09:00") + timedelta(minutes=15 * i) for i in range(8)]
    actual = [f * x for f, x in zip(forecast, factor, strict=True)]
    now = t("09:00") + timedelta(minutes=minutes)
    cfg = ReforecastConfig(credibility_contacts=k, min_ratio=0.01, max_ratio=100.0)
    r = reforecast_queue("Q1", starts, 15, forecast, actual, now, cfg)
    if r.raw_ratio is not None:
        lo, hi = sorted((1.0, r.raw_ratio))
        assert lo - 1e-9 <= r.applied_ratio <= hi + 1e-9
    # Where the day goes exactly as forecast, the reforecast is the forecast.
    as_forecast = list(forecast)
    current, elapsed = divmod(minutes, 15)
    as_forecast[current] = forecast[current] * elapsed / 15
    same = reforecast_queue("Q1", starts, 15, forecast, as_forecast, now, cfg)
    assert same.applied_ratio == pytest.approx(1.0)
    np.testing.assert_allclose(same.reforecast_offered, forecast, atol=1e-9)


def snap(at: str, answered: int, abandoned: int, waiting: int, seconds: int = 0) -> QueueSnapshot:
    return QueueSnapshot("Q1", t(at, seconds), waiting, 0.0, 3, answered, abandoned)


def test_arrivals_per_interval_from_snapshots() -> None:
    snaps = [
        snap("09:00", 0, 0, 0),
        snap("09:07", 4, 0, 2),
        snap("09:15", 9, 1, 1),  # 11 arrived by 09:15
        snap("09:30", 20, 2, 3),  # 25 by 09:30
        snap("09:38", 27, 3, 0),  # 30 by 09:38 (latest)
    ]
    arrived, latest = actual_offered_from_snapshots(list(reversed(snaps)), STARTS, 15)
    assert latest == t("09:38")
    np.testing.assert_array_equal(arrived[:3], [11, 14, 5])
    assert np.isnan(arrived[3])
    r = reforecast_queue("Q1", STARTS, 15, [10, 10, 10, 10], arrived, latest, PLAIN)
    # 30 arrived against 10 + 10 + 10 * 8/15 forecast.
    assert r.applied_ratio == pytest.approx(30 / (20 + 10 * 8 / 15))
