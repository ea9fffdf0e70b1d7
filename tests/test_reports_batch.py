"""GET /api/v1/reports/annual/children: the year-end reports of every child district of an area in
one zip — the same files ``python -m app report --children`` writes (app.reports.batch), inside the
caller's scope, with bad requests answered as problem documents (both databases)."""

from __future__ import annotations

import io
import re
import zipfile

from fastapi.testclient import TestClient

from tests.conftest import HeadersFor

TIANJIN, HEDONG = "120000", "120102"
URL = "/api/v1/reports/annual/children"


def test_a_citys_children_come_as_one_zip(client: TestClient, headers_for: HeadersFor) -> None:
    headers = headers_for("viewer", TIANJIN)
    r = client.get(URL, params={"district": TIANJIN, "year": 2021, "format": "md"}, headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/zip"
    assert "attachment" in r.headers["content-disposition"]
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    assert archive.testzip() is None
    names = sorted(n for n in archive.namelist() if n != "说明.txt")
    assert len(names) == 16 and all(n.startswith("1201") for n in names)  # never 市辖区
    assert "120102-河东区-2021.md" in names
    assert "执法检查807家次" in archive.read("120102-河东区-2021.md").decode("utf-8")
    # The same text the single report gives (but for the moment each was generated).
    single = client.get(
        "/api/v1/reports/annual", params={"district": HEDONG, "year": 2021, "format": "md"}, headers=headers
    )
    generated = re.compile(r"生成时间：[^。]*。")
    zipped = archive.read("120102-河东区-2021.md").decode("utf-8")
    assert generated.search(zipped) and generated.sub("", zipped) == generated.sub("", single.text)
    assert "16 个区划" in archive.read("说明.txt").decode("utf-8")


def test_docx_children_and_a_county_without_children(client: TestClient, headers_for: HeadersFor) -> None:
    headers = headers_for("viewer", TIANJIN)
    r = client.get(URL, params={"district": TIANJIN, "year": 2021}, headers=headers)
    assert r.status_code == 200, r.text
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    docs = [n for n in archive.namelist() if n.endswith(".docx")]
    assert len(docs) == 16 and all(archive.read(n)[:2] == b"PK" for n in docs)
    r = client.get(URL, params={"district": HEDONG, "year": 2021}, headers=headers)
    assert r.status_code == 200
    assert zipfile.ZipFile(io.BytesIO(r.content)).namelist() == ["说明.txt"]


def test_scope_and_bad_requests_are_problems(client: TestClient, headers_for: HeadersFor) -> None:
    hedong = headers_for("viewer", HEDONG)
    for params, status in (
        ({"district": TIANJIN, "year": 2021}, 403),
        ({"district": "999999", "year": 2021}, 404),
        ({"district": HEDONG, "year": 1990}, 422),
        ({"district": HEDONG, "year": 2021, "format": "pdf"}, 422),
    ):
        r = client.get(URL, params=params, headers=hedong)
        assert r.status_code == status, (params, r.text)
        assert r.headers["content-type"].startswith("application/problem+json"), params
