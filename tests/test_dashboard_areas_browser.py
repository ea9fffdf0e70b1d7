"""Issue 15 in a real browser (Debian's Chromium, headless) against a real server: Chongqing's and
Tianjin's districts compared (never 市辖区/县), no picker offering a pseudo-city, a link to an area
outside the scope or unknown answered by a notice that stays (no silent switch) with a way home, and
empty years saying 暂无数据 with a year picker of the years that have data."""

from __future__ import annotations

import csv
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ARTIFACTS, LiveServer
from tests.test_dashboard_browser import Watch, open_page, wait_drawn

SEED_DISTRICTS = Path(__file__).resolve().parents[1] / "seed" / "data" / "districts.csv"
PSEUDO = {"市辖区", "县"}


def counties(prefix: str) -> dict[str, str]:
    """The county-level districts of the seed's division table under ``prefix`` (code → name)."""
    with SEED_DISTRICTS.open(encoding="utf-8") as fh:
        return {
            r["code"]: r["name"] for r in csv.DictReader(fh) if r["level"] == "county" and r["code"].startswith(prefix)
        }


def signed_in(browser: Any, live_server: LiveServer, scope: str, *, lang: str = "zh-CN") -> tuple[Any, Any, Watch]:
    name, password = f"areas-{uuid.uuid4().hex[:8]}", "areas-pass-2026"
    made = live_server.cli(
        "users", "create", "--name", name, "--role", "viewer", "--district", scope, "--password", password
    )
    assert made.returncode == 0, made.stderr
    context = browser.new_context(locale=lang, viewport={"width": 1440, "height": 900})
    page = context.new_page()
    watch = Watch(page)
    page.goto(live_server.url + "/dashboard/login")
    page.fill("#username", name)
    page.fill("#password", password)
    page.click("#login-submit")
    page.wait_for_selector(f"#signed-in-user:has-text('{name}')", timeout=20000)
    return context, page, watch


@pytest.fixture
def tianjin(live_server: LiveServer, browser: Any) -> Iterator[tuple[Any, Watch]]:
    context, page, watch = signed_in(browser, live_server, "120000")
    yield page, watch
    context.close()


@pytest.fixture
def chongqing(live_server: LiveServer, browser: Any) -> Iterator[tuple[Any, Watch]]:
    context, page, watch = signed_in(browser, live_server, "500000")
    yield page, watch
    context.close()


def plotted(page: Any, graph_id: str) -> dict[str, Any]:
    """The first trace plotly drew in ``graph_id`` (its data as the browser holds it)."""
    return page.evaluate(
        """(id) => { const gd = document.querySelector('#' + id + ' .js-plotly-plot');
                    const t = gd.data[0]; return {y: t.y, customdata: t.customdata}; }""",
        graph_id,
    )


def picker_options(page: Any, param: str, search: str | None = None) -> list[str]:
    """The options the ``param`` dropdown offers (after typing ``search``), as the reader sees them."""
    page.click(f"#control-{param} .dash-dropdown")
    if search:
        box = page.locator("input.dash-dropdown-search")
        box.fill(search)
    page.wait_for_timeout(500)
    # Options only (role "option"): not the "No options found" line an empty search shows.
    options = [o.strip() for o in page.locator(".dash-dropdown-options [role=option]").all_inner_texts()]
    page.keyboard.press("Escape")
    return options


def test_chongqing_compares_its_districts_not_its_pseudo_cities(
    chongqing: tuple[Any, Watch], live_server: LiveServer
) -> None:
    page, watch = chongqing
    expected = counties("50")
    open_page(page, live_server.url + "/dashboard/districts?district=500000&year=2020")
    bars = plotted(page, "ranking-graph")
    assert sorted(bars["customdata"]) == sorted(expected) and len(bars["y"]) == len(expected)
    assert not PSEUDO & set(bars["y"]) and "渝北区" in bars["y"]
    heat = page.evaluate("() => document.querySelector('#heatmap-graph .js-plotly-plot').data[0].y.length")
    assert heat == len(expected)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-areas-chongqing.png"), full_page=True)
    # The picker offers Chongqing's districts, never 市辖区 500100 or 县 500200.
    assert picker_options(page, "district", "500100") == []
    assert picker_options(page, "district", "500200") == []
    assert any("渝北区 500112" in o for o in picker_options(page, "district", "渝北"))
    # An old link to 县 500200 opens Chongqing with its districts, and says why.
    open_page(page, live_server.url + "/dashboard/districts?district=500200&year=2020")
    assert "不是统计地区" in page.inner_text("#area-note") and "重庆市（500000）" in page.inner_text("#area-note")
    assert sorted(plotted(page, "ranking-graph")["customdata"]) == sorted(expected)
    assert watch.problems == []


