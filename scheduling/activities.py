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
    """Breaks and activities for `shifts` (agent -> options), day by day: the day's model, solved,
    then its breaks and activities handed to people; `sell_plan_hours` is the design's selling
    hours per (campaign, day)."""
    started = clock.monotonic()
    week = _Week.start(timeline, curves, skills, shifts)
    days = timeline.problem.horizon.days
    statuses: list[str] = []
    for d in range(days):
        day_started = clock.monotonic()
        day = week.day(d)
        day_model = build_day_model(week, day, sell_plan_hours)
        values, status = _solve_day(
            day_model,
            lambda: time_limit_seconds - (clock.monotonic() - started),
            remaining_days=days - d,
            seed=seed,
            workers=workers,
        )
        statuses.append(status)
        _breaks_to_people(timeline, day, day_model.break_vars, values)
        working = day.todays + day.carried
        for t in range(day.first, day.last):
            _activities_to_people(week, working, day_model.flows, values, t)
        report(
            f"breaks and activities: day {d + 1}/{days} ({status}) "
            f"in {clock.monotonic() - day_started:.1f} s"
        )
    _continue_past_horizon(week)
    order = {"optimal": 0, "feasible": 1, "greedy": 2}
    worst = max(statuses, key=lambda status: order[status]) if statuses else "optimal"
    return week.placed, PlacementStats(worst, clock.monotonic() - started)


@dataclass
class _Week:
    """What the days share: the shifts to fill, who is in which skill set, and what the days so
    far have sold per campaign and served per (queue, interval)."""

    timeline: Timeline
    curves: tuple[ServeCurve, ...]
    skills: tuple[SkillSet, ...]
    placed: list[PlacedShift]
    by_day: dict[int, list[PlacedShift]]
    skill_of: dict[int, int]  # agent -> skill set
    queue_codes: list[str]
    campaign_codes: list[str]
    active: list[np.ndarray]  # per queue: intervals with contacts to serve
    sell_cap: list[int]  # intervals of selling a week, per campaign
    sell_min: list[int]
    sold: list[int]
    serving: np.ndarray  # (queues, intervals)

    @classmethod
    def start(
        cls,
        timeline: Timeline,
        curves: tuple[ServeCurve, ...],
        skills: tuple[SkillSet, ...],
        shifts: dict[int, tuple[int, ...]],
    ) -> _Week:
        problem = timeline.problem
        options = timeline.options
        step_hours = timeline.interval_minutes / 60.0
        placed = [
            PlacedShift(a, o, [], [""] * options[o].intervals)
            for a in sorted(shifts)
            for o in shifts[a]
        ]
        by_day: dict[int, list[PlacedShift]] = defaultdict(list)
        for shift in placed:
            by_day[options[shift.option].day].append(shift)
        return cls(
            timeline=timeline,
            curves=curves,
            skills=skills,
            placed=placed,
            by_day=by_day,
            skill_of={a: skill.index for skill in skills for a in skill.agents},
            queue_codes=[queue.code for queue in problem.queues],
            campaign_codes=[campaign.code for campaign in problem.campaigns],
            active=[curve.points[:, -1] > 0 for curve in curves],
            sell_cap=[
                math.floor(campaign.max_hours_per_week / step_hours + 1e-9)
                if campaign.max_hours_per_week is not None
                else 10**9
                for campaign in problem.campaigns
            ],
            sell_min=[
                math.ceil(campaign.min_hours_per_week / step_hours - 1e-9)
                for campaign in problem.campaigns
            ],
            sold=[0] * len(problem.campaigns),
            serving=np.zeros((len(curves), timeline.intervals), dtype=np.int64),
        )

    def day(self, d: int) -> _Day:
        """Day d's intervals, its shifts, and the earlier days' shifts still running."""
        options = self.timeline.options
        horizon = self.timeline.intervals
        first = self.timeline.day_starts[d]
        days = self.timeline.problem.horizon.days
        last = horizon if d == days - 1 else min(self.timeline.day_starts[d + 1], horizon)
        todays = self.by_day.get(d, [])
        carried = [
            shift
            for shift in self.placed
            if options[shift.option].day < d and options[shift.option].end > first
        ]
        pairs: dict[tuple[int, int], list[PlacedShift]] = defaultdict(list)
        for shift in todays:
            pairs[self.skill_of[shift.agent], shift.option].append(shift)
        return _Day(d, first, last, todays, carried, pairs)

    def record(self, label: str, t: int) -> None:
        """Count an interval's activity: serving per queue and interval, selling per campaign."""
        if label.startswith("serve:"):
            self.serving[self.queue_codes.index(label[6:]), t] += 1
        elif label.startswith("sell:"):
            self.sold[self.campaign_codes.index(label[5:])] += 1


