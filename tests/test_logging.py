"""Structured logs (app.core.logging): one JSON line per HTTP request, per upload and per sign-in
attempt, with the fields an operator searches by, and never a password, a token or a cookie."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.core.logging import JsonFormatter, configure_logging, incoming_request_id, log_event
from tests.conftest import bearer, create_user
from tests.upload_helpers import CLEAN, FULL_MONTH, csv_bytes, label, long_rows, months_ago, upload

PASSWORD = "correct-horse-battery"
HEX_ID = re.compile(r"[0-9a-f]{32}")


class Lines(list[dict[str, Any]]):
    """The JSON lines logged during a test, as the formatter writes them, parsed back."""

    def events(self, event: str) -> list[dict[str, Any]]:
        return [line for line in self if line.get("event") == event]

    def text(self) -> str:
        return "\n".join(json.dumps(line, ensure_ascii=False) for line in self)


@pytest.fixture
def log_lines() -> Iterator[Lines]:
    lines = Lines()
    formatter = JsonFormatter()

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(json.loads(formatter.format(record)))

    handler = Collect(logging.DEBUG)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield lines
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


# ----------------------------------------------------------------------------- the format


def test_an_event_is_one_json_line_with_its_fields_on_top(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    log_event(logging.getLogger("yingji.test"), "thing", answer=42, name="河东区")
    (record,) = [r for r in caplog.records if r.name == "yingji.test"]
    # log_event passes the fields as logging's extra=, which sets attributes LogRecord's stub cannot know.
    assert record.fields == {"event": "thing", "answer": 42, "name": "河东区"}  # type: ignore[attr-defined]
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "INFO" and entry["logger"] == "yingji.test" and entry["message"] == "thing"
    assert entry["event"] == "thing" and entry["answer"] == 42 and entry["name"] == "河东区"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", entry["time"])


def test_configuring_twice_keeps_one_handler_and_leaves_others_alone() -> None:
    root = logging.getLogger()
    before = [h for h in root.handlers if not isinstance(h.formatter, JsonFormatter)]
    level = root.level
    try:
        configure_logging("warning")
        configure_logging("DEBUG")
        ours = [h for h in root.handlers if isinstance(h.formatter, JsonFormatter)]
        assert len(ours) == 1
        assert [h for h in root.handlers if not isinstance(h.formatter, JsonFormatter)] == before
        assert root.level == logging.DEBUG
        assert logging.getLogger("uvicorn.error").handlers == [] and logging.getLogger("uvicorn.error").propagate
    finally:
        configure_logging(logging.getLevelName(level))


@pytest.mark.parametrize(
    ("incoming", "kept"),
    [
        ("5f0c2c9e-8d1a-4c1e-9a59-3f1f6b9f2a10", True),
        ("Root=1-67891233-abcdef012345678912345678", True),
        ("req_42.a:b", True),
        ("", False),
        ("x" * 129, False),
        ("has space", False),
        ('"><script>', False),
        ("line\nbreak", False),
    ],
)
def test_an_incoming_request_id_is_kept_only_when_sane(incoming: str, kept: bool) -> None:
    result = incoming_request_id(incoming)
    assert (result == incoming) is kept
    if not kept:
        assert HEX_ID.fullmatch(result)


# ----------------------------------------------------------------------------- HTTP requests


def test_each_request_logs_one_line_with_its_route_template_and_user(
    client: TestClient, session: Session, log_lines: Lines
) -> None:
    user = create_user(session, name="log_staff", role="staff", districts=("120102",))
    headers = bearer(session, user)
    r = client.get("/api/v1/districts/120102/months/2021-03", headers={**headers, "X-Request-ID": "trace-0001"})
    assert r.status_code == 200
    assert r.headers["x-request-id"] == "trace-0001"
    (line,) = log_lines.events("http_request")
    assert line["logger"] == "yingji.http"
    assert line["request_id"] == "trace-0001"
    assert line["user"] == "log_staff"
    assert line["method"] == "GET"
    assert line["route"] == "/api/v1/districts/{code}/months/{month}"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], int | float) and line["duration_ms"] >= 0
    assert "120102" not in json.dumps(line)  # the template, not the path
    # Never the credentials.
    assert headers["Authorization"].removeprefix("Bearer ") not in log_lines.text()


def test_a_request_without_a_sane_id_gets_one_and_strangers_have_no_user(client: TestClient, log_lines: Lines) -> None:
    r = client.get("/api/v1/stats/totals", params={"district": "120102", "year": 2021}, headers={"X-Request-ID": "a b"})
    assert r.status_code == 401
    request_id = r.headers["x-request-id"]
    assert HEX_ID.fullmatch(request_id)
    (line,) = log_lines.events("http_request")
    assert line["request_id"] == request_id and line["user"] is None and line["status"] == 401
    assert line["route"] == "/api/v1/stats/totals"


def test_an_unknown_path_logs_no_route(client: TestClient, log_lines: Lines) -> None:
    r = client.get("/api/v1/no/such/thing")
    assert r.status_code == 404 and "x-request-id" in r.headers
    (line,) = log_lines.events("http_request")
    assert line["route"] is None and line["status"] == 404


def test_an_unexpected_error_is_a_500_that_still_carries_the_request_id(
    client: TestClient, session: Session, log_lines: Lines, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.indicators import service

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(service, "get_all", broken)  # the views call service.get_all
    headers = bearer(session, create_user(session, role="admin"))
    r = client.get("/api/v1/indicators", headers={**headers, "X-Request-ID": "trace-500"})
    assert r.status_code == 500
    assert r.headers["x-request-id"] == "trace-500"
    (line,) = log_lines.events("http_request")
    assert line["status"] == 500 and line["request_id"] == "trace-500"
    traceback = [entry for entry in log_lines if "exception" in entry]
    assert traceback and traceback[0]["request_id"] == "trace-500" and "boom" in traceback[0]["exception"]


def test_dashboard_requests_log_the_flask_rule_and_the_signed_in_user(
    client: TestClient, session: Session, log_lines: Lines
) -> None:
    create_user(session, name="log_leader", role="viewer", districts=("120000",), password=PASSWORD)
    client.get("/dashboard/login")
    r = client.post(
        "/dashboard/login",
        data={"username": "log_leader", "password": PASSWORD, "next": "/dashboard/"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    cookie = r.cookies.get("yj_session") or next(iter(client.cookies.values()))
    assert client.get("/dashboard/_dash-layout").status_code == 200
    lines = log_lines.events("http_request")
    assert [(line["method"], line["route"], line["status"]) for line in lines] == [
        ("GET", "/dashboard/login", 200),
        ("POST", "/dashboard/login", 303),
        ("GET", "/dashboard/_dash-layout", 200),
    ]
    assert lines[-1]["user"] == "log_leader"
    text = log_lines.text()
    assert PASSWORD not in text and cookie not in text


# ----------------------------------------------------------------------------- uploads


def _staff(session: Session) -> dict[str, str]:
    return bearer(session, create_user(session, name="log_uploader", role="staff", districts=(CLEAN,)))


def test_an_upload_logs_what_it_did(client: TestClient, session: Session, log_lines: Lines) -> None:
    month = months_ago(2)
    content = csv_bytes(long_rows(CLEAN, month, FULL_MONTH))
    r = upload(client, _staff(session), content, "一月.csv")
    assert r.status_code == 201, r.text
    (line,) = log_lines.events("upload")
    assert line["logger"] == "yingji.uploads"
    assert line["request_id"] == r.headers["x-request-id"]
    assert line["submission_id"] == r.json()["submission_id"]
    assert line["user"] == "log_uploader"
    assert line["file_name"] == "一月.csv" and line["format"] == "csv" and line["dry_run"] is False
    assert line["status"] == 201 and line["rows"] == len(FULL_MONTH)
    assert (line["created"], line["updated"], line["removed"]) == (len(FULL_MONTH), 0, 0)
    assert (line["errors"], line["warnings"]) == (0, len(r.json()["warnings"]))


def test_a_rejected_and_a_dry_run_upload_log_their_counts(
    client: TestClient, session: Session, log_lines: Lines
) -> None:
    headers = _staff(session)
    month = label(months_ago(2))
    bad = csv_bytes([(CLEAN, month, "inspection.enterprises", "-1"), (CLEAN, month, "no.such", "3")])
    assert upload(client, headers, bad).status_code == 422
    good = csv_bytes(long_rows(CLEAN, months_ago(2), FULL_MONTH))
    assert upload(client, headers, good, dry_run=True).status_code == 200
    rejected, dry = log_lines.events("upload")
    assert rejected["status"] == 422 and rejected["errors"] >= 2 and rejected["created"] == 0
    assert dry["status"] == 200 and dry["dry_run"] is True and dry["created"] == len(FULL_MONTH)


def test_an_upload_refused_outright_is_logged_too(client: TestClient, session: Session, log_lines: Lines) -> None:
    viewer = bearer(session, create_user(session, name="log_viewer", role="viewer", districts=(CLEAN,)))
    content = csv_bytes(long_rows(CLEAN, months_ago(2), FULL_MONTH))
    assert upload(client, viewer, content).status_code == 403
    (line,) = log_lines.events("upload")
    assert line["user"] == "log_viewer" and line["status"] == 403 and line["problem"] == "forbidden"


# ----------------------------------------------------------------------------- sign-in


def test_each_sign_in_attempt_logs_its_outcome_never_the_password(
    client: TestClient, session: Session, log_lines: Lines
) -> None:
    create_user(session, name="log_signer", role="viewer", districts=("120000",), password=PASSWORD)
    attempts = [("log_signer", "wrong-password-1"), ("nobody_here", PASSWORD), ("log_signer", PASSWORD)]
    for name, password in attempts:
        client.post(
            "/dashboard/login",
            data={"username": name, "password": password, "next": "/dashboard/"},
            follow_redirects=False,
        )
    lines = log_lines.events("sign_in")
    assert [(line["user"], line["outcome"]) for line in lines] == [
        ("log_signer", "wrong_password"),
        ("nobody_here", "unknown_user"),
        ("log_signer", "success"),
    ]
    assert all(line["client"] == "testclient" and line["logger"] == "yingji.auth" for line in lines)
    assert [line["level"] for line in lines] == ["WARNING", "WARNING", "INFO"]
    requests = log_lines.events("http_request")
    assert [line["request_id"] for line in lines] == [line["request_id"] for line in requests]
    text = log_lines.text()
    assert PASSWORD not in text and "wrong-password-1" not in text


def test_the_standalone_dashboard_logs_its_flask_rules(log_lines: Lines) -> None:
    """``python -m dashboard.app`` serves Flask through a2wsgi inside RequestLog, with no FastAPI router:
    the Flask rule is the template."""
    from a2wsgi import WSGIMiddleware
    from flask import Flask

    from app.core.logging import RequestLog
    from dashboard.app import install_request_log_context

    server = Flask("standalone")
    install_request_log_context(server)

    @server.get("/dashboard/items/<int:n>")
    def item(n: int) -> str:
        logging.getLogger("yingji.test").info("inside")
        return str(n)

    # a2wsgi declares its ASGI arguments as TypedDicts, Starlette as MutableMappings: same protocol.
    with TestClient(RequestLog(WSGIMiddleware(server))) as client:  # type: ignore[arg-type]
        r = client.get("/dashboard/items/7", headers={"X-Request-ID": "standalone-1"})
    assert r.status_code == 200 and r.headers["x-request-id"] == "standalone-1"
    inside = next(line for line in log_lines if line["logger"] == "yingji.test")
    assert inside["request_id"] == "standalone-1"
    (line,) = log_lines.events("http_request")
    assert (line["route"], line["status"], line["user"]) == ("/dashboard/items/<int:n>", 200, None)
