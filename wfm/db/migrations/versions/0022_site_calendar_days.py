"""site calendar days

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07

- `site_calendar_days`: a site's own word on a local date over its country's calendar
  (`wfm.domain.CalendarDay`): `kind` "holiday" (a holiday the country lacks), "workday" (a
  make-up working day) or "normal" (an ordinary day, whatever the country says), and a `name`;
  one row per site and day; deleted with the site. The weekly forecast and the capacity plan
  read it.

Downgrade drops the table.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "site_calendar_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_site_calendar_days_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_calendar_days")),
        sa.UniqueConstraint("site_id", "day", name=op.f("uq_site_calendar_days_site_id_day")),
    )
    op.create_index(
        op.f("ix_site_calendar_days_site_id"), "site_calendar_days", ["site_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_site_calendar_days_site_id"), table_name="site_calendar_days")
    op.drop_table("site_calendar_days")
