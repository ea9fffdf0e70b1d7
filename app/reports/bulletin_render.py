"""A bulletin as Markdown, HTML (templates/bulletin.md, templates/bulletin.html) and DOCX (the annual
report's GB/T 9704 layout from ``app.reports.docx``), each ending with the data appendix in human names.

Indicator codes stay out of every document: the JSON of the API (``format=json``) is the
machine-readable download that carries them.
"""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.shared import Pt

from app.core.templating import html_environment, markdown_environment
from app.core.text import safe_strings
from app.reports import docx as layout
from app.reports.render import (
    APPENDIX_HEADING,
    REVISIONS_HEADING,
    EditionInfo,
    as_of_line,
    edition_line,
    exact,
    revision_lines,
)
from app.reports.schemas import Bulletin, Figure

APPENDIX_COLUMNS = ("项目", "区（县）", "文中写法", "数值", "未报送", "比较及口径")
# Millimetres per appendix column on a portrait page (156 mm of text width).
APPENDIX_WIDTHS = [32, 18, 24, 20, 16, 46]


def appendix_figures(bulletin: Bulletin) -> list[Figure]:
    """The figures the appendix lists: each district's ranking figures are the rows of 表1 and 表2
    already (and in the JSON), so the appendix does not repeat them."""
    return [f for f in bulletin.figures if not f.key.startswith("rank.")]


def appendix_row(f: Figure) -> list[str]:
    """One figure as the appendix lists it: in words, its exact value and its comparison (the period is
    the bulletin's, stated once in the lead)."""
    compared = f.change_text or "—"
    if f.previous is not None and f.unit != "%" and not f.key.startswith("rate."):
        if f.comparable is not None and f.comparable != f.value:
            compared += f"（上年同期可比{exact(f.previous)}，本期可比{exact(f.comparable)}）"
        else:
            compared += f"（上年同期{exact(f.previous)}）"
    return [
        f.label,
        f.district or "—",
        f.text,
        exact(f.value),
        f.missing or "—",
        compared + (f"；{f.basis}" if f.basis else ""),
    ]


def appendix_lead(bulletin: Bulletin) -> str:
    d = bulletin.district
    b = bulletin
    months = f"{b.month_from}月" if b.month_from == b.month_to else f"{b.month_from}—{b.month_to}月"
    tables = [t.caption.split()[0] for section in b.sections for t in section.tables]
    return (
        f"统计范围：{d.full_name}；统计期：{b.period_zh}（{b.year}年{months}）；"
        "同比与上年同期比较，按可比口径只计两年均已报送的区县-月份。"
        + (f"各区（县）数字见{'、'.join(tables)}。" if tables else "")
        + "数字按通报写法：1万起以“万”计、1亿起以“亿”计，百分比保留一位小数。指标代码见 JSON 格式下载（format=json）。"
    )


def renderable(bulletin: Bulletin) -> Bulletin:
    """The bulletin with every character a renderer cannot write replaced (see ``app.core.text``)."""
    return Bulletin.model_validate(safe_strings(bulletin.model_dump(mode="json")))


_markdown = markdown_environment("app.reports")
_html = html_environment("app.reports")


def _context(bulletin: Bulletin, edition: EditionInfo | None) -> dict[str, Any]:
    clean = renderable(bulletin)
    return {
        "bulletin": clean,
        "edition": edition,
        "edition_line": edition_line(edition) if edition else None,
        "appendix_heading": APPENDIX_HEADING,
        "appendix_lead": appendix_lead(clean),
        "appendix_columns": APPENDIX_COLUMNS,
        "appendix_rows": [appendix_row(f) for f in appendix_figures(clean)],
        "as_of_line": as_of_line(clean),
        "revisions_heading": REVISIONS_HEADING,
        "revisions": revision_lines(edition.revisions) if edition else [],
    }


def bulletin_markdown(bulletin: Bulletin, edition: EditionInfo | None = None) -> str:
    return _markdown.get_template("bulletin.md").render(_context(bulletin, edition))


def bulletin_html(bulletin: Bulletin, edition: EditionInfo | None = None) -> str:
    return _html.get_template("bulletin.html").render(_context(bulletin, edition))


def bulletin_docx(bulletin: Bulletin, edition: EditionInfo | None = None) -> bytes:
    """The bulletin as an official document: the annual report's page, fonts and tables; no table row
    is split across pages, and a table's header row repeats on every page it runs to."""
    b = renderable(bulletin)
    doc = Document()
    layout.setup_styles(doc)
    layout.font_fallbacks(doc)
    layout.page_setup(doc)
    doc.core_properties.title = b.title
    doc.core_properties.author = "应急管理执法工作统计平台"
    doc.core_properties.created = b.generated_at

    layout.para(doc, b.title, layout.STYLE_TITLE)
    if edition:
        layout.para(doc, edition_line(edition), layout.STYLE_NOTE)
    doc.add_paragraph(b.intro)
    for section in b.sections:
        layout.para(doc, section.heading, "Heading 1")
        for text in section.paragraphs:
            doc.add_paragraph(text)
        for t in section.tables:
            layout.para(doc, t.caption, layout.STYLE_CAPTION)
            layout.table(
                doc,
                t.header,
                t.rows,
                layout.STYLE_APPENDIX,
                centred=set(range(2, len(t.header))),
                widths=[12, 26, 22, 16, 21, 22, 16, 21][: len(t.header)],
            )
    for note in b.notes:
        layout.para(doc, note, layout.STYLE_NOTE)

    appendix = layout.para(doc, "附件", "Heading 1")
    appendix.paragraph_format.first_line_indent = Pt(0)
    appendix.paragraph_format.page_break_before = True
    layout.para(doc, APPENDIX_HEADING.removeprefix("附："), layout.STYLE_TITLE)
    layout.para(doc, appendix_lead(b), layout.STYLE_APPENDIX)
    layout.table(
        doc,
        list(APPENDIX_COLUMNS),
        [appendix_row(f) for f in appendix_figures(b)],
        layout.STYLE_APPENDIX,
        centred={3, 4},
        widths=APPENDIX_WIDTHS,
    )
    layout.para(doc, as_of_line(b), layout.STYLE_APPENDIX)
    if edition and edition.revisions:
        layout.para(doc, REVISIONS_HEADING, "Heading 2")
        for line in revision_lines(edition.revisions):
            layout.para(doc, line, layout.STYLE_APPENDIX)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
