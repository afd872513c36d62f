"""Lead lists of outbound campaigns: add, look up, list and update."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from datetime import datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from wfm.db.models import CampaignRow, LeadListRow, SiteRow
from wfm.db.repositories._fields import apply_fields
from wfm.db.repositories.campaigns import _calling_windows_json
from wfm.db.repositories.segments import SegmentRepository
from wfm.domain import CallingWindow
from wfm.domain.dialer import LeadList
from wfm.domain.errors import AlreadyExistsError, NotFoundError


class LeadListRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, lead_list: LeadList, now_utc: datetime) -> LeadList:
        campaign_id = self._campaign_id(lead_list.campaign_code)
        taken = self.session.scalar(
            select(LeadListRow.id).where(
                LeadListRow.campaign_id == campaign_id, LeadListRow.code == lead_list.code
            )
        )
        if taken is not None:
            raise AlreadyExistsError(
                f"campaign {lead_list.campaign_code!r} already has a lead list {lead_list.code!r}"
            )
        row = LeadListRow(
            campaign_id=campaign_id,
            segment_id=SegmentRepository(self.session).id_of(lead_list.segment_code),
            code=lead_list.code,
            size_leads=lead_list.size_leads,
            calling_windows=_calling_windows_json(lead_list.calling_windows),
            max_attempts_per_lead=lead_list.max_attempts_per_lead,
            cool_off_minutes=lead_list.cool_off_minutes,
            do_not_call_leads=lead_list.do_not_call_leads,
            created_at_utc=now_utc,
            updated_at_utc=now_utc,
        )
        self.session.add(row)
        self.session.flush()
        return self.get(lead_list.campaign_code, lead_list.code)

    def get(self, campaign_code: str, code: str) -> LeadList:
        return _lead_list(self._row(campaign_code, code))

    def list(
        self, *, campaign_code: str | None = None, site_code: str | None = None
    ) -> builtins.list[LeadList]:
        stmt = (
            select(LeadListRow)
            .join(CampaignRow, LeadListRow.campaign_id == CampaignRow.id)
            .options(joinedload(LeadListRow.campaign), joinedload(LeadListRow.segment))
            .order_by(CampaignRow.code, LeadListRow.code)
        )
        if campaign_code is not None:
            stmt = stmt.where(CampaignRow.code == campaign_code)
        if site_code is not None:
            stmt = stmt.join(SiteRow, CampaignRow.site_id == SiteRow.id).where(
                SiteRow.code == site_code
            )
        return [_lead_list(row) for row in self.session.scalars(stmt)]

    def update(
        self, campaign_code: str, code: str, fields: Mapping[str, Any], now_utc: datetime
    ) -> LeadList:
        """Change the named fields (`segment_code` by code, `calling_windows` as windows)."""
        row = self._row(campaign_code, code)
        values = dict(fields)
        if "segment_code" in values:
            values["segment_id"] = SegmentRepository(self.session).id_of(values.pop("segment_code"))
        if "calling_windows" in values:
            values["calling_windows"] = _calling_windows_json(values["calling_windows"])
        apply_fields(row, {**values, "updated_at_utc": now_utc})
        self.session.flush()
        self.session.expire(row)
        return self.get(campaign_code, code)

    def _campaign_id(self, campaign_code: str) -> int:
        campaign_id = self.session.scalar(
            select(CampaignRow.id).where(CampaignRow.code == campaign_code)
        )
        if campaign_id is None:
            raise NotFoundError(f"no campaign {campaign_code!r}")
        return campaign_id

    def _row(self, campaign_code: str, code: str) -> LeadListRow:
        row = self.session.scalar(
            select(LeadListRow)
            .where(
                LeadListRow.campaign_id == self._campaign_id(campaign_code),
                LeadListRow.code == code,
            )
            .options(joinedload(LeadListRow.campaign), joinedload(LeadListRow.segment))
        )
        if row is None:
            raise NotFoundError(f"campaign {campaign_code!r} has no lead list {code!r}")
        return row


def _lead_list(row: LeadListRow) -> LeadList:
    return LeadList(
        campaign_code=row.campaign.code,
        segment_code=row.segment.code,
        code=row.code,
        size_leads=row.size_leads,
        calling_windows=tuple(
            CallingWindow(
                weekday=int(w["weekday"]),
                start_local=time.fromisoformat(w["start_local"]),
                end_local=time.fromisoformat(w["end_local"]),
            )
            for w in row.calling_windows
        ),
        max_attempts_per_lead=row.max_attempts_per_lead,
        cool_off_minutes=row.cool_off_minutes,
        do_not_call_leads=row.do_not_call_leads,
        created_at_utc=row.created_at_utc,
        updated_at_utc=row.updated_at_utc,
    )
