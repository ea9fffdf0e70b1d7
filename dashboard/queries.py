"""Thin adapters over the statistics query layer (``app.stats``): its pydantic results as DataFrames.

No SQL here: every figure comes from the same functions the API and the report generator use, and
those check the caller's scope. "Not reported" stays ``None``/NaN all the way to the page.

Their results go through the cache of statistics results (app/stats/cache.py), keyed by the caller's
scope, the call and the data version; the names and parameters of the calls the API also answers
(totals, ratios, completeness) are the API's, so a page and an API request share one entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import pandas as pd
from sqlalchemy.orm import Session

from app.auth.scope import Principal
from app.core.periods import EARLIEST_MONTH, month_label
from app.districts import listing
from app.districts.codes import COUNTRY_CODE, is_pseudo_city
from app.districts.models import DistrictLevel
from app.indicators import service as indicator_service
from app.stats import cache, monthly, ranking, ratios, raw_values, totals
from app.stats import completeness as stats_completeness
from app.stats import years as stats_years
from app.stats.context import StatsContext
from app.stats.schemas import CompletenessOut, DistrictRef, MonthlyOut, RankingOut, RatiosOut, TotalsOut, YearlyOut
from dashboard import data

T = TypeVar("T")

# The KPI cards of the Overview, in the order leaders read them.
HEADLINE: tuple[str, ...] = (
    "double_random.inspections",
    "inspection.enterprises",
    "inspection.hazards_found",
    "penalty.cases",
    "penalty.fines_yuan",
    "case_review.meetings",
    "drill.drills",
    "training.trainees",
    "accident.deaths",
)
DEFAULT_INDICATOR = "inspection.enterprises"
EARLIEST_YEAR = EARLIEST_MONTH.year
# The Overview's trend shows up to ten years ending at the chosen year, the KPI cards' sparklines
# the last five of them; one query-layer call answers all of them (``yearly_totals``).
TREND_YEARS = 10
SPARK_YEARS = 5
# The Data page pivots values into a grid in the browser; beyond this many values, narrow the area.
MAX_GRID_VALUES = 150_000
LISTED_LEVELS = (DistrictLevel.province, DistrictLevel.city, DistrictLevel.county)

TOTAL_COLUMNS = [
    "year",
    "code",
    "total",
    "previous_total",
    "comparable_total",
    "change_pct",
    "months_reported",
    "months_expected",
    "months_compared",
    "districts_annual",
    "differs",
]


def _cached(
    stats: StatsContext,
    name: str,
    kind: Any,
    params: dict[str, Any],
    compute: Callable[[], T],
    *,
    area: str | None,
    years: tuple[int, int] | None,
) -> T:
    """``compute()`` through this server's cache of statistics results (none outside a request);
    ``area`` and ``years``: what it reads (app/stats/cache.py)."""
    return cache.cached(data.query_cache(), stats, name, kind, params, compute, area=area, years=years)


def catalogue(session: Session) -> pd.DataFrame:
    """The indicator catalogue, indexed by code, in catalogue order (with ``good_direction``)."""
    rows = [vars(info) for info in indicator_service.get_all(session).values()]
    return pd.DataFrame(rows).set_index("code", drop=False)


def readable_districts(session: Session, *, principal: Principal) -> pd.DataFrame:
    """Every province, city and county-level district whose figures the caller may read, in code
    order (which is tree order: GB/T 2260 codes nest by prefix), indexed by code; a municipality's
    pseudo-cities are not areas and are left out (``listing.listed_areas``)."""
    # Without a municipality's pseudo-cities (市辖区, 县): its districts are listed under it instead.
    rows = [r for r in listing.listed_areas(session, principal=principal) if r["level"] in LISTED_LEVELS]
    frame = pd.DataFrame(rows, columns=["code", "name", "level", "parent_code", "longitude", "latitude", "readable"])
    frame["level"] = frame["level"].map(lambda level: DistrictLevel(level).value)
    return frame.set_index("code", drop=False)


def check_readable(stats: StatsContext, *, code: str) -> None:
    """404 for an unknown district, 403 for one outside the caller's scope (the query layer's errors)."""
    stats.district(code)


def lookup_area(session: Session, *, principal: Principal, code: str) -> listing.AreaLookup:
    """What a code in a link stands for: the area itself, a pseudo-city's municipality, or nothing."""
    return listing.lookup_area(session, code, principal=principal)


