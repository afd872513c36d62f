"""SQLAlchemy 2 typed models for the whole WFM domain.

The schema itself is created by Alembic migrations (`migrations/`), never by `create_all`, so that
SQLite and PostgreSQL get the same tables. Every datetime column is `UTCDateTime` (aware, UTC);
local wall-clock values are `Time` columns whose names end in `_local`.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    Time,
    Unicode,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from wfm.db.types import UTCDateTime
from wfm.domain.types import (
    DEFAULT_CURRENCY,
    DEFAULT_PATIENCE_SECONDS,
    DEFAULT_SITE_LANGUAGE,
    DEFAULT_UNPLANNED_SHRINKAGE,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


# --- organisation ------------


class SiteRow(Base):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    country_code: Mapped[str] = mapped_column(String(8), default="")
    seats: Mapped[int | None] = mapped_column(Integer)
    # mean caller patience of the site's queues that have no estimate of their own
    default_patience_seconds: Mapped[float] = mapped_column(
        Float, server_default=str(int(DEFAULT_PATIENCE_SECONDS))
    )
    # a simulated site: its intraday clock may be moved and sped up (never a live site's)
    is_simulation: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # absence, lateness and unplanned aux (rostered breaks and lunches are not in it)
    unplanned_shrinkage: Mapped[float] = mapped_column(
        Float, server_default=str(DEFAULT_UNPLANNED_SHRINKAGE)
    )
    # the dashboard's language for the site's readers ("zh-CN" or "en") and its money's currency
    default_language: Mapped[str] = mapped_column(String(16), server_default=DEFAULT_SITE_LANGUAGE)
    currency: Mapped[str] = mapped_column(String(3), server_default=DEFAULT_CURRENCY)
    # a shift trade between agents waits for a planner's approval (wfm.services.shift_trades)
    swaps_need_approval: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    created_at: Mapped[datetime]

    queues: Mapped[list[QueueRow]] = relationship(back_populates="site")


class QueueRow(Base):
    __tablename__ = "queues"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(16))
    # targets (null: none; the API keeps at least one of the three)
    service_level_target: Mapped[float | None] = mapped_column(Float)
    min_answer_rate: Mapped[float | None] = mapped_column(Float)
    max_abandon_rate: Mapped[float | None] = mapped_column(Float)
    service_threshold_seconds: Mapped[float] = mapped_column(Float)
    max_occupancy: Mapped[float] = mapped_column(Float)
    chat_concurrency: Mapped[int] = mapped_column(Integer, default=1)
    # the patience estimate from the queue's own history (wfm.services.patience); null: none yet
    mean_patience_seconds: Mapped[float | None] = mapped_column(Float)
    patience_estimated_at_utc: Mapped[datetime | None]
    patience_ci_low_seconds: Mapped[float | None] = mapped_column(Float)
    patience_ci_high_seconds: Mapped[float | None] = mapped_column(Float)
    patience_abandoned_count: Mapped[int | None] = mapped_column(Integer)
    value_per_answered_contact: Mapped[float] = mapped_column(Float, default=0.0)
    short_abandon_threshold_seconds: Mapped[float] = mapped_column(Float, default=5.0)

    site: Mapped[SiteRow] = relationship(back_populates="queues")
    calibration: Mapped[QueueCalibrationRow | None] = relationship(viewonly=True)


class QueueCalibrationRow(Base):
    """The queue model's calibration against the queue's history (at most one per queue;
    `wfm.services.calibration`): `parameters` is `erlang.Calibration.to_dict()`."""

    __tablename__ = "queue_calibrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id", ondelete="CASCADE"), unique=True)
    fitted_at_utc: Mapped[datetime]
    window_start_utc: Mapped[datetime]
    window_end_utc: Mapped[datetime]
    parameters: Mapped[dict[str, Any]]
    intervals: Mapped[int] = mapped_column(Integer)
    calls: Mapped[float] = mapped_column(Float)
    answer_rate_mae: Mapped[float] = mapped_column(Float)
    textbook_answer_rate_mae: Mapped[float] = mapped_column(Float)
    answer_rate_noise_floor: Mapped[float] = mapped_column(Float)
    service_level_mae: Mapped[float | None] = mapped_column(Float)
    textbook_service_level_mae: Mapped[float | None] = mapped_column(Float)


class SegmentRow(Base):
    __tablename__ = "segments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    arpu_min_per_month: Mapped[float | None] = mapped_column(Float)
    arpu_max_per_month: Mapped[float | None] = mapped_column(Float)
    customer_count: Mapped[int] = mapped_column(Integer, default=0)


class CampaignRow(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("segments.id", ondelete="SET NULL"))
    # 24 floats: value per productive hour for each local hour of day
    value_per_productive_hour_by_hour: Mapped[list[Any]]
    # [{"weekday": 0, "start_local": "09:00", "end_local": "20:00"}, ...]
    calling_windows: Mapped[list[Any]]
    min_hours_per_week: Mapped[float] = mapped_column(Float, default=0.0)
    max_hours_per_week: Mapped[float | None] = mapped_column(Float)
    target_hours: Mapped[float | None] = mapped_column(Float)
    # what the campaign should achieve in total (null: no such target)
    target_sales: Mapped[int | None] = mapped_column(Integer)
    target_completes: Mapped[int | None] = mapped_column(Integer)
    efficiency: Mapped[float] = mapped_column(Float, default=0.8)
    deadline: Mapped[date | None] = mapped_column(Date)

    segment: Mapped[SegmentRow | None] = relationship()


class LeadListRow(Base):
    """The leads of one segment a campaign may call (`wfm.domain.dialer.LeadList`)."""

    __tablename__ = "lead_lists"
    __table_args__ = (UniqueConstraint("campaign_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    segment_id: Mapped[int] = mapped_column(
        ForeignKey("segments.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(64))
    size_leads: Mapped[int] = mapped_column(Integer)
    # local calling hours as campaigns.calling_windows; [] means the campaign's
    calling_windows: Mapped[list[Any]]
    max_attempts_per_lead: Mapped[int] = mapped_column(Integer)
    cool_off_minutes: Mapped[int] = mapped_column(Integer)
    do_not_call_leads: Mapped[int] = mapped_column(Integer, default=0)
    created_at_utc: Mapped[datetime]
    updated_at_utc: Mapped[datetime]

    campaign: Mapped[CampaignRow] = relationship()
    segment: Mapped[SegmentRow] = relationship()


class CallbackRow(Base):
    """A call promised by a due instant (`wfm.domain.dialer.Callback`)."""

    __tablename__ = "callbacks"
    __table_args__ = (Index("ix_callbacks_campaign_due", "campaign_id", "due_at_utc"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    segment_id: Mapped[int | None] = mapped_column(
        ForeignKey("segments.id", ondelete="SET NULL"), index=True
    )
    lead_id: Mapped[str | None] = mapped_column(String(128))
    due_at_utc: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    # the dialer attempt (result callback_requested) it came from, by the dialer's id
    attempt_id: Mapped[str | None] = mapped_column(String(128))
    created_at_utc: Mapped[datetime]
    updated_at_utc: Mapped[datetime]

    campaign: Mapped[CampaignRow] = relationship()
    segment: Mapped[SegmentRow | None] = relationship()


class DialerAttemptRow(Base):
    """One dialer attempt (`wfm.domain.dialer.DialerAttempt`), keyed by the site (the
    campaign's) and the dialer's `attempt_id`.

    A bulk load pays per row for every index and every foreign-key check (on PostgreSQL a
    trigger per key and row, most of the cost of a million-row import): so no surrogate id, and
    one foreign key, the campaign's, which deletes the attempts with their campaign (and so with
    their site). `site_id` (the campaign's site), `agent_id` and `segment_id` are ids of those
    tables that the import resolves from codes in its own transaction; agents and segments are
    never deleted but with their site (agents leave by `active`)."""

    __tablename__ = "dialer_attempts"
    __table_args__ = (Index("ix_dialer_attempts_campaign_time", "campaign_id", "attempted_at_utc"),)

    site_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    attempted_at_utc: Mapped[datetime]
    # agents.id and segments.id, without a key or an index of their own (the import's speed)
    agent_id: Mapped[int] = mapped_column(Integer)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    segment_id: Mapped[int] = mapped_column(Integer)
    lead_id: Mapped[str | None] = mapped_column(String(128))
    result: Mapped[str] = mapped_column(String(24))
    revenue: Mapped[float | None] = mapped_column(Float)
    talk_seconds: Mapped[float] = mapped_column(Float)
    wrap_seconds: Mapped[float] = mapped_column(Float)


class ContractRow(Base):
    __tablename__ = "contracts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    weekly_hours_min: Mapped[float] = mapped_column(Float)
    weekly_hours_max: Mapped[float] = mapped_column(Float)
    days_per_week_min: Mapped[int] = mapped_column(Integer)
    days_per_week_max: Mapped[int] = mapped_column(Integer)
    shift_lengths_minutes: Mapped[list[Any]]
    earliest_start_local: Mapped[time] = mapped_column(Time)
    latest_end_local: Mapped[time] = mapped_column(Time)
    min_rest_hours: Mapped[float] = mapped_column(Float, default=11.0)
    max_consecutive_days: Mapped[int] = mapped_column(Integer, default=6)
    # paid leave earned per week of service (`wfm.domain.time_off`); 0: none
    leave_accrual_hours_per_week: Mapped[float] = mapped_column(Float, server_default="0")


class AgentRow(Base):
    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    hire_date: Mapped[date | None] = mapped_column(Date)
    team: Mapped[str | None] = mapped_column(String(64))  # NULL: no team
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    contract: Mapped[ContractRow] = relationship()
    queue_skills: Mapped[list[AgentQueueSkillRow]] = relationship(
        cascade="all, delete-orphan", back_populates="agent"
    )
    campaign_skills: Mapped[list[AgentCampaignSkillRow]] = relationship(
        cascade="all, delete-orphan", back_populates="agent"
    )


class AgentQueueSkillRow(Base):
    __tablename__ = "agent_queue_skills"

    agent_id: Mapped[int] = mapped_column(
        ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True
    )
    queue_id: Mapped[int] = mapped_column(
        ForeignKey("queues.id", ondelete="CASCADE"), primary_key=True
    )
    proficiency: Mapped[float] = mapped_column(Float, default=1.0)

    agent: Mapped[AgentRow] = relationship(back_populates="queue_skills")
    queue: Mapped[QueueRow] = relationship()


class AgentCampaignSkillRow(Base):
    __tablename__ = "agent_campaign_skills"

    agent_id: Mapped[int] = mapped_column(
        ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True
    )
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )

    agent: Mapped[AgentRow] = relationship(back_populates="campaign_skills")
    campaign: Mapped[CampaignRow] = relationship()


class AvailabilityRow(Base):
    __tablename__ = "availability"

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)
    start_local: Mapped[time] = mapped_column(Time)
    end_local: Mapped[time] = mapped_column(Time)


class AgentPreferenceRow(Base):
    """A soft wish of an agent for the roster (`scheduling.problem.Preference`): `kind` is
    day_off, work_day, start_between, max_evenings or voluntary_time_off (an offer of unpaid
    hours below the contract's minimum, `vto_hours_max`); `dates` ISO dates and `weekdays` 0-6
    the days it concerns (both empty: every day)."""

    __tablename__ = "agent_preferences"

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    dates: Mapped[list[Any]]
    weekdays: Mapped[list[Any]]
    earliest_start_local: Mapped[time | None] = mapped_column(Time)
    latest_start_local: Mapped[time | None] = mapped_column(Time)
    max_evening_shifts: Mapped[int | None] = mapped_column(Integer)
    evening_from_local: Mapped[time | None] = mapped_column(Time)
    vto_hours_max: Mapped[float | None] = mapped_column(Float)


class TimeOffRow(Base):
    __tablename__ = "time_off"

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    start_utc: Mapped[datetime]
    end_utc: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(64), default="leave")
    approved: Mapped[bool] = mapped_column(Boolean, default=True)


class TimeOffBalanceRow(Base):
    """An agent's leave balance at a date (`opening_hours` on `as_of`), from which the
    contract's accrual runs (`wfm.domain.time_off.LeaveBalance`); at most one per agent."""

    __tablename__ = "time_off_balances"

    agent_id: Mapped[int] = mapped_column(
        ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True
    )
    opening_hours: Mapped[float] = mapped_column(Float)
    as_of: Mapped[date] = mapped_column(Date)
    updated_at_utc: Mapped[datetime]


class TimeOffRequestRow(Base):
    """An agent's request for time off (`wfm.domain.time_off.TimeOffRequest`): its hours (charged
    to the balance), status, the queue prediction it was judged on, and the decision."""

    __tablename__ = "time_off_requests"
    __table_args__ = (Index("ix_time_off_requests_agent_start", "agent_id", "start_utc"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    start_utc: Mapped[datetime]
    end_utc: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(64))
    hours: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), index=True)
    # the prediction with the absence (`wfm.domain.time_off.Prediction`, JSON); null: none made
    prediction: Mapped[dict[str, Any] | None]
    created_at_utc: Mapped[datetime]
    decided_at_utc: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(100))  # "auto" or the token's name
    decision_reason: Mapped[str | None] = mapped_column(Text)
    time_off_id: Mapped[int | None] = mapped_column(ForeignKey("time_off.id", ondelete="SET NULL"))


