"""The evaluation of a roster, independent of the solver: every hard rule checked from scratch on
the roster's shifts (absolute times, read back from JSON if need be), and the service, selling and
money recomputed from its activities.

It shares only the problem's own definitions with the optimizer (the problem types, local-time
helpers and `scheduling.economics`: requirement, serving value, Erlang A); it never looks at the
solver's shift options, groups or variables. It is the oracle of every solver test and of
``wfm roster-check``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
from numpy.typing import NDArray

from scheduling.economics import queue_kpis, serve_curve
from scheduling.labour import RosterLabour, roster_labour
from scheduling.problem import (
    AgentSpec,
    Problem,
    QueueSpec,
    local_midnight_utc,
    minute_of_day,
    window_bounds_utc,
)
from scheduling.roster import ActivitySpan, BreakSpan, Roster, RosterShift
from wfm.domain.queue_model import QueueModel, TargetsMet

ACTIVITY_KINDS = ("serve", "sell", "break", "lunch", "other")


@dataclass(frozen=True, slots=True)
class Violation:
    """A broken hard rule: `rule` is a stable name, `subject` the agent or campaign code."""

    rule: str
    subject: str
    detail: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.subject}: {self.detail}"


@dataclass(frozen=True)
class QueueReport:
    code: str
    contacts: NDArray[np.float64] | None
    required: NDArray[np.int64]
    serving: NDArray[np.int64]
    service_level: NDArray[np.float64] | None
    answer_rate: NDArray[np.float64] | None
    asa_seconds: NDArray[np.float64] | None
    occupancy: NDArray[np.float64] | None
    predicted_service_level: float | None
    predicted_answer_rate: float | None
    predicted_asa_seconds: float | None
    predicted_occupancy: float | None
    service_level_target: float | None
    under_coverage_agent_hours: float
    intervals_with_contacts: int
    intervals_meeting_target: int  # with contacts, meeting every target of the queue
    serve_value: float
    min_answer_rate: float | None = None
    max_abandon_rate: float | None = None
    answer_rate_target: float | None = None  # the stricter of the two (QueueModel)
    abandon_rate: NDArray[np.float64] | None = None
    predicted_abandon_rate: float | None = None
    # per interval (None: the queue has no such target, or no forecast)
    service_level_met: NDArray[np.bool_] | None = None
    answer_rate_met: NDArray[np.bool_] | None = None
    # of the intervals with contacts, those meeting each target (None: no such target)
    intervals_meeting_service_level: int | None = None
    intervals_meeting_answer_rate: int | None = None
    # whether the week's contact-weighted prediction meets each target (None: no such target
    # or no contacts)
    week_service_level_met: bool | None = None
    week_answer_rate_met: bool | None = None


@dataclass(frozen=True)
class CampaignReport:
    code: str
    selling: NDArray[np.int64]
    sell_hours: float
    value: float
    min_hours_per_week: float
    max_hours_per_week: float | None
    # the value of each interval's selling (agents selling x the value of a productive hour at
    # its local hour x efficiency x hours); `value` is its sum
    value_by_interval: NDArray[np.float64] | None = None


@dataclass(frozen=True)
class AgentReport:
    code: str
    shifts: int
    paid_hours: float
    paid_hours_min: float
    paid_hours_max: float
    days_min: int
    days_max: int
    unpopular_shifts: int
    preference_penalty: float
    # the agent's preferences day by day (`PreferenceTally`): days asked and days honoured
    preferences: PreferenceTally = field(default_factory=lambda: PreferenceTally(0, 0))
    # of the voluntary time off the agent offered (`paid_hours_min` is already below the
    # contract's minimum by it), the unpaid hours the roster takes
    voluntary_time_off_hours: float = 0.0


@dataclass(frozen=True)
class PreferenceTally:
    """Preferences counted a day at a time: each day a day-off or work-day preference covers is
    one ask, and so is each day the agent works that a start window or a max-evenings wish covers
    (they ask nothing of a day off); an ask is honoured when the roster keeps it (a max-evenings
    wish breaks it on each evening shift after the first `max_evening_shifts`)."""

    asked_days: int
    honoured_days: int

    def __add__(self, other: PreferenceTally) -> PreferenceTally:
        return PreferenceTally(
            self.asked_days + other.asked_days, self.honoured_days + other.honoured_days
        )


@dataclass(frozen=True)
class Evaluation:
    violations: tuple[Violation, ...]
    queues: tuple[QueueReport, ...]
    campaigns: tuple[CampaignReport, ...]
    agents: tuple[AgentReport, ...]
    serve_value: float
    sell_value: float
    contract_penalty: float
    campaign_penalty: float
    preference_penalty: float
    max_unpopular_shifts: int
    interval_starts_utc: tuple[datetime, ...] = field(repr=False)
    preferences: PreferenceTally = field(default_factory=lambda: PreferenceTally(0, 0))
    # the roster's labour cost at the problem's wages (`scheduling.labour`); None: no wages
    labour: RosterLabour | None = None

    @property
    def flexible_labour_cost(self) -> float:
        """What the objective charges for labour: flexible contracts' hours above their
        minimum at their hourly rate (0 without wages)."""
        return 0.0 if self.labour is None else self.labour.flexible_cost

    @property
    def objective(self) -> float:
        """The economic objective: serving value + selling value - contract and campaign
        shortfall penalties - the flexible hours' labour cost (preferences and fairness are
        reported apart)."""
        return (
            self.serve_value
            + self.sell_value
            - self.contract_penalty
            - self.campaign_penalty
            - self.flexible_labour_cost
        )

    @property
    def hard_violations(self) -> int:
        return len(self.violations)

    @property
    def voluntary_time_off_hours(self) -> float:
        """The unpaid hours below contract minimums the roster takes from agents' offers."""
        return sum(agent.voluntary_time_off_hours for agent in self.agents)

    @property
    def under_coverage_agent_hours(self) -> float:
        return sum(queue.under_coverage_agent_hours for queue in self.queues)

    @property
    def sell_hours(self) -> float:
        return sum(campaign.sell_hours for campaign in self.campaigns)


