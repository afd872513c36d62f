"""Stage 4: local search on the finished roster, valued exactly as the evaluation values it.

The design and the assignment decide shifts from fractional targets, group by group, so agents of
different groups don't coordinate: two people may cover the same peak hour while the next one is
short. This stage takes one agent's shift at a time out of the roster and puts back the best
shift that agent may work on any free day (every per-agent rule checked), with its breaks where
they cost least and each working interval on the destination worth most given everyone else:
ruin and recreate. A move is kept only when the week's objective rises.

Values are exact, not estimated: the serving value of queue q in interval t is the evaluation's
piecewise-linear function of the agents serving, tabulated once per whole agent count, so adding
or removing an agent changes the objective by a table difference; selling earns the campaign's
value within its weekly cap, and its weekly minimum counts as in the evaluation. Preferences and
fairness count as in the assignment: each wish not honoured costs its weight (each evening shift
above a max-evenings wish's cap is one), and one more
unpopular shift for whoever has the most costs the fairness weight. With seats, a shift is put
back only where a seat is free in every interval it covers. A shift may also be left out
when the contract's minimum days and hours allow and that gains (a day-off wish that costs the
service nothing, or a flexible contract's hours above its minimum that cost more in wages than
they cover: `scheduling.labour`).
"""

from __future__ import annotations

import math
import time as clock
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from scheduling.activities import BREAK, LUNCH, OTHER, PlacedShift
from scheduling.aggregate import SkillSet
from scheduling.economics import ServeCurve
from scheduling.labour import flexible_charge
from scheduling.timeline import AgentFrame, ShiftOption, Timeline, has_days_off_run

IDLE = -1  # working, with nothing worth doing ("other", or serving a queue without value)
ON_BREAK = -2
ON_LUNCH = -3
# a pass over all shifts, or a batch of related-shift moves, that gains less than this share of
# the objective ends them (at 1,000 agents passes of tiny moves had gone on for a minute)
MIN_BATCH_GAIN = 1e-4


@dataclass
class _Shift:
    option: int
    breaks: list[tuple[int, int, str]]  # (offset, span, kind)
    acts: list[int]  # per interval: queue index, Q + campaign index, IDLE, ON_BREAK or ON_LUNCH


@dataclass(frozen=True)
class ImproveStats:
    moves: int
    passes: int
    gain: float  # objective gained (money)
    seconds: float


@dataclass
class _Agent:
    frame: AgentFrame
    skill: SkillSet
    by_day: dict[int, list[int]]  # day -> options
    shifts: dict[int, _Shift] = field(default_factory=dict)  # day -> shift


