"""The statistics context as a FastAPI dependency: one per request, for the caller and today."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.auth.deps import CurrentPrincipal
from app.core.deps import SessionDep, TodayDep
from app.stats.cache import QueryCache
from app.stats.context import StatsContext


def stats_context(principal: CurrentPrincipal, session: SessionDep, now: TodayDep) -> StatsContext:
    return StatsContext(session, principal, now)


StatsDep = Annotated[StatsContext, Depends(stats_context)]


def query_cache(request: Request) -> QueryCache | None:
    """This process's cache of statistics results (``create_app`` sets it), or None."""
    found: QueryCache | None = getattr(request.app.state, "query_cache", None)
    return found


QueryCacheDep = Annotated[QueryCache | None, Depends(query_cache)]
