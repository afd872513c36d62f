"""Estimating a site's unplanned shrinkage from its agents' ACD events on rostered days.

The site's `unplanned_shrinkage` setting is what requirements, rosters and their predictions use
(each rostered agent absent with that probability). This use-case measures it on the last
`lookback_days` local days before the site's today (by the site clock): per agent-day of the
published rosters, the scheduled work time and the part of it the agent was available
(`wfm.domain.intraday.shrinkage`). A rostered day on which no agent worked at all is a day
without an ACD feed (before it started, or while it was down) and is left out. Applying the
estimate writes it to the site setting; it is refused when the window holds fewer than
`MIN_AGENT_DAYS` rostered agent-days with events, or when the estimate is not below 1.
`wfm shrinkage` and `GET/POST /v1/sites/{code}/unplanned-shrinkage` call it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from wfm.db.repositories import SiteRepository
from wfm.domain import Site
from wfm.domain.errors import ValidationError
from wfm.domain.intraday.shrinkage import (
    DEFAULT_LOOKBACK_DAYS,
    MAX_LOOKBACK_DAYS,
    MIN_AGENT_DAYS,
    AgentDay,
    ShrinkageEstimate,
    estimate_unplanned_shrinkage,
)
from wfm.services.intraday.adherence import adherence_for_day
from wfm.services.intraday.clock import local_day, site_now


@dataclass(frozen=True, slots=True)
class SiteShrinkage:
    """A site's setting and the estimate from its last `lookback_days` local days
    (`first_day`..`last_day`); `applied` when the estimate was written to the setting."""

    site: Site
    lookback_days: int
    first_day: date
    last_day: date
    estimate: ShrinkageEstimate
    min_agent_days: int
    days_without_events: int  # rostered days on which no agent worked (no ACD feed): left out
    applied: bool


def estimate_site_shrinkage(
    session: Session,
    *,
    site_code: str,
    lookback_days: int = DEFAULT_LOOKBACK_DAYS,
    apply: bool = False,
) -> SiteShrinkage:
    """The unplanned shrinkage of the site's rostered agent-days in the window, and with `apply`
    the site's setting replaced by it (see the module docstring for when that is refused)."""
    if not 1 <= lookback_days <= MAX_LOOKBACK_DAYS:
        raise ValidationError(
            f"lookback_days must be 1 to {MAX_LOOKBACK_DAYS}, got {lookback_days}"
        )
    sites = SiteRepository(session)
    site = sites.get(site_code)
    last_day = local_day(site, site_now(session, site_code)) - timedelta(days=1)
    first_day = last_day - timedelta(days=lookback_days - 1)
    agent_days: list[AgentDay] = []
    days_without_events = 0
    for offset in range(lookback_days):
        day = first_day + timedelta(days=offset)
        found = [
            AgentDay(
                scheduled_work_minutes=float(minutes.scheduled_work_seconds.sum()) / 60.0,
                available_work_minutes=float(minutes.available_work_seconds.sum()) / 60.0,
                worked_minutes=float(minutes.worked_seconds.sum()) / 60.0,
            )
            for minutes in adherence_for_day(session, site_code=site_code, day=day).values()
        ]
        if any(d.scheduled_work_minutes > 0 for d in found) and not any(
            d.worked_minutes > 0 for d in found
        ):
            days_without_events += 1  # rostered, but no agent worked: no ACD feed that day
            continue
        agent_days.extend(found)
    estimate = estimate_unplanned_shrinkage(agent_days)
    if apply:
        _check_applicable(estimate, site_code, first_day, last_day)
        assert estimate.unplanned_shrinkage is not None
        site = sites.update_site(
            site_code, {"unplanned_shrinkage": round(estimate.unplanned_shrinkage, 4)}
        )
    return SiteShrinkage(
        site,
        lookback_days,
        first_day,
        last_day,
        estimate,
        MIN_AGENT_DAYS,
        days_without_events,
        apply,
    )


def _check_applicable(
    estimate: ShrinkageEstimate, site_code: str, first_day: date, last_day: date
) -> None:
    if not estimate.sufficient:
        raise ValidationError(
            f"site {site_code!r}: {estimate.agent_days} rostered agent-days with ACD events from "
            f"{first_day} to {last_day}; an estimate needs {MIN_AGENT_DAYS}, the setting is kept"
        )
    if estimate.unplanned_shrinkage is not None and estimate.unplanned_shrinkage >= 1:
        raise ValidationError(
            f"site {site_code!r}: no rostered work time was available from {first_day} to "
            f"{last_day}; the setting is kept"
        )


def shrinkage_report(result: SiteShrinkage) -> dict[str, object]:
    """The result as plain values: the API's answer and `wfm shrinkage --json`."""
    e = result.estimate
    return {
        "site": result.site.code,
        "setting": result.site.unplanned_shrinkage,
        "applied": result.applied,
        "first_day": result.first_day.isoformat(),
        "last_day": result.last_day.isoformat(),
        "lookback_days": result.lookback_days,
        "min_agent_days": result.min_agent_days,
        "days_without_events": result.days_without_events,
        "agent_days": e.agent_days,
        "absent_agent_days": e.absent_agent_days,
        "scheduled_work_hours": round(e.scheduled_work_hours, 2),
        "sufficient": e.sufficient,
        "estimate": e.unplanned_shrinkage,
        "ci95_low": e.ci_low,
        "ci95_high": e.ci_high,
        "absence_share": e.absence_share,
        "lateness_and_aux_share": e.lateness_and_aux_share,
    }
