"""The Data page's pivot view (交叉表), as FineReport users know it: districts or months down the
side, months or indicators across, with subtotals (by city, or by quarter) and totals.

It pivots the very rows the Data page's grid shows — the query layer's monthly values
(``queries.monthly_values``) with the grid's column filters applied — so both views always agree
and follow the same filters. A sum adds the figures that were reported; a cell where nothing was
reported stays empty (never 0), and a subtotal or total of nothing reported is empty too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from dashboard.formatting import MONTHS_EN

RowsBy = Literal["district", "month"]
ColumnsBy = Literal["month", "indicator"]
Kind = Literal["item", "subtotal", "total"]

QUARTERS_ZH = ("第一季度", "第二季度", "第三季度", "第四季度")
KEY_FIELD, NAME_FIELD, KIND_FIELD, TOTAL_FIELD = "key", "name", "kind", "row_total"


@dataclass
class Pivot:
    """A pivot as shown: its columns (field, header, figure or not) and its rows in display order,
    each row a dict with ``kind`` item, subtotal or total."""

    columns: list[tuple[str, str, bool]] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)


def _words(lang: str) -> dict[str, str]:
    zh = lang == "zh"
    return {
        "district": "区划代码" if zh else "District code",
        "district_name": "区划名称" if zh else "District",
        "month": "月份" if zh else "Month",
        "year_total": "全年合计" if zh else "Year total",
        "total": "合计" if zh else "Total",
        "subtotal": "小计" if zh else "subtotal",
        "row_total": "合计" if zh else "Total",
    }


def month_header(month: int, year: int | None, lang: str) -> str:
    if lang == "zh":
        return f"{year}年{month}月" if year else f"{month}月"
    return f"{MONTHS_EN[month - 1]} {year}" if year else MONTHS_EN[month - 1]


def add_up(values: Sequence[Any]) -> int | float | None:
    """The sum of the reported figures, exact in decimals; nothing reported → None (not 0)."""
    reported = [Decimal(repr(float(v))) for v in values if v is not None and v == v]
    if not reported:
        return None
    total = sum(reported, Decimal(0))
    return int(total) if total == total.to_integral_value() else float(round(total, 2))


def build(
    rows: Sequence[Mapping[str, Any]],
    *,
    rows_by: RowsBy,
    columns_by: ColumnsBy,
    indicator: str | None,
    indicators: Sequence[tuple[str, str]],
    groups: Mapping[str, tuple[str, str]],
    year: int | None,
    lang: str,
) -> Pivot:
    """Pivot the grid's ``rows`` (district, district_name, month "YYYY-MM", one field per indicator).

    ``indicators``: (grid field, header) of each indicator column, in catalogue order.
    ``indicator``: the grid field shown when the columns are months (or the rows districts and the
    columns months); ignored when the columns are indicators.
    ``groups``: county code → (group code, group name) for subtotals by city (or by province); a
    county not in it stands alone. Rows by month group by quarter."""
    words = _words(lang)
    if rows_by == "month" and columns_by == "month":
        columns_by = "indicator"  # months by months is no table: show the indicators across
    field_of = indicator or (indicators[0][0] if indicators else "")
    if columns_by == "month":
        value_columns = [(f"m{m:02d}", month_header(m, year, lang)) for m in range(1, 13)]
    else:
        value_columns = list(indicators)

    pivot = Pivot()
    if rows_by == "district":
        pivot.columns = [(KEY_FIELD, words["district"], False), (NAME_FIELD, words["district_name"], False)]
    else:
        pivot.columns = [(KEY_FIELD, words["month"], False)]
    pivot.columns += [(column, header, True) for column, header in value_columns]
    # A row total adds months up; indicators of different units are never added together.
    with_row_total = columns_by == "month"
    if with_row_total:
        pivot.columns.append((TOTAL_FIELD, words["year_total"], True))

    # Collect the figures of each pivot row and column.
    cells: dict[str, dict[str, list[Any]]] = {}
    names: dict[str, str] = {}
    for row in rows:
        if rows_by == "district":
            key = str(row["district"])
            names[key] = str(row.get("district_name") or "")
        else:
            key = str(row["month"])
        slot = cells.setdefault(key, {})
        if columns_by == "month":
            slot.setdefault("m" + str(row["month"])[5:7], []).append(row.get(field_of))
        else:
            for column, _header in value_columns:
                slot.setdefault(column, []).append(row.get(column))

    def line(key: str, name: str, figures: Mapping[str, list[Any]], kind: Kind) -> dict[str, Any]:
        out: dict[str, Any] = {KEY_FIELD: key, NAME_FIELD: name, KIND_FIELD: kind}
        for column, _header in value_columns:
            out[column] = add_up(figures.get(column, []))
        if with_row_total:
            out[TOTAL_FIELD] = add_up([out[c] for c, _h in value_columns])
        return out

    def merged(keys: Sequence[str]) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {}
        for key in keys:
            for column, values in cells[key].items():
                out.setdefault(column, []).extend(values)
        return out

    if rows_by == "district":
        ordered = sorted(cells)
        group_of = {key: groups.get(key) for key in ordered}
        grouped = len({g for g in group_of.values() if g is not None}) > 1
    else:
        ordered = sorted(cells)
        group_of = {key: _quarter(key, lang) for key in ordered}
        grouped = len(ordered) > 1
    current: tuple[str, str] | None = None
    members: list[str] = []

    def close_group() -> None:
        if grouped and current is not None and members:
            label = f"{current[1]} {words['subtotal']}" if lang == "en" else f"{current[1]}{words['subtotal']}"
            pivot.rows.append(line(current[0], label, merged(members), "subtotal"))

    for key in ordered:
        group = group_of[key]
        if group != current:
            close_group()
            current, members = group, []
        members.append(key)
        label = names.get(key, "") if rows_by == "district" else _month_label(key, lang)
        pivot.rows.append(line(label if rows_by == "month" else key, label, cells[key], "item"))
    close_group()
    if ordered:
        total = line(words["total"], "", merged(ordered), "total")
        pivot.rows.append(total)
    if rows_by == "month":  # one label column: the month, the quarter's 小计, 合计
        for row in pivot.rows:
            name = row.pop(NAME_FIELD)
            if row[KIND_FIELD] == "subtotal":
                row[KEY_FIELD] = name
    return pivot


def _quarter(month: str, lang: str) -> tuple[str, str]:
    q = (int(month[5:7]) - 1) // 3
    return (f"Q{q + 1}", QUARTERS_ZH[q] if lang == "zh" else f"Q{q + 1}")


def _month_label(month: str, lang: str) -> str:
    return month_header(int(month[5:7]), int(month[:4]), lang)


def table(pivot: Pivot) -> tuple[list[str], list[list[Any]], list[int], list[Kind]]:
    """The pivot as the spreadsheet writes it: headers, rows of cells, figure columns, row kinds."""
    headers = [header for _f, header, _n in pivot.columns]
    body = [[row.get(f) for f, _h, _n in pivot.columns] for row in pivot.rows]
    figures = [i for i, (_f, _h, numeric) in enumerate(pivot.columns) if numeric]
    kinds: list[Kind] = [row[KIND_FIELD] for row in pivot.rows]
    return headers, body, figures, kinds
