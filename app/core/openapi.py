"""How the OpenAPI document describes error answers: the RFC 9457 problem body, by status."""

from __future__ import annotations

from typing import Any

# The RFC 9457 body every error answers with (app/core/errors.py), written out as a schema so that
# the OpenAPI document states it (and schemathesis checks it) under application/problem+json.
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "ProblemDetails",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "detail_en": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["code", "message_zh", "message_en"],
                "properties": {
                    "code": {"type": "string"},
                    "message_zh": {"type": "string"},
                    "message_en": {"type": "string"},
                    "row": {"type": "integer"},
                    "column": {"type": "string"},
                    "sheet": {"type": "string"},
                    "cell": {"type": "string"},
                },
            },
        },
        "error_count": {"type": "integer"},
        "errors_truncated": {"type": "boolean"},
        "submission_id": {"type": ["integer", "null"]},
    },
}


def problem_responses(descriptions: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries whose body is a problem document."""
    return {
        status: {"description": text, "content": {"application/problem+json": {"schema": PROBLEM_SCHEMA}}}
        for status, text in descriptions.items()
    }


def problems_everywhere(schema: dict[str, Any]) -> dict[str, Any]:
    """Every error answer of every operation documented as what the app sends: a problem document
    (application/problem+json), including the 422 FastAPI adds for parameters by itself (which it
    documents as its own JSON shape) — so that the document tells clients, and schemathesis checks,
    the truth. Changes ``schema`` in place and returns it."""
    content = {"application/problem+json": {"schema": PROBLEM_SCHEMA}}
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            if not isinstance(operation, dict):
                continue
            for status, response in operation.get("responses", {}).items():
                if str(status)[:1] in ("4", "5"):
                    response["content"] = content
    # FastAPI's own validation-error models are no longer referred to.
    components = schema.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    return schema


def install(app: Any) -> None:
    """Make ``app`` serve its OpenAPI document with ``problems_everywhere`` applied (built once)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = problems_everywhere(build())
        built: dict[str, Any] = app.openapi_schema
        return built

    app.openapi = openapi
