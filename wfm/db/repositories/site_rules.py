"""Site rules: numbered versions of a site's roster rules, each valid from a week on."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wfm.db.models import SiteRulesRow
from wfm.db.repositories.sites import SiteRepository
from wfm.domain.site_rules import (
    SiteRules,
    SiteRulesVersion,
    rules_from_document,
    rules_to_document,
)


class SiteRulesRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, site_code: str, *, valid_from: date, rules: SiteRules, note: str = "") -> int:
        """Store the rules as the site's next version; returns its number."""
        site_id = SiteRepository(self.session).id_of(site_code)
        latest = self.session.scalar(
            select(func.max(SiteRulesRow.version)).where(SiteRulesRow.site_id == site_id)
        )
        row = SiteRulesRow(
            site_id=site_id,
            version=(latest or 0) + 1,
            valid_from=valid_from,
            rules=rules_to_document(rules),
            note=note,
            created_at=datetime.now(UTC),
        )
        self.session.add(row)
        self.session.flush()
        return row.version

    def valid_for(self, site_code: str, week_start: date) -> SiteRulesVersion | None:
        """The version valid for the week starting on `week_start`: of those valid from that
        day or before, the latest valid_from, and of those the highest version (None: none)."""
        site_id = SiteRepository(self.session).id_of(site_code)
        row = self.session.scalar(
            select(SiteRulesRow)
            .where(SiteRulesRow.site_id == site_id, SiteRulesRow.valid_from <= week_start)
            .order_by(SiteRulesRow.valid_from.desc(), SiteRulesRow.version.desc())
            .limit(1)
        )
        return None if row is None else _version(site_code, row)

    def list(self, site_code: str) -> list[SiteRulesVersion]:
        """Every version of the site's rules, oldest first."""
        site_id = SiteRepository(self.session).id_of(site_code)
        rows = self.session.scalars(
            select(SiteRulesRow)
            .where(SiteRulesRow.site_id == site_id)
            .order_by(SiteRulesRow.version)
        )
        return [_version(site_code, row) for row in rows]


def _version(site_code: str, row: SiteRulesRow) -> SiteRulesVersion:
    return SiteRulesVersion(
        site_code=site_code,
        version=row.version,
        valid_from=row.valid_from,
        rules=rules_from_document(row.rules),
        created_at_utc=row.created_at,
        note=row.note,
    )
