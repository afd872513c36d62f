"""Stage 3: place every break and give every working interval an activity, day by day.

With the shifts fixed, agents of one skill set on one shift option are interchangeable, so a day's
model counts breaks per (skill set, option, break rule, start offset) (Aykin's explicit form) and
agents per (skill set, destination, interval); serving is valued by the queue's tiers and selling
by the campaign's value, within the week's selling caps. The counts are then handed to people:
breaks in order within each (skill set, option), activities per interval keeping each agent on
what they did in the previous interval whenever the counts allow, so activities come in blocks.
An agent the model leaves free serves a queue they are skilled for that has contacts (extra
serving never lowers the value); with nothing to serve or sell the interval is ``other``.
"""

from __future__ import annotations

import math
import time as clock
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from scheduling.aggregate import SkillSet
from scheduling.economics import ServeCurve
from scheduling.linear import LinearModel
from scheduling.timeline import Timeline

BREAK = "break"
LUNCH = "lunch"
OTHER = "other"


@dataclass
class PlacedShift:
    agent: int
    option: int
    breaks: list[tuple[int, int, str]]  # (first interval, end interval, kind)
    activity: list[str]  # one per interval of the shift


@dataclass(frozen=True)
class PlacementStats:
    status: str  # worst day status: "optimal", "feasible" or "greedy"
    seconds: float


