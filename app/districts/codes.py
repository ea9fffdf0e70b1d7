"""Division codes (GB/T 2260) as areas: prefixes, the country, who reports, pseudo-cities.

Codes nest by prefix: a province XX0000 covers every code starting XX, a city XXYY00 every code
starting XXYY, a county its own code (and its 9-digit townships). So "under an area" is a prefix
test in Python and a range of codes in SQL.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, not_, or_, true

# The whole country as an area of totals and series: no row in the district table, the code common
# GB/T 2260 datasets give 中华人民共和国, readable only by callers whose scope is the whole country.
COUNTRY_CODE = "100000"
COUNTRY_NAME = "全国"

# Taiwan (71), Hong Kong (81) and Macau (82) are in GB/T 2260 but report to no bureau here: they are
# never expected to report and are left out of rankings and completeness.
NON_REPORTING_PREFIXES = ("71", "81", "82")

# GB/T 2260's placeholders between a municipality or province and its county-level districts:
# 天津市 → 市辖区 (120100) → 河东区. They are groupings of codes, not areas anyone reports for or
# compares, so listings and reports look through them to the districts under them.
PSEUDO_CITY_NAMES = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})
# 北京 11, 天津 12, 上海 31, 重庆 50: provinces whose districts sit under pseudo-cities, not real cities.
MUNICIPALITY_PREFIXES = frozenset({"11", "12", "31", "50"})


def code_prefix(code: str) -> str:
    """The prefix that every district under ``code`` (and ``code`` itself) starts with."""
    if len(code) == 6 and code.endswith("0000"):
        return code[:2]
    if len(code) == 6 and code.endswith("00"):
        return code[:4]
    return code


def is_under(code: str, area: str) -> bool:
    """``code`` is ``area`` or lies under it (the country holds every code)."""
    return area == COUNTRY_CODE or code.startswith(code_prefix(area))


def is_reporting(code: str) -> bool:
    """Whether districts with ``code`` are expected to report (not Taiwan, Hong Kong or Macau)."""
    return not code.startswith(NON_REPORTING_PREFIXES)


def is_pseudo_city(name: str) -> bool:
    """A city-level row that only groups county-level districts (its name says so, e.g. 市辖区)."""
    return name in PSEUDO_CITY_NAMES


def is_municipality(code: str) -> bool:
    return len(code) == 6 and code.endswith("0000") and code[:2] in MUNICIPALITY_PREFIXES


def in_area(column: ColumnElement[str], code: str | None) -> ColumnElement[bool]:
    """``column`` (a district code) is ``code`` or lies under it; ``None`` is the whole country.

    A range rather than LIKE: both databases answer a range from a b-tree index whatever the
    collation, and for digit strings the two are the same set.
    """
    if code is None or code == COUNTRY_CODE:
        return true()
    prefix = code_prefix(code)
    if prefix == code:
        return column == code
    upper = str(int(prefix) + 1).zfill(len(prefix))
    if len(upper) > len(prefix):  # "99…": no upper neighbour of the same length
        return column.startswith(prefix, autoescape=True)
    return and_(column >= prefix, column < upper)


def reporting_area(column: ColumnElement[str]) -> ColumnElement[bool]:
    """Districts expected to report (not Taiwan, Hong Kong or Macau)."""
    return not_(or_(*(in_area(column, p + "0000") for p in NON_REPORTING_PREFIXES)))


def one_of(column: ColumnElement[str], codes: list[str] | None) -> ColumnElement[bool]:
    """``column`` is one of ``codes``; ``None`` is every code."""
    if codes is None:
        return true()
    if len(codes) == 1:
        return column == codes[0]
    return column.in_(codes)
