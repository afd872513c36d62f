"""Roster building on the database: stored forecast, agents and campaigns in, a draft schedule."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from scheduling.checks import ProblemError
from scheduling.problem import (
    Absence,
    AgentSpec,
    AvailabilityWindow,
    CallingWindow,
    CampaignSpec,
    Horizon,
    LastWeek,
    Preference,
    Problem,
    QueueSpec,
)
from scheduling.roster import ActivitySpan as RosterActivitySpan
from scheduling.roster import BreakSpan, Roster, RosterShift
from scheduling.solver import SolveResult, solve
from wfm.db.repositories import (
    AgentRepository,
    CampaignRepository,
    QueueRepository,
    ScheduleRepository,
    ShiftTradeRepository,
    SiteRepository,
)
from wfm.domain import (
    Activity,
    ActivitySpan,
    Agent,
    ForecastRun,
    Schedule,
    ScheduleStatus,
    Shift,
    ShiftBreak,
)
from wfm.domain import Contract as DomainContract
from wfm.domain.deferred import CallbacksDue
from wfm.domain.errors import NotFoundError, ValidationError
from wfm.domain.grid import (
    WEEK_FIRST_WEEKDAY,
    WEEKDAY_NAMES,
    local_day_bounds_utc,
    local_midnight_utc,
    week_bounds_utc,
    week_start_problem,
)
from wfm.domain.jsonvalues import json_safe
from wfm.domain.money import DEFAULT_CURRENCY
from wfm.domain.queue_model import QueueModel, Shrinkage
from wfm.domain.shift_trades import AgentPreference
from wfm.domain.site_rules import SiteRules
from wfm.services.forecasting import adjusted_values
from wfm.services.idle_time import callbacks_due
from wfm.services.schedule_evaluation import evaluate_roster, summary_fields
from wfm.services.selling_value import selling_values
from wfm.services.site_rules import contract_code as contract_code  # re-exported
from wfm.services.site_rules import (
    fairness_of,
    narrow_contract,
    objective_of,
    roster_contract,
    rules_for_week,
    shift_rules_of,
)
from wfm.services.staffing import resolve_run

Progress = Callable[[float, str], None]
# The roster solver's call shape (`scheduling.solver.solve`); a distributed solver may stand in.
Solver = Callable[..., SolveResult]

# The interval of a week that no forecast covers (its problem has no demand).
UNFORECAST_INTERVAL_MINUTES = 15


def _previous_week_final_shifts(
    session: Session, site_code: str, week_start: date
) -> dict[str, LastWeek]:
    """Each agent's final shift of the week before (published version, else the latest)."""
    repo = ScheduleRepository(session)
    earlier = repo.list(site_code, week_start - timedelta(days=7))
    if not earlier:
        return {}
    published = [s for s in earlier if s.status is ScheduleStatus.PUBLISHED]
    chosen = (published or earlier)[-1]
    assert chosen.id is not None
    return last_weeks_of(repo.get(chosen.id).shifts, week_start)


def last_weeks_of(shifts: Iterable[Shift], week_start: date) -> dict[str, LastWeek]:
    """Each agent's final shift among `shifts` (the week before `week_start`) and the run of
    days they worked up to its end, as the week's roster problem carries them."""
    final: dict[str, Shift] = {}
    worked_days: dict[str, set[date]] = defaultdict(set)
    for shift in shifts:
        worked_days[shift.agent_code].add(shift.shift_date)
        if shift.agent_code not in final or shift.end_utc > final[shift.agent_code].end_utc:
            final[shift.agent_code] = shift
    out = {}
    for code, shift in final.items():
        streak = 0
        day = week_start - timedelta(days=1)
        while day in worked_days[code]:
            streak += 1
            day -= timedelta(days=1)
        out[code] = LastWeek(
            final_shift_start_utc=shift.start_utc,
            final_shift_end_utc=shift.end_utc,
            consecutive_days_worked=streak,
        )
    return out


