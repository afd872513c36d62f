"""The demo's live week: the published week's days before today, played and imported.

`make demo` opens on the current week (`wfm.tools.demo.live`): after the week's roster is
published, its days before today are *played* through it (`play_past_days`, `wfm
demo-catch-up`) and imported, so the history ends on the day before the machine's date and those
days' actuals, KPIs, forecast accuracy and plan accuracy are there when the dashboard opens.

A day is played as the live simulator plays it (`wfm.tools.day_player`), without the API and
as fast as it runs: agents absent for the day are drawn at the site's unplanned shrinkage (they
send nothing and serve nobody); the others follow their published plan
(`wfm.domain.intraday.livesim.AgentBehaviour`, minute by minute); each interval's servers are
the agents in a serving state at its start; the day's calls are the forecast times a day-level
lognormal surprise (the demo history's day noise) through the queue simulator; the intervals go
through the interval history import (`wfm.services.history_import.import_history`, the path of
real ACD exports) and the agents' states through the agent event feed
(`wfm.services.intraday.ingest_agent_events`), with the simulation site's clock set to the end
of the day. The agents present sell their planned selling spans: the demo's outbound truth
(`wfm.tools.demo.outbound`, the demo seed's sellers and proficiencies) draws their dialer
attempts, which go through the dialer outcome import (`wfm.services.outbound.import_attempts`);
the contacts that asked for a callback are promised one (`demo_callbacks`, due on one of the
campaign's next calling days), and the open callbacks due by the day's end are done.
The outbound draws use random streams of their own, so the inbound day is the same with or
without them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from scheduling.problem import Problem
from scheduling.simulation_check import QueueCheck, simulate_with_absences
from wfm.adapters.acd_files import parse_json
from wfm.adapters.dialer_files import parse_attempts_json
from wfm.db.repositories import AgentRepository, CallbackRepository
from wfm.domain import Activity
from wfm.domain.dialer import CallbackStatus
from wfm.domain.intraday import PlanSpan, RawEvent
from wfm.domain.intraday.livesim import AgentBehaviour, SimQueue, simulate_day
from wfm.domain.queue_model import QueueModel
from wfm.services.history_import import import_history
from wfm.services.intraday import day_plan, ingest_agent_events, set_clock
from wfm.services.outbound import import_attempts
from wfm.services.site_rules import rules_for_week
from wfm.tools.demo import calibration as cal
from wfm.tools.demo.live import week_start_of
from wfm.tools.demo.outbound import (
    SellingSpan,
    demo_callbacks,
    demo_centre_truth,
    generate_span_attempts,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

SERVING_STATES = frozenset({"ready"})


@dataclass
class PlayedDay:
    day: date
    absent_agents: int
    rostered_agents: int
    history_rows: int
    events: int
    offered: dict[str, int] = field(default_factory=dict)
    answered: dict[str, int] = field(default_factory=dict)
    attempts: int = 0  # dialer attempts of the day's selling spans, imported
    sell_hours: float = 0.0  # the selling spans of the agents present


def play_past_days(
    session: Session, *, site_code: str, today: date, seed: int = 1
) -> list[PlayedDay]:
    """Play the published week's days from its Monday up to the day before `today` and import
    them (see the module docstring); nothing when `today` is a Monday."""
    return [
        play_day(session, site_code=site_code, day=day, seed=seed)
        for day in (week_start_of(today) + timedelta(days=k) for k in range(today.weekday()))
    ]


def play_day(session: Session, *, site_code: str, day: date, seed: int = 1) -> PlayedDay:
    """Play one local day of the published roster and import it as history and agent events."""
    plan = day_plan(session, site_code=site_code, day=day)
    forecast = plan.forecast
    minutes = forecast.interval_minutes
    starts = list(forecast.interval_starts_utc)
    rng = np.random.default_rng([seed, day.toordinal()])
    week = rules_for_week(session, site_code, day - timedelta(days=day.weekday()))
    rate = week.unplanned_shrinkage_for(plan.site)
    codes = sorted(code for code, spans in plan.plans.items() if spans)
    absent = {code for code in codes if rng.random() < rate}
    plans = {code: plan.plans[code] for code in codes if code not in absent}
    day_sd = cal.DAY_NOISE_LOG_SD
    surprise = float(np.exp(rng.normal(-0.5 * day_sd**2, day_sd)))
    queues = [
        SimQueue(
            QueueModel.of_queue(queue, plan.site, minutes),
            list(np.asarray(forecast.offered.get(queue.code, np.zeros(len(starts)))) * surprise),
            list(np.asarray(forecast.aht_seconds.get(queue.code, np.zeros(len(starts))))),
        )
        for queue in plan.queues
    ]
    default_queue: dict[str, str | None] = {
        code: next(iter(sorted(plan.agents[code].queue_skills)), None) for code in plans
    }
    behaviour = {code: AgentBehaviour(code, seed + day.toordinal()) for code in plans}
    servers = {q.queue_code: np.zeros(len(starts), dtype=np.int64) for q in queues}
    events: list[RawEvent] = []
    length = timedelta(minutes=minutes)
    if plans:
        first = min(s.start_utc for p in plans.values() for s in p) - timedelta(minutes=5)
        last = max(s.end_utc for p in plans.values() for s in p) + timedelta(minutes=5)
        first = max(first.replace(second=0, microsecond=0), starts[0])
        last = min(last, starts[-1] + length)
        interval_of = {start: i for i, start in enumerate(starts)}
        now = first
        while now < last:
            if now in interval_of:  # an interval starts: who serves it
                i = interval_of[now]
                for code, agent in behaviour.items():
                    if agent.current[0] not in SERVING_STATES:
                        continue
                    queue = next(
                        (s.queue_code for s in plans[code] if s.start_utc <= now < s.end_utc),
                        None,
                    ) or default_queue.get(code)
                    if queue in servers:
                        servers[queue][i] += 1
            nxt = min(now + timedelta(minutes=1), last)
            for code, agent in behaviour.items():
                for sent in agent.follow(plans[code], now, nxt):
                    events.append(
                        RawEvent(
                            event_id=f"demo{seed}-{day:%Y%m%d}-{code}-{len(events) + 1}",
                            agent_code=code,
                            occurred_at_utc=sent.at_utc,
                            state=sent.state,
                            reason=sent.reason,
                        )
                    )
            now = nxt
    outcomes = simulate_day(queues, servers, interval_minutes=minutes, seed=seed + day.toordinal())
    rows: list[dict[str, Any]] = []
    played = PlayedDay(day, len(absent), len(codes), 0, 0)
    for q in queues:
        o = outcomes[q.queue_code]
        for i, start in enumerate(starts):
            offered = int(round(float(o.offered[i])))
            answered = min(int(round(float(o.answered[i]))), offered)
            abandoned = min(int(round(float(o.abandoned[i]))), offered - answered)
            within = min(int(round(float(o.answered_within_threshold[i]))), answered)
            rows.append(
                {
                    "queue_code": q.queue_code,
                    "interval_start": start.isoformat(),
                    "interval_minutes": minutes,
                    "offered": offered,
                    "answered": answered,
                    "abandoned": abandoned,
                    "answered_within_threshold": within,
                    "handle_seconds": round(answered * float(q.aht_seconds[i]), 1),
                }
            )
            played.offered[q.queue_code] = played.offered.get(q.queue_code, 0) + offered
            played.answered[q.queue_code] = played.answered.get(q.queue_code, 0) + answered
    parsed = parse_json(rows)
    import_history(session, parsed)
    played.history_rows = len(rows)
    if events:
        # the simulation site's clock at the end of the day, so the feed takes the day's events
        set_clock(session, site_code=site_code, now_utc=starts[-1] + length, speed=0)
        result = ingest_agent_events(session, events=events)
        played.events = result.accepted
    played.attempts, played.sell_hours = _sell(
        session, site_code, plans, day=day, seed=seed, now_utc=starts[-1] + length
    )
    return played


def _sell(
    session: Session,
    site_code: str,
    plans: dict[str, list[PlanSpan]],
    *,
    day: date,
    seed: int,
    now_utc: datetime,
) -> tuple[int, float]:
    """The dialer attempts of the agents' planned selling spans, drawn from the demo's outbound
    truth and imported, with the callbacks they were promised; the open callbacks due by
    `now_utc` (the day's end) done. Returns (attempts imported, selling hours)."""
    callbacks = CallbackRepository(session)
    for callback in callbacks.list(
        site_code=site_code, status=CallbackStatus.OPEN, due_before_utc=now_utc
    ):
        assert callback.id is not None
        callbacks.update(callback.id, {"status": CallbackStatus.DONE}, now_utc)
    spans = [
        SellingSpan(code, s.campaign_code, s.start_utc, s.end_utc)
        for code, plan in sorted(plans.items())
        for s in plan
        if s.activity is Activity.SELL and s.campaign_code is not None
    ]
    hours = sum((s.end_utc - s.start_utc).total_seconds() for s in spans) / 3600.0
    if not spans:
        return 0, hours
    truth = demo_centre_truth(AgentRepository(session).list(site_code), seed=seed)
    rows = generate_span_attempts(
        truth, spans, seed=seed + day.toordinal(), lead_tag=f"{day:%Y%m%d}-"
    )
    promised = demo_callbacks(truth, rows, seed=seed + day.toordinal(), done_before_utc=now_utc)
    for row in rows:
        row["attempted_at"] = row["attempted_at"].isoformat()
    if not rows:
        return 0, hours
    summary = import_attempts(session, parse_attempts_json(rows), now_utc=now_utc)
    callbacks.add_many(promised)
    return summary.imported, hours


def check_published_week(
    session: Session,
    *,
    site_code: str,
    week_start: date | None = None,
    replications: int = 10,
    seed: int = 1,
    absence_rate: float | None = None,
) -> tuple[Problem, float, list[QueueCheck]]:
    """The published week (the latest, or that of `week_start`) simulated call by call with
    shifts lost to absence at `absence_rate`, against its prediction
    (`scheduling.simulation_check`); returns the problem, the absence rate and the checks.

    The problem is the schedule's as `schedule_problem` rebuilds it, with the shrinkage the
    schedule stored, and the absence rate defaults to that shrinkage: a schedule built at the
    site's unplanned shrinkage (breaks rostered, not shrunk) is checked at the unplanned rate."""
    from wfm.db.repositories import ScheduleRepository
    from wfm.domain import ScheduleStatus
    from wfm.domain.errors import NotFoundError
    from wfm.services.schedule_views import schedule_problem
    from wfm.services.scheduling import roster_from_shifts

    published = [
        s
        for s in ScheduleRepository(session).list(site_code)
        if s.status is ScheduleStatus.PUBLISHED
        and (week_start is None or s.week_start == week_start)
    ]
    if not published:
        raise NotFoundError(f"site {site_code!r} has no published schedule to check")
    latest = max(published, key=lambda s: s.created_at_utc)
    assert latest.id is not None
    schedule = ScheduleRepository(session).get(latest.id)  # with its shifts
    plan = schedule_problem(session, schedule)
    rate = plan.problem.shrinkage if absence_rate is None else absence_rate
    checks = simulate_with_absences(
        plan.problem,
        roster_from_shifts(schedule.shifts),
        absence_rate=rate,
        replications=replications,
        seed=seed,
    )
    return plan.problem, rate, checks
