"""The engine end to end on synthetic series whose generating rate is known."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from forecasting import (
    COMBINATION,
    CalendarOptions,
    ForecastConfig,
    ForecastResult,
    SpecialDay,
    backtest,
    country_holidays,
    forecast,
    wmape,
)
from forecasting.synthetic import (
    SyntheticSpec,
    as_local_aware,
    synthetic_history,
    synthetic_rates,
)

from .conftest import CONFIG, QUICK, SPEC


def _with_rates(result: ForecastResult, spec: SyntheticSpec, days: int) -> pd.DataFrame:
    rates = synthetic_rates(spec, days=days).rename(columns={"ds": "ds_local"})
    return result.forecast.merge(rates, on=["unique_id", "ds_local"], how="left")


def test_forecast_recovers_the_generating_rate(synthetic_forecast: ForecastResult) -> None:
    future = _with_rates(synthetic_forecast, SPEC, SPEC.weeks * 7 + 14)
    assert future["rate"].notna().all()
    # far closer to the true rate than a single week of Poisson draws would be
    assert wmape(future["rate"], future["offered"]) < 0.06
    by_day = future.groupby(future["ds_local"].dt.date)[["rate", "offered"]].sum()
    open_days = by_day[by_day["rate"] > 0]
    assert np.allclose(open_days["offered"], open_days["rate"], rtol=0.08)
    # the intraday peak is where the generator put it (10:30 local)
    monday = future[future["ds_local"].dt.date == date(2024, 3, 4)]
    assert monday["offered"].idxmax() in monday["rate"].nlargest(2).index


def test_closed_days_and_hours_are_forecast_as_zero(synthetic_forecast: ForecastResult) -> None:
    future = _with_rates(synthetic_forecast, SPEC, SPEC.weeks * 7 + 14)
    closed = future[future["rate"] == 0]
    assert len(closed) > 0
    assert (closed[["offered", "offered_lo80", "offered_hi80", "offered_hi95"]] == 0).all().all()
    sundays = future[future["ds_local"].dt.weekday == 6]
    assert (sundays["offered"] == 0).all()


def test_bands_are_ordered_and_cover_fresh_draws(synthetic_forecast: ForecastResult) -> None:
    future = _with_rates(synthetic_forecast, SPEC, SPEC.weeks * 7 + 14)
    f = future
    assert (f["offered_lo95"] <= f["offered_lo80"] + 1e-9).all()
    assert (f["offered_lo80"] <= f["offered"] + 1e-9).all()
    assert (f["offered"] <= f["offered_hi80"] + 1e-9).all()
    assert (f["offered_hi80"] <= f["offered_hi95"] + 1e-9).all()
    open_slots = f[f["rate"] > 0]
    draws = np.random.default_rng(2024).poisson(
        open_slots["rate"].to_numpy(), size=(5, len(open_slots))
    )
    inside80 = (draws >= open_slots["offered_lo80"].to_numpy()) & (
        draws <= open_slots["offered_hi80"].to_numpy()
    )
    inside95 = (draws >= open_slots["offered_lo95"].to_numpy()) & (
        draws <= open_slots["offered_hi95"].to_numpy()
    )
    assert 0.72 <= inside80.mean() <= 0.90
    assert 0.90 <= inside95.mean() <= 0.99


def test_backtest_reports_scores_choice_and_measured_coverage(
    synthetic_forecast: ForecastResult,
) -> None:
    bt = synthetic_forecast.backtest
    scores = bt.scores[bt.scores["unique_id"] == "Q000"].set_index("model")
    assert {"seasonal_naive", "window_average_4w", "mstl", "top_down", COMBINATION} <= set(
        scores.index
    )
    chosen = bt.chosen_model["Q000"]
    best = scores["wmape"].idxmin()
    # a single model must beat the combination by more than the margin to be chosen
    margin = CONFIG.combination_margin
    near = scores.loc[best, "wmape"] >= (1 - margin) * scores.loc[COMBINATION, "wmape"]
    assert chosen == (COMBINATION if near else best)
    assert bool(scores.loc[chosen, "chosen"])
    # averaging weeks beats last week's value on Poisson data
    assert scores.loc["window_average_4w", "wmape"] < scores.loc["seasonal_naive", "wmape"]
    assert 0.65 <= bt.coverage["Q000"][80] <= 0.92
    assert 0.85 <= bt.coverage["Q000"][95] <= 1.0
    assert 0 < bt.noise_floor_wmape["Q000"] < scores["wmape"].min()
    assert synthetic_forecast.backtest_scores["Q000"][chosen] == scores.loc[chosen, "wmape"]
    # the 6-week calendar average needs more training than 8 weeks minus two folds leave
    assert any("skipped calendar_average_6w" in w for w in synthetic_forecast.warnings)
    assert set(synthetic_forecast.forecast["model"]) == {chosen}


def test_combination_is_the_mean_of_its_members(synthetic_forecast: ForecastResult) -> None:
    bt = synthetic_forecast.backtest
    members = bt.combination_members["Q000"]
    assert len(members) == 2
    rows = bt.predictions
    expected = rows[list(members)].mean(axis=1)
    assert np.allclose(rows[COMBINATION], expected)
    scored = rows[rows["scored"]]
    recomputed = wmape(scored["y"], scored[COMBINATION])
    table = bt.scores.set_index("model")
    assert recomputed == pytest.approx(table.loc[COMBINATION, "wmape"])


def test_handle_time_is_forecast(synthetic_forecast: ForecastResult) -> None:
    future = _with_rates(synthetic_forecast, SPEC, SPEC.weeks * 7 + 14)
    open_slots = future[future["rate"] > 0]
    assert open_slots["aht_seconds"].notna().all()
    assert open_slots["aht_seconds"].mean() == pytest.approx(SPEC.aht_seconds, rel=0.05)
    assert synthetic_forecast.backtest.aht_wmape["Q000"] is not None


def test_a_missing_day_is_imputed_not_fed_as_zeros() -> None:
    history = synthetic_history(SPEC)
    gap_day = date(2024, 2, 14)  # a Wednesday
    with_gap = history[history["ds"].dt.date != gap_day]
    zeros = history.copy()
    zeros.loc[zeros["ds"].dt.date == gap_day, "y"] = 0.0
    config = ForecastConfig(
        interval_minutes=30,
        timezone="Europe/Amsterdam",
        folds=1,
        models=("window_average_4w",),
        calendar=CalendarOptions(exclude_outliers=False),
    )
    rates = synthetic_rates(SPEC, days=SPEC.weeks * 7 + 7).rename(columns={"ds": "ds_local"})
    wednesday = date(2024, 2, 28)

    def wednesday_total(frame: pd.DataFrame) -> float:
        result = forecast(frame[frame["ds"].dt.date < wednesday], config, horizon_days=7)
        rows = result.forecast[result.forecast["ds_local"].dt.date == wednesday]
        return float(rows["offered"].sum())

    expected = float(rates[rates["ds_local"].dt.date == wednesday]["rate"].sum())
    assert wednesday_total(with_gap) == pytest.approx(expected, rel=0.08)
    # the same day reported as zeros (not a gap) drags a plain 4-week average down by a quarter
    assert wednesday_total(zeros) < 0.85 * expected


def test_a_zero_day_is_excluded_as_an_outlier_by_default() -> None:
    history = synthetic_history(SPEC)
    history.loc[history["ds"].dt.date == date(2024, 2, 14), "y"] = 0.0
    bt = backtest(history, QUICK)
    assert any("outlier-day" in w for w in bt.warnings)


def test_holidays_in_history_teach_the_holiday_effect() -> None:
    spec = SyntheticSpec(
        weeks=18, interval_minutes=30, daily_contacts=1000, seed=5, start=date(2024, 1, 1)
    )
    history = synthetic_history(spec)
    holidays_2024 = set(country_holidays("NL", [2024]))
    rng = np.random.default_rng(1)
    on_holiday = history["ds"].dt.date.isin(holidays_2024)
    history.loc[on_holiday, "y"] = rng.binomial(history.loc[on_holiday, "y"].astype(int), 0.4)
    config = ForecastConfig(
        interval_minutes=30,
        timezone="Europe/Amsterdam",
        folds=1,
        models=("window_average_4w", "top_down"),
        calendar=CalendarOptions(country="NL"),
    )
    result = forecast(history, config, horizon_days=7)  # 6 to 12 May: Ascension on 9 May
    future = result.forecast
    day_total = future.groupby(future["ds_local"].dt.date)["offered"].sum()
    ascension = day_total[date(2024, 5, 9)]
    base = forecast(history, QUICK, horizon_days=7).forecast
    base_total = base.groupby(base["ds_local"].dt.date)["offered"].sum()
    assert ascension == pytest.approx(0.4 * base_total[date(2024, 5, 9)], rel=0.2)
    assert day_total[date(2024, 5, 8)] == pytest.approx(base_total[date(2024, 5, 8)], rel=0.1)
    assert (
        future[future["ds_local"].dt.date == date(2024, 5, 9)]["day_rule"]
        .str.startswith("holiday")
        .all()
    )
    assert any("holiday intervals" in w for w in result.warnings)


def test_special_days_scale_or_copy_another_day() -> None:
    history = synthetic_history(SPEC)
    base = forecast(history, QUICK, horizon_days=7).forecast
    tuesday, friday = date(2024, 2, 27), date(2024, 3, 1)
    like = date(2024, 2, 19)  # a Monday in the history
    config = ForecastConfig(
        interval_minutes=30,
        timezone="Europe/Amsterdam",
        folds=1,
        models=QUICK.models,
        calendar=CalendarOptions(
            special_days=(
                SpecialDay(day=tuesday, multiplier=1.5, name="mailing"),
                SpecialDay(day=friday, like_day=like),
            )
        ),
    )
    special = forecast(history, config, horizon_days=7).forecast
    on = special["ds_local"].dt.date
    assert np.allclose(
        special[on == tuesday]["offered"],
        1.5 * base[base["ds_local"].dt.date == tuesday]["offered"],
    )
    monday_rows = history[history["ds"].dt.date == like]
    monday = monday_rows.set_index(monday_rows["ds"].dt.time)["y"]
    friday_part = special[on == friday]
    friday_rows = friday_part.set_index(friday_part["ds_local"].dt.time)
    assert np.allclose(friday_rows["offered"].reindex(monday.index), monday)
    untouched = (on != tuesday) & (on != friday)
    assert np.allclose(special[untouched]["offered"], base[untouched.to_numpy()]["offered"])


def test_special_day_needs_one_rule() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        SpecialDay(day=date(2024, 1, 1))
    with pytest.raises(ValueError, match="exactly one"):
        SpecialDay(day=date(2024, 1, 1), multiplier=2.0, like_day=date(2024, 1, 8))
    with pytest.raises(ValueError, match="multiplier"):
        SpecialDay(day=date(2024, 1, 1), multiplier=-1.0)


def test_too_little_history_falls_back_and_says_so() -> None:
    short = synthetic_history(SyntheticSpec(weeks=2, interval_minutes=30, seed=1))
    short = short[short["ds"] < pd.Timestamp("2024-01-11")]
    result = forecast(short, CONFIG, horizon_days=7)
    assert result.model_by_queue["Q000"] == "window_average_1w"
    assert any("too little for a backtest" in w for w in result.warnings)
    assert result.backtest.calibration["Q000"].method == "poisson"
    assert result.forecast["offered"].notna().all()
    assert (result.forecast["offered"] > 0).any()


def test_shorter_history_gets_fewer_folds_and_skips_models() -> None:
    history = synthetic_history(SyntheticSpec(weeks=4, interval_minutes=30, seed=2))
    bt = backtest(history, CONFIG)
    plan = bt.plans["Q000"]
    assert plan.folds == 1
    assert "window_average_4w" not in plan.models
    assert "seasonal_naive" in plan.models
    assert any("skipped" in w and "window_average_4w" in w for w in bt.warnings)


def test_queues_with_different_history_lengths_are_planned_separately() -> None:
    long = synthetic_history(SPEC)
    short = synthetic_history(SyntheticSpec(weeks=8, interval_minutes=30, seed=9))
    short = short[short["ds"] >= pd.Timestamp("2024-02-05")].assign(unique_id="NEW")
    result = forecast(pd.concat([long, short]), QUICK, horizon_days=7)
    assert result.backtest.plans["NEW"].days < result.backtest.plans["Q000"].days
    assert set(result.forecast["unique_id"]) == {"Q000", "NEW"}
    counts = result.forecast.groupby("unique_id").size()
    assert counts["Q000"] == counts["NEW"]


def test_forecast_crosses_daylight_saving_changes() -> None:
    spec = SyntheticSpec(weeks=7, interval_minutes=30, seed=4, start=date(2024, 2, 5))
    history = as_local_aware(synthetic_history(spec), "Europe/Amsterdam")
    config = ForecastConfig(
        interval_minutes=30, timezone="Europe/Amsterdam", folds=1, models=("seasonal_naive",)
    )
    result = forecast(history, config, horizon_days=7, start_day=date(2024, 3, 25))
    f = result.forecast
    assert f["ds"].is_unique
    per_day = f.groupby(f["ds_local"].dt.date).size()
    assert per_day[date(2024, 3, 31)] == 46  # 02:00-03:00 does not exist
    assert per_day[date(2024, 3, 25)] == 48
    # the 10:30 peak stays at 10:30 local time after the change
    monday = f[f["ds_local"].dt.date == date(2024, 3, 25)]
    assert monday.loc[monday["offered"].idxmax(), "ds_local"].hour in (10, 11)
    assert result.horizon_start_utc == pd.Timestamp("2024-03-24T23:00:00Z").to_pydatetime()
    assert result.horizon_end_utc == pd.Timestamp("2024-03-31T22:00:00Z").to_pydatetime()


def test_start_day_leaves_a_gap_and_cannot_precede_the_history() -> None:
    history = synthetic_history(SPEC)
    last = history["ds"].max().date()
    result = forecast(history, QUICK, horizon_days=3, start_day=last + timedelta(days=5))
    days = sorted(set(result.forecast["ds_local"].dt.date))
    assert days == [last + timedelta(days=5 + k) for k in range(3)]
    with pytest.raises(ValueError, match="must be after"):
        forecast(history, QUICK, horizon_days=3, start_day=last)


def test_config_rejects_bad_settings() -> None:
    with pytest.raises(ValueError, match="unknown model"):
        ForecastConfig(models=("prophet",))
    with pytest.raises(ValueError, match="folds"):
        ForecastConfig(folds=0)
    with pytest.raises(ValueError, match="levels"):
        ForecastConfig(levels=(80, 100))


def test_a_queue_whose_feed_stopped_is_imputed_and_flagged() -> None:
    history = synthetic_history(SPEC)
    other = history.assign(unique_id="LATE")
    other = other[other["ds"] < pd.Timestamp("2024-02-20")]
    result = forecast(pd.concat([history, other]), QUICK, horizon_days=7)
    assert any("queue LATE: no data for its last" in w for w in result.warnings)
    late = result.forecast[result.forecast["unique_id"] == "LATE"]
    full = result.forecast[result.forecast["unique_id"] == "Q000"]
    assert late["offered"].sum() == pytest.approx(full["offered"].sum(), rel=0.1)
