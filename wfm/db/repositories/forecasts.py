"""Forecast runs (versioned per site), their values, manual adjustments, accuracy, requirements."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from wfm.db.models import (
    ForecastAccuracyRow,
    ForecastAdjustmentRow,
    ForecastRunRow,
    ForecastValueRow,
    QueueRow,
    SiteRow,
    StaffingRequirementRow,
)
from wfm.db.repositories.queues import QueueRepository
from wfm.db.repositories.sites import SiteRepository
from wfm.domain import (
    AdjustmentOperation,
    ForecastAccuracy,
    ForecastAdjustment,
    ForecastRun,
    ForecastValue,
    StaffingRequirement,
)
from wfm.domain.errors import NotFoundError

_BATCH_ROWS = 5_000


class ForecastRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def next_version(self, site_code: str) -> int:
        site_id = SiteRepository(self.session).id_of(site_code)
        current = self.session.scalar(
            select(func.max(ForecastRunRow.version)).where(ForecastRunRow.site_id == site_id)
        )
        return int(current or 0) + 1

    def add_run(self, run: ForecastRun, values: Sequence[ForecastValue]) -> int:
        """Store a run and its values; the version given must be the site's next one."""
        row = ForecastRunRow(
            site_id=SiteRepository(self.session).id_of(run.site_code),
            version=run.version,
            created_at=run.created_at_utc,
            interval_minutes=run.interval_minutes,
            history_start_utc=run.history_start_utc,
            history_end_utc=run.history_end_utc,
            horizon_start_utc=run.horizon_start_utc,
            horizon_end_utc=run.horizon_end_utc,
            model_by_queue=dict(run.model_by_queue),
            backtest_scores={k: dict(v) for k, v in run.backtest_scores.items()},
            warnings=list(run.warnings),
            job_id=run.job_id,
        )
        self.session.add(row)
        self.session.flush()
        queue_ids = QueueRepository(self.session).ids_by_code()
        payload: list[dict[str, Any]] = []
        for v in values:
            if v.queue_code not in queue_ids:
                raise NotFoundError(f"no queue {v.queue_code!r}")
            payload.append(
                {
                    "run_id": row.id,
                    "queue_id": queue_ids[v.queue_code],
                    "interval_start_utc": v.interval_start_utc,
                    "offered": v.offered,
                    "offered_lo80": v.offered_lo80,
                    "offered_hi80": v.offered_hi80,
                    "offered_lo95": v.offered_lo95,
                    "offered_hi95": v.offered_hi95,
                    "aht_seconds": v.aht_seconds,
                }
            )
        for start in range(0, len(payload), _BATCH_ROWS):
            self.session.execute(insert(ForecastValueRow), payload[start : start + _BATCH_ROWS])
        return row.id

    def latest_run(self, site_code: str) -> ForecastRun | None:
        row = self.session.scalar(
            select(ForecastRunRow)
            .join(SiteRow)
            .where(SiteRow.code == site_code)
            .order_by(ForecastRunRow.version.desc())
            .limit(1)
        )
        return None if row is None else _run(row, site_code)

    def run(self, run_id: int) -> ForecastRun:
        result = self.session.execute(
            select(ForecastRunRow, SiteRow.code).join(SiteRow).where(ForecastRunRow.id == run_id)
        ).first()
        if result is None:
            raise NotFoundError(f"no forecast run {run_id}")
        return _run(result[0], result[1])

    def runs(self, site_code: str) -> list[ForecastRun]:
        stmt = (
            select(ForecastRunRow)
            .join(SiteRow)
            .where(SiteRow.code == site_code)
            .order_by(ForecastRunRow.version)
        )
        return [_run(r, site_code) for r in self.session.scalars(stmt)]

    def values(
        self,
        run_id: int,
        queue_code: str | None = None,
        start_utc: datetime | None = None,
        end_utc: datetime | None = None,
    ) -> list[ForecastValue]:
        stmt = (
            select(ForecastValueRow, QueueRow.code)
            .join(QueueRow, ForecastValueRow.queue_id == QueueRow.id)
            .where(ForecastValueRow.run_id == run_id)
            .order_by(QueueRow.code, ForecastValueRow.interval_start_utc)
        )
        if queue_code is not None:
            stmt = stmt.where(QueueRow.code == queue_code)
        if start_utc is not None:
            stmt = stmt.where(ForecastValueRow.interval_start_utc >= start_utc)
        if end_utc is not None:
            stmt = stmt.where(ForecastValueRow.interval_start_utc < end_utc)
        return [
            ForecastValue(
                queue_code=code,
                interval_start_utc=r.interval_start_utc,
                offered=r.offered,
                aht_seconds=r.aht_seconds,
                offered_lo80=r.offered_lo80,
                offered_hi80=r.offered_hi80,
                offered_lo95=r.offered_lo95,
                offered_hi95=r.offered_hi95,
            )
            for r, code in self.session.execute(stmt)
        ]

    # --- adjustments -------------------------------------------------------------------------

    def add_adjustment(self, adjustment: ForecastAdjustment) -> int:
        row = ForecastAdjustmentRow(
            queue_id=QueueRepository(self.session).id_of(adjustment.queue_code),
            start_utc=adjustment.start_utc,
            end_utc=adjustment.end_utc,
            target=adjustment.target,
            operation=adjustment.operation.value,
            value=adjustment.value,
            note=adjustment.note,
            created_at=datetime.now(UTC),
            active=True,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def adjustments(self, queue_code: str | None = None) -> list[ForecastAdjustment]:
        stmt = (
            select(ForecastAdjustmentRow, QueueRow.code)
            .join(QueueRow, ForecastAdjustmentRow.queue_id == QueueRow.id)
            .where(ForecastAdjustmentRow.active.is_(True))
            .order_by(ForecastAdjustmentRow.id)
        )
        if queue_code is not None:
            stmt = stmt.where(QueueRow.code == queue_code)
        return [
            ForecastAdjustment(
                queue_code=code,
                start_utc=r.start_utc,
                end_utc=r.end_utc,
                target=r.target,
                operation=AdjustmentOperation(r.operation),
                value=r.value,
                note=r.note,
                id=r.id,
            )
            for r, code in self.session.execute(stmt)
        ]

    def deactivate_adjustment(self, adjustment_id: int) -> None:
        row = self.session.get(ForecastAdjustmentRow, adjustment_id)
        if row is None:
            raise NotFoundError(f"no forecast adjustment {adjustment_id}")
        row.active = False
        self.session.flush()

    # --- accuracy ----------------------------------------------------------------------------

    def replace_accuracy(self, run_id: int, records: Sequence[ForecastAccuracy]) -> None:
        """Replace the run's accuracy scores. The run's row is locked first (PostgreSQL), so two
        transactions re-scoring the same run (imports of two queues of a site) take turns
        instead of both inserting after deleting what the other had not yet committed."""
        self.session.execute(
            select(ForecastRunRow.id).where(ForecastRunRow.id == run_id).with_for_update()
        )
        self.session.execute(
            delete(ForecastAccuracyRow).where(ForecastAccuracyRow.run_id == run_id)
        )
        queue_ids = QueueRepository(self.session).ids_by_code()
        self.session.add_all(
            ForecastAccuracyRow(
                run_id=run_id,
                queue_id=queue_ids[a.queue_code],
                period=a.period,
                period_start=a.period_start,
                actual_offered=a.actual_offered,
                forecast_offered=a.forecast_offered,
                wmape=a.wmape,
                accuracy_percent=a.accuracy_percent,
            )
            for a in records
        )
        self.session.flush()

    def accuracy(self, run_id: int) -> list[ForecastAccuracy]:
        stmt = (
            select(ForecastAccuracyRow, QueueRow.code)
            .join(QueueRow, ForecastAccuracyRow.queue_id == QueueRow.id)
            .where(ForecastAccuracyRow.run_id == run_id)
            .order_by(QueueRow.code, ForecastAccuracyRow.period, ForecastAccuracyRow.period_start)
        )
        return [
            ForecastAccuracy(
                queue_code=code,
                period=r.period,
                period_start=r.period_start,
                actual_offered=r.actual_offered,
                forecast_offered=r.forecast_offered,
                wmape=r.wmape,
            )
            for r, code in self.session.execute(stmt)
        ]


def _run(row: ForecastRunRow, site_code: str) -> ForecastRun:
    return ForecastRun(
        site_code=site_code,
        version=row.version,
        created_at_utc=row.created_at,
        interval_minutes=row.interval_minutes,
        horizon_start_utc=row.horizon_start_utc,
        horizon_end_utc=row.horizon_end_utc,
        history_start_utc=row.history_start_utc,
        history_end_utc=row.history_end_utc,
        model_by_queue=dict(row.model_by_queue),
        backtest_scores={k: dict(v) for k, v in row.backtest_scores.items()},
        warnings=tuple(row.warnings),
        job_id=row.job_id,
        id=row.id,
    )


class RequirementRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def replace(self, forecast_run_id: int, requirements: Sequence[StaffingRequirement]) -> int:
        """Replace the requirements computed from one forecast run."""
        self.session.execute(
            delete(StaffingRequirementRow).where(
                StaffingRequirementRow.forecast_run_id == forecast_run_id
            )
        )
        queue_ids = QueueRepository(self.session).ids_by_code()
        payload = [
            {
                "forecast_run_id": forecast_run_id,
                "queue_id": queue_ids[r.queue_code],
                "interval_start_utc": r.interval_start_utc,
                "interval_minutes": r.interval_minutes,
                "contacts": r.contacts,
                "aht_seconds": r.aht_seconds,
                "required_agents": r.required_agents,
                "scheduled_agents": r.scheduled_agents,
                "predicted_service_level": r.predicted_service_level,
                "predicted_answer_rate": r.predicted_answer_rate,
                "predicted_asa_seconds": r.predicted_asa_seconds,
                "predicted_occupancy": r.predicted_occupancy,
                "shrinkage": r.shrinkage,
                "shrinkage_source": r.shrinkage_source,
            }
            for r in requirements
        ]
        for start in range(0, len(payload), _BATCH_ROWS):
            self.session.execute(
                insert(StaffingRequirementRow), payload[start : start + _BATCH_ROWS]
            )
        return len(payload)

    def list(
        self,
        forecast_run_id: int,
        queue_code: str | None = None,
        start_utc: datetime | None = None,
        end_utc: datetime | None = None,
    ) -> list[StaffingRequirement]:
        stmt = (
            select(StaffingRequirementRow, QueueRow.code)
            .join(QueueRow, StaffingRequirementRow.queue_id == QueueRow.id)
            .where(StaffingRequirementRow.forecast_run_id == forecast_run_id)
            .order_by(QueueRow.code, StaffingRequirementRow.interval_start_utc)
        )
        if queue_code is not None:
            stmt = stmt.where(QueueRow.code == queue_code)
        if start_utc is not None:
            stmt = stmt.where(StaffingRequirementRow.interval_start_utc >= start_utc)
        if end_utc is not None:
            stmt = stmt.where(StaffingRequirementRow.interval_start_utc < end_utc)
        return [
            StaffingRequirement(
                queue_code=code,
                interval_start_utc=r.interval_start_utc,
                interval_minutes=r.interval_minutes,
                contacts=r.contacts,
                aht_seconds=r.aht_seconds,
                required_agents=r.required_agents,
                scheduled_agents=r.scheduled_agents,
                predicted_service_level=r.predicted_service_level,
                predicted_answer_rate=r.predicted_answer_rate,
                predicted_asa_seconds=r.predicted_asa_seconds,
                predicted_occupancy=r.predicted_occupancy,
                shrinkage=r.shrinkage,
                shrinkage_source=r.shrinkage_source,
            )
            for r, code in self.session.execute(stmt)
        ]
