"""Totals of a year with year on year on matching months (``annual_totals``), and totals of many
years (``yearly_totals``), read from the yearly summary."""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    and_,
    bindparam,
    case,
    func,
    literal_column,
    not_,
    null,
    select,
)

from app.backfill.models import AnnualFigure
from app.core.errors import Problem, ValidationFailed
from app.core.periods import ended_months, month_start
from app.districts.codes import one_of
from app.stats import schemas as s
from app.stats.common import MR, STORED, Summary, check_year, indicator_ref, number, pct_change
from app.stats.common import YEARLY as YEARLY_TABLE
from app.stats.context import StatsContext
from app.values.models import MONTH_COLUMNS, ReviewStatus


@functools.lru_cache(maxsize=64)
def _year_on_year_columns(month_to: int, summary: Summary, month_from: int = 1) -> tuple[ColumnElement[Any], ...]:
    """The aggregate columns of ``year_on_year`` for months ``month_from`` … ``month_to``: built once per summary
    (36 CASE terms; building them per request cost milliseconds)."""
    YCUR, YPREV = summary.cur, summary.prev
    months = MONTH_COLUMNS[month_from - 1 : month_to]
    zero: ColumnElement[int] = literal_column("0")
    one: ColumnElement[int] = literal_column("1")
    if not months:  # January of this year before it has ended: nothing counts yet
        nothing = null()
        return (
            nothing.label("total"),
            zero.label("months_reported"),
            nothing.label("comparable_total"),
            nothing.label("previous_total"),
            zero.label("months_compared"),
        )

    def each_month(value: Callable[[str], ColumnElement[Any]], when: Callable[[str], ColumnElement[bool]]) -> Any:
        terms = [case((when(m), value(m)), else_=zero) for m in months]
        return functools.reduce(operator.add, terms)

    def matched(m: str) -> ColumnElement[bool]:
        return and_(YCUR.c[m].is_not(None), YPREV.c[m].is_not(None))

    def reported(m: str) -> ColumnElement[bool]:
        return YCUR.c[m].is_not(None)

    if month_from == 1 and month_to == 12:
        row_total, row_reported = YCUR.c.total, YCUR.c.months_reported
    else:
        row_total = each_month(lambda m: YCUR.c[m], reported)
        row_reported = each_month(lambda m: one, reported)
    row_compared = each_month(lambda m: one, matched)
    # A group where no month was reported (or compared) answers NULL, never a made-up 0.
    return (
        func.sum(case((row_reported > zero, row_total))).label("total"),
        func.coalesce(func.sum(row_reported), zero).label("months_reported"),
        func.sum(case((row_compared > zero, each_month(lambda m: YCUR.c[m], matched)))).label("comparable_total"),
        func.sum(case((row_compared > zero, each_month(lambda m: YPREV.c[m], matched)))).label("previous_total"),
        func.coalesce(func.sum(row_compared), zero).label("months_compared"),
    )


def year_on_year(
    *,
    year: int,
    month_to: int,
    where: Sequence[ColumnElement[bool]],
    by: Sequence[ColumnElement[Any]],
    summary: Summary = STORED,
    month_from: int = 1,
) -> Select[Any]:
    """Per ``by``: this year's total (months ``month_from`` … ``month_to``) and the comparison on
    matching months.

    Reads the yearly summary (``yearly_values``, one row per district, year and indicator with the
    months side by side): this year's row (``YCUR``, which ``where`` and ``by`` refer to) is
    left-joined to last year's row of the same district and indicator (``YPREV``), and a month
    counts in the comparison where both rows hold it. The result is the same as pairing the monthly
    rows one by one, with a twelfth of the join. ``summary`` is the stored summary or the same shape
    from approved months only (``where`` and ``by`` then refer to its ``cur``).
    """
    YCUR, YPREV = summary.cur, summary.prev
    joined = YCUR.outerjoin(
        YPREV,
        and_(
            YPREV.c.district_code == YCUR.c.district_code,
            YPREV.c.indicator_code == YCUR.c.indicator_code,
            YPREV.c.year == year - 1,
        ),
    )
    return (
        select(*by, *_year_on_year_columns(month_to, summary, month_from))
        .select_from(joined)
        .where(YCUR.c.year == year, *where)
        .group_by(*by)
    )


def _sum_of_months(rows: FromClause, months: int) -> ColumnElement[Any]:
    """A summary row's total of months 1 … ``months`` (NULL when none of them was reported)."""
    columns = [rows.c[m] for m in MONTH_COLUMNS[:months]]
    if not columns:
        return null()
    summed = functools.reduce(operator.add, [func.coalesce(c, 0) for c in columns])
    return case((_months_reported(rows, months) > 0, summed))