class RosterSearch:
    """The roster as counts per queue/campaign and interval, with exact move values."""

    def __init__(
        self,
        timeline: Timeline,
        curves: tuple[ServeCurve, ...],
        skills: tuple[SkillSet, ...],
        placed: list[PlacedShift],
    ) -> None:
        self.timeline = timeline
        problem = timeline.problem
        self.options = timeline.options
        self.horizon = timeline.intervals
        self.queues = len(curves)
        self.campaigns = len(problem.campaigns)
        self.queue_codes = [queue.code for queue in problem.queues]
        self.campaign_codes = [campaign.code for campaign in problem.campaigns]
        step_hours = timeline.interval_minutes / 60.0
        # serving value tables: value[q][t, k] for k = 0..K (flat beyond, as the evaluation)
        self.value: list[NDArray[np.float64]] = []
        for curve in curves:
            top = int(curve.points[:, -1].max()) + 1
            ks = np.arange(top + 1, dtype=float)
            table = np.empty((self.horizon, top + 1))
            for t in range(self.horizon):
                table[t] = np.interp(ks, curve.points[t], curve.values[t])
            self.value.append(table)
        self.top = [table.shape[1] - 1 for table in self.value]
        self.serving = np.zeros((self.queues, self.horizon), dtype=np.int64)
        self.selling = np.zeros((self.campaigns, self.horizon), dtype=np.int64)
        self.sell_value = np.asarray(timeline.sell_value_per_interval, dtype=float)
        self.calling = np.asarray(timeline.calling, dtype=bool)
        self.sell_cap = [
            math.floor(campaign.max_hours_per_week / step_hours + 1e-9)
            if campaign.max_hours_per_week is not None
            else 10**9
            for campaign in problem.campaigns
        ]
        self.sell_min = [
            math.ceil(campaign.min_hours_per_week / step_hours - 1e-9)
            for campaign in problem.campaigns
        ]
        self.short_penalty = problem.objective.campaign_shortfall_penalty_per_hour * step_hours
        self.sold = [0] * self.campaigns
        self.seats = problem.seats
        # agents on shift per interval of the horizon, kept only when seats are limited
        self.on_site = np.zeros(self.horizon if self.seats is not None else 0, dtype=np.int64)
        skill_of = {a: skill for skill in skills for a in skill.agents}
        self.agents: list[_Agent] = []
        for frame in timeline.agents:
            by_day: dict[int, list[int]] = defaultdict(list)
            for o in frame.options:
                by_day[self.options[o].day].append(o)
            self.agents.append(_Agent(frame, skill_of[frame.index], dict(by_day)))
        # labour where hours are flexible: the wage above the minimum, the overtime surcharge
        self.charges = [flexible_charge(problem, frame.spec) for frame in timeline.agents]
        labels = {f"serve:{code}": q for q, code in enumerate(self.queue_codes)}
        labels.update(
            {f"sell:{code}": self.queues + c for c, code in enumerate(self.campaign_codes)}
        )
        labels.update({BREAK: ON_BREAK, LUNCH: ON_LUNCH, OTHER: IDLE})
        for shift in placed:
            option = self.options[shift.option]
            record = _Shift(
                shift.option,
                [(begin - option.start, end - begin, kind) for begin, end, kind in shift.breaks],
                [labels.get(label, IDLE) for label in shift.activity],
            )
            self.agents[shift.agent].shifts[option.day] = record
            self._apply(option, record.acts, +1)
            self._seat(option, +1)
        self.fair_weight = problem.fairness.weight_per_shift
        # the most unpopular shifts any agent has: more for anyone costs the fairness weight
        self.unpopular_cap = max(
            (
                sum(1 for shift in agent.shifts.values() if self.options[shift.option].unpopular)
                for agent in self.agents
            ),
            default=0,
        )

    # ------------------------------------------------------------------------------ valuation
    def objective(self) -> float:
        """Serving plus selling value minus campaign shortfall and the flexible hours' labour
        cost (contract terms don't move)."""
        total = -float(sum(self._labour(agent, self._paid(agent)) for agent in self.agents))
        for q, table in enumerate(self.value):
            servers = np.minimum(self.serving[q], self.top[q])
            total += float(table[np.arange(self.horizon), servers].sum())
        total += float((self.selling * self.sell_value).sum())
        for c in range(self.campaigns):
            total -= self.short_penalty * max(0, self.sell_min[c] - self.sold[c])
        return total

    def _paid(self, agent: _Agent) -> int:
        return sum(self.options[shift.option].paid_minutes for shift in agent.shifts.values())

    def _labour(self, agent: _Agent, paid_minutes: int | NDArray[np.int64]) -> Any:
        """What the objective charges for the agent's week at these paid minutes: the wage of
        each minute above the minimum and the overtime surcharge of each above the threshold
        (0 unless the contract's hours are flexible and it has a wage)."""
        charge = self.charges[agent.frame.index]
        if not charge.charges:
            return 0.0
        cost = (
            charge.rate_per_hour / 60.0 * np.maximum(0, paid_minutes - agent.frame.paid_minutes_min)
        )
        if charge.overtime_rate_per_hour:
            over = np.maximum(0, paid_minutes - charge.overtime_after_hours * 60.0)
            cost = cost + charge.overtime_rate_per_hour / 60.0 * over
        return cost

    def _apply(self, option: ShiftOption, acts: list[int], sign: int) -> float:
        """Add (sign +1) or remove (-1) a shift's activities; the objective's change."""
        delta = 0.0
        for i, act in enumerate(acts):
            delta += self._apply_one(option.start + i, act, sign)
        return delta

    def _seat(self, option: ShiftOption, sign: int) -> None:
        if self.seats is not None:
            self.on_site[option.start : option.end] += sign

    def _seat_free(self, option: ShiftOption) -> bool:
        """Whether a seat is free in every interval of the horizon the option covers."""
        if self.seats is None:
            return True
        span = self.on_site[option.start : option.end]
        return span.size == 0 or int(span.max()) < self.seats

    def _apply_one(self, t: int, act: int, sign: int) -> float:
        if act < 0 or t >= self.horizon:
            return 0.0
        if act < self.queues:
            servers = int(self.serving[act, t])
            table, top = self.value[act], self.top[act]
            self.serving[act, t] = servers + sign
            return float(table[t, min(servers + sign, top)] - table[t, min(servers, top)])
        c = act - self.queues
        before = self.sold[c]
        self.sold[c] += sign
        self.selling[c, t] += sign
        short_before = max(0, self.sell_min[c] - before)
        short_after = max(0, self.sell_min[c] - self.sold[c])
        return sign * float(self.sell_value[c, t]) - self.short_penalty * (
            short_after - short_before
        )

    def _gains(self, skill: SkillSet, lo: int, hi: int) -> tuple[NDArray[np.float64], NDArray]:
        """For intervals [lo, hi): the value one more agent of this skill set adds at best, and
        the destination that adds it (IDLE when nothing adds value)."""
        width = hi - lo
        best = np.zeros(width)
        where = np.full(width, IDLE, dtype=np.int64)
        span = np.arange(lo, min(hi, self.horizon))
        length = span.size
        if length == 0:
            return best, where
        for q in skill.queues:
            table, top = self.value[q], self.top[q]
            servers = self.serving[q, span]
            gain = table[span, np.minimum(servers + 1, top)] - table[span, np.minimum(servers, top)]
            better = gain > best[:length] + 1e-12
            best[:length][better] = gain[better]
            where[:length][better] = q
        for c in skill.campaigns:
            if self.sold[c] >= self.sell_cap[c]:
                continue
            gain = self.sell_value[c, span] * self.calling[c, span]
            if self.sold[c] < self.sell_min[c]:
                gain = gain + self.short_penalty * self.calling[c, span]
            better = self.calling[c, span] & (gain > best[:length] + 1e-12)
            best[:length][better] = gain[better]
            where[:length][better] = self.queues + c
        return best, where

    # ---------------------------------------------------------------------------------- rules
    def _allowed_days(self, agent: _Agent) -> list[int]:
        """Days the agent may take one more shift on, all other shifts staying as they are."""
        frame = agent.frame
        worked = set(agent.shifts)
        if len(worked) + 1 > frame.days_max:
            return []
        days = self.timeline.problem.horizon.days
        days_off = frame.spec.contract.min_consecutive_days_off
        allowed = []
        for d in agent.by_day:
            if d in worked:
                continue
            if days_off and not has_days_off_run(worked | {d}, days, days_off):
                continue
            run = frame.prior_consecutive_days
            longest = 0
            for day in range(days):
                run = run + 1 if day in worked or day == d else 0
                longest = max(longest, run)
            if longest <= frame.max_consecutive_days:
                allowed.append(d)
        return allowed

    def _candidates(self, agent: _Agent, day: int, paid_low: int, paid_high: int) -> list[int]:
        """Options of that day within the hours left and rest from the neighbouring shifts."""
        frame = agent.frame
        options = self.options
        before = [shift for d, shift in agent.shifts.items() if d < day]
        after = [shift for d, shift in agent.shifts.items() if d > day]
        previous = max(before, key=lambda shift: options[shift.option].start, default=None)
        following = min(after, key=lambda shift: options[shift.option].start, default=None)
        result = []
        for o in agent.by_day[day]:
            option = options[o]
            if not paid_low <= option.paid_minutes <= paid_high:
                continue
            if self.seats is not None and not self._seat_free(option):
                continue
            if previous is not None and self.timeline.conflicts(
                options[previous.option], option, frame.rest_minutes
            ):
                continue
            if following is not None and self.timeline.conflicts(
                option, options[following.option], frame.rest_minutes
            ):
                continue
            result.append(o)
        return result

    # ---------------------------------------------------------------------------------- moves
    def _best_insertion(
        self, agent: _Agent, days: list[int], paid_floor_minutes: int
    ) -> tuple[float, int | None, list[tuple[int, int, str]]]:
        """The best shift (score, option, breaks) on one of `days` keeping the week's paid
        minutes at least `paid_floor_minutes`: its score is the value its working intervals
        add at best, less preference penalties."""
        frame = agent.frame
        options = self.options
        paid_now = sum(options[shift.option].paid_minutes for shift in agent.shifts.values())
        unpopular_now = sum(1 for shift in agent.shifts.values() if options[shift.option].unpopular)
        low = max(0, paid_floor_minutes - paid_now)
        high = frame.paid_minutes_max - paid_now
        over_cap = unpopular_now + 1 > self.unpopular_cap
        best_score, best_option, best_breaks = -math.inf, None, []
        for d in days:
            candidates = self._candidates(agent, d, low, high)
            if not candidates:
                continue
            lo = min(options[o].start for o in candidates)
            hi = max(options[o].end for o in candidates)
            gain, _ = self._gains(agent.skill, lo, hi)
            prefix = np.concatenate(([0.0], np.cumsum(gain)))
            starts = np.array([options[o].start - lo for o in candidates])
            ends = np.array([options[o].end - lo for o in candidates])
            score = prefix[ends] - prefix[starts]
            day_penalty = frame.work_day_penalty.get(d, 0.0) - frame.idle_day_penalty.get(d, 0.0)
            score -= day_penalty + np.array([frame.option_penalty.get(o, 0.0) for o in candidates])
            if self.charges[frame.index].charges:
                paid = paid_now + np.array([options[o].paid_minutes for o in candidates])
                score -= self._labour(agent, paid) - self._labour(agent, paid_now)
            if frame.evening_caps:  # one more evening shift where a wish's cap is reached
                score -= self._evening_costs(agent, candidates)
            if over_cap:  # one more unpopular shift for the agent who has the most
                score -= self.fair_weight * np.array([options[o].unpopular for o in candidates])
            # breaks where they cost least (windows are per length; group candidates by it)
            lost = np.zeros(len(candidates))
            chosen: list[list[tuple[int, int, str]]] = [[] for _ in candidates]
            by_length: dict[int, list[int]] = defaultdict(list)
            for i, o in enumerate(candidates):
                by_length[options[o].length_minutes].append(i)
            for members in by_length.values():
                idx = np.array(members)
                windows = options[candidates[members[0]]].breaks
                earliest = np.zeros(len(members), dtype=np.int64)  # first free offset
                for window in windows:
                    offs = np.arange(window.first_offset, window.last_offset + 1)
                    first = starts[idx][:, None] + offs[None, :]
                    cost = prefix[np.minimum(first + window.span, len(gain))] - prefix[first]
                    cost = np.where(offs[None, :] >= earliest[:, None], cost, np.inf)
                    pick = np.argmin(cost, axis=1)
                    lost[idx] += cost[np.arange(len(members)), pick]
                    for j, i in enumerate(members):
                        off = int(offs[pick[j]])
                        chosen[i].append((off, window.span, window.kind))
                    earliest = offs[pick] + window.span
            score -= lost
            i = int(np.argmax(score))
            if score[i] > best_score:
                best_score, best_option, best_breaks = float(score[i]), candidates[i], chosen[i]
        return best_score, best_option, best_breaks

    def _evenings(self, agent: _Agent) -> float:
        """What the agent's max-evenings wishes charge for their shifts now."""
        return agent.frame.evening_charge(shift.option for shift in agent.shifts.values())

    def _evening_costs(self, agent: _Agent, candidates: list[int]) -> NDArray[np.float64]:
        """For each candidate option: what adding it to the agent's week adds to the charge of
        their max-evenings wishes."""
        worked = [shift.option for shift in agent.shifts.values()]
        cost = np.zeros(len(candidates))
        for cap in agent.frame.evening_caps:
            if sum(1 for o in worked if o in cap.options) >= cap.max_shifts:
                cost += cap.weight * np.array([o in cap.options for o in candidates])
        return cost

    def _insert(self, agent: _Agent, o: int, breaks: list[tuple[int, int, str]]) -> float:
        """Put the shift in with its breaks, each working interval on its best destination."""
        option = self.options[o]
        paid_before = self._paid(agent)
        evenings_before = self._evenings(agent)
        acts = [IDLE] * option.intervals
        for off, span, kind in breaks:
            for i in range(off, min(off + span, option.intervals)):
                acts[i] = ON_LUNCH if kind == LUNCH else ON_BREAK
        _, where = self._gains(agent.skill, option.start, option.end)
        delta = 0.0
        for i in range(option.intervals):
            t = option.start + i
            if acts[i] != IDLE or t >= self.horizon:
                continue
            act = int(where[i])
            if (
                act >= self.queues
                and self.sold[act - self.queues] >= self.sell_cap[act - self.queues]
            ):
                act = int(self._gains(agent.skill, t, t + 1)[1][0])  # the cap filled up
            acts[i] = act
            delta += self._apply_one(t, act, +1)
        agent.shifts[option.day] = _Shift(o, list(breaks), acts)
        self._seat(option, +1)
        if option.unpopular:
            count = sum(
                1 for shift in agent.shifts.values() if self.options[shift.option].unpopular
            )
            if count > self.unpopular_cap:
                delta -= self.fair_weight * (count - self.unpopular_cap)
                self.unpopular_cap = count
        frame = agent.frame
        delta -= frame.option_penalty.get(o, 0.0)
        delta -= frame.work_day_penalty.get(option.day, 0.0)
        delta += frame.idle_day_penalty.get(option.day, 0.0)
        delta -= float(self._labour(agent, self._paid(agent)) - self._labour(agent, paid_before))
        delta -= self._evenings(agent) - evenings_before
        return delta

    def _remove(self, agent: _Agent, day: int) -> tuple[_Shift, float]:
        paid_before = self._paid(agent)
        evenings_before = self._evenings(agent)
        record = agent.shifts.pop(day)
        option = self.options[record.option]
        delta = self._apply(option, record.acts, -1)
        self._seat(option, -1)
        frame = agent.frame
        delta += frame.option_penalty.get(record.option, 0.0)
        delta += frame.work_day_penalty.get(day, 0.0)
        delta -= frame.idle_day_penalty.get(day, 0.0)
        delta += float(self._labour(agent, paid_before) - self._labour(agent, self._paid(agent)))
        delta += evenings_before - self._evenings(agent)
        return record, delta

    def _restore(self, agent: _Agent, record: _Shift) -> None:
        option = self.options[record.option]
        agent.shifts[option.day] = record
        self._apply(option, record.acts, +1)
        self._seat(option, +1)

    def try_move(self, a: int, day: int | None) -> float:
        """Re-place agent a's shift of `day` (None: add a shift on a free day) at its best, or
        leave it out when the contract allows and that is better (a wish for the day off);
        keep the change only when it gains. Returns the gain (0 when nothing changed)."""
        agent = self.agents[a]
        frame = agent.frame
        options = self.options
        paid_before = sum(options[shift.option].paid_minutes for shift in agent.shifts.values())
        floor = min(frame.paid_minutes_min, paid_before)
        cap = self.unpopular_cap
        removed = None
        delta = 0.0
        if day is not None:
            removed, delta = self._remove(agent, day)
        can_drop = (
            removed is not None
            and len(agent.shifts) >= frame.days_min
            and paid_before - options[removed.option].paid_minutes >= floor
        )
        score, o, breaks = self._best_insertion(agent, self._allowed_days(agent), floor)
        if o is not None and (removed is not None or score > 1e-9):
            total = delta + self._insert(agent, o, breaks)
            if total > 1e-6 and not (can_drop and delta > total + 1e-6):
                return total
            self._remove(agent, options[o].day)
            self.unpopular_cap = cap
        if can_drop and delta > 1e-6:
            return delta  # the shift stays out
        if removed is not None:
            self._restore(agent, removed)
        return 0.0

    def try_ruin(self, pairs: list[tuple[int, int]]) -> float:
        """Take the shifts (agent, day) of distinct agents out together, put each agent back at
        their best in the given order; keep the change only when the week gains."""
        options = self.options
        floors = {}
        for a, _ in pairs:
            agent = self.agents[a]
            paid = sum(options[shift.option].paid_minutes for shift in agent.shifts.values())
            floors[a] = min(agent.frame.paid_minutes_min, paid)
        cap = self.unpopular_cap
        removed = []
        delta = 0.0
        for a, day in pairs:
            record, change = self._remove(self.agents[a], day)
            removed.append((a, record))
            delta += change
        inserted = []
        complete = True
        for a, _ in pairs:
            agent = self.agents[a]
            _, o, breaks = self._best_insertion(agent, self._allowed_days(agent), floors[a])
            if o is None:
                complete = False
                break
            delta += self._insert(agent, o, breaks)
            inserted.append((a, options[o].day))
        if complete and delta > 1e-6:
            return delta
        for a, day in inserted:
            self._remove(self.agents[a], day)
        for a, record in removed:
            self._restore(self.agents[a], record)
        self.unpopular_cap = cap
        return 0.0

    def related(self, rng: np.random.Generator, size: int) -> list[tuple[int, int]]:
        """A random shift and up to size - 1 shifts of other agents overlapping it on its day,
        in random order: people who could take over each other's hours."""
        options = self.options
        everyone = [(a, d) for a, agent in enumerate(self.agents) for d in agent.shifts]
        if not everyone:
            return []
        a, d = everyone[int(rng.integers(len(everyone)))]
        seed = options[self.agents[a].shifts[d].option]
        near = [
            (b, d)
            for b, agent in enumerate(self.agents)
            if b != a
            and d in agent.shifts
            and options[agent.shifts[d].option].start < seed.end
            and seed.start < options[agent.shifts[d].option].end
        ]
        picked = [near[int(i)] for i in rng.permutation(len(near))[: size - 1]]
        chosen = [(a, d), *picked]
        return [chosen[int(i)] for i in rng.permutation(len(chosen))]

    def add_shift(self, a: int, o: int, break_offsets: list[int]) -> None:
        """Put a given shift in (breaks at the given offsets, one per break window, in
        intervals after the start), each working interval on the destination worth most then:
        how a naive roster is completed for comparison."""
        option = self.options[o]
        breaks = [
            (off, window.span, window.kind)
            for off, window in zip(break_offsets, option.breaks, strict=True)
        ]
        self._insert(self.agents[a], o, breaks)

    # ------------------------------------------------------------------------------- results
    def placed(self) -> list[PlacedShift]:
        result = []
        for a, agent in enumerate(self.agents):
            for day in sorted(agent.shifts):
                record = agent.shifts[day]
                option = self.options[record.option]
                labels = []
                for i, act in enumerate(record.acts):
                    labels.append(self._label(agent, act, option.start + i))
                result.append(
                    PlacedShift(
                        a,
                        record.option,
                        [
                            (option.start + off, option.start + off + span, kind)
                            for off, span, kind in record.breaks
                        ],
                        labels,
                    )
                )
        return result

    def _label(self, agent: _Agent, act: int, t: int) -> str:
        if act == ON_BREAK:
            return BREAK
        if act == ON_LUNCH:
            return LUNCH
        if act >= self.queues:
            return f"sell:{self.campaign_codes[act - self.queues]}"
        if act >= 0:
            return f"serve:{self.queue_codes[act]}"
        # idle: serve a skilled queue that has contacts then (it never lowers the value)
        for q in agent.skill.queues:
            if t < self.horizon and self.top[q] > 1 and self.value[q][t, -1] > self.value[q][t, 0]:
                return f"serve:{self.queue_codes[q]}"
        return OTHER

    def shifts_by_agent(self) -> dict[int, tuple[int, ...]]:
        return {
            a: tuple(agent.shifts[d].option for d in sorted(agent.shifts))
            for a, agent in enumerate(self.agents)
        }

    def sell_hours_by_campaign_day(self) -> dict[tuple[int, int], float]:
        step_hours = self.timeline.interval_minutes / 60.0
        result: dict[tuple[int, int], float] = {}
        starts = self.timeline.day_starts
        for c in range(self.campaigns):
            for d in range(len(starts) - 1):
                hi = min(starts[d + 1], self.horizon)
                result[c, d] = float(self.selling[c, starts[d] : hi].sum()) * step_hours
        return result


