"""Uploaded files → district-months: CSV (in whatever encoding Excel wrote it) and XLSX, in three shapes.

Shapes, recognised by their header row (Chinese or English names, anywhere in the first rows):

- **long**: one row per district, month, indicator and value (区划代码, 月份, 指标, 数值; an
  optional 单位 column);
- **template**: the downloadable template — one row per indicator, one column per month, the
  district and year above the header (or a 区划代码 column);
- **wide**: one row per district-month, one column per indicator (罚款金额（万元）, 执法检查 …).

A file replaces the district-months it *contains*. In the long and wide shapes a district-month is
contained as soon as one row names it (an empty value in that row means "not reported"); in the
template a month column is contained when at least one of its cells is filled, so that a template
filled in for June does not wipe January to May. Indicators of a contained month that the file
leaves out become "not reported" (as with the JSON PUT).

The parser knows the indicator catalogue but not the database: it reports what it can see in the
file (every bad cell, with sheet, row and column); districts, scope and the checks of
``app.values.rules.validate_months`` come afterwards.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, NamedTuple

from openpyxl.utils.cell import get_column_letter

from app.core.errors import MAX_ERRORS, Problem
from app.core.periods import month_label, month_zh
from app.core.suggest import close_matches, did_you_mean
from app.indicators import service as indicators
from app.indicators.service import IndicatorInfo
from app.submissions.models import SourceFormat
from app.uploads.tables import (
    CHAR_BYTES,
    HEADER_SCAN_ROWS,
    MAX_COLUMNS,
    MAX_ROWS,
    PARSE_MEMORY_BYTES,
    PARSE_SECONDS,
    ROW_BYTES,
    SLOT_BYTES,
    VALUE_BYTES,
    Budget,
    FileRejected,
    OverBudget,
    ParseTimeout,
    Table,
    file_problem,
    too_complex,
    too_many_columns,
    too_many_rows,
)
from app.uploads.xlsx import read_xlsx
from app.values.cells import (
    FORMULA_WITHOUT_VALUE,
    CellError,
    Unit,
    is_blank,
    looks_like_month_header,
    parse_month,
    parse_number,
    parse_unit,
    parse_year,
    shown,
    split_label_unit,
    text_of,
)
from app.values.entries import ActivityEntry, read_activity
from app.values.rules import month_problem
from app.values.shapes import ActivityData, MonthData

# Where a problem list is cut (the count is always complete).
MAX_PROBLEMS = MAX_ERRORS

Shape = Literal["long", "wide", "template"]

# ----------------------------------------------------------------------------- header names

_ROLE_ALIASES: dict[str, set[str]] = {
    "district": {
        "区划代码",
        "行政区划代码",
        "区县代码",
        "区划编码",
        "行政区划编码",
        "地区代码",
        "区域代码",
        "区划",
        "district_code",
        "districtcode",
        "district",
        "district code",
    },
    "district_name": {"区划名称", "区县名称", "区县", "地区", "地区名称", "district_name", "district name"},
    "month": {
        "月份",
        "月",
        "年月",
        "统计月份",
        "报告月份",
        "报送月份",
        "统计期",
        "报告期",
        "所属月份",
        "month",
        "period",
    },
    "indicator_code": {"指标代码", "指标编码", "indicator_code", "indicator code"},
    "indicator": {
        "指标",
        "指标名称",
        "指标项",
        "统计指标",
        "项目",
        "indicator",
        "indicator_name",
        "indicator name",
    },
    "value": {"数值", "值", "数量", "数据", "本月数", "本月", "value", "amount", "count"},
    "unit": {"单位", "计量单位", "unit"},
    # the activity sheet
    "date": {"日期", "活动日期", "时间", "开展日期", "date"},
    "kind": {"类别", "类型", "活动类别", "活动类型", "kind", "type"},
    "title": {"名称", "活动名称", "标题", "title", "name"},
    "participants": {"参加人数", "参演人数", "参与人数", "参训人数", "人数", "participants"},
    "notes": {"备注", "说明", "notes", "note", "remarks"},
    # informational columns: recognised, read by nobody (a row number, a total the file computed)
    "seq": {"序号", "编号", "行号", "no", "no.", "#", "seq"},
    "total": {"合计", "总计", "全年", "全年合计", "累计", "年度合计", "total"},
}
# The columns each shape reads or knows to be informational; any other header is an error, never
# silently skipped (a misspelt indicator would otherwise leave its figures unread).
_SHAPE_ROLES: dict[str, frozenset[str]] = {
    "long": frozenset(
        {"district", "district_name", "month", "indicator", "indicator_code", "value", "unit", "notes", "seq"}
    ),
    "wide": frozenset({"district", "district_name", "month", "notes", "seq", "total"}),
    "template": frozenset(
        {"district", "district_name", "indicator", "indicator_code", "unit", "notes", "seq", "total"}
    ),
    "activities": frozenset({"district", "district_name", "date", "kind", "title", "participants", "notes", "seq"}),
}
# Template rows whose label is no indicator but is known not to hold figures of one.
_TEMPLATE_NOTE_LABELS = (
    "合计",
    "总计",
    "小计",
    "备注",
    "说明",
    "注",
    "填表人",
    "审核人",
    "负责人",
    "填报日期",
    "联系电话",
    "单位负责人",
)
_ALIAS_ROLE = {alias: role for role, aliases in _ROLE_ALIASES.items() for alias in aliases}
_ALIAS_ROLES = tuple(_ROLE_ALIASES)
_ACTIVITY_ROLES = ("date", "kind", "title", "participants", "notes")
_YEAR_LABELS = {"年度", "年份", "统计年度", "报告年度", "year"}
_SKIPPED_SHEETS = {"说明", "填表说明", "instructions", "readme", "说明与示例"}
_ACTIVITY_SHEETS = {"活动", "活动清单", "activities"}
_REQUIRED_LONG = ("district", "month", "indicator", "value")
_ROLE_LABELS = {
    "district": ("区划代码", "district_code"),
    "month": ("月份", "month"),
    "indicator": ("指标", "indicator"),
    "value": ("数值", "value"),
}


_CODE_AS_DECIMAL = re.compile(r"^(\d+)\.0+$")


def header_key(raw: Any) -> str:
    """A header cell as a lookup key: half-width, lower case, without spaces and required-field stars."""
    text = text_of(raw).lower().replace("*", "").replace("＊", "")
    return "".join(text.split())


# ----------------------------------------------------------------------------- results


class CellRef(NamedTuple):
    """Where a value sits in the file, as a person finds it: sheet, row number, column letter, header.

    A named tuple: a big file makes one per figure, and tuples are the cheapest to make.
    """

    sheet: str | None
    row: int
    col: int  # 0-based
    header: str | None = None

    @property
    def cell(self) -> str:
        return f"{get_column_letter(self.col + 1)}{self.row}"

    def where_zh(self) -> str:
        sheet = f"工作表“{self.sheet}”" if self.sheet else ""
        head = f"（{self.header}）" if self.header else ""
        return f"{sheet}第{self.row}行 {get_column_letter(self.col + 1)}列{head}"

    def where_en(self) -> str:
        sheet = f"sheet {self.sheet!r} " if self.sheet else ""
        head = f" ({self.header})" if self.header else ""
        return f"{sheet}row {self.row}, column {get_column_letter(self.col + 1)}{head}"

    def extra(self) -> dict[str, Any]:
        out: dict[str, Any] = {"cell": self.cell}
        if self.sheet:
            out["sheet"] = self.sheet
        return out


# A CellRef's fields as a plain tuple: what the hot loops store (a tuple literal costs a tenth of a
# named tuple's constructor); ``as_ref`` makes the CellRef when there is something to say.
Place = tuple[str | None, int, int, str | None]


def as_ref(place: Place) -> CellRef:
    return place if isinstance(place, CellRef) else CellRef(*place)


def cell_problem(code: str, zh: str, en: str, ref: Place | None, value: Any = None, **extra: Any) -> Problem:
    """A problem located at ``ref``: its place is in the fields and at the head of both messages."""
    if ref is None:
        return Problem(code, zh, en, value=_plain(value), extra=extra)
    ref = as_ref(ref)
    return Problem(
        code,
        f"{ref.where_zh()}：{zh}",
        f"{ref.where_en()}: {en}",
        row=ref.row,
        column=ref.header or get_column_letter(ref.col + 1),
        value=_plain(value),
        extra={**ref.extra(), **extra},
    )


def _plain(value: Any) -> Any:
    """A cell's value as a problem carries it: JSON-safe (never infinity), long text cut."""
    if value is None or value is FORMULA_WITHOUT_VALUE:
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return shown(value)


