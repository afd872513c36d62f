"""The one evaluation of a schedule that users see: the optimizer's evaluator
(`scheduling.evaluate.evaluate`) run on the schedule's roster problem and roster, as a view per
queue and campaign.

The stored schedule summary (at build time), `GET /v1/schedules/{id}/evaluation`, `wfm schedule`
and the dashboard's review all come from `evaluate_roster`, so they agree to the last digit. The
roster problem and roster come from `wfm.services.scheduling` (`build_problem`,
`roster_from_shifts`); this module does no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np

from scheduling.evaluate import Evaluation, QueueReport, evaluate
from scheduling.labour import RosterLabour
from scheduling.problem import Problem
from scheduling.roster import Roster
from wfm.domain.deferred import (
    CallbackCover,
    CallbacksDue,
    IdleTime,
    cover_callbacks,
    idle_time,
)
from wfm.domain.money import DEFAULT_CURRENCY

# Where the shrinkage of an evaluation came from.
SHRINKAGE_FROM_SCHEDULE = "schedule"  # stored with the schedule when it was built
SHRINKAGE_FROM_SITE = "site"  # a schedule stored before that: the site's unplanned shrinkage

VIOLATIONS_SHOWN = 50


@dataclass(frozen=True, slots=True)
class QueueEvaluation:
    """One queue over the week, at the scheduled staffing.

    The requirement is the optimizer's: rostered agents serving needed per interval (unplanned
    shrinkage included). Predicted figures come from the queue model (Erlang A) with the
    serving agents after shrinkage; they are None when the week has no contacts.
    """

    queue_code: str
    service_level_target: float | None  # None: the queue has no service-level target
    service_threshold_seconds: float
    contacts: float  # offered in the week (the forecast with its adjustments)
    predicted_service_level: float | None  # weighted by contacts
    predicted_answer_rate: float | None  # answered / offered
    predicted_asa_seconds: float | None  # weighted by answered contacts
    predicted_occupancy: float | None  # weighted by serving capacity
    intervals: int  # intervals of the week, each with a requirement (possibly 0)
    intervals_with_contacts: int
    intervals_meeting_target: int  # of those with contacts
    intervals_under: int  # fewer serving than required
    intervals_over: int  # more serving than required
    required_agent_hours: float
    serving_agent_hours: float
    under_coverage_agent_hours: float
    shortfall_agent_hours: float  # the same figure as under_coverage_agent_hours (older name)
    # answer-rate targets (None: none) and the answer rate the queue is held to (the stricter)
    min_answer_rate: float | None = None
    max_abandon_rate: float | None = None
    answer_rate_target: float | None = None
    predicted_abandon_rate: float | None = None  # abandoned / offered
    # of the intervals with contacts, those meeting each target (None: no such target)
    intervals_meeting_service_level: int | None = None
    intervals_meeting_answer_rate: int | None = None
    # whether the week's prediction meets each target (None: no such target, or no contacts)
    service_level_met: bool | None = None
    answer_rate_met: bool | None = None
    # idle time inside serving (`wfm.domain.deferred`): the serving agents' idle hours and the
    # deferred work (callbacks, follow-ups) they can absorb while the queue meets its targets
    idle_agent_hours: float = 0.0
    absorbable_deferred_hours: float = 0.0


@dataclass(frozen=True, slots=True)
class QueueIdleDay:
    """One queue's idle time inside serving on one local day."""

    idle_agent_hours: float
    absorbable_deferred_hours: float


@dataclass(frozen=True, slots=True)
class IdleDay:
    """Idle time inside serving on one local day of the week, every queue together, and the
    callbacks due that day against it (`callback_hours_absorbable`: the part of them that the
    day's absorbable time before each due instant covers)."""

    day: date
    idle_agent_hours: float
    absorbable_deferred_hours: float
    callbacks_due: int
    callback_hours_due: float
    callback_hours_absorbable: float
    queues: dict[str, QueueIdleDay]


@dataclass(frozen=True, slots=True)
class CallbackEvaluation:
    """A campaign's open callbacks due in the week, the hours they take (callbacks x handle
    minutes) and the hours of them the serving agents' idle time can absorb."""

    callbacks_due: int
    handle_minutes: float
    handle_source: str
    hours_due: float
    hours_absorbable: float


