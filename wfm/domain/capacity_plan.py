"""The capacity plan: month by month, the staff a forecast needs, the staff the site will have,
and the hires that close the gap.

For each month of the horizon and each queue, the month's mean day of every weekday (contacts
from the long-horizon forecast, `forecasting.capacity`) is spread over the intervals of the day by
the queue's interval profile (the share of a day's contacts in each interval, per weekday, from
the queue's history). Its requirement is the queue model's (`QueueModel.requirement`: the least
agents serving meeting every target, the same Erlang A staffing the roster uses), and the month's
serving hours are those agents' hours summed over the intervals and the days of each weekday.
Queues are summed, not pooled: an agent serves one queue at a time in this plan.

From serving hours to people:

    paid hours needed = serving hours / (1 - unplanned shrinkage) / rostering efficiency
    FTE needed        = paid hours needed / (full_time_weekly_hours x days of the month / 7)

Unplanned shrinkage is the site's setting, counted once. Rostering efficiency is the share of
the paid hours of the site's own rosters that covered their requirement (the rostered heads the
requirement asked for, shrinkage included, less what stayed under-covered, over the paid hours;
breaks, shift shapes that can't follow the curve and hours given to other work are what is
lost); `DEFAULT_ROSTERING_EFFICIENCY` when the site has no roster to learn it from.

Staff: today's agents (their FTE is their contract's weekly hours over `full_time_weekly_hours`)
leave at `monthly_attrition` (a share of the staff a month, compounded by the day), and so do the
hires once they start. A hire decided at the plan's start can start no earlier than
`recruiting_lead_weeks` later; then `training_weeks` of class (paid, not productive) and
`nesting_weeks` at `nesting_productivity`. For each month in order that is short of need, hires
are placed on the latest start (the earliest allowed day, or a month's first day after it) that
has them fully productive by the month's first day, whole people of `hire_fte`; a month that no
start can reach in time stays short and says so (`short_fte`), which the hires placed for later
months lessen as they ramp up.

Cost: every paid FTE (trainees included) is paid `full_time_weekly_hours` a week at its hourly
cost (today's agents at theirs, hires at `hire_hourly_cost`); None when there is no rate. Expected
service: the productive FTE give serving hours (x efficiency x (1 - shrinkage)); each interval's
requirement is scaled by the month's serving hours over the needed ones and the queue model
predicts answer rate and service level at that staffing, weighed by contacts.

Pure: numbers in, frozen results out; no I/O.
"""

from __future__ import annotations

import calendar
import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from wfm.domain.errors import ValidationError
from wfm.domain.queue_model import QueueModel

DEFAULT_ROSTERING_EFFICIENCY = 0.85  # rostered need over paid hours when no roster is stored
DEFAULT_FULL_TIME_WEEKLY_HOURS = 40.0
AVERAGE_MONTH_DAYS = 365.25 / 12
MAX_MONTHS = 18


class CapacityPlanError(ValidationError):
    """Inputs the plan refuses; `problems` are (field, why) pairs."""

    def __init__(self, problems: Sequence[tuple[str, str]]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(f"{name}: {why}" for name, why in self.problems))


@dataclass(frozen=True, slots=True)
class QueueDemand:
    """One queue's demand over the horizon."""

    model: QueueModel
    #: per weekday (Monday first), the share of the day's contacts in each interval of the local
    #: day (`model.interval_minutes` long); each sums to 1, or is all zeros on a closed weekday
    profile: tuple[tuple[float, ...], ...]
    #: per month of the horizon, the mean contacts of a day of each weekday (Monday first)
    contacts_by_weekday: tuple[tuple[float, ...], ...]
    #: per month of the horizon, the mean handle time
    aht_seconds: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class Staff:
    """Today's agents."""

    headcount: int
    fte: float
    hourly_cost: float | None = None  # FTE-weighted mean wage; None: unknown


