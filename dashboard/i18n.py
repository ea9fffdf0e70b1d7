"""The dashboard's words in Chinese (the default) and English; the language lives in the URL (``lang=en``).

Indicator and district names come from the database (``name_zh`` / ``name_en``); this module holds
the words of the pages themselves.
"""

from __future__ import annotations

from typing import Literal

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
DEFAULT_LANG: Lang = "zh"

TEXTS: dict[str, tuple[str, str]] = {
    # the frame
    "app.title": ("应急管理执法工作统计", "Emergency-management enforcement statistics"),
    "app.subtitle": ("局领导工作台", "Leaders' dashboard"),
    "nav.overview": ("总览", "Overview"),
    "nav.districts": ("区划对比", "Districts"),
    "nav.completeness": ("报送情况", "Completeness"),
    "nav.data": ("数据", "Data"),
    "nav.reports": ("年度报告", "Reports"),
    "sign_out": ("退出", "Sign out"),
    # controls
    "control.district": ("区划", "District"),
    "control.year": ("年份", "Year"),
    "control.indicator": ("指标", "Indicator"),
    "control.measure": ("显示", "Show"),
    "control.search": ("输入名称或代码搜索…", "Type a name or code…"),
    "measure.total": ("合计", "Totals"),
    "measure.change": ("同比变化", "Change on last year"),
    "control.map": ("地图", "Map"),
    "map.children": ("各省", "Provinces"),
    "map.counties": ("全部区县", "All counties"),
    "country": ("全国", "China"),
    # common
    "not_reported": ("未报送", "not reported"),
    "change": ("同比", "YoY"),
    "no_comparison": ("无可比数据", "no comparable data"),
    "as_of": ("数据截至", "Data as of"),
    "scope": ("范围", "Scope"),
    "year": ("年度", "Year"),
    "months_reported": ("已报送区县·月", "district-months reported"),
    "previous_same_period": ("上年同期", "Same months last year"),
    "comparable_this_year": ("可比月份本年", "Comparable months this year"),
    "error.title": ("无法显示该页面", "This page cannot be shown"),
    "choose_district": (
        "请选择一个省、市或区县查看总览。",
        "Choose a province, city or district to see its overview.",
    ),
    "county_has_no_children": (
        "区县没有下级区划，请选择市或省查看区划对比。",
        "A county-level district has no children; choose a city or province to compare its districts.",
    ),
    # overview
    "overview.heading": ("执法工作总览", "Enforcement overview"),
    "overview.kpis": ("主要指标", "Headline indicators"),
    "overview.ratios": ("派生比率", "Derived ratios"),
    "overview.monthly": ("月度对比：本年与上年", "Month by month: this year and last"),
    "overview.trend": ("年度趋势", "Year by year"),
    "overview.this_year": ("本年", "this year"),
    "overview.last_year": ("上年", "last year"),
    "overview.ytd_note": ("本年为截至目前的累计", "this year is year to date"),
    "ratio.published_rate": ("公开率", "Published"),
    "ratio.rectified_rate": ("整改率", "Rectified"),
    "ratio.fine_per_case": ("平均罚款", "Average fine"),
    # districts
    "districts.heading": ("区划对比", "Districts compared"),
    "districts.ranking": ("排名", "Ranking"),
    "districts.average": ("平均", "average"),
    "districts.map": ("分布", "Where"),
    "districts.heatmap": ("同比变化（%）", "Change on last year (%)"),
    "districts.click_hint": (
        "点击地图上的区划进入下一级（区县打开其总览），点击排名或热力图打开其总览",
        "Click an area on the map to go a level down (a county opens its overview); "
        "click a bar or a heat-map row to open its overview",
    ),
    "districts.map_points": (
        "{names}暂无边界数据，在其中心位置以圆点表示。",
        "No boundary for {names}: shown as a dot at its centre.",
    ),
    "districts.rank": ("名次", "Rank"),
    "districts.share": ("占比", "Share"),
    "districts.completeness": ("报送率", "Reported"),
    "districts.name": ("区划", "District"),
    "districts.total": ("合计", "Total"),
    "districts.change": ("同比", "Change"),
    # completeness
    "completeness.heading": ("报送情况", "Reporting completeness"),
    "completeness.rate": ("报送率", "Reporting rate"),
    "completeness.on_time_rate": ("按时报送率", "On time"),
    "completeness.submitted": ("按时报送", "Submitted on time"),
    "completeness.late": ("迟报", "Late"),
    "completeness.missing": ("漏报", "Missing"),
    "completeness.not_due": ("未到期", "Not due"),
    "completeness.missing_last_month": ("上月未报送的区县", "Districts missing last month"),
    "completeness.not_yet_reported_last_month": (
        "上月尚未报送的区县（报送期限{due}）",
        "Districts that have not yet reported last month (due {due})",
    ),
    "completeness.none_missing": ("全部已报送。", "Every district has reported."),
    "completeness.deadline": ("次月{day}日前报送为按时（北京时间）", "On time: by the {day}th of the next month"),
    "completeness.top_rows": (
        "仅显示漏报最多的 {shown} 个区县（共 {total} 个）",
        "Showing the {shown} districts with most missing months (of {total})",
    ),
    # data
    "data.heading": ("月度数据", "Monthly values"),
    "data.download_csv": ("下载 CSV", "Download CSV"),
    "data.download_xlsx": ("下载 Excel", "Download Excel"),
    "data.hint": (
        "可在表头筛选、排序；下载内容即表格当前显示的行。空白表示未报送。",
        "Filter and sort in the column headers; downloads hold exactly the rows shown. Blank means not reported.",
    ),
    "data.rows": ("{rows} 行", "{rows} rows"),
    "data.too_many": (
        "数据过多（{rows} 行），请选择更小的区划。",
        "Too many rows ({rows}); choose a smaller area.",
    ),
    "data.district": ("区划代码", "District code"),
    "data.district_name": ("区划名称", "District"),
    "data.month": ("月份", "Month"),
    # reports
    "reports.heading": ("年度报告", "Year-end report"),
    "reports.intro": (
        "选择区划和年份，下载法治政府建设年度报告初稿，再据此修改定稿。",
        "Choose a district and a year and download the draft of the year-end report to edit.",
    ),
    "reports.unavailable": (
        "报告生成功能尚未上线（接口 /api/v1/reports/annual 暂不可用）。",
        "The report generator is not available yet (/api/v1/reports/annual answers 404).",
    ),
    "reports.docx": ("Word 文档（.docx）", "Word document (.docx)"),
    "reports.html": ("网页（.html）", "Web page (.html)"),
    "reports.md": ("Markdown（.md）", "Markdown (.md)"),
}


def lang_of(value: object) -> Lang:
    return "en" if value == "en" else "zh"


def t(key: str, lang: Lang = DEFAULT_LANG, **values: object) -> str:
    """The text of ``key`` in ``lang``; ``{name}`` placeholders filled from ``values``."""
    zh, en = TEXTS[key]
    text = zh if lang == "zh" else en
    return text.format(**values) if values else text


def pick(lang: Lang, zh: str, en: str) -> str:
    """A name from the database in the page's language."""
    return zh if lang == "zh" else en
