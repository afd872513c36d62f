"""The weekly roster problem as frozen dataclasses: what the optimizer and the evaluation read.

Build a `Problem` in code (the database adapter does) or read one from the versioned JSON format
(`scheduling.problem_json`). Units are in the names. Local wall-clock values are `datetime.time`
in the site's time zone; a window whose end is at or before its start ends on the next day (so an
end of 00:00 means midnight at the end of the day). Absolute instants are timezone-aware datetimes.

The horizon runs from local midnight of `start_date` to local midnight `days` later; its intervals
are consecutive in absolute time, so a week with a daylight-saving change has 4 intervals of
15 minutes fewer (spring) or more (autumn) than 7 x 96. Per-interval arrays (contacts, handle
time, requirement) have one value per interval of that timeline.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from wfm.domain.grid import local_midnight_utc
from wfm.domain.labour_cost import LabourCost
from wfm.domain.queue_model import Calibration, Patience, QueueModel

PROBLEM_FORMAT = "wfm.roster-problem"
PROBLEM_VERSION = 1


@dataclass(frozen=True, slots=True)
class Horizon:
    """The planning horizon: `days` local days from `start_date`, cut into intervals."""

    start_date: date
    days: int = 7
    interval_minutes: int = 15


@dataclass(frozen=True, slots=True)
class QueueSpec:
    """An inbound queue: service targets, economics and the demand of each interval.

    Targets: a service level within the threshold, a least answer rate, a most abandon rate, or
    any of them together (at least one); the requirement meets every one given.

    Demand comes from a forecast (`contacts` and `aht_seconds`, Erlang A with `patience_seconds`;
    `model()` is the queue's `QueueModel`, which every figure of the queue comes from) or from a
    given requirement (`required_agents`: agents serving needed per interval, before
    shrinkage). With both, the given requirement replaces the one computed from the forecast and
    the forecast still prices and predicts the service.

    `calibration` is the queue's stored calibration (`QueueModel.calibrated`), None for the
    textbook Erlang A: with it the model counts availability x agents as servers and
    recalibrates answer rate and service level, so a roster, its evaluation and the stored
    requirement predict what the planner's requirement and accuracy report do. Its patience is
    the calibration's (`patience_seconds` then equals it).
    """

    code: str
    service_level_target: float | None
    service_threshold_seconds: float
    patience_seconds: float
    value_per_answered_contact: float
    contacts: tuple[float, ...] | None = None
    aht_seconds: tuple[float, ...] | None = None
    required_agents: tuple[int, ...] | None = None
    concurrency: float = 1.0
    max_occupancy: float | None = None
    name: str = ""
    min_answer_rate: float | None = None
    max_abandon_rate: float | None = None
    calibration: Calibration | None = None

    def model(self, interval_minutes: int) -> QueueModel:
        """The queue's model on the problem's interval grid: its patience is the problem's
        (source "given"), or the calibration's when the queue has one."""
        return QueueModel(
            code=self.code,
            interval_minutes=interval_minutes,
            service_level_target=self.service_level_target,
            service_threshold_seconds=self.service_threshold_seconds,
            patience=Patience.given(self.patience_seconds),
            max_occupancy=self.max_occupancy,
            concurrency=self.concurrency,
            value_per_answered_contact=self.value_per_answered_contact,
            min_answer_rate=self.min_answer_rate,
            max_abandon_rate=self.max_abandon_rate,
        ).calibrated(self.calibration)

    @classmethod
    def of_model(
        cls,
        model: QueueModel,
        *,
        contacts: Sequence[float] | None = None,
        aht_seconds: Sequence[float] | None = None,
        required_agents: Sequence[int] | None = None,
        name: str = "",
    ) -> QueueSpec:
        """The problem's queue from a queue model and the demand of each interval. The problem
        is Erlang A with a service-level, answer-rate or abandon-rate target (or several): a
        model without patience or without any of them is refused. A calibrated model's queue
        keeps its calibration."""
        targets = (model.service_level_target, model.min_answer_rate, model.max_abandon_rate)
        if model.patience.seconds is None or all(t is None for t in targets):
            raise ValueError(
                f"queue {model.code!r}: a roster problem needs a patience and a service-level, "
                "answer-rate or abandon-rate target (Erlang A)"
            )
        return cls(
            code=model.code,
            name=name,
            service_level_target=model.service_level_target,
            service_threshold_seconds=model.service_threshold_seconds,
            patience_seconds=model.patience.seconds,
            value_per_answered_contact=model.value_per_answered_contact,
            contacts=None if contacts is None else tuple(contacts),
            aht_seconds=None if aht_seconds is None else tuple(aht_seconds),
            required_agents=None if required_agents is None else tuple(required_agents),
            concurrency=model.concurrency,
            max_occupancy=model.max_occupancy,
            min_answer_rate=model.min_answer_rate,
            max_abandon_rate=model.max_abandon_rate,
            calibration=model.calibration,
        )


@dataclass(frozen=True, slots=True)
class CallingWindow:
    """Calling hours on one weekday (0 = Monday), local wall clock, [start, end)."""

    weekday: int
    start_local: time
    end_local: time


@dataclass(frozen=True, slots=True)
class CampaignSpec:
    """An outbound campaign: what an hour of selling is worth, when, and how much of it.

    An agent-hour of selling earns `value_per_productive_hour_by_hour[local hour] * efficiency`.
    `value_source` says where those values come from (estimated from dialer data or typed, and
    why), for reports; the optimizer does not read it.
    """

    code: str
    value_per_productive_hour_by_hour: tuple[float, ...]
    calling_hours: tuple[CallingWindow, ...]
    min_hours_per_week: float = 0.0
    max_hours_per_week: float | None = None
    efficiency: float = 0.8
    name: str = ""
    value_source: str = ""


@dataclass(frozen=True, slots=True)
class BreakRule:
    """One break (or lunch) that every shift of a length in [min, max] takes, in its window.

    The window is the range of break starts, in minutes after the shift start. Unpaid breaks are
    deducted from the shift's paid minutes.
    """

    kind: str  # "break" or "lunch"
    minutes: int
    earliest_start_after_shift_start_minutes: int
    latest_start_after_shift_start_minutes: int
    min_shift_minutes: int = 0
    max_shift_minutes: int | None = None
    paid: bool = True

    def applies_to(self, shift_minutes: int) -> bool:
        upper = self.max_shift_minutes if self.max_shift_minutes is not None else shift_minutes
        return self.min_shift_minutes <= shift_minutes <= upper


@dataclass(frozen=True, slots=True)
class ShiftRules:
    """Site-wide shift rules: the start grid (local minutes past midnight) and the breaks."""

    start_step_minutes: int = 30
    breaks: tuple[BreakRule, ...] = ()

    def breaks_for(self, shift_minutes: int) -> tuple[BreakRule, ...]:
        """The break rules a shift of this length takes, in window order."""
        rules = [r for r in self.breaks if r.applies_to(shift_minutes)]
        return tuple(sorted(rules, key=lambda r: r.earliest_start_after_shift_start_minutes))

    def paid_minutes(self, shift_minutes: int) -> int:
        unpaid = sum(r.minutes for r in self.breaks_for(shift_minutes) if not r.paid)
        return shift_minutes - unpaid


@dataclass(frozen=True, slots=True)
class Contract:
    """Working-time rules an agent's week must keep (hours are paid hours)."""

    code: str
    weekly_paid_hours_min: float
    weekly_paid_hours_max: float
    days_per_week_min: int
    days_per_week_max: int
    shift_lengths_minutes: tuple[int, ...]
    earliest_start_local: time = time(0, 0)
    latest_end_local: time = time(0, 0)  # 00:00: the end of the start day
    min_rest_hours: float = 11.0
    max_consecutive_days: int = 6
    # a run of at least this many consecutive local days without a shift start inside the
    # horizon (0: no such rule); e.g. 2 for two days off in a row each week
    min_consecutive_days_off: int = 0


@dataclass(frozen=True, slots=True)
class AvailabilityWindow:
    """A weekly window in which the agent can work: a shift starting on `weekday` must lie
    inside [start, end) of that day (end at or before start: the next day)."""

    weekday: int
    start_local: time
    end_local: time


@dataclass(frozen=True, slots=True)
class Absence:
    """A period the agent can't work. Time off may credit paid hours to the week: they count
    towards both weekly hour bounds, and each local day it covers whole counts as a day worked."""

    start_utc: datetime
    end_utc: datetime
    paid_hours: float = 0.0
    reason: str = ""


EVENING_FROM_LOCAL = time(19, 0)  # a max-evenings wish's evening, unless it names its own


#: every kind of agent preference, the one list: the checker, the problem's JSON schema and the
#: API's `PreferenceKind` (wfm.domain.shift_trades) hold these (tests/scheduling/test_checks.py)
PREFERENCE_KINDS = ("day_off", "work_day", "start_between", "max_evenings", "voluntary_time_off")


@dataclass(frozen=True, slots=True)
class Preference:
    """A soft wish (`kind` one of `PREFERENCE_KINDS`); `weight` (money units) is charged each
    time it is not honoured.

    kinds: ``day_off`` (not working on the given dates/weekdays), ``work_day`` (working on them),
    ``start_between`` (shift starts within [earliest, latest] local on the given days, or on every
    day when none are given), ``max_evenings`` (at most `max_evening_shifts` evening shifts on the
    given days of the horizon; each one more is charged `weight`). An evening shift ends after
    `evening_from_local` (its local start's minute of day plus its length; None: the standard
    `EVENING_FROM_LOCAL`), so a night shift counts too. ``voluntary_time_off`` is not a wish
    but an offer: the agent would work up to `vto_hours_max` paid hours less than the contract's
    weekly minimum, unpaid, in a week holding one of its days (the largest such offer counts),
    and as many days fewer than the contract's minimum as its shortest paid shift fits in those
    hours; the roster takes those hours off where they are worth less than the wage, and
    `weight` is not used.
    """

    kind: str
    weight: float = 1.0
    dates: tuple[date, ...] = ()
    weekdays: tuple[int, ...] = ()
    earliest_start_local: time | None = None
    latest_start_local: time | None = None
    max_evening_shifts: int | None = None
    evening_from_local: time | None = None
    vto_hours_max: float | None = None

    def concerns(self, day: date) -> bool:
        """Whether the wish concerns that local date: one of its dates or weekdays, or any
        day when it names none."""
        if not self.dates and not self.weekdays:
            return True
        return day in self.dates or day.weekday() in self.weekdays

    def is_evening(self, start_local_minute: int, length_minutes: int) -> bool:
        """Whether a shift starting at that local minute of the day and lasting that long is
        an evening shift for this wish."""
        evening = self.evening_from_local or EVENING_FROM_LOCAL
        return start_local_minute + length_minutes > evening.hour * 60 + evening.minute


@dataclass(frozen=True, slots=True)
class LastWeek:
    """The end of the previous roster: rest and consecutive days carry across the boundary."""

    final_shift_start_utc: datetime
    final_shift_end_utc: datetime
    consecutive_days_worked: int = 0


@dataclass(frozen=True, slots=True)
class AgentSpec:
    """A person to roster. No availability windows means available at any time."""

    code: str
    contract: Contract
    queue_skills: tuple[str, ...] = ()
    campaign_skills: tuple[str, ...] = ()
    availability: tuple[AvailabilityWindow, ...] = ()
    unavailable: tuple[Absence, ...] = ()
    time_off: tuple[Absence, ...] = ()
    preferences: tuple[Preference, ...] = ()
    last_week: LastWeek | None = None
    name: str = ""

    @property
    def absences(self) -> tuple[Absence, ...]:
        return self.unavailable + self.time_off

    def voluntary_time_off_hours(self, days: Iterable[date]) -> float:
        """The unpaid hours below the contract's weekly minimum the agent offers in a horizon of
        these local days: the largest voluntary-time-off offer concerning one of them (0: none)."""
        horizon = tuple(days)
        return max(
            (
                pref.vto_hours_max or 0.0
                for pref in self.preferences
                if pref.kind == "voluntary_time_off" and any(pref.concerns(d) for d in horizon)
            ),
            default=0.0,
        )


@dataclass(frozen=True, slots=True)
class Fairness:
    """Unpopular shifts (on weekend days, or starting at or after a local time) are spread
    evenly: the objective charges `weight_per_shift` for each unpopular shift of the agent who
    has the most (min-max)."""

    weekend_weekdays: tuple[int, ...] = (5, 6)
    late_start_from_local: time | None = None
    weight_per_shift: float = 5.0


@dataclass(frozen=True, slots=True)
class ObjectiveWeights:
    """Money-unit weights of the objective. `under_target_penalty_per_agent_hour` None: twice the
    best selling value of an agent-hour (at least 50), so selling never takes an agent off a queue
    below its requirement."""

    under_target_penalty_per_agent_hour: float | None = None
    contract_shortfall_penalty_per_hour: float = 1000.0
    campaign_shortfall_penalty_per_hour: float = 500.0


@dataclass(frozen=True, slots=True)
class Problem:
    """One site's roster problem for a horizon (usually a week)."""

    site_code: str
    timezone: str
    horizon: Horizon
    queues: tuple[QueueSpec, ...]
    agents: tuple[AgentSpec, ...]
    campaigns: tuple[CampaignSpec, ...] = ()
    shift_rules: ShiftRules = field(default_factory=ShiftRules)
    shrinkage: float = 0.0
    fairness: Fairness = field(default_factory=Fairness)
    objective: ObjectiveWeights = field(default_factory=ObjectiveWeights)
    name: str = ""
    # workstations: at most this many agents on shift (breaks and lunches included) in any
    # interval of the horizon; None: unlimited (and no constraint is added)
    seats: int | None = None
    # wages and premiums (`wfm.domain.labour_cost`); None: labour costs nothing, and the
    # objective is the one without wages
    labour_cost: LabourCost | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)  # ZoneInfo caches its instances

    @property
    def start_utc(self) -> datetime:
        return local_midnight_utc(self.horizon.start_date, self.zone)

    @property
    def end_utc(self) -> datetime:
        end_day = self.horizon.start_date + timedelta(days=self.horizon.days)
        return local_midnight_utc(end_day, self.zone)

    @property
    def interval_count(self) -> int:
        span = (self.end_utc - self.start_utc).total_seconds()
        return int(span // (60 * self.horizon.interval_minutes))

    @property
    def interval_hours(self) -> float:
        return self.horizon.interval_minutes / 60.0

    def interval_start_utc(self, index: int) -> datetime:
        return self.start_utc + timedelta(minutes=index * self.horizon.interval_minutes)

    def dates(self) -> list[date]:
        return [self.horizon.start_date + timedelta(days=d) for d in range(self.horizon.days)]

    def voluntary_time_off(self, agent: AgentSpec, hours_min: float) -> tuple[float, int]:
        """The voluntary time off the agent offers in this horizon, as the hours below the
        week's minimum (`hours_min`, after paid time off; the offer at most that) and the whole
        days they free from the contract's minimum days (as many as its shortest paid shift
        fits in those hours)."""
        hours = min(max(0.0, hours_min), agent.voluntary_time_off_hours(self.dates()))
        lengths = agent.contract.shift_lengths_minutes
        shortest = min((self.shift_rules.paid_minutes(n) for n in lengths), default=0) / 60.0
        return hours, int(hours / shortest + 1e-9) if shortest > 0 else 0

    def under_target_penalty_per_agent_hour(self) -> float:
        """The penalty for each agent-hour a queue is short of its requirement."""
        given = self.objective.under_target_penalty_per_agent_hour
        if given is not None:
            return given
        best_sell = max(
            (
                max(c.value_per_productive_hour_by_hour) * c.efficiency
                for c in self.campaigns
                if c.value_per_productive_hour_by_hour
            ),
            default=0.0,
        )
        return max(50.0, 2.0 * best_sell)


def local_datetime_utc(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """UTC instant of a local wall-clock time. A time that occurs twice (autumn) is its first
    occurrence; a time skipped by a spring change moves forward by the gap (01:30 on a day that
    jumps from 01:00 to 02:00 is 02:30 summer time)."""
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def window_bounds_utc(
    day: date, start: time, end: time, zone: ZoneInfo
) -> tuple[datetime, datetime]:
    """A local [start, end) window of `day` as UTC instants; end at or before start: next day."""
    begin = local_datetime_utc(day, start, zone)
    end_day = day if end > start else day + timedelta(days=1)
    return begin, local_datetime_utc(end_day, end, zone)


def minute_of_day(clock: time) -> int:
    return clock.hour * 60 + clock.minute
