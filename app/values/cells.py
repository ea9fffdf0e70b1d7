"""Reading single cells the way Chinese spreadsheets write them: numbers, units, months and dates.

Every function here is pure and fast (a 100,000-row file calls them 100,000 times): plain values
take a short path, the rest goes through NFKC (full-width digits and punctuation) and one regex.
Each returns the parsed value or raises ``CellError`` with a stable code and both languages.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl.utils.datetime import from_excel

# 万 and 亿 as reports write them (1712万元, 3.2万家次); 千 and 百 for completeness.
MULTIPLIERS = {
    "亿": Decimal(100_000_000),
    "千万": Decimal(10_000_000),
    "百万": Decimal(1_000_000),
    "十万": Decimal(100_000),
    "万": Decimal(10_000),
    "千": Decimal(1_000),
    "百": Decimal(100),
}
_MULT = "千万|百万|十万|[亿万千百]"
CURRENCY_UNITS = {"元", "人民币元", "rmb", "yuan", "cny"}

# A number as people type it: 1234, 1,234, 1234.5, .5, -3, 3.2万, 1712万元, 12 000 is not accepted
# (a space is too often a typo between two numbers).
_NUMBER_RE = re.compile(
    rf"^(?P<num>[+-]?(?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?|[+-]?\.\d+)\s*(?P<mult>{_MULT})?\s*(?P<unit>[^\d\s.,+-]*)$"
)
_UNIT_RE = re.compile(rf"^(?P<mult>{_MULT})?(?P<unit>.*)$")
# Months: 2021-03, 2021-3, 2021/3, 2021.03, 2021年3月, 2021年03月份, 202103, 2021-03-01, 2021/3/15.
_MONTH_RE = re.compile(
    r"^(?P<y>\d{4})\s*(?:[-/.年]\s*(?P<m>\d{1,2})\s*(?:月份?)?|(?P<m6>\d{2}))"
    r"(?:\s*[-/.]\s*\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?|\s*\d{1,2}\s*日)?$"
)
_MONTH_ONLY_RE = re.compile(r"^(?P<m>\d{1,2})\s*月份?$")
_YEAR_RE = re.compile(r"^(?P<y>\d{4})\s*年?(?:度)?$")
_DATE_RE = re.compile(r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?$")
_COMPACT_DATE_RE = re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$")
# Excel serial days of 1990-01-01 … 2099-12-31: a bare number in that range in a month or date cell
# is a date whose cell format was lost (e.g. pasted as values, or saved as CSV).
_SERIAL_MIN, _SERIAL_MAX = 32874, 73050
_PAREN_RE = re.compile(r"^(?P<label>.*?)\s*[(（\[【]\s*(?P<inner>[^()（）\[\]【】]*)\s*[)）\]】]\s*$")


# A cell's text is shown in full up to this length; longer (a 5,000-digit "number", a pasted
# paragraph) it is cut, so that an error answer stays readable and small.
SHOWN_CHARS = 64
# More integer digits than this cannot be a figure (the largest accepted is 1e12); such a number is
# refused before any conversion (Python's int() refuses over 4,300 digits, float() overflows past 308).
MAX_DIGITS = 20
_DIGITS_LIMIT = 10**MAX_DIGITS


def shown(raw: Any) -> Any:
    """A cell's value as an error answer may carry it: long text cut, a number too large for
    JSON (infinity, NaN, an int of hundreds of digits) as its text. Plain values pass as they are."""
    if isinstance(raw, float):
        if math.isfinite(raw):
            return raw
        return "NaN" if raw != raw else ("Infinity" if raw > 0 else "-Infinity")
    if isinstance(raw, int) and not isinstance(raw, bool):
        if -(10**15) < raw < 10**15:
            return raw  # (beyond, JavaScript clients would lose digits: shown as text)
        try:
            return shown(str(raw))
        except ValueError:  # str() refuses ints of over 4,300 digits
            return "（超过 4300 位的数字 / a number of over 4,300 digits）"
    if isinstance(raw, str) and len(raw) > SHOWN_CHARS:
        tail = f"…（共 {len(raw):,} 字符 / {len(raw):,} chars）"
        return raw[: SHOWN_CHARS - len(tail)] + tail
    return raw


class CellError(ValueError):
    """A cell that cannot be read; ``code`` is stable, the messages are for people."""

    def __init__(self, code: str, zh: str, en: str) -> None:
        super().__init__(en)
        self.code = code
        self.zh = zh
        self.en = en


class FormulaWithoutValue:
    """A formula cell saved without its computed value (written by a program, never opened in Excel)."""

    def __repr__(self) -> str:
        return "<formula without value>"


FORMULA_WITHOUT_VALUE = FormulaWithoutValue()


@dataclass(frozen=True)
class Unit:
    """A unit as written (万元, 家次, 元): its multiplier and whether it names money."""

    multiplier: Decimal
    text: str
    is_currency: bool


def normalise(text: str) -> str:
    """Full-width → half-width (１２３ → 123, ， → ,), outer whitespace and NBSP removed."""
    if text.isascii():
        return text.strip()
    return unicodedata.normalize("NFKC", text).replace("\u3000", " ").strip()


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_unit(text: str) -> Unit:
    """``万元`` → ×10,000 of money; ``家次`` → ×1 of a count; ``''`` → ×1, no unit."""
    t = normalise(text).replace(" ", "")
    m = _UNIT_RE.match(t)
    assert m is not None  # the pattern matches every string
    mult = MULTIPLIERS[m.group("mult")] if m.group("mult") else Decimal(1)
    unit = m.group("unit")
    return Unit(mult, unit, unit.lower() in CURRENCY_UNITS)


def split_label_unit(text: str) -> tuple[str, Unit | None]:
    """``罚款金额（万元）`` → (``罚款金额``, 万元); a label without brackets has no unit."""
    t = normalise(text)
    m = _PAREN_RE.match(t)
    if not m or not m.group("label"):
        return t, None
    return m.group("label").strip(), parse_unit(m.group("inner"))


def _check_unit(unit: Unit, *, currency: bool, raw: Any) -> None:
    # Only the money/count distinction is checked: 个, 项 and 家 are all fine for a count, but
    # 万元 on a count (or 家次 on a fine) means the figure is in the wrong row or column.
    if unit.text and unit.is_currency != currency:
        expected = "元" if currency else "计数单位（件、家次、人次等）"
        raise CellError(
            "value.unit_mismatch",
            f"单位“{unit.text}”与指标单位不符（应为{expected}）",
            f"unit {unit.text!r} does not fit the indicator ({'yuan' if currency else 'a count'} expected)",
        )


def _too_large() -> CellError:
    return CellError(
        "value.too_large",
        "数值过大，不可能是统计数字（请检查是否多打了数字或粘贴有误）",
        "the number is implausibly large (an extra digit, or a paste gone wrong?)",
    )


def _finite(value: float) -> float:
    if math.isfinite(value):
        return value
    raise _too_large()


def parse_number(raw: Any, *, currency: bool = False, default_unit: Unit | None = None) -> float | None:
    """A figure → float; blank → None (not reported). ``0`` is a reported zero.

    ``currency``: the indicator is in yuan (so ``1712万元`` is 17,120,000 and ``5人`` is wrong).
    ``default_unit``: the unit of the column or row (罚款金额（万元）), used when the cell has none.
    The result is always finite: a number too large for a float (hundreds of digits) is
    ``value.too_large``, never infinity.
    """
    if raw is None:
        return None
    if raw is FORMULA_WITHOUT_VALUE:
        raise CellError(
            "value.formula_not_computed",
            "公式没有计算结果：请在 Excel 中打开、保存后再上传，或改为填写数值",
            "a formula without a computed value: open and save the file in Excel, or enter the figure",
        )
    scale = default_unit.multiplier if default_unit else Decimal(1)
    if default_unit is not None:
        _check_unit(default_unit, currency=currency, raw=raw)
    if isinstance(raw, bool):
        raise CellError("value.not_a_number", "不是数字（是/否）", "not a number (a boolean)")
    if isinstance(raw, int):
        if not -_DIGITS_LIMIT < raw < _DIGITS_LIMIT:
            raise _too_large()
        return _finite(float(raw * scale) if scale != 1 else float(raw))
    if isinstance(raw, float):
        if raw != raw:
            raise CellError("value.not_a_number", "不是数字", "not a number")
        if raw in (float("inf"), float("-inf")):
            raise _too_large()
        # Excel stores 0.1+0.2 as 0.30000000000000004; six decimals drop that noise and keep fen.
        return _finite(round(float(Decimal(repr(raw)) * scale), 6))
    if isinstance(raw, dt.date | dt.time | dt.timedelta):
        raise CellError("value.not_a_number", "这是日期，不是数字", "a date, not a number")
    if not isinstance(raw, str):
        raise CellError("value.not_a_number", "不是数字", "not a number")
    text = raw.strip()
    if not text:
        return None
    if text.isdigit() and text.isascii() and len(text) <= MAX_DIGITS:
        return float(int(text) * scale) if scale != 1 else float(int(text))
    text = normalise(text).replace("\u00a0", "").replace("\u2212", "-")
    m = _NUMBER_RE.match(text)
    if not m:
        raise CellError(
            "value.not_a_number",
            f"“{shown(raw)}”不是数字（留空表示未报送，0 表示数量为零）",
            f"{shown(raw)!r} is not a number (leave the cell empty for not reported, 0 for zero)",
        )
    digits = m.group("num").replace(",", "")
    if len(digits.partition(".")[0].lstrip("+-0")) > MAX_DIGITS:
        raise _too_large()
    try:
        number = Decimal(digits)
    except InvalidOperation as exc:  # pragma: no cover - the regex only lets decimals through
        raise CellError("value.not_a_number", f"“{shown(raw)}”不是数字", f"{shown(raw)!r} is not a number") from exc
    if m.group("mult") or m.group("unit"):
        unit = parse_unit((m.group("mult") or "") + (m.group("unit") or ""))
        if unit.text.endswith("%"):
            raise CellError(
                "value.not_a_number",
                f"“{shown(raw)}”是百分比，不是数量",
                f"{shown(raw)!r} is a percentage, not a figure",
            )
        _check_unit(unit, currency=currency, raw=raw)
        scale = unit.multiplier
    return _finite(float(number * scale))


# ----------------------------------------------------------------------------- months and dates


def _month(year: int, month: int) -> dt.date:
    if not 1 <= month <= 12:
        raise CellError("month.format", f"月份 {month} 不在 1–12 之间", f"month {month} is not within 1-12")
    if year < dt.MINYEAR:  # the year 0000: no date at all, and certainly before 2000
        raise CellError(
            "month.too_early", f"月份 {year:04d}年{month}月 早于 2000年1月", f"{year:04d}-{month:02d} is before 2000-01"
        )
    return dt.date(year, month, 1)


def _bad_month(raw: Any) -> CellError:
    return CellError(
        "month.format",
        f"无法识别的月份“{raw}”（可写 2021-03、2021/3、202103 或 2021年3月）",
        f"unrecognised month {raw!r} (write 2021-03, 2021/3, 202103 or 2021年3月)",
    )


def _ambiguous_month(raw: float) -> CellError:
    # Excel keeps 2021.10 as the number 2021.1: October or January cannot be told apart.
    return CellError(
        "month.format",
        f"月份“{raw:g}”是数字，无法确定月份（Excel 会把 2021.10 存成 2021.1）：请写成 2021-10 这样的文本",
        f"the month {raw:g} is a number, which cannot tell 2021.1 from 2021.10 (Excel drops the trailing 0): "
        "write it as text, e.g. 2021-10",
    )


def _serial_day(serial: int) -> dt.date:
    """The day of an Excel serial in ``_SERIAL_MIN … _SERIAL_MAX``."""
    moment: dt.datetime = from_excel(serial)  # openpyxl has no type hints; a serial of 1 or more is a datetime
    return moment.date()


def parse_month(raw: Any, *, default_year: int | None = None) -> dt.date:
    """A month cell → its first day. ``default_year`` completes a bare ``3月`` (template headers)."""
    if isinstance(raw, dt.datetime):
        return raw.date().replace(day=1)
    if isinstance(raw, dt.date):
        return raw.replace(day=1)
    if isinstance(raw, bool) or raw is None:
        raise _bad_month(raw)
    if isinstance(raw, float):
        if not raw.is_integer():
            if 1900 <= raw < 3000:
                raise _ambiguous_month(raw)
            raise _bad_month(shown(raw))
        raw = int(raw)
    if isinstance(raw, int):
        if 190001 <= raw <= 299912:
            return _month(raw // 100, raw % 100)
        if _SERIAL_MIN <= raw <= _SERIAL_MAX:
            return _serial_day(raw).replace(day=1)
        raise _bad_month(shown(raw))
    if not isinstance(raw, str):
        raise _bad_month(raw)
    text = normalise(raw)
    m = _MONTH_RE.match(text)
    if m:
        return _month(int(m.group("y")), int(m.group("m") or m.group("m6")))
    m = _MONTH_ONLY_RE.match(text)
    if m and default_year is not None:
        return _month(default_year, int(m.group("m")))
    if text.isascii() and text.isdigit() and len(text) <= 9:
        return parse_month(int(text), default_year=default_year)
    raise _bad_month(shown(raw))


def looks_like_month_header(raw: Any) -> bool:
    """True for ``1月``, ``2021年3月``, ``2021-03`` or a date cell: a month column of the template."""
    if isinstance(raw, dt.date):
        return True
    if not isinstance(raw, str):
        return isinstance(raw, int) and 190001 <= raw <= 299912
    text = normalise(raw)
    return bool(_MONTH_RE.match(text) or _MONTH_ONLY_RE.match(text))


def parse_year(raw: Any) -> int | None:
    """``2021``, ``2021年``, ``2021年度`` → 2021; anything else → None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float) and float(raw).is_integer() and 1900 <= raw <= 2999:
        return int(raw)
    if isinstance(raw, str):
        m = _YEAR_RE.match(normalise(raw))
        if m:
            return int(m.group("y"))
    return None


