"""Bodies of the audit API."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class ValueChange(BaseModel):
    id: int
    district: str
    month: str = Field(examples=["2021-03"])
    indicator: str
    old_value: float | None = Field(description="修改前；新增时为空 / before; null when created")
    new_value: float | None = Field(description="修改后；撤回时为空 / after; null when withdrawn")
    user: str | None = Field(description="修改人 / who (null: the system)")
    changed_at: dt.datetime  # aware UTC on both databases (app.core.db.UTCDateTime)
    submission_id: int | None


class ValueChangePage(BaseModel):
    items: list[ValueChange]
    total: int
    limit: int
    offset: int
