"""schemathesis against the OpenAPI schema of the backfill endpoint: whatever a client sends, no
5xx, and every answer (status, content type, body) is the one the schema documents. Bounded, as
in test_uploads_schema.py."""

from __future__ import annotations

from typing import Any, cast

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

PATHS = r"^/api/v1/backfill"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = {GenerationMode.POSITIVE: 15, GenerationMode.NEGATIVE: 8}


def _operations(api: FastAPI) -> list[Any]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", api).include(path_regex=PATHS)
    # An invalid schema would raise here (Err.ok() raises), failing the test as it should.
    return [cast(Any, result).ok() for result in schema.get_all_operations()]


def test_the_schema_covers_the_backfill_endpoint(api: FastAPI) -> None:
    assert {(op.method.upper(), op.path) for op in _operations(api)} == {
        ("POST", "/api/v1/backfill/extract"),
        ("POST", "/api/v1/backfill/accept"),
    }


@pytest.mark.parametrize("mode", list(EXAMPLES), ids=lambda m: m.value)
def test_backfill_conforms_to_its_schema(api: FastAPI, headers_for: Any, mode: Any) -> None:
    headers = headers_for("viewer", "120000")
    for operation in _operations(api):

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
