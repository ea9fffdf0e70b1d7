"""Every file the product makes uploads back unchanged: the Data page's CSV and Excel, GET /values as
CSV and XLSX (Chinese and English headers), and the prefilled template. Uploaded back by the
district's own clerk, each answers 0 created, 0 updated, 0 removed, and no stored row changes.

The Data page's Excel file carries a title/scope row, a frozen header and a totals row (合计): the
parser passes over exactly that title and that totals row, and a file with any other stray row
(a note typed below, a total that no longer adds up) is refused with a clear error, changing nothing.

The district is Hedong 2025 (the case a clerk found losing 参演人数 in all twelve months): figures,
reported zeros, named activities, and — withdrawn first — a month with two indicators not reported,
so that empty cells travel through every format too.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import func, select
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


def data_page_download(
    client: TestClient, search: str, button: str, *, keep: Any = None, pivot: bool = False
) -> tuple[bytes, str]:
    """Draw the Data page as the browser does, then press a download button with the grid as shown
    (``keep``: a filter of the grid's rows, as a column filter in the browser leaves them)."""
    r = client.post(
        "/dashboard/_dash-update-component",
        json=content_callback("/dashboard/data", search),
        headers=csrf_header(client),
    )
    assert r.status_code == 200, r.text[:500]
    content = r.json()["response"]["_pages_content"]["children"]
    grid = _find(content, "values-grid")
    scope = _find(content, "values-scope")
    assert grid is not None and scope is not None
    props = grid["props"]
    shown = [row for row in props["rowData"] if keep is None or keep(row)]
    if pivot:
        table = _find(content, "pivot-grid")
        assert table is not None
        return _download(
            client,
            {
                "output": "pivot-download.data",
                "outputs": {"id": "pivot-download", "property": "data"},
                "inputs": [{"id": "pivot-download-xlsx", "property": "n_clicks", "value": 1}],
                "state": [
                    {"id": "pivot-grid", "property": "rowData", "value": table["props"]["rowData"]},
                    {"id": "pivot-grid", "property": "columnDefs", "value": table["props"]["columnDefs"]},
                    {"id": "pivot-indicator", "property": "value", "value": "inspection__enterprises"},
                    {"id": "pivot-columns", "property": "value", "value": "month"},
                    {"id": "url", "property": "search", "value": search},
                    {"id": "values-scope", "property": "data", "value": scope["props"]["data"]},
                ],
                "changedPropIds": ["pivot-download-xlsx.n_clicks"],
            },
            "pivot-download",
        )
    body = {
        "output": "download.data",
        "outputs": {"id": "download", "property": "data"},
        "inputs": [
            {"id": "download-csv", "property": "n_clicks", "value": 1 if button == "download-csv" else 0},
            {"id": "download-xlsx", "property": "n_clicks", "value": 1 if button == "download-xlsx" else 0},
        ],
        "state": [
            {"id": "values-grid", "property": "virtualRowData", "value": shown},
            {"id": "values-grid", "property": "rowData", "value": props["rowData"]},
            {"id": "values-grid", "property": "columnDefs", "value": props["columnDefs"]},
            {"id": "url", "property": "search", "value": search},
            {"id": "values-scope", "property": "data", "value": scope["props"]["data"]},
        ],
        "changedPropIds": [f"{button}.n_clicks"],
    }
    return _download(client, body, "download")


def _download(client: TestClient, body: dict[str, Any], output: str) -> tuple[bytes, str]:
    r = client.post("/dashboard/_dash-update-component", json=body, headers=csrf_header(client))
    assert r.status_code == 200, r.text[:500]
    data = r.json()["response"][output]["data"]
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


def test_the_data_page_excel_file_is_titled_frozen_sized_and_totalled(
    client: TestClient, session: Session, clerk: dict[str, str]
) -> None:
    """What a person forwards: the scope in a title row, the header and key columns frozen, columns
    wide enough, and a 合计 row adding up the figures shown (not reported stays out of the sums) —
    and the file still uploads back unchanged."""
    content, name = data_page_download(client, f"?district={HEDONG}&year={YEAR}", "download-xlsx")
    sheet = load_workbook(io.BytesIO(content)).active
    title = str(sheet["A1"].value)
    assert title.startswith(f"河东区（{HEDONG}） · {YEAR}年 · 月度数据 · 数据截至：")
    # Hedong's months are submitted, not approved: the title says the figures include them.
    assert "含未审核数据（" in title
    assert sheet.freeze_panes == "D3"
    header = [c.value for c in sheet[2]]
    assert header[:3] == ["区划代码", "区划名称", "月份"]
    body = [list(r) for r in sheet.iter_rows(min_row=3, values_only=True)]
    rows, total = body[:-1], body[-1]
    assert [r[2] for r in rows] == [f"{YEAR}-{m:02d}" for m in range(1, 13)]
    assert total[:3] == ["合计", None, None]
    stored = dict(
        session.execute(
            select(MonthlyValue.indicator_code, func.sum(MonthlyValue.value))
            .where(
                MonthlyValue.district_code == HEDONG,
                MonthlyValue.month.between(dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 1)),
            )
            .group_by(MonthlyValue.indicator_code)
        ).all()
    )
    column = header.index("执法检查（家次）")
    assert total[column] == sum(r[column] for r in rows) == stored["inspection.enterprises"]
    for position, head in enumerate(header[3:], start=3):
        assert any(r[position] is not None for r in rows), head
        assert float(total[position]) == pytest.approx(sum(float(r[position] or 0) for r in rows)), head
    # Wide enough for "2021年12月"-length text and for the district name; never the default 8.43.
    assert sheet.column_dimensions["C"].width >= 9 and sheet.column_dimensions["B"].width >= 8
    assert all(sheet.column_dimensions[get_column_letter(i)].width for i in range(1, len(header) + 1))
    unchanged(client, clerk, session, content, name)

    # In English: the same, labelled Total.
    english, _name = data_page_download(client, f"?district={HEDONG}&year={YEAR}&lang=en", "download-xlsx")
    sheet = load_workbook(io.BytesIO(english)).active
    assert f"({HEDONG})" in str(sheet["A1"].value)
    assert "includes data not yet approved" in str(sheet["A1"].value)
    assert sheet.cell(sheet.max_row, 1).value == "Total"


