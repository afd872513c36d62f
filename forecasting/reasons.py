"""Forecasts per contact reason that add up to the queue's forecast (top-down reconciliation).

The queue's forecast of contacts offered stays the one number staffing uses; each interval's
forecast is split over the reasons by shares estimated from the queue's recent history, so the
reasons' forecasts sum to the queue's in every interval by construction (the top-down method of
hierarchical forecasting, with proportions that depend on the local hour of the week).

Three share estimators, compared by `backtest_reason_shares` over rolling origins:

- ``overall``: one share per reason over the window (the historical-proportions method);
- ``hour_of_week``: shares per local hour of the week (168 slots), the overall shares where a
  slot has no contacts;
- ``shrunk``: the slot's counts plus ``prior_strength`` pseudo-contacts spread by the overall
  shares, i.e. the posterior mean under a Dirichlet prior centred on the overall shares. The
  prior strength is estimated from the data (`dirichlet_prior_strength`, a method-of-moments
  empirical-Bayes estimate): a slot with few contacts keeps close to the overall mix, a busy
  slot follows its own.

Frames: reason history ``ds, reason, y`` (contacts per recorded reason and interval start,
UTC-aware), queue totals ``ds, y`` (contacts offered) and queue forecasts ``ds, offered``.
Realised contacts per reason are the recorded counts scaled up to the interval's offered where
not every contact had a recorded reason; intervals with no recorded reason are left out of
accuracy. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

SHARE_METHODS = ("overall", "hour_of_week", "shrunk")
QUEUE_TOPS = ("actual", "seasonal_naive")
SLOTS = 7 * 24
# the prior strength is kept within these pseudo-contacts per slot
MIN_PRIOR_STRENGTH = 1.0
MAX_PRIOR_STRENGTH = 1e6


@dataclass(frozen=True, slots=True)
class ReasonShares:
    """Shares of each reason per local hour of the week (rows sum to 1)."""

    method: str
    timezone: str
    reasons: tuple[str, ...]
    overall: np.ndarray  # (reasons,)
    by_slot: np.ndarray  # (168, reasons): Monday 00:00-01:00 local first
    contacts: int  # contacts with a recorded reason the shares come from
    prior_strength: float | None  # pseudo-contacts per slot (shrunk only)

    def at(self, ds: pd.Series | pd.DatetimeIndex) -> np.ndarray:
        """The shares (intervals, reasons) for intervals starting at `ds` (UTC-aware)."""
        return np.asarray(self.by_slot[hour_of_week(ds, self.timezone)])


@dataclass(frozen=True, slots=True)
class ReasonAccuracy:
    reason: str
    actual: float  # realised contacts over the scored intervals
    forecast: float
    wmape: float  # sum |actual - forecast| / sum actual; NaN without actual contacts


@dataclass(frozen=True, slots=True)
class ReasonBacktest:
    """Per-reason accuracy of one share estimator over rolling weekly origins."""

    method: str
    top: str  # the queue forecast split: the realised totals or the seasonal naive
    origins_utc: tuple[datetime, ...]
    by_reason: tuple[ReasonAccuracy, ...]
    wmape: float  # over every reason and interval: sum of absolute errors / realised contacts


def hour_of_week(ds: pd.Series | pd.DatetimeIndex, timezone: str) -> np.ndarray:
    """Local hour of the week (0 = Monday 00:00-01:00) of each UTC-aware instant."""
    local = pd.DatetimeIndex(ds).tz_convert(timezone)
    return np.asarray(local.dayofweek * 24 + local.hour, dtype=int)


def _slot_counts(reasons: pd.DataFrame, timezone: str) -> tuple[tuple[str, ...], np.ndarray]:
    """Reasons with contacts (most contacts first, then by name) and counts (168, reasons)."""
    data = reasons[reasons["y"] > 0]
    totals = data.groupby("reason")["y"].sum()
    names = tuple(sorted(totals.index, key=lambda r: (-float(totals[r]), str(r))))
    counts = np.zeros((SLOTS, len(names)))
    if names:
        column = pd.Index(names).get_indexer(data["reason"])
        np.add.at(counts, (hour_of_week(data["ds"], timezone), column), data["y"].to_numpy(float))
    return names, counts


def dirichlet_prior_strength(counts: np.ndarray) -> float:
    """Method-of-moments estimate of the Dirichlet concentration behind slot shares.

    With p the pooled shares, a slot of n contacts drawn from shares ~ Dirichlet(kappa p)
    has E[sum_r (x_r - p_r)^2] = G (1/n + (1 - 1/n) rho), where G = 1 - sum p^2 and
    rho = 1 / (kappa + 1). Summing n times that over the slots and solving for rho gives
    rho = (sum_s n_s D_s / G - S) / sum_s (n_s - 1); kappa = 1/rho - 1, kept within
    [MIN_PRIOR_STRENGTH, MAX_PRIOR_STRENGTH] (no spread beyond sampling noise: the maximum).
    """
    n = counts.sum(axis=1)
    used = n > 1
    total = float(n.sum())
    if total <= 0 or used.sum() == 0:
        return MAX_PRIOR_STRENGTH
    pooled = counts.sum(axis=0) / total
    spread = 1.0 - float(np.sum(pooled**2))
    if spread <= 0:
        return MAX_PRIOR_STRENGTH
    shares = counts[used] / n[used, None]
    deviation = np.sum((shares - pooled) ** 2, axis=1)
    rho = (float(np.sum(n[used] * deviation)) / spread - int(used.sum())) / float(
        np.sum(n[used] - 1)
    )
    if rho <= 1.0 / (MAX_PRIOR_STRENGTH + 1.0):
        return MAX_PRIOR_STRENGTH
    return float(np.clip(1.0 / rho - 1.0, MIN_PRIOR_STRENGTH, MAX_PRIOR_STRENGTH))


def estimate_shares(
    reasons: pd.DataFrame,
    *,
    timezone: str,
    method: str = "shrunk",
    prior_strength: float | None = None,
) -> ReasonShares:
    """Shares per reason and local hour of the week from a reason history ``ds, reason, y``."""
    if method not in SHARE_METHODS:
        raise ValueError(f"method must be one of {', '.join(SHARE_METHODS)}, got {method!r}")
    if prior_strength is not None and not prior_strength > 0:
        raise ValueError(f"prior_strength must be positive, got {prior_strength}")
    if (reasons["y"] < 0).any():
        raise ValueError("reason counts must not be negative")
    names, counts = _slot_counts(reasons, timezone)
    if not names:
        raise ValueError("no contacts with a recorded reason to estimate shares from")
    total = counts.sum()
    overall = counts.sum(axis=0) / total
    per_slot = counts.sum(axis=1, keepdims=True)
    strength = None
    if method == "overall":
        by_slot = np.tile(overall, (SLOTS, 1))
    elif method == "hour_of_week":
        by_slot = np.where(per_slot > 0, counts / np.maximum(per_slot, 1e-300), overall)
    else:
        strength = dirichlet_prior_strength(counts) if prior_strength is None else prior_strength
        by_slot = (counts + strength * overall) / (per_slot + strength)
    by_slot = by_slot / by_slot.sum(axis=1, keepdims=True)
    return ReasonShares(method, timezone, names, overall, by_slot, int(round(total)), strength)


def reconcile(queue_forecast: pd.DataFrame, shares: ReasonShares) -> pd.DataFrame:
    """Split a queue forecast ``ds, offered`` into ``ds, reason, offered`` by the shares.

    Every interval's reason forecasts are non-negative and sum to the queue's forecast; the
    rounding residue of the products goes to the interval's largest reason."""
    offered = queue_forecast["offered"].to_numpy(float)
    if not np.all(np.isfinite(offered)) or (offered < 0).any():
        raise ValueError("the queue forecast must be finite and non-negative")
    split = shares.at(queue_forecast["ds"]) * offered[:, None]
    if len(offered):
        largest = np.argmax(split, axis=1)
        rows = np.arange(len(offered))
        residue = offered - split.sum(axis=1)
        split[rows, largest] = np.maximum(split[rows, largest] + residue, 0.0)
    reasons = len(shares.reasons)
    return pd.DataFrame(
        {
            "ds": np.repeat(pd.DatetimeIndex(queue_forecast["ds"]), reasons),
            "reason": np.tile(np.array(shares.reasons, dtype=object), len(offered)),
            "offered": split.reshape(-1),
        }
    )


