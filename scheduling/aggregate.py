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
from collections.abc import Callable
from dataclasses import dataclass

from scheduling.economics import ServeCurve
from scheduling.linear import LinearModel
from scheduling.timeline import BreakWindow, Timeline


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
    queue_index = {q.code: i for i, q in enumerate(problem.queues)}
    campaign_index = {c.code: i for i, c in enumerate(problem.campaigns)}
    by_skill: dict[tuple[tuple[str, ...], tuple[str, ...]], list[int]] = defaultdict(list)
    for frame in timeline.agents:
        by_skill[frame.skill_key].append(frame.index)
    skills = []
    for i, ((queues, campaigns), members) in enumerate(sorted(by_skill.items())):
        skills.append(
            SkillSet(
                index=i,
                queues=tuple(queue_index[q] for q in queues),
                campaigns=tuple(campaign_index[c] for c in campaigns),
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
                    (w.weekday, w.start_local.isoformat(), w.end_local.isoformat())
                    for w in spec.availability
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


def contract_day_penalty_hours(timeline: Timeline, contract_code: str) -> float:
    """Hours charged per day short of a contract's minimum days: its shortest paid shift."""
    rules = timeline.problem.shift_rules
    for agent in timeline.problem.agents:
        if agent.contract.code == contract_code:
            return min(rules.paid_minutes(m) for m in agent.contract.shift_lengths_minutes) / 60.0
    return 0.0


@dataclass(frozen=True)
class DesignModel:
    """The aggregate model and the variables the later stages read."""

    model: LinearModel
    counts: dict[tuple[int, int], int]  # (group, option) -> agents on it
    sell_by_campaign_day: dict[tuple[int, int], list[int]]
    serve: dict[tuple[int, int], list[int]]  # (queue, interval) -> agents serving


def build_design(
    timeline: Timeline,
    curves: tuple[ServeCurve, ...],
    skills: tuple[SkillSet, ...],
    groups: tuple[Group, ...],
) -> DesignModel:
    problem = timeline.problem
    options = timeline.options
    horizon = timeline.intervals
    step_hours = timeline.interval_minutes / 60.0
    weights = problem.objective
    m = LinearModel()
    total_agents = len(timeline.agents)
    total_shifts = total_agents * problem.horizon.days

    # shift counts per group and option
    n: dict[tuple[int, int], int] = {}
    for group in groups:
        caps: Counter[int] = Counter()
        day_caps: Counter[int] = Counter()
        days_max = days_min = minutes_max = minutes_min = 0
        for a in group.agents:
            frame = timeline.agents[a]
            caps.update(frame.options)
            available_days = {options[o].day for o in frame.options}
            day_caps.update(available_days)
            days_max += min(frame.days_max, len(available_days))
            days_min += min(frame.days_min, len(available_days))
            minutes_max += frame.paid_minutes_max
            minutes_min += frame.paid_minutes_min
        by_day: dict[int, list[int]] = defaultdict(list)
        for o, cap in sorted(caps.items()):
            var = m.var(0, cap, f"n_g{group.index}_o{o}")
            n[group.index, o] = var
            by_day[options[o].day].append(var)
        for day, variables in by_day.items():
            if len(variables) > 1:
                m.add(((v, 1.0) for v in variables), upper=day_caps[day])
        shifts = [(n[group.index, o], 1.0) for o in caps]
        paid = [(n[group.index, o], float(options[o].paid_minutes)) for o in caps]
        if not shifts:
            continue
        m.add(shifts, upper=days_max)
        m.add(paid, upper=minutes_max)
        day_hours = contract_day_penalty_hours(timeline, group.contract)
        if days_min > 0:
            short_days = m.var(0, days_min, f"short_days_g{group.index}")
            m.add([*shifts, (short_days, 1.0)], lower=days_min)
            m.gain(short_days, -weights.contract_shortfall_penalty_per_hour * day_hours)
        if minutes_min > 0:
            short_minutes = m.var(0, minutes_min, f"short_minutes_g{group.index}")
            m.add([*paid, (short_minutes, 1.0)], lower=minutes_min)
            m.gain(short_minutes, -weights.contract_shortfall_penalty_per_hour / 60.0)

    # agents on shift per skill set and interval (cumulative starts minus ends)
    starts_at: dict[tuple[int, int], list[int]] = defaultdict(list)
    ends_at: dict[tuple[int, int], list[int]] = defaultdict(list)
    for (g, o), var in n.items():
        s = groups[g].skill
        starts_at[s, options[o].start].append(var)
        if options[o].end < horizon:
            ends_at[s, options[o].end].append(var)
    first_start = min((o.start for o in options), default=horizon)
    on: dict[tuple[int, int], int | None] = {}
    for skill in skills:
        previous: int | None = None
        for t in range(first_start, horizon):
            plus = starts_at.get((skill.index, t), [])
            minus = ends_at.get((skill.index, t), [])
            if plus or minus:
                var = m.var(0, len(skill.agents), f"on_s{skill.index}_t{t}")
                terms = [(var, 1.0)] + [(v, -1.0) for v in plus] + [(v, 1.0) for v in minus]
                if previous is not None:
                    terms.append((previous, -1.0))
                m.add(terms, 0.0, 0.0)
                previous = var
            on[skill.index, t] = previous

    # breaks: implicit model per rule over the whole horizon, pooled over the skill sets (breaks
    # kept apart per skill set were measured to tighten the bound by 0.003 % for 3-6x the time)
    on_break: dict[int, list[int]] = defaultdict(list)  # t -> break vars
    by_rule: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    windows: dict[int, BreakWindow] = {}
    for (_, o), var in n.items():
        for w in options[o].breaks:
            by_rule[w.rule][options[o].start].append(var)
            windows[w.rule] = w
    for r, shifts_by_start in sorted(by_rule.items()):
        _implicit_breaks(m, r, windows[r], shifts_by_start, on_break, horizon, total_shifts)

    # activities per interval: serving and selling counts, feasible for the skill sets on shift
    # exactly when Hall's condition holds for every set of destinations (a transportation
    # problem projected onto its demands); only sets closed under "no new skill set" are needed
    serve_vars: dict[tuple[int, int], list[int]] = defaultdict(list)
    sell_by_campaign: dict[int, list[int]] = defaultdict(list)
    sell_by_campaign_day: dict[tuple[int, int], list[int]] = defaultdict(list)
    active = [c.points[:, -1] > 0 for c in curves]
    day_of = _day_of_interval(timeline)
    for t in range(first_start, horizon):
        present: dict[int, int] = {}
        for skill in skills:
            on_shift = on.get((skill.index, t))
            if on_shift is not None:
                present[skill.index] = on_shift
        if not present:
            continue
        destinations: list[int] = []
        adjacency: list[frozenset[int]] = []
        for q in range(len(curves)):
            adj = frozenset(s.index for s in skills if q in s.queues and s.index in present)
            if active[q][t] and adj:
                x = m.var(0, total_agents, f"serve_q{q}_t{t}")
                serve_vars[q, t].append(x)
                destinations.append(x)
                adjacency.append(adj)
        for c in range(len(problem.campaigns)):
            adj = frozenset(s.index for s in skills if c in s.campaigns and s.index in present)
            if timeline.calling[c, t] and adj:
                x = m.var(0, total_agents, f"sell_c{c}_t{t}")
                sell_by_campaign[c].append(x)
                sell_by_campaign_day[c, day_of[t]].append(x)
                m.gain(x, float(timeline.sell_value_per_interval[c, t]))
                destinations.append(x)
                adjacency.append(adj)
        k = len(destinations)
        for mask in range(1, 1 << k):
            members = [i for i in range(k) if mask >> i & 1]
            adj = frozenset().union(*(adjacency[i] for i in members))
            if sum(1 for i in range(k) if adjacency[i] <= adj) != len(members):
                continue  # implied by the larger set with the same skill sets
            m.add(
                [(destinations[i], 1.0) for i in members] + [(present[s], -1.0) for s in adj],
                upper=0.0,
            )
        if destinations and on_break.get(t):
            m.add(
                [(x, 1.0) for x in destinations]
                + [(b, 1.0) for b in on_break[t]]
                + [(v, -1.0) for v in present.values()],
                upper=0.0,
            )
    for q, curve in enumerate(curves):
        for t in range(horizon):
            m.constant += float(curve.values[t, 0])
            servers = serve_vars.get((q, t))
            if not servers:
                continue
            tiers = []
            for j, (width, value) in enumerate(curve.tiers(t)):
                y = m.var(0, width, f"y_q{q}_t{t}_{j}")
                tiers.append((y, 1.0))
                m.gain(y, value)
            if tiers:
                m.add(tiers + [(f, -1.0) for f in servers], upper=0.0)
    for c, campaign in enumerate(problem.campaigns):
        sells = [(f, 1.0) for f in sell_by_campaign.get(c, [])]
        if campaign.max_hours_per_week is not None and sells:
            m.add(sells, upper=math.floor(campaign.max_hours_per_week / step_hours + 1e-9))
        needed = math.ceil(campaign.min_hours_per_week / step_hours - 1e-9)
        if needed > 0:
            short = m.var(0, needed, f"campaign_short_c{c}")
            m.add([*sells, (short, 1.0)], lower=needed)
            m.gain(short, -weights.campaign_shortfall_penalty_per_hour * step_hours)
    return DesignModel(m, n, dict(sell_by_campaign_day), dict(serve_vars))


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
    m, n = design.model, design.counts
    step_hours = timeline.interval_minutes / 60.0
    report(f"shift design: {m.variables:,} variables, {m.rows:,} constraints")
    remaining = time_limit_seconds - (clock.monotonic() - started)
    solution = m.solve_lp(remaining)
    seconds = clock.monotonic() - started
    if solution.status == "unknown":
        report(f"shift design: no LP solution within {seconds:.1f} s")
        return AggregateResult({}, {}, "unknown", math.nan, seconds, m.variables)
    counts = {key: solution.value(var) for key, var in n.items() if solution.value(var) > 1e-6}
    sell_hours = {
        key: sum(solution.value(v) for v in variables) * step_hours
        for key, variables in design.sell_by_campaign_day.items()
    }
    report(f"shift design: LP bound {solution.objective:,.0f} in {seconds:.1f} s")
    return AggregateResult(
        counts=counts,
        sell_hours_by_campaign_day=sell_hours,
        status=solution.status,
        bound=solution.objective,
        seconds=seconds,
        variables=m.variables,
    )


def _implicit_breaks(
    m: LinearModel,
    r: int,
    window: BreakWindow,
    shifts_by_start: dict[int, list[int]],
    on_break: dict[int, list[int]],
    horizon: int,
    total_shifts: int,
) -> None:
    """Bechtold & Jacobs' implicit breaks of rule r: counts of breaks starting per interval,
    linked to the shifts by forward and backward cumulative rows."""
    starts = sorted(shifts_by_start)
    in_window: set[int] = set()
    for u in starts:
        in_window.update(range(u + window.first_offset, u + window.last_offset + 1))
    lo, hi = min(in_window), max(in_window)
    cumulative: dict[int, int | None] = {}
    previous_break: int | None = None
    for t in range(lo, hi + 1):
        if t in in_window:
            beta = m.var(0, total_shifts, f"brk_r{r}_t{t}")
            cum = m.var(0, total_shifts, f"cbrk_r{r}_t{t}")
            terms = [(cum, 1.0), (beta, -1.0)]
            if previous_break is not None:
                terms.append((previous_break, -1.0))
            m.add(terms, 0.0, 0.0)
            previous_break = cum
            for covered in range(t, min(t + window.span, horizon)):
                on_break[covered].append(beta)
        cumulative[t] = previous_break

    def breaks_by(t: int) -> int | None:
        return None if t < lo else cumulative[min(t, hi)]

    previous_shifts: int | None = None
    for u in starts:
        now = m.var(0, total_shifts, f"cshift_r{r}_u{u}")
        terms = [(now, 1.0)] + [(v, -1.0) for v in shifts_by_start[u]]
        if previous_shifts is not None:
            terms.append((previous_shifts, -1.0))
        m.add(terms, 0.0, 0.0)
        forward = breaks_by(u + window.last_offset)
        m.add([(now, 1.0)] + ([(forward, -1.0)] if forward is not None else []), upper=0.0)
        backward = breaks_by(u + window.first_offset - 1)
        if backward is not None:
            m.add(
                [(backward, 1.0)]
                + ([(previous_shifts, -1.0)] if previous_shifts is not None else []),
                upper=0.0,
            )
        previous_shifts = now
    last = breaks_by(hi)
    assert last is not None and previous_shifts is not None
    m.add([(last, 1.0), (previous_shifts, -1.0)], 0.0, 0.0)


def _day_of_interval(timeline: Timeline) -> list[int]:
    days = []
    for d in range(len(timeline.day_starts) - 1):
        days.extend([d] * (timeline.day_starts[d + 1] - timeline.day_starts[d]))
    return days
