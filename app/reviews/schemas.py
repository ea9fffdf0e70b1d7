"""Bodies of the review API: a parent's district-months with their status, and transitions."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from app.stats.schemas import DistrictRef
from app.values.models import ReviewStatus


class Reason(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(max_length=2000, description="原因（必填）/ the reason (required)")


class ParentMonth(BaseModel):
    model_config = ConfigDict(extra="forbid")

    parent: str = Field(max_length=9, description="上级区划代码 / parent district code", examples=["120000"])
    month: str = Field(max_length=7, description="YYYY-MM", examples=["2025-03"])


class ReviewRow(BaseModel):
    district: DistrictRef
    month: str = Field(examples=["2025-03"])
    status: ReviewStatus
    last_change: dt.datetime | None = Field(description="最近一次报送或审核 / the last submission or review")
    submitted_at: dt.datetime | None
    submitted_by: str | None
    reason: str | None = Field(description="退回（或解锁）的原因 / the reason of the last return (or unlock)")
    reviewed_at: dt.datetime | None
    reviewed_by: str | None


class ReviewList(BaseModel):
    parent: DistrictRef
    month: str
    counts: dict[ReviewStatus, int]
    rows: list[ReviewRow]


class Transition(BaseModel):
    district: str
    month: str
    status: ReviewStatus
    previous: ReviewStatus
    reason: str | None
    at: dt.datetime


class ApproveAllResult(BaseModel):
    parent: str
    month: str
    approved: int = Field(description="本次审核通过的月份数 / months approved now")
    already_approved: int
    not_submitted: int = Field(description="未报送或已退回、未通过的 / missing or returned months left as they are")


class ReminderOut(BaseModel):
    id: int
    district: DistrictRef
    month: str
    status: ReviewStatus = Field(description="催报时该月的状态 / the month's status when reminded")
    created_at: dt.datetime
    created_by: str | None
    mailed_to: str | None


class RemindResult(BaseModel):
    parent: str
    month: str
    reminded: list[ReminderOut]


class ReviewEventOut(BaseModel):
    at: dt.datetime
    district: str
    month: str
    action: str
    from_status: str
    to_status: str
    reason: str | None
    user: str | None
