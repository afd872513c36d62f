"""Roster building on the database: stored forecast, agents and campaigns in, a draft schedule."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from scheduling.problem import (
    Absence,
    AgentSpec,
    AvailabilityWindow,
    BreakRule,
    CallingWindow,
    CampaignSpec,
    Contract,
    Horizon,
    LastWeek,
    Problem,
    QueueSpec,
    ShiftRules,
)
from wfm.db.repositories import (
    AgentRepository,
    CampaignRepository,
    QueueRepository,
    ScheduleRepository,
    SiteRepository,
)
from wfm.domain import (
    Activity,
    ActivitySpan,
    Agent,
    ScheduleStatus,
    Shift,
    ShiftBreak,
)
from wfm.domain import Contract as DomainContract
from wfm.errors import NotFoundError, ValidationError
from wfm.services.forecasting import adjusted_values
from wfm.services.staffing import DEFAULT_SHRINKAGE, resolve_run

Progress = Callable[[float, str], None]

# Patience assumed for a queue that records none: long enough that Erlang A is close to Erlang C.
DEFAULT_PATIENCE_SECONDS = 3600.0

# The centre's standard break rules, placed by the optimizer within their windows (minutes after
# the shift starts): a paid 15-minute break in each half of the shift, and an unpaid lunch of
# 30 minutes on shifts of 6 to 9 hours, 60 minutes on shifts of 9 hours or more.
STANDARD_SHIFT_RULES = ShiftRules(
    start_step_minutes=30,
    breaks=(
        BreakRule("break", 15, 60, 150, min_shift_minutes=240),
        BreakRule("lunch", 30, 180, 300, min_shift_minutes=360, max_shift_minutes=539, paid=False),
        BreakRule("lunch", 60, 180, 300, min_shift_minutes=540, paid=False),
        BreakRule("break", 15, 390, 450, min_shift_minutes=450),
    ),
)


def contract_code(name: str) -> str:
    """A code made of the letters, digits, dots, dashes and underscores of a contract's name."""
    code = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")
    return code or "contract"


def _contract(contract: DomainContract) -> Contract:
    latest_end = contract.latest_end_local
    if latest_end >= time(23, 59):
        latest_end = time(0, 0)  # the end of the start day
    return Contract(
        code=contract_code(contract.name),
        weekly_paid_hours_min=contract.weekly_hours_min,
        weekly_paid_hours_max=contract.weekly_hours_max,
        days_per_week_min=contract.days_per_week_min,
        days_per_week_max=contract.days_per_week_max,
        shift_lengths_minutes=tuple(contract.shift_lengths_minutes),
        earliest_start_local=contract.earliest_start_local,
        latest_end_local=latest_end,
        min_rest_hours=contract.min_rest_hours,
        max_consecutive_days=contract.max_consecutive_days,
    )


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
    final: dict[str, Shift] = {}
    worked_days: dict[str, set[date]] = defaultdict(set)
    for shift in repo.get(chosen.id).shifts:
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
    shrinkage: float = DEFAULT_SHRINKAGE,
) -> tuple[Problem, int]:
    """The roster problem of a site's week from the stored forecast (with adjustments), queues,
    campaigns and agents. Returns the problem and the forecast run it was built from."""
    site = SiteRepository(session).get(site_code)
    run = resolve_run(session, site_code, forecast_run_id)
    assert run.id is not None
    zone = ZoneInfo(site.timezone)
    horizon = Horizon(start_date=week_start, days=7, interval_minutes=run.interval_minutes)
    start_utc = datetime.combine(week_start, time(0), zone).astimezone(UTC)
    end_utc = datetime.combine(week_start + timedelta(days=7), time(0), zone).astimezone(UTC)
    if start_utc < run.horizon_start_utc or end_utc > run.horizon_end_utc:
        first = run.horizon_start_utc.astimezone(zone).date()
        last = (run.horizon_end_utc.astimezone(zone) - timedelta(minutes=1)).date()
        raise ValidationError(
            f"the week of {week_start} is not inside forecast version {run.version} "
            f"({first} .. {last}); forecast further ahead or pick a week inside it"
        )
    step = timedelta(minutes=run.interval_minutes)
    count = int((end_utc - start_utc) / step)
    values_by_queue: dict[str, dict[datetime, Any]] = defaultdict(dict)
    for value in adjusted_values(session, run.id, start_utc=start_utc, end_utc=end_utc):
        values_by_queue[value.queue_code][value.interval_start_utc] = value
    queues = []
    for queue in QueueRepository(session).list(site_code):
        values = values_by_queue.get(queue.code, {})
        contacts, aht = [], []
        for i in range(count):
            value = values.get(start_utc + i * step)
            contacts.append(0.0 if value is None else max(0.0, float(value.offered)))
            aht.append(0.0 if value is None else max(0.0, float(value.aht_seconds)))
        queues.append(
            QueueSpec(
                code=queue.code,
                name=queue.name,
                service_level_target=queue.service_level_target,
                service_threshold_seconds=queue.service_threshold_seconds,
                patience_seconds=queue.mean_patience_seconds or DEFAULT_PATIENCE_SECONDS,
                value_per_answered_contact=queue.value_per_answered_contact,
                contacts=tuple(contacts),
                aht_seconds=tuple(aht),
                concurrency=float(max(1, queue.chat_concurrency)),
                max_occupancy=queue.max_occupancy,
            )
        )
    campaigns = tuple(
        CampaignSpec(
            code=c.code,
            name=c.name,
            value_per_productive_hour_by_hour=c.value_per_productive_hour_by_hour,
            calling_hours=tuple(
                CallingWindow(w.weekday, w.start_local, w.end_local) for w in c.calling_windows
            ),
            min_hours_per_week=c.min_hours_per_week,
            max_hours_per_week=c.max_hours_per_week,
            efficiency=c.efficiency,
        )
        for c in CampaignRepository(session).list(site_code)
        if c.calling_windows
    )
    agent_repo = AgentRepository(session)
    windows: dict[str, list[AvailabilityWindow]] = defaultdict(list)
    for w in agent_repo.availability():
        windows[w.agent_code].append(AvailabilityWindow(w.weekday, w.start_local, w.end_local))
    absences: dict[str, list[Absence]] = defaultdict(list)
    for t in agent_repo.time_off(start_utc, end_utc):
        if t.approved:
            absences[t.agent_code].append(
                Absence(
                    start_utc=max(t.start_utc, start_utc),
                    end_utc=min(t.end_utc, end_utc),
                    reason=t.reason,
                )
            )
    last_week = _previous_week_final_shifts(session, site_code, week_start)
    campaign_codes = {c.code for c in campaigns}
    agents = tuple(
        _agent_spec(agent, windows, absences, last_week, campaign_codes)
        for agent in agent_repo.list(site_code)
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
        shift_rules=STANDARD_SHIFT_RULES,
        shrinkage=shrinkage,
        name=f"{site_code} week of {week_start} (forecast version {run.version})",
    )
    return problem, run.id


