"""What-if scenarios: a site's named variants of a week, the job solving them, their result."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wfm.db.models import ScenarioRow, SiteRow
from wfm.db.repositories.sites import SiteRepository
from wfm.domain.errors import NotFoundError


@dataclass(frozen=True, slots=True)
class ScenarioRecord:
    """A stored scenario: its document (`wfm.domain.scenarios.scenario_to_document`), the job
    solving it (None: run in-process) and its comparison once solved (None until then)."""

    id: int
    site_code: str
    name: str
    week_start: date
    document: dict[str, Any]
    job_id: str | None
    result: dict[str, Any] | None
    created_at_utc: datetime


class ScenarioRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, site_code: str, *, name: str, week_start: date, document: dict[str, Any]) -> int:
        """Store a scenario (not yet solved); returns its id."""
        row = ScenarioRow(
            site_id=SiteRepository(self.session).id_of(site_code),
            name=name,
            week_start=week_start,
            document=document,
            job_id=None,
            result=None,
            created_at=datetime.now(UTC),
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def set_job(self, scenario_id: int, job_id: str) -> None:
        self._row(scenario_id).job_id = job_id
        self.session.flush()

    def set_result(self, scenario_id: int, result: dict[str, Any]) -> None:
        self._row(scenario_id).result = result
        self.session.flush()

    def get(self, scenario_id: int) -> ScenarioRecord:
        row = self._row(scenario_id)
        code = self.session.scalar(select(SiteRow.code).where(SiteRow.id == row.site_id))
        assert code is not None
        return _record(code, row)

    def list(self, site_code: str, limit: int = 100) -> builtins.list[ScenarioRecord]:
        """The site's scenarios, newest first."""
        site_id = SiteRepository(self.session).id_of(site_code)
        rows = self.session.scalars(
            select(ScenarioRow)
            .where(ScenarioRow.site_id == site_id)
            .order_by(ScenarioRow.id.desc())
            .limit(limit)
        )
        return [_record(site_code, row) for row in rows]

    def _row(self, scenario_id: int) -> ScenarioRow:
        row = self.session.get(ScenarioRow, scenario_id)
        if row is None:
            raise NotFoundError(f"no scenario {scenario_id}")
        return row


def _record(site_code: str, row: ScenarioRow) -> ScenarioRecord:
    return ScenarioRecord(
        id=row.id,
        site_code=site_code,
        name=row.name,
        week_start=row.week_start,
        document=dict(row.document),
        job_id=row.job_id,
        result=None if row.result is None else dict(row.result),
        created_at_utc=row.created_at,
    )
