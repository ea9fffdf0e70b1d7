"""How Chinese reports write numbers: 1712万元, 3.2万家次, 199件, 同比下降30.0%, 与上年持平.

Figures from 10,000 are written in 万 and from 100,000,000 in 亿, with at most two decimals and
no trailing zeros; smaller figures are written exactly. Rounding is half-up on the decimal value
(as people round), never banker's rounding on the binary float.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

WAN = Decimal(10_000)
YI = Decimal(100_000_000)
LARGE_DECIMALS = 2


def _decimal(value: float | int | Decimal) -> Decimal:
    # str() first: Decimal(0.1) would carry the binary float's error into the rounding.
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _plain(value: Decimal, decimals: int) -> str:
    """``value`` rounded half-up to ``decimals`` places, without trailing zeros or exponent."""
    quantum = Decimal(1).scaleb(-decimals)
    text = format(value.quantize(quantum, rounding=ROUND_HALF_UP), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_number(value: float | int | Decimal) -> str:
    """A figure as a report writes it: 199 → "199", 32000 → "3.2万", 150000000 → "1.5亿".

    >>> format_number(17_120_000)
    '1712万'
    """
    d = _decimal(value)
    if d < 0:
        return "-" + format_number(-d)
    if d >= YI:
        return _plain(d / YI, LARGE_DECIMALS) + "亿"
    if d >= WAN:
        wan = _plain(d / WAN, LARGE_DECIMALS)
        # 99,999,999 rounds to 10000万: that is 1亿.
        if Decimal(wan) >= WAN:
            return _plain(d / YI, LARGE_DECIMALS) + "亿"
        return wan + "万"
    return _plain(d, LARGE_DECIMALS)


def format_quantity(value: float | int | Decimal, unit: str) -> str:
    """A figure with its unit: (17120000, "元") → "1712万元", (199, "件") → "199件"."""
    return format_number(value) + unit


def format_percent(value: float | int | Decimal) -> str:
    """A percentage with one decimal: 12.5 → "12.5%", 30 → "30.0%", 91.92 → "91.9%"."""
    return format(_decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP), "f") + "%"


def change_percent(current: float | int | Decimal, previous: float | int | Decimal) -> Decimal | None:
    """(current − previous) / previous × 100, exact; ``None`` when ``previous`` is 0."""
    prev = _decimal(previous)
    if prev == 0:
        return None
    return (_decimal(current) - prev) * 100 / prev


def format_change(pct: float | int | Decimal, versus: str = "同比", same: str = "与上年持平") -> str:
    """A year-on-year change: 12.5 → "同比增长12.5%", −30 → "同比下降30.0%", 0 → "与上年持平";
    against the previous period (``versus="环比"``, ``same="与上期持平"``): "环比增长12.5%".

    A change that rounds to 0.0% is 持平: "同比增长0.0%" would say nothing in more words.
    """
    rounded = _decimal(pct).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if rounded == 0:
        return same
    if rounded > 0:
        return versus + "增长" + format_percent(rounded)
    return versus + "下降" + format_percent(-rounded)


def format_point_change(points: float | int | Decimal, versus: str = "同比", same: str = "与上年持平") -> str:
    """A change of a rate in percentage points: 1.23 → "同比提高1.2个百分点", −0.5 → "同比降低0.5个百分点"."""
    rounded = _decimal(points).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if rounded == 0:
        return same
    word = "提高" if rounded > 0 else "降低"
    return f"{versus}{word}{format(abs(rounded), 'f')}个百分点"


def format_months(months: list[int]) -> str:
    """Months of one year as the reports list them: [3, 4] → "3月、4月"."""
    return "、".join(f"{m}月" for m in sorted(months))


def format_month_span(first: int, last: int) -> str:
    """A run of months: (1, 12) → "1—12月", (6, 6) → "6月"."""
    return f"{first}月" if first == last else f"{first}—{last}月"
