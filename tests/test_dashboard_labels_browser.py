"""Issue 15 in a real browser (Debian's Chromium, headless): English pages complete and nothing cut
off, and charts whose labels never collide.

- English: district names in pinyin on every chart, half-width punctuation, KPI values never ending
  in "…" (the country's "16.26 million yuan" at 1440×900 and at 1024×768), heat-map column headers
  that do not run into each other.
- Geometry, measured from the SVG plotly drew: on the ranking chart no two labels (district names,
  the value column, the average's label) overlap and none is crossed by the average line or cut at
  the chart's edge — for Tianjin's 16 and Chongqing's 38 districts (and 两江新区), totals and changes, both languages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import ARTIFACTS, LiveServer
from tests.test_dashboard_browser import Watch, open_page

NATION = ("labelsnation", "labels-nation-2021")
LEADER = ("labelsleader", "labels-leader-2021")
CJK = re.compile(r"[\u2e80-\u2fff\u3040-\u9fff\uf900-\ufaff]")
FULL_WIDTH_PUNCTUATION = re.compile(r"[\u3000-\u303f\uff01-\uff0f\uff1a-\uff20]")  # ：（），、。；【】 …
SIZES = ((1440, 900), (1024, 768))

# Boxes (client rectangles) of what plotly drew in the graph ``selector``: tick labels of each axis,
# annotations (the ranking's value column and the average's label) and shapes (the average line).
BOXES = """(selector) => {
    const graph = document.querySelector(selector);
    const box = (e) => {
        const r = e.getBoundingClientRect();
        return {x0: r.left, x1: r.right, y0: r.top, y1: r.bottom, text: e.textContent};
    };
    // A vertical line's box has no width (the stroke is not counted): keep boxes with any extent.
    const all = (css) => [...graph.querySelectorAll(css)].map(box).filter((b) => b.x1 > b.x0 || b.y1 > b.y0);
    return {
        graph: box(graph),
        yticks: all('.ytick text'),
        xticks: all('.xtick text'),
        annotations: all('.annotation-text'),
        lines: all('.layer-above .shapelayer path, .layer-below .shapelayer path'),
    };
}"""


def overlap(a: dict[str, Any], b: dict[str, Any], slack: float = 0.5) -> bool:
    """Whether two boxes share more than a hairline (``slack`` pixels each way)."""
    return (
        a["x0"] + slack < b["x1"] - slack
        and b["x0"] + slack < a["x1"] - slack
        and a["y0"] + slack < b["y1"] - slack
        and b["y0"] + slack < a["y1"] - slack
    )


def collisions(boxes: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(a["text"], b["text"]) for i, a in enumerate(boxes) for b in boxes[i + 1 :] if overlap(a, b)]


@pytest.fixture(scope="module")
def accounts(live_server: LiveServer) -> None:
    """A national viewer (the country's large figures) and a viewer of Tianjin and Chongqing."""
    for (name, password), districts in ((NATION, ()), (LEADER, ("120000", "500000"))):
        args = ["users", "create", "--name", name, "--role", "viewer", "--password", password]
        for code in districts:
            args += ["--district", code]
        done = live_server.cli(*args)
        assert done.returncode == 0 or "exists" in (done.stdout + done.stderr), done.stderr


def signed_in(browser: Any, live_server: LiveServer, account: tuple[str, str], size: tuple[int, int]) -> Any:
    context = browser.new_context(locale="en-GB", viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.goto(live_server.url + "/dashboard/login")
    page.fill("#username", account[0])
    page.fill("#password", account[1])
    page.click("#login-submit")
    page.wait_for_selector(f"#signed-in-user:has-text('{account[0]}')", timeout=20000)
    return page


@pytest.fixture
def tab(browser: Any, live_server: LiveServer, accounts: None) -> Iterator[Any]:
    """Open tabs by account and window size; each closed after the test."""
    opened: list[Any] = []

    def open_tab(account: tuple[str, str], size: tuple[int, int] = (1440, 900)) -> Any:
        page = signed_in(browser, live_server, account, size)
        opened.append(page)
        return page

    yield open_tab
    for page in opened:
        page.context.close()


def body_text(page: Any) -> str:
    """The page's content below its controls (the controls carry the lang-neutral "打印 Print")."""
    return str(page.inner_text(".page > :nth-child(2)"))


def svg_texts(page: Any) -> list[str]:
    return list(page.eval_on_selector_all(".dash-graph svg text", "els => els.map(e => e.textContent)"))


# ----------------------------------------------------------------------------- English


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_english_kpi_values_are_never_cut_off(tab: Any, live_server: LiveServer, size: tuple[int, int]) -> None:
    page = tab(NATION, size)
    watch = Watch(page)
    open_page(page, live_server.url + "/dashboard/?year=2021&lang=en")
    cards = page.eval_on_selector_all(
        ".kpi-card",
        """cards => cards.map(card => {
            const value = card.querySelector('.kpi-value');
            const c = card.getBoundingClientRect();
            const parts = [...value.querySelectorAll('span')].map(s => s.getBoundingClientRect());
            return {
                text: value.innerText,
                clipped: value.scrollWidth > value.clientWidth + 1,
                outside: parts.some(p => p.left < c.left - 0.5 || p.right > c.right + 0.5),
                ellipsis: getComputedStyle(value).textOverflow === 'ellipsis' && value.scrollWidth > value.clientWidth,
            };
        })""",
    )
    assert len(cards) >= 9
    # The country's figures run into millions: the words that were cut ("16.26 million…") are there.
    assert any("million" in c["text"] for c in cards), [c["text"] for c in cards]
    for card in cards:
        assert "…" not in card["text"], card
        assert not card["clipped"] and not card["outside"] and not card["ellipsis"], card
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"labels-overview-en-{size[0]}.png"))
    assert watch.problems == []


