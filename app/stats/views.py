"""GET /stats/* (totals, monthly, by-district, completeness, ratios) and GET /values (export).

Thin: each endpoint reads its query parameters and calls one function of the statistics layer
(``app.stats``) with the request's ``StatsContext``, which checks the caller's scope; the function
aggregates in SQL.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from app.auth.deps import CurrentPrincipal
from app.core.deps import TodayDep, get_session
from app.districts.models import DistrictLevel
from app.stats import export
from app.stats.cache import cached
from app.stats.completeness import completeness
from app.stats.context import StatsContext
from app.stats.deps import QueryCacheDep, StatsDep
from app.stats.monthly import monthly_series
from app.stats.ranking import district_ranking
from app.stats.ratios import derived_ratios
from app.stats.raw_values import check_values_request, values_page, values_query
from app.stats.schemas import CompletenessOut, MonthlyOut, RankingOut, RatiosOut, TotalsOut, ValuesPage, YearlyOut
from app.stats.totals import annual_totals, yearly_totals

router = APIRouter(tags=["statistics"])


# An export streams after the endpoint has returned, so its session must live until the last row
# is sent (scope="request"); SessionDep's ends when the endpoint returns.
StreamingSessionDep = Annotated[Session, Depends(get_session, scope="request")]

PROBLEMS: dict[int | str, dict[str, Any]] = {
    403: {"description": "超出账号范围 / Outside the caller's scope"},
    404: {"description": "区划或指标不存在（附建议）/ Unknown district or indicator (with suggestions)"},
    422: {"description": "参数无效，如年份超出范围 / Invalid parameter, e.g. year out of range"},
}

District = Annotated[
    str,
    Query(
        description="区划代码（区县、市或省；全国为 100000）/ district code (county, city or province; "
        "100000 for the whole country)"
    ),
]
Year = Annotated[int, Query(description="年份 / year", examples=[2021])]
Indicator = Annotated[str, Query(description="指标代码 / indicator code", examples=["inspection.enterprises"])]
MonthTo = Annotated[int | None, Query(ge=1, le=12, description="只统计 1 至 month_to 月 / sum months 1 … month_to")]
Parent = Annotated[
    str | None, Query(description="上级区划代码；不填为全国 / parent district; the whole country when left out")
]


@router.get(
    "/stats/totals",
    summary="年度合计与同比 / Totals of a year, with year on year",
    description="每个指标的本年合计、上年同期（仅本年与上年都报送的区县-月份）、同比变化（%）与报送月份数。"
    "市、省代码汇总其下全部区县。派生比率见 /stats/ratios。\n\nEach indicator's total for the year, the previous "
    "year's total over the matching district-months, the change in percent and the months reported. A city or "
    "province sums its county-level districts. Derived ratios: /stats/ratios.",
    response_model=TotalsOut,
    responses=PROBLEMS,
)
def get_totals(
    district: District,
    year: Year,
    ctx: StatsDep,
    cache: QueryCacheDep,
    month_to: MonthTo = None,
) -> TotalsOut:
    params = {"district": district, "year": year, "month_to": month_to}
    return cached(
        cache,
        ctx,
        "totals",
        TotalsOut,
        params,
        lambda: annual_totals(ctx, district=district, year=year, month_to=month_to),
        area=district,
        years=(year - 1, year),
    )


@router.get(
    "/stats/yearly",
    summary="多年合计 / Totals of several years",
    description="每个指标在 year_from 至 year_to 各年的合计与报送月份数（趋势图用；同比见 /stats/totals）。"
    "市、省代码汇总其下全部区县。\n\nEach indicator's total for every year year_from … year_to, with the months "
    "reported (for trends; year on year: /stats/totals). A city or province sums its county-level districts.",
    response_model=YearlyOut,
    responses=PROBLEMS,
)
def get_yearly(
    district: District,
    year_from: Annotated[int, Query(description="起始年份 / first year", examples=[2017])],
    year_to: Annotated[int, Query(description="结束年份 / last year", examples=[2021])],
    ctx: StatsDep,
    cache: QueryCacheDep,
) -> YearlyOut:
    params = {"district": district, "year_from": year_from, "year_to": year_to}
    return cached(
        cache,
        ctx,
        "yearly",
        YearlyOut,
        params,
        lambda: yearly_totals(ctx, district=district, year_from=year_from, year_to=year_to),
        area=district,
        years=(year_from, year_to),
    )


@router.get(
    "/stats/monthly",
    summary="月度序列 / Monthly series",
    description="某指标十二个月的数值：未报送为 null，报送 0 为 0；compare=previous 时附上年序列。\n\n"
    "Twelve months of one indicator: null where nothing was reported, 0 where zero was reported; "
    "with compare=previous last year's series too.",
    response_model=MonthlyOut,
    responses=PROBLEMS,
)
def get_monthly(
    district: District,
    year: Year,
    indicator: Indicator,
    ctx: StatsDep,
    cache: QueryCacheDep,
    compare: Annotated[Literal["previous"] | None, Query(description="previous: 附上年序列 / add last year")] = None,
) -> MonthlyOut:
    previous = compare == "previous"
    params = {"district": district, "year": year, "indicator": indicator, "compare_previous": previous}
    return cached(
        cache,
        ctx,
        "monthly",
        MonthlyOut,
        params,
        lambda: monthly_series(ctx, district=district, year=year, indicator=indicator, compare_previous=previous),
        area=district,
        years=(year - 1, year),
    )


@router.get(
    "/stats/by-district",
    summary="下级区划排名 / Children ranked",
    description="上级区划的每个下级（不填 parent 为各省；level=county 为其下全部区县）："
    "合计、占比、排名、同比、报送完整率。"
    "\n\nEach child of parent (provinces without parent; with level=county every county-level district under "
    "parent or in the country): total, share, rank, change against last year and reporting completeness.",
    response_model=RankingOut,
    responses=PROBLEMS,
)
def get_by_district(
    year: Year,
    indicator: Indicator,
    ctx: StatsDep,
    cache: QueryCacheDep,
    parent: Parent = None,
    level: Annotated[
        Literal["county"] | None, Query(description="county: 列出全部区县级区划 / list every county-level district")
    ] = None,
) -> RankingOut:
    parent = parent or None  # "?parent=" is the whole country too
    under = DistrictLevel(level) if level else None
    params = {"year": year, "indicator": indicator, "parent": parent, "level": under}
    return cached(
        cache,
        ctx,
        "by_district",
        RankingOut,
        params,
        lambda: district_ranking(ctx, year=year, indicator=indicator, parent=parent, level=under),
        area=parent,
        years=(year - 1, year),
    )


@router.get(
    "/stats/completeness",
    summary="报送完整性 / Reporting completeness",
    description="上级区划下每个区县每个月：按时报送 submitted、迟报 late（次月10日后首次报送）、漏报 missing；"
    "未结束的月份不计（null）。\n\nEach county-level district under parent × each month: submitted, late "
    "(first submitted after the 10th of the following month) or missing; months that have not ended are null.",
    response_model=CompletenessOut,
    responses=PROBLEMS,
)
def get_completeness(year: Year, ctx: StatsDep, cache: QueryCacheDep, parent: Parent = None) -> CompletenessOut:
    parent = parent or None
    params = {"year": year, "parent": parent}
    return cached(
        cache,
        ctx,
        "completeness",
        CompletenessOut,
        params,
        lambda: completeness(ctx, year=year, parent=parent),
        area=parent,
        years=(year, year),
    )


@router.get(
    "/stats/ratios",
    summary="派生比率 / Derived ratios",
    description="双随机抽查结果公开率、隐患整改率、平均每件处罚罚款，按分子分母都报送的区县-月份计算，不存储。\n\n"
    "Share of spot checks published, share of hazards rectified and average fine per penalty case, over the "
    "district-months reporting both figures; computed, never stored.",
    response_model=RatiosOut,
    responses=PROBLEMS,
)
def get_ratios(
    district: District,
    year: Year,
    ctx: StatsDep,
    cache: QueryCacheDep,
    month_to: MonthTo = None,
) -> RatiosOut:
    params = {"district": district, "year": year, "month_to": month_to}
    return cached(
        cache,
        ctx,
        "ratios",
        RatiosOut,
        params,
        lambda: derived_ratios(ctx, district=district, year=year, month_to=month_to),
        area=district,
        years=(year - 1, year),
    )


@router.get(
    "/values",
    summary="月度原始数据导出 / Raw monthly values (export)",
    description="format=json 分页；csv、xlsx 为完整导出（流式）。lang=zh 使用中文表头与名称。"
    "不填 district 为账号可见的全部区划。"
    "\n\nformat=json is paged; csv and xlsx are complete exports, streamed. lang=zh gives Chinese headers and "
    "names. Without district: everything the caller may read.",
    response_model=ValuesPage,
    responses={
        **PROBLEMS,
        200: {
            "description": "JSON page, or a CSV / XLSX file",
            "content": {"text/csv": {}, export.XLSX_MEDIA_TYPE: {}},
        },
    },
)
def get_values(
    principal: CurrentPrincipal,
    session: StreamingSessionDep,
    now: TodayDep,
    cache: QueryCacheDep,
    district: Annotated[str | None, Query(description="区划代码 / district code")] = None,
    year: Annotated[int | None, Query(description="年份 / year")] = None,
    indicator: Annotated[str | None, Query(description="指标代码 / indicator code")] = None,
    format: Annotated[Literal["json", "csv", "xlsx"], Query(description="json | csv | xlsx")] = "json",
    lang: Annotated[Literal["en", "zh"], Query(description="zh: 中文表头 / Chinese headers")] = "en",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> ValuesPage | StreamingResponse:
    ctx = StatsContext(session, principal, now)
    if format == "json":
        params = {"district": district, "year": year, "indicator": indicator, "page": page, "size": page_size}
        return cached(
            cache,
            ctx,
            "values",
            ValuesPage,
            {**params, "lang": lang},
            lambda: values_page(
                ctx, district=district, year=year, indicator=indicator, page=page, page_size=page_size, lang=lang
            ),
            area=district,
            years=(year, year) if year is not None else None,
        )
    check_values_request(ctx, district=district, year=year, indicator=indicator)
    stmt = values_query(principal=principal, district=district, year=year, indicator=indicator, lang=lang)
    name = "_".join(["values", district or "all", str(year or "all"), indicator or "all"])
    if format == "csv":
        return StreamingResponse(
            export.csv_chunks(session, stmt, lang=lang),
            media_type=export.CSV_MEDIA_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    handle = export.write_xlsx(session, stmt, lang=lang)
    return StreamingResponse(
        export.file_chunks(handle),
        media_type=export.XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
    )