def improve(
    search: RosterSearch,
    *,
    time_limit_seconds: float,
    seed: int,
    ruin_tries: int | None = None,
    largest_ruin: int = 4,
) -> ImproveStats:
    """Ruin-and-recreate passes over every shift (and every free day of agents below their
    days), in a seeded random order, while a pass gains at least `MIN_BATCH_GAIN` of the
    objective; then related shifts (2 to 4 overlapping shifts of different agents) taken out and
    put back together, `ruin_tries` at a time (default: twice the shifts, within 300-1,000; 0:
    none) while such a batch gains as much; all again while the latter gains and time is
    left. `largest_ruin` is the most shifts taken out together (2 to it, uniformly)."""
    started = clock.monotonic()
    rng = np.random.default_rng(seed)
    total = 0.0
    moves = passes = 0

    def time_left() -> bool:
        return clock.monotonic() - started < time_limit_seconds

    while time_left():
        while time_left():
            passes += 1
            work: list[tuple[int, int | None]] = []
            for a, agent in enumerate(search.agents):
                work.extend((a, d) for d in agent.shifts)
                if len(agent.shifts) < agent.frame.days_max:
                    work.append((a, None))
            gained = 0.0
            for i in rng.permutation(len(work)):
                if not time_left():
                    break
                a, day = work[int(i)]
                if day is not None and day not in search.agents[a].shifts:
                    continue  # moved earlier in this pass
                gain = search.try_move(a, day)
                if gain > 0:
                    moves += 1
                    gained += gain
            total += gained
            if gained < MIN_BATCH_GAIN * max(1.0, abs(search.objective())):
                break
        chunk = (
            ruin_tries
            if ruin_tries is not None
            else max(300, min(1000, 2 * sum(len(agent.shifts) for agent in search.agents)))
        )
        found = 0.0
        while chunk > 0 and time_left():
            gained = 0.0
            for _ in range(chunk):
                if not time_left():
                    break
                pairs = search.related(rng, int(rng.integers(2, largest_ruin + 1)))
                gain = search.try_ruin(pairs) if len(pairs) > 1 else 0.0
                if gain > 0:
                    moves += 1
                    gained += gain
            found += gained
            if gained < MIN_BATCH_GAIN * max(1.0, abs(search.objective())):
                break
        total += found
        if found < MIN_BATCH_GAIN * max(1.0, abs(search.objective())):
            break
    return ImproveStats(moves, passes, total, clock.monotonic() - started)
