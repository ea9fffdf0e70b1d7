"""Auth API: who am I, users and tokens (admin), and the dashboard's sign-in and sign-out."""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from app.auth.deps import AdminPrincipal, CurrentPrincipal
from app.auth.models import ApiToken, User
from app.auth.schemas import Me, TokenCreate, TokenCreated, TokenRead, UserCreate, UserRead
from app.auth.security import SESSION_COOKIE, sign_session
from app.auth.service import (
    TooManyAttempts,
    authenticate_password,
    create_token,
    create_user,
    get_by_name_or_raise,
    record_event,
    revoke_token,
    user_from_session,
)
from app.core.config import Settings
from app.core.db import utcnow
from app.core.deps import SessionDep
from app.core.errors import ValidationFailed

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

LOGIN_HTML = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>登录 · 应急管理执法统计</title>
<style>
 body {{ margin:0; font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif; background:#f4f5f7; color:#222; }}
 header {{ padding:12px 24px; border-bottom:3px solid #c00; background:#fff; }}
 header h1 {{ margin:0; font-size:22px; }} header span {{ color:#666; }}
 form {{ max-width:360px; margin:64px auto; background:#fff; padding:28px 32px; border-radius:6px;
        box-shadow:0 1px 4px rgba(0,0,0,.12); }}
 label {{ display:block; margin:14px 0 4px; font-size:14px; }}
 input {{ width:100%; box-sizing:border-box; padding:8px 10px; font-size:15px; border:1px solid #bbb;
         border-radius:4px; }}
 button {{ margin-top:20px; width:100%; padding:10px; font-size:16px; color:#fff; background:#c00; border:0;
          border-radius:4px; cursor:pointer; }}
 .error {{ color:#b00; margin-top:12px; font-size:14px; }}
</style></head>
<body><header><h1>应急管理执法工作统计</h1><span>Enforcement-activity metrics</span></header>
<form method="post" action="/login" id="login-form">
 <h2 style="margin-top:0">登录 <small style="color:#888;font-weight:normal">Sign in</small></h2>
 <input type="hidden" name="next" value="{next}">
 <label for="username">用户名 User name</label><input id="username" name="username" autocomplete="username" required>
 <label for="password">密码 Password</label>
 <input id="password" name="password" type="password" autocomplete="current-password" required>
 <button type="submit" id="login-submit">登录 Sign in</button>
 {error}
</form></body></html>"""


def _safe_next(target: str | None) -> str:
    # Only paths on this site: an open redirect would let a link send users elsewhere after sign-in.
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/dashboard/"
    return target


def login_page(next_url: str = "/dashboard/", error: str | None = None, status_code: int = 200) -> HTMLResponse:
    err = f'<p class="error" id="login-error">{escape(error)}</p>' if error else ""
    return HTMLResponse(LOGIN_HTML.format(next=escape(_safe_next(next_url)), error=err), status_code=status_code)


@pages.get("/login")
def get_login(request: Request, next: str = "/dashboard/") -> Response:
    return login_page(next)


@pages.post("/login")
def post_login(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    next: Annotated[str, Form()] = "/dashboard/",
) -> Response:
    settings: Settings = request.app.state.settings
    client = request.client.host if request.client else None
    try:
        user = authenticate_password(session, settings, name=username, password=password, client=client)
    except ValidationFailed:
        return login_page(next, "用户名或密码错误 / Wrong user name or password", status.HTTP_401_UNAUTHORIZED)
    except TooManyAttempts as exc:
        return login_page(next, f"{exc.detail_zh} / {exc.detail_en}", status.HTTP_429_TOO_MANY_REQUESTS)
    response = RedirectResponse(_safe_next(next), status_code=status.HTTP_303_SEE_OTHER)
    response.set_cookie(
        SESSION_COOKIE,
        sign_session(settings.secret_key, user.id, user.password_hash),
        max_age=settings.session_max_age_seconds,
        httponly=True,
        samesite="lax",
        secure=settings.environment == "production",
        path="/",
    )
    return response


@pages.api_route("/logout", methods=["GET", "POST"])
def logout(request: Request, session: SessionDep) -> Response:
    settings: Settings = request.app.state.settings
    cookie = request.cookies.get(SESSION_COOKIE)
    user = user_from_session(session, settings, cookie) if cookie else None
    if user is not None:
        record_event(session, "logout", user_id=user.id)
    response = RedirectResponse("/login?next=" + quote("/dashboard/"), status_code=status.HTTP_303_SEE_OTHER)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
