"""Reading an XLSX file within bounds: the archive, its shared strings and its sheets, streamed.

An XLSX is a zip of XML parts, and each part can be made to cost far more to read than its bytes
suggest: a 1.8 KB sheet of 60 merged ranges of 100,000 cells each took 6.6 s and 900 MB; a 3.6 MB
file of 250 MB of shared strings 404 s. So, before anything is parsed, the archive's directory is
checked (entries, total and per-part uncompressed size, compression ratio); then the shared
strings and every sheet are read by our own streaming loops, which drop what they have read,
count rows, cells, elements and merged ranges, and check the budget of time and memory
(``app.uploads.tables.Budget``) as they go. openpyxl reads the rest (the workbook, styles).
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from collections.abc import Iterator
from typing import IO, Any
from xml.etree.ElementTree import iterparse

from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet._reader import FORMULA_TAG, ROW_TAG, WorkSheetParser
from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS

from app.uploads.tables import (
    CHAR_BYTES,
    HEADER_SCAN_ROWS,
    MAX_COLUMNS,
    MAX_MERGED_RANGES,
    MAX_ROWS,
    ROW_BYTES,
    SLOT_BYTES,
    VALUE_BYTES,
    Budget,
    FileRejected,
    OverBudget,
    ParseTimeout,
    Table,
    file_problem,
    index_merges,
    too_many_columns,
    too_many_rows,
)
from app.values.cells import FORMULA_WITHOUT_VALUE, is_blank

# What the archive may expand to. A real 200,000-row sheet is ~60 MB of XML; a zip bomb is gigabytes.
MAX_UNCOMPRESSED = 256 * 1024 * 1024
MAX_ZIP_ENTRIES = 2_000
MAX_RATIO = 200  # uncompressed / compressed, for entries over 1 MB
# Every part that is read, uncompressed: sheets, the shared strings, and the rest (workbook,
# styles, theme, relationships). Workbooks that Excel or WPS write keep their strings once each,
# so a few megabytes of shared strings already mean hundreds of thousands of different texts.
MAX_SHEET_BYTES = 128 * 1024 * 1024
MAX_SHARED_STRINGS_BYTES = 16 * 1024 * 1024
MAX_OTHER_PART_BYTES = 8 * 1024 * 1024
# Excel's own limit on the text of a cell.
MAX_CELL_CHARS = 32_767
# XML elements in one row (a cell of rich text has a few per run), and between budget checks.
MAX_ROW_ELEMENTS = 20_000
CHECK_EVERY = 10_000

_SHEET_PART = re.compile(r"^xl/worksheets/[^/]+\.xml$")
_SI = f"{{{SHEET_MAIN_NS}}}si"
_T = f"{{{SHEET_MAIN_NS}}}t"
_R = f"{{{SHEET_MAIN_NS}}}r"
_MERGE_CELL = f"{{{SHEET_MAIN_NS}}}mergeCell"


def _too_large(part: str, size: int, limit: int) -> FileRejected:
    return file_problem(
        "file.too_large_uncompressed",
        f"XLSX 文件的 {part} 解压后过大（{size:,} 字节，最多 {limit:,}），已拒绝",
        f"The XLSX part {part} expands to {size:,} bytes (at most {limit:,}); refused",
        part=part,
        uncompressed_bytes=size,
    )


def part_limit(name: str) -> int | None:
    """The uncompressed size a part may have when it is read; None for parts never read (images)."""
    if _SHEET_PART.match(name):
        return MAX_SHEET_BYTES
    if name == "xl/sharedStrings.xml":
        return MAX_SHARED_STRINGS_BYTES
    if name.endswith((".xml", ".rels")):
        return MAX_OTHER_PART_BYTES
    return None


def check_zip(content: bytes) -> None:
    """Refuse XLSX files that expand beyond a sane size before openpyxl opens them (zip bombs).
    The sizes in the directory can be trusted as bounds: zipfile stops at the stated size."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise file_problem("file.unreadable", "XLSX 文件已损坏，无法打开", "The XLSX file is damaged") from exc
    with archive:
        infos = archive.infolist()
        names = {i.filename for i in infos}
        if "xl/workbook.xml" not in names:
            raise file_problem(
                "file.unsupported_format",
                "压缩包不是 Excel 工作簿（.xlsx）：请上传 Excel 模板或 CSV 文件",
                "The zip file is not an Excel workbook (.xlsx)",
            )
        total = sum(i.file_size for i in infos)
        bomb = len(infos) > MAX_ZIP_ENTRIES or total > MAX_UNCOMPRESSED
        bomb = bomb or any(i.file_size > 1_048_576 and i.file_size > MAX_RATIO * max(i.compress_size, 1) for i in infos)
        if bomb:
            raise file_problem(
                "file.too_large_uncompressed",
                "XLSX 文件解压后过大（疑似压缩炸弹），已拒绝",
                f"The XLSX expands to {total:,} bytes (over {MAX_UNCOMPRESSED:,}, or an implausible ratio); refused",
                uncompressed_bytes=total,
            )
        for info in infos:
            limit = part_limit(info.filename)
            if limit is not None and info.file_size > limit:
                raise _too_large(info.filename, info.file_size, limit)


