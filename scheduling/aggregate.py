"""Stage 1: shift and break design on aggregate counts (tour scheduling, Dantzig/Aykin style).

Agents are pooled into groups of one skill set and one contract. The model chooses how many of
each group work each shift option (integer counts), where breaks go (Bechtold & Jacobs' implicit
break model: counts of breaks starting per interval, linked to the shifts by forward and backward
cumulative constraints, exact because every rule's windows are translates of each other), and how
many agents of each skill set serve each queue or sell each campaign per interval. Serving is
valued by the concave tiers of `scheduling.economics`, selling by the campaign's value.

Every constraint is one that any real roster satisfies (group capacities, hours and days summed
over the group's agents, pooled breaks), so the model is a relaxation: its best bound bounds the
objective of every roster, which certifies the gap of the roster finally built.
"""

from __future__ import annotations

import math
import time as clock
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from scheduling.economics import ServeCurve
from scheduling.labour import NO_CHARGE, flexible_charge
from scheduling.linear import LinearModel
from scheduling.timeline import BreakWindow, Timeline

MIP_MAX_VARIABLES = 2_000  # designs up to this size are also solved with whole agents per shift
MIP_TIME_SHARE = 0.3  # of the design's time left after the LP
POOLED = -1  # the skill set of breaks pooled over every skill set


@dataclass(frozen=True, slots=True)
class SkillSet:
    index: int
    queues: tuple[int, ...]
    campaigns: tuple[int, ...]
    agents: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Group:
    index: int
    skill: int
    contract: str
    agents: tuple[int, ...]


def make_groups(timeline: Timeline) -> tuple[tuple[SkillSet, ...], tuple[Group, ...]]:
    problem = timeline.problem
    queue_index = {queue.code: i for i, queue in enumerate(problem.queues)}
    campaign_index = {campaign.code: i for i, campaign in enumerate(problem.campaigns)}
    by_skill: dict[tuple[tuple[str, ...], tuple[str, ...]], list[int]] = defaultdict(list)
    for frame in timeline.agents:
        by_skill[frame.skill_key].append(frame.index)
    skills = []
    for i, ((queues, campaigns), members) in enumerate(sorted(by_skill.items())):
        skills.append(
            SkillSet(
                index=i,
                queues=tuple(queue_index[code] for code in queues),
                campaigns=tuple(campaign_index[code] for code in campaigns),
                agents=tuple(members),
            )
        )
    groups: list[Group] = []
    for skill in skills:
        # agents of one contract and one weekly availability pattern are interchangeable for the
        # design (time off and last week's shift differ per agent and only cap the counts)
        by_kind: dict[tuple[str, tuple[tuple[int, str, str], ...]], list[int]] = defaultdict(list)
        for a in skill.agents:
            spec = timeline.agents[a].spec
            pattern = tuple(
                sorted(
                    (window.weekday, window.start_local.isoformat(), window.end_local.isoformat())
                    for window in spec.availability
                )
            )
            by_kind[spec.contract.code, pattern].append(a)
        for (code, _), members in sorted(by_kind.items()):
            groups.append(Group(len(groups), skill.index, code, tuple(members)))
    return tuple(skills), tuple(groups)


@dataclass(frozen=True)
class AggregateResult:
    """The LP optimum of the design: fractional agents per (group, option), selling hours per
    (campaign, day), and the optimum itself, an upper bound on every roster's objective."""

    counts: dict[tuple[int, int], float]
    sell_hours_by_campaign_day: dict[tuple[int, int], float]
    status: str  # "optimal" or "unknown" (not solved within the time limit)
    bound: float  # money
    seconds: float
    variables: int
    bound_source: str = "lp"  # "lp": the LP relaxation; "mip": whole agents per shift option
    lp_bound: float = math.nan  # the LP relaxation's optimum (equal to `bound` when source is lp)


def contract_day_penalty_hours(timeline: Timeline, contract_code: str) -> float:
    """Hours charged per day short of a contract's minimum days: its shortest paid shift."""
    rules = timeline.problem.shift_rules
    for agent in timeline.problem.agents:
        if agent.contract.code == contract_code:
            return (
                min(rules.paid_minutes(length) for length in agent.contract.shift_lengths_minutes)
                / 60.0
            )
    return 0.0