def _months_reported(rows: FromClause, months: int) -> ColumnElement[Any]:
    columns = [case((rows.c[m].is_not(None), 1), else_=0) for m in MONTH_COLUMNS[:months]]
    return functools.reduce(operator.add, columns) if columns else literal_column("0")


def annual_totals(
    ctx: StatsContext, *, district: str | None, year: int, month_to: int | None = None, month_from: int = 1
) -> s.TotalsOut:
    """Each indicator's total for ``year`` (months ``month_from`` … ``month_to``) in ``district`` and
    under it (a period of a bulletin: a month, a quarter, months 1—9).

    Year on year compares matching district-months only: a county's month counts in the comparison
    when that county reported the indicator for that month in both years. ``previous_total`` is last
    year's sum over those matching district-months, ``comparable_total`` this year's, and
    ``change_pct`` = (comparable_total − previous_total) / previous_total × 100, null when
    ``previous_total`` is missing or 0. So a month missing in either year (a late report, a month of
    this year that has not ended) drops out of both sides instead of faking a rise or a fall.
    ``total`` stays the year's full sum of what was reported.
    """
    check_year(year, ctx.today)
    # A month counts once it has ended: this year's totals are of the months up to last month.
    month_to = min(month_to or 12, ended_months(year, 12, ctx.today))
    area = ctx.area(district)
    ctx.analytical()
    summary = ctx.summary(year - 1, year)
    stmt = year_on_year(
        year=year,
        month_to=month_to,
        where=[one_of(summary.cur.c.district_code, area.counties)],
        by=[summary.cur.c.indicator_code],
        summary=summary,
        month_from=month_from,
    )
    rows = {r.indicator_code: r for r in ctx.session.execute(stmt)}
    counties = area.expected
    expected = counties * max(0, ended_months(year, month_to, ctx.today) - (month_from - 1))
    out: list[s.IndicatorTotal] = []
    # A whole year that has ended also counts the annual figures of district-years without months.
    whole_year = month_from == 1 and month_to == 12
    annual = annual_figures(ctx, area.counties, year, year) if whole_year else {}
    for info in ctx.catalogue.values():
        r = rows.get(info.code)
        previous = number(r.previous_total) if r else None
        comparable = number(r.comparable_total) if r else None
        extra = annual.get((year, info.code), _NO_ANNUAL)
        out.append(
            s.IndicatorTotal(
                **indicator_ref(info).model_dump(),
                total=_plus(number(r.total) if r else None, extra.total),
                annual_total=extra.total,
                districts_annual=extra.districts,
                differs=extra.differs,
                previous_total=previous,
                comparable_total=comparable,
                change_pct=pct_change(comparable, previous),
                months_reported=int(r.months_reported) if r else 0,
                months_expected=expected,
                months_compared=int(r.months_compared) if r else 0,
            )
        )
    return s.TotalsOut(
        district=area.ref,
        year=year,
        previous_year=year - 1,
        month_to=month_to,
        month_from=month_from,
        districts_counted=counties,
        approved_only=ctx.approved_only,
        unapproved_months=0 if ctx.approved_only else unapproved_months(ctx, area.counties, year, month_to, month_from),
        indicators=out,
    )


@dataclass(frozen=True)
class _Annual:
    total: float | None = None  # the annual figures counted (district-years without months)
    districts: int = 0  # how many district-years they are
    differs: int = 0  # district-years where an annual figure and the monthly sum disagree (数据差异)


_NO_ANNUAL = _Annual()
AF = AnnualFigure.__table__


def annual_figures(
    ctx: StatsContext, counties: list[str] | None, year_from: int, year_to: int
) -> dict[tuple[int, str], _Annual]:
    """(year, indicator) → the annual figures (app.backfill) of the area's district-years whose months
    of that indicator were not reported, and how many district-years have both and disagree."""
    if year_to < year_from:
        return {}
    params: dict[str, Any] = {"year_from": year_from, "year_to": year_to}
    if counties is not None:
        params["counties"] = counties
    out: dict[tuple[int, str], _Annual] = {}
    for year, ind, total, counted, differing in ctx.session.execute(_annual_statement(counties is None), params):
        if counted or differing:
            out[(year, ind)] = _Annual(number(total) if counted else None, int(counted), int(differing))
    return out


