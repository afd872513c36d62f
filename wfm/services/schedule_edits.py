"""Editing a stored schedule by hand: move a shift, shorten it, change an activity over a span of
it, or swap two agents' shifts of a day. An edit is applied to a copy of the schedule's shifts,
the copy is checked with the roster's evaluation (`scheduling.evaluate.evaluate`, the checker the
solver's result and every schedule evaluation go through) on the schedule's roster problem
rebuilt as it was built, and saved as a new draft of its week. The schedule edited is never
changed, published or not. An edit that breaks a hard rule the schedule did not already break
(for that agent or campaign) is refused with each such rule named, and nothing is stored."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from scheduling.evaluate import Violation, evaluate
from wfm.db.repositories import ScheduleRepository, SiteRepository
from wfm.domain import Activity, ActivitySpan, Schedule, ScheduleStatus, Shift, ShiftBreak
from wfm.domain.errors import ValidationError
from wfm.domain.jsonvalues import json_safe
from wfm.services import notifications
from wfm.services.idle_time import callbacks_due
from wfm.services.schedule_evaluation import evaluate_roster, summary_fields
from wfm.services.schedule_views import SchedulePlan, schedule_problem
from wfm.services.scheduling import last_weeks_of, roster_from_shifts

BREAK_KINDS = (Activity.BREAK, Activity.LUNCH)


@dataclass(frozen=True, slots=True)
class MoveShift:
    """Move the agent's shift of `shift_date` (its breaks and activities with it) by
    `offset_minutes` (earlier when negative)."""

    agent_code: str
    shift_date: date
    offset_minutes: int
    kind: Literal["move"] = "move"


@dataclass(frozen=True, slots=True)
class ShortenShift:
    """Take `minutes` off the agent's shift of `shift_date`, at its end or at its start."""

    agent_code: str
    shift_date: date
    minutes: int
    at: Literal["end", "start"] = "end"
    kind: Literal["shorten"] = "shorten"


@dataclass(frozen=True, slots=True)
class ChangeActivity:
    """Give [start_utc, end_utc) of the agent's shift of `shift_date` one activity (a queue to
    serve, a campaign to sell on, break, lunch or other work); the shift's breaks follow its
    break and lunch activities."""

    agent_code: str
    shift_date: date
    start_utc: datetime
    end_utc: datetime
    activity: Activity
    queue_code: str | None = None
    campaign_code: str | None = None
    kind: Literal["change_activity"] = "change_activity"


@dataclass(frozen=True, slots=True)
class SwapShifts:
    """Each of the two agents takes the other's shift of `shift_date` (either may have none)."""

    agent_code: str
    other_agent_code: str
    shift_date: date
    kind: Literal["swap"] = "swap"


@dataclass(frozen=True, slots=True)
class TransferShift:
    """The agent's shift of `shift_date` goes, as it is, to `to_agent_code` (a shift given away
    in a trade)."""

    agent_code: str
    shift_date: date
    to_agent_code: str
    kind: Literal["transfer"] = "transfer"


ShiftEdit = MoveShift | ShortenShift | ChangeActivity | SwapShifts | TransferShift


class RuleViolationError(ValidationError):
    """The edited roster breaks hard rules the schedule did not break: `violations` names each."""

    def __init__(self, violations: Sequence[Violation]) -> None:
        self.violations = tuple(violations)
        super().__init__(
            "the edit breaks "
            + "; ".join(str(v) for v in self.violations[:10])
            + (f" (and {len(self.violations) - 10} more)" if len(self.violations) > 10 else "")
        )


def describe(edit: ShiftEdit) -> str:
    """One line saying what the edit does, for the new draft's summary."""
    match edit:
        case MoveShift():
            return (
                f"moved {edit.agent_code}'s shift of {edit.shift_date} by "
                f"{edit.offset_minutes:+d} min"
            )
        case ShortenShift():
            return (
                f"shortened {edit.agent_code}'s shift of {edit.shift_date} by {edit.minutes} min "
                f"at its {edit.at}"
            )
        case ChangeActivity():
            target = edit.queue_code or edit.campaign_code
            what = f"{edit.activity.value}" + (f" {target}" if target else "")
            return (
                f"{edit.agent_code}'s shift of {edit.shift_date}: {what} from "
                f"{edit.start_utc.astimezone(UTC):%H:%M} to "
                f"{edit.end_utc.astimezone(UTC):%H:%M} UTC"
            )
        case SwapShifts():
            return (
                f"swapped the shifts of {edit.agent_code} and {edit.other_agent_code} on "
                f"{edit.shift_date}"
            )
        case TransferShift():
            return f"gave {edit.agent_code}'s shift of {edit.shift_date} to {edit.to_agent_code}"