@dataclass(frozen=True)
class _Day:
    index: int
    first: int  # first interval of the day
    last: int  # end of the day's intervals (the horizon's end on the last day)
    todays: list[PlacedShift]
    carried: list[PlacedShift]  # earlier days' shifts running into this day
    pairs: dict[tuple[int, int], list[PlacedShift]]  # (skill set, option) -> today's shifts


@dataclass(frozen=True)
class DayModel:
    """A day's model and the variables read back: break counts per (skill set, option, rule) as
    (offset, variable) and activity counts per (skill set, "q" or "c", queue or campaign, t)."""

    model: LinearModel
    break_vars: dict[tuple[int, int, int], list[tuple[int, int]]]
    flows: dict[tuple[int, str, int, int], int]


def build_day_model(
    week: _Week, day: _Day, sell_plan_hours: dict[tuple[int, int], float]
) -> DayModel:
    """The day model: each rule below adds its rows; the objective sums the terms they return
    (in this order, which fixes the order of variables and rows)."""
    model = LinearModel()
    present = _agents_present(week, day)
    break_vars, covering = add_breaks_in_windows(model, week.timeline, day)
    flows: dict[tuple[int, str, int, int], int] = {}
    sells_today: dict[int, list[int]] = defaultdict(list)
    for t in range(day.first, day.last):
        serve_at, sell_value = add_activities_within_presence(
            model, week, present, covering, t, flows, sells_today
        )
        model.gains(sell_value)
        model.gains(add_serving_value(model, week.curves, serve_at, t))
    model.gains(add_day_selling_hours(model, week, day, sells_today, sell_plan_hours))
    return DayModel(model, break_vars, flows)


def _agents_present(week: _Week, day: _Day) -> dict[tuple[int, int], int]:
    """Agents on shift per (skill set, interval) of the day: today's shifts, and the earlier
    days' shifts still running outside their breaks."""
    options = week.timeline.options
    present: dict[tuple[int, int], int] = defaultdict(int)
    for (s, o), members in sorted(day.pairs.items()):
        option = options[o]
        for t in range(max(option.start, day.first), min(option.end, day.last)):
            present[s, t] += len(members)
    for shift in day.carried:
        option = options[shift.option]
        s = week.skill_of[shift.agent]
        for t in range(max(option.start, day.first), min(option.end, day.last)):
            if shift.activity[t - option.start] not in (BREAK, LUNCH):
                present[s, t] += 1
    return present


def add_breaks_in_windows(
    model: LinearModel, timeline: Timeline, day: _Day
) -> tuple[dict[tuple[int, int, int], list[tuple[int, int]]], dict[tuple[int, int], list[int]]]:
    """Every break in its window (Aykin's explicit form): the agents of a (skill set, option)
    take each of its breaks at exactly one start offset. Returns the break counts per (skill
    set, option, rule) as (offset, variable), and per (skill set, t) the counts covering t."""
    options = timeline.options
    break_vars: dict[tuple[int, int, int], list[tuple[int, int]]] = {}
    covering: dict[tuple[int, int], list[int]] = defaultdict(list)
    for (s, o), members in sorted(day.pairs.items()):
        option = options[o]
        for window in option.breaks:
            choices = []
            for offset in range(window.first_offset, window.last_offset + 1):
                var = model.var(0, len(members), f"b_s{s}_o{o}_r{window.rule}_{offset}")
                choices.append((offset, var))
                for t in range(option.start + offset, option.start + offset + window.span):
                    if day.first <= t < day.last:
                        covering[s, t].append(var)
            model.add(((var, 1.0) for _, var in choices), len(members), len(members))
            break_vars[s, o, window.rule] = choices
    return break_vars, covering


def add_activities_within_presence(
    model: LinearModel,
    week: _Week,
    present: dict[tuple[int, int], int],
    covering: dict[tuple[int, int], list[int]],
    t: int,
    flows: dict[tuple[int, str, int, int], int],
    sells_today: dict[int, list[int]],
) -> tuple[dict[int, list[int]], list[tuple[int, float]]]:
    """Per skill set in interval t: agents serving its queues with contacts, selling its
    campaigns in calling hours and on break at most the agents present. Enters the activity
    counts in `flows` and the selling in `sells_today`; returns the serving counts per queue
    and the selling value terms."""
    timeline = week.timeline
    serve_at: dict[int, list[int]] = defaultdict(list)
    sell_value: list[tuple[int, float]] = []
    for skill in week.skills:
        count = present.get((skill.index, t), 0)
        if count == 0:
            continue
        row = []
        for q in skill.queues:
            if week.active[q][t]:
                flow = model.var(0, count, f"f_s{skill.index}_q{q}_t{t}")
                flows[skill.index, "q", q, t] = flow
                serve_at[q].append(flow)
                row.append((flow, 1.0))
        for c in skill.campaigns:
            if timeline.calling[c, t]:
                flow = model.var(0, count, f"f_s{skill.index}_c{c}_t{t}")
                flows[skill.index, "c", c, t] = flow
                sells_today[c].append(flow)
                sell_value.append((flow, float(timeline.sell_value_per_interval[c, t])))
                row.append((flow, 1.0))
        if row:
            breaks = [(var, 1.0) for var in covering.get((skill.index, t), [])]
            model.add(row + breaks, upper=count)
    return serve_at, sell_value


