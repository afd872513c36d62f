"""Domain types of the WFM core: plain frozen dataclasses, no I/O.

These are what services, the demo generator and the repositories exchange. Units are in the names;
datetimes are timezone-aware (UTC) unless a field says it is a local wall-clock value.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, Literal

# A site's mean caller patience until its queues have history to estimate their own: a few
# minutes, as in the published call-centre studies (the bank of Brown et al. 2005: about 6).
DEFAULT_PATIENCE_SECONDS = 180.0
# share of a rostered agent's serving time lost to absence, lateness and unplanned aux (planned
# breaks, lunches, meetings and training are rostered and not in it); why 0.10: migration 0008
DEFAULT_UNPLANNED_SHRINKAGE = 0.10
# the languages a site's people read the dashboard in (BCP 47 tags); a site's default is Chinese,
# the language of the centres the product is built for (why: migration 0011)
SiteLanguage = Literal["zh-CN", "en"]
DEFAULT_SITE_LANGUAGE: SiteLanguage = "zh-CN"
# the ISO 4217 currency of a site's money (revenue, values, costs)
DEFAULT_CURRENCY = "CNY"


class Channel(enum.StrEnum):
    VOICE = "voice"
    CHAT = "chat"
    EMAIL = "email"


class CampaignKind(enum.StrEnum):
    TELESALES = "telesales"
    SURVEY = "survey"
    CALLBACK = "callback"


class ScheduleStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class Activity(enum.StrEnum):
    SERVE = "serve"
    SELL = "sell"
    BREAK = "break"
    LUNCH = "lunch"
    OTHER = "other"


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Site:
    code: str
    name: str
    timezone: str
    country_code: str = ""
    seats: int | None = None
    # mean caller patience for queues without an estimate of their own (wfm.domain.queue_model)
    default_patience_seconds: float = DEFAULT_PATIENCE_SECONDS
    # a simulated site: its intraday clock may be moved and sped up (a live site's never)
    is_simulation: bool = False
    # each rostered agent absent with this probability (QueueModel.kpis_under_absence);
    # planned time off is rostered
    unplanned_shrinkage: float = DEFAULT_UNPLANNED_SHRINKAGE
    # the dashboard's language for the site's readers until they pick one (SiteLanguage)
    default_language: str = DEFAULT_SITE_LANGUAGE
    # the ISO 4217 currency its money is in
    currency: str = DEFAULT_CURRENCY
    # a shift trade between two agents waits for a planner's approval before the roster changes
    swaps_need_approval: bool = False


class CalendarDayKind(enum.StrEnum):
    """A site's own word on a day, over its country's public holidays and make-up working
    days (`forecasting.calendar.CalendarOverride`)."""

    HOLIDAY = "holiday"  # a holiday the country's calendar lacks (a local festival, a closure)
    WORKDAY = "workday"  # a make-up working day
    NORMAL = "normal"  # an ordinary day of its weekday, whatever the country's calendar says


@dataclass(frozen=True, slots=True)
class CalendarDay:
    """A day of a site's calendar (a local date)."""

    day: date
    kind: CalendarDayKind
    name: str = ""


@dataclass(frozen=True, slots=True)
class Queue:
    site_code: str
    code: str
    name: str
    channel: Channel = Channel.VOICE
    # the queue's targets: at least one of service level (within the threshold), least answer
    # rate and most abandon rate (None: no such target)
    service_level_target: float | None = 0.8
    service_threshold_seconds: float = 20.0
    max_occupancy: float = 0.85
    chat_concurrency: int = 1
    # the estimate from the queue's own history (None: none yet, the site's setting applies)
    mean_patience_seconds: float | None = None
    patience_estimated_at_utc: datetime | None = None
    patience_ci_low_seconds: float | None = None
    patience_ci_high_seconds: float | None = None
    patience_abandoned_count: int | None = None
    value_per_answered_contact: float = 0.0
    short_abandon_threshold_seconds: float = 5.0
    min_answer_rate: float | None = None
    max_abandon_rate: float | None = None
    # the queue model's calibration against the queue's history (`wfm.services.calibration`), an
    # `erlang.Calibration` (typed loosely: these types sit below the queue model, the one module
    # that speaks to `erlang`; `QueueModel.of_queue` checks it); None: the textbook model
    calibration: Any = None


@dataclass(frozen=True, slots=True)
class Segment:
    code: str
    name: str
    arpu_min_per_month: float | None = None
    arpu_max_per_month: float | None = None
    customer_count: int = 0


@dataclass(frozen=True, slots=True)
class CallingWindow:
    """Local wall-clock calling hours on one weekday (0 = Monday)."""

    weekday: int
    start_local: time
    end_local: time


@dataclass(frozen=True, slots=True)
class Campaign:
    site_code: str
    code: str
    name: str
    kind: CampaignKind
    segment_code: str | None
    # 24 values: value per productive hour for each local hour of day 0..23
    value_per_productive_hour_by_hour: tuple[float, ...]
    calling_windows: tuple[CallingWindow, ...]
    min_hours_per_week: float = 0.0
    max_hours_per_week: float | None = None
    target_hours: float | None = None
    efficiency: float = 0.8
    deadline: date | None = None
    target_sales: int | None = None
    target_completes: int | None = None


@dataclass(frozen=True, slots=True)
class Contract:
    name: str
    weekly_hours_min: float
    weekly_hours_max: float
    days_per_week_min: int
    days_per_week_max: int
    shift_lengths_minutes: tuple[int, ...]
    earliest_start_local: time = time(0, 0)
    latest_end_local: time = time(23, 59)
    min_rest_hours: float = 11.0
    max_consecutive_days: int = 6
    leave_accrual_hours_per_week: float = 0.0  # paid leave earned per week (`time_off`)


