"""Users with a role and a district scope, their API tokens, and the audit of auth events."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import Base, TimestampMixin, UTCDateTime, utcnow


class Role(enum.StrEnum):
    admin = "admin"
    staff = "staff"  # writes the figures of its districts
    viewer = "viewer"  # reads its scope
    reviewer = "reviewer"  # reads its scope, approves, returns and unlocks its districts' months; writes no figure


class User(TimestampMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(128), default=None)
    # Where reminders (催报) are mailed, when the deployment has SMTP settings.
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    role: Mapped[Role] = mapped_column(Enum(Role, name="user_role", native_enum=False, length=16))
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    scopes: Mapped[list[UserDistrict]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def district_codes(self) -> list[str]:
        return sorted(s.district_code for s in self.scopes)


class UserDistrict(Base):
    """One district in a user's scope; a city or province covers everything below it."""

    __tablename__ = "user_districts"
    __table_args__ = (UniqueConstraint("user_id", "district_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    district_code: Mapped[str] = mapped_column(ForeignKey("districts.code"))

    user: Mapped[User] = relationship(back_populates="scopes")


class ApiToken(TimestampMixin, Base):
    """A bearer token, stored only as a hash; the prefix finds the row without a scan."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str | None] = mapped_column(String(128), default=None)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    token_hash: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)


class UserSession(TimestampMixin, Base):
    """One sign-in. The cookie carries a random key (signed with SECRET_KEY), this row only its
    hash; a request is signed in only while its row is neither expired nor ended, so signing out,
    a new password, disabling the user or an admin's "end all sessions" takes effect at once, in
    every process."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    client: Mapped[str | None] = mapped_column(String(64), default=None)


class SignInThrottle(Base):
    """Wrong passwords in a row per sign-in name, whether or not a user has that name: a lock
    (429) then says nothing about which accounts exist. In the database, so that every process
    behind a load balancer enforces the same lock."""

    __tablename__ = "sign_in_throttle"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class AuthEvent(Base):
    """Audit of sign-ins, failed sign-ins, token creation and revocation."""

    __tablename__ = "auth_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    detail: Mapped[str | None] = mapped_column(String(500), default=None)
    client: Mapped[str | None] = mapped_column(String(64), default=None)
