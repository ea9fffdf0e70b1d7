"""The report as a DOCX in official-document layout (GB/T 9704 practice), with a figure table and a chart.

A4; margins 37/35/28/26 mm; title in 方正小标宋简体 二号 (22 pt) centred; body in 仿宋_GB2312 三号
(16 pt) with exactly 28-point lines; 一、 headings in 黑体, （一） headings in 楷体_GB2312; page numbers
"— 1 —" in the footer. East-Asian fonts go into ``w:eastAsia`` (Word picks the font of Chinese text
from it, not from ``w:ascii``), and the font table names a fallback for the fonts an ordinary
Windows lacks (仿宋_GB2312 → 仿宋, 楷体_GB2312 → 楷体, 方正小标宋简体 → 宋体).
"""

from __future__ import annotations

import io
import math
import threading
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor
from lxml import etree

from app.reports.numbers import format_quantity
from app.reports.render import (
    APPENDIX_HEADING,
    PLACEHOLDER,
    REVISIONS_HEADING,
    EditionInfo,
    appendix_lead,
    appendix_rows,
    as_of_line,
    edition_line,
    renderable,
    revision_lines,
)
from app.reports.schemas import AnnualReport, ChartData

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = Mm(37), Mm(35), Mm(28), Mm(26)
TEXT_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING1_FONT = "黑体"
HEADING2_FONT = "楷体_GB2312"
PAGE_NUMBER_FONT = "宋体"
LATIN_FONT = "Times New Roman"
# Substitutes Word uses when the first font is not installed (w:altName in the font table).
FALLBACKS = {TITLE_FONT: "宋体", BODY_FONT: "仿宋", HEADING2_FONT: "楷体"}

SIZE_TITLE = Pt(22)  # 二号
SIZE_BODY = Pt(16)  # 三号
SIZE_PAGE_NUMBER = Pt(14)  # 四号
SIZE_TABLE = Pt(12)  # 小四
SIZE_APPENDIX = Pt(10.5)  # 五号
LINE = Pt(28)
INDENT = Pt(32)  # two characters of 三号

STYLE_TITLE = "Report Title"
STYLE_CAPTION = "Report Caption"
STYLE_TABLE = "Report Table Text"
STYLE_APPENDIX = "Report Appendix Text"
STYLE_NOTE = "Report Note"
BUILTIN_IDS = {"Heading 1": "Heading1", "Heading 2": "Heading2", "Normal": "Normal"}

CJK_CHART_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "SimHei", "Microsoft YaHei")
_chart_lock = threading.Lock()


# ----------------------------------------------------------------------------- fonts and styles


def set_fonts(element: Any, east_asia: str, latin: str = LATIN_FONT) -> None:
    """Set the fonts of a style's or a run's ``w:rPr``: East-Asian and Latin, dropping theme fonts
    (which would win over named fonts)."""
    rfonts = element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    rfonts.set(qn("w:ascii"), latin)
    rfonts.set(qn("w:hAnsi"), latin)
    rfonts.set(qn("w:eastAsia"), east_asia)
    rfonts.set(qn("w:cs"), latin)
    rfonts.set(qn("w:hint"), "eastAsia")


def _paragraph_style(
    doc: DocumentObject,
    name: str,
    *,
    font: str,
    size: Pt,
    latin: str = LATIN_FONT,
    base: str | None = "Normal",
    create: bool = True,
    line: Pt | None = LINE,
    indent: Pt | None = INDENT,
    align: WD_ALIGN_PARAGRAPH | None = WD_ALIGN_PARAGRAPH.JUSTIFY,
    before: Pt = Pt(0),
    after: Pt = Pt(0),
    grid: bool = True,
) -> None:
    style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH) if create else doc.styles[name]
    if base and create:
        style.base_style = doc.styles[base]
    set_fonts(style.element, font, latin)
    style.font.size = size
    style.font.bold = False
    style.font.color.rgb = RGBColor(0, 0, 0)
    pf = style.paragraph_format
    if line is None:
        pf.line_spacing = 1.0
    else:
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = line
    pf.first_line_indent = indent if indent is not None else Pt(0)
    pf.space_before, pf.space_after = before, after
    if align is not None:
        pf.alignment = align
    if not grid:
        # Off the 28-point document grid: table cells and captions would otherwise take a body line each.
        snap = OxmlElement("w:snapToGrid")
        snap.set(qn("w:val"), "0")
        style.element.get_or_add_pPr().insert_element_before(snap, *_AFTER_SNAP_TO_GRID)


