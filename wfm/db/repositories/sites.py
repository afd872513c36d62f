"""Sites: add, look up, list and update (a new timezone recomputes the site's daily sums)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from wfm.db import day_sums
from wfm.db.models import IntradaySettingsRow, QueueRow, SiteRow
from wfm.db.repositories._fields import apply_fields
from wfm.domain import Site
from wfm.domain.errors import AlreadyExistsError, NotFoundError


class SiteRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, site: Site) -> int:
        if self.session.scalar(select(SiteRow.id).where(SiteRow.code == site.code)) is not None:
            raise AlreadyExistsError(f"site {site.code!r} already exists")
        row = SiteRow(
            code=site.code,
            name=site.name,
            timezone=site.timezone,
            country_code=site.country_code,
            seats=site.seats,
            default_patience_seconds=site.default_patience_seconds,
            is_simulation=site.is_simulation,
            unplanned_shrinkage=site.unplanned_shrinkage,
            default_language=site.default_language,
            currency=site.currency,
            swaps_need_approval=site.swaps_need_approval,
            created_at=datetime.now(UTC),
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def id_of(self, code: str) -> int:
        site_id = self.session.scalar(select(SiteRow.id).where(SiteRow.code == code))
        if site_id is None:
            raise NotFoundError(f"no site {code!r}")
        return site_id

    def get(self, code: str) -> Site:
        row = self.session.scalar(select(SiteRow).where(SiteRow.code == code))
        if row is None:
            raise NotFoundError(f"no site {code!r}")
        return _site(row)

    def list(self) -> list[Site]:
        return [_site(r) for r in self.session.scalars(select(SiteRow).order_by(SiteRow.code))]

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(SiteRow)) or 0

    def update_site(self, code: str, fields: Mapping[str, Any]) -> Site:
        row = self.session.scalar(select(SiteRow).where(SiteRow.code == code))
        if row is None:
            raise NotFoundError(f"no site {code!r}")
        old_timezone = row.timezone
        apply_fields(row, fields)
        self.session.flush()
        if not row.is_simulation:  # a live site runs on the real time
            self.session.execute(
                update(IntradaySettingsRow)
                .where(
                    IntradaySettingsRow.site_id == row.id,
                    IntradaySettingsRow.clock_start_utc.is_not(None),
                )
                .values(clock_start_utc=None, clock_anchor_utc=None, clock_speed=None)
            )
        if row.timezone != old_timezone:  # the site's local days moved: recompute their sums
            queue_ids = self.session.scalars(select(QueueRow.id).where(QueueRow.site_id == row.id))
            day_sums.rebuild(self.session.connection(), list(queue_ids))
        return self.get(code)


def _site(row: SiteRow) -> Site:
    return Site(
        code=row.code,
        name=row.name,
        timezone=row.timezone,
        country_code=row.country_code,
        seats=row.seats,
        default_patience_seconds=row.default_patience_seconds,
        is_simulation=row.is_simulation,
        unplanned_shrinkage=row.unplanned_shrinkage,
        default_language=row.default_language,
        currency=row.currency,
        swaps_need_approval=row.swaps_need_approval,
    )
