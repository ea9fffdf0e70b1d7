"""The figures themselves: one row per district-month-indicator, with history and activities.

"Reported zero" is a stored 0; "not reported" is no row. Never write a 0 for a missing figure.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, UTCDateTime, utcnow
from app.submissions.models import DataSource

# Values are exact decimals in the database (fines have fen); Python sees floats, which hold
# every count and every yuan amount we store exactly (< 2**53).
VALUE_TYPE = Numeric(18, 2, asdecimal=False)
_source_enum = Enum(DataSource, name="data_source", native_enum=False, length=16)


class MonthlyValue(Base):
    __tablename__ = "monthly_values"
    __table_args__ = (
        UniqueConstraint("district_code", "month", "indicator_code"),
        CheckConstraint("value >= 0", name="value_non_negative"),
        # Covering indexes of the statistics layer (app/stats/queries.py), values included so that
        # aggregates read no table rows: an area's months (by district), and rankings and national
        # totals (one indicator across all districts for a year). Migration 0004.
        Index("ix_monthly_values_district_month_indicator_value", "district_code", "month", "indicator_code", "value"),
        Index("ix_monthly_values_indicator_month_district_value", "indicator_code", "month", "district_code", "value"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    district_code: Mapped[str] = mapped_column(ForeignKey("districts.code"))
    # The first day of the month the figure belongs to.
    month: Mapped[dt.date] = mapped_column(Date)
    indicator_code: Mapped[str] = mapped_column(ForeignKey("indicators.code"))
    value: Mapped[float] = mapped_column(VALUE_TYPE)
    source: Mapped[DataSource] = mapped_column(_source_enum, default=DataSource.upload)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"), default=None)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ValueHistory(Base):
    """Each change of a value: created (old is NULL), changed, or removed (new is NULL)."""

    __tablename__ = "value_history"
    __table_args__ = (Index("ix_value_history_key", "district_code", "month", "indicator_code"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    district_code: Mapped[str] = mapped_column(ForeignKey("districts.code"))
    month: Mapped[dt.date] = mapped_column(Date)
    indicator_code: Mapped[str] = mapped_column(ForeignKey("indicators.code"))
    old_value: Mapped[float | None] = mapped_column(VALUE_TYPE, default=None)
    new_value: Mapped[float | None] = mapped_column(VALUE_TYPE, default=None)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"), index=True, default=None)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class ActivityKind(enum.StrEnum):
    drill = "drill"
    training = "training"
    publicity = "publicity"
    other = "other"


class Activity(Base):
    """A named activity (a drill, a training, a campaign) that year-end summaries mention by title."""

    __tablename__ = "activities"
    __table_args__ = (
        Index("ix_activities_district_date", "district_code", "date"),
        CheckConstraint("participants IS NULL OR participants >= 0", name="participants_non_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    district_code: Mapped[str] = mapped_column(ForeignKey("districts.code"))
    date: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[ActivityKind] = mapped_column(Enum(ActivityKind, name="activity_kind", native_enum=False, length=16))
    title: Mapped[str] = mapped_column(String(200))
    participants: Mapped[int | None] = mapped_column(Integer, default=None)
    notes: Mapped[str | None] = mapped_column(Text, default=None)
    source: Mapped[DataSource] = mapped_column(_source_enum, default=DataSource.upload)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"), default=None)


class ReviewStatus(enum.StrEnum):
    """Where a district-month stands in review (审核). ``missing`` is no row: nothing was sent."""

    missing = "missing"
    submitted = "submitted"  # sent; any write sets it again
    returned = "returned"  # sent back by the reviewer with a reason (退回)
    approved = "approved"  # approved and locked (审核通过); unlocked only by a reviewer


class MonthReport(Base):
    """That a district reported a month (报送), when it first and last did, and its review.

    Completeness (submitted / late / missing) reads this table: a month is late when first
    submitted after the 10th of the following month. Review status, reason and who set them live
    here too (app.reviews); every change of them is also a ``ReviewEvent``.
    """

    __tablename__ = "month_reports"
    __table_args__ = (
        UniqueConstraint("district_code", "month"),
        Index("ix_month_reports_month", "month"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    district_code: Mapped[str] = mapped_column(ForeignKey("districts.code"))
    month: Mapped[dt.date] = mapped_column(Date)
    first_submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"), default=None)
    source: Mapped[DataSource] = mapped_column(_source_enum, default=DataSource.upload)
    status: Mapped[ReviewStatus] = mapped_column(
        Enum(ReviewStatus, name="review_status", native_enum=False, length=16),
        default=ReviewStatus.submitted,
        server_default=ReviewStatus.submitted.value,
    )
    # The reason of the last return (kept after a correction is sent: it says what was corrected).
    status_reason: Mapped[str | None] = mapped_column(Text, default=None)
    status_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    status_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)


# The twelve month columns of ``YearlyValue``, January first.
MONTH_COLUMNS: tuple[str, ...] = tuple(f"m{m:02d}" for m in range(1, 13))


class YearlyValue(Base):
    """A summary of ``monthly_values``: one row per district, year and indicator, the twelve months
    side by side (NULL = not reported), with the year's total and how many months were reported.

    Statistics read this instead of the monthly rows: a province-year is a few thousand rows instead
    of tens of thousands, and year on year on matching months becomes one join of two rows per
    district and indicator instead of one per month. It holds nothing of its own: every writer of
    ``monthly_values`` refreshes the district-years it touched in the same transaction
    (``app.values.yearly``), and ``python -m app summary check`` compares it with the monthly rows.
    """

    __tablename__ = "yearly_values"
    __table_args__ = (
        PrimaryKeyConstraint("district_code", "year", "indicator_code"),
        # National rankings: one indicator across every district for a year.
        Index("ix_yearly_values_year_indicator_district", "year", "indicator_code", "district_code"),
    )

    district_code: Mapped[str] = mapped_column(ForeignKey("districts.code"))
    year: Mapped[int] = mapped_column(Integer)
    indicator_code: Mapped[str] = mapped_column(ForeignKey("indicators.code"))
    total: Mapped[float] = mapped_column(VALUE_TYPE)
    months_reported: Mapped[int] = mapped_column(Integer)
    m01: Mapped[float | None] = mapped_column(VALUE_TYPE, default=None)
    m02: Mapped[float | None] = mapped_column(VALUE_TYPE, default=None)
    m03: Mapped[float | None] = mapped_column(VALUE_TYPE, default=None)
    m04: Mapped[float | None] = mapped_column(VALUE_TYPE, default=None)
    m05: Mapped[float | None] = mapped_column(VALUE_TYPE, default=None)
    m06: Mapped[float | None] = mapped_column(VALUE_TYPE, default=None)
    m07: Mapped[float | None] = mapped_column(VALUE_TYPE, default=None)
    m08: Mapped[float | None] = mapped_column(VALUE_TYPE, default=None)
    m09: Mapped[float | None] = mapped_column(VALUE_TYPE, default=None)
    m10: Mapped[float | None] = mapped_column(VALUE_TYPE, default=None)
    m11: Mapped[float | None] = mapped_column(VALUE_TYPE, default=None)
    m12: Mapped[float | None] = mapped_column(VALUE_TYPE, default=None)
