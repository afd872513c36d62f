"""Bodies and answers of the time-off requests and leave balances."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from api.schemas import AwareMoment, Day, FreeText, Input, Output, Text
from wfm.domain.time_off import TimeOffStatus, Verdict


class TimeOffRequestCreate(Input):
    start: AwareMoment = Field(
        description="Start, with its UTC offset, on a whole minute.",
        examples=["2026-03-09T00:00:00+01:00"],
    )
    end: AwareMoment = Field(
        description="End (exclusive), with its UTC offset; at most 31 days after start.",
        examples=["2026-03-11T00:00:00+01:00"],
    )
    reason: Text = Field(
        default="leave", min_length=1, max_length=64, description="leave, family, ..."
    )


class TimeOffDecisionCreate(Input):
    decision: Literal["approve", "refuse"] = Field(description="approve or refuse.")
    reason: FreeText | None = Field(
        default=None, max_length=2000, description="Why; required to refuse."
    )


class QueueDayRead(Output):
    queue_code: str = Field(description="Queue.")
    day: date = Field(description="Local day of the site.")
    contacts: float = Field(description="Contacts forecast that day.")
    service_level: float | None = Field(description="Predicted without the agent (weighted).")
    answer_rate: float | None = Field(description="Predicted without the agent.")
    service_level_before: float | None = Field(description="Predicted with the agent.")
    answer_rate_before: float | None = Field(description="Predicted with the agent.")
    service_level_target: float | None = Field(description="The queue's target; null: none.")
    answer_rate_target: float | None = Field(description="The queue's target; null: none.")
    service_level_met: bool | None = Field(description="null: no such target or no contacts.")
    answer_rate_met: bool | None = Field(description="null: no such target or no contacts.")
    margins: list[str] = Field(
        description="Each target's margin.",
        examples=[["answer rate 0.934 vs target 0.90: +3.4 points"]],
    )


class PredictionRead(Output):
    verdict: Verdict = Field(
        description="on_target (approved automatically), off_target, no_published_week or "
        "no_forecast (a planner decides)."
    )
    message: str = Field(description="The verdict in words, with the margins.")
    schedule_ids: list[int] = Field(description="Published schedules it was judged on.")
    queue_days: list[QueueDayRead] = Field(description="Each queue and day losing serving.")


class TimeOffRequestRead(Output):
    id: int = Field(description="Identifier of the request.")
    agent_code: str = Field(description="Agent.")
    site_code: str = Field(description="The agent's site.")
    timezone: str = Field(description="The site's IANA timezone.")
    start_utc: datetime = Field(description="Start, UTC.")
    end_utc: datetime = Field(description="End (exclusive), UTC.")
    start_local: datetime = Field(description="Start in the site's time, with its offset.")
    end_local: datetime = Field(description="End in the site's time, with its offset.")
    reason: str = Field(description="Reason given.")
    hours: float = Field(description="Hours taken from the leave balance.")
    status: TimeOffStatus = Field(description="pending, approved, refused or cancelled.")
    prediction: PredictionRead | None = Field(description="The queue prediction it was judged on.")
    created_at_utc: datetime = Field(description="When it was asked for.")
    decided_at_utc: datetime | None = Field(description="When decided or cancelled.")
    decided_by: str | None = Field(description='"auto", the token\'s name, or the agent.')
    decision_reason: str | None = Field(description="Why (or the automatic verdict).")


class BalanceRead(Output):
    on: date = Field(description="The day of the balance (the site's today).")
    opening_hours: float = Field(description="Opening balance.")
    as_of: date | None = Field(description="Day of the opening balance; accrual runs from it.")
    accrual_hours_per_week: float = Field(description="The contract's accrual.")
    accrued_hours: float = Field(description="Opening plus accrual to the day.")
    approved_hours: float = Field(description="Hours of approved requests.")
    pending_hours: float = Field(description="Hours of pending requests.")
    balance_hours: float = Field(description="Accrued less approved.")
    available_hours: float = Field(description="Balance less pending: what may be requested.")


class MyTimeOffRead(Output):
    balance: BalanceRead = Field(description="The agent's leave balance today.")
    requests: list[TimeOffRequestRead] = Field(description="The agent's requests, by start.")


class OpeningBalanceUpdate(Input):
    opening_hours: float = Field(ge=-10000, le=10000, description="Balance on `as_of`, hours.")
    as_of: Day = Field(description="Day of the opening balance; accrual runs from it.")