def evaluate(problem: Problem, roster: Roster) -> Evaluation:
    """Check every hard rule and compute the KPIs and the objective of `roster`."""
    checker = _Checker(problem)
    known = {agent.code: agent for agent in problem.agents}
    by_agent = roster.by_agent()
    for code in sorted(by_agent):
        if code not in known:
            checker.fail(
                "unknown_agent", code, "the roster has shifts for an agent not in the problem"
            )
    agent_reports = []
    for agent in problem.agents:
        agent_reports.append(checker.agent(agent, by_agent.get(agent.code, [])))
    checker.seats(roster)
    campaign_reports = checker.campaigns()
    queue_reports = checker.queues()
    fairness_max = max((report.unpopular_shifts for report in agent_reports), default=0)
    return Evaluation(
        violations=tuple(checker.violations),
        queues=queue_reports,
        campaigns=campaign_reports,
        agents=tuple(agent_reports),
        serve_value=sum(report.serve_value for report in queue_reports),
        sell_value=sum(report.value for report in campaign_reports),
        contract_penalty=checker.contract_penalty,
        campaign_penalty=checker.campaign_penalty,
        preference_penalty=sum(report.preference_penalty for report in agent_reports),
        preferences=sum((report.preferences for report in agent_reports), PreferenceTally(0, 0)),
        max_unpopular_shifts=fairness_max,
        interval_starts_utc=tuple(checker.interval_start(i) for i in range(checker.total)),
        labour=roster_labour(
            problem, roster, {report.code: report.paid_hours_min for report in agent_reports}
        ),
    )


@dataclass(frozen=True)
class _WeeklyLimits:
    """An agent's contract limits for the week, after paid time off (the minimum also after the
    voluntary time off offered, `offered_hours` of it below the contract's)."""

    hours_min: float
    hours_max: float
    days_min: int
    days_max: int
    offered_hours: float = 0.0

    def voluntary_time_off_taken(self, paid_hours: float) -> float:
        """The offered hours the week leaves unworked."""
        return min(self.offered_hours, max(0.0, self.hours_min + self.offered_hours - paid_hours))


