"""The site's local day per queue and interval: agents required (the queue model on the
reforecast), scheduled (the effective plan) and actually serving (the agents' states)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy.orm import Session

from wfm.db.repositories import QueueRepository
from wfm.db.repositories.intraday import AgentStateFeedRepository
from wfm.domain.intraday import QueueLoad
from wfm.domain.intraday.recommendation import servers_needed
from wfm.domain.intraday.serving import actual_servers, scheduled_servers
from wfm.domain.queue_model import QueueModel
from wfm.services.intraday.clock import _local_day_bounds, local_day, site_now
from wfm.services.intraday.floor import EVENT_LOOKBACK, load_floor
from wfm.services.intraday.reforecast import reforecast_day


@dataclass(frozen=True, slots=True)
class QueueStaffing:
    queue_code: str
    required: tuple[int, ...]  # fewest agents meeting the queue's targets on the reforecast
    scheduled: tuple[float, ...]  # mean agents planned to serve (with authorised changes)
    serving: tuple[float | None, ...]  # mean agents serving by their states; None: not yet


@dataclass(frozen=True, slots=True)
class DayStaffing:
    as_of_utc: datetime
    interval_minutes: int
    interval_starts_utc: tuple[datetime, ...]
    queues: tuple[QueueStaffing, ...]


def day_staffing(
    session: Session, *, site_code: str, at_utc: datetime | None = None
) -> DayStaffing:
    """Required, scheduled and serving agents per queue over the site's local day of `at_utc`
    (default: the site clock's now)."""
    now = at_utc or site_now(session, site_code)
    day_re = reforecast_day(session, site_code=site_code, at_utc=now)
    forecast = day_re.forecast
    starts = forecast.interval_starts_utc
    minutes = forecast.interval_minutes
    queues = QueueRepository(session).list(site_code)
    floor = load_floor(
        session,
        site_code,
        starts[0] - EVENT_LOOKBACK if starts else now,
        starts[-1] + timedelta(minutes=minutes) if starts else now,
        now,
    )
    site = floor.site
    day_start, day_end = _local_day_bounds(site, local_day(site, now))
    default_queue = {
        code: (min(row.queue_skills) if row.queue_skills else None)
        for code, row in floor.agents.items()
    }
    codes = [q.code for q in queues]
    scheduled = scheduled_servers(floor.plans, default_queue, codes, starts, minutes)
    events = AgentStateFeedRepository(session).events(
        site_code, day_start - EVENT_LOOKBACK, min(now, day_end) + timedelta(seconds=1)
    )
    serving = actual_servers(events, floor.plans, default_queue, codes, starts, minutes, now)
    out = []
    for queue in queues:
        r = day_re.queues[queue.code]
        load = QueueLoad(
            model=QueueModel.of_queue(queue, site, minutes),
            offered=[float(x) for x in r.reforecast_offered],
            aht_seconds=[float(x) for x in forecast.aht_seconds[queue.code]],
        )
        out.append(
            QueueStaffing(
                queue_code=queue.code,
                required=tuple(int(x) for x in servers_needed(load)),
                scheduled=tuple(float(x) for x in scheduled[queue.code]),
                serving=tuple(None if np.isnan(x) else float(x) for x in serving[queue.code]),
            )
        )
    return DayStaffing(now, minutes, tuple(starts), tuple(sorted(out, key=lambda q: q.queue_code)))
