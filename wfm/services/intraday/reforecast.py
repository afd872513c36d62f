"""The day's forecast per queue and interval, and the reforecast of the rest of the day from the
queue snapshots seen so far, its prior centred on the queue's recent days (the stored
reforecasts' actuals and forecasts of the site's last local days: `recent_days`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
from sqlalchemy.orm import Session

from wfm.db.repositories import ForecastRepository, QueueRepository, SiteRepository
from wfm.db.repositories.intraday import QueueSnapshotRepository, ReforecastRepository
from wfm.domain import ForecastRun, Site
from wfm.domain.errors import NotFoundError
from wfm.domain.intraday import (
    QueueSnapshot,
    RecentDays,
    Reforecast,
    ReforecastConfig,
    actual_offered_from_snapshots,
    reforecast_queue,
)
from wfm.services.intraday.clock import _local_day_bounds, local_day, site_now


@dataclass(frozen=True, slots=True)
class DayForecast:
    run: ForecastRun
    interval_minutes: int
    interval_starts_utc: tuple[datetime, ...]
    offered: dict[str, np.ndarray]  # per queue
    aht_seconds: dict[str, np.ndarray]


def day_forecast(session: Session, site_code: str, day: date) -> DayForecast:
    """The latest forecast covering the site's local day (with the planners' manual adjustments
    applied), per queue and interval."""
    site = SiteRepository(session).get(site_code)
    start, end = _local_day_bounds(site, day)
    repo = ForecastRepository(session)
    run = next(
        (
            r
            for r in reversed(repo.runs(site_code))
            if r.horizon_start_utc < end and r.horizon_end_utc > start
        ),
        None,
    )
    if run is None or run.id is None:
        raise NotFoundError(f"no forecast covers {day.isoformat()} for site {site_code!r}")
    minutes = run.interval_minutes
    n = int((end - start).total_seconds() // (minutes * 60))
    starts = tuple(start + timedelta(minutes=minutes * i) for i in range(n))
    index = {s: i for i, s in enumerate(starts)}
    queues = [q.code for q in QueueRepository(session).list(site_code)]
    offered = {q: np.zeros(n) for q in queues}
    aht = {q: np.zeros(n) for q in queues}
    from wfm.services.forecasting import adjusted_values  # manual adjustments on top

    for v in adjusted_values(session, run.id, start_utc=start, end_utc=end):
        i = index.get(v.interval_start_utc)
        if i is None or v.queue_code not in offered:
            continue
        offered[v.queue_code][i] = v.offered
        aht[v.queue_code][i] = v.aht_seconds
    for q in queues:  # closed intervals carry no AHT: use the day's mean so the maths is defined
        positive = aht[q][aht[q] > 0]
        fill = float(positive.mean()) if positive.size else 180.0
        aht[q] = np.where(aht[q] > 0, aht[q], fill)
    return DayForecast(run, minutes, starts, offered, aht)


def recent_days(session: Session, site: Site, day: date, days: int) -> dict[str, RecentDays]:
    """Each queue's `days` local days before `day` (oldest first) as stored by the intraday job:
    a day's actual contacts and the forecast of the same intervals; days with nothing stored are
    left out."""
    windows = [_local_day_bounds(site, day - timedelta(days=back)) for back in range(days, 0, -1)]
    out: dict[str, RecentDays] = {}
    for queue_code, totals in ReforecastRepository(session).totals(site.code, windows).items():
        known = [t for t in totals if t is not None]
        out[queue_code] = RecentDays(
            actual_totals=tuple(a for a, _ in known),
            forecast_totals=tuple(f for _, f in known),
        )
    return out


@dataclass(frozen=True, slots=True)
class DayReforecast:
    as_of_utc: datetime
    forecast: DayForecast
    queues: dict[str, Reforecast]
    latest_snapshots: dict[str, QueueSnapshot]


def reforecast_day(
    session: Session,
    *,
    site_code: str,
    at_utc: datetime | None = None,
    config: ReforecastConfig = ReforecastConfig(),
    store: bool = False,
) -> DayReforecast:
    """Reforecast the rest of the site's local day for every queue (and store it if asked)."""
    now = at_utc or site_now(session, site_code)
    site = SiteRepository(session).get(site_code)
    day = local_day(site, now)
    forecast = day_forecast(session, site_code, day)
    start, _ = _local_day_bounds(site, day)
    snapshots = QueueSnapshotRepository(session).list(site_code, start, now)
    recent = recent_days(session, site, day, config.recent_days)
    out: dict[str, Reforecast] = {}
    latest: dict[str, QueueSnapshot] = {}
    for queue_code, offered in forecast.offered.items():
        snaps = snapshots.get(queue_code, [])
        actual, latest_at = actual_offered_from_snapshots(
            snaps, forecast.interval_starts_utc, forecast.interval_minutes
        )
        if snaps:
            latest[queue_code] = snaps[-1]
        as_of = latest_at if latest_at is not None else now
        out[queue_code] = reforecast_queue(
            queue_code,
            forecast.interval_starts_utc,
            forecast.interval_minutes,
            offered,
            actual,
            as_of,
            config,
            recent.get(queue_code),
        )
    if store:
        _store_reforecast(session, out, now)
    return DayReforecast(now, forecast, out, latest)


def _store_reforecast(
    session: Session, reforecasts: Mapping[str, Reforecast], now: datetime
) -> None:
    """Replace each queue's stored reforecast with this one."""
    repo = ReforecastRepository(session)
    for queue_code, r in reforecasts.items():
        repo.replace(
            queue_code,
            [
                (
                    s,
                    r.interval_minutes,
                    float(r.forecast_offered[i]),
                    None if np.isnan(r.actual_offered[i]) else float(r.actual_offered[i]),
                    float(r.reforecast_offered[i]),
                    r.applied_ratio,
                )
                for i, s in enumerate(r.interval_starts_utc)
            ],
            now,
        )