def test_english_pages_name_districts_in_pinyin_with_half_width_punctuation(tab: Any, live_server: LiveServer) -> None:
    page = tab(LEADER)
    watch = Watch(page)
    for path in (
        "/dashboard/districts?district=120000&year=2021&lang=en",
        "/dashboard/districts?district=500000&year=2021&lang=en&measure=change",
        "/dashboard/?district=120102&year=2021&lang=en",
        "/dashboard/completeness?district=120000&year=2021&lang=en",
    ):
        open_page(page, live_server.url + path)
        text = body_text(page)
        assert CJK.findall(text) == [], (path, CJK.findall(text)[:10])
        assert FULL_WIDTH_PUNCTUATION.findall(text) == [], (path, FULL_WIDTH_PUNCTUATION.findall(text))
        drawn = " ".join(svg_texts(page))
        assert CJK.findall(drawn) == [], (path, CJK.findall(drawn)[:10])
        assert FULL_WIDTH_PUNCTUATION.findall(drawn) == [], path
    # Chongqing's 38 districts and counties and 两江新区 by their English names on the ranking.
    open_page(page, live_server.url + "/dashboard/districts?district=500000&year=2021&lang=en")
    names = page.eval_on_selector_all("#ranking-graph .ytick text", "els => els.map(e => e.textContent)")
    assert (
        len(names) == 39
        and "Yuzhong District" in names
        and "Liangjiang New Area" in names
        and "Chengkou County" in names
    )
    open_page(page, live_server.url + "/dashboard/districts?district=120000&year=2021&lang=en")
    assert "Hedong District" in page.inner_text("#ranking-table")
    assert watch.problems == []


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_heat_map_headers_do_not_overlap(tab: Any, live_server: LiveServer, size: tuple[int, int]) -> None:
    page = tab(LEADER, size)
    for lang in ("en", "zh"):
        open_page(page, live_server.url + f"/dashboard/districts?district=120000&year=2021&lang={lang}")
        boxes = page.evaluate(BOXES, "#heatmap-graph")
        assert len(boxes["xticks"]) == 9
        assert collisions(boxes["xticks"]) == [], (lang, size)
        graph = boxes["graph"]
        assert all(graph["x0"] - 0.5 <= b["x0"] and b["x1"] <= graph["x1"] + 0.5 for b in boxes["xticks"]), lang


# ----------------------------------------------------------------------------- geometry of the ranking


@pytest.mark.parametrize("district", ["120000", "500000"])
@pytest.mark.parametrize("measure", ["total", "change"])
def test_ranking_labels_never_collide_nor_cross_the_average_line(
    tab: Any, live_server: LiveServer, district: str, measure: str
) -> None:
    page = tab(LEADER, (1024, 768))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for lang in ("zh", "en"):
        url = f"/dashboard/districts?district={district}&year=2021&measure={measure}&lang={lang}"
        open_page(page, live_server.url + url)
        boxes = page.evaluate(BOXES, "#ranking-graph")
        names, notes, lines = boxes["yticks"], boxes["annotations"], boxes["lines"]
        expected = 16 if district == "120000" else 39  # Chongqing: 38 districts and 两江新区
        assert len(names) == expected
        # One label per district in the value column, and the average's label.
        assert len(notes) == expected + 1, [n["text"] for n in notes]
        assert len(lines) == 1  # the average line
        texts = names + notes
        assert collisions(texts) == [], (lang, collisions(texts)[:5])
        crossed = [b["text"] for b in texts if overlap(b, lines[0], slack=0.0)]
        assert crossed == [], (lang, crossed)
        graph = boxes["graph"]
        cut = [b["text"] for b in texts if b["x0"] < graph["x0"] - 0.5 or b["x1"] > graph["x1"] + 0.5]
        assert cut == [], (lang, cut)
        page.screenshot(path=str(ARTIFACTS / f"labels-districts-{district}-{measure}-{lang}.png"), full_page=True)
        if measure == "change":
            assert any(n["text"].startswith(("+", "-")) for n in notes)