def _agent_spec(
    agent: Agent,
    windows: Mapping[str, Sequence[AvailabilityWindow]],
    absences: Mapping[str, Sequence[Absence]],
    last_week: Mapping[str, LastWeek],
    campaign_codes: set[str],
) -> AgentSpec:
    return AgentSpec(
        code=agent.code,
        name=agent.name,
        contract=_contract(agent.contract),
        queue_skills=tuple(agent.queue_skills),
        campaign_skills=tuple(c for c in agent.campaign_skills if c in campaign_codes),
        availability=tuple(windows.get(agent.code, ())),
        time_off=tuple(absences.get(agent.code, ())),
        last_week=last_week.get(agent.code),
    )


def _instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValidationError(f"roster time {text!r} has no timezone")
    return moment.astimezone(UTC)


def schedule_from_roster(
    roster: Mapping[str, Any], *, site_code: str, week_start: date, timezone: str
) -> tuple[Shift, ...]:
    """The shifts of a roster document (the optimizer's JSON output) as domain shifts."""
    zone = ZoneInfo(timezone)
    shifts: list[Shift] = []
    for agent in roster.get("agents", []):
        for shift in agent.get("shifts", []):
            start = _instant(shift["start"])
            activities = []
            for span in shift.get("activities", []):
                kind, _, target = str(span["activity"]).partition(":")
                activity = Activity(kind)
                activities.append(
                    ActivitySpan(
                        start_utc=_instant(span["start"]),
                        end_utc=_instant(span["end"]),
                        activity=activity,
                        queue_code=target if activity is Activity.SERVE else None,
                        campaign_code=target if activity is Activity.SELL else None,
                    )
                )
            shifts.append(
                Shift(
                    agent_code=str(agent["agent"]),
                    shift_date=start.astimezone(zone).date(),
                    start_utc=start,
                    end_utc=_instant(shift["end"]),
                    breaks=tuple(
                        ShiftBreak(_instant(b["start"]), _instant(b["end"]), str(b["kind"]))
                        for b in shift.get("breaks", [])
                    ),
                    activities=tuple(activities),
                )
            )
    return tuple(shifts)


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value
