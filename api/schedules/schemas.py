"""Schemas of schedules (rosters)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from api.schemas import AwareMoment, Code, Day, Input, Output
from wfm.domain import Activity, ScheduleStatus


class ScheduleCreate(Input):
    """A roster to build in the worker."""

    site_code: Code = Field(description="Site.", examples=["paris"])
    week_start: date = Field(
        description="First local day of the week: a Monday (a site's weeks run Monday to "
        "Sunday in its timezone); a forecast must cover the week.",
        examples=["2025-03-03"],
    )
    time_limit_seconds: float = Field(
        default=60.0, gt=0, le=3600, description="Solver time limit, seconds."
    )
    seed: int = Field(default=1, ge=0, le=2**31 - 1, description="Solver random seed.")


class ActivityRead(Output):
    start_utc: datetime = Field(description="Start, UTC.")
    end_utc: datetime = Field(description="End (exclusive), UTC.")
    activity: Activity = Field(description="serve, sell, break, lunch or other.")
    queue_code: str | None = Field(description="Queue served.")
    campaign_code: str | None = Field(description="Campaign sold on.")
    authorised_change: bool = Field(description="Changed intraday by a floor manager.")


class BreakRead(Output):
    start_utc: datetime = Field(description="Start, UTC.")
    end_utc: datetime = Field(description="End (exclusive), UTC.")
    kind: str = Field(description="break or lunch.")


class ShiftRead(Output):
    agent_code: str = Field(description="Agent.")
    shift_date: date = Field(description="Local date the shift starts on.")
    start_utc: datetime = Field(description="Start, UTC.")
    end_utc: datetime = Field(description="End, UTC.")
    breaks: list[BreakRead] = Field(description="Breaks and lunch.")
    activities: list[ActivityRead] = Field(description="What the agent does, in time order.")


class ScheduleSummaryRead(Output):
    id: int = Field(description="Identifier.")
    site_code: str = Field(description="Site.")
    week_start: date = Field(description="First local day of the week.")
    version: int = Field(description="Version, 1, 2, ... per site and week.")
    status: ScheduleStatus = Field(description="draft, published or archived.")
    created_at_utc: datetime = Field(description="When it was built.")
    published_at_utc: datetime | None = Field(description="When it was published.")
    forecast_run_id: int | None = Field(description="Forecast run it was built on.")
    job_id: str | None = Field(description="Job that built it.")
    summary: dict[str, Any] = Field(description="The optimizer's summary.")


class ScheduleRead(ScheduleSummaryRead):
    shifts: list[ShiftRead] = Field(description="Every shift, by agent and start.")


class CoverageCellRead(Output):
    interval_start_utc: datetime = Field(description="Start of the interval, UTC.")
    serving: dict[str, float] = Field(
        description="Agents serving per queue (time-weighted over the interval)."
    )
    required: dict[str, int] = Field(description="Agents required per queue (the requirement).")
    selling: dict[str, float] = Field(description="Agents selling per campaign.")
    on_break: float = Field(description="Agents on break or lunch.")
    on_shift: float = Field(description="Agents on shift.")


class CoverageRead(Output):
    schedule_id: int = Field(description="Schedule.")
    interval_minutes: int = Field(description="Interval length, minutes.")
    intervals: list[CoverageCellRead] = Field(description="One per interval, in time order.")


class QueueEvaluationRead(Output):
    """One queue over the week at the scheduled staffing, as the optimizer evaluates it."""

    queue_code: str = Field(description="Queue.")
    service_level_target: float | None = Field(
        description="The queue's service-level target, 0-1; null: none."
    )
    min_answer_rate: float | None = Field(
        default=None, description="The queue's least answer rate; null: none."
    )
    max_abandon_rate: float | None = Field(
        default=None, description="The queue's most abandon rate; null: none."
    )
    answer_rate_target: float | None = Field(
        default=None,
        description="The answer rate the queue is held to: the stricter of min_answer_rate and "
        "1 - max_abandon_rate; null: neither.",
    )
    service_threshold_seconds: float = Field(description="The service level's threshold, s.")
    contacts: float = Field(description="Contacts offered in the week (forecast, adjusted).")
    predicted_service_level: float | None = Field(
        description="Service level predicted at the scheduled staffing (Erlang A with the "
        "queue's patience, serving agents after shrinkage), weighted by contacts; null without "
        "contacts."
    )
    predicted_answer_rate: float | None = Field(
        description="Answer rate predicted: answered / offered over the week."
    )
    predicted_abandon_rate: float | None = Field(
        default=None, description="Abandon rate predicted: abandoned / offered over the week."
    )
    service_level_met: bool | None = Field(
        default=None,
        description="Whether the week's predicted service level meets the target; null: no "
        "service-level target, or no contacts.",
    )
    answer_rate_met: bool | None = Field(
        default=None,
        description="Whether the week's predicted answer rate meets answer_rate_target; null: "
        "no answer-rate target, or no contacts.",
    )
    predicted_asa_seconds: float | None = Field(
        description="Average speed of answer predicted, seconds, weighted by answered contacts."
    )
    predicted_occupancy: float | None = Field(
        description="Occupancy predicted, weighted by the serving agents' capacity."
    )
    intervals: int = Field(description="Intervals of the week (each with a requirement, maybe 0).")
    intervals_with_contacts: int = Field(description="Intervals with contacts forecast.")
    intervals_meeting_target: int = Field(
        description="Intervals with contacts whose predictions meet every target of the queue."
    )
    intervals_meeting_service_level: int | None = Field(
        default=None,
        description="Intervals with contacts meeting the service-level target; null: none.",
    )
    intervals_meeting_answer_rate: int | None = Field(
        default=None,
        description="Intervals with contacts meeting the answer-rate target; null: none.",
    )
    intervals_under: int = Field(description="Intervals with fewer servers than required.")
    intervals_over: int = Field(description="Intervals with more servers than required.")
    required_agent_hours: float = Field(
        description="Rostered agents serving required (shrinkage included) x interval hours."
    )
    serving_agent_hours: float = Field(description="Agent hours scheduled to serve it.")
    under_coverage_agent_hours: float = Field(description="Missing agent hours, summed.")
    shortfall_agent_hours: float = Field(
        description="The same figure as under_coverage_agent_hours (the earlier name)."
    )
    idle_agent_hours: float = Field(
        0.0,
        description="Idle time inside serving: the serving agents' hours between contacts, "
        "agents present x (1 - occupancy) summed over the week.",
    )
    absorbable_deferred_hours: float = Field(
        0.0,
        description="Hours of deferred work (callbacks, follow-ups, done only when no contact "
        "waits) that idle time can absorb while the queue still meets its targets; nothing in "
        "intervals already below a target.",
    )


class IntervalTargetsRead(Output):
    """One queue in one interval at the scheduled staffing, against the queue's targets."""

    queue_code: str = Field(description="Queue.")
    interval_start_utc: datetime = Field(description="Start of the interval, UTC.")
    contacts: float | None = Field(description="Contacts forecast; null: no forecast.")
    required: int = Field(description="Rostered agents serving required (shrinkage included).")
    serving: int = Field(description="Rostered agents serving it.")
    predicted_service_level: float | None = Field(description="Predicted service level.")
    predicted_answer_rate: float | None = Field(description="Predicted answered / offered.")
    predicted_abandon_rate: float | None = Field(description="Predicted abandoned / offered.")
    service_level_met: bool | None = Field(
        description="Whether the service-level target is met; null: no such target or forecast."
    )
    answer_rate_met: bool | None = Field(
        description="Whether the answer-rate target (answer_rate_target) is met; null: no such "
        "target or forecast."
    )