def place_activities(
    timeline: Timeline,
    curves: tuple[ServeCurve, ...],
    skills: tuple[SkillSet, ...],
    shifts: dict[int, tuple[int, ...]],
    sell_plan_hours: dict[tuple[int, int], float],
    *,
    time_limit_seconds: float,
    seed: int,
    workers: int,
    report: Callable[[str], None],
) -> tuple[list[PlacedShift], PlacementStats]:
    started = clock.monotonic()
    problem = timeline.problem
    options = timeline.options
    horizon = timeline.intervals
    step_hours = timeline.interval_minutes / 60.0
    days = problem.horizon.days
    skill_of = {a: s.index for s in skills for a in s.agents}
    queue_codes = [q.code for q in problem.queues]
    campaign_codes = [c.code for c in problem.campaigns]
    active = [c.points[:, -1] > 0 for c in curves]

    placed: list[PlacedShift] = []
    for a in sorted(shifts):
        for o in shifts[a]:
            placed.append(PlacedShift(a, o, [], [""] * options[o].intervals))
    by_day: dict[int, list[PlacedShift]] = defaultdict(list)
    for shift in placed:
        by_day[options[shift.option].day].append(shift)

    sell_cap = [
        math.floor(c.max_hours_per_week / step_hours + 1e-9)
        if c.max_hours_per_week is not None
        else 10**9
        for c in problem.campaigns
    ]
    sell_min = [math.ceil(c.min_hours_per_week / step_hours - 1e-9) for c in problem.campaigns]
    sold = [0] * len(problem.campaigns)
    serving = np.zeros((len(curves), horizon), dtype=np.int64)
    statuses: list[str] = []

    for d in range(days):
        day_started = clock.monotonic()
        first = timeline.day_starts[d]
        last = horizon if d == days - 1 else min(timeline.day_starts[d + 1], horizon)
        todays = by_day.get(d, [])
        carried = [s for s in placed if options[s.option].day < d and options[s.option].end > first]
        pairs: dict[tuple[int, int], list[PlacedShift]] = defaultdict(list)
        for shift in todays:
            pairs[skill_of[shift.agent], shift.option].append(shift)

        m = LinearModel()
        break_vars: dict[tuple[int, int, int], list[tuple[int, int]]] = {}
        covering: dict[tuple[int, int], list[int]] = defaultdict(list)  # (skill, t) -> break vars
        present: dict[tuple[int, int], int] = defaultdict(int)  # (skill, t) -> agents on shift
        for (s, o), members in sorted(pairs.items()):
            option = options[o]
            for t in range(max(option.start, first), min(option.end, last)):
                present[s, t] += len(members)
            for w in option.breaks:
                choices = []
                for off in range(w.first_offset, w.last_offset + 1):
                    var = m.var(0, len(members), f"b_s{s}_o{o}_r{w.rule}_{off}")
                    choices.append((off, var))
                    for t in range(option.start + off, option.start + off + w.span):
                        if first <= t < last:
                            covering[s, t].append(var)
                m.add(((v, 1.0) for _, v in choices), len(members), len(members))
                break_vars[s, o, w.rule] = choices
        for shift in carried:
            option = options[shift.option]
            s = skill_of[shift.agent]
            for t in range(max(option.start, first), min(option.end, last)):
                if shift.activity[t - option.start] not in (BREAK, LUNCH):
                    present[s, t] += 1
        flows: dict[tuple[int, str, int, int], int] = {}
        sells_today: dict[int, list[int]] = defaultdict(list)
        for t in range(first, last):
            serve_at: dict[int, list[int]] = defaultdict(list)
            for skill in skills:
                count = present.get((skill.index, t), 0)
                if count == 0:
                    continue
                row = []
                for q in skill.queues:
                    if active[q][t]:
                        f = m.var(0, count, f"f_s{skill.index}_q{q}_t{t}")
                        flows[skill.index, "q", q, t] = f
                        serve_at[q].append(f)
                        row.append((f, 1.0))
                for c in skill.campaigns:
                    if timeline.calling[c, t]:
                        f = m.var(0, count, f"f_s{skill.index}_c{c}_t{t}")
                        flows[skill.index, "c", c, t] = f
                        sells_today[c].append(f)
                        m.gain(f, float(timeline.sell_value_per_interval[c, t]))
                        row.append((f, 1.0))
                if row:
                    m.add(row + [(b, 1.0) for b in covering.get((skill.index, t), [])], upper=count)
            for q, curve in enumerate(curves):
                m.constant += float(curve.values[t, 0])
                if not serve_at.get(q):
                    continue
                tiers = []
                for j, (width, value) in enumerate(curve.tiers(t)):
                    y = m.var(0, width, f"y_q{q}_t{t}_{j}")
                    m.gain(y, value)
                    tiers.append((y, 1.0))
                m.add(tiers + [(f, -1.0) for f in serve_at[q]], upper=0.0)
        for c in range(len(problem.campaigns)):
            terms = [(f, 1.0) for f in sells_today.get(c, [])]
            later = sum(
                sell_plan_hours.get((c, later_day), 0.0) for later_day in range(d + 1, days)
            )
            # the week's cap is shared out as the design planned it: a day may use its own
            # planned hours and whatever earlier days left, never the hours planned for later
            # days (spending the cap greedily on Monday cost 1 % of the objective at 200 agents)
            reserved = min(sell_cap[c], math.ceil(later / step_hours - 1e-6))
            room = sell_cap[c] - reserved - sold[c]
            if terms:
                m.add(terms, upper=max(0, room))
            needed = sell_min[c] - sold[c] - math.floor(later / step_hours)
            if needed > 0:
                short = m.var(0, needed, f"campaign_short_c{c}")
                m.add([*terms, (short, 1.0)], lower=needed)
                m.gain(short, -problem.objective.campaign_shortfall_penalty_per_hour * step_hours)

        remaining_days = days - d
        budget = (time_limit_seconds - (clock.monotonic() - started)) / remaining_days
        # HiGHS solves these nearly integral day models to optimality in well under a second
        # for 200 agents (CP-SAT's two workers had not closed them after 3 s); CP-SAT is the
        # fallback should HiGHS find nothing in time
        solution = m.solve_milp(max(0.5, budget), relative_gap=1e-5)
        if solution.status == "unknown":
            budget = (time_limit_seconds - (clock.monotonic() - started)) / remaining_days
            solution = m.solve_cp_sat(max(0.5, budget), seed=seed, workers=workers)
        if solution.status == "unknown":
            values = _fallback_values(m, break_vars, present)
            statuses.append("greedy")
        else:
            values = solution.values
            statuses.append(solution.status)

        # breaks to people
        for (s, o), members in pairs.items():
            option = options[o]
            for w in option.breaks:
                offsets = []
                for off, var in break_vars[s, o, w.rule]:
                    offsets.extend([off] * int(round(values[var])))
                for shift, off in zip(members, offsets, strict=True):
                    begin = option.start + off
                    shift.breaks.append((begin, begin + w.span, w.kind))
                    for i in range(off, off + w.span):
                        shift.activity[i] = LUNCH if w.kind == LUNCH else BREAK
        # activities to people, interval by interval
        working = todays + carried
        for t in range(first, last):
            by_skill: dict[int, list[PlacedShift]] = defaultdict(list)
            for shift in working:
                option = options[shift.option]
                if option.start <= t < option.end and shift.activity[t - option.start] == "":
                    by_skill[skill_of[shift.agent]].append(shift)
            leftovers: list[PlacedShift] = []
            for s, members in sorted(by_skill.items()):
                wanted: dict[str, int] = {}
                for q in skills[s].queues:
                    flow = flows.get((s, "q", q, t))
                    if flow is not None:
                        wanted[f"serve:{queue_codes[q]}"] = int(round(values[flow]))
                for c in skills[s].campaigns:
                    flow = flows.get((s, "c", c, t))
                    if flow is not None:
                        wanted[f"sell:{campaign_codes[c]}"] = int(round(values[flow]))
                rest: list[PlacedShift] = []
                for shift in members:
                    i = t - options[shift.option].start
                    before = shift.activity[i - 1] if i > 0 else ""
                    if wanted.get(before, 0) > 0:
                        shift.activity[i] = before
                        wanted[before] -= 1
                    else:
                        rest.append(shift)
                for shift in rest:
                    i = t - options[shift.option].start
                    choice = next((k for k, v in wanted.items() if v > 0), None)
                    if choice is None:
                        leftovers.append(shift)
                        continue
                    shift.activity[i] = choice
                    wanted[choice] -= 1
            for shift in working:
                option = options[shift.option]
                if option.start <= t < option.end:
                    label = shift.activity[t - option.start]
                    if label.startswith("serve:"):
                        serving[queue_codes.index(label[6:]), t] += 1
                    elif label.startswith("sell:"):
                        sold[campaign_codes.index(label[5:])] += 1
            for shift in leftovers:
                i = t - options[shift.option].start
                shift.activity[i] = _spare_activity(
                    shift, i, t, skills[skill_of[shift.agent]], curves, serving, queue_codes, active
                )
                if shift.activity[i].startswith("serve:"):
                    serving[queue_codes.index(shift.activity[i][6:]), t] += 1
        report(
            f"breaks and activities: day {d + 1}/{days} ({statuses[-1]}) "
            f"in {clock.monotonic() - day_started:.1f} s"
        )

    # intervals past the horizon end continue the last activity (or serve a skilled queue)
    for shift in placed:
        option = options[shift.option]
        for i in range(option.intervals):
            if shift.activity[i] == "":
                before = shift.activity[i - 1] if i > 0 else ""
                if before and before not in (BREAK, LUNCH) and not before.startswith("sell:"):
                    shift.activity[i] = before
                else:
                    skill = skills[skill_of[shift.agent]]
                    shift.activity[i] = (
                        f"serve:{queue_codes[skill.queues[0]]}" if skill.queues else OTHER
                    )
    order = {"optimal": 0, "feasible": 1, "greedy": 2}
    worst = max(statuses, key=lambda s: order[s]) if statuses else "optimal"
    return placed, PlacementStats(worst, clock.monotonic() - started)


