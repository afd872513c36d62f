"""Contradictions named before solving: per contract (with its agents), agent, campaign or queue,
by JSON path, all of them at once."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time

import pytest
from roster_factories import MONDAY, agent, at, contract, problem, queue

from scheduling.checks import ProblemError, check_problem
from scheduling.problem import (
    PREFERENCE_KINDS,
    BreakRule,
    CallingWindow,
    CampaignSpec,
    LastWeek,
    Preference,
    Problem,
)
from scheduling.problem_json import problem_schema
from scheduling.solver import solve
from wfm.domain.shift_trades import PreferenceKind


def campaign(code: str = "S", **changes: object) -> CampaignSpec:
    base = CampaignSpec(
        code=code,
        value_per_productive_hour_by_hour=tuple([10.0] * 24),
        calling_hours=(CallingWindow(0, time(9), time(17)),),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def one_agent(the_contract, **problem_changes) -> Problem:
    return problem([agent("A", the_contract), agent("B", the_contract)], **problem_changes)


def test_a_usable_problem_has_no_issues() -> None:
    assert check_problem(one_agent(contract())) == []


@pytest.mark.parametrize(
    ("the_contract", "message"),
    [
        (
            contract("H", hours=(40, 30)),
            "contract H (agents A, B): weekly_paid_hours_min 40 is above weekly_paid_hours_max 30",
        ),
        (
            contract("D", days=(5, 4)),
            "contract D (agents A, B): days_per_week_min 5 is above days_per_week_max 4",
        ),
        (
            contract("W", earliest=time(9), latest_end=time(15)),
            "contract W (agents A, B): no shift length fits: none of [480] min fits between "
            "09:00 and 15:00 with starts every 60 min",
        ),
        (
            # 8 h fit between 07:15 and 15:15, but shifts start on the hour
            contract("G", earliest=time(7, 15), latest_end=time(15, 15)),
            "contract G (agents A, B): no shift length fits: none of [480] min fits between "
            "07:15 and 15:15 with starts every 60 min",
        ),
        (
            contract("L", lengths=(450,)),
            "contract L (agents A, B): shift length 450 min is not a multiple of the 60-minute "
            "interval",
        ),
        (
            contract("U", hours=(20, 30), days=(5, 5)),
            "contract U (agents A, B): no shift length fits: 5-5 shifts of 480 paid minutes "
            "can't give 20-30 paid hours a week",
        ),
        (
            contract("M", max_consecutive=0),
            "contract M (agents A, B): max_consecutive_days must be >= 1",
        ),
    ],
)
def test_contract_contradictions_name_the_contract_and_its_agents(
    the_contract, message: str
) -> None:
    assert check_problem(one_agent(the_contract)) == [message]


def test_a_night_contract_fits_across_midnight() -> None:
    nights = contract("N", earliest=time(22), latest_end=time(6))
    assert check_problem(one_agent(nights)) == []
    assert check_problem(one_agent(replace(nights, shift_lengths_minutes=(540,)))) != []


def test_break_windows_that_leave_the_shift_or_overlap() -> None:
    past_end = BreakRule("lunch", 60, 180, 480, min_shift_minutes=480)
    p = one_agent(contract("C"), breaks=[past_end])
    assert check_problem(p) == [
        "contract C (agents A, B): shift length 480 min: its lunch window (180-480 min after "
        "the start, 60 min long) runs past the shift end"
    ]
    overlapping = (BreakRule("break", 60, 60, 180), BreakRule("lunch", 60, 180, 240))
    p = one_agent(contract("C"), breaks=overlapping)
    assert check_problem(p) == [
        "contract C (agents A, B): shift length 480 min: the windows of its break and lunch "
        "overlap (each break needs its own window)"
    ]
    off_grid = BreakRule("break", 15, 60, 120)
    issues = check_problem(one_agent(contract("C"), breaks=[off_grid]))
    assert issues == [
        "$.shift_rules.breaks[0].minutes: must be a positive multiple of the 60-minute "
        "interval, got 15"
    ]


def test_agents_are_named() -> None:
    lost = agent("LOST", queue_skills=())
    strange = agent("ODD", queue_skills=("Q", "NOPE"), campaign_skills=("X",))
    sunday = date(2026, 5, 31)
    late = agent("LATE", last_week=LastWeek(at(MONDAY, time(8)), at(MONDAY, time(16))))
    backwards = agent("BACK", last_week=LastWeek(at(sunday, time(16)), at(sunday, time(8))))
    issues = check_problem(problem([lost, strange, late, backwards]))
    assert issues == [
        "$.agents[0]: agent LOST has no skills (no queue and no campaign)",
        "$.agents[1].queues: agent ODD names unknown queue 'NOPE'",
        "$.agents[1].campaigns: agent ODD names unknown campaign 'X'",
        "$.agents[2].last_week: agent LATE's final shift of last week starts at or after the "
        "horizon start",
        "$.agents[3].last_week: agent BACK's final shift ends before it starts",
    ]


def test_campaigns_are_named() -> None:
    closed = campaign("CLOSED", calling_hours=())
    inverted = campaign("INV", min_hours_per_week=10.0, max_hours_per_week=5.0)
    short_window = campaign("BLINK", calling_hours=(CallingWindow(0, time(9), time(9, 30)),))
    issues = check_problem(problem([agent("A")], campaigns=[closed, inverted, short_window]))
    assert issues == [
        "$.campaigns[0].calling_hours: campaign CLOSED has no calling hours (at least one "
        "window of 60 minutes or more is needed)",
        "$.campaigns[1]: campaign INV has max_hours_per_week 5.0 below min_hours_per_week 10.0",
        "$.campaigns[2].calling_hours: campaign BLINK has no calling hours (at least one "
        "window of 60 minutes or more is needed)",
    ]


def test_queue_arrays_must_match_the_horizon_including_daylight_saving() -> None:
    # the spring-forward day in Dublin has 23 hours
    p = problem([agent("A")], start=date(2026, 3, 29), queues=[queue(required=[1] * 24)])
    assert check_problem(p) == [
        "$.queues[0].required_agents: queue Q has 24 values; the horizon from 2026-03-29 "
        "(1 days of 60-minute intervals, Europe/Dublin) has 23 intervals (2026-03-29 00:00 to "
        "2026-03-29 23:00 UTC)"
    ]


def test_codes_time_zone_and_horizon() -> None:
    p = problem([agent("A"), agent("A")], queues=[queue(required=[0] * 24)] * 2)
    assert check_problem(p) == [
        "$.queues: code 'Q' is used 2 times",
        "$.agents: code 'A' is used 2 times",
    ]
    assert check_problem(replace(p, timezone="Mars/Olympus")) == [
        "$.site.timezone: unknown time zone 'Mars/Olympus'"
    ]


def test_solve_refuses_a_contradictory_problem_with_every_reason() -> None:
    p = problem(
        [agent("A", contract("H", hours=(40, 30))), agent("NONE", queue_skills=())],
        campaigns=[campaign("CLOSED", calling_hours=())],
    )
    with pytest.raises(ProblemError) as caught:
        solve(p, time_limit_seconds=2, seed=1, workers=1)
    issues = caught.value.issues
    assert len(issues) == 3
    assert any("agent NONE" in i for i in issues)
    assert any("campaign CLOSED" in i for i in issues)
    assert any(i.startswith("contract H (agents A)") for i in issues)
    assert "(and 2 more)" in str(caught.value)


def test_the_preference_kinds_are_one_list_everywhere() -> None:
    """The checker, the problem's JSON schema and the API's enum know the same kinds."""
    schema = problem_schema()
    definitions = schema.get("$defs") or schema["definitions"]
    assert definitions["preference"]["properties"]["kind"]["enum"] == list(PREFERENCE_KINDS)
    assert [k.value for k in PreferenceKind] == list(PREFERENCE_KINDS)
    base = problem([agent("A1", preferences=(Preference("day_off"),))])
    for kind in PREFERENCE_KINDS:
        wish = Preference(
            kind,
            vto_hours_max=4.0 if kind == "voluntary_time_off" else None,
            max_evening_shifts=1 if kind == "max_evenings" else None,
            earliest_start_local=time(8) if kind == "start_between" else None,
            latest_start_local=time(10) if kind == "start_between" else None,
        )
        assert (
            check_problem(replace(base, agents=(replace(base.agents[0], preferences=(wish,)),)))
            == []
        )
    unknown = replace(base, agents=(replace(base.agents[0], preferences=(Preference("nap"),)),))
    assert any("unknown kind 'nap'" in issue for issue in check_problem(unknown))