@dataclass(frozen=True, slots=True)
class PlanSettings:
    """The plan's assumptions and scenario knobs."""

    unplanned_shrinkage: float
    rostering_efficiency: float = DEFAULT_ROSTERING_EFFICIENCY
    full_time_weekly_hours: float = DEFAULT_FULL_TIME_WEEKLY_HOURS
    monthly_attrition: float = 0.0
    volume_growth_per_year: float = 0.0  # on top of the forecast's own trend
    answer_rate_target: float | None = None  # None: each queue's own targets
    recruiting_lead_weeks: float = 6.0
    training_weeks: float = 4.0
    nesting_weeks: float = 2.0
    nesting_productivity: float = 0.5
    hire_fte: float = 1.0
    hire_hourly_cost: float | None = None  # None: today's agents' hourly cost


@dataclass(frozen=True, slots=True)
class Hire:
    """A class of new hires: how many start on `start`, placed for the need of `for_month`."""

    start: date
    count: int
    for_month: date


@dataclass(frozen=True, slots=True)
class MonthPlan:
    month: date  # its first day
    contacts: float
    aht_seconds: float  # contact-weighted over the queues
    serving_hours_needed: float
    paid_hours_needed: float
    fte_needed: float
    fte_existing: float  # today's agents left, mean over the month
    headcount: float  # today's agents and hires still there, mean over the month
    hires_starting: int
    fte_paid: float  # paid FTE: today's agents and every hire from their start
    fte_productive: float  # hires in training count 0, nesting at their productivity
    short_fte: float  # need not met (0 when met)
    labour_cost: float | None
    answer_rate: float | None
    service_level: float | None


@dataclass(frozen=True, slots=True)
class CapacityPlan:
    start_month: date
    settings: PlanSettings
    months: tuple[MonthPlan, ...]
    hires: tuple[Hire, ...]
    earliest_start: date  # the first day a hire can start


