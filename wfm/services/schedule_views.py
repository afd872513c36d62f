"""Views of a stored schedule: coverage per queue and interval against the requirement, and its
evaluation (`wfm.services.schedule_evaluation`: under/over staffing, predicted service, outbound
hours and value) on its roster problem rebuilt as it was built."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from scheduling.problem import Problem
from wfm.db.repositories import (
    ForecastRepository,
    QueueRepository,
    RequirementRepository,
    ScheduleRepository,
    SiteRepository,
)
from wfm.domain import Activity, Schedule, StaffingRequirement
from wfm.domain.errors import NotFoundError, ValidationError
from wfm.domain.grid import week_bounds_utc
from wfm.domain.notes import NO_FORECAST_FOR_WEEK, SHRINKAGE_NOT_STORED
from wfm.services.idle_time import callbacks_due
from wfm.services.schedule_evaluation import (
    SHRINKAGE_FROM_SCHEDULE,
    SHRINKAGE_FROM_SITE,
    CampaignEvaluation,
    IntervalTargets,
    ScheduleEvaluation,
    campaign_plan,
    evaluate_roster,
    interval_targets,
)
from wfm.services.scheduling import (
    build_problem,
    build_problem_without_forecast,
    roster_from_shifts,
)


@dataclass(frozen=True, slots=True)
class IntervalCoverage:
    interval_start_utc: datetime
    serving: dict[str, float]  # queue -> agents serving (time-weighted)
    selling: dict[str, float]  # campaign -> agents selling
    on_break: float  # agents on break or lunch
    on_shift: float  # agents on shift
    required: dict[str, int]  # queue -> required agents serving (empty without requirements)


def coverage(
    schedule: Schedule,
    start_utc: datetime,
    end_utc: datetime,
    interval_minutes: int,
    requirements: Sequence[StaffingRequirement] = (),
    queue_codes: Sequence[str] | None = None,
) -> list[IntervalCoverage]:
    """Agents per activity in each interval of [start, end) (time-weighted: an agent serving
    half an interval counts 0.5)."""
    step = timedelta(minutes=interval_minutes)
    count = max(0, math.ceil((end_utc - start_utc) / step))
    seconds = step.total_seconds()
    serving: list[dict[str, float]] = [defaultdict(float) for _ in range(count)]
    selling: list[dict[str, float]] = [defaultdict(float) for _ in range(count)]
    on_break = [0.0] * count
    on_shift = [0.0] * count

    def weights(start: datetime, end: datetime) -> Iterator[tuple[int, float]]:
        lo, hi = max(start, start_utc), min(end, end_utc)
        if hi <= lo:
            return
        i = int((lo - start_utc) // step)
        while i < count:
            cell_start = start_utc + i * step
            if cell_start >= hi:
                break
            overlap = (min(hi, cell_start + step) - max(lo, cell_start)).total_seconds()
            if overlap > 0:
                yield i, overlap / seconds
            i += 1

    for shift in schedule.shifts:
        for i, w in weights(shift.start_utc, shift.end_utc):
            on_shift[i] += w
        has_break_spans = False
        for span in shift.activities:
            if span.activity is Activity.SERVE and span.queue_code:
                for i, w in weights(span.start_utc, span.end_utc):
                    serving[i][span.queue_code] += w
            elif span.activity is Activity.SELL and span.campaign_code:
                for i, w in weights(span.start_utc, span.end_utc):
                    selling[i][span.campaign_code] += w
            elif span.activity in (Activity.BREAK, Activity.LUNCH):
                has_break_spans = True
                for i, w in weights(span.start_utc, span.end_utc):
                    on_break[i] += w
        if not has_break_spans:
            for brk in shift.breaks:
                for i, w in weights(brk.start_utc, brk.end_utc):
                    on_break[i] += w
    required: list[dict[str, int]] = [{} for _ in range(count)]
    for req in requirements:
        i = int((req.interval_start_utc - start_utc) // step)
        if 0 <= i < count and req.interval_start_utc >= start_utc:
            required[i][req.queue_code] = req.required_agents
    wanted = set(queue_codes) if queue_codes else None
    result = []
    for i in range(count):
        serve = {q: round(v, 6) for q, v in serving[i].items() if wanted is None or q in wanted}
        need = {q: v for q, v in required[i].items() if wanted is None or q in wanted}
        result.append(
            IntervalCoverage(
                interval_start_utc=start_utc + i * step,
                serving=serve,
                selling={c: round(v, 6) for c, v in selling[i].items()},
                on_break=round(on_break[i], 6),
                on_shift=round(on_shift[i], 6),
                required=need,
            )
        )
    return result


def _requirements_for(
    session: Session, schedule: Schedule, start_utc: datetime, end_utc: datetime
) -> tuple[int | None, list[StaffingRequirement]]:
    run_id = schedule.forecast_run_id
    if run_id is None:
        latest = ForecastRepository(session).latest_run(schedule.site_code)
        run_id = latest.id if latest is not None else None
    if run_id is None:
        return None, []
    return run_id, RequirementRepository(session).list(run_id, None, start_utc, end_utc)


def interval_view(
    session: Session,
    schedule_id: int,
    *,
    start_utc: datetime | None = None,
    end_utc: datetime | None = None,
    queue_code: str | None = None,
) -> tuple[Schedule, int, list[IntervalCoverage]]:
    """The schedule's coverage per interval of its week (or a part), with the requirement."""
    schedule = ScheduleRepository(session).get(schedule_id)
    site = SiteRepository(session).get(schedule.site_code)
    week_start_utc, week_end_utc = week_bounds_utc(schedule.week_start, ZoneInfo(site.timezone))
    start = max(start_utc or week_start_utc, week_start_utc)
    end = min(end_utc or week_end_utc, week_end_utc)
    if end <= start:
        raise ValidationError("the range does not overlap the schedule's week")
    if queue_code is not None:
        QueueRepository(session).id_of(queue_code)
    run_id, requirements = _requirements_for(session, schedule, start, end)
    minutes = 15
    if run_id is not None:
        minutes = ForecastRepository(session).run(run_id).interval_minutes
    # align the first interval to the interval grid
    offset = (start - week_start_utc) % timedelta(minutes=minutes)
    start -= offset
    cells = coverage(
        schedule,
        start,
        end,
        minutes,
        requirements,
        [queue_code] if queue_code else None,
    )
    return schedule, minutes, cells


