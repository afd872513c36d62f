"""What was sold: a site's realised outbound results against the published roster's plan, over a
window of local days (docs/outbound.md, "What was sold").

Realised figures are the stored dialer attempts placed in the window: attempts, contacts (the
results that reached the customer, `wfm.domain.dialer.CONTACT_RESULTS`), sales and their revenue,
by campaign, by segment, by campaign and segment, and by local hour of day. The plan is the one
evaluation of each published roster whose week overlaps the window (`scheduling.evaluate`, as
`wfm.services.schedule_evaluation` reports it): each interval's selling agents times the value
of a productive hour the roster was built with (learned or typed, `wfm.services.selling_value`)
times the campaign's efficiency, the same figures whose week total is the schedule's outbound
value. The plan has no segments: segment rows carry no planned revenue.

Value per paid hour covers the time the published rosters cover in the window: the outbound
revenue per paid selling hour, the answered contacts' value (each queue's value per answered
contact, from its queue model, as the roster prices it) per paid serving hour, and both together
per paid hour (shifts less their unpaid breaks). The window ends at `now_utc` when that is
earlier: hours that have not happened have no plan to compare yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from scheduling.evaluate import evaluate
from scheduling.problem import Problem
from scheduling.roster import Roster
from wfm.db.repositories import (
    CampaignRepository,
    DialerAttemptRepository,
    HistoryRepository,
    QueueRepository,
    ScheduleRepository,
    SiteRepository,
)
from wfm.domain import Schedule, ScheduleStatus, Site
from wfm.domain.dialer import CONTACT_RESULTS, AttemptResult, DialerAttempt
from wfm.domain.errors import ValidationError
from wfm.domain.grid import local_midnight_utc, week_bounds_utc
from wfm.domain.notes import NO_ATTEMPTS_IN_WINDOW, NO_PLAN_IN_WINDOW
from wfm.domain.queue_model import QueueModel
from wfm.services.intraday.clock import site_now
from wfm.services.schedule_views import schedule_problem
from wfm.services.scheduling import roster_from_shifts

MAX_WINDOW_DAYS = 92


@dataclass(slots=True)
class SoldFigures:
    """Attempts and what they sold; `planned_revenue` None where the plan has no such figure.
    `revenue_in_plan` is the revenue of the attempts in the time a published roster covers, what
    the plan is compared with."""

    attempts: int = 0
    contacts: int = 0
    sales: int = 0
    revenue: float = 0.0
    planned_revenue: float | None = None
    revenue_in_plan: float = 0.0

    @property
    def contact_rate(self) -> float | None:
        return self.contacts / self.attempts if self.attempts else None

    @property
    def conversion(self) -> float | None:
        """Sales per contact."""
        return self.sales / self.contacts if self.contacts else None

    @property
    def revenue_vs_plan(self) -> float | None:
        """Realised revenue in the planned time less the planned revenue."""
        return None if self.planned_revenue is None else self.revenue_in_plan - self.planned_revenue

    def add(self, attempt: DialerAttempt) -> None:
        self.attempts += 1
        if attempt.result in CONTACT_RESULTS:
            self.contacts += 1
        if attempt.result is AttemptResult.SALE:
            self.sales += 1
            self.revenue += attempt.revenue or 0.0

    def add_in_plan(self, attempt: DialerAttempt) -> None:
        if attempt.result is AttemptResult.SALE:
            self.revenue_in_plan += attempt.revenue or 0.0

    def plan(self, value: float) -> None:
        self.planned_revenue = (self.planned_revenue or 0.0) + value


@dataclass(frozen=True, slots=True)
class ValuePerPaidHour:
    """Sell and serve value against the paid hours of the published rosters in the window."""

    paid_hours: float
    selling_hours: float
    serving_hours: float
    revenue: float  # outbound revenue placed in the rostered time
    answered_contacts: int
    answered_value: float

    @property
    def revenue_per_selling_hour(self) -> float | None:
        return self.revenue / self.selling_hours if self.selling_hours else None

    @property
    def answered_value_per_serving_hour(self) -> float | None:
        return self.answered_value / self.serving_hours if self.serving_hours else None

    @property
    def value_per_paid_hour(self) -> float | None:
        total = self.revenue + self.answered_value
        return total / self.paid_hours if self.paid_hours else None


@dataclass(frozen=True, slots=True)
class OutboundResults:
    site_code: str
    timezone: str
    start: date  # first local day
    end: date  # last local day (inclusive)
    start_utc: datetime
    end_utc: datetime  # the window's end, or now when that is earlier
    schedule_ids: tuple[int, ...]  # the published rosters the plan comes from
    total: SoldFigures
    campaigns: dict[str, SoldFigures]
    segments: dict[str, SoldFigures]
    campaign_segments: dict[tuple[str, str], SoldFigures]
    hours: tuple[SoldFigures, ...]  # 24: local hour of day
    per_paid_hour: ValuePerPaidHour
    notes: tuple[str, ...] = field(default=())


def outbound_results(
    session: Session,
    *,
    site_code: str,
    start: date,
    end: date,
    now_utc: datetime | None = None,
) -> OutboundResults:
    """The site's outbound results over the local days [start, end] (see the module docstring);
    `now_utc` defaults to the site's clock.
    ValidationError (naming `end`) for a window that ends before it starts or is longer than
    `MAX_WINDOW_DAYS` days; NotFoundError for an unknown site."""
    if end < start:
        raise ValidationError(f"end ({end}) must not be before start ({start})")
    if (end - start).days + 1 > MAX_WINDOW_DAYS:
        raise ValidationError(
            f"end: a window covers at most {MAX_WINDOW_DAYS} days; asked for "
            f"{(end - start).days + 1}"
        )
    site = SiteRepository(session).get(site_code)
    zone = ZoneInfo(site.timezone)
    now_utc = now_utc or site_now(session, site_code)
    start_utc = local_midnight_utc(start, zone)
    end_utc = max(start_utc, min(local_midnight_utc(end + timedelta(days=1), zone), now_utc))
    campaigns = [c.code for c in CampaignRepository(session).list(site_code)]
    attempts = (
        DialerAttemptRepository(session).list(
            campaign_codes=campaigns, start_utc=start_utc, end_utc=end_utc
        )
        if campaigns and end_utc > start_utc
        else []
    )
    results = _realised(attempts, zone)
    covered, schedule_ids, paid = _plan(session, site, start_utc, end_utc, results)
    notes = []
    if not schedule_ids:
        notes.append(NO_PLAN_IN_WINDOW())
    if not attempts:
        notes.append(NO_ATTEMPTS_IN_WINDOW())
    in_roster = [a for a in attempts if any(b <= a.attempted_at_utc < e for b, e in covered)]
    for a in in_roster:
        for figures in _figures_of(results, a, zone):
            figures.add_in_plan(a)
    answered, answered_value = _answered(session, site, covered)
    return OutboundResults(
        site_code=site_code,
        timezone=site.timezone,
        start=start,
        end=end,
        start_utc=start_utc,
        end_utc=end_utc,
        schedule_ids=tuple(schedule_ids),
        total=results.total,
        campaigns=results.campaigns,
        segments=results.segments,
        campaign_segments=results.campaign_segments,
        hours=results.hours,
        per_paid_hour=ValuePerPaidHour(
            paid_hours=paid[0],
            selling_hours=paid[1],
            serving_hours=paid[2],
            revenue=sum(a.revenue or 0.0 for a in in_roster if a.result is AttemptResult.SALE),
            answered_contacts=answered,
            answered_value=answered_value,
        ),
        notes=tuple(notes),
    )


@dataclass(slots=True)
class _Realised:
    total: SoldFigures
    campaigns: dict[str, SoldFigures]
    segments: dict[str, SoldFigures]
    campaign_segments: dict[tuple[str, str], SoldFigures]
    hours: tuple[SoldFigures, ...]


def _realised(attempts: Iterable[DialerAttempt], zone: ZoneInfo) -> _Realised:
    found = _Realised(SoldFigures(), {}, {}, {}, tuple(SoldFigures() for _ in range(24)))
    for a in attempts:
        for figures in _figures_of(found, a, zone):
            figures.add(a)
    return found


def _figures_of(found: _Realised, a: DialerAttempt, zone: ZoneInfo) -> list[SoldFigures]:
    """The figures an attempt counts in: the total, its campaign, segment, both, local hour."""
    return [
        found.total,
        found.campaigns.setdefault(a.campaign_code, SoldFigures()),
        found.segments.setdefault(a.segment_code, SoldFigures()),
        found.campaign_segments.setdefault((a.campaign_code, a.segment_code), SoldFigures()),
        found.hours[a.attempted_at_utc.astimezone(zone).hour],
    ]


def _published(
    session: Session, site_code: str, start_utc: datetime, end_utc: datetime, zone: ZoneInfo
) -> list[Schedule]:
    """The latest published schedule of each week overlapping [start_utc, end_utc)."""
    latest: dict[date, Schedule] = {}
    for s in ScheduleRepository(session).list(site_code):
        if s.status is not ScheduleStatus.PUBLISHED:
            continue
        begin, finish = week_bounds_utc(s.week_start, zone)
        if begin >= end_utc or finish <= start_utc:
            continue
        held = latest.get(s.week_start)
        if held is None or s.created_at_utc > held.created_at_utc:
            latest[s.week_start] = s
    return [latest[w] for w in sorted(latest)]


def _plan(
    session: Session,
    site: Site,
    start_utc: datetime,
    end_utc: datetime,
    results: _Realised,
) -> tuple[list[tuple[datetime, datetime]], list[int], tuple[float, float, float]]:
    """Add the published rosters' planned revenue to `results`; returns the time they cover in
    the window, their ids and their (paid, selling, serving) hours in the window."""
    zone = ZoneInfo(site.timezone)
    covered: list[tuple[datetime, datetime]] = []
    ids: list[int] = []
    paid = selling = serving = 0.0
    for summary in _published(session, site.code, start_utc, end_utc, zone):
        assert summary.id is not None
        schedule = ScheduleRepository(session).get(summary.id)  # with its shifts
        assert schedule.id is not None
        problem = schedule_problem(session, schedule).problem
        roster = roster_from_shifts(schedule.shifts)
        evaluation = evaluate(problem, roster)
        step = problem.horizon.interval_minutes
        inside = [
            i
            for i in range(problem.interval_count)
            if start_utc <= problem.interval_start_utc(i)
            and problem.interval_start_utc(i) + timedelta(minutes=step) <= end_utc
        ]
        if not inside:
            continue
        ids.append(schedule.id)
        first, last = problem.interval_start_utc(inside[0]), problem.interval_start_utc(inside[-1])
        covered.append((first, last + timedelta(minutes=step)))
        hours = step / 60.0
        for report in evaluation.campaigns:
            values = report.value_by_interval
            assert values is not None
            figures = results.campaigns.setdefault(report.code, SoldFigures())
            for i in inside:
                value = float(values[i])
                figures.plan(value)
                results.total.plan(value)
                results.hours[problem.interval_start_utc(i).astimezone(zone).hour].plan(value)
                selling += float(report.selling[i]) * hours
        serving += sum(float(q.serving[i]) * hours for q in evaluation.queues for i in inside)
        paid += _paid_hours(problem, roster, covered[-1])
    for figures in (results.total, *results.campaigns.values(), *results.hours):
        if ids and figures.planned_revenue is None:
            figures.planned_revenue = 0.0
    return covered, ids, (paid, selling, serving)


def _paid_hours(problem: Problem, roster: Roster, window: tuple[datetime, datetime]) -> float:
    """Shift time inside the window less the unpaid breaks inside it."""
    begin, end = window

    def overlap(a: datetime, b: datetime) -> float:
        return max(0.0, (min(b, end) - max(a, begin)).total_seconds())

    seconds = 0.0
    for shift in roster.shifts:
        unpaid = {
            r.kind for r in problem.shift_rules.breaks_for(round(shift.minutes)) if not r.paid
        }
        seconds += overlap(shift.start_utc, shift.end_utc)
        seconds -= sum(overlap(b.start_utc, b.end_utc) for b in shift.breaks if b.kind in unpaid)
    return seconds / 3600.0


def _answered(
    session: Session, site: Site, covered: Sequence[tuple[datetime, datetime]]
) -> tuple[int, float]:
    """Answered contacts in the covered time and their value (each queue's value per answered
    contact, from its queue model)."""
    queues = {q.code: q for q in QueueRepository(session).list(site.code)}
    history = HistoryRepository(session)
    worth: dict[tuple[str, int], float] = {}
    answered, value = 0, 0.0
    for begin, end in covered:
        for code, _, minutes, _, count, _ in history.series(list(queues), begin, end):
            if (code, minutes) not in worth:
                model = QueueModel.of_queue(queues[code], site, minutes)
                worth[(code, minutes)] = model.value_per_answered_contact
            answered += count
            value += count * worth[(code, minutes)]
    return answered, value


def figures_fields(figures: SoldFigures) -> dict[str, Any]:
    return {
        "attempts": figures.attempts,
        "contacts": figures.contacts,
        "sales": figures.sales,
        "revenue": figures.revenue,
        "planned_revenue": figures.planned_revenue,
        "revenue_in_plan": figures.revenue_in_plan,
        "revenue_vs_plan": figures.revenue_vs_plan,
        "contact_rate": figures.contact_rate,
        "conversion": figures.conversion,
    }


def results_fields(results: OutboundResults) -> dict[str, Any]:
    """The results as JSON values (the API's response and `wfm outbound results --json`)."""
    paid = results.per_paid_hour
    return {
        "site_code": results.site_code,
        "timezone": results.timezone,
        "start": results.start.isoformat(),
        "end": results.end.isoformat(),
        "start_utc": results.start_utc.isoformat(),
        "end_utc": results.end_utc.isoformat(),
        "schedule_ids": list(results.schedule_ids),
        "total": figures_fields(results.total),
        "campaigns": [
            {"campaign_code": code, **figures_fields(f)}
            for code, f in sorted(results.campaigns.items())
        ],
        "segments": [
            {"segment_code": code, **figures_fields(f)}
            for code, f in sorted(results.segments.items())
        ],
        "campaign_segments": [
            {"campaign_code": c, "segment_code": s, **figures_fields(f)}
            for (c, s), f in sorted(results.campaign_segments.items())
        ],
        "hours": [{"hour": h, **figures_fields(f)} for h, f in enumerate(results.hours)],
        "per_paid_hour": {
            "paid_hours": paid.paid_hours,
            "selling_hours": paid.selling_hours,
            "serving_hours": paid.serving_hours,
            "revenue": paid.revenue,
            "answered_contacts": paid.answered_contacts,
            "answered_value": paid.answered_value,
            "revenue_per_selling_hour": paid.revenue_per_selling_hour,
            "answered_value_per_serving_hour": paid.answered_value_per_serving_hour,
            "value_per_paid_hour": paid.value_per_paid_hour,
        },
        "notes": list(results.notes),
    }
