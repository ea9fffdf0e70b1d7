"""The dashboard's pure parts, without a browser or a database: figure builders (DataFrame → Figure),
number and date formatting, URL state, and the Data page's downloads."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import plotly.graph_objects as go
import pytest
from openpyxl import load_workbook

from dashboard import figures
from dashboard.downloads import csv_bytes, grid_table, xlsx_bytes
from dashboard.formatting import (
    change_arrow,
    format_amount,
    format_change,
    format_month,
    format_month_label,
    format_month_range,
    format_number,
    format_percent,
    format_signed_percent,
)
from dashboard.state import PageState, default_year, merge_search, parse_state

NAN = float("nan")


def valid(fig: go.Figure) -> go.Figure:
    """The builders skip plotly's validation for speed; here every figure they make is validated."""
    go.Figure(fig.to_dict())  # raises ValueError on a property plotly does not know
    return fig


# ----------------------------------------------------------------------------- numbers and dates


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (17_120_000, "元", "1712万元"),
        (32_000, "家次", "3.2万家次"),
        (12_000, "人", "1.2万人"),
        (199, "件", "199件"),
        (63, "件", "63件"),
        (863_900, "元", "86.39万元"),
        (150_000_000, "元", "1.5亿元"),
        (99_999_999, "元", "1亿元"),  # rounds up to 10000万: written as 1亿
        (10_000, "人次", "1万人次"),
        (0, "起", "0起"),
        (None, "起", "—"),
        (NAN, "起", "—"),
    ],
)
def test_figures_are_written_as_chinese_reports_write_them(value: float | None, unit: str, expected: str) -> None:
    assert format_amount(value, unit, "zh") == expected


def test_english_numbers_use_separators_and_millions() -> None:
    assert format_number(32_000, "en") == "32,000"
    assert format_number(17_120_000, "en") == "17.12 million"
    assert format_amount(807, "enterprise-visits", "en") == "807 enterprise-visits"
    assert format_amount(91.5, "%", "en") == "91.5%"


def test_changes_and_percentages() -> None:
    assert format_change(12.5) == "同比增长12.5%"
    assert format_change(-30) == "同比下降30.0%"
    assert format_change(0.01) == "与上年持平"
    assert format_change(None) == ""
    assert format_change(12.5, "en") == "up 12.5% on last year"
    assert format_percent(91.92) == "91.9%"
    assert format_signed_percent(4.24) == "+4.2%"
    assert format_signed_percent(-6.01) == "-6.0%"
    assert [change_arrow(v) for v in (3.0, -0.5, 0.0, None)] == ["▲", "▼", "▬", ""]


def test_dates() -> None:
    assert format_month(2021, 3) == "2021年3月"
    assert format_month(2021, 3, "en") == "Mar 2021"
    assert format_month_label("2021-03") == "2021年3月"
    assert format_month_range(2026, 1, 10) == "2026年1—10月"
    assert format_month_range(2026, 1, 10, "en") == "Jan–Oct 2026"


# ----------------------------------------------------------------------------- URL state


def test_page_state_reads_the_query_string_with_safe_defaults() -> None:
    today = dt.date(2026, 11, 22)
    state = parse_state({"district": "120102", "year": "2021", "lang": "en"}, principal=None, today=today)
    assert state == PageState(district="120102", year=2021, lang="en")
    fallback = parse_state({"year": "abc", "lang": "fr", "measure": "weird"}, principal=None, today=today)
    assert (fallback.year, fallback.lang, fallback.measure, fallback.district) == (2026, "zh", "total", None)
    assert default_year(dt.date(2027, 1, 5)) == 2026  # in January, last year is the latest with data
    assert state.query(year=2020) == "?district=120102&year=2020&lang=en"


def test_merge_search_changes_one_parameter_and_drops_defaults() -> None:
    assert merge_search("?district=120102&year=2021", {"year": 2020}) == "?district=120102&year=2020"
    assert merge_search("?year=2021&district=120102", {"lang": "zh"}) == "?district=120102&year=2021"
    assert merge_search("?district=120102", {"district": None}) == ""


