"""`/v1/agent-events`, `/v1/queue-snapshots`, `/v1/adherence` and `/v1/intraday`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, status

from api.deps import PrincipalDep, SessionDep, require
from api.errors import ApiError, responses
from api.intraday import schemas as s
from api.schemas import CODE_PATTERN, day_query, moment_query
from wfm.db.repositories import SiteRepository
from wfm.db.repositories.intraday import AgentStateFeedRepository, QueueSnapshotRepository
from wfm.domain import Activity, Queue, Site
from wfm.domain.access import Permission, Principal
from wfm.domain.errors import ValidationError
from wfm.domain.intraday import (
    AgentMove,
    AgentStatus,
    PlanChange,
    QueueSnapshot,
    RawEvent,
    Recommendation,
    Trade,
)
from wfm.domain.queue_model import PatienceSource, QueueModel
from wfm.services import intraday as svc

READ = [Depends(require(Permission.INTRADAY_READ))]
WRITE = [Depends(require(Permission.INTRADAY_WRITE))]

events_router = APIRouter(prefix="/agent-events", tags=["intraday"])
snapshots_router = APIRouter(prefix="/queue-snapshots", tags=["intraday"])
adherence_router = APIRouter(prefix="/adherence", tags=["intraday"])
intraday_router = APIRouter(prefix="/intraday", tags=["intraday"])

SiteQuery = Query(pattern=CODE_PATTERN, description="Code of the site.", examples=["DUB"])
AtQuery = moment_query(
    default=None,
    description="Evaluate at this moment instead of the site clock's now (ISO 8601 with offset).",
)


def _aware(value: datetime | None, name: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ApiError(
            422,
            "invalid",
            f"query.{name}: needs a timezone offset",
            [{"field": f"query.{name}", "message": "needs a timezone offset (e.g. +01:00 or Z)"}],
        )
    return value.astimezone(UTC) if value is not None else None


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo is not None else value


# --- the state feed ----------------------------------------------------------------------------


@events_router.post("", response_model=s.BatchResultRead, dependencies=WRITE, responses=responses())
def post_agent_events(body: s.AgentEventBatch, session: SessionDep) -> Any:
    """Store a batch of agent state events.

    Idempotent by `event_id`. Each item is kept or rejected on its own, with a reason
    (`duplicate`, `conflicting_duplicate`, `unknown_agent`, `unknown_state`, `naive_timestamp`,
    `clock_skew`, `too_old`, `out_of_order`); the rest of the batch is stored.
    """
    result = svc.ingest_agent_events(
        session,
        events=[
            RawEvent(e.event_id, e.agent_code, _utc(e.occurred_at_utc), e.state, e.reason)
            for e in body.events
        ],
    )
    return s.BatchResultRead(
        received=result.received,
        accepted=result.accepted,
        duplicates=result.duplicates,
        rejected=[
            s.ItemRejectionRead(
                index=r.index, key=r.event_id, reason=r.reason.value, message=r.message
            )
            for r in result.rejections
        ],
    )


@events_router.get(
    "", response_model=list[s.AgentEventRead], dependencies=READ, responses=responses(404)
)
def list_agent_events(
    session: SessionDep,
    site: str = SiteQuery,
    start_utc: datetime = moment_query(description="From (inclusive), with offset."),
    end_utc: datetime = moment_query(description="Until (exclusive), with offset."),
    agent: str | None = Query(default=None, pattern=CODE_PATTERN, description="One agent."),
) -> Any:
    """Stored events of a site's agents in a time range, in time order."""
    start, end = _aware(start_utc, "start_utc"), _aware(end_utc, "end_utc")
    assert start is not None and end is not None
    if end - start > timedelta(days=2):
        raise ValidationError("query.end_utc: at most two days of events per request")
    SiteRepository(session).get(site)
    events = AgentStateFeedRepository(session).events(site, start, end, agent)
    out = [e for evs in events.values() for e in evs]
    out.sort(key=lambda e: e.occurred_at_utc)
    return [
        s.AgentEventRead(
            event_id=e.event_id,
            agent_code=e.agent_code,
            occurred_at_utc=e.occurred_at_utc,
            state=e.state,
            reason=e.reason,
            activity=e.activity.value,
        )
        for e in out
    ]


