"""Callbacks of outbound campaigns (calls promised by a due instant): add, look up, list, update."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, joinedload

from wfm.db.models import CallbackRow, CampaignRow, SiteRow
from wfm.db.repositories._fields import apply_fields
from wfm.db.repositories.segments import SegmentRepository
from wfm.domain.dialer import Callback, CallbackStatus
from wfm.domain.errors import NotFoundError


class CallbackRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, callback: Callback, now_utc: datetime) -> Callback:
        campaign_id = self.session.scalar(
            select(CampaignRow.id).where(CampaignRow.code == callback.campaign_code)
        )
        if campaign_id is None:
            raise NotFoundError(f"no campaign {callback.campaign_code!r}")
        segment_id = None
        if callback.segment_code is not None:
            segment_id = SegmentRepository(self.session).id_of(callback.segment_code)
        row = CallbackRow(
            campaign_id=campaign_id,
            segment_id=segment_id,
            lead_id=callback.lead_id,
            due_at_utc=callback.due_at_utc,
            status=callback.status.value,
            attempt_id=callback.attempt_id,
            created_at_utc=now_utc,
            updated_at_utc=now_utc,
        )
        self.session.add(row)
        self.session.flush()
        return self.get(row.id)

    def add_many(self, callbacks: Sequence[Callback]) -> int:
        """Store callbacks in bulk, each created and updated at its `created_at_utc` (required);
        returns how many. Unknown campaign or segment codes raise NotFoundError."""
        if not callbacks:
            return 0
        campaigns = dict(self.session.execute(select(CampaignRow.code, CampaignRow.id)).all())
        segments = SegmentRepository(self.session)
        segment_ids: dict[str, int] = {}
        rows = []
        for callback in callbacks:
            if callback.campaign_code not in campaigns:
                raise NotFoundError(f"no campaign {callback.campaign_code!r}")
            if callback.created_at_utc is None:
                raise ValueError("a callback stored in bulk needs its created_at_utc")
            segment_id = None
            if callback.segment_code is not None:
                if callback.segment_code not in segment_ids:
                    segment_ids[callback.segment_code] = segments.id_of(callback.segment_code)
                segment_id = segment_ids[callback.segment_code]
            rows.append(
                {
                    "campaign_id": campaigns[callback.campaign_code],
                    "segment_id": segment_id,
                    "lead_id": callback.lead_id,
                    "due_at_utc": callback.due_at_utc,
                    "status": callback.status.value,
                    "attempt_id": callback.attempt_id,
                    "created_at_utc": callback.created_at_utc,
                    "updated_at_utc": callback.created_at_utc,
                }
            )
        self.session.execute(insert(CallbackRow), rows)
        return len(rows)

    def get(self, callback_id: int) -> Callback:
        row = self.session.scalar(
            select(CallbackRow)
            .where(CallbackRow.id == callback_id)
            .options(joinedload(CallbackRow.campaign), joinedload(CallbackRow.segment))
        )
        if row is None:
            raise NotFoundError(f"no callback {callback_id}")
        return _callback(row)

    def list(
        self,
        *,
        campaign_code: str | None = None,
        site_code: str | None = None,
        status: CallbackStatus | None = None,
        due_from_utc: datetime | None = None,
        due_before_utc: datetime | None = None,
        limit: int | None = None,
    ) -> builtins.list[Callback]:
        """Callbacks by due instant (then id), filtered as given."""
        stmt = (
            select(CallbackRow)
            .join(CampaignRow, CallbackRow.campaign_id == CampaignRow.id)
            .options(joinedload(CallbackRow.campaign), joinedload(CallbackRow.segment))
            .order_by(CallbackRow.due_at_utc, CallbackRow.id)
        )
        if campaign_code is not None:
            stmt = stmt.where(CampaignRow.code == campaign_code)
        if site_code is not None:
            stmt = stmt.join(SiteRow, CampaignRow.site_id == SiteRow.id).where(
                SiteRow.code == site_code
            )
        if status is not None:
            stmt = stmt.where(CallbackRow.status == status.value)
        if due_from_utc is not None:
            stmt = stmt.where(CallbackRow.due_at_utc >= due_from_utc)
        if due_before_utc is not None:
            stmt = stmt.where(CallbackRow.due_at_utc < due_before_utc)
        if limit is not None:
            stmt = stmt.limit(limit)
        return [_callback(row) for row in self.session.scalars(stmt)]

    def update(self, callback_id: int, fields: Mapping[str, Any], now_utc: datetime) -> Callback:
        """Change the named fields (`segment_code` by code or None, `status` a CallbackStatus)."""
        row = self.session.get(CallbackRow, callback_id)
        if row is None:
            raise NotFoundError(f"no callback {callback_id}")
        values = dict(fields)
        if "segment_code" in values:
            code = values.pop("segment_code")
            values["segment_id"] = (
                None if code is None else SegmentRepository(self.session).id_of(code)
            )
        if "status" in values:
            values["status"] = CallbackStatus(values["status"]).value
        apply_fields(row, {**values, "updated_at_utc": now_utc})
        self.session.flush()
        self.session.expire(row)
        return self.get(callback_id)


def _callback(row: CallbackRow) -> Callback:
    return Callback(
        id=row.id,
        campaign_code=row.campaign.code,
        segment_code=row.segment.code if row.segment is not None else None,
        lead_id=row.lead_id,
        due_at_utc=row.due_at_utc,
        status=CallbackStatus(row.status),
        attempt_id=row.attempt_id,
        created_at_utc=row.created_at_utc,
        updated_at_utc=row.updated_at_utc,
    )
