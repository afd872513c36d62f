"""Repositories: all SQL of the project lives here. They `flush()`, never `commit()`."""

from wfm.db.repositories.forecasts import ForecastRepository, RequirementRepository
from wfm.db.repositories.history import HistoryRepository, HistorySpan
from wfm.db.repositories.operations import (
    AdherenceRepository,
    AgentEventRepository,
    JobRepository,
    TokenRepository,
)
from wfm.db.repositories.agents import (
    AgentRepository,
    CampaignRepository,
    QueueRepository,
    SegmentRepository,
    SiteRepository,
)
from wfm.db.repositories.schedules import ScheduleRepository

__all__ = [
    "AdherenceRepository",
    "AgentEventRepository",
    "AgentRepository",
    "CampaignRepository",
    "ForecastRepository",
    "HistoryRepository",
    "HistorySpan",
    "JobRepository",
    "QueueRepository",
    "RequirementRepository",
    "ScheduleRepository",
    "SegmentRepository",
    "SiteRepository",
    "TokenRepository",
]
