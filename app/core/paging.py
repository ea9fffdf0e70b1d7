"""One page of a query and how many rows it has in all: the log, the audit trail and raw values page alike.

The API speaks two dialects of paging — ``limit``/``offset`` (the submissions log, the audit
trail) and ``page``/``page_size`` (raw values) — over the same count-then-slice here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVarTuple

from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import Session

Ts = TypeVarTuple("Ts")


def page_of(session: Session, stmt: Select[*Ts], *, limit: int, offset: int) -> tuple[Sequence[Row[*Ts]], int]:
    """Rows ``offset`` … ``offset + limit`` of ``stmt`` (in its order), and the number of rows in all."""
    total = int(session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)
    if offset >= total:  # past the end (a huge page number): nothing to fetch
        return [], total
    return session.execute(stmt.limit(limit).offset(offset)).all(), total
