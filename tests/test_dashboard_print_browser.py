"""Printing the dashboard from a window of the width leaders use (1440×900 and 1024×768), in a real
browser (Debian's Chromium, headless) against a real server.

The page is printed as Ctrl+P prints it: Chromium's own print to PDF (DevTools' Page.printToPDF) with
the page's CSS deciding paper and margins (preferCSSPageSize), no header or footer of the browser's
own (the DevTools header templates are not what a person's print dialog uses). The PDF's text is read
back (pypdf, with each word's place on the sheet): A4 sheets, every sheet headed with the scope,
period and as-of time and "第 N 页 / 共 M 页", and the heat map's last column on the sheet, not cut
at its edge. Every other page prints on A4 with the same header.
"""

from __future__ import annotations

import base64
import io
import re
import unicodedata
from collections.abc import Iterator
from typing import Any

import pytest
from pypdf import PdfReader

from tests.conftest import ARTIFACTS, LEADER, LiveServer
from tests.test_dashboard_browser import Watch, wait_drawn

A4 = (595.28, 841.89)  # points
DISTRICTS = "/dashboard/districts?district=120000&year=2021"
OTHERS = {
    "overview": "/dashboard/?district=120102&year=2021",
    "completeness": "/dashboard/completeness?district=120000&year=2026",
    "data": "/dashboard/data?district=120102&year=2021",
    "reports": "/dashboard/reports?district=120102&year=2021",
    "submit": "/dashboard/submit",
    "review": "/dashboard/review",
    "history": "/dashboard/history",
}


def leader_tab(live_server: LiveServer, browser: Any, width: int, height: int) -> tuple[Any, Any, Watch]:
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
    page = context.new_page()
    watch = Watch(page)
    page.goto(live_server.url + "/dashboard/login")
    page.fill("#username", LEADER[0])
    page.fill("#password", LEADER[1])
    page.click("#login-submit")
    page.wait_for_selector("#signed-in-user:has-text('leader')", timeout=20000)
    return context, page, watch


@pytest.fixture(params=[(1440, 900), (1024, 768)], ids=lambda size: f"{size[0]}x{size[1]}")
def window(request: pytest.FixtureRequest, live_server: LiveServer, browser: Any) -> Iterator[tuple[Any, Watch]]:
    context, page, watch = leader_tab(live_server, browser, *request.param)
    yield page, watch
    context.close()


def print_to_pdf(page: Any) -> bytes:
    """As the print dialog prints: the page's @page rules decide paper and margins; the browser adds
    no header or footer of its own."""
    cdp = page.context.new_cdp_session(page)
    try:
        done = cdp.send(
            "Page.printToPDF",
            {"preferCSSPageSize": True, "printBackground": True, "displayHeaderFooter": False},
        )
    finally:
        cdp.detach()
    return base64.b64decode(done["data"])


class Sheet:
    """One printed sheet: its size and every piece of text with its place (points from the left)."""

    def __init__(self, page: Any) -> None:
        self.width = float(page.mediabox.width)
        self.height = float(page.mediabox.height)
        self.pieces: list[tuple[str, float, float]] = []

        def visit(text: str, cm: Any, tm: Any, _font: Any, _size: Any) -> None:
            if text.strip():
                # The text's origin on the sheet: the text matrix's translation through the CTM.
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                self.pieces.append((text, x, y))

        self.text = page.extract_text(visitor_text=visit)

    def flat(self) -> str:
        return readable(self.text)

    def places(self, label: str) -> list[float]:
        """Where ``label`` ends on the sheet (points from the left), once per time it is printed: the
        PDF writes a line in pieces, so the pieces of a line (same baseline) are joined in order."""
        lines: dict[int, list[tuple[float, str]]] = {}
        for text, x, y in self.pieces:
            lines.setdefault(round(y), []).append((x, text))
        wanted = readable(label)
        found = []
        for pieces in lines.values():
            chars = [(c, x) for x, text in sorted(pieces) for ch in text for c in readable(ch)]
            joined = "".join(c for c, _ in chars)
            start = joined.find(wanted)
            while start >= 0:
                found.append(chars[start + len(wanted) - 1][1])
                start = joined.find(wanted, start + 1)
        return found


