"""The problem on an absolute interval grid: shift options, who may work them, calling hours.

Everything the solver needs is an index into the horizon's intervals (0 = local midnight of the
first day, in absolute time), so shifts across midnight and daylight-saving changes need no
special cases: a shift belongs to the local day it starts on and simply runs on.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from numpy.typing import NDArray

from scheduling.problem import (
    AgentSpec,
    Preference,
    Problem,
    local_midnight_utc,
    minute_of_day,
    window_bounds_utc,
)


@dataclass(frozen=True, slots=True)
class BreakWindow:
    """One break of a shift option: its rule, kind and the range of start offsets (intervals
    after the shift start), and how many intervals it lasts."""

    rule: int
    kind: str
    first_offset: int
    last_offset: int
    span: int
    paid: bool


@dataclass(frozen=True, slots=True)
class ShiftOption:
    """A shift that may be worked: a start on the grid of one day and a length."""

    index: int
    day: int
    start: int
    length_minutes: int
    intervals: int
    paid_minutes: int
    start_local_minute: int
    weekday: int
    breaks: tuple[BreakWindow, ...]
    weekend: bool
    late: bool

    @property
    def end(self) -> int:
        return self.start + self.intervals

    @property
    def unpopular(self) -> bool:
        return self.weekend or self.late


@dataclass(frozen=True, slots=True)
class EveningCap:
    """A max-evenings wish in solver terms: of `options` (the agent's evening shifts on the
    days it concerns) at most `max_shifts` are free; each one more costs `weight`."""

    options: frozenset[int]
    max_shifts: int
    weight: float

    def excess(self, worked_options: Iterable[int]) -> int:
        """Evening shifts above the cap among the options worked."""
        return max(0, sum(1 for o in worked_options if o in self.options) - self.max_shifts)


@dataclass(frozen=True, slots=True)
class AgentFrame:
    """An agent's week in solver terms (minutes and days after time-off credits)."""

    index: int
    spec: AgentSpec
    options: tuple[int, ...]
    paid_minutes_min: int
    paid_minutes_max: int
    days_min: int
    days_max: int
    prior_consecutive_days: int
    max_consecutive_days: int
    rest_minutes: float
    option_penalty: dict[int, float]
    work_day_penalty: dict[int, float]
    idle_day_penalty: dict[int, float]
    evening_caps: tuple[EveningCap, ...] = ()

    def evening_charge(self, worked_options: Iterable[int]) -> float:
        """What the agent's max-evenings wishes charge for a week of these options."""
        worked = list(worked_options)
        return sum(cap.weight * cap.excess(worked) for cap in self.evening_caps)

    @property
    def code(self) -> str:
        return self.spec.code

    @property
    def skill_key(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return (tuple(sorted(self.spec.queue_skills)), tuple(sorted(self.spec.campaign_skills)))


@dataclass(frozen=True)
class Timeline:
    problem: Problem
    interval_minutes: int
    intervals: int
    day_starts: tuple[int, ...]  # days + 1 entries: first interval of each local day, then end
    options: tuple[ShiftOption, ...]
    agents: tuple[AgentFrame, ...]
    calling: NDArray[np.bool_]  # (campaigns, intervals)
    sell_value_per_interval: NDArray[np.float64]  # (campaigns, intervals), money per agent

    @property
    def extended_intervals(self) -> int:
        """Intervals up to the end of the latest shift (shifts may run past the horizon)."""
        return max([self.intervals, *(option.end for option in self.options)])

    def time_of(self, index: int) -> datetime:
        return self.problem.start_utc + timedelta(minutes=index * self.interval_minutes)

    def conflicts(self, first: ShiftOption, second: ShiftOption, rest_minutes: float) -> bool:
        """Whether `second` (on a later day) starts too soon after `first` ends."""
        return (second.start - first.end) * self.interval_minutes < rest_minutes - 1e-9


def has_days_off_run(worked: set[int] | frozenset[int], days: int, wanted: int) -> bool:
    """Whether days 0..days-1 without the `worked` ones hold `wanted` days off in a row (always
    when `wanted` is 0)."""
    run = 0
    for d in range(days):
        run = 0 if d in worked else run + 1
        if run >= wanted:
            return True
    return wanted <= 0


def build_timeline(problem: Problem) -> Timeline:
    """The problem on its interval grid: each local day's first interval, the shift options,
    every agent's week, and the campaigns' calling hours and selling value."""
    zone = problem.zone
    step = problem.horizon.interval_minutes
    start_utc = problem.start_utc
    total = problem.interval_count
    day_starts = []
    for d in range(problem.horizon.days + 1):
        midnight = local_midnight_utc(problem.horizon.start_date + timedelta(days=d), zone)
        day_starts.append(int((midnight - start_utc).total_seconds() // 60) // step)
    options = _shift_options(problem, day_starts)
    frames = tuple(
        _agent_frame(problem, index, agent, options, day_starts)
        for index, agent in enumerate(problem.agents)
    )
    calling, value = _campaign_grid(problem, total)
    return Timeline(
        problem=problem,
        interval_minutes=step,
        intervals=total,
        day_starts=tuple(day_starts),
        options=tuple(options),
        agents=frames,
        calling=calling,
        sell_value_per_interval=value,
    )


def _shift_options(problem: Problem, day_starts: list[int]) -> list[ShiftOption]:
    """Every start on a day's start grid with every contract length, with its break windows."""
    zone = problem.zone
    step = problem.horizon.interval_minutes
    start_utc = problem.start_utc
    rules = problem.shift_rules
    lengths = sorted(
        {length for agent in problem.agents for length in agent.contract.shift_lengths_minutes}
    )
    fairness = problem.fairness
    late_from = (
        minute_of_day(fairness.late_start_from_local)
        if fairness.late_start_from_local is not None
        else None
    )
    options: list[ShiftOption] = []
    for d in range(problem.horizon.days):
        day = problem.horizon.start_date + timedelta(days=d)
        weekday = day.weekday()
        for i in range(day_starts[d], day_starts[d + 1]):
            local = (start_utc + timedelta(minutes=i * step)).astimezone(zone)
            clock = local.hour * 60 + local.minute
            if clock % rules.start_step_minutes:
                continue
            for length in lengths:
                windows = tuple(
                    BreakWindow(
                        rule=rules.breaks.index(rule),
                        kind=rule.kind,
                        first_offset=rule.earliest_start_after_shift_start_minutes // step,
                        last_offset=rule.latest_start_after_shift_start_minutes // step,
                        span=rule.minutes // step,
                        paid=rule.paid,
                    )
                    for rule in rules.breaks_for(length)
                )
                options.append(
                    ShiftOption(
                        index=len(options),
                        day=d,
                        start=i,
                        length_minutes=length,
                        intervals=length // step,
                        paid_minutes=rules.paid_minutes(length),
                        start_local_minute=clock,
                        weekday=weekday,
                        breaks=windows,
                        weekend=weekday in fairness.weekend_weekdays,
                        late=late_from is not None and clock >= late_from,
                    )
                )
    return options


def _agent_frame(
    problem: Problem,
    index: int,
    agent: AgentSpec,
    options: list[ShiftOption],
    day_starts: list[int],
) -> AgentFrame:
    """The agent's week: the options they may work, the contract's limits after paid time off
    (the minimum hours and days also after the voluntary time off offered), the preference
    penalties, and last week's run of days."""
    contract = agent.contract
    rest_minutes = contract.min_rest_hours * 60.0
    allowed = _allowed_options(problem, agent, options)
    credited_hours, credited_days = _time_off_credits(problem, agent, day_starts)
    offered_hours, offered_days = problem.voluntary_time_off(
        agent, contract.weekly_paid_hours_min - credited_hours
    )
    minutes_min = max(
        0,
        math.ceil((contract.weekly_paid_hours_min - credited_hours - offered_hours) * 60 - 1e-6),
    )
    minutes_max = max(0, math.floor((contract.weekly_paid_hours_max - credited_hours) * 60 + 1e-6))
    option_penalty, work_penalty, idle_penalty = _preference_penalties(
        problem, agent, options, allowed
    )
    return AgentFrame(
        index=index,
        spec=agent,
        options=tuple(allowed),
        paid_minutes_min=minutes_min,
        paid_minutes_max=minutes_max,
        days_min=max(0, contract.days_per_week_min - credited_days - offered_days),
        days_max=max(0, contract.days_per_week_max - credited_days),
        prior_consecutive_days=_prior_consecutive_days(problem, agent),
        max_consecutive_days=contract.max_consecutive_days,
        rest_minutes=rest_minutes,
        option_penalty=option_penalty,
        work_day_penalty=work_penalty,
        idle_day_penalty=idle_penalty,
        evening_caps=_evening_caps(problem, agent, options, allowed),
    )


def _interval_clock(problem: Problem) -> Callable[[int], datetime]:
    """The start of interval i, as a function of i."""
    start_utc = problem.start_utc
    step = problem.horizon.interval_minutes

    def instant(i: int) -> datetime:
        return start_utc + timedelta(minutes=i * step)

    return instant


def _allowed_options(problem: Problem, agent: AgentSpec, options: list[ShiftOption]) -> list[int]:
    """The options the agent may work: a contract length, inside the contract's hours of the day
    and the agent's availability, clear of absences, and after the rest from last week."""
    zone = problem.zone
    contract = agent.contract
    rest_minutes = contract.min_rest_hours * 60.0
    dates = problem.dates()
    contract_windows = [
        window_bounds_utc(day, contract.earliest_start_local, contract.latest_end_local, zone)
        for day in dates
    ]
    availability: list[list[tuple[datetime, datetime]]] = [[] for _ in dates]
    for d, day in enumerate(dates):
        for window in agent.availability:
            if window.weekday == day.weekday():
                availability[d].append(
                    window_bounds_utc(day, window.start_local, window.end_local, zone)
                )
    absences = [(absence.start_utc, absence.end_utc) for absence in agent.absences]
    earliest_start = None
    if agent.last_week is not None:
        earliest_start = agent.last_week.final_shift_end_utc + timedelta(minutes=rest_minutes)
    instant = _interval_clock(problem)
    allowed: list[int] = []
    lengths = set(contract.shift_lengths_minutes)
    for option in options:
        if option.length_minutes not in lengths:
            continue
        begin, end = instant(option.start), instant(option.end)
        low, high = contract_windows[option.day]
        if begin < low or end > high:
            continue
        if agent.availability and not any(
            free_from <= begin and end <= free_until
            for free_from, free_until in availability[option.day]
        ):
            continue
        if any(away_from < end and begin < away_until for away_from, away_until in absences):
            continue
        if earliest_start is not None and begin < earliest_start:
            continue
        allowed.append(option.index)
    return allowed


def _time_off_credits(
    problem: Problem, agent: AgentSpec, day_starts: list[int]
) -> tuple[float, int]:
    """Paid time off credited against the contract: its hours, and the local days it covers
    wholly."""
    instant = _interval_clock(problem)
    credited_hours = sum(leave.paid_hours for leave in agent.time_off)
    credited_days = 0
    for d in range(problem.horizon.days):
        day_begin, day_end = instant(day_starts[d]), instant(day_starts[d + 1])
        if any(
            leave.paid_hours > 0 and leave.start_utc <= day_begin and day_end <= leave.end_utc
            for leave in agent.time_off
        ):
            credited_days += 1
    return credited_hours, credited_days


def _preference_penalties(
    problem: Problem, agent: AgentSpec, options: list[ShiftOption], allowed: list[int]
) -> tuple[dict[int, float], dict[int, float], dict[int, float]]:
    """The agent's preferences as penalties: per option (start outside the preferred times), per
    day worked (day off wanted) and per day idle (work day wanted)."""
    option_penalty: dict[int, float] = {}
    work_penalty: dict[int, float] = {}
    idle_penalty: dict[int, float] = {}
    for pref in agent.preferences:
        days = _preference_days(problem, pref)
        if pref.kind == "day_off":
            for d in days:
                work_penalty[d] = work_penalty.get(d, 0.0) + pref.weight
        elif pref.kind == "work_day":
            for d in days:
                idle_penalty[d] = idle_penalty.get(d, 0.0) + pref.weight
        elif pref.kind == "start_between":
            lo = minute_of_day(pref.earliest_start_local) if pref.earliest_start_local else 0
            hi = minute_of_day(pref.latest_start_local) if pref.latest_start_local else 24 * 60
            wanted = set(days)
            for o in allowed:
                option = options[o]
                if option.day in wanted and not lo <= option.start_local_minute <= hi:
                    option_penalty[o] = option_penalty.get(o, 0.0) + pref.weight
    return option_penalty, work_penalty, idle_penalty


def _preference_days(problem: Problem, pref: Preference) -> list[int]:
    """The horizon's days (indices) a preference concerns: its dates and weekdays, or every
    day when it names none."""
    return [d for d, day in enumerate(problem.dates()) if pref.concerns(day)]


def _evening_caps(
    problem: Problem, agent: AgentSpec, options: list[ShiftOption], allowed: list[int]
) -> tuple[EveningCap, ...]:
    caps = []
    for pref in agent.preferences:
        if pref.kind != "max_evenings" or pref.max_evening_shifts is None:
            continue
        days = set(_preference_days(problem, pref))
        evenings = frozenset(
            o
            for o in allowed
            if options[o].day in days
            and pref.is_evening(options[o].start_local_minute, options[o].length_minutes)
        )
        if len(evenings) > 0:
            caps.append(EveningCap(evenings, pref.max_evening_shifts, pref.weight))
    return tuple(caps)


def _prior_consecutive_days(problem: Problem, agent: AgentSpec) -> int:
    """Last week's run of working days, when its final shift was on the day before the
    horizon (otherwise the run is over)."""
    if agent.last_week is None:
        return 0
    last_day = agent.last_week.final_shift_start_utc.astimezone(problem.zone).date()
    if (problem.horizon.start_date - last_day).days != 1:
        return 0
    return agent.last_week.consecutive_days_worked


def _campaign_grid(problem: Problem, total: int) -> tuple[NDArray[np.bool_], NDArray[np.float64]]:
    zone = problem.zone
    step = problem.horizon.interval_minutes
    starts = [problem.start_utc + timedelta(minutes=i * step) for i in range(total)]
    local_hours = np.array([start.astimezone(zone).hour for start in starts])
    calling = np.zeros((len(problem.campaigns), total), dtype=bool)
    value = np.zeros((len(problem.campaigns), total))
    dates = [problem.horizon.start_date - timedelta(days=1), *problem.dates()]
    for c, campaign in enumerate(problem.campaigns):
        for day in dates:
            for window in campaign.calling_hours:
                if window.weekday != day.weekday():
                    continue
                begin, end = window_bounds_utc(day, window.start_local, window.end_local, zone)
                # an interval is in calling hours when it lies wholly inside the window
                first = math.ceil((begin - problem.start_utc).total_seconds() / 60 / step)
                last = math.floor((end - problem.start_utc).total_seconds() / 60 / step)
                calling[c, max(0, first) : max(0, min(total, last))] = True
        hourly = np.asarray(campaign.value_per_productive_hour_by_hour, dtype=float)
        value[c] = np.where(
            calling[c], hourly[local_hours] * campaign.efficiency * step / 60.0, 0.0
        )
    return calling, value
