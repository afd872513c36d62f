"""calendar subscription feeds of agents

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06

- `calendar_feeds`: an agent's calendar subscription link (`GET /v1/calendar-feeds/{secret}.ics`,
  read by calendar apps without a token): the SHA-256 of its secret (never the secret), when it
  was made; one per agent (rotating replaces it), deleted with the agent.

Downgrade drops the table (every subscription link stops working).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import wfm.db.types

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at_utc", wfm.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name=op.f("fk_calendar_feeds_agent_id_agents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("agent_id", name=op.f("uq_calendar_feeds_agent_id")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_calendar_feeds_secret_hash")),
    )


def downgrade() -> None:
    op.drop_table("calendar_feeds")