def apply_edit(shifts: Sequence[Shift], edit: ShiftEdit, zone: ZoneInfo) -> tuple[Shift, ...]:
    """The shifts with the edit applied (a pure function: rules are checked elsewhere).
    ValidationError naming the field when the edit does not fit the shifts (no such shift, a
    span outside it, a shift shortened to nothing)."""
    if isinstance(edit, SwapShifts):
        return _swap(shifts, edit)
    index = _find(shifts, edit.agent_code, edit.shift_date)
    shift = shifts[index]
    if isinstance(edit, TransferShift):
        if edit.to_agent_code == edit.agent_code:
            raise ValidationError("to_agent_code: give another agent than agent_code")
        moved = (
            *shifts[:index],
            replace(shift, agent_code=edit.to_agent_code),
            *shifts[index + 1 :],
        )
        return tuple(sorted(moved, key=lambda s: (s.agent_code, s.start_utc)))
    match edit:
        case MoveShift():
            edited = _move(shift, edit, zone)
        case ShortenShift():
            edited = _shorten(shift, edit)
        case ChangeActivity():
            edited = _change(shift, edit)
    return (*shifts[:index], edited, *shifts[index + 1 :])


def _find(shifts: Sequence[Shift], agent_code: str, shift_date: date) -> int:
    for i, shift in enumerate(shifts):
        if shift.agent_code == agent_code and shift.shift_date == shift_date:
            return i
    raise ValidationError(f"shift_date: {agent_code} has no shift on {shift_date} in the schedule")


def _move(shift: Shift, edit: MoveShift, zone: ZoneInfo) -> Shift:
    if edit.offset_minutes == 0:
        raise ValidationError("offset_minutes: 0 does not move the shift")
    by = timedelta(minutes=edit.offset_minutes)
    start = shift.start_utc + by
    return Shift(
        agent_code=shift.agent_code,
        shift_date=start.astimezone(zone).date(),
        start_utc=start,
        end_utc=shift.end_utc + by,
        breaks=tuple(
            replace(b, start_utc=b.start_utc + by, end_utc=b.end_utc + by) for b in shift.breaks
        ),
        activities=tuple(
            replace(a, start_utc=a.start_utc + by, end_utc=a.end_utc + by) for a in shift.activities
        ),
    )


def _clip(shift: Shift, start: datetime, end: datetime) -> Shift:
    """The shift cut to [start, end): activities clipped, the breaks following them."""
    spans = tuple(
        replace(a, start_utc=max(a.start_utc, start), end_utc=min(a.end_utc, end))
        for a in shift.activities
        if a.end_utc > start and a.start_utc < end
    )
    breaks = tuple(b for b in shift.breaks if b.start_utc >= start and b.end_utc <= end)
    return replace(shift, start_utc=start, end_utc=end, activities=spans, breaks=breaks)


def _shorten(shift: Shift, edit: ShortenShift) -> Shift:
    length = (shift.end_utc - shift.start_utc).total_seconds() / 60.0
    if not 0 < edit.minutes < length:
        raise ValidationError(
            f"minutes: {edit.minutes} must be more than 0 and less than the shift's "
            f"{length:g} minutes"
        )
    cut = timedelta(minutes=edit.minutes)
    if edit.at == "end":
        return _clip(shift, shift.start_utc, shift.end_utc - cut)
    return _clip(shift, shift.start_utc + cut, shift.end_utc)


