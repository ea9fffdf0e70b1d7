"""The review trail: every approval, return, unlock and reminder, who did it and why."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Date, Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, UTCDateTime, utcnow


class ReviewAction(enum.StrEnum):
    approve = "approve"
    return_ = "return"
    unlock = "unlock"


class ReviewEvent(Base):
    """One change of a district-month's review status (the audit of review)."""

    __tablename__ = "review_events"
    __table_args__ = (Index("ix_review_events_district_code_month", "district_code", "month"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    district_code: Mapped[str] = mapped_column(ForeignKey("districts.code"))
    month: Mapped[dt.date] = mapped_column(Date)
    action: Mapped[ReviewAction] = mapped_column(Enum(ReviewAction, name="review_action", native_enum=False, length=16))
    from_status: Mapped[str] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)


class Reminder(Base):
    """A reminder (催报) to a district about a month it has not reported, or must correct."""

    __tablename__ = "reminders"
    __table_args__ = (Index("ix_reminders_district_code_month", "district_code", "month"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    district_code: Mapped[str] = mapped_column(ForeignKey("districts.code"))
    month: Mapped[dt.date] = mapped_column(Date)
    # The district-month's status when reminded: missing or returned.
    status: Mapped[str] = mapped_column(String(16))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    # Addresses the reminder was mailed to (comma-separated), or why it was not.
    mailed_to: Mapped[str | None] = mapped_column(Text, default=None)
