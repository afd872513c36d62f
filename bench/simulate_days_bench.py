"""Floor policies head to head on simulated days: money, threshold and never, side by side.

    .venv/bin/python bench/simulate_days_bench.py [--days 20] [--seed 1]
        [--database-url sqlite:///var/demo.db] [--site DUB]

Plays `--days` days of the database's published roster (`make demo` builds var/demo.db) under
the three floor policies in one run, on the same days (the same absences, calls and sellers'
draws: `wfm.services.simulate_days`), and prints per policy the answer rate, service level,
outbound revenue, the value of the contacts answered, the under-target penalty, the net value
and its difference from the **baseline** of the same run, never-switch, the days each met the
answer-rate target and missed it where it was reachable (the day played with every agent present
serving, none selling, meets it); whether money beats both and holds the target on every
reachable day; and the days on which money and threshold differ most. Reads only.
"""

from __future__ import annotations

import argparse
import sys
import time

from wfm.db.session import make_engine, unit_of_work
from wfm.services.simulate_days import POLICIES, simulate_days


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default="sqlite:///var/demo.db")
    parser.add_argument("--site", default="DUB")
    args = parser.parse_args()
    engine = make_engine(args.database_url)
    started = time.perf_counter()
    with unit_of_work(engine) as session:
        simulation = simulate_days(
            session,
            site_code=args.site,
            days=args.days,
            policies=list(POLICIES),
            seed=args.seed,
            progress=lambda f, m: print(f"[{f:4.0%}] {m}", file=sys.stderr, flush=True),
        )
        session.rollback()
    seconds = time.perf_counter() - started
    cur = simulation.currency
    base = simulation.runs["never"].summary()["net_value"]
    print(
        f"{args.days} days of the week of {simulation.week_start} on {args.site}, seed "
        f"{args.seed}, {seconds:.0f} s; under-target penalty "
        f"{simulation.under_target_penalty_per_agent_hour:.1f} {cur} per agent-hour short"
    )
    print(
        f"{'policy':10} {'answer':>7} {'SL':>6} {'revenue':>10} {'answered':>10} {'penalty':>9} "
        f"{'net value':>11} {'vs never':>9} {'pulls':>6} {'rel':>4} {'met':>4} {'reach':>5} "
        f"{'missed':>6}"
    )
    for policy in POLICIES:
        s = simulation.summary(policy)
        missed = simulation.missed_where_reachable(policy)
        print(
            f"{policy:10} {s['answer_rate']:7.4f} {s['service_level']:6.4f} "
            f"{s['outbound_revenue']:10,.0f} {s['answered_value']:10,.0f} "
            f"{s['target_penalty']:9,.0f} {s['net_value']:11,.0f} {s['net_value'] - base:+9,.0f} "
            f"{s['pulls']:6d} {s['releases']:4d} {s['days_target_met']:4d} "
            f"{s['days_target_reachable']:5d} {len(missed):6d}"
        )
    reachable = [i + 1 for i, r in enumerate(simulation.target_reachable) if r]
    print(
        f"days the answer-rate target was reachable: {len(reachable)} of {args.days} "
        f"(every agent present serving; days from 1, unreachable: "
        f"{[i + 1 for i, r in enumerate(simulation.target_reachable) if r is False]})"
    )
    for policy in POLICIES:
        missed = [i + 1 for i in simulation.missed_where_reachable(policy)]
        print(f"  {policy}: missed on reachable days {missed}")
    comparison = simulation.comparison()
    assert comparison is not None
    print(
        "money beats threshold: {money_beats_threshold}; beats never: {money_beats_never}; "
        "holds the target on every reachable day: "
        "{money_holds_target_on_reachable_days}".format(**comparison)
    )
    pairs = zip(simulation.runs["money"].days, simulation.runs["threshold"].days, strict=True)
    diffs = sorted(pairs, key=lambda p: -abs(p[0].net_value - p[1].net_value))[:5]
    print("days money and threshold differ most (net value money - threshold):")
    for m, t in diffs:
        print(
            f"  day {m.index + 1} ({m.day}, {m.surprise}): {m.net_value - t.net_value:+,.0f} "
            f"(revenue {m.outbound_revenue - t.outbound_revenue:+,.0f}, penalty "
            f"{m.target_penalty - t.target_penalty:+,.0f}, answered "
            f"{m.answered_value - t.answered_value:+,.0f}; pulls {m.pulls}/{t.pulls}, "
            f"releases {m.releases}/{t.releases})"
        )


if __name__ == "__main__":
    main()
