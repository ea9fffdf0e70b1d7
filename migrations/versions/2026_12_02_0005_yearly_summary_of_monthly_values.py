"""A yearly summary of the monthly values for the statistics layer, filled from the data already stored.

``yearly_values`` holds one row per district, year and indicator with the twelve months side by
side (see ``app.values.models.YearlyValue``); writers keep it in step (``app.values.yearly``).
This migration builds it from ``monthly_values`` with the same INSERT … SELECT, written out here
so that the migration keeps working whatever the application code becomes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 21:41:50
"""

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONTHS = [f"m{m:02d}" for m in range(1, 13)]
VALUE = sa.Numeric(precision=18, scale=2, asdecimal=False)


def upgrade() -> None:
    op.create_table(
        "yearly_values",
        sa.Column("district_code", sa.String(length=9), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("indicator_code", sa.String(length=64), nullable=False),
        sa.Column("total", VALUE, nullable=False),
        sa.Column("months_reported", sa.Integer(), nullable=False),
        *(sa.Column(name, VALUE, nullable=True) for name in MONTHS),
        sa.ForeignKeyConstraint(
            ["district_code"], ["districts.code"], name=op.f("fk_yearly_values_district_code_districts")
        ),
        sa.ForeignKeyConstraint(
            ["indicator_code"], ["indicators.code"], name=op.f("fk_yearly_values_indicator_code_indicators")
        ),
        sa.PrimaryKeyConstraint("district_code", "year", "indicator_code", name=op.f("pk_yearly_values")),
    )
    with op.batch_alter_table("yearly_values", schema=None) as batch_op:
        batch_op.create_index(
            "ix_yearly_values_year_indicator_district", ["year", "indicator_code", "district_code"], unique=False
        )
    _fill()


def _fill() -> None:
    values = sa.table(
        "monthly_values",
        sa.column("district_code", sa.String),
        sa.column("month", sa.Date),
        sa.column("indicator_code", sa.String),
        sa.column("value", VALUE),
    )
    yearly = sa.table(
        "yearly_values",
        *(sa.column(n) for n in ("district_code", "year", "indicator_code", "total", "months_reported", *MONTHS)),
    )
    conn = op.get_bind()
    first, last = conn.execute(sa.select(sa.func.min(values.c.month), sa.func.max(values.c.month))).one()
    if first is None:
        return
    first_year, last_year = int(str(first)[:4]), int(str(last)[:4])
    for year in range(first_year, last_year + 1):
        months = [
            sa.func.sum(sa.case((values.c.month == dt.date(year, m, 1), values.c.value))).label(MONTHS[m - 1])
            for m in range(1, 13)
        ]
        rows = (
            sa.select(
                values.c.district_code,
                sa.cast(sa.literal(year), sa.Integer),
                values.c.indicator_code,
                sa.func.sum(values.c.value),
                sa.func.count(),
                *months,
            )
            .where(values.c.month >= dt.date(year, 1, 1), values.c.month < dt.date(year + 1, 1, 1))
            .group_by(values.c.district_code, values.c.indicator_code)
        )
        conn.execute(sa.insert(yearly).from_select([c.name for c in yearly.c], rows))


def downgrade() -> None:
    with op.batch_alter_table("yearly_values", schema=None) as batch_op:
        batch_op.drop_index("ix_yearly_values_year_indicator_district")
    op.drop_table("yearly_values")