def build_problem(
    session: Session,
    *,
    site_code: str,
    week_start: date,
    forecast_run_id: int | None = None,
    shrinkage: float | None = None,
    include_agents: Collection[str] = (),
    rules: SiteRules | None = None,
) -> tuple[Problem, int]:
    """The roster problem of a site's week from the stored forecast (with adjustments), queues,
    campaigns and agents. Returns the problem and the forecast run it was built from. Its
    shrinkage is the site's unplanned shrinkage unless `shrinkage` is given; its rules are the
    site's rules of the week unless `rules` are given (a scenario's variant).

    `include_agents` names agents to keep even when no longer active at the site (a stored
    schedule's, so that its shifts are evaluated as rostered)."""
    run = resolve_run(session, site_code, forecast_run_id)
    assert run.id is not None
    problem = _week_problem(
        session,
        site_code=site_code,
        week_start=week_start,
        run=run,
        shrinkage=shrinkage,
        include_agents=include_agents,
        rules=rules,
    )
    return problem, run.id


def build_problem_without_forecast(
    session: Session,
    *,
    site_code: str,
    week_start: date,
    shrinkage: float | None = None,
    include_agents: Collection[str] = (),
) -> Problem:
    """The roster problem of a week no forecast covers: every queue without contacts, on
    15-minute intervals. For evaluating a schedule's hours, coverage and selling (it predicts
    no service)."""
    return _week_problem(
        session,
        site_code=site_code,
        week_start=week_start,
        run=None,
        shrinkage=shrinkage,
        include_agents=include_agents,
    )


def _forecast_values(
    session: Session, run: ForecastRun, week_start: date, zone: ZoneInfo
) -> dict[str, dict[datetime, Any]]:
    """The run's adjusted values of the week per queue and interval start; ValidationError when
    the week is not inside the run."""
    assert run.id is not None
    start_utc, end_utc = week_bounds_utc(week_start, zone)
    if start_utc < run.horizon_start_utc or end_utc > run.horizon_end_utc:
        first = run.horizon_start_utc.astimezone(zone).date()
        last = (run.horizon_end_utc.astimezone(zone) - timedelta(minutes=1)).date()
        raise ValidationError(
            f"the week of {week_start} is not inside forecast version {run.version} "
            f"({first} .. {last}); forecast further ahead or pick a week inside it"
        )
    values_by_queue: dict[str, dict[datetime, Any]] = defaultdict(dict)
    for value in adjusted_values(session, run.id, start_utc=start_utc, end_utc=end_utc):
        values_by_queue[value.queue_code][value.interval_start_utc] = value
    return values_by_queue


def _week_problem(
    session: Session,
    *,
    site_code: str,
    week_start: date,
    run: ForecastRun | None,
    shrinkage: float | None,
    include_agents: Collection[str],
    rules: SiteRules | None = None,
) -> Problem:
    """The roster problem of the week with the run's demand (none without a run). Its shrinkage
    is the site's unplanned shrinkage unless one is given: breaks and lunches are rostered in
    the problem's shift rules, so they are never counted as shrinkage on top."""
    site = SiteRepository(session).get(site_code)
    zone = ZoneInfo(site.timezone)
    interval_minutes = run.interval_minutes if run is not None else UNFORECAST_INTERVAL_MINUTES
    horizon = Horizon(start_date=week_start, days=7, interval_minutes=interval_minutes)
    start_utc, end_utc = week_bounds_utc(week_start, zone)
    values_by_queue = {} if run is None else _forecast_values(session, run, week_start, zone)
    step = timedelta(minutes=interval_minutes)
    count = int((end_utc - start_utc) / step)
    queues = []
    for queue in QueueRepository(session).list(site_code):
        values = values_by_queue.get(queue.code, {})
        contacts, aht = [], []
        for i in range(count):
            slot = values.get(start_utc + i * step)
            contacts.append(0.0 if slot is None else max(0.0, float(slot.offered)))
            aht.append(0.0 if slot is None else max(0.0, float(slot.aht_seconds)))
        queues.append(
            QueueSpec.of_model(
                QueueModel.of_queue(queue, site, interval_minutes),
                contacts=contacts,
                aht_seconds=aht,
                name=queue.name,
            )
        )
    campaigns = _campaign_specs(session, site_code, start_utc)
    agent_repo = AgentRepository(session)
    windows: dict[str, list[AvailabilityWindow]] = defaultdict(list)
    for w in agent_repo.availability():
        windows[w.agent_code].append(AvailabilityWindow(w.weekday, w.start_local, w.end_local))
    absences: dict[str, list[Absence]] = defaultdict(list)
    site_agents = _site_agents(session, site_code, include_agents)
    contracts = {a.code: a.contract for a in site_agents}
    for t in agent_repo.time_off(start_utc, end_utc):
        if t.approved and t.agent_code in contracts:
            begin, end = max(t.start_utc, start_utc), min(t.end_utc, end_utc)
            absences[t.agent_code].append(
                Absence(
                    start_utc=begin,
                    end_utc=end,
                    paid_hours=_paid_leave_hours(contracts[t.agent_code], begin, end, zone),
                    reason=t.reason,
                )
            )
    last_week = _previous_week_final_shifts(session, site_code, week_start)
    campaign_codes = {c.code for c in campaigns}
    if rules is None:
        rules = rules_for_week(session, site_code, week_start)
    wishes = ShiftTradeRepository(session).site_preferences(site_code)
    days = {week_start + timedelta(days=d) for d in range(7)}
    agents = tuple(
        replace(
            _agent_spec(agent, windows, absences, last_week, campaign_codes, rules),
            preferences=week_preferences(wishes.get(agent.code, ()), days),
        )
        for agent in site_agents
    )
    if not agents:
        raise NotFoundError(f"site {site_code!r} has no agents to roster")
    problem = Problem(
        site_code=site_code,
        timezone=site.timezone,
        horizon=horizon,
        queues=tuple(queues),
        agents=agents,
        campaigns=campaigns,
        shift_rules=shift_rules_of(rules),
        shrinkage=Shrinkage.of_week(site, rules.unplanned_shrinkage, shrinkage).fraction,
        fairness=fairness_of(rules),
        objective=objective_of(rules),
        seats=rules.seats_for(site),
        labour_cost=rules.labour_cost,
        name=f"{site_code} week of {week_start} "
        + (f"(forecast version {run.version})" if run is not None else "(no forecast)"),
    )
    return problem


