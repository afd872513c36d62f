"""Tiny roster problems and hand-built rosters for the scheduling tests.

Every problem here is small enough to reason about by hand: a few agents, one or two days,
hour or half-hour intervals, and demand given as a requirement (agents needed per interval) unless
a test needs the Erlang side. Times are built from local wall-clock values in the site's zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduling.problem import (
    AgentSpec,
    BreakRule,
    CampaignSpec,
    Contract,
    Horizon,
    Problem,
    QueueSpec,
    ShiftRules,
    local_midnight_utc,
)
from scheduling.roster import ActivitySpan, BreakSpan, Roster, RosterShift

DUBLIN = "Europe/Dublin"
MONDAY = date(2026, 6, 1)  # an ordinary summer Monday (IST, UTC+1)


def contract(
    code: str = "C8",
    *,
    hours: tuple[float, float] = (0.0, 40.0),
    days: tuple[int, int] = (0, 7),
    lengths: Sequence[int] = (480,),
    earliest: time = time(0, 0),
    latest_end: time = time(0, 0),
    rest_hours: float = 11.0,
    max_consecutive: int = 6,
) -> Contract:
    return Contract(
        code=code,
        weekly_paid_hours_min=hours[0],
        weekly_paid_hours_max=hours[1],
        days_per_week_min=days[0],
        days_per_week_max=days[1],
        shift_lengths_minutes=tuple(lengths),
        earliest_start_local=earliest,
        latest_end_local=latest_end,
        min_rest_hours=rest_hours,
        max_consecutive_days=max_consecutive,
    )


def agent(code: str, the_contract: Contract | None = None, **fields: object) -> AgentSpec:
    fields.setdefault("queue_skills", ("Q",))
    return AgentSpec(code=code, contract=the_contract or contract(), **fields)  # type: ignore[arg-type]


def queue(
    code: str = "Q",
    *,
    required: Sequence[int] | None = None,
    contacts: Sequence[float] | None = None,
    aht_seconds: float = 300.0,
    target: float = 0.8,
    threshold_seconds: float = 20.0,
    patience_seconds: float = 300.0,
    value: float = 5.0,
) -> QueueSpec:
    return QueueSpec(
        code=code,
        service_level_target=target,
        service_threshold_seconds=threshold_seconds,
        patience_seconds=patience_seconds,
        value_per_answered_contact=value,
        contacts=tuple(float(c) for c in contacts) if contacts is not None else None,
        aht_seconds=tuple([aht_seconds] * len(contacts)) if contacts is not None else None,
        required_agents=tuple(required) if required is not None else None,
    )


def problem(
    agents: Sequence[AgentSpec],
    *,
    queues: Sequence[QueueSpec] | None = None,
    campaigns: Sequence[CampaignSpec] = (),
    start: date = MONDAY,
    days: int = 1,
    interval_minutes: int = 60,
    timezone: str = DUBLIN,
    start_step_minutes: int | None = None,
    breaks: Sequence[BreakRule] = (),
    hours_open: tuple[int, int] = (8, 20),
    required_when_open: int = 1,
) -> Problem:
    """A problem; without `queues`, one queue Q needing `required_when_open` agents in the local
    hours [open, close) of every day."""
    base = Problem(
        site_code="T",
        timezone=timezone,
        horizon=Horizon(start_date=start, days=days, interval_minutes=interval_minutes),
        queues=(),
        agents=tuple(agents),
        campaigns=tuple(campaigns),
        shift_rules=ShiftRules(
            start_step_minutes=start_step_minutes or interval_minutes, breaks=tuple(breaks)
        ),
    )
    if queues is None:
        queues = (queue(required=open_hours_requirement(base, hours_open, required_when_open)),)
    return replace(base, queues=tuple(queues))


def open_hours_requirement(p: Problem, hours: tuple[int, int], agents: int) -> list[int]:
    zone = p.zone
    out = []
    for i in range(p.interval_count):
        local = p.interval_start_utc(i).astimezone(zone)
        out.append(agents if hours[0] <= local.hour < hours[1] else 0)
    return out


def at(day: date, clock: time, timezone: str = DUBLIN) -> datetime:
    """The UTC instant of a local wall-clock time (first occurrence in autumn)."""
    return datetime.combine(day, clock, tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def midnight(day: date, timezone: str = DUBLIN) -> datetime:
    return local_midnight_utc(day, ZoneInfo(timezone))


def shift(
    agent_code: str,
    start_utc: datetime,
    minutes: int,
    *,
    activity: str = "serve:Q",
    segments: Sequence[tuple[int, int, str]] = (),
    breaks: Sequence[tuple[int, int, str]] = (),
    shift_date: date | None = None,
    timezone: str = DUBLIN,
) -> RosterShift:
    """A shift of `minutes` real minutes doing `activity`, except `segments` (minutes after the
    start, length in minutes, activity) and `breaks` (minutes after the start, length, kind),
    whose activity is their kind. Everything is on a 15-minute grid."""
    slot = 15
    labels = [activity] * (minutes // slot)
    for offset, length, label in [*segments, *breaks]:
        for k in range(offset // slot, (offset + length) // slot):
            labels[k] = label
    activities: list[ActivitySpan] = []
    begin = 0
    for k in range(1, len(labels) + 1):
        if k == len(labels) or labels[k] != labels[begin]:
            activities.append(
                ActivitySpan(
                    start_utc + timedelta(minutes=begin * slot),
                    start_utc + timedelta(minutes=k * slot),
                    labels[begin],
                )
            )
            begin = k
    spans = tuple(
        BreakSpan(
            start_utc + timedelta(minutes=offset),
            start_utc + timedelta(minutes=offset + length),
            kind,
        )
        for offset, length, kind in sorted(breaks)
    )
    local_day = start_utc.astimezone(ZoneInfo(timezone)).date()
    return RosterShift(
        agent_code=agent_code,
        shift_date=shift_date or local_day,
        start_utc=start_utc,
        end_utc=start_utc + timedelta(minutes=minutes),
        breaks=spans,
        activities=tuple(activities),
    )


def roster(*shifts: RosterShift) -> Roster:
    return Roster(tuple(shifts))
