"""The money the floor recommendation weighs, for a site now: what an hour of selling each
campaign is worth in each interval of the horizon, what room each campaign has (calling window,
weekly cap, lead list, callbacks), the roster's under-target penalty, and the currency.

`selling_values` is the one place the value of a selling hour comes from: the value the roster
uses too (`wfm.services.selling_value`: learned per campaign from the site's dialer attempts of
the 28 days before today, source "estimated", at the interval's local hour of week; the typed
value where the data cannot carry it, source "typed", with the reason), which
`FloorEconomics.value_sources` states per campaign.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from scheduling.problem import CallingWindow, CampaignSpec, Horizon, Problem
from wfm.db.repositories import (
    CallbackRepository,
    CampaignRepository,
    DialerAttemptRepository,
    LeadListRepository,
)
from wfm.domain import Activity, Campaign, Site
from wfm.domain.dialer import CONTACT_RESULTS, CallbackStatus
from wfm.domain.grid import WEEK_FIRST_WEEKDAY, week_bounds_utc
from wfm.domain.intraday import (
    SOURCE_ESTIMATED,
    SOURCE_TYPED,
    CampaignRoom,
    FloorEconomics,
    SellingValue,
    ValueSource,
)
from wfm.domain.money import DEFAULT_CURRENCY
from wfm.domain.outbound import ListDepletion, Proficiencies
from wfm.services import selling_value as learned_values
from wfm.services.intraday.floor import load_floor
from wfm.services.selling_value import CampaignSellingValues


def _calling_at(campaign: Campaign, local: datetime) -> bool:
    return any(
        w.weekday == local.weekday() and w.start_local <= local.time() < w.end_local
        for w in campaign.calling_windows
    )


def selling_values(
    campaigns: Sequence[Campaign],
    site: Site,
    interval_starts_utc: Sequence[datetime],
    learned: Sequence[CampaignSellingValues] = (),
    proficiencies: Proficiencies | None = None,
) -> tuple[SellingValue, ...]:
    """Expected sales of an hour of selling each campaign in each interval whose start lies in
    one of its calling windows: the value per productive hour at that local hour, times the
    campaign's efficiency (the productive share of a scheduled hour), as the roster counts it.
    The value is the `learned` one of the campaign (`wfm.services.selling_value`) at the
    interval's local hour of week where it is estimated (source "estimated"), else the typed one
    at the local hour (source "typed").

    Where the value is estimated, each agent of `proficiencies` whose proficiency is not the
    team's (1) gets their own value (`SellingValue.agent_code`, source "estimated"): the
    campaign's x their proficiency (shrunk toward the team's), which overrides the campaign's
    for that agent."""
    zone = ZoneInfo(site.timezone)
    by_code = {v.campaign_code: v for v in learned}
    values = []
    for c in campaigns:
        by_hour = c.value_per_productive_hour_by_hour
        if len(by_hour) != 24:
            continue
        week = by_code[c.code].by_hour_of_week if c.code in by_code else ()
        for start in interval_starts_utc:
            local = start.astimezone(zone)
            if not _calling_at(c, local):
                continue
            value, source = float(by_hour[local.hour]), SOURCE_TYPED
            if week:
                hour = week[local.weekday() * 24 + local.hour]
                if hour.source == SOURCE_ESTIMATED:
                    value, source = hour.value_per_productive_hour, SOURCE_ESTIMATED
            values.append(SellingValue(c.code, start, value, c.efficiency, None, source))
            if source == SOURCE_ESTIMATED and proficiencies is not None:
                values.extend(
                    SellingValue(
                        c.code, start, value * a.estimate, c.efficiency, a.agent_code, source
                    )
                    for a in proficiencies.agents
                    if a.estimate != 1.0
                )
    return tuple(values)


def learned_selling_values(
    session: Session, site: Site, now_utc: datetime
) -> tuple[tuple[CampaignSellingValues, ...], Proficiencies | None]:
    """The roster's values of a selling hour for the site (`wfm.services.selling_value`), from
    the attempts of the 28 days before the local day of `now_utc`, and the agents'
    proficiencies from the same attempts."""
    zone = ZoneInfo(site.timezone)
    midnight = datetime.combine(now_utc.astimezone(zone).date(), datetime.min.time(), zone)
    end = midnight.astimezone(UTC)
    campaigns = tuple(c for c in CampaignRepository(session).list(site.code) if c.calling_windows)
    attempts = DialerAttemptRepository(session).count_in_window(
        campaign_codes=[c.code for c in campaigns],
        start_utc=end - timedelta(days=learned_values.DEFAULT_LOOKBACK_DAYS),
        end_utc=end,
    )
    # every input of the estimate: stored attempts are never changed, only added (or deleted
    # with their campaign), so the window's count and the campaigns tell whether it is the same
    key = (site.code, site.timezone, end, repr(campaigns), attempts)
    if key not in _LEARNED:
        if len(_LEARNED) >= _LEARNED_SIZE:
            _LEARNED.pop(next(iter(_LEARNED)))
        _LEARNED[key] = learned_values.selling_values_and_proficiencies(
            session, site_code=site.code, end_utc=end
        )
    return _LEARNED[key]


# The learned values of the last few (site, day, campaigns, attempts) asked for: the estimate
# reads and fits a month of attempts, the same for every recommendation of a day.
_LEARNED: dict[
    tuple[str, str, datetime, str, int],
    tuple[tuple[CampaignSellingValues, ...], Proficiencies],
] = {}
_LEARNED_SIZE = 16


def value_sources(learned: Sequence[CampaignSellingValues]) -> tuple[ValueSource, ...]:
    """Per campaign, where its value of a selling hour comes from and why."""
    return tuple(ValueSource(v.campaign_code, v.source, v.reason, v.attempts) for v in learned)


def under_target_penalty_per_agent_hour(site: Site, campaigns: Sequence[Campaign]) -> float:
    """The roster optimizer's penalty per agent-hour a queue is short of its requirement, for
    these campaigns (`scheduling.problem.Problem.under_target_penalty_per_agent_hour`: twice the
    best selling value of an agent-hour, at least 50), so the floor prices a shortfall as the
    plan does."""
    specs = tuple(
        CampaignSpec(
            code=c.code,
            value_per_productive_hour_by_hour=c.value_per_productive_hour_by_hour,
            calling_hours=tuple(
                CallingWindow(w.weekday, w.start_local, w.end_local) for w in c.calling_windows
            ),
            efficiency=c.efficiency,
        )
        for c in campaigns
        if c.calling_windows
    )
    problem = Problem(
        site_code=site.code,
        timezone=site.timezone,
        horizon=Horizon(start_date=date(2000, 1, 3), days=1),
        queues=(),
        agents=(),
        campaigns=specs,
    )
    return problem.under_target_penalty_per_agent_hour()


def calling_until(campaign: Campaign, now_utc: datetime, zone: ZoneInfo) -> datetime | None:
    """The end of the campaign's calling window open at `now_utc`, windows that meet joined
    (None: none open)."""
    local = now_utc.astimezone(zone)
    today = [w for w in campaign.calling_windows if w.weekday == local.weekday()]
    if not any(w.start_local <= local.time() < w.end_local for w in today):
        return None
    end = local.time()
    extended = True
    while extended:
        extended = False
        for w in today:
            if w.start_local <= end < w.end_local:
                end, extended = w.end_local, True
    return datetime.combine(local.date(), end, tzinfo=zone).astimezone(now_utc.tzinfo)


def week_selling_hours(
    session: Session, site: Site, campaign_codes: set[str], now_utc: datetime
) -> dict[str, float]:
    """Selling hours of each campaign in the site's week containing `now_utc`, in the effective
    plan (the published roster with the authorised switches): sold so far and still planned."""
    zone = ZoneInfo(site.timezone)
    today = now_utc.astimezone(zone).date()
    week_start = today - timedelta(days=(today.weekday() - WEEK_FIRST_WEEKDAY) % 7)
    start, end = week_bounds_utc(week_start, zone)
    floor = load_floor(session, site.code, start, end, now_utc)
    hours = dict.fromkeys(campaign_codes, 0.0)
    for plan in floor.plans.values():
        for span in plan:
            if span.activity is Activity.SELL and span.campaign_code in hours:
                overlap = min(span.end_utc, end) - max(span.start_utc, start)
                if overlap > timedelta(0):
                    hours[span.campaign_code] += overlap.total_seconds() / 3600.0
    return hours


def callback_minutes_due(
    session: Session,
    site: Site,
    now_utc: datetime,
    horizon_end_utc: datetime,
    fallback_minutes: float | None = None,
) -> dict[str, float]:
    """Per campaign, the minutes of its open callbacks due from now to the horizon's end: their
    number x the minutes a callback takes, the mean talk + wrap of the campaign's attempts that
    reached a customer in the 28 days before (at least 2 of them), else `fallback_minutes` (the
    caller's inbound handle time), else none counted."""
    due = Counter(
        c.campaign_code
        for c in CallbackRepository(session).list(
            site_code=site.code,
            status=CallbackStatus.OPEN,
            due_from_utc=now_utc,
            due_before_utc=horizon_end_utc,
        )
    )
    if not due:
        return {}
    handled: dict[str, list[float]] = {code: [] for code in due}
    for attempt in DialerAttemptRepository(session).list(
        campaign_codes=sorted(due),
        start_utc=now_utc - timedelta(days=learned_values.DEFAULT_LOOKBACK_DAYS),
        end_utc=now_utc,
    ):
        if attempt.result in CONTACT_RESULTS:
            handled[attempt.campaign_code].append(attempt.talk_seconds + attempt.wrap_seconds)
    out = {}
    for code, count in due.items():
        seconds = handled[code]
        minutes = sum(seconds) / len(seconds) / 60.0 if len(seconds) >= 2 else fallback_minutes
        if minutes is not None:
            out[code] = count * minutes
    return out


def list_remaining_fractions(session: Session, site: Site, now_utc: datetime) -> dict[str, float]:
    """Per campaign with lead lists, the share of its lists' leads still callable now: each
    list depleted (`wfm.domain.outbound.ListDepletion`) by the week's attempts so far to its
    campaign and segment, at the contact rate of those attempts (do-not-call leads never
    callable)."""
    lists = LeadListRepository(session).list(site_code=site.code)
    if not lists:
        return {}
    zone = ZoneInfo(site.timezone)
    today = now_utc.astimezone(zone).date()
    week_start, _end = week_bounds_utc(
        today - timedelta(days=(today.weekday() - WEEK_FIRST_WEEKDAY) % 7), zone
    )
    made: Counter[tuple[str, str]] = Counter()
    reached: Counter[tuple[str, str]] = Counter()
    for attempt in DialerAttemptRepository(session).list(
        campaign_codes=sorted({x.campaign_code for x in lists}),
        start_utc=week_start,
        end_utc=now_utc,
    ):
        key = (attempt.campaign_code, attempt.segment_code)
        made[key] += 1
        reached[key] += attempt.result in CONTACT_RESULTS
    size: Counter[str] = Counter()
    left: dict[str, float] = {}
    for x in lists:
        key = (x.campaign_code, x.segment_code)
        depletion = ListDepletion(
            size_leads=x.size_leads,
            max_attempts_per_lead=x.max_attempts_per_lead,
            cool_off_minutes=x.cool_off_minutes,
            contact_rate=reached[key] / made[key] if made[key] else 0.0,
            do_not_call_leads=x.do_not_call_leads,
        )
        size[x.campaign_code] += x.size_leads
        left[x.campaign_code] = left.get(x.campaign_code, 0.0) + depletion.callable_leads(made[key])
    return {c: min(1.0, left[c] / n) if n else 0.0 for c, n in size.items()}


def campaign_rooms(
    session: Session,
    site: Site,
    campaigns: Sequence[Campaign],
    now_utc: datetime,
    callback_minutes: Mapping[str, float] | None = None,
    list_remaining: Mapping[str, float] | None = None,
) -> tuple[CampaignRoom, ...]:
    """Each campaign's room now: the calling window open now, the hours left under its weekly
    maximum after the week's planned and switched selling, and the `callback_minutes` due in
    the horizon (`callback_minutes_due`), and the share of its lead lists left
    (`list_remaining`, `list_remaining_fractions`; a campaign without lists has no limit)."""
    zone = ZoneInfo(site.timezone)
    capped = {c.code for c in campaigns if c.max_hours_per_week is not None}
    sold = week_selling_hours(session, site, capped, now_utc) if capped else {}
    return tuple(
        CampaignRoom(
            campaign_code=c.code,
            calling_until_utc=calling_until(c, now_utc, zone),
            hours_left_this_week=(
                None
                if c.max_hours_per_week is None
                else max(0.0, c.max_hours_per_week - sold.get(c.code, 0.0))
            ),
            callback_minutes_due=(callback_minutes or {}).get(c.code, 0.0),
            list_remaining_fraction=(list_remaining or {}).get(c.code, 1.0),
        )
        for c in campaigns
    )


def floor_economics(
    session: Session,
    *,
    site: Site,
    campaigns: Sequence[Campaign],
    now_utc: datetime,
    interval_starts_utc: Sequence[datetime],
    currency: str = DEFAULT_CURRENCY,
    learned: bool = True,
    horizon_end_utc: datetime | None = None,
    callback_handle_minutes: float | None = None,
) -> FloorEconomics:
    """The money of the floor now (see the module docstring), in `currency`. With
    `learned=False` every selling value is the typed one. Callbacks due count from now up to
    `horizon_end_utc` (None: none counted), each for the campaign's mean handle time or
    `callback_handle_minutes` where its attempts cannot tell."""
    values, proficiencies = (
        learned_selling_values(session, site, now_utc) if learned else ((), None)
    )
    callbacks = (
        callback_minutes_due(session, site, now_utc, horizon_end_utc, callback_handle_minutes)
        if horizon_end_utc is not None
        else {}
    )
    return FloorEconomics(
        under_target_penalty_per_agent_hour=under_target_penalty_per_agent_hour(site, campaigns),
        selling=selling_values(campaigns, site, interval_starts_utc, values, proficiencies),
        campaigns=campaign_rooms(
            session,
            site,
            campaigns,
            now_utc,
            callbacks,
            list_remaining_fractions(session, site, now_utc),
        ),
        currency=currency,
        value_sources=value_sources(values),
    )
