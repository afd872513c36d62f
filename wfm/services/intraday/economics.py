"""The money the floor recommendation weighs, for a site now: what an hour of selling each
campaign is worth in each interval of the horizon, what room each campaign has (calling window,
weekly cap, lead list, callbacks), the roster's under-target penalty, and the currency.

`selling_values` is the one place the value of a selling hour comes from: today the campaign's
typed value per productive hour by local hour (source "typed"); learned values per agent,
campaign and interval (source "estimated") are to be filled in there, and nothing else changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from scheduling.problem import CallingWindow, CampaignSpec, Horizon, Problem
from wfm.domain import Activity, Campaign, Site
from wfm.domain.grid import WEEK_FIRST_WEEKDAY, week_bounds_utc
from wfm.domain.intraday import SOURCE_TYPED, CampaignRoom, FloorEconomics, SellingValue
from wfm.domain.money import DEFAULT_CURRENCY
from wfm.services.intraday.floor import load_floor


def _calling_at(campaign: Campaign, local: datetime) -> bool:
    return any(
        w.weekday == local.weekday() and w.start_local <= local.time() < w.end_local
        for w in campaign.calling_windows
    )


def selling_values(
    campaigns: Sequence[Campaign], site: Site, interval_starts_utc: Sequence[datetime]
) -> tuple[SellingValue, ...]:
    """Expected sales of an hour of selling each campaign in each interval whose start lies in
    one of its calling windows: the typed value per productive hour at that local hour, times the
    campaign's efficiency (the productive share of a scheduled hour), as the roster counts it.

    This is the seam for learned values: per-agent values (`SellingValue.agent_code`, source
    "estimated") added here override the campaign's for that agent."""
    zone = ZoneInfo(site.timezone)
    values = []
    for c in campaigns:
        by_hour = c.value_per_productive_hour_by_hour
        if len(by_hour) != 24:
            continue
        for start in interval_starts_utc:
            local = start.astimezone(zone)
            if _calling_at(c, local):
                values.append(
                    SellingValue(
                        campaign_code=c.code,
                        interval_start_utc=start,
                        value_per_productive_hour=float(by_hour[local.hour]),
                        productive_share=c.efficiency,
                        source=SOURCE_TYPED,
                    )
                )
    return tuple(values)


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


def _calling_until(campaign: Campaign, now_utc: datetime, zone: ZoneInfo) -> datetime | None:
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


def campaign_rooms(
    session: Session, site: Site, campaigns: Sequence[Campaign], now_utc: datetime
) -> tuple[CampaignRoom, ...]:
    """Each campaign's room now: the calling window open now, and the hours left under its
    weekly maximum after the week's planned and switched selling. The lead list and callbacks
    due carry no limit until their data feeds them."""
    zone = ZoneInfo(site.timezone)
    capped = {c.code for c in campaigns if c.max_hours_per_week is not None}
    sold = week_selling_hours(session, site, capped, now_utc) if capped else {}
    return tuple(
        CampaignRoom(
            campaign_code=c.code,
            calling_until_utc=_calling_until(c, now_utc, zone),
            hours_left_this_week=(
                None
                if c.max_hours_per_week is None
                else max(0.0, c.max_hours_per_week - sold.get(c.code, 0.0))
            ),
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
) -> FloorEconomics:
    """The money of the floor now (see the module docstring), in `currency`."""
    return FloorEconomics(
        under_target_penalty_per_agent_hour=under_target_penalty_per_agent_hour(site, campaigns),
        selling=selling_values(campaigns, site, interval_starts_utc),
        campaigns=campaign_rooms(session, site, campaigns, now_utc),
        currency=currency,
    )
