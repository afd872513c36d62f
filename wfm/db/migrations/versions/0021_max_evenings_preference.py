"""max-evenings preference

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07

- `agent_preferences` gains the fields of a `max_evenings` wish: `max_evening_shifts` (at most
  this many evening shifts in the roster's week) and `evening_from_local` (a shift is an evening
  shift when it ends after this local time; null: the standard 19:00). Both are null for the
  other kinds.

Downgrade deletes the max-evenings wishes and drops the two columns.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agent_preferences") as batch:
        batch.add_column(sa.Column("max_evening_shifts", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("evening_from_local", sa.Time(), nullable=True))


def downgrade() -> None:
    op.execute("DELETE FROM agent_preferences WHERE kind = 'max_evenings'")
    with op.batch_alter_table("agent_preferences") as batch:
        batch.drop_column("evening_from_local")
        batch.drop_column("max_evening_shifts")
