"""Labour cost benchmark: the example centre's week rostered without wages, at wage 0, at
ordinary wages, and with part-timers' extra hours dearer than what they cover.

    .venv/bin/python bench/labour_bench.py [--agents N] [--time-limit S] [--seed N]

The example centre (`scheduling.example.example_problem`, tight: the requirement at 67 % of the
paid hours, campaigns with room) has full-timers with fixed hours (FT37, FT40, PT20) and
part-timers of 20-24 paid hours (PT24), whose hours above 20 the optimizer decides. Each run is
solved by `scheduling.solve` with the same seed, one worker and the same time limit, and scored
by `scheduling.evaluate`:

1. *no wages*: the baseline (today's objective), solved twice: the local search stops on the
   clock, so two solves of one problem may differ by its run-to-run noise (the `same` column
   says whether a run's roster is the first one's);
2. *wage 0*: every contract at 0 an hour: the objective has no labour term, so the roster is the
   baseline's up to that noise;
3. *wages*: FT37 22, FT40 21, PT24 and PT20 18 an hour, evenings 19:00-23:00 on weekdays x1.2,
   weekends x1.5;
4. *dear part-time*: the same, with PT24's hours at 400 an hour, more than any hour of serving or
   selling is worth: its hours above the minimum should go.

Printed per run: objective, bound, gap, PT24's paid hours above its minimum, labour cost, the
objective's labour charge, answered contacts, cost per answered contact, sales (outbound value)
per paid hour, under-coverage agent-hours, hard violations and solve seconds.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from datetime import time

from scheduling.evaluate import Evaluation, evaluate
from scheduling.example import example_problem
from scheduling.problem import Problem
from scheduling.solver import SolveResult, solve
from wfm.domain.labour_cost import ContractWage, LabourCost, Premium

WEEKDAYS = (0, 1, 2, 3, 4)
PREMIUMS = (
    Premium("evening", time(19), time(23), weekdays=WEEKDAYS, multiplier=1.2),
    Premium("weekend", time(0), time(0), weekdays=(5, 6), multiplier=1.5),
)
RATES = {"FT37": 22.0, "FT40": 21.0, "PT24": 18.0, "PT20": 18.0}


def _wages(rates: dict[str, float], premiums: tuple[Premium, ...] = ()) -> LabourCost:
    return LabourCost(
        wages=tuple(ContractWage(code, rate) for code, rate in rates.items()), premiums=premiums
    )


def _runs(base: Problem) -> list[tuple[str, Problem]]:
    return [
        ("no wages", base),
        ("no wages again", base),
        ("wage 0", replace(base, labour_cost=_wages(dict.fromkeys(RATES, 0.0)))),
        ("wages", replace(base, labour_cost=_wages(RATES, PREMIUMS))),
        (
            "dear part-time",
            replace(base, labour_cost=_wages({**RATES, "PT24": 400.0}, PREMIUMS)),
        ),
    ]


def _above_minimum_hours(problem: Problem, ev: Evaluation, contract: str) -> float:
    codes = {a.code for a in problem.agents if a.contract.code == contract}
    return sum(max(0.0, r.paid_hours - r.paid_hours_min) for r in ev.agents if r.code in codes)


def _answered(ev: Evaluation) -> float:
    total = 0.0
    for queue in ev.queues:
        if queue.contacts is not None and queue.predicted_answer_rate is not None:
            total += float(queue.contacts.sum()) * queue.predicted_answer_rate
    return total


def _line(name: str, problem: Problem, result: SolveResult, same: str) -> str:
    ev = evaluate(problem, result.roster)
    paid = sum(r.paid_hours for r in ev.agents)
    answered = _answered(ev)
    cost = None if ev.labour is None else ev.labour.total.total_cost
    per_contact = "-" if cost is None or answered <= 0 else f"{cost / answered:8.2f}"
    gap = "-" if result.gap is None else f"{100 * result.gap:5.2f} %"
    bound = "-" if result.bound is None else f"{result.bound:12,.0f}"
    return (
        f"{name:<15} {result.objective:12,.0f} {bound:>12} {gap:>8} "
        f"{_above_minimum_hours(problem, ev, 'PT24'):9.1f} "
        f"{'-' if cost is None else f'{cost:10,.0f}':>10} {ev.flexible_labour_cost:9,.0f} "
        f"{answered:10,.0f} {per_contact:>8} {ev.sell_value / paid if paid else 0.0:8.2f} "
        f"{ev.under_coverage_agent_hours:8.1f} {ev.hard_violations:4d} "
        f"{result.solve_seconds:6.1f} {same:>5}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=60)
    parser.add_argument("--time-limit", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    base = example_problem(agents=args.agents, seed=args.seed, tight=True)
    pt24 = sum(1 for a in base.agents if a.contract.code == "PT24")
    print(
        f"example centre, tight: {args.agents} agents ({pt24} on PT24, 20-24 h), "
        f"{len(base.queues)} queues, {len(base.campaigns)} campaigns, a week; "
        f"{args.time_limit:g} s each, seed {args.seed}, one worker"
    )
    print(
        f"{'run':<15} {'objective':>12} {'bound':>12} {'gap':>8} {'PT24 +h':>9} "
        f"{'labour':>10} {'charged':>9} {'answered':>10} {'cost/ans':>8} {'sales/h':>8} "
        f"{'short h':>8} {'viol':>4} {'sec':>6} {'same':>5}"
    )
    baseline = None
    for name, problem in _runs(base):
        result = solve(problem, time_limit_seconds=args.time_limit, seed=args.seed, workers=1)
        if baseline is None:
            baseline = result.roster
        same = "yes" if result.roster == baseline else "no"
        print(_line(name, problem, result, same), flush=True)


if __name__ == "__main__":
    main()
