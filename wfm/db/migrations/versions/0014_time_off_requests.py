"""time-off requests and leave balances

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05

- `contracts.leave_accrual_hours_per_week`: paid leave a contract earns per week (0: none).
- `time_off_balances`: per agent, the opening leave balance (`opening_hours`) on a date
  (`as_of`) from which the contract's accrual runs; deleted with the agent.
- `time_off_requests`: agents' requests for time off: the span, reason, the hours charged to
  the balance, the status (pending, approved, refused, cancelled), the queue prediction it was
  judged on (JSON, null when none could be made), the decision (when, by whom, why) and the
  `time_off` row an approval made; deleted with the agent.

Downgrade drops both tables and the column.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import wfm.db.types

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "leave_accrual_hours_per_week", sa.Float(), nullable=False, server_default="0"
            )
        )
    op.create_table(
        "time_off_balances",
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("opening_hours", sa.Float(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("updated_at_utc", wfm.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name=op.f("fk_time_off_balances_agent_id_agents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("agent_id", name=op.f("pk_time_off_balances")),
    )
    op.create_table(
        "time_off_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("start_utc", wfm.db.types.UTCDateTime(), nullable=False),
        sa.Column("end_utc", wfm.db.types.UTCDateTime(), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("prediction", sa.JSON(), nullable=True),
        sa.Column("created_at_utc", wfm.db.types.UTCDateTime(), nullable=False),
        sa.Column("decided_at_utc", wfm.db.types.UTCDateTime(), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("time_off_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name=op.f("fk_time_off_requests_agent_id_agents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["time_off_id"],
            ["time_off.id"],
            name=op.f("fk_time_off_requests_time_off_id_time_off"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_time_off_requests")),
    )
    op.create_index(
        "ix_time_off_requests_agent_start",
        "time_off_requests",
        ["agent_id", "start_utc"],
        unique=False,
    )
    op.create_index(
        op.f("ix_time_off_requests_status"), "time_off_requests", ["status"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_time_off_requests_status"), table_name="time_off_requests")
    op.drop_index("ix_time_off_requests_agent_start", table_name="time_off_requests")
    op.drop_table("time_off_requests")
    op.drop_table("time_off_balances")
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.drop_column("leave_accrual_hours_per_week")
