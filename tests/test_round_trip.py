"""Every file the product makes uploads back unchanged: the Data page's CSV and Excel, GET /values as
CSV and XLSX (Chinese and English headers), and the prefilled template. Uploaded back by the
district's own clerk, each answers 0 created, 0 updated, 0 removed, and no stored row changes.

The district is Hedong 2025 (the case a clerk found losing 参演人数 in all twelve months): figures,
reported zeros, named activities, and — withdrawn first — a month with two indicators not reported,
so that empty cells travel through every format too.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.values.models import Activity, MonthlyValue
from tests.conftest import SEED_TODAY, create_user
from tests.dashboard_helpers import content_callback, csrf_header
from tests.upload_helpers import dump, upload

HEDONG, YEAR = "120102", 2025
NOT_REPORTED = ("training.exams", "publicity.audience")
PASSWORD = "round-trip-pass-2021"
COUNTS = ("created", "updated", "removed", "activities_created", "activities_removed")


@pytest.fixture(autouse=True)
def seed_today(api: FastAPI) -> Iterator[None]:
    server = api.state.dash.server
    server.config["TODAY"] = SEED_TODAY
    yield
    server.config.pop("TODAY", None)


@pytest.fixture
def clerk(client: TestClient, session: Session) -> dict[str, str]:
    """Hedong's clerk: signed in to the dashboard (cookie) and with a token for the API."""
    from app.auth.service import create_token

    user = create_user(session, role="staff", districts=(HEDONG,), password=PASSWORD)
    r = client.post("/dashboard/login", data={"username": user.name, "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303, r.text
    _row, token = create_token(session, user=user)
    headers = {"Authorization": f"Bearer {token}"}
    r = client.patch(
        f"/api/v1/districts/{HEDONG}/months/{YEAR}-03",
        json={"values": dict.fromkeys(NOT_REPORTED)},
        headers=headers,
    )
    assert r.status_code == 200 and r.json()["removed"] == 2, r.text
    return headers


def test_the_district_is_a_real_one(session: Session, clerk: dict[str, str]) -> None:
    """What the round trips below carry: zeros, a month with indicators not reported, activities."""
    first, last = dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 1)
    values = session.scalars(
        select(MonthlyValue.value).where(MonthlyValue.district_code == HEDONG, MonthlyValue.month.between(first, last))
    ).all()
    assert 0 in [float(v) for v in values] and len(values) == 12 * 22 - len(NOT_REPORTED)
    titles = select(Activity.title).where(
        Activity.district_code == HEDONG, Activity.date.between(first, dt.date(YEAR, 12, 31))
    )
    assert session.scalars(titles).all()


def unchanged(client: TestClient, headers: dict[str, str], session: Session, content: bytes, name: str) -> None:
    before = dump(session)
    dry = upload(client, headers, content, name, dry_run=True)
    assert dry.status_code == 200, dry.text
    assert dry.json()["changes"] == []
    r = upload(client, headers, content, name)
    assert r.status_code == 201, r.text
    body = r.json()
    assert {c: body[c] for c in COUNTS} == dict.fromkeys(COUNTS, 0), body
    assert body["unchanged"] == body["values"] > 0
    after = dump(session)
    # Only the month reports' "last submitted" moves (the clerk did submit them again).
    for table in ("monthly_values", "value_history", "activities", "yearly_values"):
        assert after[table] == before[table], table


# ----------------------------------------------------------------------------- the Data page


def data_page_download(client: TestClient, search: str, button: str) -> tuple[bytes, str]:
    """Draw the Data page as the browser does, then press a download button with the grid as shown."""
    r = client.post(
        "/dashboard/_dash-update-component",
        json=content_callback("/dashboard/data", search),
        headers=csrf_header(client),
    )
    assert r.status_code == 200, r.text[:500]
    grid = _find(r.json()["response"]["_pages_content"]["children"], "values-grid")
    assert grid is not None
    props = grid["props"]
    body = {
        "output": "download.data",
        "outputs": {"id": "download", "property": "data"},
        "inputs": [
            {"id": "download-csv", "property": "n_clicks", "value": 1 if button == "download-csv" else 0},
            {"id": "download-xlsx", "property": "n_clicks", "value": 1 if button == "download-xlsx" else 0},
        ],
        "state": [
            {"id": "values-grid", "property": "virtualRowData", "value": props["rowData"]},
            {"id": "values-grid", "property": "rowData", "value": props["rowData"]},
            {"id": "values-grid", "property": "columnDefs", "value": props["columnDefs"]},
            {"id": "url", "property": "search", "value": search},
        ],
        "changedPropIds": [f"{button}.n_clicks"],
    }
    r = client.post("/dashboard/_dash-update-component", json=body, headers=csrf_header(client))
    assert r.status_code == 200, r.text[:500]
    data = r.json()["response"]["download"]["data"]
    content = base64.b64decode(data["content"]) if data.get("base64") else data["content"].encode()
    return content, data["filename"]


def _find(node: Any, component_id: str) -> dict[str, Any] | None:
    if isinstance(node, list):
        for item in node:
            if (hit := _find(item, component_id)) is not None:
                return hit
    elif isinstance(node, dict):
        props = node.get("props")
        if props is not None:
            if props.get("id") == component_id:
                return node
            return _find(props.get("children"), component_id)
        for value in node.values():
            if (hit := _find(value, component_id)) is not None:
                return hit
    return None


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("button", ["download-csv", "download-xlsx"])
def test_the_data_page_downloads_upload_back_unchanged(
    client: TestClient, session: Session, clerk: dict[str, str], button: str, lang: str
) -> None:
    content, name = data_page_download(client, f"?district={HEDONG}&year={YEAR}&lang={lang}", button)
    assert name.endswith(".csv" if button == "download-csv" else ".xlsx")
    unchanged(client, clerk, session, content, name)


# ----------------------------------------------------------------------------- the API's downloads


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_values_exports_upload_back_unchanged(
    client: TestClient, session: Session, clerk: dict[str, str], fmt: str, lang: str
) -> None:
    r = client.get(
        "/api/v1/values", params={"district": HEDONG, "year": YEAR, "format": fmt, "lang": lang}, headers=clerk
    )
    assert r.status_code == 200, r.text
    unchanged(client, clerk, session, r.content, f"values.{fmt}")


def test_the_prefilled_template_uploads_back_unchanged(
    client: TestClient, session: Session, clerk: dict[str, str]
) -> None:
    r = client.get(
        "/api/v1/uploads/template.xlsx", params={"district": HEDONG, "year": YEAR, "prefill": "true"}, headers=clerk
    )
    assert r.status_code == 200, r.text
    unchanged(client, clerk, session, r.content, "template.xlsx")
