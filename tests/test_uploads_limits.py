"""Files made to cost far more to read than their size (issue 13, points 2, 3 and 11): merged
ranges, shared strings, sparse and overlong rows. Each is built by hand (a zip of hand-written
XML), read with its time and memory measured, and answered 422 or read cheaply."""

from __future__ import annotations

import datetime as dt
import io
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl.utils.cell import get_column_letter

from app.indicators.service import IndicatorInfo
from app.uploads import tables
from app.uploads.parser import ParsedFile, parse_file
from app.uploads.xlsx import MAX_SHARED_STRINGS_BYTES
from tests.upload_helpers import CLEAN, codes, problem, upload, xlsx_bytes

MB = 1024 * 1024
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
TODAY = dt.date(2026, 11, 1)
HEADER = (
    '<row r="1">'
    + "".join(
        f'<c r="{col}1" t="inlineStr"><is><t>{text}</t></is></c>'
        for col, text in zip("ABCD", ("区划代码", "月份", "指标", "数值"), strict=True)
    )
    + "</row>"
)


def workbook(sheet: str, shared_strings: bytes | None = None) -> bytes:
    """A minimal XLSX: one sheet (``sheet`` is its <sheetData> and what follows), optional shared strings."""
    ss_override = (
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.sharedStrings+xml"/>'
        if shared_strings is not None
        else ""
    )
    ss_rel = (
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'sharedStrings" Target="sharedStrings.xml"/>'
        if shared_strings is not None
        else ""
    )
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.'
        'org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
        'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
        '"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"'
        '/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
        f'officedocument.spreadsheetml.worksheet+xml"/>{ss_override}</Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.'
        'org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8"?><workbook {NS} xmlns:r="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="数据" sheetId="1" r:id="rId1"/>'
        "</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        f"{ss_rel}</Relationships>",
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}>{sheet}</worksheet>',
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)
        if shared_strings is not None:
            z.writestr("xl/sharedStrings.xml", shared_strings)
    return out.getvalue()


def measured(read: Callable[[], ParsedFile]) -> tuple[ParsedFile, float, float]:
    """What ``read`` returned, in how many seconds, with how many MB at its peak."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = read()
        elapsed = time.perf_counter() - started
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, elapsed, peak / MB


def parse(content: bytes, **limits: Any) -> ParsedFile:
    catalogue = {
        "penalty.cases": IndicatorInfo(
            "penalty.cases", "penalty", "行政处罚案件", "Penalty cases", "件", "cases", True, 1, 1
        )
    }
    return parse_file(content, file_name="a.xlsx", catalogue=catalogue, today=TODAY, **limits)


def error_codes(result: ParsedFile) -> list[str]:
    return [e.code for e in result.errors]


# ----------------------------------------------------------------------------- 2. merged cells


def merged_sheet(ranges: int, cells_each: int = 100_000) -> bytes:
    rows = HEADER + f'<row r="2"><c r="A2" t="inlineStr"><is><t>{CLEAN}</t></is></c></row>'
    columns = [get_column_letter(6 + i) for i in range(ranges)]
    merges = "".join(f'<mergeCell ref="{c}3:{c}{2 + cells_each}"/>' for c in columns)
    return workbook(f'<sheetData>{rows}</sheetData><mergeCells count="{ranges}">{merges}</mergeCells>')


def test_merged_ranges_over_empty_rows_cost_nothing() -> None:
    """The issue's file, scaled down: 1.8 KB, ranges of 100,000 cells each (60 took 6.6 s and +900 MB;
    these 4 took 1.5 s and +84 MB, 8 s and 82 MB traced)."""
    content = merged_sheet(4)
    assert len(content) < 2_000
    result, elapsed, peak = measured(lambda: parse(content))
    assert elapsed < 1 and peak < 10, (elapsed, peak)
    assert "file.too_complex" not in error_codes(result)


def test_too_many_merged_ranges_are_too_complex(client: TestClient, headers_for: Any) -> None:
    content = merged_sheet(tables.MAX_MERGED_RANGES + 1, cells_each=2)
    result, elapsed, peak = measured(lambda: parse(content))
    assert error_codes(result) == ["file.too_complex"]
    assert elapsed < 1 and peak < 10, (elapsed, peak)
    staff = headers_for("staff", CLEAN)
    assert codes(problem(upload(client, staff, content, "merged.xlsx"))) == ["file.too_complex"]


def test_merged_cells_over_the_rows_read_are_capped() -> None:
    """Ranges that do cover rows of data are indexed cell by cell, up to MAX_MERGED_CELLS."""
    rows = HEADER + "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(2, 302))
    # Three ranges of 300 rows × 300 columns (90,000 cells each: labels, not formatting).
    merges = "".join(f'<mergeCell ref="{a}2:{b}301"/>' for a, b in (("E", "KR"), ("KS", "WF"), ("WG", "AIT")))
    result = parse(workbook(f"<sheetData>{rows}</sheetData><mergeCells>{merges}</mergeCells>"))
    assert error_codes(result) == ["file.too_complex"]


def test_a_merged_label_still_reads(client: TestClient, headers_for: Any) -> None:
    staff = headers_for("staff", CLEAN)
    rows: list[list[Any]] = [
        ["区划代码", "月份", "指标", "数值"],
        [CLEAN, "2024-03", "penalty.cases", 2],
        [None, None, "drill.drills", 1],
    ]
    content = xlsx_bytes({"数据": rows}, merges={"数据": ["A2:A3", "B2:B3"]})
    r = upload(client, staff, content, "a.xlsx", dry_run=True)
    assert r.status_code == 200, r.text
    assert r.json()["values"] == 2


# ----------------------------------------------------------------------------- 3. shared strings


def shared_strings(total_bytes: int) -> bytes:
    """Different strings (as a real table of names would have) of about ``total_bytes`` in all:
    they compress about 40:1, well under the zip ratio that flags a bomb."""
    head = f'<?xml version="1.0" encoding="UTF-8"?><sst {NS}>'.encode()
    item = 100
    count = total_bytes // item
    body = b"".join(b"<si><t>%08d%s</t></si>" % (i, b"x" * (item - 24)) for i in range(count))
    return head + body + b"</sst>"


def test_oversized_shared_strings_are_refused_unread() -> None:
    """The issue's file held 250 MB of shared strings in 3.6 MB (404 s, 1.7 GB); 20 MB took 6 s here."""
    sst = shared_strings(20 * MB)
    sheet = f'<sheetData>{HEADER}<row r="2"><c r="A2" t="s"><v>0</v></c></row></sheetData>'
    content = workbook(sheet, sst)
    assert len(content) < MB and len(sst) > MAX_SHARED_STRINGS_BYTES
    result, elapsed, peak = measured(lambda: parse(content))
    assert error_codes(result) == ["file.too_large_uncompressed"]
    assert result.errors[0].extra["part"] == "xl/sharedStrings.xml"
    assert elapsed < 1 and peak < 5, (elapsed, peak)


