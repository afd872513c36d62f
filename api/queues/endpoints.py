"""`/v1/queues`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status
from sqlalchemy.orm import Session

from api.deps import SessionDep, require
from api.errors import ApiError, responses
from api.queues.schemas import (
    NO_TARGET,
    TARGETS,
    AccuracyRead,
    CalibrationsRead,
    PatienceEstimatesRead,
    QueueCreate,
    QueueRead,
    QueueUpdate,
    queue_read,
)
from api.schemas import CODE_PATTERN, changes, code_path
from wfm.db.repositories import QueueRepository, SiteRepository
from wfm.domain import Queue
from wfm.domain.access import Permission
from wfm.domain.calibration import MAX_ACCURACY_WEEKS
from wfm.domain.patience import DEFAULT_LOOKBACK_DAYS, MAX_LOOKBACK_DAYS
from wfm.services.calibration import accuracy_report, calibrate_queues
from wfm.services.patience import estimate_patience

router = APIRouter(prefix="/queues", tags=["queues"])
READ = [Depends(require(Permission.ORG_READ))]
KPI_READ = [Depends(require(Permission.KPI_READ))]
WRITE = [Depends(require(Permission.ORG_WRITE))]


@dataclass(frozen=True)
class SiteHistory:
    """The site whose queues to fit on their history, and how many local days of it to read."""

    site: str
    lookback_days: int


def site_history(
    site: str = Query(pattern=CODE_PATTERN, description="The site whose queues to fit."),
    lookback_days: int = Query(
        default=DEFAULT_LOOKBACK_DAYS,
        ge=1,
        le=MAX_LOOKBACK_DAYS,
        description="Local days of history, ending with the site's last day of history, to read.",
    ),
) -> SiteHistory:
    """The query parameters of the fits on a site's history (patience, calibration)."""
    return SiteHistory(site=site, lookback_days=lookback_days)


SiteHistoryDep = Annotated[SiteHistory, Depends(site_history)]


@router.get("", response_model=list[QueueRead], dependencies=READ, responses=responses(404))
def list_queues(
    session: SessionDep,
    site: str | None = Query(default=None, pattern=CODE_PATTERN, description="Only this site."),
) -> Any:
    """Every queue (of one site when `site` is given), by code, with the patience in use."""
    if site is not None:
        SiteRepository(session).id_of(site)
    sites = {s.code: s for s in SiteRepository(session).list()}
    return [queue_read(q, sites[q.site_code]) for q in QueueRepository(session).list(site)]


@router.post(
    "",
    response_model=QueueRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=WRITE,
    responses=responses(404, 409),
)
def create_queue(body: QueueCreate, session: SessionDep) -> Any:
    """Create a queue on an existing site (404 when the site is unknown, 409 if the code exists).
    Its patience is the site's setting until an estimate from its history replaces it."""
    QueueRepository(session).add(Queue(**body.model_dump()))
    return _read(session, body.code)


@router.post(
    "/patience-estimates",
    response_model=PatienceEstimatesRead,
    dependencies=WRITE,
    responses=responses(404),
)
def estimate_queue_patience(session: SessionDep, history: SiteHistoryDep) -> Any:
    """Estimate and store each queue's mean patience from the site's interval history (abandons
    and waits of the last `lookback_days` local days); a queue with too few abandons keeps no
    estimate and uses the site's setting. Every forecast run does the same."""
    return PatienceEstimatesRead.of(
        estimate_patience(session, site_code=history.site, lookback_days=history.lookback_days)
    )


@router.post(
    "/calibrations",
    response_model=CalibrationsRead,
    dependencies=WRITE,
    responses=responses(404),
)
def calibrate_site_queues(session: SessionDep, history: SiteHistoryDep) -> Any:
    """Fit and store each queue's calibration (availability of its serving agents, patience,
    logistic recalibration: docs/erlang.md) on the site's interval history and its agents' ACD
    events of the last `lookback_days` local days. A queue without agent events, or with too
    few intervals or calls, is refused with the reason and keeps the calibration it had. The
    queue model then uses the stored calibration (requirements, the roster and its evaluation,
    the intraday recommendation). Every forecast run does the same."""
    return CalibrationsRead.of(
        calibrate_queues(session, site_code=history.site, lookback_days=history.lookback_days)
    )


@router.get(
    "/{code}/accuracy",
    response_model=AccuracyRead,
    dependencies=KPI_READ,
    responses=responses(404),
)
def queue_accuracy(
    session: SessionDep,
    code: str = code_path("queue"),
    weeks: int = Query(
        default=8,
        ge=1,
        le=MAX_ACCURACY_WEEKS,
        description="Local weeks (Monday start) ending with the week of the last stored interval.",
    ),
) -> Any:
    """The queue model's prediction against what happened, per local week: the answer rate and
    service level predicted at the calls, handle time and agents serving (from agent events)
    that happened, by the queue's model (calibrated when a calibration is stored) and by the
    textbook Erlang A, each with its call-weighted error, bias and binomial noise floor. A
    week without agent events says so and predicts nothing."""
    return AccuracyRead.of(accuracy_report(session, queue_code=code, weeks=weeks))


@router.get("/{code}", response_model=QueueRead, dependencies=READ, responses=responses(404))
def get_queue(session: SessionDep, code: str = code_path("queue")) -> Any:
    """One queue, with the patience in use."""
    return _read(session, code)


@router.patch("/{code}", response_model=QueueRead, dependencies=WRITE, responses=responses(404))
def update_queue(body: QueueUpdate, session: SessionDep, code: str = code_path("queue")) -> Any:
    """Change a queue's name, channel, targets, concurrency or value per contact. A target set
    to null is removed; the queue keeps at least one (service level, answer rate or abandon
    cap), else 422."""
    fields = changes(body, nullable=frozenset(TARGETS))
    repo = QueueRepository(session)
    current = repo.get(code)
    if all(fields.get(name, getattr(current, name)) is None for name in TARGETS):
        removed = next(name for name in TARGETS if name in fields)
        raise ApiError(
            422,
            "invalid",
            f"body.{removed}: {NO_TARGET}",
            [{"field": f"body.{removed}", "message": NO_TARGET}],
        )
    repo.update_queue(code, fields)
    return _read(session, code)


def _read(session: Session, code: str) -> QueueRead:
    queue = QueueRepository(session).get(code)
    return queue_read(queue, SiteRepository(session).get(queue.site_code))
