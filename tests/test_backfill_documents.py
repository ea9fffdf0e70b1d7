"""Reading the files reports come in (app.backfill.documents): .docx with tables, .txt in the
encodings Chinese offices use, .pdf with a text layer (rendered by LibreOffice, as CI has it), and
every kind of bad file answered with a named 422 problem."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import docx
import pytest
from pypdf import PdfWriter

from app.backfill.documents import MAX_CHARS, read_document, unwrap_pdf_page
from app.backfill.extract import extract
from app.core.errors import ValidationFailed
from tests.backfill_helpers import HEDONG, YUBEI, gazetteer


def _figures(text: str) -> list[tuple[str, int | float, str]]:
    return [(p.indicator, p.value, p.scope) for p in extract(text, gazetteer=gazetteer()).proposals]


def _docx(paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    document = docx.Document()
    for p in paragraphs:
        document.add_paragraph(p)
    if table:
        t = document.add_table(rows=len(table), cols=len(table[0]))
        for i, row in enumerate(table):
            for j, value in enumerate(row):
                t.cell(i, j).text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _code(fn: Callable[[], object]) -> str:
    with pytest.raises(ValidationFailed) as caught:
        fn()
    assert caught.value.status == 422
    return caught.value.errors[0].code


# ----------------------------------------------------------------------------- .docx


def test_docx_paragraphs_and_tables_in_order() -> None:
    content = _docx(
        ["某区应急管理局2022年执法工作总结", "全年共开展执法检查1200家次。", "主要数据见下表："],
        [["指标", "数量"], ["罚款", "12.5万元"], ["行政拘留", "3人"]],
    )
    text = read_document(content, "总结.docx")
    assert text.splitlines()[:3] == [
        "某区应急管理局2022年执法工作总结",
        "全年共开展执法检查1200家次。",
        "主要数据见下表：",
    ]
    assert "罚款\t12.5万元" in text
    assert _figures(text) == [
        ("inspection.enterprises", 1200, "total"),
        ("penalty.fines_yuan", 125000, "total"),
        ("penalty.detentions", 3, "total"),
    ]


def test_hedong_as_docx_gives_what_the_text_gives() -> None:
    paragraphs = HEDONG.read_text(encoding="utf-8").split("\n")
    assert _figures(read_document(_docx(paragraphs), "hedong.docx")) == _figures(HEDONG.read_text(encoding="utf-8"))


def test_docx_without_a_name_is_recognised_by_its_bytes() -> None:
    assert "1200家次" in read_document(_docx(["全年检查企业1200家次。"]), None)


def test_damaged_docx() -> None:
    assert _code(lambda: read_document(b"PK\x03\x04 not really a zip", "a.docx")) == "backfill.bad_docx"
    assert _code(lambda: read_document(b"plain text", "a.docx")) == "backfill.bad_docx"
    not_word = io.BytesIO()
    with zipfile.ZipFile(not_word, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    assert _code(lambda: read_document(not_word.getvalue(), "a.docx")) == "backfill.bad_docx"


def test_a_docx_that_unpacks_to_too_much_is_refused_before_it_is_read() -> None:
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"\0" * (101 * 1024 * 1024))
    assert len(bomb.getvalue()) < 1024 * 1024
    assert _code(lambda: read_document(bomb.getvalue(), "bomb.docx")) == "backfill.too_large"


# ----------------------------------------------------------------------------- .txt


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_txt_in_the_encodings_offices_use(encoding: str) -> None:
    text = "区应急管理局2022年工作总结\r\n全年检查企业1200家次，罚款86.5万元。\r\n"
    read = read_document(text.encode(encoding), "总结.txt")
    assert read == "区应急管理局2022年工作总结\n全年检查企业1200家次，罚款86.5万元。\n"
    assert _figures(read) == [("inspection.enterprises", 1200, "total"), ("penalty.fines_yuan", 865000, "total")]


def test_the_seed_report_in_gb18030_reads_as_in_utf8() -> None:
    text = YUBEI.read_text(encoding="utf-8")
    assert read_document(text.encode("gb18030"), "yubei.txt") == text


def test_bad_text_files() -> None:
    assert _code(lambda: read_document(b"\x00\x01\x02binary\x00", "a.txt")) == "backfill.not_text"
    assert _code(lambda: read_document(b"\x81", "a.txt")) == "backfill.not_text"
    assert _code(lambda: read_document(b"   \n\t ", "a.txt")) == "backfill.empty"
    assert _code(lambda: read_document(("检" * (MAX_CHARS + 1)).encode(), "a.txt")) == "backfill.too_long"


@pytest.mark.parametrize("name", ["report.doc", "report.wps", "figures.xlsx", "scan.jpg"])
def test_other_file_types_are_refused_by_name(name: str) -> None:
    assert _code(lambda: read_document(b"whatever", name)) == "backfill.unsupported_type"


# ----------------------------------------------------------------------------- .pdf


def _soffice() -> str:
    found = shutil.which("libreoffice") or shutil.which("soffice")
    if found:
        return found
    if os.environ.get("REQUIRE_LIBREOFFICE") == "1":
        pytest.fail("REQUIRE_LIBREOFFICE=1 but LibreOffice is not installed (apt-get install libreoffice-writer-nogui)")
    pytest.skip("PDF tests skipped: LibreOffice is not installed; REQUIRE_LIBREOFFICE=1 makes this a failure")


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, bytes]]:
    """The two seed reports as Word documents rendered to PDF by LibreOffice (a real text layer)."""
    soffice = _soffice()
    tmp = tmp_path_factory.mktemp("pdf")
    sources = []
    for path in (HEDONG, YUBEI):
        source = tmp / (path.stem + ".docx")
        source.write_bytes(_docx(path.read_text(encoding="utf-8").split("\n")))
        sources.append(str(source))
    profile = f"-env:UserInstallation=file://{tmp / 'profile'}"
    done = subprocess.run(
        [soffice, profile, "--headless", "--convert-to", "pdf", "--outdir", str(tmp), *sources],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    out = {p.stem: p.read_bytes() for p in tmp.glob("*.pdf")}
    assert done.returncode == 0 and len(out) == 2, done.stdout + done.stderr
    yield out


@pytest.mark.slow
@pytest.mark.parametrize("report", [HEDONG, YUBEI], ids=["hedong", "yubei"])
def test_a_pdf_text_layer_gives_what_the_text_gives(pdfs: dict[str, bytes], report: Path) -> None:
    text = read_document(pdfs[report.stem], report.stem + ".pdf")
    extraction = extract(text, gazetteer=gazetteer())
    assert _figures(text) == _figures(report.read_text(encoding="utf-8"))
    for p in extraction.proposals:  # offsets index the text the PDF gave
        assert text[p.start : p.end] == p.written


def test_unwrapping_a_pdf_page() -> None:
    page = (
        "    一是深入开展“安全生产月”活动。编制各项活动方案，先后组织了启动仪式、咨询日、专项培训等活动8\n"
        "场，7000 “ ” “余人参加。二是开展巡回宣讲活动。\n"
        "- 3 -\n"
        "    （二）下一段"
    )
    assert unwrap_pdf_page(page) == (
        "    一是深入开展“安全生产月”活动。编制各项活动方案，先后组织了启动仪式、咨询日、专项培训等活动8"
        "场，7000 余人参加。二是开展巡回宣讲活动。\n    （二）下一段"
    )


def _pdf(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_bad_pdfs() -> None:
    assert _code(lambda: read_document(b"%PDF-1.4 and then nothing", "a.pdf")) == "backfill.bad_pdf"
    assert _code(lambda: read_document(b"not a pdf at all", "a.pdf")) == "backfill.bad_pdf"
    scan = PdfWriter()
    scan.add_blank_page(595, 842)
    assert _code(lambda: read_document(_pdf(scan), "scan.pdf")) == "backfill.no_text_layer"
    locked = PdfWriter()
    locked.add_blank_page(595, 842)
    locked.encrypt("secret")
    assert _code(lambda: read_document(_pdf(locked), "locked.pdf")) == "backfill.encrypted_pdf"
    long = PdfWriter()
    for _ in range(301):
        long.add_blank_page(595, 842)
    assert _code(lambda: read_document(_pdf(long), "long.pdf")) == "backfill.too_many_pages"
