"""Capacity plans on the database: a plan's inputs are checked and stored, then the plan is
computed (in the worker, or in-process by `wfm capacity-plan`) from the site's own data:

- each queue's daily totals (local days of the site) fitted by the long-horizon model
  (`forecasting.capacity`: level, trend, weekday factors and the site's holidays, its
  country's with its own calendar's days over them) and forecast day by day over the horizon;
  the month's mean day of each weekday goes to the plan;
- each queue's interval profile per weekday and mean handle time, from its last
  `PROFILE_WEEKS` weeks of history (handle time is held flat over the horizon);
- the queue model of each queue (`QueueModel.of_queue`) and the site's unplanned shrinkage;
- the rostering efficiency of the site's latest stored rosters (`rostering_efficiency`);
- today's active agents (FTE: contract weekly hours max over the full-time week) and their wages
  from the site's latest roster rules (`labour_cost`), unless an hourly cost is given.

Only the plan's own row is written: no forecast, requirement or roster."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from forecasting.capacity import (
    fit_daily_volume,
    fit_handle_time,
    monthly_handle_time,
    predict_daily,
)
from wfm.db.repositories import (
    AgentRepository,
    CapacityPlanRecord,
    CapacityPlanRepository,
    HistoryRepository,
    JobRepository,
    QueueRepository,
    ScheduleRepository,
    SiteRepository,
)
from wfm.domain import Job, Site
from wfm.domain.capacity_plan import (
    DEFAULT_FULL_TIME_WEEKLY_HOURS,
    DEFAULT_ROSTERING_EFFICIENCY,
    MAX_MONTHS,
    CapacityPlan,
    CapacityPlanError,
    PlanSettings,
    QueueDemand,
    Staff,
    build_plan,
    compare_months,
    month_start,
    settings_problems,
)
from wfm.domain.errors import ConflictError
from wfm.domain.jsonvalues import json_safe
from wfm.domain.notes import HISTORY_INTO_PLAN, NO_HANDLE_TIME, NO_TREND, OF_QUEUE, QUEUE_LEFT_OUT
from wfm.domain.queue_model import QueueModel
from wfm.domain.site_rules import DEFAULT_SITE_RULES, settings_in_use
from wfm.services.holidays import calendar_options
from wfm.services.jobs import enqueue
from wfm.services.site_rules import contract_code, latest_or_for_week

Progress = Callable[[float, str], None]

# below this much history the forecast has no trend (level, weekdays and holidays only): a
# growth fitted on a few weeks, carried 18 months ahead, is noise multiplied
MIN_TREND_DAYS = 182
PROFILE_WEEKS = 8  # weeks of history the interval profile and handle time come from
EFFICIENCY_WEEKS = 8  # latest rostered weeks the rostering efficiency comes from
DEFAULT_MONTHS = 12
MAX_START_AHEAD = 24  # months after the history's end a plan may start

# the knobs a request may set, with their defaults (None: from the site's data)
KNOBS: dict[str, float | None] = {
    "monthly_attrition": 0.02,
    "volume_growth_per_year": 0.0,
    "answer_rate_target": None,
    "recruiting_lead_weeks": 6.0,
    "training_weeks": 4.0,
    "nesting_weeks": 2.0,
    "nesting_productivity": 0.5,
    "hire_fte": 1.0,
    "hourly_cost": None,
    "hire_hourly_cost": None,
    "full_time_weekly_hours": None,
    "rostering_efficiency": None,
}


@dataclass(frozen=True, slots=True)
class PlanRequest:
    """A checked request: the site, the months, the first month (None: the month after the
    history) and the knobs that were given."""

    site_code: str
    months: int
    start_month: date | None
    knobs: Mapping[str, float]

    def to_document(self) -> dict[str, Any]:
        return {
            "site": self.site_code,
            "months": self.months,
            "start_month": None if self.start_month is None else self.start_month.isoformat(),
            **dict(self.knobs),
        }


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def parse_request(session: Session, doc: Any) -> PlanRequest:
    """The request of a document (the body of POST /v1/capacity-plans); CapacityPlanError
    naming each field that is wrong, the site included."""
    if not isinstance(doc, Mapping):
        raise CapacityPlanError([("body", "must be an object")])
    problems: list[tuple[str, str]] = []
    unknown = sorted(set(doc) - {"site", "months", "start_month", *KNOBS})
    problems += [(name, "unknown field") for name in unknown]
    site = doc.get("site")
    history_until: date | None = None
    if not isinstance(site, str) or not site:
        problems.append(("site", "a site code is required"))
    elif site not in {s.code for s in SiteRepository(session).list()}:
        problems.append(("site", f"no site {site!r}"))
    else:
        history_until = _history_until(session, site)
        if history_until is None:
            problems.append(("site", f"site {site!r} has no history to forecast"))
    months = doc.get("months", DEFAULT_MONTHS)
    if not isinstance(months, int) or isinstance(months, bool) or not 1 <= months <= MAX_MONTHS:
        problems.append(("months", f"must be a whole number from 1 to {MAX_MONTHS}"))
    start: date | None = None
    raw_start = doc.get("start_month")
    if raw_start is not None:
        try:
            start = date.fromisoformat(str(raw_start))
        except ValueError:
            problems.append(("start_month", "must be a date YYYY-MM-01"))
        else:
            if start.day != 1:
                problems.append(("start_month", "must be a month's first day"))
            elif history_until is not None and start > month_start(history_until, MAX_START_AHEAD):
                problems.append(
                    (
                        "start_month",
                        f"must be within {MAX_START_AHEAD} months of the history's end "
                        f"({history_until})",
                    )
                )
    knobs: dict[str, float] = {}
    for name in KNOBS:
        value = doc.get(name)
        if value is None:
            continue
        if not _number(value):
            problems.append((name, "must be a number"))
            continue
        knobs[name] = float(value)
    if knobs.get("hourly_cost", 0.0) < 0 or knobs.get("hourly_cost", 0.0) > 1e6:
        problems.append(("hourly_cost", "must be in [0, 1e6]"))
    settings = _settings(knobs, unplanned_shrinkage=0.0, full_time=40.0, efficiency=0.85)
    problems += [(n, why) for n, why in settings_problems(settings) if n in knobs]
    if problems:
        raise CapacityPlanError(problems)
    assert isinstance(site, str) and isinstance(months, int)
    return PlanRequest(site, months, start, knobs)


def _history_until(session: Session, site_code: str) -> date | None:
    """The last day (UTC) of the site's queues' history; None without any."""
    codes = {q.code for q in QueueRepository(session).list(site_code)}
    ends = [
        s.last_interval_utc for s in HistoryRepository(session).spans() if s.queue_code in codes
    ]
    return max(ends).date() if ends else None


def _settings(
    knobs: Mapping[str, float], *, unplanned_shrinkage: float, full_time: float, efficiency: float
) -> PlanSettings:
    given = {f.name for f in fields(PlanSettings)}
    values: dict[str, Any] = {
        name: knobs.get(name, default)
        for name, default in KNOBS.items()
        if name in given and default is not None
    }
    values["answer_rate_target"] = knobs.get("answer_rate_target")
    values["hire_hourly_cost"] = knobs.get("hire_hourly_cost")
    values["full_time_weekly_hours"] = knobs.get("full_time_weekly_hours", full_time)
    values["rostering_efficiency"] = knobs.get("rostering_efficiency", efficiency)
    return PlanSettings(unplanned_shrinkage=unplanned_shrinkage, **values)


def create_capacity_plan(
    session: Session, doc: Any, *, queue_job: bool = True
) -> tuple[int, Job | None]:
    """Check and store a plan's request and (by default) queue the job that computes it."""
    request = parse_request(session, doc)
    repo = CapacityPlanRepository(session)
    plan_id = repo.add(request.site_code, request.to_document())
    if not queue_job:
        return plan_id, None
    job = enqueue(
        session,
        "capacity_plan",
        {"capacity_plan_id": plan_id},
        message=f"queued: capacity plan of {request.site_code} ({request.months} months)",
    )
    repo.set_job(plan_id, job.id)
    return plan_id, job


