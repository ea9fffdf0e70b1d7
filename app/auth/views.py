"""Auth API: who am I, users and tokens (admin), and the dashboard's sign-in and sign-out."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from app.auth.deps import AdminPrincipal, CurrentPrincipal
from app.auth.models import ApiToken, User
from app.auth.schemas import (
    Me,
    PasswordSet,
    SessionsEnded,
    TokenCreate,
    TokenCreated,
    TokenRead,
    UserCreate,
    UserRead,
)
from app.auth.service import (
    create_token,
    create_user,
    disable_user,
    enable_user,
    end_all_sessions,
    get_by_name_or_raise,
    revoke_token,
    set_password,
)
from app.auth.signin import safe_next
from app.core.db import utcnow
from app.core.deps import SessionDep
from app.core.openapi import problem_responses

router = APIRouter(tags=["auth"])
pages = APIRouter(include_in_schema=False)


def _user_read(user: User) -> UserRead:
    return UserRead(
        id=user.id,
        name=user.name,
        display_name=user.display_name,
        email=user.email,
        role=user.role,
        districts=user.district_codes,
        is_active=user.is_active,
        created_at=user.created_at,
    )


@router.get("/me", summary="当前用户 / The caller", response_model=Me)
def me(principal: CurrentPrincipal) -> Me:
    codes = None if principal.scope.codes is None else sorted(principal.scope.codes)
    return Me(name=principal.name, role=principal.role, districts=codes)


ADMIN_ONLY = problem_responses({403: "需要管理员权限 / Admins only"})


@router.post(
    "/users",
    summary="新建用户（管理员）/ Create a user (admin)",
    status_code=201,
    response_model=UserRead,
    responses=problem_responses(
        {
            403: "需要管理员权限 / Admins only",
            409: "用户名已存在 / The name is taken",
            422: "参数无效（角色、区划、密码、邮箱）/ Invalid role, district, password or e-mail",
        }
    ),
)
def post_user(body: UserCreate, principal: AdminPrincipal, session: SessionDep) -> UserRead:
    user = create_user(
        session,
        name=body.name,
        role=body.role,
        districts=body.districts,
        password=body.password,
        display_name=body.display_name,
        actor_id=principal.user_id,
        email=body.email,
    )
    return _user_read(user)


@router.get(
    "/users", summary="用户列表（管理员）/ List users (admin)", response_model=list[UserRead], responses=ADMIN_ONLY
)
def list_users(_principal: AdminPrincipal, session: SessionDep) -> list[UserRead]:
    return [_user_read(u) for u in session.scalars(select(User).order_by(User.id))]


UserName = Annotated[str, Path(alias="name", min_length=1, max_length=64, description="用户名 / user name")]
USER_PROBLEMS = problem_responses(
    {
        403: "需要管理员权限 / Admins only",
        404: "用户不存在 / No such user",
        409: "不能停用自己 / You cannot disable yourself",
        422: "参数无效 / Invalid parameters",
    }
)


@router.post(
    "/users/{name}/password",
    summary="设置密码（管理员）/ Set a user's password (admin)",
    description="新密码立即生效；该用户的所有登录会话和 API 令牌随之失效。\n\nThe new password holds at once; every "
    "sign-in and API token of the user ends with the old one.",
    response_model=UserRead,
    responses=USER_PROBLEMS,
)
def post_password(name: UserName, body: PasswordSet, principal: AdminPrincipal, session: SessionDep) -> UserRead:
    return _user_read(set_password(session, name=name, password=body.password, actor_id=principal.user_id))


@router.post(
    "/users/{name}/disable",
    summary="停用用户（管理员）/ Disable a user (admin)",
    description="停用后不能登录或使用令牌；所有登录会话和令牌立即失效（重新启用后也不恢复）。\n\nThe user can no "
    "longer sign in or use a token; every sign-in and token ends now (and stays ended after enabling).",
    response_model=UserRead,
    responses=USER_PROBLEMS,
)
def post_disable(name: UserName, principal: AdminPrincipal, session: SessionDep) -> UserRead:
    return _user_read(disable_user(session, name=name, actor_id=principal.user_id))


@router.post(
    "/users/{name}/enable",
    summary="启用用户（管理员）/ Enable a user (admin)",
    response_model=UserRead,
    responses=USER_PROBLEMS,
)
def post_enable(name: UserName, principal: AdminPrincipal, session: SessionDep) -> UserRead:
    return _user_read(enable_user(session, name=name, actor_id=principal.user_id))


@router.post(
    "/users/{name}/sessions/end",
    summary="结束用户的所有会话（管理员）/ End all sessions of a user (admin)",
    description="该用户的所有登录会话立即结束，所有 API 令牌吊销。\n\nEvery sign-in of the user ends now and every "
    "API token is revoked.",
    response_model=SessionsEnded,
    responses=USER_PROBLEMS,
)
def post_end_sessions(name: UserName, principal: AdminPrincipal, session: SessionDep) -> SessionsEnded:
    user = get_by_name_or_raise(session, name=name)
    ended = end_all_sessions(session, user=user, actor_id=principal.user_id, reason="by_admin")
    return SessionsEnded(user=user.name, sessions=ended.sessions, tokens=ended.tokens)


@router.post(
    "/tokens",
    summary="新建 API 令牌（管理员）/ Create an API token (admin)",
    status_code=201,
    response_model=TokenCreated,
    responses=problem_responses(
        {
            403: "需要管理员权限 / Admins only",
            404: "用户不存在 / No such user",
            422: "参数无效 / Invalid parameters",
        }
    ),
)
def post_token(body: TokenCreate, principal: AdminPrincipal, session: SessionDep) -> TokenCreated:
    user = get_by_name_or_raise(session, name=body.user)
    expires = utcnow() + dt.timedelta(days=body.expires_in_days) if body.expires_in_days else None
    row, plaintext = create_token(session, user=user, name=body.name, expires_at=expires, actor_id=principal.user_id)
    return TokenCreated(**TokenRead.model_validate(row).model_dump(), token=plaintext)


@router.get(
    "/tokens", summary="令牌列表（管理员）/ List tokens (admin)", response_model=list[TokenRead], responses=ADMIN_ONLY
)
def list_tokens(_principal: AdminPrincipal, session: SessionDep) -> list[TokenRead]:
    return [TokenRead.model_validate(t) for t in session.scalars(select(ApiToken).order_by(ApiToken.id))]


@router.delete(
    "/tokens/{token_id}",
    summary="吊销令牌（管理员）/ Revoke a token (admin)",
    response_model=TokenRead,
    responses=problem_responses({403: "需要管理员权限 / Admins only", 404: "令牌不存在 / No such token"}),
)
def delete_token(
    token_id: Annotated[int, Path(ge=1, le=2**31 - 1)], principal: AdminPrincipal, session: SessionDep
) -> TokenRead:
    return TokenRead.model_validate(revoke_token(session, token_id=token_id, actor_id=principal.user_id))


# ----------------------------------------------------------------------------- sign-in pages
# Sign-in lives with the dashboard (dashboard/auth.py), so that the dashboard also signs people
# in when it runs as its own process; the API's /login and /logout lead there.


@pages.get("/login")
def get_login(next: str = "/dashboard/") -> RedirectResponse:
    return RedirectResponse("/dashboard/login?next=" + quote(safe_next(next)))


@pages.get("/logout")
def get_logout() -> RedirectResponse:
    # Signing out is a POST (a link or an image cannot sign anyone out); this leads to the page that has the button.
    return RedirectResponse("/dashboard/logout")
