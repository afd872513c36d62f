"""Backtest of the reason share estimators (`forecasting.reasons`) on real and demo data.

1. The Anonymous Bank's February 1999 calls (../shared/data/anonymous_bank/
   anonymous_bank_199902_calls.tsv, one row per call with its service `type`: the contact
   reason), counted per 30 minutes and type (PHANTOM calls dropped), in Asia/Jerusalem time.
   Four weeks only: shares from the 14 days before each of 2 weekly origins.
2. The demo centre (`wfm.tools.demo`, 26 weeks of 15-minute history, seed 1): every queue's
   reason mix per interval, shares from the 56 days before each of 8 weekly origins. Its
   generator draws reasons from a constant mix per queue, so the true shares are known and
   their split gives the floor (multinomial noise) the estimators cannot beat.

For each: WMAPE over all reasons of each estimator splitting the realised queue totals (the
split's error alone) and splitting the seasonal naive (same interval a week before), and the
chosen estimator's WMAPE per reason. Skips the bank when its file is absent.

    .venv/bin/python bench/reasons_bench.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from forecasting.reasons import (  # noqa: E402
    SHARE_METHODS,
    backtest_reason_shares,
    estimate_shares,
    realised_by_reason,
)

BANK = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "data"
    / "anonymous_bank"
    / "anonymous_bank_199902_calls.tsv"
)


def _report(
    label: str, offered: pd.DataFrame, reasons: pd.DataFrame, tz: str, folds: int, window: int
) -> None:
    print(f"\n{label}: {int(reasons['y'].sum())} contacts with a reason")
    best, best_wmape = "", np.inf
    rows = {}
    for method in SHARE_METHODS:
        actual = backtest_reason_shares(
            offered, reasons, timezone=tz, method=method, folds=folds, window_days=window
        )
        naive = backtest_reason_shares(
            offered,
            reasons,
            timezone=tz,
            method=method,
            folds=folds,
            window_days=window,
            top="seasonal_naive",
        )
        rows[method] = actual
        print(f"  {method:13s} split of realised {actual.wmape:.4f}   of naive {naive.wmape:.4f}")
        if actual.wmape < best_wmape:
            best, best_wmape = method, actual.wmape
    last = reasons[reasons["ds"] >= reasons["ds"].max() - pd.Timedelta(days=window)]
    strength = estimate_shares(last, timezone=tz, method="shrunk").prior_strength or 0.0
    print(f"  prior strength over the last {window} days: {strength:.0f} contacts per slot")
    print(f"  chosen: {best}; per reason (split of realised):")
    for r in rows[best].by_reason:
        print(f"    {r.reason:16s} {r.actual:9.0f} contacts  WMAPE {r.wmape:.4f}")


def bank() -> None:
    if not BANK.exists():
        print(f"skip: {BANK} is absent")
        return
    calls = pd.read_csv(BANK, sep="\t", usecols=["type", "date", "vru_entry", "outcome"])
    calls = calls[calls["outcome"] != "PHANTOM"]
    local = pd.to_datetime(
        calls["date"].astype(str) + " " + calls["vru_entry"], format="%y%m%d %H:%M:%S"
    )
    starts = local.dt.floor("30min").dt.tz_localize("Asia/Jerusalem").dt.tz_convert("UTC")
    reasons = (
        pd.DataFrame({"ds": starts, "reason": calls["type"].str.strip()})
        .groupby(["ds", "reason"])
        .size()
        .rename("y")
        .reset_index()
    )
    offered = reasons.groupby("ds", as_index=False)["y"].sum()
    _report("Anonymous Bank, February 1999", offered, reasons, "Asia/Jerusalem", 2, 14)


def demo() -> None:
    from wfm.tools.demo.generator import QUEUE_DESIGNS, generate_demo_centre

    centre = generate_demo_centre(weeks=26, outbound_weeks=0)
    for design in QUEUE_DESIGNS:
        code = design.queue.code
        records = [r for r in centre.history if r.queue_code == code]
        offered = pd.DataFrame(
            {
                "ds": pd.to_datetime([r.interval_start_utc for r in records], utc=True),
                "y": [r.offered for r in records],
            }
        )
        reasons = pd.DataFrame(
            [(r.interval_start_utc, k, v) for r in records for k, v in r.reason_counts.items()],
            columns=["ds", "reason", "y"],
        )
        reasons["ds"] = pd.to_datetime(reasons["ds"], utc=True)
        tz = centre.sites[0].timezone
        _report(f"Demo centre, queue {code}", offered, reasons, tz, 8, 56)
        _floor(offered, reasons, design.reason_mix)


def _floor(
    offered: pd.DataFrame, reasons: pd.DataFrame, mix: tuple[tuple[str, float], ...]
) -> None:
    """The true mix's split of the realised totals over the same 8 weeks: the noise floor."""
    names = [name for name, _ in mix]
    shares = np.array([s for _, s in mix]) / sum(s for _, s in mix)
    end = reasons["ds"].max().floor("D") + pd.Timedelta(days=1)
    ahead = reasons[reasons["ds"] >= end - pd.Timedelta(days=56)]
    starts, realised = realised_by_reason(offered, ahead, names)
    totals = realised.sum(axis=1)
    error = np.abs(realised - totals[:, None] * shares).sum() / realised.sum()
    print(f"  true mix (floor) split of realised {error:.4f}")


if __name__ == "__main__":
    bank()
    demo()
