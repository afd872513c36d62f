"""outbound data: lead lists, callbacks, dialer attempts, campaign targets

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04

- `campaigns.target_sales`, `campaigns.target_completes` (null: no such target), beside the
  existing `target_hours` and `deadline`.
- `lead_lists`: per campaign and segment, a list's code (unique within the campaign), its size in
  leads, its local calling hours (as `campaigns.calling_windows`; [] means the campaign's), its
  recontact rules (`max_attempts_per_lead`, `cool_off_minutes` between two attempts on a lead)
  and how many of its leads are on a do-not-call list; deleted with the campaign or segment.
- `callbacks`: per campaign, a promised call due at `due_at_utc`, for a lead and/or segment,
  `status` open, done or missed, with the dialer attempt it came from (`attempt_id`, when it
  came from an attempt with result `callback_requested`).
- `dialer_attempts`: one row per dialer attempt, imported by `POST /v1/outbound/attempts` and
  `wfm outbound import`: the dialer's `attempt_id` (unique per site: the import's idempotency
  key), when, agent, campaign, segment, lead, result, revenue, talk and wrap seconds. Keyed by
  (site_id, attempt_id), without a surrogate id, and with one foreign key, the campaign's
  (deleted with it): each index and key costs a bulk load per row (on PostgreSQL a trigger per
  key and row), so `site_id`, `agent_id` and `segment_id` are ids the import resolves from
  codes in its own transaction, without a constraint of their own.

Downgrade drops the three tables and the two columns.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import wfm.db.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("target_sales", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("target_completes", sa.Integer(), nullable=True))
    op.create_table(
        "lead_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("segment_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("size_leads", sa.Integer(), nullable=False),
        sa.Column("calling_windows", sa.JSON(), nullable=False),
        sa.Column("max_attempts_per_lead", sa.Integer(), nullable=False),
        sa.Column("cool_off_minutes", sa.Integer(), nullable=False),
        sa.Column("do_not_call_leads", sa.Integer(), nullable=False),
        sa.Column("created_at_utc", wfm.db.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at_utc", wfm.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["segment_id"], ["segments.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "code"),
    )
    op.create_index("ix_lead_lists_segment_id", "lead_lists", ["segment_id"])
    op.create_table(
        "callbacks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("segment_id", sa.Integer(), nullable=True),
        sa.Column("lead_id", sa.String(length=128), nullable=True),
        sa.Column("due_at_utc", wfm.db.types.UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempt_id", sa.String(length=128), nullable=True),
        sa.Column("created_at_utc", wfm.db.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at_utc", wfm.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["segment_id"], ["segments.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_callbacks_campaign_due", "callbacks", ["campaign_id", "due_at_utc"])
    op.create_index("ix_callbacks_segment_id", "callbacks", ["segment_id"])
    op.create_table(
        "dialer_attempts",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.String(length=128), nullable=False),
        sa.Column("attempted_at_utc", wfm.db.types.UTCDateTime(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("segment_id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.String(length=128), nullable=True),
        sa.Column("result", sa.String(length=24), nullable=False),
        sa.Column("revenue", sa.Float(), nullable=True),
        sa.Column("talk_seconds", sa.Float(), nullable=False),
        sa.Column("wrap_seconds", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("site_id", "attempt_id"),
    )
    op.create_index(
        "ix_dialer_attempts_campaign_time", "dialer_attempts", ["campaign_id", "attempted_at_utc"]
    )


def downgrade() -> None:
    op.drop_index("ix_dialer_attempts_campaign_time", table_name="dialer_attempts")
    op.drop_table("dialer_attempts")
    op.drop_index("ix_callbacks_segment_id", table_name="callbacks")
    op.drop_index("ix_callbacks_campaign_due", table_name="callbacks")
    op.drop_table("callbacks")
    op.drop_index("ix_lead_lists_segment_id", table_name="lead_lists")
    op.drop_table("lead_lists")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_column("target_completes")
        batch_op.drop_column("target_sales")
