"""Every router of the API, in the order the OpenAPI document lists them."""

from __future__ import annotations

from api.agents.endpoints import router as agents
from api.bidding.endpoints import me_router as my_bids
from api.bidding.endpoints import router as bidding
from api.campaigns.endpoints import router as campaigns
from api.capacity_plans.endpoints import router as capacity_plans
from api.forecasts.endpoints import router as forecasts
from api.history.endpoints import router as history
from api.intraday.endpoints import ROUTERS as intraday
from api.jobs.endpoints import router as jobs
from api.kpis.endpoints import router as kpis
from api.me.calendar_feed import router as calendar_feed
from api.me.endpoints import router as me
from api.me.self_service import router as self_service
from api.notifications.endpoints import router as notifications
from api.outbound.endpoints import router as outbound
from api.queues.endpoints import router as queues
from api.requirements.endpoints import router as requirements
from api.scenarios.endpoints import router as scenarios
from api.schedules.endpoints import router as schedules
from api.segments.endpoints import router as segments
from api.site_rules.endpoints import router as site_rules
from api.sites.endpoints import router as sites
from api.staffing.endpoints import router as staffing
from api.time_off.endpoints import ROUTERS as time_off

ROUTERS = [
    me,
    calendar_feed,
    *time_off,
    my_bids,
    self_service,
    sites,
    site_rules,
    queues,
    segments,
    campaigns,
    agents,
    history,
    outbound,
    kpis,
    staffing,
    forecasts,
    requirements,
    schedules,
    scenarios,
    capacity_plans,
    bidding,
    jobs,
    notifications,
    *intraday,
]