@dataclass
class ParsedFile:
    format: SourceFormat | None
    shape: Shape | None = None
    rows: int = 0
    months: list[MonthData] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    # Things worth saying that do not stop the upload (a sheet that was not read).
    notes: list[Problem] = field(default_factory=list)
    # Every place each district code appears (capped), for unknown districts and scope.
    district_refs: dict[str, list[Place]] = field(default_factory=dict)
    # Every figure as read, with the cell it came from: (district, month) → indicator → (value, cell).
    entries: dict[tuple[str, dt.date], dict[str, tuple[float | None, Place]]] = field(default_factory=dict)
    # District-months that had a bad cell (their cross-checks would be about the wrong figures).
    damaged: set[tuple[str, dt.date]] = field(default_factory=set)
    has_activities: bool = False

    @property
    def fatal(self) -> bool:
        """A problem with the file as a whole (no rows could be read)."""
        return any(e.code.startswith("file.") for e in self.errors)


# ----------------------------------------------------------------------------- reading bytes


def sniff_format(content: bytes, file_name: str | None) -> SourceFormat:
    """XLSX (a zip with a workbook) or CSV (text); anything else is refused, saying what it is."""
    if not content or not content.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        raise file_problem("file.empty", "文件是空的", "The file is empty")
    if content.startswith(b"PK\x03\x04"):
        return SourceFormat.xlsx
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise file_problem(
            "file.unsupported_format",
            "这是旧版 Excel（.xls）文件：请在 Excel 中“另存为” .xlsx 或 CSV 后上传",
            "This is an old Excel (.xls) file: save it as .xlsx or CSV and upload again",
        )
    head = content[:8192]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return SourceFormat.csv
    if b"\x00" in head or head.startswith((b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"Rar!")):
        raise file_problem(
            "file.unsupported_format",
            "文件既不是 CSV 也不是 XLSX（请上传 Excel 模板或 CSV 文件）",
            "The file is neither CSV nor XLSX",
            file_name=file_name,
        )
    return SourceFormat.csv


