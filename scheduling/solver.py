"""The weekly roster optimizer: problem in, roster and its evaluation out, always.

1. Shift and break design (`scheduling.aggregate`): the LP of the aggregate model, solved by
   HiGHS's interior-point method. Its optimum bounds the objective of every roster (the certified
   bound) and its fractional counts are the design the next stage follows.
2. Assignment (`scheduling.assignment`): people to shifts, one skill-set x contract group at a
   time, with every per-agent rule hard and the design as a soft target (CP-SAT).
3. Breaks and activities (`scheduling.activities`): day by day, exact for the shifts chosen
   (HiGHS; CP-SAT as the fallback), with the week's selling caps shared out as the design planned,
   then handed to people in blocks.
4. Local search (`scheduling.improve`): one shift at a time taken out and put back where the
   roster gains most, every per-agent rule kept, valued exactly as the evaluation values it;
   after each round the day models of stage 3 again on the shifts it chose; then related shifts
   moved together. This is where the groups of stage 2, rounded apart, learn to work together.
5. Evaluation (`scheduling.evaluate`): every hard rule re-checked and the service, selling and
   money recomputed from the roster itself.

Minimum days and hours (contracts) and minimum selling hours (campaigns) are soft with heavy
penalties, so a roster always exists; when one can't be met the result says so, and says which
intervals are short and which rules bind. CP-SAT runs with a fixed number of workers and the
given seed, the local search with the seed; stages 2 to 4 stop on their time budgets, and stage 4
also when a round gains under 0.01 % of the objective. Then, while the gap to the bound is above
`GAP_TARGET` (1 %), rounds of the local search with other seeds and larger groups of related
shifts go on until the time limit, or until `STALL_ROUNDS` rounds in a row gain nothing (a rule
that, unlike the clock, gives the same roster for the same seed; `stages["until_target"]` says
how many rounds ran and why they stopped: `gap_target`, `time_limit` or `stalled`).
"""

from __future__ import annotations

import math
import time as clock
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from scheduling.activities import PlacedShift, place_activities
from scheduling.aggregate import (
    AggregateResult,
    Group,
    SkillSet,
    make_groups,
    shifts_fixed_bound,
    solve_aggregate,
)
from scheduling.assignment import assign_group, on_site_counts
from scheduling.checks import ProblemError, check_problem
from scheduling.economics import ServeCurve, serve_curves
from scheduling.evaluate import Evaluation, evaluate
from scheduling.improve import RosterSearch, improve
from scheduling.problem import Problem
from scheduling.roster import (
    ROSTER_FORMAT,
    ROSTER_VERSION,
    ActivitySpan,
    BreakSpan,
    Roster,
    RosterShift,
    instant_text,
    shifts_to_json,
)
from scheduling.timeline import AgentFrame, Timeline, build_timeline

Progress = Callable[[float, str], None]
MIN_ROUND_GAIN = 1e-4  # a local-search round gaining less than this share of the objective ends it
RUIN_UNTIL = 0.7  # moves of related shifts together stop at this share of the time limit
GAP_TARGET = 0.01  # below this gap to the bound the solver stops early; above, it uses its time
STALL_ROUNDS = 12  # perturbation rounds in a row without a gain end the search (deterministic)


def _labour_summary(ev: Evaluation) -> dict[str, Any]:
    """The roster's labour cost and the objective's part of it; nothing without wages (so a
    summary without wages reads as before)."""
    if ev.labour is None:
        return {}
    return {
        "labour_cost": round(ev.labour.total.total_cost, 2),
        "flexible_labour_cost": round(ev.flexible_labour_cost, 2),
    }


