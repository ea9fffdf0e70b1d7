"""Covering indexes for the statistics queries: a district's months and an indicator's months, with values.

The statistics layer reads (district, month, indicator, value) for an area and a year, and
(indicator, month, district, value) for a national ranking; with the value inside the index
both databases answer from the index alone (measured in BENCHMARKS.md, "Statistics API").
The covering (indicator, month, district, value) index replaces the narrower (indicator, month).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 04:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("monthly_values", schema=None) as batch_op:
        batch_op.drop_index("ix_monthly_values_indicator_month")
        batch_op.create_index(
            "ix_monthly_values_indicator_month_district_value",
            ["indicator_code", "month", "district_code", "value"],
            unique=False,
        )
        batch_op.create_index(
            "ix_monthly_values_district_month_indicator_value",
            ["district_code", "month", "indicator_code", "value"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("monthly_values", schema=None) as batch_op:
        batch_op.drop_index("ix_monthly_values_district_month_indicator_value")
        batch_op.drop_index("ix_monthly_values_indicator_month_district_value")
        batch_op.create_index("ix_monthly_values_indicator_month", ["indicator_code", "month"], unique=False)
