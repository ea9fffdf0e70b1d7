"""Bounds on every request before the application sees it: the size of its body (413), the length
of its path segments and query parameters and the characters in them (422), and text that no
database stores (NUL, lone surrogates) in JSON bodies (422).

One pure ASGI middleware in front of the API and the dashboard alike. A body over its limit is
refused by its Content-Length before a byte is read, and a body without one (chunked) as soon as
the bytes counted pass the limit, so no request makes the server hold more than its limit.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.config import Settings
from app.core.errors import PROBLEM_JSON, AppError, PayloadTooLarge, Problem, ValidationFailed, clip

UPLOAD_PATH = "/api/v1/uploads"
# Routes that take a file (a published report to read back, app/backfill): the upload's limit.
FILE_PATHS = (UPLOAD_PATH, "/api/v1/backfill/extract")
DASH_CALLBACK = "/_dash-update-component"
# Multipart framing around a file: a few hundred bytes; anything much larger is refused unread.
MULTIPART_MARGIN = 64 * 1024
MAX_QUERY_PARAMS = 100
# Text no column may hold: NUL (PostgreSQL refuses it) and C0 controls in a path or query.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# JSON that may decode to a NUL or a lone surrogate: the escape \u0000, an escaped surrogate, or
# a surrogate encoded as UTF-8 bytes (json.loads decodes bytes with "surrogatepass"), or NUL
# bytes (a body in UTF-16). Only a body that matches is decoded to look closer.
_SUSPECT_JSON = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])|\xed[\xa0-\xbf]|\x00")


class _BodyTooLarge(Exception):
    """Raised into the application's receive() once the body passes its limit."""


def file_too_large(limit: int) -> PayloadTooLarge:
    mb = f"{limit / (1024 * 1024):g}"
    return PayloadTooLarge(
        f"文件超过 {mb} MB，请拆分后上传", f"The file is larger than {mb} MB; split it", limit_bytes=limit
    )


def body_too_large(limit: int) -> PayloadTooLarge:
    mb = f"{limit / (1024 * 1024):g}"
    return PayloadTooLarge(f"请求体超过 {mb} MB", f"The request body is larger than {mb} MB", limit_bytes=limit)


@dataclass(frozen=True)
class BodyLimit:
    limit: int
    # What the 413 states: the file limit for uploads (the margin is for multipart framing).
    stated: int
    is_file: bool = False

    def error(self) -> PayloadTooLarge:
        return file_too_large(self.stated) if self.is_file else body_too_large(self.stated)


def body_limit(settings: Settings, method: str, path: str) -> BodyLimit:
    """The largest body a request may carry: files for uploads, the dashboard's callbacks (which
    send back the rows of its grid), and everything else (JSON bodies, sign-in forms)."""
    if method == "POST" and path.rstrip("/") in FILE_PATHS:
        return BodyLimit(settings.max_upload_bytes + MULTIPART_MARGIN, settings.max_upload_bytes, is_file=True)
    if path.endswith(DASH_CALLBACK):
        return BodyLimit(settings.max_dashboard_body_bytes, settings.max_dashboard_body_bytes)
    return BodyLimit(settings.max_json_body_bytes, settings.max_json_body_bytes)


def parameter_problem(scope: Scope, max_length: int) -> AppError | None:
    """A path segment or query parameter that is too long, too many parameters, or control
    characters in them: 422 before any lookup (a "did you mean" over 12,000 digits took 20 s)."""
    problems: list[Problem] = []
    for segment in str(scope.get("path", "")).split("/"):
        if len(segment) > max_length:
            problems.append(_too_long("path", segment, max_length))
        elif _CONTROL.search(segment):
            problems.append(_control("path", segment))
    raw = bytes(scope.get("query_string", b""))
    if len(raw) > max_length * MAX_QUERY_PARAMS:
        problems.append(_too_long("query", raw.decode("latin-1"), max_length * MAX_QUERY_PARAMS))
    else:
        pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="replace")
        if len(pairs) > MAX_QUERY_PARAMS:
            problems.append(
                Problem(
                    "request.too_many_parameters",
                    f"查询参数过多（最多 {MAX_QUERY_PARAMS} 个）",
                    f"Too many query parameters (at most {MAX_QUERY_PARAMS})",
                    column="query",
                )
            )
        for name, value in pairs[:MAX_QUERY_PARAMS]:
            for text in (name, value):
                if len(text) > max_length:
                    problems.append(_too_long(clip(name, 40), text, max_length))
                elif _CONTROL.search(text):
                    problems.append(_control(clip(name, 40), text))
    if not problems:
        return None
    return ValidationFailed(
        f"请求有 {len(problems)} 处错误", f"The request has {len(problems)} error(s)", errors=problems[:20]
    )