class CampaignEvaluationRead(Output):
    sell_hours: float = Field(description="Agent hours selling.")
    productive_hours: float = Field(description="Sell hours x the campaign's efficiency.")
    value: float = Field(description="Value of the selling hours.")
    value_source: str = Field(
        "",
        description="Where the campaign's values per selling hour come from: estimated from the "
        "site's dialer attempts (how many) or typed, and why.",
    )


class QueueIdleDayRead(Output):
    idle_agent_hours: float = Field(description="The queue's idle time inside serving, hours.")
    absorbable_deferred_hours: float = Field(
        description="Deferred work the queue's idle time can absorb, hours."
    )


class IdleDayRead(Output):
    """Idle time inside serving on one local day, every queue together, and the callbacks due
    that day against it."""

    day: date = Field(description="Local day.")
    idle_agent_hours: float = Field(description="Serving agents' idle hours, every queue.")
    absorbable_deferred_hours: float = Field(
        description="Deferred work the idle time can absorb while every queue meets its "
        "targets, hours."
    )
    callbacks_due: int = Field(description="Open callbacks due that day.")
    callback_hours_due: float = Field(description="Their hours: callbacks x handle minutes.")
    callback_hours_absorbable: float = Field(
        description="The hours of them the day's absorbable time before each due instant covers."
    )
    queues: dict[str, QueueIdleDayRead] = Field(description="Per queue.")


