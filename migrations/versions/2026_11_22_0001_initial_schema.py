"""Initial schema: districts, indicators, values, history, activities, submissions, users, tokens.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 01:49:28.125346
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "districts",
        sa.Column("code", sa.String(length=9), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column(
            "level",
            sa.Enum("province", "city", "county", "township", name="district_level", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("parent_code", sa.String(length=9), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("centroid_approx", sa.Boolean(), nullable=False),
        sa.CheckConstraint("length(code) IN (6, 9)", name=op.f("ck_districts_code_length")),
        sa.ForeignKeyConstraint(["parent_code"], ["districts.code"], name=op.f("fk_districts_parent_code_districts")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_districts")),
    )
    with op.batch_alter_table("districts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_districts_level"), ["level"], unique=False)
        batch_op.create_index(batch_op.f("ix_districts_parent_code"), ["parent_code"], unique=False)

    op.create_table(
        "indicators",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("name_zh", sa.String(length=64), nullable=False),
        sa.Column("name_en", sa.String(length=128), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("unit_en", sa.String(length=32), nullable=False),
        sa.Column("whole_number", sa.Boolean(), nullable=False),
        sa.Column("good_direction", sa.SmallInteger(), nullable=False),
        sa.Column("sort_order", sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_indicators")),
        sa.UniqueConstraint("name_zh", name=op.f("uq_indicators_name_zh")),
    )
    with op.batch_alter_table("indicators", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_indicators_category"), ["category"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=128), nullable=True),
        sa.Column(
            "role",
            sa.Enum("admin", "staff", "viewer", name="user_role", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("name", name=op.f("uq_users_name")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=True),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=128), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("prefix", name=op.f("uq_api_tokens_prefix")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "auth_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.String(length=500), nullable=True),
        sa.Column("client", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_auth_events_actor_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_auth_events_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_events")),
    )
    with op.batch_alter_table("auth_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auth_events_at"), ["at"], unique=False)

    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "source_format",
            sa.Enum("json", "csv", "xlsx", "seed", name="source_format", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column(
            "source",
            sa.Enum("upload", "report", "synthetic", name="data_source", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("file_name", sa.String(length=255), nullable=True),
        sa.Column(
            "status",
            sa.Enum("applied", "rejected", "dry_run", name="submission_status", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("warning_count", sa.Integer(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_submissions_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submissions")),
    )
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_submissions_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_submissions_idempotency_key"), ["idempotency_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_submissions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "user_districts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("district_code", sa.String(length=9), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_code"], ["districts.code"], name=op.f("fk_user_districts_district_code_districts")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_districts_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_districts")),
        sa.UniqueConstraint("user_id", "district_code", name=op.f("uq_user_districts_user_id_district_code")),
    )
    with op.batch_alter_table("user_districts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_districts_user_id"), ["user_id"], unique=False)

    op.create_table(
        "activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_code", sa.String(length=9), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("drill", "training", "publicity", "other", name="activity_kind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column(
            "source",
            sa.Enum("upload", "report", "synthetic", name="data_source", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "participants IS NULL OR participants >= 0", name=op.f("ck_activities_participants_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["district_code"], ["districts.code"], name=op.f("fk_activities_district_code_districts")
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["submissions.id"], name=op.f("fk_activities_submission_id_submissions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
    )
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.create_index("ix_activities_district_date", ["district_code", "date"], unique=False)

    op.create_table(
        "month_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_code", sa.String(length=9), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("first_submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_submission_id", sa.Integer(), nullable=True),
        sa.Column(
            "source",
            sa.Enum("upload", "report", "synthetic", name="data_source", native_enum=False, length=16),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["district_code"], ["districts.code"], name=op.f("fk_month_reports_district_code_districts")
        ),
        sa.ForeignKeyConstraint(
            ["last_submission_id"],
            ["submissions.id"],
            name=op.f("fk_month_reports_last_submission_id_submissions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_month_reports")),
        sa.UniqueConstraint("district_code", "month", name=op.f("uq_month_reports_district_code_month")),
    )
    with op.batch_alter_table("month_reports", schema=None) as batch_op:
        batch_op.create_index("ix_month_reports_month", ["month"], unique=False)

    op.create_table(
        "monthly_values",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("district_code", sa.String(length=9), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("indicator_code", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Numeric(precision=18, scale=2, asdecimal=False), nullable=False),
        sa.Column(
            "source",
            sa.Enum("upload", "report", "synthetic", name="data_source", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("value >= 0", name=op.f("ck_monthly_values_value_non_negative")),
        sa.ForeignKeyConstraint(
            ["district_code"], ["districts.code"], name=op.f("fk_monthly_values_district_code_districts")
        ),
        sa.ForeignKeyConstraint(
            ["indicator_code"], ["indicators.code"], name=op.f("fk_monthly_values_indicator_code_indicators")
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["submissions.id"], name=op.f("fk_monthly_values_submission_id_submissions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monthly_values")),
        sa.UniqueConstraint(
            "district_code",
            "month",
            "indicator_code",
            name=op.f("uq_monthly_values_district_code_month_indicator_code"),
        ),
    )
    with op.batch_alter_table("monthly_values", schema=None) as batch_op:
        batch_op.create_index("ix_monthly_values_indicator_month", ["indicator_code", "month"], unique=False)

    op.create_table(
        "value_history",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("district_code", sa.String(length=9), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("indicator_code", sa.String(length=64), nullable=False),
        sa.Column("old_value", sa.Numeric(precision=18, scale=2, asdecimal=False), nullable=True),
        sa.Column("new_value", sa.Numeric(precision=18, scale=2, asdecimal=False), nullable=True),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_code"], ["districts.code"], name=op.f("fk_value_history_district_code_districts")
        ),
        sa.ForeignKeyConstraint(
            ["indicator_code"], ["indicators.code"], name=op.f("fk_value_history_indicator_code_indicators")
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["submissions.id"], name=op.f("fk_value_history_submission_id_submissions")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_value_history_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_value_history")),
    )
    with op.batch_alter_table("value_history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_value_history_changed_at"), ["changed_at"], unique=False)
        batch_op.create_index("ix_value_history_key", ["district_code", "month", "indicator_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_value_history_submission_id"), ["submission_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("value_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_value_history_submission_id"))
        batch_op.drop_index("ix_value_history_key")
        batch_op.drop_index(batch_op.f("ix_value_history_changed_at"))

    op.drop_table("value_history")
    with op.batch_alter_table("monthly_values", schema=None) as batch_op:
        batch_op.drop_index("ix_monthly_values_indicator_month")

    op.drop_table("monthly_values")
    with op.batch_alter_table("month_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_month_reports_month")

    op.drop_table("month_reports")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index("ix_activities_district_date")

    op.drop_table("activities")
    with op.batch_alter_table("user_districts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_districts_user_id"))

    op.drop_table("user_districts")
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submissions_user_id"))
        batch_op.drop_index(batch_op.f("ix_submissions_idempotency_key"))
        batch_op.drop_index(batch_op.f("ix_submissions_created_at"))

    op.drop_table("submissions")
    with op.batch_alter_table("auth_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_events_at"))

    op.drop_table("auth_events")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))

    op.drop_table("api_tokens")
    op.drop_table("users")
    with op.batch_alter_table("indicators", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_indicators_category"))

    op.drop_table("indicators")
    with op.batch_alter_table("districts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_districts_parent_code"))
        batch_op.drop_index(batch_op.f("ix_districts_level"))

    op.drop_table("districts")
