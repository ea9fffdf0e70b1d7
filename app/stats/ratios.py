"""Derived ratios — 公开率, 整改率, the average fine per case — computed, never stored."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select, true
from sqlalchemy.orm import Session

from app.core.periods import ended_months, month_start
from app.districts.codes import one_of
from app.stats import schemas as s
from app.stats.common import MV, approved_month, check_year, number
from app.stats.context import StatsContext

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


def _ratios(
    session: Session,
    *,
    counties: list[str] | None,
    year: int,
    month_to: int,
    approved_only: bool = False,
    month_from: int = 1,
) -> list[s.DerivedRatio]:
    codes = sorted({c for num, den, *_ in RATIOS.values() for c in (num, den)})
    per_month = (
        select(
            MV.district_code,
            MV.month,
            *(func.sum(case((MV.indicator_code == c, MV.value))).label(c) for c in codes),
        )
        .where(
            one_of(MV.district_code, counties),
            MV.month >= month_start(year, month_from),
            MV.month < month_start(year, month_to + 1),
            MV.indicator_code.in_(codes),
            approved_month(MV.district_code, MV.month) if approved_only else true(),
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
    ctx: StatsContext, *, district: str | None, year: int, month_to: int | None = None, month_from: int = 1
) -> s.RatiosOut:
    """公开率 (published / inspections), 整改率 (rectified / found) and the average fine per penalty case.

    Computed, never stored, over the district-months that reported both the numerator and the
    denominator (a month reporting only one of them would skew the ratio); null when the
    denominator is missing or 0.
    """
    check_year(year, ctx.today)
    month_to = min(month_to or 12, ended_months(year, 12, ctx.today))  # only months that have ended
    area = ctx.area(district)
    ctx.analytical()
    return s.RatiosOut(
        district=area.ref,
        year=year,
        month_to=month_to,
        ratios=_ratios(
            ctx.session,
            counties=area.counties,
            year=year,
            month_to=month_to,
            approved_only=ctx.approved_only,
            month_from=month_from,
        ),
    )
