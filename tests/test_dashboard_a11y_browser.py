"""Accessibility of every dashboard page in a real browser (Debian's Chromium, headless) against a real
server, as GB/T 37668 and WCAG 2 AA ask of government pages.

axe-core (Deque's checker, the npm package pinned in tests/js/package.json and installed there by
``npm ci``: .ci/run does it) runs inside each page, the sign-in page and the nine pages in Chinese
and in English, and must find no violation of WCAG 2.0/2.1 A and AA. Beyond what axe can see: the
pickers are reached and used with the keyboard alone, and every chart has a data table with the
figures it draws.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import ARTIFACTS, ROOT, LiveServer
from tests.test_dashboard_browser import Watch, wait_drawn

AXE = ROOT / "tests" / "js" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
ADMIN = ("a11y-admin", "a11y-admin-pass-2026")

# Every page of the dashboard, on a view with content (a district and year with data, a month to
# report and review, a district with a history).
PAGES = {
    "overview": "/dashboard/?district=120102&year=2021",
    "districts": "/dashboard/districts?district=120000&year=2021",
    "completeness": "/dashboard/completeness?district=120000&year=2026",
    "data": "/dashboard/data?district=120102&year=2021",
    "reports": "/dashboard/reports?district=120102&year=2021",
    "submit": "/dashboard/submit?district=120106&month=2026-09",
    "review": "/dashboard/review?district=120000&month=2026-09",
    "history": "/dashboard/history?district=120102",
}


def axe_source() -> str:
    """axe-core's script; without it the test fails under REQUIRE_BROWSER=1 (CI), else skips."""
    if AXE.exists():
        return AXE.read_text(encoding="utf-8")
    message = f"axe-core is not installed at {AXE.relative_to(ROOT)}: run `npm ci --prefix tests/js`"
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail("REQUIRE_BROWSER=1 but " + message)
    pytest.skip(message)


def axe_violations(page: Any, source: str) -> list[dict[str, Any]]:
    """axe's WCAG 2 A/AA violations of the page as it is now: rule id, impact and the nodes' targets.
    (The tab's context bypasses the site's Content-Security-Policy, which would refuse the injected
    script; the policy is not what is checked here.)"""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=source)
    found = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary})),
            }));
        }""",
        WCAG_AA,
    )
    return list(found)


def settled(page: Any) -> None:
    """The page's content is in, its charts drawn and no callback is running."""
    wait_drawn(page)
    page.wait_for_load_state("networkidle")
    wait_drawn(page)


@pytest.fixture(scope="module")
def axe() -> str:
    return axe_source()


@pytest.fixture
def admin_page(live_server: LiveServer, browser: Any) -> Iterator[tuple[Any, Watch]]:
    """A browser tab signed in as an administrator: every page shows its full content."""
    made = live_server.cli("users", "create", "--name", ADMIN[0], "--role", "admin", "--password", ADMIN[1])
    assert made.returncode == 0 or "已存在" in made.stderr or "exists" in made.stderr, made.stderr
    context = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 900}, bypass_csp=True)
    page = context.new_page()
    watch = Watch(page)
    page.goto(live_server.url + "/dashboard/login")
    page.fill("#username", ADMIN[0])
    page.fill("#password", ADMIN[1])
    page.click("#login-submit")
    page.wait_for_selector(f"#signed-in-user:has-text('{ADMIN[0]}')", timeout=20000)
    yield page, watch
    context.close()


def report(name: str, found: list[dict[str, Any]]) -> str:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"axe-{name}.json").write_text(json.dumps(found, ensure_ascii=False, indent=1), encoding="utf-8")
    return "; ".join(f"{v['id']} ({len(v['nodes'])}: {', '.join(n['target'] for n in v['nodes'][:3])})" for v in found)


def test_the_sign_in_page_has_no_wcag_violation(live_server: LiveServer, browser: Any, axe: str) -> None:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(live_server.url + "/dashboard/login")
    found = axe_violations(page, axe)
    # A failed sign-in shows its message too: that state is checked as well.
    page.fill("#username", "nobody")
    page.fill("#password", "wrong-password")
    page.click("#login-submit")
    page.wait_for_selector("#login-error")
    found += axe_violations(page, axe)
    context.close()
    assert found == [], report("signin", found)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_has_no_wcag_violation(
    admin_page: tuple[Any, Watch], live_server: LiveServer, axe: str, lang: str
) -> None:
    page, watch = admin_page
    failures = {}
    for name, path in PAGES.items():
        url = live_server.url + path + ("&lang=en" if lang == "en" else "")
        page.goto(url)
        settled(page)
        assert page.query_selector("#page-error") is None, name
        found = axe_violations(page, axe)
        if found:
            failures[name] = report(f"{name}-{lang}", found)
    assert failures == {}
    assert watch.problems == []


def test_the_document_language_follows_the_page(admin_page: tuple[Any, Watch], live_server: LiveServer) -> None:
    page, _watch = admin_page
    page.goto(live_server.url + PAGES["overview"])
    settled(page)
    assert page.evaluate("() => document.documentElement.lang") == "zh-CN"
    page.click("#lang-en")
    page.wait_for_url(re.compile(r"lang=en"))
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    page.click("#lang-zh")
    page.wait_for_function("() => document.documentElement.lang === 'zh-CN'")


