"""Bodies of the upload API: what an upload answers, the submissions log, and the problem documents."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.submissions.models import SourceFormat, SubmissionStatus


class UploadProblem(BaseModel):
    """One problem of a file: where (sheet, row, column, cell), what (value), why (code, messages)."""

    model_config = ConfigDict(extra="allow")

    code: str = Field(examples=["value.not_a_number"])
    message_zh: str
    message_en: str
    row: int | None = None
    column: str | None = Field(default=None, description="表头文字 / the column's header")
    value: str | int | float | bool | None = None
    sheet: str | None = None
    cell: str | None = Field(default=None, examples=["D7"])
    district: str | None = None
    month: str | None = None
    indicator: str | None = None


class DistrictMonthCounts(BaseModel):
    district: str
    month: str = Field(examples=["2021-03"])
    created: int
    updated: int
    unchanged: int
    removed: int
    activities_created: int
    activities_removed: int
    version: str | None = Field(
        default=None,
        description="该区县-月份写入前的版本（试运行给出）；确认上传时经 base_versions 带回 / the district-month's "
        "version before the write (given by dry runs); send it back in base_versions when confirming",
    )


class CellChangeOut(BaseModel):
    """One figure the upload changes (a dry run lists them): old → new, null = not reported."""

    district: str
    month: str = Field(examples=["2021-03"])
    indicator: str
    old: float | None
    new: float | None


class UploadResult(BaseModel):
    submission_id: int | None = Field(description="提交记录编号；试运行为空 / the log entry; null for a dry run")
    status: SubmissionStatus
    dry_run: bool
    file_name: str | None
    format: SourceFormat | None
    shape: str | None = Field(description="long / template / wide")
    rows: int = Field(description="文件中的数据行数 / data rows read from the file")
    values: int = Field(description="报送的数值个数 / figures in the file")
    months: int = Field(description="涉及的区县-月份数 / district-months replaced")
    created: int
    updated: int
    unchanged: int
    removed: int
    activities_created: int
    activities_removed: int
    warnings: list[UploadProblem]
    district_months: list[DistrictMonthCounts]
    changes: list[CellChangeOut] | None = Field(
        default=None,
        description="试运行：每个将被修改、新增或撤回的数值（旧 → 新），最多 5000 项 / dry run: every figure that "
        "would be created, changed or withdrawn (old → new), at most 5,000",
    )
    changes_truncated: bool | None = None


class SubmissionRead(BaseModel):
    id: int
    created_at: dt.datetime  # aware UTC on both databases (app.core.db.UTCDateTime)
    user: str | None
    source_format: SourceFormat
    status: SubmissionStatus
    file_name: str | None
    rows: int
    created: int
    updated: int
    unchanged: int
    removed: int
    error_count: int
    warning_count: int


class SubmissionDetail(SubmissionRead):
    summary: dict[str, Any] | None = Field(description="提交时的完整答复 / the answer given (errors, warnings, counts)")


class SubmissionPage(BaseModel):
    items: list[SubmissionRead]
    total: int
    limit: int
    offset: int
