"""Jinja2 environments for the documents we write: HTML autoescaped, Markdown escaped by ``finalize``.

Templates live in a ``templates/`` folder beside the code that renders them (package data). Every
value a Markdown template prints goes through ``escape_markdown``, so user text (activity titles,
district names, notes) shows as written and cannot add markup, raw HTML or table cells; the
template's own text (``#``, ``|``, ``> ``) is Markdown.
"""

from __future__ import annotations

import re
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

_NEWLINES = re.compile(r"\r\n|\r|\n")
# Characters that make inline Markdown wherever they stand: code spans, emphasis, links, GFM
# strikethrough and table cells. The backslash is escaped first so that none of ours is doubled.
_INLINE = re.compile(r"([\\`*\[\]~|])")
# "_" makes emphasis only at a word's edge; inside a word (indicator codes: case_review.cases) it is
# text, and left alone it keeps the codes readable in the Markdown source.
_EDGE_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
# What makes a heading, a list item or a rule of a line it starts ("<" and ">" become entities below).
_LINE_START = re.compile(r"^(\s*)(?:([#+=-])|(\d+)([.)])(?=\s|$))")
# HTML-significant characters as entities: every Markdown dialect passes raw HTML through, and
# not every one honours a backslash before "<" or "&" (Python-Markdown does not).
_HTML_ENTITIES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def _escape_line_start(m: re.Match[str]) -> str:
    indent, mark, digits, dot = m.groups()
    return f"{indent}\\{mark}" if mark else f"{indent}{digits}\\{dot}"


def escape_markdown(value: Any) -> str:
    """``value`` as Markdown text that renders as itself, on one line."""
    if value is None:
        return ""
    text = _NEWLINES.sub(" ", str(value))
    text = _INLINE.sub(r"\\\1", text)
    text = _EDGE_UNDERSCORE.sub(r"\\_", text)
    text = _LINE_START.sub(_escape_line_start, text)
    return text.translate(_HTML_ENTITIES)


def html_environment(package: str) -> Environment:
    """Templates of ``package``/templates, every value HTML-escaped."""
    return _environment(package, autoescape=True)


def markdown_environment(package: str) -> Environment:
    """Templates of ``package``/templates, every value Markdown-escaped (see ``escape_markdown``)."""
    return _environment(package, autoescape=False, finalize=escape_markdown, keep_trailing_newline=True)


def _environment(package: str, **options: Any) -> Environment:
    # Block tags on lines of their own leave no blank lines behind; an undefined name fails loudly.
    return Environment(
        loader=PackageLoader(package, "templates"),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        **options,
    )
