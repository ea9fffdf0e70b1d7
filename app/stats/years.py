"""The years an area has figures for: what a year picker offers (the dashboard's, the API's alike).

A year counts when any county-level district of the area, inside the caller's scope, reported any
month of it (the yearly summary) or has an annual figure for it (年报数据, app.backfill). Years with
nothing would only draw empty charts.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, exists, literal_column, select, union, union_all

from app.backfill.models import AnnualFigure
from app.core.periods import EARLIEST_MONTH
from app.districts.codes import COUNTRY_CODE, in_area
from app.stats.common import YEARLY
from app.stats.context import StatsContext

AF = AnnualFigure.__table__.c
YV = YEARLY.c


def years_with_data(ctx: StatsContext, *, district: str | None) -> list[int]:
    """The years (ascending, none after this year) with any figure under ``district`` (``None``: the
    caller's whole scope, which is the country for a country-wide caller). 404/403 as every query:
    an unknown district, or one outside the scope."""
    if district is not None:
        ctx.district(district)  # 404, 403

    def under(column: ColumnElement[str]) -> ColumnElement[bool]:
        # A range of codes (not the area's county list): 27 years × two tables × a province's
        # hundred counties would be thousands of bound parameters.
        return in_area(column, district) if district is not None else ctx.principal.scope.sql_filter(column)

    # One EXISTS per year rather than DISTINCT over the area's rows: each is answered from an index
    # (by year for the country, by district code for an area) at the first row found, so the country's
    # ~600,000 summary rows of national data are never read through.
    candidates = range(EARLIEST_MONTH.year, ctx.today.year + 1)
    indicators = list(ctx.catalogue)
    if district is not None and district != COUNTRY_CODE:
        # An area (a province at most: ~40,000 summary rows of national data, 14 ms on PostgreSQL,
        # a city a few thousand) is read through once along the summary's primary key (district
        # first): one small statement. Building the per-year statement below (27 branches, ~800
        # bound values) cost more than running it: an eighth of a dashboard page under load.
        found = ctx.session.scalars(
            union(
                select(YV.year).where(under(YV.district_code), YV.indicator_code.in_(indicators)),
                select(AF.year).where(under(AF.district_code)),
            )
        )
        return sorted(y for y in {int(y) for y in found} if y in candidates)
    # Naming every indicator lets the summary's (year, indicator, district) index answer a year the
    # area has nothing for in a few seeks; by district alone, each such year read all the area's rows.
    branches: list[Select[Any]] = [
        select(literal_column(str(year)).label("year")).where(
            exists(select(YV.year).where(YV.year == year, YV.indicator_code.in_(indicators), under(YV.district_code)))
            | exists(select(AF.year).where(AF.year == year, under(AF.district_code)))
        )
        for year in candidates
    ]
    return sorted(int(y) for y in ctx.session.scalars(union_all(*branches)))
