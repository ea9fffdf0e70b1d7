"""Bodies of the district API: one district, and one with its parent chain and children."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.districts.models import DistrictLevel


class DistrictRead(BaseModel):
    code: str = Field(examples=["120102"])
    name: str = Field(examples=["河东区"])
    level: DistrictLevel
    parent_code: str | None
    longitude: float | None
    latitude: float | None
    readable: bool = Field(
        description="调用者能否查看该区划的数据 / whether the caller may read this district's figures"
    )


class DistrictDetail(DistrictRead):
    parents: list[DistrictRead] = Field(description="上级区划，自省级起 / parent chain, province first")
    children: list[DistrictRead] = Field(description="直接下级区划 / direct children")
