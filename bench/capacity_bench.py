"""Backtest of the capacity plan's monthly volume forecast on the bank's 1999 year.

Reads ../shared/data/anonymous_bank/anonymous_bank_1999_6min.csv (calls per 6 minutes), sums it
to days, and at each origin (the first day of April .. December 1999) fits
`forecasting.capacity` on the months before and forecasts the next one to three calendar months.
MAPE per horizon (month 1 = the origin's month) for the model with trend, the model without trend
(recency-weighted level), and the naive that repeats the last month's mean volume per weekday.
Holidays: Israel's public holidays from the `holidays` package (`forecasting.country_holidays`).

One year of data cannot show a yearly season (it needs two of each month); the model uses the
calendar (day of week, holidays) and the trend only. Skips cleanly when the data is absent.

    .venv/bin/python bench/capacity_bench.py
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from forecasting.calendar import country_holidays  # noqa: E402
from forecasting.capacity import (  # noqa: E402
    fit_daily_volume,
    forecast_months,
    monthly_totals,
    naive_weekday_months,
)

DATA = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "data"
    / "anonymous_bank"
    / "anonymous_bank_1999_6min.csv"
)
ORIGINS = [date(1999, month, 1) for month in range(4, 13)]
HORIZONS = (1, 2, 3)


def load_daily(path: Path) -> pd.Series:
    raw = pd.read_csv(path, parse_dates=["interval_start"])
    daily = raw.set_index("interval_start")["calls"].resample("D").sum()
    return pd.Series(daily.to_numpy(), index=[ts.date() for ts in daily.index], name="calls")


def main() -> None:
    if not DATA.exists():
        print(f"skipped: {DATA} is absent")
        return
    daily = load_daily(DATA)
    actual = monthly_totals(daily)
    holidays = country_holidays("IL", [1999, 2000])
    print(
        f"{DATA.name}: {len(daily)} days, {daily.sum():,.0f} calls; origins "
        f"{ORIGINS[0]:%Y-%m-%d} .. {ORIGINS[-1]:%Y-%m-%d} (first of each month), fit on the days "
        "before, forecast months 1-3 from the origin; holidays: Israel public (holidays package)"
    )
    print(
        "Note: one year of data cannot show a yearly season (no month is seen twice); the model "
        "uses trend, day of week and holidays only."
    )
    errors: dict[str, dict[int, list[float]]] = {
        name: {h: [] for h in HORIZONS} for name in ("trend", "level", "naive")
    }
    print(f"\n{'origin':<10}{'h':>3}{'actual':>9}{'trend':>9}{'level':>9}{'naive':>9}")
    for origin in ORIGINS:
        past = daily[[day < origin for day in daily.index]]
        models = {
            "trend": forecast_months(fit_daily_volume(past, holidays, trend=True), 3),
            "level": forecast_months(fit_daily_volume(past, holidays, trend=False), 3),
            "naive": naive_weekday_months(past, 3),
        }
        for h in HORIZONS:
            month = models["naive"].index[h - 1]
            if month not in actual.index:
                continue
            truth = float(actual[month])
            row = {name: float(series[month]) for name, series in models.items()}
            for name, value in row.items():
                errors[name][h].append(abs(value - truth) / truth)
            print(
                f"{origin:%Y-%m}{h:>6}{truth:>9,.0f}{row['trend']:>9,.0f}{row['level']:>9,.0f}"
                f"{row['naive']:>9,.0f}"
            )
    print(f"\n{'MAPE':<28}" + "".join(f"{f'month {h}':>10}" for h in HORIZONS) + f"{'all':>8}")
    labels = {
        "trend": "model, trend + calendar",
        "level": "model, level + calendar",
        "naive": "naive, last month/weekday",
    }
    for name, label in labels.items():
        per = [100 * float(np.mean(errors[name][h])) for h in HORIZONS]
        every = 100 * float(np.mean([e for h in HORIZONS for e in errors[name][h]]))
        counts = "/".join(str(len(errors[name][h])) for h in HORIZONS)
        print(f"{label:<28}" + "".join(f"{v:>9.1f}%" for v in per) + f"{every:>7.1f}%")
    print(f"(origins scored per horizon: {counts})")


if __name__ == "__main__":
    main()