@snapshots_router.post(
    "", response_model=s.SnapshotResultRead, dependencies=WRITE, responses=responses()
)
def post_queue_snapshots(body: s.QueueSnapshotBatch, session: SessionDep) -> Any:
    """Store queue snapshots (idempotent by queue and time; rejected per item: `unknown_queue`,
    `naive_timestamp`, `clock_skew`, `duplicate`). A site in auto mode re-evaluates here."""
    result = svc.ingest_queue_snapshots(
        session,
        snapshots=[
            QueueSnapshot(
                q.queue_code,
                _utc(q.observed_at_utc),
                q.contacts_waiting,
                q.longest_wait_seconds,
                q.agents_ready,
                q.answered_today,
                q.abandoned_today,
            )
            for q in body.snapshots
        ],
    )
    return s.SnapshotResultRead(
        received=result.received,
        accepted=result.accepted,
        duplicates=sum(1 for r in result.rejections if r.reason == "duplicate"),
        rejected=[
            s.ItemRejectionRead(index=r.index, key=r.queue_code, reason=r.reason, message=r.message)
            for r in result.rejections
        ],
        auto_applied=[_move(m) for m in result.auto_applied],
    )


@snapshots_router.get(
    "", response_model=list[s.QueueSnapshotRead], dependencies=READ, responses=responses(404)
)
def list_queue_snapshots(
    session: SessionDep,
    site: str = SiteQuery,
    date_: date | None = day_query(
        default=None, alias="date", description="Local day (default: today)."
    ),
) -> Any:
    """A site's queue snapshots of one local day, oldest first."""
    site_obj = SiteRepository(session).get(site)
    day = date_ or svc.local_day(site_obj, svc.site_now(session, site))
    start, end = svc._local_day_bounds(site_obj, day)
    snaps = QueueSnapshotRepository(session).list(site, start, end)
    out = [x for per_queue in snaps.values() for x in per_queue]
    out.sort(key=lambda x: (x.observed_at_utc, x.queue_code))
    return [s.QueueSnapshotRead.model_validate(x, from_attributes=True) for x in out]


# --- adherence ---------------------------------------------------------------------------------


def _status(st: AgentStatus) -> s.AgentStatusRead:
    return s.AgentStatusRead(
        agent_code=st.agent_code,
        planned=st.planned.value if st.planned else None,
        actual=st.actual.value,
        scheduled=st.scheduled,
        in_adherence=st.in_adherence,
        out_since_utc=st.out_since_utc,
        out_for_seconds=st.out_for_seconds,
        state=st.state.value,
        shift_start_utc=st.shift_start_utc,
    )


@adherence_router.get(
    "/live", response_model=s.LiveAdherenceRead, dependencies=READ, responses=responses(404)
)
def live_adherence(
    session: SessionDep,
    site: str = SiteQuery,
    only_out: bool = Query(default=False, description="List only agents out of adherence."),
    at: datetime | None = AtQuery,
) -> Any:
    """Where each agent with a plan today stands now (in adherence, on break, out of adherence
    since when, absent, not started, between shifts, finished), longest out first."""
    live = svc.live_adherence(session, site_code=site, at_utc=_aware(at, "at"), only_out=only_out)
    return s.LiveAdherenceRead(
        as_of_utc=live.as_of_utc,
        scheduled_now=live.scheduled_now,
        out_of_adherence=live.out_of_adherence,
        agents=[_status(a) for a in live.agents],
        states=live.states,
        last_event_utc=live.last_event_utc,
    )


@adherence_router.get(
    "", response_model=list[s.AdherenceRead], dependencies=READ, responses=responses(404)
)
def adherence(
    session: SessionDep,
    site: str = SiteQuery,
    date_: date = day_query(alias="date", description="Local day (for a week: its first day)."),
    period: str = Query(
        default="day", pattern="^(interval|day|week)$", description="interval, day or week."
    ),
    interval_minutes: int = Query(default=15, description="For period=interval: 15, 30 or 60."),
    agent: str | None = Query(default=None, pattern=CODE_PATTERN, description="One agent."),
) -> Any:
    """Adherence and conformance per agent, per interval, local day or week."""
    rows = svc.adherence_report(
        session,
        site_code=site,
        day=date_,
        period=period,
        interval_minutes=interval_minutes,
        agent_code=agent,
    )
    return [
        s.AdherenceRead(
            agent_code=r.agent_code,
            period_start_utc=r.period_start_utc,
            period_minutes=r.period_minutes,
            scheduled_minutes=r.scheduled_minutes,
            adherent_minutes=r.adherent_minutes,
            scheduled_work_minutes=r.scheduled_work_minutes,
            worked_minutes=r.worked_minutes,
            adherence=r.adherence,
            conformance=r.conformance,
        )
        for r in rows
    ]


