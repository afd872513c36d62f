"""voluntary-time-off offer

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07

- `agent_preferences` gains `vto_hours_max`, the field of a `voluntary_time_off` offer: the
  agent would work up to this many paid hours less than the contract's weekly minimum, unpaid,
  in a week holding one of the offer's days. Null for the other kinds. `kind` widens from 16
  to 32 characters (`voluntary_time_off` has 18).

Downgrade deletes the offers, drops the column and narrows `kind` again.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agent_preferences") as batch:
        batch.alter_column(
            "kind", existing_type=sa.String(16), type_=sa.String(32), existing_nullable=False
        )
        batch.add_column(sa.Column("vto_hours_max", sa.Float(), nullable=True))


def downgrade() -> None:
    op.execute("DELETE FROM agent_preferences WHERE kind = 'voluntary_time_off'")
    with op.batch_alter_table("agent_preferences") as batch:
        batch.drop_column("vto_hours_max")
        batch.alter_column(
            "kind", existing_type=sa.String(32), type_=sa.String(16), existing_nullable=False
        )
