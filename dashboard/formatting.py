"""Numbers and dates the way Chinese reports write them (1712万元, 3.2万家次, 同比增长12.5%, 2021年3月),
with an English rendering for ``lang="en"``.

The Chinese forms are the report generator's (``app.reports.numbers``), so the dashboard and the
year-end report write a figure the same way: 万 from 10,000, 亿 from 100,000,000, at most two
decimals, no trailing zeros, exact small figures (199件). Here they get what a page needs besides:
``None`` ("not reported", never written as 0), English, arrows and dates.
"""

from __future__ import annotations

import datetime as dt
import math

from app.reports import numbers
from app.reports.bulletin_en import unit_for

MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def trim(value: float, decimals: int = 2) -> str:
    """``value`` with at most ``decimals`` decimals and no trailing zeros: 3.20 → "3.2", 17.0 → "17"."""
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def chinese_number(value: float) -> str:
    """17,120,000 → "1712万", 32,000 → "3.2万", 150,000,000 → "1.5亿", 199 → "199"."""
    return numbers.format_number(value)


def english_number(value: float, *, decimals: int = 2) -> str:
    """17,120,000 → "17.12 million", 32,000 → "32,000", 199 → "199"."""
    magnitude = abs(value)
    sign = "-" if value < 0 else ""
    if round(magnitude / 1e9, decimals) >= 1:
        return sign + trim(magnitude / 1e9, decimals) + " billion"
    if round(magnitude / 1e6, decimals) >= 1:
        return sign + trim(magnitude / 1e6, decimals) + " million"
    whole = trim(magnitude, decimals)
    head, _, tail = whole.partition(".")
    return sign + f"{int(head):,}" + (f".{tail}" if tail else "")


def format_number(value: float | None, lang: str = "zh", *, decimals: int = 2, missing: str = "—") -> str:
    if value is None or _missing(value):
        return missing
    return chinese_number(value) if lang == "zh" else english_number(value, decimals=decimals)


def format_amount(value: float | None, unit: str, lang: str = "zh", *, missing: str = "—") -> str:
    """A figure with its unit: "1712万元", "807家次"; English "17.12 million yuan", "1 death", "2 deaths"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return missing
    text = format_number(value, lang)
    if not unit:
        return text
    if lang == "zh" or unit == "%":
        return text + unit
    return f"{text} {unit_for(value, unit)}"


def amount_parts(value: float, unit: str, lang: str = "zh") -> tuple[str, str]:
    """A figure split where a KPI card sets the large number apart from the small unit: ("1712万", "元"),
    ("807", "家次"); English ("16.26", "million yuan"), ("1", "death"): "million" goes with the unit, so
    that the large part stays short in a narrow card."""
    if lang == "zh":
        return format_number(value, lang), unit
    text = format_number(value, lang)
    number, _, magnitude = text.partition(" ")
    unit_text = unit_for(value, unit) if unit != "%" else unit
    if unit == "%":
        return number + unit, magnitude
    return number, " ".join(part for part in (magnitude, unit_text) if part)


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_percent(value: float | None, *, missing: str = "—") -> str:
    """91.92 → "91.9%", 30 → "30.0%" (one decimal, as the reports write percentages)."""
    return missing if value is None or _missing(value) else numbers.format_percent(value)


def format_signed_percent(value: float | None, *, missing: str = "—") -> str:
    """12.5 → "+12.5%", -30 → "-30.0%"."""
    if value is None or _missing(value):
        return missing
    return ("+" if round(value, 1) > 0 else "") + numbers.format_percent(value)


def format_change(value: float | None, lang: str = "zh", *, missing: str = "") -> str:
    """12.5 → "同比增长12.5%", -30 → "同比下降30.0%", 0 → "与上年持平"; English "up 12.5% on last year"."""
    if value is None or _missing(value):
        return missing
    if lang == "zh":
        return numbers.format_change(value)
    if round(value, 1) == 0:
        return "unchanged on last year"
    return ("up " if value > 0 else "down ") + numbers.format_percent(abs(value)) + " on last year"


def change_arrow(value: float | None) -> str:
    """▲ for a rise, ▼ for a fall, ▬ for no change (to one decimal), nothing for unknown."""
    if value is None or _missing(value):
        return ""
    if round(value, 1) == 0:
        return "▬"
    return "▲" if value > 0 else "▼"


def format_month(year: int, month: int, lang: str = "zh") -> str:
    """2021年3月; English "Mar 2021"."""
    return f"{year}年{month}月" if lang == "zh" else f"{MONTHS_EN[month - 1]} {year}"


def format_month_label(label: str, lang: str = "zh") -> str:
    """ "2021-03" (the API's month label) → 2021年3月."""
    year, month = label.split("-")
    return format_month(int(year), int(month), lang)


def format_month_range(year: int, month_from: int, month_to: int, lang: str = "zh") -> str:
    """2026年1—10月 (the reports' dash); a single month 2026年3月; English "Jan–Oct 2026"."""
    if month_from == month_to:
        return format_month(year, month_from, lang)
    if lang == "zh":
        return f"{year}年{numbers.format_month_span(month_from, month_to)}"
    return f"{MONTHS_EN[month_from - 1]}–{MONTHS_EN[month_to - 1]} {year}"


def format_year(year: int, lang: str = "zh") -> str:
    return f"{year}年" if lang == "zh" else str(year)


def format_timestamp(moment: dt.datetime, lang: str = "zh") -> str:
    """2026年11月22日 10:09; English "22 Nov 2026 10:09"."""
    if lang == "zh":
        return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}"
    return f"{moment.day} {MONTHS_EN[moment.month - 1]} {moment.year} {moment:%H:%M}"