@adherence_router.get(
    "/minutes", response_model=s.MinuteAdherenceRead, dependencies=READ, responses=responses(404)
)
def adherence_minutes(
    session: SessionDep,
    site: str = SiteQuery,
    agent: str = Query(pattern=CODE_PATTERN, description="Code of the agent."),
    date_: date = day_query(alias="date", description="Local day."),
) -> Any:
    """One agent's local day minute by minute (seconds scheduled, adherent, ... per minute)."""
    m = svc.adherence_minutes(session, site_code=site, agent_code=agent, day=date_)
    return s.MinuteAdherenceRead(
        agent_code=m.agent_code,
        start_utc=m.start_utc,
        scheduled_seconds=m.scheduled_seconds.tolist(),
        adherent_seconds=m.adherent_seconds.tolist(),
        scheduled_work_seconds=m.scheduled_work_seconds.tolist(),
        worked_seconds=m.worked_seconds.tolist(),
    )


# --- reforecast, recommendation, switches -------------------------------------------------------


def _trade(t: Trade) -> s.TradeRead:
    return s.TradeRead(
        answer_rate_points=t.answer_rate_points,
        service_level_points=t.service_level_points,
        value_of_service=t.value_of_service,
        expected_sales_value=t.expected_sales_value,
        net_value=t.net_value,
        currency=t.currency,
        text=t.text,
    )


def _move(m: AgentMove) -> s.AgentMoveRead:
    return s.AgentMoveRead(
        agent_code=m.agent_code,
        to=m.to_activity.value,  # type: ignore[arg-type]
        queue_code=m.queue_code,
        campaign_code=m.campaign_code,
        campaign_value_per_hour=m.campaign_value_per_hour,
        until_utc=m.until_utc,
        trade=_trade(m.trade),
        hysteresis_margin_value=m.margin_value,
    )


def _recommendation(rec: Recommendation) -> s.RecommendationRead:
    return s.RecommendationRead(
        as_of_utc=rec.as_of_utc,
        direction=rec.direction.value,
        message=rec.message,
        agent_count=rec.count,
        moves=[_move(m) for m in rec.moves],
        until_utc=rec.until_utc,
        on_shift_now=rec.on_shift_now,
        servers_now=rec.servers_now,
        sellers_now=rec.sellers_now,
        service_level_without=rec.service_level_without,
        service_level_with=rec.service_level_with,
        answer_rate_without=rec.answer_rate_without,
        answer_rate_with=rec.answer_rate_with,
        outlook=[
            s.IntervalOutlookRead.model_validate(o, from_attributes=True) for o in rec.outlook
        ],
        notes=list(rec.notes),
        trade=_trade(rec.trade),
        currency=rec.currency,
        value_sources=[
            s.ValueSourceRead(
                campaign_code=v.campaign_code,
                source=v.source,  # type: ignore[arg-type]
                reason=v.reason,
                attempts=v.attempts,
                text=v.text,
            )
            for v in rec.value_sources
        ],
    )


@intraday_router.get(
    "/recommendation",
    response_model=s.RecommendationRead,
    dependencies=READ,
    responses=responses(404),
)
def recommendation(
    session: SessionDep, site: str = SiteQuery, at: datetime | None = AtQuery
) -> Any:
    """The sell/serve move now, decided in money: a pull or release is made when the value of
    the service it changes (answered contacts, the roster's under-target penalty) against the
    expected sales it gives up or gains nets more than the hysteresis margin. Returns the agents
    to switch, the predicted service level and answer rate with and without the move, and the
    trade per move and overall in points and money."""
    return _recommendation(svc.recommendation(session, site_code=site, at_utc=_aware(at, "at")))


