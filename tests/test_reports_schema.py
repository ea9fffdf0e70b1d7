"""schemathesis against the OpenAPI schema of the report endpoints (tests/schema_helpers.py): whatever
a client sends, no 5xx, and every answer is the one the schema documents."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from schemathesis import GenerationMode

from tests.schema_helpers import check_conformance, methods_and_paths

PATHS = r"^/api/v1/reports"
EXAMPLES = {GenerationMode.POSITIVE: 10, GenerationMode.NEGATIVE: 5}


def test_the_schema_covers_the_report_endpoints(api: FastAPI) -> None:
    assert methods_and_paths(api, PATHS) == {
        ("GET", "/api/v1/reports/annual"),
        ("GET", "/api/v1/reports/annual/children"),
        ("GET", "/api/v1/reports/bulletin"),
        ("POST", "/api/v1/reports"),
        ("GET", "/api/v1/reports"),
        ("GET", "/api/v1/reports/{edition_id}"),
    }


@pytest.mark.parametrize("mode", list(EXAMPLES), ids=lambda m: m.value)
def test_report_endpoints_conform_to_their_schema(api: FastAPI, admin_headers: dict[str, str], mode: Any) -> None:
    check_conformance(api, PATHS, headers=admin_headers, mode=mode, examples=EXAMPLES[mode])


def test_a_viewers_answers_conform_too(api: FastAPI, headers_for: Any) -> None:
    viewer = headers_for("viewer", "120102")
    mode = GenerationMode.POSITIVE
    check_conformance(api, PATHS, headers=viewer, mode=mode, examples=EXAMPLES[mode])