# Chromium's PDF maps a glyph that Noto CJK shares between an ideograph and a radical to the radical
# (⾄ for 至, ⻚ for 页), and the dash of "1—11月" to ―: NFKC folds the Kangxi radicals back; these
# are the CJK Radicals Supplement's simplified forms, which it leaves, and the dash.
RADICALS = str.maketrans(
    "⻅⻉⻋⻓⻔⻘⻙⻚⻛⻜⻝⻢⻣⻤⻥⻦⻧⻨⻩⻬⻮⻰⻳⻄⻆―",
    "见贝车长门青韦页风飞食马骨鬼鱼鸟卤麦黄齐齿龙龟西角—",
)


def readable(text: str) -> str:
    """The text as a person reads it, with no white space (the PDF breaks lines where CSS did)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).translate(RADICALS))


def sheets(pdf: bytes) -> list[Sheet]:
    return [Sheet(p) for p in PdfReader(io.BytesIO(pdf)).pages]


def assert_headed(found: list[Sheet], header: str, *, english: bool = False, where: str = "") -> None:
    """Every sheet is A4 and carries the page's scope · period · as-of line and its number."""
    total = len(found)
    for number, sheet in enumerate(found, start=1):
        assert (round(sheet.width), round(sheet.height)) == (round(A4[0]), round(A4[1])), (where, number)
        text = sheet.flat()
        assert readable(header) in text, (where, number, sheet.text[:400])
        wanted = f"Page{number}of{total}" if english else f"第{number}页/共{total}页"
        assert wanted in text, (where, number, sheet.text[:400])


def page_line(page: Any) -> str:
    return str(page.inner_text("#as-of")).strip()


def test_the_districts_page_prints_whole_and_headed_on_every_sheet(
    window: tuple[Any, Watch], live_server: LiveServer
) -> None:
    page, watch = window
    page.goto(live_server.url + DISTRICTS)
    wait_drawn(page)
    page.wait_for_load_state("networkidle")
    line = page_line(page)
    assert "天津市" in line and "2021年" in line and "数据截至" in line
    # The heat map's columns, as drawn on screen: the last one is the one a narrow print would cut.
    columns = page.locator("#heatmap-graph .xtick text").all_text_contents()
    assert len(columns) >= 5, columns
    drawn = page.evaluate("() => parseFloat(document.querySelector('#heatmap-graph .main-svg').getAttribute('width'))")
    assert drawn > 718  # wider than the A4 page's content (190 mm): it must be scaled to fit
    pdf = print_to_pdf(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"print-districts-{page.viewport_size['width']}.pdf").write_bytes(pdf)
    found = sheets(pdf)
    assert len(found) >= 2  # the page runs over sheets: the header must repeat
    assert_headed(found, line)
    # Every heat-map column's label is on a sheet, inside the sheet's width (none cut at its edge).
    for label in (columns[0], columns[-1]):
        hits = [(x, sheet.width) for sheet in found for x in sheet.places(label)]
        assert hits, (label, [sheet.text for sheet in found])
        assert all(0 <= x < width - 10 for x, width in hits), (label, hits)

    # The check sees a cut: printed at its screen size (no scaling), the last column falls off. (Only
    # from the wide window: Chromium itself shrinks a page that overflows the sheet by up to 4/3.)
    if drawn < 718 * 1.5:
        assert watch.problems == []
        return
    page.add_style_tag(content="@media print { .js-plotly-plot .svg-container { zoom: 1 !important; } }")
    last = [(x, sheet.width) for sheet in sheets(print_to_pdf(page)) for x in sheet.places(columns[-1])]
    assert not last or any(x >= width - 10 for x, width in last), last
    assert watch.problems == []


def test_every_other_page_prints_headed_on_a4(window: tuple[Any, Watch], live_server: LiveServer) -> None:
    page, watch = window
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for name, path in OTHERS.items():
        page.goto(live_server.url + path)
        wait_drawn(page)
        page.wait_for_load_state("networkidle")
        pdf = print_to_pdf(page)
        (ARTIFACTS / f"print-{name}-{page.viewport_size['width']}.pdf").write_bytes(pdf)
        assert_headed(sheets(pdf), page_line(page), where=name)
    assert watch.problems == []


def test_the_header_is_in_english_on_english_pages(live_server: LiveServer, browser: Any) -> None:
    context, page, watch = leader_tab(live_server, browser, 1440, 900)
    page.goto(live_server.url + DISTRICTS + "&lang=en")
    wait_drawn(page)
    page.wait_for_load_state("networkidle")
    line = page_line(page)
    assert "Tianjin" in line or "天津" in line
    found = sheets(print_to_pdf(page))
    assert len(found) >= 2
    assert_headed(found, line, english=True)
    assert watch.problems == []
    context.close()