@intraday_router.get(
    "/reforecast", response_model=s.ReforecastRead, dependencies=READ, responses=responses(404)
)
def reforecast(session: SessionDep, site: str = SiteQuery, at: datetime | None = AtQuery) -> Any:
    """The rest of the local day per queue: forecast x the actual-to-date ratio, damped towards
    the queue's recent level."""
    day = svc.reforecast_day(session, site_code=site, at_utc=_aware(at, "at"))
    return s.ReforecastRead(
        as_of_utc=day.as_of_utc,
        forecast_run_id=day.forecast.run.id,
        queues=[
            s.QueueReforecastRead(
                queue_code=code,
                interval_minutes=r.interval_minutes,
                raw_ratio=r.raw_ratio,
                applied_ratio=r.applied_ratio,
                prior_ratio=r.prior_ratio,
                actual_to_date=r.actual_to_date,
                forecast_to_date=r.forecast_to_date,
                intervals=[
                    s.ReforecastIntervalRead(
                        interval_start_utc=start,
                        forecast_offered=float(r.forecast_offered[i]),
                        actual_offered=(
                            None
                            if r.actual_offered[i] != r.actual_offered[i]
                            else float(r.actual_offered[i])
                        ),
                        reforecast_offered=float(r.reforecast_offered[i]),
                        reforecast_lo80=float(r.reforecast_lo80[i]),
                        reforecast_hi80=float(r.reforecast_hi80[i]),
                    )
                    for i, start in enumerate(r.interval_starts_utc)
                ],
            )
            for code, r in sorted(day.queues.items())
        ],
    )


@intraday_router.get(
    "/staffing", response_model=s.DayStaffingRead, dependencies=READ, responses=responses(404)
)
def staffing(session: SessionDep, site: str = SiteQuery, at: datetime | None = AtQuery) -> Any:
    """The local day per queue and interval: agents required on the reforecast, scheduled by
    the effective plan, and serving by their states (elapsed intervals only)."""
    day = svc.day_staffing(session, site_code=site, at_utc=_aware(at, "at"))
    return s.DayStaffingRead(
        as_of_utc=day.as_of_utc,
        interval_minutes=day.interval_minutes,
        interval_starts_utc=list(day.interval_starts_utc),
        queues=[
            s.QueueStaffingRead(
                queue_code=q.queue_code,
                servers_required=list(q.required),
                servers_scheduled=list(q.scheduled),
                servers_serving=list(q.serving),
            )
            for q in day.queues
        ],
    )


def _change(c: PlanChange, **extra: Any) -> s.PlanChangeRead:
    return s.PlanChangeRead(
        id=c.id,
        agent_code=c.agent_code,
        start_utc=c.start_utc,
        end_utc=c.end_utc,
        activity=c.activity.value if c.activity else None,
        kind=c.kind.value,
        queue_code=c.queue_code,
        campaign_code=c.campaign_code,
        reason=c.reason,
        **extra,
    )


def _who(principal: Principal) -> str:
    return f"{principal.role.value}:{principal.name}"


@intraday_router.post(
    "/switch", response_model=s.SwitchRead, dependencies=WRITE, responses=responses(404)
)
def switch(body: s.SwitchCreate, session: SessionDep, principal: PrincipalDep) -> Any:
    """Record a sell/serve switch for named agents as an authorised plan change.

    Each agent's switch ends at their own `end_utc`, else the request's, else at the end of
    their current block of the activity switched from (next break, lunch, shift end or planned
    change; at most 4 hours). Rejected per agent: `unknown_agent`, `not_on_shift`,
    `not_selling` / `not_serving`, `no_skill` (the queue, or the campaign), `campaign_closed`,
    `invalid_end`, `duplicate`; the rest are kept.
    """
    result = svc.record_switch(
        session,
        site_code=body.site,
        to_activity=Activity(body.to),
        items=[
            svc.SwitchItem(
                a.agent_code,
                a.queue_code,
                a.campaign_code,
                _utc(a.end_utc) if a.end_utc else None,
            )
            for a in body.agents
        ],
        start_utc=_utc(body.start_utc) if body.start_utc else None,
        end_utc=_utc(body.end_utc) if body.end_utc else None,
        reason=body.reason,
        created_by=_who(principal),
    )
    return s.SwitchRead(
        start_utc=result.start_utc,
        end_utc=result.end_utc,
        accepted=[
            _change(c, source="manager", created_by=_who(principal)) for c in result.accepted
        ],
        rejected=[
            s.SwitchRejectionRead.model_validate(r, from_attributes=True) for r in result.rejections
        ],
    )