# ----------------------------------------------------------------------------- figures


def test_sparkline_leaves_a_gap_for_a_year_not_reported() -> None:
    frame = pd.DataFrame({"year": [2017, 2018, 2019], "value": [5.0, NAN, 7.0]})
    fig = valid(figures.sparkline(frame, unit="件", lang="zh"))
    trace = fig.data[0]
    assert list(trace.y) == [5.0, None, 7.0]  # never a zero
    assert trace.connectgaps is False
    assert "2018年：未报送" in trace.hovertext[1]


def test_monthly_chart_this_year_bars_last_year_line() -> None:
    frame = pd.DataFrame(
        {
            "month": range(1, 13),
            "this_year": [10.0, 20.0, NAN] + [NAN] * 9,
            "last_year": [8.0] * 12,
        }
    )
    fig = valid(figures.monthly_chart(frame, year=2026, unit="家次", lang="zh", this_label="本年", last_label="上年"))
    bars, line = fig.data
    assert bars.type == "bar" and line.type == "scatter"
    assert list(bars.x)[:3] == ["1月", "2月", "3月"]
    assert list(bars.y)[2] is None  # March not reported: no bar, not a zero bar
    assert bars.name == "本年（2026）" and line.name == "上年（2025）"
    assert "2026年3月：未报送" in bars.hovertext[2]
    english = valid(
        figures.monthly_chart(frame, year=2026, unit="visits", lang="en", this_label="this", last_label="last")
    )
    assert list(english.data[0].x)[:2] == ["Jan", "Feb"]


def test_value_axis_labels_read_in_wan() -> None:
    axis = figures.value_axis([0, 23_000], "zh")
    assert axis["ticktext"] == ["0", "5000", "1万", "1.5万", "2万", "2.5万"]
    assert figures.nice_ticks(0) == [0.0]


def test_trend_chart_marks_the_year_to_date_and_the_chosen_year() -> None:
    frame = pd.DataFrame({"year": [2022, 2023, 2024, 2025, 2026], "value": [950.0, 987.0, NAN, 1048.0, 953.0]})
    fig = valid(figures.trend_chart(frame, unit="家次", lang="zh", highlight_year=2025, ytd_year=2026, ytd_month=10))
    bar = fig.data[0]
    assert list(bar.y)[2] is None
    assert list(bar.marker.pattern.shape) == ["", "", "", "", "/"]
    assert bar.marker.color[3] == figures.THIS_YEAR and bar.marker.color[0] == figures.LAST_YEAR
    assert fig.layout.annotations[0].text == "2026年1—10月"
    assert list(fig.layout.xaxis.ticktext) == ["2022年", "2023年", "2024年", "2025年", "2026年"]


def test_trend_chart_marks_years_from_annual_reports() -> None:
    """A year counted from annual figures alone is lighter, cross-hatched and labelled 年报数据; a year
    partly from them, or whose annual and monthly figures differ, says so on hover."""
    frame = pd.DataFrame(
        {
            "year": [2018, 2019, 2020, 2021],
            "value": [512.0, 700.0, 800.0, 807.0],
            "months_reported": [0, 12, 24, 12],
            "districts_annual": [1, 0, 1, 0],
            "differs": [0, 0, 0, 1],
        }
    )
    fig = valid(figures.trend_chart(frame, unit="家次", lang="zh", highlight_year=2021))
    bar = fig.data[0]
    assert list(bar.marker.pattern.shape) == ["x", "", "", ""]
    assert bar.marker.color[0] == figures.ANNUAL_OTHER_YEAR and bar.marker.color[1] == figures.LAST_YEAR
    assert "年报数据（该年无月度报送）" in bar.hovertext[0] and "年报" not in bar.hovertext[1]
    assert "含年报数据：1 个区县" in bar.hovertext[2]
    assert "数据差异" in bar.hovertext[3]
    assert [a.text for a in fig.layout.annotations] == ["年报数据"] and fig.layout.annotations[0].x == 2018
    spark = valid(figures.sparkline(frame, unit="家次", lang="zh"))
    assert "年报数据" in spark.data[0].hovertext[0] and "<br>" not in spark.data[0].hovertext[1]
    english = valid(figures.trend_chart(frame, unit="visits", lang="en", highlight_year=2018))
    assert english.data[0].marker.color[0] == figures.ANNUAL_THIS_YEAR
    assert "from annual reports" in english.data[0].hovertext[0]


