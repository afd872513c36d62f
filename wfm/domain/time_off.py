"""Agents' time-off requests: their statuses, the hours a request takes from the leave balance,
the balance itself (accrued per contract, less approved and pending hours), the checks of a
requested span, and the queue prediction an automatic approval is judged on. Pure: no I/O.

Rules (docs/api.md, "Time off requests"):

- Hours of a request, per local day it touches (the site's timezone): on a day of a published
  week, the agent's rostered paid hours inside the span (shift time less unpaid lunch; a rostered
  day off takes nothing); on any other day, a whole local day takes a contract day's hours (weekly
  maximum over days per week, the credit the roster builder gives approved leave), at most the
  contract's days per week of whole days in one week, and a part day the span's hours that day,
  at most a contract day's hours. The hours are fixed when the request is made.
- The balance on a day: the opening hours plus the contract's accrual for each week (pro rata per
  day) from the opening date to that day; `balance_hours` takes off approved requests' hours,
  `available_hours` also pending ones. A request must fit in the balance available by its first
  day (accrual projected to it), else it is refused and nothing is stored.
"""

from __future__ import annotations

import enum
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from wfm.domain.errors import ValidationError
from wfm.domain.grid import local_day_bounds_utc

MAX_REQUEST_DAYS = 31
AUTO = "auto"  # `decided_by` of an automatic approval


class TimeOffStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    CANCELLED = "cancelled"


HOLDING = (TimeOffStatus.PENDING, TimeOffStatus.APPROVED)  # requests a new one may not overlap


class Verdict(enum.StrEnum):
    """What a prediction says about approving a request automatically."""

    ON_TARGET = "on_target"  # every affected queue and day stays on its targets: approve
    OFF_TARGET = "off_target"  # some queue and day falls below a target: a planner decides
    NO_PUBLISHED_WEEK = "no_published_week"  # some of the span has no published roster
    NO_FORECAST = "no_forecast"  # a published week has no forecast to predict from


@dataclass(frozen=True, slots=True)
class TimeOffRequest:
    id: int
    agent_code: str
    site_code: str
    start_utc: datetime
    end_utc: datetime
    reason: str
    hours: float
    status: TimeOffStatus
    prediction: Prediction | None
    created_at_utc: datetime
    decided_at_utc: datetime | None = None
    decided_by: str | None = None
    decision_reason: str | None = None


@dataclass(frozen=True, slots=True)
class TimeOffDecided:
    """A domain event: a request was decided (approved, automatically or not, or refused).
    The notifications consume these (`wfm.services.time_off.decided`)."""

    request_id: int
    agent_code: str
    site_code: str
    status: TimeOffStatus
    start_utc: datetime
    end_utc: datetime
    decided_by: str
    reason: str | None
    summary: str  # one line, e.g. the prediction's margin


# --- balance -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Accrual:
    """An agent's leave accrual: `opening_hours` on `as_of`, plus `hours_per_week` from then."""

    opening_hours: float
    as_of: date | None  # None: nothing accrues (no opening date and no hire date)
    hours_per_week: float

    def accrued(self, on: date) -> float:
        """Opening plus accrual to `on` (pro rata per day; nothing before `as_of`)."""
        if self.as_of is None:
            return self.opening_hours
        days = max(0, (on - self.as_of).days)
        return self.opening_hours + self.hours_per_week * days / 7.0


@dataclass(frozen=True, slots=True)
class Balance:
    on: date
    opening_hours: float
    as_of: date | None
    accrual_hours_per_week: float
    accrued_hours: float
    approved_hours: float
    pending_hours: float

    @property
    def balance_hours(self) -> float:
        return self.accrued_hours - self.approved_hours

    @property
    def available_hours(self) -> float:
        return self.balance_hours - self.pending_hours


def balance(accrual: Accrual, requests: Iterable[tuple[TimeOffStatus, float]], on: date) -> Balance:
    """The balance on `on`: accrued to it, less approved hours, pending hours apart."""
    hours: dict[TimeOffStatus, float] = defaultdict(float)
    for status, taken in requests:
        hours[status] += taken
    return Balance(
        on=on,
        opening_hours=accrual.opening_hours,
        as_of=accrual.as_of,
        accrual_hours_per_week=accrual.hours_per_week,
        accrued_hours=round(accrual.accrued(on), 4),
        approved_hours=round(hours[TimeOffStatus.APPROVED], 4),
        pending_hours=round(hours[TimeOffStatus.PENDING], 4),
    )


def require_within_balance(found: Balance, hours: float) -> None:
    """ValidationError naming the shortfall when `hours` exceed the available balance."""
    if hours > found.available_hours + 1e-9:
        raise ValidationError(
            f"end: the request takes {hours:.2f} h but only {found.available_hours:.2f} h are "
            f"available by {found.on} (accrued {found.accrued_hours:.2f} h - approved "
            f"{found.approved_hours:.2f} h - pending {found.pending_hours:.2f} h)"
        )


# --- the span and its hours --------------------------------------------------------------


def check_span(start_utc: datetime, end_utc: datetime) -> None:
    """ValidationError naming the field: aware times on whole minutes, end after start, at most
    MAX_REQUEST_DAYS days."""
    for name, value in (("start", start_utc), ("end", end_utc)):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValidationError(f"{name}: give a time with its UTC offset")
        if value.second or value.microsecond:
            raise ValidationError(f"{name}: must fall on a whole minute")
    if end_utc <= start_utc:
        raise ValidationError("end: must be after start")
    if end_utc - start_utc > timedelta(days=MAX_REQUEST_DAYS):
        raise ValidationError(f"end: a request may span at most {MAX_REQUEST_DAYS} days")


