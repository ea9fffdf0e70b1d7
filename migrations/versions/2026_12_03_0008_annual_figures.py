"""Annual figures read back from published reports (app/backfill), and their history.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VALUE = sa.Numeric(precision=18, scale=2, asdecimal=False)
UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "annual_figures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_code", sa.String(length=9), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("indicator_code", sa.String(length=64), nullable=False),
        sa.Column("value", VALUE, nullable=False),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=255), nullable=True),
        sa.Column("accepted_by_id", sa.Integer(), nullable=True),
        sa.Column("accepted_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["accepted_by_id"], ["users.id"], name=op.f("fk_annual_figures_accepted_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["district_code"], ["districts.code"], name=op.f("fk_annual_figures_district_code_districts")
        ),
        sa.ForeignKeyConstraint(
            ["indicator_code"], ["indicators.code"], name=op.f("fk_annual_figures_indicator_code_indicators")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annual_figures")),
        sa.UniqueConstraint(
            "district_code", "year", "indicator_code", name=op.f("uq_annual_figures_district_code_year_indicator_code")
        ),
    )
    op.create_table(
        "annual_figure_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_code", sa.String(length=9), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("indicator_code", sa.String(length=64), nullable=False),
        sa.Column("old_value", VALUE, nullable=True),
        sa.Column("new_value", VALUE, nullable=True),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["district_code"], ["districts.code"], name=op.f("fk_annual_figure_history_district_code_districts")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_annual_figure_history_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annual_figure_history")),
    )
    with op.batch_alter_table("annual_figure_history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_annual_figure_history_district_code"), ["district_code"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("annual_figure_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_annual_figure_history_district_code"))
    op.drop_table("annual_figure_history")
    op.drop_table("annual_figures")
