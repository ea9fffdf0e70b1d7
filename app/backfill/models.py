"""Annual figures: a district-year's figure per indicator read back from a published report and
accepted by a person, with the sentence it came from — history before monthly reporting began."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, UTCDateTime, utcnow
from app.values.models import VALUE_TYPE


class AnnualFigure(Base):
    """One indicator's figure for a whole year of a county-level district, as its report states it.

    Stored as such: no months are invented. Statistics use it for a district-year whose months of
    that indicator were not reported; where both exist, the monthly sum counts (and a difference is
    said: 数据差异).
    """

    __tablename__ = "annual_figures"
    __table_args__ = (UniqueConstraint("district_code", "year", "indicator_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    district_code: Mapped[str] = mapped_column(ForeignKey("districts.code"))
    year: Mapped[int] = mapped_column(SmallInteger)
    indicator_code: Mapped[str] = mapped_column(ForeignKey("indicators.code"))
    value: Mapped[float] = mapped_column(VALUE_TYPE)
    # The sentence of the report the figure was read from, and what the report was (its title/file).
    evidence: Mapped[str | None] = mapped_column(Text, default=None)
    source: Mapped[str | None] = mapped_column(String(255), default=None)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    accepted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AnnualFigureHistory(Base):
    """Every change of an annual figure (created, changed, withdrawn), who made it and from what."""

    __tablename__ = "annual_figure_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    district_code: Mapped[str] = mapped_column(ForeignKey("districts.code"), index=True)
    year: Mapped[int] = mapped_column(SmallInteger)
    indicator_code: Mapped[str] = mapped_column(String(64))
    old_value: Mapped[float | None] = mapped_column(VALUE_TYPE, default=None)
    new_value: Mapped[float | None] = mapped_column(VALUE_TYPE, default=None)
    evidence: Mapped[str | None] = mapped_column(Text, default=None)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
