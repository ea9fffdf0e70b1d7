"""The leaders' dashboard in a real browser (Debian's Chromium, headless) against a real server.

Every page loads with no console error and no failed callback; the Overview shows the figures the
API's /stats/totals returns, follows the year and district pickers, and shows an uploaded value on
the next load; clicking a district drills down; the Data page downloads what it shows; the print
view carries scope, year and as-of time. Screenshots of each page go to tests/artifacts/.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from dashboard.formatting import format_amount
from dashboard.queries import HEADLINE
from tests.conftest import ARTIFACTS, LEADER, LiveServer

PAGES = {
    "overview": "/dashboard/?district=120102&year=2021",
    "districts": "/dashboard/districts?district=120000&year=2021",
    "completeness": "/dashboard/completeness?district=120000&year=2026",
    "data": "/dashboard/data?district=120102&year=2021",
    "reports": "/dashboard/reports?district=120102&year=2021",
}
# Resolves once the page's content is in and every chart on it has been drawn by plotly.
DRAWN = """() => {
    if (!document.querySelector('#page-heading, #page-error')) return false;
    if (document.querySelector('[data-dash-is-loading="true"]')) return false;
    const graphs = [...document.querySelectorAll('.dash-graph')];
    return graphs.every(g => g.querySelector('.main-svg'));
}"""


class Watch:
    """Console errors, uncaught exceptions and failed requests (a callback error is a 500) of a page."""

    def __init__(self, page: Any) -> None:
        self.problems: list[str] = []
        page.on("console", lambda m: self.problems.append(f"console: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.problems.append(f"pageerror: {e}"))
        page.on("response", lambda r: self.problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)


@pytest.fixture
def leader_page(live_server: LiveServer, browser: Any) -> Iterator[tuple[Any, Watch]]:
    """A browser tab signed in as the viewer ``leader`` (scope: Tianjin, 120000)."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    watch = Watch(page)
    page.goto(live_server.url + "/dashboard/login")
    page.fill("#username", LEADER[0])
    page.fill("#password", LEADER[1])
    page.click("#login-submit")
    page.wait_for_selector("#signed-in-user:has-text('leader')", timeout=20000)
    yield page, watch
    context.close()


def open_page(page: Any, url: str) -> None:
    page.goto(url)
    wait_drawn(page)


def wait_drawn(page: Any) -> None:
    page.wait_for_function(DRAWN, timeout=30000)


def token(live_server: LiveServer, user: str) -> str:
    made = live_server.cli("tokens", "create", "--user", user)
    assert made.returncode == 0, made.stderr
    return made.stdout.strip()