def add_serving_value(
    model: LinearModel,
    curves: tuple[ServeCurve, ...],
    serve_at: dict[int, list[int]],
    t: int,
) -> list[tuple[int, float]]:
    """Serving in interval t valued by each queue's concave tiers: the tiers filled are at most
    the agents serving (the value of nobody serving is the model's constant)."""
    terms: list[tuple[int, float]] = []
    for q, curve in enumerate(curves):
        model.constant += float(curve.values[t, 0])
        if not serve_at.get(q):
            continue
        tiers = []
        for j, (width, value) in enumerate(curve.tiers(t)):
            tier = model.var(0, width, f"y_q{q}_t{t}_{j}")
            terms.append((tier, value))
            tiers.append((tier, 1.0))
        model.add(tiers + [(flow, -1.0) for flow in serve_at[q]], upper=0.0)
    return terms


def add_day_selling_hours(
    model: LinearModel,
    week: _Week,
    day: _Day,
    sells_today: dict[int, list[int]],
    sell_plan_hours: dict[tuple[int, int], float],
) -> list[tuple[int, float]]:
    """Each campaign's selling today within the week's cap, less what earlier days sold and the
    design planned for later days; what the week's minimum still needs beyond the later days'
    plan is soft, charged the campaign penalty."""
    problem = week.timeline.problem
    step_hours = week.timeline.interval_minutes / 60.0
    days = problem.horizon.days
    penalty_per_hour = problem.objective.campaign_shortfall_penalty_per_hour
    terms: list[tuple[int, float]] = []
    for c in range(len(problem.campaigns)):
        sells = [(flow, 1.0) for flow in sells_today.get(c, [])]
        later = sum(
            sell_plan_hours.get((c, later_day), 0.0) for later_day in range(day.index + 1, days)
        )
        # the week's cap is shared out as the design planned it: a day may use its own
        # planned hours and whatever earlier days left, never the hours planned for later
        # days (spending the cap greedily on Monday cost 1 % of the objective at 200 agents)
        reserved = min(week.sell_cap[c], math.ceil(later / step_hours - 1e-6))
        room = week.sell_cap[c] - reserved - week.sold[c]
        if sells:
            model.add(sells, upper=max(0, room))
        needed = week.sell_min[c] - week.sold[c] - math.floor(later / step_hours)
        if needed > 0:
            short = model.var(0, needed, f"campaign_short_c{c}")
            model.add([*sells, (short, 1.0)], lower=needed)
            terms.append((short, -penalty_per_hour * step_hours))
    return terms


def _solve_day(
    day_model: DayModel,
    time_left: Callable[[], float],
    *,
    remaining_days: int,
    seed: int,
    workers: int,
) -> tuple[np.ndarray, str]:
    """The day model's values and status, within an even share of the time left. HiGHS solves
    these nearly integral day models to optimality in well under a second for 200 agents
    (CP-SAT's two workers had not closed them after 3 s); CP-SAT is the fallback should HiGHS
    find nothing in time, and breaks spread over their windows the last resort ("greedy")."""
    model = day_model.model
    solution = model.solve_milp(max(0.5, time_left() / remaining_days), relative_gap=1e-5)
    if solution.status == "unknown":
        budget = time_left() / remaining_days
        solution = model.solve_cp_sat(max(0.5, budget), seed=seed, workers=workers)
    if solution.status == "unknown":
        return _fallback_values(model, day_model.break_vars), "greedy"
    return solution.values, solution.status


