"""Sign-in for the dashboard: every page and callback needs a signed session cookie.

It runs inside the dashboard's Flask server, so it works both when the dashboard is mounted in the
API process and when it runs as its own process. State: the signed cookie and the database
(throttling), nothing in memory, so any number of processes can serve behind one load balancer.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, Response, current_app, g, redirect, request

from app.auth.scope import Principal
from app.auth.security import SESSION_COOKIE
from app.auth.service import authenticate_password, end_session, principal_of, start_session, user_from_session
from app.auth.signin import safe_next
from app.core.config import Settings
from app.core.errors import PROBLEM_JSON, Unauthorized
from dashboard.data import session_scope
from dashboard.security import clear_session_cookies, set_session_cookies
from dashboard.signin import login_html

OPEN_PATHS = {"/login", "/logout", "/_favicon.ico"}


def current_principal() -> Principal | None:
    """The signed-in user of this request (set by the guard); None outside a guarded request, e.g.
    when Dash validates the layout once at start-up."""
    principal: Principal | None = g.get("principal")
    return principal


def _settings() -> Settings:
    settings: Settings = current_app.config["SETTINGS"]
    return settings


def _prefix() -> str:
    # Mounted: SCRIPT_NAME is /dashboard and routes are relative; standalone: routes carry /dashboard.
    return request.script_root or ""


def _page_path(path: str) -> str:
    """A path inside the dashboard, as the browser must request it."""
    base = current_app.config["URL_PREFIX"].rstrip("/")
    return f"{base}{path}"


def install_auth(server: Flask, routes_prefix: str) -> None:
    """Add the sign-in guard and the /login and /logout routes to the dashboard's Flask server.

    ``routes_prefix`` is where Dash's routes live on this server ("/" when mounted under
    /dashboard, "/dashboard/" when standalone)."""
    base = routes_prefix.rstrip("/")
    open_paths = {base + p for p in OPEN_PATHS}

    @server.before_request
    def guard() -> Any:
        if request.path in open_paths:
            return None
        cookie = request.cookies.get(SESSION_COOKIE)
        principal = None
        if cookie:
            with session_scope() as session:
                user = user_from_session(session, _settings(), cookie)
                principal = principal_of(user) if user else None
        if principal is None:
            if request.method == "GET" and "_dash-" not in request.path:
                target = _prefix() + request.full_path.rstrip("?")
                return redirect(_page_path("/login") + "?next=" + _quote(target))
            return _unauthorized()
        g.principal = principal
        return None

    def login() -> Any:
        next_url = request.values.get("next", _page_path("/"))
        if request.method == "GET":
            return Response(login_html(_page_path("/login"), next_url), mimetype="text/html")
        settings = _settings()
        name = (request.form.get("username") or "")[:64]
        password = (request.form.get("password") or "")[:256]
        with session_scope() as session:
            result = authenticate_password(session, settings, name=name, password=password, client=request.remote_addr)
            if result.user is not None:
                cookie = start_session(session, settings, user=result.user, client=request.remote_addr)
        if result.error is not None or result.user is None:
            err = result.error
            message = f"{err.detail_zh} / {err.detail_en}" if err else "登录失败 / Sign-in failed"
            page = login_html(_page_path("/login"), next_url, message)
            # A wrong password is 401 on this page (the API's 422 is for bodies that fail validation).
            status = 429 if err is not None and err.status == 429 else 401
            return Response(page, status=status, mimetype="text/html", headers=err.headers if err else None)
        response = redirect(safe_next(next_url, _page_path("/")), code=303)
        set_session_cookies(response, settings, cookie)
        return response

    def logout() -> Any:
        # Only a POST signs out (the header's button; CSRF-checked by app.auth.gate): a link or an
        # image on another site cannot. A GET leads back to the dashboard, where the button is.
        if request.method != "POST":
            return redirect(_page_path("/"), code=303)
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            with session_scope() as session:
                end_session(session, _settings(), cookie, client=request.remote_addr)
        response = redirect(_page_path("/login"), code=303)
        clear_session_cookies(response)
        return response

    server.add_url_rule(base + "/login", "yj_login", login, methods=["GET", "POST"])
    server.add_url_rule(base + "/logout", "yj_logout", logout, methods=["GET", "POST"])


def _unauthorized() -> Response:
    """The answer to a Dash request (layout, callback, component script) or a POST without a
    session: the API's 401, problem+json in both languages, with a challenge naming the sign-in
    form (the cookie scheme of draft-broyer-http-cookie-auth, since the dashboard takes no bearer
    token; no browser opens a password prompt for it, as it would for Basic)."""
    login = _page_path("/login")
    err = Unauthorized(
        "未登录或登录已过期，请先登录",
        "Not signed in, or the sign-in has expired: sign in first",
        headers={"WWW-Authenticate": f'Cookie realm="yingji", form-action="{login}", cookie-name="{SESSION_COOKIE}"'},
    )
    body = json.dumps(err.body(_prefix() + request.path), ensure_ascii=False)
    return Response(body, status=err.status, mimetype=PROBLEM_JSON, headers=err.headers)


def _quote(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="/")
