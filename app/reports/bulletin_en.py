"""How an English bulletin writes what the Chinese one does: numbers (1,234; 16.3 million; 1.2 billion),
quantities with their unit in the singular or plural (1 death, 2 deaths), changes (up 12.5% year on
year), periods (Q1 2025, January–September 2025), months and the names of places.

The figures are the Chinese bulletin's (``app.reports.bulletin`` builds both from one set of
statistics); only the wording is here. Place names come from ``app.districts.names_en``, the one home
of English place names (the dashboard's too): its hand table where it has the place, else the Chinese
name in pinyin with the generic part translated (临沂市河东区 → "Hedong District, Linyi").
"""

from __future__ import annotations

import calendar
from decimal import ROUND_HALF_UP, Decimal

from app.core.periods import Period
from app.districts.codes import is_municipality
from app.districts.models import DistrictLevel
from app.districts.names_en import HAND_NAMES, english_name
from app.reports.schemas import ReportDistrict

MILLION = Decimal(1_000_000)
BILLION = Decimal(1_000_000_000)
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")
# Units that read the same in the singular and the plural.
INVARIANT_UNITS = frozenset({"yuan", "%", ""})
# 全市 → "the city": how the text names the whole area.
AREA_WORDS = {
    "全市": "the city",
    "全区": "the district",
    "全省": "the province",
    "全县": "the county",
    "全旗": "the banner",
    "全州": "the prefecture",
    "全盟": "the league",
    "全地区": "the prefecture",
}

# Kept under its old name: the bulletin code and its tests read the table from here.
ENGLISH_NAMES = HAND_NAMES


# ----------------------------------------------------------------------------- numbers


def _decimal(value: float | int | Decimal) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _rounded(value: Decimal, decimals: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def _grouped(value: Decimal, decimals: int = 2) -> str:
    """``value`` half-up to ``decimals`` places, with thousands separators and no trailing zeros."""
    text = f"{_rounded(value, decimals):,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_number(value: float | int | Decimal) -> str:
    """A figure as an English bulletin writes it: 199 → "199", 32000 → "32,000", 17120000 → "17.12 million",
    1500000000 → "1.5 billion"."""
    d = _decimal(value)
    if d < 0:
        return "-" + format_number(-d)
    if d >= BILLION or _rounded(d / MILLION, 2) >= 1000:
        return _grouped(d / BILLION) + " billion"
    if d >= MILLION:
        return _grouped(d / MILLION) + " million"
    return _grouped(d)


def unit_for(value: float | int | Decimal, unit: str) -> str:
    """``unit`` (a catalogue plural: deaths, person-times) in the singular for exactly 1."""
    if _decimal(value) == 1 and unit not in INVARIANT_UNITS and unit.endswith("s"):
        return unit[:-1]
    return unit


def format_quantity(value: float | int | Decimal, unit: str) -> str:
    """(2, "deaths") → "2 deaths", (1, "deaths") → "1 death", (17120000, "yuan") → "17.12 million yuan"."""
    if not unit:
        return format_number(value)
    return f"{format_number(value)} {unit_for(value, unit)}"


def format_percent(value: float | int | Decimal) -> str:
    """One decimal: 12.5 → "12.5%", 30 → "30.0%", 1500 → "1,500.0%"."""
    return f"{_rounded(_decimal(value), 1):,f}%"


def exact(value: float | None) -> str:
    """The exact value with thousands separators and without trailing zeros (863,900; 91.92)."""
    return "—" if value is None else _grouped(_decimal(value))


def format_change(
    pct: float | int | Decimal, versus: str = "year on year", same: str = "unchanged year on year"
) -> str:
    """12.5 → "up 12.5% year on year", −30 → "down 30.0% year on year"; one rounding to 0.0% is ``same``."""
    rounded = _rounded(_decimal(pct), 1)
    if rounded == 0:
        return same
    return f"{'up' if rounded > 0 else 'down'} {format_percent(abs(rounded))} {versus}".rstrip()


def format_point_change(
    points: float | int | Decimal, versus: str = "year on year", same: str = "unchanged year on year"
) -> str:
    """1.23 → "up 1.2 percentage points year on year"."""
    rounded = _rounded(_decimal(points), 1)
    if rounded == 0:
        return same
    word = "point" if abs(rounded) == 1 else "points"
    return f"{'up' if rounded > 0 else 'down'} {format(abs(rounded), 'f')} percentage {word} {versus}"


def plural(n: int, one: str, many: str | None = None) -> str:
    """(1, "district") → "1 district", (3, "district") → "3 districts"."""
    return f"{format_number(n)} {one if n == 1 else (many or one + 's')}"


def join_and(items: list[str], separator: str = ", ") -> str:
    """["a", "b", "c"] → "a, b and c"."""
    if len(items) <= 1:
        return "".join(items)
    return separator.join(items[:-1]) + " and " + items[-1]


# ----------------------------------------------------------------------------- months and periods


def format_months(months: list[int]) -> str:
    """[3, 4] → "March and April"."""
    return join_and([calendar.month_name[m] for m in sorted(months)])


def month_span(first: int, last: int, year: int) -> str:
    """(1, 3, 2024) → "January–March 2024", (6, 6, 2024) → "June 2024"."""
    if first == last:
        return f"{calendar.month_name[first]} {year}"
    return f"{calendar.month_name[first]}–{calendar.month_name[last]} {year}"


def period_name(p: Period) -> str:
    """How the English bulletin names a period: March 2025, Q1 2025, H1 2025, 2025, January–September 2025."""
    if p.kind == "range":
        return month_span(p.month_from, p.month_to, p.year)
    return p.en


def ordinal(n: int) -> str:
    """1 → "1st", 2 → "2nd", 11 → "11th", 23 → "23rd"."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# ----------------------------------------------------------------------------- places


def name(code: str, chinese: str) -> str:
    """The English name of the district ``code`` called ``chinese`` (河东区 → "Hedong District")."""
    return english_name(code, chinese)


def full_name(place: ReportDistrict) -> str:
    """Heping District, Tianjin; Hedong District, Linyi; Chengdu, Sichuan; a province or municipality alone."""
    own = english_name(place.code, place.name)
    if place.level == DistrictLevel.province or len(place.code) != 6:
        return own
    province = place.code[:2] + "0000"
    province_name = english_name(province, "")
    if place.level == DistrictLevel.city:
        return own if is_municipality(province) else f"{own}, {province_name}".rstrip(", ")
    if is_municipality(province):
        return f"{own}, {province_name}"
    # A county's full Chinese name is its parent's name followed by its own (临沂市河东区): the
    # parent is a city (371300), or the province itself for a county directly under it.
    parent_name = place.full_name.removesuffix(place.name)
    if not parent_name or parent_name == place.full_name:
        return own
    parent_code = province if parent_name.endswith(("省", "自治区")) else place.code[:4] + "00"
    return f"{own}, {english_name(parent_code, parent_name)}"


def area(word: str) -> str:
    """全市 → "the city"."""
    return AREA_WORDS.get(word, "the area")
