"""Stage 2: give the designed shifts to people, one group (skill set x contract) at a time.

Agents of a group are interchangeable for coverage, so each group is an independent CP-SAT model:
a boolean per (agent, shift option) only where the agent may work it, and the per-agent rules as
hard constraints: one shift a day, at most the contract's days and paid hours, minimum rest
between shifts (one row per option: it and every later option it conflicts with take at most one
agent), and at most the contract's consecutive days (counting last week's run). The contract's
minimum days and hours are soft with the heavy contract penalty, so the model is always feasible.
With seats, the agents on shift in each interval are at most the seats the groups assigned before
left free (hard: nobody on shift is always feasible).
The objective keeps the group's counts close to the design (soft deviation), then honours
preferences (days off, work days, start windows, at most so many evening shifts) and spreads
unpopular shifts (min-max of each agent's count); with wages, a flexible contract's minutes above
its minimum cost its wage (`scheduling.labour`).
"""

from __future__ import annotations

import math
import threading
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from ortools.sat.python import cp_model

from scheduling.aggregate import Group, contract_day_penalty_hours
from scheduling.labour import flexible_charge
from scheduling.timeline import AgentFrame, Timeline, has_days_off_run

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
    seats_left: NDArray[np.int64] | None = None,
) -> GroupAssignment:
    """Agents' shifts for one group, matching `targets` (agents per option) as closely as the
    per-agent rules allow, with at most `seats_left[t]` of them on shift in interval t (None:
    seats are unlimited)."""
    frames = [timeline.agents[a] for a in group.agents]
    model = cp_model.CpModel()
    works_option: dict[tuple[int, int], cp_model.IntVar] = {}  # (agent, option) -> works it
    objective: list[tuple[cp_model.LinearExprT, int]] = []
    unpopular_counts: list[cp_model.LinearExprT] = []
    day_hours = contract_day_penalty_hours(timeline, group.contract)
    for frame in frames:
        objective += add_agent_rules(model, timeline, frame, works_option, day_hours)
        unpopular = unpopular_shift_count(timeline, frame, works_option)
        if unpopular is not None:
            unpopular_counts.append(unpopular)
    objective += add_fair_unpopular_shifts(model, timeline, unpopular_counts)
    by_option: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    for (_, o), var in works_option.items():
        by_option[o].append(var)
    deviation_terms, deviations = add_design_deviation(
        model, timeline, by_option, targets, deviation_weight
    )
    objective += deviation_terms
    if seats_left is not None:
        add_seats_left(model, timeline, by_option, seats_left)
    missing = sum(target for o, target in targets.items() if o not in by_option)
    model.maximize(sum(coef * term for term, coef in objective))
    hint = greedy_assignment(timeline, frames, targets, seats_left)
    for (a, o), var in works_option.items():
        model.add_hint(var, o in hint.get(a, ()))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.2, time_limit_seconds)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    # Ctrl-C stops the search only in a command's own main thread: in a worker's job thread
    # SIGINT is the worker's to handle (CP-SAT's handler there aborts the process)
    solver.parameters.catch_sigint_signal = threading.current_thread() is threading.main_thread()
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return GroupAssignment(shifts=dict(hint), status="greedy", deviation=math.nan)
    options = timeline.options
    chosen = {
        frame.index: tuple(
            sorted(
                (o for o in frame.options if solver.value(works_option[frame.index, o])),
                key=lambda o: options[o].start,
            )
        )
        for frame in frames
    }
    deviation = sum(solver.value(term) * unit for term, unit in deviations) / TARGET_SCALE
    return GroupAssignment(
        shifts=chosen,
        status="optimal" if status == cp_model.OPTIMAL else "feasible",
        deviation=deviation + missing,
    )


ObjectiveTerms = list[tuple[cp_model.LinearExprT, int]]  # (expression, coefficient) pairs


def add_agent_rules(
    model: cp_model.CpModel,
    timeline: Timeline,
    frame: AgentFrame,
    works_option: dict[tuple[int, int], cp_model.IntVar],
    day_hours: float,
) -> ObjectiveTerms:
    """One agent's shift choices under every per-agent rule (in this order, which fixes the
    order of the model's variables and constraints); `day_hours` prices a day short."""
    objective = add_shift_choices(model, timeline, frame, works_option)
    works = add_one_shift_a_day(model, timeline, frame, works_option)
    objective += day_preference_terms(frame, works)
    objective += add_evening_caps(model, frame, works_option)
    add_weekly_maxima(model, timeline, frame, works_option)
    objective += add_weekly_minima(model, timeline, frame, works_option, day_hours)
    objective += add_flexible_hours_cost(model, timeline, frame, works_option)
    add_min_rest_between_shifts(model, timeline, frame, works_option)
    add_max_consecutive_days(model, frame, works, timeline.problem.horizon.days)
    add_days_off_run(model, frame, works, timeline.problem.horizon.days)
    return objective


