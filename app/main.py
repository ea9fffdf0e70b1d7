"""The ASGI app: the API under /api/v1, OpenAPI at /docs, the Dash dashboard at /dashboard/."""

from __future__ import annotations

from typing import Any

from a2wsgi import WSGIMiddleware
from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import RedirectResponse
from fastapi_offline import FastAPIOffline

from app.audit.views import router as audit_router
from app.auth.deps import current_principal
from app.auth.gate import protect
from app.auth.views import pages as auth_pages
from app.auth.views import router as auth_router
from app.backfill.views import figures_router as backfill_figures_router
from app.backfill.views import router as backfill_router
from app.core import openapi
from app.core.config import Settings, get_settings
from app.core.db import Database
from app.core.errors import install_error_handlers
from app.core.gc import freeze_start_heap
from app.core.logging import RequestLog, configure_logging
from app.core.writer_turns import WriterTurns
from app.districts.views import router as districts_router
from app.health.metrics import router as metrics_router
from app.health.views import router as health_router
from app.indicators.views import router as indicators_router
from app.reports.views import router as reports_router
from app.reviews.views import router as reviews_router
from app.stats import cache as stats_cache
from app.stats.views import router as stats_router
from app.uploads.views import router as uploads_router
from app.values.views import router as values_router

API_PREFIX = "/api/v1"
UNAUTHORIZED: dict[int | str, dict[str, Any]] = {
    401: {"description": "没有或无效的凭据 / Missing or invalid credentials"}
}


def api_router() -> APIRouter:
    router = APIRouter(prefix=API_PREFIX)
    # The health checks are the only open doors; everything else sits behind authentication, so a
    # new router cannot forget it.
    router.include_router(health_router)
    protected = APIRouter(dependencies=[Depends(current_principal)], responses=UNAUTHORIZED)
    protected.include_router(auth_router)
    protected.include_router(values_router)
    protected.include_router(uploads_router)
    protected.include_router(audit_router)
    protected.include_router(districts_router)
    protected.include_router(indicators_router)
    protected.include_router(stats_router)
    protected.include_router(reports_router)
    protected.include_router(backfill_router)
    protected.include_router(backfill_figures_router)
    protected.include_router(reviews_router)
    router.include_router(protected)
    return router


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    database = database or Database(settings.database_url)
    # Swagger UI from the package, not a CDN: bureaus often sit on closed government networks.
    app = FastAPIOffline(
        title="应急管理执法工作统计 API",
        summary="Enforcement-activity metrics for district emergency-management bureaus",
        version="0.1.0",
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.database = database
    # Statistics results, shared with the dashboard mounted below (app/stats/cache.py).
    app.state.query_cache = stats_cache.for_settings(settings)
    install_error_handlers(app)
    openapi.install(app)
    # Innermost of the middlewares: a write refused by the gate or the limits never waits for a turn.
    app.add_middleware(WriterTurns, enabled=database.dialect == "sqlite", wait_seconds=database.busy_timeout_ms / 1000)
    protect(app, settings)  # request limits, CSRF and credentials before a body is read, security headers
    # Added last, so outermost: it times and logs everything inside (413s and 401s of the gate too),
    # and every answer carries the id.
    app.add_middleware(RequestLog)
    app.include_router(api_router())
    app.include_router(auth_pages)
    if settings.warm_up and settings.environment != "test":
        # The first DOCX report would otherwise import and set up matplotlib and python-docx.
        from app.reports.warm import warm_in_background

        warm_in_background()
    app.include_router(metrics_router)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/dashboard/")

    # Imported here so that API-only uses (tests, scripts) do not pay for Dash's start-up.
    from dashboard.app import create_dash

    dash_app = create_dash(database, mounted=True, settings=settings)
    app.state.dash = dash_app

    @app.get("/dashboard", include_in_schema=False)
    def dashboard_slash() -> RedirectResponse:
        return RedirectResponse("/dashboard/")

    # a2wsgi declares its ASGI arguments as TypedDicts, Starlette as MutableMappings: the same
    # protocol, which mypy cannot match.
    app.mount("/dashboard", WSGIMiddleware(dash_app.server))  # type: ignore[arg-type]
    if settings.environment != "test":  # tests build many apps in one process: nothing to keep
        freeze_start_heap()
    return app


app = create_app()