def _campaign_specs(
    session: Session, site_code: str, week_start_utc: datetime
) -> tuple[CampaignSpec, ...]:
    """The site's campaigns with calling hours, each valued per selling hour as
    `wfm.services.selling_value` says: learned from the dialer attempts of the weeks before the
    roster's week where they carry it, the typed values elsewhere (and the source says which)."""
    values = {
        v.campaign_code: v
        for v in selling_values(session, site_code=site_code, end_utc=week_start_utc)
    }
    return tuple(
        CampaignSpec(
            code=c.code,
            name=c.name,
            value_per_productive_hour_by_hour=values[c.code].value_per_productive_hour_by_hour,
            calling_hours=tuple(
                CallingWindow(w.weekday, w.start_local, w.end_local) for w in c.calling_windows
            ),
            min_hours_per_week=c.min_hours_per_week,
            max_hours_per_week=c.max_hours_per_week,
            efficiency=c.efficiency,
            value_source=f"{values[c.code].source}: {values[c.code].reason}",
        )
        for c in CampaignRepository(session).list(site_code)
        if c.calling_windows
    )


def _site_agents(session: Session, site_code: str, include_agents: Collection[str]) -> list[Agent]:
    """The site's active agents, and those of `include_agents` that are no longer active."""
    repo = AgentRepository(session)
    agents = repo.list(site_code)
    missing = set(include_agents) - {a.code for a in agents}
    agents += [repo.get(code).agent for code in missing]
    return sorted(agents, key=lambda a: a.code)


def _paid_leave_hours(
    contract: DomainContract, start_utc: datetime, end_utc: datetime, zone: ZoneInfo
) -> float:
    """Hours an approved absence credits to the contract: a contract day's hours (weekly maximum
    over days per week) for each whole local day it covers; part days credit nothing."""
    day = start_utc.astimezone(zone).date()
    whole_days = 0
    while local_midnight_utc(day, zone) < end_utc:
        begin, finish = local_day_bounds_utc(day, zone)
        if start_utc <= begin and finish <= end_utc:
            whole_days += 1
        day += timedelta(days=1)
    per_day = contract.weekly_hours_max / max(1, contract.days_per_week_max)
    return round(whole_days * per_day, 2)


def _agent_spec(
    agent: Agent,
    windows: Mapping[str, Sequence[AvailabilityWindow]],
    absences: Mapping[str, Sequence[Absence]],
    last_week: Mapping[str, LastWeek],
    campaign_codes: set[str],
    rules: SiteRules,
) -> AgentSpec:
    """The agent in the optimizer's terms, the contract narrowed by the site's rules (a
    contract the rules leave no time or length keeps its own: the problem's checks name it)."""
    base = roster_contract(agent.contract)
    return AgentSpec(
        code=agent.code,
        name=agent.name,
        contract=narrow_contract(base, rules) or base,
        queue_skills=tuple(agent.queue_skills),
        campaign_skills=tuple(c for c in agent.campaign_skills if c in campaign_codes),
        availability=tuple(windows.get(agent.code, ())),
        time_off=tuple(absences.get(agent.code, ())),
        last_week=last_week.get(agent.code),
    )