@dataclass(frozen=True)
class SolveResult:
    problem: Problem
    roster: Roster
    evaluation: Evaluation
    status: str  # "optimal", "feasible" or "best_effort" (some hard rule could not be met)
    bound: float | None
    solve_seconds: float
    warnings: tuple[str, ...] = ()
    short: tuple[dict[str, Any], ...] = ()
    binding_rules: tuple[str, ...] = ()
    stages: dict[str, Any] = field(default_factory=dict)
    bound_source: str | None = None  # "lp": the design's LP relaxation (AggregateResult)
    # the design's LP with this roster's shifts fixed: no roster of the same shifts does better
    # (`scheduling.aggregate.shifts_fixed_bound`); None when not computed
    shifts_bound: float | None = None

    @property
    def objective(self) -> float:
        return self.evaluation.objective

    @property
    def gap(self) -> float | None:
        if self.bound is None or not math.isfinite(self.bound):
            return None
        return max(0.0, (self.bound - self.objective) / max(abs(self.bound), 1e-9))

    def gap_split(self) -> dict[str, float] | None:
        """The gap in two parts, shares of the bound like the gap: `placement`, what other
        breaks, activities and selling on the same shifts could still gain at most, and
        `shifts_or_bound`, the rest: other shifts, or the bound's own looseness (the two are
        not told apart). None without both bounds."""
        gap = self.gap
        if gap is None or self.bound is None or self.shifts_bound is None:
            return None
        scale = max(abs(self.bound), 1e-9)
        placement = min(max(0.0, (self.shifts_bound - self.objective) / scale), gap)
        return {"placement": placement, "shifts_or_bound": gap - placement}

    def summary(self) -> dict[str, Any]:
        ev = self.evaluation
        return {
            "status": self.status,
            "objective": round(self.objective, 2),
            "bound": None if self.bound is None else round(self.bound, 2),
            "gap": None if self.gap is None else round(self.gap, 6),
            "bound_source": self.bound_source if self.bound is not None else None,
            "shifts_bound": None if self.shifts_bound is None else round(self.shifts_bound, 2),
            "gap_split": (
                None
                if (split := self.gap_split()) is None
                else {part: round(share, 6) for part, share in split.items()}
            ),
            "solve_seconds": round(self.solve_seconds, 2),
            "hard_violations": ev.hard_violations,
            "under_coverage_agent_hours": round(ev.under_coverage_agent_hours, 2),
            "sell_hours": round(ev.sell_hours, 2),
            "outbound_value": round(ev.sell_value, 2),
            "serve_value": round(ev.serve_value, 2),
            "contract_penalty": round(ev.contract_penalty, 2),
            "campaign_penalty": round(ev.campaign_penalty, 2),
            "preference_penalty": round(ev.preference_penalty, 2),
            "preference_days_asked": ev.preferences.asked_days,
            "preference_days_honoured": ev.preferences.honoured_days,
            "voluntary_time_off_hours": round(ev.voluntary_time_off_hours, 2),
            "max_unpopular_shifts": ev.max_unpopular_shifts,
            "shifts": len(self.roster.shifts),
            **_labour_summary(ev),
            "queues": {
                queue.code: {
                    "predicted_service_level": _number(queue.predicted_service_level),
                    "predicted_answer_rate": _number(queue.predicted_answer_rate),
                    "predicted_asa_seconds": _number(queue.predicted_asa_seconds),
                    "predicted_occupancy": _number(queue.predicted_occupancy),
                    "predicted_abandon_rate": _number(queue.predicted_abandon_rate),
                    "service_level_target": queue.service_level_target,
                    "answer_rate_target": queue.answer_rate_target,
                    "week_service_level_met": queue.week_service_level_met,
                    "week_answer_rate_met": queue.week_answer_rate_met,
                    "intervals_with_contacts": queue.intervals_with_contacts,
                    "intervals_meeting_target": queue.intervals_meeting_target,
                    "under_coverage_agent_hours": round(queue.under_coverage_agent_hours, 2),
                }
                for queue in ev.queues
            },
        }

    def to_json(self) -> dict[str, Any]:
        return roster_document(
            self.problem,
            self.roster,
            self.evaluation,
            summary=self.summary(),
            diagnostics={
                "warnings": list(self.warnings),
                "short": list(self.short),
                "binding_rules": list(self.binding_rules),
                "violations": [str(violation) for violation in self.evaluation.violations],
                "stages": self.stages,
            },
        )


