"""The raw monthly values as rows: one page of them, or the query a complete export streams."""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import Select, select

from app.auth.scope import Principal
from app.core.paging import page_of
from app.core.periods import month_label, month_start
from app.districts.codes import in_area
from app.stats import schemas as s
from app.stats.common import DISTRICTS, IND, INDICATORS, MV, D, check_year, number
from app.stats.context import StatsContext


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


def check_values_request(ctx: StatsContext, *, district: str | None, year: int | None, indicator: str | None) -> None:
    """404 for an unknown district or indicator, 403 outside the scope, 422 for a year out of range."""
    if year is not None:
        check_year(year, ctx.today)
    if district is not None:
        ctx.district(district)
    if indicator is not None:
        ctx.indicator(indicator)


def values_page(
    ctx: StatsContext,
    *,
    district: str | None,
    year: int | None,
    indicator: str | None,
    page: int,
    page_size: int,
    lang: str = "en",
) -> s.ValuesPage:
    """One page of the raw monthly values (see ``values_query``)."""
    session = ctx.session
    check_values_request(ctx, district=district, year=year, indicator=indicator)
    stmt = values_query(principal=ctx.principal, district=district, year=year, indicator=indicator, lang=lang)
    rows, total = page_of(session, stmt, limit=page_size, offset=(page - 1) * page_size)
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
        for r in rows
    ]
    return s.ValuesPage(page=page, page_size=page_size, total=total, pages=math.ceil(total / page_size), items=items)