def test_shared_strings_are_charged_to_the_memory_budget() -> None:
    sst = shared_strings(4 * MB)
    sheet = f'<sheetData>{HEADER}<row r="2"><c r="A2" t="s"><v>0</v></c></row></sheetData>'
    content = workbook(sheet, sst)
    result, _elapsed, peak = measured(lambda: parse(content, memory_bytes=2 * MB))
    assert error_codes(result) == ["file.too_complex"]
    assert peak < 8, peak  # the budget, the file and a parser's buffers
    # With room enough the same file reads (and finds no figure in it).
    assert error_codes(parse(content)) != ["file.too_complex"]


# ----------------------------------------------------------------------------- the memory budget and the clock


def test_sparse_rows_are_held_within_the_memory_budget() -> None:
    """A row whose one cell sits in column 1,000 holds a list of 1,000 slots: 20,000 such rows are
    a 400 KB file that held 160 MB. The budget (set small here) stops it, and bounds the peak."""
    rows = HEADER + "".join(f'<row r="{r}"><c r="ALL{r}"><v>1</v></c></row>' for r in range(2, 20_002))
    content = workbook(f"<sheetData>{rows}</sheetData>")
    assert len(content) < MB
    result, _elapsed, peak = measured(lambda: parse(content, memory_bytes=16 * MB))
    assert error_codes(result) == ["file.too_complex"]
    assert result.errors[0].extra["memory_budget_bytes"] == 16 * MB
    assert peak < 2 * 16 + 4, peak


def test_a_row_of_100000_cells_is_refused_while_it_is_read() -> None:
    cells = "".join(f"<c><v>{i * 7919 % 100_003}</v></c>" for i in range(100_000))
    content = workbook(f'<sheetData>{HEADER}<row r="2">{cells}</row></sheetData>')
    result, elapsed, peak = measured(lambda: parse(content))
    assert error_codes(result) in (["file.too_many_columns"], ["file.too_complex"])
    assert elapsed < 2 and peak < 40, (elapsed, peak)


def test_a_cell_longer_than_excel_allows_is_too_complex() -> None:
    text = "长" * 40_000
    content = workbook(
        f'<sheetData>{HEADER}<row r="2"><c r="A2" t="inlineStr"><is><t>{text}</t></is></c></row></sheetData>'
    )
    assert error_codes(parse(content)) == ["file.too_complex"]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_clock_is_checked_inside_the_reading_loops(kind: str) -> None:
    if kind == "csv":
        content = ("区划代码,月份,指标,数值\n" + f"{CLEAN},2024-03,penalty.cases,1\n" * 20_000).encode()
    else:
        rows = HEADER + "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(2, 20_002))
        content = workbook(f"<sheetData>{rows}</sheetData>")
    catalogue: dict[str, IndicatorInfo] = {}
    result = parse_file(content, file_name=f"a.{kind}", catalogue=catalogue, today=TODAY, seconds=0.0)
    assert error_codes(result) == ["file.too_complex"]


def test_every_part_that_is_read_is_capped() -> None:
    out = io.BytesIO()
    source = zipfile.ZipFile(io.BytesIO(workbook(f"<sheetData>{HEADER}</sheetData>")))
    with source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        # Styles of 9 MB of distinct fonts (no bomb by ratio): over the 8 MB of a part that is not a sheet.
        fonts = b"".join(b'<font><name val="f%07d"/></font>' % i for i in range(300_000))
        target.writestr("xl/styles.xml", b"<styleSheet " + NS.encode() + b"><fonts>" + fonts + b"</fonts></styleSheet>")
    result = parse(out.getvalue())
    assert error_codes(result) == ["file.too_large_uncompressed"]
    assert result.errors[0].extra["part"] == "xl/styles.xml"
