"""what-if scenarios

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05

- `scenarios`: per site, named what-ifs on a week (`week_start`): the scenario's document
  (`document`, `wfm.domain.scenarios.scenario_to_document`: its variants and their changes, the
  time limit of each solve), the job that solves it (`job_id`, null when the command line ran it
  in-process) and, once solved, the side-by-side comparison (`result`, null until then);
  deleted with the site. A scenario never writes a roster or a forecast.

Downgrade drops the table.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import wfm.db.types

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scenarios",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("job_id", sa.String(length=36), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("created_at", wfm.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_scenarios_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scenarios")),
    )
    op.create_index(op.f("ix_scenarios_site_id"), "scenarios", ["site_id"], unique=False)
    op.create_index(op.f("ix_scenarios_job_id"), "scenarios", ["job_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_scenarios_job_id"), table_name="scenarios")
    op.drop_index(op.f("ix_scenarios_site_id"), table_name="scenarios")
    op.drop_table("scenarios")