@dataclass(frozen=True, slots=True)
class CampaignEvaluation:
    sell_hours: float
    productive_hours: float  # sell hours x the campaign's efficiency
    value: float
    value_source: str = ""  # where its values per selling hour come from (`CampaignSpec`)


@dataclass(frozen=True, slots=True)
class ScheduleEvaluation:
    schedule_id: int | None  # None while the schedule is being built
    forecast_run_id: int | None  # None: no forecast covers the week (no demand to compare)
    shrinkage: float  # unplanned shrinkage: each rostered agent absent with this probability
    shrinkage_source: str  # SHRINKAGE_FROM_SCHEDULE or SHRINKAGE_FROM_SITE
    shifts: int
    agents: int  # agents with at least one shift
    shift_hours: float  # shift start to end, unpaid lunches included
    paid_hours: float  # unpaid lunches excluded
    serve_hours: float
    sell_hours: float
    break_hours: float  # breaks and lunches
    outbound_value: float
    under_coverage_agent_hours: float
    hard_violations: int
    violations: tuple[str, ...]  # the first VIOLATIONS_SHOWN
    queues: tuple[QueueEvaluation, ...]
    campaigns: dict[str, CampaignEvaluation] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    # idle time inside serving over the week, per day, and the callbacks due against it
    idle_agent_hours: float = 0.0
    absorbable_deferred_hours: float = 0.0
    idle_days: tuple[IdleDay, ...] = ()
    callbacks: dict[str, CallbackEvaluation] = field(default_factory=dict)
    callback_hours_due: float = 0.0
    callback_hours_absorbable: float = 0.0  # callbacks absorbable by serving idle time
    # labour cost (`scheduling.labour`, at the wages of the site's rules for the week) and what
    # it buys: answered contacts are the queues' predicted ones, sales the outbound value
    answered_contacts: float = 0.0
    labour_cost: float | None = None  # None: the site's rules for the week set no wages
    labour: LabourEvaluation | None = None
    cost_per_answered_contact: float | None = None  # labour cost / answered contacts
    sales_per_paid_hour: float | None = None  # outbound value / paid hours
    # the agents' roster preferences, a day at a time (`scheduling.evaluate.PreferenceTally`):
    # days asked, days the roster honours, and the weight of those it breaks
    preference_days_asked: int = 0
    preference_days_honoured: int = 0
    preference_penalty: float = 0.0
    # the unpaid hours below contract minimums taken from agents' voluntary-time-off offers
    voluntary_time_off_hours: float = 0.0


@dataclass(frozen=True, slots=True)
class LabourEvaluation:
    """The roster's labour cost by part, in the site's currency."""

    currency: str
    paid_hours: float
    base_cost: float  # paid hours at each contract's hourly rate
    premium_cost: float  # evening, night, weekend, ... surcharges
    premium_cost_by_kind: dict[str, float]
    overtime_hours: float
    overtime_cost: float  # the overtime surcharge only (the base is in base_cost)
    flexible_hours_cost: float  # what the roster objective charges (flexible contracts' hours
    # above their minimum, at the hourly rate)
    contracts_without_wage: tuple[str, ...]  # their hours cost 0


