"""How an English bulletin writes what the Chinese one does: numbers (1,234; 16.3 million; 1.2 billion),
quantities with their unit in the singular or plural (1 death, 2 deaths), changes (up 12.5% year on
year), periods (Q1 2025, January–September 2025), months and the names of places.

The figures are the Chinese bulletin's (``app.reports.bulletin`` builds both from one set of
statistics); only the wording is here. Place names come from ``ENGLISH_NAMES``: provinces and the
districts of Tianjin and Chongqing (the demo's municipalities); a place not listed keeps its Chinese
name.
"""

from __future__ import annotations

import calendar
from decimal import ROUND_HALF_UP, Decimal

from app.core.periods import Period
from app.districts.codes import is_municipality
from app.districts.models import DistrictLevel
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

ENGLISH_NAMES = {
    # Provinces, municipalities and autonomous regions.
    "110000": "Beijing",
    "120000": "Tianjin",
    "130000": "Hebei",
    "140000": "Shanxi",
    "150000": "Inner Mongolia",
    "210000": "Liaoning",
    "220000": "Jilin",
    "230000": "Heilongjiang",
    "310000": "Shanghai",
    "320000": "Jiangsu",
    "330000": "Zhejiang",
    "340000": "Anhui",
    "350000": "Fujian",
    "360000": "Jiangxi",
    "370000": "Shandong",
    "410000": "Henan",
    "420000": "Hubei",
    "430000": "Hunan",
    "440000": "Guangdong",
    "450000": "Guangxi",
    "460000": "Hainan",
    "500000": "Chongqing",
    "510000": "Sichuan",
    "520000": "Guizhou",
    "530000": "Yunnan",
    "540000": "Tibet",
    "610000": "Shaanxi",
    "620000": "Gansu",
    "630000": "Qinghai",
    "640000": "Ningxia",
    "650000": "Xinjiang",
    "710000": "Taiwan",
    "810000": "Hong Kong",
    "820000": "Macao",
    # Tianjin's districts.
    "120101": "Heping District",
    "120102": "Hedong District",
    "120103": "Hexi District",
    "120104": "Nankai District",
    "120105": "Hebei District",
    "120106": "Hongqiao District",
    "120110": "Dongli District",
    "120111": "Xiqing District",
    "120112": "Jinnan District",
    "120113": "Beichen District",
    "120114": "Wuqing District",
    "120115": "Baodi District",
    "120116": "Binhai New Area",
    "120117": "Ninghe District",
    "120118": "Jinghai District",
    "120119": "Jizhou District",
    # Chongqing's districts and counties.
    "500101": "Wanzhou District",
    "500102": "Fuling District",
    "500103": "Yuzhong District",
    "500104": "Dadukou District",
    "500105": "Jiangbei District",
    "500106": "Shapingba District",
    "500107": "Jiulongpo District",
    "500108": "Nan'an District",
    "500109": "Beibei District",
    "500110": "Qijiang District",
    "500111": "Dazu District",
    "500112": "Yubei District",
    "500113": "Banan District",
    "500114": "Qianjiang District",
    "500115": "Changshou District",
    "500116": "Jiangjin District",
    "500117": "Hechuan District",
    "500118": "Yongchuan District",
    "500119": "Nanchuan District",
    "500120": "Bishan District",
    "500151": "Tongliang District",
    "500152": "Tongnan District",
    "500153": "Rongchang District",
    "500154": "Kaizhou District",
    "500155": "Liangping District",
    "500156": "Wulong District",
    "500157": "Liangjiang New Area",
    "500229": "Chengkou County",
    "500230": "Fengdu County",
    "500231": "Dianjiang County",
    "500233": "Zhong County",
    "500235": "Yunyang County",
    "500236": "Fengjie County",
    "500237": "Wushan County",
    "500238": "Wuxi County",
    "500240": "Shizhu Tujia Autonomous County",
    "500241": "Xiushan Tujia and Miao Autonomous County",
    "500242": "Youyang Tujia and Miao Autonomous County",
    "500243": "Pengshui Miao and Tujia Autonomous County",
}


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


def name(code: str, fallback: str) -> str:
    """The English name of the district ``code``, or ``fallback`` (its Chinese name) when none is known."""
    return ENGLISH_NAMES.get(code, fallback)


def full_name(place: ReportDistrict) -> str:
    """Heping District, Tianjin; a province or municipality alone; the Chinese name when the place has none."""
    own = ENGLISH_NAMES.get(place.code)
    if own is None:
        return place.full_name
    if place.level == DistrictLevel.province or len(place.code) != 6:
        return own
    province = place.code[:2] + "0000"
    if place.level == DistrictLevel.city:
        return own if is_municipality(province) else f"{own}, {name(province, '')}".rstrip(", ")
    parent = province if is_municipality(province) else place.code[:4] + "00"
    above = ENGLISH_NAMES.get(parent)
    return f"{own}, {above}" if above else own


def area(word: str) -> str:
    """全市 → "the city"."""
    return AREA_WORDS.get(word, "the area")