@dataclass(frozen=True)
class DesignModel:
    """The aggregate model and the variables the later stages read."""

    model: LinearModel
    counts: dict[tuple[int, int], int]  # (group, option) -> agents on it
    sell_by_campaign_day: dict[tuple[int, int], list[int]]
    serve: dict[tuple[int, int], list[int]]  # (queue, interval) -> agents serving
    # the objective's terms that the shifts alone decide (contract shortfalls, flexible hours)
    shift_terms: tuple[tuple[int, float], ...] = ()


def build_design(
    timeline: Timeline,
    curves: tuple[ServeCurve, ...],
    skills: tuple[SkillSet, ...],
    groups: tuple[Group, ...],
    *,
    breaks_per_skill: bool = False,
) -> DesignModel:
    """The design model: each rule below adds its rows; the objective sums the terms they return
    (the rules are added in this order, which fixes the order of variables and rows). Breaks
    are pooled over the skill sets unless `breaks_per_skill` (`add_breaks`)."""
    model = LinearModel()
    counts: dict[tuple[int, int], int] = {}
    shift_terms: list[tuple[int, float]] = []
    for group in groups:
        limits = group_limits(timeline, group)
        group_counts = add_shift_counts(model, timeline, group, limits, counts)
        if not group_counts:
            continue
        add_contract_maxima(model, timeline, group_counts, limits)
        shift_terms += add_contract_minima(model, timeline, group, group_counts, limits)
        shift_terms += add_flexible_hours_cost(model, timeline, group, group_counts, limits)
    model.gains(shift_terms)
    on_shift = add_agents_on_shift(model, timeline, skills, groups, counts)
    add_seats(model, timeline, on_shift)
    on_break = add_breaks(model, timeline, groups, counts, breaks_per_skill)
    activities = add_activities_within_presence(model, timeline, curves, skills, on_shift, on_break)
    model.gains(activities.sell_value)
    model.gains(add_serving_value(model, timeline, curves, activities.serve))
    model.gains(add_campaign_weekly_hours(model, timeline, activities.sell_by_campaign))
    return DesignModel(
        model, counts, activities.sell_by_campaign_day, activities.serve, tuple(shift_terms)
    )


@dataclass(frozen=True)
class GroupLimits:
    """A group's limits summed over its agents: how many may work each option and each day, and
    their weekly days and paid minutes."""

    option_caps: Counter[int]  # in the order the agents' options were met
    day_caps: Counter[int]
    days_max: int
    days_min: int
    minutes_max: int
    minutes_min: int


def group_limits(timeline: Timeline, group: Group) -> GroupLimits:
    """Sum the group's agents' options, days and contract limits (days capped by the days each
    agent has any option on)."""
    options = timeline.options
    option_caps: Counter[int] = Counter()
    day_caps: Counter[int] = Counter()
    days_max = days_min = minutes_max = minutes_min = 0
    for a in group.agents:
        frame = timeline.agents[a]
        option_caps.update(frame.options)
        available_days = {options[o].day for o in frame.options}
        day_caps.update(available_days)
        days_max += min(frame.days_max, len(available_days))
        days_min += min(frame.days_min, len(available_days))
        minutes_max += frame.paid_minutes_max
        minutes_min += frame.paid_minutes_min
    return GroupLimits(option_caps, day_caps, days_max, days_min, minutes_max, minutes_min)


def add_shift_counts(
    model: LinearModel,
    timeline: Timeline,
    group: Group,
    limits: GroupLimits,
    counts: dict[tuple[int, int], int],
) -> dict[int, int]:
    """One shift a day: a count of the group's agents on each option (at most the agents who may
    work it), and per day at most the agents free that day. Returns option -> count variable, in
    the order of `limits.option_caps`; the variables are also entered in `counts`."""
    options = timeline.options
    by_day: dict[int, list[int]] = defaultdict(list)
    for o, cap in sorted(limits.option_caps.items()):
        var = model.var(0, cap, f"n_g{group.index}_o{o}")
        counts[group.index, o] = var
        by_day[options[o].day].append(var)
    for d, variables in by_day.items():
        if len(variables) > 1:
            model.add(((var, 1.0) for var in variables), upper=limits.day_caps[d])
    return {o: counts[group.index, o] for o in limits.option_caps}


