"""Views of a stored schedule: coverage per queue and interval against the requirement, and an
evaluation (under/over staffing, predicted service, outbound hours and value)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy.orm import Session

from wfm.db.repositories import (
    CampaignRepository,
    ForecastRepository,
    QueueRepository,
    RequirementRepository,
    ScheduleRepository,
    SiteRepository,
)
from wfm.domain import Activity, Queue, Schedule, StaffingRequirement
from wfm.domain.errors import NotFoundError, ValidationError
from wfm.domain.kpi import outbound_value


@dataclass(frozen=True, slots=True)
class IntervalCoverage:
    interval_start_utc: datetime
    serving: dict[str, float]  # queue -> agents serving (time-weighted)
    selling: dict[str, float]  # campaign -> agents selling
    on_break: float  # agents on break or lunch
    on_shift: float  # agents on shift
    required: dict[str, int]  # queue -> required agents serving (empty without requirements)


@dataclass(frozen=True, slots=True)
class QueueEvaluation:
    queue_code: str
    intervals: int
    required_agent_hours: float
    serving_agent_hours: float
    intervals_under: int
    intervals_over: int
    shortfall_agent_hours: float
    predicted_service_level: float | None  # contact-weighted over the week
    predicted_answer_rate: float | None


@dataclass(frozen=True, slots=True)
class ScheduleEvaluation:
    schedule_id: int
    forecast_run_id: int | None
    shifts: int
    agents: int
    paid_hours: float
    serve_hours: float
    sell_hours: float
    break_hours: float
    outbound_value: float
    queues: tuple[QueueEvaluation, ...]
    campaigns: dict[str, dict[str, float]] = field(default_factory=dict)


def week_bounds(site_timezone: str, week_start: date) -> tuple[datetime, datetime]:
    zone = ZoneInfo(site_timezone)
    start = datetime.combine(week_start, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(week_start + timedelta(days=7), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


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
    week_start_utc, week_end_utc = week_bounds(site.timezone, schedule.week_start)
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
    """Coverage against the requirement per queue, predicted service at the scheduled staffing
    (Erlang A where the queue has a patience, else Erlang C), and outbound hours and value."""
    import erlang

    schedule, minutes, cells = interval_view(session, schedule_id)
    assert schedule.id is not None
    site = SiteRepository(session).get(schedule.site_code)
    start_utc, end_utc = week_bounds(site.timezone, schedule.week_start)
    run_id, requirements = _requirements_for(session, schedule, start_utc, end_utc)
    queues: dict[str, Queue] = {q.code: q for q in QueueRepository(session).list(site.code)}
    hours_per_cell = minutes / 60.0
    by_queue: dict[str, list[tuple[StaffingRequirement, float]]] = defaultdict(list)
    cell_of = {c.interval_start_utc: c for c in cells}
    for req in requirements:
        cell = cell_of.get(req.interval_start_utc)
        serving = cell.serving.get(req.queue_code, 0.0) if cell else 0.0
        by_queue[req.queue_code].append((req, serving))
    evaluations = []
    for code in sorted(set(by_queue) | {q for c in cells for q in c.serving}):
        pairs = by_queue.get(code, [])
        serving_hours = sum(c.serving.get(code, 0.0) for c in cells) * hours_per_cell
        required_hours = sum(r.required_agents for r, _ in pairs) * hours_per_cell
        under = sum(1 for r, s in pairs if s + 1e-9 < r.required_agents)
        over = sum(1 for r, s in pairs if s > r.required_agents + 1e-9)
        shortfall = sum(max(0.0, r.required_agents - s) for r, s in pairs) * hours_per_cell
        sl = answer = None
        queue = queues.get(code)
        busy = [(r, s) for r, s in pairs if r.contacts > 0]
        if queue is not None and busy:
            calls = np.array([r.contacts for r, _ in busy])
            aht = np.array([max(r.aht_seconds, 1.0) for r, _ in busy])
            agents = np.array([s for _, s in busy])
            concurrency = max(1, queue.chat_concurrency)
            if queue.mean_patience_seconds:
                a = erlang.erlang_a(
                    calls,
                    minutes * 60.0,
                    aht,
                    agents,
                    queue.mean_patience_seconds,
                    queue.service_threshold_seconds,
                    concurrency=concurrency,
                )
                sl_values, answer_values = a.service_level, a.answer_rate
                answer = float(np.sum(answer_values * calls) / np.sum(calls))
            else:
                c = erlang.erlang_c(
                    calls,
                    minutes * 60.0,
                    aht,
                    agents,
                    queue.service_threshold_seconds,
                    concurrency=concurrency,
                )
                sl_values = c.service_level
            sl = float(np.sum(sl_values * calls) / np.sum(calls))
        evaluations.append(
            QueueEvaluation(
                queue_code=code,
                intervals=len(pairs),
                required_agent_hours=required_hours,
                serving_agent_hours=serving_hours,
                intervals_under=under,
                intervals_over=over,
                shortfall_agent_hours=shortfall,
                predicted_service_level=sl,
                predicted_answer_rate=answer,
            )
        )
    campaigns = {c.code: c for c in CampaignRepository(session).list(site.code)}
    sell_spans: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    serve = sell = breaks = paid = 0.0
    for shift in schedule.shifts:
        paid += (shift.end_utc - shift.start_utc).total_seconds() / 3600.0
        for span in shift.activities:
            hours = (span.end_utc - span.start_utc).total_seconds() / 3600.0
            if span.activity is Activity.SERVE:
                serve += hours
            elif span.activity is Activity.SELL:
                sell += hours
                if span.campaign_code:
                    sell_spans[span.campaign_code].append((span.start_utc, span.end_utc))
            elif span.activity in (Activity.BREAK, Activity.LUNCH):
                breaks += hours
    campaign_figures: dict[str, dict[str, float]] = {}
    total_value = 0.0
    for code, spans in sorted(sell_spans.items()):
        if code not in campaigns:
            continue
        campaign = campaigns[code]
        figures = outbound_value(
            spans, campaign.value_per_productive_hour_by_hour, campaign.efficiency, site.timezone
        )
        campaign_figures[code] = {
            "sell_hours": figures.sell_hours,
            "productive_hours": figures.productive_hours,
            "value": figures.value,
        }
        total_value += figures.value
    return ScheduleEvaluation(
        schedule_id=schedule.id,
        forecast_run_id=run_id,
        shifts=len(schedule.shifts),
        agents=len({s.agent_code for s in schedule.shifts}),
        paid_hours=paid,
        serve_hours=serve,
        sell_hours=sell,
        break_hours=breaks,
        outbound_value=total_value,
        queues=tuple(evaluations),
        campaigns=campaign_figures,
    )


def require_forecast_for_week(session: Session, site_code: str, week_start: date) -> int:
    """The id of the latest forecast run covering the whole week, or ValidationError."""
    site = SiteRepository(session).get(site_code)
    start_utc, end_utc = week_bounds(site.timezone, week_start)
    runs = ForecastRepository(session).runs(site_code)
    for run in reversed(runs):
        if run.horizon_start_utc <= start_utc and run.horizon_end_utc >= end_utc:
            assert run.id is not None
            return run.id
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