# --- history and forecasts ------------


class IntervalHistoryRow(Base):
    __tablename__ = "interval_history"
    __table_args__ = (UniqueConstraint("queue_id", "interval_start_utc"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id", ondelete="CASCADE"))
    interval_start_utc: Mapped[datetime]
    interval_minutes: Mapped[int] = mapped_column(Integer)
    offered: Mapped[int] = mapped_column(Integer)
    answered: Mapped[int] = mapped_column(Integer)
    abandoned: Mapped[int] = mapped_column(Integer)
    short_abandoned: Mapped[int] = mapped_column(Integer, default=0)
    answered_within_threshold: Mapped[int] = mapped_column(Integer, default=0)
    handle_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    wait_seconds_answered: Mapped[float] = mapped_column(Float, default=0.0)
    wait_seconds_abandoned: Mapped[float] = mapped_column(Float, default=0.0)
    reason_counts: Mapped[dict[str, Any] | None]


class IntervalHistoryDayRow(Base):
    """Sums of a queue's intervals over one local day (in its site's timezone), kept in step
    with `interval_history` by `wfm.db.day_sums`; day, week and month reports read these,
    grouped in the database by the day's week or month."""

    __tablename__ = "interval_history_days"
    # SQLite keeps the rows in primary-key order, so a queue's run of days is one range read
    __table_args__ = {"sqlite_with_rowid": False}

    queue_id: Mapped[int] = mapped_column(
        ForeignKey("queues.id", ondelete="CASCADE"), primary_key=True
    )
    local_date: Mapped[date] = mapped_column(Date, primary_key=True)
    week_start: Mapped[date] = mapped_column(Date)  # the Monday of local_date's week
    month_start: Mapped[date] = mapped_column(Date)  # the first of local_date's month
    intervals: Mapped[int] = mapped_column(Integer)
    answered: Mapped[int] = mapped_column(Integer)
    abandoned: Mapped[int] = mapped_column(Integer)
    short_abandoned: Mapped[int] = mapped_column(Integer)
    answered_within_threshold: Mapped[int] = mapped_column(Integer)
    handle_seconds: Mapped[float] = mapped_column(Float)
    wait_seconds_answered: Mapped[float] = mapped_column(Float)
    wait_seconds_abandoned: Mapped[float] = mapped_column(Float)


class ForecastRunRow(Base):
    __tablename__ = "forecast_runs"
    __table_args__ = (UniqueConstraint("site_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    interval_minutes: Mapped[int] = mapped_column(Integer)
    history_start_utc: Mapped[datetime | None]
    history_end_utc: Mapped[datetime | None]
    horizon_start_utc: Mapped[datetime]
    horizon_end_utc: Mapped[datetime]
    model_by_queue: Mapped[dict[str, Any]]
    backtest_scores: Mapped[dict[str, Any]]
    warnings: Mapped[list[Any]]
    job_id: Mapped[str | None] = mapped_column(String(36))


class ForecastValueRow(Base):
    __tablename__ = "forecast_values"
    __table_args__ = (UniqueConstraint("run_id", "queue_id", "interval_start_utc"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("forecast_runs.id", ondelete="CASCADE"))
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id", ondelete="CASCADE"), index=True)
    interval_start_utc: Mapped[datetime]
    offered: Mapped[float] = mapped_column(Float)
    offered_lo80: Mapped[float | None] = mapped_column(Float)
    offered_hi80: Mapped[float | None] = mapped_column(Float)
    offered_lo95: Mapped[float | None] = mapped_column(Float)
    offered_hi95: Mapped[float | None] = mapped_column(Float)
    aht_seconds: Mapped[float] = mapped_column(Float)


class ForecastAdjustmentRow(Base):
    """A manual overlay on forecasts of a queue's time range; it survives re-runs."""

    __tablename__ = "forecast_adjustments"

    id: Mapped[int] = mapped_column(primary_key=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id", ondelete="CASCADE"), index=True)
    start_utc: Mapped[datetime]
    end_utc: Mapped[datetime]
    target: Mapped[str] = mapped_column(String(16))  # "offered" or "aht_seconds"
    operation: Mapped[str] = mapped_column(String(16))  # "scale" or "set"
    value: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ForecastAccuracyRow(Base):
    __tablename__ = "forecast_accuracy"
    __table_args__ = (UniqueConstraint("run_id", "queue_id", "period", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("forecast_runs.id", ondelete="CASCADE"))
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(8))  # "day" or "week"
    period_start: Mapped[date] = mapped_column(Date)
    actual_offered: Mapped[float] = mapped_column(Float)
    forecast_offered: Mapped[float] = mapped_column(Float)
    wmape: Mapped[float] = mapped_column(Float)
    accuracy_percent: Mapped[float] = mapped_column(Float)


class StaffingRequirementRow(Base):
    __tablename__ = "staffing_requirements"
    __table_args__ = (UniqueConstraint("forecast_run_id", "queue_id", "interval_start_utc"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    forecast_run_id: Mapped[int] = mapped_column(ForeignKey("forecast_runs.id", ondelete="CASCADE"))
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id", ondelete="CASCADE"), index=True)
    interval_start_utc: Mapped[datetime]
    interval_minutes: Mapped[int] = mapped_column(Integer)
    contacts: Mapped[float] = mapped_column(Float)
    aht_seconds: Mapped[float] = mapped_column(Float)
    required_agents: Mapped[int] = mapped_column(Integer)
    scheduled_agents: Mapped[int] = mapped_column(Integer)
    predicted_service_level: Mapped[float] = mapped_column(Float)
    predicted_answer_rate: Mapped[float | None] = mapped_column(Float)
    predicted_asa_seconds: Mapped[float | None] = mapped_column(Float)
    predicted_occupancy: Mapped[float | None] = mapped_column(Float)
    shrinkage: Mapped[float | None] = mapped_column(Float)
    shrinkage_source: Mapped[str | None] = mapped_column(String(16))


# --- schedules ------------


class ScheduleRow(Base):
    __tablename__ = "schedules"
    __table_args__ = (UniqueConstraint("site_id", "week_start", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    week_start: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    forecast_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("forecast_runs.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime]
    published_at: Mapped[datetime | None]
    summary: Mapped[dict[str, Any]]
    job_id: Mapped[str | None] = mapped_column(String(36))

    shifts: Mapped[list[ShiftRow]] = relationship(
        cascade="all, delete-orphan", back_populates="schedule"
    )


class ShiftRow(Base):
    __tablename__ = "schedule_shifts"

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(
        ForeignKey("schedules.id", ondelete="CASCADE"), index=True
    )
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    shift_date: Mapped[date] = mapped_column(Date)  # local date the shift starts on
    start_utc: Mapped[datetime]
    end_utc: Mapped[datetime]

    schedule: Mapped[ScheduleRow] = relationship(back_populates="shifts")
    breaks: Mapped[list[ShiftBreakRow]] = relationship(cascade="all, delete-orphan")
    activities: Mapped[list[ShiftActivityRow]] = relationship(cascade="all, delete-orphan")


class ShiftBreakRow(Base):
    __tablename__ = "schedule_breaks"

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(
        ForeignKey("schedule_shifts.id", ondelete="CASCADE"), index=True
    )
    start_utc: Mapped[datetime]
    end_utc: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(16))  # "break" or "lunch"


class ShiftActivityRow(Base):
    __tablename__ = "schedule_activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(
        ForeignKey("schedule_shifts.id", ondelete="CASCADE"), index=True
    )
    start_utc: Mapped[datetime]
    end_utc: Mapped[datetime]
    activity: Mapped[str] = mapped_column(String(16))  # serve / sell / break / lunch / other
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queues.id", ondelete="SET NULL"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    authorised_change: Mapped[bool] = mapped_column(Boolean, default=False)


# --- intraday ------------


class AgentStateEventRow(Base):
    __tablename__ = "agent_state_events"
    __table_args__ = (Index("ix_agent_state_events_agent_time", "agent_id", "occurred_at_utc"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    occurred_at_utc: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(String(64))
    activity: Mapped[str] = mapped_column(String(16))
    received_at_utc: Mapped[datetime]


class AdherenceResultRow(Base):
    __tablename__ = "adherence_results"
    __table_args__ = (UniqueConstraint("agent_id", "period_start_utc", "period_minutes"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("schedules.id", ondelete="SET NULL"))
    period_start_utc: Mapped[datetime]
    period_minutes: Mapped[int] = mapped_column(Integer)
    scheduled_minutes: Mapped[float] = mapped_column(Float)
    adherent_minutes: Mapped[float] = mapped_column(Float)
    worked_minutes: Mapped[float] = mapped_column(Float)
    adherence: Mapped[float | None] = mapped_column(Float)
    conformance: Mapped[float | None] = mapped_column(Float)


# --- jobs and access ------------


class JobRow(Base):
    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    params: Mapped[dict[str, Any]]
    result: Mapped[dict[str, Any] | None]
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    worker_id: Mapped[str | None] = mapped_column(String(64))
    # Refreshed by the worker while the job runs; a stale heartbeat means the worker died.
    heartbeat_at: Mapped[datetime | None]
    # A cancel asked for while the job runs: the worker stops it at its next progress report.
    cancel_requested_at: Mapped[datetime | None]


class WorkerRow(Base):
    """A worker process and its heartbeat (refreshed while it runs; stopped_at once it exits)."""

    __tablename__ = "workers"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    hostname: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime]
    heartbeat_at: Mapped[datetime]
    stopped_at: Mapped[datetime | None]


class SchedulerJobRow(Base):
    """The worker's APScheduler job store (layout fixed by APScheduler's SQLAlchemyJobStore)."""

    __tablename__ = "apscheduler_jobs"

    id: Mapped[str] = mapped_column(Unicode(191), primary_key=True)
    next_run_time: Mapped[float | None] = mapped_column(Float(25), index=True)
    job_state: Mapped[bytes] = mapped_column(LargeBinary)


class ApiTokenRow(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]  # None: never
    last_used_at: Mapped[datetime | None]  # refreshed at most about once a minute
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(200))


class CalendarFeedRow(Base):
    """An agent's calendar subscription (`wfm.services.calendar_feeds`): only the SHA-256 of the
    secret in its URL is stored. One per agent: rotating replaces the row, revoking deletes it,
    and so do deactivating or deleting the agent. Belongs to the agent, not to an API token."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at_utc: Mapped[datetime]


# --- intraday: live state, authorised plan changes, settings ------------


class QueueSnapshotRow(Base):
    """The live state of a queue at one moment; counts are since the start of the local day."""

    __tablename__ = "queue_snapshots"
    __table_args__ = (UniqueConstraint("queue_id", "observed_at_utc"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id", ondelete="CASCADE"))
    observed_at_utc: Mapped[datetime]
    contacts_waiting: Mapped[int] = mapped_column(Integer)
    longest_wait_seconds: Mapped[float] = mapped_column(Float)
    agents_ready: Mapped[int] = mapped_column(Integer)
    answered_today: Mapped[int] = mapped_column(Integer)
    abandoned_today: Mapped[int] = mapped_column(Integer)
    received_at_utc: Mapped[datetime]


class AgentCurrentStateRow(Base):
    """Each agent's latest state event (kept up to date on ingest, for the live views)."""

    __tablename__ = "agent_current_states"

    agent_id: Mapped[int] = mapped_column(
        ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True
    )
    event_id: Mapped[str] = mapped_column(String(64))
    occurred_at_utc: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(String(64))
    activity: Mapped[str] = mapped_column(String(16))


class PlanChangeRow(Base):
    """An authorised change to an agent's plan: a sell/serve switch or an approved exception."""

    __tablename__ = "plan_changes"
    __table_args__ = (Index("ix_plan_changes_agent_time", "agent_id", "start_utc"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    start_utc: Mapped[datetime]
    end_utc: Mapped[datetime]
    activity: Mapped[str | None] = mapped_column(String(16))  # None: removed from the plan
    kind: Mapped[str] = mapped_column(String(16))  # "switch" or "exception"
    replaces: Mapped[list[Any] | None]  # activities it replaces; None: all
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queues.id", ondelete="SET NULL"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(16))  # "manager" or "auto"
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime]


class IntradaySettingsRow(Base):
    """Per-site intraday settings: auto mode limits, ACD state mapping, a simulated clock."""

    __tablename__ = "intraday_settings"

    site_id: Mapped[int] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True
    )
    auto_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    auto_max_agents_per_move: Mapped[int] = mapped_column(Integer, default=3)
    auto_max_agents_switched: Mapped[int] = mapped_column(Integer, default=10)
    auto_allow_to_serve: Mapped[bool] = mapped_column(Boolean, default=True)
    auto_allow_to_sell: Mapped[bool] = mapped_column(Boolean, default=True)
    # {"states": {"aux_7": "sell"}, "reasons": [["not_ready", "outbound", "sell"]]}; None: default
    state_mapping: Mapped[dict[str, Any] | None]
    # A simulated clock: now = clock_start_utc + (real now - clock_anchor_utc) * clock_speed.
    clock_start_utc: Mapped[datetime | None]
    clock_anchor_utc: Mapped[datetime | None]
    clock_speed: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(100), default="")


class IntradayReforecastRow(Base):
    """The latest intraday reforecast of a queue's interval."""

    __tablename__ = "intraday_reforecasts"
    __table_args__ = (UniqueConstraint("queue_id", "interval_start_utc"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id", ondelete="CASCADE"))
    interval_start_utc: Mapped[datetime]
    interval_minutes: Mapped[int] = mapped_column(Integer)
    forecast_offered: Mapped[float] = mapped_column(Float)
    actual_offered: Mapped[float | None] = mapped_column(Float)
    reforecast_offered: Mapped[float] = mapped_column(Float)
    applied_ratio: Mapped[float] = mapped_column(Float)
    computed_at: Mapped[datetime]


class IntradayRecommendationRow(Base):
    """A recommendation as given (and whether the auto mode applied it), for audit and review."""

    __tablename__ = "intraday_recommendations"
    __table_args__ = (Index("ix_intraday_recommendations_site_time", "site_id", "as_of_utc"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    as_of_utc: Mapped[datetime]
    direction: Mapped[str] = mapped_column(String(16))
    agent_count: Mapped[int] = mapped_column(Integer)
    moves: Mapped[list[Any]]
    message: Mapped[str] = mapped_column(Text)
    service_level_without: Mapped[float | None] = mapped_column(Float)
    service_level_with: Mapped[float | None] = mapped_column(Float)
    answer_rate_without: Mapped[float | None] = mapped_column(Float)
    answer_rate_with: Mapped[float | None] = mapped_column(Float)
    applied_by_auto: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


class SiteRulesRow(Base):
    """A version of a site's roster rules (`wfm.domain.site_rules`), valid from the week that
    starts on `valid_from` until a later version's; `rules` is its document."""

    __tablename__ = "site_rules"
    __table_args__ = (UniqueConstraint("site_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[date] = mapped_column(Date)
    rules: Mapped[dict[str, Any]]
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]


class ScenarioRow(Base):
    """A what-if scenario on a site's week (`wfm.domain.scenarios`): its document, the job that
    solves it (null when run in-process by the command line) and, once solved, its comparison."""

    __tablename__ = "scenarios"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(Text)
    week_start: Mapped[date] = mapped_column(Date)
    document: Mapped[dict[str, Any]]
    job_id: Mapped[str | None] = mapped_column(String(36), index=True)
    result: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime]


class SiteCalendarDayRow(Base):
    """A day of a site's own calendar (`wfm.domain.CalendarDay`): `kind` is holiday, workday
    or normal, over the country's calendar; one row per site and local date."""

    __tablename__ = "site_calendar_days"
    __table_args__ = (UniqueConstraint("site_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200), default="")


class CapacityPlanRow(Base):
    """A capacity plan of a site's next months (`wfm.domain.capacity_plan`): its inputs, the job
    that computes it (null when computed in-process by the command line), its status and, once
    computed, the plan."""

    __tablename__ = "capacity_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    inputs: Mapped[dict[str, Any]]
    job_id: Mapped[str | None] = mapped_column(String(36), index=True)
    status: Mapped[str] = mapped_column(String(16))
    result: Mapped[dict[str, Any] | None]


# --- notifications -----------


class WebhookSubscriptionRow(Base):
    """A webhook admins subscribed: where events of its kinds (of its site, or of every site
    when `site_id` is null) are POSTed, signed with its secret."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int | None] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(Text)
    event_kinds: Mapped[list[Any]]
    created_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]


class NotificationPreferenceRow(Base):
    """An agent's e-mail address and, per channel, the event kinds sent to them by it."""

    __tablename__ = "notification_preferences"

    agent_id: Mapped[int] = mapped_column(
        ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True
    )
    email: Mapped[str | None] = mapped_column(String(320))
    channels: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]


class NotificationEventRow(Base):
    """An event of the outbox, written in the transaction of the change it tells of; `id` is
    the event id every delivery of it carries (stable across retries)."""

    __tablename__ = "notification_events"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    agent_codes: Mapped[list[Any]]
    payload: Mapped[dict[str, Any]]
    occurred_at: Mapped[datetime]


class NotificationDeliveryRow(Base):
    """One delivery of an event to one destination (a webhook subscription, or an agent's
    e-mail address): pending until sent, retried at `next_attempt_at`, failed when given up."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (Index("ix_notification_deliveries_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(
        ForeignKey("notification_events.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), index=True
    )
    agent_id: Mapped[int | None] = mapped_column(
        ForeignKey("agents.id", ondelete="CASCADE"), index=True
    )
    recipient: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


# --- shift bidding ------------


class BidRoundRow(Base):
    """A shift-bidding round of a site (`scheduling.bidding`): its weeks, rule, state, closing
    time and, once assigned, every agent's award (`results`, by agent code)."""

    __tablename__ = "bid_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    week_start: Mapped[date] = mapped_column(Date)
    weeks: Mapped[int] = mapped_column(Integer)
    rule: Mapped[str] = mapped_column(String(16))  # seniority / rotation
    status: Mapped[str] = mapped_column(String(16))  # draft / open / closed / assigned
    closes_at: Mapped[datetime]
    created_at: Mapped[datetime]
    assigned_at: Mapped[datetime | None]
    results: Mapped[dict[str, Any] | None]

    patterns: Mapped[list[BidPatternRow]] = relationship(
        cascade="all, delete-orphan", order_by="BidPatternRow.id"
    )


class BidPatternRow(Base):
    """A shift pattern of a bidding round: weekdays, local start and end, places, skills."""

    __tablename__ = "bid_patterns"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("bid_rounds.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    weekdays: Mapped[list[Any]]
    start_local: Mapped[time] = mapped_column(Time)
    end_local: Mapped[time] = mapped_column(Time)
    seats: Mapped[int] = mapped_column(Integer)
    skills: Mapped[list[Any]]


class BidRow(Base):
    """An agent's ranking of a round's patterns (pattern ids, best first)."""

    __tablename__ = "bids"
    __table_args__ = (UniqueConstraint("round_id", "agent_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("bid_rounds.id", ondelete="CASCADE"))
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    ranking: Mapped[list[Any]]
    updated_at: Mapped[datetime]


class ShiftOfferRow(Base):
    """An agent's published shift offered to the site's other agents (`wfm.services.shift_trades`):
    `mode` any, swap_only or give_away; `status` open, taken, cancelled; it expires when the
    shift starts (`shift_start_utc`)."""

    __tablename__ = "shift_offers"
    __table_args__ = (Index("ix_shift_offers_site_status", "site_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    shift_date: Mapped[date] = mapped_column(Date)
    shift_start_utc: Mapped[datetime]
    shift_end_utc: Mapped[datetime]
    mode: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class ShiftTradeRow(Base):
    """An offer taken by another agent: the shift given away to them, or swapped for their shift
    of `taker_shift_date`. `status` pending_approval, approved, refused or accepted (no approval
    needed); `schedule_ids` the published versions it made; `changed_agents` whose shifts it
    changed."""

    __tablename__ = "shift_trades"
    __table_args__ = (Index("ix_shift_trades_site_status", "site_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    offer_id: Mapped[int] = mapped_column(
        ForeignKey("shift_offers.id", ondelete="CASCADE"), index=True
    )
    taker_agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # "give_away" or "swap"
    taker_shift_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str] = mapped_column(String(100), default="")
    decided_at: Mapped[datetime | None]
    schedule_ids: Mapped[list[Any]]
    changed_agents: Mapped[list[Any]]
    created_at: Mapped[datetime]
