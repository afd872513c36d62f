"""simulation sites, token expiry and last use, worker heartbeats, job cancellation

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-14

- `sites.is_simulation`: only a site marked as a simulation may have its intraday clock moved or
  sped up. Every existing site is live (false), so a simulated clock left on any of them goes back
  to the real time; the demo loader marks its own site, and a site can be marked through the API.
- `api_tokens.expires_at` (null: never), `api_tokens.last_used_at` (refreshed at most about once a
  minute) and `api_tokens.revoked_reason` (why a token was revoked, e.g. its agent was
  deactivated). Existing tokens keep no expiry: they were handed out without one.
- `workers`: one row per worker process, its heartbeat refreshed while it runs, so that /health
  can say whether a worker is alive and a starting worker can tell a dead worker's running jobs.
- `jobs.cancel_requested_at`: a cancel asked for while a job runs; the worker stops the job at its
  next progress report and marks it cancelled.

Downgrade drops the new columns and the table.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import wfm.db.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_simulation", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute(
        "UPDATE intraday_settings "
        "SET clock_start_utc = NULL, clock_anchor_utc = NULL, clock_speed = NULL"
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("expires_at", wfm.db.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("last_used_at", wfm.db.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("revoked_reason", sa.String(length=200), nullable=True))
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("cancel_requested_at", wfm.db.types.UTCDateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "workers",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("hostname", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", wfm.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", wfm.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("stopped_at", wfm.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workers")),
    )


def downgrade() -> None:
    op.drop_table("workers")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("cancel_requested_at")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("revoked_reason")
        batch_op.drop_column("last_used_at")
        batch_op.drop_column("expires_at")
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_column("is_simulation")
