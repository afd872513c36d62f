"""Top contact reasons of a site's queues over local days [start, end), per day, week or month in
the site's timezone, and their change against the same number of days just before `start`.

Counts come from the reason mix stored with the interval history; shares are of the contacts
whose reason was recorded (`wfm.domain.kpi.rank_contact_reasons`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from wfm.db.repositories import QueueRepository, SiteRepository
from wfm.db.repositories.kpis import KpiRepository
from wfm.domain.errors import NotFoundError, ValidationError
from wfm.domain.grid import local_midnight_utc
from wfm.domain.kpi import ReasonFigures, rank_contact_reasons
from wfm.services.kpis import MAX_DAYS, _next_period, _period_of

REASON_GRANULARITIES = ("day", "week", "month")
MAX_TOP = 50


@dataclass(frozen=True, slots=True)
class ReasonPeriod:
    period: str  # local date of the day, week (Monday) or month (1st), ISO 8601
    period_start_utc: datetime
    contacts: int  # contacts with a recorded reason in the period


@dataclass(frozen=True, slots=True)
class ContactReasonReport:
    site_code: str
    timezone: str
    granularity: str
    start: date
    end: date
    previous_start: date
    previous_end: date
    queue_codes: tuple[str, ...]
    top: int
    contacts: int
    previous_contacts: int
    reasons_recorded: int
    outside_top_count: int
    periods: tuple[ReasonPeriod, ...]
    reasons: tuple[ReasonFigures, ...]


def contact_reason_report(
    session: Session,
    *,
    site_code: str,
    start: date,
    end: date,
    granularity: str = "day",
    queue_codes: Sequence[str] | None = None,
    top: int = 10,
) -> ContactReasonReport:
    """The `top` reasons of the site's queues (or the named ones): counts and shares over the
    range and per period, and the change against the previous range of equal length."""
    if granularity not in REASON_GRANULARITIES:
        raise ValidationError(f"granularity must be one of {', '.join(REASON_GRANULARITIES)}")
    if end <= start:
        raise ValidationError(f"end ({end}) must be after start ({start})")
    if (end - start).days > MAX_DAYS[granularity]:
        raise ValidationError(
            f"a {granularity} report covers at most {MAX_DAYS[granularity]} days; "
            f"asked for {(end - start).days}"
        )
    if not 1 <= top <= MAX_TOP:
        raise ValidationError(f"top must be between 1 and {MAX_TOP}, got {top}")
    site = SiteRepository(session).get(site_code)
    known = [q.code for q in QueueRepository(session).list(site_code)]
    if queue_codes:
        missing = [q for q in queue_codes if q not in known]
        if missing:
            raise NotFoundError(f"site {site_code!r} has no queue {missing[0]!r}")
        chosen = list(dict.fromkeys(queue_codes))
    else:
        chosen = known
    zone = ZoneInfo(site.timezone)
    try:
        previous_start = start - (end - start)
        labels, edges = _periods(previous_start, start, end, granularity, zone)
    except OverflowError:
        raise ValidationError(
            f"the range {start} to {end} and the one before it must lie within years 1 to 9999"
        ) from None
    # bucket 0 is the whole previous range, then one bucket per period
    buckets = KpiRepository(session).reason_counts_by_bucket(chosen, edges)
    ranking = rank_contact_reasons(buckets[1:], buckets[0], top)
    return ContactReasonReport(
        site_code=site_code,
        timezone=site.timezone,
        granularity=granularity,
        start=start,
        end=end,
        previous_start=previous_start,
        previous_end=start,
        queue_codes=tuple(chosen),
        top=top,
        contacts=ranking.contacts,
        previous_contacts=ranking.previous_contacts,
        reasons_recorded=ranking.reasons_recorded,
        outside_top_count=ranking.outside_top_count,
        periods=tuple(
            ReasonPeriod(label, at, n)
            for (label, at), n in zip(labels, ranking.contacts_by_period, strict=True)
        ),
        reasons=ranking.top,
    )


def _periods(
    previous_start: date, start: date, end: date, granularity: str, zone: ZoneInfo
) -> tuple[list[tuple[str, datetime]], list[datetime]]:
    """Labels (local start date, its UTC instant) of the periods of [start, end), and the UTC
    edges of the buckets: the whole previous range, then each period clipped to the range."""
    labels: list[tuple[str, datetime]] = []
    edges = [local_midnight_utc(previous_start, zone), local_midnight_utc(start, zone)]
    cursor = start
    while cursor < end:
        period = _period_of(cursor, granularity)
        upper = min(_next_period(period, granularity), end)
        labels.append((period.isoformat(), local_midnight_utc(period, zone)))
        edges.append(local_midnight_utc(upper, zone))
        cursor = upper
    return labels, edges
