"""The sell/serve recommendation for a site now: the queues' load over the next intervals, the
agents on the floor, the campaigns calling, handed to `wfm.domain.intraday.recommend`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from wfm.db.repositories import CampaignRepository, QueueRepository
from wfm.db.repositories.intraday import AgentStateFeedRepository, CurrentState
from wfm.domain import Activity, Campaign, Site
from wfm.domain.errors import NotFoundError
from wfm.domain.intraday import (
    ChangeKind,
    FloorAgent,
    QueueLoad,
    Recommendation,
    RecommendationConfig,
    ReforecastConfig,
    recommend,
)
from wfm.domain.intraday.day_target import QueueDay, planned_for_day, with_day_floors
from wfm.domain.intraday.states import ActualActivity
from wfm.domain.money import DEFAULT_CURRENCY
from wfm.domain.queue_model import QueueModel
from wfm.services.intraday.clock import site_now
from wfm.services.intraday.economics import floor_economics
from wfm.services.intraday.floor import EVENT_LOOKBACK, Floor, load_floor
from wfm.services.intraday.reforecast import DayForecast, DayReforecast, reforecast_day

SNAPSHOT_FRESH = timedelta(minutes=10)  # contacts waiting count only from a recent snapshot


def campaign_values_now(campaigns: Sequence[Campaign], site: Site, at_utc: datetime) -> dict:
    """Value per scheduled hour (value per productive hour x efficiency) of each campaign whose
    calling window is open at `at_utc` (local time of the site)."""
    local = at_utc.astimezone(ZoneInfo(site.timezone))
    out: dict[str, float] = {}
    for c in campaigns:
        open_now = any(
            w.weekday == local.weekday() and w.start_local <= local.time() < w.end_local
            for w in c.calling_windows
        )
        if not open_now:
            continue
        by_hour = c.value_per_productive_hour_by_hour
        value = by_hour[local.hour] if len(by_hour) == 24 else 0.0
        out[c.code] = float(value) * c.efficiency
    return out


def recommendation(
    session: Session,
    *,
    site_code: str,
    at_utc: datetime | None = None,
    config: RecommendationConfig = RecommendationConfig(),
    reforecast_config: ReforecastConfig = ReforecastConfig(),
    currency: str = DEFAULT_CURRENCY,
) -> Recommendation:
    """The sell/serve move for the site now (see `wfm.domain.intraday.recommendation`), its
    money in `currency` (sites have no currency setting yet)."""
    now = at_utc or site_now(session, site_code)
    day_re = reforecast_day(session, site_code=site_code, at_utc=now, config=reforecast_config)
    forecast = day_re.forecast
    current, horizon = _horizon(forecast, now, config.horizon_intervals)
    length = timedelta(minutes=forecast.interval_minutes)
    horizon_end = horizon[-1] + length
    day_end = forecast.interval_starts_utc[-1] + length
    floor = load_floor(session, site_code, now - EVENT_LOOKBACK, max(horizon_end, day_end), now)
    loads = _queue_loads(session, floor.site, day_re, current, len(horizon), now)
    states = AgentStateFeedRepository(session).current_states(site_code)
    last_switch, last_pull = _last_switches(floor, now)
    on_day = _floor_agents_in_horizon(floor, states, last_switch, now, day_end)
    agents = [
        a for a in on_day if any(s.start_utc < horizon_end and s.end_utc > now for s in a.plan)
    ]
    loads = with_day_floors(loads, _queue_days(day_re, loads, on_day, current))
    campaigns = CampaignRepository(session).list(site_code)
    economics = floor_economics(
        session,
        site=floor.site,
        campaigns=campaigns,
        now_utc=now,
        interval_starts_utc=horizon,
        currency=currency,
        horizon_end_utc=horizon_end,
        callback_handle_minutes=_handle_minutes(loads),
    )
    return recommend(
        now_utc=now,
        interval_starts_utc=horizon,
        interval_minutes=forecast.interval_minutes,
        queues=loads,
        agents=agents,
        economics=economics,
        last_pull_utc=last_pull,
        config=config,
    )


def _queue_days(
    day_re: DayReforecast, loads: Sequence[QueueLoad], agents: Sequence[FloorAgent], current: int
) -> dict[str, QueueDay]:
    """Each queue's day around the horizon, for its answer-rate floor (`with_day_floors`): the
    contacts answered and abandoned today by its latest snapshot (none without one), and from
    the current interval to the day's end the reforecast, the forecast handle time, and the
    servers and the sellers who could serve it in the effective plan."""
    forecast = day_re.forecast
    starts = list(forecast.interval_starts_utc[current:])
    length = timedelta(minutes=forecast.interval_minutes)
    codes = [load.queue_code for load in loads]
    servers, sellers = planned_for_day(agents, codes, starts, length)
    days = {}
    for code in codes:
        snap = day_re.latest_snapshots.get(code)
        days[code] = QueueDay(
            offered_before=0.0
            if snap is None
            else float(snap.answered_today + snap.abandoned_today),
            answered_before=0.0 if snap is None else float(snap.answered_today),
            offered=day_re.queues[code].reforecast_offered[current:],
            aht_seconds=forecast.aht_seconds[code][current:],
            servers=servers[code],
            sellers=sellers[code],
        )
    return days


def _handle_minutes(loads: Sequence[QueueLoad]) -> float | None:
    """The queues' contact-weighted mean handle time over the horizon, minutes (None without
    contacts): what a callback takes where its campaign's attempts cannot tell."""
    contacts = sum(float(sum(q.offered)) for q in loads)
    if contacts <= 0:
        return None
    handle = sum(
        float(sum(c * a for c, a in zip(q.offered, q.aht_seconds, strict=False))) for q in loads
    )
    return handle / contacts / 60.0