def add_shift_choices(
    model: cp_model.CpModel,
    timeline: Timeline,
    frame: AgentFrame,
    works_option: dict[tuple[int, int], cp_model.IntVar],
) -> ObjectiveTerms:
    """A boolean per option the agent may work (entered in `works_option`); options outside the
    agent's preferred start times are charged their preference weight."""
    a = frame.index
    objective: ObjectiveTerms = []
    for o in frame.options:
        var = model.new_bool_var(f"x_a{a}_o{o}")
        works_option[a, o] = var
        penalty = frame.option_penalty.get(o, 0.0)
        if penalty:
            objective.append((var, -round(penalty * SCALE)))
    return objective


def add_one_shift_a_day(
    model: cp_model.CpModel,
    timeline: Timeline,
    frame: AgentFrame,
    works_option: dict[tuple[int, int], cp_model.IntVar],
) -> dict[int, cp_model.LinearExpr | int]:
    """At most one shift a day. Returns day -> whether the agent works it, for the days with
    any option."""
    per_day: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    for o in frame.options:
        per_day[timeline.options[o].day].append(works_option[frame.index, o])
    works: dict[int, cp_model.LinearExpr | int] = {}
    for d in range(timeline.problem.horizon.days):
        day_vars = per_day.get(d, [])
        if len(day_vars) > 1:
            model.add_at_most_one(day_vars)
        if day_vars:
            works[d] = sum(day_vars)
    return works


def day_preference_terms(
    frame: AgentFrame, works: dict[int, cp_model.LinearExpr | int]
) -> ObjectiveTerms:
    """Day-off preferences charge working the day, work-day preferences reward it (by the
    preference's weight; a work-day penalty's constant part, paid when idle, is left out)."""
    objective: ObjectiveTerms = []
    for d, worked in works.items():
        if frame.work_day_penalty.get(d):
            objective.append((worked, -round(frame.work_day_penalty[d] * SCALE)))
        if frame.idle_day_penalty.get(d):
            objective.append((worked, round(frame.idle_day_penalty[d] * SCALE)))
    return objective


def add_evening_caps(
    model: cp_model.CpModel,
    frame: AgentFrame,
    works_option: dict[tuple[int, int], cp_model.IntVar],
) -> ObjectiveTerms:
    """Max-evenings wishes: each evening shift above the wish's cap is charged its weight."""
    objective: ObjectiveTerms = []
    for k, cap in enumerate(frame.evening_caps):
        evenings = [works_option[frame.index, o] for o in sorted(cap.options)]
        if len(evenings) <= cap.max_shifts:
            continue
        excess = model.new_int_var(0, len(evenings), f"evenings_over_{frame.index}_{k}")
        model.add(excess >= sum(evenings) - cap.max_shifts)
        objective.append((excess, -round(cap.weight * SCALE)))
    return objective


def _paid_minutes(
    timeline: Timeline, frame: AgentFrame, works_option: dict[tuple[int, int], cp_model.IntVar]
) -> cp_model.LinearExpr | int:
    options = timeline.options
    return sum(options[o].paid_minutes * works_option[frame.index, o] for o in frame.options)


def _days_worked(
    frame: AgentFrame, works_option: dict[tuple[int, int], cp_model.IntVar]
) -> cp_model.LinearExpr | int:
    shifts = [works_option[frame.index, o] for o in frame.options]
    return sum(shifts) if shifts else 0


def add_weekly_maxima(
    model: cp_model.CpModel,
    timeline: Timeline,
    frame: AgentFrame,
    works_option: dict[tuple[int, int], cp_model.IntVar],
) -> None:
    """At most the contract's days and paid minutes a week (after time-off credits)."""
    model.add(_days_worked(frame, works_option) <= frame.days_max)
    model.add(_paid_minutes(timeline, frame, works_option) <= frame.paid_minutes_max)


def add_weekly_minima(
    model: cp_model.CpModel,
    timeline: Timeline,
    frame: AgentFrame,
    works_option: dict[tuple[int, int], cp_model.IntVar],
    day_hours: float,
) -> ObjectiveTerms:
    """The contract's minimum days and paid minutes, soft: each day short is charged as the
    contract's shortest paid shift, each minute short at the hourly contract penalty."""
    a = frame.index
    penalty_per_hour = timeline.problem.objective.contract_shortfall_penalty_per_hour
    objective: ObjectiveTerms = []
    if frame.days_min > 0:
        short_days = model.new_int_var(0, frame.days_min, f"short_days_a{a}")
        model.add(_days_worked(frame, works_option) + short_days >= frame.days_min)
        objective.append((short_days, -round(penalty_per_hour * day_hours * SCALE)))
    if frame.paid_minutes_min > 0:
        short = model.new_int_var(0, frame.paid_minutes_min, f"short_minutes_a{a}")
        paid = _paid_minutes(timeline, frame, works_option)
        model.add(paid + short >= frame.paid_minutes_min)
        objective.append((short, -round(penalty_per_hour / 60.0 * SCALE)))
    return objective


