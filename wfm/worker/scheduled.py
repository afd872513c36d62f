"""The worker's scheduled jobs: APScheduler 3 with explicit job ids, stored in the database.

- `wfm-nightly-import-forecast` (cron): queues an `import_and_forecast` job;
- `wfm-weekly-draft-roster` (cron): queues a `schedule` job per site for the next week;
- `wfm-intraday-cycle` (every N minutes): runs the intraday cycle (reforecast, auto mode);
- `wfm-notify-deliver` (every 30 s): sends the notifications that are due (webhooks, e-mails).

The first two only queue work, so it runs in the worker's queue with progress, crash recovery and
a record in `jobs`. Job functions are referenced by name and take no arguments (the store keeps
them across restarts); they use the engine and settings the worker bound at start.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from wfm.db.repositories import SiteRepository
from wfm.db.session import unit_of_work
from wfm.domain.errors import ConfigurationError
from wfm.services.jobs import enqueue
from wfm.worker.settings import WorkerSettings

log = logging.getLogger("wfm.worker")

_bound: dict[str, Any] = {}


@dataclass(frozen=True)
class ScheduledJob:
    id: str
    func: str  # "module:function", so the stored job survives restarts
    trigger: BaseTrigger
    enabled: bool
    description: str


def bind(engine: Engine, settings: WorkerSettings) -> None:
    _bound["engine"] = engine
    _bound["settings"] = settings


def _engine() -> Engine:
    if "engine" not in _bound:
        raise ConfigurationError("scheduled job run outside a worker (no database bound)")
    engine: Engine = _bound["engine"]
    return engine


def _settings() -> WorkerSettings:
    settings: WorkerSettings = _bound.get("settings") or WorkerSettings()
    return settings


def _cron(expression: str, timezone: str, setting: str) -> CronTrigger:
    try:
        return CronTrigger.from_crontab(expression, timezone=ZoneInfo(timezone))
    except (ValueError, KeyError) as exc:
        raise ConfigurationError(
            f"{setting} {expression!r} is not a crontab expression: {exc}"
        ) from exc


def scheduled_jobs(settings: WorkerSettings) -> list[ScheduledJob]:
    """The scheduled jobs the settings ask for (disabled ones are removed from the store)."""
    try:
        ZoneInfo(settings.scheduler_timezone)
    except Exception as exc:
        raise ConfigurationError(
            f"WFM_SCHEDULER_TIMEZONE {settings.scheduler_timezone!r} is not an IANA timezone"
        ) from exc
    tz = settings.scheduler_timezone
    return [
        ScheduledJob(
            id="wfm-nightly-import-forecast",
            func="wfm.worker.scheduled:nightly_import_and_forecast",
            trigger=_cron(settings.nightly_forecast_cron, tz, "WFM_NIGHTLY_FORECAST_CRON"),
            enabled=settings.nightly_forecast_enabled,
            description="import ACD files, then forecast every site",
        ),
        ScheduledJob(
            id="wfm-weekly-draft-roster",
            func="wfm.worker.scheduled:weekly_draft_roster",
            trigger=_cron(settings.weekly_roster_cron, tz, "WFM_WEEKLY_ROSTER_CRON"),
            enabled=settings.weekly_roster_enabled,
            description="build next week's draft roster of every site",
        ),
        ScheduledJob(
            id="wfm-intraday-cycle",
            func="wfm.worker.scheduled:intraday_cycle",
            trigger=IntervalTrigger(minutes=settings.intraday_cycle_minutes, timezone=ZoneInfo(tz)),
            enabled=settings.intraday_cycle_enabled,
            description="intraday reforecast and auto mode",
        ),
        ScheduledJob(
            id="wfm-notify-deliver",
            func="wfm.worker.scheduled:deliver_notifications",
            trigger=IntervalTrigger(seconds=settings.notify_deliver_seconds, timezone=ZoneInfo(tz)),
            enabled=settings.notify_deliver_enabled,
            description="send due notifications (webhooks, e-mails)",
        ),
    ]


def start_scheduler(engine: Engine, settings: WorkerSettings) -> BackgroundScheduler:
    """Start APScheduler on the database job store with the configured jobs (replacing any stored
    under the same ids and removing disabled ones)."""
    jobs = scheduled_jobs(settings)
    bind(engine, settings)
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename="apscheduler_jobs")},
        executors={"default": ThreadPoolExecutor(2)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
        timezone=ZoneInfo(settings.scheduler_timezone),
    )
    scheduler.start(paused=True)
    for job in jobs:
        if job.enabled:
            scheduler.add_job(
                job.func,
                trigger=job.trigger,
                id=job.id,
                name=job.description,
                replace_existing=True,
            )
        else:
            with contextlib.suppress(JobLookupError):
                scheduler.remove_job(job.id)
    scheduler.resume()
    for stored in scheduler.get_jobs():
        log.info("scheduled %s: next run %s", stored.id, stored.next_run_time)
    return scheduler


def _each_site(action: Callable[[Any, str], None]) -> None:
    with unit_of_work(_engine()) as session:
        for site in SiteRepository(session).list():
            action(session, site.code)


def nightly_import_and_forecast() -> None:
    settings = _settings()
    with unit_of_work(_engine()) as session:
        job = enqueue(
            session,
            "import_and_forecast",
            {"weeks": settings.nightly_forecast_weeks},
            message="queued by the nightly schedule",
        )
    log.info("nightly import-and-forecast queued as job %s", job.id)


def next_week_start(timezone: str, now_utc: datetime | None = None) -> date:
    """The Monday after today in the timezone."""
    today = (now_utc or datetime.now(UTC)).astimezone(ZoneInfo(timezone)).date()
    return today + timedelta(days=7 - today.weekday())


def weekly_draft_roster() -> None:
    settings = _settings()

    def queue_site(session: Any, site_code: str) -> None:
        site = SiteRepository(session).get(site_code)
        job = enqueue(
            session,
            "schedule",
            {
                "site_code": site_code,
                "week_start": next_week_start(site.timezone).isoformat(),
                "time_limit_seconds": settings.weekly_roster_time_limit_seconds,
            },
            message="queued by the weekly schedule",
        )
        log.info("weekly draft roster of %s queued as job %s", site_code, job.id)

    _each_site(queue_site)


def intraday_cycle() -> None:
    try:
        from wfm.services.intraday import intraday_cycle as run_cycle
    except ImportError:
        log.debug("no intraday service installed; intraday cycle skipped")
        return
    with unit_of_work(_engine()) as session:
        summary = run_cycle(session)
    log.info("intraday cycle: %s", summary)


def deliver_notifications() -> None:
    from wfm.services.notifications import deliver_due

    with unit_of_work(_engine()) as session:
        report = deliver_due(session, datetime.now(UTC), settings=_settings())
    if report.delivered or report.retrying or report.failed:
        log.info(
            "notifications: %d delivered, %d to retry, %d given up",
            report.delivered,
            report.retrying,
            report.failed,
        )