@dataclass(frozen=True, slots=True)
class Agent:
    site_code: str
    code: str
    name: str
    contract: Contract
    queue_skills: tuple[str, ...]
    campaign_skills: tuple[str, ...] = ()
    hire_date: date | None = None
    team: str = ""  # the team the agent works in ("": none)


@dataclass(frozen=True, slots=True)
class TimeOff:
    agent_code: str
    start_utc: datetime
    end_utc: datetime
    reason: str = "leave"
    approved: bool = True


@dataclass(frozen=True, slots=True)
class Availability:
    """A weekly recurring window in which an agent can work (local wall clock)."""

    agent_code: str
    weekday: int
    start_local: time
    end_local: time


@dataclass(frozen=True, slots=True)
class IntervalRecord:
    """ACD history for one queue and interval (the interval starts at `interval_start_utc`)."""

    queue_code: str
    interval_start_utc: datetime
    interval_minutes: int
    offered: int
    answered: int
    abandoned: int
    short_abandoned: int = 0
    answered_within_threshold: int = 0
    handle_seconds: float = 0.0
    wait_seconds_answered: float = 0.0
    wait_seconds_abandoned: float = 0.0
    reason_counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ForecastRun:
    site_code: str
    version: int
    created_at_utc: datetime
    interval_minutes: int
    horizon_start_utc: datetime
    horizon_end_utc: datetime
    history_start_utc: datetime | None = None
    history_end_utc: datetime | None = None
    model_by_queue: dict[str, str] = field(default_factory=dict)
    backtest_scores: dict[str, dict[str, float]] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    job_id: str | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class ForecastValue:
    queue_code: str
    interval_start_utc: datetime
    offered: float
    aht_seconds: float
    offered_lo80: float | None = None
    offered_hi80: float | None = None
    offered_lo95: float | None = None
    offered_hi95: float | None = None


class AdjustmentOperation(enum.StrEnum):
    SCALE = "scale"
    SET = "set"


@dataclass(frozen=True, slots=True)
class ForecastAdjustment:
    """A manual overlay on a queue's forecast over [start_utc, end_utc); survives re-runs."""

    queue_code: str
    start_utc: datetime
    end_utc: datetime
    target: str  # "offered" or "aht_seconds"
    operation: AdjustmentOperation
    value: float
    note: str = ""
    id: int | None = None


@dataclass(frozen=True, slots=True)
class ForecastAccuracy:
    queue_code: str
    period: str  # "day" or "week"
    period_start: date
    actual_offered: float
    forecast_offered: float
    wmape: float

    @property
    def accuracy_percent(self) -> float:
        return 100.0 * (1.0 - self.wmape)


@dataclass(frozen=True, slots=True)
class StaffingRequirement:
    queue_code: str
    interval_start_utc: datetime
    interval_minutes: int
    contacts: float
    aht_seconds: float
    required_agents: int
    scheduled_agents: int
    predicted_service_level: float
    predicted_answer_rate: float | None = None
    predicted_asa_seconds: float | None = None
    predicted_occupancy: float | None = None
    # the shrinkage scheduled_agents was grossed up with, and where it came from ("site": the
    # site's unplanned shrinkage; "given": passed in); None on rows stored before they were kept
    shrinkage: float | None = None
    shrinkage_source: str | None = None


@dataclass(frozen=True, slots=True)
class ActivitySpan:
    start_utc: datetime
    end_utc: datetime
    activity: Activity
    queue_code: str | None = None
    campaign_code: str | None = None
    authorised_change: bool = False


@dataclass(frozen=True, slots=True)
class ShiftBreak:
    start_utc: datetime
    end_utc: datetime
    kind: str  # "break" or "lunch"


@dataclass(frozen=True, slots=True)
class Shift:
    agent_code: str
    shift_date: date
    start_utc: datetime
    end_utc: datetime
    breaks: tuple[ShiftBreak, ...] = ()
    activities: tuple[ActivitySpan, ...] = ()


@dataclass(frozen=True, slots=True)
class Schedule:
    site_code: str
    week_start: date
    version: int
    status: ScheduleStatus
    created_at_utc: datetime
    shifts: tuple[Shift, ...] = ()
    summary: dict[str, object] = field(default_factory=dict)
    forecast_run_id: int | None = None
    published_at_utc: datetime | None = None
    job_id: str | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class AgentStateEvent:
    event_id: str
    agent_code: str
    occurred_at_utc: datetime
    state: str
    activity: Activity
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class AdherenceResult:
    agent_code: str
    period_start_utc: datetime
    period_minutes: int
    scheduled_minutes: float
    adherent_minutes: float
    worked_minutes: float
    schedule_id: int | None = None

    @property
    def adherence(self) -> float | None:
        return self.adherent_minutes / self.scheduled_minutes if self.scheduled_minutes else None

    @property
    def conformance(self) -> float | None:
        return self.worked_minutes / self.scheduled_minutes if self.scheduled_minutes else None


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    kind: str
    status: JobStatus
    params: dict[str, object]
    created_at_utc: datetime
    progress: float = 0.0
    message: str = ""
    result: dict[str, object] | None = None
    error: str | None = None
    started_at_utc: datetime | None = None
    finished_at_utc: datetime | None = None
    worker_id: str | None = None
    heartbeat_at_utc: datetime | None = None
    # a cancel asked for while the job ran (it stops at its next progress report)
    cancel_requested_at_utc: datetime | None = None