def decode_text(content: bytes) -> str:
    """Text of a CSV: UTF-8 (strict) first, then UTF-8 with BOM, UTF-16 with BOM, then GB18030 (⊃ GBK)."""
    if content.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "gb18030"]
    for encoding in candidates:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise file_problem(
        "file.encoding",
        "无法识别文件编码（支持 UTF-8、GBK/GB18030）：请另存为“CSV UTF-8”后上传",
        "Unknown text encoding (UTF-8, GBK and GB18030 are read): save as CSV UTF-8 and upload again",
    )


def read_csv(content: bytes, budget: Budget) -> Table:
    text = decode_text(content)
    if "\x00" in text:
        # Not text, and no database column could hold it.
        raise file_problem(
            "file.unsupported_format",
            "文件含有 NUL 字符，不是文本文件（请上传 Excel 模板或 CSV 文件）",
            "The file holds NUL characters: it is not a text file",
        )
    first_line = next((line for line in io.StringIO(text) if line.strip()), "")
    delimiter = max([",", "\t", ";", "|"], key=lambda d: (first_line.count(d), d == ","))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[Any]]] = []
    try:
        # Rows are numbered as Excel numbers them when it opens the CSV: one per record (a quoted
        # cell spanning lines stays in its row).
        for n, cells in enumerate(reader, start=1):
            if n % 5000 == 0:
                budget.check()
            if not any(cells):
                continue
            if len(cells) > MAX_COLUMNS:
                raise too_many_columns(f"第{n}行", f"Row {n}")
            budget.charge(ROW_BYTES + (SLOT_BYTES + VALUE_BYTES) * len(cells) + CHAR_BYTES * sum(map(len, cells)))
            rows.append((n, cells))
            if len(rows) > MAX_ROWS + HEADER_SCAN_ROWS:
                raise too_many_rows()
    except csv.Error as exc:
        raise file_problem(
            "file.unreadable",
            f"CSV 格式错误（第{reader.line_num}行）：{exc}",
            f"Malformed CSV at line {reader.line_num}: {exc}",
        ) from exc
    return Table(sheet=None, rows=rows)


# ----------------------------------------------------------------------------- layouts


@dataclass
class Layout:
    kind: Literal["long", "wide", "template", "activities"]
    header_index: int  # index into Table.rows
    columns: dict[str, int]  # role → 0-based column
    headers: dict[int, str]  # column → header text, for messages
    indicator_columns: dict[int, tuple[IndicatorInfo, Unit | None]] = field(default_factory=dict)
    month_columns: dict[int, Any] = field(default_factory=dict)  # column → raw header
    value_unit: Unit | None = None
    # Headers this shape does not read and does not know: each is an error.
    unknown: list[int] = field(default_factory=list)


class IndicatorLookup:
    """Indicator by code (any case) or Chinese or English name, with a unit in brackets or not."""

    def __init__(self, catalogue: dict[str, IndicatorInfo]) -> None:
        self.catalogue = catalogue
        self.by_key: dict[str, IndicatorInfo] = {}
        for info in catalogue.values():
            for name in (info.code, info.name_zh, info.name_en):
                self.by_key[header_key(name)] = info
        self._cache: dict[Any, tuple[IndicatorInfo, Unit | None] | None] = {}

    def resolve(self, raw: Any) -> tuple[IndicatorInfo, Unit | None] | None:
        try:
            return self._cache[raw]
        except KeyError:
            pass
        except TypeError:  # unhashable: never happens for cell values, but be safe
            return None
        found: tuple[IndicatorInfo, Unit | None] | None = None
        key = header_key(raw)
        info = self.by_key.get(key)
        if info is not None:
            found = (info, None)
        else:
            label, unit = split_label_unit(text_of(raw))
            info = self.by_key.get(header_key(label))
            if info is not None:
                found = (info, unit)
        self._cache[raw] = found
        return found

    def suggestion(self, raw: Any) -> tuple[str, str, list[str]]:
        label, _unit = split_label_unit(text_of(raw))
        near = indicators.suggest(self.catalogue, label)
        zh, en = did_you_mean([f"{c}（{self.catalogue[c].name_zh}）" for c in near], near)
        return zh, en, near


def _classify(table: Table, index: int, lookup: IndicatorLookup) -> Layout | None:
    number, _cells = table.rows[index]
    width = len(_cells)
    roles: dict[int, str] = {}  # column → role its header names
    headers: dict[int, str] = {}
    indicators_at: dict[int, tuple[IndicatorInfo, Unit | None]] = {}
    month_columns: dict[int, Any] = {}
    value_unit: Unit | None = None
    for col in range(width):
        raw = table.label(number, col)
        if is_blank(raw):
            continue
        headers[col] = text_of(raw)
        key = header_key(raw)
        role = _ALIAS_ROLE.get(key)
        if role is None:
            label, unit = split_label_unit(text_of(raw))
            role = _ALIAS_ROLE.get(header_key(label))
            if role == "value":
                value_unit = unit
        # A header may be both (参演人数 is an indicator and the activity sheet's participants):
        # which it is depends on the shape, decided below.
        found = lookup.resolve(raw)
        if found is not None:
            indicators_at[col] = found
        if role is not None:
            roles[col] = role
        elif found is None and looks_like_month_header(raw):
            month_columns[col] = raw

    def first(*wanted: str, data: bool = True) -> dict[str, int]:
        out: dict[str, int] = {}
        for col, role in roles.items():
            if role in wanted and not (data and col in indicators_at and role in _ACTIVITY_ROLES):
                out.setdefault(role, col)
        return out

    columns = first(*_ALIAS_ROLES)
    has_indicator = "indicator" in columns or "indicator_code" in columns
    if has_indicator and "indicator" not in columns:
        columns["indicator"] = columns["indicator_code"]
    # Indicator columns of a data sheet: headers naming an indicator and no data-sheet role.
    indicator_columns = {
        col: found for col, found in indicators_at.items() if roles.get(col) in (None, *_ACTIVITY_ROLES)
    }
    kind: Literal["long", "wide", "template", "activities"] | None = None
    if "district" in columns and "month" in columns and has_indicator and "value" in columns:
        kind = "long"
    elif "district" in columns and "month" in columns and indicator_columns:
        kind = "wide"
    elif has_indicator and month_columns:
        kind = "template"
    else:
        columns = first(*_ALIAS_ROLES, data=False)
        if "date" in columns and "title" in columns:
            kind = "activities"
    if kind is None:
        return None
    if kind != "wide":
        indicator_columns = {}
    if kind != "template":
        month_columns = {}
    allowed = _SHAPE_ROLES[kind]
    read = set(indicator_columns) | set(month_columns)
    unknown = [col for col in headers if col not in read and roles.get(col) not in allowed]
    return Layout(kind, index, columns, headers, indicator_columns, month_columns, value_unit, unknown)