def week_preferences(
    wishes: Iterable[AgentPreference], days: Collection[date]
) -> tuple[Preference, ...]:
    """An agent's stored preferences as the problem's, for a horizon of `days`: dates outside
    it left out, and a preference whose dates all fall outside it (and names no weekday) left
    out whole (with no day left it would concern every day)."""
    found = []
    for wish in wishes:
        dates = tuple(d for d in wish.dates if d in days)
        if wish.dates and not dates and not wish.weekdays:
            continue
        found.append(
            Preference(
                kind=wish.kind.value,
                weight=wish.weight,
                dates=dates,
                weekdays=wish.weekdays,
                earliest_start_local=wish.earliest_start_local,
                latest_start_local=wish.latest_start_local,
                max_evening_shifts=wish.max_evening_shifts,
                evening_from_local=wish.evening_from_local,
                vto_hours_max=wish.vto_hours_max,
            )
        )
    return tuple(found)


def shifts_from_roster(roster: Roster) -> tuple[Shift, ...]:
    """The optimizer's roster as domain shifts (activities typed, queue or campaign named)."""
    shifts: list[Shift] = []
    for shift in roster.shifts:
        activities = []
        for span in shift.activities:
            kind, _, target = span.activity.partition(":")
            activity = Activity(kind)
            activities.append(
                ActivitySpan(
                    start_utc=span.start_utc,
                    end_utc=span.end_utc,
                    activity=activity,
                    queue_code=target if activity is Activity.SERVE else None,
                    campaign_code=target if activity is Activity.SELL else None,
                )
            )
        shifts.append(
            Shift(
                agent_code=shift.agent_code,
                shift_date=shift.shift_date,
                start_utc=shift.start_utc,
                end_utc=shift.end_utc,
                breaks=tuple(ShiftBreak(b.start_utc, b.end_utc, b.kind) for b in shift.breaks),
                activities=tuple(activities),
            )
        )
    return tuple(shifts)


def roster_from_shifts(shifts: Iterable[Shift]) -> Roster:
    """Domain shifts in the optimizer's terms: the inverse of `shifts_from_roster`."""
    return Roster(
        tuple(
            RosterShift(
                agent_code=shift.agent_code,
                shift_date=shift.shift_date,
                start_utc=shift.start_utc,
                end_utc=shift.end_utc,
                breaks=tuple(BreakSpan(b.start_utc, b.end_utc, b.kind) for b in shift.breaks),
                activities=tuple(
                    RosterActivitySpan(a.start_utc, a.end_utc, _activity_label(a))
                    for a in shift.activities
                ),
            )
            for shift in shifts
        )
    )


def _activity_label(span: ActivitySpan) -> str:
    """`serve:<queue>`, `sell:<campaign>` or the bare activity (as `scheduling.roster` says)."""
    target = {Activity.SERVE: span.queue_code, Activity.SELL: span.campaign_code}.get(span.activity)
    return f"{span.activity.value}:{target}" if target else span.activity.value


def schedule_summary(
    result: SolveResult,
    *,
    forecast_run_id: int,
    shifts: Sequence[Shift],
    callbacks: Sequence[CallbacksDue] = (),
    currency: str = DEFAULT_CURRENCY,
) -> dict[str, Any]:
    """What a stored schedule keeps of a solve: the solver's summary, what is short and what
    binds, and the evaluation of the shifts as stored (`evaluate_roster`, the function the
    evaluation endpoint uses, with the open `callbacks` due in the week), with the shrinkage
    the problem was built with."""
    summary = dict(result.summary())
    evaluation = evaluate_roster(
        result.problem,
        roster_from_shifts(shifts),
        forecast_run_id=forecast_run_id,
        callbacks=callbacks,
        currency=currency,
    )
    summary.update(summary_fields(evaluation))
    summary["forecast_run_id"] = forecast_run_id
    summary["problem"] = result.problem.name
    summary["warnings"] = list(result.warnings)
    summary["short"] = list(result.short)
    summary["binding_rules"] = list(result.binding_rules)
    return json_safe(summary)


