"""a site's default language and currency

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05

- `sites.default_language`: the language the dashboard shows the site's readers until they pick
  one (a BCP 47 tag: "zh-CN" or "en"). Existing and new sites take "zh-CN": the product is built
  for centres whose planners, floor managers and agents work in Chinese; an English-speaking site
  sets "en". A reader's own pick (sidebar or `?lang=`) always wins.
- `sites.currency`: the ISO 4217 code of the site's money (revenue, selling values, costs), which
  the dashboard formats in the reader's locale. Existing and new sites take "CNY" (renminbi).

Downgrade drops both columns.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "default_language", sa.String(length=16), nullable=False, server_default="zh-CN"
            )
        )
        batch_op.add_column(
            sa.Column("currency", sa.String(length=3), nullable=False, server_default="CNY")
        )


def downgrade() -> None:
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_column("currency")
        batch_op.drop_column("default_language")