def _too_long(where: str, text: str, limit: int) -> Problem:
    return Problem(
        "request.parameter_too_long",
        f"参数 {where} 过长（{len(text):,} 个字符，最多 {limit} 个）",
        f"{where}: too long ({len(text):,} characters; at most {limit})",
        column=where,
        value=clip(text, 40),
    )


def _control(where: str, text: str) -> Problem:
    return Problem(
        "request.invalid_character",
        f"参数 {where} 含有控制字符（如 NUL、换行）",
        f"{where}: holds control characters (NUL, line breaks …)",
        column=where,
        value=_CONTROL.sub("\ufffd", clip(text, 40)),
    )


def json_text_problem(body: bytes) -> AppError | None:
    """A JSON body whose text holds NUL or a lone surrogate (no database column takes them; a lone
    surrogate cannot even be written back in an answer). Bodies that are no JSON at all are left
    to the application, which says so in its own words."""
    if not _SUSPECT_JSON.search(body):
        return None
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return None
    bad = next((text for text in _strings(document) if not _storable(text)), None)
    if bad is None:
        return None
    problem = Problem(
        "text.control_characters",
        "文本含有不允许的字符（NUL 或孤立的 UTF-16 代理字符）",
        "Text holds characters that cannot be stored (NUL or a lone UTF-16 surrogate)",
        column="body",
        value=bad.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\u0000"),
    )
    return ValidationFailed("请求有 1 处错误", "The request has 1 error(s)", errors=[problem])


def _strings(node: Any) -> Iterator[str]:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            media: bytes = value.split(b";", 1)[0].strip().lower()
            return media == b"application/json" or media.endswith(b"+json")
    return False


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


async def send_problem(send: Send, err: AppError, path: str) -> None:
    body = json.dumps(err.body(path), ensure_ascii=False).encode()
    headers = [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in err.headers.items()]
    if err.status == 413:
        # The rest of the body is not read: say so, so that no client sends it on this connection.
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": err.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class RequestLimits:
    """The ASGI middleware applying the bounds above (settings: ``MAX_JSON_BODY_BYTES``,
    ``MAX_UPLOAD_BYTES``, ``MAX_DASHBOARD_BODY_BYTES``, ``MAX_PARAMETER_LENGTH``)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("root_path", "")) + str(scope.get("path", ""))
        problem = parameter_problem(scope, self.settings.max_parameter_length)
        if problem is not None:
            await send_problem(send, problem, path)
            return
        limit = body_limit(self.settings, scope["method"], scope["path"])
        length = _content_length(scope)
        if length is not None and length > limit.limit:
            await send_problem(send, limit.error(), path)
            return
        if _is_json(scope):
            await self._json(scope, receive, send, limit, path)
        else:
            await self._streamed(scope, receive, send, limit, path)

    async def _json(self, scope: Scope, receive: Receive, send: Send, limit: BodyLimit, path: str) -> None:
        """JSON bodies are read here (the application would read them whole anyway) and looked at."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit.limit:
                await send_problem(send, limit.error(), path)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        problem = json_text_problem(body)
        if problem is not None:
            await send_problem(send, problem, path)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _streamed(self, scope: Scope, receive: Receive, send: Send, limit: BodyLimit, path: str) -> None:
        """Other bodies (multipart files, forms) pass through, counted: past the limit the
        application's read fails, whatever it answers then is dropped, and the client gets 413."""
        received = 0
        exceeded = False
        started = False

        async def counting() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit.limit:
                    exceeded = True
                    raise _BodyTooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if exceeded:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting, watched)
        except Exception:
            if not exceeded:
                raise
        if exceeded and not started:
            await send_problem(send, limit.error(), path)
