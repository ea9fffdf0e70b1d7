"""One error hierarchy and one handler: every failure a client can cause becomes an RFC 9457
``application/problem+json`` body, in Chinese first and English beside it, never a bare 500."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core.text import safe_strings

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://yingji.example.cn/problems/"
# An answer lists at most this many problems, with the full count beside them: a body of a few
# megabytes must not turn into an answer of tens of megabytes.
MAX_ERRORS = 1_000
# Text a problem echoes (a value, a field name, a message) is cut to this many characters.
MAX_ECHO = 200
MAX_MESSAGE = 2_000
RETRY_AFTER_SECONDS = 5


def clip(text: str, limit: int = MAX_ECHO) -> str:
    """``text`` cut to ``limit`` characters, saying how long it was."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…（共 {len(text):,} 字符 / {len(text):,} characters）"


@dataclass
class Problem:
    """One thing wrong with a request (one row of an upload, one field of a body)."""

    code: str
    message_zh: str
    message_en: str
    row: int | None = None
    column: str | None = None
    value: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "message_zh": clip(self.message_zh, MAX_MESSAGE),
            "message_en": clip(self.message_en, MAX_MESSAGE),
        }
        if self.row is not None:
            out["row"] = self.row
        if self.column is not None:
            out["column"] = clip(self.column)
        if self.value is not None:
            out["value"] = self.value if isinstance(self.value, int | float | bool) else clip(str(self.value))
        out.update(self.extra)
        # A problem quotes what was sent, which may hold characters JSON, UTF-8 or PostgreSQL cannot
        # carry (NUL, a lone surrogate): shown replaced, so the answer and the log can always be written.
        out = safe_strings(out)
        return out


class AppError(Exception):
    """Base of every error the API answers on purpose."""

    status = 400
    type_slug = "bad-request"
    title_zh = "请求有误"
    title_en = "Bad request"

    def __init__(
        self,
        detail_zh: str,
        detail_en: str,
        *,
        errors: list[Problem] | None = None,
        headers: dict[str, str] | None = None,
        commit: bool = False,
        **extra: Any,
    ) -> None:
        super().__init__(detail_en)
        self.detail_zh = detail_zh
        self.detail_en = detail_en
        self.errors = errors or []
        self.headers = headers or {}
        # Keep the transaction's work although the request fails: a rejected submission is logged
        # (no figure is stored, but the attempt and its problems are on record).
        self.commit = commit
        self.extra = extra

    def body(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": PROBLEM_BASE + self.type_slug,
            "title": f"{self.title_zh} / {self.title_en}",
            "status": self.status,
            "detail": self.detail_zh,
            "detail_en": self.detail_en,
        }
        if instance:
            body["instance"] = instance[:500]  # a path of thousands of characters is not echoed whole
        if self.errors:
            body["errors"] = [e.as_dict() for e in self.errors[:MAX_ERRORS]]
            if len(self.errors) > MAX_ERRORS:
                body["error_count"] = len(self.errors)
                body["errors_truncated"] = True
        body.update(self.extra)
        return body


class NotFound(AppError):
    status = 404
    type_slug = "not-found"
    title_zh = "未找到"
    title_en = "Not found"


class Unauthorized(AppError):
    status = 401
    type_slug = "unauthorized"
    title_zh = "未认证"
    title_en = "Unauthorized"


class Forbidden(AppError):
    status = 403
    type_slug = "forbidden"
    title_zh = "无权访问"
    title_en = "Forbidden"


class MethodNotAllowed(AppError):
    status = 405
    type_slug = "method-not-allowed"
    title_zh = "不支持该请求方法"
    title_en = "Method not allowed"


class Conflict(AppError):
    status = 409
    type_slug = "conflict"
    title_zh = "冲突"
    title_en = "Conflict"


class PreconditionFailed(AppError):
    status = 412
    type_slug = "precondition-failed"
    title_zh = "数据已被修改"
    title_en = "Precondition failed"


