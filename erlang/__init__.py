"""Queueing maths for contact centres: Erlang B, C and A, staffing, and a queue simulator.

Pure computation (numpy/scipy, no I/O), vectorised over arrays of intervals.
"""

from erlang.calibration import (
    CalibratedKpis,
    Calibration,
    NoiseFloor,
    RateAccuracy,
    binomial_noise_floor,
    fit_calibration,
    rate_accuracy,
    recency_weights,
)
from erlang.errors import ErlangError
from erlang.marginal import MarginalCurve, marginal_value_curve
from erlang.models import ErlangAResult, ErlangCResult, erlang_a, erlang_b, erlang_c, offered_load
from erlang.patience import (
    PatienceEstimate,
    estimate_patience_by_queue,
    estimate_patience_from_calls,
    estimate_patience_seconds,
)
from erlang.simulation import Estimate, SimulationResult, simulate_queue
from erlang.staffing import StaffingResult, required_agents, scheduled_from_required

__all__ = [
    "CalibratedKpis",
    "Calibration",
    "NoiseFloor",
    "RateAccuracy",
    "binomial_noise_floor",
    "fit_calibration",
    "rate_accuracy",
    "recency_weights",
    "ErlangAResult",
    "ErlangCResult",
    "ErlangError",
    "Estimate",
    "MarginalCurve",
    "PatienceEstimate",
    "SimulationResult",
    "StaffingResult",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "estimate_patience_by_queue",
    "estimate_patience_from_calls",
    "estimate_patience_seconds",
    "marginal_value_curve",
    "offered_load",
    "required_agents",
    "scheduled_from_required",
    "simulate_queue",
]
