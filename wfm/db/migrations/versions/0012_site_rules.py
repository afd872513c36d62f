"""versioned site roster rules

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05

- `site_rules`: per site, numbered versions (`version`, unique per site) of its roster rules,
  each valid from the week starting on `valid_from` until a later version's: shift lengths,
  site hours and start step, breaks and lunches, rest and consecutive days, fairness of unpopular
  shifts and the objective's weights, as one JSON document (`rules`,
  `wfm.domain.site_rules.rules_to_document`), with the planner's `note`; deleted with the site.
  A site without a version keeps the standard rules (`DEFAULT_SITE_RULES`), so existing sites
  roster as before.

Downgrade drops the table.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import wfm.db.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "site_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", wfm.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_site_rules_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_rules")),
        sa.UniqueConstraint("site_id", "version", name=op.f("uq_site_rules_site_id_version")),
    )
    op.create_index(op.f("ix_site_rules_site_id"), "site_rules", ["site_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_site_rules_site_id"), table_name="site_rules")
    op.drop_table("site_rules")