@functools.lru_cache(maxsize=2)
def _annual_statement(everywhere: bool) -> Select[Any]:
    """``annual_figures`` as one statement, built once: each annual figure left-joined to its
    district-year's summary row (at most one: the summary's key), counted where the row holds no
    month and compared where it does. Two statements built per request made a county's totals
    ~20 % slower than before annual figures existed."""
    summary = YEARLY_TABLE
    joined = AF.outerjoin(
        summary,
        and_(
            summary.c.district_code == AF.c.district_code,
            summary.c.year == AF.c.year,
            summary.c.indicator_code == AF.c.indicator_code,
        ),
    )
    # No summary row, or one without a reported month: the annual figure counts.
    no_months = not_(func.coalesce(summary.c.months_reported, 0) > 0)
    differs = and_(summary.c.months_reported > 0, summary.c.total != AF.c.value)
    where = [AF.c.year >= bindparam("year_from"), AF.c.year <= bindparam("year_to")]
    if not everywhere:
        where.append(AF.c.district_code.in_(bindparam("counties", expanding=True)))
    return (
        select(
            AF.c.year,
            AF.c.indicator_code,
            func.sum(case((no_months, AF.c.value))),
            func.count(case((no_months, literal_column("1")))),
            func.count(case((differs, literal_column("1")))),
        )
        .select_from(joined)
        .where(*where)
        .group_by(AF.c.year, AF.c.indicator_code)
    )


def _plus(a: float | None, b: float | None) -> float | None:
    return a if b is None else b if a is None else number(a + b)


def unapproved_months(
    ctx: StatsContext, counties: list[str] | None, year: int, month_to: int, month_from: int = 1
) -> int:
    """How many reported district-months of months ``month_from`` … ``month_to`` of ``year`` are not
    approved yet."""
    if month_to < month_from:
        return 0
    params: dict[str, Any] = {"start": month_start(year, month_from), "end": month_start(year, month_to + 1)}
    if counties is not None:
        params["counties"] = counties
    return int(ctx.session.scalar(_unapproved_statement(counties is None), params) or 0)


@functools.lru_cache(maxsize=2)
def _unapproved_statement(everywhere: bool) -> Select[Any]:
    """``unapproved_months``'s count, built once (bound parameters)."""
    where = [
        MR.month >= bindparam("start"),
        MR.month < bindparam("end"),
        MR.status != ReviewStatus.approved,
    ]
    if not everywhere:
        where.append(MR.district_code.in_(bindparam("counties", expanding=True)))
    return select(func.count()).where(*where)


def yearly_totals(ctx: StatsContext, *, district: str | None, year_from: int, year_to: int) -> s.YearlyOut:
    """Each indicator's total for every year ``year_from`` … ``year_to`` in ``district`` and under it:
    one query over the yearly summary, for trends and sparklines (year on year: ``annual_totals``)."""
    today = ctx.today
    check_year(year_from, today)
    check_year(year_to, today)
    if year_from > year_to:
        raise ValidationFailed(
            f"起始年份 {year_from} 晚于结束年份 {year_to}",
            f"year_from {year_from} is after year_to {year_to}",
            errors=[Problem("year.range", "起始年份晚于结束年份", "year_from is after year_to", column="year_from")],
        )
    area = ctx.area(district)
    # This year counts only the months that have ended (the summary's total holds every month).
    ended = ended_months(today.year, 12, today)
    rows_ = ctx.summary(year_from, year_to).rows
    this_year = rows_.c.year == today.year
    total = case((this_year, _sum_of_months(rows_, ended)), else_=rows_.c.total)
    reported = case((this_year, _months_reported(rows_, ended)), else_=rows_.c.months_reported)
    stmt = (
        select(rows_.c.year, rows_.c.indicator_code, func.sum(total), func.sum(reported))
        .where(one_of(rows_.c.district_code, area.counties), rows_.c.year >= year_from, rows_.c.year <= year_to)
        .group_by(rows_.c.year, rows_.c.indicator_code)
    )
    found = {(year, code): (total, n) for year, code, total, n in ctx.session.execute(stmt)}
    annual = annual_figures(ctx, area.counties, year_from, min(year_to, today.year - 1))
    years = range(year_from, year_to + 1)
    expected = {year: area.expected * ended_months(year, 12, today) for year in years}
    out = []
    for info in ctx.catalogue.values():
        points = []
        for year in years:
            total, n = found.get((year, info.code), (None, 0))
            extra = annual.get((year, info.code), _NO_ANNUAL)
            points.append(
                s.YearTotal(
                    year=year,
                    total=_plus(number(total), extra.total),
                    months_reported=int(n),
                    months_expected=expected[year],
                    annual_total=extra.total,
                    districts_annual=extra.districts,
                    differs=extra.differs,
                )
            )
        out.append(s.IndicatorYears(**indicator_ref(info).model_dump(), years=points))
    return s.YearlyOut(
        district=area.ref,
        year_from=year_from,
        year_to=year_to,
        districts_counted=area.expected,
        indicators=out,
    )