_AFTER_SNAP_TO_GRID = (
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)


def setup_styles(doc: DocumentObject) -> None:
    _paragraph_style(doc, "Normal", font=BODY_FONT, size=SIZE_BODY, create=False, base=None)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    doc.styles["Normal"].element.get_or_add_rPr().append(lang)
    for name, font in (("Heading 1", HEADING1_FONT), ("Heading 2", HEADING2_FONT)):
        _paragraph_style(doc, name, font=font, size=SIZE_BODY, create=False)
        doc.styles[name].paragraph_format.keep_with_next = True
    _paragraph_style(
        doc,
        STYLE_TITLE,
        font=TITLE_FONT,
        size=SIZE_TITLE,
        line=Pt(36),
        indent=None,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        after=LINE,
    )
    _paragraph_style(
        doc,
        STYLE_CAPTION,
        font=HEADING1_FONT,
        size=Pt(14),
        line=None,
        indent=None,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        before=Pt(6),
        after=Pt(6),
        grid=False,
    )
    doc.styles[STYLE_CAPTION].paragraph_format.keep_with_next = True
    for name, size in ((STYLE_TABLE, SIZE_TABLE), (STYLE_APPENDIX, SIZE_APPENDIX)):
        _paragraph_style(
            doc, name, font=BODY_FONT, size=size, line=None, indent=None, align=WD_ALIGN_PARAGRAPH.LEFT, grid=False
        )
    _paragraph_style(doc, STYLE_NOTE, font=BODY_FONT, size=Pt(14), line=Pt(24), indent=INDENT)


