"""The capacity plan's FTE need on the bank's 1999 year, and the time of an 18-month plan.

For each origin (the first of April .. October 1999) the plan's FTE need for the next three
months is computed three ways with the same queue model, interval profile (the eight weeks
before the origin, per weekday) and handle time (the bank's mean service time, 176.9 s):

- from the long-horizon model's forecast (`forecasting.capacity`, trend + calendar),
- from the naive forecast (each weekday's mean in the last month before the origin),
- from the days that actually came (the "actual" need),

and the mean absolute percentage error of the forecast needs against the actual one is printed
per horizon (the naive is the baseline). Then an 18-month plan from January 2000 with attrition
and hires is timed. Run:

    .venv/bin/python bench/capacity_plan_bench.py
"""

from __future__ import annotations

import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from forecasting.calendar import country_holidays  # noqa: E402
from forecasting.capacity import fit_daily_volume, predict_daily  # noqa: E402
from wfm.domain.capacity_plan import (  # noqa: E402
    PlanSettings,
    QueueDemand,
    Staff,
    build_plan,
    month_start,
)
from wfm.domain.queue_model import Patience, QueueModel  # noqa: E402

DATA = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "data"
    / "anonymous_bank"
    / "anonymous_bank_1999_30min.csv"
)
AHT_SECONDS = 176.9  # wfm.tools.demo.calibration.AHT_SECONDS
MODEL = QueueModel(
    code="bank",
    interval_minutes=30,
    service_level_target=0.8,
    service_threshold_seconds=20.0,
    patience=Patience.given(120.0),
    max_occupancy=0.85,
)
SETTINGS = PlanSettings(unplanned_shrinkage=0.1, rostering_efficiency=0.85)
ORIGINS = [date(1999, month, 1) for month in range(4, 11)]
HORIZON = 3


def load() -> tuple[pd.Series, pd.DataFrame]:
    raw = pd.read_csv(DATA, parse_dates=["interval_start"]).set_index("interval_start")["calls"]
    daily = raw.resample("D").sum()
    daily = pd.Series(daily.to_numpy(), index=[ts.date() for ts in daily.index])
    return daily, raw.to_frame("calls")


def profile(raw: pd.DataFrame, origin: date) -> tuple[tuple[float, ...], ...]:
    """Share of each weekday's contacts per half-hour, over the eight weeks before the origin."""
    start = pd.Timestamp(origin - timedelta(days=56))
    recent = raw[(raw.index >= start) & (raw.index < pd.Timestamp(origin))]
    counts = np.zeros((7, 48))
    for ts, calls in recent["calls"].items():
        counts[ts.weekday(), ts.hour * 2 + ts.minute // 30] += calls
    totals = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    return tuple(tuple(float(v) for v in day) for day in shares)


def weekday_means(days: pd.Series, start: date, months: int) -> tuple[tuple[float, ...], ...]:
    out = []
    for k in range(months):
        first, after = month_start(start, k), month_start(start, k + 1)
        month = days[[first <= d < after for d in days.index]]
        means = month.groupby([d.weekday() for d in month.index]).mean()
        out.append(tuple(float(means.get(w, 0.0)) for w in range(7)))
    return tuple(out)


def naive_days(history: pd.Series, start: date, months: int) -> pd.Series:
    last_month = month_start(history.index[-1])
    recent = history[[d >= last_month for d in history.index]]
    means = recent.groupby([d.weekday() for d in recent.index]).mean()
    end = month_start(start, months)
    days = [start + timedelta(days=k) for k in range((end - start).days)]
    return pd.Series([float(means[d.weekday()]) for d in days], index=days)


def need(days: pd.Series, shares: tuple[tuple[float, ...], ...], origin: date) -> list[float]:
    demand = QueueDemand(
        MODEL, shares, weekday_means(days, origin, HORIZON), (AHT_SECONDS,) * HORIZON
    )
    plan = build_plan(origin, [demand], Staff(0, 0.0), SETTINGS)
    return [m.fte_needed for m in plan.months]


def main() -> None:
    if not DATA.exists():
        print(f"skipped: {DATA} is absent")
        return
    daily, raw = load()
    holidays = country_holidays("IL", [1999, 2000, 2001])
    print(
        f"{DATA.name}: {len(daily)} days; FTE need for months 1-{HORIZON} from each origin, "
        f"Erlang A (80 % in 20 s, patience 120 s, occupancy <= 0.85), handle time "
        f"{AHT_SECONDS} s, shrinkage 0.10, rostering efficiency 0.85, 40 h a week"
    )
    errors: dict[str, list[list[float]]] = {"model": [[] for _ in range(HORIZON)], "naive": []}
    errors["naive"] = [[] for _ in range(HORIZON)]
    print(f"\n{'origin':<8}{'h':>3}{'actual':>9}{'model':>9}{'naive':>9}   FTE needed")
    for origin in ORIGINS:
        past = daily[[d < origin for d in daily.index]]
        shares = profile(raw, origin)
        end = month_start(origin, HORIZON) - timedelta(days=1)
        model = fit_daily_volume(past, holidays)
        actual = need(daily, shares, origin)
        forecast = need(predict_daily(model, origin, end), shares, origin)
        naive = need(naive_days(past, origin, HORIZON), shares, origin)
        for h in range(HORIZON):
            errors["model"][h].append(abs(forecast[h] - actual[h]) / actual[h])
            errors["naive"][h].append(abs(naive[h] - actual[h]) / actual[h])
            print(f"{origin:%Y-%m}{h + 1:>4}{actual[h]:>9.1f}{forecast[h]:>9.1f}{naive[h]:>9.1f}")
    print(f"\n{'MAPE of FTE need':<30}" + "".join(f"{f'month {h + 1}':>10}" for h in range(3)))
    for name, label in (("model", "model, trend + calendar"), ("naive", "naive (baseline)")):
        print(f"{label:<30}" + "".join(f"{100 * np.mean(e):>9.1f}%" for e in errors[name]))

    start = date(2000, 1, 1)
    model = fit_daily_volume(daily, holidays)
    shares = profile(raw, start)
    months = 18
    days = predict_daily(model, start, month_start(start, months) - timedelta(days=1))
    demand = QueueDemand(MODEL, shares, weekday_means(days, start, months), (AHT_SECONDS,) * months)
    settings = PlanSettings(
        unplanned_shrinkage=0.1, rostering_efficiency=0.85, monthly_attrition=0.03
    )
    began = time.perf_counter()
    plan = build_plan(start, [demand], Staff(25, 25.0, 20.0), settings)
    seconds = time.perf_counter() - began
    print(
        f"\n18-month plan from {start}: fitted growth {model.growth_per_year:+.1%} a year, "
        f"25 FTE today, attrition 3 %/month; {sum(h.count for h in plan.hires)} hires in "
        f"{len(plan.hires)} classes; computed in {seconds:.2f} s"
    )
    print(f"{'month':<8}{'contacts':>10}{'FTE need':>10}{'FTE prod.':>10}{'hires':>7}{'answer':>8}")
    for m in plan.months:
        rate = "-" if m.answer_rate is None else f"{m.answer_rate:.3f}"
        print(
            f"{m.month:%Y-%m}{m.contacts:>11,.0f}{m.fte_needed:>10.1f}{m.fte_productive:>10.1f}"
            f"{m.hires_starting:>7}{rate:>8}"
        )


if __name__ == "__main__":
    main()
