"""`/v1/segments`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, status

from api.deps import SessionDep, require
from api.errors import ApiError, responses
from api.schemas import changes, code_path
from api.segments.schemas import SegmentCreate, SegmentRead, SegmentUpdate
from wfm.db.repositories import SegmentRepository
from wfm.domain import Segment
from wfm.domain.access import Permission

router = APIRouter(prefix="/segments", tags=["segments"])
READ = [Depends(require(Permission.ORG_READ))]
WRITE = [Depends(require(Permission.ORG_WRITE))]


@router.get("", response_model=list[SegmentRead], dependencies=READ, responses=responses())
def list_segments(session: SessionDep) -> Any:
    """Every customer segment, by code."""
    return SegmentRepository(session).list()


@router.post(
    "",
    response_model=SegmentRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=WRITE,
    responses=responses(409),
)
def create_segment(body: SegmentCreate, session: SessionDep) -> Any:
    """Create a customer segment."""
    segment = Segment(**body.model_dump())
    SegmentRepository(session).add(segment)
    return segment


@router.get("/{code}", response_model=SegmentRead, dependencies=READ, responses=responses(404))
def get_segment(session: SessionDep, code: str = code_path("segment")) -> Any:
    """One segment."""
    return SegmentRepository(session).get(code)


@router.patch("/{code}", response_model=SegmentRead, dependencies=WRITE, responses=responses(404))
def update_segment(
    body: SegmentUpdate, session: SessionDep, code: str = code_path("segment")
) -> Any:
    """Change a segment's name, ARPU range or size."""
    segments = SegmentRepository(session)
    values = changes(body, nullable=frozenset({"arpu_min_per_month", "arpu_max_per_month"}))
    current = segments.get(code)
    low = values.get("arpu_min_per_month", current.arpu_min_per_month)
    high = values.get("arpu_max_per_month", current.arpu_max_per_month)
    if low is not None and high is not None and low > high:
        raise ApiError(
            422,
            "invalid",
            f"body.arpu_min_per_month: {low} exceeds arpu_max_per_month {high}",
            [{"field": "body.arpu_min_per_month", "message": "must not exceed the maximum"}],
        )
    return segments.update_segment(code, values)
