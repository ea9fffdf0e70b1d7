"""The upload parser on its own (``app.uploads.parser.parse_file``): files made in memory, no database
and no HTTP. What it reads from each shape, which header it takes for what, and what it reports."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from app.core.errors import Problem
from app.indicators.service import IndicatorInfo
from app.submissions.models import SourceFormat
from app.uploads.parser import ParsedFile, parse_file
from app.values.models import ActivityKind
from app.values.shapes import MonthData
from tests.upload_helpers import LONG_HEADER, csv_bytes, patch_xlsx, xlsx_bytes

# The last ended month is June 2024: March is a month that may be reported.
TODAY = dt.date(2024, 7, 15)
MARCH = dt.date(2024, 3, 1)
HEDONG = "120102"
WIDE_HEADER = ("区划代码", "月份", "应急演练", "执法检查", "参演人数（人次）", "罚款金额（万元）")


def parse(content: bytes, catalogue: dict[str, IndicatorInfo], file_name: str = "upload") -> ParsedFile:
    return parse_file(content, file_name=file_name, catalogue=catalogue, today=TODAY)


def only_month(parsed: ParsedFile) -> MonthData:
    assert [e.code for e in parsed.errors] == []
    (month,) = parsed.months
    return month


def error(parsed: ParsedFile, code: str) -> Problem:
    found = [e for e in parsed.errors if e.code == code]
    assert len(found) == 1, [e.code for e in parsed.errors]
    return found[0]


# ----------------------------------------------------------------------------- long


def test_long_csv_reads_one_figure_per_row(catalogue: dict[str, IndicatorInfo]) -> None:
    parsed = parse(
        csv_bytes([(HEDONG, "2024-03", "执法检查", "1,234"), (HEDONG, "2024年3月", "penalty.cases", 4)]), catalogue
    )
    assert (parsed.format, parsed.shape, parsed.rows) == (SourceFormat.csv, "long", 2)
    month = only_month(parsed)
    assert (month.district_code, month.month) == (HEDONG, MARCH)
    assert month.values == {"inspection.enterprises": 1234, "penalty.cases": 4}
    assert month.withdrawn == set()
    # Each figure remembers its row and column, for the messages of later checks.
    assert month.origin["penalty.cases"] == (3, "数值")


def test_the_header_is_found_below_a_title_in_gbk_with_english_names(catalogue: dict[str, IndicatorInfo]) -> None:
    rows = [
        ("天津市河东区应急管理局 执法工作月报", "", "", ""),
        ("", "", "", ""),
        ("*District code", "Month", "Indicator", "Value"),
        (HEDONG, "2024-03", "应急演练", "2"),
    ]
    parsed = parse(csv_bytes(rows, header=None, encoding="gbk"), catalogue)
    assert parsed.shape == "long"
    assert only_month(parsed).values == {"drill.drills": 2}


def test_a_unit_column_of_wan_yuan_scales_the_fine(catalogue: dict[str, IndicatorInfo]) -> None:
    rows = [(HEDONG, "2024-03", "罚款金额", "12.5", "万元"), (HEDONG, "2024-03", "行政处罚案件", "3", "件")]
    parsed = parse(csv_bytes(rows, header=(*LONG_HEADER, "单位")), catalogue)
    assert only_month(parsed).values == {"penalty.fines_yuan": 125_000, "penalty.cases": 3}


def test_an_empty_value_of_a_known_indicator_withdraws_it(catalogue: dict[str, IndicatorInfo]) -> None:
    parsed = parse(csv_bytes([(HEDONG, "2024-03", "执法检查", ""), (HEDONG, "2024-03", "案审会", 0)]), catalogue)
    month = only_month(parsed)
    # Reported zero is a figure; an empty cell is "not reported", never 0.
    assert month.values == {"case_review.meetings": 0}
    assert month.withdrawn == {"inspection.enterprises"}


def test_an_unknown_indicator_is_an_error_with_suggestions(catalogue: dict[str, IndicatorInfo]) -> None:
    parsed = parse(csv_bytes([(HEDONG, "2024-03", "执法检察", 3), (HEDONG, "2024-03", "应急演练", 1)]), catalogue)
    problem = error(parsed, "indicator.unknown")
    assert (problem.row, problem.column, problem.extra["cell"]) == (2, "指标", "C2")
    assert problem.extra["suggestions"][0] == "inspection.enterprises"
    assert "inspection.enterprises" in problem.message_en and "执法检察" in problem.message_zh
    # The rows it could read are still read (the upload as a whole is refused later).
    assert parsed.months[0].values == {"drill.drills": 1}


def test_a_month_that_has_not_ended_is_a_cell_error(catalogue: dict[str, IndicatorInfo]) -> None:
    parsed = parse(csv_bytes([(HEDONG, "2024-07", "应急演练", 1)]), catalogue)
    problem = error(parsed, "month.not_ended")
    assert problem.extra["cell"] == "B2"
    assert parsed.months == []


# ----------------------------------------------------------------------------- wide


def test_wide_reads_indicator_columns_with_their_units(catalogue: dict[str, IndicatorInfo]) -> None:
    parsed = parse(csv_bytes([(HEDONG, "2024-03", 5, 80, 300, 3.5)], header=WIDE_HEADER), catalogue)
    assert parsed.shape == "wide"
    month = only_month(parsed)
    assert month.values == {
        "drill.drills": 5,
        "inspection.enterprises": 80,
        # 参演人数 is also an activity sheet's column name: in a data sheet, with its unit, the indicator.
        "drill.participants": 300,
        "penalty.fines_yuan": 35_000,  # the header's 万元
    }


def test_wide_empty_cells_of_recognised_indicators_are_withdrawn(catalogue: dict[str, IndicatorInfo]) -> None:
    parsed = parse(csv_bytes([(HEDONG, "2024-03", 5, "", "", 0)], header=WIDE_HEADER), catalogue)
    month = only_month(parsed)
    assert month.values == {"drill.drills": 5, "penalty.fines_yuan": 0}
    assert month.withdrawn == {"inspection.enterprises", "drill.participants"}


def test_wide_unknown_columns_are_errors_with_suggestions(catalogue: dict[str, IndicatorInfo]) -> None:
    parsed = parse(
        csv_bytes([(HEDONG, "2024-03", 5, 7, "x")], header=("区划代码", "月份", "应急演练", "执法检察", "月分")),
        catalogue,
    )
    misspelt, role = [e for e in parsed.errors if e.code == "column.unknown"]
    assert (misspelt.extra["cell"], misspelt.column) == ("D1", "执法检察")
    assert misspelt.extra["suggestions"][0] == "inspection.enterprises"
    # A header near no indicator is matched against the column names the shape knows instead.
    assert role.extra["cell"] == "E1" and role.extra["suggestions"][0] in {"月", "月份"}
    # Never silently skipped: the known columns are read, the file is refused as a whole later on.
    assert parsed.months[0].values == {"drill.drills": 5}


# ----------------------------------------------------------------------------- template


def template_rows(*body: list[Any]) -> list[list[Any]]:
    """The downloadable template's layout: district and year above the header, a column per month."""
    return [
        ["区划代码", HEDONG, None, "年度", 2024],
        ["指标", "单位", "1月", "2月", "3月"],
        *body,
    ]


