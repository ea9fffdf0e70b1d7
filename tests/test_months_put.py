"""The JSON form of a monthly report: PUT and GET /districts/{code}/months/{YYYY-MM} (issue 4), on
SQLite and PostgreSQL — numbers or months no date or float can hold."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.submissions.models import Submission, SubmissionStatus
from tests.upload_helpers import CLEAN, codes, dump

Headers = dict[str, str]
MONTH = "2024-02"
URL = f"/api/v1/districts/{CLEAN}/months/{MONTH}"


@pytest.fixture
def staff(headers_for) -> Headers:  # type: ignore[no-untyped-def]
    return headers_for("staff", CLEAN)  # type: ignore[no-any-return]


def put(client: TestClient, headers: Headers, body: Any, url: str = URL) -> Any:
    return client.put(url, json=body, headers=headers)


def put_raw(client: TestClient, headers: Headers, text: str, url: str = URL) -> Any:
    """A body json.dumps would refuse to write (1e400, NaN): as a client may send it."""
    return client.put(url, content=text.encode(), headers={**headers, "Content-Type": "application/json"})


def problem(r: Any, status: int = 422) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    assert body["status"] == status and body["type"] and body["title"] and body["detail"]
    for e in body.get("errors", []):
        assert e["code"] and e["message_zh"] and e["message_en"]
    return body


def strict_json(value: Any) -> str:
    return json.dumps(value, allow_nan=False)  # raises on infinity or NaN anywhere inside


# ----------------------------------------------------------------------------- numbers no float can hold


@pytest.mark.parametrize(
    ("text", "code", "shown"),
    [
        ("1e400", "value.too_large", "Infinity"),
        ("-1e400", "value.too_large", "-Infinity"),
        ("Infinity", "value.too_large", "Infinity"),
        ("NaN", "value.not_a_number", "NaN"),
        ("1" + "0" * 400, "value.too_large", None),
    ],
)
def test_numbers_beyond_a_float_are_422_and_never_stored(
    client: TestClient, staff: Headers, session: Session, text: str, code: str, shown: str | None
) -> None:
    """1e400 is infinity once parsed: a 422 with a JSON-compliant answer, and a log entry that
    JSON can hold (PostgreSQL's jsonb refuses Infinity)."""
    before = dump(session)
    # Deaths without accident.count would fail a cross-check, were the figure not rejected already.
    r = problem(put_raw(client, staff, '{"values": {"accident.deaths": ' + text + ', "penalty.cases": -1}}'))
    assert sorted(codes(r)) == sorted([code, "value.negative"])
    bad = next(e for e in r["errors"] if e["code"] == code)
    assert isinstance(bad["value"], str) and len(bad["value"]) < 80
    if shown is not None:
        assert bad["value"] == shown
    assert dump(session) == before
    session.expire_all()
    sub = session.get(Submission, r["submission_id"])
    assert sub is not None and sub.status == SubmissionStatus.rejected
    strict_json(sub.summary)
    log = client.get(f"/api/v1/uploads/{r['submission_id']}", headers=staff)
    assert log.status_code == 200, log.text


# ----------------------------------------------------------------------------- months no date can hold


@pytest.mark.parametrize("month", ["0000-01", "0000-12"])
def test_the_year_0000_is_too_early_not_a_crash(client: TestClient, staff: Headers, month: str) -> None:
    url = f"/api/v1/districts/{CLEAN}/months/{month}"
    assert codes(problem(client.get(url, headers=staff))) == ["month.too_early"]
    assert codes(problem(put(client, staff, {"values": {"penalty.cases": 1}}, url))) == ["month.too_early"]
    assert codes(problem(client.get("/api/v1/audit", params={"month": month}, headers=staff))) == ["month.too_early"]
    assert codes(problem(client.get(f"/api/v1/districts/{CLEAN}/months/0000-13", headers=staff))) == ["month.format"]
