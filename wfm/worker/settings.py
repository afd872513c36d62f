"""Settings of the worker (environment `WFM_...`, on top of the core settings)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from wfm.settings import Settings


class WorkerSettings(Settings):
    worker_poll_seconds: float = Field(
        default=1.0, gt=0, description="How often the worker looks for queued jobs."
    )
    worker_heartbeat_seconds: float = Field(
        default=2.0, gt=0, description="How often a running job's heartbeat and progress are saved."
    )
    job_stale_seconds: float = Field(
        default=120.0,
        gt=0,
        description="A running job whose heartbeat is older than this is marked failed.",
    )
    scheduler_timezone: str = Field(
        default="UTC", description="Timezone of the cron expressions below."
    )
    nightly_forecast_enabled: bool = Field(
        default=True, description="Run the nightly import-and-forecast job."
    )
    nightly_forecast_cron: str = Field(
        default="30 2 * * *", description="When (crontab: minute hour day month weekday)."
    )
    nightly_forecast_weeks: int = Field(default=3, ge=1, le=26, description="Weeks forecast.")
    import_dir: Path | None = Field(
        default=None, description="Folder of ACD interval CSV files the nightly job imports."
    )
    import_archive_dir: Path | None = Field(
        default=None, description="Where imported files are moved after a successful import."
    )
    import_timezone: str | None = Field(
        default=None, description="Timezone of files whose timestamps carry none."
    )
    weekly_roster_enabled: bool = Field(
        default=True, description="Build next week's draft roster of every site once a week."
    )
    weekly_roster_cron: str = Field(
        default="0 6 * * wed", description="When the weekly draft roster job runs (crontab)."
    )
    weekly_roster_time_limit_seconds: float = Field(
        default=60.0, gt=0, description="Solver time limit of the weekly roster."
    )
    intraday_cycle_enabled: bool = Field(
        default=True, description="Run the intraday cycle (reforecast, adherence, auto mode)."
    )
    intraday_cycle_minutes: int = Field(
        default=15, ge=1, le=60, description="Minutes between intraday cycles."
    )
    notify_deliver_enabled: bool = Field(
        default=True, description="Send due notifications (webhooks, e-mails) on a schedule."
    )
    notify_deliver_seconds: int = Field(
        default=30, ge=5, le=3600, description="Seconds between two notification deliveries."
    )
