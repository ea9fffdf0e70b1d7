"""GET /metrics: Prometheus' text format (app/core/metrics.py says what is counted and who may read)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.auth.deps import authenticate
from app.core.config import Settings
from app.core.deps import SessionDep
from app.core.errors import Unauthorized
from app.core.metrics import address_allowed, exposition, parse_networks

router = APIRouter()
_bearer = HTTPBearer(auto_error=False)


@router.get("/metrics", include_in_schema=False)
def metrics(
    request: Request,
    session: SessionDep,  # opens no connection unless credentials are checked
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Response:
    settings: Settings = request.app.state.settings
    client = request.client.host if request.client else None
    if not address_allowed(client, parse_networks(settings.metrics_allow_from)):
        if credentials is None:
            raise Unauthorized(
                "指标仅对允许的地址开放，其他地址须用管理员令牌",
                "Metrics are open to the configured address ranges only; elsewhere an admin's token is needed",
                headers={"WWW-Authenticate": 'Bearer realm="yingji"'},
            )
        # Only a bearer token, never the session cookie: a scraper is no browser.
        authenticate(request, session, credentials).require_admin()
    body, content_type = exposition()
    return Response(body, media_type=content_type)