def test_template_a_month_column_with_no_filled_cell_is_not_stated(catalogue: dict[str, IndicatorInfo]) -> None:
    rows = template_rows(
        ["执法检查", "家次", None, None, 12],
        ["罚款金额", "万元", None, None, 1.5],
        ["应急演练", "次", None, None, None],
    )
    parsed = parse(xlsx_bytes({"数据": rows}), catalogue)
    assert (parsed.format, parsed.shape) == (SourceFormat.xlsx, "template")
    # January and February are empty: a template filled in for March says nothing about them.
    month = only_month(parsed)
    assert month.month == MARCH
    assert month.values == {"inspection.enterprises": 12, "penalty.fines_yuan": 15_000}
    # In the stated month, a recognised indicator's empty cell withdraws its figure.
    assert month.withdrawn == {"drill.drills"}


def test_template_year_in_a_merged_cell_above_the_months(catalogue: dict[str, IndicatorInfo]) -> None:
    rows: list[list[Any]] = [
        ["区划代码", HEDONG],
        [None, None, "2023年", None, None],
        ["指标", "单位", "11月", "12月", "1月"],
        ["执法检查", "家次", None, 4, None],
    ]
    parsed = parse(xlsx_bytes({"数据": rows}, merges={"数据": ["C2:D2"]}), catalogue)
    # 12月 reads 2023 from the merged cell that covers it; 11月 is empty, so not stated.
    assert [(m.month, m.values) for m in parsed.months] == [(dt.date(2023, 12, 1), {"inspection.enterprises": 4})]


