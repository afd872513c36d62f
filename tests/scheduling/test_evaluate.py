"""The evaluation on hand-built rosters: a clean roster has no violations and figures worked out by
hand; each broken rule is reported, by its name, and nothing else is. This is what makes the
evaluation fit to be the oracle of the solver tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time, timedelta

import numpy as np
import pytest
from roster_factories import (
    MONDAY,
    agent,
    at,
    contract,
    problem,
    queue,
    roster,
    shift,
)

from erlang import erlang_a
from scheduling.evaluate import Evaluation, PreferenceTally, evaluate, violations_by_rule
from scheduling.problem import (
    Absence,
    AvailabilityWindow,
    BreakRule,
    CallingWindow,
    CampaignSpec,
    Fairness,
    LastWeek,
    Preference,
    Problem,
)
from scheduling.roster import ActivitySpan, BreakSpan, Roster, RosterShift

TUESDAY = MONDAY + timedelta(days=1)
LUNCH = BreakRule("lunch", 30, 180, 270, min_shift_minutes=360, paid=False)
DAY = contract("DAY", earliest=time(7), latest_end=time(23))


def sell_campaign(**changes: object) -> CampaignSpec:
    """Campaign S: calling 10:00-14:00 on weekdays, worth 20 an hour at 50 % efficiency."""
    base = CampaignSpec(
        code="S",
        value_per_productive_hour_by_hour=tuple([20.0] * 24),
        calling_hours=tuple(CallingWindow(d, time(10), time(14)) for d in range(5)),
        max_hours_per_week=10.0,
        efficiency=0.5,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def base_problem(a_contract=DAY, *, campaign: CampaignSpec | None = None, **a_fields) -> Problem:
    """Monday and Tuesday on half-hour intervals; queue Q needs one agent 08:00-20:00 local; A
    (skills Q and S) and B (Q only)."""
    return problem(
        [
            agent("A", a_contract, campaign_skills=("S",), **a_fields),
            agent("B", DAY),
        ],
        campaigns=[campaign or sell_campaign()],
        days=2,
        interval_minutes=30,
        breaks=[LUNCH],
    )


def a_monday(**changes) -> RosterShift:
    """A: Monday 08:00-16:00, sells 10:00-11:00, lunch 12:00-12:30."""
    fields = {"segments": [(120, 60, "sell:S")], "breaks": [(240, 30, "lunch")]}
    fields.update(changes)
    return shift("A", at(MONDAY, time(8)), 480, **fields)


def b_shift(day: date) -> RosterShift:
    """B: 12:00-20:00, lunch 15:30-16:00."""
    return shift("B", at(day, time(12)), 480, breaks=[(210, 30, "lunch")])


def clean_roster(*extra: RosterShift) -> Roster:
    return roster(a_monday(), b_shift(MONDAY), b_shift(TUESDAY), *extra)


def broken(evaluation: Evaluation) -> set[str]:
    return {v.rule for v in evaluation.violations}


def test_clean_roster_has_no_violations_and_hand_worked_figures() -> None:
    p = base_problem()
    ev = evaluate(p, clean_roster())
    assert ev.violations == ()
    # Monday short 10:00-11:00 while A sells; Tuesday short 08:00-12:00 and during B's lunch
    assert ev.under_coverage_agent_hours == pytest.approx(1.0 + 4.0 + 0.5)
    assert ev.sell_hours == pytest.approx(1.0)
    assert ev.sell_value == pytest.approx(20.0 * 0.5 * 1.0)
    # no forecast: serving is worth nothing, each short agent-hour costs the default 50
    assert p.under_target_penalty_per_agent_hour() == 50.0
    assert ev.serve_value == pytest.approx(-50.0 * 5.5)
    assert ev.objective == pytest.approx(-275.0 + 10.0)
    reports = {a.code: a for a in ev.agents}
    assert reports["A"].paid_hours == pytest.approx(7.5)  # the lunch is unpaid
    assert reports["B"].paid_hours == pytest.approx(15.0)
    assert reports["B"].shifts == 2
    serving = ev.queues[0].serving
    monday_10 = int((at(MONDAY, time(10)) - p.start_utc).total_seconds() // 1800)
    assert serving[monday_10] == 0 and serving[monday_10 + 2] == 1
    assert ev.campaigns[0].selling[monday_10] == 1


def test_violations_are_listed_by_rule() -> None:
    p = base_problem(contract("DAY1", days=(0, 1), earliest=time(7), latest_end=time(23)))
    extra = shift("A", at(TUESDAY, time(8)), 480, breaks=[(240, 30, "lunch")])
    ev = evaluate(p, clean_roster(extra))
    assert violations_by_rule(ev) == {"contract_days_max": 1}
    assert "A" in str(ev.violations[0])


def test_one_shift_a_day() -> None:
    p = base_problem(contract("R0", rest_hours=0, earliest=time(7), latest_end=time(23)))
    early = shift("A", at(MONDAY, time(7)), 480, breaks=[(240, 30, "lunch")])
    late = shift("A", at(MONDAY, time(15)), 480, breaks=[(240, 30, "lunch")])
    assert broken(evaluate(p, roster(early, late))) == {"one_shift_a_day"}


def test_min_rest_within_the_week() -> None:
    p = base_problem()
    late = shift("A", at(MONDAY, time(14)), 480, breaks=[(240, 30, "lunch")])
    next_early = shift("A", at(TUESDAY, time(7)), 480, breaks=[(240, 30, "lunch")])  # 9 h later
    assert broken(evaluate(p, roster(late, next_early))) == {"min_rest"}
    next_ok = shift("A", at(TUESDAY, time(9)), 480, breaks=[(240, 30, "lunch")])  # 11 h later
    assert broken(evaluate(p, roster(late, next_ok))) == set()


@pytest.mark.parametrize(
    ("first_start", "rule_broken"),
    [(time(8), True), (time(11), False)],
)
def test_min_rest_across_the_week_boundary(first_start: time, rule_broken: bool) -> None:
    # last week's final shift: Sunday 16:00 to midnight; 11 h of rest allow Monday 11:00
    sunday = MONDAY - timedelta(days=1)
    last = LastWeek(at(sunday, time(16)), at(MONDAY, time(0)), consecutive_days_worked=1)
    p = base_problem(last_week=last)
    first = shift("A", at(MONDAY, first_start), 480, breaks=[(240, 30, "lunch")])
    assert broken(evaluate(p, roster(first))) == ({"min_rest"} if rule_broken else set())


def test_max_consecutive_days_within_the_week() -> None:
    p = base_problem(contract("C1", max_consecutive=1, earliest=time(7), latest_end=time(23)))
    tuesday = shift("A", at(TUESDAY, time(8)), 480, breaks=[(240, 30, "lunch")])
    assert broken(evaluate(p, roster(a_monday(), tuesday))) == {"max_consecutive_days"}
    assert broken(evaluate(p, roster(tuesday))) == set()


@pytest.mark.parametrize(
    ("final_day_offset", "rule_broken"),
    [(1, True), (2, False)],  # Sunday: the run carries on; Saturday: a day off between
)
def test_max_consecutive_days_counts_last_weeks_run(
    final_day_offset: int, rule_broken: bool
) -> None:
    day = MONDAY - timedelta(days=final_day_offset)
    last = LastWeek(at(day, time(8)), at(day, time(16)), consecutive_days_worked=2)
    c2 = contract("C2", max_consecutive=2, earliest=time(7), latest_end=time(23))
    p = base_problem(c2, last_week=last)
    assert broken(evaluate(p, roster(a_monday()))) == (
        {"max_consecutive_days"} if rule_broken else set()
    )


def test_last_weeks_run_alone_breaks_nothing_this_week() -> None:
    # six days in a row last week under a contract that allows two: resting on Monday is right
    last = LastWeek(
        at(MONDAY - timedelta(days=1), time(8)),
        at(MONDAY - timedelta(days=1), time(16)),
        consecutive_days_worked=6,
    )
    c2 = contract("C2", max_consecutive=2, earliest=time(7), latest_end=time(23))
    p = base_problem(c2, last_week=last)
    tuesday = shift("A", at(TUESDAY, time(8)), 480, breaks=[(240, 30, "lunch")])
    assert broken(evaluate(p, roster(tuesday))) == set()
    assert broken(evaluate(p, roster())) == set()
    assert broken(evaluate(p, roster(a_monday()))) == {"max_consecutive_days"}


def test_contract_hours_max_and_min() -> None:
    tuesday = shift("A", at(TUESDAY, time(8)), 480, breaks=[(240, 30, "lunch")])
    few = base_problem(contract("H10", hours=(0, 10), earliest=time(7), latest_end=time(23)))
    assert broken(evaluate(few, roster(a_monday(), tuesday))) == {"contract_hours_max"}
    many = base_problem(contract("H20", hours=(20, 40), earliest=time(7), latest_end=time(23)))
    ev = evaluate(many, roster(a_monday()))
    assert broken(ev) == {"contract_hours_min"}
    # 12.5 paid hours short at the default 1000 an hour
    assert ev.contract_penalty == pytest.approx(12.5 * 1000.0)
    assert ev.objective == pytest.approx(
        evaluate(base_problem(), roster(a_monday())).objective - 12500.0
    )


def test_contract_days_max_and_min() -> None:
    tuesday = shift("A", at(TUESDAY, time(8)), 480, breaks=[(240, 30, "lunch")])
    one = base_problem(contract("D1", days=(0, 1), earliest=time(7), latest_end=time(23)))
    assert broken(evaluate(one, roster(a_monday(), tuesday))) == {"contract_days_max"}
    two = base_problem(contract("D2", days=(2, 7), earliest=time(7), latest_end=time(23)))
    ev = evaluate(two, roster(a_monday()))
    assert broken(ev) == {"contract_days_min"}
    # a missing day costs the shortest paid shift (7.5 h) at 1000 an hour
    assert ev.contract_penalty == pytest.approx(7.5 * 1000.0)


def test_paid_time_off_counts_towards_hours_and_days() -> None:
    leave = Absence(at(TUESDAY, time(0)), at(TUESDAY + timedelta(days=1), time(0)), 7.5, "leave")
    fixed = contract("F", hours=(15, 15), days=(2, 2), earliest=time(7), latest_end=time(23))
    p = base_problem(fixed, time_off=(leave,))
    ev = evaluate(p, roster(a_monday()))
    assert broken(ev) == set()
    report = next(a for a in ev.agents if a.code == "A")
    assert (report.paid_hours_min, report.paid_hours_max) == (7.5, 7.5)
    assert (report.days_min, report.days_max) == (1, 1)
    # working on the day of leave is an absence violation
    tuesday = shift("A", at(TUESDAY, time(8)), 480, breaks=[(240, 30, "lunch")])
    assert "absence" in broken(evaluate(p, roster(a_monday(), tuesday)))


def test_shift_length_must_be_one_of_the_contract() -> None:
    p = base_problem()
    short = shift("A", at(MONDAY, time(8)), 450, breaks=[(240, 30, "lunch")])
    assert broken(evaluate(p, roster(short))) == {"shift_length"}


def test_shift_date_is_the_local_start_day() -> None:
    p = base_problem()
    assert broken(evaluate(p, roster(a_monday(shift_date=TUESDAY)))) == {"shift_date"}


def test_shift_outside_the_horizon() -> None:
    p = base_problem()
    wednesday = MONDAY + timedelta(days=2)
    outside = shift("A", at(wednesday, time(8)), 480, breaks=[(240, 30, "lunch")])
    assert broken(evaluate(p, roster(outside))) == {"horizon"}


def test_shift_ending_before_it_starts() -> None:
    p = base_problem()
    start = at(MONDAY, time(8))
    backwards = RosterShift("A", MONDAY, start, start - timedelta(hours=1))
    assert broken(evaluate(p, roster(backwards))) == {"shift_times"}


def test_start_step_and_interval_grid() -> None:
    hourly_starts = replace(
        base_problem(), shift_rules=replace(base_problem().shift_rules, start_step_minutes=60)
    )
    half_past = shift("A", at(MONDAY, time(8, 30)), 480, breaks=[(240, 30, "lunch")])
    assert broken(evaluate(hourly_starts, roster(half_past))) == {"start_step"}
    quarter_past = shift("A", at(MONDAY, time(8, 15)), 480, breaks=[(240, 30, "lunch")])
    assert {"interval_grid", "start_step"} <= broken(evaluate(base_problem(), roster(quarter_past)))


@pytest.mark.parametrize("start", [time(6), time(15, 30)])
def test_earliest_start_and_latest_end(start: time) -> None:
    p = base_problem()  # 07:00-23:00
    outside = shift("A", at(MONDAY, start), 480, breaks=[(240, 30, "lunch")])
    assert broken(evaluate(p, roster(outside))) == {"contract_window"}


def test_availability() -> None:
    afternoons = (AvailabilityWindow(0, time(12), time(20)),)
    p = base_problem(availability=afternoons)
    assert broken(evaluate(p, roster(a_monday()))) == {"availability"}
    inside = shift("A", at(MONDAY, time(12)), 480, breaks=[(180, 30, "lunch")])
    assert broken(evaluate(p, roster(inside))) == set()
    # no window on Tuesday: not available that day at all
    tuesday = shift("A", at(TUESDAY, time(12)), 480, breaks=[(180, 30, "lunch")])
    assert broken(evaluate(p, roster(tuesday))) == {"availability"}


@pytest.mark.parametrize("field", ["unavailable", "time_off"])
def test_unavailability_and_time_off(field: str) -> None:
    appointment = Absence(at(MONDAY, time(15, 30)), at(MONDAY, time(17)), 0.0, "dentist")
    p = base_problem(**{field: (appointment,)})
    assert broken(evaluate(p, roster(a_monday()))) == {"absence"}
    after = shift("A", at(MONDAY, time(7)), 480, breaks=[(240, 30, "lunch")])  # ends 15:00
    assert broken(evaluate(p, roster(after))) == set()


@pytest.mark.parametrize(
    ("breaks", "rule"),
    [
        ([], "breaks"),  # the lunch is missing
        ([(240, 60, "lunch")], "breaks"),  # too long
        ([(240, 30, "break")], "breaks"),  # the wrong kind
        ([(150, 30, "lunch")], "break_window"),  # 150 min in; the window is 180-270
        ([(300, 30, "lunch")], "break_window"),
        ([(180, 30, "lunch"), (300, 30, "lunch")], "breaks"),  # one too many
    ],
)
def test_breaks_and_lunch_windows(breaks: list[tuple[int, int, str]], rule: str) -> None:
    p = base_problem()
    assert broken(evaluate(p, roster(a_monday(breaks=breaks)))) == {rule}


def test_short_shifts_take_no_lunch() -> None:
    p = base_problem(contract("S4", lengths=(240,), earliest=time(7), latest_end=time(23)))
    four_hours = shift("A", at(MONDAY, time(8)), 240)
    assert broken(evaluate(p, roster(four_hours))) == set()
    with_lunch = shift("A", at(MONDAY, time(8)), 240, breaks=[(180, 30, "lunch")])
    assert broken(evaluate(p, roster(with_lunch))) == {"breaks"}


def test_activities_must_cover_the_shift_and_agree_with_breaks() -> None:
    p = base_problem()
    good = a_monday()
    gap = replace(good, activities=good.activities[1:])
    assert broken(evaluate(p, roster(gap))) == {"activities"}
    unknown = a_monday(segments=[(0, 60, "nap")])
    assert broken(evaluate(p, roster(unknown))) == {"activities"}
    no_target = a_monday(segments=[(0, 60, "serve")])
    assert broken(evaluate(p, roster(no_target))) == {"activities"}
    # serving through the lunch
    working_lunch = replace(
        good, activities=(ActivitySpan(good.start_utc, good.end_utc, "serve:Q"),)
    )
    assert broken(evaluate(p, roster(working_lunch))) == {"activities"}
    # a lunch in the activities that is not in the breaks
    extra_lunch = a_monday(segments=[(60, 30, "lunch")])
    assert broken(evaluate(p, roster(extra_lunch))) == {"activities"}
    empty = replace(good, activities=())
    assert broken(evaluate(p, roster(empty))) == {"activities"}


def test_skills() -> None:
    p = base_problem()
    b_sells = shift(
        "B", at(MONDAY, time(12)), 480, breaks=[(210, 30, "lunch")], segments=[(0, 60, "sell:S")]
    )
    assert broken(evaluate(p, roster(b_sells))) == {"skills"}
    a_other_queue = a_monday(segments=[(0, 60, "serve:R")])
    assert broken(evaluate(p, roster(a_other_queue))) == {"skills"}


def test_calling_hours() -> None:
    p = base_problem()
    sells_late = a_monday(segments=[(360, 60, "sell:S")])  # 14:00-15:00, after the window
    assert broken(evaluate(p, roster(sells_late))) == {"calling_hours"}
    sells_inside = a_monday(segments=[(120, 120, "sell:S")])  # 10:00-12:00
    assert broken(evaluate(p, roster(sells_inside))) == set()


def test_calling_hours_across_midnight_and_on_the_day_before_the_horizon() -> None:
    # calling Sunday 22:00 to 02:00: Monday 00:00-02:00 is inside, on the horizon's first day
    night = sell_campaign(calling_hours=(CallingWindow(6, time(22), time(2)),))
    p = base_problem(contract("N", lengths=(240,)), campaign=night)
    sells = shift("A", at(MONDAY, time(0)), 240, activity="sell:S")
    ev = evaluate(p, roster(sells))
    assert broken(ev) == {"calling_hours"}  # 02:00-04:00 is outside
    assert ev.sell_hours == pytest.approx(4.0)
    inside = shift("A", at(MONDAY, time(0)), 240, segments=[(0, 120, "sell:S")])
    assert broken(evaluate(p, roster(inside))) == set()


def test_campaign_hours_max_and_min() -> None:
    capped = base_problem(campaign=sell_campaign(max_hours_per_week=0.5))
    assert broken(evaluate(capped, roster(a_monday()))) == {"campaign_hours_max"}
    needs = base_problem(campaign=sell_campaign(min_hours_per_week=5.0))
    ev = evaluate(needs, roster(a_monday()))
    assert broken(ev) == {"campaign_hours_min"}
    assert ev.campaign_penalty == pytest.approx(4.0 * 500.0)  # 4 h short at 500 an hour
    assert ev.violations[0].subject == "S"


def test_selling_value_follows_the_local_hour() -> None:
    by_hour = [0.0] * 24
    by_hour[10] = 30.0
    by_hour[11] = 60.0
    p = base_problem(campaign=sell_campaign(value_per_productive_hour_by_hour=tuple(by_hour)))
    sells = a_monday(segments=[(120, 120, "sell:S")])  # 10:00-12:00 local = 09:00-11:00 UTC
    ev = evaluate(p, roster(sells))
    assert ev.sell_value == pytest.approx((30.0 + 60.0) * 0.5)


def test_unknown_agent() -> None:
    p = base_problem()
    stranger = replace(a_monday(), agent_code="Z")
    assert broken(evaluate(p, roster(stranger))) == {"unknown_agent"}


def test_preferences_and_unpopular_shifts() -> None:
    prefs = (
        Preference("day_off", weight=3.0, weekdays=(0,)),  # Monday: broken
        Preference("work_day", weight=2.0, dates=(TUESDAY,)),  # Tuesday: broken
        Preference("start_between", weight=1.0, earliest_start_local=time(9)),  # 08:00: broken
    )
    p = replace(
        base_problem(preferences=prefs),
        fairness=Fairness(weekend_weekdays=(1,), late_start_from_local=time(12)),
    )
    ev = evaluate(p, clean_roster())
    reports = {a.code: a for a in ev.agents}
    assert reports["A"].preference_penalty == pytest.approx(6.0)
    assert reports["A"].unpopular_shifts == 0
    assert reports["B"].unpopular_shifts == 2  # a late start on Monday, "weekend" Tuesday
    assert ev.max_unpopular_shifts == 2
    assert ev.violations == ()  # soft rules only
    # a day at a time: Monday's day off, Tuesday's work day, Monday's start (Tuesday, a day off,
    # asks nothing of the start window): three asks, none honoured
    assert reports["A"].preferences == PreferenceTally(asked_days=3, honoured_days=0)
    assert ev.preferences == PreferenceTally(3, 0)


def test_preferences_honoured_are_counted_a_day_at_a_time() -> None:
    prefs = (
        Preference("day_off", weight=3.0, weekdays=(1,)),  # Tuesday off: honoured
        Preference("work_day", weight=2.0, weekdays=(0, 1)),  # Monday kept, Tuesday broken
        Preference("start_between", weight=1.0, latest_start_local=time(9)),  # 08:00: honoured
    )
    ev = evaluate(base_problem(preferences=prefs), clean_roster())
    report = {a.code: a for a in ev.agents}["A"]
    assert report.preferences == PreferenceTally(asked_days=4, honoured_days=3)
    assert report.preference_penalty == pytest.approx(2.0)  # the one broken day's weight


def test_service_kpis_are_erlang_a_of_the_agents_serving() -> None:
    contacts = [0.0] * 48
    for i in range(16, 40):  # 08:00-20:00 local on the half-hour grid (UTC+1)
        contacts[i - 2] = 12.0
    p = replace(base_problem(), queues=(queue(contacts=contacts, aht_seconds=240.0),))
    p = replace(p, horizon=replace(p.horizon, days=1))
    ev = evaluate(p, roster(a_monday(), b_shift(MONDAY)))
    report = ev.queues[0]
    serving = report.serving
    expected = erlang_a(np.asarray(contacts), 1800.0, 240.0, serving, 300.0, 20.0)
    np.testing.assert_allclose(report.service_level, expected.service_level)
    np.testing.assert_allclose(report.answer_rate, expected.answer_rate)
    offered = sum(contacts)
    assert report.predicted_service_level == pytest.approx(
        float((expected.service_level * np.asarray(contacts)).sum()) / offered
    )
    assert report.predicted_answer_rate == pytest.approx(
        float(expected.answered_per_interval.sum()) / offered
    )
    # nobody serving while contacts arrive: nothing answered; quiet intervals count for nothing
    idle = np.nonzero((serving == 0) & (np.asarray(contacts) > 0))[0]
    assert idle.size > 0 and (report.service_level[idle] == 0).all()
    assert report.intervals_with_contacts == 24
    met = int(((expected.service_level >= 0.8 - 1e-9) & (np.asarray(contacts) > 0)).sum())
    assert report.intervals_meeting_target == met
    # adding an agent never lowers the service level
    more = evaluate(
        p, roster(a_monday(), b_shift(MONDAY), replace(b_shift(MONDAY), agent_code="A"))
    )
    assert more.queues[0].predicted_service_level >= report.predicted_service_level


def test_night_shift_belongs_to_its_start_day_and_rest_runs_into_the_next() -> None:
    nights = contract("NIGHT", days=(0, 1), earliest=time(14), latest_end=time(6))
    p = base_problem(nights)
    night = shift("A", at(MONDAY, time(22)), 480, breaks=[(240, 30, "lunch")])
    assert night.end_utc == at(TUESDAY, time(6))
    assert broken(evaluate(p, roster(night))) == set()  # one day worked: Monday
    assert broken(evaluate(p, roster(replace(night, shift_date=TUESDAY)))) == {"shift_date"}
    two = contract("NIGHT2", days=(0, 2), earliest=time(14), latest_end=time(6))
    p2 = base_problem(two)
    too_soon = shift("A", at(TUESDAY, time(14)), 480, breaks=[(240, 30, "lunch")])  # 8 h
    assert broken(evaluate(p2, roster(night, too_soon))) == {"min_rest"}
    rested = shift("A", at(TUESDAY, time(17)), 480, breaks=[(240, 30, "lunch")])  # 11 h
    assert broken(evaluate(p2, roster(night, rested))) == set()


def test_roster_json_round_trip_keeps_the_evaluation() -> None:
    from scheduling.roster import ROSTER_FORMAT, roster_from_json, shifts_to_json

    r = clean_roster()
    document = {"format": ROSTER_FORMAT, "version": 1, "agents": shifts_to_json(r, ["A", "B"])}
    back = roster_from_json(document)
    assert sorted(back.shifts, key=lambda s: (s.agent_code, s.start_utc)) == sorted(
        r.shifts, key=lambda s: (s.agent_code, s.start_utc)
    )


def test_a_break_off_the_grid_is_reported() -> None:
    p = base_problem()
    good = a_monday()
    b0 = good.start_utc + timedelta(minutes=245)
    odd = replace(good, breaks=(BreakSpan(b0, b0 + timedelta(minutes=30), "lunch"),))
    assert "interval_grid" in broken(evaluate(p, roster(odd)))