def add_flexible_hours_cost(
    model: cp_model.CpModel,
    timeline: Timeline,
    frame: AgentFrame,
    works_option: dict[tuple[int, int], cp_model.IntVar],
) -> ObjectiveTerms:
    """Labour where hours are flexible (`scheduling.labour.flexible_charge`; nothing without a
    wage): each paid minute above the agent's minimum costs the contract's wage, and each above
    its overtime threshold the overtime surcharge too."""
    charge = flexible_charge(timeline.problem, frame.spec)
    if not charge.charges:
        return []
    a = frame.index
    paid = _paid_minutes(timeline, frame, works_option)
    terms: ObjectiveTerms = []
    if charge.rate_per_hour > 0:
        above = model.new_int_var(
            0, max(0, frame.paid_minutes_max - frame.paid_minutes_min), f"above_min_a{a}"
        )
        model.add(above >= paid - frame.paid_minutes_min)
        terms.append((above, -max(1, round(charge.rate_per_hour / 60.0 * SCALE))))
    if charge.overtime_rate_per_hour > 0:
        threshold = math.floor(charge.overtime_after_hours * 60.0)
        over = model.new_int_var(0, max(0, frame.paid_minutes_max - threshold), f"overtime_a{a}")
        model.add(over >= paid - threshold)
        terms.append((over, -max(1, round(charge.overtime_rate_per_hour / 60.0 * SCALE))))
    return terms


def add_min_rest_between_shifts(
    model: cp_model.CpModel,
    timeline: Timeline,
    frame: AgentFrame,
    works_option: dict[tuple[int, int], cp_model.IntVar],
) -> None:
    """Minimum rest between shifts: per option, it and every later option starting too soon
    after it take at most one of them."""
    options = timeline.options
    by_day: dict[int, list[int]] = defaultdict(list)
    for o in frame.options:
        by_day[options[o].day].append(o)
    days = sorted(by_day)
    for d in days:
        for o in by_day[d]:
            first = options[o]
            conflicting = [
                works_option[frame.index, later]
                for later_day in days
                if later_day > d
                for later in by_day[later_day]
                if timeline.conflicts(first, options[later], frame.rest_minutes)
            ]
            if conflicting:
                model.add_at_most_one([works_option[frame.index, o], *conflicting])


def add_max_consecutive_days(
    model: cp_model.CpModel,
    frame: AgentFrame,
    works: dict[int, cp_model.LinearExpr | int],
    days: int,
) -> None:
    """At most the contract's consecutive working days, counting last week's run: every window
    of limit + 1 days has a day off."""
    limit = frame.max_consecutive_days
    prior = frame.prior_consecutive_days
    for first in range(-prior, days - limit):
        if first + limit < 0:
            continue  # a window wholly inside last week: that run is not this roster's to keep
        window = range(max(0, first), first + limit + 1)
        before = -first if first < 0 else 0  # days of last week's run inside the window
        model.add(sum(works.get(d, 0) for d in window) <= limit - before)


def add_days_off_run(
    model: cp_model.CpModel,
    frame: AgentFrame,
    works: dict[int, cp_model.LinearExpr | int],
    days: int,
) -> None:
    """The contract's run of consecutive days off: one window of that many days, chosen, has no
    shift (nothing added when the contract asks for none)."""
    wanted = frame.spec.contract.min_consecutive_days_off
    if wanted <= 0 or wanted > days:
        return
    chosen = []
    for first in range(days - wanted + 1):
        window = [works[d] for d in range(first, first + wanted) if d in works]
        if not window:
            return  # the agent can't work any of these days: the run is there anyway
        off = model.new_bool_var(f"off_a{frame.index}_d{first}")
        model.add(sum(window) == 0).only_enforce_if(off)
        chosen.append(off)
    model.add_bool_or(chosen)


def unpopular_shift_count(
    timeline: Timeline, frame: AgentFrame, works_option: dict[tuple[int, int], cp_model.IntVar]
) -> cp_model.LinearExprT | None:
    """The agent's unpopular shifts (weekend or late starts), when fairness counts and the agent
    may work any."""
    if timeline.problem.fairness.weight_per_shift <= 0:
        return None
    options = timeline.options
    unpopular = [works_option[frame.index, o] for o in frame.options if options[o].unpopular]
    return sum(unpopular) if unpopular else None


