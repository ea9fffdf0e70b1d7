"""GET /audit: every change of a figure (old, new, who, when, which submission), newest first, paged."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.audit import service
from app.audit.schemas import ValueChange, ValueChangePage
from app.auth.deps import CurrentPrincipal
from app.core.deps import SessionDep
from app.core.errors import ValidationFailed
from app.core.openapi import problem_responses
from app.core.periods import parse_month_path
from app.indicators import service as indicators

router = APIRouter(tags=["audit"])


@router.get(
    "/audit",
    summary="数值修改记录 / Value change history",
    description="每一次数值变化（原值、新值、修改人、时间、所属提交），最新在前，分页。只列出账号范围内的区县。"
    "\n\nEvery change of a figure (old, new, who, when, which submission), newest first, paged; only "
    "districts inside the caller's scope.",
    response_model=ValueChangePage,
    responses=problem_responses(
        {
            403: "区县超出账号范围 / District outside the caller's scope",
            404: "区划不存在 / Unknown district",
            422: "参数无效 / Invalid parameters",
        }
    ),
)
def get_audit(
    principal: CurrentPrincipal,
    session: SessionDep,
    district: Annotated[str | None, Query(description="区划代码 / district code", examples=["120102"])] = None,
    month: Annotated[str | None, Query(description="YYYY-MM", examples=["2021-03"])] = None,
    indicator: Annotated[str | None, Query(description="指标代码 / indicator code")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> ValueChangePage:
    first = parse_month_path(month) if month is not None else None
    if indicator is not None:
        catalogue = indicators.get_all(session)
        if indicator not in catalogue:
            zh, en, near = indicators.unknown_message(catalogue, indicator)
            raise ValidationFailed(zh, en, suggestions=near)
    items, total = service.get_changes(
        session, principal=principal, district=district, month=first, indicator=indicator, limit=limit, offset=offset
    )
    page = [ValueChange.model_validate(i) for i in items]
    return ValueChangePage(items=page, total=total, limit=limit, offset=offset)
