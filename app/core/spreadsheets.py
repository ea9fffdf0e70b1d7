"""Cells of the spreadsheets the product makes: text is written as text.

openpyxl stores a string that starts with ``=`` as a formula, and Excel runs ``=HYPERLINK(…)`` or
``=cmd|…`` typed into an activity title; ``+``, ``-`` and ``@`` start formulas too. Text cells are
typed as strings explicitly, so a title is shown as written and uploads back as written; characters
XML cannot hold are replaced (app.core.text).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from openpyxl.cell.cell import ERROR_CODES, Cell, WriteOnlyCell
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from app.core.text import safe_text


def text_cell(ws: Worksheet, row: int, col: int, value: Any) -> Cell:
    """``ws.cell(row, col, value)``, with text kept as text."""
    cell = ws.cell(row, col)
    set_value(cell, value)
    return cell


def set_value(cell: Cell | WriteOnlyCell, value: Any) -> None:
    if isinstance(value, str):
        cell.value = safe_text(value)
        cell.data_type = "s"  # never a formula, whatever it starts with
    else:
        cell.value = value


@lru_cache(maxsize=8192)
def _plain(text: str) -> bool:
    """Whether openpyxl, given ``text`` as it is, writes exactly what ``set_value`` would: a string
    cell holding ``text`` unchanged (not a formula, not an error code, nothing to replace)."""
    return not text.startswith("=") and text not in ERROR_CODES and safe_text(text) == text


def row_of(ws: Any, values: list[Any]) -> list[Any]:
    """A write-only sheet's row: text typed as strings, other values as they are.

    Most text (codes, names, months, units) is plain and goes in as it is, which openpyxl writes as
    a string cell anyway; only text it would take for a formula or an error code, or that holds
    characters XML cannot, becomes a WriteOnlyCell typed by ``set_value``. A WriteOnlyCell per text
    cell made a province-year's XLSX export ~40 % slower: each one is built, and openpyxl's
    write-only sheet first tries it as a value and formats its repr into a ValueError it catches."""
    out: list[Any] = []
    for value in values:
        if isinstance(value, str) and not _plain(value):
            cell = WriteOnlyCell(ws)
            set_value(cell, value)
            out.append(cell)
        else:
            out.append(value)
    return out


def texts_as_text(book: Workbook) -> None:
    """After a library (pandas) filled ``book``: every cell it took for a formula is text."""
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
                elif isinstance(cell.value, str):
                    cell.value = safe_text(cell.value)
