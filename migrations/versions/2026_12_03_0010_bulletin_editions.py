"""Bulletin editions (issue 16): ``report_editions.period`` names the period of a saved bulletin
(``2025-Q1``, ``2025-01:2025-09``); NULL is a year-end report, as every edition saved before.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("report_editions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("period", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("report_editions", schema=None) as batch_op:
        batch_op.drop_column("period")
