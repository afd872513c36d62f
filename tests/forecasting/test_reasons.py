"""Reason forecasts reconciled with the queue's: sums in every interval (property), shares and
the prior strength by hand, the estimator recovering a known Dirichlet spread, and the
backtest's per-reason accuracy against a direct calculation."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting.reasons import (
    MAX_PRIOR_STRENGTH,
    SHARE_METHODS,
    backtest_reason_shares,
    choose_share_method,
    dirichlet_prior_strength,
    estimate_shares,
    hour_of_week,
    reconcile,
)

MONDAY = datetime(2025, 1, 6, tzinfo=UTC)
NAMES = ("billing", "账单查询", "投诉")


def _reasons(rows: list[tuple[datetime, str, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["ds", "reason", "y"]).assign(
        ds=lambda f: pd.to_datetime(f["ds"], utc=True)
    )


def _forecast(starts: list[datetime], offered: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"ds": pd.to_datetime(starts, utc=True), "offered": offered})


HAND = _reasons(
    [
        (MONDAY + timedelta(hours=9), "账单查询", 6),
        (MONDAY + timedelta(hours=9), "card_lost", 2),
        (MONDAY + timedelta(hours=10), "账单查询", 1),
        (MONDAY + timedelta(hours=10), "card_lost", 1),
    ]
)


def test_shares_by_hand() -> None:
    overall = estimate_shares(HAND, timezone="UTC", method="overall")
    assert overall.reasons == ("账单查询", "card_lost")  # most contacts first
    assert overall.overall == pytest.approx([0.7, 0.3])
    assert overall.by_slot[9] == pytest.approx([0.7, 0.3])
    by_hour = estimate_shares(HAND, timezone="UTC", method="hour_of_week")
    assert by_hour.by_slot[9] == pytest.approx([0.75, 0.25])
    assert by_hour.by_slot[10] == pytest.approx([0.5, 0.5])
    assert by_hour.by_slot[11] == pytest.approx([0.7, 0.3])  # no contacts: the overall mix
    shrunk = estimate_shares(HAND, timezone="UTC", method="shrunk", prior_strength=10)
    # (counts + 10 x overall) / (n + 10)
    assert shrunk.by_slot[9] == pytest.approx([13 / 18, 5 / 18])
    assert shrunk.by_slot[10] == pytest.approx([8 / 12, 4 / 12])
    assert shrunk.contacts == 10


def test_reconciled_forecast_by_hand() -> None:
    shares = estimate_shares(HAND, timezone="UTC", method="shrunk", prior_strength=10)
    week = MONDAY + timedelta(days=7)
    split = reconcile(
        _forecast([week + timedelta(hours=h) for h in (9, 10, 11)], [36.0, 12.0, 5.0]), shares
    )
    assert list(split["reason"]) == ["账单查询", "card_lost"] * 3
    assert list(split["offered"]) == pytest.approx([26.0, 10.0, 8.0, 4.0, 3.5, 1.5])


def test_shares_follow_the_local_hour_of_the_week() -> None:
    # 09:00 UTC on a Monday in January is 17:00 in Shanghai
    assert hour_of_week(pd.DatetimeIndex([MONDAY + timedelta(hours=9)]), "Asia/Shanghai")[0] == 17
    shares = estimate_shares(HAND, timezone="Asia/Shanghai", method="hour_of_week")
    assert shares.by_slot[17] == pytest.approx([0.75, 0.25])


def test_prior_strength_by_hand() -> None:
    counts = np.zeros((168, 2))
    counts[9], counts[10] = (7, 3), (3, 7)
    # pooled (0.5, 0.5), G = 0.5; D = 0.08 per slot; rho = (10*0.08*2/0.5 - 2) / 18 = 1/15
    assert dirichlet_prior_strength(counts) == pytest.approx(14.0)
    # no spread beyond sampling noise: the overall shares everywhere
    counts[10] = (7, 3)
    assert dirichlet_prior_strength(counts) == MAX_PRIOR_STRENGTH


@pytest.mark.parametrize("kappa", [5.0, 40.0, 300.0])
def test_prior_strength_recovers_a_known_dirichlet_spread(kappa: float) -> None:
    rng = np.random.default_rng(11)
    pooled = np.array([0.4, 0.3, 0.2, 0.1])
    slot_shares = rng.dirichlet(kappa * pooled, size=168)
    counts = np.array([rng.multinomial(400, p) for p in slot_shares], dtype=float)
    assert dirichlet_prior_strength(counts) == pytest.approx(kappa, rel=0.3)


HISTORY = st.lists(
    st.tuples(
        st.integers(0, 24 * 14 - 1),
        st.sampled_from(["billing", "账单查询", "card_lost", "投诉"]),
        st.integers(0, 500),
    ),
    min_size=1,
    max_size=60,
).filter(lambda rows: any(n > 0 for _, _, n in rows))
OFFERED = st.lists(
    st.one_of(
        st.just(0.0), st.floats(0, 1e-6), st.floats(0, 5000, allow_nan=False, allow_infinity=False)
    ),
    min_size=1,
    max_size=48,
)


@settings(max_examples=150, deadline=None)
@given(
    history=HISTORY,
    offered=OFFERED,
    method=st.sampled_from(SHARE_METHODS),
    first_hour=st.integers(0, 24 * 7),
)
def test_reason_forecasts_sum_to_the_queue_forecast_in_every_interval(
    history: list[tuple[int, str, int]], offered: list[float], method: str, first_hour: int
) -> None:
    reasons = _reasons([(MONDAY + timedelta(hours=h), r, n) for h, r, n in history])
    shares = estimate_shares(reasons, timezone="Asia/Shanghai", method=method)
    assert np.allclose(shares.by_slot.sum(axis=1), 1.0)
    start = MONDAY + timedelta(days=14, hours=first_hour)
    starts = [start + timedelta(minutes=30 * i) for i in range(len(offered))]
    split = reconcile(_forecast(starts, offered), shares)
    assert (split["offered"] >= 0).all()
    assert len(split) == len(offered) * len(shares.reasons)
    for at, queue_offered in zip(starts, offered, strict=True):
        parts = split.loc[split["ds"] == pd.Timestamp(at), "offered"]
        assert math.fsum(parts) == pytest.approx(queue_offered, rel=1e-12, abs=1e-9)


def test_reconcile_refuses_a_negative_or_missing_queue_forecast() -> None:
    shares = estimate_shares(HAND, timezone="UTC", method="overall")
    for bad in (-1.0, float("nan")):
        with pytest.raises(ValueError, match="finite and non-negative"):
            reconcile(_forecast([MONDAY], [bad]), shares)
    with pytest.raises(ValueError, match="method"):
        estimate_shares(HAND, timezone="UTC", method="bottom_up")
    with pytest.raises(ValueError, match="no contacts"):
        estimate_shares(_reasons([(MONDAY, "billing", 0)]), timezone="UTC")


def _centre(weeks: int, varying: bool, seed: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Half-hourly history with a reason mix that turns at noon (or does not)."""
    rng = np.random.default_rng(seed)
    starts = pd.date_range(MONDAY, periods=weeks * 7 * 48, freq="30min", tz="UTC")
    offered = rng.poisson(40, size=len(starts))
    morning = np.array([0.6, 0.3, 0.1])
    afternoon = np.array([0.2, 0.3, 0.5]) if varying else morning
    rows = []
    for at, n in zip(starts, offered, strict=True):
        counts = rng.multinomial(n, morning if at.hour < 12 else afternoon)
        rows += [(at, name, int(c)) for name, c in zip(NAMES, counts, strict=True)]
    return pd.DataFrame({"ds": starts, "y": offered}), _reasons(rows)