@intraday_router.post(
    "/exceptions",
    response_model=s.PlanChangeRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=WRITE,
    responses=responses(404),
)
def add_exception(body: s.ExceptionCreate, session: SessionDep, principal: PrincipalDep) -> Any:
    """Record an approved exception (a meeting, training, an absence) over an agent's shift; it
    changes the plan, so it never counts against the agent's adherence."""
    change = svc.record_exception(
        session,
        site_code=body.site,
        agent_code=body.agent_code,
        start_utc=_utc(body.start_utc),
        end_utc=_utc(body.end_utc),
        activity=Activity(body.activity) if body.activity else None,
        reason=body.reason,
        created_by=_who(principal),
    )
    return _change(change, source="manager", created_by=_who(principal))


@intraday_router.get(
    "/plan-changes",
    response_model=list[s.PlanChangeRead],
    dependencies=READ,
    responses=responses(404),
)
def list_plan_changes(
    session: SessionDep,
    site: str = SiteQuery,
    start_utc: datetime = moment_query(description="Changes overlapping from (with offset)."),
    end_utc: datetime = moment_query(description="Until (with offset)."),
    after_id: int | None = Query(default=None, ge=0, description="Only changes with a later id."),
) -> Any:
    """Authorised plan changes (switches and exceptions), in the order they were recorded."""
    start, end = _aware(start_utc, "start_utc"), _aware(end_utc, "end_utc")
    assert start is not None and end is not None
    stored = svc.plan_changes(
        session, site_code=site, start_utc=start, end_utc=end, after_id=after_id
    )
    return [
        _change(x.change, source=x.source, created_by=x.created_by, created_at_utc=x.created_at_utc)
        for x in stored
    ]


@intraday_router.post(
    "/auto/run", response_model=s.AutoRunRead, dependencies=WRITE, responses=responses(404)
)
def run_auto(session: SessionDep, site: str = SiteQuery) -> Any:
    """Evaluate the recommendation now and, if the site's auto mode is on, apply it within the
    limits set in the site's intraday settings."""
    result = svc.run_auto_mode(session, site_code=site)
    return s.AutoRunRead(
        recommendation=_recommendation(result.recommendation),
        applied=[_move(m) for m in result.applied],
        rejected=[
            s.SwitchRejectionRead.model_validate(r, from_attributes=True) for r in result.rejections
        ],
    )


@intraday_router.get(
    "/recommendations/log",
    response_model=list[s.RecommendationLogRead],
    dependencies=READ,
    responses=responses(404),
)
def recommendation_log(
    session: SessionDep,
    site: str = SiteQuery,
    limit: int = Query(default=50, ge=1, le=1000, description="Newest first, at most this many."),
) -> Any:
    """Recommendations the auto mode evaluated (and whether it applied them), newest first."""
    SiteRepository(session).get(site)
    from wfm.db.repositories.intraday import RecommendationLogRepository

    return RecommendationLogRepository(session).list(site, limit)


# --- settings, clock, mapping, the day's plan ----------------------------------------------------


def _settings(session: SessionDep, site: str) -> s.IntradaySettingsRead:
    st = svc.get_settings(session, site)
    return s.IntradaySettingsRead(
        site=site,
        auto_enabled=st.auto_enabled,
        auto_max_agents_per_move=st.auto_max_agents_per_move,
        auto_max_agents_switched=st.auto_max_agents_switched,
        auto_allow_to_serve=st.auto_allow_to_serve,
        auto_allow_to_sell=st.auto_allow_to_sell,
        state_mapping=st.state_mapping,
        clock_now_utc=svc.site_now(session, site),
        clock_simulated=st.clock_start_utc is not None,
        clock_speed=st.clock_speed,
    )


@intraday_router.get(
    "/settings", response_model=s.IntradaySettingsRead, dependencies=READ, responses=responses(404)
)
def get_settings(session: SessionDep, site: str = SiteQuery) -> Any:
    """The site's auto mode limits, ACD state mapping and clock."""
    return _settings(session, site)


@intraday_router.put(
    "/settings", response_model=s.IntradaySettingsRead, dependencies=WRITE, responses=responses(404)
)
def put_settings(
    body: s.IntradaySettingsUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    site: str = SiteQuery,
) -> Any:
    """Change the auto mode limits and/or the ACD state mapping (fields left out stay)."""
    changes = body.model_dump(exclude_unset=True)
    if "state_mapping" in changes and body.state_mapping is not None:
        changes["state_mapping"] = {
            "states": dict(body.state_mapping.states),
            "reasons": [list(r) for r in body.state_mapping.reasons],
        }
    svc.update_settings(session, site_code=site, changes=changes, updated_by=_who(principal))
    return _settings(session, site)


