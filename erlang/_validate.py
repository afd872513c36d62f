"""Input checks shared by the public functions: every failure names the argument."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from erlang.errors import ErlangError

FloatArray = NDArray[np.float64]


def _first_bad(values: FloatArray, bad: NDArray[np.bool_]) -> str:
    flat_index = int(np.flatnonzero(bad.ravel())[0])
    value = float(values.ravel()[flat_index])
    if values.ndim == 0:
        return f"got {value:g}"
    return f"got {value:g} at index {np.unravel_index(flat_index, values.shape)}"


def array(
    name: str,
    value: ArrayLike,
    *,
    low: float | None = None,
    low_open: bool = False,
    high: float | None = None,
    high_open: bool = False,
) -> FloatArray:
    """``value`` as a float array, finite and within the given bounds, else `ErlangError`."""
    try:
        values = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ErlangError(name, f"must be a number or an array of numbers, got {value!r}") from None
    if values.size == 0:
        raise ErlangError(name, "must not be empty")
    finite = np.isfinite(values)
    if not finite.all():
        raise ErlangError(name, f"must be finite, {_first_bad(values, ~finite)}")
    if low is not None:
        bad = values <= low if low_open else values < low
        if bad.any():
            relation = ">" if low_open else ">="
            raise ErlangError(name, f"must be {relation} {low:g}, {_first_bad(values, bad)}")
    if high is not None:
        bad = values >= high if high_open else values > high
        if bad.any():
            relation = "<" if high_open else "<="
            raise ErlangError(name, f"must be {relation} {high:g}, {_first_bad(values, bad)}")
    return values


def fraction_open(name: str, value: ArrayLike) -> FloatArray:
    """A fraction strictly between 0 and 1."""
    values = array(name, value)
    bad = (values <= 0.0) | (values >= 1.0)
    if bad.any():
        raise ErlangError(name, f"must be between 0 and 1 (exclusive), {_first_bad(values, bad)}")
    return values


def broadcast(**arrays: FloatArray) -> list[FloatArray]:
    """Broadcast the named arrays together, naming the culprit when shapes disagree."""
    try:
        shaped = np.broadcast_arrays(*arrays.values())
        return [np.asarray(values, dtype=float) for values in shaped]
    except ValueError:
        shapes = ", ".join(f"{name} {np.shape(values)}" for name, values in arrays.items())
        first = next(iter(arrays))
        raise ErlangError(
            first, f"has a shape that does not broadcast with the others ({shapes})"
        ) from None


def scalar(name: str, value: float, *, low: float, low_open: bool = False) -> float:
    """A single finite number above ``low``."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ErlangError(name, f"must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ErlangError(name, f"must be finite, got {number:g}")
    if number < low or (low_open and number == low):
        relation = ">" if low_open else ">="
        raise ErlangError(name, f"must be {relation} {low:g}, got {number:g}")
    return number


MIN_AHT_SECONDS = 1e-6  # shorter handle times put the models' x = N / (AHT theta) beyond floats


def handle_time(aht_seconds: ArrayLike, calls: FloatArray) -> FloatArray:
    """AHT: finite, >= 0, and at least MIN_AHT_SECONDS (a microsecond) wherever there are calls
    (no calls, no handle time needed)."""
    values = array("aht_seconds", aht_seconds, low=0.0)
    try:
        both = np.broadcast_arrays(values, calls)
    except ValueError:
        return values  # the shape error is reported by `broadcast` with every name
    bad = (both[0] < MIN_AHT_SECONDS) & (both[1] > 0.0)
    if bad.any():
        raise ErlangError(
            "aht_seconds",
            f"must be at least {MIN_AHT_SECONDS:g} where there are calls, "
            f"{_first_bad(both[0], bad)}",
        )
    return values
