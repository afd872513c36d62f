"""shift swaps and trades, agent preferences, approval of trades per site

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05

- `sites.swaps_need_approval`: a shift trade between the site's agents waits for a planner's
  approval before the published roster changes (false for existing sites).
- `agent_preferences`: an agent's soft wishes for the roster (`scheduling.problem.Preference`:
  kind, weight, the dates and weekdays it concerns, a start window); deleted with the agent.
- `shift_offers`: a published shift an agent offers to the site's other agents (mode any,
  swap_only or give_away; status open, taken or cancelled; the shift's instants, for expiry).
- `shift_trades`: an offer taken by another agent, given away or swapped for one of theirs;
  status pending_approval, approved, refused or accepted; the published versions it made and
  the agents whose shifts it changed.

Downgrade drops the three tables and the column.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import wfm.db.types

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "swaps_need_approval", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    op.create_table(
        "agent_preferences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("dates", sa.JSON(), nullable=False),
        sa.Column("weekdays", sa.JSON(), nullable=False),
        sa.Column("earliest_start_local", sa.Time(), nullable=True),
        sa.Column("latest_start_local", sa.Time(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name=op.f("fk_agent_preferences_agent_id_agents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_preferences")),
    )
    op.create_index(
        op.f("ix_agent_preferences_agent_id"), "agent_preferences", ["agent_id"], unique=False
    )
    op.create_table(
        "shift_offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("shift_date", sa.Date(), nullable=False),
        sa.Column("shift_start_utc", wfm.db.types.UTCDateTime(), nullable=False),
        sa.Column("shift_end_utc", wfm.db.types.UTCDateTime(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", wfm.db.types.UTCDateTime(), nullable=False),
        sa.Column("closed_at", wfm.db.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_shift_offers_site_id_sites"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name=op.f("fk_shift_offers_agent_id_agents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shift_offers")),
    )
    op.create_index(op.f("ix_shift_offers_agent_id"), "shift_offers", ["agent_id"], unique=False)
    op.create_index(
        "ix_shift_offers_site_status", "shift_offers", ["site_id", "status"], unique=False
    )
    op.create_table(
        "shift_trades",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("taker_agent_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("taker_shift_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=False),
        sa.Column("decided_at", wfm.db.types.UTCDateTime(), nullable=True),
        sa.Column("schedule_ids", sa.JSON(), nullable=False),
        sa.Column("changed_agents", sa.JSON(), nullable=False),
        sa.Column("created_at", wfm.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_shift_trades_site_id_sites"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["shift_offers.id"],
            name=op.f("fk_shift_trades_offer_id_shift_offers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["taker_agent_id"],
            ["agents.id"],
            name=op.f("fk_shift_trades_taker_agent_id_agents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shift_trades")),
    )
    op.create_index(op.f("ix_shift_trades_offer_id"), "shift_trades", ["offer_id"], unique=False)
    op.create_index(
        "ix_shift_trades_site_status", "shift_trades", ["site_id", "status"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_shift_trades_site_status", table_name="shift_trades")
    op.drop_index(op.f("ix_shift_trades_offer_id"), table_name="shift_trades")
    op.drop_table("shift_trades")
    op.drop_index("ix_shift_offers_site_status", table_name="shift_offers")
    op.drop_index(op.f("ix_shift_offers_agent_id"), table_name="shift_offers")
    op.drop_table("shift_offers")
    op.drop_index(op.f("ix_agent_preferences_agent_id"), table_name="agent_preferences")
    op.drop_table("agent_preferences")
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_column("swaps_need_approval")
