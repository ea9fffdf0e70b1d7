"""历史数据导入 in a real browser (Debian's Chromium, headless) against a real server: a clerk pastes
a paragraph of a published annual report, sees each proposed figure marked in the text, edits one,
rejects one, stores the year; the overview's trend then shows the year marked 年报数据 (a labelled,
hatched bar whose hover says so). A screenshot of the page goes to tests/artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import ARTIFACTS, LiveServer
from tests.test_dashboard_browser import Watch, wait_drawn
from tests.test_dashboard_reporting_browser import signed_in

CLERK = ("hedong-historian", "historian-pass-2026")
DISTRICT = "120102"  # 河东区: the demo seed's months start in 2019, so 2018 has none
REPORT = (
    "天津市河东区应急管理局2018年度法治政府建设情况报告\n\n"
    "2018年，河东区应急管理局共检查生产经营单位807家次，发现并督促整改安全隐患2,135项，"
    "立案查处行政处罚案件46件，罚款金额合计171.2万元。全年组织应急演练38次。"
)


@pytest.fixture
def clerk(live_server: LiveServer, browser: Any) -> Iterator[tuple[Any, Watch]]:
    made = live_server.cli(
        "users", "create", "--name", CLERK[0], "--role", "staff", "--district", DISTRICT, "--password", CLERK[1]
    )
    assert made.returncode == 0, made.stderr
    context, page, watch = signed_in(browser, live_server, CLERK)
    yield page, watch
    context.close()


def row(page: Any, indicator: str) -> Any:
    return page.locator(f'#history-proposals tr[data-indicator="{indicator}"]')


def test_a_clerk_imports_a_year_from_a_report_and_the_overview_marks_it(
    clerk: tuple[Any, Watch], live_server: LiveServer
) -> None:
    page, watch = clerk
    page.goto(live_server.url + f"/dashboard/history?district={DISTRICT}")
    page.wait_for_selector("#history-text", timeout=30000)
    assert page.is_visible("#nav-history") and "历史数据导入" in page.inner_text("#nav-history")
    page.fill("#history-text", REPORT)
    page.click("#history-extract")
    page.wait_for_selector("#history-proposals", timeout=30000)

    # The text with each proposed figure marked; district and year from the title.
    marks = page.locator("#history-read mark")
    assert marks.all_inner_texts() == ["807家次", "2,135项", "46件", "171.2万元", "38次"]
    assert "标题中的“2018年”" in page.inner_text("#history-how")
    assert "2018年" in page.inner_text("#history-year") and "河东区" in page.inner_text("#history-district")
    assert "执法检查" in row(page, "inspection.enterprises").inner_text()

    # Edit one value, reject one: its mark is struck through.
    row(page, "inspection.hazards_found").locator("input[type=text]").fill("2136")
    row(page, "drill.drills").locator("label:has-text('不采纳')").click()
    page.wait_for_selector("#history-read mark.proposal-rejected", timeout=30000)
    assert page.locator("#history-read mark.proposal-rejected").inner_text() == "38次"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-history.png"), full_page=True)

    page.click("#history-store")
    page.wait_for_selector("#history-saved", timeout=30000)
    saved = page.inner_text("#history-saved")
    assert "已保存河东区2018年年度数据：新增 4 项" in saved
    assert "2136" in saved.replace(",", "") and "应急演练" not in saved

    # The overview's trend: 2018 counted from the annual report, marked 年报数据.
    page.click("#history-saved a")
    page.wait_for_selector("#trend-graph", timeout=30000)
    wait_drawn(page)
    page.screenshot(path=str(ARTIFACTS / "dashboard-history-overview.png"), full_page=True)
    assert "2018年的数据来自年报" in page.inner_text("#annual-note")
    assert "年报数据" in page.locator("#trend-graph .annotation-text").all_text_contents()
    hover = page.evaluate("() => document.querySelector('#trend-graph .js-plotly-plot').data[0].hovertext")
    years = page.evaluate("() => document.querySelector('#trend-graph .js-plotly-plot').data[0].x")
    assert years[0] == 2018 and "807家次" in hover[0] and "年报数据" in hover[0]
    assert "年报数据" not in hover[years.index(2021)]
    assert watch.problems == []