def years_with_data(stats: StatsContext, *, district: str | None) -> list[int]:
    """The years with any figure under ``district`` (``None``: the caller's scope), ascending. Every
    page asks (its year picker). An area's is one small statement, read afresh: cached, it would
    depend on every year of the area, so any write there would void it and every page kept with it
    (``dashboard.page_cache`` keys a page on this answer instead). The country's is cached."""
    if district is not None and district != COUNTRY_CODE:
        return stats_years.years_with_data(stats, district=district)
    return _cached(
        stats,
        "years",
        list[int],
        {"district": district},
        lambda: stats_years.years_with_data(stats, district=district),
        area=district,
        years=None,
    )


def district_family(session: Session, *, principal: Principal, code: str) -> dict[str, Any]:
    """A district with its parents and direct children (public names; ``readable`` per row)."""
    return listing.district_family(session, principal=principal, code=code)


# ----------------------------------------------------------------------------- overview


def totals_frame(totals: TotalsOut) -> pd.DataFrame:
    """One ``annual_totals`` result as rows of TOTAL_COLUMNS."""
    return pd.DataFrame(
        [
            {
                "year": totals.year,
                "code": i.code,
                "total": i.total,
                "previous_total": i.previous_total,
                "comparable_total": i.comparable_total,
                "change_pct": i.change_pct,
                "months_reported": i.months_reported,
                "months_expected": i.months_expected,
                "months_compared": i.months_compared,
                "districts_annual": i.districts_annual,
                "differs": i.differs,
            }
            for i in totals.indicators
        ],
        columns=TOTAL_COLUMNS,
    )


def ratios_frame(ratios: RatiosOut) -> pd.DataFrame:
    """The derived ratios (公开率, 整改率, 平均罚款) of one year as rows."""
    return pd.DataFrame(
        [
            {
                "year": ratios.year,
                "code": r.code.value,
                "name_zh": r.name_zh,
                "name_en": r.name_en,
                "unit": r.unit,
                "value": r.value,
                "numerator": r.numerator,
                "denominator": r.denominator,
                "months_compared": r.months_compared,
            }
            for r in ratios.ratios
        ],
        columns=["year", "code", "name_zh", "name_en", "unit", "value", "numerator", "denominator", "months_compared"],
    )


def trend_years(year: int, count: int = TREND_YEARS) -> list[int]:
    """The ``count`` years up to the chosen year (none before the earliest month data may have)."""
    return list(range(max(EARLIEST_YEAR, year - count + 1), year + 1))


def annual_totals(stats: StatsContext, *, district: str | None, year: int) -> TotalsOut:
    """One year's totals and year on year of ``district`` (the query layer's result)."""
    params = {"district": district, "year": year, "month_to": None}
    return _cached(
        stats,
        "totals",
        TotalsOut,
        params,
        lambda: totals.annual_totals(stats, district=district, year=year),
        area=district,
        years=(year - 1, year),
    )


def derived_ratios(stats: StatsContext, *, district: str | None, year: int) -> pd.DataFrame:
    """公开率, 整改率 and 平均罚款 of ``district`` in ``year``: year, code, name_zh, name_en, unit, value, …"""
    params = {"district": district, "year": year, "month_to": None}
    result = _cached(
        stats,
        "ratios",
        RatiosOut,
        params,
        lambda: ratios.derived_ratios(stats, district=district, year=year),
        area=district,
        years=(year - 1, year),
    )
    return ratios_frame(result)


YEARLY_COLUMNS = ["year", "code", "total", "months_reported", "months_expected", "districts_annual", "differs"]


