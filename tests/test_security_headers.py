"""Security headers on every HTML answer (issue 13, point 12). That Dash runs under its policy (no
console error, no refused script) is what the browser tests of the dashboard check, page by page;
Markdown reports that show user text as text: tests/test_reports.py."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.conftest import create_user

PASSWORD = "headers-pass-2021"


def signed_in(client: TestClient, session: Session) -> None:
    create_user(session, name="hdr_leader", role="viewer", districts=("110000", "120000"), password=PASSWORD)
    r = client.post("/dashboard/login", data={"username": "hdr_leader", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303


def directives(policy: str) -> dict[str, list[str]]:
    out = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        out[name] = sources
    return out


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard/login",
        "/dashboard/",
        "/dashboard/districts",
        "/dashboard/no-such-page",
        "/docs",
        "/redoc",
        # A district-year with data (one without is a 404 problem, report.no_data).
        "/api/v1/reports/annual?district=120102&year=2021&format=html",
        "/api/v1/reports/bulletin?district=120000&period=2025-Q1&format=html",
    ],
)
def test_every_html_answer_carries_the_headers(client: TestClient, session: Session, path: str) -> None:
    signed_in(client, session)
    r = client.get(path)
    assert r.headers["content-type"].startswith("text/html"), (path, r.status_code)
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"
    csp = directives(r.headers["content-security-policy"])
    assert csp["frame-ancestors"] == ["'none'"]
    scripts = csp.get("script-src", csp.get("default-src", []))
    assert "'unsafe-eval'" not in scripts
    if path.startswith("/dashboard"):
        # Dash's inline scripts are allowed by their hashes, not by 'unsafe-inline'.
        assert "'unsafe-inline'" not in scripts and any(s.startswith("'sha256-") for s in scripts)
        assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'self'"]


def test_json_answers_are_not_sniffed(client: TestClient) -> None:
    r = client.get("/api/v1/health")
    assert r.headers["x-content-type-options"] == "nosniff" and "content-security-policy" not in r.headers
