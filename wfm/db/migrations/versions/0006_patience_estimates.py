"""patience estimates on queues, default patience on sites

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07

The product has one patience policy (`wfm.domain.queue_model`): a queue's mean patience is
estimated from its own history and stored with the estimate's date, its 95 % confidence interval
and the abandons it rests on; a queue without an estimate takes its site's
`default_patience_seconds` (180 s unless set).

What becomes of a patience typed in by hand before this revision: such a value has no date, no
interval and no abandons behind it, so it is not an estimate and does not stay on the queue (it
would be shown as "history"). It becomes the site's setting instead, so that staffing keeps the
number its planner chose: a site whose queues carried hand-typed values gets their median as
`default_patience_seconds` (one queue, or queues that agreed: exactly that value), and those queues
are cleared. A site whose queues carried none gets 180 s. A queue that had no patience (Erlang C
before) takes its site's setting too: the product staffs every queue with Erlang A. The next
estimate (`wfm patience`, `POST /v1/queues/patience-estimates`, or any forecast run) then gives
each queue with enough history its own value.

Downgrade drops the new columns; estimates stay in `mean_patience_seconds`, site settings are lost.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import wfm.db.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# the domain's DEFAULT_PATIENCE_SECONDS when this revision was written (a migration keeps its own)
DEFAULT_PATIENCE_SECONDS = 180.0


def upgrade() -> None:
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "default_patience_seconds",
                sa.Float(),
                nullable=False,
                server_default=str(int(DEFAULT_PATIENCE_SECONDS)),
            )
        )
    with op.batch_alter_table("queues", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "patience_estimated_at_utc",
                wfm.db.types.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("patience_ci_low_seconds", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("patience_ci_high_seconds", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("patience_abandoned_count", sa.Integer(), nullable=True))
    _hand_typed_patience_to_site_settings(op.get_bind())


def _hand_typed_patience_to_site_settings(connection: sa.Connection) -> None:
    typed: dict[int, list[float]] = defaultdict(list)
    rows = connection.execute(
        sa.text("SELECT site_id, mean_patience_seconds FROM queues").columns(
            site_id=sa.Integer(), mean_patience_seconds=sa.Float()
        )
    )
    for site_id, seconds in rows:
        if seconds is not None and seconds > 0:
            typed[site_id].append(float(seconds))
    for site_id, values in typed.items():
        connection.execute(
            sa.text("UPDATE sites SET default_patience_seconds = :seconds WHERE id = :site_id"),
            {"seconds": float(statistics.median(values)), "site_id": site_id},
        )
    connection.execute(sa.text("UPDATE queues SET mean_patience_seconds = NULL"))


def downgrade() -> None:
    with op.batch_alter_table("queues", schema=None) as batch_op:
        batch_op.drop_column("patience_abandoned_count")
        batch_op.drop_column("patience_ci_high_seconds")
        batch_op.drop_column("patience_ci_low_seconds")
        batch_op.drop_column("patience_estimated_at_utc")
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_column("default_patience_seconds")
