"""Repositories, one module per entity: all SQL of the project lives here. They `flush()`, never
`commit()`."""

from wfm.db.repositories.agents import (
    AgentRecord,
    AgentRepository,
    AvailabilityEntry,
    TimeOffEntry,
)
from wfm.db.repositories.calendar_feeds import CalendarFeedOwner, CalendarFeedRepository
from wfm.db.repositories.callbacks import CallbackRepository
from wfm.db.repositories.campaigns import CampaignRepository
from wfm.db.repositories.capacity_plans import CapacityPlanRecord, CapacityPlanRepository
from wfm.db.repositories.dialer_attempts import DialerAttemptRepository
from wfm.db.repositories.forecasts import ForecastRepository, RequirementRepository
from wfm.db.repositories.history import HistoryRepository, HistorySpan
from wfm.db.repositories.lead_lists import LeadListRepository
from wfm.db.repositories.notifications import (
    DeliveryRecord,
    DueDelivery,
    NotificationRepository,
    PreferenceRecord,
    WebhookRecord,
)
from wfm.db.repositories.operations import AdherenceRepository, AgentEventRepository, JobRepository
from wfm.db.repositories.queues import QueueRepository
from wfm.db.repositories.scenarios import ScenarioRecord, ScenarioRepository
from wfm.db.repositories.schedules import ScheduleRepository
from wfm.db.repositories.segments import SegmentRepository
from wfm.db.repositories.shift_trades import ShiftTradeRepository
from wfm.db.repositories.site_calendar import SiteCalendarRepository
from wfm.db.repositories.site_rules import SiteRulesRepository
from wfm.db.repositories.sites import SiteRepository
from wfm.db.repositories.time_off import TimeOffRequestRepository
from wfm.db.repositories.tokens import TokenEntry, TokenRepository
from wfm.db.repositories.workers import WorkerEntry, WorkerRepository

__all__ = [
    "AdherenceRepository",
    "AgentEventRepository",
    "AgentRecord",
    "AgentRepository",
    "AvailabilityEntry",
    "CalendarFeedOwner",
    "CalendarFeedRepository",
    "CallbackRepository",
    "CapacityPlanRecord",
    "CapacityPlanRepository",
    "CampaignRepository",
    "DeliveryRecord",
    "DialerAttemptRepository",
    "DueDelivery",
    "ForecastRepository",
    "HistoryRepository",
    "HistorySpan",
    "JobRepository",
    "LeadListRepository",
    "NotificationRepository",
    "PreferenceRecord",
    "QueueRepository",
    "RequirementRepository",
    "ScenarioRecord",
    "ScenarioRepository",
    "ScheduleRepository",
    "SegmentRepository",
    "ShiftTradeRepository",
    "SiteRepository",
    "SiteCalendarRepository",
    "SiteRulesRepository",
    "TimeOffEntry",
    "TimeOffRequestRepository",
    "TokenEntry",
    "TokenRepository",
    "WebhookRecord",
    "WorkerEntry",
    "WorkerRepository",
]
