"""Request and response bodies of the intraday endpoints."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field, model_validator

from api.schemas import AwareMoment, Code, FreeText, Input, Moment, Output, Text

MAX_EVENTS_PER_BATCH = 20_000
MAX_SNAPSHOTS_PER_BATCH = 5_000

PlannedActivity = Literal["serve", "sell", "break", "lunch", "other"]
ActualActivityName = Literal["serve", "sell", "break", "lunch", "other", "not_ready", "logged_out"]
AgentStateName = Literal[
    "not_started", "in_adherence", "on_break", "out_of_adherence", "absent", "off_shift", "finished"
]


# --- the state feed ----------------------------------------------------------------------------


class AgentEventCreate(Input):
    event_id: Text = Field(
        min_length=1,
        max_length=64,
        description="The ACD's id of the event; a repeated id is not stored twice.",
        examples=["acd-7f3a-000123"],
    )
    agent_code: Code = Field(description="Code of the agent.", examples=["A0001"])
    occurred_at_utc: Moment = Field(
        description=(
            "When the state began, ISO 8601 with an offset (stored in UTC). Without an offset "
            "the item is rejected (`naive_timestamp`)."
        ),
        examples=["2026-11-09T09:00:12Z"],
    )
    state: Text = Field(
        min_length=1,
        max_length=32,
        description="The ACD state, e.g. ready, on_call, after_call_work, outbound_dialling, "
        "break, lunch, not_ready, logged_out (see GET /v1/intraday/state-mapping).",
        examples=["on_call"],
    )
    reason: Text | None = Field(
        default=None,
        max_length=64,
        description="Reason code of a not-ready state (break, lunch, meeting, training ...).",
        examples=[None],
    )


class AgentEventBatch(Input):
    events: list[AgentEventCreate] = Field(
        max_length=MAX_EVENTS_PER_BATCH,
        description=f"Up to {MAX_EVENTS_PER_BATCH} events, in any order.",
    )


class ItemRejectionRead(Output):
    index: int = Field(description="Position of the item in the batch (0-based).", examples=[3])
    key: str = Field(description="The item's event id, agent or queue code.", examples=["e-17"])
    reason: str = Field(
        description="Stable reason code (see docs/intraday.md).", examples=["unknown_agent"]
    )
    message: str = Field(description="One line saying why.", examples=["no agent 'A9999'"])


class BatchResultRead(Output):
    received: int = Field(description="Items in the batch.", examples=[500])
    accepted: int = Field(description="Items stored.", examples=[497])
    duplicates: int = Field(description="Items already stored before (not stored again).")
    rejected: list[ItemRejectionRead] = Field(
        description="Every item not stored, with its reason (duplicates included)."
    )


class AgentEventRead(Output):
    event_id: str
    agent_code: str
    occurred_at_utc: datetime
    state: str
    reason: str | None
    activity: ActualActivityName = Field(description="The activity the state mapping gave it.")


class QueueSnapshotCreate(Input):
    queue_code: Code = Field(description="Code of the queue.", examples=["retail"])
    observed_at_utc: Moment = Field(
        description="When the snapshot was taken, ISO 8601 with an offset.",
        examples=["2026-11-09T14:05:00Z"],
    )
    contacts_waiting: int = Field(ge=0, description="Contacts in queue now.", examples=[7])
    longest_wait_seconds: float = Field(ge=0, description="Wait of the oldest contact in queue.")
    agents_ready: int = Field(ge=0, description="Agents available now.", examples=[2])
    answered_today: int = Field(ge=0, description="Answered since the local day began.")
    abandoned_today: int = Field(ge=0, description="Abandoned since the local day began.")


class QueueSnapshotBatch(Input):
    snapshots: list[QueueSnapshotCreate] = Field(
        max_length=MAX_SNAPSHOTS_PER_BATCH,
        description=f"Up to {MAX_SNAPSHOTS_PER_BATCH} snapshots.",
    )


class TradeRead(Output):
    """What a move trades, in both currencies: points of service and money."""

    answer_rate_points: float = Field(
        description="Percentage points of answer rate gained (+) or lost (-) over the horizon, "
        "contact-weighted, from the queue model."
    )
    service_level_points: float = Field(description="Percentage points of service level, alike.")
    value_of_service: float = Field(
        description="Money the change in service is worth over the horizon: value per answered "
        "contact x contacts answered, plus the roster's under-target penalty per agent-hour short "
        "avoided (+) or incurred (-)."
    )
    expected_sales_value: float = Field(
        description="Expected sales gained (+, a release) or given up (-, a pull) over the horizon."
    )
    net_value: float = Field(description="value_of_service + expected_sales_value.")
    currency: str = Field(examples=["CNY"], description="ISO code of the money fields.")
    text: str = Field(
        examples=["+1.2 pts answer rate, +3.4 pts service level, −¥380 expected sales"]
    )


class AgentMoveRead(Output):
    agent_code: str
    to: Literal["serve", "sell"] = Field(description="The activity the agent switches to.")
    queue_code: str = Field(description="The queue the agent goes to serve, or stops serving.")
    campaign_code: str | None = Field(description="The campaign the agent leaves or goes to sell.")
    campaign_value_per_hour: float = Field(
        description="That campaign's value per scheduled hour now (value x efficiency)."
    )
    until_utc: datetime = Field(
        description="Suggested end of this agent's switch: the end of their current block of "
        "work (next break, lunch, shift end or planned change; at most 4 hours; a release also "
        "ends when the campaign's calling window closes)."
    )
    trade: TradeRead = Field(description="This move's trade, given the moves before it.")
    hysteresis_margin_value: float = Field(
        description="Money the move had to net to be made (larger for an agent switched in the "
        "last 30 minutes)."
    )


class SnapshotResultRead(BatchResultRead):
    auto_applied: list[AgentMoveRead] = Field(
        default_factory=list,
        description="Switches the site's auto mode made on this ingest (when it is on).",
    )


class QueueSnapshotRead(Output):
    queue_code: str
    observed_at_utc: datetime
    contacts_waiting: int
    longest_wait_seconds: float
    agents_ready: int
    answered_today: int
    abandoned_today: int


# --- adherence ---------------------------------------------------------------------------------


class AgentStatusRead(Output):
    agent_code: str
    planned: PlannedActivity | None = Field(description="What the effective plan says now.")
    actual: ActualActivityName = Field(description="What the agent's state says now.")
    scheduled: bool = Field(description="Whether the agent is scheduled now.")
    in_adherence: bool
    out_since_utc: datetime | None = Field(description="Out of adherence since (None when in).")
    out_for_seconds: float = Field(description="How long out of adherence, seconds.")
    state: AgentStateName = Field(
        description="not_started, in_adherence, on_break, out_of_adherence, absent (scheduled "
        "and not logged in once since the shift began), off_shift (between two shifts of the "
        "day) or finished."
    )
    shift_start_utc: datetime | None = Field(
        description="Start of the shift under way, or of the next one today."
    )


class LiveAdherenceRead(Output):
    as_of_utc: datetime = Field(description="The site clock's now.")
    scheduled_now: int = Field(description="Agents scheduled now.")
    out_of_adherence: int = Field(description="Of them, out of adherence now.")
    agents: list[AgentStatusRead] = Field(
        description="Every agent with a plan today: longest out of adherence first, then the "
        "absent, on break, in adherence, not started, between shifts and finished."
    )
    states: dict[str, int] = Field(description="Agents in each state.")
    last_event_utc: datetime | None = Field(
        description="The site's latest agent state event today; null: none has arrived, so "
        "every scheduled agent reads as absent (is the ACD feed sending?)."
    )


class AdherenceRead(Output):
    agent_code: str
    period_start_utc: datetime
    period_minutes: int
    scheduled_minutes: float = Field(description="Minutes the plan covers (breaks included).")
    adherent_minutes: float = Field(description="Scheduled minutes doing what was planned.")
    scheduled_work_minutes: float = Field(description="Scheduled minutes of serve, sell, other.")
    worked_minutes: float = Field(description="Minutes logged in, not on break or lunch.")
    adherence: float | None = Field(description="adherent / scheduled, in [0, 1].")
    conformance: float | None = Field(description="worked / scheduled work (can exceed 1).")


class MinuteAdherenceRead(Output):
    agent_code: str
    start_utc: datetime = Field(description="Start of the first minute (the local day's start).")
    scheduled_seconds: list[float] = Field(description="Per minute.")
    adherent_seconds: list[float] = Field(description="Per minute.")
    scheduled_work_seconds: list[float] = Field(description="Per minute.")
    worked_seconds: list[float] = Field(description="Per minute.")


# --- reforecast and recommendation -------------------------------------------------------------


class ReforecastIntervalRead(Output):
    interval_start_utc: datetime
    forecast_offered: float
    actual_offered: float | None = Field(description="Arrived so far (None: not started).")
    reforecast_offered: float
    reforecast_lo80: float = Field(
        description="80 % band, low end (intervals over: their actuals; docs/intraday.md)."
    )
    reforecast_hi80: float = Field(description="80 % band, high end.")


class QueueReforecastRead(Output):
    queue_code: str
    interval_minutes: int
    raw_ratio: float | None = Field(description="Recency-weighted actual / forecast to date.")
    applied_ratio: float = Field(description="The damped, clipped ratio applied to the rest.")
    prior_ratio: float = Field(
        description="The recent level the ratio is damped towards: actual / forecast of the "
        "queue's last 14 stored days (1 with none)."
    )
    actual_to_date: float
    forecast_to_date: float
    intervals: list[ReforecastIntervalRead]


class ReforecastRead(Output):
    as_of_utc: datetime
    forecast_run_id: int | None
    queues: list[QueueReforecastRead]


class QueueStaffingRead(Output):
    queue_code: str
    servers_required: list[int] = Field(
        description="Per interval: fewest agents meeting every target of the queue on the "
        "reforecast (the queue model, as the recommendation)."
    )
    servers_scheduled: list[float] = Field(
        description="Per interval: mean agents planned to serve the queue (the effective plan)."
    )
    servers_serving: list[float | None] = Field(
        description="Per interval: mean agents whose state said serving (an interval under way: "
        "its elapsed part); null: not started."
    )


class DayStaffingRead(Output):
    as_of_utc: datetime = Field(description="The site clock's now.")
    interval_minutes: int
    interval_starts_utc: list[datetime]
    queues: list[QueueStaffingRead]


class IntervalOutlookRead(Output):
    queue_code: str
    interval_start_utc: datetime
    offered: float = Field(description="Reforecast contacts (with the current backlog).")
    aht_seconds: float
    servers_needed: int = Field(
        description="Erlang A: fewest agents meeting every target of the queue (service "
        "level, answer rate, abandon cap).",
    )
    servers_without: float = Field(description="Servers as things stand.")
    servers_with: float = Field(description="Servers after the move.")
    service_level_without: float
    service_level_with: float
    answer_rate_without: float
    answer_rate_with: float


class ValueSourceRead(Output):
    campaign_code: str
    source: Literal["estimated", "typed", "partly estimated"] = Field(
        description="Where the campaign's value of a selling hour comes from: learned from the "
        "site's dialer attempts of the 28 days before today, or the typed value."
    )
    reason: str = Field(description="What the estimate rests on, or why the data cannot carry it.")
    attempts: int = Field(description="The campaign's attempts in those 28 days.")
    text: str = Field(
        examples=["estimated from 4210 attempts in the 28 days before", "typed: no attempts"]
    )


class RecommendationRead(Output):
    as_of_utc: datetime
    direction: Literal["to_serve", "to_sell", "none"]
    message: str = Field(examples=["switch 3 sellers to serve"])
    agent_count: int
    moves: list[AgentMoveRead] = Field(description="The named agents, in the order chosen.")
    until_utc: datetime = Field(
        description="End of the horizon the predictions cover; each move has its own "
        "`until_utc`, the end of that agent's switch."
    )
    on_shift_now: int
    servers_now: float
    sellers_now: int
    service_level_without: float | None = Field(description="Over the horizon, by contacts.")
    service_level_with: float | None
    answer_rate_without: float | None
    answer_rate_with: float | None
    outlook: list[IntervalOutlookRead]
    notes: list[str] = Field(description="Why less (or nothing) is moved, when it is.")
    trade: TradeRead = Field(
        description="The whole move's trade: points over every queue of the horizon, money "
        "summed over the moves."
    )
    currency: str = Field(examples=["CNY"])
    value_sources: list[ValueSourceRead] = Field(
        default_factory=list,
        description="Per campaign with calling hours, where the expected sales come from.",
    )


class SwitchAgent(Input):
    agent_code: Code
    queue_code: Code | None = Field(
        default=None, description="Queue to serve (default: the agent's first queue skill)."
    )
    campaign_code: Code | None = Field(
        default=None,
        description="Campaign to sell (default: the agent's most valuable campaign calling now).",
    )
    end_utc: AwareMoment | None = Field(
        default=None, description="This agent's end of the switch (overrides the request's)."
    )


class SwitchCreate(Input):
    site: Code = Field(description="Code of the site.", examples=["DUB"])
    to: Literal["serve", "sell"] = Field(description="Switch the agents to serve or to sell.")
    agents: list[SwitchAgent] = Field(min_length=1, max_length=500)
    start_utc: AwareMoment | None = Field(
        default=None, description="From when (default: the site clock's now)."
    )
    end_utc: AwareMoment | None = Field(
        default=None,
        description="Until when (default per agent: the end of their current block of the "
        "activity switched from, i.e. their next break, lunch, shift end or planned change; at "
        "most 4 hours).",
    )
    reason: FreeText = Field(default="", max_length=500)

    @model_validator(mode="after")
    def _order(self) -> SwitchCreate:
        if self.start_utc and self.end_utc and self.end_utc <= self.start_utc:
            raise ValueError("end_utc must be after start_utc")
        return self


class PlanChangeRead(Output):
    id: int | None
    agent_code: str
    start_utc: datetime
    end_utc: datetime
    activity: PlannedActivity | None = Field(description="None: the time is removed (absence).")
    kind: Literal["switch", "exception"]
    queue_code: str | None
    campaign_code: str | None
    reason: str
    source: str | None = Field(default=None, description="`manager` or `auto`.")
    created_by: str | None = None
    created_at_utc: datetime | None = None


class SwitchRejectionRead(Output):
    index: int
    agent_code: str
    reason: str = Field(examples=["not_on_shift"])
    message: str


class SwitchRead(Output):
    start_utc: datetime
    end_utc: datetime | None = Field(description="The request's end, if it gave one.")
    accepted: list[PlanChangeRead]
    rejected: list[SwitchRejectionRead]


class ExceptionCreate(Input):
    site: Code
    agent_code: Code
    start_utc: AwareMoment
    end_utc: AwareMoment
    activity: PlannedActivity | None = Field(
        default=None,
        description="What the agent does instead (e.g. other for a meeting); null: an absence.",
    )
    reason: FreeText = Field(default="", max_length=500)

    @model_validator(mode="after")
    def _order(self) -> ExceptionCreate:
        if self.end_utc <= self.start_utc:
            raise ValueError("end_utc must be after start_utc")
        return self


class AutoRunRead(Output):
    recommendation: RecommendationRead
    applied: list[AgentMoveRead]
    rejected: list[SwitchRejectionRead]


class RecommendationLogRead(Output):
    id: int
    as_of_utc: datetime
    direction: str
    agent_count: int
    moves: list[dict[str, str | None]]
    message: str
    service_level_without: float | None
    service_level_with: float | None
    answer_rate_without: float | None
    answer_rate_with: float | None
    applied_by_auto: bool


# --- settings and clock ----------------------------------------------------------------------


class StateMappingTable(Input):
    states: dict[Text, ActualActivityName] = Field(
        default_factory=dict, description="ACD state -> activity, over the default table."
    )
    reasons: list[tuple[Text, Text, ActualActivityName]] = Field(
        default_factory=list, description="[state, reason, activity] overrides."
    )


class IntradaySettingsRead(Output):
    site: str
    auto_enabled: bool
    auto_max_agents_per_move: int
    auto_max_agents_switched: int
    auto_allow_to_serve: bool
    auto_allow_to_sell: bool
    state_mapping: dict | None
    clock_now_utc: datetime = Field(description="The site clock's now.")
    clock_simulated: bool = Field(description="Whether a simulated clock is running.")
    clock_speed: float | None


class IntradaySettingsUpdate(Input):
    auto_enabled: bool | None = None
    auto_max_agents_per_move: int | None = Field(default=None, ge=0, le=500)
    auto_max_agents_switched: int | None = Field(default=None, ge=0, le=5000)
    auto_allow_to_serve: bool | None = None
    auto_allow_to_sell: bool | None = None
    state_mapping: StateMappingTable | None = None


class ClockSet(Input):
    site: Code
    now_utc: AwareMoment = Field(description="The simulated clock starts here.")
    speed: float = Field(
        default=1.0, ge=0, le=10_000, description="Simulated seconds per real second (0: hold)."
    )


class StateMappingRowRead(Output):
    state: str
    reason: str | None
    activity: ActualActivityName


# --- the day's plan ----------------------------------------------------------------------------


class PlanSpanRead(Output):
    start_utc: datetime
    end_utc: datetime
    activity: PlannedActivity
    queue_code: str | None
    campaign_code: str | None
    authorised_change: bool


class FloorAgentRead(Output):
    agent_code: str
    name: str
    queue_skills: list[str]
    campaign_skills: list[str]
    plan: list[PlanSpanRead]


class DayQueueRead(Output):
    queue_code: str
    channel: str
    service_level_target: float | None = Field(description="Service-level target; null: none.")
    min_answer_rate: float | None = Field(
        default=None, description="Least answer rate; null: none."
    )
    max_abandon_rate: float | None = Field(
        default=None, description="Most abandon rate; null: none."
    )
    answer_rate_target: float | None = Field(
        default=None,
        description="The answer rate the queue is held to (the stricter of min_answer_rate and "
        "1 - max_abandon_rate); null: neither.",
    )
    service_threshold_seconds: float
    patience_seconds: float = Field(description="Mean caller patience the queue model uses, s.")
    patience_source: Literal["calibration", "history", "site"] = Field(
        description="`calibration`: fitted with the queue's stored calibration against its "
        "history; `history`: the queue's own estimate; `site`: the site's "
        "default_patience_seconds (the queue has no estimate yet)."
    )
    concurrency: int
    forecast_offered: list[float] = Field(description="Per interval (with adjustments).")
    aht_seconds: list[float]


class DayPlanRead(Output):
    site: str
    timezone: str
    date: date
    interval_minutes: int
    interval_starts_utc: list[datetime]
    queues: list[DayQueueRead]
    campaigns_open: dict[str, list[float]] = Field(
        description="Per campaign: value per scheduled hour at each interval (0 when closed)."
    )
    agents: list[FloorAgentRead] = Field(description="Agents with a shift that day.")
