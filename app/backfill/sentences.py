"""A report's text cut into what the rules look at: headings, sentences, clauses, enumerated items.

Reports reach us as Word paragraphs, as text files and as PDF text layers, whose line breaks mean
different things: a paragraph in a .docx, a wrapped line in a PDF, a page break inside a word in a
text copied out of a PDF (渝北: "实现执\\n\\n法信息公开透明"). So a line break ends a sentence only
when the line ends one (。！？) or is a heading (一、…, （二）…, 1.…, or a short line without a full
stop, like a title); otherwise the sentence goes on on the next line.

Everything is kept as offsets into the text the caller passed; nothing here rewrites it. The
``scan`` string that the matchers read is the text with full-width digits made ASCII and the inside
of 《book titles》 and 〔document-number years〕 blanked out, one character for one, so that the
offsets of the two are the same: a number or a phrase in the name of a law or a document is never
read as a figure (《河东区法治政府建设2021年版示范指标体系》, 津党编发〔2020〕6号).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.backfill.numbers import translate_digits

MASK = "□"
# 。！？ and what may close a sentence after them.
_TERMINAL = "。！？!?"
_CLOSERS = "”’」』）)"
_CLAUSE_BREAKS = "，,；;：:"
_OPENERS = "（("
_CLOSING_PARENS = "）)"
_SPACE = " \t\u3000\u00a0\u2002\u2003\ufeff"
_MASKED_SPANS = re.compile(r"《[^《》\n]{0,120}》|〔[^〔〕\n]{0,12}〕|\[bookmark:[^\]\n]{0,60}\]")

HEADING_START = re.compile(
    r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d{1,2}[.、．](?!\d)|第[一二三四五六七八九十]+[章节部分])"
)
TOP_HEADING = re.compile(r"^[一二三四五六七八九十]+、")
ITEM_START = re.compile(r"^(?:[一二三四五六七八九十]+是|其[一二三四五六七八九十][，,、是])")
# A heading line shorter than this without a full stop is a heading (a title, a signature, a date).
SHORT_LINE = 24


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass
class Sentence:
    """A sentence (or a heading line) with its clauses and the context the rules read."""

    start: int
    end: int
    clauses: list[Span]
    is_heading: bool = False
    # The first sentence of the enumerated item (一是…, 二是…) this one belongs to; may be itself.
    item_lead: Span | None = None
    # The nearest heading line above.
    heading: Span | None = None
    # The heading of a section that holds no figures of the year (plans, shortcomings), if inside one.
    excluded_by: Span | None = None


@dataclass
class Document:
    text: str
    scan: str
    sentences: list[Sentence] = field(default_factory=list)
    # Heading lines in order (titles and signatures included).
    headings: list[Span] = field(default_factory=list)

    def span_text(self, span: Span) -> str:
        return self.text[span.start : span.end]


def make_scan(text: str) -> str:
    """``text`` for matching: ASCII digits, book titles and document-number years blanked."""
    scan = translate_digits(text)
    parts: list[str] = []
    last = 0
    for m in _MASKED_SPANS.finditer(scan):
        inner_start = m.start() + 1 if not m.group(0).startswith("[") else m.start()
        inner_end = m.end() - 1 if not m.group(0).startswith("[") else m.end()
        parts.append(scan[last:inner_start])
        parts.append(MASK * (inner_end - inner_start))
        last = inner_end
    parts.append(scan[last:])
    return "".join(parts)


def _strip(scan: str, start: int, end: int) -> tuple[int, int]:
    while start < end and scan[start] in _SPACE:
        start += 1
    while end > start and scan[end - 1] in _SPACE:
        end -= 1
    return start, end


def _is_heading(line: str) -> bool:
    if any(c in line for c in _TERMINAL):
        return False
    if line[-1] in "，、；,;":
        return False
    return bool(HEADING_START.match(line)) or len(line) < SHORT_LINE


def _ends_sentence(line: str) -> bool:
    return line.rstrip(_CLOSERS)[-1:] in tuple(_TERMINAL) if line.rstrip(_CLOSERS) else False


def _lines(scan: str) -> list[tuple[Span, bool]]:
    """Non-empty lines, stripped of surrounding spaces, each with whether an empty line precedes it."""
    out: list[tuple[Span, bool]] = []
    pos = 0
    blank = False
    for raw in scan.split("\n"):
        start, end = _strip(scan, pos, pos + len(raw))
        if end > start:
            out.append((Span(start, end), blank))
            blank = False
        else:
            blank = True
        pos += len(raw) + 1
    return out


def _clauses(scan: str, start: int, end: int) -> list[Span]:
    """Clauses of a sentence: cut at ，；：, and a parenthesis is a clause of its own."""
    out: list[Span] = []
    begin = start
    for i in range(start, end):
        c = scan[i]
        if c == "," and scan[i - 1 : i].isdigit() and scan[i + 1 : i + 4].isdigit():
            continue  # 4,512项: a thousands separator
        if c in _CLAUSE_BREAKS or c in _OPENERS or c in _CLOSING_PARENS:
            s, e = _strip(scan, begin, i)
            if e > s:
                out.append(Span(s, e))
            begin = i + 1
    s, e = _strip(scan, begin, end)
    if e > s:
        out.append(Span(s, e))
    return out


def _sentences_of_block(scan: str, start: int, end: int) -> list[Span]:
    out: list[Span] = []
    begin = start
    i = start
    while i < end:
        if scan[i] in _TERMINAL:
            j = i + 1
            while j < end and scan[j] in _CLOSERS:
                j += 1
            s, e = _strip(scan, begin, j)
            if e > s:
                out.append(Span(s, e))
            begin = i = j
            continue
        i += 1
    s, e = _strip(scan, begin, end)
    if e > s:
        out.append(Span(s, e))
    return out


# Sections of a report that state plans or shortcomings, not the year's figures.
EXCLUDING_HEADING = re.compile(
    r"下一年度|下一步|下步|明年|来年|工作思路|工作打算|打算|主要安排|工作安排|工作计划|计划安排|"
    r"存在的?(?:问题|不足)|不足(?:之处)?(?:和|与|及)?(?:原因|问题|改进)?$|问题(?:和|与|及)不足|十四五"
)


def segment(text: str) -> Document:
    """Cut ``text`` into headings, sentences and clauses (offsets into ``text``)."""
    scan = make_scan(text)
    doc = Document(text=text, scan=scan)
    lines = _lines(scan)
    # Blocks: runs of lines that one sentence may cross; a heading line is a block of its own.
    blocks: list[tuple[Span, bool]] = []
    current: Span | None = None
    for line, after_blank in lines:
        content = scan[line.start : line.end]
        if after_blank and current is not None:
            # An empty line ends a paragraph: no sentence crosses it (a long title line, pasted
            # above the first paragraph, stays a line of its own).
            blocks.append((current, False))
            current = None
        if _is_heading(content):
            if current is not None:
                blocks.append((current, False))
                current = None
            blocks.append((line, True))
            continue
        current = line if current is None else Span(current.start, line.end)
        if _ends_sentence(content):
            # The block may go on (a paragraph of several sentences on several lines) but needs not:
            # ending it here keeps the item structure of one paragraph per line.
            blocks.append((current, False))
            current = None
    if current is not None:
        blocks.append((current, False))

    heading: Span | None = None
    excluded_by: Span | None = None
    for block, is_heading in blocks:
        if is_heading:
            content = scan[block.start : block.end]
            heading = block
            doc.headings.append(block)
            if EXCLUDING_HEADING.search(content):
                excluded_by = block
            elif TOP_HEADING.match(content):
                excluded_by = None
            doc.sentences.append(
                Sentence(
                    block.start, block.end, _clauses(scan, block.start, block.end), True, None, heading, excluded_by
                )
            )
            continue
        item_lead: Span | None = None
        for span in _sentences_of_block(scan, block.start, block.end):
            content = scan[span.start : span.end]
            if ITEM_START.match(content):
                item_lead = span
            if HEADING_START.match(content) and TOP_HEADING.match(content):
                # 一、…。 written as the first sentence of a paragraph: a top-level heading too.
                excluded_by = span if EXCLUDING_HEADING.search(content) else None
            doc.sentences.append(
                Sentence(
                    span.start,
                    span.end,
                    _clauses(scan, span.start, span.end),
                    False,
                    item_lead,
                    heading,
                    excluded_by,
                )
            )
    return doc