def focus_path(page: Any, steps: int) -> list[str]:
    """What Tab reaches, from the top of the page: each focused element's id (or its tag and class)."""
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    reached = []
    for _ in range(steps):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate(
                """() => { const e = document.activeElement;
                    if (!e || e === document.body) return '';
                    if (e.type === 'radio') return 'radio:' + e.value;
                    return e.id || (e.tagName.toLowerCase() + '.' + e.className); }"""
            )
        )
    return reached


# The option of an open dropdown list that holds the keyboard focus (null when none does).
FOCUSED_OPTION = "document.activeElement?.closest('[role=option]')"


def picker(param: str) -> str:
    return json.dumps({"param": param, "type": "query-param"}, separators=(",", ":"))


def test_the_pickers_work_with_the_keyboard_alone(admin_page: tuple[Any, Watch], live_server: LiveServer) -> None:
    page, watch = admin_page
    page.goto(live_server.url + PAGES["districts"])
    settled(page)
    reached = focus_path(page, 40)
    # Tab reaches the area, year and indicator pickers and the measure's radio buttons, in the
    # order they are shown, each once (no hidden stop on the way).
    wanted = [picker("district"), picker("year"), picker("indicator"), "radio:total"]
    at = [reached.index(w) for w in wanted if w in reached]
    assert len(at) == len(wanted) and at == sorted(at), reached
    assert all(reached.count(w) == 1 for w in wanted[:3]), reached
    assert "input.dash-dropdown-focus-target" not in reached, reached

    # The year picker: Enter opens it on the year shown, ↓ moves to the year before, Enter picks it.
    page.evaluate(f"() => document.getElementById({json.dumps(picker('year'))}).focus()")
    page.keyboard.press("Enter")
    page.wait_for_selector("[role=listbox] [role=option]")
    # The list takes the keyboard once it has put the focus on the year shown (a moment after it
    # opens, longer on a busy machine): press ↓ only then, and Enter once ↓ has moved it.
    page.wait_for_function(f"() => {FOCUSED_OPTION}?.getAttribute('aria-selected') === 'true'")
    page.keyboard.press("ArrowDown")
    page.wait_for_function(f"() => ({FOCUSED_OPTION}?.textContent || '').includes('2020')")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"year=2020"))
    settled(page)
    assert "2020年" in page.inner_text("#as-of")

    # The measure: the arrow keys move between its radio buttons, as in any radio group.
    page.focus(f"[id='{picker('measure')}'] input[value=total]")
    page.keyboard.press("ArrowRight")
    page.wait_for_url(re.compile(r"measure=change"))
    settled(page)
    assert page.get_attribute(f"[id='{picker('measure')}']", "role") == "radiogroup"
    assert watch.problems == []


def chart_table(page: Any, graph_id: str) -> dict[str, list[str]]:
    """The data table of the chart ``graph_id``, opened from the keyboard: first cell → the others."""
    summary = page.locator(f"#{graph_id}-table > summary")
    summary.focus()
    page.keyboard.press("Enter")
    assert page.get_attribute(f"#{graph_id}-table", "open") is not None
    rows = page.locator(f"#{graph_id}-table tbody tr")
    table = {}
    for i in range(rows.count()):
        cells = [c.strip() for c in rows.nth(i).locator("th, td").all_inner_texts()]
        table[cells[0]] = cells[1:]
    return table


def test_every_chart_has_a_data_table_with_its_figures(admin_page: tuple[Any, Watch], live_server: LiveServer) -> None:
    page, watch = admin_page
    page.goto(live_server.url + PAGES["districts"])
    settled(page)
    charts = page.locator(".dash-graph").count()
    assert charts >= 3
    assert page.locator(".dash-graph + details.chart-table").count() == charts

    # The ranking chart's table holds the totals the ranking table below the charts shows (a
    # separate rendering of the same query, in Dash's HTML): district by district.
    shown = {}
    rows = page.locator("#ranking-table tbody tr")
    for i in range(rows.count()):
        cells = [c.strip() for c in rows.nth(i).locator("td").all_inner_texts()]
        shown[cells[1]] = cells[2]
    assert len(shown) == 16  # Tianjin's districts
    ranking = chart_table(page, "ranking-graph")
    assert {name: values[0] for name, values in ranking.items()} == shown

    # The heat map's table: a row per district, a column per indicator, each cell the change drawn.
    heat = chart_table(page, "heatmap-graph")
    head = [h.strip() for h in page.locator("#heatmap-graph-table thead th").all_inner_texts()]
    assert head[1:] == page.locator("#heatmap-graph .xtick text").all_text_contents()
    assert sorted(heat) == sorted(shown)
    cells = page.locator("#heatmap-graph .heatmaplayer text").all_text_contents()
    assert sorted(c for row in heat.values() for c in row if c != "—") == sorted(c for c in cells if c.strip())

    # The map's table: every district of the ranking, with its figure.
    areas = chart_table(page, "map-graph")
    assert set(areas) >= set(shown) or all(any(name in area for area in areas) for name in shown), areas

    # The Overview's charts, KPI sparklines included (their table for screen readers only).
    page.goto(live_server.url + PAGES["overview"])
    settled(page)
    sparks = page.locator(".kpi-card .js-plotly-plot").count()
    assert sparks >= 9
    assert page.locator(".kpi-card .chart-table.visually-hidden table").count() == sparks
    others = page.locator(".dash-graph").count() - sparks
    assert page.locator(".dash-graph + details.chart-table").count() == others
    assert watch.problems == []