def add_contract_maxima(
    model: LinearModel, timeline: Timeline, group_counts: dict[int, int], limits: GroupLimits
) -> None:
    """Contract maxima: the group's shifts and paid minutes at most its agents' days and hours."""
    options = timeline.options
    model.add([(var, 1.0) for var in group_counts.values()], upper=limits.days_max)
    model.add(
        [(var, float(options[o].paid_minutes)) for o, var in group_counts.items()],
        upper=limits.minutes_max,
    )


def add_contract_minima(
    model: LinearModel,
    timeline: Timeline,
    group: Group,
    group_counts: dict[int, int],
    limits: GroupLimits,
) -> list[tuple[int, float]]:
    """Contract minima (soft): days and paid minutes short of the group's minimum are charged
    the contract penalty (a short day as its contract's shortest paid shift)."""
    options = timeline.options
    penalty_per_hour = timeline.problem.objective.contract_shortfall_penalty_per_hour
    shifts = [(var, 1.0) for var in group_counts.values()]
    paid = [(var, float(options[o].paid_minutes)) for o, var in group_counts.items()]
    day_hours = contract_day_penalty_hours(timeline, group.contract)
    terms: list[tuple[int, float]] = []
    if limits.days_min > 0:
        short_days = model.var(0, limits.days_min, f"short_days_g{group.index}")
        model.add([*shifts, (short_days, 1.0)], lower=limits.days_min)
        terms.append((short_days, -penalty_per_hour * day_hours))
    if limits.minutes_min > 0:
        short_minutes = model.var(0, limits.minutes_min, f"short_minutes_g{group.index}")
        model.add([*paid, (short_minutes, 1.0)], lower=limits.minutes_min)
        terms.append((short_minutes, -penalty_per_hour / 60.0))
    return terms


def add_flexible_hours_cost(
    model: LinearModel,
    timeline: Timeline,
    group: Group,
    group_counts: dict[int, int],
    limits: GroupLimits,
) -> list[tuple[int, float]]:
    """Labour where hours are flexible (`scheduling.labour.flexible_charge`; nothing without a
    wage): the group's paid minutes above its agents' minimum cost the contract's wage, and
    those above their overtime thresholds the overtime surcharge too. Pooled over the group
    (one contract), the minutes above a sum of thresholds are at most the sum of each agent's,
    so the model charges no more than the evaluation and stays a relaxation. The group's charge
    is that of any agent charged (one contract, one wage): an agent whose hours are fixed is
    never above its minimum, so charging its minutes too adds nothing."""
    problem = timeline.problem
    charges = [flexible_charge(problem, timeline.agents[a].spec) for a in group.agents]
    charge = next((c for c in charges if c.charges), NO_CHARGE)
    if not charge.charges:
        return []
    options = timeline.options
    paid = [(var, float(options[o].paid_minutes)) for o, var in group_counts.items()]
    terms: list[tuple[int, float]] = []
    if charge.rate_per_hour > 0:
        room = max(0, limits.minutes_max - limits.minutes_min)
        above = model.var(0, room, f"above_min_g{group.index}")
        model.add([*paid, (above, -1.0)], upper=limits.minutes_min)
        terms.append((above, -charge.rate_per_hour / 60.0))
    if charge.overtime_rate_per_hour > 0:
        threshold = charge.overtime_after_hours * 60.0 * len(group.agents)
        over = model.var(0, max(0.0, limits.minutes_max - threshold), f"overtime_g{group.index}")
        model.add([*paid, (over, -1.0)], upper=threshold)
        terms.append((over, -charge.overtime_rate_per_hour / 60.0))
    return terms


