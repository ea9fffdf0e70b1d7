"""The Excel template a district fills in: one row per indicator, one column per month, an activity
sheet and an instructions sheet. ``app.uploads.parser`` reads it back (its "template" shape)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from app.core.spreadsheets import text_cell
from app.districts.models import District
from app.indicators.service import IndicatorInfo

DATA_SHEET = "数据"
ACTIVITY_SHEET = "活动"
INSTRUCTIONS_SHEET = "说明"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Layout of the data sheet (1-based rows and columns). The parser does not depend on these: it
# finds the header and the district/year labels wherever they are.
HEADER_TOP, HEADER_ROW, FIRST_DATA_ROW = 4, 5, 6
CODE_COL, NAME_COL, UNIT_COL, FIRST_MONTH_COL = 1, 2, 3, 4
ACTIVITY_ROWS = 200

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_GREY = Font(color="808080")
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_INPUT_FILL = PatternFill("solid", fgColor="FFFFFF")
_LABEL_FILL = PatternFill("solid", fgColor="F2F2F2")
_THIN = Side(style="thin", color="BFBFBF")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def template_file_name(district: District, year: int) -> str:
    return f"yingji_{district.code}_{year}.xlsx"


def build_template(
    *,
    district: District,
    year: int,
    catalogue: Mapping[str, IndicatorInfo],
    values: Mapping[tuple[str, int], float] | None = None,
    activities: list[dict[str, object]] | None = None,
) -> bytes:
    """The template for one district and year; ``values`` ((indicator, month) → figure) pre-fills it."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = DATA_SHEET
    _data_sheet(ws, district, year, catalogue, values or {})
    _activity_sheet(wb.create_sheet(ACTIVITY_SHEET), activities or [])
    _instructions(wb.create_sheet(INSTRUCTIONS_SHEET), district, year)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _data_sheet(
    ws: Worksheet,
    district: District,
    year: int,
    catalogue: Mapping[str, IndicatorInfo],
    values: Mapping[tuple[str, int], float],
) -> None:
    last_col = FIRST_MONTH_COL + 11
    ws.cell(1, 1, f"应急管理执法工作月度统计表（{district.name} {year}年）").font = _TITLE
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last_col)
    # The district and the year the parser reads: label, then value in the next filled cell.
    for col, text in ((1, "区划代码"), (3, "区划名称"), (7, "年度")):
        ws.cell(2, col, text).font = _BOLD
    ws.cell(2, 2, district.code).number_format = "@"
    text_cell(ws, 2, 4, district.name)
    ws.merge_cells(start_row=2, start_column=4, end_row=2, end_column=6)
    ws.cell(2, 8, year)
    ws.cell(2, 10, "空白=未报送，0=数量为零；详见“说明”").font = _GREY
    # Row 3 is left blank on purpose (a spacer). The header takes two rows: the year merged over
    # the twelve months, and the months themselves.
    for col, text in ((CODE_COL, "指标代码"), (NAME_COL, "指标名称"), (UNIT_COL, "单位")):
        ws.cell(HEADER_TOP, col, text)
        ws.merge_cells(start_row=HEADER_TOP, start_column=col, end_row=HEADER_ROW, end_column=col)
    ws.cell(HEADER_TOP, FIRST_MONTH_COL, f"{year}年")
    ws.merge_cells(start_row=HEADER_TOP, start_column=FIRST_MONTH_COL, end_row=HEADER_TOP, end_column=last_col)
    for m in range(1, 13):
        ws.cell(HEADER_ROW, FIRST_MONTH_COL + m - 1, f"{m}月")
    for row in (HEADER_TOP, HEADER_ROW):
        for col in range(1, last_col + 1):
            cell = ws.cell(row, col)
            cell.font, cell.fill, cell.alignment, cell.border = _BOLD, _HEAD_FILL, _CENTER, _BOX

    whole = DataValidation(
        type="whole",
        operator="greaterThanOrEqual",
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="只能填写非负整数",
        error="该指标只能填写 0 或正整数；留空表示未报送。",
        showInputMessage=True,
        promptTitle="整数",
        prompt="填写非负整数；留空=未报送，0=数量为零",
    )
    money = DataValidation(
        type="decimal",
        operator="greaterThanOrEqual",
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="只能填写非负数",
        error="罚款金额填写非负数（元，最多两位小数）；留空表示未报送。",
        showInputMessage=True,
        promptTitle="金额（元）",
        prompt="单位：元，最多两位小数。如按万元填写，请把“单位”改为“万元”",
    )
    ws.add_data_validation(whole)
    ws.add_data_validation(money)
    for i, info in enumerate(catalogue.values()):
        row = FIRST_DATA_ROW + i
        for col, text in ((CODE_COL, info.code), (NAME_COL, info.name_zh), (UNIT_COL, info.unit)):
            cell = ws.cell(row, col, text)
            cell.fill, cell.border = _LABEL_FILL, _BOX
        ws.cell(row, CODE_COL).font = _GREY
        for m in range(1, 13):
            cell = ws.cell(row, FIRST_MONTH_COL + m - 1)
            figure = values.get((info.code, m))
            if figure is not None:
                cell.value = int(figure) if info.whole_number and float(figure).is_integer() else figure
            cell.fill, cell.border = _INPUT_FILL, _BOX
            cell.number_format = "0" if info.whole_number else "#,##0.00"
        rng = f"{get_column_letter(FIRST_MONTH_COL)}{row}:{get_column_letter(last_col)}{row}"
        (whole if info.whole_number else money).add(rng)
    ws.column_dimensions[get_column_letter(CODE_COL)].width = 30
    ws.column_dimensions[get_column_letter(NAME_COL)].width = 20
    ws.column_dimensions[get_column_letter(UNIT_COL)].width = 7
    for m in range(12):
        ws.column_dimensions[get_column_letter(FIRST_MONTH_COL + m)].width = 10
    ws.freeze_panes = ws.cell(FIRST_DATA_ROW, FIRST_MONTH_COL)


