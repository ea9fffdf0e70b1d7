"""Keeping ``yearly_values`` (the summary the statistics layer reads) exactly equal to ``monthly_values``.

The summary is never edited figure by figure: a writer names the district-years it touched and
``refresh`` rebuilds those rows from the monthly rows, inside the writer's transaction, with one
DELETE and one INSERT … SELECT per year and 500 districts. So a summary row is always what the
monthly rows say, whatever the writer did (insert, change, remove), and a failed upload rolls back
both together. Writers of one district are serialised (``service.lock_district_months``), so two
refreshes of the same district-year never interleave.

``rebuild`` recomputes everything (after a bulk load, or by hand); ``differences`` compares the
summary with the monthly rows and is what the tests and ``python -m app summary check`` use.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Integer, Select, Table, case, cast, delete, func, insert, literal, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from app.values.models import MONTH_COLUMNS, MonthlyValue, YearlyValue

MV = MonthlyValue.__table__.c
YV: Table = YearlyValue.__table__
CHUNK = 500
SUMMARY_COLUMNS = ("district_code", "year", "indicator_code", "total", "months_reported", *MONTH_COLUMNS)


def summary_select(year: int, districts: list[str] | None = None) -> Select[Any]:
    """The summary rows of ``year`` computed from the monthly rows (of ``districts``, or all)."""
    months = [
        func.sum(case((MV.month == dt.date(year, m, 1), MV.value))).label(MONTH_COLUMNS[m - 1]) for m in range(1, 13)
    ]
    stmt = (
        select(
            MV.district_code,
            cast(literal(year), Integer).label("year"),
            MV.indicator_code,
            func.sum(MV.value).label("total"),
            func.count().label("months_reported"),
            *months,
        )
        .where(MV.month >= dt.date(year, 1, 1), MV.month < dt.date(year + 1, 1, 1))
        .group_by(MV.district_code, MV.indicator_code)
    )
    if districts is not None:
        stmt = stmt.where(MV.district_code.in_(districts))
    return stmt


def refresh(session: Session | Connection, keys: Iterable[tuple[str, int]]) -> None:
    """Rebuild the summary rows of the given (district code, year) pairs."""
    by_year: dict[int, set[str]] = defaultdict(set)
    for code, year in keys:
        by_year[year].add(code)
    for year, codes in sorted(by_year.items()):
        ordered = sorted(codes)
        for i in range(0, len(ordered), CHUNK):
            chunk = ordered[i : i + CHUNK]
            session.execute(delete(YV).where(YV.c.year == year, YV.c.district_code.in_(chunk)))
            session.execute(insert(YV).from_select(list(SUMMARY_COLUMNS), summary_select(year, chunk)))


def data_years(session: Session) -> list[int]:
    """The calendar years that have any monthly value."""
    first, last = session.execute(select(func.min(MV.month), func.max(MV.month))).one()
    if first is None:
        return []
    return list(range(first.year, last.year + 1))


def rebuild(session: Session, *, progress: Callable[[int], None] | None = None) -> int:
    """Recompute the whole summary from the monthly rows; ``progress(year)`` after each year."""
    session.execute(delete(YV))
    for year in data_years(session):
        session.execute(insert(YV).from_select(list(SUMMARY_COLUMNS), summary_select(year)))
        if progress is not None:
            progress(year)
    # Counted afterwards: an INSERT … SELECT's rowcount is not reported alike by every driver.
    return int(session.scalar(select(func.count()).select_from(YV)) or 0)


def differences(session: Session, *, limit: int = 20) -> list[dict[str, Any]]:
    """Summary rows that differ from what the monthly rows say (at most ``limit``): missing,
    superfluous or with other figures. Empty when the summary is exactly right."""
    out: list[dict[str, Any]] = []
    years = sorted(set(data_years(session)) | set(session.scalars(select(YV.c.year).distinct())))
    for year in years:
        want = {(r.district_code, r.indicator_code): _figures(r) for r in session.execute(summary_select(year))}
        have = {
            (r.district_code, r.indicator_code): _figures(r)
            for r in session.execute(select(YV).where(YV.c.year == year))
        }
        for key in sorted(want.keys() | have.keys()):
            if want.get(key) != have.get(key):
                out.append(
                    {
                        "district": key[0],
                        "year": year,
                        "indicator": key[1],
                        "expected": want.get(key),
                        "found": have.get(key),
                    }
                )
                if len(out) >= limit:
                    return out
    return out


def _figures(row: Any) -> tuple[Any, ...]:
    m = row._mapping
    return (
        _num(m["total"]),
        int(m["months_reported"]),
        *(_num(m[c]) for c in MONTH_COLUMNS),
    )


def _num(value: Any) -> float | None:
    return None if value is None else round(float(value), 2)


def keys_of(pairs: Iterable[tuple[str, dt.date]]) -> set[tuple[str, int]]:
    """(district, month) pairs as the (district, year) pairs whose summary they change."""
    return {(code, month.year) for code, month in pairs}
