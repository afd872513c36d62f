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

router = APIRouter(prefix="/staffing", tags=["staffing"])
log = logging.getLogger("wfm.api")

# erlang argument name -> request field
_FIELD_OF = {
    "calls": "intervals.contacts",
    "aht_seconds": "intervals.aht_seconds",
    "service_level": "service_level_target",
    "min_answer_rate": "min_answer_rate",
    "max_abandon_rate": "min_answer_rate",
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
    import erlang

    contacts = np.array([i.contacts for i in body.intervals], dtype=float)
    aht = np.array([i.aht_seconds for i in body.intervals], dtype=float)
    interval_seconds = body.interval_minutes * 60.0
    try:
        result = erlang.required_agents(
            contacts,
            interval_seconds,
            aht,
            service_level=body.service_level_target,
            threshold_seconds=body.threshold_seconds,
            max_asa_seconds=body.max_asa_seconds,
            min_answer_rate=body.min_answer_rate,
            patience_seconds=body.patience_seconds,
            max_occupancy=body.max_occupancy,
            concurrency=body.concurrency,
            shrinkage=body.shrinkage,
        )
        given = _at_given(body, contacts, aht, interval_seconds)
    except erlang.ErlangError as exc:
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
    rows = []
    for i in range(len(body.intervals)):
        at_required = {
            "agents": int(result.agents[i]),
            "service_level": float(result.service_level[i]),
            "asa_seconds": _finite(result.asa_seconds[i]),
            "occupancy": float(result.occupancy[i]),
            "p_wait": float(result.p_wait[i]),
            "answer_rate": None if result.answer_rate is None else float(result.answer_rate[i]),
            "abandon_rate": (
                None if result.abandon_rate is None else float(result.abandon_rate[i])
            ),
        }
        rows.append(
            {
                "load_erlangs": float(result.load_erlangs[i]),
                "required_agents": int(result.agents[i]),
                "scheduled_agents": int(result.scheduled_agents[i]),
                "at_required": at_required,
                "at_given": given.get(i),
            }
        )
    hours = body.interval_minutes / 60.0
    return {
        "model": result.model,
        "intervals": rows,
        "total_scheduled_agent_hours": float(np.sum(result.scheduled_agents)) * hours,
    }


def _at_given(
    body: StaffingCalculation, contacts: np.ndarray, aht: np.ndarray, interval_seconds: float
) -> dict[int, dict[str, Any]]:
    import erlang

    index = [i for i, item in enumerate(body.intervals) if item.agents is not None]
    if not index:
        return {}
    agents = np.array([body.intervals[i].agents for i in index], dtype=float)
    calls, handle = contacts[index], aht[index]
    out: dict[int, dict[str, Any]] = {}
    if body.patience_seconds is not None:
        a = erlang.erlang_a(
            calls,
            interval_seconds,
            handle,
            agents,
            body.patience_seconds,
            body.threshold_seconds,
            concurrency=body.concurrency,
        )
        for k, i in enumerate(index):
            out[i] = {
                "agents": int(agents[k]),
                "service_level": float(a.service_level[k]),
                "asa_seconds": _finite(a.asa_seconds[k]),
                "occupancy": float(a.occupancy[k]),
                "p_wait": float(a.p_wait[k]),
                "answer_rate": float(a.answer_rate[k]),
                "abandon_rate": float(a.abandon_rate[k]),
            }
    else:
        c = erlang.erlang_c(
            calls,
            interval_seconds,
            handle,
            agents,
            body.threshold_seconds,
            concurrency=body.concurrency,
        )
        for k, i in enumerate(index):
            out[i] = {
                "agents": int(agents[k]),
                "service_level": float(c.service_level[k]),
                "asa_seconds": _finite(c.asa_seconds[k]),
                "occupancy": float(c.occupancy[k]),
                "p_wait": float(c.p_wait[k]),
                "answer_rate": None,
                "abandon_rate": None,
            }
    return out
