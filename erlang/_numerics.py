"""Numerically stable kernels behind the queueing models, all in log space and vectorised.

Two special functions carry every model here:

* the Erlang B blocking probability ``B(s, A)`` for real ``s >= 0`` (the continuous extension
  through the incomplete gamma function, ``B = A^s e^-A / Gamma(s+1) / Q(s+1, A)``), and
* the integrals ``I_k(a, y) = integral_0^inf r^k exp(-a r + y (1 - e^-r)) dr`` for k = 0, 1, which
  give Kummer's series ``Sigma(x, y) = 1 + y/(x+1) + y^2/((x+1)(x+2)) + ... = x I_0(x, y)`` that the
  Erlang A (M/M/N+M) formulas are written in.

Both are evaluated as logarithms so that loads of thousands of Erlangs, very long or very short
patience and heavy overload neither overflow nor underflow.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy import special

FloatArray = NDArray[np.float64]

# Gauss-Legendre nodes on [-1, 1] for the windowed integrals; Gauss-Laguerre for Erlang B deep in
# overload. The windows below hold the integrand from its peak down to exp(-_DROP), so 64 nodes
# integrate it to close to machine precision.
_DROP = 60.0
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(32)
_GL_UNIT = 0.5 * (_GL_NODES + 1.0)
_LOG_GL_HALF = np.log(0.5 * _GL_WEIGHTS)
_LAG_NODES, _LAG_WEIGHTS = np.polynomial.laguerre.laggauss(48)
_LOG_LAG_WEIGHTS = np.log(_LAG_WEIGHTS)

# Below A - _GAMMA_SWITCH * sqrt(A) servers the upper incomplete gamma in the direct Erlang B
# formula gets too small to trust; the Gauss-Laguerre form takes over there.
_GAMMA_SWITCH = 25.0


def phi(offset: FloatArray) -> FloatArray:
    """``offset - 1 + exp(-offset)`` without cancellation near zero (always >= 0)."""
    offset = np.asarray(offset, dtype=float)
    small = np.abs(offset) < 0.1
    # sum_{n >= 2} (-offset)^n / n!, by Horner up to n = 11: exact to rounding for
    # |offset| < 0.1.
    series = np.zeros_like(offset)
    for n in range(11, 1, -1):
        series = (series + (-1.0) ** n / math.factorial(n)) * (offset if n > 2 else offset * offset)
    with np.errstate(over="ignore"):
        direct = np.expm1(-offset) + offset
    return np.where(small, series, direct)


def log_erlang_b(servers: FloatArray, load: FloatArray) -> FloatArray:
    """log of Erlang B for real ``servers >= 0`` and ``load >= 0`` (broadcast)."""
    s, a = np.broadcast_arrays(np.asarray(servers, dtype=float), np.asarray(load, dtype=float))
    direct = s >= a - _GAMMA_SWITCH * np.sqrt(a)
    if direct.all() and (a > 0.0).all() and (s > 0.0).all():
        return _log_erlang_b_direct(s, a)
    out = np.empty(s.shape, dtype=float)
    zero_load = a <= 0.0
    out[zero_load] = np.where(s[zero_load] <= 0.0, 0.0, -np.inf)
    rest = ~zero_load
    no_servers = rest & (s <= 0.0)
    out[no_servers] = 0.0
    rest &= ~no_servers
    direct &= rest
    if direct.any():
        out[direct] = _log_erlang_b_direct(s[direct], a[direct])
    deep = rest & ~direct
    if deep.any():
        out[deep] = _log_erlang_b_overloaded(s[deep], a[deep])
    return out


def _log_erlang_b_direct(s: FloatArray, a: FloatArray) -> FloatArray:
    """log B = log Poisson(s; A) - log Q(s + 1, A), fine unless s is far below A."""
    log_pmf = s * np.log(a) - a - special.gammaln(s + 1.0)
    return np.asarray(log_pmf - np.log(special.gammaincc(s + 1.0, a)))


def _log_erlang_b_overloaded(s: FloatArray, a: FloatArray) -> FloatArray:
    """log B when ``s`` is far below ``a``: 1/B = A/(A-s) * int_0^inf e^-u e^{-s w(u/(A-s))} du.

    Here ``w(t) = t - log(1 + t)``; the exponent is nearly flat on the scale of the Laguerre
    weight because ``A - s`` is many standard deviations, so 48 nodes are exact to rounding.
    """
    gap = a - s
    scaled_nodes = _LAG_NODES[None, :] / gap[:, None]
    w_at_nodes = scaled_nodes - np.log1p(scaled_nodes)
    terms = _LOG_LAG_WEIGHTS[None, :] - s[:, None] * w_at_nodes
    log_integral = special.logsumexp(terms, axis=1)
    return -(np.log(a) - np.log(gap) + log_integral)


def _solve_right(c1: FloatArray, c2: FloatArray, drop: float) -> FloatArray:
    """Least ``offset >= 0`` with ``c1 offset + c2 phi(offset) = drop`` (c1, c2 >= 0,
    c1 + c2 > 0).

    The left side is convex and increasing; Newton's method started from an upper bound of the
    root moves down onto it monotonically. The start uses
    ``phi(offset) >= offset^2 / (2 + offset)``.
    """
    total = c1 + c2
    linear = 2.0 * c1 - drop
    offset = (-linear + np.sqrt(linear * linear + 8.0 * drop * total)) / (2.0 * total)
    for _ in range(8):
        value = c1 * offset + c2 * phi(offset) - drop
        slope = c1 - c2 * np.expm1(-offset)
        offset = np.maximum(offset - value / slope, 0.0)
    return offset


def _solve_left(a: FloatArray, drop: float) -> FloatArray:
    """Least ``offset >= 0`` with ``a (e^offset - 1 - offset) = drop``, by Newton from an upper
    bound of the root.

    The bound is the smaller of sqrt(2 drop / a) and max(2, log(2 drop / a)).
    """
    offset = np.minimum(np.sqrt(2.0 * drop / a), np.maximum(2.0, np.log(2.0 * drop / a)))
    for _ in range(8):
        value = a * phi(-offset) - drop
        slope = a * np.expm1(offset)
        offset = np.maximum(offset - value / slope, 0.0)
    return offset


def log_integrals(
    a: FloatArray, y: FloatArray, *, first_moment: bool = False
) -> tuple[FloatArray, FloatArray | None]:
    """log I_0(a, y) and, when asked, log I_1(a, y), for a > 0, y >= 0 (1-d arrays, same shape).

    With ``g(r) = -a r + y (1 - e^-r)`` (concave), the peak sits at ``r* = max(0, log(y / a))``
    and, at an ``offset`` from the peak, ``g(r* + offset) - g(r*) = -c1 offset - c2 phi(offset)``
    with ``c1 = max(a - y, 0)``, ``c2 = min(a, y)``.
    The integral is taken by Gauss-Legendre over the window where the integrand is within
    ``exp(-60)`` of its peak.
    """
    a = np.asarray(a, dtype=float)
    y = np.asarray(y, dtype=float)
    interior = y > a
    with np.errstate(divide="ignore"):
        r_peak = np.where(interior, np.log(np.where(interior, y / a, 1.0)), 0.0)
    # g(r*) = y - a - a log(y / a) = a phi(-log(y / a)), written to avoid cancellation.
    g_peak = np.where(interior, a * phi(-r_peak), 0.0)
    c1 = np.maximum(a - y, 0.0)
    c2 = np.minimum(a, y)
    right = _solve_right(c1, c2, _DROP)
    if first_moment:
        # r e^g peaks a little to the right of e^g: widen the window to keep the tail.
        right = right * 1.25
    left = np.where(interior, np.minimum(_solve_left(a, _DROP), r_peak), 0.0)
    # Panels [0, 2], [2, 40], [40, end] on each side of the peak (clipped to the window), each
    # by Gauss-Legendre: phi changes from quadratic to linear around offset = 1 and its
    # e^-offset part is gone by offset = 40, so the far panel holds a plain exponential however
    # long it is.
    offset_pieces = []
    log_weight_pieces = []
    for side, extent in ((-1.0, left), (1.0, right)):
        lo = np.zeros_like(extent)
        for edge in (2.0, 40.0, np.inf):
            hi = np.minimum(extent, edge)
            width = hi - lo
            offset_pieces.append(side * (lo[:, None] + width[:, None] * _GL_UNIT[None, :]))
            with np.errstate(divide="ignore"):
                log_weight_pieces.append(_LOG_GL_HALF[None, :] + np.log(width)[:, None])
            lo = hi
    offset = np.concatenate(offset_pieces, axis=1)
    log_weights = np.concatenate(log_weight_pieces, axis=1)
    log_body = log_weights - c1[:, None] * offset - c2[:, None] * phi(offset)
    log_i0 = g_peak + special.logsumexp(log_body, axis=1)
    if not first_moment:
        return log_i0, None
    with np.errstate(divide="ignore"):
        log_r = np.log(np.maximum(r_peak[:, None] + offset, 0.0))
    log_i1 = g_peak + special.logsumexp(log_body + log_r, axis=1)
    return log_i0, log_i1
