"""shift bidding

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05

- `bid_rounds`: per site, a shift-bidding round on one or more weeks from `week_start`: its
  name, priority `rule` (seniority or rotation), `status` (draft, open, closed, assigned), the
  time bids close (`closes_at`) and, once assigned, when (`assigned_at`) and each agent's award
  by agent code (`results`); deleted with the site.
- `bid_patterns`: a round's shift patterns: weekdays (0 = Monday), local start and end, places
  (`seats`) and the skills an agent needs; deleted with the round.
- `bids`: an agent's ranking of a round's patterns (pattern ids, best first), one per agent and
  round; deleted with the round or the agent.

Downgrade drops the three tables.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import wfm.db.types

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bid_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("weeks", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("closes_at", wfm.db.types.UTCDateTime(), nullable=False),
        sa.Column("created_at", wfm.db.types.UTCDateTime(), nullable=False),
        sa.Column("assigned_at", wfm.db.types.UTCDateTime(), nullable=True),
        sa.Column("results", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_bid_rounds_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bid_rounds")),
    )
    op.create_index(op.f("ix_bid_rounds_site_id"), "bid_rounds", ["site_id"], unique=False)
    op.create_table(
        "bid_patterns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("weekdays", sa.JSON(), nullable=False),
        sa.Column("start_local", sa.Time(), nullable=False),
        sa.Column("end_local", sa.Time(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["bid_rounds.id"],
            name=op.f("fk_bid_patterns_round_id_bid_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bid_patterns")),
    )
    op.create_index(op.f("ix_bid_patterns_round_id"), "bid_patterns", ["round_id"], unique=False)
    op.create_table(
        "bids",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("ranking", sa.JSON(), nullable=False),
        sa.Column("updated_at", wfm.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["bid_rounds.id"],
            name=op.f("fk_bids_round_id_bid_rounds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_bids_agent_id_agents"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bids")),
        sa.UniqueConstraint("round_id", "agent_id", name=op.f("uq_bids_round_id_agent_id")),
    )
    op.create_index(op.f("ix_bids_agent_id"), "bids", ["agent_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_bids_agent_id"), table_name="bids")
    op.drop_table("bids")
    op.drop_index(op.f("ix_bid_patterns_round_id"), table_name="bid_patterns")
    op.drop_table("bid_patterns")
    op.drop_index(op.f("ix_bid_rounds_site_id"), table_name="bid_rounds")
    op.drop_table("bid_rounds")
