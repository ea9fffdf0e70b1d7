"""Bodies of the district-month API: what a district sends for one month, and what it gets back."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import JsonDict

from app.values.models import ActivityKind


class Strict(BaseModel):
    # District, author and time come from the URL and the credentials, never from the body.
    model_config = ConfigDict(extra="forbid")


class ActivityIn(Strict):
    """One named activity (the OpenAPI document's description of an item of ``activities``)."""

    kind: ActivityKind
    date: dt.date
    title: str = Field(min_length=1, max_length=200)
    participants: int | None = Field(default=None, ge=0, le=10_000_000)
    notes: str | None = Field(default=None, max_length=2000)


# Figures and activities are read by the same rules as a file's cells (app.values.body): a figure
# may be a number or text ("2,000", "3.5万"); an activity is checked field by field. So the body
# takes them loosely, and every problem comes back in one answer.
_ACTIVITY_DOC: JsonDict = {
    "items": {
        "type": "object",
        "properties": {
            "kind": {"type": "string", "enum": [k.value for k in ActivityKind]},
            "date": {"type": "string", "format": "date"},
            "title": {"type": "string", "minLength": 1, "maxLength": 200},
            "participants": {"type": ["integer", "null"], "minimum": 0, "maximum": 10_000_000},
            "notes": {"type": ["string", "null"], "maxLength": 2000},
        },
        "required": ["kind", "date", "title"],
        "additionalProperties": False,
    }
}
_FIGURES_DOC: JsonDict = {"additionalProperties": {"type": ["number", "string", "null"]}}


class MonthIn(Strict):
    # The four read-only fields of MonthOut are accepted, so that what GET answers can be PUT back
    # unchanged; district and month must then equal the URL's, the timestamps are ignored.
    district: str | None = Field(
        default=None,
        max_length=64,
        description="可省略；如给出须与地址中的区划代码一致 / may be left out; if given, must equal the URL's district",
    )
    month: str | None = Field(
        default=None,
        max_length=64,
        description="可省略；如给出须与地址中的月份一致 / may be left out; if given, must equal the URL's month",
        examples=["2021-06"],
    )
    values: dict[str, Any] = Field(
        default_factory=dict,
        max_length=200,
        description="指标代码 → 数值（数字，或“2,000”“3.5万”这样的文字）；未列出的指标视为“未报送” / "
        'indicator code → value (a number, or text like "2,000" or "3.5万"); indicators left out become '
        "not reported",
        examples=[{"double_random.inspections": 17, "penalty.fines_yuan": 125000}],
        json_schema_extra=_FIGURES_DOC,
    )
    activities: list[Any] = Field(default_factory=list, max_length=500, json_schema_extra=_ACTIVITY_DOC)
    first_submitted_at: dt.datetime | None = Field(
        default=None, description="只读，忽略（由服务器记录）/ read-only, ignored (set by the server)"
    )
    last_submitted_at: dt.datetime | None = Field(
        default=None, description="只读，忽略（由服务器记录）/ read-only, ignored (set by the server)"
    )


class MonthPatch(Strict):
    values: dict[str, Any] = Field(
        default_factory=dict,
        max_length=200,
        description="只改列出的指标；null 撤回该指标 / changes only the indicators named; null withdraws one",
        examples=[{"penalty.cases": 3, "accident.count": None}],
        json_schema_extra=_FIGURES_DOC,
    )
    activities: list[Any] | None = Field(
        default=None,
        max_length=500,
        description="给出时整体替换该月活动；省略则不变 / replaces the month's activities when given; left out, "
        "they stay as they are",
        json_schema_extra=_ACTIVITY_DOC,
    )


class ActivityOut(BaseModel):
    kind: ActivityKind
    date: dt.date
    title: str
    participants: int | None
    notes: str | None


class MonthOut(BaseModel):
    district: str
    month: str = Field(examples=["2021-06"])
    values: dict[str, int | float] = Field(
        description="整数型指标为整数，其余为数值 / whole-number indicators as integers, others as numbers"
    )
    activities: list[ActivityOut]
    first_submitted_at: dt.datetime | None
    last_submitted_at: dt.datetime | None


class ProblemItem(BaseModel):
    code: str
    message_zh: str
    message_en: str
    row: int | None = None
    column: str | None = None
    value: str | int | float | bool | None = None


class MonthWriteResult(BaseModel):
    district: str
    month: str
    created: int
    updated: int
    unchanged: int
    removed: int
    activities_created: int
    activities_removed: int
    submission_id: int | None
    warnings: list[ProblemItem]