class CallbackEvaluationRead(Output):
    """A campaign's open callbacks due in the week against the serving agents' idle time."""

    callbacks_due: int = Field(description="Open callbacks due in the week.")
    handle_minutes: float = Field(description="Minutes each takes.")
    handle_source: str = Field(description="Where the handle minutes come from, in words.")
    hours_due: float = Field(description="Callbacks x handle minutes, hours.")
    hours_absorbable: float = Field(
        description="Callbacks absorbable by serving idle time: the hours of them the "
        "absorbable idle time of their day, before their due instants, covers."
    )


class LabourEvaluationRead(Output):
    """A roster's labour cost by part (docs/roster-problem.md, Labour cost)."""

    currency: str = Field(description="The site's currency.", examples=["EUR"])
    paid_hours: float = Field(description="Paid hours priced (shifts less unpaid breaks).")
    base_cost: float = Field(description="Paid hours at each contract's hourly rate.")
    premium_cost: float = Field(description="Evening, night, weekend, ... surcharges.")
    premium_cost_by_kind: dict[str, float] = Field(description="The surcharges per kind.")
    overtime_hours: float = Field(description="Paid hours beyond each contract's threshold.")
    overtime_cost: float = Field(description="The overtime surcharge (its base is in base_cost).")
    flexible_hours_cost: float = Field(
        description="What the roster objective charges: flexible contracts' (min < max) paid "
        "hours above their minimum at the hourly rate."
    )
    contracts_without_wage: list[str] = Field(
        description="Contracts of rostered agents the rules give no wage (their hours cost 0)."
    )


class EvaluationRead(Output):
    """The schedule's evaluation: the one the optimizer stores in the schedule's summary when it
    builds it, recomputed on the schedule's roster problem (its forecast run, week and shrinkage,
    the site's current queues, forecast adjustments and agents)."""

    schedule_id: int = Field(description="Schedule.")
    forecast_run_id: int | None = Field(
        description="Forecast run whose demand it is evaluated against; null when no forecast "
        "covers the week (no predicted service then)."
    )
    shrinkage: float = Field(
        description=(
            "Unplanned shrinkage: each rostered agent is absent with this probability; the "
            "predictions are expected over the agents present."
        )
    )
    shrinkage_source: Literal["schedule", "site"] = Field(
        description="schedule: the shrinkage the schedule was built with; site: the site's "
        "unplanned_shrinkage, for a schedule stored before its shrinkage was kept."
    )
    shifts: int = Field(description="Shifts.")
    agents: int = Field(description="Agents with at least one shift.")
    shift_hours: float = Field(description="Shift hours, start to end.")
    paid_hours: float = Field(description="Paid hours: shift hours less unpaid lunches.")
    serve_hours: float = Field(description="Hours serving queues.")
    sell_hours: float = Field(description="Hours selling on campaigns.")
    break_hours: float = Field(description="Hours on break and lunch.")
    outbound_value: float = Field(description="Value of the selling hours.")
    under_coverage_agent_hours: float = Field(description="Missing agent hours, all queues.")
    hard_violations: int = Field(description="Hard rules the schedule breaks (now).")
    violations: list[str] = Field(description="The first 50 broken rules, in words.")
    queues: list[QueueEvaluationRead] = Field(description="Per queue.")
    campaigns: dict[str, CampaignEvaluationRead] = Field(description="Per campaign.")
    notes: list[str] = Field(description="How the evaluation was made, where it is not as built.")
    idle_agent_hours: float = Field(
        0.0, description="Idle time inside serving over the week, every queue, hours."
    )
    absorbable_deferred_hours: float = Field(
        0.0, description="Deferred work that idle time can absorb over the week, hours."
    )
    idle_days: list[IdleDayRead] = Field(
        default_factory=list, description="Idle time inside serving per local day."
    )
    callbacks: dict[str, CallbackEvaluationRead] = Field(
        default_factory=dict,
        description="Per campaign with open callbacks due in the week: the callbacks against "
        "the idle time that can absorb them.",
    )
    callback_hours_due: float = Field(0.0, description="Callback hours due in the week.")
    callback_hours_absorbable: float = Field(
        0.0,
        description="Callbacks absorbable by serving idle time, hours: work that need not be "
        "rostered as selling time.",
    )
    answered_contacts: float = Field(
        0.0, description="Contacts the queues are predicted to answer in the week (all queues)."
    )
    labour_cost: float | None = Field(
        None,
        description="What the roster's paid hours cost at the wages of the site's rules for the "
        "week (base, premiums and overtime), in the site's currency; null: no wages set.",
    )
    labour: LabourEvaluationRead | None = Field(
        None, description="The labour cost by part; null: no wages set."
    )
    cost_per_answered_contact: float | None = Field(
        None,
        description="labour_cost / answered_contacts; null without wages or answered contacts.",
    )
    sales_per_paid_hour: float | None = Field(
        None,
        description="outbound_value / paid_hours: the value the roster's selling earns per paid "
        "hour, in the site's currency; null without paid hours.",
    )
    preference_days_asked: int = Field(
        0,
        description="The agents' roster preferences counted a day at a time: each day a day-off "
        "or work-day preference covers, and each worked day a start window covers.",
    )
    preference_days_honoured: int = Field(
        0, description="Of preference_days_asked, the days the roster honours."
    )
    preference_penalty: float = Field(
        0.0, description="The summed weights of the preference days the roster breaks."
    )
    voluntary_time_off_hours: float = Field(
        0.0,
        description="Unpaid hours below contract minimums the roster takes from the agents' "
        "voluntary_time_off offers (hours not worth their wage).",
    )