def realised_by_reason(
    offered: pd.DataFrame, reasons: pd.DataFrame, names: Sequence[str]
) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """Intervals with a recorded reason and their realised contacts per reason (intervals,
    names): recorded counts scaled to the interval's offered (reasons outside `names` count in
    the scaling, not in the columns)."""
    data = reasons[reasons["y"] > 0]
    wide = data.pivot_table(index="ds", columns="reason", values="y", aggfunc="sum", fill_value=0)
    if wide.empty:
        return pd.DatetimeIndex([], tz="UTC"), np.zeros((0, len(names)))
    recorded = wide.sum(axis=1)
    totals = offered.groupby("ds")["y"].sum().reindex(wide.index)
    scale = np.where(totals.notna() & (totals >= recorded), totals.fillna(0) / recorded, 1.0)
    realised = wide.reindex(columns=list(names), fill_value=0).to_numpy(float) * scale[:, None]
    return pd.DatetimeIndex(wide.index), realised


def accuracy_by_reason(
    names: Sequence[str], actual: np.ndarray, forecast: np.ndarray
) -> tuple[ReasonAccuracy, ...]:
    """WMAPE of each reason's column of `forecast` against `actual` (intervals, reasons)."""
    result = []
    for column, name in enumerate(names):
        a, f = actual[:, column], forecast[:, column]
        total = float(a.sum())
        error = float(np.abs(a - f).sum()) / total if total > 0 else float("nan")
        result.append(ReasonAccuracy(name, total, float(f.sum()), error))
    return tuple(result)


