"""Auth API: who am I, users and tokens (admin), and the dashboard's sign-in and sign-out."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from app.auth.deps import AdminPrincipal, CurrentPrincipal
from app.auth.models import ApiToken, User
from app.auth.schemas import Me, TokenCreate, TokenCreated, TokenRead, UserCreate, UserRead
from app.auth.service import create_token, create_user, get_by_name_or_raise, revoke_token
from app.auth.signin import safe_next
from app.core.db import utcnow
from app.core.deps import SessionDep

router = APIRouter(tags=["auth"])
pages = APIRouter(include_in_schema=False)


def _user_read(user: User) -> UserRead:
    return UserRead(
        id=user.id,
        name=user.name,
        display_name=user.display_name,
        role=user.role,
        districts=user.district_codes,
        is_active=user.is_active,
        created_at=user.created_at,
    )


@router.get("/me", summary="当前用户 / The caller", response_model=Me)
def me(principal: CurrentPrincipal) -> Me:
    codes = None if principal.scope.codes is None else sorted(principal.scope.codes)
    return Me(name=principal.name, role=principal.role, districts=codes)


@router.post("/users", summary="新建用户（管理员）/ Create a user (admin)", status_code=201, response_model=UserRead)
def post_user(body: UserCreate, principal: AdminPrincipal, session: SessionDep) -> UserRead:
    user = create_user(
        session,
        name=body.name,
        role=body.role,
        districts=body.districts,
        password=body.password,
        display_name=body.display_name,
        actor_id=principal.user_id,
    )
    return _user_read(user)


@router.get("/users", summary="用户列表（管理员）/ List users (admin)", response_model=list[UserRead])
def list_users(_principal: AdminPrincipal, session: SessionDep) -> list[UserRead]:
    return [_user_read(u) for u in session.scalars(select(User).order_by(User.id))]


@router.post(
    "/tokens",
    summary="新建 API 令牌（管理员）/ Create an API token (admin)",
    status_code=201,
    response_model=TokenCreated,
)
def post_token(body: TokenCreate, principal: AdminPrincipal, session: SessionDep) -> TokenCreated:
    user = get_by_name_or_raise(session, name=body.user)
    expires = utcnow() + dt.timedelta(days=body.expires_in_days) if body.expires_in_days else None
    row, plaintext = create_token(session, user=user, name=body.name, expires_at=expires, actor_id=principal.user_id)
    return TokenCreated(**TokenRead.model_validate(row).model_dump(), token=plaintext)


@router.get("/tokens", summary="令牌列表（管理员）/ List tokens (admin)", response_model=list[TokenRead])
def list_tokens(_principal: AdminPrincipal, session: SessionDep) -> list[TokenRead]:
    return [TokenRead.model_validate(t) for t in session.scalars(select(ApiToken).order_by(ApiToken.id))]


@router.delete("/tokens/{token_id}", summary="吊销令牌（管理员）/ Revoke a token (admin)", response_model=TokenRead)
def delete_token(token_id: int, principal: AdminPrincipal, session: SessionDep) -> TokenRead:
    return TokenRead.model_validate(revoke_token(session, token_id=token_id, actor_id=principal.user_id))


# ----------------------------------------------------------------------------- sign-in pages
# Sign-in lives with the dashboard (dashboard/auth.py), so that the dashboard also signs people
# in when it runs as its own process; the API's /login and /logout lead there.


@pages.get("/login")
def get_login(next: str = "/dashboard/") -> RedirectResponse:
    return RedirectResponse("/dashboard/login?next=" + quote(safe_next(next)))


@pages.get("/logout")
def get_logout() -> RedirectResponse:
    return RedirectResponse("/dashboard/logout")