@dataclass(frozen=True, slots=True)
class QueueHistory:
    """A queue's history, read for the plan."""

    code: str
    interval_minutes: int
    daily: pd.Series  # offered per local day, every day from the first to the last
    profile: tuple[tuple[float, ...], ...]
    aht_seconds: float  # the last PROFILE_WEEKS weeks' mean
    handle_seconds: pd.Series  # per local day, as `daily`: seconds spent handling
    handled: pd.Series  # per local day, as `daily`: contacts handled


def queue_histories(session: Session, site_code: str, zone: ZoneInfo) -> list[QueueHistory]:
    """Each queue of the site with history: daily totals, interval profile and handle time."""
    codes = [q.code for q in QueueRepository(session).list(site_code)]
    by_queue: dict[str, list[tuple[datetime, int, int, int, float]]] = defaultdict(list)
    for code, start, minutes, offered, answered, handle in HistoryRepository(session).series(codes):
        by_queue[code].append((start.astimezone(zone), minutes, offered, answered, handle))
    out = []
    for code in codes:
        rows = by_queue.get(code)
        if not rows:
            continue
        minutes = int(pd.Series([r[1] for r in rows]).mode().iloc[0])
        daily: dict[date, float] = defaultdict(float)
        day_handled: dict[date, float] = defaultdict(float)
        day_seconds: dict[date, float] = defaultdict(float)
        for local, _, offered, answered, handle in rows:
            daily[local.date()] += offered
            day_handled[local.date()] += answered
            day_seconds[local.date()] += handle
        first, last = min(daily), max(daily)
        days = [first + timedelta(days=k) for k in range((last - first).days + 1)]
        series = pd.Series([daily.get(d, 0.0) for d in days], index=days, dtype=float)
        seconds = pd.Series([day_seconds.get(d, 0.0) for d in days], index=days, dtype=float)
        handled_daily = pd.Series([day_handled.get(d, 0.0) for d in days], index=days, dtype=float)
        recent_from = last - timedelta(days=7 * PROFILE_WEEKS - 1)
        slots = 1440 // minutes
        counts = np.zeros((7, slots))
        handled = handle_seconds = 0.0
        for local, _, offered, answered, handle in rows:
            if local.date() < recent_from:
                continue
            slot = (local.hour * 60 + local.minute) // minutes
            counts[local.weekday(), min(slot, slots - 1)] += offered
            handled += answered
            handle_seconds += handle
        totals = counts.sum(axis=1, keepdims=True)
        shares = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
        profile = tuple(tuple(float(v) for v in day) for day in shares)
        aht = handle_seconds / handled if handled > 0 else 0.0
        out.append(QueueHistory(code, minutes, series, profile, aht, seconds, handled_daily))
    return out


