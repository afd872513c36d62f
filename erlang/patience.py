"""Caller patience from history: the exponential maximum-likelihood estimate.

Every caller who waited contributes exposure (the time they were seen waiting, whether they were
answered or hung up); every abandonment is an observed event. For exponential patience the MLE of
the mean is total waiting time of all callers / number abandoned (answered callers are censored
observations of patience).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from erlang import _validate as check
from erlang.errors import ErlangError


@dataclass(frozen=True)
class PatienceEstimate:
    """Mean patience with an approximate 95 % confidence interval (chi-square, exact for
    exponential patience); infinite when nobody abandoned."""

    patience_seconds: float
    abandoned_count: int
    exposure_seconds: float
    ci_low_seconds: float
    ci_high_seconds: float


def estimate_patience_seconds(
    total_wait_seconds_all_callers: ArrayLike, abandoned_count: ArrayLike
) -> float:
    """Mean patience = total wait of all callers / number abandoned.

    Arrays (one value per interval, say) are pooled: sum of waits / sum of abandons. With no
    abandonment at all the estimate is infinite (no sign of impatience).
    """
    wait = check.array("total_wait_seconds_all_callers", total_wait_seconds_all_callers, low=0.0)
    abandoned = check.array("abandoned_count", abandoned_count, low=0.0)
    wait, abandoned = check.broadcast(
        total_wait_seconds_all_callers=wait, abandoned_count=abandoned
    )
    total_abandoned = float(abandoned.sum())
    total_wait = float(wait.sum())
    if total_abandoned <= 0.0:
        return math.inf
    return total_wait / total_abandoned


def estimate_patience_from_totals(
    total_wait_seconds_all_callers: ArrayLike, abandoned_count: ArrayLike
) -> PatienceEstimate:
    """Patience with its confidence interval from waits and abandons summed per interval (say):
    the pooled `estimate_patience_seconds` with the chi-square interval of `PatienceEstimate`."""
    wait = check.array("total_wait_seconds_all_callers", total_wait_seconds_all_callers, low=0.0)
    abandoned = check.array("abandoned_count", abandoned_count, low=0.0)
    wait, abandoned = check.broadcast(
        total_wait_seconds_all_callers=wait, abandoned_count=abandoned
    )
    if not np.all(abandoned == np.round(abandoned)):
        raise ErlangError("abandoned_count", "must be whole numbers of contacts")
    return _estimate(float(wait.sum()), int(abandoned.sum()))


def estimate_patience_from_calls(wait_seconds: ArrayLike, abandoned: ArrayLike) -> PatienceEstimate:
    """Patience from per-call records: each call's time in queue and whether it abandoned."""
    waits, flags = _per_call(wait_seconds, abandoned)
    return _estimate(float(waits.sum()), int(flags.sum()))


def estimate_patience_by_queue(
    queues: Sequence[Hashable] | ArrayLike, wait_seconds: ArrayLike, abandoned: ArrayLike
) -> dict[Hashable, PatienceEstimate]:
    """Patience per queue from per-call records (one queue label per call)."""
    waits, flags = _per_call(wait_seconds, abandoned)
    labels = np.asarray(queues, dtype=object)
    if labels.shape != waits.shape:
        raise ErlangError(
            "queues", f"must have one label per call ({waits.size}), got shape {labels.shape}"
        )
    result: dict[Hashable, PatienceEstimate] = {}
    for label in dict.fromkeys(labels.tolist()):
        mask = labels == label
        result[label] = _estimate(float(waits[mask].sum()), int(flags[mask].sum()))
    return result


def _per_call(wait_seconds: ArrayLike, abandoned: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    waits = np.atleast_1d(check.array("wait_seconds", wait_seconds, low=0.0))
    flags = np.atleast_1d(np.asarray(abandoned))
    if flags.dtype != bool:
        values = check.array("abandoned", flags)
        if not np.isin(values, (0.0, 1.0)).all():
            raise ErlangError("abandoned", "must be true/false (or 1/0) per call")
        flags = values.astype(bool)
    if flags.shape != waits.shape:
        raise ErlangError(
            "abandoned", f"must have one flag per call ({waits.size}), got shape {flags.shape}"
        )
    return waits, flags


def _estimate(exposure_seconds: float, abandoned_count: int) -> PatienceEstimate:
    if abandoned_count == 0:
        return PatienceEstimate(math.inf, 0, exposure_seconds, math.inf, math.inf)
    from scipy import stats

    mean = exposure_seconds / abandoned_count
    # 2 * exposure / mean is chi-square with 2 * abandoned degrees of freedom.
    low = 2.0 * exposure_seconds / stats.chi2.ppf(0.975, 2 * abandoned_count)
    high = 2.0 * exposure_seconds / stats.chi2.ppf(0.025, 2 * abandoned_count)
    return PatienceEstimate(mean, abandoned_count, exposure_seconds, float(low), float(high))
