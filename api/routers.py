"""Every router of the API, in the order the OpenAPI document lists them."""

from __future__ import annotations

from api.agents.endpoints import router as agents
from api.campaigns.endpoints import router as campaigns
from api.intraday.endpoints import ROUTERS as intraday
from api.me.endpoints import router as me
from api.queues.endpoints import router as queues
from api.segments.endpoints import router as segments
from api.sites.endpoints import router as sites

ROUTERS = [me, sites, queues, segments, campaigns, agents, *intraday]
