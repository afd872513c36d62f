"""Stage 2: give the designed shifts to people, one group (skill set x contract) at a time.

Agents of a group are interchangeable for coverage, so each group is an independent CP-SAT model:
a boolean per (agent, shift option) only where the agent may work it, and the per-agent rules as
hard constraints: one shift a day, at most the contract's days and paid hours, minimum rest
between shifts (one row per option: it and every later option it conflicts with take at most one
agent), and at most the contract's consecutive days (counting last week's run). The contract's
minimum days and hours are soft with the heavy contract penalty, so the model is always feasible.
The objective keeps the group's counts close to the design (soft deviation), then honours
preferences and spreads unpopular shifts (min-max of each agent's count).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from scheduling.aggregate import Group, contract_day_penalty_hours
from scheduling.timeline import AgentFrame, Timeline

SCALE = 100  # objective in hundredths of the money unit
TARGET_SCALE = 20  # design targets are fractional: deviations are measured in 1/20 agent


@dataclass(frozen=True)
class GroupAssignment:
    shifts: dict[int, tuple[int, ...]]  # agent -> options, by day
    status: str
    deviation: float  # agents away from the design, summed over options


def assign_group(
    timeline: Timeline,
    group: Group,
    targets: dict[int, float],
    *,
    deviation_weight: float,
    time_limit_seconds: float,
    seed: int,
    workers: int,
) -> GroupAssignment:
    """Agents' shifts for one group, matching `targets` (agents per option) as closely as the
    per-agent rules allow."""
    problem = timeline.problem
    options = timeline.options
    frames = [timeline.agents[a] for a in group.agents]
    model = cp_model.CpModel()
    objective: list[tuple[cp_model.LinearExprT, int]] = []
    constant = 0.0
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    by_option: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    weights = problem.objective
    day_hours = contract_day_penalty_hours(timeline, group.contract)
    fair = problem.fairness.weight_per_shift
    unpopular_counts = []
    for frame in frames:
        a = frame.index
        per_day: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for o in frame.options:
            var = model.new_bool_var(f"x_a{a}_o{o}")
            x[a, o] = var
            by_option[o].append(var)
            per_day[options[o].day].append(var)
            penalty = frame.option_penalty.get(o, 0.0)
            if penalty:
                objective.append((var, -round(penalty * SCALE)))
        works: dict[int, cp_model.LinearExpr | int] = {}
        for d in range(problem.horizon.days):
            day_vars = per_day.get(d, [])
            if len(day_vars) > 1:
                model.add_at_most_one(day_vars)
            works[d] = sum(day_vars) if day_vars else 0
            if day_vars and frame.work_day_penalty.get(d):
                objective.append((works[d], -round(frame.work_day_penalty[d] * SCALE)))
            if frame.idle_day_penalty.get(d):
                constant -= frame.idle_day_penalty[d]
                if day_vars:
                    objective.append((works[d], round(frame.idle_day_penalty[d] * SCALE)))
        all_vars = [x[a, o] for o in frame.options]
        paid = sum(options[o].paid_minutes * x[a, o] for o in frame.options)
        days_worked = sum(all_vars) if all_vars else 0
        model.add(days_worked <= frame.days_max)
        model.add(paid <= frame.paid_minutes_max)
        if frame.days_min > 0:
            short_days = model.new_int_var(0, frame.days_min, f"short_days_a{a}")
            model.add(days_worked + short_days >= frame.days_min)
            objective.append(
                (
                    short_days,
                    -round(weights.contract_shortfall_penalty_per_hour * day_hours * SCALE),
                )
            )
        if frame.paid_minutes_min > 0:
            short = model.new_int_var(0, frame.paid_minutes_min, f"short_minutes_a{a}")
            model.add(paid + short >= frame.paid_minutes_min)
            objective.append(
                (short, -round(weights.contract_shortfall_penalty_per_hour / 60.0 * SCALE))
            )
        _rest_rows(model, timeline, frame, x)
        _consecutive_rows(model, frame, works, problem.horizon.days)
        if fair > 0:
            unpopular = [x[a, o] for o in frame.options if options[o].unpopular]
            if unpopular:
                unpopular_counts.append(sum(unpopular))
    if unpopular_counts and fair > 0:
        most = model.new_int_var(0, problem.horizon.days, "most_unpopular")
        for count in unpopular_counts:
            model.add(count <= most)
        objective.append((most, -round(fair * SCALE)))

    # deviation from the design, in 1/TARGET_SCALE agent
    deviations = []
    for o, variables in by_option.items():
        target = round(targets.get(o, 0.0) * TARGET_SCALE)
        cost = round(deviation_weight * options[o].length_minutes / 60.0 * SCALE / TARGET_SCALE)
        if target == 0:
            objective.append((sum(variables), -cost * TARGET_SCALE))
            deviations.append((sum(variables), TARGET_SCALE))
            continue
        gap = model.new_int_var(0, max(target, len(variables) * TARGET_SCALE), f"dev_o{o}")
        model.add(gap >= TARGET_SCALE * sum(variables) - target)
        model.add(gap >= target - TARGET_SCALE * sum(variables))
        objective.append((gap, -cost))
        deviations.append((gap, 1))
    missing = sum(t for o, t in targets.items() if o not in by_option)

    model.maximize(sum(coef * term for term, coef in objective))
    hint = greedy_assignment(timeline, frames, targets)
    for (a, o), var in x.items():
        model.add_hint(var, o in hint.get(a, ()))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.2, time_limit_seconds)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        chosen = hint
        label = "greedy"
        deviation = math.nan
    else:
        chosen = {
            f.index: tuple(
                sorted(
                    (o for o in f.options if solver.value(x[f.index, o])),
                    key=lambda o: options[o].start,
                )
            )
            for f in frames
        }
        label = "optimal" if status == cp_model.OPTIMAL else "feasible"
        deviation = sum(solver.value(term) * unit for term, unit in deviations) / TARGET_SCALE
    return GroupAssignment(
        shifts={a: tuple(v) for a, v in chosen.items()},
        status=label,
        deviation=deviation + missing,
    )


def _rest_rows(
    model: cp_model.CpModel,
    timeline: Timeline,
    frame: AgentFrame,
    x: dict[tuple[int, int], cp_model.IntVar],
) -> None:
    options = timeline.options
    by_day: dict[int, list[int]] = defaultdict(list)
    for o in frame.options:
        by_day[options[o].day].append(o)
    days = sorted(by_day)
    for d in days:
        for o in by_day[d]:
            first = options[o]
            conflicting = [
                x[frame.index, o2]
                for d2 in days
                if d2 > d
                for o2 in by_day[d2]
                if timeline.conflicts(first, options[o2], frame.rest_minutes)
            ]
            if conflicting:
                model.add_at_most_one([x[frame.index, o], *conflicting])


def _consecutive_rows(
    model: cp_model.CpModel,
    frame: AgentFrame,
    works: dict[int, cp_model.LinearExpr | int],
    days: int,
) -> None:
    limit = frame.max_consecutive_days
    prior = frame.prior_consecutive_days
    for first in range(-prior, days - limit):
        if first + limit < 0:
            continue  # a window wholly inside last week: that run is not this roster's to keep
        window = range(max(0, first), first + limit + 1)
        before = -first if first < 0 else 0  # days of last week's run inside the window
        model.add(sum(works[d] for d in window) <= limit - before)


def greedy_assignment(
    timeline: Timeline, frames: Sequence[AgentFrame], targets: dict[int, float]
) -> dict[int, tuple[int, ...]]:
    """A quick rule-abiding assignment: each agent in turn takes the options the design still
    wants most, day by day, within every hard rule; then tops up to the contract minimum."""
    options = timeline.options
    remaining = dict(targets)
    days = timeline.problem.horizon.days
    result: dict[int, tuple[int, ...]] = {}
    for frame in sorted(frames, key=lambda f: (len(f.options), f.index)):
        by_day: dict[int, list[int]] = defaultdict(list)
        for o in frame.options:
            by_day[options[o].day].append(o)
        chosen: dict[int, int] = {}

        def allowed(o: int, chosen: dict[int, int] = chosen, frame: AgentFrame = frame) -> bool:
            option = options[o]
            if option.day in chosen:
                return False
            minutes = sum(options[c].paid_minutes for c in chosen.values())
            if (
                len(chosen) + 1 > frame.days_max
                or minutes + option.paid_minutes > frame.paid_minutes_max
            ):
                return False
            for c in chosen.values():
                other = options[c]
                if other.day < option.day and timeline.conflicts(other, option, frame.rest_minutes):
                    return False
                if other.day > option.day and timeline.conflicts(option, other, frame.rest_minutes):
                    return False
            worked = {*chosen, option.day}
            run = frame.prior_consecutive_days if 0 in worked else 0
            longest = 0
            for d in range(days):
                run = run + 1 if d in worked else 0
                longest = max(longest, run)
            return longest <= frame.max_consecutive_days

        for wanted_only in (True, False):
            candidates = sorted(
                frame.options, key=lambda o: (-remaining.get(o, 0.0), options[o].start)
            )
            for o in candidates:
                if wanted_only and remaining.get(o, 0.0) < 0.5:
                    break
                if not wanted_only and (
                    len(chosen) >= frame.days_min
                    and sum(options[c].paid_minutes for c in chosen.values())
                    >= frame.paid_minutes_min
                ):
                    break
                if allowed(o):
                    chosen[options[o].day] = o
                    remaining[o] = remaining.get(o, 0.0) - 1.0
        result[frame.index] = tuple(sorted(chosen.values(), key=lambda o: options[o].start))
    return result
