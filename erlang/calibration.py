"""Calibration of Erlang A against what happened: fit on a queue's past intervals, then predict.

The textbook model takes the agents staffed as servers and a mean patience from the abandons.
On real centres both are wrong in a known direction: staffed (logged-in) agents are not all
available to the queue (after-call work, other media, breaks inside the interval), and the
answer rate the model predicts from a whole interval's averages misses what its inside does.
A `Calibration` holds what is fitted from a history of intervals, in two layers:

1. **The queue** (Erlang A, M/M/N+M): the effective servers are ``availability`` x agents
   (0 < availability <= 1) and callers have mean patience ``patience_seconds``. With the total
   wait of every caller (answered and abandoned) per interval, patience is the censored
   exponential maximum-likelihood estimate (total wait / abandons) and availability alone is
   fitted; without it both are fitted by maximum likelihood of the answered (binomial on
   answered / offered) and, when given, the answered within the threshold (binomial on
   answered within T / offered).
2. **A logistic recalibration** of each predicted rate r (answer rate; service level when it
   was observed): logit r' = b0 + b1 logit r + b2 log(offered) + b3 log(effective servers),
   fitted by (weighted) binomial maximum likelihood with a small ridge towards the identity
   (0, 1, 0, 0), so data that follow the model leave the prediction as it was.

Rows may be weighted (`recency_weights`: a half-life in days) so that a centre that drifts is
fitted mostly on its recent past. Everything is deterministic (no random starts).

`rate_accuracy` scores predicted rates against counts that happened (mean absolute error,
call-weighted and plain, and the bias of the total), each beside its binomial noise floor: the
expected error of a perfect model, given each interval's offered calls (`binomial_noise_floor`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize, special

from erlang import _validate as check
from erlang._numerics import FloatArray
from erlang.errors import ErlangError
from erlang.models import erlang_a

MIN_AVAILABILITY = 0.05
MIN_PATIENCE_SECONDS = 1.0
MAX_PATIENCE_SECONDS = 1e6
RIDGE = 1.0  # penalty (in log-likelihood units) pulling the recalibration towards the identity
MIN_RECALIBRATION_ROWS = 8  # fewer intervals with calls: the recalibration stays the identity
_CLIP = 1e-6  # rates are kept inside [_CLIP, 1 - _CLIP] before a logit
IDENTITY = (0.0, 1.0, 0.0, 0.0)


@dataclass(frozen=True)
class CalibratedKpis:
    """Predicted rates per interval: calibrated, and the queue layer's (Erlang A with the
    effective servers and the fitted patience) before the logistic recalibration."""

    answer_rate: FloatArray
    service_level: FloatArray
    model_answer_rate: FloatArray
    model_service_level: FloatArray


@dataclass(frozen=True)
class Calibration:
    """What a history of intervals says the textbook model misses (see the module docstring).

    ``answer_rate_coefficients`` and ``service_level_coefficients`` are (b0, b1, b2, b3) of the
    logistic recalibration (the identity (0, 1, 0, 0) when not fitted); the service-level one
    applies at ``threshold_seconds`` only (another threshold gets the queue layer's service
    level). ``patience_method`` is "waits" (total wait / abandons) or "likelihood".
    """

    availability: float
    patience_seconds: float
    patience_method: str
    answer_rate_coefficients: tuple[float, float, float, float] = IDENTITY
    service_level_coefficients: tuple[float, float, float, float] = IDENTITY
    threshold_seconds: float | None = None
    intervals: int = 0
    offered: float = 0.0
    answered: float = 0.0
    abandoned: float = 0.0
    fitted_from_utc: datetime | None = None
    fitted_until_utc: datetime | None = None
    half_life_days: float | None = None

    def predict(
        self,
        offered: ArrayLike,
        aht_seconds: ArrayLike,
        agents: ArrayLike,
        interval_seconds: ArrayLike,
        threshold_seconds: float | None = None,
    ) -> CalibratedKpis:
        """Answer rate and service level per interval with ``agents`` staffed (before the
        availability factor) and ``offered`` calls; the threshold defaults to the fitted one
        (20 s when the history had no service level)."""
        threshold = _threshold(self.threshold_seconds, threshold_seconds)
        calls = check.array("offered", offered, low=0.0)
        model = erlang_a(
            calls,
            interval_seconds,
            aht_seconds,
            check.array("agents", agents, low=0.0),
            self.patience_seconds,
            threshold,
            availability=self.availability,
        )
        effective = np.asarray(agents, dtype=float) * self.availability
        return CalibratedKpis(
            answer_rate=self.adjust_answer_rate(model.answer_rate, calls, effective),
            service_level=self.adjust_service_level(
                model.service_level, calls, effective, threshold
            ),
            model_answer_rate=np.asarray(model.answer_rate, dtype=float),
            model_service_level=np.asarray(model.service_level, dtype=float),
        )

    def adjust_answer_rate(
        self, model_answer_rate: ArrayLike, offered: ArrayLike, effective_servers: ArrayLike
    ) -> FloatArray:
        """The recalibrated answer rate from the queue layer's (arrays broadcast)."""
        return _recalibrated(
            self.answer_rate_coefficients, model_answer_rate, offered, effective_servers
        )

    def adjust_service_level(
        self,
        model_service_level: ArrayLike,
        offered: ArrayLike,
        effective_servers: ArrayLike,
        threshold_seconds: float,
    ) -> FloatArray:
        """The recalibrated service level at the fitted threshold; at another threshold the
        queue layer's, unchanged."""
        if self.threshold_seconds is None or not math.isclose(
            threshold_seconds, self.threshold_seconds
        ):
            return np.asarray(model_service_level, dtype=float)
        return _recalibrated(
            self.service_level_coefficients, model_service_level, offered, effective_servers
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able values (datetimes as ISO 8601)."""
        values = asdict(self)
        for key in ("fitted_from_utc", "fitted_until_utc"):
            moment = values[key]
            values[key] = None if moment is None else moment.isoformat()
        values["answer_rate_coefficients"] = list(self.answer_rate_coefficients)
        values["service_level_coefficients"] = list(self.service_level_coefficients)
        return values

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Calibration:
        """The inverse of `to_dict`."""
        moments: dict[str, Any] = {
            key: None if values.get(key) is None else datetime.fromisoformat(values[key])
            for key in ("fitted_from_utc", "fitted_until_utc")
        }
        rest = {k: v for k, v in values.items() if k not in moments}
        rest["answer_rate_coefficients"] = _four(rest.get("answer_rate_coefficients", IDENTITY))
        rest["service_level_coefficients"] = _four(rest.get("service_level_coefficients", IDENTITY))
        return cls(**rest, **moments)


@dataclass(frozen=True)
class NoiseFloor:
    """A perfect model's expected mean absolute error of a rate: call-weighted and plain."""

    call_weighted: float
    plain: float


@dataclass(frozen=True)
class RateAccuracy:
    """Predicted rates against what happened over scored intervals (those with calls).

    ``bias`` is the predicted total rate minus the actual (sum predicted x offered / offered
    against sum counted / offered): + means the model promised more than happened."""

    intervals: int
    offered: float
    mae_call_weighted: float
    mae: float
    bias: float
    predicted_total_rate: float
    actual_total_rate: float
    noise_floor: NoiseFloor


def fit_calibration(
    offered: ArrayLike,
    answered: ArrayLike,
    abandoned: ArrayLike,
    aht_seconds: ArrayLike,
    agents: ArrayLike,
    interval_seconds: ArrayLike,
    *,
    answered_within_threshold: ArrayLike | None = None,
    threshold_seconds: float = 20.0,
    total_wait_seconds: ArrayLike | None = None,
    weights: ArrayLike | None = None,
    availability: float | None = None,
    recalibrate: bool = True,
    fitted_from_utc: datetime | None = None,
    fitted_until_utc: datetime | None = None,
    half_life_days: float | None = None,
) -> Calibration:
    """Fit a `Calibration` on past intervals (one value per interval in each array).

    ``agents`` is the staffing the plan will speak of (agents logged in / scheduled), not the
    effective servers: the fit finds how many of them the queue effectively had.
    ``weights`` (>= 0, e.g. `recency_weights`) weigh the intervals in every likelihood.
    ``availability`` given is kept (1: the textbook model, agents are servers) and only the
    patience is fitted; ``recalibrate=False`` leaves the logistic layer out.
    Invalid input raises `ErlangError` naming the argument (and the first bad index).
    """
    rows = _checked_rows(
        offered,
        answered,
        abandoned,
        aht_seconds,
        agents,
        interval_seconds,
        answered_within_threshold,
        total_wait_seconds,
        weights,
    )
    threshold = check.scalar("threshold_seconds", threshold_seconds, low=0.0)
    fixed = None
    if availability is not None:
        fixed = check.scalar("availability", availability, low=0.0, low_open=True)
        if fixed > 1.0:
            raise ErlangError("availability", f"must be <= 1, got {fixed:g}")
    used = np.asarray(rows["offered"] > 0.0, dtype=bool)
    if not np.any(used & (rows["weights"] > 0.0)):
        raise ErlangError("offered", "has no interval with calls (and weight) to fit on")
    r = {name: values[used] for name, values in rows.items()}
    within = r.get("answered_within_threshold")
    abandoned_total = float(r["abandoned"].sum())

    def queue_kpis(availability: float, patience: float) -> tuple[FloatArray, FloatArray]:
        result = erlang_a(
            r["offered"],
            r["interval_seconds"],
            np.maximum(r["aht_seconds"], 1.0),
            r["agents"],
            patience,
            threshold,
            availability=availability,
        )
        return np.asarray(result.answer_rate), np.asarray(result.service_level)

    def nll(availability: float, patience: float) -> float:
        ar, sl = queue_kpis(availability, patience)
        total = _binomial_nll(_logit(ar), r["offered"], r["answered"], r["weights"])
        if within is not None:
            total += _binomial_nll(_logit(sl), r["offered"], within, r["weights"])
        return total

    fitted_availability, patience, method = _fit_queue_layer(nll, r, fixed)

    ar_coefficients: tuple[float, float, float, float] = IDENTITY
    sl_coefficients: tuple[float, float, float, float] = IDENTITY
    if recalibrate and int(used.sum()) >= MIN_RECALIBRATION_ROWS:
        ar, sl = queue_kpis(fitted_availability, patience)
        effective = r["agents"] * fitted_availability
        features = _features(ar, r["offered"], effective)
        ar_coefficients = _fit_logistic(features, r["offered"], r["answered"], r["weights"])
        if within is not None:
            features = _features(sl, r["offered"], effective)
            sl_coefficients = _fit_logistic(features, r["offered"], within, r["weights"])
    return Calibration(
        availability=fitted_availability,
        patience_seconds=patience,
        patience_method=method,
        answer_rate_coefficients=ar_coefficients,
        service_level_coefficients=sl_coefficients,
        threshold_seconds=threshold if within is not None else None,
        intervals=int(used.sum()),
        offered=float(r["offered"].sum()),
        answered=float(r["answered"].sum()),
        abandoned=abandoned_total,
        fitted_from_utc=fitted_from_utc,
        fitted_until_utc=fitted_until_utc,
        half_life_days=half_life_days,
    )


def _fit_queue_layer(
    nll: Callable[[float, float], float], rows: dict[str, FloatArray], fixed: float | None
) -> tuple[float, float, str]:
    """Availability, mean patience and how patience was found: from the waits when the rows
    have them (censored exponential MLE, weighted), else by likelihood; a ``fixed``
    availability is kept."""
    weights, waits = rows["weights"], rows.get("total_wait_seconds")
    weighted_abandons = float((weights * rows["abandoned"]).sum())
    if waits is not None and weighted_abandons > 0.0:
        weighted_waits = float((weights * waits).sum())
        patience = float(np.clip(weighted_waits / weighted_abandons, 1.0, MAX_PATIENCE_SECONDS))
        if fixed is not None:
            return fixed, patience, "waits"
        best = optimize.minimize_scalar(
            lambda a: nll(float(a), patience),
            bounds=(MIN_AVAILABILITY, 1.0),
            method="bounded",
            options={"xatol": 1e-5},
        )
        return float(best.x), patience, "waits"
    if fixed is not None:
        kept = fixed
        best = optimize.minimize_scalar(
            lambda v: nll(kept, math.exp(float(v))),
            bounds=(math.log(MIN_PATIENCE_SECONDS), math.log(MAX_PATIENCE_SECONDS)),
            method="bounded",
            options={"xatol": 1e-6},
        )
        return kept, math.exp(float(best.x)), "likelihood"

    def unpack(x: FloatArray) -> tuple[float, float]:
        a = MIN_AVAILABILITY + (1.0 - MIN_AVAILABILITY) * float(special.expit(x[0]))
        p = float(np.exp(np.clip(x[1], math.log(MIN_PATIENCE_SECONDS), 13.8)))
        return a, p

    best = optimize.minimize(
        lambda x: nll(*unpack(x)),
        np.array([2.0, math.log(300.0)]),
        method="Nelder-Mead",
        options={"xatol": 1e-5, "fatol": 1e-7, "maxiter": 2000},
    )
    availability, patience = unpack(best.x)
    return availability, patience, "likelihood"


def recency_weights(age_days: ArrayLike, half_life_days: float | None) -> FloatArray:
    """Weights halving every ``half_life_days`` of age (None: all 1)."""
    ages = check.array("age_days", age_days, low=0.0)
    if half_life_days is None:
        return np.ones_like(ages)
    half_life = check.scalar("half_life_days", half_life_days, low=0.0, low_open=True)
    return np.asarray(0.5 ** (ages / half_life), dtype=float)


def binomial_noise_floor(offered: ArrayLike, rate: ArrayLike) -> NoiseFloor:
    """Expected absolute error of an observed rate k / n around a true rate p, k ~ Bin(n, p),
    averaged over the intervals with calls (call-weighted and plain): what a perfect model
    would still miss. Exact (De Moivre's mean absolute deviation of the binomial); ``offered``
    is rounded to whole calls."""
    calls = np.round(check.array("offered", offered, low=0.0))
    p = check.array("rate", rate, low=0.0, high=1.0)
    calls, p = check.broadcast(offered=calls, rate=p)
    calls, p = calls.ravel(), p.ravel()
    used = calls > 0
    if not used.any():
        raise ErlangError("offered", "has no interval with calls")
    n, q = calls[used], p[used]
    mad = np.zeros_like(n)
    inner = (q > 0.0) & (q < 1.0)
    n_i, q_i = n[inner], q[inner]
    m = np.floor(n_i * q_i)
    # E|X - np| = 2 (m + 1) C(n, m + 1) p^(m+1) (1 - p)^(n-m), m = floor(np)
    log_mad = (
        math.log(2.0)
        + np.log(m + 1.0)
        + special.gammaln(n_i + 1.0)
        - special.gammaln(m + 2.0)
        - special.gammaln(n_i - m)
        + (m + 1.0) * np.log(q_i)
        + (n_i - m) * np.log1p(-q_i)
    )
    mad[inner] = np.exp(log_mad) / n_i
    return NoiseFloor(
        call_weighted=float((mad * n).sum() / n.sum()),
        plain=float(mad.mean()),
    )


def rate_accuracy(
    offered: ArrayLike, counted: ArrayLike, predicted_rate: ArrayLike
) -> RateAccuracy:
    """Predicted rates against the counts that happened (answered, or answered within T), over
    the intervals with calls; the noise floor is taken at the predicted rates."""
    calls = check.array("offered", offered, low=0.0)
    counts = check.array("counted", counted, low=0.0)
    predicted = check.array("predicted_rate", predicted_rate, low=0.0, high=1.0)
    calls, counts, predicted = check.broadcast(
        offered=calls, counted=counts, predicted_rate=predicted
    )
    calls, counts, predicted = calls.ravel(), counts.ravel(), predicted.ravel()
    if np.any(counts > calls):
        index = int(np.flatnonzero(counts > calls)[0])
        raise ErlangError("counted", f"must not exceed offered, got more at index {index}")
    used = calls > 0
    if not used.any():
        raise ErlangError("offered", "has no interval with calls to score")
    n, k, p = calls[used], counts[used], predicted[used]
    actual = k / n
    error = np.abs(p - actual)
    total = float(n.sum())
    predicted_total = float((p * n).sum() / total)
    actual_total = float(k.sum() / total)
    return RateAccuracy(
        intervals=int(used.sum()),
        offered=total,
        mae_call_weighted=float((error * n).sum() / total),
        mae=float(error.mean()),
        bias=predicted_total - actual_total,
        predicted_total_rate=predicted_total,
        actual_total_rate=actual_total,
        noise_floor=binomial_noise_floor(n, p),
    )


def _threshold(fitted: float | None, given: float | None) -> float:
    if given is not None:
        return check.scalar("threshold_seconds", given, low=0.0)
    return 20.0 if fitted is None else fitted


def _four(values: Any) -> tuple[float, float, float, float]:
    numbers = [float(v) for v in values]
    if len(numbers) != 4:
        raise ErlangError("coefficients", f"must be four numbers, got {len(numbers)}")
    return (numbers[0], numbers[1], numbers[2], numbers[3])


def _checked_rows(
    offered: ArrayLike,
    answered: ArrayLike,
    abandoned: ArrayLike,
    aht_seconds: ArrayLike,
    agents: ArrayLike,
    interval_seconds: ArrayLike,
    answered_within_threshold: ArrayLike | None,
    total_wait_seconds: ArrayLike | None,
    weights: ArrayLike | None,
) -> dict[str, FloatArray]:
    """The rows as flat arrays by name; the optional columns only when given."""
    named: dict[str, FloatArray] = {
        "offered": check.array("offered", offered, low=0.0),
        "answered": check.array("answered", answered, low=0.0),
        "abandoned": check.array("abandoned", abandoned, low=0.0),
        "aht_seconds": check.array("aht_seconds", aht_seconds, low=0.0),
        "agents": check.array("agents", agents, low=0.0),
        "interval_seconds": check.array(
            "interval_seconds", interval_seconds, low=0.0, low_open=True
        ),
        "weights": check.array("weights", 1.0 if weights is None else weights, low=0.0),
    }
    if answered_within_threshold is not None:
        named["answered_within_threshold"] = check.array(
            "answered_within_threshold", answered_within_threshold, low=0.0
        )
    if total_wait_seconds is not None:
        named["total_wait_seconds"] = check.array("total_wait_seconds", total_wait_seconds, low=0.0)
    shaped = check.broadcast(**named)
    rows = {name: np.atleast_1d(values).ravel() for name, values in zip(named, shaped, strict=True)}
    o, a, b = rows["offered"], rows["answered"], rows["abandoned"]
    _no_more_than("answered", a, o, "offered")
    _no_more_than("abandoned", a + b, o, "offered - answered")
    within = rows.get("answered_within_threshold")
    if within is not None:
        _no_more_than("answered_within_threshold", within, a, "answered")
    return rows


def _no_more_than(name: str, values: FloatArray, limit: FloatArray, what: str) -> None:
    bad = values > limit + 1e-9
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        raise ErlangError(name, f"must not exceed {what}, got more at index {index}")


def _logit(rate: ArrayLike) -> FloatArray:
    p = np.clip(np.asarray(rate, dtype=float), _CLIP, 1.0 - _CLIP)
    return np.asarray(np.log(p) - np.log1p(-p), dtype=float)


def _features(rate: ArrayLike, offered: ArrayLike, effective_servers: ArrayLike) -> FloatArray:
    rate_a, offered_a, servers_a = np.broadcast_arrays(
        np.asarray(rate, dtype=float),
        np.asarray(offered, dtype=float),
        np.asarray(effective_servers, dtype=float),
    )
    return np.stack(
        [
            np.ones_like(rate_a),
            _logit(rate_a),
            np.log(np.maximum(offered_a, 1.0)),
            np.log(np.maximum(servers_a, 0.5)),
        ],
        axis=-1,
    )


def _recalibrated(
    coefficients: tuple[float, float, float, float],
    rate: ArrayLike,
    offered: ArrayLike,
    effective_servers: ArrayLike,
) -> FloatArray:
    if coefficients == IDENTITY:
        return np.asarray(rate, dtype=float)
    z = _features(rate, offered, effective_servers) @ np.asarray(coefficients, dtype=float)
    return np.asarray(special.expit(z), dtype=float)


def _binomial_nll(z: FloatArray, n: FloatArray, k: FloatArray, w: FloatArray) -> float:
    """Negative binomial log-likelihood of k successes in n at logit z, weighted."""
    log_p = -np.logaddexp(0.0, -z)
    log_q = -np.logaddexp(0.0, z)
    return float(-(w * (k * log_p + (n - k) * log_q)).sum())


def _fit_logistic(
    features: FloatArray, n: FloatArray, k: FloatArray, w: FloatArray
) -> tuple[float, float, float, float]:
    """Weighted binomial logistic regression by Newton's method, ridge towards the identity."""
    prior = np.asarray(IDENTITY)
    beta = prior.copy()

    def objective(b: FloatArray) -> float:
        penalty = 0.5 * RIDGE * float(((b - prior) ** 2).sum())
        return _binomial_nll(features @ b, n, k, w) + penalty

    current = objective(beta)
    for _ in range(100):
        p = special.expit(features @ beta)
        gradient = features.T @ (w * (n * p - k)) + RIDGE * (beta - prior)
        hessian = (features * (w * n * p * (1.0 - p))[:, None]).T @ features
        hessian += RIDGE * np.eye(beta.size)
        step = np.linalg.solve(hessian, gradient)
        scale = 1.0
        while scale > 1e-6:
            candidate = beta - scale * step
            value = objective(candidate)
            if value <= current:
                break
            scale *= 0.5
        else:
            break
        converged = current - value < 1e-10 * max(1.0, abs(current))
        beta, current = candidate, value
        if converged:
            break
    return (float(beta[0]), float(beta[1]), float(beta[2]), float(beta[3]))
