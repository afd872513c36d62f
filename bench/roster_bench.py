"""Roster benchmark: the weekly optimizer at 200, 500 and 1,000 agents against naive rosters.

    .venv/bin/python bench/roster_bench.py [--agents 200 500 1000] [--time-limit S] [--seed N]
        [--replications R] [--quick] [--tight] [--demo-db URL] [--small [--seeds N ...]]

For each size the example centre (`scheduling.example.example_problem`: 3 queues, 2 outbound
campaigns, 15-minute intervals, breaks and lunch, a week) is solved by `scheduling.solve` with the
time limit (default: 30 s at 200 agents and 180 s at 1,000, the issue's targets, linear between),
and printed: solve time, objective, certified bound, gap, hard violations, predicted weekly service
level and answer rate per queue, the share of coverable intervals meeting their service target,
and sell hours and value. Targets (issue 5, on 2 cores): 200 agents under 30 s and 1,000 under
3 minutes, within 2 % of the bound, 0 hard violations, the service target met in at least 95 % of
the intervals where demand is coverable.

**Coverable**: a queue's interval with contacts whose requirement does not exceed the agents
skilled for the queue who have any permitted shift covering that interval. **Meeting target**:
the evaluation's predicted service level in the interval at or above the queue's target.

**Baselines**, on the same demand, completed and scored by the same code as the optimizer's
roster (`scheduling.evaluate`), so only the shifts and breaks differ:

1. *9-to-5*: every agent starts at 09:00 on weekdays with their contract's standard length, as
   many days as the contract allows (agents whose availability or time off rules 09:00 out take
   their earliest permitted start, and every agent is topped up to the contract's minimum days and
   hours); fixed breaks and lunch in the middle of their windows (13:00 lunch for a 09:00 start).
2. *Head-counts per day* (pyworkforce's MinAbsDifference): for each day on its own, the number of
   agents per shift (start x length) that minimises the absolute difference between agents on shift
   and the summed requirement of the queues, with no people, no week and no breaks; people are then
   put on those shifts by a rule-abiding greedy pass, and breaks fall in the middle of their
   windows as nobody planned them.

In both, each working interval goes to the skilled destination worth most at that moment (what a
skills-based router and a team lead would do), selling included, within the weekly caps.

**Simulation**: the 200-agent roster's week (or the first size's) is simulated call by call per
queue with the erlang/ discrete-event simulator (serving agents per interval as rostered, chat
agents counting as `concurrency` servers) and its service level compared with the evaluation's
prediction (target: within 3 points).

**Tight** (`--tight`): the example centre made tight (`example_problem(tight=True)`: 10 %
unplanned shrinkage, the requirement at 67 % of the paid hours, campaigns with room), where the
optimizer must trade service against selling. Besides the table it prints, from the roster's
activities (`scheduling.example.tightness`, not the optimizer's report): peak required against
peak serving; the intervals where agents skilled for a queue sell while the queue sits at most
one agent above its requirement, for every local hour of the day where there are any, with the
queues' predicted service level and answer rate as rostered and had those sellers served; the
intervals in the campaigns' hours where nobody sells and the queues get no more than they need
(the peaks that pull everyone to serve); and the week simulated with absences: every shift lost
whole with probability equal to the problem's shrinkage, R replications
(`scheduling.simulation_check`), against the prediction (targets: within 2 points of service
level and 1 point of answer rate, per queue).

**The demo's week** (`--demo-db URL`, e.g. `sqlite:///var/demo.db` after `make demo
DEMO_SERVE=0`): the published week of the demo database, its stored gap, the same tightness
report, and the same simulation with absences at the shrinkage the schedule stored
(`wfm.services.demo_week.check_published_week`), 100 replications unless `--replications` says
otherwise: at 20 the chat queue's answer-rate gap (about +0.9 points) sits within the noise of
the 1-point target.

**Small centres** (`--small`): 20, 40 and 60 agents (or `--agents`) x seeds 1-5 (or `--seeds`),
and the tight 40-agent centre (issue 16), at 60 s each unless `--time-limit` says otherwise; one
line each: time used, objective, bound and its source, gap, the gap's split (`placement`: what
other breaks and activities on the same shifts could still gain at most; `shifts/bound`: the
rest, other shifts or the bound's looseness; `SolveResult.gap_split`), intervals under their
service target, and the rounds run after the local search while the gap was above 1 % and why
they stopped (target issue 19: gap within 1 % within 60 s on every instance).

Timings are wall clock on a 2-core machine that may be shared: the load average is printed.
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass

import numpy as np

from erlang import simulate_queue
from scheduling.aggregate import make_groups
from scheduling.assignment import greedy_assignment
from scheduling.economics import serve_curves
from scheduling.evaluate import Evaluation, evaluate
from scheduling.example import Tightness, example_problem, tightness
from scheduling.improve import RosterSearch
from scheduling.problem import Problem
from scheduling.roster import Roster
from scheduling.simulation_check import QueueCheck, simulate_with_absences
from scheduling.solver import build_roster, solve
from scheduling.timeline import Timeline, build_timeline

GAP_TARGET = 0.02
SERVICE_SHARE_TARGET = 0.95
SIMULATION_TOLERANCE = 0.03
ABSENCE_SL_POINTS = 2.0  # the week with absences: service level within 2 points per queue
ABSENCE_AR_POINTS = 1.0  # and answer rate within 1 point


def default_time_limit(agents: int) -> float:
    """30 s at 200 agents, 180 s at 1,000 (the issue's targets), linear between and flat out."""
    share = min(1.0, max(0.0, (agents - 200) / 800))
    return 30.0 + share * 150.0


@dataclass(frozen=True)
class Scored:
    name: str
    seconds: float
    evaluation: Evaluation


def coverable_mask(problem: Problem, timeline: Timeline, evaluation: Evaluation) -> np.ndarray:
    """(queues, intervals): intervals with contacts whose requirement the skilled agents who may
    be on shift then could meet."""
    total = timeline.intervals
    options = timeline.options
    mask = np.zeros((len(problem.queues), total), dtype=bool)
    for q, queue in enumerate(problem.queues):
        could = np.zeros(total + 1, dtype=np.int64)
        for frame in timeline.agents:
            if queue.code not in frame.spec.queue_skills:
                continue
            covered = np.zeros(total + 1, dtype=bool)
            for o in frame.options:
                covered[options[o].start : min(options[o].end, total)] = True
            could += covered
        report = evaluation.queues[q]
        contacts = report.contacts if report.contacts is not None else np.zeros(total)
        mask[q] = (contacts > 0) & (report.required <= could[:total])
    return mask


def service_share(problem: Problem, evaluation: Evaluation, coverable: np.ndarray) -> float:
    met = 0
    for q, report in enumerate(evaluation.queues):
        if report.service_level is None:
            continue
        ok = report.service_level >= problem.queues[q].service_level_target - 1e-9
        met += int((ok & coverable[q]).sum())
    return met / max(1, int(coverable.sum()))


def middle_offsets(timeline: Timeline, o: int) -> list[int]:
    return [(w.first_offset + w.last_offset) // 2 for w in timeline.options[o].breaks]


def complete(timeline: Timeline, skills: tuple, shifts: dict[int, tuple[int, ...]]) -> RosterSearch:
    """Fixed mid-window breaks; each working interval on the destination worth most then."""
    curves = serve_curves(timeline.problem)
    search = RosterSearch(timeline, curves, skills, [])
    for a in sorted(shifts):
        for o in shifts[a]:
            search.add_shift(a, o, middle_offsets(timeline, o))
    return search


def nine_to_five(timeline: Timeline, skills: tuple) -> RosterSearch:
    wanted = float(len(timeline.agents))
    targets = {
        o.index: wanted
        for o in timeline.options
        if o.start_local_minute == 9 * 60 and o.weekday < 5
    }
    return complete(timeline, skills, greedy_assignment(timeline, timeline.agents, targets))


def head_counts(timeline: Timeline, skills: tuple) -> RosterSearch:
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import lil_matrix

    problem = timeline.problem
    required = np.sum([curve.required for curve in serve_curves(problem)], axis=0)
    targets: dict[int, float] = {}
    for d in range(problem.horizon.days):
        day = [o for o in timeline.options if o.day == d]
        if not day:
            continue
        lo = timeline.day_starts[d]
        hi = min(max(o.end for o in day), timeline.intervals)
        width = hi - lo
        if width <= 0:
            continue
        people = sum(
            1 for f in timeline.agents if any(timeline.options[o].day == d for o in f.options)
        )
        count = len(day)
        # variables: agents per shift, then over and under per interval
        cover = lil_matrix((width, count + 2 * width))
        for j, o in enumerate(day):
            for t in range(o.start, min(o.end, hi)):
                cover[t - lo, j] = 1.0
        for t in range(width):
            cover[t, count + t] = -1.0  # over
            cover[t, count + width + t] = 1.0  # under
        need = np.asarray(required[lo:hi], dtype=float)
        total_row = np.zeros((1, count + 2 * width))
        total_row[0, :count] = 1.0
        cost = np.concatenate([np.zeros(count), np.ones(2 * width)])
        result = milp(
            cost,
            integrality=np.concatenate([np.ones(count), np.zeros(2 * width)]),
            bounds=Bounds(0, np.inf),
            constraints=[
                LinearConstraint(cover.tocsr(), need, need),
                LinearConstraint(total_row, 0, people),
            ],
            options={"time_limit": 20.0},
        )
        if result.x is None:
            continue
        for j, o in enumerate(day):
            if result.x[j] > 0.5:
                targets[o.index] = float(round(result.x[j]))
    return complete(timeline, skills, greedy_assignment(timeline, timeline.agents, targets))


def simulate(problem: Problem, evaluation: Evaluation, replications: int, seed: int) -> None:
    print(
        f"  simulation of the week, call by call (erlang/ simulator, {replications} "
        "replications), against the evaluation's prediction:"
    )
    interval_seconds = problem.horizon.interval_minutes * 60.0
    for q, queue in enumerate(problem.queues):
        report = evaluation.queues[q]
        if queue.contacts is None or queue.aht_seconds is None:
            continue
        servers = np.floor(
            report.serving * (1.0 - problem.shrinkage) * queue.concurrency + 1e-9
        ).astype(np.int64)
        started = time.perf_counter()
        result = simulate_queue(
            np.asarray(queue.contacts, dtype=float),
            servers,
            interval_seconds=interval_seconds,
            aht_seconds=np.asarray(queue.aht_seconds, dtype=float),
            patience_seconds=queue.patience_seconds,
            threshold_seconds=queue.service_threshold_seconds,
            replications=replications,
            seed=seed + q,
        )
        predicted = report.predicted_service_level or 0.0
        difference = result.service_level.value - predicted
        verdict = "meets" if abs(difference) <= SIMULATION_TOLERANCE else "MISSES"
        print(
            f"    {queue.code:<6} predicted SL {predicted:6.1%}  simulated "
            f"{result.service_level.value:6.1%} (95 % CI {result.service_level.ci_low:.1%}-"
            f"{result.service_level.ci_high:.1%}), difference {100 * difference:+.1f} points; "
            f"answer rate predicted {report.predicted_answer_rate or 0:.1%}, simulated "
            f"{result.answer_rate.value:.1%}; {result.calls_simulated:,} calls in "
            f"{time.perf_counter() - started:.1f} s; within 3 points: {verdict}"
        )


def print_table(
    problem: Problem,
    timeline: Timeline,
    bound: float | None,
    rows: list[Scored],
) -> None:
    coverable = coverable_mask(problem, timeline, rows[0].evaluation)
    width = 16
    header = f"  {'':<42}" + "".join(f"{r.name:>{width}}" for r in rows)
    print(header)

    def line(label: str, cells: list[str]) -> None:
        print(f"  {label:<42}" + "".join(f"{c:>{width}}" for c in cells))

    line("seconds", [f"{r.seconds:.1f}" for r in rows])
    line("objective", [f"{r.evaluation.objective:,.0f}" for r in rows])
    if bound is not None:
        line(
            "gap to the certified bound",
            [f"{100 * (bound - r.evaluation.objective) / abs(bound):.2f} %" for r in rows],
        )
    line("hard violations", [str(r.evaluation.hard_violations) for r in rows])
    for q, queue in enumerate(problem.queues):
        line(
            f"{queue.code} weekly SL / answer rate",
            [
                f"{r.evaluation.queues[q].predicted_service_level or 0:.1%} / "
                f"{r.evaluation.queues[q].predicted_answer_rate or 0:.1%}"
                for r in rows
            ],
        )
    line(
        f"coverable intervals meeting target ({int(coverable.sum())})",
        [f"{service_share(problem, r.evaluation, coverable):.1%}" for r in rows],
    )
    line(
        "under-coverage agent-hours",
        [f"{r.evaluation.under_coverage_agent_hours:,.0f}" for r in rows],
    )
    line("sell hours", [f"{r.evaluation.sell_hours:,.0f}" for r in rows])
    line("sell value", [f"{r.evaluation.sell_value:,.0f}" for r in rows])
    line("serve value", [f"{r.evaluation.serve_value:,.0f}" for r in rows])


def bench_size(
    agents: int, time_limit: float, seed: int, tight: bool = False
) -> tuple[Problem, Evaluation, Roster]:
    problem = example_problem(agents=agents, queues=3, campaigns=2, seed=seed, tight=tight)
    print(
        f"== {'tight centre, ' if tight else ''}{agents} agents, 3 queues, 2 campaigns, "
        f"shrinkage {problem.shrinkage:.0%}, 15-min intervals, a week; time limit "
        f"{time_limit:.0f} s (load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores)"
    )
    result = solve(problem, time_limit_seconds=time_limit, seed=seed)
    summary = result.summary()
    stages = result.stages
    print(
        f"  optimizer: design {stages['design']['seconds']} s, assignment "
        f"{stages['assignment']['seconds']} s, breaks and activities "
        f"{stages['activities']['seconds']} s, local search {stages['local_search']['seconds']} s "
        f"({stages['local_search']['moves']} moves, {stages['local_search']['rounds']} rounds)"
    )
    timeline = build_timeline(problem)
    skills, _ = make_groups(timeline)
    rows = [Scored("optimizer", result.solve_seconds, result.evaluation)]
    for name, rule in (("9-to-5", nine_to_five), ("head-counts", head_counts)):
        started = time.perf_counter()
        search = rule(timeline, skills)
        roster = build_roster(timeline, search.placed())
        seconds = time.perf_counter() - started
        rows.append(Scored(name, seconds, evaluate(problem, roster)))
    print_table(problem, timeline, result.bound, rows)
    coverable = coverable_mask(problem, timeline, result.evaluation)
    share = service_share(problem, result.evaluation, coverable)
    gap = summary["gap"]
    checks = [
        (f"time under {time_limit:.0f} s", result.solve_seconds <= time_limit),
        ("gap within 2 %", gap is not None and gap <= GAP_TARGET),
        ("0 hard violations", result.evaluation.hard_violations == 0),
        ("service target in >= 95 % of coverable intervals", share >= SERVICE_SHARE_TARGET),
    ]
    print(
        "  targets: " + "; ".join(f"{label}: {'meets' if ok else 'MISSES'}" for label, ok in checks)
    )
    return problem, result.evaluation, result.roster


def print_tightness(problem: Problem, report: Tightness) -> None:
    zone = problem.zone
    print(
        f"  peak required {report.peak_required} agents "
        f"({report.peak_required_at.astimezone(zone):%a %H:%M}) against peak serving "
        f"{report.peak_serving} ({report.peak_serving_at.astimezone(zone):%a %H:%M}); "
        f"required {report.required_hours:,.0f} agent-hours, serving {report.serving_hours:,.0f}, "
        f"selling {report.selling_hours:,.0f}"
    )
    items = report.selling_over_service
    at_requirement = sum(1 for i in items if i.serving == i.required)
    print(
        f"  selling chosen over a thicker service margin: {len(items)} queue-intervals "
        f"({at_requirement} with the queue exactly at its requirement); campaign hours with "
        f"nobody selling and the queues at or below their requirement (everyone serves): "
        f"{report.everyone_serves_intervals} intervals"
    )
    # every local hour of the day over the week (weekday dropped), the queues together
    grouped: dict[str, list] = {}
    for item in items:
        grouped.setdefault(item.local_hour[4:], []).append(item)
    print("  by hour of the day (queue-intervals where skilled agents sell at the margin):")

    def mean(values: list[float]) -> float:
        return sum(values) / len(values)

    for hour, group in sorted(grouped.items()):
        days = len({i.local_hour[:3] for i in group})
        queues: dict[str, int] = {}
        for i in group:
            queues[i.queue_code] = queues.get(i.queue_code, 0) + 1
        print(
            f"    {hour} {len(group):>3} on {days} day{'' if days == 1 else 's'} "
            f"({' '.join(f'{q} {n}' for q, n in sorted(queues.items()))}): margin "
            f"{mean([i.serving - i.required for i in group]):+.1f} agents, "
            f"{mean([i.sellers_skilled for i in group]):.1f} skilled agents selling at "
            f"{mean([i.sell_value_per_hour for i in group]):.0f}/h; SL "
            f"{mean([i.service_level for i in group]):.1%} -> "
            f"{mean([i.service_level_with_sellers for i in group]):.1%}, answer rate "
            f"{mean([i.answer_rate for i in group]):.1%} -> "
            f"{mean([i.answer_rate_with_sellers for i in group]):.1%} had they served"
        )


def print_absence_checks(checks: list[QueueCheck], rate: float, replications: int) -> bool:
    print(
        f"  the week simulated call by call with shifts lost to absence at {rate:.0%} "
        f"({replications} replications) against the prediction:"
    )
    ok = True
    for c in checks:
        good = (
            abs(c.service_level_points) <= ABSENCE_SL_POINTS
            and abs(c.answer_rate_points) <= ABSENCE_AR_POINTS
        )
        ok = ok and good
        print(
            f"    {c.queue_code:<6} SL predicted {c.predicted_service_level:.1%} simulated "
            f"{c.simulated_service_level:.1%} ({c.service_level_points:+.2f} points); answer "
            f"rate predicted {c.predicted_answer_rate:.1%} simulated "
            f"{c.simulated_answer_rate:.1%} ({c.answer_rate_points:+.2f} points); "
            f"{c.offered:,.0f} calls; {'meets' if good else 'MISSES'} 2 / 1 points"
        )
    return ok


def bench_demo_db(url: str, replications: int, seed: int) -> None:
    from wfm.db.repositories import ScheduleRepository
    from wfm.db.session import make_engine, unit_of_work
    from wfm.domain import ScheduleStatus
    from wfm.services.demo_week import check_published_week
    from wfm.services.schedule_views import schedule_problem
    from wfm.services.scheduling import roster_from_shifts

    engine = make_engine(url)
    with unit_of_work(engine) as session:
        published = [
            s
            for s in ScheduleRepository(session).list("DUB")
            if s.status is ScheduleStatus.PUBLISHED
        ]
        latest = max(published, key=lambda s: s.created_at_utc)
        assert latest.id is not None
        schedule = ScheduleRepository(session).get(latest.id)
        problem = schedule_problem(session, schedule).problem
        roster = roster_from_shifts(schedule.shifts)
        started = time.perf_counter()
        _, rate, checks = check_published_week(
            session, site_code="DUB", replications=replications, seed=seed
        )
        seconds = time.perf_counter() - started
    summary = schedule.summary
    gap = summary.get("gap")
    print(
        f"== the demo's published week of {schedule.week_start} ({url}): {len(roster.shifts)} "
        f"shifts, {len({s.agent_code for s in roster.shifts})} agents, shrinkage "
        f"{problem.shrinkage:.0%}; gap to the certified bound "
        f"{'-' if not isinstance(gap, int | float) else f'{100 * gap:.2f} %'}"
    )
    for q, report in enumerate(evaluate(problem, roster).queues):
        print(
            f"  {problem.queues[q].code}: predicted SL {report.predicted_service_level or 0:.1%}"
            f", answer rate {report.predicted_answer_rate or 0:.1%}"
        )
    print_tightness(problem, tightness(problem, roster))
    print_absence_checks(checks, rate, replications)
    print(f"  simulation {seconds:.1f} s")


SMALL_GAP_TARGET = 0.01


def bench_small(sizes: list[int], seeds: list[int], time_limit: float) -> None:
    """One line per small centre, and the tight 40-agent centre (module docstring)."""
    cases = [(agents, seed, False) for agents in sizes for seed in seeds] + [(40, 1, True)]
    print(
        f"== small centres: {len(cases)} instances, time limit {time_limit:.0f} s each "
        f"(load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores)"
    )
    print(
        "  agents seed tight  seconds    objective        bound src    gap  placement "
        "shifts/bound  under-target rounds stopped     load"
    )
    met = 0
    for agents, seed, tight in cases:
        problem = example_problem(agents=agents, queues=3, campaigns=2, seed=seed, tight=tight)
        result = solve(problem, time_limit_seconds=time_limit, seed=seed)
        summary = result.summary()
        under = sum(
            q["intervals_with_contacts"] - q["intervals_meeting_target"]
            for q in summary["queues"].values()
        )
        stage = result.stages.get("until_target", {})
        gap = result.gap
        met += gap is not None and gap <= SMALL_GAP_TARGET
        split = result.gap_split()
        placement, rest = (
            ("-", "-")
            if split is None
            else (
                f"{100 * split['placement']:5.2f} %",
                f"{100 * split['shifts_or_bound']:5.2f} %",
            )
        )
        print(
            f"  {agents:6d} {seed:4d} {'yes' if tight else 'no':>5} {result.solve_seconds:8.1f} "
            f"{result.objective:12,.0f} {summary['bound'] or 0:12,.0f} "
            f"{summary['bound_source'] or '-':>3} "
            f"{'-' if gap is None else f'{100 * gap:5.2f} %':>7} {placement:>10} {rest:>13} "
            f"{under:13d} "
            f"{stage.get('rounds', 0):6d} {stage.get('stopped', '-'):<11} "
            f"{os.getloadavg()[0]:5.2f}",
            flush=True,
        )
    print(f"  gap within 1 % on {met}/{len(cases)} instances")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, nargs="+", default=None, help="sizes to solve")
    parser.add_argument(
        "--time-limit", type=float, default=None, help="seconds per solve (default: per size)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--replications",
        type=int,
        default=None,
        help="simulation replications (default 20; 100 for --demo-db)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="200 agents only, 5 simulation replications"
    )
    parser.add_argument(
        "--tight", action="store_true", help="the tight centre: service against selling"
    )
    parser.add_argument(
        "--small", action="store_true", help="20-60 agents x seeds and the tight 40 (1 %% target)"
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=None, help="seeds for --small")
    parser.add_argument(
        "--demo-db", default=None, help="also report the published week of this demo database"
    )
    args = parser.parse_args()
    if args.small:
        bench_small(
            args.agents or [20, 40, 60], args.seeds or [1, 2, 3, 4, 5], args.time_limit or 60
        )
        print(f"machine load average at the end {os.getloadavg()[0]:.2f}")
        return
    sizes = args.agents or ([] if args.demo_db else [200] if args.quick else [200, 500, 1000])
    replications = args.replications or (5 if args.quick else 20)
    simulated = False
    for agents in sizes:
        limit = args.time_limit if args.time_limit is not None else default_time_limit(agents)
        problem, evaluation, roster = bench_size(agents, limit, args.seed, args.tight)
        if args.tight:
            print_tightness(problem, tightness(problem, roster))
            started = time.perf_counter()
            checks = simulate_with_absences(
                problem, roster, replications=replications, seed=args.seed
            )
            print_absence_checks(checks, problem.shrinkage, replications)
            print(f"  simulation {time.perf_counter() - started:.1f} s")
        elif not simulated and (agents == 200 or 200 not in sizes):
            simulate(problem, evaluation, replications, args.seed)
            simulated = True
    if args.demo_db:
        bench_demo_db(args.demo_db, args.replications or 100, args.seed)
    print(f"machine load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
