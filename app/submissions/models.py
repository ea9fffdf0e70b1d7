"""Submissions: one row per upload, with who, when, what format and what it changed."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, UTCDateTime, utcnow


class SourceFormat(enum.StrEnum):
    json = "json"
    csv = "csv"
    xlsx = "xlsx"
    seed = "seed"


class SubmissionStatus(enum.StrEnum):
    applied = "applied"
    rejected = "rejected"
    dry_run = "dry_run"


class DataSource(enum.StrEnum):
    """Where a figure comes from: a district's upload, a published annual report, or made up."""

    upload = "upload"
    report = "report"
    synthetic = "synthetic"


class Submission(Base):
    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    source_format: Mapped[SourceFormat] = mapped_column(
        Enum(SourceFormat, name="source_format", native_enum=False, length=16)
    )
    source: Mapped[DataSource] = mapped_column(
        Enum(DataSource, name="data_source", native_enum=False, length=16), default=DataSource.upload
    )
    file_name: Mapped[str | None] = mapped_column(String(255), default=None)
    status: Mapped[SubmissionStatus] = mapped_column(
        Enum(SubmissionStatus, name="submission_status", native_enum=False, length=16)
    )
    rows: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    removed: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    warning_count: Mapped[int] = mapped_column(Integer, default=0)
    # The answer given to the client (errors, warnings, per-district-month counts), kept whole.
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    idempotency_key: Mapped[str | None] = mapped_column(String(255), index=True, default=None)
    note: Mapped[str | None] = mapped_column(String(500), default=None)