def test_ranking_chart_sorts_draws_the_average_and_keeps_unreported_rows() -> None:
    frame = pd.DataFrame(
        {"code": ["120101", "120102", "120103"], "name": ["和平区", "河东区", "河西区"], "value": [300.0, NAN, 500.0]}
    )
    fig = valid(figures.ranking_chart(frame, unit="家次", lang="zh", average=400.0, average_label="平均"))
    bar = fig.data[0]
    # Largest on top (plotly draws the last row of a horizontal bar chart at the top).
    assert list(bar.y) == ["河东区", "和平区", "河西区"]
    assert list(bar.x) == [None, 300.0, 500.0]
    assert list(bar.customdata) == ["120102", "120101", "120103"]
    assert bar.text[0] == "未报送"
    line = fig.layout.shapes[0]
    assert (line.x0, line.x1, line.type) == (400.0, 400.0, "line")
    assert fig.layout.annotations[0].text == "平均 400家次"


def test_ranking_chart_of_changes_is_coloured_by_meaning() -> None:
    frame = pd.DataFrame({"code": ["a", "b"], "name": ["甲", "乙"], "value": [10.0, -10.0]})
    deaths = valid(
        figures.ranking_chart(
            frame, unit="人", lang="zh", average=0.0, average_label="平均", percent=True, good_direction=-1
        )
    )
    # sorted ascending: 乙 (-10%) first, then 甲 (+10%)
    assert list(deaths.data[0].marker.color) == [figures.GOOD, figures.BAD]
    assert deaths.data[0].text == ("-10.0%", "+10.0%")
    inspections = valid(
        figures.ranking_chart(
            frame, unit="家次", lang="zh", average=None, average_label="平均", percent=True, good_direction=1
        )
    )
    assert list(inspections.data[0].marker.color) == [figures.BAD, figures.GOOD]
    assert not inspections.layout.shapes


def test_change_colour() -> None:
    assert figures.change_colour(5, 1) == figures.GOOD
    assert figures.change_colour(5, -1) == figures.BAD
    assert figures.change_colour(-5, -1) == figures.GOOD
    assert figures.change_colour(5, 0) == figures.NEUTRAL
    assert figures.change_colour(None, 1) == figures.NEUTRAL


def test_heat_map_labels_never_print_a_change_as_minus_zero() -> None:
    assert [figures.heat_label(v) for v in (0.0, -0.2, 0.04, -0.99, 1.0, 12.6, -80.0)] == [
        "0%",
        "-0.2%",
        "+0.04%",
        "-1.0%",
        "+1%",
        "+13%",
        "-80%",
    ]


def test_change_heatmap_colours_by_meaning_and_leaves_unknown_blank() -> None:
    frame = pd.DataFrame(
        {
            "code": ["a", "a", "b", "b"],
            "name": ["甲", "甲", "乙", "乙"],
            "indicator": ["inspection.enterprises", "accident.deaths"] * 2,
            "change_pct": [20.0, 20.0, -80.0, NAN],
        }
    )
    fig = valid(
        figures.change_heatmap(
            frame,
            indicator_labels={"inspection.enterprises": "执法检查", "accident.deaths": "事故死亡"},
            good_direction={"inspection.enterprises": 1, "accident.deaths": -1},
            lang="zh",
        )
    )
    heat = fig.data[0]
    assert list(heat.x) == ["执法检查", "事故死亡"] and list(heat.y) == ["甲", "乙"]
    assert [list(row) for row in heat.z] == [[20.0, -20.0], [-50.0, None]]  # capped at ±50
    assert [list(row) for row in heat.text] == [["+20%", "+20%"], ["-80%", ""]]


