"""Capacity plans: a site's plans of the next months' staff, the job computing each, its result."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wfm.db.models import CapacityPlanRow, SiteRow
from wfm.db.repositories.sites import SiteRepository
from wfm.domain.errors import NotFoundError


@dataclass(frozen=True, slots=True)
class CapacityPlanRecord:
    """A stored capacity plan: its inputs as asked, the job computing it (None: computed
    in-process), its status ("queued", "succeeded", "failed") and its result once computed."""

    id: int
    site_code: str
    created_at_utc: datetime
    inputs: dict[str, Any]
    job_id: str | None
    status: str
    result: dict[str, Any] | None


class CapacityPlanRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, site_code: str, inputs: dict[str, Any]) -> int:
        """Store a plan to compute (status "queued"); returns its id."""
        row = CapacityPlanRow(
            site_id=SiteRepository(self.session).id_of(site_code),
            created_at=datetime.now(UTC),
            inputs=inputs,
            job_id=None,
            status="queued",
            result=None,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def set_job(self, plan_id: int, job_id: str) -> None:
        self._row(plan_id).job_id = job_id
        self.session.flush()

    def set_result(self, plan_id: int, result: dict[str, Any]) -> None:
        row = self._row(plan_id)
        row.result = result
        row.status = "succeeded"
        self.session.flush()

    def get(self, plan_id: int) -> CapacityPlanRecord:
        row = self._row(plan_id)
        code = self.session.scalar(select(SiteRow.code).where(SiteRow.id == row.site_id))
        assert code is not None
        return _record(code, row)

    def list(self, site_code: str, limit: int = 100) -> builtins.list[CapacityPlanRecord]:
        """The site's plans, newest first."""
        site_id = SiteRepository(self.session).id_of(site_code)
        rows = self.session.scalars(
            select(CapacityPlanRow)
            .where(CapacityPlanRow.site_id == site_id)
            .order_by(CapacityPlanRow.id.desc())
            .limit(limit)
        )
        return [_record(site_code, row) for row in rows]

    def _row(self, plan_id: int) -> CapacityPlanRow:
        row = self.session.get(CapacityPlanRow, plan_id)
        if row is None:
            raise NotFoundError(f"no capacity plan {plan_id}")
        return row


def _record(site_code: str, row: CapacityPlanRow) -> CapacityPlanRecord:
    return CapacityPlanRecord(
        id=row.id,
        site_code=site_code,
        created_at_utc=row.created_at,
        inputs=dict(row.inputs),
        job_id=row.job_id,
        status=row.status,
        result=None if row.result is None else dict(row.result),
    )
