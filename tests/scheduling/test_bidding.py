"""Shift bidding's assignment (`scheduling.bidding.assign`): properties over random rounds checked
by the tests' own oracles (capacity, eligibility recomputed from the values generated, the
seniority order, determinism), and worked examples of the explanations and of each rule."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling.bidding import (
    MISSED,
    Award,
    Bidder,
    BidRoundSpec,
    ShiftPattern,
    assign,
    days_label,
    explain,
    ineligibility,
    pattern_problems,
    priority_order,
    round_problems,
    standing,
)
from scheduling.problem import AvailabilityWindow, BreakRule, Contract, ShiftRules
from wfm.domain.site_rules import SiteRules

WEEK = date(2025, 3, 3)  # a Monday
ZONE = ZoneInfo("Europe/Paris")
LUNCH = BreakRule("lunch", 30, 180, 300, min_shift_minutes=360, paid=False)
RULES = ShiftRules(start_step_minutes=30, breaks=(LUNCH,))


def contract(
    hours: tuple[float, float] = (30, 40),
    days: tuple[int, int] = (4, 5),
    lengths: tuple[int, ...] = (480, 510),
    rest: float = 11,
) -> Contract:
    return Contract("c", hours[0], hours[1], days[0], days[1], lengths, min_rest_hours=rest)


def replace_contract(**changes: Any) -> Contract:
    return replace(contract(), **changes)


def pattern(
    pid: int,
    name: str = "P",
    days: tuple[int, ...] = (0, 1, 2, 3, 4),
    start: time = time(8),
    end: time = time(16, 30),
    seats: int = 5,
    skills: tuple[str, ...] = (),
) -> ShiftPattern:
    return ShiftPattern(pid, name, days, start, end, seats, skills)


def spec(*patterns: ShiftPattern, rule: str = "seniority", weeks: int = 1) -> BidRoundSpec:
    return BidRoundSpec(WEEK, ZONE, tuple(patterns), weeks, rule, RULES)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ oracles
def oracle_may_work(p: ShiftPattern, b: Bidder) -> bool:
    """Eligibility from first principles, for what the generator varies (skills, length, days,
    paid hours with a 30-minute unpaid lunch on shifts of 6 h or more, rest)."""
    begin = p.start_local.hour * 60 + p.start_local.minute
    finish = p.end_local.hour * 60 + p.end_local.minute
    minutes = (finish - begin) % 1440 or 1440
    paid = minutes - (30 if minutes >= 360 else 0)
    hours = len(p.weekdays) * paid / 60
    c = b.contract
    back_to_back = any(d + 1 in p.weekdays for d in p.weekdays)
    return (
        set(p.skills) <= b.skills
        and begin + minutes <= 1440  # the contracts' hours: the whole start day
        and minutes in c.shift_lengths_minutes
        and c.days_per_week_min <= len(p.weekdays) <= c.days_per_week_max
        and c.weekly_paid_hours_min <= hours <= c.weekly_paid_hours_max
        and not (back_to_back and (1440 - minutes) / 60 < c.min_rest_hours)
    )


def oracle_order(bidders: list[Bidder], rule: str = "seniority") -> list[str]:
    """Seniority: hire date, undated last, then code. Rotation: groups by last round's standing,
    worst (highest) first, each group by seniority."""
    if rule == "rotation":
        groups = sorted({b.previous_standing for b in bidders}, reverse=True)
        return [
            code
            for g in groups
            for code in oracle_order([b for b in bidders if b.previous_standing == g])
        ]
    dated = sorted((b.hire_date, b.code) for b in bidders if b.hire_date is not None)
    undated = sorted(b.code for b in bidders if b.hire_date is None)
    return [code for _, code in dated] + undated


@st.composite
def rounds(draw: st.DrawFn) -> tuple[BidRoundSpec, list[Bidder]]:
    skills = ["retail", "business", "sales"]
    patterns = []
    for pid in range(draw(st.integers(1, 6))):
        days = draw(st.sets(st.integers(0, 6), min_size=3, max_size=6))
        start = time(draw(st.sampled_from([6, 7, 8, 12, 14, 20])))
        length = draw(st.sampled_from([480, 510, 600, 840]))
        end_minute = (start.hour * 60 + length) % 1440
        patterns.append(
            ShiftPattern(
                pid + 10,
                f"P{pid}",
                tuple(sorted(days)),
                start,
                time(end_minute // 60, end_minute % 60),
                draw(st.integers(1, 4)),
                tuple(draw(st.sets(st.sampled_from(skills), max_size=1))),
            )
        )
    bidders = []
    for i in range(draw(st.integers(0, 14))):
        hired = draw(st.none() | st.dates(date(2015, 1, 1), date(2015, 1, 20)))
        ids = [p.id for p in patterns]
        ranking = draw(st.none() | st.permutations(ids))
        if ranking is not None:
            ranking = ranking[: draw(st.integers(1, len(ranking)))]
        bidders.append(
            Bidder(
                code=f"A{i:02d}",
                contract=contract(
                    hours=(draw(st.sampled_from([20, 30, 35])), 45),
                    days=(3, draw(st.integers(4, 6))),
                    lengths=tuple(draw(st.sets(st.sampled_from([480, 510, 600, 840]), min_size=1))),
                    rest=draw(st.sampled_from([8, 11])),
                ),
                skills=frozenset(draw(st.sets(st.sampled_from(skills)))),
                hire_date=hired,
                ranking=None if ranking is None else tuple(ranking),
                previous_standing=draw(st.sampled_from([0, 1, 2, 5, MISSED])),
            )
        )
    return spec(*patterns, rule=draw(st.sampled_from(["seniority", "rotation"]))), bidders


@settings(max_examples=150, deadline=None)
@given(rounds())
def test_awards_keep_capacity_eligibility_and_the_turn_order(case: tuple) -> None:
    round_spec, bidders = case
    awards = assign(round_spec, bidders)
    by_code = {b.code: b for b in bidders}
    patterns = {p.id: p for p in round_spec.patterns}
    got = {a.agent_code: a for a in awards}
    assert sorted(got) == sorted(by_code)  # every agent has exactly one award

    taken = Counter(a.pattern_id for a in awards if a.pattern_id is not None)
    assert all(taken[pid] <= patterns[pid].seats for pid in taken)  # never over capacity
    for award in awards:
        if award.pattern_id is not None:  # never in a pattern the agent may not work
            assert oracle_may_work(patterns[award.pattern_id], by_code[award.agent_code])
        bidder = by_code[award.agent_code]
        if award.choice is not None:
            assert bidder.ranking is not None
            assert bidder.ranking[award.choice - 1] == award.pattern_id
        else:  # none given: every pattern open to the agent is full at the end
            open_to = [p for p in round_spec.patterns if oracle_may_work(p, bidder)]
            if award.pattern_id is None:
                assert all(taken[p.id] == p.seats for p in open_to)

    for award in awards:  # the reasons say the same as the paragraph, and end with the turn
        assert award.explanation == explain(award.reasons)
        assert award.reasons[-1]["kind"] == "turn" and award.reasons[-1]["position"] == award.turn
        if award.choice is not None:
            assert award.reasons[0] == {
                "kind": "got",
                "choice": award.choice,
                "pattern": patterns[award.pattern_id or 0].label,
            }

    order = oracle_order(bidders, round_spec.rule)
    assert [a.agent_code for a in awards] == order and [a.turn for a in awards] == list(
        range(1, len(order) + 1)
    )
    for i, senior_code in enumerate(order):  # no later agent took what an earlier wanted more
        senior = by_code[senior_code]
        if not senior.ranking:
            continue
        got_rank = got[senior_code].choice or len(senior.ranking) + 1
        for junior_code in order[i + 1 :]:
            pid = got[junior_code].pattern_id
            if pid in senior.ranking and oracle_may_work(patterns[pid], senior):
                assert got_rank <= senior.ranking.index(pid) + 1, (senior_code, junior_code, pid)


@settings(max_examples=60, deadline=None)
@given(rounds(), st.randoms(use_true_random=False))
def test_the_assignment_is_deterministic_whatever_the_input_order(
    case: tuple, shuffler: random.Random
) -> None:
    round_spec, bidders = case
    first = assign(round_spec, bidders)
    shuffled = list(bidders)
    shuffler.shuffle(shuffled)
    assert assign(round_spec, shuffled) == first == assign(round_spec, bidders)


# ------------------------------------------------------------------------------ examples
def test_a_junior_agent_learns_their_first_choice_was_full_at_their_turn() -> None:
    late = pattern(1, "Late", start=time(13), end=time(21, 30), seats=10)
    early = pattern(2, "Early", start=time(7), end=time(15, 30), seats=10)
    seniors = [
        Bidder(
            f"S{i:02d}", contract(), hire_date=date(2010, 1, 1) + timedelta(days=i), ranking=(1,)
        )
        for i in range(12)
    ]
    junior = Bidder("J", contract(), hire_date=date(2020, 1, 1), ranking=(1, 2))
    awards = {a.agent_code: a for a in assign(spec(late, early), [junior, *seniors])}
    mine = awards["J"]
    assert (mine.pattern_id, mine.choice, mine.turn) == (2, 2, 13)
    assert mine.explanation.startswith("got choice 2 (Early Mon–Fri 07:00-15:30)")
    assert "choice 1 (Late Mon–Fri 13:00-21:30) was full when your turn came" in mine.explanation
    assert "all 10 places taken" in mine.explanation and "hired 2020-01-01" in mine.explanation
    # the two seniors too late for Late had not ranked Early: they get it as a fallback
    assert [awards[f"S{i:02d}"].pattern_id for i in range(10)] == [1] * 10
    for code in ("S10", "S11"):
        assert awards[code].pattern_id == 2 and awards[code].choice is None
        assert "none of your 1 choices could be given" in awards[code].explanation
        assert "the most places left" in awards[code].explanation


def test_agents_without_a_bid_get_the_roomiest_open_pattern_after_the_bids() -> None:
    small = pattern(1, "Small", seats=1)
    big = pattern(2, "Big", start=time(9), end=time(17, 30), seats=3, skills=("sales",))
    lazy = Bidder("A", contract(), skills=frozenset({"sales"}), hire_date=date(2001, 1, 1))
    keen = Bidder("B", contract(), hire_date=date(2019, 1, 1), ranking=(1,))
    unskilled = Bidder("C", contract(), hire_date=date(2002, 1, 1))
    awards = {a.agent_code: a for a in assign(spec(small, big), [lazy, keen, unskilled])}
    assert awards["B"].pattern_id == 1  # the senior's fallback did not take the junior's choice
    assert awards["A"].pattern_id == 2 and awards["A"].explanation.startswith("you did not bid")
    assert awards["C"].pattern_id is None
    assert "every pattern open to you was full" in awards["C"].explanation


def test_an_agent_no_pattern_suits_is_told_so() -> None:
    awards = assign(spec(pattern(1, skills=("business",))), [Bidder("A", contract())])
    assert awards[0].pattern_id is None
    assert "no pattern of the round is open to you" in awards[0].explanation


def test_rotation_puts_whoever_fared_worst_last_round_first() -> None:
    only = pattern(1, "Only", seats=1)
    old = Bidder("OLD", contract(), hire_date=date(2000, 1, 1), ranking=(1,), previous_standing=1)
    young = Bidder(
        "YOUNG", contract(), hire_date=date(2020, 1, 1), ranking=(1,), previous_standing=MISSED
    )
    mid = Bidder("MID", contract(), hire_date=date(2010, 1, 1), ranking=(1,), previous_standing=3)
    assert [b.code for b in priority_order([old, young, mid], "rotation")] == [
        "YOUNG",
        "MID",
        "OLD",
    ]
    assert [b.code for b in priority_order([old, young, mid], "seniority")] == [
        "OLD",
        "MID",
        "YOUNG",
    ]
    awards = {a.agent_code: a for a in assign(spec(only, rule="rotation"), [old, young, mid])}
    assert awards["YOUNG"].pattern_id == 1
    assert "last round you got none of your choices" in awards["YOUNG"].explanation
    assert "by rotation" in awards["OLD"].explanation
    assert standing(awards["YOUNG"], bid=True) == 1
    assert standing(awards["OLD"], bid=True) == MISSED
    assert standing(awards["OLD"], bid=False) == 0 and standing(None, bid=True) == 0
    assert isinstance(awards["OLD"], Award)


@pytest.mark.parametrize(
    ("bidder", "the_pattern", "why"),
    [
        (Bidder("A", contract()), pattern(1, skills=("sales",)), "needs skill sales"),
        (Bidder("A", contract(lengths=(600,))), pattern(1), "not a length of your contract"),
        (Bidder("A", contract(days=(5, 5))), pattern(1, days=(0, 1, 2)), "3 days a week"),
        (Bidder("A", contract(hours=(30, 38))), pattern(1), "its 40 paid hours a week"),
        (
            Bidder("A", contract(lengths=(840,), hours=(30, 70))),
            pattern(1, start=time(6), end=time(20)),
            "10 h between shifts on consecutive days are less than your 11 h",
        ),
        (
            Bidder("A", replace_contract(max_consecutive_days=4)),
            pattern(1),
            "5 days in a row are more than your 4",
        ),
        (
            Bidder("A", replace_contract(min_consecutive_days_off=3)),
            pattern(1, days=(0, 1, 3, 4, 6)),
            "no 3 days off in a row",
        ),
        (
            Bidder(
                "A",
                contract(days=(1, 5), hours=(0, 40)),
                availability=(AvailabilityWindow(0, time(9), time(18)),),
            ),  # fmt: skip
            pattern(1, days=(0, 1)),
            "its Mon shift is outside your availability",
        ),
        (
            Bidder(
                "A",
                contract(),
                previous_shift_end_utc=datetime(2025, 3, 2, 23, tzinfo=UTC),
            ),
            pattern(1, start=time(7), end=time(15, 30)),
            "less than 11 h after your last shift",
        ),
    ],
)
def test_ineligibility_names_the_rule(bidder: Bidder, the_pattern: ShiftPattern, why: str) -> None:
    found = ineligibility(the_pattern, bidder, spec(the_pattern))
    assert found is not None and why in found


def test_a_pattern_within_every_rule_is_open() -> None:
    ok = Bidder(
        "A",
        contract(),
        skills=frozenset({"retail"}),
        availability=tuple(AvailabilityWindow(d, time(7), time(20)) for d in range(5)),
        previous_shift_end_utc=datetime(2025, 3, 2, 18, tzinfo=UTC),
    )
    assert ineligibility(pattern(1, skills=("retail",)), ok, spec(pattern(1))) is None


def test_consecutive_days_wrap_the_week_only_when_the_pattern_repeats() -> None:
    weekend = pattern(1, days=(0, 1, 4, 5, 6))  # Fri-Sun then Mon-Tue: 5 in a row repeated
    four = Bidder("A", replace_contract(max_consecutive_days=4))
    assert ineligibility(weekend, four, spec(weekend, weeks=1)) is None
    found = ineligibility(weekend, four, spec(weekend, weeks=2))
    assert found is not None and "5 days in a row" in found


def test_patterns_are_checked_against_the_site_rules() -> None:
    rules = SiteRules(
        start_step_minutes=60,
        shift_lengths_minutes=(480,),
        earliest_start_local=time(7),
        latest_end_local=time(22),
    )
    assert pattern_problems("p", pattern(1, end=time(16)), rules) == []
    found = pattern_problems("p", pattern(1, start=time(6, 30), end=time(16), seats=0), rules)
    text = " | ".join(found)
    assert "p.seats: places in the pattern, 1 to" in text
    assert "p.start_local: shifts start on the site's 60-minute grid" in text
    assert "p.end_local: a 570-minute shift" in text and "outside the site's hours" in text
    assert pattern_problems("q", pattern(1, days=(0, 0), start=time(7, 5)), SiteRules())[:2] == [
        "q.weekdays: a weekday is given twice",
        "q.start_local: must be on a 15-minute boundary, got 07:05:00",
    ]
    assert round_problems([pattern(1, "A"), pattern(2, "A")], 9, "lottery") == [
        "weeks: 1 to 8, got 9",
        "rule: one of seniority, rotation, got 'lottery'",
        "patterns: the name 'A' is given twice",
    ]


def test_days_read_as_runs() -> None:
    assert days_label((0, 1, 2, 3, 4)) == "Mon–Fri"
    assert days_label((0, 2, 5, 6)) == "Mon, Wed, Sat, Sun"
    assert days_label((4, 5, 6, 0)) == "Mon, Fri–Sun"


def test_a_patterns_shifts_keep_local_hours_across_a_clock_change_with_breaks_in_windows() -> None:
    rules = ShiftRules(
        breaks=(
            BreakRule("break", 15, 60, 150, min_shift_minutes=240),
            LUNCH,
            BreakRule("break", 15, 200, 300, min_shift_minutes=450),
        )
    )
    weekend = pattern(1, days=(5, 6), start=time(8), end=time(16, 30))
    shifts = bidding_shifts(weekend, date(2025, 3, 24), rules)  # Paris goes to summer time on 30th
    assert [s.shift_date for s in shifts] == [date(2025, 3, 29), date(2025, 3, 30)]
    assert [s.start_utc.hour for s in shifts] == [7, 6]  # 08:00 local both days
    assert all(s.end_utc - s.start_utc == timedelta(minutes=510) for s in shifts)
    for shift in shifts:
        offsets = [
            (kind, (b - shift.start_utc).seconds // 60, (e - shift.start_utc).seconds // 60)
            for kind, b, e in shift.breaks
        ]
        # each at its window's earliest start, the third pushed after the lunch before it
        assert offsets == [("break", 60, 75), ("lunch", 180, 210), ("break", 210, 225)]


def bidding_shifts(p: ShiftPattern, week_start: date, rules: ShiftRules) -> tuple:
    from scheduling.bidding import pattern_shifts

    return pattern_shifts(p, week_start, ZONE, rules)


def test_hundreds_of_agents_are_assigned_in_well_under_a_second() -> None:
    import time as clock

    patterns = [
        pattern(i, f"P{i}", start=time(6 + i % 8), end=time(14 + i % 8, 30), seats=20)
        for i in range(40)
    ]
    generator = random.Random(7)
    bidders = [
        Bidder(
            f"A{i:04d}",
            contract(),
            hire_date=date(2010, 1, 1) + timedelta(days=generator.randrange(4000)),
            ranking=tuple(generator.sample(range(40), 10)) if i % 5 else None,
        )
        for i in range(800)
    ]
    began = clock.perf_counter()
    awards = assign(spec(*patterns), bidders)
    assert clock.perf_counter() - began < 2.0
    assert sum(a.pattern_id is not None for a in awards) == 800  # 40 x 20 places, all open
