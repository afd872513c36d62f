"""Customer segments: add, look up, list and update."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wfm.db.models import SegmentRow
from wfm.db.repositories._fields import apply_fields
from wfm.domain import Segment
from wfm.domain.errors import AlreadyExistsError, NotFoundError


class SegmentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, segment: Segment) -> int:
        existing = self.session.scalar(select(SegmentRow.id).where(SegmentRow.code == segment.code))
        if existing is not None:
            raise AlreadyExistsError(f"segment {segment.code!r} already exists")
        row = SegmentRow(
            code=segment.code,
            name=segment.name,
            arpu_min_per_month=segment.arpu_min_per_month,
            arpu_max_per_month=segment.arpu_max_per_month,
            customer_count=segment.customer_count,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def id_of(self, code: str) -> int:
        segment_id = self.session.scalar(select(SegmentRow.id).where(SegmentRow.code == code))
        if segment_id is None:
            raise NotFoundError(f"no segment {code!r}")
        return segment_id

    def get(self, code: str) -> Segment:
        return _segment(self._row(code))

    def list(self) -> list[Segment]:
        return [
            _segment(r) for r in self.session.scalars(select(SegmentRow).order_by(SegmentRow.code))
        ]

    def update_segment(self, code: str, fields: Mapping[str, Any]) -> Segment:
        row = self._row(code)
        apply_fields(row, fields)
        self.session.flush()
        return self.get(code)

    def _row(self, code: str) -> SegmentRow:
        row = self.session.scalar(select(SegmentRow).where(SegmentRow.code == code))
        if row is None:
            raise NotFoundError(f"no segment {code!r}")
        return row


def _segment(row: SegmentRow) -> Segment:
    return Segment(
        code=row.code,
        name=row.name,
        arpu_min_per_month=row.arpu_min_per_month,
        arpu_max_per_month=row.arpu_max_per_month,
        customer_count=row.customer_count,
    )