def find_layout(table: Table, lookup: IndicatorLookup) -> tuple[Layout | None, list[str]]:
    """The header row and shape of a table, or the required columns its best header row lacks."""
    best_missing: list[str] = list(_REQUIRED_LONG)
    for index in range(min(HEADER_SCAN_ROWS, len(table.rows))):
        layout = _classify(table, index, lookup)
        if layout is not None:
            return layout, []
        number, cells = table.rows[index]
        roles = {_ALIAS_ROLE.get(header_key(table.label(number, c))) for c in range(len(cells))}
        missing = [r for r in _REQUIRED_LONG if r not in roles and not (r == "indicator" and "indicator_code" in roles)]
        if len(missing) < len(best_missing):
            best_missing = missing
    return None, best_missing


# ----------------------------------------------------------------------------- collecting figures


class _Collector:
    """Figures by district-month, with every problem and where each figure came from."""

    def __init__(self, catalogue: dict[str, IndicatorInfo], today: dt.date, result: ParsedFile) -> None:
        self.catalogue = catalogue
        self.lookup = IndicatorLookup(catalogue)
        self.today = today
        self.result = result
        self.entries: dict[tuple[str, dt.date], dict[str, tuple[float | None, Place]]] = {}
        self.first_ref: dict[tuple[str, dt.date], Place] = {}
        self.activities: list[tuple[str | None, ActivityData, CellRef]] = []
        self._months: dict[Any, dt.date | CellError] = {}
        self._districts: dict[Any, str] = {}
        self._units: dict[Any, Unit | None] = {}

    def unit(self, raw: Any) -> Unit | None:
        try:
            return self._units[raw]
        except KeyError:
            unit = self._units[raw] = None if is_blank(raw) else parse_unit(text_of(raw))
            return unit

    def error(self, problem: Problem) -> None:
        self.result.errors.append(problem)

    def district(self, raw: Any, ref: Place) -> str | None:
        try:
            code = self._districts[raw]
        except KeyError:
            code = text_of(raw).replace(" ", "")
            if "." in code:
                # 110101.0: a code that went through a number cell and came out as text (Excel, pandas).
                m = _CODE_AS_DECIMAL.match(code)
                code = m.group(1) if m else code
            self._districts[raw] = code
        if not code:
            self.error(cell_problem("district.missing", "区划代码为空", "the district code is empty", ref))
            return None
        refs = self.result.district_refs.setdefault(code, [])
        if len(refs) < MAX_PROBLEMS and (not refs or refs[-1] != ref):
            refs.append(ref)
        return code

    def month(self, raw: Any, ref: CellRef | Any, *, default_year: int | None = None) -> dt.date | None:
        """``ref`` is a cell, or a function making it (called only when there is something to say)."""
        key = raw if default_year is None else (raw, default_year)
        try:
            found = self._months[key]
        except KeyError:
            try:
                found = self._checked_month(parse_month(raw, default_year=default_year))
            except CellError as err:
                found = err
            self._months[key] = found
        if isinstance(found, CellError):
            ref = ref if isinstance(ref, CellRef) else ref()
            code = "month.missing" if is_blank(raw) else found.code
            zh, en = ("月份为空", "the month is empty") if is_blank(raw) else (found.zh, found.en)
            self.error(cell_problem(code, zh, en, ref, raw))
            return None
        return found

    def _checked_month(self, month: dt.date) -> dt.date:
        why = month_problem(month, self.today)
        if why is not None:
            raise CellError(*why)
        return month

    def indicator(self, raw: Any, ref: CellRef | Any) -> tuple[IndicatorInfo, Unit | None] | None:
        """``ref`` is a cell, or a function making it (called only when there is something to say)."""
        found = self.lookup.resolve(raw)
        if found is not None:
            return found
        ref = ref if isinstance(ref, CellRef) else ref()
        if is_blank(raw):
            self.error(cell_problem("indicator.missing", "指标为空", "the indicator is empty", ref))
            return None
        if found is None:
            zh, en, near = self.lookup.suggestion(raw)
            self.error(
                cell_problem(
                    "indicator.unknown",
                    f"未知指标“{shown(text_of(raw))}”{zh}",
                    f"unknown indicator {shown(raw)!r}{en}",
                    ref,
                    raw,
                    suggestions=near,
                )
            )
        return found

    def value(
        self, raw: Any, info: IndicatorInfo, ref: Place, unit: Unit | None, key: tuple[str, dt.date] | None
    ) -> tuple[bool, float | None]:
        """(ok, value): a bad cell is reported and marks its district-month as damaged."""
        try:
            return True, parse_number(raw, currency=info.unit == "元", default_unit=unit)
        except CellError as err:
            label = f"{info.name_zh}（{info.code}）"
            self.error(cell_problem(err.code, f"{label}：{err.zh}", f"{info.code}: {err.en}", ref, raw))
            if key is not None:
                self.result.damaged.add(key)
            return False, None

    def loose_value(self, raw: Any, ref: Place) -> None:
        """A figure of a row whose indicator is unknown: still say when it is no number at all."""
        try:
            parse_number(raw)
        except CellError as err:
            if err.code == "value.not_a_number":
                self.error(cell_problem(err.code, err.zh, err.en, ref, raw))

    def contain(self, key: tuple[str, dt.date], ref: Place) -> dict[str, tuple[float | None, Place]]:
        month_entries = self.entries.get(key)
        if month_entries is None:
            month_entries = self.entries[key] = {}
            self.first_ref[key] = ref
        return month_entries

    def put(self, key: tuple[str, dt.date], info: IndicatorInfo, value: float | None, ref: Place) -> None:
        month_entries = self.contain(key, ref)
        previous = month_entries.get(info.code)
        if previous is None:
            month_entries[info.code] = (value, ref)
            return
        if previous[0] != value:
            first = as_ref(previous[1])
            shown = "空" if previous[0] is None else f"{previous[0]:g}"
            self.error(
                cell_problem(
                    "value.duplicate",
                    f"{key[0]} {month_zh(key[1])} {info.name_zh} 重复出现且数值不同（另见第{first.row}行：{shown}）",
                    f"{key[0]} {month_label(key[1])} {info.code} appears twice with different values "
                    f"(also row {first.row}: {previous[0]})",
                    ref,
                    value,
                    first_row=first.row,
                    first_cell=first.cell,
                    district=key[0],
                    month=month_label(key[1]),
                    indicator=info.code,
                )
            )
            self.result.damaged.add(key)