def test_completeness_grid_codes_each_month() -> None:
    rows = [("120101", "和平区", m, "submitted" if m < 10 else None) for m in range(1, 13)]
    rows[2] = ("120101", "和平区", 3, "late")
    rows[4] = ("120101", "和平区", 5, "missing")
    frame = pd.DataFrame(rows, columns=["code", "name", "month", "status"])
    labels = {"not_due": "未到期", "submitted": "按时报送", "late": "迟报", "missing": "漏报"}
    fig = valid(figures.completeness_grid(frame, status_labels=labels, lang="zh"))
    heat = fig.data[0]
    assert list(heat.z[0]) == [1, 1, 2, 1, 3, 1, 1, 1, 1, 0, 0, 0]
    assert heat.text[0][4] == "漏报" and heat.text[0][11] == "未到期"
    assert list(heat.y) == ["和平区 120101"]


# ----------------------------------------------------------------------------- downloads


def test_downloads_hold_exactly_the_rows_and_columns_shown() -> None:
    columns = [
        {"field": "district", "headerName": "区划代码"},
        {"field": "month", "headerName": "月份"},
        {"field": "penalty__fines_yuan", "headerName": "罚款金额（元）"},
        {"field": "inspection__enterprises", "headerName": "执法检查（家次）"},
    ]
    rows: list[dict[str, object]] = [
        {"district": "120102", "month": "2021-03", "penalty__fines_yuan": 1250.5, "inspection__enterprises": 67.0},
        {"district": "120102", "month": "2021-01", "penalty__fines_yuan": None, "inspection__enterprises": 61},
    ]
    table = grid_table(rows, columns)
    assert list(table.columns) == ["区划代码", "月份", "罚款金额（元）", "执法检查（家次）"]
    text = csv_bytes(table).decode("utf-8-sig")
    assert text.splitlines() == [
        "区划代码,月份,罚款金额（元）,执法检查（家次）",
        "120102,2021-03,1250.5,67",
        "120102,2021-01,,61",  # not reported stays empty, counts stay whole
    ]
    sheet = load_workbook(io.BytesIO(xlsx_bytes(table, sheet="数据")))["数据"]
    assert [c.value for c in sheet[1]] == ["区划代码", "月份", "罚款金额（元）", "执法检查（家次）"]
    assert [c.value for c in sheet[3]] == ["120102", "2021-01", None, 61]


def _text(component: object) -> str:
    """All text inside a Dash component tree."""
    if isinstance(component, str | int | float):
        return str(component)
    children = getattr(component, "children", None)
    if children is None:
        return ""
    if isinstance(children, list | tuple):
        return " ".join(_text(c) for c in children)
    return _text(children)


def test_kpi_card_names_the_comparable_figure_when_last_year_has_gaps() -> None:
    from dashboard.components import kpi_card

    def card(comparable: float) -> str:
        return _text(
            kpi_card(
                code="inspection.enterprises",
                name="执法检查",
                unit="家次",
                total=807,
                previous_total=736,
                comparable_total=comparable,
                change_pct=(comparable - 736) / 736 * 100,
                good_direction=1,
                months_reported=12,
                months_expected=12,
                spark=go.Figure(),
                lang="zh",
            )
        )

    # Hedong 2020 lacks two months: the change (−4.9%) compares 700 with 736, and the card says so.
    gapped = card(700)
    assert "807" in gapped and "可比月份本年 700家次" in gapped and "上年同期 736家次" in gapped
    assert "可比月份本年" not in card(807)