def read_shared_strings(source: IO[bytes], budget: Budget) -> list[str]:
    """The shared strings, as openpyxl reads them (the text of a string, or of its runs; phonetic
    guides left out), streamed: each string is dropped from the XML tree once read."""
    strings: list[str] = []
    root = None
    for event, element in iterparse(source, events=("start", "end")):
        if root is None:
            root = element
        if event != "end" or element.tag != _SI:
            continue
        parts = [child.text or "" for child in element if child.tag == _T]
        parts += [run.findtext(_T) or "" for run in element if run.tag == _R]
        text = "".join(parts).replace("x005F_", "")
        strings.append(text)
        root.clear()
        budget.charge(VALUE_BYTES + CHAR_BYTES * len(text))
        if len(strings) % CHECK_EVERY == 0:
            budget.check()
    return strings


class _BoundedReader(ExcelReader):  # type: ignore[misc]  # openpyxl has no type hints
    """openpyxl's reader of the package, reading only what uploads need: the workbook (sheet names
    and the date system), the styles (which cells are dates) and the shared strings, these by
    ``read_shared_strings``. Sheets are listed, not opened: openpyxl's read-only sheet parses a
    whole sheet once just to find its size when the sheet does not state it."""

    budget: Budget
    sheets: list[tuple[str, str]]

    def read(self) -> None:
        self.read_manifest()
        ct = self.package.find(SHARED_STRINGS)
        if ct is not None:
            with self.archive.open(ct.PartName[1:]) as src:
                self.shared_strings = read_shared_strings(src, self.budget)
        self.read_workbook()
        apply_stylesheet(self.archive, self.wb)
        self.sheets = [
            (sheet.name, rel.target)
            for sheet, rel in self.parser.find_sheets()
            if rel.target in self.valid_files and "chartsheet" not in rel.Type
        ]