def backtest_reason_shares(
    offered: pd.DataFrame,
    reasons: pd.DataFrame,
    *,
    timezone: str,
    method: str,
    end_utc: datetime | None = None,
    folds: int = 4,
    horizon_days: int = 7,
    window_days: int = 56,
    top: str = "actual",
) -> ReasonBacktest:
    """Per-reason WMAPE of the reconciled forecasts over `folds` rolling origins before
    `end_utc` (default the end of the reason history), each `horizon_days` long, with shares
    from the `window_days` before the origin. The split queue forecast is the realised offered
    (``actual``: the error of the split alone) or the same interval a week before
    (``seasonal_naive``: a whole forecast)."""
    if top not in QUEUE_TOPS:
        raise ValueError(f"top must be one of {', '.join(QUEUE_TOPS)}, got {top!r}")
    if folds < 1 or horizon_days < 1 or window_days < 7:
        raise ValueError("folds and horizon_days must be at least 1 and window_days at least 7")
    if reasons.empty:
        raise ValueError("no reason history to backtest")
    last = pd.Timestamp(reasons["ds"].max())
    end = pd.Timestamp(end_utc) if end_utc is not None else last.floor("D") + timedelta(days=1)
    names, _ = _slot_counts(reasons, timezone)
    weekly = offered.assign(ds=offered["ds"] + timedelta(days=7))
    errors, actuals, forecasts, origins = [], [], [], []
    for fold in range(folds, 0, -1):
        origin = end - timedelta(days=horizon_days * fold)
        stop = origin + timedelta(days=horizon_days)
        window = reasons[(reasons["ds"] >= origin - timedelta(days=window_days))]
        window = window[window["ds"] < origin]
        if window["y"].sum() <= 0:
            continue
        shares = estimate_shares(window, timezone=timezone, method=method)
        ahead = reasons[(reasons["ds"] >= origin) & (reasons["ds"] < stop)]
        starts, realised = realised_by_reason(offered, ahead, names)
        if not len(starts):
            continue
        source = offered if top == "actual" else weekly
        queue = source.groupby("ds")["y"].sum().reindex(starts, fill_value=0.0)
        split = shares.at(starts) * queue.to_numpy(float)[:, None]
        columns = pd.Index(shares.reasons).get_indexer(list(names))
        predicted = np.where(columns >= 0, split[:, np.maximum(columns, 0)], 0.0)
        origins.append(origin.to_pydatetime())
        actuals.append(realised)
        forecasts.append(predicted)
        errors.append(float(np.abs(realised - predicted).sum()))
    if not origins:
        raise ValueError("no origin has reason history before and after it")
    actual, forecast = np.vstack(actuals), np.vstack(forecasts)
    total = float(actual.sum())
    return ReasonBacktest(
        method=method,
        top=top,
        origins_utc=tuple(origins),
        by_reason=accuracy_by_reason(names, actual, forecast),
        wmape=sum(errors) / total if total > 0 else float("nan"),
    )


def choose_share_method(
    offered: pd.DataFrame,
    reasons: pd.DataFrame,
    *,
    timezone: str,
    end_utc: datetime | None = None,
    folds: int = 4,
    window_days: int = 56,
) -> tuple[str, dict[str, ReasonBacktest]]:
    """The share estimator with the lowest split WMAPE over the rolling origins (ties to the
    simpler, in `SHARE_METHODS` order), and every estimator's backtest."""
    results = {
        method: backtest_reason_shares(
            offered,
            reasons,
            timezone=timezone,
            method=method,
            end_utc=end_utc,
            folds=folds,
            window_days=window_days,
        )
        for method in SHARE_METHODS
    }
    scored = [m for m in SHARE_METHODS if np.isfinite(results[m].wmape)]
    best = min(scored, key=lambda m: results[m].wmape) if scored else "overall"
    return best, results