def yearly_totals(stats: StatsContext, *, district: str | None, years: list[int]) -> pd.DataFrame:
    """Each indicator's total in each of ``years`` (one call): year, code, total (NaN where nothing was
    reported), months_reported, months_expected, and what of it comes from annual reports:
    districts_annual (district-years counted from their annual figure: no months reported) and
    differs (district-years whose annual figure and monthly sum disagree, 数据差异)."""
    params = {"district": district, "year_from": years[0], "year_to": years[-1]}
    result = _cached(
        stats,
        "yearly",
        YearlyOut,
        params,
        lambda: totals.yearly_totals(stats, district=district, year_from=years[0], year_to=years[-1]),
        area=district,
        years=(years[0], years[-1]),
    )
    return pd.DataFrame(
        [
            {
                "year": y.year,
                "code": i.code,
                "total": y.total,
                "months_reported": y.months_reported,
                "months_expected": y.months_expected,
                "districts_annual": y.districts_annual,
                "differs": y.differs,
            }
            for i in result.indicators
            for y in i.years
        ],
        columns=YEARLY_COLUMNS,
    ).astype({"total": "float64"})


def monthly_compare(stats: StatsContext, *, district: str | None, year: int, indicator: str) -> pd.DataFrame:
    """Twelve rows (month 1 … 12): ``this_year`` and ``last_year`` (NaN where nothing was reported),
    and how many districts reported each month of this year out of how many were expected."""
    params = {"district": district, "year": year, "indicator": indicator, "compare_previous": True}
    series = _cached(
        stats,
        "monthly",
        MonthlyOut,
        params,
        lambda: monthly.monthly_series(stats, district=district, year=year, indicator=indicator, compare_previous=True),
        area=district,
        years=(year - 1, year),
    )
    previous = series.previous or []
    return pd.DataFrame(
        {
            "month": list(range(1, 13)),
            "this_year": [p.value for p in series.months],
            "last_year": [p.value for p in previous] if previous else [None] * 12,
            "reported": [p.districts_reported for p in series.months],
            "expected": [p.districts_expected for p in series.months],
        }
    ).astype({"this_year": "float64", "last_year": "float64"})


# ----------------------------------------------------------------------------- districts


@dataclass(frozen=True)
class Ranking:
    parent: DistrictRef | None
    level: str | None  # "county" when the ranking lists every county-level district under the parent
    total: float | None
    scope_limited: bool
    rows: pd.DataFrame  # code, name, level, total, share_pct, rank, change_pct, months_*, completeness_pct


RANKING_COLUMNS = [
    "code",
    "name",
    "level",
    "total",
    "share_pct",
    "rank",
    "previous_total",
    "comparable_total",
    "change_pct",
    "months_reported",
    "months_expected",
    "completeness_pct",
]


def ranking_frame(result: RankingOut) -> Ranking:
    rows = pd.DataFrame(
        [{**r.model_dump(), "level": DistrictLevel(r.level).value} for r in result.rows], columns=RANKING_COLUMNS
    )
    for column in ("total", "share_pct", "change_pct", "completeness_pct", "rank"):
        rows[column] = rows[column].astype("float64")
    return Ranking(
        parent=result.parent,
        level=result.level.value if result.level else None,
        total=result.total,
        scope_limited=result.scope_limited,
        rows=rows,
    )


def children_level(session: Session, *, principal: Principal, parent: str | None) -> DistrictLevel | None:
    """Which rows a comparison of ``parent`` lists: its children, or — for a parent with a single
    child, like Tianjin's one 市辖区, or only pseudo-cities, like Chongqing's 市辖区 and 县 — every
    county-level district under it."""
    if parent is None:
        return None
    family = listing.district_family(session, principal=principal, code=parent)
    children = [c for c in family["children"] if c["readable"] and c["level"] in LISTED_LEVELS]
    if len(children) <= 1 or all(is_pseudo_city(c["name"]) for c in children):
        return DistrictLevel.county
    return None


