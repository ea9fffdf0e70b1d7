"""Response models of the statistics API; the query layer returns them, so every reader gets one shape.

Everywhere: ``null`` means nothing was reported, ``0`` that zero was reported.
"""

from __future__ import annotations

import enum

from pydantic import BaseModel, Field

from app.districts.models import DistrictLevel


class DistrictRef(BaseModel):
    code: str = Field(examples=["120102"])
    name: str = Field(examples=["河东区"])
    level: DistrictLevel


class IndicatorRef(BaseModel):
    code: str = Field(examples=["inspection.enterprises"])
    name_zh: str
    name_en: str
    unit: str
    unit_en: str


# ----------------------------------------------------------------------------- totals


class AnnualParts(BaseModel):
    """What of a total comes from annual figures read back from published reports (app.backfill)."""

    annual_total: float | None = Field(
        default=None,
        description="其中来自年报的年度数据（该区县该年未报送月度数据时采用）/ the part from annual figures (used "
        "for district-years whose months were not reported)",
    )
    districts_annual: int = Field(default=0, description="采用年度数据的区县-年数 / district-years counted annually")
    differs: int = Field(
        default=0,
        description="年度数据与月度合计不一致的区县-年数（数据差异；统计采用月度合计）/ district-years whose annual "
        "figure and monthly sum differ (the monthly sum counts)",
    )


class IndicatorTotal(IndicatorRef, AnnualParts):
    total: float | None = Field(
        description="本年（至 month_to 月）合计；未报送为 null / the year's total; null if not reported"
    )
    previous_total: float | None = Field(
        description="上年同期合计：仅计本年与上年都报送了的区县-月份 / the previous year's total over the matching "
        "district-months (reported in both years)"
    )
    comparable_total: float | None = Field(
        description="本年在同一批区县-月份上的合计（同比的分子）/ this year's total over the same matching "
        "district-months"
    )
    change_pct: float | None = Field(
        description="同比变化（%）；上年同期缺失或为 0 时为 null / change in percent; null when the previous total is "
        "missing or 0"
    )
    months_reported: int = Field(description="已报送的区县-月份数 / district-months reported")
    months_expected: int = Field(
        description="应报送的区县-月份数（已结束的月份）/ district-months expected (ended months)"
    )
    months_compared: int = Field(description="参与同比的区县-月份数 / matching district-months in the comparison")


class RatioCode(enum.StrEnum):
    published_rate = "published_rate"
    rectified_rate = "rectified_rate"
    fine_per_case = "fine_per_case"


class DerivedRatio(BaseModel):
    code: RatioCode
    name_zh: str = Field(examples=["公开率"])
    name_en: str
    unit: str = Field(examples=["%", "元/件"])
    value: float | None = Field(description="分母缺失或为 0 时为 null / null when the denominator is missing or 0")
    numerator: float | None
    denominator: float | None
    months_compared: int = Field(description="分子分母都报送了的区县-月份数 / district-months reporting both figures")


class TotalsOut(BaseModel):
    district: DistrictRef
    year: int
    previous_year: int
    month_to: int = Field(description="统计截至本年第几月 / months 1 … month_to are summed")
    month_from: int = Field(default=1, description="自本年第几月起 / the first month summed")
    districts_counted: int = Field(description="汇总的区县数 / county-level districts summed")
    approved_only: bool = Field(default=False, description="仅统计审核通过的月份 / approved months only")
    unapproved_months: int = Field(
        default=0,
        description="计入合计但尚未审核通过的区县-月份数（>0 时“含未审核数据”）/ district-months counted that are not "
        "approved yet (the figures include unreviewed data when > 0)",
    )
    indicators: list[IndicatorTotal]


class YearTotal(AnnualParts):
    year: int
    total: float | None = Field(description="未报送为 null / null when nothing was reported")
    months_reported: int = Field(description="已报送的区县-月份数 / district-months reported")
    months_expected: int = Field(description="应报送的区县-月份数（已结束的月份）/ district-months expected")


class IndicatorYears(IndicatorRef):
    years: list[YearTotal]


class YearlyOut(BaseModel):
    district: DistrictRef
    year_from: int
    year_to: int
    districts_counted: int
    indicators: list[IndicatorYears]


class RatiosOut(BaseModel):
    district: DistrictRef
    year: int
    month_to: int
    ratios: list[DerivedRatio]


# ----------------------------------------------------------------------------- monthly series


class MonthPoint(BaseModel):
    month: str = Field(examples=["2021-06"])
    value: float | None = Field(
        description="未报送为 null，报送 0 为 0 / null when not reported, 0 when zero was reported"
    )
    districts_reported: int
    districts_expected: int = Field(description="月份未结束时为 0 / 0 while the month has not ended")


class MonthlyOut(BaseModel):
    district: DistrictRef
    indicator: IndicatorRef
    year: int
    months: list[MonthPoint] = Field(description="十二个月 / twelve months")
    total: float | None
    previous_year: int | None = None
    previous: list[MonthPoint] | None = Field(default=None, description="compare=previous 时上年十二个月 / last year")
    previous_total: float | None = None


# ----------------------------------------------------------------------------- ranking


class RankingRow(BaseModel):
    code: str
    name: str
    level: DistrictLevel
    total: float | None
    share_pct: float | None = Field(description="占所列区划合计的百分比 / percent of the listed rows' sum")
    rank: int | None = Field(description="按合计从大到小，1 为最大；未报送不排名 / 1 = largest; null when not reported")
    previous_total: float | None
    comparable_total: float | None
    change_pct: float | None
    months_reported: int
    months_expected: int
    completeness_pct: float | None = Field(description="months_reported / months_expected × 100")


class RankingOut(BaseModel):
    parent: DistrictRef | None = Field(description="上级区划；null 为全国 / null for the whole country")
    level: DistrictLevel | None
    year: int
    indicator: IndicatorRef
    total: float | None = Field(description="所列区划合计 / sum of the listed rows")
    scope_limited: bool = Field(
        description="true：只列出调用者有权查看的下级，占比与排名只在这些行之间计算 / only the children inside the "
        "caller's scope are listed; shares and ranks are among them"
    )
    rows: list[RankingRow]


# ----------------------------------------------------------------------------- completeness


class ReportStatus(enum.StrEnum):
    submitted = "submitted"
    late = "late"
    missing = "missing"


class CompletenessRow(BaseModel):
    code: str
    name: str
    months: list[ReportStatus | None] = Field(
        description="十二个月的报送状态；未结束的月份为 null / twelve statuses; null for months that have not ended"
    )
    submitted: int
    late: int
    missing: int
    expected: int
    reporting_rate_pct: float | None = Field(description="(submitted + late) / expected × 100")
    on_time_rate_pct: float | None = Field(description="submitted / expected × 100")


class CompletenessOut(BaseModel):
    parent: DistrictRef | None
    year: int
    months: list[str] = Field(examples=[["2021-01", "2021-02"]])
    deadline_day: int = Field(description="次月几日前报送为按时（北京时间）/ on time up to this day of the next month")
    scope_limited: bool
    submitted: int
    late: int
    missing: int
    expected: int
    reporting_rate_pct: float | None
    on_time_rate_pct: float | None
    rows: list[CompletenessRow]


# ----------------------------------------------------------------------------- raw values


class ValueRow(BaseModel):
    district: str
    district_name: str
    month: str = Field(examples=["2021-06"])
    indicator: str
    indicator_name: str
    unit: str
    value: float


class ValuesPage(BaseModel):
    page: int
    page_size: int
    total: int = Field(description="符合条件的数值条数 / matching values")
    pages: int
    items: list[ValueRow]
