"""`/v1/staffing/calculate`: the stateless Erlang staffing calculator."""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np
from fastapi import APIRouter, Depends

from api.deps import require
from api.errors import ApiError, responses
from api.staffing.schemas import StaffingCalculation, StaffingResultRead
from wfm.domain.access import Permission
from wfm.domain.queue_model import ErlangError, Patience, QueueKpis, QueueModel

router = APIRouter(prefix="/staffing", tags=["staffing"])
log = logging.getLogger("wfm.api")

# queue model (erlang) argument name -> request field
_FIELD_OF = {
    "calls": "intervals.contacts",
    "aht_seconds": "intervals.aht_seconds",
    "service_level": "service_level_target",
    "min_answer_rate": "min_answer_rate",
    "max_abandon_rate": "max_abandon_rate",
    "agents": "intervals.agents",
}


def _finite(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


@router.post(
    "/calculate",
    response_model=StaffingResultRead,
    dependencies=[Depends(require(Permission.STAFFING_CALCULATE))],
    responses=responses(),
)
def calculate(body: StaffingCalculation) -> Any:
    """Agents required per interval to meet the targets (Erlang C, or Erlang A with a patience),
    scheduled agents after shrinkage, and the predicted KPIs; with `agents` per interval, also the
    KPIs at that staffing. Nothing is stored."""
    model = _model(body)
    contacts = np.array([i.contacts for i in body.intervals], dtype=float)
    aht = np.array([i.aht_seconds for i in body.intervals], dtype=float)
    try:
        staffing = model.requirement(contacts, aht, shrinkage=body.shrinkage)
        given = _at_given(body, model, contacts, aht)
    except ErlangError as exc:
        field = _FIELD_OF.get(exc.argument, exc.argument)
        raise ApiError(
            422,
            "invalid",
            f"body.{field}: {exc.problem}",
            [{"field": f"body.{field}", "message": exc.problem}],
        ) from None
    except (ArithmeticError, IndexError, ValueError) as exc:
        # extreme targets the queueing models cannot meet; never a 500
        log.warning("staffing calculation refused: %r", exc)
        raise ApiError(
            422,
            "unreachable",
            "body: the targets cannot be met by any reasonable staffing; loosen them",
            [{"field": "body", "message": "targets out of reach of the queueing models"}],
        ) from None
    kpis = staffing.kpis
    rows = [
        {
            "load_erlangs": float(kpis.load_erlangs[i]),
            "required_agents": int(staffing.agents[i]),
            "scheduled_agents": int(staffing.scheduled_agents[i]),
            "at_required": _kpis_row(int(staffing.agents[i]), kpis, i),
            "at_given": given.get(i),
        }
        for i in range(len(body.intervals))
    ]
    hours = body.interval_minutes / 60.0
    return {
        "model": model.kind.value,
        "intervals": rows,
        "total_scheduled_agent_hours": float(np.sum(staffing.scheduled_agents)) * hours,
    }


def _model(body: StaffingCalculation) -> QueueModel:
    """The queue model of the request's targets (Erlang A with a patience, else Erlang C)."""
    return QueueModel(
        code="calculation",
        interval_minutes=body.interval_minutes,
        service_level_target=body.service_level_target,
        service_threshold_seconds=body.threshold_seconds,
        patience=Patience.given(body.patience_seconds),
        max_occupancy=body.max_occupancy,
        concurrency=float(body.concurrency),
        max_asa_seconds=body.max_asa_seconds,
        min_answer_rate=body.min_answer_rate,
        max_abandon_rate=body.max_abandon_rate,
    )


def _kpis_row(agents: int, kpis: QueueKpis, k: int) -> dict[str, Any]:
    """The KPIs of position `k` (answer and abandon rates null under Erlang C)."""
    return {
        "agents": agents,
        "service_level": float(kpis.service_level[k]),
        "asa_seconds": _finite(kpis.asa_seconds[k]),
        "occupancy": float(kpis.occupancy[k]),
        "p_wait": float(kpis.p_wait[k]),
        "answer_rate": None if kpis.answer_rate is None else float(kpis.answer_rate[k]),
        "abandon_rate": None if kpis.abandon_rate is None else float(kpis.abandon_rate[k]),
    }


def _at_given(
    body: StaffingCalculation, model: QueueModel, contacts: np.ndarray, aht: np.ndarray
) -> dict[int, dict[str, Any]]:
    index = [i for i, item in enumerate(body.intervals) if item.agents is not None]
    if not index:
        return {}
    agents = np.array([body.intervals[i].agents for i in index], dtype=float)
    kpis = model.kpis(contacts[index], aht[index], agents)
    return {i: _kpis_row(int(agents[k]), kpis, k) for k, i in enumerate(index)}
