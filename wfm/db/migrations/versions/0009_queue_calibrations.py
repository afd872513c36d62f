"""a stored calibration per queue

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04

`queue_calibrations`: at most one row per queue (deleted with it), the queue model's calibration
against what happened (`erlang.fit_calibration`), fitted on the queue's interval history and the
agents serving it per interval (from agent events) by `wfm.services.calibration`:

- `fitted_at_utc`: when it was fitted; `window_start_utc` / `window_end_utc`: the history read;
- `parameters`: `erlang.Calibration.to_dict()` (availability, patience, the logistic
  recalibration's coefficients, the threshold and the totals it rests on);
- `intervals`, `calls`: the intervals with calls and the calls (answered + abandoned) used;
- the in-sample accuracy of the answer rate (call-weighted mean absolute error, calibrated and
  textbook, and the binomial noise floor) and of the service level (null when the history has no
  answered-within-threshold counts).

The queue model uses the stored calibration when there is one (`QueueModel.of_queue`).
Downgrade drops the table: the queues go back to the textbook model.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import wfm.db.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "queue_calibrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("fitted_at_utc", wfm.db.types.UTCDateTime(), nullable=False),
        sa.Column("window_start_utc", wfm.db.types.UTCDateTime(), nullable=False),
        sa.Column("window_end_utc", wfm.db.types.UTCDateTime(), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("intervals", sa.Integer(), nullable=False),
        sa.Column("calls", sa.Float(), nullable=False),
        sa.Column("answer_rate_mae", sa.Float(), nullable=False),
        sa.Column("textbook_answer_rate_mae", sa.Float(), nullable=False),
        sa.Column("answer_rate_noise_floor", sa.Float(), nullable=False),
        sa.Column("service_level_mae", sa.Float(), nullable=True),
        sa.Column("textbook_service_level_mae", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["queue_id"], ["queues.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("queue_id"),
    )


def downgrade() -> None:
    op.drop_table("queue_calibrations")
