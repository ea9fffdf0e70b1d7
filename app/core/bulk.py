"""Bulk writes: many rows into one table, the fastest way each database offers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Numeric, Table, insert
from sqlalchemy.orm import Session


def bulk_insert(
    bind: Session | Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert many rows into ``table`` the fastest way the database offers, in the transaction of ``bind``.

    PostgreSQL (psycopg): ``COPY … FROM STDIN``. Elsewhere: one DBAPI ``executemany`` of a statement
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
        quoted = ", ".join(dialect.identifier_preparer.quote(c) for c in columns)
        sql = f"COPY {dialect.identifier_preparer.format_table(table)} ({quoted}) FROM STDIN"
        with driver_conn.cursor() as cur, cur.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
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