def evaluate(session: Session, schedule_id: int) -> ScheduleEvaluation:
    """The schedule's evaluation (`schedule_evaluation.evaluate_roster`, as stored in its summary
    when built): its roster problem rebuilt as it was built, and its stored shifts."""
    schedule = ScheduleRepository(session).get(schedule_id)
    assert schedule.id is not None
    rebuilt = schedule_problem(session, schedule)
    return evaluate_roster(
        rebuilt.problem,
        roster_from_shifts(schedule.shifts),
        schedule_id=schedule.id,
        forecast_run_id=rebuilt.forecast_run_id,
        shrinkage_source=rebuilt.shrinkage_source,
        notes=rebuilt.notes,
        callbacks=callbacks_due(session, rebuilt.problem),
        currency=SiteRepository(session).get(schedule.site_code).currency,
    )


def outbound_plan(session: Session, schedule_id: int) -> dict[str, CampaignEvaluation]:
    """The schedule's outbound plan per campaign: the campaigns of its evaluation (`evaluate`),
    on its roster problem rebuilt as `evaluate` rebuilds it, so valued at the values of a
    selling hour the roster was built with (learned from the dialer attempts where they carry
    them, typed otherwise: `wfm.services.selling_value`)."""
    schedule = ScheduleRepository(session).get(schedule_id)
    rebuilt = schedule_problem(session, schedule)
    return campaign_plan(rebuilt.problem, roster_from_shifts(schedule.shifts))


def evaluate_intervals(
    session: Session, schedule_id: int, queue_code: str | None = None
) -> list[IntervalTargets]:
    """The schedule's evaluation per queue and interval (`schedule_evaluation.interval_targets`)
    on its roster problem rebuilt as `evaluate` rebuilds it; only `queue_code`'s when given."""
    schedule = ScheduleRepository(session).get(schedule_id)
    if queue_code is not None:
        QueueRepository(session).id_of(queue_code)
    rebuilt = schedule_problem(session, schedule)
    rows = interval_targets(rebuilt.problem, roster_from_shifts(schedule.shifts))
    return [r for r in rows if queue_code is None or r.queue_code == queue_code]