def _change(shift: Shift, edit: ChangeActivity) -> Shift:
    start, end = edit.start_utc.astimezone(UTC), edit.end_utc.astimezone(UTC)
    if end <= start:
        raise ValidationError("end_utc: must be after start_utc")
    if start < shift.start_utc or end > shift.end_utc:
        raise ValidationError(
            f"start_utc: the span {start:%Y-%m-%d %H:%M}-{end:%H:%M} UTC is not inside "
            f"{shift.agent_code}'s shift ({shift.start_utc:%Y-%m-%d %H:%M}-"
            f"{shift.end_utc:%H:%M} UTC)"
        )
    serve, sell = edit.activity is Activity.SERVE, edit.activity is Activity.SELL
    if serve != (edit.queue_code is not None):
        raise ValidationError("queue_code: give a queue exactly when the activity is serve")
    if sell != (edit.campaign_code is not None):
        raise ValidationError("campaign_code: give a campaign exactly when the activity is sell")
    spans: list[ActivitySpan] = []
    for a in sorted(shift.activities, key=lambda a: a.start_utc):
        if a.start_utc < start:
            spans.append(replace(a, end_utc=min(a.end_utc, start)))
        if a.end_utc > end:
            spans.append(replace(a, start_utc=max(a.start_utc, end)))
    spans.append(ActivitySpan(start, end, edit.activity, edit.queue_code, edit.campaign_code))
    spans.sort(key=lambda a: a.start_utc)
    return replace(shift, activities=tuple(_merged(spans)), breaks=_breaks_of(spans))


def _merged(spans: Sequence[ActivitySpan]) -> list[ActivitySpan]:
    """Adjacent spans of the same activity joined."""
    out: list[ActivitySpan] = []
    for span in spans:
        last = out[-1] if out else None
        if (
            last is not None
            and last.end_utc == span.start_utc
            and (last.activity, last.queue_code, last.campaign_code, last.authorised_change)
            == (span.activity, span.queue_code, span.campaign_code, span.authorised_change)
        ):
            out[-1] = replace(last, end_utc=span.end_utc)
        else:
            out.append(span)
    return out


def _breaks_of(spans: Sequence[ActivitySpan]) -> tuple[ShiftBreak, ...]:
    return tuple(
        ShiftBreak(a.start_utc, a.end_utc, a.activity.value)
        for a in _merged(spans)
        if a.activity in BREAK_KINDS
    )


def _swap(shifts: Sequence[Shift], edit: SwapShifts) -> tuple[Shift, ...]:
    a, b = edit.agent_code, edit.other_agent_code
    if a == b:
        raise ValidationError("other_agent_code: give another agent than agent_code")
    mine = [s for s in shifts if s.agent_code == a and s.shift_date == edit.shift_date]
    theirs = [s for s in shifts if s.agent_code == b and s.shift_date == edit.shift_date]
    if not mine and not theirs:
        raise ValidationError(f"shift_date: neither {a} nor {b} has a shift on {edit.shift_date}")
    swapped = []
    for shift in shifts:
        if shift.shift_date == edit.shift_date and shift.agent_code in (a, b):
            shift = replace(shift, agent_code=b if shift.agent_code == a else a)
        swapped.append(shift)
    return tuple(sorted(swapped, key=lambda s: (s.agent_code, s.start_utc)))


def _new_violations(
    before: Counter[tuple[str, str]], after: Sequence[Violation]
) -> list[Violation]:
    """The violations of `after` beyond those the schedule had: per rule and agent (or
    campaign), the ones past the schedule's count (a moved shift's old violation, reworded
    with its new times, is not new)."""
    seen: Counter[tuple[str, str]] = Counter()
    new = []
    for violation in after:
        key = (violation.rule, violation.subject)
        seen[key] += 1
        if seen[key] > before[key]:
            new.append(violation)
    return new


def _edit_names(edit: ShiftEdit) -> list[tuple[str, str]]:
    names = [("agent_code", edit.agent_code)]
    if isinstance(edit, SwapShifts):
        names.append(("other_agent_code", edit.other_agent_code))
    if isinstance(edit, TransferShift):
        names.append(("to_agent_code", edit.to_agent_code))
    return names


@dataclass(frozen=True, slots=True)
class CheckedEdit:
    """A schedule's shifts with edits applied and checked: the plan it is checked on."""

    schedule: Schedule
    plan: SchedulePlan
    shifts: tuple[Shift, ...]