def rostering_efficiency(session: Session, site_code: str) -> tuple[float | None, int]:
    """The share of paid hours that covered the requirement in the site's latest stored rosters
    (the latest version of each of the last `EFFICIENCY_WEEKS` weeks): per queue, the required
    rostered heads' hours less the hours left under-covered (the roster's own evaluation, stored
    with it), summed, over the shifts' hours less their lunches (unpaid). What is lost is breaks,
    shift shapes that can't follow the curve, and hours spent on other work (selling). None when
    no roster has both; at most 1."""
    schedules = ScheduleRepository(session)
    latest: dict[date, Any] = {}
    for schedule in schedules.list(site_code):
        latest[schedule.week_start] = schedule
    covered = paid = 0.0
    weeks = 0
    for week in sorted(latest)[-EFFICIENCY_WEEKS:]:
        queues = latest[week].summary.get("queues")
        if not isinstance(queues, dict):
            continue
        week_covered = sum(
            max(
                0.0,
                float(q.get("required_agent_hours") or 0.0)
                - float(q.get("under_coverage_agent_hours") or 0.0),
            )
            for q in queues.values()
            if isinstance(q, dict)
        )
        shifts = schedules.get(latest[week].id).shifts
        week_paid = sum(
            (s.end_utc - s.start_utc).total_seconds() / 3600.0
            - sum(
                (b.end_utc - b.start_utc).total_seconds() / 3600.0
                for b in s.breaks
                if b.kind == "lunch"
            )
            for s in shifts
        )
        if week_covered > 0 and week_paid > 0:
            covered += week_covered
            paid += week_paid
            weeks += 1
    if paid <= 0:
        return None, 0
    return min(1.0, covered / paid), weeks


def _monthly_aht(
    history: QueueHistory,
    trend: bool,
    daily: pd.Series,
    start: date,
    months: int,
    warnings: list[str],
) -> tuple[tuple[float, ...], float | None]:
    """Each month's handle time (`forecasting.capacity.fit_handle_time`, with a trend when the
    volume has one) and its growth a year; flat at the last weeks' mean when the days with
    handled contacts are too few to fit (growth None)."""
    try:
        model = fit_handle_time(history.handle_seconds, history.handled, trend=trend)
    except ValueError:
        return (history.aht_seconds,) * months, None
    warnings += [OF_QUEUE(queue=history.code, note=w) for w in model.warnings]
    return monthly_handle_time(model, daily, start, months), model.growth_per_year