def pick_unit(*units: Unit | None) -> Unit | None:
    """The unit that scales (万元 in the 单位 column, the label or the value header), else the first given.

    The template prints 元 in its unit column; a person who relabels the row 罚款金额（万元） means 万元.
    """
    given = [u for u in units if u is not None]
    return next((u for u in given if u.multiplier != 1), given[0] if given else None)


def _cells(row: list[Any], col: int) -> Any:
    return row[col] if col < len(row) else None


def _read_long(table: Table, layout: Layout, c: _Collector, deadline: Budget) -> int:
    # The hot loop of big files. Cache hits (a district, month or indicator seen before) are
    # inlined; anything new or wrong takes the _Collector's methods, which also report problems.
    cols = layout.columns
    dc, mc, ic, vc = cols["district"], cols["month"], cols["indicator"], cols["value"]
    code_col = cols.get("indicator_code")
    uc = cols.get("unit")
    head = layout.headers
    sheet = table.sheet
    d_head, m_head, i_head, v_head = head.get(dc), head.get(mc), head.get(ic), head.get(vc)
    width = max(dc, mc, ic, vc) + 1
    value_unit = layout.value_unit
    merged = bool(table.merges)
    known_districts = c._districts
    known_months = c._months
    known_indicators = c.lookup._cache
    district_refs = c.result.district_refs
    entries = c.entries
    count = 0
    for number, row in table.rows[layout.header_index + 1 :]:
        if merged:
            d_raw, m_raw, i_raw = table.label(number, dc), table.label(number, mc), table.label(number, ic)
            v_raw = _cells(row, vc)
        elif len(row) >= width:
            d_raw, m_raw, i_raw, v_raw = row[dc], row[mc], row[ic], row[vc]
        else:
            d_raw, m_raw, i_raw, v_raw = _cells(row, dc), _cells(row, mc), _cells(row, ic), _cells(row, vc)
        if code_col is not None and code_col != ic and is_blank(i_raw):
            i_raw = table.label(number, code_col) if merged else _cells(row, code_col)
        if not (d_raw and m_raw and i_raw) and all(is_blank(x) for x in (d_raw, m_raw, i_raw, v_raw)):
            continue
        count += 1
        if count % 5000 == 0:
            deadline.check()
        district_ref = (sheet, number, dc, d_head)
        district = known_districts.get(d_raw)
        if district:
            refs = district_refs[district]
            if len(refs) < MAX_PROBLEMS:
                refs.append(district_ref)
        else:
            district = c.district(d_raw, district_ref)
        month = known_months.get(m_raw)
        if month is None or not isinstance(month, dt.date):
            month = c.month(m_raw, lambda n=number: CellRef(sheet, n, mc, m_head))
        found = known_indicators.get(i_raw)
        if found is None:
            found = c.indicator(i_raw, lambda n=number: CellRef(sheet, n, ic, i_head))
        ref = (sheet, number, vc, v_head)
        if found is None:
            c.loose_value(v_raw, ref)
            continue
        info, label_unit = found
        if uc is None and label_unit is None and value_unit is None:
            unit = None
        else:
            unit = pick_unit(c.unit(_cells(row, uc)) if uc is not None else None, label_unit, value_unit)
        key = (district, month) if district is not None and month is not None else None
        value: float | None
        if unit is None and isinstance(v_raw, str) and v_raw.isdigit() and v_raw.isascii() and len(v_raw) <= 15:
            ok, value = True, float(v_raw)  # the common case: a plain whole number (exact: under 2**53)
        else:
            ok, value = c.value(v_raw, info, ref, unit, key)
        if key is None or not ok:
            continue
        month_entries = entries.get(key)
        if month_entries is not None and info.code not in month_entries:
            month_entries[info.code] = (value, ref)
        else:
            c.put(key, info, value, ref)
    return count