def add_fair_unpopular_shifts(
    model: cp_model.CpModel, timeline: Timeline, unpopular_counts: list[cp_model.LinearExprT]
) -> ObjectiveTerms:
    """Fairness: the most unpopular shifts any agent works, charged per shift (min-max)."""
    fair = timeline.problem.fairness.weight_per_shift
    if not unpopular_counts or fair <= 0:
        return []
    most = model.new_int_var(0, timeline.problem.horizon.days, "most_unpopular")
    for count in unpopular_counts:
        model.add(count <= most)
    return [(most, -round(fair * SCALE))]


def add_seats_left(
    model: cp_model.CpModel,
    timeline: Timeline,
    by_option: dict[int, list[cp_model.IntVar]],
    seats_left: NDArray[np.int64],
) -> None:
    """Seats: the group's agents on shift in each interval of the horizon (breaks included) at
    most the seats left there; a row only where more agents could be on shift than that."""
    options = timeline.options
    covering: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    for o, variables in by_option.items():
        for t in range(options[o].start, min(options[o].end, timeline.intervals)):
            covering[t].extend(variables)
    rows: dict[tuple[int, ...], int] = {}
    keep: dict[tuple[int, ...], list[cp_model.IntVar]] = {}
    for t, variables in covering.items():
        left = max(0, int(seats_left[t]))
        if len(variables) <= left:
            continue
        key = tuple(sorted(var.index for var in variables))
        if key not in rows or left < rows[key]:
            rows[key] = left
            keep[key] = variables
    for key, left in sorted(rows.items()):
        model.add(sum(keep[key]) <= left)


def on_site_counts(timeline: Timeline, shifts: dict[int, tuple[int, ...]]) -> NDArray[np.int64]:
    """Agents on shift (breaks included) in each interval of the horizon."""
    counts = np.zeros(timeline.intervals, dtype=np.int64)
    for chosen in shifts.values():
        for o in chosen:
            option = timeline.options[o]
            counts[option.start : min(option.end, timeline.intervals)] += 1
    return counts


def add_design_deviation(
    model: cp_model.CpModel,
    timeline: Timeline,
    by_option: dict[int, list[cp_model.IntVar]],
    targets: dict[int, float],
    deviation_weight: float,
) -> tuple[ObjectiveTerms, list[tuple[cp_model.LinearExprT, int]]]:
    """Soft design targets: agents on each option away from the design's count, in 1/TARGET_SCALE
    agent, charged per hour of the shift. Returns the objective terms and the deviations as
    (expression, units of 1/TARGET_SCALE agent)."""
    options = timeline.options
    objective: ObjectiveTerms = []
    deviations: list[tuple[cp_model.LinearExprT, int]] = []
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
    return objective, deviations


def greedy_assignment(
    timeline: Timeline,
    frames: Sequence[AgentFrame],
    targets: dict[int, float],
    seats_left: NDArray[np.int64] | None = None,
) -> dict[int, tuple[int, ...]]:
    """A quick rule-abiding assignment: each agent in turn takes the options the design still
    wants most, day by day, within every hard rule (seats left included); then tops up to the
    contract minimum."""
    options = timeline.options
    free = None if seats_left is None else np.maximum(seats_left, 0).copy()
    remaining = dict(targets)
    days = timeline.problem.horizon.days
    result: dict[int, tuple[int, ...]] = {}
    for frame in sorted(frames, key=lambda frame: (len(frame.options), frame.index)):
        by_day: dict[int, list[int]] = defaultdict(list)
        for o in frame.options:
            by_day[options[o].day].append(o)
        chosen: dict[int, int] = {}

        def allowed(o: int, chosen: dict[int, int] = chosen, frame: AgentFrame = frame) -> bool:
            option = options[o]
            if option.day in chosen:
                return False
            if free is not None and (free[option.start : option.end] <= 0).any():
                return False
            minutes = sum(options[taken].paid_minutes for taken in chosen.values())
            if (
                len(chosen) + 1 > frame.days_max
                or minutes + option.paid_minutes > frame.paid_minutes_max
            ):
                return False
            for taken in chosen.values():
                other = options[taken]
                if other.day < option.day and timeline.conflicts(other, option, frame.rest_minutes):
                    return False
                if other.day > option.day and timeline.conflicts(option, other, frame.rest_minutes):
                    return False
            worked = {*chosen, option.day}
            if not has_days_off_run(worked, days, frame.spec.contract.min_consecutive_days_off):
                return False
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
                    and sum(options[taken].paid_minutes for taken in chosen.values())
                    >= frame.paid_minutes_min
                ):
                    break
                if allowed(o):
                    chosen[options[o].day] = o
                    remaining[o] = remaining.get(o, 0.0) - 1.0
                    if free is not None:
                        free[options[o].start : options[o].end] -= 1
        result[frame.index] = tuple(sorted(chosen.values(), key=lambda o: options[o].start))
    return result
