"""schemathesis over the rest of the API (the upload, report and backfill routes have their own
files): statistics, districts and indicators, review and reminders, accounts, health. Whatever a
client sends, no 5xx, and every answer is the one the schema documents."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from schemathesis import GenerationMode

from tests.schema_helpers import check_conformance, methods_and_paths

# Everything but the routes tested in test_uploads_schema, test_reports_schema, test_backfill_schema.
PATHS = r"^/api/v1/(?!uploads|audit|reports|backfill|districts/[^/]+/months/[^/]+$)"
EXAMPLES = {GenerationMode.POSITIVE: 6, GenerationMode.NEGATIVE: 3}


def test_the_schema_covers_the_rest_of_the_api(api: FastAPI) -> None:
    found = methods_and_paths(api, PATHS)
    for route in (
        ("GET", "/api/v1/stats/totals"),
        ("GET", "/api/v1/reviews"),
        ("POST", "/api/v1/districts/{code}/months/{month}/approve"),
        ("POST", "/api/v1/reminders"),
        ("GET", "/api/v1/districts"),
        ("POST", "/api/v1/users"),
        ("POST", "/api/v1/tokens"),
        ("GET", "/api/v1/health/ready"),
    ):
        assert route in found


@pytest.mark.slow
@pytest.mark.parametrize("mode", list(EXAMPLES), ids=lambda m: m.value)
def test_the_rest_of_the_api_conforms_to_its_schema(api: FastAPI, admin_headers: dict[str, str], mode: Any) -> None:
    check_conformance(api, PATHS, headers=admin_headers, mode=mode, examples=EXAMPLES[mode])


def test_a_reviewers_answers_conform_too(api: FastAPI, headers_for: Any) -> None:
    reviewer = headers_for("reviewer", "110000")
    check_conformance(
        api,
        r"^/api/v1/(reviews|reminders|districts/[^/]+/months/[^/]+/)",
        headers=reviewer,
        mode=GenerationMode.POSITIVE,
        examples=5,
    )
