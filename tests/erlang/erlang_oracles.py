"""Independent reference implementations used as test oracles.

They follow a different route from the package: plain scalar loops over the birth-death chain of
the queue (state probabilities by detailed balance, then what an arrival sees, by PASTA), with
each caller's offered wait given the queue ahead of them written as a Beta / Gamma variable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special


def erlang_b_recursion(servers: int, load: float) -> float:
    """B(0) = 1, B(n) = A B(n-1) / (n + A B(n-1))."""
    b = 1.0
    for n in range(1, servers + 1):
        b = load * b / (n + load * b)
    return b


@dataclass(frozen=True)
class QueueFigures:
    p_wait: float
    p_abandon: float
    service_level: float
    service_level_of_answered: float
    service_level_abandons_count: float
    asa_seconds: float
    mean_wait_seconds: float


def _state_log_probabilities(
    rate: float, mu: float, theta: float, servers: int, drop: float = 60.0
) -> np.ndarray:
    """log P(n) up to a constant, for n = 0, 1, ... until negligible."""
    logs = [0.0]
    n = 0
    peak = 0.0
    while True:
        n += 1
        death = min(n, servers) * mu + max(n - servers, 0) * theta
        if death <= 0.0:
            raise ValueError("unstable chain")
        logs.append(logs[-1] + math.log(rate / death))
        peak = max(peak, logs[-1])
        if n > servers and logs[-1] < peak - drop and rate < death:
            break
    values = np.array(logs)
    return values - special.logsumexp(values)


def erlang_a_chain(
    calls: float,
    interval_seconds: float,
    aht_seconds: float,
    servers: int,
    patience_seconds: float,
    threshold_seconds: float,
) -> QueueFigures:
    """Erlang A from the truncated birth-death chain.

    A caller finding N + j in the system (j >= 0 waiting) has offered wait V with
    V = -log(U) / theta, U ~ Beta(x, j + 1), x = N mu / theta; they are answered iff their
    patience exceeds V, which has probability E[U] = x / (x + j + 1).
    """
    rate = calls / interval_seconds
    mu = 1.0 / aht_seconds
    theta = 1.0 / patience_seconds
    probs = np.exp(_state_log_probabilities(rate, mu, theta, servers))
    x = servers * mu / theta
    z = math.exp(-theta * threshold_seconds)
    p_wait = p_ab = ans_t = ab_t = wait_ans = 0.0
    for n, p in enumerate(probs):
        if n < servers:
            ans_t += p
            continue
        j = n - servers
        answered = x / (x + j + 1)
        p_wait += p
        p_ab += p * (1.0 - answered)
        ans_t += p * answered * special.betainc(j + 1, x + 1, 1.0 - z)
        beyond_t = 1.0 - special.betainc(j + 1, x, 1.0 - z)  # P(V > T)
        ab_t += p * (1.0 - answered * special.betainc(j + 1, x + 1, 1.0 - z) - beyond_t * z)
        harmonic = sum(1.0 / (x + 1 + i) for i in range(j + 1))
        wait_ans += p * answered * harmonic / theta
    answer_rate = 1.0 - p_ab
    return QueueFigures(
        p_wait=p_wait,
        p_abandon=p_ab,
        service_level=ans_t,
        service_level_of_answered=ans_t / answer_rate,
        service_level_abandons_count=ans_t + ab_t,
        asa_seconds=wait_ans / answer_rate,
        mean_wait_seconds=p_ab * patience_seconds,
    )


def erlang_c_chain(
    calls: float,
    interval_seconds: float,
    aht_seconds: float,
    servers: int,
    threshold_seconds: float,
) -> tuple[float, float, float]:
    """(P(wait), service level, ASA) of M/M/N from its chain: a caller finding N + j waits a
    Gamma(j + 1, N mu) time."""
    rate = calls / interval_seconds
    mu = 1.0 / aht_seconds
    probs = np.exp(_state_log_probabilities(rate, mu, 0.0, servers))
    p_wait = sl = asa = 0.0
    for n, p in enumerate(probs):
        if n < servers:
            sl += p
            continue
        j = n - servers
        p_wait += p
        sl += p * special.gammainc(j + 1, servers * mu * threshold_seconds)
        asa += p * (j + 1) / (servers * mu)
    return p_wait, sl, asa