def add_agents_on_shift(
    model: LinearModel,
    timeline: Timeline,
    skills: tuple[SkillSet, ...],
    groups: tuple[Group, ...],
    counts: dict[tuple[int, int], int],
) -> dict[tuple[int, int], int | None]:
    """Agents on shift per skill set and interval: the previous interval's, plus the shifts
    starting, minus the shifts ending. Returns (skill set, t) -> variable (None before the
    skill set's first start); a variable is made only where the count changes."""
    options = timeline.options
    horizon = timeline.intervals
    starts_at: dict[tuple[int, int], list[int]] = defaultdict(list)
    ends_at: dict[tuple[int, int], list[int]] = defaultdict(list)
    for (g, o), var in counts.items():
        s = groups[g].skill
        starts_at[s, options[o].start].append(var)
        if options[o].end < horizon:
            ends_at[s, options[o].end].append(var)
    first_start = _first_start(timeline)
    on_shift: dict[tuple[int, int], int | None] = {}
    for skill in skills:
        previous: int | None = None
        for t in range(first_start, horizon):
            starting = starts_at.get((skill.index, t), [])
            ending = ends_at.get((skill.index, t), [])
            if starting or ending:
                var = model.var(0, len(skill.agents), f"on_s{skill.index}_t{t}")
                terms = (
                    [(var, 1.0)]
                    + [(start, -1.0) for start in starting]
                    + [(end, 1.0) for end in ending]
                )
                if previous is not None:
                    terms.append((previous, -1.0))
                model.add(terms, 0.0, 0.0)
                previous = var
            on_shift[skill.index, t] = previous
    return on_shift


def add_seats(
    model: LinearModel, timeline: Timeline, on_shift: dict[tuple[int, int], int | None]
) -> None:
    """Seats: in each interval of the horizon the agents on shift, breaks included, of every
    skill set together are at most the seats (no row without seats, or where nobody can be)."""
    seats = timeline.problem.seats
    if seats is None:
        return
    by_interval: dict[int, list[int]] = defaultdict(list)
    for (_, t), var in on_shift.items():
        if var is not None:
            by_interval[t].append(var)
    rows = {tuple(sorted(variables)) for variables in by_interval.values()}
    for variables in sorted(rows):  # a count runs unchanged over intervals: one row per set
        model.add([(var, 1.0) for var in variables], upper=float(seats))