# The label of the totals row the Data page's Excel download writes below its figures.
OWN_TOTALS_LABELS = ("合计", "Total")


def own_totals_row(table: Table, layout: Layout) -> int | None:
    """The row number of the totals row our own Excel download ends with, else ``None``.

    Only that row is passed over, and only when it is exactly what the download writes: a title
    above the header, the last row of the sheet, 合计/Total in the district column with the month
    and district name empty, and in every indicator column the sum of the rows above (empty where
    they are all empty). Anything else — a row a person typed, a total that no longer adds up
    after an edit — is read like any row and reported (合计 is no district, the month is empty),
    so that no figure is ever skipped silently."""
    body = table.rows[layout.header_index + 1 :]
    if layout.header_index == 0 or len(body) < 2:
        return None
    number, row = body[-1]
    cols = layout.columns
    if text_of(table.label(number, cols["district"])).strip() not in OWN_TOTALS_LABELS:
        return None
    if any(not is_blank(table.label(number, cols[role])) for role in ("month", "district_name") if role in cols):
        return None
    for col in layout.indicator_columns:
        try:
            figures = [parse_number(_cells(above, col)) for _n, above in body[:-1]]
            total = parse_number(_cells(row, col))
        except CellError:
            return None  # a bad cell above is reported where it is; the row stays to be read
        reported = [Decimal(repr(f)) for f in figures if f is not None]
        if (total is None) != (not reported):
            return None
        if total is not None and round(sum(reported), 2) != round(Decimal(repr(total)), 2):
            return None
    return number


def _read_wide(table: Table, layout: Layout, c: _Collector, deadline: Budget) -> int:
    cols = layout.columns
    dc, mc = cols["district"], cols["month"]
    head = layout.headers
    count = 0
    totals = own_totals_row(table, layout)
    for number, row in table.rows[layout.header_index + 1 :]:
        if number == totals:
            continue
        d_raw, m_raw = table.label(number, dc), table.label(number, mc)
        if all(is_blank(_cells(row, col)) for col in layout.indicator_columns) and is_blank(d_raw) and is_blank(m_raw):
            continue
        count += 1
        if count % 5000 == 0:
            deadline.check()
        district = c.district(d_raw, CellRef(table.sheet, number, dc, head.get(dc)))
        month = c.month(m_raw, CellRef(table.sheet, number, mc, head.get(mc)))
        key = (district, month) if district is not None and month is not None else None
        if key is not None:
            c.contain(key, CellRef(table.sheet, number, dc, head.get(dc)))
        for col, (info, unit) in layout.indicator_columns.items():
            ref = CellRef(table.sheet, number, col, head.get(col))
            ok, value = c.value(_cells(row, col), info, ref, unit, key)
            if key is not None and ok:
                c.put(key, info, value, ref)  # an empty cell (None) withdraws the month's figure
    return count


def _template_context(table: Table, layout: Layout) -> tuple[Any, CellRef | None, int | None]:
    """District and year written above the template's header (区划代码 | 120102 | … | 年度 | 2021)."""
    district: Any = None
    district_ref: CellRef | None = None
    year: int | None = None
    for number, cells in table.rows[: layout.header_index]:
        for col, raw in enumerate(cells):
            key = header_key(raw)
            role = _ALIAS_ROLE.get(key)
            if role != "district" and key not in _YEAR_LABELS:
                continue
            nxt = next((c for c in range(col + 1, len(cells)) if not is_blank(cells[c])), None)
            if nxt is None:
                continue
            if role == "district" and district is None:
                district, district_ref = cells[nxt], CellRef(table.sheet, number, nxt, text_of(raw))
            elif key in _YEAR_LABELS and year is None:
                year = parse_year(cells[nxt])
    return district, district_ref, year


