"""Staffing requirements: a stored forecast run in, agents needed per queue and interval out."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from sqlalchemy.orm import Session

from wfm.db.repositories import ForecastRepository, QueueRepository, RequirementRepository
from wfm.domain import ForecastRun, Queue, StaffingRequirement
from wfm.domain.errors import NotFoundError, ValidationError
from wfm.services.forecasting import adjusted_values

DEFAULT_SHRINKAGE = 0.3


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


def queue_requirements(
    queue: Queue,
    contacts: np.ndarray,
    aht_seconds: np.ndarray,
    interval_minutes: int,
    shrinkage: float,
) -> dict[str, np.ndarray]:
    """Erlang staffing for one queue's intervals against the queue's own targets.

    With a mean patience on the queue the model is Erlang A (answer rate predicted), else
    Erlang C. Chat queues divide the load by their concurrency.
    """
    import erlang

    result = erlang.required_agents(
        contacts,
        interval_minutes * 60.0,
        aht_seconds,
        service_level=queue.service_level_target,
        threshold_seconds=queue.service_threshold_seconds,
        patience_seconds=queue.mean_patience_seconds,
        max_occupancy=queue.max_occupancy,
        concurrency=max(1, queue.chat_concurrency),
        shrinkage=shrinkage,
    )
    out = {
        "agents": np.asarray(result.agents, dtype=int),
        "scheduled_agents": np.asarray(result.scheduled_agents, dtype=int),
        "service_level": np.asarray(result.service_level, dtype=float),
        "asa_seconds": np.asarray(result.asa_seconds, dtype=float),
        "occupancy": np.asarray(result.occupancy, dtype=float),
    }
    answer_rate = getattr(result, "answer_rate", None)
    if answer_rate is not None:
        out["answer_rate"] = np.asarray(answer_rate, dtype=float)
    return out


def compute_requirements(
    session: Session,
    *,
    site_code: str,
    forecast_run_id: int | None = None,
    shrinkage: float = DEFAULT_SHRINKAGE,
) -> int:
    """Compute and store the requirement of every queue and interval of a forecast run
    (the latest when none is named), replacing any earlier requirement of that run."""
    if not 0.0 <= shrinkage < 1.0:
        raise ValidationError(f"shrinkage must be in [0, 1), got {shrinkage}")
    run = resolve_run(session, site_code, forecast_run_id)
    assert run.id is not None
    queues = {q.code: q for q in QueueRepository(session).list(site_code)}
    by_queue = defaultdict(list)
    for value in adjusted_values(session, run.id):
        by_queue[value.queue_code].append(value)
    requirements: list[StaffingRequirement] = []
    for code, values in sorted(by_queue.items()):
        contacts = np.array([v.offered for v in values], dtype=float)
        aht = np.array([v.aht_seconds for v in values], dtype=float)
        aht = np.where(contacts > 0, np.maximum(aht, 1.0), np.maximum(aht, 0.0))
        kpis = queue_requirements(queues[code], contacts, aht, run.interval_minutes, shrinkage)
        answer_rate = kpis.get("answer_rate")
        for i, value in enumerate(values):
            requirements.append(
                StaffingRequirement(
                    queue_code=code,
                    interval_start_utc=value.interval_start_utc,
                    interval_minutes=run.interval_minutes,
                    contacts=float(contacts[i]),
                    aht_seconds=float(aht[i]),
                    required_agents=int(kpis["agents"][i]),
                    scheduled_agents=int(kpis["scheduled_agents"][i]),
                    predicted_service_level=_finite_or(kpis["service_level"][i], 1.0),
                    predicted_answer_rate=(
                        None if answer_rate is None else _finite_or(answer_rate[i], 1.0)
                    ),
                    predicted_asa_seconds=_finite_or_none(kpis["asa_seconds"][i]),
                    predicted_occupancy=_finite_or_none(kpis["occupancy"][i]),
                )
            )
    return RequirementRepository(session).replace(run.id, requirements)


def _finite_or(value: float, default: float) -> float:
    number = float(value)
    return number if np.isfinite(number) else default


def _finite_or_none(value: float) -> float | None:
    number = float(value)
    return number if np.isfinite(number) else None
