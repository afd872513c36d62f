"""A roster's labour cost in the evaluation: paid breaks paid and unpaid lunches not, the cost by
hand, and the objective charging only a flexible contract's hours above its minimum, by its wage;
without wages (or at wage 0) the objective is the one without labour cost, to the cent."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import time

import pytest
from roster_factories import MONDAY, agent, at, contract, problem, roster, shift

from scheduling.checks import ProblemError
from scheduling.evaluate import evaluate
from scheduling.labour import paid_spans
from scheduling.problem import BreakRule, Problem, ShiftRules
from scheduling.problem_json import problem_from_json, problem_to_json
from scheduling.roster import Roster
from wfm.domain.labour_cost import ContractWage, LabourCost, Premium

BREAKS = (
    BreakRule("break", 15, 60, 120, min_shift_minutes=240),
    BreakRule("lunch", 60, 180, 300, min_shift_minutes=480, paid=False),
)
FLEX = contract("FLEX", hours=(4.0, 20.0), lengths=(300, 540))
FIXED = contract("FIXED", hours=(8.0, 8.0), lengths=(540,))


def _problem(labour: LabourCost | None) -> Problem:
    base = problem(
        [agent("A", FLEX), agent("B", FIXED)],
        breaks=BREAKS,
        hours_open=(8, 22),
        interval_minutes=15,
    )
    return replace(base, labour_cost=labour)


def _roster() -> Roster:
    return roster(
        # 13:00-22:00 local: a paid break at 14:00, an unpaid lunch 17:00-18:00: 8 paid hours,
        # 4 of them in the evening window 18:00-22:00
        shift("A", at(MONDAY, time(13)), 540, breaks=[(60, 15, "break"), (240, 60, "lunch")]),
        shift("B", at(MONDAY, time(8)), 540, breaks=[(60, 15, "break"), (240, 60, "lunch")]),
    )


def test_paid_time_is_the_shift_less_its_unpaid_lunch() -> None:
    first = _roster().shifts[0]
    spans = paid_spans(ShiftRules(breaks=BREAKS), first)
    assert spans == [
        (at(MONDAY, time(13)), at(MONDAY, time(17))),
        (at(MONDAY, time(18)), at(MONDAY, time(22))),
    ]


def test_the_evaluation_prices_the_roster_and_charges_flexible_hours() -> None:
    labour = LabourCost(
        wages=(ContractWage("FLEX", 15.0), ContractWage("FIXED", 20.0)),
        premiums=(Premium("evening", time(18), time(22), extra_per_hour=2.0),),
    )
    without = evaluate(_problem(None), _roster())
    priced = evaluate(_problem(labour), _roster())
    assert without.labour is None and without.flexible_labour_cost == 0
    assert priced.hard_violations == without.hard_violations == 0
    assert priced.labour is not None
    # A: 8 h x 15 + 4 evening h x 2 = 128; B: 8 h x 20 = 160
    assert priced.labour.total.total_cost == pytest.approx(128 + 160)
    assert priced.labour.total.premium_cost_by_kind == {"evening": pytest.approx(8.0)}
    # A is flexible (4-20 h): its 4 hours above the minimum cost 15 each; B's fixed hours nothing
    assert priced.flexible_labour_cost == pytest.approx(60.0)
    assert priced.objective == pytest.approx(without.objective - 60.0)
    free = evaluate(_problem(LabourCost(wages=(ContractWage("FLEX", 0.0),))), _roster())
    assert free.objective == without.objective
    assert free.labour is not None and free.labour.contracts_without_wage == ("FIXED",)


def test_wages_in_a_problem_file_read_back_and_wrong_ones_are_named_by_path() -> None:
    labour = LabourCost(
        wages=(ContractWage("FLEX", 15.0, overtime_after_weekly_paid_hours=18.0),),
        premiums=(Premium("night", time(22), time(6), extra_per_hour=2.0, contracts=("FIXED",)),),
    )
    p = _problem(labour)
    document = problem_to_json(p)
    assert problem_from_json(json.loads(json.dumps(document))) == p
    assert "labour_cost" not in problem_to_json(_problem(None))
    document["labour_cost"]["wages"][0]["hourly_rate"] = -1
    document["labour_cost"]["premiums"][0]["contracts"] = ["TEMP"]
    with pytest.raises(ProblemError) as refused:
        problem_from_json(document)
    assert [issue.split(":")[0] for issue in refused.value.issues] == [
        "$.labour_cost.wages[0].hourly_rate",
        "$.labour_cost.premiums[0].contracts",
    ]
