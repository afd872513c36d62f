"""Staffing requirements: a stored forecast run in, agents needed per queue and interval out."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy.orm import Session

from wfm.db.repositories import (
    ForecastRepository,
    QueueRepository,
    RequirementRepository,
    SiteRepository,
)
from wfm.domain import ForecastRun, ForecastValue, StaffingRequirement
from wfm.domain.errors import NotFoundError, ValidationError
from wfm.domain.queue_model import QueueModel, Shrinkage, Staffing, handle_time
from wfm.services.forecasting import adjusted_values
from wfm.services.site_rules import rules_for_week


def resolve_run(session: Session, site_code: str, forecast_run_id: int | None) -> ForecastRun:
    repo = ForecastRepository(session)
    if forecast_run_id is not None:
        run = repo.run(forecast_run_id)
        if run.site_code != site_code:
            raise ValidationError(f"forecast run {forecast_run_id} is not for site {site_code!r}")
        return run
    latest = repo.latest_run(site_code)
    if latest is None:
        raise NotFoundError(f"site {site_code!r} has no forecast; run `wfm forecast` first")
    return latest


def compute_requirements(
    session: Session,
    *,
    site_code: str,
    forecast_run_id: int | None = None,
    shrinkage: float | None = None,
) -> int:
    """Compute and store the requirement of every queue and interval of a forecast run
    (the latest when none is named), replacing any earlier requirement of that run; returns the
    rows stored. Each queue's figures come from its `QueueModel` (its targets, its own patience
    estimate, else the site's setting). Each row holds the agents serving that meet every
    target (net) and the agents to schedule (gross): the least rostered whose expected service,
    each agent absent with the week's unplanned shrinkage unless `shrinkage` is given, meets the
    targets (`QueueModel.requirement_under_absence`, as the roster's requirement); the row keeps
    the shrinkage and its source and the KPIs predicted at the agents serving (net). Each week
    of the run is grossed up with its own shrinkage (`requirement_shrinkage`)."""
    requirement_shrinkage(session, site_code=site_code, shrinkage=shrinkage)  # checks it
    run = resolve_run(session, site_code, forecast_run_id)
    assert run.id is not None
    site = SiteRepository(session).get(site_code)
    zone = ZoneInfo(site.timezone)
    queues = {q.code: q for q in QueueRepository(session).list(site_code)}
    by_queue_week: dict[tuple[str, date], list[ForecastValue]] = defaultdict(list)
    for value in adjusted_values(session, run.id):
        by_queue_week[value.queue_code, local_week_start(value.interval_start_utc, zone)].append(
            value
        )
    used: dict[date, Shrinkage] = {}
    requirements: list[StaffingRequirement] = []
    for (code, week), values in sorted(by_queue_week.items()):
        if week not in used:
            used[week] = requirement_shrinkage(
                session, site_code=site_code, shrinkage=shrinkage, week_start=week
            )
        model = QueueModel.of_queue(queues[code], site, run.interval_minutes)
        contacts = np.array([v.offered for v in values], dtype=float)
        aht = handle_time(contacts, [v.aht_seconds for v in values])
        net = model.requirement(contacts, aht)
        gross = model.requirement_under_absence(contacts, aht, used[week].fraction)
        staffing = dataclasses.replace(net, scheduled_agents=gross.scheduled_agents)
        rows = _requirement_rows(
            code, values, run.interval_minutes, contacts, aht, staffing, used[week]
        )
        requirements.extend(rows)
    return RequirementRepository(session).replace(run.id, requirements)


def local_week_start(instant_utc: datetime, zone: ZoneInfo) -> date:
    """The Monday of the site-local week holding the instant."""
    day = instant_utc.astimezone(zone).date()
    return day - timedelta(days=day.weekday())


def requirement_shrinkage(
    session: Session,
    *,
    site_code: str,
    shrinkage: float | None = None,
    week_start: date | None = None,
) -> Shrinkage:
    """The shrinkage a site's requirements of a week are grossed up with: `shrinkage` when
    given, else the unplanned shrinkage of the site's rules version for the week (its own, or
    the site's setting when it sets none; breaks and lunches are rostered, not shrinkage);
    without a week, the site's setting. ValidationError for a given value outside [0, 1)."""
    if shrinkage is not None and not 0.0 <= shrinkage < 1.0:
        raise ValidationError(f"shrinkage must be in [0, 1), got {shrinkage}")
    site = SiteRepository(session).get(site_code)
    if week_start is None:
        return Shrinkage.of_site_unless_given(site, shrinkage)
    rules = rules_for_week(session, site_code, week_start)
    return Shrinkage.of_week(site, rules.unplanned_shrinkage, shrinkage)


def run_shrinkage(
    session: Session, run: ForecastRun, *, shrinkage: float | None = None
) -> Shrinkage:
    """The shrinkage of a run's first week, which its reports name (a later week's rules
    version may set its own; each requirement row keeps the one it was grossed up with)."""
    zone = ZoneInfo(SiteRepository(session).get(run.site_code).timezone)
    week = local_week_start(run.horizon_start_utc, zone)
    return requirement_shrinkage(
        session, site_code=run.site_code, shrinkage=shrinkage, week_start=week
    )


def _requirement_rows(
    queue_code: str,
    values: Sequence[ForecastValue],
    interval_minutes: int,
    contacts: np.ndarray,
    aht_seconds: np.ndarray,
    staffing: Staffing,
    shrinkage: Shrinkage,
) -> list[StaffingRequirement]:
    """One stored requirement per interval: the load, the agents and the predicted KPIs."""
    kpis = staffing.kpis
    answer_rate = kpis.answer_rate
    return [
        StaffingRequirement(
            queue_code=queue_code,
            interval_start_utc=value.interval_start_utc,
            interval_minutes=interval_minutes,
            contacts=float(contacts[i]),
            aht_seconds=float(aht_seconds[i]),
            required_agents=int(staffing.agents[i]),
            scheduled_agents=int(staffing.scheduled_agents[i]),
            predicted_service_level=_finite_or(kpis.service_level[i], 1.0),
            predicted_answer_rate=(
                None if answer_rate is None else _finite_or(answer_rate[i], 1.0)
            ),
            predicted_asa_seconds=_finite_or_none(kpis.asa_seconds[i]),
            predicted_occupancy=_finite_or_none(kpis.occupancy[i]),
            shrinkage=shrinkage.fraction,
            shrinkage_source=shrinkage.source.value,
        )
        for i, value in enumerate(values)
    ]


def _finite_or(value: float, default: float) -> float:
    number = float(value)
    return number if np.isfinite(number) else default


def _finite_or_none(value: float) -> float | None:
    number = float(value)
    return number if np.isfinite(number) else None
