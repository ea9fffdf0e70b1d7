"""Twelve months of one indicator in an area (``monthly_series``), with last year's beside them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session

from app.core.periods import month_has_ended, month_label, month_start
from app.districts.codes import one_of
from app.stats import schemas as s
from app.stats.common import MV, approved_month, check_year, indicator_ref, number
from app.stats.context import Area, StatsContext


def _month_points(
    session: Session, *, area: Area, indicator: str, year: int, today: dt.date, approved_only: bool = False
) -> tuple[list[s.MonthPoint], float | None]:
    counties = area.counties
    approved = approved_month(MV.district_code, MV.month) if approved_only else true()
    # Up to the first month that has not ended (on ``today``): a month still running counts for nothing.
    end = min(month_start(year + 1, 1), today.replace(day=1))
    sums = {
        m: (total, n)
        for m, total, n in session.execute(
            select(MV.month, func.sum(MV.value), func.count())
            .where(
                one_of(MV.district_code, counties),
                MV.indicator_code == indicator,
                MV.month >= month_start(year, 1),
                MV.month < end,
                approved,
            )
            .group_by(MV.month)
        )
    }
    total = session.scalar(
        select(func.sum(MV.value)).where(
            one_of(MV.district_code, counties),
            MV.indicator_code == indicator,
            MV.month >= month_start(year, 1),
            MV.month < end,
            approved,
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
    ctx: StatsContext, *, district: str | None, year: int, indicator: str, compare_previous: bool = False
) -> s.MonthlyOut:
    """Twelve months of one indicator in ``district`` (summed over its counties): ``None`` where no
    county reported the month, 0 where zero was reported; with ``compare_previous`` last year too."""
    today, session = ctx.today, ctx.session
    check_year(year, today)
    area = ctx.area(district)
    info = ctx.indicator(indicator)
    only = ctx.approved_only
    points, total = _month_points(session, area=area, indicator=indicator, year=year, today=today, approved_only=only)
    out = s.MonthlyOut(district=area.ref, indicator=indicator_ref(info), year=year, months=points, total=total)
    if compare_previous:
        out.previous_year = year - 1
        out.previous, out.previous_total = _month_points(
            session, area=area, indicator=indicator, year=year - 1, today=today, approved_only=only
        )
    return out
