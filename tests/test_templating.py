"""Markdown escaping (app.core.templating): user text renders as itself, in a paragraph, a heading or a
table cell, whatever characters it holds; read back through a CommonMark parser with GFM tables."""

from __future__ import annotations

import html
import re

import pytest
from markdown_it import MarkdownIt

from app.core.templating import escape_markdown

HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "a | b | c",
    "*粗体* _斜体_ __强调__ ~~删除~~",
    "[链接](http://evil.example) ![图](x.png)",
    "`代码` ``两个``",
    "# 标题",
    "## 也是标题",
    "> 引用",
    "- 列表",
    "+ 列表",
    "1. 列表",
    "2) 列表",
    "---",
    "===",
    "&lt;已转义&gt; &amp; A&B &#60;",
    "反斜杠 \\ 和 \\* 和 \\<",
    "两行\n# 第二行\r\n- 第三行",
    "<http://autolink.example>",
]
PLAIN = ["case_review.cases", "activities(kind=drill)", "3.2万家次", "同比下降30.0%", "2021年1—12月", "863900"]


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


def _text(rendered: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip()


@pytest.mark.parametrize("value", HOSTILE + PLAIN)
def test_a_paragraph_renders_as_the_text_itself(value: str) -> None:
    rendered = _parser().render(escape_markdown(value) + "\n")
    assert rendered.startswith("<p>") and rendered.count("<p>") == 1, rendered
    assert re.findall(r"<(\w+)", rendered) == ["p"], rendered  # no element but the paragraph
    assert _text(rendered) == re.sub(r"\r\n|\r|\n", " ", value)


@pytest.mark.parametrize("value", HOSTILE + PLAIN)
def test_a_table_cell_holds_the_text_and_the_row_keeps_its_cells(value: str) -> None:
    cell = escape_markdown(value)
    table = f"| a | b | c |\n|---|---|---|\n| {cell} | x | {cell} |\n"
    parser = _parser()
    tokens = parser.parse(table)
    assert len([t for t in tokens if t.type == "td_open"]) == 3
    cells = [parser.renderer.render(t.children or [], parser.options, {}) for t in tokens if t.type == "inline"]
    flat = re.sub(r"\r\n|\r|\n", " ", value).strip()
    assert [_text(c) for c in cells[3:]] == [flat, "x", flat]
    assert not any(re.search(r"<\w", c) for c in cells[3:]), "user text turned into markup"


@pytest.mark.parametrize("value", PLAIN)
def test_plain_report_text_is_left_as_it_is(value: str) -> None:
    assert escape_markdown(value) == value


def test_none_is_empty() -> None:
    assert escape_markdown(None) == ""