def add_breaks(
    model: LinearModel,
    timeline: Timeline,
    groups: tuple[Group, ...],
    counts: dict[tuple[int, int], int],
    per_skill: bool,
) -> dict[tuple[int, int], list[int]]:
    """Every shift's breaks in their windows: the implicit model of each break rule over the
    whole horizon, pooled over the skill sets or `per_skill`. Kept apart, a skill set's breaks
    can't be taken from another's agents: with the shifts fixed that makes the model exact on
    the 20-agent example (pooled, it gave 1.6 % more than the best placement), while the
    design's own bound moved by 0.01 % there (0.003 % at 200 agents) for 3-6x the time, so
    only the bound on fixed shifts keeps them apart. Returns (skill set, t) -> breaks covering
    t, the skill set `POOLED` when pooled."""
    options = timeline.options
    total_shifts = len(timeline.agents) * timeline.problem.horizon.days
    on_break: dict[tuple[int, int], list[int]] = defaultdict(list)
    by_rule: dict[tuple[int, int], dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    windows: dict[int, BreakWindow] = {}
    for (g, o), var in counts.items():
        skill = groups[g].skill if per_skill else POOLED
        for window in options[o].breaks:
            by_rule[window.rule, skill][options[o].start].append(var)
            windows[window.rule] = window
    for (r, skill), shifts_by_start in sorted(by_rule.items()):
        covering: dict[int, list[int]] = defaultdict(list)
        add_implicit_breaks(
            model,
            f"r{r}" if skill == POOLED else f"r{r}_s{skill}",
            windows[r],
            shifts_by_start,
            covering,
            timeline.intervals,
            total_shifts,
        )
        for t, variables in covering.items():
            on_break[skill, t].extend(variables)
    return on_break


@dataclass(frozen=True)
class ActivityCounts:
    """The design's activity variables: agents serving per (queue, t), selling per campaign and
    per (campaign, day), and the selling value terms of the objective."""

    serve: dict[tuple[int, int], list[int]]
    sell_by_campaign: dict[int, list[int]]
    sell_by_campaign_day: dict[tuple[int, int], list[int]]
    sell_value: list[tuple[int, float]]


def add_activities_within_presence(
    model: LinearModel,
    timeline: Timeline,
    curves: tuple[ServeCurve, ...],
    skills: tuple[SkillSet, ...],
    on_shift: dict[tuple[int, int], int | None],
    on_break: dict[tuple[int, int], list[int]],
) -> ActivityCounts:
    """Serving and selling counts per interval, feasible for the skill sets on shift exactly when
    Hall's condition holds for every set of destinations (a transportation problem projected
    onto its demands), and, with the agents on break, at most the agents on shift."""
    serve: dict[tuple[int, int], list[int]] = defaultdict(list)
    sell_by_campaign: dict[int, list[int]] = defaultdict(list)
    sell_by_campaign_day: dict[tuple[int, int], list[int]] = defaultdict(list)
    sell_value: list[tuple[int, float]] = []
    total_agents = len(timeline.agents)
    active = [curve.points[:, -1] > 0 for curve in curves]
    day_of = _day_of_interval(timeline)
    for t in range(_first_start(timeline), timeline.intervals):
        present: dict[int, int] = {}
        for skill in skills:
            agents_on_shift = on_shift.get((skill.index, t))
            if agents_on_shift is not None:
                present[skill.index] = agents_on_shift
        if not present:
            continue
        destinations: list[int] = []
        adjacency: list[frozenset[int]] = []
        for q in range(len(curves)):
            adjacent = frozenset(s.index for s in skills if q in s.queues and s.index in present)
            if active[q][t] and adjacent:
                serving = model.var(0, total_agents, f"serve_q{q}_t{t}")
                serve[q, t].append(serving)
                destinations.append(serving)
                adjacency.append(adjacent)
        for c in range(len(timeline.problem.campaigns)):
            adjacent = frozenset(s.index for s in skills if c in s.campaigns and s.index in present)
            if timeline.calling[c, t] and adjacent:
                selling = model.var(0, total_agents, f"sell_c{c}_t{t}")
                sell_by_campaign[c].append(selling)
                sell_by_campaign_day[c, day_of[t]].append(selling)
                sell_value.append((selling, float(timeline.sell_value_per_interval[c, t])))
                destinations.append(selling)
                adjacency.append(adjacent)
        breaks = {s: on_break.get((s, t), []) for s in present}
        add_hall_conditions(model, destinations, adjacency, present, breaks)
        pooled = on_break.get((POOLED, t), []) + [var for b in breaks.values() for var in b]
        if destinations and pooled:
            model.add(
                [(var, 1.0) for var in destinations]
                + [(var, 1.0) for var in pooled]
                + [(var, -1.0) for var in present.values()],
                upper=0.0,
            )
    return ActivityCounts(
        dict(serve), dict(sell_by_campaign), dict(sell_by_campaign_day), sell_value
    )


def add_hall_conditions(
    model: LinearModel,
    destinations: list[int],
    adjacency: list[frozenset[int]],
    present: dict[int, int],
    breaks: dict[int, list[int]],
) -> None:
    """Hall's condition in one interval: every set of destinations takes at most the agents of
    the skill sets that can work them, less those skill sets' own breaks (`breaks`: skill set ->
    break counts covering the interval, empty when breaks are pooled); only sets closed under
    "no new skill set" are needed."""
    size = len(destinations)
    for mask in range(1, 1 << size):
        members = [i for i in range(size) if mask >> i & 1]
        reached = frozenset().union(*(adjacency[i] for i in members))
        if sum(1 for i in range(size) if adjacency[i] <= reached) != len(members):
            continue  # implied by the larger set with the same skill sets
        model.add(
            [(destinations[i], 1.0) for i in members]
            + [(present[s], -1.0) for s in reached]
            + [(var, 1.0) for s in reached for var in breaks.get(s, [])],
            upper=0.0,
        )


def add_serving_value(
    model: LinearModel,
    timeline: Timeline,
    curves: tuple[ServeCurve, ...],
    serve: dict[tuple[int, int], list[int]],
) -> list[tuple[int, float]]:
    """Serving valued by each queue's concave tiers: the tiers filled in an interval are at most
    the agents serving it (the value of nobody serving is the model's constant)."""
    terms: list[tuple[int, float]] = []
    for q, curve in enumerate(curves):
        for t in range(timeline.intervals):
            model.constant += float(curve.values[t, 0])
            servers = serve.get((q, t))
            if not servers:
                continue
            tiers = []
            for j, (width, value) in enumerate(curve.tiers(t)):
                tier = model.var(0, width, f"y_q{q}_t{t}_{j}")
                tiers.append((tier, 1.0))
                terms.append((tier, value))
            if tiers:
                model.add(tiers + [(server, -1.0) for server in servers], upper=0.0)
    return terms


def add_campaign_weekly_hours(
    model: LinearModel, timeline: Timeline, sell_by_campaign: dict[int, list[int]]
) -> list[tuple[int, float]]:
    """Each campaign's selling at most its weekly maximum; hours short of its weekly minimum are
    charged the campaign penalty."""
    step_hours = timeline.interval_minutes / 60.0
    penalty_per_hour = timeline.problem.objective.campaign_shortfall_penalty_per_hour
    terms: list[tuple[int, float]] = []
    for c, campaign in enumerate(timeline.problem.campaigns):
        sells = [(var, 1.0) for var in sell_by_campaign.get(c, [])]
        if campaign.max_hours_per_week is not None and sells:
            model.add(sells, upper=math.floor(campaign.max_hours_per_week / step_hours + 1e-9))
        needed = math.ceil(campaign.min_hours_per_week / step_hours - 1e-9)
        if needed > 0:
            short = model.var(0, needed, f"campaign_short_c{c}")
            model.add([*sells, (short, 1.0)], lower=needed)
            terms.append((short, -penalty_per_hour * step_hours))
    return terms


def solve_aggregate(
    timeline: Timeline,
    curves: tuple[ServeCurve, ...],
    skills: tuple[SkillSet, ...],
    groups: tuple[Group, ...],
    *,
    time_limit_seconds: float,
    report: Callable[[str], None],
) -> AggregateResult:
    started = clock.monotonic()
    design = build_design(timeline, curves, skills, groups)
    model = design.model
    step_hours = timeline.interval_minutes / 60.0
    report(f"shift design: {model.variables:,} variables, {model.rows:,} constraints")
    remaining = time_limit_seconds - (clock.monotonic() - started)
    solution = model.solve_lp(remaining)
    seconds = clock.monotonic() - started
    if solution.status == "unknown":
        report(f"shift design: no LP solution within {seconds:.1f} s")
        return AggregateResult({}, {}, "unknown", math.nan, seconds, model.variables)
    counts = {
        key: solution.value(var) for key, var in design.counts.items() if solution.value(var) > 1e-6
    }
    sell_hours = {
        key: sum(solution.value(var) for var in variables) * step_hours
        for key, variables in design.sell_by_campaign_day.items()
    }
    report(f"shift design: LP bound {solution.objective:,.0f} in {seconds:.1f} s")
    bound, source = solution.objective, "lp"
    if model.variables <= MIP_MAX_VARIABLES:
        bound, source = integer_heads_bound(
            model, design, bound, MIP_TIME_SHARE * (time_limit_seconds - seconds)
        )
        seconds = clock.monotonic() - started
        if source == "mip":
            report(f"shift design: bound {bound:,.0f} with whole agents per shift")
    return AggregateResult(
        counts=counts,
        sell_hours_by_campaign_day=sell_hours,
        status=solution.status,
        bound=bound,
        seconds=seconds,
        variables=model.variables,
        bound_source=source,
        lp_bound=solution.objective,
    )


def shifts_fixed_bound(
    timeline: Timeline,
    curves: tuple[ServeCurve, ...],
    skills: tuple[SkillSet, ...],
    groups: tuple[Group, ...],
    heads: Mapping[tuple[int, int], int],
    shift_terms: float,
    *,
    time_limit_seconds: float,
) -> float | None:
    """A bound on every roster in which each agent works the same shifts as a roster and only
    breaks, activities and selling differ: the design's LP optimum with the agents on each
    (group, shift option) fixed to `heads` (the roster's), each skill set's breaks kept apart,
    and the terms the shifts alone decide (contract shortfalls, flexible hours; the design
    pools them over a group's agents) replaced by the roster's own, `shift_terms`. With the
    counts fixed those terms share no row with the rest, so the rest's optimum is the LP's
    less its terms. None when it is not solved within the time or the shifts break a rule of
    the design (a roster with hard violations)."""
    design = build_design(timeline, curves, skills, groups, breaks_per_skill=True)
    if any(key not in design.counts for key in heads):
        return None
    model = design.model
    for key, var in design.counts.items():
        model.lower[var] = model.upper[var] = float(heads.get(key, 0))
    solution = model.solve_lp(time_limit_seconds)
    if solution.status != "optimal":
        return None
    pooled = sum(coef * solution.value(var) for var, coef in design.shift_terms)
    return solution.objective - pooled + shift_terms


def integer_heads_bound(
    model: LinearModel, design: DesignModel, lp_bound: float, time_limit_seconds: float
) -> tuple[float, str]:
    """The design as a MIP with whole agents per (group, shift option), everything else
    continuous: every roster has whole heads per option, so HiGHS's dual bound is still a bound,
    and on small centres a much tighter one (on tiny centres it is the exact optimum). Returns
    the tighter of it and the LP bound, and its source."""
    if time_limit_seconds < 0.5:
        return lp_bound, "lp"
    heads = set(design.counts.values())
    model.integral = [var in heads for var in range(model.variables)]
    solution = model.solve_milp(time_limit_seconds)
    if solution.status == "unknown" or not math.isfinite(solution.bound):
        return lp_bound, "lp"
    bound = solution.bound + 1e-6 * max(1.0, abs(solution.bound))  # HiGHS's tolerances
    return (bound, "mip") if bound < lp_bound else (lp_bound, "lp")


def add_implicit_breaks(
    model: LinearModel,
    label: str,
    window: BreakWindow,
    shifts_by_start: dict[int, list[int]],
    on_break: dict[int, list[int]],
    horizon: int,
    total_shifts: int,
) -> None:
    """Bechtold & Jacobs' implicit breaks of one rule (`label` names its variables): counts of
    breaks starting per interval, linked to the shifts by forward and backward cumulative rows
    (every shift started by u has its break by u + the window's last offset; no break before
    u + its first offset belongs to a shift starting at or after u). Adds the break counts to
    `on_break` (t -> the break counts covering t)."""
    starts = sorted(shifts_by_start)
    in_window: set[int] = set()
    for u in starts:
        in_window.update(range(u + window.first_offset, u + window.last_offset + 1))
    lo, hi = min(in_window), max(in_window)
    cumulative: dict[int, int | None] = {}
    previous_break: int | None = None
    for t in range(lo, hi + 1):
        if t in in_window:
            starting = model.var(0, total_shifts, f"brk_{label}_t{t}")
            started = model.var(0, total_shifts, f"cbrk_{label}_t{t}")
            terms = [(started, 1.0), (starting, -1.0)]
            if previous_break is not None:
                terms.append((previous_break, -1.0))
            model.add(terms, 0.0, 0.0)
            previous_break = started
            for covered in range(t, min(t + window.span, horizon)):
                on_break[covered].append(starting)
        cumulative[t] = previous_break

    def breaks_by(t: int) -> int | None:
        return None if t < lo else cumulative[min(t, hi)]

    previous_shifts: int | None = None
    for u in starts:
        now = model.var(0, total_shifts, f"cshift_{label}_u{u}")
        terms = [(now, 1.0)] + [(var, -1.0) for var in shifts_by_start[u]]
        if previous_shifts is not None:
            terms.append((previous_shifts, -1.0))
        model.add(terms, 0.0, 0.0)
        forward = breaks_by(u + window.last_offset)
        model.add([(now, 1.0)] + ([(forward, -1.0)] if forward is not None else []), upper=0.0)
        backward = breaks_by(u + window.first_offset - 1)
        if backward is not None:
            model.add(
                [(backward, 1.0)]
                + ([(previous_shifts, -1.0)] if previous_shifts is not None else []),
                upper=0.0,
            )
        previous_shifts = now
    last = breaks_by(hi)
    assert last is not None and previous_shifts is not None
    model.add([(last, 1.0), (previous_shifts, -1.0)], 0.0, 0.0)


def _first_start(timeline: Timeline) -> int:
    """The first interval any shift starts in (the horizon's end when there are no options)."""
    return min((o.start for o in timeline.options), default=timeline.intervals)


def _day_of_interval(timeline: Timeline) -> list[int]:
    days = []
    for d in range(len(timeline.day_starts) - 1):
        days.extend([d] * (timeline.day_starts[d + 1] - timeline.day_starts[d]))
    return days
