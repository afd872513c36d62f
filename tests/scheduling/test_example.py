"""The example problem generator: valid problems for every option it accepts, on every grid, the
same problem for the same seed, and demand scaled to the stated share of paid hours."""

from __future__ import annotations

from datetime import date

import pytest
from roster_oracle import solve_checked

from scheduling.checks import check_problem
from scheduling.economics import requirement
from scheduling.example import example_problem


@pytest.mark.parametrize(
    "options",
    [
        {"agents": 1, "days": 2},
        {"agents": 9, "queues": 6, "campaigns": 6, "days": 2},
        {"agents": 9, "queues": 1, "campaigns": 0, "days": 2},
        {"agents": 9, "interval_minutes": 30, "days": 2},
        {"agents": 9, "interval_minutes": 60, "days": 2},
        {"agents": 9, "interval_minutes": 60, "start_date": date(2026, 10, 19)},
        {"agents": 9, "timezone": "America/New_York", "start_date": date(2026, 3, 2)},
        {"agents": 9, "shrinkage": 0.3, "days": 2},
    ],
)
def test_every_accepted_option_gives_a_valid_problem(options: dict) -> None:
    p = example_problem(**options)
    assert check_problem(p) == []
    assert len(p.agents) == options["agents"]
    assert len(p.queues) == options.get("queues", 3)
    assert len(p.campaigns) == options.get("campaigns", 2)
    step = options.get("interval_minutes", 15)
    for rule in p.shift_rules.breaks:
        assert rule.minutes % step == 0


@pytest.mark.parametrize("interval_minutes", [30, 60])
def test_coarse_grid_examples_solve_cleanly(interval_minutes: int) -> None:
    p = example_problem(agents=5, queues=2, campaigns=1, seed=2, interval_minutes=interval_minutes)
    result, ev = solve_checked(p, time_limit_seconds=4)
    assert ev.violations == ()
    assert result.roster.shifts


def test_the_same_seed_gives_the_same_problem() -> None:
    first = example_problem(agents=7, seed=9, days=2)
    assert example_problem(agents=7, seed=9, days=2) == first
    assert example_problem(agents=7, seed=10, days=2) != first


def test_demand_uses_about_the_stated_share_of_paid_hours() -> None:
    # the volume is rescaled until the requirement is within 1 % of the share (at most four
    # steps, and the requirement is a step function of the volume): allow 3 %
    p = example_problem(agents=60, days=7, load_share=0.7)
    required_hours = sum(float(requirement(p, q).sum()) for q in p.queues) * p.interval_hours
    paid_hours = sum(a.contract.weekly_paid_hours_max for a in p.agents)
    assert required_hours / paid_hours == pytest.approx(0.7, abs=0.03)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"agents": 0}, "agents must be >= 1"),
        ({"queues": 7}, "queues must be between 1 and 6"),
        ({"campaigns": 7}, "campaigns must be between 0 and 6"),
        ({"seed": -1}, "seed must be >= 0"),
        ({"interval_minutes": 20}, "interval_minutes must be 15, 30 or 60"),
    ],
)
def test_out_of_range_options_are_named(options: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        example_problem(**{"agents": 3, **options})
