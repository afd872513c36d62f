"""Tiny problems and histories shared by the scale-out tests (kept small: every test here runs
in seconds on two busy cores)."""

from __future__ import annotations

from datetime import date, time

from scheduling.problem import (
    AgentSpec,
    BreakRule,
    CallingWindow,
    CampaignSpec,
    Contract,
    Horizon,
    Problem,
    QueueSpec,
    ShiftRules,
)

MONDAY = date(2026, 6, 1)
DUBLIN = "Europe/Dublin"
DAY_CONTRACT = Contract("DAY", 0.0, 24.0, 0, 3, (240, 480), time(7), time(22))


def _queue(code: str, per_hour: tuple[float, ...], days: int) -> QueueSpec:
    contacts = tuple(c for _ in range(days) for c in per_hour)
    return QueueSpec(
        code=code,
        service_level_target=0.8,
        service_threshold_seconds=20.0,
        patience_seconds=300.0,
        value_per_answered_contact=5.0,
        contacts=contacts,
        aht_seconds=tuple([240.0] * len(contacts)),
    )


def two_team_problem(days: int = 2, agents_per_team: int = 3) -> Problem:
    """Two teams sharing no skill (so two parts): team A serves QA and QB and sells CA; team B
    serves QC. Hourly intervals, demand 8:00-20:00, one paid break on long shifts."""
    daytime = tuple(
        0.0 if not 8 <= h < 20 else 20.0 + 10.0 * (h in (10, 11, 14, 15)) for h in range(24)
    )
    team_a = tuple(
        AgentSpec(
            code=f"A{i}",
            contract=DAY_CONTRACT,
            queue_skills=("QA", "QB") if i % 2 == 0 else ("QA",),
            campaign_skills=("CA",) if i == 0 else (),
        )
        for i in range(agents_per_team)
    )
    team_b = tuple(
        AgentSpec(code=f"B{i}", contract=DAY_CONTRACT, queue_skills=("QC",))
        for i in range(agents_per_team)
    )
    return Problem(
        site_code="TWO",
        timezone=DUBLIN,
        horizon=Horizon(start_date=MONDAY, days=days, interval_minutes=60),
        queues=(
            _queue("QA", daytime, days),
            _queue("QB", tuple(x / 2 for x in daytime), days),
            _queue("QC", daytime, days),
        ),
        agents=team_a + team_b,
        campaigns=(
            CampaignSpec(
                code="CA",
                value_per_productive_hour_by_hour=tuple([0.0] * 16 + [30.0] * 5 + [0.0] * 3),
                calling_hours=tuple(CallingWindow(d, time(16), time(21)) for d in range(7)),
            ),
        ),
        shift_rules=ShiftRules(
            start_step_minutes=60, breaks=(BreakRule("break", 60, 180, 300, min_shift_minutes=480),)
        ),
        name="two teams",
    )
