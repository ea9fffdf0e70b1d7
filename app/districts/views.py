"""GET /districts (search by parent, level, text) and GET /districts/{code} (with parents and children)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from app.auth.deps import CurrentPrincipal
from app.core.deps import SessionDep
from app.districts import listing
from app.districts.models import DistrictLevel
from app.districts.schemas import DistrictDetail, DistrictRead

router = APIRouter(tags=["districts"])


@router.get(
    "/districts",
    summary="区划列表 / Districts",
    description="按上级、级别、关键字（代码前缀或名称）查找区划。只给 parent 时列直接下级；"
    "同时给 level 时列其下该级别的全部区划。"
    "\n\nFind districts by parent, level and text (a code prefix or part of a name). parent alone lists its "
    "direct children; with level, every district of that level under it.",
    response_model=list[DistrictRead],
    responses={404: {"description": "上级区划不存在 / Unknown parent"}},
)
def list_districts(
    principal: CurrentPrincipal,
    session: SessionDep,
    parent: Annotated[str | None, Query(description="上级区划代码 / parent code")] = None,
    level: Annotated[DistrictLevel | None, Query(description="级别 / level")] = None,
    q: Annotated[str | None, Query(max_length=64, description="代码前缀或名称 / code prefix or name")] = None,
) -> list[DistrictRead]:
    rows = listing.list_districts(session, principal=principal, parent=parent or None, level=level, q=q)
    return [DistrictRead.model_validate(r) for r in rows]


@router.get(
    "/districts/{code}",
    summary="区划详情 / One district, with parents and children",
    response_model=DistrictDetail,
    responses={404: {"description": "区划不存在（附建议）/ Unknown district (with suggestions)"}},
)
def get_district(
    code: Annotated[str, Path(description="GB/T 2260 区划代码 / district code", examples=["120102"])],
    principal: CurrentPrincipal,
    session: SessionDep,
) -> DistrictDetail:
    return DistrictDetail.model_validate(listing.district_family(session, principal=principal, code=code))