def month_start(day: date, months_after: int = 0) -> date:
    index = day.year * 12 + day.month - 1 + months_after
    return date(index // 12, index % 12 + 1, 1)


def days_in_month(month: date) -> int:
    return calendar.monthrange(month.year, month.month)[1]


def weekday_counts(month: date) -> tuple[int, ...]:
    """How many of each weekday (Monday first) the month holds."""
    counts = [0] * 7
    for day in range(days_in_month(month)):
        counts[(month + timedelta(days=day)).weekday()] += 1
    return tuple(counts)


def settings_problems(settings: PlanSettings) -> list[tuple[str, str]]:
    """What is wrong with the settings, by field name."""
    found: list[tuple[str, str]] = []

    def check(name: str, ok: bool, why: str) -> None:
        if not ok:
            found.append((name, why))

    s = settings
    check("unplanned_shrinkage", 0.0 <= s.unplanned_shrinkage < 1.0, "must be in [0, 1)")
    check("rostering_efficiency", 0.0 < s.rostering_efficiency <= 1.0, "must be in (0, 1]")
    check("full_time_weekly_hours", 0.0 < s.full_time_weekly_hours <= 80.0, "must be in (0, 80]")
    check("monthly_attrition", 0.0 <= s.monthly_attrition <= 1.0, "must be in [0, 1]")
    check("volume_growth_per_year", -0.9 <= s.volume_growth_per_year <= 5.0, "must be in [-0.9, 5]")
    if s.answer_rate_target is not None:
        check("answer_rate_target", 0.0 < s.answer_rate_target < 1.0, "must be in (0, 1)")
    for name in ("recruiting_lead_weeks", "training_weeks", "nesting_weeks"):
        value = getattr(s, name)
        check(name, 0.0 <= value <= 104.0, "must be in [0, 104] weeks")
    check("nesting_productivity", 0.0 <= s.nesting_productivity <= 1.0, "must be in [0, 1]")
    check("hire_fte", 0.0 < s.hire_fte <= 2.0, "must be in (0, 2]")
    if s.hire_hourly_cost is not None:
        check("hire_hourly_cost", 0.0 <= s.hire_hourly_cost <= 1e6, "must be in [0, 1e6]")
    for key, value in dataclasses.asdict(s).items():
        if isinstance(value, float) and not math.isfinite(value):
            found.append((key, "must be a finite number"))
    return found


def _check(
    start_month: date, queues: Sequence[QueueDemand], staff: Staff, settings: PlanSettings
) -> int:
    """The horizon's months, or CapacityPlanError naming what is wrong."""
    found = settings_problems(settings)
    if start_month.day != 1:
        found.append(("start_month", "must be a month's first day"))
    if not queues:
        found.append(("queues", "the plan needs at least one queue"))
    months = len(queues[0].aht_seconds) if queues else 0
    if not 1 <= months <= MAX_MONTHS:
        found.append(("months", f"must be between 1 and {MAX_MONTHS}"))
    for q in queues:
        here = f"queues.{q.model.code}"
        if len(q.aht_seconds) != months or len(q.contacts_by_weekday) != months:
            found.append((here, "every queue needs the same months"))
        if len(q.profile) != 7 or any(len(p) * q.model.interval_minutes > 1440 for p in q.profile):
            found.append((f"{here}.profile", "seven weekdays of at most a day of intervals"))
        for p in q.profile:
            total = sum(p)
            if min(p, default=0.0) < 0 or not (total == 0 or abs(total - 1.0) < 1e-6):
                found.append((f"{here}.profile", "shares must be >= 0 and sum to 1 (or 0)"))
                break
        values = [v for month in q.contacts_by_weekday for v in month] + list(q.aht_seconds)
        if any(len(m) != 7 for m in q.contacts_by_weekday) or any(
            not math.isfinite(v) or v < 0 for v in values
        ):
            found.append((here, "contacts and handle times must be finite and >= 0"))
    if staff.headcount < 0 or not (math.isfinite(staff.fte) and staff.fte >= 0):
        found.append(("staff", "headcount and FTE must be >= 0"))
    if staff.hourly_cost is not None and not (0.0 <= staff.hourly_cost <= 1e6):
        found.append(("staff.hourly_cost", "must be in [0, 1e6]"))
    if found:
        raise CapacityPlanError(found)
    return months


@dataclass(frozen=True, slots=True)
class _QueueMonth:
    """One queue's month: its interval cells (mean day of each weekday) and their weights."""

    contacts: np.ndarray  # per cell
    days: np.ndarray  # how many days of the month each cell's interval stands for
    agents: np.ndarray  # the requirement (agents serving) per cell
    aht_seconds: float


def _queue_month(
    queue: QueueDemand, month: date, index: int, growth: float, model: QueueModel
) -> _QueueMonth:
    counts = weekday_counts(month)
    contacts: list[float] = []
    days: list[float] = []
    for weekday in range(7):
        mean_day = queue.contacts_by_weekday[index][weekday] * growth
        for share in queue.profile[weekday]:
            contacts.append(mean_day * share)
            days.append(float(counts[weekday]))
    calls = np.asarray(contacts, dtype=float)
    aht = float(queue.aht_seconds[index])
    agents = np.zeros(calls.shape)
    busy = (calls > 0) & (np.asarray(days) > 0)
    if busy.any() and aht > 0:
        agents[busy] = model.requirement(calls[busy], aht).agents
    return _QueueMonth(calls, np.asarray(days), agents, aht)


def _survival(settings: PlanSettings, days_from: np.ndarray) -> np.ndarray:
    """The share of people still there `days_from` days after a date."""
    keep = 1.0 - settings.monthly_attrition
    if keep <= 0.0:
        return np.where(days_from <= 0, 1.0, 0.0)
    return np.asarray(keep ** (np.maximum(days_from, 0.0) / AVERAGE_MONTH_DAYS))


def _productivity(settings: PlanSettings, days_since_start: np.ndarray) -> np.ndarray:
    """A hire's productivity by days since their start (before it: 0)."""
    training = settings.training_weeks * 7.0
    nesting = training + settings.nesting_weeks * 7.0
    return np.where(
        days_since_start < 0,
        0.0,
        np.where(
            days_since_start < training,
            0.0,
            np.where(days_since_start < nesting, settings.nesting_productivity, 1.0),
        ),
    )


def _month_days(start_month: date, month: date) -> np.ndarray:
    """The month's days as offsets from the plan's first day."""
    first = (month - start_month).days
    return np.arange(first, first + days_in_month(month), dtype=float)


@dataclass(frozen=True, slots=True)
class _Need:
    """The horizon's need, month by month."""

    months: list[date]
    cells: list[list[_QueueMonth]]
    serving_hours: list[float]
    paid_hours: list[float]
    hours_per_fte: list[float]
    fte: list[float]


def _need(
    start_month: date,
    months: int,
    queues: Sequence[QueueDemand],
    models: Sequence[QueueModel],
    s: PlanSettings,
) -> _Need:
    need = _Need([month_start(start_month, k) for k in range(months)], [], [], [], [], [])
    for index, month in enumerate(need.months):
        growth = (1.0 + s.volume_growth_per_year) ** (index / 12.0)
        row = [
            _queue_month(q, month, index, growth, m) for q, m in zip(queues, models, strict=True)
        ]
        serving = sum(
            float(np.sum(c.agents * c.days)) * q.model.interval_minutes / 60.0
            for q, c in zip(queues, row, strict=True)
        )
        paid = serving / (1.0 - s.unplanned_shrinkage) / s.rostering_efficiency
        hours_per_fte = s.full_time_weekly_hours * days_in_month(month) / 7.0
        need.cells.append(row)
        need.serving_hours.append(serving)
        need.paid_hours.append(paid)
        need.hours_per_fte.append(hours_per_fte)
        need.fte.append(paid / hours_per_fte)
    return need


def _productive(s: PlanSettings, start_month: date, hire: Hire, month: date) -> float:
    """A class's productive FTE, mean over the month."""
    since = _month_days(start_month, month) - (hire.start - start_month).days
    per_day = _productivity(s, since) * _survival(s, since) * (since >= 0)
    return hire.count * s.hire_fte * float(np.mean(per_day))


def _place_hires(
    s: PlanSettings, start_month: date, need: _Need, existing: list[float], earliest: date
) -> list[Hire]:
    """Classes of hires for each month short of need, on the latest start that has them fully
    productive by the month's first day (none when no start can)."""
    ramp_days = math.ceil((s.training_weeks + s.nesting_weeks) * 7.0 - 1e-9)
    starts = sorted({earliest} | {m for m in need.months if m > earliest})
    hires: list[Hire] = []
    for index, month in enumerate(need.months):
        have = existing[index] + sum(_productive(s, start_month, h, month) for h in hires)
        short = need.fte[index] - have
        if short <= 1e-9:
            continue
        ready = [d for d in starts if (month - d).days >= ramp_days]
        if not ready:
            continue  # no one can be ready in time: the month stays short
        one = _productive(s, start_month, Hire(ready[-1], 1, month), month)
        if one <= 0:
            continue
        hires.append(Hire(ready[-1], math.ceil(short / one - 1e-9), month))
    return hires


def build_plan(
    start_month: date,
    queues: Sequence[QueueDemand],
    staff: Staff,
    settings: PlanSettings,
) -> CapacityPlan:
    """The plan for the months from `start_month` (see the module docstring)."""
    months = _check(start_month, queues, staff, settings)
    s = settings
    models = [
        q.model
        if s.answer_rate_target is None
        else dataclasses.replace(q.model, min_answer_rate=s.answer_rate_target)
        for q in queues
    ]
    need = _need(start_month, months, queues, models, s)
    earliest = start_month + timedelta(days=math.ceil(s.recruiting_lead_weeks * 7.0 - 1e-9))
    existing = [
        staff.fte * float(np.mean(_survival(s, _month_days(start_month, m)))) for m in need.months
    ]
    hires = _place_hires(s, start_month, need, existing, earliest)
    plans = [
        _month_plan(s, start_month, staff, models, need, index, existing[index], hires)
        for index in range(months)
    ]
    return CapacityPlan(
        start_month=start_month,
        settings=settings,
        months=tuple(plans),
        hires=tuple(hires),
        earliest_start=earliest,
    )


def _month_plan(
    s: PlanSettings,
    start_month: date,
    staff: Staff,
    models: Sequence[QueueModel],
    need: _Need,
    index: int,
    existing: float,
    hires: Sequence[Hire],
) -> MonthPlan:
    month = need.months[index]
    offsets = _month_days(start_month, month)
    paid_new = heads_new = 0.0
    for h in hires:
        since = offsets - (h.start - start_month).days
        present = float(np.mean(_survival(s, since) * (since >= 0)))
        paid_new += h.count * s.hire_fte * present
        heads_new += h.count * present
    productive = existing + sum(_productive(s, start_month, h, month) for h in hires)
    answer_rate, service_level = _service(
        models, need.cells[index], productive * need.hours_per_fte[index], need.paid_hours[index]
    )
    row = need.cells[index]
    contacts = sum(float(np.sum(c.contacts * c.days)) for c in row)
    handled = sum(float(np.sum(c.contacts * c.days)) * c.aht_seconds for c in row)
    return MonthPlan(
        month=month,
        contacts=contacts,
        aht_seconds=handled / contacts if contacts > 0 else 0.0,
        serving_hours_needed=need.serving_hours[index],
        paid_hours_needed=need.paid_hours[index],
        fte_needed=need.fte[index],
        fte_existing=existing,
        headcount=staff.headcount * float(np.mean(_survival(s, offsets))) + heads_new,
        hires_starting=sum(h.count for h in hires if month <= h.start < month_start(month, 1)),
        fte_paid=existing + paid_new,
        fte_productive=productive,
        short_fte=max(0.0, need.fte[index] - productive),
        labour_cost=_cost(staff, s, existing, paid_new, need.hours_per_fte[index]),
        answer_rate=answer_rate,
        service_level=service_level,
    )


def _cost(
    staff: Staff, settings: PlanSettings, fte_existing: float, fte_new: float, hours: float
) -> float | None:
    hire_rate = (
        settings.hire_hourly_cost if settings.hire_hourly_cost is not None else staff.hourly_cost
    )
    if (fte_existing > 0 and staff.hourly_cost is None) or (fte_new > 0 and hire_rate is None):
        return None
    return (fte_existing * (staff.hourly_cost or 0.0) + fte_new * (hire_rate or 0.0)) * hours


def _service(
    models: Sequence[QueueModel],
    row: Sequence[_QueueMonth],
    productive_paid_hours: float,
    paid_hours_needed: float,
) -> tuple[float | None, float | None]:
    """Answer rate and service level expected with the staff the plan has, weighed by contacts:
    every interval's requirement scaled by the paid hours productive over those needed."""
    if paid_hours_needed <= 0:
        return None, None
    scale = productive_paid_hours / paid_hours_needed
    offered = answered = within = 0.0
    rated = True
    for model, cell in zip(models, row, strict=True):
        busy = cell.contacts > 0
        if not busy.any() or cell.aht_seconds <= 0:
            continue
        kpis = model.kpis(cell.contacts[busy], cell.aht_seconds, cell.agents[busy] * scale)
        weight = cell.contacts[busy] * cell.days[busy]
        offered += float(np.sum(weight))
        within += float(np.sum(weight * kpis.service_level))
        if kpis.answer_rate is None:
            rated = False
        else:
            answered += float(np.sum(weight * kpis.answer_rate))
    if offered <= 0:
        return None, None
    return (answered / offered if rated else None), within / offered


__all__ = [
    "DEFAULT_FULL_TIME_WEEKLY_HOURS",
    "DEFAULT_ROSTERING_EFFICIENCY",
    "MAX_MONTHS",
    "CapacityPlan",
    "CapacityPlanError",
    "Hire",
    "MonthPlan",
    "PlanSettings",
    "QueueDemand",
    "Staff",
    "build_plan",
    "days_in_month",
    "month_start",
    "settings_problems",
    "weekday_counts",
]


# the monthly figures two plans are compared on (`compare_months`)
COMPARED_FIGURES = (
    "contacts",
    "fte_needed",
    "fte_productive",
    "hires_starting",
    "short_fte",
    "labour_cost",
    "answer_rate",
    "service_level",
)


def compare_months(
    first: Sequence[Mapping[str, Any]], second: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Two plans' months (as stored: `month` an ISO date and the `MonthPlan` figures), month
    by month over either plan: each of `COMPARED_FIGURES` in the first, in the second, and the
    second's less the first's (None where a plan has no such month or figure)."""
    by_month = [{str(m["month"]): m for m in months} for months in (first, second)]
    out = []
    for month in sorted(set(by_month[0]) | set(by_month[1])):
        a, b = by_month[0].get(month) or {}, by_month[1].get(month) or {}
        figures = {}
        for name in COMPARED_FIGURES:
            left, right = a.get(name), b.get(name)
            figures[name] = {
                "first": left,
                "second": right,
                "difference": None if left is None or right is None else right - left,
            }
        out.append({"month": month, "figures": figures})
    return out
