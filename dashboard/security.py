"""What the dashboard's Flask server adds for safety: the session and CSRF cookies, a
Content-Security-Policy fitted to Dash, and 503 (not 500) when the database is busy.

Cross-site requests are refused in front of the dashboard (``app.auth.gate``); the CSRF cookie set
here is what Dash's renderer sends back in its ``X-CSRFToken`` header, the fallback of that check
for browsers that send neither ``Sec-Fetch-Site`` nor ``Origin``.
"""

from __future__ import annotations

import json

from dash import Dash
from flask import Flask, Response, current_app, request
from sqlalchemy.exc import OperationalError
from werkzeug.wrappers import Response as BaseResponse

from app.auth.security import CSRF_COOKIE, SESSION_COOKIE, csrf_token, read_session
from app.core.config import Settings
from app.core.errors import PROBLEM_JSON, database_busy

# Dash draws with inline styles (Plotly and AG Grid insert <style> elements and style attributes);
# its scripts are its own files plus the inline ones whose hashes Dash computes (csp_hashes).
# Plotly.js and AG Grid need no eval (AG Grid's function strings go through its own parser).
_DASH_CSP = (
    "default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def set_session_cookies(response: BaseResponse, settings: Settings, cookie: str) -> None:
    """The session cookie (HttpOnly) and its CSRF token (readable by the page's scripts)."""
    secure = settings.environment == "production"
    max_age = settings.session_max_age_seconds
    response.set_cookie(SESSION_COOKIE, cookie, max_age=max_age, httponly=True, samesite="Lax", secure=secure, path="/")
    key = read_session(settings.secret_key, cookie, max_age)
    assert key is not None
    token = csrf_token(settings.secret_key, key)
    response.set_cookie(CSRF_COOKIE, token, max_age=max_age, httponly=False, samesite="Strict", secure=secure, path="/")


def clear_session_cookies(response: BaseResponse) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")


def install_security(app: Dash) -> None:
    """The CSP on the dashboard's HTML and 503 for a busy database, on the dashboard's server."""
    server: Flask = app.server
    policy: list[str] = []

    @server.after_request
    def content_security_policy(response: Response) -> Response:
        if response.mimetype == "text/html" and "Content-Security-Policy" not in response.headers:
            if not policy:
                # Computed on first use: pages and clientside callbacks are all registered by then.
                policy.append(_DASH_CSP.format(hashes=" ".join(app.csp_hashes())))  # quoted already
            response.headers["Content-Security-Policy"] = policy[0]
        return response

    @server.errorhandler(OperationalError)
    def database_unavailable(exc: OperationalError) -> Response:
        current_app.logger.warning("database unavailable on %s %s: %s", request.method, request.path, exc.orig)
        err = database_busy()
        body = json.dumps(err.body((request.script_root or "") + request.path), ensure_ascii=False)
        return Response(body, status=err.status, mimetype=PROBLEM_JSON, headers=err.headers)