def _spare_activity(
    shift: PlacedShift,
    index: int,
    t: int,
    skill: SkillSet,
    curves: tuple[ServeCurve, ...],
    serving: np.ndarray,
    queue_codes: list[str],
    active: list[np.ndarray],
) -> str:
    before = shift.activity[index - 1] if index > 0 else ""
    candidates = [q for q in skill.queues if active[q][t]]
    if not candidates:
        return OTHER
    if before.startswith("serve:") and queue_codes.index(before[6:]) in candidates:
        return before

    def gain(q: int) -> float:
        now = serving[q, t]
        curve = curves[q]
        return float(np.interp(now + 1, curve.points[t], curve.values[t])) - float(
            np.interp(now, curve.points[t], curve.values[t])
        )

    best = max(candidates, key=lambda q: (gain(q), -q))
    return f"serve:{queue_codes[best]}"


def _fallback_values(
    m: LinearModel,
    break_vars: dict[tuple[int, int, int], list[tuple[int, int]]],
    present: dict[tuple[int, int], int],
) -> np.ndarray:
    """Breaks spread over their windows and no planned activity (the spare rule then serves):
    used only when the solver finds nothing in time."""
    values = np.zeros(m.variables)
    for choices in break_vars.values():
        total = int(m.upper[choices[0][1]])
        for k in range(total):
            off_index = (k * len(choices)) // max(1, total)
            values[choices[off_index][1]] += 1
    del present
    return values
