"""POST /api/v1/backfill/extract over HTTP: who may call it, the shape of its answer, and its
problems (a bad file is a 422 naming the cause, never a 500)."""

from __future__ import annotations

import io
from typing import Any

import docx
import pytest
from fastapi.testclient import TestClient

from tests.backfill_helpers import HEDONG, YUBEI

URL = "/api/v1/backfill/extract"
PROPOSAL_KEYS = {
    "indicator",
    "value",
    "unit",
    "written",
    "evidence",
    "start",
    "end",
    "evidence_start",
    "evidence_end",
    "confidence",
    "scope",
    "approximate",
    "alternatives",
    "notes",
}


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["detail"] and body["detail_en"]
    return body


def test_credentials_are_required(client: TestClient) -> None:
    response = client.post(URL, data={"text": "全年检查企业1200家次。"})
    _problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("role", "districts"), [("viewer", ("120000",)), ("staff", ("500112",)), ("admin", ())])
def test_every_role_may_extract_any_report(client: TestClient, headers_for: Any, role: str, districts: Any) -> None:
    # Extraction reads what the caller sends and stores nothing: no scope applies.
    response = client.post(
        URL, data={"text": HEDONG.read_text(encoding="utf-8")}, headers=headers_for(role, *districts)
    )
    assert response.status_code == 200, response.text
    assert response.json()["district"] == {"code": "120102", "name": "河东区"}


def test_the_answer_has_the_contracts_shape(client: TestClient, admin_headers: dict[str, str]) -> None:
    text = YUBEI.read_text(encoding="utf-8")
    response = client.post(URL, data={"text": text}, headers=admin_headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"district", "year", "how", "text", "proposals"}
    assert body["district"] == {"code": "500112", "name": "渝北区"}
    assert body["year"] == 2020
    assert body["how"]["district"]["source"] == "title" and body["how"]["year"]["source"] == "title"
    assert body["text"] == text
    fines = next(p for p in body["proposals"] if p["indicator"] == "penalty.fines_yuan")
    assert set(fines) == PROPOSAL_KEYS
    assert (fines["value"], fines["unit"], fines["written"]) == (17_120_000, "万元", "1712 万元")
    assert body["text"][fines["start"] : fines["end"]] == "1712 万元"
    assert body["text"][fines["evidence_start"] : fines["evidence_end"]] == fines["evidence"]
    assert 0 < fines["confidence"] <= 1 and fines["scope"] == "total" and fines["approximate"] is False
    assert {p["indicator"] for p in body["proposals"]} == {
        "accident.count",
        "accident.deaths",
        "inspection.enterprises",
        "inspection.hazards_found",
        "penalty.fines_yuan",
        "penalty.suspensions",
        "penalty.detentions",
    }


def test_a_docx_upload(client: TestClient, admin_headers: dict[str, str]) -> None:
    document = docx.Document()
    for line in HEDONG.read_text(encoding="utf-8").split("\n"):
        document.add_paragraph(line)
    content = io.BytesIO()
    document.save(content)
    files = {"file": ("河东区2021年报告.docx", content.getvalue(), "application/octet-stream")}
    response = client.post(URL, files=files, headers=admin_headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["district"]["code"], body["year"]) == ("120102", 2021)
    assert len(body["proposals"]) == 15


def test_a_gb18030_text_file_with_district_and_year_given(client: TestClient, admin_headers: dict[str, str]) -> None:
    text = "工作总结\r\n全年检查企业1200家次，罚款86.5万元。"
    files = {"file": ("总结.txt", text.encode("gb18030"), "text/plain")}
    response = client.post(URL, files=files, data={"district": "371312", "year": "2019"}, headers=admin_headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["district"] == {"code": "371312", "name": "河东区"} and body["year"] == 2019
    assert body["how"]["district"]["source"] == "form" and body["how"]["year"]["source"] == "form"
    assert body["text"] == "工作总结\n全年检查企业1200家次，罚款86.5万元。"
    assert [(p["indicator"], p["value"]) for p in body["proposals"]] == [
        ("inspection.enterprises", 1200),
        ("penalty.fines_yuan", 865000),
    ]


@pytest.mark.parametrize(
    ("files", "data", "code"),
    [
        ({"file": ("a.pdf", b"%PDF-1.4 truncated", "application/pdf")}, {}, "backfill.bad_pdf"),
        ({"file": ("a.docx", b"PK\x03\x04garbage", "application/octet-stream")}, {}, "backfill.bad_docx"),
        ({"file": ("a.doc", b"\xd0\xcf\x11\xe0", "application/msword")}, {}, "backfill.unsupported_type"),
        ({"file": ("a.txt", b"\x00\x01\x02", "text/plain")}, {}, "backfill.not_text"),
        ({"file": ("a.txt", b"", "text/plain")}, {}, "backfill.empty"),
        (None, {}, "backfill.file_or_text"),
        ({"file": ("a.txt", "检查".encode(), "text/plain")}, {"text": "检查"}, "backfill.file_or_text"),
        (None, {"text": "   "}, "backfill.empty"),
        (None, {"text": "检" * 200_001}, "backfill.too_long"),
        (None, {"text": "1家次" * 5001}, "backfill.not_a_report"),
    ],
)
def test_bad_input_is_a_named_422(
    client: TestClient, admin_headers: dict[str, str], files: Any, data: Any, code: str
) -> None:
    body = _problem(client.post(URL, files=files, data=data, headers=admin_headers), 422)
    assert body["errors"][0]["code"] == code
    assert len(str(body)) < 2000  # the text is not echoed back


def test_bad_form_fields(client: TestClient, admin_headers: dict[str, str]) -> None:
    body = _problem(client.post(URL, data={"text": "检查企业5家次。", "year": "1850"}, headers=admin_headers), 422)
    assert body["errors"][0]["column"] == "year"
    body = _problem(
        client.post(URL, data={"text": "检查企业5家次。", "district": "999999"}, headers=admin_headers), 404
    )
    assert "999999" in body["detail"]


def test_a_long_pasted_text_fits_in_a_form_field(client: TestClient, admin_headers: dict[str, str]) -> None:
    # 150,000 Chinese characters are 1.35 MB percent-encoded: over Starlette's default of 1 MB a field.
    text = "区应急管理局2022年工作总结\n全年检查企业1200家次。\n" + "检" * 150_000
    response = client.post(URL, data={"text": text}, headers=admin_headers)
    assert response.status_code == 200, response.text[:500]
    assert [p["value"] for p in response.json()["proposals"]] == [1200]


def test_a_form_that_cannot_be_parsed_is_422(client: TestClient, admin_headers: dict[str, str]) -> None:
    headers = {**admin_headers, "Content-Type": "multipart/form-data; boundary=XYZ"}
    body = _problem(client.post(URL, content=b"--XYZ\r\nNone--XYZ--\r\n", headers=headers), 422)
    assert body["errors"][0]["code"] == "backfill.form_unreadable"


def test_a_file_over_10_mb_is_413(client: TestClient, admin_headers: dict[str, str]) -> None:
    files = {"file": ("big.txt", b"a" * (10 * 1024 * 1024 + 1), "text/plain")}
    _problem(client.post(URL, files=files, headers=admin_headers), 413)


def test_the_openapi_document_describes_the_endpoint(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"][URL]["post"]
    assert {"200", "401", "404", "413", "422"} <= set(operation["responses"])
    assert "multipart/form-data" in operation["requestBody"]["content"]