def rankings(
    stats: StatsContext, *, parent: str | None, year: int, indicators: Iterable[str], level: DistrictLevel | None
) -> dict[str, Ranking]:
    """The rows under ``parent`` ranked by their total of each of ``indicators`` in ``year`` (one call)."""
    codes = list(indicators)
    params = {"year": year, "indicators": codes, "parent": parent, "level": level}
    results = _cached(
        stats,
        "rankings",
        dict[str, RankingOut],
        params,
        lambda: ranking.district_rankings(stats, year=year, indicators=codes, parent=parent, level=level),
        area=parent,
        years=(year - 1, year),
    )
    return {code: ranking_frame(result) for code, result in results.items()}


def change_matrix(rankings: Mapping[str, Ranking]) -> pd.DataFrame:
    """Long rows (code, name, indicator, change_pct, total) for the district × indicator heat map,
    from one ranking per indicator (keyed by indicator code, in the order the columns should take)."""
    frames = [
        ranking.rows.assign(indicator=code)[["code", "name", "indicator", "change_pct", "total"]]
        for code, ranking in rankings.items()
    ]
    return pd.concat(frames, ignore_index=True)


# ----------------------------------------------------------------------------- completeness


@dataclass(frozen=True)
class Completeness:
    result: CompletenessOut
    cells: pd.DataFrame  # code, name, month (1 … 12), status ("submitted" | "late" | "missing" | None)
    rows: pd.DataFrame  # code, name, submitted, late, missing, expected, reporting_rate_pct, on_time_rate_pct


def completeness(stats: StatsContext, *, parent: str | None, year: int) -> Completeness:
    result = _cached(
        stats,
        "completeness",
        CompletenessOut,
        {"year": year, "parent": parent},
        lambda: stats_completeness.completeness(stats, year=year, parent=parent),
        area=parent,
        years=(year, year),
    )
    cells = pd.DataFrame(
        [
            {"code": r.code, "name": r.name, "month": m, "status": status.value if status else None}
            for r in result.rows
            for m, status in enumerate(r.months, start=1)
        ],
        columns=["code", "name", "month", "status"],
    )
    rows = pd.DataFrame(
        [r.model_dump(exclude={"months"}) for r in result.rows],
        columns=["code", "name", "submitted", "late", "missing", "expected", "reporting_rate_pct", "on_time_rate_pct"],
    )
    return Completeness(result=result, cells=cells, rows=rows)


# ----------------------------------------------------------------------------- raw values


def count_values(stats: StatsContext, *, district: str | None, year: int) -> int:
    def count() -> int:
        return raw_values.values_page(stats, district=district, year=year, indicator=None, page=1, page_size=1).total

    return _cached(
        stats, "values_count", int, {"district": district, "year": year}, count, area=district, years=(year, year)
    )


def monthly_values(stats: StatsContext, *, district: str | None, year: int) -> pd.DataFrame:
    """The raw monthly values under ``district`` in ``year``, one row per district-month and one
    column per indicator code (NaN where not reported), plus district, district_name and month."""
    raw_values.check_values_request(stats, district=district, year=year, indicator=None)
    stmt = raw_values.values_query(principal=stats.principal, district=district, year=year, indicator=None, lang="zh")
    long = pd.DataFrame(
        [
            (r.district, r.district_name, month_label(r.month), r.indicator, r.value)
            for r in stats.session.execute(stmt)
        ],
        columns=["district", "district_name", "month", "indicator", "value"],
    )
    if long.empty:
        return pd.DataFrame(columns=["district", "district_name", "month"])
    long["value"] = long["value"].astype("float64")
    wide = long.pivot_table(
        index=["district", "district_name", "month"], columns="indicator", values="value", aggfunc="first"
    )
    wide.columns.name = None
    return wide.reset_index()


def unapproved_months(stats: StatsContext, *, district: str | None, year: int) -> int:
    """How many reported district-months of ``year`` under ``district`` are not approved yet (what a
    download's scope line states as 含未审核数据)."""
    if stats.approved_only:
        return 0
    return totals.unapproved_months(stats, stats.area(district).counties, year, 12)
