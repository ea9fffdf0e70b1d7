"""The statistics context as a FastAPI dependency: one per request, for the caller and today."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from app.auth.deps import CurrentPrincipal
from app.core.deps import SessionDep, TodayDep
from app.stats.context import StatsContext


def stats_context(principal: CurrentPrincipal, session: SessionDep, now: TodayDep) -> StatsContext:
    return StatsContext(session, principal, now)


StatsDep = Annotated[StatsContext, Depends(stats_context)]