def check_edits(session: Session, schedule: Schedule, edits: Sequence[ShiftEdit]) -> CheckedEdit:
    """Apply `edits` in turn to a copy of the schedule's shifts and check the copy on the
    schedule's roster problem (`schedule_views.schedule_problem`): hard rules broken by the copy
    and not by the schedule raise `RuleViolationError`. Agents named by the edits must have the
    schedule's site's roster problem. Nothing is stored."""
    plan = schedule_problem(session, schedule)
    problem = plan.problem
    known = {agent.code for agent in problem.agents}
    for edit in edits:
        for field, code in _edit_names(edit):
            if code not in known:
                raise ValidationError(f"{field}: no agent {code!r} at site {schedule.site_code!r}")
    shifts = tuple(schedule.shifts)
    for edit in edits:
        shifts = apply_edit(shifts, edit, problem.zone)
    before = Counter(
        (v.rule, v.subject)
        for v in evaluate(problem, roster_from_shifts(schedule.shifts)).violations
    )
    checked = evaluate(problem, roster_from_shifts(shifts))
    new = _new_violations(before, checked.violations)
    if new:
        raise RuleViolationError(new)
    return CheckedEdit(schedule, plan, shifts)


def check_following_week(
    session: Session,
    following: Schedule,
    following_shifts: Sequence[Shift],
    week_before_shifts: Sequence[Shift],
) -> None:
    """Check the week after an edited week across their boundary: its shifts (edited, or as
    stored) on its roster problem with each agent's last week taken from the edited week
    before (`week_before_shifts`), so rest and consecutive days that run over the boundary
    count. Rules broken that `following` did not already break raise `RuleViolationError`."""
    problem = schedule_problem(session, following).problem
    before = Counter(
        (v.rule, v.subject)
        for v in evaluate(problem, roster_from_shifts(following.shifts)).violations
    )
    last = last_weeks_of(week_before_shifts, following.week_start)
    carried = replace(
        problem, agents=tuple(replace(a, last_week=last.get(a.code)) for a in problem.agents)
    )
    after = evaluate(carried, roster_from_shifts(following_shifts))
    new = _new_violations(before, after.violations)
    if new:
        raise RuleViolationError(new)


def store_draft(
    session: Session,
    checked: CheckedEdit,
    description: str,
    *,
    now_utc: datetime | None = None,
) -> Schedule:
    """Store the checked shifts as their week's next draft version (the summary keeps its
    evaluation, the schedule it came from and `description`)."""
    schedule, plan = checked.schedule, checked.plan
    problem = plan.problem
    evaluation = evaluate_roster(
        problem,
        roster_from_shifts(checked.shifts),
        forecast_run_id=plan.forecast_run_id,
        shrinkage_source=plan.shrinkage_source,
        notes=plan.notes,
        callbacks=callbacks_due(session, problem),
        currency=SiteRepository(session).get(problem.site_code).currency,
    )
    summary = dict(summary_fields(evaluation))
    summary.update(
        {
            "forecast_run_id": plan.forecast_run_id,
            "problem": problem.name,
            "edited_from_schedule_id": schedule.id,
            "edited_from_version": schedule.version,
            "edit": description,
        }
    )
    repo = ScheduleRepository(session)
    draft = Schedule(
        site_code=schedule.site_code,
        week_start=schedule.week_start,
        version=repo.next_version(schedule.site_code, schedule.week_start),
        status=ScheduleStatus.DRAFT,
        created_at_utc=now_utc or datetime.now(UTC),
        shifts=checked.shifts,
        summary=json_safe(summary),
        forecast_run_id=plan.forecast_run_id,
    )
    return repo.get(repo.add(draft))


def edit_schedule(
    session: Session, schedule_id: int, edit: ShiftEdit, *, now_utc: datetime | None = None
) -> Schedule:
    """Apply `edit` to a copy of the schedule's shifts and store it as the week's next draft
    version (`check_edits`, then `store_draft`): hard rules broken by the copy and not by the
    schedule raise `RuleViolationError` and nothing is stored. The agents the edit names hear of
    it (a `shift_changed` notification, in the same transaction)."""
    schedule = ScheduleRepository(session).get(schedule_id)
    checked = check_edits(session, schedule, [edit])
    stored = store_draft(session, checked, describe(edit), now_utc=now_utc)
    agents = [edit.agent_code]
    if isinstance(edit, SwapShifts):
        agents.append(edit.other_agent_code)
    elif isinstance(edit, TransferShift):
        agents.append(edit.to_agent_code)
    notifications.shift_changed(
        session,
        stored,
        edited_from_schedule_id=schedule_id,
        agent_codes=agents,
        shift_date=edit.shift_date.isoformat(),
        edit=describe(edit),
    )
    return stored