class PayloadTooLarge(AppError):
    status = 413
    type_slug = "payload-too-large"
    title_zh = "文件过大"
    title_en = "Payload too large"


class ValidationFailed(AppError):
    status = 422
    type_slug = "validation-error"
    title_zh = "数据校验未通过"
    title_en = "Validation failed"


class ServiceUnavailable(AppError):
    status = 503
    type_slug = "service-unavailable"
    title_zh = "服务暂不可用"
    title_en = "Service unavailable"


class StoredProblem(AppError):
    """A problem answered before and kept (an upload retried with its Idempotency-Key): its body as it was."""

    def __init__(self, status: int, stored: dict[str, Any], *, headers: dict[str, str] | None = None) -> None:
        super().__init__(str(stored.get("detail", "")), str(stored.get("detail_en", "")), headers=headers)
        self.status = status
        self.stored = stored

    def body(self, instance: str | None = None) -> dict[str, Any]:
        return dict(self.stored)


def database_busy() -> ServiceUnavailable:
    """A lock or statement timeout, SQLite's "database is locked", a lost connection: nothing was
    stored, and the same request a little later will most likely pass."""
    return ServiceUnavailable(
        "数据库繁忙，未保存任何数据，请稍后重试",
        "The database is busy; nothing was stored; retry shortly",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


class InternalError(AppError):
    status = 500
    type_slug = "internal-error"
    title_zh = "服务器内部错误"
    title_en = "Internal server error"


def problem_response(err: AppError, request: Request | None = None) -> JSONResponse:
    return JSONResponse(
        safe_strings(err.body(str(request.url.path) if request else None)),
        status_code=err.status,
        headers=err.headers,
        media_type=PROBLEM_JSON,
    )


_HTTP_ERRORS: dict[int, type[AppError]] = {
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    409: Conflict,
    413: PayloadTooLarge,
    422: ValidationFailed,
}


# Pydantic's messages are English; the Chinese side of a request error says the same in Chinese
# for the types a client meets (placeholders come from the error's ``ctx``). Others keep pydantic's
# words after a Chinese lead.
PYDANTIC_ZH: dict[str, str] = {
    "missing": "缺少必填项",
    "extra_forbidden": "不允许的字段（请求中不应有此项）",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数，不能有小数",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "finite_number": "应为有限的数字",
    "decimal_parsing": "应为数字",
    "string_type": "应为文本",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "应不小于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "应不大于 {le}",
    "string_too_short": "过短（至少 {min_length} 个字符）",
    "string_too_long": "过长（最多 {max_length} 个字符）",
    "string_pattern_mismatch": "格式不符",
    "too_short": "项数过少（至少 {min_length} 项）",
    "too_long": "项数过多（最多 {max_length} 项）",
    "literal_error": "应为以下之一：{expected}",
    "enum": "应为以下之一：{expected}",
    "json_invalid": "不是有效的 JSON",
    "json_type": "不是有效的 JSON",
    "model_type": "应为 JSON 对象",
    "model_attributes_type": "应为 JSON 对象",
    "dict_type": "应为 JSON 对象",
    "list_type": "应为列表",
    "date_parsing": "不是有效的日期（应为 YYYY-MM-DD）",
    "date_from_datetime_parsing": "不是有效的日期（应为 YYYY-MM-DD）",
    "date_type": "不是有效的日期（应为 YYYY-MM-DD）",
    "datetime_parsing": "不是有效的时间（应为 ISO 8601）",
    "datetime_from_date_parsing": "不是有效的时间（应为 ISO 8601）",
    "datetime_type": "不是有效的时间（应为 ISO 8601）",
}


def pydantic_message_zh(error: Mapping[str, Any]) -> str:
    """The Chinese message of one pydantic error."""
    template = PYDANTIC_ZH.get(str(error.get("type", "")))
    if template is None:
        return f"不符合要求（{error.get('msg', '')}）"
    try:
        return template.format(**(error.get("ctx") or {}))
    except (KeyError, IndexError):
        return template.split("{")[0].rstrip("：（ ") or template


# Parts pydantic adds to an error's location for the type it tried (``values.x.int``,
# ``function-after[…]``): internals, not the field the client sent.
_TYPE_TAGS = frozenset({"int", "float", "str", "bool", "bytes", "none"})
_TAG_PREFIXES = ("function-", "constrained-", "lax-or-strict", "json-or-python", "is-instance", "union", "tagged-union")


def _validator_tag(part: object) -> bool:
    if not isinstance(part, str):
        return False
    return part in _TYPE_TAGS or "[" in part or part.startswith(_TAG_PREFIXES)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    def _app_error(request: Request, exc: AppError) -> JSONResponse:
        return problem_response(exc, request)

    @app.exception_handler(RequestValidationError)
    def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for e in exc.errors():
            loc = [str(p) for p in e.get("loc", ()) if not _validator_tag(p)]
            field_name = ".".join(loc[1:] if loc and loc[0] in {"body", "query", "path", "header"} else loc)
            problems.append(
                Problem(
                    code=f"request.{e.get('type', 'invalid')}",
                    message_zh=f"字段 {field_name or '(请求)'} 无效：{pydantic_message_zh(e)}",
                    message_en=f"{field_name or '(request)'}: {e.get('msg', '')}",
                    column=field_name or None,
                    value=e.get("input") if isinstance(e.get("input"), str | int | float) else None,
                )
            )
        err = ValidationFailed(
            f"请求有 {len(problems)} 处错误", f"The request has {len(problems)} error(s)", errors=problems
        )
        return problem_response(err, request)

    @app.exception_handler(StarletteHTTPException)
    def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        cls = _HTTP_ERRORS.get(exc.status_code, AppError)
        detail = str(exc.detail)
        if exc.status_code == 400 and detail == "There was an error parsing the body":
            # FastAPI's answer to a body it cannot decode (bytes that are not UTF-8, an integer of
            # thousands of digits): the same 422 as any other invalid request body.
            problem = Problem(
                "request.body_unreadable",
                "请求体无法解析：应为 UTF-8 编码的 JSON（数字不宜过长）",
                "The request body cannot be read: it must be JSON in UTF-8 (with numbers of sane length)",
                column="body",
            )
            return problem_response(
                ValidationFailed("请求有 1 处错误", "The request has 1 error(s)", errors=[problem]), request
            )
        if exc.status_code == 404 and detail == "Not Found":
            err = cls("请求的地址不存在", "No such path", headers=dict(exc.headers or {}))
        elif exc.status_code == 405:
            # Starlette's Allow header (the methods the path does answer) is kept: RFC 9110 asks for it.
            allow = (exc.headers or {}).get("Allow", "")
            err = cls(
                f"{request.url.path} 不支持 {request.method} 方法" + (f"，可用：{allow}" if allow else ""),
                f"{request.url.path} does not answer {request.method}" + (f"; allowed: {allow}" if allow else ""),
                headers=dict(exc.headers or {}),
            )
        else:
            err = cls(detail, detail, headers=dict(exc.headers or {}))
        err.status = exc.status_code
        return problem_response(err, request)

    @app.exception_handler(OperationalError)
    def _database_busy(request: Request, exc: OperationalError) -> JSONResponse:
        # On every route, not only uploads: a read waiting behind a writer must not answer 500.
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc.orig)
        return problem_response(database_busy(), request)

    @app.exception_handler(Exception)
    def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # A bug, not the client's fault: log it whole, answer without internals.
        # exc_info given: the handler runs in a worker thread, outside the except block, where
        # log.exception found no exception and logged "NoneType: None" instead of the traceback.
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        response = problem_response(InternalError("服务器内部错误，已记录", "Internal error, logged"), request)
        # Sent from outside every middleware, the request log's too: add its id here.
        request_id = getattr(request.state, "request_id", None)
        if request_id:
            response.headers["X-Request-ID"] = request_id
        return response
