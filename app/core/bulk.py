"""Bulk writes: many rows into one table, the fastest way each database offers."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Dialect, Numeric, Table, insert
from sqlalchemy.orm import Session

# Rows per COPY text block: large enough that the per-block cost vanishes, small enough that the
# text of one block stays a few tens of megabytes.
COPY_CHUNK = 100_000
# COPY's text format: backslash escapes for the characters that delimit fields and rows.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def bulk_insert(
    bind: Session | Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert many rows into ``table`` the fastest way the database offers, in the transaction of ``bind``.

    PostgreSQL (psycopg): ``COPY … FROM STDIN`` in its text format, the text made column by column
    (each distinct date, code or timestamp converted once) and sent in blocks of COPY_CHUNK rows:
    psycopg's ``write_row`` adapts every value one by one, which cost more than the server's work.
    Elsewhere: one DBAPI ``executemany`` of a statement
    compiled once, each value converted by its column type's own bind processor (so the stored
    bytes are exactly what SQLAlchemy would store) and memoised, since dates, sources and timestamps
    repeat. This skips SQLAlchemy's per-row bookkeeping, which is most of the cost of a Core
    executemany, and lets value_history (every figure written twice) cost little more than the
    values themselves.
    """
    if not rows:
        return
    conn = bind.connection() if isinstance(bind, Session) else bind
    dialect = conn.dialect
    driver_conn: Any = conn.connection.driver_connection
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        # Columns the rows leave out that have a Python-side scalar default: COPY would store NULL
        # (or the server default), an INSERT the default. Added here, as the INSERT below does.
        defaults = [
            c
            for c in table.c
            if c.name not in columns and c.default is not None and getattr(c.default, "is_scalar", False)
        ]
        if defaults:
            columns = (*columns, *(c.name for c in defaults))
            tail = tuple(c.default.arg for c in defaults)  # type: ignore[union-attr]
            rows = [row + tail for row in rows]
        quoted = ", ".join(dialect.identifier_preparer.quote(c) for c in columns)
        sql = f"COPY {dialect.identifier_preparer.format_table(table)} ({quoted}) FROM STDIN"
        with driver_conn.cursor() as cur, cur.copy(sql) as copy:
            for i in range(0, len(rows), COPY_CHUNK):
                chunk = rows[i : i + COPY_CHUNK]
                text = _copy_text(table, columns, chunk, dialect)
                if text is None:  # a value of a kind the text form below does not cover
                    for row in chunk:
                        copy.write_row(row)
                else:
                    copy.write(text)
        return
    compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
    names = list(compiled.positiontup or columns)
    # Column by column, so that conversion runs in C (map over a memo dict) rather than as a
    # Python call per value.
    by_column = list(zip(*rows, strict=True))
    converted: list[Sequence[Any]] = []
    for name in names:
        if name in columns:
            values = by_column[columns.index(name)]
        else:
            # A column the rows leave out that the statement still lists: its scalar default.
            default = table.c[name].default
            if default is None or not getattr(default, "is_scalar", False):
                raise ValueError(f"bulk_insert: no value and no scalar default for {table.name}.{name}")
            values = (default.arg,) * len(rows)  # type: ignore[attr-defined]
        column_type = table.c[name].type
        proc = column_type._cached_bind_processor(dialect)
        if proc is None:
            converted.append(values)
        elif isinstance(column_type, Numeric):
            converted.append(list(map(proc, values)))  # figures are all distinct: no memo
        else:
            memo = {v: proc(v) for v in set(values)}
            converted.append(list(map(memo.__getitem__, values)))
    params = list(zip(*converted, strict=True))
    cursor = driver_conn.cursor()
    try:
        for i in range(0, len(params), 50_000):
            cursor.executemany(str(compiled), params[i : i + 50_000])
    finally:
        cursor.close()


def _copy_text(table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]], dialect: Dialect) -> str | None:
    """``rows`` as the text of COPY … FROM STDIN (tab between fields, newline after each row), each
    value first converted by its column type's bind processor as SQLAlchemy would (an Enum column
    stores the member's name); None when a value is of a kind not handled here."""
    text_columns: list[list[str]] = []
    for name, values in zip(columns, zip(*rows, strict=True), strict=True):
        column_type = table.c[name].type
        proc = column_type._cached_bind_processor(dialect)
        if isinstance(column_type, Numeric) and all(type(v) is float for v in values):
            # Figures are all distinct: no memo. repr is the shortest text that reads back as the same float.
            text_columns.append(list(map(float.__repr__, values)))
            continue
        memo: dict[Any, str] = {}
        for v in set(values):
            out = _copy_value(proc(v) if proc is not None and v is not None else v)
            if out is None:
                return None
            memo[v] = out
        text_columns.append(list(map(memo.__getitem__, values)))
    return "\n".join(map("\t".join, zip(*text_columns, strict=True))) + "\n"


def _copy_value(value: Any) -> str | None:
    """One value in COPY's text form; None when its kind is not handled (the caller falls back)."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, enum.Enum) and not isinstance(value, str | int):
        return None
    if isinstance(value, str):
        return str(value).translate(_COPY_ESCAPES)
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return float.__repr__(value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return None
