"""the team an agent works in

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06

- `agents.team`: the name of the agent's team (up to 64 characters, any script: "一组",
  "Team 3"), which the planner's week groups and filters its Gantt rows by. NULL: no team (the
  dashboard then groups the agent by their queue skills, as before). Existing agents take NULL.

Downgrade drops the column (the agents keep everything else).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("team", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.drop_column("team")
