"""Agents' time-off requests: asked for by the agent, judged against the published roster with
the schedule evaluator (`scheduling.evaluate.evaluate`, the one behind every schedule
evaluation), approved automatically when every affected queue and day stays on its targets,
else left for a planner; an approval becomes the agent's time off (honoured by future roster
builds) and a new published version of each week it touches, without the agent in the span.

The rules of hours and balances are `wfm.domain.time_off`'s. Every decision goes through
`decided`, which gives the domain events the notifications consume.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy.orm import Session

from scheduling.evaluate import QueueReport, evaluate
from scheduling.problem import Problem
from wfm.db.repositories import (
    AgentRepository,
    ScheduleRepository,
    SiteRepository,
    TimeOffRequestRepository,
)
from wfm.domain import Activity, Schedule, ScheduleStatus, Shift
from wfm.domain.errors import ConflictError, ValidationError
from wfm.domain.jsonvalues import json_safe
from wfm.domain.queue_model import weighted_mean
from wfm.domain.time_off import (
    AUTO,
    Accrual,
    Balance,
    Prediction,
    QueueDay,
    RosteredSpan,
    TimeOffDecided,
    TimeOffRequest,
    TimeOffStatus,
    Verdict,
    balance,
    check_span,
    judge,
    local_days,
    request_hours,
    require_within_balance,
)
from wfm.services import notifications
from wfm.services.idle_time import callbacks_due
from wfm.services.schedule_edits import ChangeActivity, ShiftEdit, ShortenShift, apply_edit
from wfm.services.schedule_evaluation import evaluate_roster, summary_fields
from wfm.services.schedule_views import schedule_problem
from wfm.services.scheduling import roster_from_shifts

DECISIONS = ("approve", "refuse")


@dataclass(frozen=True, slots=True)
class Outcome:
    """A request as it now stands, and the events its decision raised (none while pending)."""

    request: TimeOffRequest
    events: tuple[TimeOffDecided, ...] = ()


def decided(request: TimeOffRequest) -> list[TimeOffDecided]:
    """The hook of a decided request: the domain events it raises (for the notifications)."""
    if request.status not in (TimeOffStatus.APPROVED, TimeOffStatus.REFUSED):
        return []
    summary = request.prediction.message if request.prediction is not None else ""
    return [
        TimeOffDecided(
            request_id=request.id,
            agent_code=request.agent_code,
            site_code=request.site_code,
            status=request.status,
            start_utc=request.start_utc,
            end_utc=request.end_utc,
            decided_by=request.decided_by or "",
            reason=request.decision_reason,
            summary=summary,
        )
    ]


def announce(session: Session, request: TimeOffRequest) -> tuple[TimeOffDecided, ...]:
    """The decided request's events, each put in the notifications' outbox in this transaction
    (kind `request_decided`: the agent hears of the decision by their preferred channels)."""
    events = tuple(decided(request))
    for event in events:
        notifications.enqueue(
            session,
            kind="request_decided",
            site_code=event.site_code,
            agent_codes=[event.agent_code],
            payload={
                "request_kind": "time_off",
                "request_id": event.request_id,
                "decision": event.status.value,
                "reason": event.reason,
                "decided_by": event.decided_by,
                "start_utc": event.start_utc.isoformat(),
                "end_utc": event.end_utc.isoformat(),
                "summary": event.summary,
            },
        )
    return events


# --- balance -------------------------------------------------------------------------------


def balance_of(session: Session, agent_code: str, on: date) -> Balance:
    """The agent's balance on `on`: the opening balance (none stored: 0 h from the hire date;
    no hire date either: nothing accrues) plus the contract's accrual, less requests."""
    agent = AgentRepository(session).get(agent_code).agent
    repo = TimeOffRequestRepository(session)
    opening = repo.opening(agent_code)
    hours, as_of = opening if opening is not None else (0.0, agent.hire_date)
    accrual = Accrual(hours, as_of, agent.contract.leave_accrual_hours_per_week)
    return balance(accrual, repo.hours_by_status(agent_code), on)


def site_today(session: Session, agent_code: str, now_utc: datetime) -> date:
    agent = AgentRepository(session).get(agent_code).agent
    zone = ZoneInfo(SiteRepository(session).get(agent.site_code).timezone)
    return now_utc.astimezone(zone).date()


