"""The statistics query layer: every aggregate the API, the dashboard and the report generator read.

Each function takes a session and the caller (``principal``) and checks the caller's scope itself:
``principal.require_read`` for one district, ``principal.scope.sql_filter`` for lists. Aggregation
happens in SQL (GROUP BY, window functions); Python only shapes the aggregated rows.

Conventions shared by every function:

- "Not reported" is no row and comes out as ``None``; "reported zero" is a stored 0 and comes out as 0.
- A province or city sums the county-level districts under it. GB/T 2260 codes nest by prefix, so
  the counties under 120000 are those whose code lies in ['12', '13'). Aggregates name them as an
  ``IN`` list, so that both databases seek the (district_code, month, …) index once per county
  instead of scanning every month of the province; lists and exports use the range itself.
- Year on year pairs each value with the same district, indicator and month one year earlier, so
  only months reported in both years are compared. Totals and rankings read the yearly summary
  ``yearly_values`` (months side by side, kept in step by every writer: ``app.values.yearly``);
  monthly series, ratios, lists and exports read the monthly rows.
- A month is expected once it has ended (``today`` is on or after the first of the next month).
- Taiwan (71), Hong Kong (81) and Macau (82) are in GB/T 2260 but report to no bureau here: they are
  never expected to report and are left out of rankings and completeness.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    Subquery,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.orm import Session

from app.auth.scope import Principal, code_prefix
from app.core.errors import Forbidden, NotFound, Problem, ValidationFailed
from app.districts import service as districts
from app.districts.models import District, DistrictLevel
from app.indicators import service as indicators
from app.indicators.models import Indicator
from app.indicators.service import IndicatorInfo
from app.stats import schemas as s
from app.values.models import MONTH_COLUMNS, MonthlyValue, MonthReport, YearlyValue
from app.values.service import EARLIEST_MONTH

# Core tables and their columns: the layer writes SQL expressions, it loads no ORM objects.
VALUES, MONTH_REPORTS = MonthlyValue.__table__, MonthReport.__table__
DISTRICTS, INDICATORS = District.__table__, Indicator.__table__
MV, MR, D, IND = VALUES.c, MONTH_REPORTS.c, DISTRICTS.c, INDICATORS.c
# This year's summary rows and last year's, for year-on-year joins.
YEARLY = YearlyValue.__table__
YCUR, YPREV = YEARLY.alias("ycur"), YEARLY.alias("yprev")

NON_REPORTING_PREFIXES = ("71", "81", "82")
# A month is late when first submitted after the 10th of the following month, Beijing time.
DEADLINE_DAY = 10
BEIJING = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")

RATIOS: dict[s.RatioCode, tuple[str, str, str, str, str, float]] = {
    # code → (numerator, denominator, name_zh, name_en, unit, factor)
    s.RatioCode.published_rate: (
        "double_random.published",
        "double_random.inspections",
        "双随机抽查结果公开率",
        "Share of spot checks published",
        "%",
        100.0,
    ),
    s.RatioCode.rectified_rate: (
        "inspection.hazards_rectified",
        "inspection.hazards_found",
        "隐患整改率",
        "Share of hazards rectified",
        "%",
        100.0,
    ),
    s.RatioCode.fine_per_case: (
        "penalty.fines_yuan",
        "penalty.cases",
        "平均每件行政处罚罚款",
        "Average fine per penalty case",
        "元/件",
        1.0,
    ),
}


# ----------------------------------------------------------------------------- small helpers


def month_start(year: int, month: int) -> dt.date:
    """The first day of ``month`` of ``year``; month 13 is January of the next year."""
    return dt.date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def month_label(month: dt.date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def month_has_ended(year: int, month: int, today: dt.date) -> bool:
    return month_start(year, month + 1) <= today


def due_date(month: dt.date) -> dt.date:
    """The last day a report of ``month`` is on time: the 10th of the next month (Beijing time)."""
    return month_start(month.year, month.month + 1).replace(day=DEADLINE_DAY)


def past_deadline(month: dt.date, today: dt.date) -> bool:
    """Whether the report of ``month`` is overdue on ``today``."""
    return due_date(month) < today


def ended_months(year: int, month_to: int, today: dt.date) -> int:
    """How many of the months 1 … ``month_to`` of ``year`` have ended by ``today``."""
    return sum(month_has_ended(year, m, today) for m in range(1, month_to + 1))


def late_from(month: dt.date) -> dt.datetime:
    """The first moment a report of ``month`` is late: the start of the 11th of the next month in
    Beijing (the bureaus' clock), as an aware UTC datetime (how ``first_submitted_at`` is stored)."""
    after = due_date(month) + dt.timedelta(days=1)
    return dt.datetime(after.year, after.month, after.day, tzinfo=BEIJING).astimezone(dt.UTC)


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


def in_area(column: ColumnElement[str], code: str | None) -> ColumnElement[bool]:
    """``column`` (a district code) is ``code`` or lies under it; ``None`` is the whole country.

    A range rather than LIKE: both databases answer a range from a b-tree index whatever the
    collation, and for digit strings the two are the same set.
    """
    if code is None:
        return true()
    prefix = code_prefix(code)
    if prefix == code:
        return column == code
    upper = str(int(prefix) + 1).zfill(len(prefix))
    if len(upper) > len(prefix):  # "99…": no upper neighbour of the same length
        return column.startswith(prefix, autoescape=True)
    return and_(column >= prefix, column < upper)


def reporting_area(column: ColumnElement[str]) -> ColumnElement[bool]:
    """Districts expected to report (not Taiwan, Hong Kong or Macau)."""
    return not_(or_(*(in_area(column, p + "0000") for p in NON_REPORTING_PREFIXES)))


def district_ref(district: District) -> s.DistrictRef:
    return s.DistrictRef(code=district.code, name=district.name, level=district.level)


def indicator_ref(info: IndicatorInfo) -> s.IndicatorRef:
    return s.IndicatorRef(
        code=info.code, name_zh=info.name_zh, name_en=info.name_en, unit=info.unit, unit_en=info.unit_en
    )


def readable_district(session: Session, *, principal: Principal, code: str) -> District:
    """The district (404 with a suggestion if unknown) whose figures the caller may read (else 403)."""
    district = districts.get_or_raise(session, code=code)
    principal.require_read(code)
    return district


# The whole country as an area of totals and series: no row in the district table, the code common
# GB/T 2260 datasets give 中华人民共和国, and only callers with the whole country in scope.
COUNTRY_CODE = "100000"


@dataclass(frozen=True)
class Area:
    """What an aggregate sums: the area's reference, the county filter (``None``: every county) and
    how many county-level districts are expected to report under it."""

    ref: s.DistrictRef
    counties: list[str] | None
    expected: int


def readable_area(session: Session, *, principal: Principal, code: str | None) -> Area:
    """A district (404 if unknown, 403 outside the scope) or, for ``None`` or ``COUNTRY_CODE``, the
    whole country (403 unless the caller's scope is the whole country)."""
    if code is None or code == COUNTRY_CODE:
        if not principal.scope.is_country:
            raise Forbidden(
                f"无权查看全国数据（超出账号 {principal.name} 的范围）",
                f"The whole country is outside the scope of user {principal.name}",
                district=COUNTRY_CODE,
            )
        expected = session.scalar(select(func.count()).where(D.level == DistrictLevel.county, reporting_area(D.code)))
        ref = s.DistrictRef(code=COUNTRY_CODE, name="全国", level=DistrictLevel.country)
        return Area(ref=ref, counties=None, expected=int(expected or 0))
    district = readable_district(session, principal=principal, code=code)
    codes = county_codes(session, code=code) or []
    return Area(ref=district_ref(district), counties=codes, expected=len(codes))


def listable_parent(session: Session, *, principal: Principal, code: str | None) -> tuple[District | None, bool]:
    """A parent whose children the caller may list, and whether the list is cut to the caller's scope.

    A user may list the children of a district that overlaps the scope (a city bureau looks at its
    province's list and sees its own city's row); a parent entirely outside the scope is 403.
    """
    if code is None:
        return None, not principal.scope.is_country
    parent = districts.get_or_raise(session, code=code)
    if not principal.scope.overlaps(code):
        principal.require_read(code)  # raises the 403
    return parent, not principal.scope.covers(code)


def indicator_or_raise(session: Session, *, code: str) -> IndicatorInfo:
    catalogue = indicators.get_all(session)
    info = catalogue.get(code)
    if info is None:
        near = indicators.suggest(catalogue, code)
        hint_zh = f"；您是否要找：{'、'.join(near)}" if near else ""
        hint_en = f"; did you mean: {', '.join(near)}" if near else ""
        raise NotFound(f"未知指标 {code}{hint_zh}", f"Unknown indicator {code}{hint_en}", suggestions=near)
    return info


# ----------------------------------------------------------------------------- year on year


def county_codes(session: Session, *, code: str | None, principal: Principal | None = None) -> list[str] | None:
    """The county-level districts whose figures make up ``code`` (itself, for a county), cut to the
    caller's scope when given; ``None`` means every district (the whole country, unrestricted)."""
    if code is not None and code_prefix(code) == code:
        return [code] if principal is None or principal.scope.covers(code) else []
    if code is None and (principal is None or principal.scope.is_country):
        return None
    stmt = select(D.code).where(D.level == DistrictLevel.county, in_area(D.code, code), reporting_area(D.code))
    if principal is not None:
        stmt = stmt.where(principal.scope.sql_filter(D.code))
    return list(session.scalars(stmt.order_by(D.code)))


def one_of(column: ColumnElement[str], codes: list[str] | None) -> ColumnElement[bool]:
    if codes is None:
        return true()
    if len(codes) == 1:
        return column == codes[0]
    return column.in_(codes)


def analytical(session: Session) -> None:
    """Before a large aggregate on PostgreSQL: no JIT for this transaction. Its compile time (tens
    of milliseconds) exceeds what it saves on queries of this size; measured in BENCHMARKS.md."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))


@functools.cache
def _year_on_year_columns(month_to: int) -> tuple[ColumnElement[Any], ...]:
    """The aggregate columns of ``_year_on_year`` for months 1 … ``month_to``: built once, since
    they depend on nothing else (36 CASE terms; building them per request cost milliseconds)."""
    months = MONTH_COLUMNS[:month_to]
    zero: ColumnElement[int] = literal_column("0")
    one: ColumnElement[int] = literal_column("1")

    def each_month(value: Callable[[str], ColumnElement[Any]], when: Callable[[str], ColumnElement[bool]]) -> Any:
        terms = [case((when(m), value(m)), else_=zero) for m in months]
        return functools.reduce(operator.add, terms)

    def matched(m: str) -> ColumnElement[bool]:
        return and_(YCUR.c[m].is_not(None), YPREV.c[m].is_not(None))

    def reported(m: str) -> ColumnElement[bool]:
        return YCUR.c[m].is_not(None)

    if month_to == 12:
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


def _year_on_year(
    *, year: int, month_to: int, where: Sequence[ColumnElement[bool]], by: Sequence[ColumnElement[Any]]
) -> Select[Any]:
    """Per ``by``: this year's total (months 1 … ``month_to``) and the comparison on matching months.

    Reads the yearly summary (``yearly_values``, one row per district, year and indicator with the
    months side by side): this year's row (``YCUR``, which ``where`` and ``by`` refer to) is
    left-joined to last year's row of the same district and indicator (``YPREV``), and a month
    counts in the comparison where both rows hold it. The result is the same as pairing the monthly
    rows one by one, with a twelfth of the join.
    """
    joined = YCUR.outerjoin(
        YPREV,
        and_(
            YPREV.c.district_code == YCUR.c.district_code,
            YPREV.c.indicator_code == YCUR.c.indicator_code,
            YPREV.c.year == year - 1,
        ),
    )
    return (
        select(*by, *_year_on_year_columns(month_to))
        .select_from(joined)
        .where(YCUR.c.year == year, *where)
        .group_by(*by)
    )


# ----------------------------------------------------------------------------- totals


def annual_totals(
    session: Session,
    *,
    principal: Principal,
    district: str | None,
    year: int,
    month_to: int | None = None,
    today: dt.date | None = None,
) -> s.TotalsOut:
    """Each indicator's total for ``year`` (months 1 … ``month_to``) in ``district`` and under it.

    Year on year compares matching district-months only: a county's month counts in the comparison
    when that county reported the indicator for that month in both years. ``previous_total`` is last
    year's sum over those matching district-months, ``comparable_total`` this year's, and
    ``change_pct`` = (comparable_total − previous_total) / previous_total × 100, null when
    ``previous_total`` is missing or 0. So a month missing in either year (a late report, a month of
    this year that has not ended) drops out of both sides instead of faking a rise or a fall.
    ``total`` stays the year's full sum of what was reported.
    """
    today = today or dt.date.today()
    month_to = month_to or 12
    check_year(year, today)
    area = readable_area(session, principal=principal, code=district)
    catalogue = indicators.get_all(session)
    analytical(session)
    stmt = _year_on_year(
        year=year, month_to=month_to, where=[one_of(YCUR.c.district_code, area.counties)], by=[YCUR.c.indicator_code]
    )
    rows = {r.indicator_code: r for r in session.execute(stmt)}
    counties = area.expected
    expected = counties * ended_months(year, month_to, today)
    out: list[s.IndicatorTotal] = []
    for info in catalogue.values():
        r = rows.get(info.code)
        previous = number(r.previous_total) if r else None
        comparable = number(r.comparable_total) if r else None
        out.append(
            s.IndicatorTotal(
                **indicator_ref(info).model_dump(),
                total=number(r.total) if r else None,
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
        districts_counted=counties,
        indicators=out,
    )


def yearly_totals(
    session: Session,
    *,
    principal: Principal,
    district: str | None,
    year_from: int,
    year_to: int,
    today: dt.date | None = None,
) -> s.YearlyOut:
    """Each indicator's total for every year ``year_from`` … ``year_to`` in ``district`` and under it:
    one query over the yearly summary, for trends and sparklines (year on year: ``annual_totals``)."""
    today = today or dt.date.today()
    check_year(year_from, today)
    check_year(year_to, today)
    if year_from > year_to:
        raise ValidationFailed(
            f"起始年份 {year_from} 晚于结束年份 {year_to}",
            f"year_from {year_from} is after year_to {year_to}",
            errors=[Problem("year.range", "起始年份晚于结束年份", "year_from is after year_to", column="year_from")],
        )
    area = readable_area(session, principal=principal, code=district)
    catalogue = indicators.get_all(session)
    stmt = (
        select(
            YEARLY.c.year,
            YEARLY.c.indicator_code,
            func.sum(YEARLY.c.total),
            func.sum(YEARLY.c.months_reported),
        )
        .where(one_of(YEARLY.c.district_code, area.counties), YEARLY.c.year >= year_from, YEARLY.c.year <= year_to)
        .group_by(YEARLY.c.year, YEARLY.c.indicator_code)
    )
    found = {(year, code): (total, n) for year, code, total, n in session.execute(stmt)}
    years = range(year_from, year_to + 1)
    expected = {year: area.expected * ended_months(year, 12, today) for year in years}
    out = []
    for info in catalogue.values():
        points = []
        for year in years:
            total, n = found.get((year, info.code), (None, 0))
            points.append(
                s.YearTotal(year=year, total=number(total), months_reported=int(n), months_expected=expected[year])
            )
        out.append(s.IndicatorYears(**indicator_ref(info).model_dump(), years=points))
    return s.YearlyOut(
        district=area.ref,
        year_from=year_from,
        year_to=year_to,
        districts_counted=area.expected,
        indicators=out,
    )


# ----------------------------------------------------------------------------- derived ratios


def _ratios(session: Session, *, counties: list[str] | None, year: int, month_to: int) -> list[s.DerivedRatio]:
    codes = sorted({c for num, den, *_ in RATIOS.values() for c in (num, den)})
    per_month = (
        select(
            MV.district_code,
            MV.month,
            *(func.sum(case((MV.indicator_code == c, MV.value))).label(c) for c in codes),
        )
        .where(
            one_of(MV.district_code, counties),
            MV.month >= month_start(year, 1),
            MV.month < month_start(year, month_to + 1),
            MV.indicator_code.in_(codes),
        )
        .group_by(MV.district_code, MV.month)
        .subquery("per_month")
    )
    columns: list[ColumnElement[Any]] = []
    for code, (num, den, *_rest) in RATIOS.items():
        both = and_(per_month.c[num].is_not(None), per_month.c[den].is_not(None))
        columns += [
            func.sum(case((both, per_month.c[num]))).label(f"{code.value}_num"),
            func.sum(case((both, per_month.c[den]))).label(f"{code.value}_den"),
            func.count(case((both, 1))).label(f"{code.value}_n"),
        ]
    row = session.execute(select(*columns)).one()._mapping
    out = []
    for code, (_num, _den, zh, en, unit, factor) in RATIOS.items():
        numerator, denominator = number(row[f"{code.value}_num"]), number(row[f"{code.value}_den"])
        value = None if numerator is None or not denominator else round(numerator * factor / denominator, 2)
        out.append(
            s.DerivedRatio(
                code=code,
                name_zh=zh,
                name_en=en,
                unit=unit,
                value=value,
                numerator=numerator,
                denominator=denominator,
                months_compared=int(row[f"{code.value}_n"]),
            )
        )
    return out


def derived_ratios(
    session: Session,
    *,
    principal: Principal,
    district: str | None,
    year: int,
    month_to: int | None = None,
    today: dt.date | None = None,
) -> s.RatiosOut:
    """公开率 (published / inspections), 整改率 (rectified / found) and the average fine per penalty case.

    Computed, never stored, over the district-months that reported both the numerator and the
    denominator (a month reporting only one of them would skew the ratio); null when the
    denominator is missing or 0.
    """
    today = today or dt.date.today()
    month_to = month_to or 12
    check_year(year, today)
    area = readable_area(session, principal=principal, code=district)
    analytical(session)
    return s.RatiosOut(
        district=area.ref,
        year=year,
        month_to=month_to,
        ratios=_ratios(session, counties=area.counties, year=year, month_to=month_to),
    )


# ----------------------------------------------------------------------------- monthly series


def _month_points(
    session: Session, *, area: Area, indicator: str, year: int, today: dt.date
) -> tuple[list[s.MonthPoint], float | None]:
    counties = area.counties
    sums = {
        m: (total, n)
        for m, total, n in session.execute(
            select(MV.month, func.sum(MV.value), func.count())
            .where(
                one_of(MV.district_code, counties),
                MV.indicator_code == indicator,
                MV.month >= month_start(year, 1),
                MV.month < month_start(year + 1, 1),
            )
            .group_by(MV.month)
        )
    }
    total = session.scalar(
        select(func.sum(MV.value)).where(
            one_of(MV.district_code, counties),
            MV.indicator_code == indicator,
            MV.month >= month_start(year, 1),
            MV.month < month_start(year + 1, 1),
        )
    )
    points = []
    for m in range(1, 13):
        key = month_start(year, m)
        value, reported = sums.get(key, (None, 0))
        points.append(
            s.MonthPoint(
                month=month_label(key),
                value=number(value),
                districts_reported=int(reported),
                districts_expected=area.expected if month_has_ended(year, m, today) else 0,
            )
        )
    return points, number(total)


def monthly_series(
    session: Session,
    *,
    principal: Principal,
    district: str | None,
    year: int,
    indicator: str,
    compare_previous: bool = False,
    today: dt.date | None = None,
) -> s.MonthlyOut:
    """Twelve months of one indicator in ``district`` (summed over its counties): ``None`` where no
    county reported the month, 0 where zero was reported; with ``compare_previous`` last year too."""
    today = today or dt.date.today()
    check_year(year, today)
    area = readable_area(session, principal=principal, code=district)
    info = indicator_or_raise(session, code=indicator)
    points, total = _month_points(session, area=area, indicator=indicator, year=year, today=today)
    out = s.MonthlyOut(district=area.ref, indicator=indicator_ref(info), year=year, months=points, total=total)
    if compare_previous:
        out.previous_year = year - 1
        out.previous, out.previous_total = _month_points(
            session, area=area, indicator=indicator, year=year - 1, today=today
        )
    return out


# ----------------------------------------------------------------------------- ranking


def _child_of(parent: District | None, level: DistrictLevel | None) -> ColumnElement[str]:
    """For a county-level ``District`` row, the code of the listed row it belongs to."""
    if level == DistrictLevel.county or (parent is not None and parent.level != DistrictLevel.province):
        return D.code
    if parent is None:  # the country's children: provinces
        return func.substr(D.code, 1, 2).concat(literal("0000"))
    # A province's children are its cities and the counties it administers directly (省直辖县级).
    return case((D.parent_code == parent.code, D.code), else_=D.parent_code)


def _listed_rows(
    principal: Principal, parent: District | None, level: DistrictLevel | None
) -> Select[tuple[str, str, DistrictLevel]]:
    """The districts a ranking or a completeness table lists, inside the caller's scope."""
    stmt = select(D.code, D.name, D.level).where(principal.scope.sql_filter(D.code), reporting_area(D.code))
    if level is not None:
        return stmt.where(D.level == level, in_area(D.code, parent.code if parent else None))
    if parent is None:
        return stmt.where(D.level == DistrictLevel.province)
    return stmt.where(D.parent_code == parent.code)


def _rolled_up(
    per_county: Subquery, child: ColumnElement[str], codes: list[str] | None
) -> tuple[Subquery, Subquery | None]:
    """Per-county figures (by indicator) summed into the listed rows they belong to (a city, a
    province), and the number of reporting counties under each row; counties listed as themselves
    need neither."""
    if child is D.code:
        return select(per_county.c.district_code.label("child"), per_county).subquery("per_child"), None
    # Grouping happens on the subquery's plain column: PostgreSQL cannot match a GROUP BY
    # expression that holds parameters.
    mapped = (
        select(child.label("child"), per_county)
        .select_from(per_county.join(DISTRICTS, D.code == per_county.c.district_code))
        .subquery("mapped")
    )
    per_child = (
        select(
            mapped.c.child,
            mapped.c.indicator_code,
            func.sum(mapped.c.total).label("total"),
            func.sum(mapped.c.months_reported).label("months_reported"),
            func.sum(mapped.c.comparable_total).label("comparable_total"),
            func.sum(mapped.c.previous_total).label("previous_total"),
        )
        .group_by(mapped.c.child, mapped.c.indicator_code)
        .subquery("per_child")
    )
    counties = (
        select(child.label("child"))
        .where(D.level == DistrictLevel.county, one_of(D.code, codes), reporting_area(D.code))
        .subquery("counties")
    )
    expected = select(counties.c.child, func.count().label("counties")).group_by(counties.c.child).subquery("expected")
    return per_child, expected


def district_ranking(
    session: Session,
    *,
    principal: Principal,
    year: int,
    indicator: str,
    parent: str | None = None,
    level: DistrictLevel | None = None,
    today: dt.date | None = None,
) -> s.RankingOut:
    """Each child of ``parent`` (provinces without a parent; with ``level=county`` every county-level
    district under ``parent`` or in the country): its total, share, rank, change against last year
    (matching months, as in ``annual_totals``) and how many district-months reported the indicator.

    Rows outside the caller's scope are left out; share and rank are then among the listed rows.
    """
    rankings = district_rankings(
        session, principal=principal, year=year, indicators=[indicator], parent=parent, level=level, today=today
    )
    return rankings[indicator]


def district_rankings(
    session: Session,
    *,
    principal: Principal,
    year: int,
    indicators: Sequence[str],
    parent: str | None = None,
    level: DistrictLevel | None = None,
    today: dt.date | None = None,
) -> dict[str, s.RankingOut]:
    """``district_ranking`` of several indicators at once, in one statement (the dashboard's heat map
    of nine indicators): the same rows, keyed by indicator code in the order asked."""
    today = today or dt.date.today()
    check_year(year, today)
    if level is not None and level != DistrictLevel.county:
        raise ValidationFailed(
            "level 只能为 county",
            "level may only be county",
            errors=[Problem("level.unsupported", "level 只能为 county", "level may only be county", column="level")],
        )
    parent_row, limited = listable_parent(session, principal=principal, code=parent)
    if parent_row is not None and parent_row.level == DistrictLevel.county and level is None:
        raise ValidationFailed(
            f"{parent_row.name}（{parent_row.code}）是区县级区划，没有下级统计单位；可改用 level=county",
            f"{parent_row.name} ({parent_row.code}) is county-level and has no children; use level=county",
            errors=[Problem("parent.is_county", "区县没有下级", "a county has no children", column="parent")],
        )
    wanted = list(dict.fromkeys(indicators))
    if not wanted:
        return {}
    infos = {code: indicator_or_raise(session, code=code) for code in wanted}
    child = _child_of(parent_row, level)
    codes = county_codes(session, code=parent, principal=principal)
    analytical(session)
    per_county = _year_on_year(
        year=year,
        month_to=12,
        where=[
            YCUR.c.indicator_code.in_(wanted) if len(wanted) > 1 else YCUR.c.indicator_code == wanted[0],
            one_of(YCUR.c.district_code, codes),
        ],
        by=[YCUR.c.district_code, YCUR.c.indicator_code],
    ).subquery("per_county")
    per_child, expected = _rolled_up(per_county, child, codes)
    listed_rows = _listed_rows(principal, parent_row, level)
    listed = listed_rows.subquery("listed")
    total = per_child.c.total
    by_indicator = per_child.c.indicator_code
    # Rank and share among the listed rows that reported (the others have neither); the listed rows
    # without figures are added below. Joining every listed row to every indicator in SQL instead
    # made SQLite look each pair up by indicator alone: seconds for the country's counties.
    ranked = (
        select(
            per_child.c.indicator_code,
            per_child.c.child,
            # Floats and integers straight from the database: PostgreSQL's numeric would arrive as
            # Decimal, and converting ~2,850 rows of them costs more than the aggregate.
            cast(total, Float),
            cast(per_child.c.previous_total, Float),
            cast(per_child.c.comparable_total, Float),
            cast(per_child.c.months_reported, Integer),
            case(
                (total.is_(None), None),
                else_=func.rank().over(partition_by=by_indicator, order_by=total.desc().nulls_last()),
            ).label("rank"),
            cast(total * 100.0 / func.nullif(func.sum(total).over(partition_by=by_indicator), 0), Float),
            cast(func.sum(total).over(partition_by=by_indicator), Float),
        )
        .select_from(per_child.join(listed, listed.c.code == per_child.c.child))
        .order_by(by_indicator, total.desc().nulls_last(), per_child.c.child)
    )
    figures: dict[str, list[tuple[Any, ...]]] = {code: [] for code in wanted}
    for r in session.execute(ranked).all():  # one fetch: row by row costs more than the aggregate
        figures[r[0]].append(tuple(r[1:]))
    counties_under = (
        {child: n for child, n in session.execute(select(expected.c.child, expected.c.counties)).all()}
        if expected is not None
        else None
    )
    months = ended_months(year, 12, today)
    rows: dict[str, list[s.RankingRow]] = {code: [] for code in wanted}
    sums: dict[str, float | None] = dict.fromkeys(wanted)
    listed_all = {r[0]: (r[1], r[2]) for r in session.execute(listed_rows.order_by(D.code)).all()}  # type: ignore[misc]
    nothing = (None, None, None, None, None, None, None)
    for ind in wanted:
        # Highest total first (the database's order), then the listed rows with nothing reported,
        # by code.
        reported_rows = [(child, *rest) for child, *rest in figures[ind] if child in listed_all]
        seen = {r[0] for r in reported_rows}
        merged = reported_rows + [(code, *nothing) for code in listed_all if code not in seen]
        out = rows[ind]
        for code, total_, previous_, comparable_, reported_, rank, share, sum_ in merged:
            name, lvl = listed_all[code]
            if sum_ is not None:
                sums[ind] = number(sum_)
            comparable, previous = number(comparable_), number(previous_)
            counties_ = counties_under.get(code, 0) if counties_under is not None else 1
            expected_months = counties_ * months
            reported = reported_ or 0
            out.append(
                s.RankingRow(
                    code=code,
                    name=name,
                    level=lvl,
                    total=number(total_),
                    share_pct=number(share),
                    rank=rank,
                    previous_total=previous,
                    comparable_total=comparable,
                    change_pct=pct_change(comparable, previous),
                    months_reported=reported,
                    months_expected=expected_months,
                    completeness_pct=percent(reported, expected_months),
                )
            )
    return {
        code: s.RankingOut(
            parent=district_ref(parent_row) if parent_row else None,
            level=level,
            year=year,
            indicator=indicator_ref(infos[code]),
            total=sums[code],
            scope_limited=limited,
            rows=rows[code],
        )
        for code in wanted
    }


# ----------------------------------------------------------------------------- completeness


def completeness(
    session: Session,
    *,
    principal: Principal,
    year: int,
    parent: str | None = None,
    today: dt.date | None = None,
) -> s.CompletenessOut:
    """Each county-level district under ``parent`` × each month of ``year``: ``submitted``, ``late``
    (first submitted after the 10th of the following month, Beijing time) or ``missing``. A month
    is expected once its deadline has passed (or once it is reported); before that, a month that
    has not ended or whose report is not due yet is ``None``, not ``missing``: nobody is counted as
    missing a report they still have time to send. Rates are over the expected months.
    """
    today = today or dt.date.today()
    check_year(year, today)
    parent_row, limited = listable_parent(session, principal=principal, code=parent)
    due = [month_start(year, m) for m in range(1, 13) if month_has_ended(year, m, today)]
    counties = _listed_rows(principal, parent_row, DistrictLevel.county).subquery("counties")

    reports: dict[tuple[str, dt.date], s.ReportStatus] = {}
    per_county: dict[str, tuple[int, int]] = {}
    if due:
        late = MR.first_submitted_at >= case({m: late_from(m) for m in due}, value=MR.month)
        status = case((late, literal(s.ReportStatus.late.value)), else_=literal(s.ReportStatus.submitted.value))
        in_year = [MR.month >= due[0], MR.month <= due[-1]]
        joined = counties.join(MONTH_REPORTS, MR.district_code == counties.c.code)
        reports = {
            (code, month): s.ReportStatus(st)
            for code, month, st in session.execute(
                select(MR.district_code, MR.month, status).select_from(joined).where(*in_year)
            )
        }
        per_county = {
            code: (int(on_time), int(late_n))
            for code, on_time, late_n in session.execute(
                select(
                    MR.district_code,
                    func.count(case((not_(late), 1))),
                    func.count(case((late, 1))),
                )
                .select_from(joined)
                .where(*in_year)
                .group_by(MR.district_code)
            )
        }
    overdue = {m for m in due if past_deadline(m, today)}
    rows: list[s.CompletenessRow] = []
    for code, name in session.execute(select(counties.c.code, counties.c.name).order_by(counties.c.code)):
        on_time, late_n = per_county.get(code, (0, 0))
        cells: list[s.ReportStatus | None] = []
        for m in range(1, 13):
            month = month_start(year, m)
            sent = reports.get((code, month))
            cells.append(sent if sent is not None else s.ReportStatus.missing if month in overdue else None)
        expected_months = sum(cell is not None for cell in cells)
        rows.append(_completeness_row(code, name, cells, on_time, late_n, expected_months))
    submitted = sum(r.submitted for r in rows)
    late_total = sum(r.late for r in rows)
    expected = sum(r.expected for r in rows)
    return s.CompletenessOut(
        parent=district_ref(parent_row) if parent_row else None,
        year=year,
        months=[month_label(month_start(year, m)) for m in range(1, 13)],
        deadline_day=DEADLINE_DAY,
        scope_limited=limited,
        submitted=submitted,
        late=late_total,
        missing=expected - submitted - late_total,
        expected=expected,
        reporting_rate_pct=percent(submitted + late_total, expected),
        on_time_rate_pct=percent(submitted, expected),
        rows=rows,
    )


def _completeness_row(
    code: str, name: str, cells: list[s.ReportStatus | None], on_time: int, late: int, due: int
) -> s.CompletenessRow:
    return s.CompletenessRow(
        code=code,
        name=name,
        months=cells,
        submitted=on_time,
        late=late,
        missing=due - on_time - late,
        expected=due,
        reporting_rate_pct=percent(on_time + late, due),
        on_time_rate_pct=percent(on_time, due),
    )


# ----------------------------------------------------------------------------- raw values


def values_query(
    *,
    principal: Principal,
    district: str | None,
    year: int | None,
    indicator: str | None,
    lang: str = "en",
) -> Select[Any]:
    """The raw monthly values as rows (district, name, month, indicator, name, unit, value), in the
    order of the (district, month, indicator) index, so a complete export streams without a sort."""
    zh = lang == "zh"
    stmt = (
        select(
            MV.district_code.label("district"),
            D.name.label("district_name"),
            MV.month,
            MV.indicator_code.label("indicator"),
            (IND.name_zh if zh else IND.name_en).label("indicator_name"),
            (IND.unit if zh else IND.unit_en).label("unit"),
            MV.value,
        )
        .join(DISTRICTS, D.code == MV.district_code)
        .join(INDICATORS, IND.code == MV.indicator_code)
        .where(in_area(MV.district_code, district), principal.scope.sql_filter(MV.district_code))
        .order_by(MV.district_code, MV.month, MV.indicator_code)
    )
    if year is not None:
        stmt = stmt.where(MV.month >= month_start(year, 1), MV.month < month_start(year + 1, 1))
    if indicator is not None:
        stmt = stmt.where(MV.indicator_code == indicator)
    return stmt


def check_values_request(
    session: Session,
    *,
    principal: Principal,
    district: str | None,
    year: int | None,
    indicator: str | None,
    today: dt.date | None = None,
) -> None:
    """404 for an unknown district or indicator, 403 outside the scope, 422 for a year out of range."""
    if year is not None:
        check_year(year, today or dt.date.today())
    if district is not None:
        readable_district(session, principal=principal, code=district)
    if indicator is not None:
        indicator_or_raise(session, code=indicator)


def values_page(
    session: Session,
    *,
    principal: Principal,
    district: str | None,
    year: int | None,
    indicator: str | None,
    page: int,
    page_size: int,
    lang: str = "en",
    today: dt.date | None = None,
) -> s.ValuesPage:
    """One page of the raw monthly values (see ``values_query``)."""
    check_values_request(session, principal=principal, district=district, year=year, indicator=indicator, today=today)
    stmt = values_query(principal=principal, district=district, year=year, indicator=indicator, lang=lang)
    total = int(session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)
    items = [
        s.ValueRow(
            district=r.district,
            district_name=r.district_name,
            month=month_label(r.month),
            indicator=r.indicator,
            indicator_name=r.indicator_name,
            unit=r.unit,
            value=number(r.value) or 0.0,
        )
        for r in session.execute(stmt.limit(page_size).offset((page - 1) * page_size))
    ]
    return s.ValuesPage(page=page, page_size=page_size, total=total, pages=math.ceil(total / page_size), items=items)


# ----------------------------------------------------------------------------- districts and catalogue


def _district_read(row: Any) -> dict[str, Any]:
    return {
        "code": row.code,
        "name": row.name,
        "level": row.level,
        "parent_code": row.parent_code,
        "longitude": row.longitude,
        "latitude": row.latitude,
        "readable": bool(row.readable),
    }


def _district_columns(principal: Principal) -> list[ColumnElement[Any]]:
    readable = principal.scope.sql_filter(D.code)
    return [
        D.code,
        D.name,
        D.level,
        D.parent_code,
        D.longitude,
        D.latitude,
        case((readable, True), else_=False).label("readable"),
    ]


def list_districts(
    session: Session,
    *,
    principal: Principal,
    parent: str | None = None,
    level: DistrictLevel | None = None,
    q: str | None = None,
) -> list[dict[str, Any]]:
    """Districts by parent, level and text (a code prefix or part of a name). Codes and names are
    public, so every caller sees the whole list; ``readable`` says whose figures the caller may read.

    ``parent`` alone lists its direct children; with ``level`` every district of that level under it.
    """
    stmt = select(*_district_columns(principal)).order_by(D.code)
    if parent is not None:
        districts.get_or_raise(session, code=parent)
        stmt = stmt.where(in_area(D.code, parent), D.code != parent)
        if level is None:
            stmt = stmt.where(D.parent_code == parent)
    if level is not None:
        stmt = stmt.where(D.level == level)
    if q:
        text = q.strip()
        stmt = stmt.where(or_(D.code.startswith(text, autoescape=True), D.name.contains(text, autoescape=True)))
    return [_district_read(r) for r in session.execute(stmt)]


def district_family(session: Session, *, principal: Principal, code: str) -> dict[str, Any]:
    """One district with its parent chain (province first) and its direct children."""
    districts.get_or_raise(session, code=code)
    columns = _district_columns(principal)
    me = session.execute(select(*columns).where(D.code == code)).one()
    parents: list[dict[str, Any]] = []
    parent_code = me.parent_code
    while parent_code is not None and len(parents) < 4:  # at most province → city → county → township
        row = session.execute(select(*columns).where(D.code == parent_code)).one()
        parents.insert(0, _district_read(row))
        parent_code = row.parent_code
    children = [
        _district_read(r) for r in session.execute(select(*columns).where(D.parent_code == code).order_by(D.code))
    ]
    return {**_district_read(me), "parents": parents, "children": children}
