"""Staffing requirements: a stored forecast run in, agents needed per queue and interval out."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence

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
    each agent absent with the site's unplanned shrinkage unless `shrinkage` is given, meets the
    targets (`QueueModel.requirement_under_absence`, as the roster's requirement); the row keeps
    the shrinkage and its source and the KPIs predicted at the agents serving (net)."""
    used = requirement_shrinkage(session, site_code=site_code, shrinkage=shrinkage)
    run = resolve_run(session, site_code, forecast_run_id)
    assert run.id is not None
    site = SiteRepository(session).get(site_code)
    queues = {q.code: q for q in QueueRepository(session).list(site_code)}
    by_queue = defaultdict(list)
    for value in adjusted_values(session, run.id):
        by_queue[value.queue_code].append(value)
    requirements: list[StaffingRequirement] = []
    for code, values in sorted(by_queue.items()):
        model = QueueModel.of_queue(queues[code], site, run.interval_minutes)
        contacts = np.array([v.offered for v in values], dtype=float)
        aht = handle_time(contacts, [v.aht_seconds for v in values])
        net = model.requirement(contacts, aht)
        gross = model.requirement_under_absence(contacts, aht, used.fraction)
        staffing = dataclasses.replace(net, scheduled_agents=gross.scheduled_agents)
        requirements.extend(
            _requirement_rows(code, values, run.interval_minutes, contacts, aht, staffing, used)
        )
    return RequirementRepository(session).replace(run.id, requirements)


def requirement_shrinkage(
    session: Session, *, site_code: str, shrinkage: float | None = None
) -> Shrinkage:
    """The shrinkage a site's requirements are grossed up with: `shrinkage` when given, else the
    site's unplanned shrinkage (breaks and lunches are rostered, not shrinkage)."""
    if shrinkage is not None and not 0.0 <= shrinkage < 1.0:
        raise ValidationError(f"shrinkage must be in [0, 1), got {shrinkage}")
    return Shrinkage.of_site_unless_given(SiteRepository(session).get(site_code), shrinkage)


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