def _activity_sheet(ws: Worksheet, activities: list[dict[str, object]]) -> None:
    headers = ["日期", "类别", "名称", "参加人数", "备注"]
    widths = [14, 10, 40, 12, 40]
    for col, (text, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = ws.cell(1, col, text)
        cell.font, cell.fill, cell.alignment, cell.border = _BOLD, _HEAD_FILL, _CENTER, _BOX
        ws.column_dimensions[get_column_letter(col)].width = width
    kinds = {"drill": "演练", "training": "培训", "publicity": "宣传", "other": "其他"}
    for i, a in enumerate(activities, start=2):
        ws.cell(i, 1, a["date"])
        ws.cell(i, 2, kinds.get(str(a["kind"]), "其他"))
        text_cell(ws, i, 3, a["title"])  # typed text: a title starting with "=" is no formula
        ws.cell(i, 4, a.get("participants"))
        text_cell(ws, i, 5, a.get("notes"))
    last = ACTIVITY_ROWS + 1
    date = DataValidation(
        type="date",
        operator="greaterThanOrEqual",
        formula1="DATE(2000,1,1)",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="日期无效",
        error="请填写日期，如 2021-06-15",
    )
    kind = DataValidation(
        type="list",
        formula1='"演练,培训,宣传,其他"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="类别无效",
        error="请从列表中选择：演练、培训、宣传、其他",
    )
    people = DataValidation(
        type="whole",
        operator="greaterThanOrEqual",
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="只能填写非负整数",
        error="参加人数填写 0 或正整数",
    )
    title = DataValidation(
        type="textLength",
        operator="lessThanOrEqual",
        formula1="200",
        allow_blank=True,
        showErrorMessage=True,
        error="名称不超过 200 字",
    )
    for dv, letter in ((date, "A"), (kind, "B"), (title, "C"), (people, "D")):
        ws.add_data_validation(dv)
        dv.add(f"{letter}2:{letter}{last}")
    # A column style rather than 200 formatted cells, so that the sheet stays empty (a script's
    # ``ws.append`` lands in row 2).
    ws.column_dimensions["A"].number_format = "yyyy-mm-dd"
    ws.freeze_panes = "A2"


def _instructions(ws: Worksheet, district: District, year: int) -> None:
    lines = [
        (f"填表说明：{district.name}（{district.code}）{year}年 应急管理执法工作月度统计", _TITLE),
        ("", None),
        ("一、“数据”工作表", _BOLD),
        ("1. 每行一个指标，每列一个月。请勿修改“指标代码”列和表头；区划代码与年度写在表头上方。", None),
        ("2. 空白表示“未报送”，0 表示“数量为零”：没有发生请填 0，尚未统计请留空。", None),
        ("3. 只要某月这一列填写了任一数值，上传后即以本表替换该月全部数据（该月留空的指标视为未报送）；", None),
        ("   整列空白的月份不受影响。因此可以每月只填当月一列上传，也可一次填写全年。", None),
        ("4. 计数类指标只能填写非负整数；罚款金额单位为元，最多两位小数。", None),
        ("   如按万元填写，请把该行“单位”改为“万元”（或在数字后写“万元”，如 1712万元），系统自动换算为元。", None),
        ("5. 数字可写 1,234、3.2万；不要写百分比或文字说明。", None),
        ("6. 校验规则：双随机抽查结果公开不多于双随机抽查；有罚款金额须有行政处罚案件；", None),
        ("   有事故死亡须有生产安全事故；隐患整改本年累计多于发现隐患时给出提示。", None),
        ("", None),
        ("二、“活动”工作表", _BOLD),
        ("1. 每行一项有名称的活动（演练、培训、宣传等），年度总结会引用活动名称。", None),
        ("2. 活动随所在月份的数据一并上传：上传后，本文件所含月份的活动以本表为准（整体替换）。", None),
        ("3. 类别可选：演练、培训、宣传、其他；日期须在所填数据的月份之内。", None),
        ("", None),
        ("三、上传", _BOLD),
        ("POST /api/v1/uploads（字段 file）；加 dry_run=true 可先检查而不保存。", None),
        ("有任何错误时不会保存任何数据，返回结果逐项列出错误所在的工作表、行、列和原因。", None),
        ("", None),
        ("Instructions (English)", _BOLD),
        ("One row per indicator, one column per month. Empty = not reported, 0 = reported zero.", None),
        ("A month column with any figure replaces that whole month on upload; empty columns are left alone.", None),
        ("Counts are whole numbers; fines are in yuan (write 万元 in the unit column to enter 10,000s).", None),
        ("The activity sheet replaces the activities of the months this file reports.", None),
    ]
    for i, (text, font) in enumerate(lines, start=1):
        cell = ws.cell(i, 1, text)
        if font is not None:
            cell.font = font
    ws.column_dimensions["A"].width = 110


def prefill_values(rows: list[tuple[str, dt.date, float]]) -> dict[tuple[str, int], float]:
    """(indicator, month, value) rows of one district-year → the template's (indicator, month number) map."""
    return {(ind, month.month): value for ind, month, value in rows}