def test_tianjin_lists_its_16_districts_on_every_page(tianjin: tuple[Any, Watch], live_server: LiveServer) -> None:
    page, watch = tianjin
    expected = counties("12")
    assert len(expected) == 16
    for path in ("/dashboard/", "/dashboard/districts", "/dashboard/completeness", "/dashboard/data"):
        open_page(page, live_server.url + path + "?district=120000&year=2021")
        assert picker_options(page, "district", "市辖区") == [], path
        offered = picker_options(page, "district", "区 12")
        assert sum(any(f"{name} {code}" in o for o in offered) for code, name in expected.items()) == 16, path
    open_page(page, live_server.url + "/dashboard/completeness?district=120000&year=2021")
    rows = page.evaluate("() => document.querySelector('#completeness-graph .js-plotly-plot').data[0].y")
    assert len(rows) == 16 and not any(r.startswith("市辖区") for r in rows)
    # A link to 市辖区 120100 shows Tianjin, with a note that stays.
    open_page(page, live_server.url + "/dashboard/districts?district=120100&year=2021")
    assert "天津市（120000）" in page.inner_text("#area-note")
    assert sorted(plotted(page, "ranking-graph")["customdata"]) == sorted(expected)
    assert "天津市" in page.inner_text("#control-district")
    assert watch.problems == []


@pytest.mark.parametrize(("asked", "status", "says"), [("110000", "403", "无权查看"), ("999999", "404", "未找到地区")])
def test_an_area_outside_the_scope_or_unknown_is_a_notice_that_stays(
    tianjin: tuple[Any, Watch], live_server: LiveServer, asked: str, status: str, says: str
) -> None:
    page, watch = tianjin
    for path in ("/dashboard/", "/dashboard/districts"):
        open_page(page, live_server.url + f"{path}?district={asked}&year=2021")
        page.wait_for_timeout(2500)  # long enough for any callback to have switched the area
        error = page.locator("#page-error")
        assert error.is_visible() and says in error.inner_text(), path
        assert error.get_attribute("data-status") == status
        assert f"district={asked}" in page.url, page.url  # never a silent switch to the reader's area
        assert page.query_selector("#kpi-grid") is None and page.query_selector("#ranking-graph") is None
        assert asked in page.inner_text("#control-district")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"dashboard-area-{status}.png"), full_page=True)
    # English: Chinese first, then English.
    open_page(page, live_server.url + f"/dashboard/districts?district={asked}&year=2021&lang=en")
    text = page.inner_text("#page-error")
    english = "outside the scope" if status == "403" else "No district with code"
    assert says in text and english in text and text.index(says) < text.index(english)
    # The way home: the reader's own area, same page, year and language.
    page.click("#area-home-link")
    page.wait_for_url(re.compile(r"/dashboard/districts\?district=120000&year=2021&lang=en"))
    wait_drawn(page)
    assert page.query_selector("#page-error") is None and "Tianjin" in page.inner_text("#page-heading")
    assert watch.problems == []


def test_empty_years_say_no_data_and_the_year_picker_offers_years_with_data(
    tianjin: tuple[Any, Watch], live_server: LiveServer
) -> None:
    page, watch = tianjin
    open_page(page, live_server.url + "/dashboard/?district=120102&year=2018")
    for graph_id in ("monthly-graph", "trend-graph"):
        assert page.text_content(f"#{graph_id} .annotation-text") == "暂无数据", graph_id
        assert page.query_selector(f"#{graph_id} .xtick") is None, graph_id  # no empty axes
    years = picker_options(page, "year")
    assert years == [f"{y}年" for y in range(2026, 2018, -1)] + ["2018年"]  # 2018: the link's, kept
    open_page(page, live_server.url + "/dashboard/districts?district=120000&year=2018&lang=en")
    assert page.text_content("#ranking-graph .annotation-text") == "No data"
    assert page.text_content("#heatmap-graph .annotation-text") == "No data"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-empty-year.png"), full_page=True)
    # A year with data draws its charts.
    open_page(page, live_server.url + "/dashboard/?district=120102&year=2021")
    assert page.query_selector("#monthly-graph .annotation-text") is None
    assert page.query_selector("#monthly-graph .xtick") is not None
    assert watch.problems == []
