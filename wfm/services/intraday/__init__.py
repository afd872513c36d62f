"""Intraday use-cases: the state feed, queue snapshots, adherence, reforecast, the sell/serve
recommendation, switches and exceptions, and the auto mode.

Every function takes a session and works inside the caller's transaction (repositories flush,
the caller commits). Times are the **site clock**: the real clock, unless a simulated clock was set
for the site (`set_clock`), which the live-day simulator does so that a whole day can be played
fast; every "now" below is the site clock's.

One module per concern: `clock` (the site clock, the local day, the settings), `feed` (agent-state
events and queue snapshots), `floor` (plans and skills on the floor, the day's plan), `adherence`,
`reforecast`, `recommendation`, `switches` (sell/serve switches, exceptions) and `auto` (the auto
mode, the worker's cycle). The names below are the package's interface: `svc.recommendation` is
the function (imported here after its module), not the module of the same name.
"""

from wfm.services.intraday.adherence import (
    AdherenceTotals,
    LiveAdherence,
    RangeAdherence,
    adherence_minutes,
    adherence_over_days,
    adherence_report,
    live_adherence,
)
from wfm.services.intraday.auto import (
    AUTO_EVERY,
    AutoResult,
    intraday_cycle,
    run_auto_mode,
    run_due_auto_modes,
)
from wfm.services.intraday.clock import (
    _local_day_bounds,
    clock_now,
    get_settings,
    local_day,
    set_clock,
    site_now,
    state_mapping_from,
    update_settings,
)
from wfm.services.intraday.feed import (
    EventIngestResult,
    SnapshotIngestResult,
    SnapshotRejection,
    ingest_agent_events,
    ingest_queue_snapshots,
)
from wfm.services.intraday.floor import (
    EVENT_LOOKBACK,
    DayPlan,
    Floor,
    day_plan,
    load_floor,
)
from wfm.services.intraday.recommendation import (
    SNAPSHOT_FRESH,
    campaign_values_now,
    recommendation,
)
from wfm.services.intraday.reforecast import (
    DayForecast,
    DayReforecast,
    day_forecast,
    recent_days,
    reforecast_day,
)
from wfm.services.intraday.staffing import DayStaffing, QueueStaffing, day_staffing
from wfm.services.intraday.switches import (
    MAX_SWITCH,
    ItemRejection,
    SwitchItem,
    SwitchResult,
    plan_changes,
    record_exception,
    record_switch,
)

__all__ = [
    "DayStaffing",
    "QueueStaffing",
    "day_staffing",
    "AUTO_EVERY",
    "EVENT_LOOKBACK",
    "MAX_SWITCH",
    "SNAPSHOT_FRESH",
    "AutoResult",
    "DayForecast",
    "DayPlan",
    "DayReforecast",
    "EventIngestResult",
    "Floor",
    "ItemRejection",
    "AdherenceTotals",
    "LiveAdherence",
    "RangeAdherence",
    "SnapshotIngestResult",
    "SnapshotRejection",
    "SwitchItem",
    "SwitchResult",
    "_local_day_bounds",
    "adherence_minutes",
    "adherence_over_days",
    "adherence_report",
    "campaign_values_now",
    "clock_now",
    "day_forecast",
    "day_plan",
    "get_settings",
    "ingest_agent_events",
    "ingest_queue_snapshots",
    "intraday_cycle",
    "live_adherence",
    "load_floor",
    "local_day",
    "plan_changes",
    "recommendation",
    "record_exception",
    "record_switch",
    "recent_days",
    "reforecast_day",
    "run_auto_mode",
    "run_due_auto_modes",
    "set_clock",
    "site_now",
    "state_mapping_from",
    "update_settings",
]