def parse_date(raw: Any) -> dt.date:
    """A date cell of the activity sheet: a date, ``2021-06-15``, ``2021年6月15日``, ``20210615``, a serial."""
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    bad = CellError(
        "activity.date_format",
        f"无法识别的日期“{shown(raw)}”（可写 2021-06-15 或 2021年6月15日）",
        f"unrecognised date {shown(raw)!r} (write 2021-06-15)",
    )
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, int) and not isinstance(raw, bool):
        if _SERIAL_MIN <= raw <= _SERIAL_MAX:
            return _serial_day(raw)
        raw = str(raw)
    if not isinstance(raw, str):
        raise bad
    text = normalise(raw)
    m = _DATE_RE.match(text) or _COMPACT_DATE_RE.match(text)
    if m:
        try:
            return dt.date(int(m.group("y")), int(m.group("m")), int(m.group("d")))
        except ValueError:
            raise bad from None
    if text.isascii() and text.isdigit() and len(text) <= 9:
        return parse_date(int(text))
    raise bad


def parse_whole(raw: Any) -> int | None:
    """A participant count: blank → None, a non-negative whole number, or an error."""
    if is_blank(raw):
        return None
    try:
        value = parse_number(raw)
    except CellError:
        value = None
    if value is None or value < 0 or not float(value).is_integer() or value > 10_000_000:
        raise CellError(
            "activity.participants",
            f"参加人数“{shown(raw)}”应为非负整数",
            f"participants {shown(raw)!r}: not a whole number",
        )
    return int(value)


def text_of(raw: Any) -> str:
    """A cell as text: codes stored as numbers (120102, 120102.0) lose the float's ``.0``."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, dt.datetime | dt.date):
        return raw.isoformat()
    return normalise(str(raw))


def free_text(raw: Any) -> str:
    """A title or a note as written: outer whitespace trimmed, nothing else changed (no NFKC: the
    full-width punctuation of a Chinese title is part of it)."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()
