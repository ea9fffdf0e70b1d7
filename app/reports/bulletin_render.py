"""A bulletin as Markdown, HTML (templates/bulletin.md, templates/bulletin.html) and DOCX (the annual
report's GB/T 9704 layout from ``app.reports.docx``), each ending with the data appendix in human names.

Indicator codes stay out of every document: the JSON of the API (``format=json``) is the
machine-readable download that carries them.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
from typing import Any

from docx import Document
from docx.shared import Pt

from app.core.periods import Period, parse_period, to_beijing
from app.core.templating import html_environment, markdown_environment
from app.core.text import safe_strings
from app.reports import bulletin_en as en
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
# The English bulletin's words for the same.
APPENDIX_COLUMNS_EN = ("Item", "District", "As written", "Value", "Not reported", "Comparison and basis")
APPENDIX_HEADING_EN = "Appendix: data table"
# Millimetres per appendix column on a portrait page (156 mm of text width).
APPENDIX_WIDTHS = [32, 18, 24, 20, 16, 46]
# Parsing a saved bulletin's period: it had ended when the bulletin was written.
_FAR_FUTURE = dt.date(9999, 1, 1)


def appendix_figures(bulletin: Bulletin) -> list[Figure]:
    """The figures the appendix lists: each district's ranking figures are the rows of 表1 and 表2
    already (and in the JSON), so the appendix does not repeat them."""
    return [f for f in bulletin.figures if not f.key.startswith("rank.")]


def appendix_row(f: Figure, english: bool = False) -> list[str]:
    """One figure as the appendix lists it: in words, its exact value and its comparison (the period is
    the bulletin's, stated once in the lead)."""
    compared = f.change_text or "—"
    if english:
        if f.previous is not None and f.unit != "%" and not f.key.startswith("rate."):
            if f.comparable is not None and f.comparable != f.value:
                compared += (
                    f" (same period last year, comparable: {en.exact(f.previous)}; "
                    f"this period, comparable: {en.exact(f.comparable)})"
                )
            else:
                compared += f" (same period last year: {en.exact(f.previous)})"
        return [
            f.label,
            f.district or "—",
            f.text,
            en.exact(f.value),
            f.missing or "—",
            compared + (f"; {f.basis}" if f.basis else ""),
        ]
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
    if b.lang == "en":
        period = Period(b.year, b.month_from, b.month_to, "range")
        tables = [" ".join(t.caption.split()[:2]) for section in b.sections for t in section.tables]
        return (
            f"Scope: {en.full_name(d)}; period: {en.period_name(parse_period(b.period, _FAR_FUTURE))} "
            f"({en.period_name(period)}); year-on-year changes compare with the same months of the year before, "
            "on a comparable basis counting only the district-months reported in both years. "
            + (f"The districts' figures are in {en.join_and(tables)}. " if tables else "")
            + "Numbers are written as in the text: from 1 million in millions and from 1 billion in billions; "
            "percentages to one decimal. Indicator codes are in the JSON download (format=json)."
        )
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


def as_of(bulletin: Bulletin) -> str:
    """When the data were last updated and the bulletin generated, in the bulletin's language."""
    if bulletin.lang != "en":
        return as_of_line(bulletin)
    return (
        f"Data as of {_moment_en(bulletin.data_as_of)} (Beijing time, the last update of the values used); "
        f"generated {_moment_en(bulletin.generated_at)}."
    )


def _moment_en(moment: dt.datetime | None) -> str:
    if moment is None:
        return "none"
    local = to_beijing(moment)
    return f"{local.day} {calendar.month_name[local.month]} {local.year} {local:%H:%M}"


REVISIONS_LEAD = "以下数字在定稿后因数据更新而改变，定稿正文保持不变："
REVISIONS_HEADING_EN = "Figures revised since the edition was saved"
REVISIONS_LEAD_EN = "The data have changed these figures since the edition was saved; its text stays as it was:"


def edition_words(bulletin: Bulletin, edition: EditionInfo) -> tuple[str, str, str, list[str]]:
    """An edition's line, revisions heading and lead, and revision lines in the bulletin's language."""
    if bulletin.lang != "en":
        return edition_line(edition), REVISIONS_HEADING, REVISIONS_LEAD, revision_lines(edition.revisions)
    line = (
        f"Final edition No. {edition.id}, saved by {edition.created_by} on {_moment_en(edition.created_at)} "
        "(Beijing time)."
    )
    revised = [
        f"{r.label}" + (f" ({r.district})" if r.district else "") + f": {r.old_text or 'none'} → {r.new_text or 'none'}"
        for r in edition.revisions
    ]
    return line, REVISIONS_HEADING_EN, REVISIONS_LEAD_EN, revised


def _context(bulletin: Bulletin, edition: EditionInfo | None) -> dict[str, Any]:
    clean = renderable(bulletin)
    english = clean.lang == "en"
    line, revisions_heading, revisions_lead, revised = edition_words(clean, edition) if edition else ("", "", "", [])
    return {
        "bulletin": clean,
        "html_lang": "en" if english else "zh-CN",
        "edition": edition,
        "edition_line": line if edition else None,
        "appendix_heading": APPENDIX_HEADING_EN if english else APPENDIX_HEADING,
        "appendix_lead": appendix_lead(clean),
        "appendix_columns": APPENDIX_COLUMNS_EN if english else APPENDIX_COLUMNS,
        "appendix_rows": [appendix_row(f, english) for f in appendix_figures(clean)],
        "as_of_line": as_of(clean),
        "revisions_heading": revisions_heading if edition else REVISIONS_HEADING,
        "revisions_lead": revisions_lead,
        "revisions": revised,
    }


def bulletin_markdown(bulletin: Bulletin, edition: EditionInfo | None = None) -> str:
    return _markdown.get_template("bulletin.md").render(_context(bulletin, edition))


def bulletin_html(bulletin: Bulletin, edition: EditionInfo | None = None) -> str:
    return _html.get_template("bulletin.html").render(_context(bulletin, edition))


def bulletin_docx(bulletin: Bulletin, edition: EditionInfo | None = None) -> bytes:
    """The bulletin as an official document: the annual report's page, fonts and tables; no table row
    is split across pages, and a table's header row repeats on every page it runs to."""
    b = renderable(bulletin)
    english = b.lang == "en"
    doc = Document()
    layout.setup_styles(doc)
    layout.font_fallbacks(doc)
    layout.page_setup(doc)
    doc.core_properties.title = b.title
    doc.core_properties.author = (
        "Emergency Management Enforcement Statistics Platform" if english else "应急管理执法工作统计平台"
    )
    doc.core_properties.created = b.generated_at

    line, revisions_heading, _lead, revised = edition_words(b, edition) if edition else ("", "", "", [])
    layout.para(doc, b.title, layout.STYLE_TITLE)
    if edition:
        layout.para(doc, line, layout.STYLE_NOTE)
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

    appendix = layout.para(doc, "Annex" if english else "附件", "Heading 1")
    appendix.paragraph_format.first_line_indent = Pt(0)
    appendix.paragraph_format.page_break_before = True
    heading = APPENDIX_HEADING_EN.removeprefix("Appendix: ").capitalize() if english else APPENDIX_HEADING
    layout.para(doc, heading.removeprefix("附："), layout.STYLE_TITLE)
    layout.para(doc, appendix_lead(b), layout.STYLE_APPENDIX)
    layout.table(
        doc,
        list(APPENDIX_COLUMNS_EN if english else APPENDIX_COLUMNS),
        [appendix_row(f, english) for f in appendix_figures(b)],
        layout.STYLE_APPENDIX,
        centred={3, 4},
        widths=APPENDIX_WIDTHS,
    )
    layout.para(doc, as_of(b), layout.STYLE_APPENDIX)
    if edition and edition.revisions:
        layout.para(doc, revisions_heading, "Heading 2")
        for revision in revised:
            layout.para(doc, revision, layout.STYLE_APPENDIX)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
