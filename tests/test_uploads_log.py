"""The submissions log read by someone whose scope covers part of a submission (issue 13, point 7):
only the district-months, warnings and counts inside the scope, on GET /uploads/{id} and the list."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from tests.upload_helpers import FULL_MONTH, csv_bytes, long_rows, upload

HEDONG, HEPING = "120102", "120101"
MONTH = "2024-03"


def test_a_reader_sees_only_the_part_of_a_submission_in_scope(
    client: TestClient, admin_headers: dict[str, str], headers_for: Any
) -> None:
    # An admin replaces a month both districts reported (warnings for each), and gives 和平区 a
    # figure far above its usual level (a warning that states 和平区's median).
    heping = dict(FULL_MONTH, **{"inspection.enterprises": 90_000})
    content = csv_bytes(long_rows(HEDONG, MONTH, FULL_MONTH) + long_rows(HEPING, MONTH, heping))
    r = upload(client, admin_headers, content)
    assert r.status_code == 201, r.text
    whole = r.json()
    assert {w["district"] for w in whole["warnings"]} == {HEDONG, HEPING}
    assert any(w["code"] == "value.spike" and w["district"] == HEPING for w in whole["warnings"])
    sub_id = whole["submission_id"]

    staff = headers_for("staff", HEDONG)
    detail = client.get(f"/api/v1/uploads/{sub_id}", headers=staff)
    assert detail.status_code == 200, detail.text
    body = detail.json()
    text = json.dumps(body, ensure_ascii=False)
    assert HEPING not in text and "和平" not in text and "90000" not in text
    summary = body["summary"]
    assert summary["cut_to_scope"] is True
    assert {w["district"] for w in summary["warnings"]} == {HEDONG}
    assert [m["district"] for m in summary["response"]["district_months"]] == [HEDONG]
    hedong = next(m for m in whole["district_months"] if m["district"] == HEDONG)
    assert body["updated"] == hedong["updated"] and body["created"] == hedong["created"]
    assert body["warning_count"] == len(summary["warnings"])

    listed = client.get("/api/v1/uploads", headers=staff).json()["items"]
    item = next(i for i in listed if i["id"] == sub_id)
    assert item["updated"] == hedong["updated"] and item["warning_count"] == body["warning_count"]

    # Whoever sees the whole of it sees it whole: the admin, and a reader of all Tianjin.
    for headers in (admin_headers, headers_for("viewer", "120000")):
        full = client.get(f"/api/v1/uploads/{sub_id}", headers=headers).json()
        assert "cut_to_scope" not in full["summary"] and full["warning_count"] == whole_warnings(whole)


def whole_warnings(answer: dict[str, Any]) -> int:
    return len(answer["warnings"])


def test_one_s_own_submission_is_shown_whole(client: TestClient, headers_for: Any) -> None:
    staff = headers_for("staff", HEDONG, HEPING)
    content = csv_bytes(long_rows(HEDONG, MONTH, FULL_MONTH) + long_rows(HEPING, MONTH, FULL_MONTH))
    sub_id = upload(client, staff, content).json()["submission_id"]
    body = client.get(f"/api/v1/uploads/{sub_id}", headers=staff).json()
    assert "cut_to_scope" not in body["summary"]
    assert {m["district"] for m in body["summary"]["response"]["district_months"]} == {HEDONG, HEPING}