@intraday_router.put(
    "/clock",
    response_model=s.IntradaySettingsRead,
    dependencies=WRITE,
    responses=responses(404, 409),
)
def put_clock(body: s.ClockSet, session: SessionDep, principal: PrincipalDep) -> Any:
    """Run a simulated site clock from `now_utc` at `speed` times real time (for the live-day
    simulator and demos; every intraday "now" of the site follows it).

    Only on a site marked as a simulation (`is_simulation` on `/v1/sites`); a live site answers
    409 and keeps the real time."""
    svc.set_clock(
        session,
        site_code=body.site,
        now_utc=_utc(body.now_utc),
        speed=body.speed,
        updated_by=_who(principal),
    )
    return _settings(session, body.site)


@intraday_router.delete(
    "/clock", response_model=s.IntradaySettingsRead, dependencies=WRITE, responses=responses(404)
)
def delete_clock(session: SessionDep, principal: PrincipalDep, site: str = SiteQuery) -> Any:
    """Back to the real clock."""
    svc.set_clock(session, site_code=site, now_utc=None, updated_by=_who(principal))
    return _settings(session, site)


@intraday_router.get(
    "/state-mapping",
    response_model=list[s.StateMappingRowRead],
    dependencies=READ,
    responses=responses(404),
)
def state_mapping(session: SessionDep, site: str = SiteQuery) -> Any:
    """The site's ACD state mapping as rows (the default table with the site's changes)."""
    return svc.state_mapping_from(svc.get_settings(session, site).state_mapping).as_table()


@intraday_router.get(
    "/day", response_model=s.DayPlanRead, dependencies=READ, responses=responses(404)
)
def day_plan(
    session: SessionDep,
    site: str = SiteQuery,
    date_: date = day_query(alias="date", description="Local day."),
) -> Any:
    """The local day's forecast per queue and interval, the campaigns' value over the day, and
    every agent's effective plan (published roster with authorised changes)."""
    plan = svc.day_plan(session, site_code=site, day=date_)
    f = plan.forecast
    return s.DayPlanRead(
        site=site,
        timezone=plan.site.timezone,
        date=plan.day,
        interval_minutes=f.interval_minutes,
        interval_starts_utc=list(f.interval_starts_utc),
        queues=[_day_queue(q, plan.site, f) for q in plan.queues],
        campaigns_open={
            c.code: [
                svc.campaign_values_now([c], plan.site, start).get(c.code, 0.0)
                for start in f.interval_starts_utc
            ]
            for c in plan.campaigns
        },
        agents=[
            s.FloorAgentRead(
                agent_code=code,
                name=plan.agents[code].name,
                queue_skills=sorted(plan.agents[code].queue_skills),
                campaign_skills=sorted(plan.agents[code].campaign_skills),
                plan=[s.PlanSpanRead.model_validate(p, from_attributes=True) for p in spans],
            )
            for code, spans in sorted(plan.plans.items())
        ],
    )


_PATIENCE_SOURCES: dict[PatienceSource, Literal["calibration", "history", "site"]] = {
    PatienceSource.CALIBRATION: "calibration",
    PatienceSource.HISTORY: "history",
    PatienceSource.SITE: "site",
}


def _day_queue(queue: Queue, site: Site, forecast: svc.DayForecast) -> s.DayQueueRead:
    """A queue's day: its targets, the patience its model uses and where that comes from (its
    own estimate, else the site's setting), and the forecast."""
    model = QueueModel.of_queue(queue, site, forecast.interval_minutes)
    patience = model.patience
    assert patience.seconds is not None  # a stored queue's model always has one
    return s.DayQueueRead(
        queue_code=queue.code,
        channel=queue.channel.value,
        service_level_target=model.service_level_target,
        min_answer_rate=model.min_answer_rate,
        max_abandon_rate=model.max_abandon_rate,
        answer_rate_target=model.answer_rate_target,
        service_threshold_seconds=queue.service_threshold_seconds,
        patience_seconds=patience.seconds,
        patience_source=_PATIENCE_SOURCES.get(patience.source, "site"),
        concurrency=max(queue.chat_concurrency, 1),
        forecast_offered=[float(x) for x in forecast.offered[queue.code]],
        aht_seconds=[float(x) for x in forecast.aht_seconds[queue.code]],
    )


ROUTERS = [events_router, snapshots_router, adherence_router, intraday_router]