def local_days(start_utc: datetime, end_utc: datetime, zone: ZoneInfo) -> list[date]:
    """The local days the span [start, end) touches."""
    day = start_utc.astimezone(zone).date()
    days = []
    while local_day_bounds_utc(day, zone)[0] < end_utc:
        days.append(day)
        day += timedelta(days=1)
    return days


def _overlap_hours(a0: datetime, a1: datetime, b0: datetime, b1: datetime) -> float:
    return max(0.0, (min(a1, b1) - max(a0, b0)).total_seconds() / 3600.0)


@dataclass(frozen=True, slots=True)
class RosteredSpan:
    """An agent's rostered shift of a local day: start, end and its unpaid lunches."""

    shift_date: date
    start_utc: datetime
    end_utc: datetime
    lunches: tuple[tuple[datetime, datetime], ...] = ()


def request_hours(
    start_utc: datetime,
    end_utc: datetime,
    zone: ZoneInfo,
    *,
    contract_day_hours: float,
    days_per_week: int,
    published_days: Iterable[date],
    rostered: Sequence[RosteredSpan],
) -> float:
    """The hours a request takes from the balance (the module's rule)."""
    published = set(published_days)
    total = 0.0
    whole_days_by_week: dict[date, int] = defaultdict(int)
    for day in local_days(start_utc, end_utc, zone):
        if day in published:
            for span in (s for s in rostered if s.shift_date == day):
                total += _overlap_hours(start_utc, end_utc, span.start_utc, span.end_utc)
                total -= sum(_overlap_hours(start_utc, end_utc, a, b) for a, b in span.lunches)
            continue
        begin, finish = local_day_bounds_utc(day, zone)
        if start_utc <= begin and finish <= end_utc:
            week = day - timedelta(days=day.weekday())
            whole_days_by_week[week] += 1
            if whole_days_by_week[week] <= days_per_week:
                total += contract_day_hours
        else:
            total += min(contract_day_hours, _overlap_hours(start_utc, end_utc, begin, finish))
    return round(total, 4)


# --- prediction ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueueDay:
    """One queue on one local day with the absence: contact-weighted predictions of the
    roster's evaluator and the queue's targets (None: no such target, or no contacts)."""

    queue_code: str
    day: date
    contacts: float
    service_level: float | None
    answer_rate: float | None
    service_level_before: float | None
    answer_rate_before: float | None
    service_level_target: float | None
    answer_rate_target: float | None
    service_level_met: bool | None
    answer_rate_met: bool | None

    @property
    def on_target(self) -> bool:
        return self.service_level_met is not False and self.answer_rate_met is not False

    def margins(self) -> list[str]:
        """e.g. "answer rate 0.934 vs target 0.90: +3.4 points"."""
        out = []
        for name, value, target in (
            ("answer rate", self.answer_rate, self.answer_rate_target),
            ("service level", self.service_level, self.service_level_target),
        ):
            if value is not None and target is not None:
                out.append(
                    f"{name} {value:.3f} vs target {target:.2f}: "
                    f"{(value - target) * 100:+.1f} points"
                )
        return out


@dataclass(frozen=True, slots=True)
class Prediction:
    verdict: Verdict
    message: str
    schedule_ids: tuple[int, ...]  # the published schedules it was judged on
    queue_days: tuple[QueueDay, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict.value,
            "message": self.message,
            "schedule_ids": list(self.schedule_ids),
            "queue_days": [
                asdict(q) | {"day": q.day.isoformat(), "margins": q.margins()}
                for q in self.queue_days
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Prediction:
        days = []
        for item in data.get("queue_days", []):
            values = {k: v for k, v in item.items() if k != "margins"}
            values["day"] = date.fromisoformat(values["day"])
            days.append(QueueDay(**values))
        return cls(
            verdict=Verdict(data["verdict"]),
            message=str(data["message"]),
            schedule_ids=tuple(int(i) for i in data.get("schedule_ids", [])),
            queue_days=tuple(days),
        )


def judge(queue_days: Sequence[QueueDay], schedule_ids: Sequence[int]) -> Prediction:
    """The verdict on the queue days a published roster predicts with the absence: on target
    when every one is, with the narrowest margin said; else the ones below, said."""
    below = [q for q in queue_days if not q.on_target]
    if below:
        parts = [f"{q.queue_code} on {q.day}: " + "; ".join(q.margins()) for q in below[:5]]
        return Prediction(
            Verdict.OFF_TARGET,
            "below target without the agent: " + " | ".join(parts),
            tuple(schedule_ids),
            tuple(queue_days),
        )
    if not queue_days:
        message = "no queue loses serving time in the published roster"
    else:
        narrow = min(queue_days, key=_narrowest)
        message = (
            f"every affected queue and day stays on target; narrowest: {narrow.queue_code} on "
            f"{narrow.day}: " + "; ".join(narrow.margins())
        )
    return Prediction(Verdict.ON_TARGET, message, tuple(schedule_ids), tuple(queue_days))


def _narrowest(q: QueueDay) -> float:
    gaps = [
        v - t
        for v, t in (
            (q.answer_rate, q.answer_rate_target),
            (q.service_level, q.service_level_target),
        )
        if v is not None and t is not None
    ]
    return min(gaps, default=math.inf)
