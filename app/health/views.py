"""GET /api/v1/health: is the service up, and can it reach its database at the expected schema?"""

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


@router.get(
    "/health",
    summary="服务与数据库状态 / Service and database status",
    responses={503: {"description": "Database unreachable or schema behind"}},
)
def health(database: DatabaseDep) -> JSONResponse:
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
