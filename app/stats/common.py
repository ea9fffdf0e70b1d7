"""What every statistics module shares: the tables as Core columns, arithmetic on figures out of
SQL, the year check, and the small references results carry.

Conventions of the whole layer (``app.stats``):

- "Not reported" is no row and comes out as ``None``; "reported zero" is a stored 0 and comes out as 0.
- A province or city sums the county-level districts under it. GB/T 2260 codes nest by prefix
  (``app.districts.codes``); aggregates name the counties as an ``IN`` list, so that both databases
  seek the (district_code, month, …) index once per county instead of scanning every month of the
  province; lists and exports use the code range itself.
- Year on year pairs each value with the same district, indicator and month one year earlier, so
  only months reported in both years are compared. Totals and rankings read the yearly summary
  ``yearly_values`` (months side by side, kept exact by ``app.values.store``); monthly series,
  ratios, lists and exports read the monthly rows.
- A month is expected once it has ended; its report once it is due (``app.core.periods``).
- Aggregation happens in SQL (GROUP BY, window functions); Python only shapes the aggregated rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, FromClause, Integer, and_, case, cast, exists, extract, func, select, text
from sqlalchemy.orm import Session

from app.core.errors import Problem, ValidationFailed
from app.core.periods import EARLIEST_MONTH
from app.districts.models import District
from app.indicators.models import Indicator
from app.indicators.service import IndicatorInfo
from app.stats import schemas as s
from app.values.models import MONTH_COLUMNS, MonthlyValue, MonthReport, ReviewStatus, YearlyValue

# Core tables and their columns: the layer writes SQL expressions, it loads no ORM objects.
VALUES, MONTH_REPORTS = MonthlyValue.__table__, MonthReport.__table__
DISTRICTS, INDICATORS = District.__table__, Indicator.__table__
MV, MR, D, IND = VALUES.c, MONTH_REPORTS.c, DISTRICTS.c, INDICATORS.c
# This year's summary rows and last year's, for year-on-year joins.
YEARLY = YearlyValue.__table__
YCUR, YPREV = YEARLY.alias("ycur"), YEARLY.alias("yprev")


@dataclass(frozen=True)
class Summary:
    """The yearly rows aggregates read (district, year, indicator, total, months_reported,
    m01 … m12): ``rows`` for one year's figures, ``cur`` and ``prev`` for year-on-year joins."""

    rows: FromClause
    cur: FromClause
    prev: FromClause


# The yearly summary table (kept exact by app.values.store).
STORED = Summary(YEARLY, YCUR, YPREV)


def approved_summary(years: tuple[int, int]) -> Summary:
    """The same shape as the summary table, computed from the monthly figures of approved months
    only (years ``years[0]`` … ``years[1]``): what a report "approved data only" reads."""
    year = cast(extract("year", MV.month), Integer)
    month = cast(extract("month", MV.month), Integer)
    approved = (
        select(MR.district_code, MR.month)
        .where(
            MR.status == ReviewStatus.approved,
            MR.month >= dt.date(years[0], 1, 1),
            MR.month < dt.date(years[1] + 1, 1, 1),
        )
        .subquery("approved_months")
    )
    rows = (
        select(
            MV.district_code.label("district_code"),
            year.label("year"),
            MV.indicator_code.label("indicator_code"),
            func.sum(MV.value).label("total"),
            func.count().label("months_reported"),
            *(func.sum(case((month == m, MV.value))).label(col) for m, col in enumerate(MONTH_COLUMNS, start=1)),
        )
        .select_from(
            VALUES.join(approved, and_(approved.c.district_code == MV.district_code, approved.c.month == MV.month))
        )
        .group_by(MV.district_code, year, MV.indicator_code)
        .subquery("approved_yearly")
    )
    return Summary(rows, rows.alias("ycur"), rows.alias("yprev"))


def approved_month(district: ColumnElement[str], month: ColumnElement[dt.date]) -> ColumnElement[bool]:
    """The district-month of a monthly row is approved (for statistics of approved data only)."""
    return exists(
        select(MR.id).where(MR.district_code == district, MR.month == month, MR.status == ReviewStatus.approved)
    )


def pct_change(current: float | None, previous: float | None) -> float | None:
    """Change in percent; ``None`` when either side is missing or the previous value is 0."""
    if current is None or previous is None or previous == 0:
        return None
    return round((current - previous) * 100.0 / previous, 2)


def percent(part: float | None, whole: float | None) -> float | None:
    if part is None or not whole:
        return None
    return round(part * 100.0 / whole, 2)


def number(value: Any) -> float | None:
    """A figure out of SQL (float, Decimal or None) as a float with at most two decimals."""
    if value is None:
        return None
    return round(float(value), 2) + 0.0  # + 0.0: never -0.0


def check_year(year: int, today: dt.date) -> None:
    """Years from 2000 (the earliest month data may have) to this year; else a 422 problem."""
    if not EARLIEST_MONTH.year <= year <= today.year:
        raise ValidationFailed(
            f"年份 {year} 超出范围（{EARLIEST_MONTH.year}–{today.year}）",
            f"Year {year} is out of range ({EARLIEST_MONTH.year}–{today.year})",
            errors=[
                Problem(
                    "year.out_of_range",
                    f"年份应在 {EARLIEST_MONTH.year} 至 {today.year} 之间",
                    f"year must be between {EARLIEST_MONTH.year} and {today.year}",
                    column="year",
                    value=year,
                )
            ],
        )


def district_ref(district: District) -> s.DistrictRef:
    return s.DistrictRef(code=district.code, name=district.name, level=district.level)


def indicator_ref(info: IndicatorInfo) -> s.IndicatorRef:
    return s.IndicatorRef(
        code=info.code, name_zh=info.name_zh, name_en=info.name_en, unit=info.unit, unit_en=info.unit_en
    )


def analytical(session: Session) -> None:
    """Before a large aggregate on PostgreSQL: no JIT for this transaction. Its compile time (tens
    of milliseconds) exceeds what it saves on queries of this size; measured in BENCHMARKS.md."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))