def _breaks_to_people(
    timeline: Timeline,
    day: _Day,
    break_vars: dict[tuple[int, int, int], list[tuple[int, int]]],
    values: np.ndarray,
) -> None:
    """Each (skill set, option)'s break counts to its agents in order, marked in their
    activities."""
    options = timeline.options
    for (s, o), members in day.pairs.items():
        option = options[o]
        for window in option.breaks:
            offsets = []
            for offset, var in break_vars[s, o, window.rule]:
                offsets.extend([offset] * int(round(values[var])))
            for shift, offset in zip(members, offsets, strict=True):
                begin = option.start + offset
                shift.breaks.append((begin, begin + window.span, window.kind))
                for i in range(offset, offset + window.span):
                    shift.activity[i] = LUNCH if window.kind == LUNCH else BREAK


def _activities_to_people(
    week: _Week,
    working: list[PlacedShift],
    flows: dict[tuple[int, str, int, int], int],
    values: np.ndarray,
    t: int,
) -> None:
    """Interval t's activity counts to the agents working then, each skill set's agents keeping
    what they did in the previous interval whenever the counts allow; an agent left over gets
    the spare activity."""
    options = week.timeline.options
    by_skill: dict[int, list[PlacedShift]] = defaultdict(list)
    for shift in working:
        option = options[shift.option]
        if option.start <= t < option.end and shift.activity[t - option.start] == "":
            by_skill[week.skill_of[shift.agent]].append(shift)
    leftovers: list[PlacedShift] = []
    for s, members in sorted(by_skill.items()):
        wanted = _planned_activities(week, s, flows, values, t)
        leftovers += _hand_out(week, members, wanted, t)
    for shift in working:
        option = options[shift.option]
        if option.start <= t < option.end:
            week.record(shift.activity[t - option.start], t)
    for shift in leftovers:
        i = t - options[shift.option].start
        shift.activity[i] = _spare_activity(
            shift,
            i,
            t,
            week.skills[week.skill_of[shift.agent]],
            week.curves,
            week.serving,
            week.queue_codes,
            week.active,
        )
        if shift.activity[i].startswith("serve:"):
            week.record(shift.activity[i], t)


def _planned_activities(
    week: _Week,
    s: int,
    flows: dict[tuple[int, str, int, int], int],
    values: np.ndarray,
    t: int,
) -> dict[str, int]:
    """Skill set s's agents per activity label in interval t, as the day model planned."""
    wanted: dict[str, int] = {}
    for q in week.skills[s].queues:
        flow = flows.get((s, "q", q, t))
        if flow is not None:
            wanted[f"serve:{week.queue_codes[q]}"] = int(round(values[flow]))
    for c in week.skills[s].campaigns:
        flow = flows.get((s, "c", c, t))
        if flow is not None:
            wanted[f"sell:{week.campaign_codes[c]}"] = int(round(values[flow]))
    return wanted


def _hand_out(
    week: _Week, members: list[PlacedShift], wanted: dict[str, int], t: int
) -> list[PlacedShift]:
    """The planned activities to the members in interval t: first to those who did the same in
    the previous interval, then in order. Returns the members left without one."""
    options = week.timeline.options
    rest: list[PlacedShift] = []
    for shift in members:
        i = t - options[shift.option].start
        before = shift.activity[i - 1] if i > 0 else ""
        if wanted.get(before, 0) > 0:
            shift.activity[i] = before
            wanted[before] -= 1
        else:
            rest.append(shift)
    leftovers: list[PlacedShift] = []
    for shift in rest:
        i = t - options[shift.option].start
        choice = next((label for label, count in wanted.items() if count > 0), None)
        if choice is None:
            leftovers.append(shift)
            continue
        shift.activity[i] = choice
        wanted[choice] -= 1
    return leftovers


def _continue_past_horizon(week: _Week) -> None:
    """Intervals past the horizon's end continue the last activity (selling stops: calling
    hours are not known there), or serve a skilled queue."""
    options = week.timeline.options
    for shift in week.placed:
        option = options[shift.option]
        for i in range(option.intervals):
            if shift.activity[i] == "":
                before = shift.activity[i - 1] if i > 0 else ""
                if before and before not in (BREAK, LUNCH) and not before.startswith("sell:"):
                    shift.activity[i] = before
                else:
                    skill = week.skills[week.skill_of[shift.agent]]
                    shift.activity[i] = (
                        f"serve:{week.queue_codes[skill.queues[0]]}" if skill.queues else OTHER
                    )


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
    model: LinearModel, break_vars: dict[tuple[int, int, int], list[tuple[int, int]]]
) -> np.ndarray:
    """Breaks spread over their windows and no planned activity (the spare rule then serves):
    used only when the solver finds nothing in time."""
    values = np.zeros(model.variables)
    for choices in break_vars.values():
        total = int(model.upper[choices[0][1]])
        for k in range(total):
            choice = (k * len(choices)) // max(1, total)
            values[choices[choice][1]] += 1
    return values