def set_opening_balance(
    session: Session, agent_code: str, opening_hours: float, as_of: date, now_utc: datetime
) -> Balance:
    """Store the agent's opening balance; the balance on the site's today."""
    TimeOffRequestRepository(session).set_opening(agent_code, opening_hours, as_of, now_utc)
    return balance_of(session, agent_code, site_today(session, agent_code, now_utc))


# --- the published roster --------------------------------------------------------------------


def published_weeks(
    session: Session, site_code: str, start_utc: datetime, end_utc: datetime, zone: ZoneInfo
) -> list[Schedule]:
    """The site's published schedules whose week overlaps [start, end), with their shifts."""
    days = local_days(start_utc, end_utc, zone)
    first, last = days[0], days[-1]
    repo = ScheduleRepository(session)
    found = []
    for item in repo.list(site_code):
        if item.status is not ScheduleStatus.PUBLISHED or item.id is None:
            continue
        if item.week_start <= last and item.week_start + timedelta(days=6) >= first:
            found.append(repo.get(item.id))
    return found


def _week_days(schedules: Sequence[Schedule]) -> set[date]:
    return {s.week_start + timedelta(days=d) for s in schedules for d in range(7)}


def without_span(
    shifts: Sequence[Shift], agent_code: str, start_utc: datetime, end_utc: datetime, zone: ZoneInfo
) -> tuple[Shift, ...]:
    """The shifts with the agent absent in [start, end): a shift inside it removed, one it
    overlaps at an end shortened (`schedule_edits.ShortenShift`), and a span strictly inside a
    shift made `other` work (neither serving nor selling: `schedule_edits.ChangeActivity`)."""
    out = tuple(shifts)
    for shift in shifts:
        if shift.agent_code != agent_code or shift.end_utc <= start_utc:
            continue
        if shift.start_utc >= end_utc:
            continue
        edit: ShiftEdit
        if start_utc <= shift.start_utc and end_utc >= shift.end_utc:
            out = tuple(s for s in out if s is not shift)
            continue
        if start_utc <= shift.start_utc:
            minutes = int((end_utc - shift.start_utc).total_seconds() // 60)
            edit = ShortenShift(agent_code, shift.shift_date, minutes, at="start")
        elif end_utc >= shift.end_utc:
            minutes = int((shift.end_utc - start_utc).total_seconds() // 60)
            edit = ShortenShift(agent_code, shift.shift_date, minutes, at="end")
        else:
            edit = ChangeActivity(agent_code, shift.shift_date, start_utc, end_utc, Activity.OTHER)
        out = apply_edit(out, edit, zone)
    return out


# --- prediction ----------------------------------------------------------------------------


def queue_days(problem: Problem, before: Sequence[Shift], after: Sequence[Shift]) -> list[QueueDay]:
    """Each queue and local day whose serving the change from `before` to `after` lowers:
    the day's contact-weighted service level and answer rate by the schedule evaluator on
    `after` (and on `before`), against the queue's targets."""
    old = evaluate(problem, roster_from_shifts(before))
    new = evaluate(problem, roster_from_shifts(after))
    days = np.array(
        [
            problem.interval_start_utc(i).astimezone(problem.zone).date()
            for i in range(len(new.interval_starts_utc))
        ],
        dtype=object,
    )
    out = []
    for was, now in zip(old.queues, new.queues, strict=True):
        if now.contacts is None:
            continue
        spec = next(q for q in problem.queues if q.code == now.code)
        model = spec.model(problem.horizon.interval_minutes)
        for day in sorted(set(days[now.serving != was.serving])):
            mask = days == day
            sl, ar = _day(now, mask), _day(now, mask, answer=True)
            met = model.targets_met(np.nan if sl is None else sl, ar)
            out.append(
                QueueDay(
                    queue_code=now.code,
                    day=day,
                    contacts=float(now.contacts[mask].sum()),
                    service_level=sl,
                    answer_rate=ar,
                    service_level_before=_day(was, mask),
                    answer_rate_before=_day(was, mask, answer=True),
                    service_level_target=model.service_level_target,
                    answer_rate_target=model.answer_rate_target,
                    service_level_met=None if sl is None else _flag(met.service_level),
                    answer_rate_met=None if ar is None else _flag(met.answer_rate),
                )
            )
    return out


def _day(report: QueueReport, mask: np.ndarray, *, answer: bool = False) -> float | None:
    values = report.answer_rate if answer else report.service_level
    if values is None or report.contacts is None:
        return None
    return weighted_mean(np.asarray(values)[mask], np.asarray(report.contacts)[mask])


def _flag(met: np.ndarray | None) -> bool | None:
    return None if met is None else bool(met)


def predict(
    session: Session,
    agent_code: str,
    start_utc: datetime,
    end_utc: datetime,
    weeks: Sequence[Schedule],
    zone: ZoneInfo,
) -> Prediction:
    """The prediction with the agent absent in [start, end) from the published weeks it
    touches: a verdict (`wfm.domain.time_off.Verdict`) and the affected queue days."""
    found: list[QueueDay] = []
    ids: list[int] = []
    for schedule in weeks:
        assert schedule.id is not None
        plan = schedule_problem(session, schedule)
        if plan.forecast_run_id is None:
            return Prediction(
                Verdict.NO_FORECAST,
                f"no forecast covers the published week of {schedule.week_start}, so nothing "
                "predicts the absence: a planner decides",
                (schedule.id,),
                (),
            )
        after = without_span(schedule.shifts, agent_code, start_utc, end_utc, zone)
        ids.append(schedule.id)
        if after != tuple(schedule.shifts):
            found += queue_days(plan.problem, schedule.shifts, after)
    verdict = judge(found, ids)
    missing = sorted(set(local_days(start_utc, end_utc, zone)) - _week_days(weeks))
    if missing:
        said = f"{missing[0]}" if len(missing) == 1 else f"{missing[0]} to {missing[-1]}"
        return Prediction(
            Verdict.NO_PUBLISHED_WEEK,
            f"no published roster covers {said}, so nothing predicts the absence there: a "
            "planner decides" + (f" ({verdict.message})" if weeks else ""),
            verdict.schedule_ids,
            verdict.queue_days,
        )
    return verdict


# --- the flows -----------------------------------------------------------------------------


def _rostered(weeks: Sequence[Schedule], agent_code: str) -> list[RosteredSpan]:
    return [
        RosteredSpan(
            shift.shift_date,
            shift.start_utc,
            shift.end_utc,
            tuple((b.start_utc, b.end_utc) for b in shift.breaks if b.kind == "lunch"),
        )
        for schedule in weeks
        for shift in schedule.shifts
        if shift.agent_code == agent_code
    ]


def request_time_off(
    session: Session,
    *,
    agent_code: str,
    start_utc: datetime,
    end_utc: datetime,
    reason: str,
    now_utc: datetime,
) -> Outcome:
    """The agent's request for [start, end): checked (`check_span`, no overlap with the agent's
    pending or approved requests or time off: ConflictError; within the balance available by
    its first day: ValidationError), stored, predicted from the published roster and, on
    target, approved at once; else pending for a planner. Nothing is stored when refused."""
    check_span(start_utc, end_utc)
    start_utc, end_utc = start_utc.astimezone(UTC), end_utc.astimezone(UTC)
    repo = TimeOffRequestRepository(session)
    repo.lock_agent(agent_code)
    agent = AgentRepository(session).get(agent_code).agent
    zone = ZoneInfo(SiteRepository(session).get(agent.site_code).timezone)
    clash = repo.overlapping(agent_code, start_utc, end_utc)
    if clash:
        raise ConflictError("start: the span overlaps " + "; ".join(clash[:5]))
    weeks = published_weeks(session, agent.site_code, start_utc, end_utc, zone)
    contract = agent.contract
    hours = request_hours(
        start_utc,
        end_utc,
        zone,
        contract_day_hours=contract.weekly_hours_max / max(1, contract.days_per_week_max),
        days_per_week=contract.days_per_week_max,
        published_days=_week_days(weeks),
        rostered=_rostered(weeks, agent_code),
    )
    require_within_balance(
        balance_of(session, agent_code, start_utc.astimezone(zone).date()), hours
    )
    request_id = repo.add(agent_code, start_utc, end_utc, reason, hours, now_utc)
    prediction = predict(session, agent_code, start_utc, end_utc, weeks, zone)
    repo.set_prediction(request_id, prediction)
    if prediction.verdict is Verdict.ON_TARGET:
        return _approve(session, request_id, AUTO, prediction.message, now_utc)
    return Outcome(repo.get(request_id))


def cancel(session: Session, agent_code: str, request_id: int, now_utc: datetime) -> Outcome:
    """The agent cancels their own pending request (NotFoundError for another's: it is never
    said to exist; ConflictError once decided)."""
    repo = TimeOffRequestRepository(session)
    repo.decide(
        request_id,
        TimeOffStatus.CANCELLED,
        decided_at_utc=now_utc,
        decided_by=agent_code,
        reason="cancelled by the agent",
        agent_code=agent_code,
    )
    return Outcome(repo.get(request_id))


def decide(
    session: Session,
    request_id: int,
    *,
    decision: str,
    reason: str | None,
    decided_by: str,
    now_utc: datetime,
) -> Outcome:
    """A planner approves or refuses a pending request (a refusal needs a reason;
    ConflictError when it is no longer pending)."""
    if decision not in DECISIONS:
        raise ValidationError(f"decision: must be one of {', '.join(DECISIONS)}")
    repo = TimeOffRequestRepository(session)
    if decision == "approve":
        return _approve(session, request_id, decided_by, reason, now_utc)
    if not (reason or "").strip():
        raise ValidationError("reason: say why the request is refused")
    repo.decide(
        request_id,
        TimeOffStatus.REFUSED,
        decided_at_utc=now_utc,
        decided_by=decided_by,
        reason=reason,
    )
    request = repo.get(request_id)
    return Outcome(request, announce(session, request))


def _approve(
    session: Session, request_id: int, decided_by: str, reason: str | None, now_utc: datetime
) -> Outcome:
    """Approve: the request becomes the agent's approved time off, and each published week it
    changes gets a new published version without the agent in the span."""
    repo = TimeOffRequestRepository(session)
    repo.decide(
        request_id,
        TimeOffStatus.APPROVED,
        decided_at_utc=now_utc,
        decided_by=decided_by,
        reason=reason,
    )
    request = repo.get(request_id)
    repo.add_approved_time_off(request)
    reflect_in_published(session, request, now_utc)
    return Outcome(request, announce(session, request))


def reflect_in_published(session: Session, request: TimeOffRequest, now_utc: datetime) -> list[int]:
    """Publish, for each published week whose shifts the approved request changes, a new
    version with the agent absent in its span (`without_span`), its summary the evaluation of
    the new roster; the ids of the schedules published."""
    zone = ZoneInfo(SiteRepository(session).get(request.site_code).timezone)
    repo = ScheduleRepository(session)
    published = []
    for schedule in published_weeks(
        session, request.site_code, request.start_utc, request.end_utc, zone
    ):
        shifts = without_span(
            schedule.shifts, request.agent_code, request.start_utc, request.end_utc, zone
        )
        if shifts == tuple(schedule.shifts):
            continue
        plan = schedule_problem(session, schedule)
        evaluation = evaluate_roster(
            plan.problem,
            roster_from_shifts(shifts),
            forecast_run_id=plan.forecast_run_id,
            shrinkage_source=plan.shrinkage_source,
            notes=plan.notes,
            callbacks=callbacks_due(session, plan.problem),
            currency=SiteRepository(session).get(schedule.site_code).currency,
        )
        summary = dict(summary_fields(evaluation)) | {
            "forecast_run_id": plan.forecast_run_id,
            "problem": plan.problem.name,
            "edited_from_schedule_id": schedule.id,
            "edited_from_version": schedule.version,
            "edit": f"time off of {request.agent_code} approved (request {request.id})",
        }
        draft = Schedule(
            site_code=schedule.site_code,
            week_start=schedule.week_start,
            version=repo.next_version(schedule.site_code, schedule.week_start),
            status=ScheduleStatus.DRAFT,
            created_at_utc=now_utc,
            shifts=shifts,
            summary=json_safe(summary),
            forecast_run_id=plan.forecast_run_id,
        )
        new_id = repo.add(draft)
        repo.publish(new_id, now_utc)
        published.append(new_id)
    return published
