"""Periodic bulletins (执法工作通报, issue 16): Tianjin with known figures per district, asked for 2025 Q1 and
1—9月 through the API, states the city totals, each district's rank and change, the districts that
missed months and the reporting quality, numbers written as Chinese reports write them; the period
rules; and the DOCX rendered by LibreOffice without a table row split across pages."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from docx import Document
from docx.document import Document as DocumentObject
from docx.oxml.ns import qn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from app.auth.scope import SYSTEM
from app.core.db import Database
from app.core.deps import today
from app.core.errors import ValidationFailed
from app.core.periods import Period, parse_period
from app.districts.models import District
from app.reports.bulletin import build_bulletin
from app.reports.bulletin_render import appendix_figures, bulletin_docx, bulletin_markdown
from app.reports.docx import DOCX_MEDIA_TYPE
from app.stats.context import StatsContext
from app.values import yearly
from app.values.models import MonthlyValue, MonthReport, ReviewStatus
from tests.stats_helpers import assert_problem
from tests.test_reports_docx import _soffice

TIANJIN = "120000"
TODAY = dt.date(2025, 10, 20)  # September 2025 is the last ended month, and its report is due
BINHAI, HEXI, NANKAI, JIZHOU, HEDONG, HEPING = "120116", "120103", "120104", "120119", "120102", "120101"
# Known figures per district and month: district i (by code, 0 … 15) reports these every month.
THIS_YEAR = {
    "inspection.enterprises": lambda i: 100 + 10 * i,
    "inspection.hazards_found": lambda i: 20 + i,
    "inspection.hazards_rectified": lambda i: 18 + i,
    "penalty.cases": lambda i: 5,
    "penalty.fines_yuan": lambda i: 10_000 * (i + 1),
}
LAST_YEAR = {
    "inspection.enterprises": lambda i: 100,
    "inspection.hazards_found": lambda i: 20,
    "inspection.hazards_rectified": lambda i: 20,
    "penalty.cases": lambda i: 4,
    "penalty.fines_yuan": lambda i: 10_000,
}
MISSING = {(BINHAI, dt.date(2025, 2, 1)), (JIZHOU, dt.date(2025, 7, 1))}


def _counties(session: Session) -> list[str]:
    return list(
        session.scalars(
            select(District.code).where(District.code.like("12%"), District.level == "county").order_by(District.code)
        )
    )


@pytest.fixture
def tianjin(session: Session) -> list[str]:
    """Tianjin's 2024 and 2025 figures of five indicators replaced by known ones (the other indicators
    keep the seed's), its months of 2024 and January–September 2025 reported on time, except: 滨海新区
    February and 蓟州区 July 2025 not reported, 河西区 March 2025 late, 南开区 January 2025 returned."""
    counties = _counties(session)
    assert len(counties) == 16
    months_2024 = [dt.date(2024, m, 1) for m in range(1, 13)]
    months_2025 = [dt.date(2025, m, 1) for m in range(1, 10)]
    months = months_2024 + months_2025
    in_tianjin = MonthlyValue.district_code.in_(counties)
    session.execute(
        delete(MonthlyValue).where(
            in_tianjin, MonthlyValue.indicator_code.in_(list(THIS_YEAR)), MonthlyValue.month.in_(months)
        )
    )
    for code, month in MISSING:
        session.execute(delete(MonthlyValue).where(MonthlyValue.district_code == code, MonthlyValue.month == month))
    session.execute(delete(MonthReport).where(MonthReport.district_code.in_(counties), MonthReport.month.in_(months)))
    values: list[dict[str, Any]] = []
    reports: list[dict[str, Any]] = []
    now = dt.datetime(2025, 10, 1, tzinfo=dt.UTC)
    for i, code in enumerate(counties):
        for month in months:
            if (code, month) in MISSING:
                continue
            figures = THIS_YEAR if month.year == 2025 else LAST_YEAR
            values += [
                {"district_code": code, "month": month, "indicator_code": ind, "value": f(i), "updated_at": now}
                for ind, f in figures.items()
            ]
            sent = dt.datetime(month.year + month.month // 12, month.month % 12 + 1, 5, tzinfo=dt.UTC)
            if (code, month) == (HEXI, dt.date(2025, 3, 1)):
                sent = dt.datetime(2025, 4, 15, tzinfo=dt.UTC)
            status = ReviewStatus.returned if (code, month) == (NANKAI, dt.date(2025, 1, 1)) else ReviewStatus.submitted
            reports.append(
                {
                    "district_code": code,
                    "month": month,
                    "first_submitted_at": sent,
                    "last_submitted_at": sent,
                    "status": status,
                }
            )
    session.execute(insert(MonthlyValue), values)
    session.execute(insert(MonthReport), reports)
    yearly.refresh(session, {(code, year) for code in counties for year in (2024, 2025)})  # written in SQL here
    return counties


@pytest.fixture
def bulletin_client(api: FastAPI, client: TestClient) -> Iterator[TestClient]:
    api.dependency_overrides[today] = lambda: TODAY
    yield client


def bulletin_md(client: TestClient, headers: dict[str, str], period: str, district: str = TIANJIN) -> str:
    r = client.get("/api/v1/reports/bulletin", params={"district": district, "period": period}, headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/markdown")
    return r.text


def body_of(markdown: str) -> str:
    return markdown.split("## 附：数据附表")[0]


def table_rows(markdown: str, caption_start: str) -> dict[str, list[str]]:
    """The rows of a Markdown table under the caption that starts with ``caption_start``, by district."""
    part = markdown.split(caption_start, 1)[1]
    rows = [line for line in part.splitlines() if line.startswith("| ")]
    out = {}
    for row in rows[1:]:
        cells = [c.strip() for c in row.strip("|").split("|")]
        out[cells[1]] = cells
        if len(out) == 16:
            break
    return out


# ----------------------------------------------------------------------------- acceptance


def test_q1_bulletin_states_totals_ranks_changes_and_missing_districts(
    tianjin: list[str], bulletin_client: TestClient, admin_headers: dict[str, str]
) -> None:
    md = bulletin_md(bulletin_client, admin_headers, "2025-Q1")
    text = body_of(md)
    assert "# 天津市应急管理局2025年第一季度执法工作统计通报" in md
    # 执法检查: 3 × Σ(100 + 10i) = 8400, less 滨海新区's February (220) → 8180; last year's matching
    # district-months: 47 × 100 = 4700 → +74.0%; the previous quarter (2024 Q4): 4800 → +70.4%.
    assert "1—3月，全市开展“双随机、一公开”抽查" in text
    assert "执法检查方面，开展执法检查8180家次，同比增长74.0%，环比增长70.4%" in text
    # 罚款: 3 × 10,000 × Σ(i + 1) = 408万, less 滨海新区's February 13万 → 395万元.
    assert "罚款395万元" in text
    assert "同比与2024年1—3月比较，按可比口径只计两年均已报送的区县-月份；环比与上期（2024年第四季度）比较。" in text

    ranking = table_rows(md, "表1")
    assert ranking["蓟州区"][:2] == ["1", "蓟州区"] and ranking["蓟州区"][2] == "750家次"
    assert ranking["河东区"][0] == "14" and ranking["河东区"][4] == "增长10.0%"
    assert ranking["和平区"][0] == "15" and ranking["和平区"][4] == "持平"
    assert ranking["滨海新区"][0] == "不排名"
    assert "排名按本期合计从高到低，只比较本期各月均已报送该项数据的区（县）" in text
    assert "排名前三位的是蓟州区（750家次，占全市9.2%）、静海区（720家次" in text
    assert "排名后三位的是和平区（300家次" in text
    assert "滨海新区（2月未报送）有月份未报送，未参与排名" in text
    # Every district did 5 cases a month: a tie is said as one, not as a top and a bottom.
    assert "从行政处罚案件看，参与排名的15个区（县）均为15件，名次并列" in text
    penalties = table_rows(md, "表2")
    assert penalties["蓟州区"][:3] == ["1", "蓟州区", "15件"] and penalties["蓟州区"][5] == "48万元"

    assert "漏报（逾期未报送）：滨海新区2月。" in text
    assert "迟报：河西区3月。" in text
    assert "退回修改（错报）：南开区1月。" in text
    assert "应报送月度报表48份，已报送47份（其中迟报1份），未报送1份，报送率97.9%，按时报送率95.8%" in text

    assert "每千家次检查发现隐患和违法行为" in text and "隐患整改率" in text and "案均罚款" in text
    # Human names in every document; codes only in the JSON.
    assert "inspection.enterprises" not in md and "month_reports" not in md


def test_year_to_date_bulletin_names_both_missing_districts(
    tianjin: list[str], bulletin_client: TestClient, admin_headers: dict[str, str]
) -> None:
    md = bulletin_md(bulletin_client, admin_headers, "2025-01:2025-09")
    text = body_of(md)
    assert "# 天津市应急管理局2025年1—9月执法工作统计通报" in md
    # 9 × 2800 − 220 (滨海新区 Feb) − 250 (蓟州区 Jul) = 24,730 → 2.47万; last year 142 × 100 = 14,200.
    assert "开展执法检查2.47万家次，同比增长74.2%" in text
    assert "环比" not in text.split("二、")[0].split("同比与")[0]  # no previous period for a range
    ranking = table_rows(md, "表1")
    assert ranking["滨海新区"][0] == "不排名" and ranking["蓟州区"][0] == "不排名"
    assert ranking["静海区"][0] == "1"
    assert "漏报（逾期未报送）：滨海新区2月；蓟州区7月。" in text
    assert "蓟州区（7月未报送）" in text


def test_bulletin_json_is_the_machine_readable_download(
    tianjin: list[str], bulletin_client: TestClient, admin_headers: dict[str, str]
) -> None:
    r = bulletin_client.get(
        "/api/v1/reports/bulletin",
        params={"district": TIANJIN, "period": "2025-03", "format": "json"},
        headers=admin_headers,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["period"] == "2025-03" and body["period_zh"] == "2025年3月"
    figure = next(f for f in body["figures"] if f["key"] == "inspection.enterprises")
    assert figure["code"] == "inspection.enterprises"
    # March: 2800 (河西区's late March counts); last March 1600 → +75.0%; February 2800 − 220 → +1.6%.
    assert figure["value"] == 2800 and figure["change_text"] == "同比增长75.0%，环比增长8.5%"


# ----------------------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-03", Period(2025, 3, 3, "month")),
        ("2025-Q1", Period(2025, 1, 3, "quarter")),
        ("2025-q3", Period(2025, 7, 9, "quarter")),
        ("2025-H1", Period(2025, 1, 6, "half")),
        ("2024", Period(2024, 1, 12, "year")),
        ("2025-01:2025-09", Period(2025, 1, 9, "range")),
    ],
)
def test_periods_are_parsed(text: str, expected: Period) -> None:
    assert parse_period(text, TODAY) == expected


def test_period_names_and_previous_periods() -> None:
    assert Period(2025, 1, 3, "quarter").zh == "2025年第一季度"
    assert Period(2025, 1, 3, "quarter").previous() == Period(2024, 10, 12, "quarter")
    assert Period(2025, 1, 1, "month").previous() == Period(2024, 12, 12, "month")
    assert Period(2025, 1, 9, "range").zh == "2025年1—9月" and Period(2025, 1, 9, "range").previous() is None
    assert Period(2025, 1, 6, "half").zh == "2025年上半年"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("2025-13", "period.format"),
        ("2025Q1", "period.format"),
        ("Q1", "period.format"),
        ("2025-09:2025-01", "period.range"),
        ("2024-11:2025-02", "period.range"),
        ("1999-Q4", "period.too_early"),
        ("2025-10", "period.not_ended"),
        ("2025-Q4", "period.not_ended"),
        ("2025", "period.not_ended"),
        ("2025-01:2025-10", "period.not_ended"),
    ],
)
def test_bad_periods_are_refused(text: str, code: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_period(text, TODAY)
    assert caught.value.errors[0].code == code


def test_a_period_not_ended_is_a_422_problem_naming_the_last_ended_month(
    bulletin_client: TestClient, admin_headers: dict[str, str]
) -> None:
    r = bulletin_client.get(
        "/api/v1/reports/bulletin", params={"district": TIANJIN, "period": "2025-Q4"}, headers=admin_headers
    )
    body = assert_problem(r, 422)
    assert body["code"] == "period.not_ended" and body["last_ended_month"] == "2025-09"
    assert "2025年9月" in body["detail"] and "2025-09" in body["detail_en"]
    r = bulletin_client.get(
        "/api/v1/reports/bulletin", params={"district": TIANJIN, "period": "Q1-2025"}, headers=admin_headers
    )
    body = assert_problem(r, 422)
    assert body["code"] == "period.format" and "2025-Q1" in body["detail"] and "2025-Q1" in body["detail_en"]


def test_a_period_without_data_is_404_report_no_data(
    bulletin_client: TestClient, admin_headers: dict[str, str]
) -> None:
    r = bulletin_client.get(
        "/api/v1/reports/bulletin", params={"district": TIANJIN, "period": "2005-Q1"}, headers=admin_headers
    )
    assert assert_problem(r, 404)["code"] == "report.no_data"


def test_outside_the_scope_is_403(bulletin_client: TestClient, headers_for: Any) -> None:
    r = bulletin_client.get(
        "/api/v1/reports/bulletin",
        params={"district": TIANJIN, "period": "2025-Q1"},
        headers=headers_for("viewer", "500112"),
    )
    assert_problem(r, 403)


# ----------------------------------------------------------------------------- DOCX


def _cant_split_everywhere(data: bytes) -> DocumentObject:
    doc = Document(io.BytesIO(data))
    assert len(doc.tables) >= 3  # two ranking tables and the appendix
    for table in doc.tables:
        for row in table.rows:
            tr_pr = row._tr.trPr
            assert tr_pr is not None and tr_pr.find(qn("w:cantSplit")) is not None
    return doc


@pytest.mark.slow
def test_docx_renders_to_pdf_without_a_row_split_across_pages(
    tianjin: list[str], session: Session, tmp_path: Path
) -> None:
    from pypdf import PdfReader

    bulletin = build_bulletin(StatsContext(session, SYSTEM, TODAY), district=TIANJIN, period="2025-Q1")
    data = bulletin_docx(bulletin)
    _cant_split_everywhere(data)
    soffice = _soffice()
    source = tmp_path / "bulletin.docx"
    source.write_bytes(data)
    done = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    pdf = tmp_path / "bulletin.pdf"
    assert done.returncode == 0 and pdf.exists(), done.stdout + done.stderr
    pages = [(page.extract_text() or "").replace(" ", "") for page in PdfReader(str(pdf)).pages]
    assert len(pages) >= 2
    # Every row of every table stands whole on one page: each district's row (name, rank, figure and
    # change) is found together on a single page, and the appendix's rows too.
    markdown = bulletin_markdown(bulletin)
    for caption in ("表1", "表2"):
        for name, cells in table_rows(markdown, caption).items():
            row_text = "".join(cells).replace(" ", "")
            assert any(row_text in re.sub(r"\s", "", page) for page in pages), (caption, name)
    named = [f for f in appendix_figures(bulletin) if f.district]
    assert named, "the appendix names the districts that missed, sent late or had returned months"
    for f in named:
        assert any(f"{f.district}{f.text}" in re.sub(r"\s", "", page) for page in pages), f.key


def test_bulletin_as_docx_and_html_through_the_api(
    tianjin: list[str], bulletin_client: TestClient, admin_headers: dict[str, str]
) -> None:
    params = {"district": TIANJIN, "period": "2025-01:2025-09", "format": "docx"}
    r = bulletin_client.get("/api/v1/reports/bulletin", params=params, headers=admin_headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == DOCX_MEDIA_TYPE
    assert r.headers["content-disposition"].startswith('attachment; filename="120000-2025-01_2025-09.docx"')
    doc = _cant_split_everywhere(r.content)
    assert doc.paragraphs[0].text == "天津市应急管理局2025年1—9月执法工作统计通报"
    r = bulletin_client.get("/api/v1/reports/bulletin", params={**params, "format": "html"}, headers=admin_headers)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "<caption>表1  2025年1—9月各区（县）执法检查和隐患排查情况</caption>" in r.text


# ----------------------------------------------------------------------------- the command line


def test_cli_writes_the_bulletin_of_the_city_and_of_each_district(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    import app.reports.cli as report_cli
    from app.cli import app

    monkeypatch.setattr(report_cli, "open_database", lambda: database)
    runner = CliRunner()
    today_ = ("--today", TODAY.isoformat())
    out = tmp_path / "q1.docx"
    done = runner.invoke(app, ["bulletin", "--district", TIANJIN, "--period", "2025-Q1", "-o", str(out), *today_])
    assert done.exit_code == 0, done.output
    assert Document(str(out)).paragraphs[0].text == "天津市应急管理局2025年第一季度执法工作统计通报"

    folder = tmp_path / "tianjin"
    args = ["bulletin", "--district", TIANJIN, "--period", "2025-01:2025-09", "--format", "md", "--children"]
    done = runner.invoke(app, [*args, "-o", str(folder), *today_])
    assert done.exit_code == 0, done.output
    files = sorted(p.name for p in folder.iterdir())
    assert len(files) == 17  # the city and its sixteen districts
    assert "120000-天津市-2025-01_2025-09.md" in files
    hedong = (folder / "120102-河东区-2025-01_2025-09.md").read_text(encoding="utf-8")
    assert hedong.startswith("# 天津市河东区应急管理局2025年1—9月执法工作统计通报")
    assert "已写入 Written: 17 个文件 files" in done.output

    refused = runner.invoke(app, ["bulletin", "--district", TIANJIN, "--period", "2025-Q4", *today_])
    assert refused.exit_code == 2
    assert "最近一个已结束的月份是 2025年9月" in " ".join(refused.output.split())


# ----------------------------------------------------------------------------- editions


def test_a_bulletin_is_saved_as_an_edition_listed_with_the_reports(
    tianjin: list[str], bulletin_client: TestClient, admin_headers: dict[str, str], session: Session
) -> None:
    r = bulletin_client.post("/api/v1/reports", json={"district": TIANJIN, "period": "2025-Q1"}, headers=admin_headers)
    assert r.status_code == 201, r.text
    saved = r.json()
    assert saved["kind"] == "bulletin" and saved["period"] == "2025-Q1" and saved["year"] == 2025
    assert saved["title"] == "天津市应急管理局2025年第一季度执法工作统计通报" and saved["revisions"] == []
    listed = bulletin_client.get("/api/v1/reports", params={"district": TIANJIN}, headers=admin_headers).json()
    assert any(e["id"] == saved["id"] and e["period"] == "2025-Q1" for e in listed)

    # 河东区 reports 10 more inspections for January: today's bulletin says 8190, the edition 8180.
    session.execute(
        update(MonthlyValue)
        .where(
            MonthlyValue.district_code == HEDONG,
            MonthlyValue.month == dt.date(2025, 1, 1),
            MonthlyValue.indicator_code == "inspection.enterprises",
        )
        .values(value=120)
    )
    yearly.refresh(session, {(HEDONG, 2025)})
    again = bulletin_client.get(f"/api/v1/reports/{saved['id']}", headers=admin_headers).json()
    revised = next(x for x in again["revisions"] if x["key"] == "inspection.enterprises")
    assert (revised["old_value"], revised["new_value"]) == (8180, 8190)
    md = bulletin_client.get(f"/api/v1/reports/{saved['id']}", params={"format": "md"}, headers=admin_headers).text
    assert "执法检查方面，开展执法检查8180家次" in md and "8180家次" in md.split("定稿后修订的数字")[1]

    for body, code in (
        ({"district": TIANJIN, "period": "2025-Q1", "year": 2024}, "edition.year_period"),
        ({"district": TIANJIN}, "edition.what"),
        ({"district": TIANJIN, "period": "2025-Q4"}, "period.not_ended"),
    ):
        problem = assert_problem(bulletin_client.post("/api/v1/reports", json=body, headers=admin_headers), 422)
        assert problem["errors"][0]["code"] == code


def test_a_month_still_within_its_deadline_is_not_counted_missing(tianjin: list[str], session: Session) -> None:
    """On 5 October, September has ended but its report is due on the 10th: 蓟州区's unsent July is 漏报,
    and the bulletin says September is not yet due."""
    bulletin = build_bulletin(
        StatsContext(session, SYSTEM, dt.date(2025, 10, 5)), district=TIANJIN, period="2025-07:2025-09"
    )
    quality = next(s for s in bulletin.sections if s.heading.endswith("报送质量"))
    assert "漏报（逾期未报送）：蓟州区7月。" in quality.paragraphs
    assert "9月报表报送期限为10月10日，尚未到期，未报送的区（县）不计为漏报。" in quality.paragraphs


# ----------------------------------------------------------------------------- in English

CJK = re.compile(r"[\u2e80-\u2fff\u3000-\u303f\u3040-\u9fff\uf900-\ufaff\uff00-\uffef]")


def _get(client: TestClient, headers: dict[str, str], period: str, **params: str) -> str:
    r = client.get(
        "/api/v1/reports/bulletin", params={"district": TIANJIN, "period": period, **params}, headers=headers
    )
    assert r.status_code == 200, r.text
    return r.text


def test_english_q1_bulletin_states_the_same_totals_ranks_and_changes(
    tianjin: list[str], bulletin_client: TestClient, admin_headers: dict[str, str]
) -> None:
    md = _get(bulletin_client, admin_headers, "2025-Q1", lang="en")
    assert CJK.findall(md) == []  # every Tianjin name has its English name
    text = md.split("## Appendix: data table")[0]
    assert md.startswith("# Tianjin Emergency Management Bureau: Enforcement Statistics Bulletin, Q1 2025\n")
    assert "## I. Overview" in text and "## IV. Reporting quality" in text
    # The Chinese bulletin's 8180家次，同比增长74.0%，环比增长70.4% and 罚款395万元, in English.
    assert re.search(
        r"In Q1 2025, the city carried out [\d,]+ inspections under the “double random, one public” scheme", text
    )
    assert (
        "In enforcement inspections, the city carried out enforcement inspections totalling 8,180 "
        "enterprise-visits, up 74.0% year on year, up 70.4% on the previous quarter" in text
    )
    assert "imposed fines of 3.95 million yuan" in text
    assert (
        "Year-on-year changes compare with January–March 2024, on a comparable basis counting only the "
        "district-months reported in both years; changes on the previous period compare with Q4 2024." in text
    )

    ranking = table_rows(md, "Table 1")
    assert ranking["Jizhou District"][:3] == ["1", "Jizhou District", "750 enterprise-visits"]
    assert ranking["Hedong District"][0] == "14" and ranking["Hedong District"][4] == "up 10.0%"
    assert ranking["Heping District"][0] == "15" and ranking["Heping District"][4] == "unchanged"
    assert ranking["Binhai New Area"][0] == "Not ranked"
    assert "| Rank | District | Enforcement inspections | Share of city | Year on year |" in md
    assert (
        "the top three were Jizhou District (750 enterprise-visits, 9.2% of the city's total), "
        "Jinghai District (720 enterprise-visits" in text
    )
    assert "the bottom three were Heping District (300 enterprise-visits" in text
    assert "Binhai New Area (February not reported) has months not reported and was not ranked" in text
    assert "For administrative penalty cases, all 15 ranked districts stood at 15 cases and share the same rank" in text
    penalties = table_rows(md, "Table 2")
    assert penalties["Jizhou District"][:3] == ["1", "Jizhou District", "15 cases"]
    assert penalties["Jizhou District"][5] == "480,000 yuan"

    assert "Missing (overdue, not submitted): Binhai New Area (February)." in text
    assert "Late: Hexi District (March)." in text
    assert "Returned for correction (errors): Nankai District (January)." in text
    assert (
        "the city's 16 districts were due to submit 48 reports: 47 submitted (1 of them late), 1 not submitted; "
        "a reporting rate of 97.9% and an on-time rate of 95.8%" in text
    )
    assert "hazards and violations found per 1,000 enterprise-visits stood at 157.5 items" in text
    assert "the share of hazards rectified stood at" in text and "the average fine per penalty case stood at" in text
    assert "| Fines | — | 3.95 million yuan | 3,950,000 | 1 district-month | up 740.4% year on year" in md
    assert "inspection.enterprises" not in md and "month_reports" not in md


def test_english_and_chinese_bulletins_carry_the_same_figures(
    tianjin: list[str], bulletin_client: TestClient, admin_headers: dict[str, str]
) -> None:
    zh = json.loads(_get(bulletin_client, admin_headers, "2025-Q1", format="json"))
    english = json.loads(_get(bulletin_client, admin_headers, "2025-Q1", format="json", lang="en"))
    assert zh["lang"] == "zh" and english["lang"] == "en"

    def numbers(body: dict[str, Any]) -> list[tuple[Any, ...]]:
        return [(f["key"], f["code"], f["value"], f["previous"], f["comparable"]) for f in body["figures"]]

    assert numbers(english) == numbers(zh)
    assert [len(s["tables"]) for s in english["sections"]] == [len(s["tables"]) for s in zh["sections"]]
    by_key = {f["key"]: f for f in english["figures"]}
    assert by_key["inspection.enterprises"]["text"] == "8,180 enterprise-visits"
    assert by_key["rank.inspection.enterprises.120119"]["text"] == "ranked 1st, 750 enterprise-visits"
    assert by_key["quality.missing.120116"]["district"] == "Binhai New Area"
    assert english["period"] == zh["period"] == "2025-Q1"

    # A county's bulletin speaks of the bureau, and names it with its city.
    county = _get(bulletin_client, admin_headers, "2025-Q1", lang="en", district=HEDONG)
    bureau = "Emergency Management Bureau of Hedong District, Tianjin"
    assert county.startswith(f"# {bureau}: Enforcement Statistics Bulletin, Q1 2025\n")
    assert "In Q1 2025, the bureau carried out" in county and "the bureau was due to submit 3 reports" in county
    assert CJK.findall(county) == []


def test_english_year_to_date_bulletin_names_its_period_and_renders_as_docx_and_html(
    tianjin: list[str], bulletin_client: TestClient, admin_headers: dict[str, str]
) -> None:
    md = _get(bulletin_client, admin_headers, "2025-01:2025-09", lang="en")
    title = "Tianjin Emergency Management Bureau: Enforcement Statistics Bulletin, January–September 2025"
    assert md.startswith(f"# {title}\n")
    assert "carried out enforcement inspections totalling 24,730 enterprise-visits, up 74.2% year on year" in md
    assert "previous" not in md.split("## II.")[0]  # no previous period for a range
    assert "Missing (overdue, not submitted): Binhai New Area (February); Jizhou District (July)." in md

    html = _get(bulletin_client, admin_headers, "2025-01:2025-09", lang="en", format="html")
    assert '<html lang="en">' in html and CJK.findall(html.split("</head>")[1]) == []
    assert 'font-family: "Times New Roman"' in html.split("</head>")[0]
    assert "<caption>Table 1  Enforcement inspections and hazards found by district, January–September 2025" in html

    r = bulletin_client.get(
        "/api/v1/reports/bulletin",
        params={"district": TIANJIN, "period": "2025-01:2025-09", "format": "docx", "lang": "en"},
        headers=admin_headers,
    )
    assert r.status_code == 200 and r.headers["content-type"] == DOCX_MEDIA_TYPE
    doc = _cant_split_everywhere(r.content)
    assert doc.paragraphs[0].text == title
    words = [p.text for p in doc.paragraphs] + [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert CJK.findall("\n".join(words)) == []
    assert "Annex" in words and "Data table" in words

    refused = bulletin_client.get(
        "/api/v1/reports/bulletin",
        params={"district": TIANJIN, "period": "2025-Q1", "lang": "fr"},
        headers=admin_headers,
    )
    assert_problem(refused, 422)


@pytest.mark.slow
def test_english_docx_renders_to_pdf(tianjin: list[str], session: Session, tmp_path: Path) -> None:
    from pypdf import PdfReader

    bulletin = build_bulletin(StatsContext(session, SYSTEM, TODAY), district=TIANJIN, period="2025-Q1", lang="en")
    source = tmp_path / "bulletin.docx"
    source.write_bytes(bulletin_docx(bulletin))
    done = subprocess.run(
        [
            _soffice(),
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    pdf = tmp_path / "bulletin.pdf"
    assert done.returncode == 0 and pdf.exists(), done.stdout + done.stderr
    pages = " ".join(re.sub(r"\s+", " ", page.extract_text() or "") for page in PdfReader(str(pdf)).pages)
    assert "Enforcement Statistics Bulletin" in pages and "8,180" in pages and "Binhai New Area" in pages


def test_cli_writes_an_english_bulletin(database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    import app.reports.cli as report_cli
    from app.cli import app

    monkeypatch.setattr(report_cli, "open_database", lambda: database)
    out = tmp_path / "q1-en.md"
    args = ["bulletin", "--district", TIANJIN, "--period", "2025-Q1", "--format", "md", "--lang", "en"]
    done = CliRunner().invoke(app, [*args, "-o", str(out), "--today", TODAY.isoformat()])
    assert done.exit_code == 0, done.output
    written = out.read_text(encoding="utf-8")
    assert written.startswith("# Tianjin Emergency Management Bureau: Enforcement Statistics Bulletin, Q1 2025")
    assert "## I. Overview" in written and "## Appendix: data table" in written

    folder = tmp_path / "tianjin-en"
    args = [*args, "--children", "-o", str(folder), "--today", TODAY.isoformat()]
    done = CliRunner().invoke(app, args)
    assert done.exit_code == 0, done.output
    files = sorted(p.name for p in folder.iterdir())
    assert len(files) == 17 and "120116-Binhai_New_Area-2025-Q1.md" in files
    hedong = (folder / "120102-Hedong_District-2025-Q1.md").read_text(encoding="utf-8")
    assert hedong.startswith("# Emergency Management Bureau of Hedong District, Tianjin: Enforcement Statistics")


@pytest.mark.parametrize(
    ("value", "unit", "written"),
    [
        (1, "deaths", "1 death"),
        (2, "deaths", "2 deaths"),
        (1, "person-times", "1 person-time"),
        (1, "yuan", "1 yuan"),
        (1234, "cases", "1,234 cases"),
        (16_300_000, "yuan", "16.3 million yuan"),
        (17_120_000, "yuan", "17.12 million yuan"),
        (999_999_999, "yuan", "1 billion yuan"),
        (1_500_000_000, "person-times", "1.5 billion person-times"),
        (12.5, "items", "12.5 items"),
    ],
)
def test_english_quantities(value: float, unit: str, written: str) -> None:
    from app.reports import bulletin_en

    assert bulletin_en.format_quantity(value, unit) == written


def test_english_periods_changes_and_names() -> None:
    from app.reports import bulletin_en as en
    from app.reports.schemas import ReportDistrict

    assert en.period_name(Period(2025, 1, 3, "quarter")) == "Q1 2025"
    assert en.period_name(Period(2025, 1, 9, "range")) == "January–September 2025"
    assert en.period_name(Period(2025, 3, 3, "month")) == "March 2025"
    assert en.format_change(12.46) == "up 12.5% year on year"
    assert en.format_change(-30) == "down 30.0% year on year"
    assert en.format_change(0.04) == "unchanged year on year"
    assert en.format_point_change(1.23) == "up 1.2 percentage points year on year"
    assert en.format_months([4, 3]) == "March and April"
    assert [en.ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd"
    ]  # fmt: skip
    hedong = ReportDistrict(code="120102", name="河东区", full_name="天津市河东区", level="county")
    assert en.full_name(hedong) == "Hedong District, Tianjin"
    # 河东区 of Linyi is not in the hand table: its name is written in pinyin, with its city's.
    linyi = ReportDistrict(code="371312", name="河东区", full_name="临沂市河东区", level="county")
    assert en.full_name(linyi) == "Hedong District, Linyi"
    chengdu = ReportDistrict(code="510100", name="成都市", full_name="成都市", level="city")
    assert en.full_name(chengdu) == "Chengdu, Sichuan"
    muli = ReportDistrict(
        code="513422", name="木里藏族自治县", full_name="凉山彝族自治州木里藏族自治县", level="county"
    )
    assert en.full_name(muli) == "Muli Tibetan Autonomous County, Liangshan Yi Autonomous Prefecture"


def test_an_english_bulletin_is_saved_as_an_edition_and_revised_in_english(
    tianjin: list[str], bulletin_client: TestClient, admin_headers: dict[str, str], session: Session
) -> None:
    body = {"district": TIANJIN, "period": "2025-Q1", "lang": "en"}
    r = bulletin_client.post("/api/v1/reports", json=body, headers=admin_headers)
    assert r.status_code == 201, r.text
    saved = r.json()
    assert saved["title"] == "Tianjin Emergency Management Bureau: Enforcement Statistics Bulletin, Q1 2025"
    assert saved["report"]["lang"] == "en" and saved["revisions"] == []

    # 河东区 reports 10 more inspections for January: the English edition keeps 8,180 and lists 8,190.
    session.execute(
        update(MonthlyValue)
        .where(
            MonthlyValue.district_code == HEDONG,
            MonthlyValue.month == dt.date(2025, 1, 1),
            MonthlyValue.indicator_code == "inspection.enterprises",
        )
        .values(value=120)
    )
    yearly.refresh(session, {(HEDONG, 2025)})
    url = f"/api/v1/reports/{saved['id']}"
    again = bulletin_client.get(url, headers=admin_headers).json()
    revised = next(x for x in again["revisions"] if x["key"] == "inspection.enterprises")
    assert (revised["old_value"], revised["new_value"]) == (8180, 8190)
    assert revised["new_text"].startswith("8,190 enterprise-visits")
    md = bulletin_client.get(url, params={"format": "md"}, headers=admin_headers).text
    assert f"*Final edition No. {saved['id']}, saved by " in md
    edited, revisions = md.split("## Figures revised since the edition was saved")
    assert "inspections totalling 8,180 enterprise-visits" in edited
    assert "- Enforcement inspections: 8,180 enterprise-visits, up 74.0% year on year" in revisions
    assert "→ 8,190 enterprise-visits" in revisions
    assert CJK.findall(md) == []
    docx = bulletin_client.get(url, params={"format": "docx"}, headers=admin_headers)
    assert docx.status_code == 200 and f"(edition {saved['id']})" in unquote(docx.headers["content-disposition"])

    annual = bulletin_client.post(
        "/api/v1/reports", json={"district": TIANJIN, "year": 2024, "lang": "en"}, headers=admin_headers
    )
    assert assert_problem(annual, 422)["errors"][0]["code"] == "edition.lang"


def test_every_district_of_tianjin_and_chongqing_and_every_province_has_an_english_name() -> None:
    import csv

    from app.reports.bulletin_en import ENGLISH_NAMES

    with open(Path(__file__).parent.parent / "seed" / "data" / "districts.csv", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    wanted = [
        (code, name)
        for code, name, level, *_rest in rows
        if level == "province" or (level == "county" and code[:2] in ("12", "50"))
    ]
    assert len(wanted) > 31 + 16 + 38
    assert [(code, name) for code, name in wanted if code not in ENGLISH_NAMES] == []


# Three counties of Sichuan (outside the hand table of English names): two of Chengdu's, one of Liangshan's.
SICHUAN_COUNTIES = {
    "510104": "Jinjiang District",
    "510107": "Wuhou District",
    "513422": "Muli Tibetan Autonomous County",
}


def test_an_english_bulletin_of_sichuan_names_every_place_in_english(
    bulletin_client: TestClient, admin_headers: dict[str, str], session: Session
) -> None:
    """Sichuan is not in the hand table beyond its own name: its cities and counties are written in pinyin
    with the generic part translated, so the English bulletin holds no Chinese at all."""
    months = [dt.date(2025, m, 1) for m in range(1, 4)] + [dt.date(2024, m, 1) for m in range(1, 4)]
    now = dt.datetime(2025, 10, 1, tzinfo=dt.UTC)
    session.execute(delete(MonthlyValue).where(MonthlyValue.district_code.like("51%")))
    session.execute(
        insert(MonthlyValue),
        [
            {"district_code": code, "month": m, "indicator_code": "inspection.enterprises", "value": 40 + i,
             "updated_at": now}
            for i, code in enumerate(SICHUAN_COUNTIES)
            for m in months
        ],
    )  # fmt: skip
    yearly.refresh(session, {(code, year) for code in SICHUAN_COUNTIES for year in (2024, 2025)})

    md = _get(bulletin_client, admin_headers, "2025-Q1", lang="en", district="510000")
    assert CJK.findall(md) == [], CJK.findall(md)[:20]
    assert md.startswith("# Sichuan Emergency Management Bureau: Enforcement Statistics Bulletin, Q1 2025\n")
    ranking = table_rows(md, "Table 1")
    # Not ranked: most of their counties reported nothing (only three do here).
    assert ranking["Chengdu"][1:3] == ["Chengdu", "243 enterprise-visits"]  # (40 + 41) × 3 months
    assert re.search(r"\| [^|]+ \| Liangshan Yi Autonomous Prefecture \| 126 enterprise-visits \|", md)

    county = _get(bulletin_client, admin_headers, "2025-Q1", lang="en", district="513422")
    assert CJK.findall(county) == []
    bureau = "Emergency Management Bureau of Muli Tibetan Autonomous County, Liangshan Yi Autonomous Prefecture"
    assert county.startswith(f"# {bureau}: Enforcement Statistics Bulletin, Q1 2025\n")
    assert "In Q1 2025, the bureau carried out" in county
