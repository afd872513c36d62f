"""`/v1/queues`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, status

from api.deps import SessionDep, require
from api.errors import responses
from api.queues.schemas import QueueCreate, QueueRead, QueueUpdate
from api.schemas import CODE_PATTERN, changes, code_path
from wfm.db.repositories import QueueRepository, SiteRepository
from wfm.db.repositories.edits import OrganisationEdits
from wfm.domain import Queue
from wfm.domain.access import Permission

router = APIRouter(prefix="/queues", tags=["queues"])
READ = [Depends(require(Permission.ORG_READ))]
WRITE = [Depends(require(Permission.ORG_WRITE))]


@router.get("", response_model=list[QueueRead], dependencies=READ, responses=responses(404))
def list_queues(
    session: SessionDep,
    site: str | None = Query(default=None, pattern=CODE_PATTERN, description="Only this site."),
) -> Any:
    """Every queue (of one site when `site` is given), by code."""
    if site is not None:
        SiteRepository(session).id_of(site)
    return QueueRepository(session).list(site)


@router.post(
    "",
    response_model=QueueRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=WRITE,
    responses=responses(404, 409),
)
def create_queue(body: QueueCreate, session: SessionDep) -> Any:
    """Create a queue on an existing site (404 when the site is unknown, 409 if the code exists)."""
    queue = Queue(**body.model_dump())
    QueueRepository(session).add(queue)
    return queue


@router.get("/{code}", response_model=QueueRead, dependencies=READ, responses=responses(404))
def get_queue(session: SessionDep, code: str = code_path("queue")) -> Any:
    """One queue."""
    return QueueRepository(session).get(code)


@router.patch("/{code}", response_model=QueueRead, dependencies=WRITE, responses=responses(404))
def update_queue(body: QueueUpdate, session: SessionDep, code: str = code_path("queue")) -> Any:
    """Change a queue's name, channel or service targets."""
    return OrganisationEdits(session).update_queue(
        code, changes(body, nullable=frozenset({"mean_patience_seconds"}))
    )
