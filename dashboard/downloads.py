"""The Data page's downloads: exactly the rows and columns the grid shows, as CSV or XLSX bytes.

The CSV is the bare table (a machine reads it). The Excel file is what a person forwards: a
title/scope row (area, period, as-of, 含未审核数据 when it applies) above the header, the header
frozen with the district and month columns, columns wide enough for their contents, and a totals
row (合计) below the figures. It still uploads back unchanged: the upload parser recognises
exactly that totals row (``app.uploads.parser.own_totals_row``) and reads the rest as figures.
"""

from __future__ import annotations

import io
import math
import unicodedata
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from app.core.spreadsheets import text_cell, texts_as_text

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The totals row's label, as the upload parser knows it (app.uploads.parser.OWN_TOTALS_LABELS).
TOTAL_LABEL = {"zh": "合计", "en": "Total"}
MIN_WIDTH, MAX_WIDTH = 8, 40  # in Excel's character widths
_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
_TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
_RULE = Border(top=Side(style="thin"), bottom=Side(style="thin"))


def grid_table(rows: Sequence[Mapping[str, Any]], column_defs: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """The grid's rows (after its filters and sort) in the grid's column order, headed as on screen."""
    fields = [c["field"] for c in column_defs if "field" in c]
    headers = [c.get("headerName") or c["field"] for c in column_defs if "field" in c]
    frame = pd.DataFrame([{f: row.get(f) for f in fields} for row in rows], columns=fields)
    frame.columns = pd.Index(headers)
    return frame


def figure_columns(column_defs: Sequence[Mapping[str, Any]]) -> list[int]:
    """Positions (in ``grid_table``'s columns) of the grid's figure columns: the ones a total adds up."""
    shown = [c for c in column_defs if "field" in c]
    return [i for i, c in enumerate(shown) if c.get("type") == "numericColumn"]


def plain(frame: pd.DataFrame) -> pd.DataFrame:
    """807.0 → 807 so that counts read as counts; fines keep their fen; "not reported" stays empty."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_numeric_dtype(out[column]):
            values = out[column]
            if all(float(v).is_integer() for v in values.dropna()):
                out[column] = values.astype("Int64")
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with a BOM, so that Excel opens the Chinese headers correctly."""
    return plain(frame).to_csv(index=False).encode("utf-8-sig")


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _cell_value(value: Any) -> Any:
    """A figure as Excel should hold it: 807 (not 807.0), 12.5, or nothing for "not reported"."""
    if _missing(value):
        return None
    if isinstance(value, bool | str):
        return value
    number = float(value)
    return int(number) if number.is_integer() else number


def column_total(values: Sequence[Any]) -> int | float | None:
    """The sum of the reported figures (exact in decimals: 0.1 + 0.2 is 0.3); nothing reported → empty,
    never 0."""
    reported = [Decimal(repr(float(v))) for v in values if not _missing(v)]
    if not reported:
        return None
    total = sum(reported, Decimal(0))
    return int(total) if total == total.to_integral_value() else float(round(total, 2))


def display_width(value: Any) -> int:
    """How many Excel character widths ``value`` takes: a CJK character takes two."""
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def xlsx_bytes(
    frame: pd.DataFrame,
    *,
    sheet: str,
    title: str | None = None,
    figures: Sequence[int] = (),
    frozen_columns: int = 0,
    lang: str = "zh",
) -> bytes:
    """The table as a workbook: ``title`` in the first row (when given), the header frozen with the
    first ``frozen_columns`` columns, widths from the contents, and — when ``figures`` names the
    figure columns — a totals row below the rows."""
    book = Workbook()
    ws = book.active
    ws.title = sheet[:31]
    top = 1
    if title:
        cell = text_cell(ws, 1, 1, title)
        cell.font = Font(bold=True, size=13)
        ws.row_dimensions[1].height = 22
        top = 2
    headers = [str(h) for h in frame.columns]
    for col, header in enumerate(headers, start=1):
        cell = text_cell(ws, top, col, header)
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.border = _RULE
    records = frame.itertuples(index=False, name=None)
    row_number = top
    for row_number, record in enumerate(records, start=top + 1):
        for col, value in enumerate(record, start=1):
            text_cell(ws, row_number, col, _cell_value(value))
    if figures and len(frame):
        total_row = row_number + 1
        label = text_cell(ws, total_row, 1, TOTAL_LABEL.get(lang, TOTAL_LABEL["zh"]))
        label.font = _BOLD
        for position in range(len(headers)):
            cell = ws.cell(total_row, position + 1)
            cell.fill = _TOTAL_FILL
            cell.border = _RULE
            if position in figures:
                cell.value = column_total(frame.iloc[:, position].tolist())
                cell.font = _BOLD
    # Frozen: the header (and the title above it) and the key columns stay in view while scrolling.
    ws.freeze_panes = f"{get_column_letter(frozen_columns + 1)}{top + 1}"
    for col, header in enumerate(headers, start=1):
        contents = [display_width(_cell_value(v)) for v in frame.iloc[:, col - 1].tolist()]
        # The header wraps, so half of it (and at least its longest word) is enough.
        wanted = max([display_width(header) // 2 + 2, *[w + 2 for w in contents]])
        ws.column_dimensions[get_column_letter(col)].width = max(MIN_WIDTH, min(MAX_WIDTH, wanted))
    ws.row_dimensions[top].height = 32
    texts_as_text(book)  # a name starting with "=" stays text, not a formula
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def pivot_xlsx_bytes(
    headers: Sequence[str],
    body: Sequence[Sequence[Any]],
    *,
    kinds: Sequence[str],
    sheet: str,
    title: str | None,
    frozen_columns: int,
) -> bytes:
    """The pivot view as shown: title row, frozen header, subtotal and total rows in bold.

    A pivot holds sums, not a district's figures: uploaded, it is refused as a file without the
    columns an upload needs (区划代码, 月份, …), so it can never overwrite figures."""
    book = Workbook()
    ws = book.active
    ws.title = sheet[:31]
    top = 1
    if title:
        text_cell(ws, 1, 1, title).font = Font(bold=True, size=13)
        top = 2
    for col, header in enumerate(headers, start=1):
        cell = text_cell(ws, top, col, header)
        cell.font, cell.fill, cell.border = _BOLD, _HEADER_FILL, _RULE
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for offset, (values, kind) in enumerate(zip(body, kinds, strict=True), start=1):
        for col, value in enumerate(values, start=1):
            cell = text_cell(ws, top + offset, col, _cell_value(value))
            if kind != "item":
                cell.font = _BOLD
                cell.fill = _TOTAL_FILL
                if kind == "total":
                    cell.border = _RULE
    ws.freeze_panes = f"{get_column_letter(frozen_columns + 1)}{top + 1}"
    for col, header in enumerate(headers, start=1):
        contents = [display_width(_cell_value(values[col - 1])) for values in body]
        wanted = max([display_width(header) // 2 + 2, *[w + 2 for w in contents]])
        ws.column_dimensions[get_column_letter(col)].width = max(MIN_WIDTH, min(MAX_WIDTH, wanted))
    texts_as_text(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