def test_template_empty_totals_and_notes_below_the_figures_are_skipped(catalogue: dict[str, IndicatorInfo]) -> None:
    rows = template_rows(["执法检查", "家次", None, 3, 4], ["合计"], [], ["填表人：张三"], ["注：罚款单位为万元"])
    parsed = parse(xlsx_bytes({"数据": rows}), catalogue)
    assert parsed.errors == []
    assert [m.values for m in parsed.months] == [{"inspection.enterprises": 3}, {"inspection.enterprises": 4}]
    # A label that names no indicator but holds figures is not skipped: its figures would be lost.
    rows = template_rows(["执法检查", "家次", None, 3, 4], ["合计", None, None, 3, 4])
    assert error(parse(xlsx_bytes({"数据": rows}), catalogue), "indicator.unknown").extra["cell"] == "A4"


# ----------------------------------------------------------------------------- merged cells, activities


def test_merged_header_and_label_cells_read_as_their_first_cell(catalogue: dict[str, IndicatorInfo]) -> None:
    rows: list[list[Any]] = [
        ["区划代码", "月份", "指标", "数值"],
        [None, None, None, None],
        [HEDONG, "2024-03", "执法检查", 5],
        [None, None, "应急演练", 2],
        [None, "2024-04", "应急演练", 1],
    ]
    # Headers merged over two rows, the district merged down its rows, March down two rows.
    merges = ["A1:A2", "B1:B2", "C1:C2", "D1:D2", "A3:A5", "B3:B4"]
    parsed = parse(xlsx_bytes({"数据": rows}, merges={"数据": merges}), catalogue)
    assert parsed.errors == []
    assert [(m.district_code, m.month, m.values) for m in parsed.months] == [
        (HEDONG, MARCH, {"inspection.enterprises": 5, "drill.drills": 2}),
        (HEDONG, dt.date(2024, 4, 1), {"drill.drills": 1}),
    ]


def test_an_activity_sheet_goes_with_its_months_figures(catalogue: dict[str, IndicatorInfo]) -> None:
    data: list[list[Any]] = [["区划代码", "月份", "指标", "数值"], [HEDONG, "2024-03", "应急演练", 1]]
    # Here 参演人数 is the activity's participants, not the indicator.
    activities: list[list[Any]] = [["日期", "类别", "名称", "参演人数"], ["2024-03-05", "演练", "消防演练", 120]]
    parsed = parse(xlsx_bytes({"数据": data, "活动": activities}), catalogue)
    month = only_month(parsed)
    assert month.values == {"drill.drills": 1}
    assert month.activities is not None
    (drill,) = month.activities
    assert (drill.kind, drill.date, drill.title, drill.participants) == (
        ActivityKind.drill,
        dt.date(2024, 3, 5),
        "消防演练",
        120,
    )


def test_without_an_activity_sheet_activities_are_left_alone(catalogue: dict[str, IndicatorInfo]) -> None:
    assert only_month(parse(csv_bytes([(HEDONG, "2024-03", "应急演练", 1)]), catalogue)).activities is None


# ----------------------------------------------------------------------------- whole files


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "file.empty"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "file.unsupported_format"),
        (b"PK\x03\x04 not really a zip", "file.unreadable"),
        ("名称,数量\n消防,3\n".encode(), "file.missing_columns"),
        (csv_bytes([]), "file.empty"),
    ],
)
def test_files_that_cannot_be_read_say_why(content: bytes, code: str, catalogue: dict[str, IndicatorInfo]) -> None:
    parsed = parse(content, catalogue)
    assert [e.code for e in parsed.errors] == [code]
    assert parsed.fatal and parsed.months == []


def test_a_formula_saved_without_its_result_is_not_taken_for_blank(catalogue: dict[str, IndicatorInfo]) -> None:
    content = xlsx_bytes({"数据": [list(LONG_HEADER), [HEDONG, "2024-03", "执法检查", 7]]})
    patched = patch_xlsx(content, {'<c r="D2" t="n"><v>7</v></c>': '<c r="D2"><f>SUM(E2:E9)</f></c>'})
    parsed = parse(patched, catalogue)
    assert parsed.months == []
    assert parsed.errors and parsed.errors[0].extra["cell"] == "D2"