def _horizon(
    forecast: DayForecast, now: datetime, horizon_intervals: int
) -> tuple[int, list[datetime]]:
    """The index of the interval `now` falls in, and the starts of the intervals looked ahead
    over (from that one on)."""
    length = timedelta(minutes=forecast.interval_minutes)
    starts = forecast.interval_starts_utc
    current = next((i for i, s in enumerate(starts) if s <= now < s + length), None)
    if current is None:
        raise NotFoundError(f"{now.isoformat()} is outside the forecast day")
    return current, list(starts[current : current + horizon_intervals])


def _queue_loads(
    session: Session,
    site: Site,
    day_re: DayReforecast,
    current: int,
    intervals: int,
    now: datetime,
) -> list[QueueLoad]:
    """The queueing inputs of the recommendation, one `QueueLoad` per queue of the site: the
    reforecast offered load and the forecast AHT over the `intervals` intervals from `current`,
    the queue's model (targets, its patience estimate or the site's setting, concurrency), and
    the contacts waiting in a recent snapshot."""
    interval_minutes = day_re.forecast.interval_minutes
    loads = []
    for queue in QueueRepository(session).list(site.code):
        r = day_re.queues[queue.code]
        snap = day_re.latest_snapshots.get(queue.code)
        waiting = (
            float(snap.contacts_waiting)
            if snap is not None and now - snap.observed_at_utc <= SNAPSHOT_FRESH
            else 0.0
        )
        # The rest of the current interval runs at the reforecast rate of its remaining part.
        offered = r.reforecast_offered[current : current + intervals].copy()
        lo80 = r.reforecast_lo80[current : current + intervals].copy()
        hi80 = r.reforecast_hi80[current : current + intervals].copy()
        if r.current_index == current and r.elapsed_fraction < 1:
            whole = float(offered[0])
            offered[0] = r.forecast_offered[current] * r.applied_ratio
            # the band of the current interval, in proportion to the part of it looked at
            scale = float(offered[0]) / whole if whole > 0 else 1.0
            lo80[0], hi80[0] = lo80[0] * scale, hi80[0] * scale
        aht = day_re.forecast.aht_seconds[queue.code][current : current + intervals]
        loads.append(
            QueueLoad(
                model=QueueModel.of_queue(queue, site, interval_minutes),
                offered=[float(x) for x in offered],
                aht_seconds=[float(x) for x in aht],
                contacts_waiting=waiting,
                offered_lo80=[float(x) for x in lo80],
                offered_hi80=[float(x) for x in hi80],
            )
        )
    return loads


def _last_switches(floor: Floor, now: datetime) -> tuple[dict[str, datetime], datetime | None]:
    """When each agent was last switched, and when an agent was last pulled to serve (switches
    recorded after `now` are not known yet at `now`)."""
    last_switch: dict[str, datetime] = {}
    last_pull: datetime | None = None
    for stored in floor.changes:
        if stored.change.kind is not ChangeKind.SWITCH or stored.created_at_utc > now:
            continue
        code = stored.change.agent_code
        last_switch[code] = max(last_switch.get(code, stored.created_at_utc), stored.created_at_utc)
        if stored.change.activity is Activity.SERVE:
            last_pull = (
                stored.created_at_utc
                if last_pull is None
                else max(last_pull, stored.created_at_utc)
            )
    return last_switch, last_pull


def _floor_agents_in_horizon(
    floor: Floor,
    states: Mapping[str, CurrentState],
    last_switch: Mapping[str, datetime],
    now: datetime,
    horizon_end: datetime,
) -> list[FloorAgent]:
    """The agents planned on shift between `now` and the end of the horizon, with their skills,
    plan, state now and last switch."""
    agents = []
    for code, plan in floor.plans.items():
        if not any(s.start_utc < horizon_end and s.end_utc > now for s in plan):
            continue
        row = floor.agents[code]
        state = states.get(code)
        published_now = next(
            (s.activity for s in floor.published.get(code, []) if s.start_utc <= now < s.end_utc),
            None,
        )
        agents.append(
            FloorAgent(
                agent_code=code,
                queue_skills=row.queue_skills,
                campaign_skills=row.campaign_skills,
                plan=tuple(plan),
                actual=_actual_now(state, now),
                last_switch_utc=last_switch.get(code),
                published_activity_now=published_now,
            )
        )
    return agents


def _actual_now(state: CurrentState | None, now: datetime) -> ActualActivity | None:
    """The agent's state now; a state time-stamped after `now` is not known yet at `now`."""
    if state is None or state.occurred_at_utc > now:
        return None
    return state.activity
