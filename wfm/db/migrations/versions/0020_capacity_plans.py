"""capacity plans

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06

- `capacity_plans`: per site, a plan of the next months' staff (`wfm.domain.capacity_plan`):
  its inputs as asked (`inputs`: months and scenario knobs), the job computing it (`job_id`, null
  when the command line computed it in-process), its `status` ("queued", "succeeded",
  "failed") and, once computed, the plan (`result`, null until then); deleted with the site.
  `created_at` is UTC. A capacity plan never writes a forecast, a requirement or a roster.

Downgrade drops the table.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import wfm.db.types

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "capacity_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("created_at", wfm.db.types.UTCDateTime(), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("job_id", sa.String(length=36), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_capacity_plans_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capacity_plans")),
    )
    op.create_index(
        op.f("ix_capacity_plans_site_id"), "capacity_plans", ["site_id"], unique=False
    )
    op.create_index(op.f("ix_capacity_plans_job_id"), "capacity_plans", ["job_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_capacity_plans_job_id"), table_name="capacity_plans")
    op.drop_index(op.f("ix_capacity_plans_site_id"), table_name="capacity_plans")
    op.drop_table("capacity_plans")
