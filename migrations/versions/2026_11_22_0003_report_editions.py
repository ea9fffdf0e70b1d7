"""Report editions: year-end reports saved as final, with their own copy of every figure.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_editions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_code", sa.String(length=9), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("month_to", sa.SmallInteger(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("data_as_of", sa.DateTime(timezone=True), nullable=True),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_report_editions_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["district_code"], ["districts.code"], name=op.f("fk_report_editions_district_code_districts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_editions")),
    )
    with op.batch_alter_table("report_editions", schema=None) as batch_op:
        batch_op.create_index("ix_report_editions_district_year", ["district_code", "year"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("report_editions", schema=None) as batch_op:
        batch_op.drop_index("ix_report_editions_district_year")
    op.drop_table("report_editions")