def test_a_filtered_excel_file_totals_what_it_shows_and_uploads_back(
    client: TestClient, session: Session, clerk: dict[str, str]
) -> None:
    """The grid filtered to the first quarter: the file holds those three months and their totals."""
    content, name = data_page_download(
        client, f"?district={HEDONG}&year={YEAR}", "download-xlsx", keep=lambda r: r["month"] <= f"{YEAR}-03"
    )
    sheet = load_workbook(io.BytesIO(content)).active
    body = list(sheet.iter_rows(min_row=3, values_only=True))
    assert [r[2] for r in body] == [f"{YEAR}-01", f"{YEAR}-02", f"{YEAR}-03", None]
    header = [c.value for c in sheet[2]]
    exams = header.index("考试（次）")
    # Not reported in March: the total is January's and February's, not a total with a 0 in it.
    assert body[2][exams] is None and body[3][exams] == (body[0][exams] or 0) + (body[1][exams] or 0)
    unchanged(client, clerk, session, content, name)


def _edited(content: bytes, edit: Any) -> bytes:
    book = load_workbook(io.BytesIO(content))
    edit(book.active)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _refused(client: TestClient, headers: dict[str, str], session: Session, content: bytes) -> list[dict[str, Any]]:
    before = dump(session)
    r = upload(client, headers, content, "edited.xlsx")
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert dump(session) == before
    errors: list[dict[str, Any]] = r.json()["errors"]
    return errors


def test_a_stray_row_in_the_excel_file_is_an_error_not_skipped(
    client: TestClient, session: Session, clerk: dict[str, str]
) -> None:
    """Only our own title and totals rows are passed over: a note typed below the totals, a total
    edited so that it no longer adds up, or a 合计 row in a file without our title row each get a
    clear error at their row, and nothing is stored."""
    content, _name = data_page_download(client, f"?district={HEDONG}&year={YEAR}", "download-xlsx")
    last = load_workbook(io.BytesIO(content)).active.max_row  # the totals row

    def note_below(ws: Any) -> None:
        ws.cell(last + 1, 1, "备注：3月数据待核实")

    errors = _refused(client, clerk, session, _edited(content, note_below))
    assert any(e.get("row") == last + 1 for e in errors), errors
    assert any(e.get("row") == last for e in errors), errors  # the totals row is no longer the last

    def total_edited(ws: Any) -> None:
        ws.cell(last, 4, (ws.cell(last, 4).value or 0) + 1)

    errors = _refused(client, clerk, session, _edited(content, total_edited))
    assert any(e.get("row") == last for e in errors), errors
    assert any("合计" in e["message_zh"] or "月份" in e["message_zh"] for e in errors), errors

    def untitled(ws: Any) -> None:
        ws.delete_rows(1)

    errors = _refused(client, clerk, session, _edited(content, untitled))
    assert any(e.get("row") == last - 1 for e in errors), errors


def test_the_pivot_file_is_refused_as_an_upload(client: TestClient, session: Session, clerk: dict[str, str]) -> None:
    """A pivot holds sums, not a district's figures: uploaded, it is refused clearly, nothing changes."""
    content, name = data_page_download(client, f"?district={HEDONG}&year={YEAR}", "download-xlsx", pivot=True)
    assert name == f"pivot_{HEDONG}_{YEAR}.xlsx"
    sheet = load_workbook(io.BytesIO(content)).active
    assert str(sheet["A1"].value).endswith("执法检查（家次）")
    assert [c.value for c in sheet[2]][:3] == ["区划代码", "区划名称", f"{YEAR}年1月"]
    before = dump(session)
    r = upload(client, clerk, content, name)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["code"] == "file.missing_columns"
    assert dump(session) == before


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