def evaluate_roster(
    problem: Problem,
    roster: Roster,
    *,
    schedule_id: int | None = None,
    forecast_run_id: int | None = None,
    shrinkage_source: str = SHRINKAGE_FROM_SCHEDULE,
    notes: tuple[str, ...] = (),
    callbacks: Sequence[CallbacksDue] = (),
    currency: str = DEFAULT_CURRENCY,
) -> ScheduleEvaluation:
    """The schedule's evaluation: every hard rule checked and the predicted service per queue,
    by `scheduling.evaluate.evaluate` on `problem` and `roster`; the idle time inside serving
    per queue and day, and how much of the open `callbacks` due in the week it can absorb; the
    labour cost at the problem's wages (in `currency`, the site's), per answered contact, and
    the outbound value per paid hour."""
    evaluation = evaluate(problem, roster)
    hours_per_interval = problem.horizon.interval_minutes / 60.0
    idle = _idle_minutes(problem, evaluation)
    queues = tuple(
        _queue(problem, report, hours_per_interval, idle.get(report.code))
        for report in evaluation.queues
    )
    campaigns = _campaigns(problem, evaluation)
    idle_days, covers = _idle_days(problem, idle, callbacks)
    paid_hours = sum(a.paid_hours for a in evaluation.agents)
    answered = sum(
        q.contacts * q.predicted_answer_rate for q in queues if q.predicted_answer_rate is not None
    )
    labour = _labour(evaluation.labour, currency)
    cost = None if labour is None else labour.base_cost + labour.premium_cost + labour.overtime_cost
    return ScheduleEvaluation(
        schedule_id=schedule_id,
        forecast_run_id=forecast_run_id,
        shrinkage=problem.shrinkage,
        shrinkage_source=shrinkage_source,
        shifts=len(roster.shifts),
        agents=len({s.agent_code for s in roster.shifts}),
        shift_hours=sum(s.minutes for s in roster.shifts) / 60.0,
        paid_hours=paid_hours,
        serve_hours=sum(q.serving_agent_hours for q in queues),
        sell_hours=sum(c.sell_hours for c in campaigns.values()),
        break_hours=_break_hours(roster),
        outbound_value=evaluation.sell_value,
        under_coverage_agent_hours=sum(q.under_coverage_agent_hours for q in queues),
        hard_violations=evaluation.hard_violations,
        violations=tuple(str(v) for v in evaluation.violations[:VIOLATIONS_SHOWN]),
        queues=queues,
        campaigns=campaigns,
        notes=notes,
        idle_agent_hours=sum(q.idle_agent_hours for q in queues),
        absorbable_deferred_hours=sum(q.absorbable_deferred_hours for q in queues),
        idle_days=idle_days,
        callbacks=covers,
        callback_hours_due=sum(c.hours_due for c in covers.values()),
        callback_hours_absorbable=sum(c.hours_absorbable for c in covers.values()),
        answered_contacts=answered,
        labour_cost=cost,
        labour=labour,
        cost_per_answered_contact=None if cost is None or answered <= 0 else cost / answered,
        sales_per_paid_hour=evaluation.sell_value / paid_hours if paid_hours > 0 else None,
        preference_days_asked=evaluation.preferences.asked_days,
        preference_days_honoured=evaluation.preferences.honoured_days,
        preference_penalty=evaluation.preference_penalty,
        voluntary_time_off_hours=evaluation.voluntary_time_off_hours,
    )


def _labour(found: RosterLabour | None, currency: str) -> LabourEvaluation | None:
    if found is None:
        return None
    total = found.total
    return LabourEvaluation(
        currency=currency,
        paid_hours=total.paid_hours,
        base_cost=total.base_cost,
        premium_cost=total.premium_cost,
        premium_cost_by_kind=dict(sorted(total.premium_cost_by_kind.items())),
        overtime_hours=total.overtime_hours,
        overtime_cost=total.overtime_cost,
        flexible_hours_cost=found.flexible_cost,
        contracts_without_wage=found.contracts_without_wage,
    )


def _idle_minutes(problem: Problem, evaluation: Evaluation) -> dict[str, IdleTime]:
    """Per queue with a forecast, its `wfm.domain.deferred.IdleTime` at the rostered serving."""
    out = {}
    for report in evaluation.queues:
        spec = next(q for q in problem.queues if q.code == report.code)
        if report.contacts is None or spec.aht_seconds is None:
            continue
        out[report.code] = idle_time(
            spec.model(problem.horizon.interval_minutes),
            report.contacts,
            np.asarray(spec.aht_seconds, dtype=float),
            report.serving,
            problem.shrinkage,
        )
    return out