def solve(
    problem: Problem,
    *,
    time_limit_seconds: float = 60.0,
    seed: int = 1,
    workers: int = 2,
    progress: Progress | None = None,
) -> SolveResult:
    """Build the best roster found within the time limit. Raises `ProblemError` for a problem
    with contradictions (see `scheduling.checks`); never fails for lack of a feasible roster."""
    if time_limit_seconds <= 0:
        raise ValueError(f"time_limit_seconds must be > 0, got {time_limit_seconds}")
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    issues = check_problem(problem)
    if issues:
        raise ProblemError(issues)
    run = _Run(clock.monotonic(), time_limit_seconds, seed, workers, progress)
    run.tell(0.0, "preparing the week: shift options and the value of serving")
    timeline = build_timeline(problem)
    curves = serve_curves(problem)
    warnings = preflight(timeline) + seat_warnings(timeline, curves)
    for warning in warnings:
        run.tell(0.02, f"warning: {warning}")
    skills, groups = make_groups(timeline)
    stages: dict[str, Any] = {"prepare_seconds": round(clock.monotonic() - run.started, 2)}

    aggregate = _design(run, timeline, curves, skills, groups, stages)
    shifts = _assignment(run, timeline, groups, aggregate, stages)
    placed, placement = place_activities(
        timeline,
        curves,
        skills,
        shifts,
        aggregate.sell_hours_by_campaign_day,
        time_limit_seconds=max(1.0, run.left() - 2.0),
        seed=seed,
        workers=workers,
        report=lambda message: run.tell(0.8, message),
    )
    stages["activities"] = {"status": placement.status, "seconds": round(placement.seconds, 2)}
    placed, stages["local_search"] = _local_search(
        timeline,
        curves,
        skills,
        placed,
        seed=seed,
        workers=workers,
        left=run.left,
        ruin_left=lambda: RUIN_UNTIL * time_limit_seconds - (clock.monotonic() - run.started),
        tell=run.tell,
    )
    placed, stages["until_target"] = _until_target(
        timeline,
        curves,
        skills,
        placed,
        None if aggregate.status == "unknown" else aggregate.bound,
        seed=seed,
        workers=workers,
        left=run.left,
        tell=run.tell,
    )
    roster = build_roster(timeline, placed)
    run.tell(0.95, "evaluating the roster")
    evaluation = evaluate(problem, roster)
    shifts_bound = _shifts_bound(
        run, timeline, curves, skills, groups, aggregate, placed, evaluation, stages
    )
    return _result(
        run, timeline, aggregate, shifts, placed, roster, evaluation, warnings, stages, shifts_bound
    )


class _Run:
    """A solve's clock, settings and progress reports (progress never goes back, whatever
    order the stages report in)."""

    def __init__(
        self,
        started: float,
        time_limit_seconds: float,
        seed: int,
        workers: int,
        progress: Progress | None,
    ) -> None:
        self.started = started
        self.time_limit_seconds = time_limit_seconds
        self.seed = seed
        self.workers = workers
        self.progress = progress
        self.reported = 0.0

    def tell(self, fraction: float, message: str) -> None:
        self.reported = max(self.reported, min(1.0, fraction))
        if self.progress is not None:
            self.progress(self.reported, message)

    def left(self) -> float:
        return self.time_limit_seconds - (clock.monotonic() - self.started)


def _design(
    run: _Run,
    timeline: Timeline,
    curves: tuple[ServeCurve, ...],
    skills: tuple[SkillSet, ...],
    groups: tuple[Group, ...],
    stages: dict[str, Any],
) -> AggregateResult:
    """Stage 1: the shift and break design, its LP bound and fractional counts."""
    aggregate = solve_aggregate(
        timeline,
        curves,
        skills,
        groups,
        # the design gives the bound; the local search recovers quickly from a weak start, so
        # the LP may use most of a short time limit (200 agents need about 5 s)
        time_limit_seconds=max(1.0, 0.7 * run.left()),
        report=lambda message: run.tell(0.1, message),
    )
    stages["design"] = {
        "status": aggregate.status,
        "seconds": round(aggregate.seconds, 2),
        "variables": aggregate.variables,
        "bound": None if aggregate.status == "unknown" else round(aggregate.bound, 2),
        "bound_source": aggregate.bound_source,
        "lp_bound": None if aggregate.status == "unknown" else round(aggregate.lp_bound, 2),
    }
    return aggregate


