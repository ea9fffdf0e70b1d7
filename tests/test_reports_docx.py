"""The DOCX report: official layout (A4, GB/T 9704 fonts and spacing), the figure table, the chart,
page numbers, the writer's empty sections; and, where LibreOffice is installed, A4 pages in PDF."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Length, Pt
from docx.styles.style import ParagraphStyle
from docx.text.paragraph import Paragraph
from fastapi.testclient import TestClient

from app.reports.docx import DOCX_MEDIA_TYPE
from tests.test_reports import appendix_cells

HEDONG = "120102"
A4 = (210, 297)


@pytest.fixture
def hedong_docx(client: TestClient, admin_headers: dict[str, str]) -> bytes:
    response = client.get(
        "/api/v1/reports/annual", params={"district": HEDONG, "year": 2021, "format": "docx"}, headers=admin_headers
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == DOCX_MEDIA_TYPE
    assert response.headers["content-disposition"].startswith('attachment; filename="120102-2021.docx"')
    return response.content


def east_asian_font(style_or_run_element: Any) -> str | None:
    rpr = style_or_run_element.rPr
    if rpr is None or rpr.rFonts is None:
        return None
    return rpr.rFonts.get(qn("w:eastAsia"))


def mm(length: Length | None) -> int:
    """A page dimension in whole millimetres (python-docx answers None for one the file leaves out)."""
    assert length is not None
    return round(length.mm)


def style_of(paragraph: Paragraph) -> ParagraphStyle:
    assert paragraph.style is not None
    return paragraph.style


def test_docx_page_fonts_and_spacing(hedong_docx: bytes) -> None:
    doc = Document(io.BytesIO(hedong_docx))
    first = doc.sections[0]
    assert (mm(first.page_width), mm(first.page_height)) == A4
    margins = [mm(first.top_margin), mm(first.bottom_margin), mm(first.left_margin), mm(first.right_margin)]
    assert margins == [37, 35, 28, 26]
    for section in doc.sections:  # the appendix is a landscape A4 section
        assert sorted((mm(section.page_width), mm(section.page_height))) == list(A4)

    normal = doc.styles["Normal"]
    assert east_asian_font(normal.element) == "仿宋_GB2312"
    assert normal.font.size == Pt(16)
    assert normal.paragraph_format.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert normal.paragraph_format.line_spacing == Pt(28)
    assert east_asian_font(doc.styles["Heading 1"].element) == "黑体"
    assert east_asian_font(doc.styles["Heading 2"].element) == "楷体_GB2312"
    # Theme fonts would override the named ones in Word.
    for name in ("Normal", "Heading 1", "Heading 2"):
        rfonts = doc.styles[name].element.rPr.rFonts
        assert rfonts.get(qn("w:eastAsiaTheme")) is None and rfonts.get(qn("w:asciiTheme")) is None

    title = doc.paragraphs[0]
    assert title.text == "天津市河东区应急管理局2021年度法治政府建设情况报告"
    title_style = style_of(title)
    assert east_asian_font(title_style.element) == "方正小标宋简体"
    assert title_style.font.size == Pt(22)
    assert title_style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER

    by_text = {p.text: p for p in doc.paragraphs}
    assert style_of(by_text["一、2021年度推进法治政府建设的主要举措和成效"]).name == "Heading 1"
    assert style_of(by_text["（一）“双随机、一公开”监管"]).name == "Heading 2"
    body = next(p for p in doc.paragraphs if "执法检查807家次" in p.text)
    assert style_of(body).name == "Normal"
    # The fallbacks for machines without the GB fonts.
    font_table = next(p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml")
    assert 'w:name="仿宋_GB2312"><w:altName w:val="仿宋"/>' in font_table.blob.decode("utf-8")


def test_docx_has_the_figure_table_the_chart_page_numbers_and_empty_sections(hedong_docx: bytes) -> None:
    doc = Document(io.BytesIO(hedong_docx))
    key_table = doc.tables[0]
    header = [c.text for c in key_table.rows[0].cells]
    assert header[0] == "指标" and header[1] == "2021年" and "2020年同期" in header and header[-1] == "同比"
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in key_table.rows[1:]}
    assert rows["执法检查"][1] == "807家次"
    # 2020 lacks February and March: the change is over the months both years have, and says so.
    assert rows["执法检查"][-1] == "较上年全年（736家次）增长9.6%，按可比口径同比下降4.9%"
    assert rows["案审会"][1] == "28次"
    assert any(p.text.startswith("表1") for p in doc.paragraphs)

    assert len(doc.inline_shapes) == 1
    image = doc.inline_shapes[0]._inline.graphic.graphicData.pic.blipFill.blip.embed
    assert doc.part.related_parts[image].content_type == "image/png"
    assert any(p.text.startswith("图1") and "执法检查" in p.text for p in doc.paragraphs)

    footer_xml = doc.sections[0].footer._element.xml
    assert "PAGE" in footer_xml and 'w:fldCharType="begin"' in footer_xml

    texts = [p.text for p in doc.paragraphs]
    situation = texts.index("二、安全生产形势")
    assert style_of(doc.paragraphs[situation]).name == "Heading 1"
    for heading in ("三、主要负责人履行第一责任人职责情况", "四、存在的不足和原因", "五、下一年度工作安排"):
        i = texts.index(heading)
        assert style_of(doc.paragraphs[i]).name == "Heading 1"
        assert texts[i + 1] == "（请撰写人填写）"

    appendix = doc.tables[1]
    items = {r.cells[0].text for r in appendix.rows[1:]}
    assert {"执法检查", "案审会", "应急演练活动名称"} <= items
    # In human names: no indicator code anywhere in the appendix; every row whole on one page.
    assert not any(re.search(r"[a-z_]+\.[a-z_]+|month_reports", c.text) for r in appendix.rows for c in r.cells)
    assert all(r._tr.trPr is not None and r._tr.trPr.find(qn("w:cantSplit")) is not None for r in appendix.rows)


def _soffice() -> str:
    found = shutil.which("libreoffice") or shutil.which("soffice")
    if found:
        return found
    if os.environ.get("REQUIRE_LIBREOFFICE") == "1":
        pytest.fail("REQUIRE_LIBREOFFICE=1 but LibreOffice is not installed (apt-get install libreoffice-writer-nogui)")
    pytest.skip(
        "PDF check skipped: LibreOffice is not installed (apt-get install libreoffice-writer-nogui); "
        "REQUIRE_LIBREOFFICE=1 makes this a failure"
    )


@pytest.mark.slow
def test_docx_converts_to_a_pdf_of_a4_pages(hedong_docx: bytes, tmp_path: Path) -> None:
    from pypdf import PdfReader

    soffice = _soffice()
    source = tmp_path / "report.docx"
    source.write_bytes(hedong_docx)
    done = subprocess.run(
        [
            soffice,
            # A profile of its own: a LibreOffice already running elsewhere would otherwise swallow the job.
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
    pdf = tmp_path / "report.pdf"
    assert done.returncode == 0 and pdf.exists(), done.stdout + done.stderr
    reader = PdfReader(str(pdf))
    assert len(reader.pages) >= 3
    for page in reader.pages:
        size_mm = sorted(round(float(v) * 25.4 / 72) for v in (page.mediabox.width, page.mediabox.height))
        assert size_mm == list(A4), size_mm
    text = "".join(page.extract_text() or "" for page in reader.pages[:2]).replace(" ", "")
    assert "807家次" in text


def test_docx_appendix_states_the_rows_of_the_markdown_appendix(
    hedong_docx: bytes, client: TestClient, admin_headers: dict[str, str]
) -> None:
    """One appendix row in every format: DOCX joins 同比 and 同比口径 in one cell, the rest is cell for cell."""
    markdown = client.get(
        "/api/v1/reports/annual", params={"district": HEDONG, "year": 2021, "format": "md"}, headers=admin_headers
    ).text
    expected = []
    for cells in appendix_cells(markdown):
        cells = [c.replace("\\|", "|") for c in cells]
        change, basis = cells[5], cells[6]
        expected.append([*cells[:5], change + ("；" + basis if basis != "—" else "")])
    appendix = Document(io.BytesIO(hedong_docx)).tables[1]
    assert [[c.text for c in r.cells] for r in appendix.rows[1:]] == expected
