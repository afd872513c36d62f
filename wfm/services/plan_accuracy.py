"""The plan against what happened: per local day and queue, the contacts the published roster was
planned for and the answer rate and service level it predicted, beside what the interval history
says happened.

The prediction is the schedule's evaluation per queue and interval
(`schedule_views.evaluate_intervals`, the evaluator the planner sees), summed to local days as the
evaluation sums a week: the answer rate and service level weighted by the forecast contacts. What
happened is the KPI report of the same days (`wfm.services.kpis`, short abandons left out, service
level = answered within the threshold / offered, as the queue model predicts it). A day is
compared once it has ended by the site clock, a published roster covers it and its history holds
intervals.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from wfm.db.repositories import ScheduleRepository, SiteRepository
from wfm.domain import ScheduleStatus
from wfm.domain.errors import ValidationError
from wfm.domain.grid import local_date
from wfm.services.intraday.clock import local_day, site_now
from wfm.services.kpis import KpiSeries, kpi_report
from wfm.services.schedule_views import evaluate_intervals

MAX_RANGE_DAYS = 31


@dataclass(frozen=True, slots=True)
class PlanSums:
    """Sums over some queue-days: the plan's contacts and its predictions weighted by them, and
    the counts that happened."""

    forecast_offered: float = 0.0
    answer_rate_weight: float = 0.0  # forecast contacts where the model predicts an answer rate
    predicted_answered: float = 0.0  # sum of forecast contacts x predicted answer rate
    predicted_within: float = 0.0  # sum of forecast contacts x predicted service level
    service_level_weight: float = 0.0
    offered: int = 0
    answered: int = 0
    answered_within: float = 0.0  # service level x offered of each day

    def __add__(self, other: PlanSums) -> PlanSums:
        return PlanSums(
            forecast_offered=self.forecast_offered + other.forecast_offered,
            answer_rate_weight=self.answer_rate_weight + other.answer_rate_weight,
            predicted_answered=self.predicted_answered + other.predicted_answered,
            predicted_within=self.predicted_within + other.predicted_within,
            service_level_weight=self.service_level_weight + other.service_level_weight,
            offered=self.offered + other.offered,
            answered=self.answered + other.answered,
            answered_within=self.answered_within + other.answered_within,
        )

    @property
    def predicted_answer_rate(self) -> float | None:
        w = self.answer_rate_weight
        return self.predicted_answered / w if w > 0 else None

    @property
    def predicted_service_level(self) -> float | None:
        w = self.service_level_weight
        return self.predicted_within / w if w > 0 else None

    @property
    def answer_rate(self) -> float | None:
        return self.answered / self.offered if self.offered else None

    @property
    def service_level(self) -> float | None:
        return self.answered_within / self.offered if self.offered else None


@dataclass(frozen=True, slots=True)
class PlanDay:
    day: date
    schedule_id: int
    queues: dict[str, PlanSums]
    total: PlanSums


@dataclass(frozen=True, slots=True)
class PlanSchedule:
    schedule_id: int
    week_start: date
    version: int


@dataclass(frozen=True, slots=True)
class PlanAccuracyReport:
    site_code: str
    timezone: str
    start: date
    end: date  # exclusive
    today: date  # the site clock's local day: it and later days are not compared
    schedules: tuple[PlanSchedule, ...]  # the published rosters covering the range
    days: tuple[PlanDay, ...]  # the days compared
    queues: dict[str, PlanSums]  # over the days compared
    total: PlanSums


def plan_accuracy(
    session: Session, *, site_code: str, start: date, end: date
) -> PlanAccuracyReport:
    """Per local day of [start, end) and queue, the published roster's plan (contacts, predicted
    answer rate and service level) beside what happened (see the module's note)."""
    if end <= start:
        raise ValidationError(f"end ({end}) must be after start ({start})")
    if (end - start).days > MAX_RANGE_DAYS:
        raise ValidationError(
            f"end: plan accuracy covers at most {MAX_RANGE_DAYS} days; asked for "
            f"{(end - start).days}"
        )
    site = SiteRepository(session).get(site_code)
    zone = ZoneInfo(site.timezone)
    today = local_day(site, site_now(session, site_code))
    last = min(end, today)
    schedules = _published(session, site_code, start, last)
    planned: dict[date, dict[str, PlanSums]] = defaultdict(dict)
    covering: dict[date, int] = {}
    for schedule in schedules:
        for row in evaluate_intervals(session, schedule.schedule_id):
            day = local_date(row.interval_start_utc, zone)
            if not start <= day < last or row.contacts is None:
                continue
            covering[day] = schedule.schedule_id
            held = planned[day].get(row.queue_code, PlanSums())
            planned[day][row.queue_code] = held + _predicted(
                row.contacts, row.predicted_answer_rate, row.predicted_service_level
            )
    actual = _actual(session, site_code, start, last) if last > start else {}
    days: list[PlanDay] = []
    for day in sorted(covering):
        happened = actual.get(day)
        if happened is None:
            continue
        queues = {
            code: planned[day].get(code, PlanSums()) + happened.get(code, PlanSums())
            for code in sorted(set(planned[day]) | set(happened))
        }
        days.append(PlanDay(day, covering[day], queues, sum(queues.values(), PlanSums())))
    per_queue: dict[str, PlanSums] = {}
    for plan_day in days:
        for code, sums in plan_day.queues.items():
            per_queue[code] = per_queue.get(code, PlanSums()) + sums
    return PlanAccuracyReport(
        site_code=site_code,
        timezone=site.timezone,
        start=start,
        end=end,
        today=today,
        schedules=tuple(schedules),
        days=tuple(days),
        queues=dict(sorted(per_queue.items())),
        total=sum(per_queue.values(), PlanSums()),
    )


def _predicted(contacts: float, answer_rate: float | None, service_level: float | None) -> PlanSums:
    return PlanSums(
        forecast_offered=contacts,
        answer_rate_weight=contacts if answer_rate is not None else 0.0,
        predicted_answered=contacts * answer_rate if answer_rate is not None else 0.0,
        predicted_within=contacts * service_level if service_level is not None else 0.0,
        service_level_weight=contacts if service_level is not None else 0.0,
    )


def _published(session: Session, site_code: str, start: date, end: date) -> list[PlanSchedule]:
    """The site's published rosters whose week overlaps the local days [start, end)."""
    return [
        PlanSchedule(s.id, s.week_start, s.version)
        for s in ScheduleRepository(session).list(site_code)
        if s.status is ScheduleStatus.PUBLISHED
        and s.id is not None
        and s.week_start < end
        and s.week_start + timedelta(days=7) > start
    ]


def _actual(
    session: Session, site_code: str, start: date, end: date
) -> dict[date, dict[str, PlanSums]]:
    """What happened per local day (days whose history holds intervals) and queue."""
    report = kpi_report(session, site_code=site_code, start=start, end=end, granularity="day")
    out: dict[date, dict[str, PlanSums]] = defaultdict(dict)
    for series in report.series:
        _add_series(out, series)
    return out


def _add_series(out: dict[date, dict[str, PlanSums]], series: KpiSeries) -> None:
    assert series.queue_code is not None
    for point in series.points:
        if not point.intervals:
            continue
        v = point.values
        within = v.service_level * v.offered if v.service_level is not None else 0.0
        out[date.fromisoformat(point.period)][series.queue_code] = PlanSums(
            offered=v.offered, answered=v.answered, answered_within=within
        )
