"""The Data page's grid, Excel file and pivot view in a real browser (headless Chromium) against a
real server (issue 15): month labels shown whole, a row counter that follows the grid's filters, an
Excel download with a title/scope row, frozen header, widths and a totals row of the rows shown, and
a pivot (交叉表) with subtotals and totals that follows the same filters and downloads as shown —
Tianjin's districts and Chongqing's 38 districts (never 市辖区 or 县) included.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.conftest import ARTIFACTS, LiveServer
from tests.test_dashboard_browser import Watch, leader_page, open_page  # noqa: F401  (fixture)

HEDONG = "/dashboard/data?district=120102&year=2021"
CHONGQING = ("cq_leader", "chongqing-pass-2021")
PIVOT_ROWS = "() => dash_ag_grid.getApi('pivot-grid').getDisplayedRowCount()"


def pivot_rows(page: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = page.evaluate(
        """() => { const out = [];
                   dash_ag_grid.getApi('pivot-grid').forEachNode(n => out.push(n.data)); return out; }"""
    )
    return rows


def grid_total(page: Any, field: str) -> float:
    total: float = page.evaluate(
        """(field) => { let s = 0; dash_ag_grid.getApi('values-grid').forEachNodeAfterFilter(
               n => { if (n.data[field] != null) s += n.data[field]; }); return s; }""",
        field,
    )
    return total


def choose_option(page: Any, control: str, option: str) -> None:
    page.click(f"#{control}-box .dash-dropdown")
    page.get_by_role("option", name=option).first.click()


@pytest.fixture
def chongqing_page(live_server: LiveServer, browser: Any) -> Iterator[tuple[Any, Watch]]:
    made = live_server.cli(
        *("users", "create", "--name", CHONGQING[0], "--role", "viewer"),
        *("--district", "500000", "--password", CHONGQING[1]),
    )
    assert made.returncode == 0 or "exists" in (made.stderr + made.stdout), made.stderr
    context = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 900}, accept_downloads=True)
    page = context.new_page()
    watch = Watch(page)
    page.goto(live_server.url + "/dashboard/login")
    page.fill("#username", CHONGQING[0])
    page.fill("#password", CHONGQING[1])
    page.click("#login-submit")
    page.wait_for_selector(f"#signed-in-user:has-text('{CHONGQING[0]}')", timeout=20000)
    yield page, watch
    context.close()


def test_month_labels_are_whole_and_the_counter_and_excel_follow_the_filters(
    leader_page: tuple[Any, Watch],  # noqa: F811  (the fixture imported above)
    live_server: LiveServer,
) -> None:
    page, watch = leader_page
    page.set_viewport_size({"width": 1440, "height": 900})
    open_page(page, live_server.url + HEDONG)
    page.wait_for_selector("#values-grid .ag-row")
    # Every month label shows whole ("2021年12月", never "2021年1…"): its text fits its cell.
    cut = page.evaluate(
        """() => [...document.querySelectorAll('#values-grid .ag-pinned-left-cols-container .ag-cell')]
               .filter(c => c.scrollWidth > c.clientWidth).map(c => c.innerText)"""
    )
    assert cut == []
    months = page.locator("#values-grid .ag-pinned-left-cols-container [col-id='month']").all_inner_texts()
    assert "2021年12月" in months and len(months) == 12
    assert page.inner_text("#values-count").strip() == "12 行"

    page.locator("#values-grid .ag-floating-filter input").nth(2).fill("2021-0")
    page.wait_for_function("() => document.getElementById('values-count').innerText.includes('显示 9 行')")
    assert page.inner_text("#values-count").strip() == "显示 9 行（共 12 行）"

    with page.expect_download() as download:
        page.click("#download-xlsx")
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    title = str(sheet["A1"].value)
    assert title.startswith("河东区（120102） · 2021年 · 月度数据 · 数据截至：")
    assert sheet.freeze_panes == "D3"
    header = [c.value for c in sheet[2]]
    body = list(sheet.iter_rows(min_row=3, values_only=True))
    assert [r[2] for r in body[:-1]] == [f"2021-0{m}" for m in range(1, 10)]
    column = header.index("执法检查（家次）")
    assert body[-1][0] == "合计"
    assert body[-1][column] == sum(r[column] for r in body[:-1]) == grid_total(page, "inspection__enterprises")
    assert sheet.column_dimensions["C"].width >= 9

    # Cleared, the counter says all rows again.
    page.locator("#values-grid .ag-floating-filter input").nth(2).fill("")
    page.wait_for_function("() => document.getElementById('values-count').innerText.trim() === '12 行'")
    assert watch.problems == []


def test_the_pivot_totals_districts_by_month_and_follows_the_filters(
    leader_page: tuple[Any, Watch],  # noqa: F811  (the fixture imported above)
    live_server: LiveServer,
) -> None:
    page, watch = leader_page
    page.set_viewport_size({"width": 1440, "height": 900})
    open_page(page, live_server.url + "/dashboard/data?district=120000&year=2021")
    page.wait_for_selector("#pivot-grid .ag-row")
    rows = pivot_rows(page)
    items = [r for r in rows if r["kind"] == "item"]
    total = rows[-1]
    assert total["kind"] == "total" and total["key"] == "合计"
    assert len(items) >= 16 and all(re.fullmatch(r"1201\d\d", r["key"]) for r in items)
    assert not any(r["name"] in ("市辖区", "县") for r in rows)
    # Each district's year total adds its months; the total row adds the districts; the grand total
    # is what the grid holds.
    for row in items:
        months = [row[f"m{m:02d}"] for m in range(1, 13) if row[f"m{m:02d}"] is not None]
        assert row["row_total"] == pytest.approx(sum(months))
    for m in range(1, 13):
        field = f"m{m:02d}"
        assert total[field] == pytest.approx(sum(r[field] or 0 for r in items))
    assert total["row_total"] == pytest.approx(grid_total(page, "inspection__enterprises"))
    page.screenshot(path=str(ARTIFACTS / "dashboard-pivot.png"), full_page=True)

    # The grid's filter applies to the pivot: one district left, one item row and its total.
    page.locator("#values-grid .ag-floating-filter input").nth(0).fill("120102")
    page.wait_for_function(f"() => ({PIVOT_ROWS[6:]}) === 2")
    rows = pivot_rows(page)
    assert [r["key"] for r in rows] == ["120102", "合计"]
    assert rows[1]["row_total"] == pytest.approx(grid_total(page, "inspection__enterprises"))

    # Months down the side, indicators across: quarterly subtotals, then the total.
    choose_option(page, "pivot-rows", "月份")
    page.wait_for_function(f"() => ({PIVOT_ROWS[6:]}) === 12 + 4 + 1")
    rows = pivot_rows(page)
    labels = [r["key"] for r in rows]
    assert labels[:4] == ["2021年1月", "2021年2月", "2021年3月", "第一季度小计"]
    assert labels[-1] == "合计"
    q1 = rows[3]
    assert q1["inspection__enterprises"] == pytest.approx(sum(r["inspection__enterprises"] or 0 for r in rows[:3]))
    header = page.locator("#pivot-grid .ag-header-cell-text").all_inner_texts()
    assert "执法检查（家次）" in header

    with page.expect_download() as download:
        page.click("#pivot-download-xlsx")
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    assert str(sheet["A1"].value).startswith("天津市")
    body = list(sheet.iter_rows(min_row=3, values_only=True))
    assert [r[0] for r in body] == labels  # exported as shown
    shown_header = [c.value for c in sheet[2]]
    column = shown_header.index("执法检查（家次）")
    assert [r[column] for r in body] == [r["inspection__enterprises"] for r in rows]
    assert sheet["A4"].font.b is False or sheet["A4"].font.b is None
    assert sheet.cell(6, 1).font.b  # 第一季度小计 in bold
    assert watch.problems == []


def test_chongqing_pivot_lists_its_38_districts(chongqing_page: tuple[Any, Watch], live_server: LiveServer) -> None:
    page, watch = chongqing_page
    open_page(page, live_server.url + "/dashboard/data?district=500000&year=2020")
    page.wait_for_selector("#pivot-grid .ag-row")
    rows = pivot_rows(page)
    items = [r for r in rows if r["kind"] == "item"]
    grid_codes = page.evaluate(
        """() => { const s = new Set();
                   dash_ag_grid.getApi('values-grid').forEachNode(n => s.add(n.data.district)); return [...s]; }"""
    )
    assert [r["key"] for r in items] == sorted(grid_codes)
    # Its 38 districts and counties, and 两江新区 (a new area that reports on its own, 500157).
    assert len(items) == 39 and "两江新区" in [r["name"] for r in items]
    assert all(r["key"].startswith("50") and r["key"][2:4] in ("01", "02") for r in items)
    # Chongqing's 市辖区 and 县 group nothing: no subtotal rows, one total.
    assert [r["kind"] for r in rows].count("subtotal") == 0 and rows[-1]["kind"] == "total"
    assert not any(r["name"] in ("市辖区", "县") for r in rows)
    names = page.locator("#pivot-grid .ag-pinned-left-cols-container [col-id='name']").all_inner_texts()
    assert names  # drawn
    cells = "#pivot-grid .ag-pinned-left-cols-container .ag-cell, #values-grid .ag-pinned-left-cols-container .ag-cell"
    cut = page.evaluate(
        "(cells) => [...document.querySelectorAll(cells)]"
        ".filter(c => c.scrollWidth > c.clientWidth).map(c => c.innerText)",
        cells,
    )
    assert cut == []  # 彭水苗族土家族自治县 and the like show whole
    assert watch.problems == []