def test_backtest_scores_each_reason_against_the_realised_counts() -> None:
    offered, reasons = _centre(weeks=6, varying=True)
    result = backtest_reason_shares(
        offered, reasons, timezone="UTC", method="overall", folds=2, window_days=14
    )
    assert [o.date().isoformat() for o in result.origins_utc] == ["2025-02-03", "2025-02-10"]
    # independent: shares of the 14 days before each origin, times the realised offered
    errors: dict[str, float] = {}
    actual: dict[str, float] = {}
    for origin in result.origins_utc:
        before = reasons[(reasons["ds"] >= origin - timedelta(days=14)) & (reasons["ds"] < origin)]
        share = before.groupby("reason")["y"].sum() / before["y"].sum()
        ahead = reasons[(reasons["ds"] >= origin) & (reasons["ds"] < origin + timedelta(days=7))]
        total = ahead.groupby("ds")["y"].transform("sum")
        forecast = total * ahead["reason"].map(share)
        for name, group in (ahead.assign(f=forecast)).groupby("reason"):
            errors[name] = errors.get(name, 0.0) + float((group["y"] - group["f"]).abs().sum())
            actual[name] = actual.get(name, 0.0) + float(group["y"].sum())
    for row in result.by_reason:
        assert row.actual == pytest.approx(actual[row.reason])
        assert row.wmape == pytest.approx(errors[row.reason] / actual[row.reason])
    assert result.wmape == pytest.approx(sum(errors.values()) / sum(actual.values()))


def test_a_single_reason_split_of_the_realised_total_is_exact() -> None:
    offered, reasons = _centre(weeks=4, varying=False)
    only = reasons.groupby("ds", as_index=False)["y"].sum().assign(reason="billing")
    result = backtest_reason_shares(offered, only, timezone="UTC", method="shrunk", folds=2)
    assert result.wmape == pytest.approx(0.0, abs=1e-12)
    naive = backtest_reason_shares(
        offered, only, timezone="UTC", method="shrunk", folds=2, top="seasonal_naive"
    )
    assert naive.wmape > 0.1  # Poisson(40) week on week


def test_the_backtest_picks_hourly_shares_when_the_mix_turns_and_keeps_them_near_overall() -> None:
    offered, reasons = _centre(weeks=6, varying=True)
    best, results = choose_share_method(offered, reasons, timezone="UTC", folds=2, window_days=28)
    assert best in ("hour_of_week", "shrunk")
    assert results["shrunk"].wmape < 0.8 * results["overall"].wmape
    offered, reasons = _centre(weeks=6, varying=False)
    best, results = choose_share_method(offered, reasons, timezone="UTC", folds=2, window_days=28)
    # a constant mix: shrinking to the overall shares beats the noisy hourly shares
    assert results["shrunk"].wmape < results["hour_of_week"].wmape
    assert best in ("overall", "shrunk")
