"""Forecast benchmark: accuracy on real bank data and run time at the demo centre's scale.

Part 1 (real data, ../shared/data/anonymous_bank/anonymous_bank_1999_6min.csv summed to 30 min,
naive Israeli local times, IL holidays): a rolling backtest over the last 8 weeks of 1999,
day-ahead (56 daily origins) and week-ahead (8 weekly origins). For each candidate its WMAPE over
those weeks; for the engine's chosen model, the WMAPE of what the engine would have forecast at
each origin (choosing on the 4 weeks of backtest before that origin, never on the scored weeks),
the measured coverage of its 80 % band, and the Poisson noise floor.

Part 2 (scale): 100 queues x 26 weeks of 15-minute synthetic history, forecast 3 weeks ahead
with model selection, against a seasonal-naive-only run of the same pipeline as the baseline.

    .venv/bin/python bench/forecast_bench.py [--skip-real] [--skip-scale] [--queues 100]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from forecasting import (  # noqa: E402
    CalendarOptions,
    ForecastConfig,
    backtest,
    forecast,
    poisson_noise_floor,
    prepare_history,
    wmape,
)
from forecasting.engine import ACTIVE_FORECAST  # noqa: E402
from forecasting.synthetic import SyntheticSpec, synthetic_history  # noqa: E402

DATA = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "data"
    / "anonymous_bank"
    / "anonymous_bank_1999_6min.csv"
)
FIRST_SCORED_DAY = date(1999, 11, 6)  # the last 8 weeks of 1999: 6 Nov .. 31 Dec
SCORED_DAYS = 56


def _flag(ok: bool) -> str:
    return "MET" if ok else "MISSED"


def load_bank(path: Path) -> pd.DataFrame:
    raw = pd.read_csv(path, parse_dates=["interval_start"])
    return pd.DataFrame({"unique_id": "bank", "ds": raw["interval_start"], "y": raw["calls"]})


def real_data(path: Path) -> None:
    history = load_bank(path)
    base = ForecastConfig(
        interval_minutes=30,
        timezone="Asia/Jerusalem",
        calendar=CalendarOptions(country="IL"),
        backtest_horizon_days=7,
    )  # the engine's default 6 folds of backtest for choosing
    prepared = prepare_history(history, interval_minutes=30, timezone="Asia/Jerusalem")
    print(
        f"real data: {path.name}, {prepared.n_days} days summed to 30 min "
        f"({history['y'].sum():,.0f} calls); scored: {FIRST_SCORED_DAY} .. "
        f"{FIRST_SCORED_DAY + timedelta(days=SCORED_DAYS - 1)}"
    )
    for label, horizon in (("week-ahead", 7), ("day-ahead", 1)):
        started = time.perf_counter()
        folds = SCORED_DAYS // horizon
        # every candidate, refitted at each origin of the scored weeks
        candidates = backtest(prepared, replace(base, folds=folds, backtest_horizon_days=horizon))
        rows = candidates.predictions
        scored = rows[rows["scored"]]
        assert scored["ds"].min().date() == FIRST_SCORED_DAY
        table = candidates.scores.set_index("model")

        # what the engine itself would have produced at each origin
        outcomes = []
        chosen_names = []
        for k in range(folds):
            origin = FIRST_SCORED_DAY + timedelta(days=k * horizon)
            past = history[history["ds"] < pd.Timestamp(origin)]
            result = forecast(past, base, horizon_days=horizon)
            chosen_names.append(result.model_by_queue["bank"])
            outcomes.append(result.forecast)
        engine_rows = pd.concat(outcomes).rename(columns={"ds_local": "ds_key"})
        joined = scored.merge(
            engine_rows[["ds_key", "offered", "offered_lo80", "offered_hi80"]],
            left_on="ds",
            right_on="ds_key",
            how="inner",
        )
        assert len(joined) == len(scored), "engine forecasts do not cover the scored slots"
        actual = joined["y"].to_numpy()
        predicted = joined["offered"].to_numpy()
        chosen_wmape = wmape(actual, predicted)
        inside = (actual >= joined["offered_lo80"]) & (actual <= joined["offered_hi80"])
        active = (actual > 0) | (predicted >= ACTIVE_FORECAST)
        coverage_active = float(inside[active].mean())
        coverage_all = float(inside.mean())
        busy = predicted >= 20
        coverage_busy = float(inside[busy].mean())
        naive = float(table.loc["seasonal_naive", "wmape"])
        swa4 = float(table.loc["window_average_4w", "wmape"])
        floor = poisson_noise_floor(scored["y"].to_numpy())
        seconds = time.perf_counter() - started

        print(f"\n{label}: {folds} origins, {len(scored)} scored half-hours ({seconds:.0f} s)")
        print(f"  {'candidate (refitted at each origin)':<38}{'WMAPE':>8}{'vs naive':>10}")
        for model, row in table.iterrows():
            print(f"  {model:<38}{100 * row['wmape']:>7.1f}%{row['wmape'] / naive:>10.3f}")
        counts = pd.Series(chosen_names).value_counts()
        picks = ", ".join(f"{name} x{n}" for name, n in counts.items())
        print(
            f"  {'chosen by the engine at each origin':<38}{100 * chosen_wmape:>7.1f}%"
            f"{chosen_wmape / naive:>10.3f}   ({picks})"
        )
        print(f"  Poisson noise floor (perfect rate forecast): {100 * floor:.1f}%")
        print(
            f"  80 % band coverage of the chosen forecasts: {100 * coverage_active:.1f}% "
            f"(intervals with demand or forecast >= {ACTIVE_FORECAST:g}; all intervals "
            f"{100 * coverage_all:.1f}%, busy intervals forecast >= 20: {100 * coverage_busy:.1f}%)"
        )
        if label == "week-ahead":
            short = replace(base, folds=4)
            picks_short = []
            for k in range(folds):
                origin = FIRST_SCORED_DAY + timedelta(days=k * horizon)
                past = history[history["ds"] < pd.Timestamp(origin)]
                result = forecast(past, short, horizon_days=horizon)
                picks_short.append(result.forecast)
            rows_short = pd.concat(picks_short)
            joined_short = scored.merge(
                rows_short[["ds_local", "offered"]], left_on="ds", right_on="ds_local"
            )
            short_wmape = wmape(joined_short["y"], joined_short["offered"])
            print(
                f"  (choosing on 4 folds instead of {base.folds}: {100 * short_wmape:.1f}%, "
                f"{short_wmape / naive:.3f} x naive)"
            )
            print(
                f"  target chosen <= 0.75 x seasonal naive ({100 * 0.75 * naive:.1f}%): "
                f"{_flag(chosen_wmape <= 0.75 * naive)}; below the 4-week same-slot average "
                f"({100 * swa4:.1f}%): {_flag(chosen_wmape < swa4)}; coverage in 75-85 %: "
                f"{_flag(0.75 <= coverage_active <= 0.85)}"
            )


def scale(queues: int, n_jobs: int) -> None:
    spec = SyntheticSpec(weeks=26, interval_minutes=15, queues=queues, daily_contacts=1500, seed=7)
    history = synthetic_history(spec)
    print(
        f"\nscale: {queues} queues x 26 weeks of 15-minute history ({len(history):,} rows with "
        f"data, closed hours absent), 3 weeks ahead, n_jobs={n_jobs}, {os.cpu_count()} CPUs"
    )
    config = ForecastConfig(interval_minutes=15, timezone="Europe/Amsterdam", n_jobs=n_jobs)
    baseline_config = replace(config, models=("seasonal_naive",), combination_size=0)
    forecast(history[history["unique_id"] == "Q000"], config, horizon_days=21)  # warm-up

    started = time.perf_counter()
    baseline = forecast(history, baseline_config, horizon_days=21)
    baseline_seconds = time.perf_counter() - started
    started = time.perf_counter()
    result = forecast(history, config, horizon_days=21)
    seconds = time.perf_counter() - started

    scores = result.backtest.scores
    chosen = scores[scores["chosen"]]
    naive = scores[scores["model"] == "seasonal_naive"].set_index("unique_id")["wmape"]
    ratio = (chosen.set_index("unique_id")["wmape"] / naive).mean()
    picks = pd.Series(result.model_by_queue).value_counts()
    print(f"  baseline (seasonal naive only, same pipeline): {baseline_seconds:6.1f} s")
    print(
        f"  full run (5 candidates + combination, {config.folds}-fold backtest, bands, AHT): "
        f"{seconds:6.1f} s"
        f"  target < 120 s: {_flag(seconds < 120)}"
    )
    print(
        f"  {len(result.forecast):,} forecast rows; chosen: "
        + ", ".join(f"{name} x{n}" for name, n in picks.items())
        + f"; backtest WMAPE of the chosen model / seasonal naive: {ratio:.3f}"
    )
    assert len(baseline.forecast) == len(result.forecast)

    # MSTL with statsmodels' default STL against the jump settings the engine uses
    one = history[history["unique_id"] == "Q000"]
    prepared = prepare_history(one, interval_minutes=15, timezone="Europe/Amsterdam")
    from statsforecast.models import MSTL, SimpleExponentialSmoothingOptimized

    values = prepared.frame["y"].fillna(0.0).to_numpy()[-8 * 7 * 96 :]
    timings = {}
    for name, kwargs in (
        ("default STL", {}),
        ("jump settings", {"trend_jump": 48, "low_pass_jump": 48}),
    ):
        model = MSTL(
            season_length=[96, 672],
            trend_forecaster=SimpleExponentialSmoothingOptimized(),
            stl_kwargs=kwargs,
        )
        started = time.perf_counter()
        model.forecast(y=values, h=672)
        timings[name] = time.perf_counter() - started
    print(
        f"  one MSTL fit on 8 weeks of 15-minute data: default STL {timings['default STL']:.2f} s, "
        f"jump settings {timings['jump settings']:.2f} s "
        f"({timings['default STL'] / timings['jump settings']:.0f}x faster)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="6-minute bank CSV")
    parser.add_argument("--skip-real", action="store_true", help="skip the real-data part")
    parser.add_argument("--skip-scale", action="store_true", help="skip the timing part")
    parser.add_argument("--queues", type=int, default=100, help="queues in the timing part")
    parser.add_argument("--n-jobs", type=int, default=2, help="worker processes")
    args = parser.parse_args()
    np.seterr(all="ignore")
    if not args.skip_real:
        if args.data.exists():
            real_data(args.data)
        else:
            print(f"real data: {args.data} not found; skipped")
    if not args.skip_scale:
        scale(args.queues, args.n_jobs)


if __name__ == "__main__":
    main()
