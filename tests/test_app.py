"""The one-process app: health, OpenAPI docs, the mounted dashboard, problem+json errors."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.conftest import HeadersFor


def test_health_reports_the_database(client: TestClient) -> None:
    r = client.get("/api/v1/health/ready")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["database"]["revision"] == body["database"]["head"]
    assert body["database"]["districts"] >= 2800


def test_docs_and_openapi_are_served(client: TestClient) -> None:
    import re

    docs = client.get("/docs")
    assert docs.status_code == 200
    # Offline: every script and stylesheet of the docs page comes from this server.
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', docs.text)
    assert assets and all(a.startswith("/") for a in assets), assets
    assert all(client.get(a).status_code == 200 for a in assets)
    spec = client.get("/openapi.json").json()
    assert "/api/v1/health" in spec["paths"]


def test_dashboard_is_mounted_behind_sign_in(client: TestClient, session: Session) -> None:
    from tests.conftest import create_user

    assert client.get("/dashboard/", follow_redirects=False).status_code == 302
    create_user(session, name="mounted_viewer", role="viewer", districts=("120000",), password="viewer-pass-1")
    client.post("/dashboard/login", data={"username": "mounted_viewer", "password": "viewer-pass-1"})
    r = client.get("/dashboard/")
    assert r.status_code == 200
    assert "总览" in r.text  # the page title
    layout = client.get("/dashboard/_dash-layout")
    assert layout.status_code == 200
    assert client.get("/dashboard", follow_redirects=False).status_code in (301, 302, 307, 308)


def test_unknown_path_is_a_problem_json_404(client: TestClient) -> None:
    r = client.get("/api/v1/no-such-thing")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == 404
    assert "/" in body["title"]  # Chinese / English


def test_health_answers_503_when_the_database_is_gone(tmp_path: Path) -> None:
    from app.core.config import Settings
    from app.core.db import Database
    from app.main import create_app

    # A directory is no SQLite database: the connection fails, the check must say so.
    broken = Database(f"sqlite:///{tmp_path.as_posix()}")
    app = create_app(Settings(database_url=broken.url, environment="test"), broken)
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/api/v1/health/ready")
        live = c.get("/api/v1/health")
    assert r.status_code == 503
    assert r.json()["database"]["status"] == "unreachable"
    # Liveness does not depend on the database: a database outage must not make a supervisor
    # restart every process in a loop.
    assert live.status_code == 200 and live.json()["status"] == "ok"


def test_wrong_method_is_a_problem_json_405_with_allow(client: TestClient, headers_for) -> None:  # type: ignore[no-untyped-def]
    # Credentials come first for a method that may carry a body (app.auth.gate): the 405 of a
    # protected path is for those who may use it.
    viewer = headers_for("viewer", "120000")
    for method, path, headers in (("POST", "/api/v1/health", {}), ("DELETE", "/api/v1/me", viewer)):
        r = client.request(method, path, headers=headers)
        assert r.status_code == 405, (method, path, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.headers["allow"] == "GET"
        body = r.json()
        assert body["type"].endswith("/method-not-allowed") and body["status"] == 405
        assert body["title"] == "不支持该请求方法 / Method not allowed"
        assert method in body["detail"] and "GET" in body["detail"] and method in body["detail_en"]


def test_request_errors_are_written_in_chinese_too(client: TestClient, headers_for: HeadersFor) -> None:
    """Pydantic's English messages get a Chinese counterpart, not an English text under message_zh."""
    staff = headers_for("staff", "110101")
    r = client.put(
        "/api/v1/districts/110101/months/2024-03",
        json={"values": {"drill.drills": 1}, "author": "me"},
        headers=staff,
    )
    assert r.status_code == 422
    errors = r.json()["errors"]
    extra = next(e for e in errors if e["code"] == "request.extra_forbidden")
    assert extra["message_zh"] == "字段 author 无效：不允许的字段（请求中不应有此项）"
    assert "Extra inputs are not permitted" in extra["message_en"]
    r = client.get("/api/v1/stats/totals", params={"district": "120102"}, headers=staff)
    missing = next(e for e in r.json()["errors"] if e["code"] == "request.missing")
    assert missing["message_zh"] == "字段 year 无效：缺少必填项"
    r = client.get("/api/v1/stats/totals", params={"district": "120102", "year": "x"}, headers=staff)
    assert "应为整数" in r.json()["errors"][0]["message_zh"]
    r = client.get("/api/v1/stats/totals", params={"district": "120102", "year": 2021, "month_to": 13}, headers=staff)
    assert "应不大于 12" in r.json()["errors"][0]["message_zh"]


def test_a_body_that_cannot_be_decoded_is_a_422(client: TestClient, headers_for: HeadersFor) -> None:
    staff = headers_for("staff", "110101")
    url = "/api/v1/districts/110101/months/2024-03"
    for body in (b"\xff\xfe{", b'{"values": {"drill.drills": ' + b"9" * 5000 + b"}}"):
        r = client.put(url, content=body, headers={**staff, "Content-Type": "application/json"})
        assert r.status_code == 422, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["errors"][0]["code"] == "request.body_unreadable"
