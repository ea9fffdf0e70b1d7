"""schemathesis against the OpenAPI schema of the upload, audit and district-month endpoints
(tests/schema_helpers.py): whatever a client sends, no 5xx, and every answer is the one the schema
documents. Bounded (a few valid and a few invalid examples per operation) so that the suite stays fast.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from schemathesis import GenerationMode

from tests.schema_helpers import check_conformance, methods_and_paths

PATHS = r"^/api/v1/(uploads|audit|districts/[^/]+/months/[^/]+$)"
EXAMPLES = {GenerationMode.POSITIVE: 15, GenerationMode.NEGATIVE: 6}


def test_the_schema_covers_the_upload_endpoints(api: FastAPI) -> None:
    assert methods_and_paths(api, PATHS) == {
        ("GET", "/api/v1/uploads/template.xlsx"),
        ("POST", "/api/v1/uploads"),
        ("GET", "/api/v1/uploads"),
        ("GET", "/api/v1/uploads/{id}"),
        ("GET", "/api/v1/audit"),
        ("GET", "/api/v1/districts/{code}/months/{month}"),
        ("PUT", "/api/v1/districts/{code}/months/{month}"),
        ("PATCH", "/api/v1/districts/{code}/months/{month}"),
    }


@pytest.mark.parametrize("mode", list(EXAMPLES), ids=lambda m: m.value)
def test_upload_endpoints_conform_to_their_schema(api: FastAPI, admin_headers: dict[str, str], mode: Any) -> None:
    check_conformance(api, PATHS, headers=admin_headers, mode=mode, examples=EXAMPLES[mode])


def test_staff_answers_conform_too(api: FastAPI, headers_for: Any) -> None:
    # A district staff member meets 403s (other districts, other people's submissions) as well.
    staff = headers_for("staff", "110101")
    mode = GenerationMode.POSITIVE
    check_conformance(api, PATHS, headers=staff, mode=mode, examples=EXAMPLES[mode])