class _SheetParser(WorkSheetParser):  # type: ignore[misc]  # openpyxl has no type hints
    """Rows and merged ranges of one sheet, streamed; everything else in the sheet is skipped."""

    def __init__(self, source: IO[bytes], shared_strings: list[str], title: str, budget: Budget, **kw: Any) -> None:
        super().__init__(source, shared_strings, data_only=True, **kw)
        self.title = title
        self.budget = budget
        self.ranges: list[tuple[int, int, int, int]] = []
        self.merge_cells = 0
        self.elements = 0

    def parse_row(self, row: Any) -> tuple[int, list[dict[str, Any]]]:
        # openpyxl's also keeps each row's attributes (height, style), which nothing here reads.
        number = row.get("r")
        if number is None:
            self.row_counter: int = self.row_counter + 1
        else:
            try:
                self.row_counter = int(number)
            except ValueError:
                self.row_counter = int(float(number))
        self.col_counter = 0
        return self.row_counter, [self.parse_cell(cell) for cell in row]

    def parse_cell(self, element: Any) -> dict[str, Any]:
        cell: dict[str, Any] = super().parse_cell(element)
        value = cell["value"]
        # openpyxl (data_only) reads a formula saved without its result as an empty cell; we want
        # to say so rather than treat the figure as not reported.
        if value is None and element.find(FORMULA_TAG) is not None:
            cell["value"] = FORMULA_WITHOUT_VALUE
        elif isinstance(value, str) and len(value) > MAX_CELL_CHARS:
            raise OverBudget
        if cell["column"] > MAX_COLUMNS:
            raise too_many_columns(f"工作表“{self.title}”第{cell['row']}行", f"Sheet {self.title!r} row {cell['row']}")
        return cell

    def rows(self) -> Iterator[tuple[int, list[dict[str, Any]]]]:
        """(row number, cells) of every row; merged ranges are collected in ``ranges`` on the way."""
        stack: list[Any] = []
        in_row = 0  # elements opened inside the current row
        for event, element in iterparse(self.source, events=("start", "end")):
            if event == "start":
                stack.append(element)
                if in_row or element.tag == ROW_TAG:
                    in_row += 1
                    if in_row > MAX_ROW_ELEMENTS:
                        raise OverBudget
                self.elements += 1
                if self.elements % CHECK_EVERY == 0:
                    self.budget.check()
                continue
            stack.pop()
            parent = stack[-1] if stack else None
            if element.tag == ROW_TAG:
                in_row = 0
                yield self.parse_row(element)
            elif in_row:
                continue  # a cell or its value: the row reads it when it ends
            elif element.tag == _MERGE_CELL:
                self._merge(element.get("ref") or "")
            if parent is not None:
                # What has been read is dropped, so that no part of the sheet piles up.
                parent.clear()

    def _merge(self, ref: str) -> None:
        self.merge_cells += 1
        if self.merge_cells > MAX_MERGED_RANGES:
            raise OverBudget
        try:
            c0, r0, c1, r1 = range_boundaries(ref)
        except (ValueError, TypeError):
            return  # a damaged range is no label
        if c0 is None or r0 is None or c1 is None or r1 is None:
            return
        self.ranges.append((c0, r0, c1, r1))


def read_xlsx(content: bytes, budget: Budget) -> list[Table]:
    check_zip(content)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            reader = _BoundedReader(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:
            raise _unreadable(exc) from exc
        try:
            reader.budget = budget
            try:
                reader.read()
            except (FileRejected, ParseTimeout, OverBudget):
                raise
            except Exception as exc:  # openpyxl raises many kinds (KeyError, XML errors) on damaged files
                raise _unreadable(exc) from exc
            return _read_sheets(reader, budget)
        finally:
            reader.archive.close()


def _unreadable(exc: Exception, sheet: bool = False) -> FileRejected:
    if sheet:
        return file_problem(
            "file.unreadable", "无法读取 XLSX 文件的工作表（文件损坏）", f"Cannot read a sheet of the XLSX file: {exc}"
        )
    return file_problem(
        "file.unreadable", "无法读取 XLSX 文件（文件损坏或不是 Excel 工作簿）", f"Cannot read the XLSX file: {exc}"
    )


def _read_sheets(reader: _BoundedReader, budget: Budget) -> list[Table]:
    workbook = reader.wb
    tables: list[Table] = []
    total_rows = 0
    rows_seen = 0
    for title, part in reader.sheets:
        rows: list[tuple[int, list[Any]]] = []
        try:
            with reader.archive.open(part) as src:
                parser = _SheetParser(
                    src,
                    reader.shared_strings,
                    title,
                    budget,
                    epoch=workbook.epoch,
                    date_formats=workbook._date_formats,
                    timedelta_formats=workbook._timedelta_formats,
                )
                for row_number, cells in parser.rows():
                    rows_seen += 1
                    if rows_seen % 2000 == 0:
                        budget.check()
                    present = [c for c in cells if not is_blank(c["value"])]
                    if not present:
                        continue
                    width = max(c["column"] for c in present)
                    values: list[Any] = [None] * width
                    chars = 0
                    for c in present:
                        value = values[c["column"] - 1] = c["value"]
                        if isinstance(value, str):
                            chars += len(value)
                    budget.charge(ROW_BYTES + SLOT_BYTES * width + VALUE_BYTES * len(present) + CHAR_BYTES * chars)
                    rows.append((row_number, values))
                    total_rows += 1
                    if total_rows > MAX_ROWS + HEADER_SCAN_ROWS * 4:
                        raise too_many_rows()
        except (FileRejected, ParseTimeout, OverBudget):
            raise
        except Exception as exc:
            raise _unreadable(exc, sheet=True) from exc
        merges = parser.ranges
        index = index_merges(rows, merges, budget) if merges else {}
        tables.append(Table(sheet=title, rows=rows, merges=merges, merge_index=index))
    return tables