# --- edits: a shift changed by hand, saved as a new draft ---------------------------------------


class MoveEdit(Input):
    """Move an agent's shift of a day (its breaks and activities with it)."""

    kind: Literal["move"] = Field(description="move.")
    agent_code: Code = Field(description="Agent whose shift moves.", examples=["A0001"])
    shift_date: Day = Field(description="Local date the shift starts on.")
    offset_minutes: int = Field(
        ge=-1440,
        le=1440,
        description="Minutes to move it by: later when positive, earlier when negative; not 0.",
        examples=[30],
    )


class ShortenEdit(Input):
    """Take minutes off an agent's shift of a day, at its end or its start."""

    kind: Literal["shorten"] = Field(description="shorten.")
    agent_code: Code = Field(description="Agent.", examples=["A0001"])
    shift_date: Day = Field(description="Local date the shift starts on.")
    minutes: int = Field(
        ge=1, le=1440, description="Minutes to take off; less than the shift.", examples=[60]
    )
    at: Literal["end", "start"] = Field(default="end", description="end (default) or start.")


class ChangeActivityEdit(Input):
    """Give a span of an agent's shift one activity; breaks follow the break and lunch
    activities."""

    kind: Literal["change_activity"] = Field(description="change_activity.")
    agent_code: Code = Field(description="Agent.", examples=["A0001"])
    shift_date: Day = Field(description="Local date the shift starts on.")
    start_utc: AwareMoment = Field(description="Start of the span (with an offset).")
    end_utc: AwareMoment = Field(description="End of the span, exclusive (with an offset).")
    activity: Activity = Field(description="serve, sell, break, lunch or other.")
    queue_code: Code | None = Field(default=None, description="Queue to serve (serve only).")
    campaign_code: Code | None = Field(default=None, description="Campaign to sell on (sell only).")


class SwapEdit(Input):
    """Each of two agents takes the other's shift of a day (either may have none)."""

    kind: Literal["swap"] = Field(description="swap.")
    agent_code: Code = Field(description="One agent.", examples=["A0001"])
    other_agent_code: Code = Field(description="The other agent.", examples=["A0002"])
    shift_date: Day = Field(description="Local date of the shifts.")


ScheduleEdit = Annotated[
    MoveEdit | ShortenEdit | ChangeActivityEdit | SwapEdit, Field(discriminator="kind")
]


class ScheduleEditResult(Output):
    """The new draft an edit was saved as."""

    schedule: ScheduleSummaryRead = Field(description="The new draft (without shifts).")
    edited_from_schedule_id: int = Field(description="The schedule the edit was applied to.")
    edit: str = Field(description="What the edit did, in words.")
    hard_violations: int = Field(
        description="Hard rules the new draft breaks (only ones the edited schedule broke)."
    )
