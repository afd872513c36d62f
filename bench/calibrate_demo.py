"""Derive the demo centre's calibration constants from the Anonymous Bank data (1999).

Reads `../shared/data/anonymous_bank/` (beside the project) and prints the numbers that
`wfm/tools/demo/calibration.py` holds as constants, so the demo generator runs without the data.

    .venv/bin/python bench/calibrate_demo.py [--data-dir PATH]

What it derives:
- weekly shape: mean daily volume per weekday relative to the mean of the five full days, on days
  that are neither Israeli public holidays nor "disturbed" days (under 70 % of the weekday median,
  mostly holiday eves);
- intraday shape: share of the day's calls in each 30-minute slot, per weekday, on the same days;
- annual shape: median daily volume of the full weekdays in each month, relative to their mean;
- holiday factor: volume on public holidays that fall on full weekdays, relative to that weekday's
  median;
- volume noise beyond Poisson: the log daily volume of full weekdays, once weekday and month are
  removed, splits into a week-level part (weeks run high or low together) and a day-level part;
  both as robust standard deviations (1.4826 x median absolute deviation), Poisson part removed;
- handle time: mean `ser_time` of served calls (seconds) and the lognormal sigma, by moments
  (sigma^2 = ln(1 + CV^2)) and by maximum likelihood on log times;
- patience: total time in queue of all callers who queued / number who abandoned (exponential MLE);
- share of abandoning callers who hung up within 5 s.

The bank's week runs Sunday-Thursday (full days), Friday (short), Saturday (evening only). The
printed weekday tables are in the bank's order; the generator maps them onto a western week:
Sun->Mon, Mon->Tue, Tue->Wed, Wed->Thu, Thu->Fri, Fri->Sat, Sat->Sun.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import holidays
import numpy as np
import pandas as pd

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "anonymous_bank"
BANK_DAY_NAMES = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")
# pandas dayofweek (Mon=0) of the bank's Sunday..Saturday
BANK_ORDER_PANDAS_DOW = (6, 0, 1, 2, 3, 4, 5)
FULL_DAYS_PANDAS_DOW = (6, 0, 1, 2, 3)
DISTURBED_RATIO = 0.7


def fmt(values: np.ndarray, digits: int = 4) -> str:
    return "(" + ", ".join(f"{v:.{digits}f}" for v in values) + ")"


def arrivals_calibration(data_dir: Path) -> None:
    frame = pd.read_csv(data_dir / "anonymous_bank_1999_30min.csv", parse_dates=["interval_start"])
    frame["day"] = frame.interval_start.dt.normalize()
    frame["slot"] = frame.interval_start.dt.hour * 2 + frame.interval_start.dt.minute // 30
    daily = frame.groupby("day").calls.sum().to_frame("calls")
    daily["dow"] = daily.index.dayofweek
    daily["month"] = daily.index.month
    il_holidays = holidays.country_holidays("IL", years=1999)
    daily["holiday"] = [d.date() in il_holidays for d in daily.index]
    daily["ratio"] = daily.calls / daily.groupby("dow").calls.transform("median")
    ordinary = daily[~daily.holiday & (daily.ratio >= DISTURBED_RATIO)]
    full = ordinary[ordinary.dow.isin(FULL_DAYS_PANDAS_DOW)]
    print(f"days: {len(daily)}, ordinary: {len(ordinary)}, ordinary full weekdays: {len(full)}")

    mean_by_dow = ordinary.groupby("dow").calls.mean()
    full_mean = mean_by_dow.loc[list(FULL_DAYS_PANDAS_DOW)].mean()
    weekly = np.array([mean_by_dow.loc[d] / full_mean for d in BANK_ORDER_PANDAS_DOW])
    print(f"\nmean calls per ordinary full weekday: {full_mean:.1f}")
    print("daily volume factor, bank order Sun..Sat:")
    print(f"BANK_DAILY_FACTOR = {fmt(weekly)}")

    shares = frame[frame.day.isin(ordinary.index)].copy()
    shares["dow"] = shares.interval_start.dt.dayofweek
    profile = shares.groupby(["dow", "slot"]).calls.sum().unstack("slot")
    profile = profile.div(profile.sum(axis=1), axis=0)
    print("\nintraday share per 30-min slot (00:00..23:30), bank order Sun..Sat:")
    for name, dow in zip(BANK_DAY_NAMES, BANK_ORDER_PANDAS_DOW, strict=True):
        print(f"    # bank {name}")
        print(f"    {fmt(profile.loc[dow].to_numpy(), 5)},")

    month_median = full.groupby("month").calls.median()
    monthly = month_median / month_median.mean()
    print("\nmonthly factor Jan..Dec (median full-weekday volume / mean of the twelve):")
    print(f"MONTHLY_FACTOR = {fmt(monthly.to_numpy())}")

    holiday_days = daily[daily.holiday & daily.dow.isin(FULL_DAYS_PANDAS_DOW)]
    print("\npublic holidays on full weekdays:")
    for day, row in holiday_days.iterrows():
        print(f"  {day.date()} {il_holidays[day.date()]}: {row.ratio:.3f} of the weekday median")
    print(f"HOLIDAY_FACTOR = {holiday_days.ratio.mean():.4f}  (mean)")

    month_factor = full.month.map(monthly)
    expected = full.groupby("dow").calls.transform("median") * month_factor
    log_residual = np.log(full.calls / expected)
    log_residual -= log_residual.median()
    week = full.index.to_period("W-SAT")  # the bank's weeks, Sunday..Saturday
    week_mean = log_residual.groupby(week).transform("mean")
    within = log_residual - week_mean
    days_per_week = log_residual.groupby(week).transform("size")
    poisson_var = 1.0 / full.calls.mean()
    # within-week deviations have variance (1 - 1/n) (day + Poisson); week means carry
    # week + (day + Poisson) / n
    within_sd = robust_sd(within[days_per_week >= 4]) / np.sqrt(1 - 1 / 5)
    day_sd = float(np.sqrt(max(within_sd**2 - poisson_var, 0.0)))
    weekly_means = log_residual.groupby(week).mean()
    week_sd = float(np.sqrt(max(robust_sd(weekly_means) ** 2 - within_sd**2 / 5, 0.0)))
    print(
        f"\nlog daily residual: within-week sd {within_sd:.4f} (Poisson part "
        f"{np.sqrt(poisson_var):.4f}), week-mean sd {robust_sd(weekly_means):.4f}"
    )
    print(f"WEEK_NOISE_LOG_SD = {week_sd:.4f}")
    print(f"DAY_NOISE_LOG_SD = {day_sd:.4f}")


def robust_sd(values: pd.Series) -> float:
    """1.4826 x median absolute deviation: the sd of a normal sample, unmoved by a few outliers."""
    return float(1.4826 * np.median(np.abs(values - np.median(values))))


def per_call_calibration(data_dir: Path) -> None:
    calls = pd.read_csv(data_dir / "anonymous_bank_199902_calls.tsv", sep="\t")
    calls = calls[calls.outcome != "PHANTOM"]
    served = calls[(calls.outcome == "AGENT") & (calls.ser_time > 0)].ser_time.astype(float)
    mean = served.mean()
    cv = served.std() / mean
    sigma_moments = np.sqrt(np.log1p(cv**2))
    sigma_mle = np.log(served).std()
    print(f"\nserved calls: {len(served)}, mean ser_time {mean:.1f} s")
    print(f"median ser_time {served.median():.0f} s, CV {cv:.4f}")
    print(f"lognormal sigma by moments {sigma_moments:.4f}, by MLE on logs {sigma_mle:.4f}")
    print(f"AHT_SECONDS = {mean:.1f}")
    print(f"HANDLE_TIME_LOG_SIGMA = {sigma_moments:.4f}")

    queued = calls[calls.q_time > 0]
    abandoned = queued[queued.outcome == "HANG"]
    patience = queued.q_time.sum() / len(abandoned)
    print(
        f"\ncallers who queued: {len(queued)}, abandoned: {len(abandoned)} "
        f"({len(abandoned) / len(queued):.3f} of those queued)"
    )
    print(f"MEAN_PATIENCE_SECONDS = {patience:.1f}")
    print(f"mean wait of abandoners {abandoned.q_time.mean():.1f} s")
    short = (abandoned.q_time < 5).mean()
    print(f"share of abandoners who left within 5 s: {short:.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    args = parser.parse_args()
    data_dir: Path = args.data_dir.resolve()
    if not (data_dir / "anonymous_bank_1999_30min.csv").exists():
        raise SystemExit(f"error: --data-dir: no anonymous_bank_1999_30min.csv in {data_dir}")
    arrivals_calibration(data_dir)
    per_call_calibration(data_dir)


if __name__ == "__main__":
    main()
