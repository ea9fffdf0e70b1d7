"""Saved editions: a report saved as final keeps its figures when the data changes later, and reading
it lists the figures revised since (old → new)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.reports.models import ReportEdition
from tests.conftest import HeadersFor

HEDONG, YUBEI = "120102", "500112"
MONTH_URL = "/api/v1/districts/120102/months/2021-03"


def when(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def save(client: TestClient, headers: dict[str, str], district: str = HEDONG, year: int = 2021) -> dict[str, Any]:
    response = client.post("/api/v1/reports", json={"district": district, "year": year}, headers=headers)
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"/api/v1/reports/{response.json()['id']}"
    return response.json()


def upload_more_inspections(client: TestClient, headers: dict[str, str], extra: int) -> None:
    """Re-submit March 2021 of Hedong with ``extra`` more enterprise inspections (everything else as it was)."""
    month = client.get(MONTH_URL, headers=headers)
    assert month.status_code == 200, month.text
    body = month.json()
    values = dict(body["values"])
    values["inspection.enterprises"] = values["inspection.enterprises"] + extra
    activities = [{k: a[k] for k in ("kind", "date", "title", "participants", "notes")} for a in body["activities"]]
    put = client.put(MONTH_URL, json={"values": values, "activities": activities}, headers=headers)
    assert put.status_code == 200, put.text
    assert put.json()["updated"] == 1


def test_a_saved_edition_survives_a_later_upload_and_reports_the_revision(
    client: TestClient, admin_headers: dict[str, str], session: Session
) -> None:
    saved = save(client, admin_headers)
    assert saved["revisions"] == []
    assert saved["district"] == HEDONG and saved["year"] == 2021 and saved["district_name"] == "河东区"
    figure = next(f for f in saved["report"]["figures"] if f["key"] == "inspection.enterprises")
    assert (figure["value"], figure["text"]) == (807, "807家次")

    upload_more_inspections(client, admin_headers, extra=10)

    # Today's report says 817; the edition still says 807, whole and unchanged.
    fresh = client.get(
        "/api/v1/reports/annual", params={"district": HEDONG, "year": 2021, "format": "json"}, headers=admin_headers
    ).json()
    assert next(f for f in fresh["figures"] if f["key"] == "inspection.enterprises")["value"] == 817
    again = client.get(f"/api/v1/reports/{saved['id']}", headers=admin_headers)
    assert again.status_code == 200, again.text
    edition = again.json()
    assert edition["report"] == saved["report"]
    assert when(edition["data_as_of"]) == when(saved["data_as_of"])
    assert when(edition["current_data_as_of"]) > when(saved["data_as_of"])
    row = session.get(ReportEdition, saved["id"])
    assert row is not None and "执法检查807家次" in row.text and "817" not in row.text

    revised = {r["key"]: r for r in edition["revisions"]}
    assert revised["inspection.enterprises"]["old_value"] == 807
    assert revised["inspection.enterprises"]["new_value"] == 817
    assert revised["inspection.enterprises"]["old_text"].startswith("807家次")
    assert revised["inspection.enterprises"]["new_text"].startswith("817家次")
    # Only what the upload changed: March's other figures were sent back as they were.
    assert set(revised) <= {"inspection.enterprises", "ratio.rectified_rate"}

    md = client.get(f"/api/v1/reports/{saved['id']}", params={"format": "md"}, headers=admin_headers)
    assert md.status_code == 200
    text, revisions = md.text.split("## 定稿后修订的数字")
    assert "执法检查807家次" in text and "817" not in text
    assert "执法检查：807家次" in revisions and "→ 817家次" in revisions
    docx = client.get(f"/api/v1/reports/{saved['id']}", params={"format": "docx"}, headers=admin_headers)
    assert docx.status_code == 200 and docx.content[:2] == b"PK"


def test_editions_are_listed_and_read_inside_the_scope_only(
    client: TestClient, headers_for: HeadersFor, admin_headers: dict[str, str]
) -> None:
    hedong_staff, yubei_staff = headers_for("staff", HEDONG), headers_for("staff", YUBEI)
    mine = save(client, hedong_staff)
    theirs = save(client, yubei_staff, YUBEI, 2020)
    assert mine["created_by"] != theirs["created_by"]

    listed = client.get("/api/v1/reports", headers=hedong_staff).json()
    assert [e["id"] for e in listed] == [mine["id"]]
    assert {e["id"] for e in client.get("/api/v1/reports", headers=admin_headers).json()} >= {mine["id"], theirs["id"]}
    by_year = client.get("/api/v1/reports", params={"year": 2020}, headers=admin_headers).json()
    assert theirs["id"] in [e["id"] for e in by_year] and mine["id"] not in [e["id"] for e in by_year]

    forbidden = client.get(f"/api/v1/reports/{theirs['id']}", headers=hedong_staff)
    assert forbidden.status_code == 403
    assert forbidden.headers["content-type"].startswith("application/problem+json")
    assert client.get("/api/v1/reports/999999", headers=admin_headers).status_code == 404


def test_saving_needs_a_writer_inside_the_scope(client: TestClient, headers_for: HeadersFor) -> None:
    viewer = headers_for("viewer", HEDONG)
    refused = client.post("/api/v1/reports", json={"district": HEDONG, "year": 2021}, headers=viewer)
    assert refused.status_code == 403
    assert "只读" in refused.json()["detail"]
    outside = client.post(
        "/api/v1/reports", json={"district": YUBEI, "year": 2020}, headers=headers_for("staff", HEDONG)
    )
    assert outside.status_code == 403
    unknown = client.post("/api/v1/reports", json={"district": "999999", "year": 2020}, headers=headers_for("admin"))
    assert unknown.status_code == 404
    too_early = client.post("/api/v1/reports", json={"district": HEDONG, "year": 1999}, headers=headers_for("admin"))
    assert too_early.status_code == 422
