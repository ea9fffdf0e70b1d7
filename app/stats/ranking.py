"""The children of an area ranked by an indicator: total, share, rank, change, completeness."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import ColumnElement, Float, Integer, Select, Subquery, case, cast, func, literal, select

from app.auth.scope import Principal
from app.core.errors import Problem, ValidationFailed
from app.core.gc import paused_gc
from app.core.periods import ended_months
from app.districts.codes import in_area, one_of, reporting_area
from app.districts.models import District, DistrictLevel
from app.stats import schemas as s
from app.stats.common import DISTRICTS, D, check_year, district_ref, indicator_ref, number, pct_change, percent
from app.stats.context import StatsContext, county_codes
from app.stats.totals import year_on_year

# The rows of a ranking, validated at once (see ``district_rankings``).
_ROWS: TypeAdapter[list[s.RankingRow]] = TypeAdapter(list[s.RankingRow])


def _child_of(parent: District | None, level: DistrictLevel | None) -> ColumnElement[str]:
    """For a county-level ``District`` row, the code of the listed row it belongs to."""
    if level == DistrictLevel.county or (parent is not None and parent.level != DistrictLevel.province):
        return D.code
    if parent is None:  # the country's children: provinces
        return func.substr(D.code, 1, 2).concat(literal("0000"))
    # A province's children are its cities and the counties it administers directly (省直辖县级).
    return case((D.parent_code == parent.code, D.code), else_=D.parent_code)


def listed_rows(
    principal: Principal, parent: District | None, level: DistrictLevel | None
) -> Select[str, str, DistrictLevel]:
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
    ctx: StatsContext,
    *,
    year: int,
    indicator: str,
    parent: str | None = None,
    level: DistrictLevel | None = None,
    months: tuple[int, int] = (1, 12),
) -> s.RankingOut:
    """Each child of ``parent`` (provinces without a parent; with ``level=county`` every county-level
    district under ``parent`` or in the country): its total, share, rank, change against last year
    (matching months, as in ``annual_totals``) and how many district-months reported the indicator.

    Rows outside the caller's scope are left out; share and rank are then among the listed rows.
    """
    rankings = district_rankings(ctx, year=year, indicators=[indicator], parent=parent, level=level, months=months)
    return rankings[indicator]


def district_rankings(
    ctx: StatsContext,
    *,
    year: int,
    indicators: Sequence[str],
    parent: str | None = None,
    level: DistrictLevel | None = None,
    months: tuple[int, int] = (1, 12),
) -> dict[str, s.RankingOut]:
    """``district_ranking`` of several indicators at once, in one statement (the dashboard's heat map
    of nine indicators): the same rows, keyed by indicator code in the order asked."""
    session, principal, today = ctx.session, ctx.principal, ctx.today
    check_year(year, today)
    if level is not None and level != DistrictLevel.county:
        raise ValidationFailed(
            "level 只能为 county",
            "level may only be county",
            errors=[Problem("level.unsupported", "level 只能为 county", "level may only be county", column="level")],
        )
    parent_row, limited = ctx.listable_parent(parent)
    if parent_row is not None and parent_row.level == DistrictLevel.county and level is None:
        raise ValidationFailed(
            f"{parent_row.name}（{parent_row.code}）是区县级区划，没有下级统计单位；可改用 level=county",
            f"{parent_row.name} ({parent_row.code}) is county-level and has no children; use level=county",
            errors=[Problem("parent.is_county", "区县没有下级", "a county has no children", column="parent")],
        )
    wanted = list(dict.fromkeys(indicators))
    if not wanted:
        return {}
    infos = {code: ctx.indicator(code) for code in wanted}
    child = _child_of(parent_row, level)
    codes = county_codes(session, code=parent, principal=principal)
    ctx.analytical()
    summary = ctx.summary(year - 1, year)
    YCUR = summary.cur
    per_county = year_on_year(
        year=year,
        month_from=months[0],
        month_to=min(months[1], ended_months(year, 12, today)),  # this year: the months that have ended
        where=[
            YCUR.c.indicator_code.in_(wanted) if len(wanted) > 1 else YCUR.c.indicator_code == wanted[0],
            one_of(YCUR.c.district_code, codes),
        ],
        by=[YCUR.c.district_code, YCUR.c.indicator_code],
        summary=summary,
    ).subquery("per_county")
    per_child, expected = _rolled_up(per_county, child, codes)
    listed_stmt = listed_rows(principal, parent_row, level)
    listed = listed_stmt.subquery("listed")
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
    # Thousands of rows become tuples, rows and models, none in a reference cycle: the cycle
    # collector would walk the server's whole heap again and again while they are built (measured:
    # about a third of the national ranking's time in Python). Reference counting frees them as ever.
    with paused_gc():
        figures: dict[str, list[tuple[Any, ...]]] = {code: [] for code in wanted}
        for r in session.execute(ranked).all():  # one fetch: row by row costs more than the aggregate
            figures[r[0]].append(tuple(r[1:]))
        counties_under = (
            {child: n for child, n in session.execute(select(expected.c.child, expected.c.counties)).all()}
            if expected is not None
            else None
        )
        period_months = max(0, min(months[1], ended_months(year, 12, today)) - months[0] + 1)
        rows: dict[str, list[s.RankingRow]] = {}
        sums: dict[str, float | None] = dict.fromkeys(wanted)
        listed_all = {r[0]: (r[1], r[2]) for r in session.execute(listed_stmt.order_by(D.code)).all()}
        nothing = (None, None, None, None, None, None, None)
        for ind in wanted:
            # Highest total first (the database's order), then the listed rows with nothing reported,
            # by code.
            reported_rows = [(child, *rest) for child, *rest in figures[ind] if child in listed_all]
            seen = {r[0] for r in reported_rows}
            merged = reported_rows + [(code, *nothing) for code in listed_all if code not in seen]
            out: list[dict[str, Any]] = []
            # A dozen distinct (reported, expected) pairs among thousands of rows: each percent once.
            completeness: dict[tuple[int, int], float | None] = {}
            for code, total_, previous_, comparable_, reported_, rank, share, sum_ in merged:
                name, lvl = listed_all[code]
                if sum_ is not None and sums[ind] is None:  # the same window sum on every reported row
                    sums[ind] = number(sum_)
                # ``number`` written out: a call per figure was a tenth of the country's ranking.
                comparable = None if comparable_ is None else round(float(comparable_), 2) + 0.0
                previous = None if previous_ is None else round(float(previous_), 2) + 0.0
                counties_ = counties_under.get(code, 0) if counties_under is not None else 1
                expected_months = counties_ * period_months
                reported = reported_ or 0
                pair = (reported, expected_months)
                if pair not in completeness:
                    completeness[pair] = percent(reported, expected_months)
                out.append(
                    {
                        "code": code,
                        "name": name,
                        "level": lvl,
                        "total": None if total_ is None else round(float(total_), 2) + 0.0,
                        "share_pct": None if share is None else round(float(share), 2) + 0.0,
                        "rank": rank,
                        "previous_total": previous,
                        "comparable_total": comparable,
                        "change_pct": pct_change(comparable, previous),
                        "months_reported": reported,
                        "months_expected": expected_months,
                        "completeness_pct": completeness[pair],
                    }
                )
            # Validated as one list: one call into pydantic's core rather than one per row.
            rows[ind] = _ROWS.validate_python(out)
        result = {
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
        # The temporaries go before the collector resumes: its first pass walks every young object
        # still alive, and these are tens of thousands (a sixth of the layer's Python time).
        del figures, listed_all, reported_rows, seen, merged, out, completeness
    return result
