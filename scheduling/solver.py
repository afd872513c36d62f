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
also when a round gains under 0.01 % of the objective.
"""

from __future__ import annotations

import math
import time as clock
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np

from scheduling.activities import PlacedShift, place_activities
from scheduling.aggregate import AggregateResult, SkillSet, make_groups, solve_aggregate
from scheduling.assignment import assign_group
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
from scheduling.timeline import Timeline, build_timeline

Progress = Callable[[float, str], None]
MIN_ROUND_GAIN = 1e-4  # a local-search round gaining less than this share of the objective ends it
RUIN_UNTIL = 0.7  # moves of related shifts together stop at this share of the time limit


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

    @property
    def objective(self) -> float:
        return self.evaluation.objective

    @property
    def gap(self) -> float | None:
        if self.bound is None or not math.isfinite(self.bound):
            return None
        return max(0.0, (self.bound - self.objective) / max(abs(self.bound), 1e-9))

    def summary(self) -> dict[str, Any]:
        ev = self.evaluation
        return {
            "status": self.status,
            "objective": round(self.objective, 2),
            "bound": None if self.bound is None else round(self.bound, 2),
            "gap": None if self.gap is None else round(self.gap, 6),
            "solve_seconds": round(self.solve_seconds, 2),
            "hard_violations": ev.hard_violations,
            "under_coverage_agent_hours": round(ev.under_coverage_agent_hours, 2),
            "sell_hours": round(ev.sell_hours, 2),
            "outbound_value": round(ev.sell_value, 2),
            "serve_value": round(ev.serve_value, 2),
            "contract_penalty": round(ev.contract_penalty, 2),
            "campaign_penalty": round(ev.campaign_penalty, 2),
            "preference_penalty": round(ev.preference_penalty, 2),
            "max_unpopular_shifts": ev.max_unpopular_shifts,
            "shifts": len(self.roster.shifts),
            "queues": {
                q.code: {
                    "predicted_service_level": _number(q.predicted_service_level),
                    "predicted_answer_rate": _number(q.predicted_answer_rate),
                    "predicted_asa_seconds": _number(q.predicted_asa_seconds),
                    "predicted_occupancy": _number(q.predicted_occupancy),
                    "service_level_target": q.service_level_target,
                    "intervals_with_contacts": q.intervals_with_contacts,
                    "intervals_meeting_target": q.intervals_meeting_target,
                    "under_coverage_agent_hours": round(q.under_coverage_agent_hours, 2),
                }
                for q in ev.queues
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
                "violations": [str(v) for v in self.evaluation.violations],
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
    started = clock.monotonic()

    reported = [0.0]  # progress never goes back, whatever order the stages report in

    def tell(fraction: float, message: str) -> None:
        reported[0] = max(reported[0], min(1.0, fraction))
        if progress is not None:
            progress(reported[0], message)

    def left() -> float:
        return time_limit_seconds - (clock.monotonic() - started)

    tell(0.0, "preparing the week: shift options and the value of serving")
    timeline = build_timeline(problem)
    curves = serve_curves(problem)
    warnings = preflight(timeline)
    for warning in warnings:
        tell(0.02, f"warning: {warning}")
    skills, groups = make_groups(timeline)
    stages: dict[str, Any] = {"prepare_seconds": round(clock.monotonic() - started, 2)}

    # 1. design
    aggregate = solve_aggregate(
        timeline,
        curves,
        skills,
        groups,
        # the design gives the bound; the local search recovers quickly from a weak start, so
        # the LP may use most of a short time limit (200 agents need about 5 s)
        time_limit_seconds=max(1.0, 0.7 * left()),
        report=lambda message: tell(0.1, message),
    )
    stages["design"] = {
        "status": aggregate.status,
        "seconds": round(aggregate.seconds, 2),
        "variables": aggregate.variables,
        "bound": None if aggregate.status == "unknown" else round(aggregate.bound, 2),
    }

    # 2. assignment
    tell(0.45, f"assigning shifts to {len(timeline.agents)} agents in {len(groups)} groups")
    assign_started = clock.monotonic()
    budget = max(1.0, 0.3 * left())
    weight_total = sum(len(g.agents) for g in groups) or 1
    deviation_weight = 0.5 * problem.under_target_penalty_per_agent_hour()
    shifts: dict[int, tuple[int, ...]] = {}
    statuses: Counter[str] = Counter()
    deviation = 0.0
    targets_by_group: dict[int, dict[int, float]] = defaultdict(dict)
    for (g, o), value in aggregate.counts.items():
        targets_by_group[g][o] = value
    for i, group in enumerate(groups):
        share = budget * len(group.agents) / weight_total
        assigned = assign_group(
            timeline,
            group,
            targets_by_group.get(group.index, {}),
            deviation_weight=deviation_weight,
            time_limit_seconds=max(0.2, share),
            seed=seed,
            workers=workers,
        )
        shifts.update(assigned.shifts)
        statuses[assigned.status] += 1
        if math.isfinite(assigned.deviation):
            deviation += assigned.deviation
        if i % max(1, len(groups) // 10) == 0:
            tell(0.45 + 0.25 * (i + 1) / len(groups), f"assigned group {i + 1}/{len(groups)}")
    stages["assignment"] = {
        "seconds": round(clock.monotonic() - assign_started, 2),
        "groups": dict(statuses),
        "shifts": sum(len(v) for v in shifts.values()),
        "deviation_from_design": round(deviation, 2),
    }
    tell(
        0.7,
        f"assigned {stages['assignment']['shifts']} shifts "
        f"(deviation from the design {deviation:.1f} agent-shifts)",
    )

    # 3. breaks and activities
    placed, placement = place_activities(
        timeline,
        curves,
        skills,
        shifts,
        aggregate.sell_hours_by_campaign_day,
        time_limit_seconds=max(1.0, left() - 2.0),
        seed=seed,
        workers=workers,
        report=lambda message: tell(0.8, message),
    )
    stages["activities"] = {"status": placement.status, "seconds": round(placement.seconds, 2)}

    # 4. local search on the whole roster; breaks and activities again for the shifts it chose
    placed, stages["local_search"] = _local_search(
        timeline,
        curves,
        skills,
        placed,
        seed=seed,
        workers=workers,
        left=left,
        ruin_left=lambda: RUIN_UNTIL * time_limit_seconds - (clock.monotonic() - started),
        tell=tell,
    )

    # 5. evaluation
    roster = build_roster(timeline, placed)
    tell(0.95, "evaluating the roster")
    evaluation = evaluate(problem, roster)
    bound = None if aggregate.status == "unknown" else aggregate.bound
    if evaluation.hard_violations:
        status = "best_effort"
    elif bound is not None and bound - evaluation.objective <= 1e-4 * max(1.0, abs(bound)):
        status = "optimal"
    else:
        status = "feasible"
    short = shortfalls(timeline, evaluation)
    binding = binding_rules(timeline, evaluation, shifts, placed)
    seconds = clock.monotonic() - started
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
    )
    gap = result.gap
    tell(
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
    reserve = 0.5 + 0.003 * len(timeline.agents)  # evaluation: 0.5 s at 200 agents, 3 s at 1,000
    search = RosterSearch(timeline, curves, skills, placed)
    initial = search.objective()
    moves = rounds = 0

    def replace(current: RosterSearch) -> RosterSearch:
        """The day models on the current shifts, when they do better."""
        replaced, _ = place_activities(
            timeline,
            curves,
            skills,
            current.shifts_by_agent(),
            current.sell_hours_by_campaign_day(),
            time_limit_seconds=max(1.0, left() - reserve),
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
    skilled_campaign = Counter(c for a in problem.agents for c in a.campaign_skills)
    for c, campaign in enumerate(problem.campaigns):
        if campaign.min_hours_per_week > 0 and skilled_campaign[campaign.code] == 0:
            warnings.append(
                f"campaign {campaign.code}: nobody has the skill; its minimum of "
                f"{campaign.min_hours_per_week:g} hours can't be met"
            )
        elif not timeline.calling[c].any() and campaign.min_hours_per_week > 0:
            warnings.append(f"campaign {campaign.code}: no calling hours fall in this horizon")
    skilled_queue = Counter(q for a in problem.agents for q in a.queue_skills)
    for queue in problem.queues:
        demand = (queue.contacts is not None and sum(queue.contacts) > 0) or (
            queue.required_agents is not None and sum(queue.required_agents) > 0
        )
        if demand and skilled_queue[queue.code] == 0:
            warnings.append(f"queue {queue.code}: has demand but no agent has the skill")
    return warnings


def build_roster(timeline: Timeline, placed: list[PlacedShift]) -> Roster:
    problem = timeline.problem
    options = timeline.options
    agents = timeline.agents
    shifts = []
    for shift in sorted(placed, key=lambda s: (s.agent, options[s.option].start)):
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
                    BreakSpan(timeline.time_of(b), timeline.time_of(e), kind)
                    for b, e, kind in sorted(shift.breaks)
                ),
                activities=tuple(spans),
            )
        )
    return Roster(tuple(shifts))


def shortfalls(timeline: Timeline, evaluation: Evaluation, limit: int = 30) -> list[dict[str, Any]]:
    """Runs of intervals in which a queue has fewer agents serving than it requires."""
    zone = timeline.problem.zone
    runs: list[dict[str, Any]] = []
    for q in evaluation.queues:
        short = np.maximum(0, q.required - q.serving)
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
                    "queue": q.code,
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
    runs.sort(key=lambda r: -r["agent_hours_short"])
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
    options = timeline.options
    found = [
        f"{rule} not met for {count} {'campaign' if rule.startswith('campaign') else 'agent'}(s)"
        for rule, count in sorted(Counter(v.rule for v in evaluation.violations).items())
    ]
    reasons: Counter[str] = Counter()
    on_shift: dict[int, list[PlacedShift]] = defaultdict(list)
    for shift in placed:
        on_shift[shift.agent].append(shift)
    for q_index, q in enumerate(evaluation.queues):
        short_intervals = np.nonzero(q.required > q.serving)[0]
        if short_intervals.size == 0:
            continue
        skilled = [
            f for f in timeline.agents if problem.queues[q_index].code in f.spec.queue_skills
        ]
        for t in short_intervals[:: max(1, short_intervals.size // 200)]:
            for frame in skilled:
                working = next(
                    (
                        s
                        for s in on_shift[frame.index]
                        if options[s.option].start <= t < options[s.option].end
                    ),
                    None,
                )
                if working is not None:
                    label = working.activity[t - options[working.option].start]
                    if label in ("break", "lunch"):
                        reasons["breaks (agents on break in short intervals)"] += 1
                    elif not label.startswith("serve:"):
                        reasons["skills (agents busy on other queues or selling)"] += 1
                    continue
                if not any(options[o].start <= t < options[o].end for o in frame.options):
                    reasons["availability, time off and contract hours of day"] += 1
                    continue
                chosen = shifts.get(frame.index, ())
                paid = sum(options[o].paid_minutes for o in chosen)
                if len(chosen) >= frame.days_max:
                    reasons["contract days per week (maximum reached)"] += 1
                elif (
                    paid + min(options[o].paid_minutes for o in frame.options)
                    > frame.paid_minutes_max
                ):
                    reasons["contract weekly hours (maximum reached)"] += 1
                else:
                    reasons["one shift a day, rest and consecutive-day rules"] += 1
    total = sum(reasons.values())
    for reason, count in reasons.most_common():
        found.append(
            f"{reason}: {100 * count / total:.0f} % of skilled agents"
            " not serving in short intervals"
        )
    return found


def _number(value: float | None, digits: int = 6) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(value, digits)


def roster_document(
    problem: Problem,
    roster: Roster,
    evaluation: Evaluation,
    *,
    summary: dict[str, Any],
    diagnostics: dict[str, Any],
) -> dict[str, Any]:
    """The output document: agents' shifts, per-interval KPIs, campaigns, summary, diagnostics."""
    agent_reports = {a.code: a for a in evaluation.agents}
    agents = shifts_to_json(roster, [a.code for a in problem.agents])
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
    intervals = []
    for t, start in enumerate(evaluation.interval_starts_utc):
        queues = {}
        for q in evaluation.queues:
            queues[q.code] = {
                "contacts": None if q.contacts is None else round(float(q.contacts[t]), 3),
                "required": int(q.required[t]),
                "serving": int(q.serving[t]),
                "service_level": None
                if q.service_level is None
                else _number(float(q.service_level[t]), 4),
                "asa_seconds": None
                if q.asa_seconds is None
                else _number(float(q.asa_seconds[t]), 2),
                "answer_rate": None
                if q.answer_rate is None
                else _number(float(q.answer_rate[t]), 4),
                "occupancy": None if q.occupancy is None else _number(float(q.occupancy[t]), 4),
            }
        intervals.append(
            {
                "start_utc": instant_text(start),
                "queues": queues,
                "selling": {c.code: int(c.selling[t]) for c in evaluation.campaigns},
            }
        )
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
                "code": c.code,
                "sell_hours": round(c.sell_hours, 2),
                "value": round(c.value, 2),
                "min_hours_per_week": c.min_hours_per_week,
                "max_hours_per_week": c.max_hours_per_week,
            }
            for c in evaluation.campaigns
        ],
        "intervals": intervals,
        "diagnostics": diagnostics,
    }


__all__ = ["AggregateResult", "SolveResult", "solve"]
