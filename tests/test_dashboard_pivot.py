"""The Data page's pivot (dashboard/pivot.py) on hand-made rows: sums of what was reported, empty
where nothing was (never 0), exact in decimals, subtotals by city or quarter, totals."""

from __future__ import annotations

from typing import Any

from dashboard import pivot

INDICATORS = [("a", "检查（家次）"), ("fine", "罚款（元）")]
GROUPS = {"130102": ("130100", "石家庄市"), "130104": ("130100", "石家庄市"), "130202": ("130200", "唐山市")}


def row(district: str, name: str, month: int, a: Any, fine: Any) -> dict[str, Any]:
    return {"district": district, "district_name": name, "month": f"2021-{month:02d}", "a": a, "fine": fine}


ROWS = [
    row("130102", "长安区", 1, 3, 0.1),
    row("130102", "长安区", 2, None, 0.2),
    row("130104", "桥西区", 1, 5, None),
    row("130202", "路南区", 1, None, None),
    row("130202", "路南区", 4, 7, 1.25),
]


def test_districts_by_month_with_city_subtotals_and_totals() -> None:
    built = pivot.build(
        ROWS,
        rows_by="district",
        columns_by="month",
        indicator="a",
        indicators=INDICATORS,
        groups=GROUPS,
        year=2021,
        lang="zh",
    )
    assert [c[1] for c in built.columns][:4] == ["区划代码", "区划名称", "2021年1月", "2021年2月"]
    assert built.columns[-1][1] == "全年合计"
    keyed = [(r["key"], r["name"], r["kind"]) for r in built.rows]
    assert keyed == [
        ("130102", "长安区", "item"),
        ("130104", "桥西区", "item"),
        ("130100", "石家庄市小计", "subtotal"),
        ("130202", "路南区", "item"),
        ("130200", "唐山市小计", "subtotal"),
        ("合计", "", "total"),
    ]
    changan, _qiaoxi, shijiazhuang, lunan, _tangshan, total = built.rows
    assert changan["m01"] == 3 and changan["m02"] is None and changan["row_total"] == 3
    assert lunan["m01"] is None  # reported nothing: empty, not 0
    assert shijiazhuang["m01"] == 8 and total["m01"] == 8 and total["m04"] == 7
    assert total["m03"] is None and total["row_total"] == 15


def test_months_by_indicator_with_quarters_exact_decimals() -> None:
    built = pivot.build(
        ROWS,
        rows_by="month",
        columns_by="indicator",
        indicator=None,
        indicators=INDICATORS,
        groups={},
        year=2021,
        lang="zh",
    )
    labels = [r["key"] for r in built.rows]
    assert labels == ["2021年1月", "2021年2月", "第一季度小计", "2021年4月", "第二季度小计", "合计"]
    january, february, q1, _april, _q2, total = built.rows
    assert january["a"] == 8 and january["fine"] == 0.1 and february["a"] is None
    assert q1["fine"] == 0.3  # 0.1 + 0.2, exactly
    assert total["fine"] == 1.55 and total["a"] == 15
    assert "row_total" not in total  # indicators of different units are never added together


def test_a_single_city_has_no_subtotals_and_months_by_months_shows_indicators() -> None:
    one_city = [r for r in ROWS if r["district"] != "130202"]
    built = pivot.build(
        one_city,
        rows_by="district",
        columns_by="indicator",
        indicator=None,
        indicators=INDICATORS,
        groups=GROUPS,
        year=2021,
        lang="en",
    )
    assert [r["kind"] for r in built.rows] == ["item", "item", "total"] and built.rows[-1]["key"] == "Total"
    again = pivot.build(
        ROWS,
        rows_by="month",
        columns_by="month",
        indicator="a",
        indicators=INDICATORS,
        groups={},
        year=2021,
        lang="en",
    )
    assert [c[0] for c in again.columns] == ["key", "a", "fine"]
    assert again.rows[0]["key"] == "Jan 2021" and again.rows[2]["key"] == "Q1 subtotal"
    assert (
        pivot.build(
            [],
            rows_by="district",
            columns_by="month",
            indicator="a",
            indicators=INDICATORS,
            groups={},
            year=2021,
            lang="zh",
        ).rows
        == []
    )