@dataclass(frozen=True, slots=True)
class SchedulePlan:
    """A stored schedule's roster problem, rebuilt, and how."""

    problem: Problem
    forecast_run_id: int | None
    shrinkage_source: str
    notes: tuple[str, ...]


def schedule_problem(session: Session, schedule: Schedule) -> SchedulePlan:
    """The roster problem a schedule was built from: its forecast run, week and shrinkage (the
    site's unplanned shrinkage for a schedule stored before its shrinkage was kept), with the
    site's queues,
    campaigns and agents as they are now (agents since deactivated kept for their shifts). A
    schedule of a week no forecast covers gets a problem without demand."""
    notes: list[str] = []
    stored = schedule.summary.get("shrinkage")
    shrinkage: float | None
    if isinstance(stored, int | float) and not isinstance(stored, bool):
        shrinkage, source = float(stored), SHRINKAGE_FROM_SCHEDULE
    else:
        shrinkage, source = None, SHRINKAGE_FROM_SITE
        site = SiteRepository(session).get(schedule.site_code)
        notes.append(SHRINKAGE_NOT_STORED(shrinkage=f"{site.unplanned_shrinkage:.0%}"))
    agents = {s.agent_code for s in schedule.shifts}
    run_id = schedule.forecast_run_id
    if run_id is None:
        run_id = covering_forecast(session, schedule.site_code, schedule.week_start)
    if run_id is None:
        notes.append(NO_FORECAST_FOR_WEEK())
        problem = build_problem_without_forecast(
            session,
            site_code=schedule.site_code,
            week_start=schedule.week_start,
            shrinkage=shrinkage,
            include_agents=agents,
        )
    else:
        problem, run_id = build_problem(
            session,
            site_code=schedule.site_code,
            week_start=schedule.week_start,
            forecast_run_id=run_id,
            shrinkage=shrinkage,
            include_agents=agents,
        )
    return SchedulePlan(problem, run_id, source, tuple(notes))


def covering_forecast(session: Session, site_code: str, week_start: date) -> int | None:
    """The id of the latest forecast run covering the whole week, if any."""
    site = SiteRepository(session).get(site_code)
    start_utc, end_utc = week_bounds_utc(week_start, ZoneInfo(site.timezone))
    for run in reversed(ForecastRepository(session).runs(site_code)):
        if run.horizon_start_utc <= start_utc and run.horizon_end_utc >= end_utc:
            return run.id
    return None


def require_forecast_for_week(session: Session, site_code: str, week_start: date) -> int:
    """The id of the latest forecast run covering the whole week, or ValidationError."""
    covering = covering_forecast(session, site_code, week_start)
    if covering is not None:
        return covering
    runs = ForecastRepository(session).runs(site_code)
    if not runs:
        raise ValidationError(
            f"week_start: site {site_code!r} has no forecast; POST /v1/forecasts first"
        )
    latest = runs[-1]
    raise ValidationError(
        f"week_start: no forecast of site {site_code!r} covers the week of {week_start} "
        f"(latest version {latest.version} covers {latest.horizon_start_utc:%Y-%m-%d} to "
        f"{latest.horizon_end_utc:%Y-%m-%d} UTC)"
    )


def agent_shifts(schedule: Schedule, agent_code: str) -> Schedule:
    """The schedule with only the agent's shifts."""
    from dataclasses import replace

    shifts = tuple(s for s in schedule.shifts if s.agent_code == agent_code)
    return replace(schedule, shifts=shifts)


def published_for_week(session: Session, site_code: str, week_start: date) -> Schedule:
    for item in reversed(ScheduleRepository(session).list(site_code, week_start)):
        if item.status.value == "published":
            assert item.id is not None
            return ScheduleRepository(session).get(item.id)
    raise NotFoundError(
        f"site {site_code!r} has no published schedule for the week of {week_start}"
    )
