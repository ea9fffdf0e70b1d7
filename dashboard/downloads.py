"""The Data page's downloads: exactly the rows and columns the grid shows, as CSV or XLSX bytes."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from app.core.spreadsheets import texts_as_text

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def grid_table(rows: Sequence[Mapping[str, Any]], column_defs: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """The grid's rows (after its filters and sort) in the grid's column order, headed as on screen."""
    fields = [c["field"] for c in column_defs if "field" in c]
    headers = [c.get("headerName") or c["field"] for c in column_defs if "field" in c]
    frame = pd.DataFrame([{f: row.get(f) for f in fields} for row in rows], columns=fields)
    frame.columns = pd.Index(headers)
    return frame


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


def xlsx_bytes(frame: pd.DataFrame, *, sheet: str) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        plain(frame).to_excel(writer, index=False, sheet_name=sheet[:31])
        texts_as_text(writer.book)  # a name starting with "=" stays text, not a formula
    return buffer.getvalue()