def _read_template(table: Table, layout: Layout, c: _Collector, deadline: Budget) -> int:
    cols = layout.columns
    head = layout.headers
    header_number = table.rows[layout.header_index][0]
    meta_district, meta_ref, meta_year = _template_context(table, layout)
    dc = cols.get("district")
    if dc is None and is_blank(meta_district):
        c.error(
            cell_problem(
                "district.missing",
                "模板表头缺少区划代码（应在表头上方写“区划代码”及代码，或增加“区划代码”列）",
                "the template names no district (write 区划代码 and the code above the header, or add a column)",
                CellRef(table.sheet, header_number, 0),
            )
        )
        return 0
    # Month columns: "2021年3月" stands alone; "3月" takes its year from the merged cell above
    # ("2021年") or from the 年度 written above the header.
    months: dict[int, dt.date] = {}
    for col, raw in layout.month_columns.items():
        year = meta_year
        for number, _cells_above in reversed(table.rows[: layout.header_index]):
            above = parse_year(table.label(number, col))
            if above is not None:
                year = above
                break
        month = c.month(raw, CellRef(table.sheet, header_number, col, text_of(raw)), default_year=year)
        if month is not None:
            months[col] = month
    code_col, name_col, unit_col = cols.get("indicator_code"), cols.get("indicator"), cols.get("unit")
    body = table.rows[layout.header_index + 1 :]
    # A month column is stated when any of its cells is filled: a template filled in for June says
    # nothing about January to May. In a stated month, a recognised indicator's empty cell
    # withdraws its figure.
    stated = [col for col in layout.month_columns if any(not is_blank(_cells(row, col)) for _n, row in body)]
    count = 0
    for number, row in body:
        label_raw = None
        label_col = name_col
        for candidate in (code_col, name_col):
            if candidate is not None and not is_blank(table.label(number, candidate)):
                label_raw, label_col = table.label(number, candidate), candidate
                break
        filled = [col for col in layout.month_columns if not is_blank(_cells(row, col))]
        if label_raw is None and not filled:
            continue  # a spacer row
        if not filled and _note_label(label_raw):
            continue  # a total or a note written below the figures
        count += 1
        if count % 2000 == 0:
            deadline.check()
        if dc is not None:
            district = c.district(table.label(number, dc), CellRef(table.sheet, number, dc, head.get(dc)))
        else:
            assert meta_ref is not None
            district = c.district(meta_district, meta_ref)
        found = c.indicator(label_raw, CellRef(table.sheet, number, label_col or 0, head.get(label_col or 0)))
        if found is None:
            for col in filled:
                c.loose_value(_cells(row, col), CellRef(table.sheet, number, col, head.get(col)))
            continue
        info, label_unit = found
        unit = pick_unit(c.unit(_cells(row, unit_col)) if unit_col is not None else None, label_unit)
        for col in stated:
            month = months.get(col)
            key = (district, month) if district is not None and month is not None else None
            ref = CellRef(table.sheet, number, col, head.get(col))
            ok, value = c.value(_cells(row, col), info, ref, unit, key)
            if key is not None and ok:
                c.put(key, info, value, ref)
    return count


def _note_label(raw: Any) -> bool:
    """A template row label that holds no indicator on purpose (合计, 填表人：…, 注：…)."""
    text = header_key(raw)
    return text.startswith(_TEMPLATE_NOTE_LABELS)


def _read_activities(table: Table, layout: Layout, c: _Collector, deadline: Budget) -> int:
    cols = layout.columns
    head = layout.headers
    count = 0

    def ref(number: int, role: str) -> CellRef:
        col = cols.get(role, 0)
        return CellRef(table.sheet, number, col, head.get(col))

    def get(row: list[Any], role: str) -> Any:
        return _cells(row, cols[role]) if role in cols else None

    for number, row in table.rows[layout.header_index + 1 :]:
        entry = ActivityEntry(*(get(row, role) for role in ("date", "kind", "title", "participants", "notes")))
        if entry.blank():
            continue
        count += 1
        if count % 2000 == 0:
            deadline.check()
        district: str | None = None
        ok = True
        if "district" in cols:
            district = c.district(table.label(number, cols["district"]), ref(number, "district"))
            ok = district is not None
        activity, problems = read_activity(entry)
        for role, err in problems:
            c.error(cell_problem(err.code, err.zh, err.en, ref(number, role), getattr(entry, role)))
        if ok and activity is not None:
            c.activities.append((district, activity, ref(number, "date")))
    return count


_READERS = {"long": _read_long, "wide": _read_wide, "template": _read_template, "activities": _read_activities}


# ----------------------------------------------------------------------------- the whole file


def parse_file(
    content: bytes,
    *,
    file_name: str | None,
    catalogue: dict[str, IndicatorInfo],
    today: dt.date,
    seconds: float | None = None,
    memory_bytes: int | None = None,
) -> ParsedFile:
    """Every district-month of the file and every problem found in it (nothing is looked up in the
    database here). A file that takes longer than ``seconds`` or would hold more than
    ``memory_bytes`` (estimated) is refused as ``file.too_complex``."""
    budget = Budget(
        PARSE_SECONDS if seconds is None else seconds, PARSE_MEMORY_BYTES if memory_bytes is None else memory_bytes
    )
    try:
        fmt = sniff_format(content, file_name)
        result = ParsedFile(format=fmt)
        tables = read_xlsx(content, budget) if fmt == SourceFormat.xlsx else [read_csv(content, budget)]
        _collect(tables, result, catalogue, today, budget)
    except FileRejected as rejected:
        return ParsedFile(format=None, errors=[rejected.problem])
    except (ParseTimeout, OverBudget):
        return ParsedFile(format=None, errors=[too_complex(budget)])
    return result