def _idle_days(
    problem: Problem, idle: dict[str, IdleTime], callbacks: Sequence[CallbacksDue]
) -> tuple[tuple[IdleDay, ...], dict[str, CallbackEvaluation]]:
    """The week's idle time per local day and queue, and the callbacks due against the
    absorbable time of all queues together (`wfm.domain.deferred.cover_callbacks`)."""
    starts = [problem.interval_start_utc(i) for i in range(problem.interval_count)]
    days = np.array([s.astimezone(problem.zone).date() for s in starts], dtype=object)
    absorbable = np.zeros(len(starts))
    for item in idle.values():
        absorbable += item.absorbable_minutes
    plan = cover_callbacks(
        starts, problem.horizon.interval_minutes, absorbable, problem.zone, callbacks
    )
    rows = []
    for day in problem.dates():
        mask = days == day
        by_queue = {
            code: QueueIdleDay(
                idle_agent_hours=float(item.idle_agent_minutes[mask].sum()) / 60.0,
                absorbable_deferred_hours=float(item.absorbable_minutes[mask].sum()) / 60.0,
            )
            for code, item in idle.items()
        }
        due = plan.days.get(day, CallbackCover(0, 0.0, 0.0))
        rows.append(
            IdleDay(
                day=day,
                idle_agent_hours=sum(q.idle_agent_hours for q in by_queue.values()),
                absorbable_deferred_hours=sum(
                    q.absorbable_deferred_hours for q in by_queue.values()
                ),
                callbacks_due=due.callbacks_due,
                callback_hours_due=due.hours_due,
                callback_hours_absorbable=due.hours_absorbable,
                queues=by_queue,
            )
        )
    covers = {
        c.campaign_code: CallbackEvaluation(
            callbacks_due=len(c.due_utc),
            handle_minutes=c.handle_minutes,
            handle_source=c.handle_source,
            hours_due=plan.campaigns[c.campaign_code].hours_due,
            hours_absorbable=plan.campaigns[c.campaign_code].hours_absorbable,
        )
        for c in callbacks
    }
    return tuple(rows), covers


@dataclass(frozen=True, slots=True)
class IntervalTargets:
    """One queue in one interval at the scheduled staffing: the prediction against the queue's
    targets (met: None where the queue has no such target or the interval no forecast)."""

    queue_code: str
    interval_start_utc: datetime
    contacts: float | None
    required: int
    serving: int
    predicted_service_level: float | None
    predicted_answer_rate: float | None
    predicted_abandon_rate: float | None
    service_level_met: bool | None
    answer_rate_met: bool | None


def interval_targets(problem: Problem, roster: Roster) -> list[IntervalTargets]:
    """Per queue and interval, by `scheduling.evaluate.evaluate` (the evaluation users see):
    the predicted service level, answer and abandon rates and which of the queue's targets are
    met, in queue then time order."""
    evaluation = evaluate(problem, roster)
    rows = []
    for report in evaluation.queues:
        for i in range(len(report.required)):
            rows.append(
                IntervalTargets(
                    queue_code=report.code,
                    interval_start_utc=problem.interval_start_utc(i),
                    contacts=None if report.contacts is None else float(report.contacts[i]),
                    required=int(report.required[i]),
                    serving=int(report.serving[i]),
                    predicted_service_level=_at(report.service_level, i),
                    predicted_answer_rate=_at(report.answer_rate, i),
                    predicted_abandon_rate=_at(report.abandon_rate, i),
                    service_level_met=_flag(report.service_level_met, i),
                    answer_rate_met=_flag(report.answer_rate_met, i),
                )
            )
    return rows


def _at(values: Any, i: int) -> float | None:
    return None if values is None else _finite(float(values[i]))


def _flag(values: Any, i: int) -> bool | None:
    return None if values is None else bool(values[i])


