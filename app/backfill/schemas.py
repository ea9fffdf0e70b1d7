"""Bodies of the backfill API: extract (proposals, how district and year were found, the text),
accept (annual figures), and a district-year's figures with their source."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.stats.schemas import DistrictRef


class _FromEngine(BaseModel):
    # Built from the engine's dataclasses (app.backfill.proposals).
    model_config = ConfigDict(from_attributes=True)


class DistrictOut(_FromEngine):
    code: str = Field(examples=["120102"])
    name: str = Field(examples=["河东区"])


class ExplanationOut(_FromEngine):
    source: Literal["form", "title", "body", "none"] = Field(
        description="form：请求参数；title：标题；body：正文中的机关名称；none：未确定 / "
        "given as a field, read from the title, from the bureau named in the text, or not found"
    )
    message_zh: str
    message_en: str
    evidence: str | None = Field(default=None, description="所依据的文字 / the words read")
    start: int | None = Field(default=None, description="所读名称在 text 中的位置 / offsets in text")
    end: int | None = None
    candidates: list[DistrictOut] = Field(
        default_factory=list, description="名称对应多个区划时的候选 / the districts an ambiguous name may be"
    )


class HowOut(_FromEngine):
    district: ExplanationOut
    year: ExplanationOut


class NoteOut(_FromEngine):
    code: str = Field(examples=["approximate"])
    message_zh: str
    message_en: str


class AlternativeOut(_FromEngine):
    indicator: str = Field(examples=["double_random.inspections"])
    value: int | float
    unit: str
    confidence: float = Field(ge=0, le=1)
    start: int
    end: int


class ProposalOut(_FromEngine):
    indicator: str = Field(examples=["inspection.enterprises"], description="指标代码 / indicator code")
    value: int | float = Field(
        examples=[32000], description="规范单位下的数值（罚款为元）/ in the indicator's unit (yuan for fines)"
    )
    unit: str = Field(
        examples=["万家次"], description="原文所写单位（含万、亿）/ the unit as written, 万 and 亿 included"
    )
    written: str = Field(examples=["3.2万家次"], description="原文中的数字 / the figure as written")
    evidence: str = Field(description="所在句子 / the sentence it stands in")
    start: int = Field(description="数字在 text 中的起点 / offset of the figure in text")
    end: int
    evidence_start: int = Field(description="句子在 text 中的起点 / offset of the sentence in text")
    evidence_end: int
    confidence: float = Field(ge=0, le=1)
    scope: Literal["total", "part"] = Field(
        description="total：全年合计；part：专项活动或其中一部分 / the year's total, or a part (a campaign, a subset)"
    )
    approximate: bool = Field(description="原文为约数（余、多、以上…）/ written as a bound (余, 多, 以上 …)")
    alternatives: list[AlternativeOut]
    notes: list[NoteOut]


class ExtractResult(_FromEngine):
    district: DistrictOut | None
    year: int | None
    how: HowOut = Field(description="区划和年份从何而来 / how district and year were found")
    text: str = Field(
        description="读取的全文；所有位置均指向此文本（按 Unicode 字符计）/ the text read; offsets index it"
    )
    proposals: list[ProposalOut]


class AcceptIn(BaseModel):
    """Figures a person reviewed and accepted, per indicator, with the sentence each came from."""

    model_config = ConfigDict(extra="forbid")

    district: str = Field(max_length=9, examples=["120102"])
    year: int = Field(ge=1900, le=9999, examples=[2021])
    figures: dict[str, Any] = Field(max_length=100, examples=[{"inspection.enterprises": 807}])
    evidence: dict[str, Any] = Field(default_factory=dict, max_length=100)
    source: str | None = Field(
        default=None, max_length=255, description="报告名称或文件名 / the report's title or file name"
    )


class AcceptOut(BaseModel):
    district: str
    year: int
    created: int
    updated: int
    unchanged: int


class YearFigure(BaseModel):
    indicator: str
    name_zh: str
    name_en: str
    unit: str
    annual: float | None = Field(description="年度数据（年报）/ the annual figure read from a report")
    evidence: str | None
    source: str | None
    accepted_by: str | None
    accepted_at: dt.datetime | None
    monthly_total: float | None = Field(description="月度报送合计 / the sum of the months reported")
    months_reported: int
    counted: Literal["monthly", "annual"] | None = Field(
        description="统计采用的数据：有月度数据时用月度合计 / which the statistics count: the monthly sum when "
        "there is one"
    )
    differs: bool = Field(
        description="年度数据与月度合计不一致（数据差异）/ the annual figure and the monthly sum differ"
    )


class DistrictYearOut(BaseModel):
    district: DistrictRef
    year: int
    figures: list[YearFigure]
