"""GET /indicators: the indicator catalogue, the public contract of every figure's code."""

from __future__ import annotations

from fastapi import APIRouter

from app.auth.deps import CurrentPrincipal
from app.core.deps import SessionDep
from app.indicators import service
from app.indicators.schemas import IndicatorRead

router = APIRouter(tags=["indicators"])


@router.get(
    "/indicators",
    summary="指标目录 / The indicator catalogue",
    response_model=list[IndicatorRead],
)
def list_indicators(_principal: CurrentPrincipal, session: SessionDep) -> list[IndicatorRead]:
    return [IndicatorRead.model_validate(info, from_attributes=True) for info in service.get_all(session).values()]
