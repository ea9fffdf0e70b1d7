"""The checks in front of the application that need no database, made before a body is read.

- An unsafe request (POST, PUT, PATCH, DELETE) to the API with neither a bearer token nor a
  well-signed session cookie, or to the dashboard (but its sign-in and sign-out) without the
  cookie, is refused with 401 at once: a large body from a stranger is never read, let alone
  parsed. (Whether the token or session is still valid, the route checks against the database.)
- CSRF: a browser sends the session cookie with any request to this host, also one that a page of
  another site (or of another port of the same host) makes it send. An unsafe request that carries
  no Authorization header (which no other site can make a browser add) passes only if the browser
  says it comes from this origin (``Sec-Fetch-Site: same-origin``, or else an ``Origin`` equal to
  the Host), or, from browsers that send neither, with the session's CSRF token in an
  ``X-CSRFToken`` header (Dash's renderer sends it from the ``_csrf_token`` cookie). Bearer-token
  requests are not affected.

``protect`` puts this gate, the request limits and the security headers in front of an app.
"""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from app.auth.security import CSRF_HEADERS, SESSION_COOKIE, csrf_token_matches, read_session, split_token
from app.core.config import Settings
from app.core.errors import AppError, Forbidden, Unauthorized
from app.core.headers import SecurityHeaders
from app.core.limits import RequestLimits, send_problem

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
API_PREFIX = "/api/"
# The API's open routes (GET only; any other method answers 405, credentials or not).
OPEN_API_PATHS = {"/api/v1/health", "/api/v1/health/ready"}
# The dashboard (mounted or on its own, both under /dashboard/): everything but signing in and
# out needs a session, its callbacks too (they may carry megabytes).
DASHBOARD_PREFIX = "/dashboard/"
OPEN_DASHBOARD_PATHS = {"/dashboard/login", "/dashboard/logout"}
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="yingji"'}


def _headers(scope: Scope) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in scope.get("headers", ()):
        key = name.decode("latin-1").lower()
        # Repeated headers: the first counts (browsers do not repeat these).
        out.setdefault(key, value.decode("latin-1"))
    return out


def _cookie(headers: dict[str, str], name: str) -> str | None:
    raw = headers.get("cookie")
    if not raw:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except CookieError:
        # One malformed cookie of another application on this host: look for ours by hand.
        for part in raw.split(";"):
            key, _, value = part.strip().partition("=")
            if key == name:
                return value
        return None
    morsel = jar.get(name)
    return morsel.value if morsel is not None else None


def _host(value: str) -> str:
    """host[:port] as compared, without a default port."""
    value = value.strip().lower()
    for default in (":80", ":443"):
        if value.endswith(default):
            return value[: -len(default)]
    return value


def cross_site(headers: dict[str, str]) -> bool | None:
    """True when the browser says the request comes from another origin, False when from this one,
    None when it says neither (no Sec-Fetch-Site, no Origin: an old browser, or not a browser)."""
    site = headers.get("sec-fetch-site")
    if site is not None:
        return site.strip().lower() != "same-origin"
    origin = headers.get("origin")
    if origin is not None:
        if origin.strip().lower() == "null":
            return True
        return _host(urlsplit(origin.strip()).netloc) != _host(headers.get("host", ""))
    return None


def csrf_refused() -> Forbidden:
    return Forbidden(
        "拒绝跨站请求：请在本系统的页面上操作（脚本请使用 API 令牌）",
        "Cross-site request refused: act from this site's own pages (scripts use an API token)",
        code="csrf.cross_site",
    )


def gate_problem(scope: Scope, settings: Settings) -> AppError | None:
    """The 401 or 403 an unsafe request gets before its body is read, else None."""
    if scope["method"] in SAFE_METHODS:
        return None
    headers = _headers(scope)
    path = str(scope.get("path", ""))
    api = path.startswith(API_PREFIX) and path.rstrip("/") not in OPEN_API_PATHS
    dashboard = path.startswith(DASHBOARD_PREFIX) and path.rstrip("/") not in OPEN_DASHBOARD_PATHS
    authorization = headers.get("authorization")
    if authorization is not None and api:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or split_token(token.strip()) is None:
            return Unauthorized(
                "令牌无效、已过期或已吊销",
                "The token is invalid, expired or revoked",
                headers={"WWW-Authenticate": 'Bearer realm="yingji", error="invalid_token"'},
            )
        return None
    cookie = _cookie(headers, SESSION_COOKIE)
    signed = cookie is not None and read_session(settings.secret_key, cookie, settings.session_max_age_seconds)
    if api and not signed:
        return Unauthorized(
            "需要登录或 API 令牌", "Authentication required: a bearer token or a sign-in", headers=CHALLENGE
        )
    if dashboard and not signed:
        # The dashboard's own 401 (dashboard/auth.py), before the body is read.
        return Unauthorized(
            "未登录或登录已过期，请先登录",
            "Not signed in, or the sign-in has expired: sign in first",
            headers={
                "WWW-Authenticate": f'Cookie realm="yingji", form-action="{DASHBOARD_PREFIX}login", '
                f'cookie-name="{SESSION_COOKIE}"'
            },
        )
    if authorization is not None:
        return None  # a header no other site can make a browser send: no forgery
    verdict = cross_site(headers)
    if verdict:
        return csrf_refused()
    if verdict is None and cookie is not None:
        token = next((headers[h.decode()] for h in CSRF_HEADERS if h.decode() in headers), "")
        if not csrf_token_matches(settings.secret_key, cookie, settings.session_max_age_seconds, token):
            return csrf_refused()
    return None


class CredentialGate:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            problem = gate_problem(scope, self.settings)
            if problem is not None:
                await send_problem(send, problem, str(scope.get("root_path", "")) + str(scope.get("path", "")))
                return
        await self.app(scope, receive, send)


def protect(app: Any, settings: Settings) -> None:
    """Add the gate, the request limits and the security headers to a Starlette/FastAPI app
    (outermost first: headers, gate, limits)."""
    app.add_middleware(RequestLimits, settings=settings)
    app.add_middleware(CredentialGate, settings=settings)
    app.add_middleware(SecurityHeaders)


def wrap(app: ASGIApp, settings: Settings) -> ASGIApp:
    """The same, around a bare ASGI app (the dashboard as its own process)."""
    return SecurityHeaders(CredentialGate(RequestLimits(app, settings), settings))