def api_totals(live_server: LiveServer, bearer: str, district: str, year: int) -> dict[str, dict[str, Any]]:
    r = httpx.get(
        live_server.url + "/api/v1/stats/totals",
        params={"district": district, "year": year},
        headers={"Authorization": f"Bearer {bearer}"},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    return {i["code"]: i for i in r.json()["indicators"]}


def card_value(page: Any, code: str) -> str:
    return str(page.inner_text("#kpi-" + code.replace(".", "-").replace("_", "-") + "-value")).strip()


def expected_card(indicator: dict[str, Any]) -> str:
    if indicator["total"] is None:
        return "未报送"
    return format_amount(indicator["total"], indicator["unit"], "zh")


def assert_cards_match(page: Any, totals: dict[str, dict[str, Any]]) -> None:
    for code in HEADLINE:
        assert card_value(page, code) == expected_card(totals[code]), code


def choose(page: Any, param: str, option: str | re.Pattern[str], *, search: str | None = None) -> None:
    """Pick ``option`` in the page's ``param`` dropdown, typing ``search`` first if given."""
    page.click(f"#control-{param} .dash-dropdown")
    if search:
        page.keyboard.type(search)
    page.get_by_role("option", name=option).first.click()


def test_every_page_loads_without_errors_and_is_photographed(
    leader_page: tuple[Any, Watch], live_server: LiveServer
) -> None:
    page, watch = leader_page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for name, path in PAGES.items():
        open_page(page, live_server.url + path)
        assert page.query_selector("#page-error") is None, name
        assert page.is_visible(f"#nav-{name}.active"), name
        page.screenshot(path=str(ARTIFACTS / f"dashboard-{name}.png"), full_page=True)
    # Without parameters every page starts from the user's scope and the latest year.
    for path in ("/dashboard/", "/dashboard/districts", "/dashboard/completeness", "/dashboard/data"):
        open_page(page, live_server.url + path)
        assert "天津市" in page.inner_text("#page-heading"), path
    assert watch.problems == []


def test_overview_shows_the_figures_of_the_api_and_follows_the_pickers(
    leader_page: tuple[Any, Watch], live_server: LiveServer
) -> None:
    page, watch = leader_page
    bearer = token(live_server, LEADER[0])
    open_page(page, live_server.url + PAGES["overview"])
    # Hedong 2021, as its year-end report states: 双随机检查公开199件, 执法检查807家次.
    assert card_value(page, "double_random.inspections") == "199件"
    assert card_value(page, "inspection.enterprises") == "807家次"
    assert_cards_match(page, api_totals(live_server, bearer, "120102", 2021))

    choose(page, "year", "2020年")
    page.wait_for_url(re.compile(r"year=2020"))
    page.wait_for_function("() => document.querySelector('#page-heading').innerText.includes('2020')")
    wait_drawn(page)
    assert_cards_match(page, api_totals(live_server, bearer, "120102", 2020))

    choose(page, "district", re.compile("和平区 120101"), search="和平")
    page.wait_for_url(re.compile(r"district=120101"))
    page.wait_for_function("() => document.querySelector('#page-heading').innerText.includes('和平区')")
    wait_drawn(page)
    assert "year=2020" in page.url
    assert_cards_match(page, api_totals(live_server, bearer, "120101", 2020))

    # The URL is the state: opening it afresh shows the same view.
    open_page(page, page.url)
    assert_cards_match(page, api_totals(live_server, bearer, "120101", 2020))
    page.go_back()
    page.wait_for_function("() => document.querySelector('#page-heading').innerText.includes('河东区')")
    assert watch.problems == []


def test_a_value_uploaded_through_the_api_shows_on_the_next_load(
    leader_page: tuple[Any, Watch], live_server: LiveServer
) -> None:
    page, watch = leader_page
    made = live_server.cli("users", "create", "--name", "dash_uploader", "--role", "staff", "--district", "120104")
    assert made.returncode == 0, made.stderr
    staff = {"Authorization": f"Bearer {token(live_server, 'dash_uploader')}"}
    url = live_server.url + "/api/v1/districts/120104/months/2024-05"
    open_page(page, live_server.url + "/dashboard/?district=120104&year=2024")
    before = card_value(page, "inspection.enterprises")

    month = httpx.get(url, headers=staff, timeout=30).json()
    values = {k: int(v) if float(v).is_integer() else v for k, v in month["values"].items()}
    values["inspection.enterprises"] = values.get("inspection.enterprises", 0) + 1000
    activities = [{k: a[k] for k in ("kind", "date", "title", "participants", "notes")} for a in month["activities"]]
    r = httpx.put(url, json={"values": values, "activities": activities}, headers=staff, timeout=30)
    assert r.status_code == 200, r.text

    page.reload()
    wait_drawn(page)
    after = card_value(page, "inspection.enterprises")
    totals = api_totals(live_server, token(live_server, LEADER[0]), "120104", 2024)
    assert after == expected_card(totals["inspection.enterprises"]) != before
    assert watch.problems == []


def test_clicking_a_district_opens_its_overview(leader_page: tuple[Any, Watch], live_server: LiveServer) -> None:
    page, watch = leader_page
    open_page(page, live_server.url + PAGES["districts"])
    top = page.locator("#ranking-graph .bars .point path").last  # the largest bar is drawn last, on top
    top.click(force=True)
    page.wait_for_url(re.compile(r"/dashboard/\?district=\d{6}"))
    wait_drawn(page)
    assert page.query_selector("#kpi-grid") is not None
    opened = re.search(r"district=(\d{6})", page.url)
    assert opened is not None, page.url
    code = opened.group(1)
    assert code.startswith("12") and code != "120000"
    assert watch.problems == []


def test_data_page_downloads_exactly_the_rows_shown(leader_page: tuple[Any, Watch], live_server: LiveServer) -> None:
    page, watch = leader_page
    open_page(page, live_server.url + PAGES["data"])
    page.wait_for_selector("#values-grid .ag-row")
    with page.expect_download() as all_rows:
        page.click("#download-csv")
    rows = list(csv.reader(io.StringIO(all_rows.value.path().read_text(encoding="utf-8-sig"))))
    assert rows[0][:3] == ["区划代码", "区划名称", "月份"] and "执法检查（家次）" in rows[0]
    assert len(rows) == 1 + 12
    column = rows[0].index("执法检查（家次）")
    assert sum(int(r[column]) for r in rows[1:]) == 807

    # Filter the months in the grid: the download follows.
    month_filter = page.locator("#values-grid .ag-floating-filter input").nth(2)
    month_filter.fill("2021-0")
    page.wait_for_function(
        "() => document.querySelectorAll('#values-grid .ag-center-cols-container .ag-row').length === 9"
    )
    shown_months = page.locator("#values-grid .ag-pinned-left-cols-container [col-id='month']").all_inner_texts()
    assert sorted(shown_months) == sorted(f"2021年{m}月" for m in range(1, 10))  # as reports write dates
    with page.expect_download() as filtered:
        page.click("#download-xlsx")
    assert filtered.value.suggested_filename == "values_120102_2021.xlsx"
    sheet = load_workbook(io.BytesIO(filtered.value.path().read_bytes())).active
    # Row 1 is the title/scope row, row 2 the header, the last row the totals (test_dashboard_grid_browser).
    months = [row[2] for row in sheet.iter_rows(min_row=3, values_only=True) if row[0] != "合计"]
    assert sorted(months) == [f"2021-0{m}" for m in range(1, 10)]
    assert watch.problems == []


def test_language_switch_and_print_view(leader_page: tuple[Any, Watch], live_server: LiveServer) -> None:
    page, watch = leader_page
    open_page(page, live_server.url + PAGES["overview"])
    page.click("#lang-en")
    page.wait_for_url(re.compile(r"lang=en"))
    page.wait_for_function("() => document.querySelector('#page-heading').innerText.includes('Enforcement overview')")
    wait_drawn(page)
    assert page.inner_text("#nav-districts") == "Districts"
    assert "district=120102" in page.get_attribute("#nav-districts", "href")
    assert card_value(page, "inspection.enterprises").startswith("807")
    page.click("#lang-zh")
    page.wait_for_function("() => document.querySelector('#page-heading').innerText.includes('执法工作总览')")
    wait_drawn(page)

    page.emulate_media(media="print")
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    assert not page.is_visible("#nav") and not page.is_visible("#print-button")
    as_of = page.inner_text("#as-of")
    assert "河东区（120102）" in as_of and "2021年" in as_of and "数据截至" in as_of
    page.screenshot(path=str(ARTIFACTS / "dashboard-print.png"), full_page=True)
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
    assert watch.problems == []


def test_a_long_data_grid_prints_whole(leader_page: tuple[Any, Watch], live_server: LiveServer) -> None:
    """A city's grid scrolls in a fixed box on screen; in print every row is laid out (not one
    empty box), and the screen layout comes back afterwards."""
    page, watch = leader_page
    open_page(page, live_server.url + "/dashboard/data?district=120000&year=2021")
    page.wait_for_selector("#values-grid .ag-row")
    total = page.evaluate("() => dash_ag_grid.getApi('values-grid').getDisplayedRowCount()")
    assert total > 100
    rendered = "() => document.querySelectorAll('#values-grid .ag-center-cols-container .ag-row').length"
    assert page.evaluate(rendered) < total  # virtualised on screen
    page.emulate_media(media="print")
    page.wait_for_function(f"() => ({rendered[6:]}) === {total}")
    assert page.evaluate("() => document.getElementById('values-grid').getBoundingClientRect().height") > 2000
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") >= 3  # the rows run over several pages
    page.emulate_media(media="screen")
    page.wait_for_function("() => document.getElementById('values-grid').style.height === '600px'")
    assert watch.problems == []


def test_reports_page_offers_the_generator(leader_page: tuple[Any, Watch], live_server: LiveServer) -> None:
    page, watch = leader_page
    open_page(page, live_server.url + PAGES["reports"])
    link = page.get_attribute("#report-docx", "href")
    if link is None:
        assert "尚未上线" in page.inner_text("#report-status")
    else:
        assert link == "/api/v1/reports/annual?district=120102&year=2021&format=docx"
        assert page.inner_text("#report-status").strip() == ""
        # The leader's sign-in cookie opens the API too: the link downloads the report.
        with page.expect_download() as report:
            page.click("#report-docx")
        assert report.value.path().read_bytes()[:2] == b"PK"  # a .docx is a zip
    assert watch.problems == []
