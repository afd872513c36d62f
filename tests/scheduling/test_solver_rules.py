"""Each hard rule on a tiny instance where it binds: the solver's roster keeps it (the evaluation
finds no violation) and reaches the best coverage the rule allows, worked out by hand; and when
the week makes the rule impossible, the solver still returns a roster and says what it breaks.

Demand is a requirement (agents serving needed per interval) with no forecast, so a roster's
objective is minus the under-target penalty (50 per agent-hour by default) times its
under-coverage, and the hand-worked minimum under-coverage fixes the optimum.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from roster_factories import (
    DUBLIN,
    MONDAY,
    agent,
    at,
    contract,
    problem,
    queue,
)
from roster_oracle import solve_checked

from scheduling.problem import (
    Absence,
    AvailabilityWindow,
    BreakRule,
    CallingWindow,
    CampaignSpec,
    LastWeek,
    Preference,
    Problem,
)
from scheduling.roster import RosterShift
from scheduling.solver import SolveResult

TUESDAY = MONDAY + timedelta(days=1)
SUNDAY_BEFORE = MONDAY - timedelta(days=1)
PENALTY = 50.0  # default under-target penalty per agent-hour with no campaign worth more


def local(instant: datetime) -> datetime:
    return instant.astimezone(ZoneInfo(DUBLIN))


def shifts_of(result: SolveResult, code: str | None = None) -> list[RosterShift]:
    return sorted(
        (s for s in result.roster.shifts if code is None or s.agent_code == code),
        key=lambda s: s.start_utc,
    )


def under(result: SolveResult) -> float:
    return float(result.summary()["under_coverage_agent_hours"])


def demand(p: Problem, *spans: tuple[datetime, datetime], agents: int = 1) -> Problem:
    """Replace the demand by `agents` needed in each [start, end) span."""
    required = [
        agents if any(b <= p.interval_start_utc(i) < e for b, e in spans) else 0
        for i in range(p.interval_count)
    ]
    return replace(p, queues=(queue(required=required),))


def assert_optimal_under(result: SolveResult, hours: float) -> None:
    assert under(result) == pytest.approx(hours)
    assert result.objective == pytest.approx(-PENALTY * hours)


# ----------------------------------------------------------------------------- shift lengths
def test_shift_lengths_of_the_contract_only() -> None:
    # 08:00-20:00 is 12 hours; two 5-hour shifts leave 2 hours short
    fives = contract("L5", lengths=(300,))
    result, _ = solve_checked(problem([agent("A", fives), agent("B", fives)]))
    assert [s.minutes for s in shifts_of(result)] == [300.0, 300.0]
    assert_optimal_under(result, 2.0)
    mixed = contract("L57", lengths=(300, 420))
    result, _ = solve_checked(problem([agent("A", mixed), agent("B", mixed)]))
    assert {s.minutes for s in shifts_of(result)} <= {300.0, 420.0}
    assert_optimal_under(result, 0.0)


# ------------------------------------------------------------------------------ contract hours
def capped_problem() -> Problem:
    """One agent with at most 12 paid hours, shifts of 4 or 8 hours; 08:00-20:00 needed on two
    days (24 hours): whatever the roster, at least 12 hours stay short."""
    capped = contract("H12", hours=(0, 12), lengths=(240, 480))
    return problem([agent("A", capped)], days=2)


def test_weekly_hours_cap_the_coverage() -> None:
    result, ev = solve_checked(capped_problem())
    assert ev.agents[0].paid_hours <= 12.0
    assert under(result) >= 12.0


def test_weekly_hours_cap_reaches_the_optimum() -> None:
    result, _ = solve_checked(capped_problem())
    assert_optimal_under(result, 12.0)


def test_weekly_hours_out_of_reach_give_a_best_effort_roster() -> None:
    # 20 hours needed, but two days of one 8-hour shift give at most 16
    needs = contract("H20", hours=(20, 40))
    p = problem([agent("A", needs)], days=2)
    result, ev = solve_checked(p, allowed_rules={"contract_hours_min"})
    assert result.status == "best_effort"
    assert any("agent A" in w and "16" in w for w in result.warnings)
    assert ev.agents[0].paid_hours == pytest.approx(16.0)
    assert ev.contract_penalty == pytest.approx(4.0 * 1000.0)
    assert any("contract_hours_min" in r for r in result.binding_rules)


# -------------------------------------------------------------------------------- days a week
def test_days_per_week_cap() -> None:
    one_day = contract("D1", days=(0, 1))
    p = demand(
        problem([agent("A", one_day)], days=2),
        (at(MONDAY, time(8)), at(MONDAY, time(16))),
        (at(TUESDAY, time(8)), at(TUESDAY, time(16))),
    )
    result, _ = solve_checked(p)
    assert len(shifts_of(result)) == 1
    assert_optimal_under(result, 8.0)


def test_days_per_week_out_of_reach_give_a_best_effort_roster() -> None:
    three_days = contract("D3", days=(3, 7))
    result, ev = solve_checked(
        problem([agent("A", three_days)], days=2), allowed_rules={"contract_days_min"}
    )
    assert result.status == "best_effort"
    assert any(
        "agent A: can work on 2 days this week, the contract needs 3" in w for w in result.warnings
    )
    assert len(shifts_of(result)) == 2
    assert ev.violations[0].subject == "A"


# ------------------------------------------------------------------- earliest start, latest end
def test_earliest_start_and_latest_end() -> None:
    office = contract("O", earliest=time(10), latest_end=time(18))
    result, _ = solve_checked(problem([agent("A", office)]))
    (only,) = shifts_of(result)
    assert (local(only.start_utc).time(), local(only.end_utc).time()) == (time(10), time(18))
    assert_optimal_under(result, 4.0)


# ---------------------------------------------------------------------------------- min rest
def night_and_day_problem(rest_hours: float) -> Problem:
    """Demand Monday 22:00 to Tuesday 06:00 and Tuesday 12:00-20:00; shifts may start 10:00 to
    02:00 and end by 10:00 the next morning."""
    anytime = contract("X", earliest=time(10), latest_end=time(10), rest_hours=rest_hours)
    return demand(
        problem([agent("A", anytime)], days=2),
        (at(MONDAY, time(22)), at(TUESDAY, time(6))),
        (at(TUESDAY, time(12)), at(TUESDAY, time(20))),
    )


def test_min_rest_after_a_shift_across_midnight() -> None:
    # 06:00 to 12:00 is 6 hours of rest: with 11 required the two shifts can't both be worked
    # in full. The best keeps one and moves the other by 5 hours (the night shift to 17:00-01:00,
    # or Tuesday's to 17:00-01:00), covering 3 of its 8 hours: 5 hours short
    result, _ = solve_checked(night_and_day_problem(11.0))
    first, second = shifts_of(result)
    assert second.start_utc - first.end_utc >= timedelta(hours=11)
    assert_optimal_under(result, 5.0)


def test_a_night_shift_belongs_to_its_start_day() -> None:
    result, ev = solve_checked(night_and_day_problem(6.0))
    night, day = shifts_of(result)
    assert night.shift_date == MONDAY
    assert local(night.end_utc) == local(at(TUESDAY, time(6)))
    assert day.shift_date == TUESDAY
    assert_optimal_under(result, 0.0)
    assert ev.agents[0].shifts == 2
    document = result.to_json()
    dates = [s["date"] for s in document["agents"][0]["shifts"]]
    assert dates == ["2026-06-01", "2026-06-02"]


@pytest.mark.parametrize(
    ("last_start", "last_end", "earliest_start"),
    [
        (at(SUNDAY_BEFORE, time(16)), at(MONDAY, time(0)), time(11)),
        (at(SUNDAY_BEFORE, time(19)), at(MONDAY, time(3)), time(14)),  # across midnight
    ],
)
def test_min_rest_across_the_week_boundary(
    last_start: datetime, last_end: datetime, earliest_start: time
) -> None:
    last = LastWeek(last_start, last_end, consecutive_days_worked=1)
    p = demand(
        problem([agent("A", last_week=last)]),
        (at(MONDAY, time(8)), at(MONDAY, time(16))),
    )
    result, _ = solve_checked(p)
    (first,) = shifts_of(result)
    assert local(first.start_utc).time() == earliest_start
    # 08:00-16:00 needed; the shift can start 11:00 at the earliest (14:00 after a late shift)
    assert_optimal_under(result, earliest_start.hour - 8)
    # without last week's shift the same demand is covered in full
    free, _ = solve_checked(replace(p, agents=(agent("A"),)))
    assert_optimal_under(free, 0.0)


def test_rest_after_last_week_that_rules_out_the_whole_horizon() -> None:
    last = LastWeek(at(SUNDAY_BEFORE, time(16)), at(MONDAY, time(16)))
    needs_a_day = contract("D1", days=(1, 5))
    p = problem([agent("A", needs_a_day, last_week=last), agent("B")])
    result, _ = solve_checked(p, allowed_rules={"contract_days_min"})
    assert result.status == "best_effort"
    assert any(w.startswith("agent A: no shift fits this week") for w in result.warnings)
    assert shifts_of(result, "A") == []
    # B covers 8 of the 12 hours; A's missing day costs 8 paid hours at 1000
    assert result.objective == pytest.approx(-PENALTY * 4.0 - 1000.0 * 8.0)


def test_nobody_can_work_still_gives_a_roster() -> None:
    # the design model then has no variables at all
    last = LastWeek(at(SUNDAY_BEFORE, time(16)), at(MONDAY, time(16)))
    p = problem([agent("A", contract("D1", days=(1, 5)), last_week=last)])
    result, _ = solve_checked(p, allowed_rules={"contract_days_min"})
    assert result.status == "best_effort" and shifts_of(result) == []


# ----------------------------------------------------------------------- max consecutive days
def test_max_consecutive_days() -> None:
    two_in_a_row = contract("C2", max_consecutive=2)
    p = demand(
        problem([agent("A", two_in_a_row)], days=3),
        *[
            (at(MONDAY + timedelta(days=d), time(8)), at(MONDAY + timedelta(days=d), time(16)))
            for d in range(3)
        ],
    )
    result, _ = solve_checked(p)
    assert len(shifts_of(result)) == 2
    assert_optimal_under(result, 8.0)


def test_max_consecutive_days_count_last_weeks_run() -> None:
    # worked Saturday and Sunday: with at most 2 in a row, Monday must be off
    last = LastWeek(at(SUNDAY_BEFORE, time(8)), at(SUNDAY_BEFORE, time(16)), 2)
    two_in_a_row = contract("C2", max_consecutive=2)
    p = problem([agent("A", two_in_a_row, last_week=last)], days=2)
    result, _ = solve_checked(p)
    assert [s.shift_date for s in shifts_of(result)] == [TUESDAY]
    assert_optimal_under(result, 12.0 + 4.0)


def test_a_run_longer_than_the_contract_allows_keeps_the_group_model_feasible() -> None:
    # seven days in a row last week, six allowed: Monday off, then anything goes
    last = LastWeek(at(SUNDAY_BEFORE, time(8)), at(SUNDAY_BEFORE, time(16)), 7)
    p = problem([agent("A", last_week=last), agent("B")], days=2)
    result, _ = solve_checked(p)
    assert result.stages["assignment"]["groups"] == {"optimal": 1}


def test_max_consecutive_days_against_minimum_days_keeps_the_hard_rule() -> None:
    last = LastWeek(at(SUNDAY_BEFORE, time(8)), at(SUNDAY_BEFORE, time(16)), 6)
    six = contract("C6", days=(1, 5), max_consecutive=6)
    p = problem([agent("A", six, last_week=last)])
    result, _ = solve_checked(p, allowed_rules={"contract_days_min"})
    assert result.status == "best_effort"
    assert shifts_of(result) == []


# ------------------------------------------------------------------ availability and time off
def test_availability_windows() -> None:
    afternoons = (AvailabilityWindow(0, time(12), time(20)),)
    result, _ = solve_checked(problem([agent("A", availability=afternoons)], days=2))
    (only,) = shifts_of(result)
    assert (only.shift_date, local(only.start_utc).time()) == (MONDAY, time(12))
    assert_optimal_under(result, 4.0 + 12.0)


def test_unavailability_inside_the_day() -> None:
    dentist = Absence(at(MONDAY, time(10)), at(MONDAY, time(12)), reason="dentist")
    result, _ = solve_checked(problem([agent("A", unavailable=(dentist,))]))
    (only,) = shifts_of(result)
    assert local(only.start_utc).time() == time(12)
    assert_optimal_under(result, 4.0)


def test_paid_time_off_counts_towards_the_contract() -> None:
    leave = Absence(at(MONDAY, time(0)), at(TUESDAY, time(0)), paid_hours=8.0, reason="leave")
    fixed = contract("F16", hours=(16, 16), days=(2, 2))
    result, ev = solve_checked(problem([agent("A", fixed, time_off=(leave,))], days=2))
    assert [s.shift_date for s in shifts_of(result)] == [TUESDAY]
    assert ev.contract_penalty == 0.0
    assert_optimal_under(result, 12.0 + 4.0)


def test_no_availability_in_the_horizon_gives_a_best_effort_roster() -> None:
    weekends = (AvailabilityWindow(5, time(8), time(20)),)
    needs_a_day = contract("D1", days=(1, 5))
    p = problem([agent("A", needs_a_day, availability=weekends), agent("B")])
    result, _ = solve_checked(p, allowed_rules={"contract_days_min"})
    assert result.status == "best_effort"
    assert any(w.startswith("agent A: no shift fits") for w in result.warnings)
    assert shifts_of(result, "A") == []


# ------------------------------------------------------------------------------- preferences
def test_a_day_off_wish_is_honoured_when_it_costs_nothing() -> None:
    wish = (Preference("day_off", 3.0),)
    p = problem([agent("B", preferences=wish), agent("C"), agent("D")], hours_open=(8, 16))
    result, ev = solve_checked(p)
    assert_optimal_under(result, 0.0)
    assert ev.preference_penalty == 0.0
    assert shifts_of(result, "B") == []


# ------------------------------------------------------------------------------------ skills
def two_queue_problem(*agents_skills: tuple[str, tuple[str, ...]]) -> Problem:
    base = problem([agent(code, queue_skills=skills) for code, skills in agents_skills])
    required = [
        1 if at(MONDAY, time(8)) <= base.interval_start_utc(i) < at(MONDAY, time(20)) else 0
        for i in range(base.interval_count)
    ]
    return replace(base, queues=(queue("Q1", required=required), queue("Q2", required=required)))


def test_agents_serve_only_their_queues() -> None:
    result, _ = solve_checked(two_queue_problem(("A", ("Q1",)), ("B", ("Q2",))))
    for code, target in (("A", "serve:Q1"), ("B", "serve:Q2")):
        (only,) = shifts_of(result, code)
        assert {a.activity for a in only.activities} == {target}
    assert_optimal_under(result, 4.0 + 4.0)


def test_a_multi_skilled_agent_serves_one_queue_at_a_time() -> None:
    # 24 agent-hours needed and 24 rostered, but the third agent's 8 hours can fill the other
    # two's gaps (4 hours at an end of each queue's day) only if both gaps are at the same end,
    # and then they overlap: the best leaves 4 hours short
    p = two_queue_problem(("A", ("Q1",)), ("B", ("Q2",)), ("C", ("Q1", "Q2")))
    result, _ = solve_checked(p)
    assert_optimal_under(result, 4.0)


def test_a_queue_nobody_can_serve_is_reported() -> None:
    result, _ = solve_checked(two_queue_problem(("A", ("Q1",))))
    assert "queue Q2: has demand but no agent has the skill" in result.warnings
    assert {run["queue"] for run in result.short} == {"Q1", "Q2"}
    assert_optimal_under(result, 4.0 + 12.0)


# ------------------------------------------------------------------------ breaks and lunches
BREAKS = (
    BreakRule("break", 30, 60, 120, min_shift_minutes=360, paid=True),
    BreakRule("lunch", 30, 180, 270, min_shift_minutes=360, paid=False),
)


def breaks_problem(agents: int) -> Problem:
    p = problem(
        [agent(f"A{i}") for i in range(agents)],
        interval_minutes=30,
        start_step_minutes=30,
        breaks=BREAKS,
    )
    return demand(p, (at(MONDAY, time(8)), at(MONDAY, time(16))))


def test_breaks_and_lunch_in_their_windows() -> None:
    result, ev = solve_checked(breaks_problem(1))
    (only,) = shifts_of(result)
    kinds = [b.kind for b in only.breaks]
    assert kinds == ["break", "lunch"]
    for brk, rule in zip(only.breaks, BREAKS, strict=True):
        offset = (brk.start_utc - only.start_utc).total_seconds() / 60
        assert rule.earliest_start_after_shift_start_minutes <= offset
        assert offset <= rule.latest_start_after_shift_start_minutes
    assert ev.agents[0].paid_hours == pytest.approx(7.5)  # the lunch is unpaid
    # one agent can't cover their own breaks: an hour short at best
    assert_optimal_under(result, 1.0)


def test_two_agents_keep_their_break_windows() -> None:
    result, _ = solve_checked(breaks_problem(2))
    # a second agent always helps: alone, an agent leaves their own breaks short
    assert len(shifts_of(result)) == 2
    for one in shifts_of(result):
        assert [b.kind for b in one.breaks] == ["break", "lunch"]


def test_two_agents_stagger_their_breaks() -> None:
    result, _ = solve_checked(breaks_problem(2))
    assert_optimal_under(result, 0.0)


# ------------------------------------------------------------------------ campaigns
def selling_problem(**campaign_changes: object) -> Problem:
    """No inbound demand; campaign S worth 40 an hour at 50 % efficiency, calling Monday
    10:00-14:00; one agent who may start from 06:00."""
    campaign = CampaignSpec(
        code="S",
        value_per_productive_hour_by_hour=tuple([40.0] * 24),
        calling_hours=(CallingWindow(0, time(10), time(14)),),
        efficiency=0.5,
    )
    seller = agent("A", contract("E", earliest=time(6)), campaign_skills=("S",))
    return problem(
        [seller, agent("B")],
        campaigns=[replace(campaign, **campaign_changes)],  # type: ignore[arg-type]
        required_when_open=0,
    )


def test_selling_only_in_calling_hours() -> None:
    result, _ = solve_checked(selling_problem())
    summary = result.summary()
    assert summary["sell_hours"] == pytest.approx(4.0)
    assert summary["outbound_value"] == pytest.approx(4.0 * 40.0 * 0.5)
    assert result.objective == pytest.approx(80.0)
    assert all(
        not a.activity.startswith("sell:") for s in shifts_of(result, "B") for a in s.activities
    )


def test_campaign_weekly_cap() -> None:
    result, _ = solve_checked(selling_problem(max_hours_per_week=2.0))
    assert result.summary()["sell_hours"] == pytest.approx(2.0)
    assert result.objective == pytest.approx(40.0)


def test_campaign_minimum_out_of_reach_gives_a_best_effort_roster() -> None:
    # 10 hours needed; calling hours allow 4; 6 hours short at 500 an hour
    result, ev = solve_checked(
        selling_problem(min_hours_per_week=10.0), allowed_rules={"campaign_hours_min"}
    )
    assert result.status == "best_effort"
    assert ev.sell_hours == pytest.approx(4.0)
    assert result.objective == pytest.approx(80.0 - 6.0 * 500.0)
    assert ev.violations[0].subject == "S"


def test_campaign_nobody_can_sell_is_reported() -> None:
    p = selling_problem(min_hours_per_week=1.0)
    p = replace(p, agents=tuple(replace(a, campaign_skills=()) for a in p.agents))
    result, _ = solve_checked(p, allowed_rules={"campaign_hours_min"})
    assert any(w.startswith("campaign S: nobody has the skill") for w in result.warnings)


def test_selling_never_takes_an_agent_off_a_short_queue() -> None:
    # the queue needs the only agent 08:00-16:00; selling 10:00-14:00 is worth less than the
    # under-target penalty, so the agent serves throughout
    p = selling_problem()
    seller = replace(p.agents[0], contract=contract("E8"))
    p = demand(replace(p, agents=(seller,)), (at(MONDAY, time(8)), at(MONDAY, time(16))))
    result, _ = solve_checked(p)
    assert result.summary()["sell_hours"] == 0.0
    assert_optimal_under(result, 0.0)


def test_other_dates_do_not_matter() -> None:
    # the same Monday rules on a winter Monday (GMT, no offset) give the same shift times
    p = replace(
        problem([agent("A", contract("O", earliest=time(10), latest_end=time(18)))]),
        horizon=replace(problem([agent("A")]).horizon, start_date=date(2026, 1, 5)),
    )
    p = demand(p, (at(date(2026, 1, 5), time(8)), at(date(2026, 1, 5), time(20))))
    result, _ = solve_checked(p)
    (only,) = shifts_of(result)
    assert only.start_utc == datetime(2026, 1, 5, 10, tzinfo=only.start_utc.tzinfo)