def font_fallbacks(doc: DocumentObject) -> None:
    """Name the substitutes in word/fontTable.xml (``w:altName``), for machines without the GB fonts."""
    part = next((p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml"), None)
    if part is None:
        return
    root = parse_xml(part.blob)
    for name, alt in FALLBACKS.items():
        font = OxmlElement("w:font")
        font.set(qn("w:name"), name)
        alt_name = OxmlElement("w:altName")
        alt_name.set(qn("w:val"), alt)
        charset = OxmlElement("w:charset")
        charset.set(qn("w:val"), "86")  # GB2312
        font.append(alt_name)
        font.append(charset)
        root.append(font)
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def page_setup(doc: DocumentObject) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT
    section.header_distance, section.footer_distance = Mm(15), Mm(23)
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is not None:
        # 22 lines of 28 points a page, as GB/T 9704 lays out the body.
        grid.set(qn("w:type"), "lines")
        grid.set(qn("w:linePitch"), str(int(LINE.pt * 20)))
    _page_number(section.footer.paragraphs[0])


def _page_number(paragraph: Any) -> None:
    """ "— 1 —" centred: a PAGE field between two dashes, 四号宋体."""
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.first_line_indent = Pt(0)

    def run(text: str | None = None) -> Any:
        r = paragraph.add_run(text)
        set_fonts(r._r, PAGE_NUMBER_FONT, PAGE_NUMBER_FONT)
        r.font.size = SIZE_PAGE_NUMBER
        return r

    run("— ")
    for kind, instruction in (("begin", None), (None, " PAGE "), ("separate", None), (None, None), ("end", None)):
        r = run("1" if kind is None and instruction is None else None)
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            r._r.append(fld)
        elif instruction:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = instruction
            r._r.append(instr)
    run(" —")


# ----------------------------------------------------------------------------- the chart


@lru_cache(maxsize=1)
def chart_font() -> str | None:
    """A CJK font matplotlib can use (Debian's fonts-noto-cjk gives Noto Sans CJK SC), or None."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_CHART_FONTS if name in installed), None)


def chart_png(chart: ChartData) -> bytes:
    """The monthly trend, this year against last, as a PNG (Agg backend, no display)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure as MplFigure

    cjk = chart_font()
    # Without a CJK font the labels fall back to ASCII rather than empty boxes.
    month_labels = [f"{m}月" if cjk else str(m) for m in range(1, 13)]
    this_label = f"{chart.year}年" if cjk else str(chart.year)
    last_label = f"{chart.previous_year}年" if cjk else str(chart.previous_year)

    def nan(values: list[float | None]) -> list[float]:
        return [math.nan if v is None else v for v in values]

    families = [cjk, "DejaVu Sans"] if cjk else ["DejaVu Sans"]
    with _chart_lock, rc_context({"font.family": families, "axes.unicode_minus": False}):
        fig = MplFigure(figsize=(6.2, 3.0), dpi=150)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        months = list(range(1, 13))
        if chart.previous and any(v is not None for v in chart.previous):
            ax.plot(months, nan(chart.previous), marker="o", ms=3, lw=1.5, ls="--", color="#888888", label=last_label)
        ax.plot(months, nan(chart.values), marker="o", ms=4, lw=2, color="#c0392b", label=this_label)
        ax.set_xticks(months, month_labels)
        ax.set_ylabel(f"{chart.label}（{chart.unit}）" if cjk else "")
        ax.set_ylim(bottom=0)
        ax.grid(axis="y", alpha=0.3)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.legend(frameon=False, loc="best")
        # Fixed margins: tight_layout would draw the figure twice.
        fig.subplots_adjust(left=0.11, right=0.98, top=0.95, bottom=0.1)
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
    return buf.getvalue()


# ----------------------------------------------------------------------------- tables


def _styled(paragraph: Any, style_id: str) -> Any:
    # Sets w:pStyle directly: python-docx's lookup by style name scans every style each time, which
    # made a report's tables take half a second.
    paragraph._p.style = style_id
    return paragraph


def para(doc: DocumentObject, text: str | None, style: str | None = None) -> Any:
    paragraph = doc.add_paragraph(text or "")
    return _styled(paragraph, _style_id(style)) if style else paragraph


def _style_id(name: str) -> str:
    return BUILTIN_IDS.get(name) or name.replace(" ", "")


def _run_xml(text: str, *, bold: bool) -> str:
    fonts = (
        f'<w:rPr><w:rFonts w:ascii="{LATIN_FONT}" w:hAnsi="{LATIN_FONT}" w:eastAsia="{HEADING1_FONT}" '
        f'w:cs="{LATIN_FONT}" w:hint="eastAsia"/></w:rPr>'
        if bold
        else ""
    )
    return f'<w:r>{fonts}<w:t xml:space="preserve">{xml_escape(text)}</w:t></w:r>'


def table(
    doc: DocumentObject, header: list[str], rows: list[list[str]], style: str, centred: set[int], widths: list[int]
) -> None:
    """A grid table with a repeated header row; ``widths`` in millimetres, one per column.

    Written as one piece of XML: python-docx builds a table cell by cell, and its lookups made the
    appendix's two hundred cells take a quarter of a second.
    """
    style_id = _style_id(style)
    twips = [Mm(w).twips for w in widths]

    def row(values: list[str], *, is_header: bool) -> str:
        cells = []
        for i, (text, width) in enumerate(zip(values, twips, strict=True)):
            jc = '<w:jc w:val="center"/>' if is_header or i in centred else ""
            cells.append(
                f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr><w:p><w:pPr>'
                f'<w:pStyle w:val="{style_id}"/>{jc}</w:pPr>{_run_xml(text, bold=is_header)}</w:p></w:tc>'
            )
        # No row is split across pages (cantSplit); the header row repeats on each page.
        repeat = "<w:tblHeader/>" if is_header else ""
        return f"<w:tr><w:trPr><w:cantSplit/>{repeat}</w:trPr>{''.join(cells)}</w:tr>"

    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in twips)
    xml = (
        f"<w:tbl {nsdecls('w')}><w:tblPr>"
        f'<w:tblStyle w:val="TableGrid"/><w:tblW w:w="{sum(twips)}" w:type="dxa"/><w:jc w:val="center"/>'
        '<w:tblLayout w:type="fixed"/>'
        '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" '
        'w:noHBand="0" w:noVBand="1"/>'
        f"</w:tblPr><w:tblGrid>{grid}</w:tblGrid>"
        + row(header, is_header=True)
        + "".join(row(values, is_header=False) for values in rows)
        + "</w:tbl>"
    )
    doc.element.body._insert_tbl(parse_xml(xml))


def key_figure_rows(report: AnnualReport) -> tuple[list[str], list[list[str]]]:
    """表1: each indicator the text states, this year against last year's same months."""
    figures = [f for key in report.key_figures if (f := report.figure(key)) is not None]
    partial = any(f.comparable is not None and f.comparable != f.value for f in figures)
    header = ["指标", f"{report.year}年"]
    if partial:
        header.append("本年可比月份")
    header += [f"{report.year - 1}年同期", "同比"]
    rows = []
    for f in figures:
        row = [f.label, f.text]
        if partial:
            row.append(_quantity(f.comparable, f.unit))
        row += [_quantity(f.previous, f.unit), f.change_text or "—"]
        rows.append(row)
    return header, rows


def _quantity(value: float | None, unit: str) -> str:
    return "—" if value is None else format_quantity(value, unit)


def appendix_table_rows(report: AnnualReport) -> list[list[str]]:
    return [[r.item, r.text, r.value, r.period, r.missing, r.change_and_basis()] for r in appendix_rows(report)]


# ----------------------------------------------------------------------------- the document


def _figure_caption(doc: DocumentObject, text: str) -> None:
    para(doc, text, STYLE_CAPTION)


def to_docx(report: AnnualReport, edition: EditionInfo | None = None) -> bytes:
    report, edition = renderable(report, edition)  # no stored character can break the XML
    doc = Document()
    setup_styles(doc)
    font_fallbacks(doc)
    page_setup(doc)
    doc.core_properties.title = report.title
    doc.core_properties.author = "应急管理执法工作统计平台"
    doc.core_properties.created = report.generated_at

    para(doc, report.title, STYLE_TITLE)
    if edition:
        para(doc, edition_line(edition), STYLE_NOTE)
    doc.add_paragraph(report.intro)
    para(doc, report.main_heading, "Heading 1")
    for section in report.sections:
        if section.heading:
            para(doc, section.heading, "Heading 2")
        for text in section.paragraphs:
            doc.add_paragraph(text)

    # The notes stay under the text they qualify, before the table and the chart.
    for note in report.notes:
        para(doc, note, STYLE_NOTE)
    header, rows = key_figure_rows(report)
    if rows:
        _figure_caption(doc, f"表1  {report.district.full_name}{report.year}年主要执法数据与上年同期对比")
        widths = [38, 28, 28, 28, 34] if len(header) == 5 else [50, 34, 34, 38]
        table(doc, header, rows, STYLE_TABLE, centred=set(range(1, len(header))), widths=widths)
    if report.chart is not None:
        para(doc, None, STYLE_CAPTION).add_run().add_picture(
            io.BytesIO(chart_png(report.chart)), width=TEXT_WIDTH - Mm(6)
        )
        _figure_caption(
            doc, f"图1  {report.chart.label}月度趋势（{report.chart.year}年与{report.chart.previous_year}年）"
        )

    if report.situation is not None:
        para(doc, report.situation.heading, "Heading 1")
        for text in report.situation.paragraphs:
            doc.add_paragraph(text)
    for heading in report.writer_sections:
        para(doc, heading, "Heading 1")
        doc.add_paragraph(PLACEHOLDER)

    # The appendix starts a page of its own, portrait like the rest (six columns in human names).
    appendix = para(doc, "附件", "Heading 1")
    appendix.paragraph_format.first_line_indent = Pt(0)
    appendix.paragraph_format.page_break_before = True
    para(doc, APPENDIX_HEADING.removeprefix("附："), STYLE_TITLE)
    para(doc, appendix_lead(report), STYLE_APPENDIX)
    table(
        doc,
        ["项目", "文中写法", "数值", "统计月份", "缺报月份", "同比及口径"],
        appendix_table_rows(report),
        STYLE_APPENDIX,
        centred={2, 3, 4},
        widths=[30, 24, 18, 20, 16, 48],
    )
    para(doc, as_of_line(report), STYLE_APPENDIX)
    if edition and edition.revisions:
        para(doc, REVISIONS_HEADING, "Heading 2")
        for line in revision_lines(edition.revisions):
            para(doc, line, STYLE_APPENDIX)

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