def _assignment(
    run: _Run,
    timeline: Timeline,
    groups: tuple[Group, ...],
    aggregate: AggregateResult,
    stages: dict[str, Any],
) -> dict[int, tuple[int, ...]]:
    """Stage 2: people to the designed shifts, group by group, each with its share of the
    assignment's time by its agents. Returns agent -> options."""
    run.tell(0.45, f"assigning shifts to {len(timeline.agents)} agents in {len(groups)} groups")
    assign_started = clock.monotonic()
    budget = max(1.0, 0.3 * run.left())
    weight_total = sum(len(group.agents) for group in groups) or 1
    deviation_weight = 0.5 * timeline.problem.under_target_penalty_per_agent_hour()
    shifts: dict[int, tuple[int, ...]] = {}
    statuses: Counter[str] = Counter()
    deviation = 0.0
    targets_by_group: dict[int, dict[int, float]] = defaultdict(dict)
    for (g, o), value in aggregate.counts.items():
        targets_by_group[g][o] = value
    seats = timeline.problem.seats
    for i, group in enumerate(groups):
        share = budget * len(group.agents) / weight_total
        assigned = assign_group(
            timeline,
            group,
            targets_by_group.get(group.index, {}),
            deviation_weight=deviation_weight,
            time_limit_seconds=max(0.2, share),
            seed=run.seed,
            workers=run.workers,
            seats_left=None if seats is None else seats - on_site_counts(timeline, shifts),
        )
        shifts.update(assigned.shifts)
        statuses[assigned.status] += 1
        if math.isfinite(assigned.deviation):
            deviation += assigned.deviation
        if i % max(1, len(groups) // 10) == 0:
            run.tell(0.45 + 0.25 * (i + 1) / len(groups), f"assigned group {i + 1}/{len(groups)}")
    stages["assignment"] = {
        "seconds": round(clock.monotonic() - assign_started, 2),
        "groups": dict(statuses),
        "shifts": sum(len(options) for options in shifts.values()),
        "deviation_from_design": round(deviation, 2),
    }
    run.tell(
        0.7,
        f"assigned {stages['assignment']['shifts']} shifts "
        f"(deviation from the design {deviation:.1f} agent-shifts)",
    )
    return shifts


def _result(
    run: _Run,
    timeline: Timeline,
    aggregate: AggregateResult,
    shifts: dict[int, tuple[int, ...]],
    placed: list[PlacedShift],
    roster: Roster,
    evaluation: Evaluation,
    warnings: list[str],
    stages: dict[str, Any],
    shifts_bound: float | None,
) -> SolveResult:
    """Stage 5: the roster's status against the bound (`evaluation`: the roster evaluated from
    scratch), and the diagnostics (short intervals, binding rules)."""
    problem = timeline.problem
    bound = None if aggregate.status == "unknown" else aggregate.bound
    if evaluation.hard_violations:
        status = "best_effort"
    elif bound is not None and bound - evaluation.objective <= 1e-4 * max(1.0, abs(bound)):
        status = "optimal"
    else:
        status = "feasible"
    short = shortfalls(timeline, evaluation)
    binding = binding_rules(timeline, evaluation, shifts, placed)
    seconds = clock.monotonic() - run.started
    result = SolveResult(
        problem=problem,
        roster=roster,
        evaluation=evaluation,
        status=status,
        bound=bound,
        solve_seconds=seconds,
        warnings=tuple(warnings),
        short=tuple(short),
        binding_rules=tuple(binding),
        stages=stages,
        bound_source=None if bound is None else aggregate.bound_source,
        shifts_bound=shifts_bound,
    )
    gap = result.gap
    run.tell(
        1.0,
        f"done in {seconds:.1f} s: {status}, objective {evaluation.objective:,.0f}"
        + (
            f", bound {bound:,.0f}, gap {100 * gap:.2f} %"
            if bound is not None and gap is not None
            else ""
        )
        + f", {evaluation.hard_violations} hard violations",
    )
    return result


def _local_search(
    timeline: Timeline,
    curves: tuple[ServeCurve, ...],
    skills: tuple[SkillSet, ...],
    placed: list[PlacedShift],
    *,
    seed: int,
    workers: int,
    left: Callable[[], float],
    ruin_left: Callable[[], float],
    tell: Callable[[float, str], None],
) -> tuple[list[PlacedShift], dict[str, Any]]:
    """Rounds of single-shift moves (`scheduling.improve`), each followed by the exact day
    models on the shifts they chose, while a round gains enough and time is left (the
    evaluation's share of the time is kept back); then, until `ruin_left` runs out, moves of
    several related shifts at once, and the day models once more."""
    started = clock.monotonic()
    reserve = _reserve(timeline)
    search = RosterSearch(timeline, curves, skills, placed)
    initial = search.objective()
    moves = rounds = 0

    def replace(current: RosterSearch) -> RosterSearch:
        return _replace(timeline, curves, skills, current, seed, workers, left() - reserve, tell)

    while left() > reserve + 0.2:
        rounds += 1
        stats = improve(
            search, time_limit_seconds=left() - reserve, seed=seed + rounds, ruin_tries=0
        )
        moves += stats.moves
        tell(0.85, f"local search round {rounds}: {stats.moves} moves gained {stats.gain:,.0f}")
        if not stats.moves or left() <= reserve + 0.5:
            break
        before = search.objective()
        search = replace(search)
        gain = search.objective() - before
        if gain <= 1e-6 or stats.gain + gain < MIN_ROUND_GAIN * max(1.0, abs(before)):
            break  # later rounds were measured to gain a few units in seconds each
    budget = min(left() - reserve, ruin_left())
    ruin_gain = 0.0
    if budget > 0.5:
        stats = improve(search, time_limit_seconds=budget, seed=seed + rounds + 1)
        moves += stats.moves
        ruin_gain = stats.gain
        tell(0.9, f"related shifts moved together: {stats.moves} moves gained {stats.gain:,.0f}")
        if stats.moves and left() > reserve + 0.5:
            search = replace(search)
    final = search.objective()
    return search.placed(), {
        "seconds": round(clock.monotonic() - started, 2),
        "rounds": rounds,
        "moves": moves,
        "gain": round(final - initial, 2),
        "related_moves_gain": round(ruin_gain, 2),
    }


def _shifts_bound(
    run: _Run,
    timeline: Timeline,
    curves: tuple[ServeCurve, ...],
    skills: tuple[SkillSet, ...],
    groups: tuple[Group, ...],
    aggregate: AggregateResult,
    placed: list[PlacedShift],
    evaluation: Evaluation,
    stages: dict[str, Any],
) -> float | None:
    """Stage 4b: where the search stopped above the gap target, the design's LP again with the
    roster's shifts fixed (`evaluation`: the roster's, for the terms its shifts decide), so the
    summary can say which side of the gap is weak: the placement on these shifts or the shifts
    and the bound. Only when the time left holds twice the design's LP time (the fixed model is
    the same size, most of it fixed)."""
    if aggregate.status == "unknown" or stages["until_target"]["stopped"] == "gap_target":
        return None
    lp_seconds = stages["design"]["seconds"]
    budget = run.left() - _reserve(timeline)
    if budget < max(1.0, 2.0 * lp_seconds):
        return None
    run.tell(0.96, "bounding what these shifts can give")
    started = clock.monotonic()
    group_of = {a: group.index for group in groups for a in group.agents}
    heads = Counter((group_of[shift.agent], shift.option) for shift in placed)
    shift_terms = -evaluation.contract_penalty - evaluation.flexible_labour_cost
    bound = shifts_fixed_bound(
        timeline, curves, skills, groups, heads, shift_terms, time_limit_seconds=budget
    )
    stages["shifts_bound"] = {
        "seconds": round(clock.monotonic() - started, 2),
        "bound": None if bound is None else round(bound, 2),
    }
    return None if bound is None else min(bound, aggregate.bound)


def _reserve(timeline: Timeline) -> float:
    """Seconds kept back for the final evaluation: 0.5 s at 200 agents, 3 s at 1,000."""
    return 0.5 + 0.003 * len(timeline.agents)


def _replace(
    timeline: Timeline,
    curves: tuple[ServeCurve, ...],
    skills: tuple[SkillSet, ...],
    current: RosterSearch,
    seed: int,
    workers: int,
    seconds: float,
    tell: Callable[[float, str], None],
) -> RosterSearch:
    """The day models of stage 3 on the current shifts, when they do better."""
    replaced, _ = place_activities(
        timeline,
        curves,
        skills,
        current.shifts_by_agent(),
        current.sell_hours_by_campaign_day(),
        time_limit_seconds=max(1.0, seconds),
        seed=seed,
        workers=workers,
        report=lambda message: None,
    )
    candidate = RosterSearch(timeline, curves, skills, replaced)
    gain = candidate.objective() - current.objective()
    if gain <= 1e-6:
        return current
    tell(0.9, f"breaks and activities again: gained {gain:,.0f}")
    return candidate


def _until_target(
    timeline: Timeline,
    curves: tuple[ServeCurve, ...],
    skills: tuple[SkillSet, ...],
    placed: list[PlacedShift],
    bound: float | None,
    *,
    seed: int,
    workers: int,
    left: Callable[[], float],
    tell: Callable[[float, str], None],
) -> tuple[list[PlacedShift], dict[str, Any]]:
    """While the gap to the bound is above `GAP_TARGET` and time is left: rounds of the local
    search with other seeds and larger groups of related shifts taken out together (3 to 10,
    growing while rounds fail), each followed by the day models when it moved anything. Stops
    at the target, at the time limit, or after `STALL_ROUNDS` rounds in a row without a gain
    (which, unlike the clock, is the same on every run with the same seed). Without a bound
    the gap is unknown, so the search goes on as if above the target."""
    started = clock.monotonic()
    reserve = _reserve(timeline)
    search = RosterSearch(timeline, curves, skills, placed)
    initial = search.objective()

    fixed: list[float] = []  # the contract terms the search leaves out (it never makes them worse)

    def gap() -> float:
        if bound is None or not math.isfinite(bound):
            return math.inf  # no bound (the design ran out of time): search on while time is left
        scale = max(abs(bound), 1e-9)
        if not fixed and (bound - search.objective()) / scale <= GAP_TARGET:
            if left() <= 2 * reserve + 0.5:
                return math.inf  # unknown without an evaluation: search on while time is left
            roster = build_roster(timeline, search.placed())
            fixed.append(search.objective() - evaluate(timeline.problem, roster).objective)
        return (bound - search.objective() + sum(fixed)) / scale

    rounds = stalled = 0
    stop = "gap_target"
    while gap() > GAP_TARGET:
        if left() <= reserve + 0.5:
            stop = "time_limit"
            break
        if stalled >= STALL_ROUNDS:
            stop = "stalled"
            break
        rounds += 1
        before = search.objective()
        stats = improve(
            search,
            time_limit_seconds=left() - reserve,
            seed=seed + 1000 + rounds,
            largest_ruin=min(10, 3 + stalled),
        )
        if stats.moves and left() > reserve + 0.5:
            search = _replace(
                timeline, curves, skills, search, seed, workers, left() - reserve, tell
            )
        gained = search.objective() - before
        stalled = 0 if gained > 1e-6 else stalled + 1
        now = gap()
        shown = f"gap {now:.2%}" if math.isfinite(now) else "no bound"
        tell(0.9, f"search round {rounds} with other seeds: gained {gained:,.0f}, {shown}")
    return search.placed(), {
        "seconds": round(clock.monotonic() - started, 2),
        "rounds": rounds,
        "gain": round(search.objective() - initial, 2),
        "stopped": stop,
    }


def preflight(timeline: Timeline) -> list[str]:
    """What this week makes impossible, named per agent, campaign or queue (solving goes on)."""
    problem = timeline.problem
    options = timeline.options
    warnings = []
    for frame in timeline.agents:
        days = {options[o].day for o in frame.options}
        if not frame.options and (frame.days_min > 0 or frame.paid_minutes_min > 0):
            warnings.append(
                f"agent {frame.code}: no shift fits this week (availability, time off, contract "
                f"hours of day, rest after last week); the contract minimum can't be met"
            )
        elif len(days) < frame.days_min:
            warnings.append(
                f"agent {frame.code}: can work on {len(days)} days this week, the contract needs "
                f"{frame.days_min}"
            )
        else:
            best = sorted(
                (
                    max(options[o].paid_minutes for o in frame.options if options[o].day == d)
                    for d in days
                ),
                reverse=True,
            )
            reachable = sum(best[: frame.days_max])
            if reachable < frame.paid_minutes_min:
                warnings.append(
                    f"agent {frame.code}: at most {reachable / 60:g} paid hours fit this week, "
                    f"the contract needs {frame.paid_minutes_min / 60:g}"
                )
    skilled_campaign = Counter(code for agent in problem.agents for code in agent.campaign_skills)
    for c, campaign in enumerate(problem.campaigns):
        if campaign.min_hours_per_week > 0 and skilled_campaign[campaign.code] == 0:
            warnings.append(
                f"campaign {campaign.code}: nobody has the skill; its minimum of "
                f"{campaign.min_hours_per_week:g} hours can't be met"
            )
        elif not timeline.calling[c].any() and campaign.min_hours_per_week > 0:
            warnings.append(f"campaign {campaign.code}: no calling hours fall in this horizon")
    skilled_queue = Counter(code for agent in problem.agents for code in agent.queue_skills)
    for queue in problem.queues:
        demand = (queue.contacts is not None and sum(queue.contacts) > 0) or (
            queue.required_agents is not None and sum(queue.required_agents) > 0
        )
        if demand and skilled_queue[queue.code] == 0:
            warnings.append(f"queue {queue.code}: has demand but no agent has the skill")
    return warnings


def seat_warnings(timeline: Timeline, curves: tuple[ServeCurve, ...]) -> list[str]:
    """Seats below what the queues require serving at once (all queues together), when the
    problem has seats: the roster will be short there whatever it does."""
    seats = timeline.problem.seats
    if seats is None or not curves:
        return []
    required = np.sum([curve.required[: timeline.intervals] for curve in curves], axis=0)
    over = np.nonzero(required > seats)[0]
    if over.size == 0:
        return []
    peak = int(np.argmax(required))
    when = timeline.time_of(peak).astimezone(timeline.problem.zone)
    return [
        f"seats: {seats} seats, but the queues require up to {int(required[peak])} agents "
        f"serving at once ({when:%a %Y-%m-%d %H:%M} local; {over.size} intervals need more "
        "agents than seats); those intervals stay short"
    ]


def build_roster(timeline: Timeline, placed: list[PlacedShift]) -> Roster:
    problem = timeline.problem
    options = timeline.options
    agents = timeline.agents
    shifts = []
    for shift in sorted(placed, key=lambda shift: (shift.agent, options[shift.option].start)):
        option = options[shift.option]
        spans = []
        begin = 0
        for i in range(1, option.intervals + 1):
            if i == option.intervals or shift.activity[i] != shift.activity[begin]:
                spans.append(
                    ActivitySpan(
                        timeline.time_of(option.start + begin),
                        timeline.time_of(option.start + i),
                        shift.activity[begin],
                    )
                )
                begin = i
        shifts.append(
            RosterShift(
                agent_code=agents[shift.agent].code,
                shift_date=problem.horizon.start_date + timedelta(days=option.day),
                start_utc=timeline.time_of(option.start),
                end_utc=timeline.time_of(option.end),
                breaks=tuple(
                    BreakSpan(timeline.time_of(begin), timeline.time_of(end), kind)
                    for begin, end, kind in sorted(shift.breaks)
                ),
                activities=tuple(spans),
            )
        )
    return Roster(tuple(shifts))


def shortfalls(timeline: Timeline, evaluation: Evaluation, limit: int = 30) -> list[dict[str, Any]]:
    """Runs of intervals in which a queue has fewer agents serving than it requires."""
    zone = timeline.problem.zone
    runs: list[dict[str, Any]] = []
    for queue in evaluation.queues:
        short = np.maximum(0, queue.required - queue.serving)
        t = 0
        while t < len(short):
            if short[t] <= 0:
                t += 1
                continue
            begin = t
            while t < len(short) and short[t] > 0:
                t += 1
            start = timeline.time_of(begin)
            end = timeline.time_of(t)
            runs.append(
                {
                    "queue": queue.code,
                    "start_utc": instant_text(start),
                    "end_utc": instant_text(end),
                    "local": (
                        f"{start.astimezone(zone):%a %Y-%m-%d %H:%M}-{end.astimezone(zone):%H:%M}"
                    ),
                    "max_agents_short": int(short[begin:t].max()),
                    "agent_hours_short": round(
                        float(short[begin:t].sum()) * timeline.interval_minutes / 60, 2
                    ),
                }
            )
    runs.sort(key=lambda run: -run["agent_hours_short"])
    return runs[:limit]


def binding_rules(
    timeline: Timeline,
    evaluation: Evaluation,
    shifts: dict[int, tuple[int, ...]],
    placed: list[PlacedShift],
) -> list[str]:
    """Which rules keep more agents from the short intervals: for every agent skilled for a
    short queue but not serving then, the first reason that applies."""
    problem = timeline.problem
    found = [
        f"{rule} not met for {count} {'campaign' if rule.startswith('campaign') else 'agent'}(s)"
        for rule, count in sorted(
            Counter(violation.rule for violation in evaluation.violations).items()
        )
    ]
    reasons: Counter[str] = Counter()
    on_shift: dict[int, list[PlacedShift]] = defaultdict(list)
    for shift in placed:
        on_shift[shift.agent].append(shift)
    for q, queue in enumerate(evaluation.queues):
        short_intervals = np.nonzero(queue.required > queue.serving)[0]
        if short_intervals.size == 0:
            continue
        skilled = [
            frame for frame in timeline.agents if problem.queues[q].code in frame.spec.queue_skills
        ]
        for t in short_intervals[:: max(1, short_intervals.size // 200)]:
            for frame in skilled:
                reason = _why_not_serving(timeline, frame, int(t), on_shift, shifts)
                if reason:
                    reasons[reason] += 1
    total = sum(reasons.values())
    for reason, count in reasons.most_common():
        found.append(
            f"{reason}: {100 * count / total:.0f} % of skilled agents"
            " not serving in short intervals"
        )
    return found


def _why_not_serving(
    timeline: Timeline,
    frame: AgentFrame,
    t: int,
    on_shift: dict[int, list[PlacedShift]],
    shifts: dict[int, tuple[int, ...]],
) -> str:
    """Why an agent skilled for a queue short in interval t is not serving it: the first reason
    that applies ("" when serving another queue is not the reason: the agent serves one)."""
    options = timeline.options
    working = next(
        (
            shift
            for shift in on_shift[frame.index]
            if options[shift.option].start <= t < options[shift.option].end
        ),
        None,
    )
    if working is not None:
        label = working.activity[t - options[working.option].start]
        if label in ("break", "lunch"):
            return "breaks (agents on break in short intervals)"
        if not label.startswith("serve:"):
            return "skills (agents busy on other queues or selling)"
        return ""
    if not any(options[o].start <= t < options[o].end for o in frame.options):
        return "availability, time off and contract hours of day"
    chosen = shifts.get(frame.index, ())
    paid = sum(options[o].paid_minutes for o in chosen)
    if len(chosen) >= frame.days_max:
        return "contract days per week (maximum reached)"
    if paid + min(options[o].paid_minutes for o in frame.options) > frame.paid_minutes_max:
        return "contract weekly hours (maximum reached)"
    return "one shift a day, rest and consecutive-day rules"


def _number(value: float | None, digits: int = 6) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(value, digits)


def _interval_document(evaluation: Evaluation, t: int, start: datetime) -> dict[str, Any]:
    """Interval t of the output: per queue its demand, serving and predicted service, and the
    agents selling per campaign."""
    queues = {}
    for queue in evaluation.queues:
        queues[queue.code] = {
            "contacts": None if queue.contacts is None else round(float(queue.contacts[t]), 3),
            "required": int(queue.required[t]),
            "serving": int(queue.serving[t]),
            "service_level": None
            if queue.service_level is None
            else _number(float(queue.service_level[t]), 4),
            "asa_seconds": None
            if queue.asa_seconds is None
            else _number(float(queue.asa_seconds[t]), 2),
            "answer_rate": None
            if queue.answer_rate is None
            else _number(float(queue.answer_rate[t]), 4),
            "occupancy": None if queue.occupancy is None else _number(float(queue.occupancy[t]), 4),
        }
    return {
        "start_utc": instant_text(start),
        "queues": queues,
        "selling": {campaign.code: int(campaign.selling[t]) for campaign in evaluation.campaigns},
    }


def roster_document(
    problem: Problem,
    roster: Roster,
    evaluation: Evaluation,
    *,
    summary: dict[str, Any],
    diagnostics: dict[str, Any],
) -> dict[str, Any]:
    """The output document: agents' shifts, per-interval KPIs, campaigns, summary, diagnostics."""
    agent_reports = {report.code: report for report in evaluation.agents}
    agents = shifts_to_json(roster, [agent.code for agent in problem.agents])
    for entry in agents:
        report = agent_reports[entry["code"]]
        entry["paid_hours"] = round(report.paid_hours, 2)
        entry["contract_paid_hours"] = [
            round(report.paid_hours_min, 2),
            round(report.paid_hours_max, 2),
        ]
        entry["days"] = report.shifts
        entry["contract_days"] = [report.days_min, report.days_max]
        entry["unpopular_shifts"] = report.unpopular_shifts
        entry["preference_penalty"] = round(report.preference_penalty, 2)
        entry["preference_days_asked"] = report.preferences.asked_days
        entry["preference_days_honoured"] = report.preferences.honoured_days
        entry["voluntary_time_off_hours"] = round(report.voluntary_time_off_hours, 2)
    intervals = [
        _interval_document(evaluation, t, start)
        for t, start in enumerate(evaluation.interval_starts_utc)
    ]
    return {
        "format": ROSTER_FORMAT,
        "version": ROSTER_VERSION,
        "problem": {
            "name": problem.name,
            "site_code": problem.site_code,
            "timezone": problem.timezone,
            "start_date": problem.horizon.start_date.isoformat(),
            "days": problem.horizon.days,
            "interval_minutes": problem.horizon.interval_minutes,
            "horizon_start_utc": instant_text(problem.start_utc),
            "horizon_end_utc": instant_text(problem.end_utc),
        },
        "summary": summary,
        "agents": agents,
        "campaigns": [
            {
                "code": campaign.code,
                "sell_hours": round(campaign.sell_hours, 2),
                "value": round(campaign.value, 2),
                "min_hours_per_week": campaign.min_hours_per_week,
                "max_hours_per_week": campaign.max_hours_per_week,
            }
            for campaign in evaluation.campaigns
        ],
        "intervals": intervals,
        "diagnostics": diagnostics,
    }


__all__ = ["AggregateResult", "SolveResult", "solve"]