def _monthly_weekday_means(
    days: pd.Series, start: date, months: int
) -> tuple[tuple[float, ...], ...]:
    """Per month, the mean forecast of each weekday's days."""
    out = []
    for k in range(months):
        first, after = month_start(start, k), month_start(start, k + 1)
        sums, counts = [0.0] * 7, [0] * 7
        for day, value in days.items():
            assert isinstance(day, date)
            if first <= day < after:
                sums[day.weekday()] += float(value)
                counts[day.weekday()] += 1
        out.append(tuple(s / c if c else 0.0 for s, c in zip(sums, counts, strict=True)))
    return tuple(out)


def _demands(
    session: Session,
    site: Site,
    histories: list[QueueHistory],
    holidays: Mapping[date, str],
    start: date,
    end: date,
    months: int,
    tell: Progress,
) -> tuple[list[QueueDemand], list[dict[str, Any]], list[str]]:
    """Each queue's demand over the horizon, what its fit found, and warnings."""
    queues = {q.code: q for q in QueueRepository(session).list(site.code)}
    demands: list[QueueDemand] = []
    forecasts: list[dict[str, Any]] = []
    warnings: list[str] = []
    for index, history in enumerate(histories):
        tell(0.1 + 0.5 * index / len(histories), f"forecasting {history.code}")
        try:
            trend = len(history.daily) >= MIN_TREND_DAYS
            model = fit_daily_volume(history.daily, holidays, trend=trend)
        except ValueError as exc:
            warnings.append(QUEUE_LEFT_OUT(queue=history.code, reason=exc))
            continue
        if history.aht_seconds <= 0:
            warnings.append(NO_HANDLE_TIME(queue=history.code, weeks=PROFILE_WEEKS))
        if not trend:
            warnings.append(
                NO_TREND(queue=history.code, days=len(history.daily), least=MIN_TREND_DAYS)
            )
        if start < model.origin:
            warnings.append(HISTORY_INTO_PLAN(queue=history.code, day=model.origin))
        daily = predict_daily(model, max(start, model.origin), end)
        warnings += [OF_QUEUE(queue=history.code, note=w) for w in model.warnings]
        aht, aht_growth = _monthly_aht(history, trend, daily, start, months, warnings)
        forecasts.append(
            {
                "queue": history.code,
                "history_days": len(history.daily),
                "trend": trend,
                "growth_per_year": model.growth_per_year,
                "weekday_factor": list(model.weekday_factor),
                "holiday_factor": model.holiday_factor,
                "aht_seconds": history.aht_seconds,
                "aht_growth_per_year": aht_growth,
            }
        )
        demands.append(
            QueueDemand(
                model=QueueModel.of_queue(queues[history.code], site, history.interval_minutes),
                profile=history.profile,
                contacts_by_weekday=_monthly_weekday_means(daily, start, months),
                aht_seconds=aht,
            )
        )
    if not demands:
        raise CapacityPlanError(
            [("site", "no queue of the site has enough history: " + "; ".join(warnings))]
        )
    return demands, forecasts, warnings


def run_capacity_plan(
    session: Session, plan_id: int, *, progress: Progress | None = None
) -> dict[str, Any]:
    """Compute the stored plan from the site's data and store it; returns it."""

    def tell(fraction: float, message: str) -> None:
        if progress is not None:
            progress(fraction, message)

    repo = CapacityPlanRepository(session)
    record = repo.get(plan_id)
    request = parse_request(session, record.inputs)
    site = SiteRepository(session).get(request.site_code)
    zone = ZoneInfo(site.timezone)
    tell(0.05, f"reading the history of {site.code}")
    histories = queue_histories(session, site.code, zone)
    if not histories:
        raise CapacityPlanError([("site", f"site {site.code!r} has no history to forecast")])
    last_day = max(h.daily.index[-1] for h in histories)
    start = request.start_month or month_start(last_day, 1)
    end = month_start(start, request.months) - timedelta(days=1)
    years = range(min(h.daily.index[0] for h in histories).year, end.year + 1)
    holidays = calendar_options(session, site).holidays(years)
    demands, forecasts, warnings = _demands(
        session, site, histories, holidays, start, end, request.months, tell
    )
    tell(0.65, "reading agents, wages and rosters")
    agents = AgentRepository(session).list(site.code)
    full_time = max(
        (a.contract.weekly_hours_max for a in agents), default=DEFAULT_FULL_TIME_WEEKLY_HOURS
    )
    knobs = request.knobs
    efficiency, weeks = rostering_efficiency(session, site.code)
    latest = latest_or_for_week(session, site.code, None)
    rules = DEFAULT_SITE_RULES if latest is None else latest.rules
    settings = _settings(
        knobs,
        unplanned_shrinkage=rules.unplanned_shrinkage_for(site),
        full_time=full_time,
        efficiency=efficiency if efficiency is not None else DEFAULT_ROSTERING_EFFICIENCY,
    )
    staff, wage_source = _staff(session, site.code, agents, settings, knobs.get("hourly_cost"))
    tell(0.7, "staffing the months")
    plan = build_plan(start, demands, staff, settings)
    result = plan_document(plan, staff)
    result.update(
        {
            "currency": site.currency,
            "sources": {
                "rostering_efficiency": "given"
                if "rostering_efficiency" in knobs
                else ("rosters" if efficiency is not None else "default"),
                "rostered_weeks": weeks,
                "unplanned_shrinkage": settings_in_use(rules, site)["unplanned_shrinkage_source"],
                "hourly_cost": wage_source,
                "full_time_weekly_hours": "given"
                if "full_time_weekly_hours" in knobs
                else ("contracts" if agents else "default"),
            },
            "history_until": last_day,
            "queues": forecasts,
            "warnings": warnings,
        }
    )
    result = json_safe(result)
    repo.set_result(plan_id, result)
    tell(1.0, "planned")
    return result


