"""unplanned shrinkage per site, answer-rate and abandon-rate targets per queue

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04

- `sites.unplanned_shrinkage`: the share of a rostered agent's serving time lost to what no
  roster plans: absence (sickness, no-shows), lateness and unplanned aux time. Planned time off
  the phones (breaks, lunches, meetings, training, coaching) is rostered explicitly and is NOT in
  it, so the roster counts shrinkage once: serving agents = rostered x (1 - unplanned shrinkage).
  Existing and new sites take 0.10 until they set their own. Why 0.10: industry surveys put total
  shrinkage at about 30-35 % of paid time, of which about two thirds is planned (breaks and lunch
  alone are about 12 % of an 8-hour shift, training and meetings 5-8 %); the unplanned third is
  sickness absence (4-6 % in European centres), lateness (about 1 %) and unplanned aux (2-3 %),
  about 8-11 % together. 0.10 is the middle of that range; a site measures its own.
- `queues.min_answer_rate` and `queues.max_abandon_rate` (null: no such target): the answer-rate
  targets the queue model staffs to, besides or instead of the service level.
- `queues.service_level_target` becomes nullable: a queue may be judged by its answer rate or
  abandon cap alone (the API keeps at least one of the three on every queue).
- `staffing_requirements.shrinkage` and `.shrinkage_source` ("site" or "given"): the shrinkage
  the stored requirement was grossed up with and where it came from (null on rows computed
  before this revision).

Downgrade drops the new columns; a queue left without a service-level target gets 0.8 (the
product's default before this revision), since the older schema requires one.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFAULT_UNPLANNED_SHRINKAGE = "0.1"


def upgrade() -> None:
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "unplanned_shrinkage",
                sa.Float(),
                nullable=False,
                server_default=DEFAULT_UNPLANNED_SHRINKAGE,
            )
        )
    with op.batch_alter_table("queues", schema=None) as batch_op:
        batch_op.add_column(sa.Column("min_answer_rate", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("max_abandon_rate", sa.Float(), nullable=True))
        batch_op.alter_column("service_level_target", existing_type=sa.Float(), nullable=True)
    with op.batch_alter_table("staffing_requirements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shrinkage", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("shrinkage_source", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staffing_requirements", schema=None) as batch_op:
        batch_op.drop_column("shrinkage_source")
        batch_op.drop_column("shrinkage")
    op.execute("UPDATE queues SET service_level_target = 0.8 WHERE service_level_target IS NULL")
    with op.batch_alter_table("queues", schema=None) as batch_op:
        batch_op.alter_column("service_level_target", existing_type=sa.Float(), nullable=False)
        batch_op.drop_column("max_abandon_rate")
        batch_op.drop_column("min_answer_rate")
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_column("unplanned_shrinkage")
