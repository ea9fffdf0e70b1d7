"""Complete exports of raw monthly values as CSV or XLSX, streamed: rows go from a server-side cursor
to the client (CSV) or to a temporary file (XLSX) a batch at a time, never a whole table in memory."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

from openpyxl import Workbook
from sqlalchemy import Select
from sqlalchemy.orm import Session

from app.core.spreadsheets import row_of

BATCH = 5000
# Excel's sheet holds 1,048,576 rows; longer exports continue on the next sheet.
XLSX_ROWS_PER_SHEET = 1_000_000
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"

HEADERS = {
    "en": ["district", "district_name", "month", "indicator", "indicator_name", "unit", "value"],
    "zh": ["区划代码", "区划名称", "月份", "指标代码", "指标名称", "单位", "数值"],
}


def plain_number(value: float) -> int | float:
    """807.0 → 807 (counts read as counts in Excel and CSV); fines keep their fen."""
    value = round(float(value), 2)
    return int(value) if value.is_integer() else value


def _cells(row: Any) -> list[Any]:
    month: dt.date = row.month
    return [
        row.district,
        row.district_name,
        f"{month.year:04d}-{month.month:02d}",
        row.indicator,
        row.indicator_name,
        row.unit,
        plain_number(row.value),
    ]


def _batches(session: Session, stmt: Select[Any]) -> Iterator[Sequence[Any]]:
    # yield_per: a server-side cursor on PostgreSQL, batched fetches on SQLite.
    result = session.execute(stmt.execution_options(yield_per=BATCH))
    yield from result.partitions()


def csv_chunks(session: Session, stmt: Select[Any], *, lang: str) -> Iterator[bytes]:
    """The export as UTF-8 CSV (with a BOM, so that Excel reads the Chinese), one chunk per batch."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADERS[lang])
    yield ("\ufeff" + buffer.getvalue()).encode()
    for batch in _batches(session, stmt):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(_cells(r) for r in batch)
        yield buffer.getvalue().encode()


def write_xlsx(session: Session, stmt: Select[Any], *, lang: str) -> IO[bytes]:
    """The export as an XLSX file in a temporary file, rewound; openpyxl's write-only mode streams
    rows to disk, so memory stays flat however long the export."""
    book = Workbook(write_only=True)
    title = "数据" if lang == "zh" else "values"
    sheet = book.create_sheet(title)
    sheet.append(HEADERS[lang])
    rows_in_sheet = 0
    # Names are typed text (row_of): a name starting with "=" is no formula.
    for batch in _batches(session, stmt):
        for row in batch:
            if rows_in_sheet == XLSX_ROWS_PER_SHEET:
                sheet = book.create_sheet(f"{title}{len(book.worksheets) + 1}")
                sheet.append(HEADERS[lang])
                rows_in_sheet = 0
            sheet.append(row_of(sheet, _cells(row)))
            rows_in_sheet += 1
    # Handed to the response, which closes it once sent (see file_chunks).
    out = tempfile.TemporaryFile()  # noqa: SIM115
    book.save(out)
    out.seek(0)
    return out


def file_chunks(handle: IO[bytes], size: int = 1 << 16) -> Iterable[bytes]:
    with handle:
        while chunk := handle.read(size):
            yield chunk