def _collect(
    tables: Sequence[Table], result: ParsedFile, catalogue: dict[str, IndicatorInfo], today: dt.date, deadline: Budget
) -> None:
    c = _Collector(catalogue, today, result)
    recognised = 0
    missing: list[str] | None = None
    activity_tables = 0
    for table in tables:
        if not table.rows:
            continue
        name_key = header_key(table.sheet) if table.sheet else ""
        if name_key in _SKIPPED_SHEETS:
            continue
        layout, lacking = find_layout(table, c.lookup)
        if layout is None or (layout.kind == "activities" and name_key not in _ACTIVITY_SHEETS and len(tables) == 1):
            if missing is None or len(lacking) < len(missing):
                missing = lacking
            result.notes.append(
                Problem(
                    "sheet.ignored",
                    f"工作表“{table.sheet}”没有可识别的表头，未读取",
                    f"Sheet {table.sheet!r} has no recognisable header row and was not read",
                    extra={"sheet": table.sheet},
                )
            )
            continue
        _unknown_columns(table, layout, c)
        if layout.kind == "activities":
            activity_tables += 1
        else:
            recognised += 1
            if result.shape is None:
                result.shape = layout.kind
        result.rows += _READERS[layout.kind](table, layout, c, deadline)
        if result.rows > MAX_ROWS:
            result.errors = [too_many_rows().problem]
            return
    if not recognised:
        result.notes = [n for n in result.notes if n.code != "sheet.ignored"]
        lacking = missing if missing else list(_REQUIRED_LONG)
        names_zh = "、".join(_ROLE_LABELS[r][0] for r in lacking)
        names_en = ", ".join(_ROLE_LABELS[r][1] for r in lacking)
        result.errors = [
            Problem(
                "file.missing_columns",
                f"找不到表头或缺少必需的列：{names_zh}"
                "（长表需要 区划代码、月份、指标、数值 四列；或使用下载的 Excel 模板）",
                f"No header row, or required columns are missing: {names_en} (a long table needs district_code, "
                "month, indicator, value; or use the Excel template)",
                extra={"missing": [_ROLE_LABELS[r][1] for r in lacking]},
            )
        ]
        return
    if not c.entries and not result.errors:
        result.errors.append(
            Problem(
                "file.empty", "文件中没有任何数据（表头之下没有填写数值）", "The file holds no figures below its header"
            )
        )
        return
    _finish(c, result, activity_tables > 0)


def _unknown_columns(table: Table, layout: Layout, c: _Collector) -> None:
    """Every header this shape neither reads nor knows is an error: a misspelt indicator must not
    leave its figures unread while the upload reports success."""
    number = table.rows[layout.header_index][0]
    for col in layout.unknown:
        raw = table.label(number, col)
        zh, en, near = c.lookup.suggestion(raw)
        if not near:
            label = header_key(split_label_unit(text_of(raw))[0])
            roles = close_matches(label, _ALIAS_ROLE, limit=3, cutoff=0.6)
            zh, en = did_you_mean(roles)
            near = roles
        what = {"long": "长表", "wide": "宽表", "template": "模板", "activities": "活动表"}[layout.kind]
        c.error(
            cell_problem(
                "column.unknown",
                f"无法识别的列“{shown(text_of(raw))}”：{what}中没有这一列，整列数据不会被读取，请改正列名或删除该列{zh}",
                f"unrecognised column {shown(raw)!r}: the {layout.kind} shape has no such column and would not "
                f"read it; correct its header or remove the column{en}",
                CellRef(table.sheet, number, col, text_of(raw)),
                raw,
                suggestions=near,
            )
        )


def _finish(c: _Collector, result: ParsedFile, has_activities: bool) -> None:
    result.has_activities = has_activities
    result.entries = c.entries
    by_month: dict[tuple[str, dt.date], list[ActivityData]] = defaultdict(list)
    if has_activities:
        districts = {key[0] for key in c.entries}
        only = next(iter(districts)) if len(districts) == 1 else None
        for district, activity, ref in c.activities:
            code = district or only
            if code is None:
                c.error(
                    cell_problem(
                        "activity.district_missing",
                        "文件含多个区县，活动须填写区划代码",
                        "the file holds several districts: give each activity its district code",
                        ref,
                    )
                )
                continue
            key = (code, activity.date.replace(day=1))
            if key not in c.entries:
                c.error(
                    cell_problem(
                        "activity.month_not_in_file",
                        f"活动“{activity.title}”所在月份（{code} {month_zh(key[1])}）在数据表中没有填报数据："
                        "活动随该月数据一并报送",
                        f"activity {activity.title!r} falls in {code} {month_label(key[1])}, which the data sheet "
                        "does not report: activities are sent with their month's figures",
                        ref,
                        activity.date,
                    )
                )
                continue
            by_month[key].append(activity)
    for key, month_entries in c.entries.items():
        district, month = key
        values: dict[str, float] = {}
        origin: dict[str, tuple[int | None, str | None]] = {}
        first = c.first_ref[key]
        origin[""] = (first[1], first[3])
        withdrawn: set[str] = set()
        for code, (value, place) in month_entries.items():
            origin[code] = (place[1], place[3])
            if value is not None:
                values[code] = value
            else:
                withdrawn.add(code)  # a recognised indicator's empty cell: withdraw what was reported
        result.months.append(
            MonthData(
                district_code=district,
                month=month,
                values=values,
                activities=by_month.get(key, []) if has_activities else None,
                origin=origin,
                withdrawn=withdrawn,
            )
        )


def locate(result: ParsedFile, problems: Iterable[Problem]) -> list[Problem]:
    """Add sheet and cell to problems found later (by validation) about figures of this file."""
    out: list[Problem] = []
    for p in problems:
        district, month, indicator = p.extra.get("district"), p.extra.get("month"), p.extra.get("indicator")
        if district and month and indicator and "cell" not in p.extra:
            try:
                entry = result.entries.get((district, dt.date(int(month[:4]), int(month[5:7]), 1)), {}).get(indicator)
            except ValueError:
                entry = None
            ref = as_ref(entry[1]) if entry else None
            if ref is not None:
                p = Problem(
                    p.code,
                    f"{ref.where_zh()}：{p.message_zh}",
                    f"{ref.where_en()}: {p.message_en}",
                    row=ref.row,
                    column=ref.header or p.column,
                    value=p.value,
                    extra={**p.extra, **ref.extra()},
                )
        out.append(p)
    return out