def require_week_start(session: Session, site_code: str, week_start: date) -> None:
    """ValidationError naming week_start unless the site's week begins on the day: the site's
    first weekday (`wfm.domain.grid.week_start_problem`), not at the ends of the calendar."""
    site = SiteRepository(session).get(site_code)
    problem = week_start_problem(week_start, ZoneInfo(site.timezone))
    if problem is not None:
        raise ValidationError(f"week_start: {problem}")


def first_forecast_week(session: Session, site_code: str) -> date:
    """The first week of the site (Monday to Sunday, local) wholly inside its latest forecast."""
    site = SiteRepository(session).get(site_code)
    run = resolve_run(session, site_code, None)
    zone = ZoneInfo(site.timezone)
    first_day = run.horizon_start_utc.astimezone(zone).date()
    if local_midnight_utc(first_day, zone) < run.horizon_start_utc:
        first_day += timedelta(days=1)
    week_start = first_day + timedelta(days=(WEEK_FIRST_WEEKDAY - first_day.weekday()) % 7)
    week_end = local_midnight_utc(week_start + timedelta(days=7), zone)
    if week_end > run.horizon_end_utc:
        raise ValidationError(
            f"forecast version {run.version} of site {site_code!r} holds no whole week from a "
            f"{WEEKDAY_NAMES[WEEK_FIRST_WEEKDAY]}; forecast more weeks or name the week"
        )
    return week_start


def build_schedule(
    session: Session,
    *,
    site_code: str,
    week_start: date,
    forecast_run_id: int | None = None,
    shrinkage: float | None = None,
    time_limit_seconds: float = 60.0,
    seed: int = 1,
    progress: Progress | None = None,
    job_id: str | None = None,
    solver: Solver | None = None,
) -> Schedule:
    """Build and store a draft schedule (the next version) for a site's week, which begins on
    the site's first weekday (`require_week_start`: else ValidationError, nothing built).

    The problem comes from the stored forecast, agents and campaigns (`build_problem`); a problem
    with contradictions is a `ValidationError` naming each one, and nothing is stored. The roster
    is always stored, with its summary saying what is short and which rules bind.
    """
    if not 0 < time_limit_seconds <= 3600:
        raise ValidationError(
            f"time limit must be between 0 and 3600 seconds, got {time_limit_seconds}"
        )

    require_week_start(session, site_code, week_start)

    def tell(fraction: float, message: str) -> None:
        if progress is not None:
            progress(fraction, message)

    tell(0.01, f"building the roster problem of {site_code} for the week of {week_start}")
    problem, run_id = build_problem(
        session,
        site_code=site_code,
        week_start=week_start,
        forecast_run_id=forecast_run_id,
        shrinkage=shrinkage,
    )
    solve_roster = solver or solve
    try:
        result = solve_roster(
            problem,
            time_limit_seconds=time_limit_seconds,
            seed=seed,
            progress=lambda fraction, message: tell(0.02 + 0.93 * fraction, message),
        )
    except ProblemError as exc:  # contradictions, found before any solving
        shown = "; ".join(exc.issues[:20])
        more = f" (and {len(exc.issues) - 20} more)" if len(exc.issues) > 20 else ""
        raise ValidationError(
            f"the roster problem can't be solved as stored: {shown}{more}"
        ) from None
    tell(0.96, "storing the draft schedule")
    repo = ScheduleRepository(session)
    shifts = shifts_from_roster(result.roster)
    schedule = Schedule(
        site_code=site_code,
        week_start=week_start,
        version=repo.next_version(site_code, week_start),
        status=ScheduleStatus.DRAFT,
        created_at_utc=datetime.now(UTC),
        shifts=shifts,
        summary=schedule_summary(
            result,
            forecast_run_id=run_id,
            shifts=shifts,
            callbacks=callbacks_due(session, result.problem),
            currency=SiteRepository(session).get(site_code).currency,
        ),
        forecast_run_id=run_id,
        job_id=job_id,
    )
    schedule_id = repo.add(schedule)
    return repo.get(schedule_id)


def publish_schedule(
    session: Session, schedule_id: int, published_at_utc: datetime | None = None
) -> Schedule:
    """Publish the latest draft of its week (`ScheduleRepository.publish`, ConflictError when it
    may not be) and, in the same transaction, put the `roster_published` notification of every
    agent with a shift in it in the outbox."""
    from wfm.services import notifications

    published = ScheduleRepository(session).publish(
        schedule_id, published_at_utc or datetime.now(UTC)
    )
    notifications.roster_published(session, published)
    return published
