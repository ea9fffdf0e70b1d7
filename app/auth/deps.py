"""Authentication for every API route: a bearer token, or the dashboard's session cookie."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from app.auth.scope import Principal
from app.auth.security import SESSION_COOKIE
from app.auth.service import authenticate_token, principal_of, record_token_use, user_from_session
from app.core.config import Settings
from app.core.deps import SessionDep
from app.core.errors import Unauthorized

_bearer = HTTPBearer(auto_error=False, description="API token: `Authorization: Bearer yjt_…`")
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="yingji"'}


def current_principal(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    principal = authenticate(request, session, credentials)
    request.state.user = principal.name  # for the request log (app.core.logging)
    return principal


def authenticate(request: Request, session: Session, credentials: HTTPAuthorizationCredentials | None) -> Principal:
    settings: Settings = request.app.state.settings
    if credentials is not None:
        use = authenticate_token(session, credentials.credentials)
        if use is None:
            raise Unauthorized(
                "令牌无效、已过期或已吊销",
                "The token is invalid, expired or revoked",
                headers={"WWW-Authenticate": 'Bearer realm="yingji", error="invalid_token"'},
            )
        if use.stamp_due:
            record_token_use(session, request.app.state.database, token_id=use.token_id)
        return principal_of(use.user)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        user = user_from_session(session, settings, cookie)
        if user is not None:
            return principal_of(user)
    raise Unauthorized("需要登录或 API 令牌", "Authentication required: a bearer token or a sign-in", headers=CHALLENGE)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def admin_principal(principal: CurrentPrincipal) -> Principal:
    principal.require_admin()
    return principal


AdminPrincipal = Annotated[Principal, Depends(admin_principal)]
