"""The Districts page's map in a real browser (Debian's Chromium) against a real server: real
boundaries drawn as a choropleth (Tianjin's 16 districts, Chongqing's 38 and a dot for the one without
a boundary), a click on an area opening its own comparison (province → city → county → its
Overview), the country's provinces or all its counties, and nothing fetched from outside or
logged as an error."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import ARTIFACTS, LiveServer
from tests.test_dashboard_browser import Watch, open_page, wait_drawn

PASSWORD = "map-viewer-pass-2021"
# The map's choropleth traces as the browser holds them: how many areas each colours.
AREAS = """() => {
    const plot = document.querySelector('#map-graph .js-plotly-plot');
    // The rows compared (and so clickable) carry customdata; areas shown only around them do not.
    const traces = plot.data.filter(t => t.type === 'choropleth' && t.customdata);
    return {
        coloured: traces.flatMap(t => t.locations),
        drawn: plot.querySelectorAll('path.choroplethlocation').length,
        context: plot.data.filter(t => t.type === 'choropleth' && !t.customdata).flatMap(t => t.locations),
        points: plot.data.filter(t => t.type === 'scattergeo' && t.mode === 'markers')
            .flatMap(t => t.customdata.map(c => c[0])),
    };
}"""
# A point of the page well inside the area ``code`` of the map: of a grid over its bounding box, the
# point inside it nearest the box's centre (the areas do not take the mouse themselves: plotly finds
# the area under the pointer).
POINT_IN_AREA = """(code) => {
    const paths = [...document.querySelectorAll('#map-graph path.choroplethlocation')];
    const path = paths.find(p => p.__data__ && p.__data__.loc === code);
    if (!path) return null;
    const box = path.getBoundingClientRect();
    const toPath = path.getScreenCTM().inverse();
    const grid = [];
    for (let i = 1; i < 20; i++) {
        for (let j = 1; j < 20; j++) grid.push([box.left + box.width * i / 20, box.top + box.height * j / 20]);
    }
    const middle = [box.left + box.width / 2, box.top + box.height / 2];
    const away = ([x, y]) => Math.hypot(x - middle[0], y - middle[1]);
    grid.sort((a, b) => away(a) - away(b));
    return grid.find(([x, y]) => path.isPointInFill(new DOMPoint(x, y).matrixTransform(toPath))) || null;
}"""


def viewer_page(live_server: LiveServer, browser: Any, name: str, *scope: str) -> tuple[Any, Any, Watch]:
    made = live_server.cli(
        "users", "create", "--name", name, "--role", "viewer", "--password", PASSWORD,
        *[arg for code in scope for arg in ("--district", code)],
    )  # fmt: skip
    assert made.returncode == 0 or "已存在" in made.stderr or "exists" in made.stderr, made.stderr
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    watch = Watch(page)
    # Anything the page asks of another host (a CDN's base map, tiles) fails here: say which.
    page.on(
        "request",
        lambda r: watch.problems.append(f"outside: {r.url}") if not r.url.startswith(live_server.url) else None,
    )
    page.goto(live_server.url + "/dashboard/login")
    page.fill("#username", name)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector(f"#signed-in-user:has-text('{name}')", timeout=20000)
    return context, page, watch


@pytest.fixture
def national_page(live_server: LiveServer, browser: Any) -> Iterator[tuple[Any, Watch]]:
    context, page, watch = viewer_page(live_server, browser, "map_nation")
    yield page, watch
    context.close()


def areas(page: Any) -> dict[str, Any]:
    # Plotly draws the areas once it has fetched their boundaries (a URL of the server).
    page.wait_for_function("() => document.querySelectorAll('#map-graph path.choroplethlocation').length > 0")
    return page.evaluate(AREAS)


def click_area(page: Any, code: str) -> None:
    point = page.evaluate(POINT_IN_AREA, code)
    assert point is not None, f"area {code} is not on the map"
    page.mouse.click(*point)


def wait_for_district(page: Any, path: str, code: str) -> None:
    page.wait_for_url(re.compile(rf"/dashboard{path}\?district={code}\b"), timeout=30000)
    page.wait_for_function(f"() => !!document.querySelector('#page-heading') && location.search.includes('{code}')")
    wait_drawn(page)


def test_tianjin_and_chongqing_are_drawn_with_every_district(
    national_page: tuple[Any, Watch], live_server: LiveServer
) -> None:
    page, watch = national_page
    open_page(page, live_server.url + "/dashboard/districts?district=120000&year=2021")
    tianjin = areas(page)
    assert len(tianjin["coloured"]) == 16 == tianjin["drawn"] == len(set(tianjin["coloured"]))
    assert all(code.startswith("12") for code in tianjin["coloured"]) and not tianjin["points"]
    assert page.query_selector("#map-note") is None
    # Central Tianjin's small districts carry no name on the map (they name themselves on hover).
    labels = page.evaluate(
        "() => [...document.querySelectorAll('#map-graph .scattergeo text')].map(t => t.textContent)"
    )
    assert "滨海新区" in labels and "和平区" not in labels and "河东区" not in labels
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator("#map-graph").screenshot(path=str(ARTIFACTS / "dashboard-map-tianjin.png"))

    open_page(page, live_server.url + "/dashboard/districts?district=500000&year=2020&measure=change")
    chongqing = areas(page)
    # Chongqing's 38 districts and counties, not its pseudo-cities 市辖区 and 县; 两江新区 (a new
    # area, no boundary in the data) is a dot, and the note says so.
    assert len(chongqing["coloured"]) == 38 == chongqing["drawn"]
    assert "500112" in chongqing["coloured"] and "500100" not in chongqing["coloured"]
    assert chongqing["points"] == ["500157"]
    assert "两江新区" in page.inner_text("#map-note")
    bars = page.evaluate("() => document.querySelector('#ranking-graph .js-plotly-plot').data[0].y.length")
    assert bars == 39  # the ranking lists the same districts
    page.locator("#map-graph").screenshot(path=str(ARTIFACTS / "dashboard-map-chongqing.png"))
    assert watch.problems == []


def test_clicking_an_area_drills_province_city_county(
    national_page: tuple[Any, Watch], live_server: LiveServer
) -> None:
    page, watch = national_page
    open_page(page, live_server.url + "/dashboard/districts?year=2021")
    country = areas(page)
    assert len(country["coloured"]) == 31  # the reporting provinces (not Taiwan, Hong Kong, Macau)
    page.locator("#map-graph").screenshot(path=str(ARTIFACTS / "dashboard-map-country.png"))

    click_area(page, "130000")  # 河北省 → its cities
    wait_for_district(page, "/districts", "130000")
    assert "河北省" in page.inner_text("#page-heading")
    # 唐山市, not 石家庄市: the dot of 雄安新区 (no boundary; its centroid is the province's, which is
    # in 石家庄) would take the click.
    assert {"130100", "130200"} <= set(areas(page)["coloured"])
    click_area(page, "130200")  # 唐山市 → its counties
    wait_for_district(page, "/districts", "130200")
    assert "130281" in areas(page)["coloured"]
    click_area(page, "130281")  # 遵化市, a county-level city → its Overview
    wait_for_district(page, "/", "130281")
    assert page.query_selector("#kpi-grid") is not None
    assert "year=2021" in page.url
    assert watch.problems == []


def test_the_country_map_shows_every_county_on_request(
    national_page: tuple[Any, Watch], live_server: LiveServer
) -> None:
    page, watch = national_page
    open_page(page, live_server.url + "/dashboard/districts?year=2021")
    page.click("#control-map label:has-text('全部区县')")
    page.wait_for_url(re.compile(r"map=counties"))
    # The first time on a new data directory the server may still be simplifying the country's
    # ~2,900 county boundaries (tens of seconds, once): hence the patience.
    page.wait_for_function(
        "() => document.querySelectorAll('#map-graph path.choroplethlocation').length > 2000", timeout=120000
    )
    wait_drawn(page)
    counties = areas(page)
    assert len(counties["coloured"]) > 2800
    assert {"120102", "500112"} <= set(counties["coloured"])
    page.locator("#map-graph").screenshot(path=str(ARTIFACTS / "dashboard-map-counties.png"))
    click_area(page, "500243")  # 彭水县 → its Overview
    wait_for_district(page, "/", "500243")
    assert watch.problems == []
