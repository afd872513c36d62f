"""Outbound campaigns: add, look up, list and update (with their calling windows)."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from datetime import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from wfm.db.models import CampaignRow, SiteRow
from wfm.db.repositories._fields import apply_fields
from wfm.db.repositories.segments import SegmentRepository
from wfm.db.repositories.sites import SiteRepository
from wfm.domain import CallingWindow, Campaign, CampaignKind
from wfm.domain.errors import AlreadyExistsError, NotFoundError


class CampaignRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, campaign: Campaign) -> int:
        existing = self.session.scalar(
            select(CampaignRow.id).where(CampaignRow.code == campaign.code)
        )
        if existing is not None:
            raise AlreadyExistsError(f"campaign {campaign.code!r} already exists")
        segment_id = None
        if campaign.segment_code is not None:
            segment_id = SegmentRepository(self.session).id_of(campaign.segment_code)
        row = CampaignRow(
            site_id=SiteRepository(self.session).id_of(campaign.site_code),
            code=campaign.code,
            name=campaign.name,
            kind=campaign.kind.value,
            segment_id=segment_id,
            value_per_productive_hour_by_hour=list(campaign.value_per_productive_hour_by_hour),
            calling_windows=_calling_windows_json(campaign.calling_windows),
            min_hours_per_week=campaign.min_hours_per_week,
            max_hours_per_week=campaign.max_hours_per_week,
            target_hours=campaign.target_hours,
            efficiency=campaign.efficiency,
            deadline=campaign.deadline,
            target_sales=campaign.target_sales,
            target_completes=campaign.target_completes,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def ids_by_code(self) -> dict[str, int]:
        return dict(self.session.execute(select(CampaignRow.code, CampaignRow.id)).all())

    def get(self, code: str) -> Campaign:
        for campaign in self.list():
            if campaign.code == code:
                return campaign
        raise NotFoundError(f"no campaign {code!r}")

    def list(self, site_code: str | None = None) -> builtins.list[Campaign]:
        stmt = (
            select(CampaignRow, SiteRow.code)
            .join(SiteRow, CampaignRow.site_id == SiteRow.id)
            .options(selectinload(CampaignRow.segment))
            .order_by(CampaignRow.code)
        )
        if site_code is not None:
            stmt = stmt.where(SiteRow.code == site_code)
        return [_campaign(row, code) for row, code in self.session.execute(stmt)]

    def update_campaign(self, code: str, fields: Mapping[str, Any]) -> Campaign:
        row = self.session.scalar(select(CampaignRow).where(CampaignRow.code == code))
        if row is None:
            raise NotFoundError(f"no campaign {code!r}")
        values = dict(fields)
        if "segment_code" in values:
            segment_code = values.pop("segment_code")
            segment_id = None
            if segment_code is not None:
                segment_id = SegmentRepository(self.session).id_of(segment_code)
            values["segment_id"] = segment_id
        if "kind" in values:
            values["kind"] = getattr(values["kind"], "value", values["kind"])
        if "value_per_productive_hour_by_hour" in values:
            values["value_per_productive_hour_by_hour"] = [
                float(v) for v in values["value_per_productive_hour_by_hour"]
            ]
        if "calling_windows" in values:
            values["calling_windows"] = _calling_windows_json(values["calling_windows"])
        apply_fields(row, values)
        self.session.flush()
        return self.get(code)


def _calling_windows_json(windows: Iterable[CallingWindow]) -> builtins.list[dict[str, Any]]:
    return [
        {
            "weekday": w.weekday,
            "start_local": _time_str(w.start_local),
            "end_local": _time_str(w.end_local),
        }
        for w in windows
    ]


def _time_str(value: time) -> str:
    return value.strftime("%H:%M")


def _campaign(row: CampaignRow, site_code: str) -> Campaign:
    return Campaign(
        site_code=site_code,
        code=row.code,
        name=row.name,
        kind=CampaignKind(row.kind),
        segment_code=row.segment.code if row.segment is not None else None,
        value_per_productive_hour_by_hour=tuple(
            float(v) for v in row.value_per_productive_hour_by_hour
        ),
        calling_windows=tuple(
            CallingWindow(
                weekday=int(w["weekday"]),
                start_local=time.fromisoformat(w["start_local"]),
                end_local=time.fromisoformat(w["end_local"]),
            )
            for w in row.calling_windows
        ),
        min_hours_per_week=row.min_hours_per_week,
        max_hours_per_week=row.max_hours_per_week,
        target_hours=row.target_hours,
        efficiency=row.efficiency,
        deadline=row.deadline,
        target_sales=row.target_sales,
        target_completes=row.target_completes,
    )
