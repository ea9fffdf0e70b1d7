"""Bodies of the indicator API: the catalogue as clients see it."""

from __future__ import annotations

from pydantic import BaseModel, Field


class IndicatorRead(BaseModel):
    code: str = Field(examples=["inspection.enterprises"])
    category: str
    name_zh: str = Field(examples=["执法检查"])
    name_en: str
    unit: str = Field(examples=["家次"])
    unit_en: str
    whole_number: bool
    good_direction: int = Field(description="+1 越多越好，-1 越少越好，0 无 / +1 more is better, -1 worse, 0 neither")
    sort_order: int