class _Checker:
    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.zone = problem.zone
        self.step = problem.horizon.interval_minutes
        self.start = local_midnight_utc(problem.horizon.start_date, self.zone)
        end_day = problem.horizon.start_date + timedelta(days=problem.horizon.days)
        self.end = local_midnight_utc(end_day, self.zone)
        self.total = int((self.end - self.start).total_seconds() // 60) // self.step
        self.dates = [
            problem.horizon.start_date + timedelta(days=d) for d in range(problem.horizon.days)
        ]
        self.violations: list[Violation] = []
        self.queue_index = {queue.code: i for i, queue in enumerate(problem.queues)}
        self.campaign_index = {campaign.code: i for i, campaign in enumerate(problem.campaigns)}
        self.serving = np.zeros((len(problem.queues), self.total), dtype=np.int64)
        self.selling = np.zeros((len(problem.campaigns), self.total), dtype=np.int64)
        self.calling = self._calling_mask()
        self.contract_penalty = 0.0
        self.campaign_penalty = 0.0

    def fail(self, rule: str, subject: str, detail: str) -> None:
        self.violations.append(Violation(rule, subject, detail))

    def interval_start(self, index: int) -> datetime:
        return self.start + timedelta(minutes=index * self.step)

    def index_of(self, instant: datetime) -> float:
        return (instant - self.start).total_seconds() / 60.0 / self.step

    def local(self, instant: datetime) -> datetime:
        return instant.astimezone(self.zone)

    def seats(self, roster: Roster) -> None:
        """Seats: in no interval of the horizon more agents on shift (breaks and lunches
        included: they stay on site) than the problem's seats; one violation per run of
        intervals over."""
        seats = self.problem.seats
        if seats is None:
            return
        on_site = np.zeros(self.total, dtype=np.int64)
        for shift in roster.shifts:
            first = max(0, math.floor(self.index_of(shift.start_utc)))
            last = min(self.total, math.ceil(self.index_of(shift.end_utc)))
            on_site[first:last] += 1
        t = 0
        while t < self.total:
            if on_site[t] <= seats:
                t += 1
                continue
            begin = t
            while t < self.total and on_site[t] > seats:
                t += 1
            start, end = self.local(self.interval_start(begin)), self.local(self.interval_start(t))
            self.fail(
                "seats",
                self.problem.site_code,
                f"up to {int(on_site[begin:t].max())} agents on shift {start:%a %Y-%m-%d %H:%M}-"
                f"{end:%H:%M} local, {seats} seats",
            )

    # ---------------------------------------------------------------------------------- agents
    def agent(self, agent: AgentSpec, shifts: list[RosterShift]) -> AgentReport:
        """Check one agent's shifts and week; record the shortfall penalties; report."""
        paid_minutes = 0.0
        days_worked: set[date] = set()
        for shift in shifts:
            paid_minutes += self.shift(agent, shift)
            self._one_shift_a_day(agent, shift, days_worked)
        self._min_rest(agent, shifts)
        self._max_consecutive_days(agent, days_worked)
        self._days_off_run(agent, days_worked)
        limits = self._weekly_limits(agent)
        penalty, tally = self._preferences(agent, shifts)
        paid_hours = paid_minutes / 60.0
        self._weekly_hours_and_days(agent, limits, paid_hours, len(days_worked))
        return AgentReport(
            code=agent.code,
            shifts=len(shifts),
            paid_hours=paid_hours,
            paid_hours_min=limits.hours_min,
            paid_hours_max=limits.hours_max,
            days_min=limits.days_min,
            days_max=limits.days_max,
            unpopular_shifts=self._unpopular_shifts(shifts),
            preference_penalty=penalty,
            preferences=tally,
            voluntary_time_off_hours=limits.voluntary_time_off_taken(paid_hours),
        )

    def _one_shift_a_day(
        self, agent: AgentSpec, shift: RosterShift, days_worked: set[date]
    ) -> None:
        """At most one shift starts on each local day: `shift`'s day is not yet in
        `days_worked` (and is added to it)."""
        day = self.local(shift.start_utc).date()
        if day in days_worked:
            self.fail("one_shift_a_day", agent.code, f"more than one shift starts on {day}")
        days_worked.add(day)

    def _unpopular_shifts(self, shifts: list[RosterShift]) -> int:
        """Shifts starting on a weekend day or late (the fairness rule's unpopular shifts)."""
        fairness = self.problem.fairness
        late_from = (
            minute_of_day(fairness.late_start_from_local)
            if fairness.late_start_from_local is not None
            else None
        )
        unpopular = 0
        for shift in shifts:
            local_start = self.local(shift.start_utc)
            late = late_from is not None and minute_of_day(local_start.time()) >= late_from
            if local_start.weekday() in fairness.weekend_weekdays or late:
                unpopular += 1
        return unpopular

    def _min_rest(self, agent: AgentSpec, shifts: list[RosterShift]) -> None:
        """Minimum rest between shifts, including last week's final shift."""
        contract = agent.contract
        previous_end = agent.last_week.final_shift_end_utc if agent.last_week else None
        rest = timedelta(hours=contract.min_rest_hours)
        for shift in shifts:
            if previous_end is not None and shift.start_utc - previous_end < rest - timedelta(
                seconds=1
            ):
                gap = (shift.start_utc - previous_end).total_seconds() / 3600.0
                self.fail(
                    "min_rest",
                    agent.code,
                    f"{gap:.2f} h between shifts before {shift.start_utc:%Y-%m-%d %H:%M} UTC; "
                    f"the contract needs {contract.min_rest_hours:g} h",
                )
            previous_end = shift.end_utc

    def _max_consecutive_days(self, agent: AgentSpec, days_worked: set[date]) -> None:
        """At most the contract's consecutive days, counting last week's run when its final
        shift was the day before; that run alone is last week's business: it counts only if
        this week extends it."""
        run = 0
        if agent.last_week is not None:
            last_day = self.local(agent.last_week.final_shift_start_utc).date()
            if (self.dates[0] - last_day).days == 1:
                run = agent.last_week.consecutive_days_worked
        longest = 0
        for day in self.dates:
            run = run + 1 if day in days_worked else 0
            longest = max(longest, run)
        if longest > agent.contract.max_consecutive_days:
            self.fail(
                "max_consecutive_days",
                agent.code,
                f"{longest} consecutive working days; the contract allows "
                f"{agent.contract.max_consecutive_days}",
            )

    def _days_off_run(self, agent: AgentSpec, days_worked: set[date]) -> None:
        """A run of at least the contract's consecutive days off (local days of the horizon on
        which no shift starts), when it asks for one."""
        wanted = agent.contract.min_consecutive_days_off
        if wanted <= 0:
            return
        run = longest = 0
        for day in self.dates:
            run = 0 if day in days_worked else run + 1
            longest = max(longest, run)
        if longest < wanted:
            self.fail(
                "days_off",
                agent.code,
                f"at most {longest} consecutive days off; the contract needs {wanted} in a row",
            )

    def _weekly_limits(self, agent: AgentSpec) -> _WeeklyLimits:
        """The contract's weekly hours and days, less the paid time off (a day counts when the
        time off covers the whole local day); the minimum hours and days also less the voluntary
        time off offered."""
        contract = agent.contract
        credit_hours = sum(leave.paid_hours for leave in agent.time_off)
        credit_days = 0
        for day in self.dates:
            begin = local_midnight_utc(day, self.zone)
            end = local_midnight_utc(day + timedelta(days=1), self.zone)
            if any(
                leave.paid_hours > 0 and leave.start_utc <= begin and end <= leave.end_utc
                for leave in agent.time_off
            ):
                credit_days += 1
        hours_min = max(0.0, contract.weekly_paid_hours_min - credit_hours)
        offered, offered_days = self.problem.voluntary_time_off(agent, hours_min)
        return _WeeklyLimits(
            hours_min=hours_min - offered,
            hours_max=max(0.0, contract.weekly_paid_hours_max - credit_hours),
            days_min=max(0, contract.days_per_week_min - credit_days - offered_days),
            days_max=max(0, contract.days_per_week_max - credit_days),
            offered_hours=offered,
        )

    def _weekly_hours_and_days(
        self, agent: AgentSpec, limits: _WeeklyLimits, paid_hours: float, days: int
    ) -> None:
        """The week's paid hours and days within the contract's limits; shortfalls charged the
        contract penalty (a day short as the contract's shortest paid shift)."""
        code = agent.code
        contract = agent.contract
        rules = self.problem.shift_rules
        shortest_paid = (
            min(rules.paid_minutes(length) for length in contract.shift_lengths_minutes) / 60.0
        )
        penalty_rate = self.problem.objective.contract_shortfall_penalty_per_hour
        hours_min, hours_max = limits.hours_min, limits.hours_max
        days_min, days_max = limits.days_min, limits.days_max
        if paid_hours > hours_max + 1e-6:
            self.fail(
                "contract_hours_max",
                code,
                f"{paid_hours:g} paid hours; the contract allows at most {hours_max:g}",
            )
        if paid_hours < hours_min - 1e-6:
            self.fail(
                "contract_hours_min",
                code,
                f"{paid_hours:g} paid hours; the contract needs at least {hours_min:g}",
            )
            self.contract_penalty += penalty_rate * (hours_min - paid_hours)
        if days > days_max:
            self.fail("contract_days_max", code, f"{days} days; the contract allows {days_max}")
        if days < days_min:
            self.fail("contract_days_min", code, f"{days} days; the contract needs {days_min}")
            self.contract_penalty += penalty_rate * shortest_paid * (days_min - days)

    def _preferences(
        self, agent: AgentSpec, shifts: list[RosterShift]
    ) -> tuple[float, PreferenceTally]:
        """The weighted days the roster breaks the agent's preferences, and the days asked and
        honoured (`PreferenceTally`)."""
        penalty = 0.0
        asked = honoured = 0
        starts = {
            self.local(shift.start_utc).date(): self.local(shift.start_utc) for shift in shifts
        }
        lengths = {
            self.local(shift.start_utc).date(): round(
                (shift.end_utc - shift.start_utc).total_seconds() / 60
            )
            for shift in shifts
        }
        for pref in agent.preferences:
            if pref.kind == "voluntary_time_off":
                continue  # an offer, not a wish: `AgentReport.voluntary_time_off_hours`
            days = [d for d in self.dates if pref.concerns(d)]
            evenings = 0
            for day in days:
                start = starts.get(day)
                if pref.kind == "max_evenings":
                    if start is None:
                        continue
                    evening = pref.is_evening(minute_of_day(start.time()), lengths[day])
                    evenings += evening
                    kept = not evening or evenings <= (pref.max_evening_shifts or 0)
                elif pref.kind == "start_between":
                    if start is None:
                        continue  # a start window asks nothing of a day off
                    clock = minute_of_day(start.time())
                    lo = (
                        minute_of_day(pref.earliest_start_local) if pref.earliest_start_local else 0
                    )
                    hi = minute_of_day(pref.latest_start_local) if pref.latest_start_local else 1440
                    kept = lo <= clock <= hi
                else:
                    kept = (start is None) == (pref.kind == "day_off")
                asked += 1
                if kept:
                    honoured += 1
                else:
                    penalty += pref.weight
        return penalty, PreferenceTally(asked, honoured)

    def shift(self, agent: AgentSpec, shift: RosterShift) -> float:
        """Check one shift; record its activities; return its paid minutes."""
        code = agent.code
        when = f"shift starting {shift.start_utc:%Y-%m-%d %H:%M} UTC"
        if shift.end_utc <= shift.start_utc:
            self.fail("shift_times", code, f"{when} ends before it starts")
            return 0.0
        day = self.local(shift.start_utc).date()
        if shift.shift_date != day:
            self.fail("shift_date", code, f"{when} is dated {shift.shift_date}, starts on {day}")
        if day not in self.dates:
            self.fail("horizon", code, f"{when} starts on {day}, outside the horizon")
            return 0.0
        self._shift_length_and_grid(agent, shift, when)
        self._shift_window(agent, shift, when)
        breaks = sorted(shift.breaks, key=lambda brk: brk.start_utc)
        unpaid = self._breaks(agent, shift, breaks, when)
        self._activities(agent, shift, breaks, when)
        return shift.minutes - unpaid

    def _shift_length_and_grid(self, agent: AgentSpec, shift: RosterShift, when: str) -> None:
        """A length the contract allows, on the interval grid, starting on the start grid."""
        code = agent.code
        contract = agent.contract
        rules = self.problem.shift_rules
        minutes = shift.minutes
        if round(minutes) not in contract.shift_lengths_minutes or minutes != round(minutes):
            self.fail(
                "shift_length",
                code,
                f"{when} lasts {minutes:g} min; the contract allows "
                f"{list(contract.shift_lengths_minutes)}",
            )
        offset = self.index_of(shift.start_utc)
        if offset != math.floor(offset) or self.index_of(shift.end_utc) != math.floor(
            self.index_of(shift.end_utc)
        ):
            self.fail("interval_grid", code, f"{when} is not on the {self.step}-minute grid")
        local_start = self.local(shift.start_utc)
        if minute_of_day(local_start.time()) % rules.start_step_minutes:
            self.fail(
                "start_step",
                code,
                f"{when} starts at {local_start:%H:%M} local, off the "
                f"{rules.start_step_minutes}-minute start grid",
            )

    def _shift_window(self, agent: AgentSpec, shift: RosterShift, when: str) -> None:
        """Within the contract's hours of the day and the agent's availability, clear of
        unavailability and time off."""
        code = agent.code
        contract = agent.contract
        day = self.local(shift.start_utc).date()
        low, high = window_bounds_utc(
            day, contract.earliest_start_local, contract.latest_end_local, self.zone
        )
        if shift.start_utc < low or shift.end_utc > high:
            self.fail(
                "contract_window",
                code,
                f"{when} is outside {contract.earliest_start_local:%H:%M}-"
                f"{contract.latest_end_local:%H:%M} local",
            )
        if agent.availability:
            inside = False
            for window in agent.availability:
                if window.weekday == day.weekday():
                    begin, end = window_bounds_utc(
                        day, window.start_local, window.end_local, self.zone
                    )
                    inside = inside or (begin <= shift.start_utc and shift.end_utc <= end)
            if not inside:
                self.fail("availability", code, f"{when} is outside the agent's availability")
        for absence in agent.absences:
            if absence.start_utc < shift.end_utc and shift.start_utc < absence.end_utc:
                self.fail(
                    "absence",
                    code,
                    f"{when} overlaps unavailability or time off from "
                    f"{absence.start_utc:%Y-%m-%d %H:%M} UTC",
                )

    def _breaks(
        self, agent: AgentSpec, shift: RosterShift, breaks: list[BreakSpan], when: str
    ) -> float:
        """One break per rule that applies to the shift's length, each of its kind and length,
        in its window, in order and inside the shift. Returns the unpaid break minutes."""
        code = agent.code
        expected = self.problem.shift_rules.breaks_for(round(shift.minutes))
        unpaid = 0.0
        if len(breaks) != len(expected):
            self.fail(
                "breaks",
                code,
                f"{when} has {len(breaks)} breaks; its length needs {len(expected)} "
                f"({', '.join(rule.kind for rule in expected) or 'none'})",
            )
            return unpaid
        previous_end = shift.start_utc
        for rule, brk in zip(expected, breaks, strict=True):
            offset_minutes = (brk.start_utc - shift.start_utc).total_seconds() / 60.0
            length = (brk.end_utc - brk.start_utc).total_seconds() / 60.0
            if brk.kind != rule.kind or length != rule.minutes:
                self.fail(
                    "breaks",
                    code,
                    f"{when}: a {length:g}-min {brk.kind} where a {rule.minutes}-min "
                    f"{rule.kind} is due",
                )
            elif not (
                rule.earliest_start_after_shift_start_minutes
                <= offset_minutes
                <= rule.latest_start_after_shift_start_minutes
            ):
                self.fail(
                    "break_window",
                    code,
                    f"{when}: {brk.kind} starts {offset_minutes:g} min in; its window is "
                    f"{rule.earliest_start_after_shift_start_minutes}-"
                    f"{rule.latest_start_after_shift_start_minutes} min",
                )
            if brk.start_utc < previous_end or brk.end_utc > shift.end_utc:
                self.fail("breaks", code, f"{when}: breaks overlap or leave the shift")
            previous_end = brk.end_utc
            if not rule.paid:
                unpaid += rule.minutes
        return unpaid

    def _activities(
        self, agent: AgentSpec, shift: RosterShift, breaks: list[BreakSpan], when: str
    ) -> None:
        """Activities covering the shift exactly, each on the grid, known, skilled and (selling)
        in calling hours, and on break exactly when the breaks say; serving and selling
        recorded per interval."""
        code = agent.code
        spans = sorted(shift.activities, key=lambda span: span.start_utc)
        if not spans:
            self.fail("activities", code, f"{when} has no activities")
            return
        if spans[0].start_utc != shift.start_utc or spans[-1].end_utc != shift.end_utc:
            self.fail("activities", code, f"{when}: activities don't cover the shift exactly")
        for earlier, later in zip(spans, spans[1:], strict=False):
            if earlier.end_utc != later.start_utc:
                self.fail("activities", code, f"{when}: activities leave a gap or overlap")
                break
        first = self.index_of(shift.start_utc)
        length = round(self.index_of(shift.end_utc) - first)
        if first != math.floor(first):
            return  # reported as off the grid
        labels = [""] * max(0, length)
        for span in spans:
            self._span(agent, span, int(first), labels, when)
        on_break = [""] * max(0, length)
        for brk in breaks:
            b0, b1 = self.index_of(brk.start_utc), self.index_of(brk.end_utc)
            if b0 != math.floor(b0) or b1 != math.floor(b1):
                self.fail("interval_grid", code, f"{when}: a break is off the grid")
                continue
            for i in range(int(b0), int(b1)):
                rel = i - int(first)
                if 0 <= rel < length:
                    on_break[rel] = "lunch" if brk.kind == "lunch" else "break"
        for rel in range(length):
            is_break = labels[rel] in ("break", "lunch")
            if on_break[rel] != (labels[rel] if is_break else ""):
                self.fail(
                    "activities",
                    code,
                    f"{when}: activities and breaks disagree at "
                    f"{self.interval_start(int(first) + rel):%Y-%m-%d %H:%M} UTC",
                )
                break

    def _span(
        self, agent: AgentSpec, span: ActivitySpan, first: int, labels: list[str], when: str
    ) -> None:
        """One activity span: on the grid, a known activity the agent is skilled for, selling
        in calling hours; its label entered per interval of the shift (from `first`) in
        `labels`, its serving or selling recorded."""
        code = agent.code
        length = len(labels)
        i0, i1 = self.index_of(span.start_utc), self.index_of(span.end_utc)
        if i0 != math.floor(i0) or i1 != math.floor(i1) or i1 <= i0:
            self.fail(
                "activities",
                code,
                f"{when}: activity {span.activity} is off the {self.step}-minute grid",
            )
            return
        kind, _, target = span.activity.partition(":")
        if kind not in ACTIVITY_KINDS or (kind in ("serve", "sell")) != bool(target):
            self.fail("activities", code, f"{when}: unknown activity {span.activity!r}")
            return
        if kind == "serve" and target not in agent.queue_skills:
            self.fail("skills", code, f"{when}: serves {target} without the skill")
        if kind == "sell" and target not in agent.campaign_skills:
            self.fail("skills", code, f"{when}: sells {target} without the skill")
        for i in range(int(i0), int(i1)):
            rel = i - first
            if 0 <= rel < length:
                labels[rel] = span.activity
            if not 0 <= i < self.total:
                continue
            if kind == "serve" and target in self.queue_index:
                self.serving[self.queue_index[target], i] += 1
            elif kind == "sell" and target in self.campaign_index:
                c = self.campaign_index[target]
                self.selling[c, i] += 1
                if not self.calling[c, i]:
                    self.fail(
                        "calling_hours",
                        code,
                        f"sells {target} at {self.interval_start(i):%Y-%m-%d %H:%M} UTC, "
                        "outside its calling hours",
                    )

    # ------------------------------------------------------------------------------ campaigns
    def _calling_mask(self) -> NDArray[np.bool_]:
        mask = np.zeros((len(self.problem.campaigns), self.total), dtype=bool)
        for c, campaign in enumerate(self.problem.campaigns):
            for day in [self.dates[0] - timedelta(days=1), *self.dates]:
                for window in campaign.calling_hours:
                    if window.weekday != day.weekday():
                        continue
                    begin, end = window_bounds_utc(
                        day, window.start_local, window.end_local, self.zone
                    )
                    for i in range(self.total):
                        start = self.interval_start(i)
                        if begin <= start and start + timedelta(minutes=self.step) <= end:
                            mask[c, i] = True
        return mask

    def campaigns(self) -> tuple[CampaignReport, ...]:
        hours_per_interval = self.step / 60.0
        local_hours = np.array([self.local(self.interval_start(i)).hour for i in range(self.total)])
        reports = []
        for c, campaign in enumerate(self.problem.campaigns):
            selling = self.selling[c]
            hours = float(selling.sum()) * hours_per_interval
            by_hour = np.asarray(campaign.value_per_productive_hour_by_hour, dtype=float)
            value = float(
                (selling * by_hour[local_hours]).sum() * campaign.efficiency * hours_per_interval
            )
            by_interval = selling * by_hour[local_hours] * campaign.efficiency * hours_per_interval
            if (
                campaign.max_hours_per_week is not None
                and hours > campaign.max_hours_per_week + 1e-6
            ):
                self.fail(
                    "campaign_hours_max",
                    campaign.code,
                    f"{hours:g} selling hours; at most {campaign.max_hours_per_week:g} a week",
                )
            if hours < campaign.min_hours_per_week - 1e-6:
                self.fail(
                    "campaign_hours_min",
                    campaign.code,
                    f"{hours:g} selling hours; at least {campaign.min_hours_per_week:g} a week",
                )
                self.campaign_penalty += (
                    self.problem.objective.campaign_shortfall_penalty_per_hour
                    * (campaign.min_hours_per_week - hours)
                )
            reports.append(
                CampaignReport(
                    code=campaign.code,
                    selling=selling.copy(),
                    sell_hours=hours,
                    value=value,
                    min_hours_per_week=campaign.min_hours_per_week,
                    max_hours_per_week=campaign.max_hours_per_week,
                    value_by_interval=by_interval,
                )
            )
        return tuple(reports)

    # --------------------------------------------------------------------------------- queues
    def _model(self, queue: QueueSpec) -> QueueModel:
        return queue.model(self.problem.horizon.interval_minutes)

    def queues(self) -> tuple[QueueReport, ...]:
        hours_per_interval = self.step / 60.0
        reports = []
        for q, queue in enumerate(self.problem.queues):
            serving = self.serving[q]
            # one memoised model: the predicted service reuses the curve's cells
            model = self._model(queue).memoised()
            curve = serve_curve(self.problem, queue, model)
            kpis = queue_kpis(self.problem, queue, serving, model)
            short = np.maximum(0, curve.required - serving)
            contacts = (
                np.asarray(queue.contacts, dtype=float) if queue.contacts is not None else None
            )
            weekly: dict[str, float | None] = dict.fromkeys(("sl", "ar", "asa", "occ"))
            with_contacts = met = 0
            if kpis is not None and contacts is not None:
                offered = contacts.sum()
                if offered > 0:
                    weekly["sl"] = float((kpis.service_level * contacts).sum() / offered)
                    weekly["ar"] = float(kpis.answered.sum() / offered)
                    answered = kpis.answered.sum()
                    finite = np.isfinite(kpis.asa_seconds)
                    weekly["asa"] = (
                        float((kpis.asa_seconds[finite] * kpis.answered[finite]).sum() / answered)
                        if answered > 0
                        else None
                    )
                    capacity = serving * (1 - self.problem.shrinkage) * queue.concurrency
                    weekly["occ"] = (
                        float((kpis.occupancy * capacity).sum() / capacity.sum())
                        if capacity.sum() > 0
                        else None
                    )
                has = contacts > 0
                with_contacts = int(has.sum())
                targets = self._model(queue).targets_met(kpis.service_level, kpis.answer_rate)
                every = targets.all
                met = int((has & every).sum()) if every is not None else with_contacts
                met_sl, met_ar = targets.service_level, targets.answer_rate
                week = self._model(queue).targets_met(
                    np.nan if weekly["sl"] is None else weekly["sl"],
                    np.nan if weekly["ar"] is None else weekly["ar"],
                )
            else:
                met_sl = met_ar = None
                week = None
            reports.append(
                QueueReport(
                    code=queue.code,
                    contacts=contacts,
                    required=curve.required,
                    serving=serving.copy(),
                    service_level=kpis.service_level if kpis else None,
                    answer_rate=kpis.answer_rate if kpis else None,
                    asa_seconds=kpis.asa_seconds if kpis else None,
                    occupancy=kpis.occupancy if kpis else None,
                    predicted_service_level=weekly["sl"],
                    predicted_answer_rate=weekly["ar"],
                    predicted_asa_seconds=weekly["asa"],
                    predicted_occupancy=weekly["occ"],
                    service_level_target=queue.service_level_target,
                    under_coverage_agent_hours=float(short.sum()) * hours_per_interval,
                    intervals_with_contacts=with_contacts,
                    intervals_meeting_target=met,
                    serve_value=float(curve.value(serving).sum()),
                    min_answer_rate=queue.min_answer_rate,
                    max_abandon_rate=queue.max_abandon_rate,
                    answer_rate_target=self._model(queue).answer_rate_target,
                    abandon_rate=None if kpis is None else 1.0 - kpis.answer_rate,
                    predicted_abandon_rate=None if weekly["ar"] is None else 1.0 - weekly["ar"],
                    service_level_met=met_sl,
                    answer_rate_met=met_ar,
                    intervals_meeting_service_level=_count(met_sl, contacts),
                    intervals_meeting_answer_rate=_count(met_ar, contacts),
                    week_service_level_met=_week(week, "service_level", weekly["sl"]),
                    week_answer_rate_met=_week(week, "answer_rate", weekly["ar"]),
                )
            )
        return tuple(reports)


def _count(met: NDArray[np.bool_] | None, contacts: NDArray[np.float64] | None) -> int | None:
    """Intervals with contacts meeting a target; None when the queue has no such target."""
    if met is None or contacts is None:
        return None
    return int((met & (contacts > 0)).sum())


def _week(met: TargetsMet | None, target: str, weekly: float | None) -> bool | None:
    """Whether the week's weighted prediction meets a target; None without one or contacts."""
    if met is None or weekly is None:
        return None
    flags = getattr(met, target)
    return None if flags is None else bool(flags)


def violations_by_rule(evaluation: Evaluation) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for violation in evaluation.violations:
        counts[violation.rule] += 1
    return dict(counts)