def _staff(
    session: Session,
    site_code: str,
    agents: list[Any],
    settings: PlanSettings,
    hourly_cost: float | None,
) -> tuple[Staff, str]:
    """Today's staff, and where their hourly cost came from ("given", "wages" of the site's
    latest roster rules, or "none")."""
    fte = [a.contract.weekly_hours_max / settings.full_time_weekly_hours for a in agents]
    if hourly_cost is not None:
        return Staff(len(agents), sum(fte), hourly_cost), "given"
    version = latest_or_for_week(session, site_code, None)
    labour = None if version is None else version.rules.labour_cost
    rates = {} if labour is None else {w.contract: w.hourly_rate for w in labour.wages}
    paid = [
        (f, rates.get(contract_code(a.contract.name), rates.get(a.contract.name)))
        for f, a in zip(fte, agents, strict=True)
    ]
    if not agents or any(rate is None for _, rate in paid) or sum(fte) <= 0:
        return Staff(len(agents), sum(fte), None), "none"
    mean = sum(f * (rate or 0.0) for f, rate in paid) / sum(fte)
    return Staff(len(agents), sum(fte), mean), "wages"


def plan_document(plan: CapacityPlan, staff: Staff) -> dict[str, Any]:
    """The plan as JSON values."""
    return {
        "start_month": plan.start_month,
        "earliest_start": plan.earliest_start,
        "settings": asdict(plan.settings),
        "staff": asdict(staff),
        "months": [asdict(m) for m in plan.months],
        "hires": [asdict(h) for h in plan.hires],
        "total_hires": sum(h.count for h in plan.hires),
        "total_labour_cost": None
        if any(m.labour_cost is None for m in plan.months)
        else sum(m.labour_cost or 0.0 for m in plan.months),
    }


def capacity_plan_status(session: Session, record: CapacityPlanRecord) -> dict[str, Any]:
    """The plan with its job's status and progress (`succeeded` once computed in-process)."""
    job = None if record.job_id is None else JobRepository(session).get(record.job_id)
    if job is None:
        status, progress, message, error = record.status, (1.0 if record.result else 0.0), "", None
    else:
        status, progress, message, error = job.status.value, job.progress, job.message, job.error
    return {
        "id": record.id,
        "site": record.site_code,
        "created_at_utc": record.created_at_utc,
        "job_id": record.job_id,
        "status": status,
        "progress": progress,
        "message": message,
        "error": error,
        "inputs": record.inputs,
        "plan": record.result,
    }


def compare_plans(session: Session, plan_id: int, other_id: int) -> dict[str, Any]:
    """Two computed plans of one site month by month (`compare_months`): the second's figures
    less the first's. NotFoundError for an unknown plan, CapacityPlanError (field `other`) for
    another site's plan, ConflictError while either is not computed."""
    repo = CapacityPlanRepository(session)
    first, second = repo.get(plan_id), repo.get(other_id)
    if second.site_code != first.site_code:
        raise CapacityPlanError(
            [("other", f"plan {other_id} is of site {second.site_code}, not {first.site_code}")]
        )
    for record in (first, second):
        if not record.result:
            status = capacity_plan_status(session, record)["status"]
            raise ConflictError(f"capacity plan {record.id} is not computed ({status})")
    assert first.result is not None and second.result is not None
    return {
        "plan_id": first.id,
        "other_id": second.id,
        "site": first.site_code,
        "currency": first.result.get("currency"),
        "months": compare_months(first.result["months"], second.result["months"]),
    }
