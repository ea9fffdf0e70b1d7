"""schemathesis against the app's OpenAPI schema, bounded: whatever a client sends to the operations
of a path pattern, no 5xx, and every answer (status, content type, body) is the one the schema
documents. Every example runs inside the test's rolled-back transaction.

schemathesis' own pytest plugin (``from_fixture``) does not run under pytest 9 yet, so the cases are
drawn with ``as_strategy`` and run by hypothesis here.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def operations(api: FastAPI, path_regex: str) -> list[Any]:
    """The operations of the schema whose path matches ``path_regex``."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", api).include(path_regex=path_regex)
    found = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()
        found.append(result.ok())
    return found


def methods_and_paths(api: FastAPI, path_regex: str) -> set[tuple[str, str]]:
    return {(op.method.upper(), op.path) for op in operations(api, path_regex)}


def check_conformance(
    api: FastAPI, path_regex: str, *, headers: dict[str, str], mode: GenerationMode, examples: int
) -> None:
    """``examples`` cases of ``mode`` (valid or invalid requests) per operation, sent with ``headers``."""
    for operation in operations(api, path_regex):
        _run(operation, mode, headers, examples)


def _run(operation: Any, mode: GenerationMode, headers: dict[str, str], examples: int) -> None:
    @given(case=operation.as_strategy(mode))
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        check()
    except Unsatisfiable:
        # An operation no request can get wrong (no parameters, no body) has no invalid examples.
        if mode != GenerationMode.NEGATIVE:
            raise
