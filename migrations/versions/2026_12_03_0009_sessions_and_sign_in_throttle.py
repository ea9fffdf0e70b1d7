"""Server-side sessions and a sign-in throttle per name (docs/SECURITY.md, issue 13).

``user_sessions`` holds one row per sign-in (the hash of the random key its cookie carries), so
that signing out, a new password, disabling a user or an admin's "end all sessions" ends cookies
at once. ``sign_in_throttle`` counts wrong passwords per sign-in name, known or not, replacing the
counter and lock on ``users`` (copied over, so that an account locked now stays locked).

Cookies signed before this revision carry no session key and stop working: users sign in again.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 10:12:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("client", sa.String(length=64), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_user_sessions_key_hash")),
    )
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_sessions_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_user_sessions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "sign_in_throttle",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_sign_in_throttle")),
    )
    with op.batch_alter_table("sign_in_throttle", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_in_throttle_last_attempt_at"), ["last_attempt_at"], unique=False)

    op.execute(
        "INSERT INTO sign_in_throttle (name, failures, locked_until, last_attempt_at) "
        "SELECT name, failed_logins, locked_until, CURRENT_TIMESTAMP FROM users WHERE failed_logins > 0"
    )
    # Not in batch mode: on SQLite that rebuilds the table, and dropping the old ``users`` with
    # foreign keys on would cascade to every token and scope. SQLite 3.35+ drops a column in place.
    op.drop_column("users", "locked_until")
    op.drop_column("users", "failed_logins")


def downgrade() -> None:
    op.add_column("users", sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("users", sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE users SET failed_logins = (SELECT t.failures FROM sign_in_throttle t WHERE t.name = users.name), "
        "locked_until = (SELECT t.locked_until FROM sign_in_throttle t WHERE t.name = users.name) "
        "WHERE name IN (SELECT name FROM sign_in_throttle)"
    )
    with op.batch_alter_table("sign_in_throttle", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_throttle_last_attempt_at"))

    op.drop_table("sign_in_throttle")
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_sessions_user_id"))
        batch_op.drop_index(batch_op.f("ix_user_sessions_expires_at"))

    op.drop_table("user_sessions")
