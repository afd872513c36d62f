"""Queues: add, look up, list, update, and store the patience estimated from their history."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from wfm.db.models import QueueRow, SiteRow
from wfm.db.repositories._fields import apply_fields
from wfm.db.repositories.sites import SiteRepository
from wfm.domain import Channel, Queue
from wfm.domain.errors import AlreadyExistsError, NotFoundError
from wfm.domain.queue_model import Calibration, Patience, PatienceSource


class QueueRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, queue: Queue) -> int:
        if self.session.scalar(select(QueueRow.id).where(QueueRow.code == queue.code)) is not None:
            raise AlreadyExistsError(f"queue {queue.code!r} already exists")
        row = QueueRow(
            site_id=SiteRepository(self.session).id_of(queue.site_code),
            code=queue.code,
            name=queue.name,
            channel=queue.channel.value,
            service_level_target=queue.service_level_target,
            service_threshold_seconds=queue.service_threshold_seconds,
            max_occupancy=queue.max_occupancy,
            chat_concurrency=queue.chat_concurrency,
            mean_patience_seconds=queue.mean_patience_seconds,
            patience_estimated_at_utc=queue.patience_estimated_at_utc,
            patience_ci_low_seconds=queue.patience_ci_low_seconds,
            patience_ci_high_seconds=queue.patience_ci_high_seconds,
            patience_abandoned_count=queue.patience_abandoned_count,
            value_per_answered_contact=queue.value_per_answered_contact,
            short_abandon_threshold_seconds=queue.short_abandon_threshold_seconds,
            min_answer_rate=queue.min_answer_rate,
            max_abandon_rate=queue.max_abandon_rate,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def ids_by_code(self) -> dict[str, int]:
        return {code: qid for code, qid in self.session.execute(select(QueueRow.code, QueueRow.id))}

    def id_of(self, code: str) -> int:
        queue_id = self.session.scalar(select(QueueRow.id).where(QueueRow.code == code))
        if queue_id is None:
            raise NotFoundError(f"no queue {code!r}")
        return queue_id

    def get(self, code: str) -> Queue:
        row = self.session.scalar(
            select(QueueRow)
            .options(selectinload(QueueRow.site), selectinload(QueueRow.calibration))
            .where(QueueRow.code == code)
        )
        if row is None:
            raise NotFoundError(f"no queue {code!r}")
        return _queue(row)

    def list(self, site_code: str | None = None) -> list[Queue]:
        stmt = (
            select(QueueRow)
            .options(selectinload(QueueRow.site), selectinload(QueueRow.calibration))
            .order_by(QueueRow.code)
        )
        if site_code is not None:
            stmt = stmt.join(SiteRow).where(SiteRow.code == site_code)
        return [_queue(r) for r in self.session.scalars(stmt)]

    def update_queue(self, code: str, fields: Mapping[str, Any]) -> Queue:
        row = self._row(code)
        apply_fields(row, {k: getattr(v, "value", v) for k, v in fields.items()})
        self.session.flush()
        return self.get(code)

    def set_patience_estimate(self, code: str, estimate: Patience | None) -> None:
        """Store the queue's patience estimate from its history, with its date, interval and
        abandons; None clears it (the site's setting applies)."""
        row = self._row(code)
        if estimate is not None and estimate.source is not PatienceSource.HISTORY:
            raise ValueError(f"queue {code!r}: only an estimate from history is stored")
        row.mean_patience_seconds = None if estimate is None else estimate.seconds
        row.patience_estimated_at_utc = None if estimate is None else estimate.estimated_at_utc
        row.patience_ci_low_seconds = None if estimate is None else estimate.ci_low_seconds
        row.patience_ci_high_seconds = None if estimate is None else estimate.ci_high_seconds
        row.patience_abandoned_count = None if estimate is None else estimate.abandoned_count
        self.session.flush()

    def _row(self, code: str) -> QueueRow:
        row = self.session.scalar(select(QueueRow).where(QueueRow.code == code))
        if row is None:
            raise NotFoundError(f"no queue {code!r}")
        return row


def _queue(row: QueueRow) -> Queue:
    return Queue(
        site_code=row.site.code,
        code=row.code,
        name=row.name,
        channel=Channel(row.channel),
        service_level_target=row.service_level_target,
        service_threshold_seconds=row.service_threshold_seconds,
        max_occupancy=row.max_occupancy,
        chat_concurrency=row.chat_concurrency,
        mean_patience_seconds=row.mean_patience_seconds,
        patience_estimated_at_utc=row.patience_estimated_at_utc,
        patience_ci_low_seconds=row.patience_ci_low_seconds,
        patience_ci_high_seconds=row.patience_ci_high_seconds,
        patience_abandoned_count=row.patience_abandoned_count,
        value_per_answered_contact=row.value_per_answered_contact,
        short_abandon_threshold_seconds=row.short_abandon_threshold_seconds,
        min_answer_rate=row.min_answer_rate,
        max_abandon_rate=row.max_abandon_rate,
        calibration=None
        if row.calibration is None
        else Calibration.from_dict(row.calibration.parameters),
    )
