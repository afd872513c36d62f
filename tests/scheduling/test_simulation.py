"""A solved roster's day simulated call by call (the erlang/ discrete-event simulator) agrees with
the service level and answer rate the evaluation predicts from Erlang A.

Tolerance: 3 points, the issue's criterion for the 200-agent week. It must cover two things.
Monte Carlo noise: 100 replications of about 500 calls give a 95 % confidence half-width of
under 1 point on the day's service level. Model error: the prediction treats each quarter-hour as
a steady state of its own, while in the simulation queues carry over from one interval to the
next and an agent whose serving ends finishes the call in hand; on this day that moves the
service level by about 1 point (measured at several staffing levels while writing this test).
With one agent fewer in every interval the prediction falls by about 15 points, so the check
would catch a roster whose serving counts disagreed with its predicted service.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import time

import numpy as np
from roster_factories import agent, contract, problem, queue
from roster_oracle import activity_counts, solve_checked

from erlang import erlang_a, simulate_queue
from scheduling.problem import BreakRule, Problem

AHT_SECONDS = 240.0
PATIENCE_SECONDS = 180.0
THRESHOLD_SECONDS = 20.0
TOLERANCE = 0.03


def busy_day() -> Problem:
    """Nine agents (6- or 8-hour shifts, a break and, on 8 hours, a lunch) for a day with a
    morning and an afternoon peak, 08:00-20:00, on quarter-hours."""
    staff = contract("C", lengths=(360, 480), earliest=time(7), latest_end=time(22))
    base = problem(
        [agent(f"A{i}", staff) for i in range(9)],
        interval_minutes=15,
        start_step_minutes=30,
        breaks=[
            BreakRule("break", 15, 90, 150, min_shift_minutes=300),
            BreakRule("lunch", 30, 210, 270, min_shift_minutes=420, paid=False),
        ],
    )
    contacts = []
    for i in range(base.interval_count):
        local = base.interval_start_utc(i).astimezone(base.zone)
        hour = local.hour + local.minute / 60
        shape = 14 * np.exp(-0.5 * ((hour - 11) / 2) ** 2) + 10 * np.exp(
            -0.5 * ((hour - 16) / 2.5) ** 2
        )
        contacts.append(1.3 * shape if 8 <= hour < 20 else 0.0)
    demand = queue(
        contacts=contacts,
        aht_seconds=AHT_SECONDS,
        patience_seconds=PATIENCE_SECONDS,
        threshold_seconds=THRESHOLD_SECONDS,
    )
    return replace(base, queues=(demand,))


def test_simulated_day_agrees_with_the_predicted_service() -> None:
    p = busy_day()
    result, _ = solve_checked(p, time_limit_seconds=4)
    predicted = result.summary()["queues"]["Q"]
    serving = activity_counts(p, result.to_json())["serve:Q"]
    contacts = np.asarray(p.queues[0].contacts)
    simulated = simulate_queue(
        contacts,
        serving,
        interval_seconds=p.horizon.interval_minutes * 60.0,
        aht_seconds=AHT_SECONDS,
        patience_seconds=PATIENCE_SECONDS,
        threshold_seconds=THRESHOLD_SECONDS,
        replications=100,
        seed=20261109,
    )
    assert simulated.service_level.half_width < 0.01
    sl = predicted["predicted_service_level"]
    assert abs(simulated.service_level.value - sl) <= TOLERANCE
    assert abs(simulated.answer_rate.value - predicted["predicted_answer_rate"]) <= TOLERANCE
    # the check has power: one agent fewer in every interval predicts a clearly worse day
    fewer = erlang_a(
        contacts,
        p.horizon.interval_minutes * 60.0,
        AHT_SECONDS,
        np.maximum(serving - 1, 0),
        PATIENCE_SECONDS,
        THRESHOLD_SECONDS,
    )
    worse = float((fewer.service_level * contacts).sum() / contacts.sum())
    assert sl - worse > 3 * TOLERANCE
