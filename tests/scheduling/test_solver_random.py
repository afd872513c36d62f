"""Random tiny problems through the solver and the oracle: whatever mix of contracts, windows,
availability, leave, last week's shifts, breaks, campaigns, forecasts and daylight-saving days,
the roster keeps every hard rule (only the soft minimums may be missed, and then the status says
best_effort) and its objective never beats the certified bound."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, time, timedelta

import pytest
from roster_factories import agent, at, contract, open_hours_requirement, problem, queue
from roster_oracle import solve_checked

from scheduling.checks import check_problem
from scheduling.problem import (
    Absence,
    AgentSpec,
    AvailabilityWindow,
    BreakRule,
    CallingWindow,
    CampaignSpec,
    LastWeek,
    Preference,
    Problem,
)

SOFT_MINIMUMS = {"contract_days_min", "contract_hours_min", "campaign_hours_min"}
STARTS = (date(2026, 6, 1), date(2026, 3, 28), date(2026, 10, 24), date(2026, 6, 5))


def random_agent(
    rng: random.Random, i: int, start: date, days: int, queues: list[str], sells: bool
) -> AgentSpec:
    lengths = tuple(sorted(rng.sample([240, 300, 360, 480], rng.randint(1, 2))))
    hours_max = rng.choice([8, 12, 16, 40])
    the_contract = contract(
        f"C{i}",
        hours=(min(hours_max, rng.choice([0, 4, 8, 12])), hours_max),
        days=(rng.choice([0, 1]), rng.choice([1, 2, 3])),
        lengths=lengths,
        earliest=time(rng.choice([0, 6, 7, 8, 10, 14, 20])),
        latest_end=time(rng.choice([0, 0, 18, 22, 6, 8])),
        rest_hours=rng.choice([8, 11, 12]),
        max_consecutive=rng.choice([1, 2, 6]),
    )
    fields: dict[str, object] = {
        "queue_skills": tuple(rng.sample(queues, rng.randint(1, len(queues)))),
        "campaign_skills": ("S",) if sells and rng.random() < 0.6 else (),
    }
    if rng.random() < 0.3:
        fields["availability"] = tuple(
            AvailabilityWindow(d, time(rng.choice([6, 8, 12])), time(rng.choice([16, 20, 0])))
            for d in range(7)
            if rng.random() < 0.7
        )
    day = start + timedelta(days=rng.randint(0, days - 1))
    if rng.random() < 0.3:
        hour = rng.randint(6, 18)
        fields["unavailable"] = (Absence(at(day, time(hour)), at(day, time(hour + 2))),)
    if rng.random() < 0.2:
        fields["time_off"] = (Absence(at(day, time(0)), at(day + timedelta(days=1), time(0)), 8.0),)
    if rng.random() < 0.4:
        begin = at(start - timedelta(days=1), time(rng.choice([8, 14, 16, 20])))
        fields["last_week"] = LastWeek(begin, begin + timedelta(hours=8), rng.randint(0, 5))
    if rng.random() < 0.3:
        fields["preferences"] = (Preference("day_off", 3.0, weekdays=(start.weekday(),)),)
    if rng.random() < 0.2:
        evenings = Preference(
            "max_evenings",
            2.0,
            max_evening_shifts=rng.randint(0, 1),
            evening_from_local=time(rng.choice([17, 19])),
        )
        fields["preferences"] = (*fields.get("preferences", ()), evenings)
    return agent(f"A{i}", the_contract, **fields)


def random_problem(rng: random.Random) -> Problem:
    step = rng.choice([30, 60])
    days = rng.randint(1, 3)
    start = rng.choice(STARTS)
    breaks: list[BreakRule] = []
    if step == 30 and rng.random() < 0.6:
        breaks = [
            BreakRule("break", 30, 60, 120, min_shift_minutes=300),
            BreakRule("lunch", 30, 180, 240, min_shift_minutes=420, paid=False),
        ]
    elif rng.random() < 0.4:
        breaks = [BreakRule("lunch", 60, 180, 240, min_shift_minutes=420, paid=rng.random() < 0.5)]
    queue_codes = ["Q1", "Q2"][: rng.randint(1, 2)]
    sells = rng.random() < 0.5
    people = [
        random_agent(rng, i, start, days, queue_codes, sells) for i in range(rng.randint(1, 4))
    ]
    campaigns = []
    if sells:
        campaigns = [
            CampaignSpec(
                "S",
                tuple(float(rng.choice([0, 10, 30, 60])) for _ in range(24)),
                tuple(
                    CallingWindow(d, time(rng.choice([9, 10, 18])), time(rng.choice([14, 21, 1])))
                    for d in range(7)
                ),
                min_hours_per_week=rng.choice([0, 0, 2, 20]),
                max_hours_per_week=rng.choice([None, 3, 10]),
            )
        ]
    base = problem(
        people,
        campaigns=campaigns,
        start=start,
        days=days,
        interval_minutes=step,
        breaks=breaks,
        start_step_minutes=rng.choice([step, 60]),
    )
    queues = []
    for code in queue_codes:
        if rng.random() < 0.5:
            hours = (rng.choice([6, 8, 10]), rng.choice([16, 20, 23]))
            queues.append(
                queue(code, required=open_hours_requirement(base, hours, rng.randint(1, 3)))
            )
        else:
            contacts = []
            for i in range(base.interval_count):
                hour = base.interval_start_utc(i).astimezone(base.zone).hour
                contacts.append(rng.uniform(2, 15) * step / 60 if 8 <= hour < 20 else 0.0)
            queues.append(queue(code, contacts=contacts, aht_seconds=rng.choice([180, 300])))
    return replace(base, queues=tuple(queues))


@pytest.mark.parametrize("seed", range(12))
def test_random_tiny_problems_keep_every_hard_rule(seed: int) -> None:
    rng = random.Random(seed)
    p = random_problem(rng)
    while check_problem(p):  # a contradiction is refused before solving: draw again
        p = random_problem(rng)
    result, ev = solve_checked(p, allowed_rules=SOFT_MINIMUMS)
    if ev.violations:
        assert result.status == "best_effort"
