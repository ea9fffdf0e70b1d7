"""GET /api/v1/health (liveness: the process answers) and /api/v1/health/ready (readiness: it can
reach its database at the newest schema). A load balancer sends traffic to ready processes; a
supervisor restarts a process that is not live. Liveness touches no database, so a database outage
does not make every process look dead and restart in a loop."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from app.core.deps import DatabaseDep
from app.core.migrate import current_revision, head_revision
from app.districts.models import District

router = APIRouter(tags=["health"])
VERSION = "0.1.0"


@router.get("/health", summary="存活检查 / Liveness: the process answers")
def health() -> dict[str, str]:
    return {"status": "ok", "version": VERSION}


@router.get(
    "/health/ready",
    summary="就绪检查：数据库可达且结构最新 / Readiness: database reachable, schema at the newest migration",
    responses={503: {"description": "Database unreachable or schema behind"}},
)
def ready(database: DatabaseDep) -> JSONResponse:
    db: dict[str, Any] = {"dialect": database.dialect}
    try:
        revision = current_revision(database.engine)
        with database.session() as session:
            districts = session.scalar(select(func.count()).select_from(District))
        head = head_revision(database.engine)
        db.update(status="ok" if revision == head else "outdated", revision=revision, head=head, districts=districts)
    except SQLAlchemyError as exc:
        db.update(status="unreachable", error=type(exc).__name__)
    ok = db["status"] == "ok"
    return JSONResponse({"status": "ok" if ok else "degraded", "database": db}, status_code=200 if ok else 503)
