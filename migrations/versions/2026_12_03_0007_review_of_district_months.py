"""Review of district-months (审核): status, reason and reviewer on month_reports; the review trail;
reminders (催报); users' e-mail addresses for mailed reminders.

Months already reported are ``submitted``: nobody has approved them yet.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("month_reports", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "status",
                sa.Enum(
                    "missing", "submitted", "returned", "approved", name="review_status", native_enum=False, length=16
                ),
                server_default="submitted",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("status_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("status_at", UTC_DATETIME, nullable=True))
        batch_op.add_column(sa.Column("status_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("submitted_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_month_reports_status_by_id_users"), "users", ["status_by_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_month_reports_submitted_by_id_users"),
            "users",
            ["submitted_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))
    op.create_table(
        "review_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.Column("district_code", sa.String(length=9), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column(
            "action",
            sa.Enum("approve", "return", "unlock", name="review_action", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("from_status", sa.String(length=16), nullable=False),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["district_code"], ["districts.code"], name=op.f("fk_review_events_district_code_districts")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_review_events_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_events")),
    )
    with op.batch_alter_table("review_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_events_at"), ["at"], unique=False)
        batch_op.create_index("ix_review_events_district_code_month", ["district_code", "month"], unique=False)
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("district_code", sa.String(length=9), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("mailed_to", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["district_code"], ["districts.code"], name=op.f("fk_reminders_district_code_districts")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_reminders_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
    )
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reminders_created_at"), ["created_at"], unique=False)
        batch_op.create_index("ix_reminders_district_code_month", ["district_code", "month"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_index("ix_reminders_district_code_month")
        batch_op.drop_index(batch_op.f("ix_reminders_created_at"))
    op.drop_table("reminders")
    with op.batch_alter_table("review_events", schema=None) as batch_op:
        batch_op.drop_index("ix_review_events_district_code_month")
        batch_op.drop_index(batch_op.f("ix_review_events_at"))
    op.drop_table("review_events")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("email")
    with op.batch_alter_table("month_reports", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_month_reports_submitted_by_id_users"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_month_reports_status_by_id_users"), type_="foreignkey")
        batch_op.drop_column("submitted_by_id")
        batch_op.drop_column("status_by_id")
        batch_op.drop_column("status_at")
        batch_op.drop_column("status_reason")
        batch_op.drop_column("status")
