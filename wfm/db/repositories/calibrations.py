"""Queue calibrations: the queue model's calibration against each queue's history, one per queue."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from wfm.db.models import IntervalHistoryRow, QueueCalibrationRow, QueueRow
from wfm.domain.calibration import StoredCalibration
from wfm.domain.errors import NotFoundError
from wfm.domain.queue_model import Calibration


class StoredInterval(NamedTuple):
    """One stored interval of a queue, as a calibration reads it."""

    start_utc: datetime
    interval_minutes: int
    answered: int
    abandoned: int
    answered_within_threshold: int
    handle_seconds: float
    wait_seconds_answered: float
    wait_seconds_abandoned: float


class CalibrationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def store(self, stored: StoredCalibration) -> None:
        """Store the queue's calibration in place of the one it had."""
        queue_id = self._queue_id(stored.queue_code)
        row = self.session.scalar(
            select(QueueCalibrationRow).where(QueueCalibrationRow.queue_id == queue_id)
        )
        if row is None:
            row = QueueCalibrationRow(queue_id=queue_id)
            self.session.add(row)
        row.fitted_at_utc = stored.fitted_at_utc
        row.window_start_utc = stored.window_start_utc
        row.window_end_utc = stored.window_end_utc
        row.parameters = stored.calibration.to_dict()
        row.intervals = stored.intervals
        row.calls = stored.calls
        row.answer_rate_mae = stored.answer_rate_mae
        row.textbook_answer_rate_mae = stored.textbook_answer_rate_mae
        row.answer_rate_noise_floor = stored.answer_rate_noise_floor
        row.service_level_mae = stored.service_level_mae
        row.textbook_service_level_mae = stored.textbook_service_level_mae
        self.session.flush()
        self._forget_loaded(queue_id)

    def get(self, queue_code: str) -> StoredCalibration | None:
        """The queue's stored calibration; None when it has none (404 for an unknown queue)."""
        queue_id = self._queue_id(queue_code)
        row = self.session.scalar(
            select(QueueCalibrationRow).where(QueueCalibrationRow.queue_id == queue_id)
        )
        return None if row is None else _stored(queue_code, row)

    def clear(self, queue_code: str) -> None:
        queue_id = self._queue_id(queue_code)
        self.session.execute(
            delete(QueueCalibrationRow).where(QueueCalibrationRow.queue_id == queue_id)
        )
        self.session.flush()
        self._forget_loaded(queue_id)

    def intervals(
        self, queue_code: str, start_utc: datetime, end_utc: datetime
    ) -> list[StoredInterval]:
        """The queue's stored intervals starting in [start_utc, end_utc), in time order."""
        h = IntervalHistoryRow
        stmt = (
            select(
                h.interval_start_utc,
                h.interval_minutes,
                h.answered,
                h.abandoned,
                h.answered_within_threshold,
                h.handle_seconds,
                h.wait_seconds_answered,
                h.wait_seconds_abandoned,
            )
            .where(
                h.queue_id == self._queue_id(queue_code),
                h.interval_start_utc >= start_utc,
                h.interval_start_utc < end_utc,
            )
            .order_by(h.interval_start_utc)
        )
        return [StoredInterval(*row) for row in self.session.execute(stmt)]

    def _queue_id(self, code: str) -> int:
        queue_id = self.session.scalar(select(QueueRow.id).where(QueueRow.code == code))
        if queue_id is None:
            raise NotFoundError(f"no queue {code!r}")
        return queue_id

    def _forget_loaded(self, queue_id: int) -> None:
        """A queue row already loaded in the session reads its calibration afresh next time."""
        for obj in list(self.session.identity_map.values()):
            if isinstance(obj, QueueRow) and obj.id == queue_id:
                self.session.expire(obj, ["calibration"])


def _stored(queue_code: str, row: QueueCalibrationRow) -> StoredCalibration:
    return StoredCalibration(
        queue_code=queue_code,
        fitted_at_utc=row.fitted_at_utc,
        window_start_utc=row.window_start_utc,
        window_end_utc=row.window_end_utc,
        calibration=Calibration.from_dict(row.parameters),
        intervals=row.intervals,
        calls=row.calls,
        answer_rate_mae=row.answer_rate_mae,
        textbook_answer_rate_mae=row.textbook_answer_rate_mae,
        answer_rate_noise_floor=row.answer_rate_noise_floor,
        service_level_mae=row.service_level_mae,
        textbook_service_level_mae=row.textbook_service_level_mae,
    )
