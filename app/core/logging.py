"""Logs as JSON lines on stderr, configured once per process; the request log and its X-Request-ID.

Three events carry fields of their own, under fixed names a log pipeline can rely on:
``http_request`` (logger ``yingji.http``, one per HTTP request, written by ``RequestLog``),
``upload`` (``yingji.uploads``) and ``sign_in`` (``yingji.auth``). Everything else that logs
(uvicorn, alembic, a traceback from the error handler) comes out in the same JSON shape.

The standard library's logging with a small formatter, not structlog or python-json-logger: the
events are three, ``log_event`` is their whole API, every other library's records pass through the
same handler untouched, and pytest's ``caplog`` sees the fields on the records as they are.

Nothing here logs a password, a token, a cookie, a query string or a request body: the request
line names the route's template (``/api/v1/districts/{code}/months/{month}``), not the path.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.routing import Mount

from app.core.metrics import HTTP_LATENCY, HTTP_REQUESTS

HTTP_LOG = logging.getLogger("yingji.http")
REQUEST_ID_HEADER = "X-Request-ID"
# An incoming id is kept when it is short and plain (a UUID, a proxy's trace id), else replaced:
# it goes into every log line of the request and back into the response header.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:+=/-]{0,127}")
# The request being served, for every line logged while serving it (an upload, a sign-in).
request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
# Marks the handler configure_logging installs, so that a second call replaces it and leaves
# handlers of others (pytest's capture) alone.
_OURS = "_yingji_json"
# uvicorn logs each request too (ours has the route, the user and the request id); alembic tells
# its dialect on every schema check, which the health check makes on each call.
_QUIET = {"uvicorn.access": logging.WARNING, "alembic": logging.WARNING}

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, the request id if any, then the
    event's fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str = "INFO") -> None:
    """Send every log record of the process to stderr as JSON at ``level`` (LOG_LEVEL). Calling it
    again (one app factory per test) replaces our handler instead of adding a second one."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _OURS, False)]:
        root.removeHandler(handler)
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    setattr(handler, _OURS, True)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # uvicorn configures its own loggers with plain-text handlers unless told not to; let their
    # records reach ours instead.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    for name, quiet in _QUIET.items():
        logging.getLogger(name).setLevel(quiet)


def log_event(logger: logging.Logger, event: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log ``event`` with ``fields`` as top-level keys of its JSON line (and as ``record.fields``)."""
    logger.log(level, event, extra={"fields": {"event": event, **fields}})


def incoming_request_id(value: str | None) -> str:
    """The client's X-Request-ID when it is sane, otherwise a new one."""
    if value and _SANE_REQUEST_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


def route_template(scope: Scope) -> str | None:
    """The template of the route that answered (``/api/v1/uploads/{id}``); None when none matched
    (a 404). An app mounted inside (the dashboard) may say which of its own routes answered, in the
    request state's ``route``; otherwise a mount is ``/dashboard/{path}``."""
    state = scope.get("state") or {}
    if state.get("route"):
        return str(state["route"])
    route = scope.get("route")
    template: str | None = getattr(route, "path_format", None)
    if route is None or template is None or isinstance(route, Mount):
        return template
    # FastAPI may keep an included router's routes relative to its prefix (a route of
    # APIRouter(prefix="/api/v1") knows itself as /districts/{code}): the prefix is the part of the
    # path before where the route's own pattern matches.
    path = str(scope.get("path", ""))
    regex: re.Pattern[str] | None = getattr(route, "path_regex", None)
    if regex is not None and not regex.match(path):
        tail = re.search(regex.pattern.removeprefix("^"), path)
        if tail is not None:
            return path[: tail.start()] + template
    return template


class RequestLog:
    """ASGI middleware: gives each HTTP request an id (sent back as X-Request-ID) and logs one line
    when it is answered. Inner layers add what only they know to the request state: ``user`` (the
    authenticated name) and, for apps mounted inside, ``route``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        request_id = incoming_request_id(headers.get(b"x-request-id", b"").decode("latin-1") or None)
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        # Not reset afterwards: each request runs in a context of its own, and the error handler
        # outside this middleware (a 500) still logs under the request's id.
        request_id_var.set(request_id)
        status = 500  # what the server answers when the app raises before answering
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *[(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"],
                    (b"x-request-id", request_id.encode("latin-1")),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            # Unmatched paths (404s of scanners) share one label: a label per path would grow without bound.
            route = route_template(scope)
            method = str(scope.get("method"))
            HTTP_REQUESTS.labels(method=method, route=route or "(unmatched)", status=str(status)).inc()
            HTTP_LATENCY.labels(method=method, route=route or "(unmatched)").observe(elapsed)
            log_event(
                HTTP_LOG,
                "http_request",
                request_id=request_id,
                user=state.get("user"),
                method=scope.get("method"),
                route=route,
                status=status,
                duration_ms=round(elapsed * 1000, 1),
            )
