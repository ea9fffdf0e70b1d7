"""schemathesis against the OpenAPI schema of the upload, audit and district-month endpoints: whatever
a client sends, no 5xx, and every answer (status, content type, body) is the one the schema documents.

Bounded (a few valid and a few invalid examples per operation) so that the suite stays fast; every
example runs inside the test's rolled-back transaction. (schemathesis' own pytest plugin,
``from_fixture``, does not run under pytest 9 yet, so the cases are drawn with ``as_strategy``.)
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

PATHS = r"^/api/v1/(uploads|audit|districts/[^/]+/months)"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = {GenerationMode.POSITIVE: 15, GenerationMode.NEGATIVE: 6}


def _operations(api: FastAPI) -> list[Any]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", api).include(path_regex=PATHS)
    return [result.ok() for result in schema.get_all_operations()]


def _run(operation: Any, mode: GenerationMode, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy(mode))
    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    check()


def test_the_schema_covers_the_upload_endpoints(api: FastAPI) -> None:
    found = {(op.method.upper(), op.path) for op in _operations(api)}
    assert found == {
        ("GET", "/api/v1/uploads/template.xlsx"),
        ("POST", "/api/v1/uploads"),
        ("GET", "/api/v1/uploads"),
        ("GET", "/api/v1/uploads/{id}"),
        ("GET", "/api/v1/audit"),
        ("GET", "/api/v1/districts/{code}/months/{month}"),
        ("PUT", "/api/v1/districts/{code}/months/{month}"),
    }


@pytest.mark.parametrize("mode", list(EXAMPLES), ids=lambda m: m.value)
def test_upload_endpoints_conform_to_their_schema(api: FastAPI, admin_headers: dict[str, str], mode: Any) -> None:
    for operation in _operations(api):
        _run(operation, mode, admin_headers)


def test_staff_answers_conform_too(api: FastAPI, headers_for: Any) -> None:
    # A district staff member meets 403s (other districts, other people's submissions) as well.
    staff = headers_for("staff", "110101")
    for operation in _operations(api):
        _run(operation, GenerationMode.POSITIVE, staff)