def summary_fields(evaluation: ScheduleEvaluation) -> dict[str, Any]:
    """What a stored schedule summary keeps of its evaluation (JSON values): the shrinkage it
    was built with, the totals, and the per-queue and per-campaign figures as the evaluation
    endpoint gives them."""
    return {
        "shrinkage": evaluation.shrinkage,
        "hard_violations": evaluation.hard_violations,
        "violations": list(evaluation.violations),
        "under_coverage_agent_hours": evaluation.under_coverage_agent_hours,
        "sell_hours": evaluation.sell_hours,
        "outbound_value": evaluation.outbound_value,
        "queues": {q.queue_code: asdict(q) for q in evaluation.queues},
        "campaigns": {code: asdict(c) for code, c in evaluation.campaigns.items()},
        "idle_agent_hours": evaluation.idle_agent_hours,
        "absorbable_deferred_hours": evaluation.absorbable_deferred_hours,
        "idle_days": [asdict(d) | {"day": d.day.isoformat()} for d in evaluation.idle_days],
        "callbacks": {code: asdict(c) for code, c in evaluation.callbacks.items()},
        "callback_hours_due": evaluation.callback_hours_due,
        "callback_hours_absorbable": evaluation.callback_hours_absorbable,
        "answered_contacts": evaluation.answered_contacts,
        "labour_cost": evaluation.labour_cost,
        "labour": None if evaluation.labour is None else asdict(evaluation.labour),
        "cost_per_answered_contact": evaluation.cost_per_answered_contact,
        "sales_per_paid_hour": evaluation.sales_per_paid_hour,
        "preference_days_asked": evaluation.preference_days_asked,
        "preference_days_honoured": evaluation.preference_days_honoured,
        "preference_penalty": evaluation.preference_penalty,
        "voluntary_time_off_hours": evaluation.voluntary_time_off_hours,
    }


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _queue(
    problem: Problem, report: QueueReport, hours_per_interval: float, idle: IdleTime | None
) -> QueueEvaluation:
    spec = next(q for q in problem.queues if q.code == report.code)
    required = np.asarray(report.required, dtype=np.int64)
    serving = np.asarray(report.serving, dtype=np.int64)
    contacts = 0.0 if report.contacts is None else float(np.sum(report.contacts))
    return QueueEvaluation(
        queue_code=report.code,
        service_level_target=report.service_level_target,
        service_threshold_seconds=spec.service_threshold_seconds,
        contacts=contacts,
        predicted_service_level=_finite(report.predicted_service_level),
        predicted_answer_rate=_finite(report.predicted_answer_rate),
        predicted_asa_seconds=_finite(report.predicted_asa_seconds),
        predicted_occupancy=_finite(report.predicted_occupancy),
        intervals=int(required.shape[0]),
        intervals_with_contacts=report.intervals_with_contacts,
        intervals_meeting_target=report.intervals_meeting_target,
        intervals_under=int(np.count_nonzero(serving < required)),
        intervals_over=int(np.count_nonzero(serving > required)),
        required_agent_hours=float(required.sum()) * hours_per_interval,
        serving_agent_hours=float(serving.sum()) * hours_per_interval,
        under_coverage_agent_hours=report.under_coverage_agent_hours,
        shortfall_agent_hours=report.under_coverage_agent_hours,
        min_answer_rate=report.min_answer_rate,
        max_abandon_rate=report.max_abandon_rate,
        answer_rate_target=report.answer_rate_target,
        predicted_abandon_rate=_finite(report.predicted_abandon_rate),
        intervals_meeting_service_level=report.intervals_meeting_service_level,
        intervals_meeting_answer_rate=report.intervals_meeting_answer_rate,
        service_level_met=report.week_service_level_met,
        answer_rate_met=report.week_answer_rate_met,
        idle_agent_hours=0.0 if idle is None else float(idle.idle_agent_minutes.sum()) / 60.0,
        absorbable_deferred_hours=(
            0.0 if idle is None else float(idle.absorbable_minutes.sum()) / 60.0
        ),
    )


def campaign_plan(problem: Problem, roster: Roster) -> dict[str, CampaignEvaluation]:
    """The roster's outbound plan per campaign, as `evaluate_roster` gives it (sell hours,
    productive hours, value at the problem's values of a selling hour and their source) without
    the rest of the evaluation's figures."""
    return _campaigns(problem, evaluate(problem, roster))


def _campaigns(problem: Problem, evaluation: Evaluation) -> dict[str, CampaignEvaluation]:
    specs = {c.code: c for c in problem.campaigns}
    return {
        report.code: CampaignEvaluation(
            sell_hours=report.sell_hours,
            productive_hours=report.sell_hours * specs[report.code].efficiency,
            value=report.value,
            value_source=specs[report.code].value_source,
        )
        for report in evaluation.campaigns
    }


def _break_hours(roster: Roster) -> float:
    seconds = sum(
        (span.end_utc - span.start_utc).total_seconds()
        for shift in roster.shifts
        for span in shift.activities
        if span.activity in ("break", "lunch")
    )
    return seconds / 3600.0
