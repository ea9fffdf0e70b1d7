"""Saved (final) editions of a report: the figures and text as they were when the edition was saved."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, TimestampMixin, UTCDateTime


class ReportEdition(TimestampMixin, Base):
    """A report saved as final. Later uploads change the data, never an edition: it keeps its own copy
    of every figure (``figures``), of the rest of the report (``document``) and of its Markdown text."""

    __tablename__ = "report_editions"
    __table_args__ = (Index("ix_report_editions_district_year", "district_code", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    district_code: Mapped[str] = mapped_column(ForeignKey("districts.code"))
    year: Mapped[int] = mapped_column(SmallInteger)
    # The last month the edition covers (12 for a closed year).
    month_to: Mapped[int] = mapped_column(SmallInteger)
    # A bulletin's period as the API writes it (2025-Q1, 2025-01:2025-09); None: the year-end report.
    period: Mapped[str | None] = mapped_column(String(20), default=None)
    title: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    # The name as it was (the user may be renamed or deleted; the CLI saves as "system").
    created_by: Mapped[str] = mapped_column(String(64))
    data_as_of: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    figures: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    text: Mapped[str] = mapped_column(Text)
