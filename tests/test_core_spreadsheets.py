"""A write-only sheet's rows (app.core.spreadsheets.row_of): text stays text, whatever it starts with."""

from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook

from app.core.spreadsheets import row_of


def test_text_is_written_as_text_and_numbers_as_numbers() -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("values")
    texts = ["plain 河东区", '=HYPERLINK("http://x")', "#N/A", "a\x01b", "+1", "-2", "@x", "="]
    sheet.append(row_of(sheet, [*texts, 807, 1.25, None]))
    buffer = io.BytesIO()
    book.save(buffer)
    cells = next(iter(load_workbook(io.BytesIO(buffer.getvalue()))["values"].iter_rows()))
    assert [c.value for c in cells[: len(texts)]] == [
        "plain 河东区",
        '=HYPERLINK("http://x")',
        "#N/A",
        "a\ufffdb",
        "+1",
        "-2",
        "@x",
        "=",
    ]
    assert [c.data_type for c in cells[: len(texts)]] == ["s"] * len(texts)
    assert [c.value for c in cells[len(texts) :]] == [807, 1.25]
    assert [c.data_type for c in cells[len(texts) :]] == ["n", "n"]
