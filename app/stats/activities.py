"""The reads a written summary needs besides aggregates: the named activities of an area and year,
the months one county reported each indicator in (an appendix names the months a figure misses),
and the moment the figures a summary reads were last changed."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import and_, func, or_, select

from app.core.periods import month_start
from app.districts.codes import in_area
from app.stats.common import MV
from app.stats.context import StatsContext
from app.values.models import Activity, ActivityKind

ACTIVITIES = Activity.__table__.c


def named_activities(ctx: StatsContext, *, district: str, year: int, month_to: int) -> dict[ActivityKind, list[str]]:
    """Titles of the named activities of the area and year, by kind, oldest first, without repeats."""
    ctx.area(district)  # 404, 403
    rows = ctx.session.execute(
        select(ACTIVITIES.kind, ACTIVITIES.title)
        .where(
            in_area(ACTIVITIES.district_code, district),
            ctx.principal.scope.sql_filter(ACTIVITIES.district_code),
            ACTIVITIES.date >= month_start(year, 1),
            ACTIVITIES.date < month_start(year, month_to + 1),
        )
        .order_by(ACTIVITIES.date, ACTIVITIES.id)
    )
    out: dict[ActivityKind, list[str]] = defaultdict(list)
    for kind, title in rows:
        titles = out[ActivityKind(kind)]
        if title not in titles:
            titles.append(title)
    return out


def reported_months(
    ctx: StatsContext, *, district: str, year: int, month_to: int
) -> dict[str, tuple[set[int], set[int]]]:
    """For one county: indicator → (months of ``year`` it was reported, months of the year before),
    within months 1 … ``month_to``.

    ``annual_totals`` says how many months an indicator misses; the appendix names them. Asking
    ``monthly_series`` indicator by indicator costs two dozen calls (a third of a second); for one
    county the cells themselves (at most 22 × 24 rows, no aggregation) answer it in one read.
    """
    ctx.district(district)  # 404, 403
    rows = ctx.session.execute(
        select(MV.indicator_code, MV.month).where(
            MV.district_code == district,
            or_(
                and_(
                    MV.month >= month_start(year - 1, 1),
                    MV.month < month_start(year - 1, month_to + 1),
                ),
                and_(
                    MV.month >= month_start(year, 1),
                    MV.month < month_start(year, month_to + 1),
                ),
            ),
        )
    )
    out: dict[str, tuple[set[int], set[int]]] = defaultdict(lambda: (set(), set()))
    for code, month in rows:
        this, before = out[code]
        (this if month.year == year else before).add(month.month)
    return dict(out)


def data_as_of(ctx: StatsContext, *, district: str, year: int, month_to: int) -> dt.datetime | None:
    """The latest update of the values a summary of months 1 … ``month_to`` of ``year`` reads (this
    year's and last year's)."""
    ctx.area(district)  # 404, 403
    latest: dt.datetime | None = ctx.session.execute(
        select(func.max(MV.updated_at)).where(
            in_area(MV.district_code, district),
            ctx.principal.scope.sql_filter(MV.district_code),
            MV.month >= month_start(year - 1, 1),
            MV.month < month_start(year, month_to + 1),
        )
    ).scalar()
    return latest  # aware UTC on both databases (UTCDateTime)
