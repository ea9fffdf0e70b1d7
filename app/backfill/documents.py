"""The text of the files a bureau keeps its reports in: .docx (paragraphs and tables, in document
order), .txt (UTF-8, UTF-8 with BOM, GB18030, UTF-16 with BOM) and .pdf with a text layer.

Every reading is bounded — bytes (checked before this module by the route), the unpacked size of
a .docx, the pages and the time of a PDF, the characters of the text — and whatever a file does
wrong (not what it says it is, encrypted, scanned without a text layer, damaged) is a 422 problem
naming the cause, never a 500: the parsers are third-party code fed untrusted bytes, so any
exception they raise is the file's fault.

The text handed on is what proposals' offsets index: line ends made ``\\n``, no byte-order mark,
no control characters other than tab and newline; a table row is one line, its cells separated by
tabs; PDF pages are joined by a newline, with lines that are only a page number left out.
"""

from __future__ import annotations

import io
import logging
import re
import time
import zipfile
from typing import TYPE_CHECKING, Literal

from app.core.errors import Problem, ValidationFailed

if TYPE_CHECKING:
    from lxml.etree import _Element  # lxml's element class (lxml has no type hints: Any to mypy)

log = logging.getLogger(__name__)

MAX_CHARS = 200_000
MAX_PDF_PAGES = 300
MAX_SECONDS = 20.0
MAX_DOCX_UNPACKED = 100 * 1024 * 1024
MAX_DOCX_ENTRIES = 5_000
Kind = Literal["docx", "txt", "pdf"]
KINDS: dict[str, Kind] = {".docx": "docx", ".txt": "txt", ".pdf": "pdf"}

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PAGE_NUMBER = re.compile(
    r"^\s*[-—–－]?\s*\d{1,3}\s*[-—–－]?\s*$|^\s*第\s*\d{1,3}\s*页(?:\s*[/，,]?\s*共\s*\d{1,3}\s*页)?\s*$"
)


def unreadable(code: str, zh: str, en: str, *, file_name: str | None = None) -> ValidationFailed:
    problem = Problem(f"backfill.{code}", zh, en, column="file", value=file_name)
    return ValidationFailed(zh, en, errors=[problem])


def kind_of(content: bytes, file_name: str | None) -> Kind:
    """docx, txt or pdf: by the file's extension, else by its first bytes."""
    suffix = ("." + file_name.rsplit(".", 1)[-1].lower()) if file_name and "." in file_name else ""
    if suffix in KINDS:
        return KINDS[suffix]
    if suffix:
        hint_zh = "；旧版 Word（.doc）请另存为 .docx" if suffix in (".doc", ".wps") else ""
        hint_en = "; save old Word files (.doc) as .docx" if suffix in (".doc", ".wps") else ""
        raise unreadable(
            "unsupported_type",
            f"不支持的文件类型 {suffix}：请上传 .docx、.txt 或带文字层的 .pdf{hint_zh}",
            f"Unsupported file type {suffix}: upload .docx, .txt or a .pdf with a text layer{hint_en}",
            file_name=file_name,
        )
    if content.startswith(b"%PDF"):
        return "pdf"
    if content.startswith(b"PK\x03\x04"):
        return "docx"
    return "txt"


def read_document(content: bytes, file_name: str | None) -> str:
    """The text of a .docx, .txt or .pdf file, normalised (see the module's notes)."""
    kind = kind_of(content, file_name)
    if kind == "txt":
        text = decode_text(content, file_name=file_name)
    elif kind == "docx":
        text = text_of_docx(content, file_name=file_name)
    else:
        text = text_of_pdf(content, file_name=file_name)
    return checked_text(text, file_name=file_name)


def normalise(text: str) -> str:
    """Line ends as ``\\n``, no BOM, no control characters but tab and newline."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    return _CONTROL.sub("", text)


def checked_text(text: str, *, file_name: str | None = None) -> str:
    """``text`` normalised, refused when it is empty or longer than MAX_CHARS."""
    text = normalise(text)
    if not text.strip():
        raise unreadable("empty", "没有可读取的文字", "There is no text to read", file_name=file_name)
    if len(text) > MAX_CHARS:
        raise unreadable(
            "too_long",
            f"文字超过 {MAX_CHARS:,} 字（{len(text):,} 字），请只提交年度报告本身",
            f"The text is longer than {MAX_CHARS:,} characters ({len(text):,}); send the report alone",
            file_name=file_name,
        )
    return text


def decode_text(content: bytes, *, file_name: str | None = None) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 — whichever decodes cleanly."""
    if content.startswith(b"\xef\xbb\xbf"):
        encodings = ["utf-8-sig"]
    elif content.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ["utf-16"]
    else:
        encodings = ["utf-8", "gb18030"]
    for encoding in encodings:
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding != "utf-16" and "\x00" in text:
            break
        return text
    raise unreadable(
        "not_text",
        "无法识别文本编码（应为 UTF-8 或 GB18030），或不是文本文件",
        "Cannot read the text: not UTF-8 or GB18030, or not a text file",
        file_name=file_name,
    )


def text_of_docx(content: bytes, *, file_name: str | None = None) -> str:
    """Paragraphs and table rows of the document body, in order."""
    from docx import Document
    from docx.oxml.ns import qn

    damaged = unreadable(
        "bad_docx",
        "无法读取 Word 文件：文件已损坏或不是 .docx",
        "Cannot read the Word file: damaged or not a .docx",
        file_name=file_name,
    )
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_DOCX_ENTRIES or sum(e.file_size for e in entries) > MAX_DOCX_UNPACKED:
                raise unreadable(
                    "too_large",
                    "Word 文件解压后过大，不像一份报告",
                    "The Word file unpacks to too much to be a report",
                    file_name=file_name,
                )
            if "word/document.xml" not in archive.namelist():
                raise damaged
        document = Document(io.BytesIO(content))
        lines: list[str] = []
        for block in document.element.body.iterchildren():
            if block.tag == qn("w:p"):
                lines.append(_paragraph_text(block))
            elif block.tag == qn("w:tbl"):
                for row in block.iter(qn("w:tr")):
                    cells = [
                        "".join(_paragraph_text(p) for p in cell.iter(qn("w:p")))
                        for cell in row.iterchildren(qn("w:tc"))
                    ]
                    lines.append("\t".join(c for c in cells if c))
            elif block.tag == qn("w:sdt"):
                lines.extend(_paragraph_text(p) for p in block.iter(qn("w:p")))
        return "\n".join(lines)
    except ValidationFailed:
        raise
    except Exception as exc:  # a damaged file can make python-docx or lxml raise anything
        log.info("unreadable .docx %r: %s", file_name, exc)
        raise damaged from exc


def _paragraph_text(paragraph: _Element) -> str:
    """The text of a w:p element: its runs' text, tabs and breaks (hyperlinks included)."""
    from docx.oxml.ns import qn

    out: list[str] = []
    for node in paragraph.iter(qn("w:t"), qn("w:tab"), qn("w:br")):
        if node.tag == qn("w:t"):
            out.append(node.text or "")
        elif node.tag == qn("w:tab"):
            out.append("\t")
        else:
            out.append("\n")
    return "".join(out)


# pypdf places quotation marks drawn in another font out of order, with spaces around them
# ("活动8\n场，7000 “ ” “余人参加"); a quotation mark never touches a space in Chinese prose.
_QUOTES = re.compile(r"[ \t]*[“”‘’\"](?:[ \t]*[“”‘’\"])*[ \t]*")


def _stray_quote(m: re.Match[str]) -> str:
    text, cluster = m.string, m.group(0)
    at_line_edge = m.start() == 0 or text[m.start() - 1] == "\n" or m.end() == len(text) or text[m.end()] == "\n"
    if at_line_edge:
        return ""
    return " " if any(c in " \t" for c in cluster) else cluster


_INDENT = " \t\u3000\u00a0\u2002\u2003"
_PARAGRAPH_START = re.compile(
    r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d{1,2}[.、．](?!\d))"
)
_LINE_END = tuple("。！？!?：:；;")


def unwrap_pdf_page(text: str) -> str:
    """One page's text with the layout undone: page numbers dropped, stray quotation marks removed,
    and a line that the page width broke joined to the next (a new paragraph starts indented, with
    an enumerator, or after a line that ends a sentence or falls short of the page's width)."""
    text = _QUOTES.sub(_stray_quote, text)
    lines = [line for line in text.split("\n") if not _PAGE_NUMBER.match(line) and line.strip(_INDENT)]
    if not lines:
        return ""
    widths = sorted(len(line.strip(_INDENT)) for line in lines)
    full = widths[(len(widths) * 3) // 4]
    out = [lines[0]]
    for line in lines[1:]:
        previous = out[-1].rstrip(_INDENT)
        new_paragraph = (
            line[:1] in _INDENT
            or _PARAGRAPH_START.match(line)
            or previous.endswith(_LINE_END)
            or len(previous.strip(_INDENT)) < 0.8 * full
        )
        if new_paragraph:
            out.append(line)
        else:
            out[-1] = previous + line
    return "\n".join(out)


def text_of_pdf(content: bytes, *, file_name: str | None = None) -> str:
    """The text layer of up to MAX_PDF_PAGES pages, read within MAX_SECONDS."""
    from pypdf import PdfReader

    damaged = unreadable(
        "bad_pdf",
        "无法读取 PDF 文件：文件已损坏或不是 PDF",
        "Cannot read the PDF: damaged or not a PDF",
        file_name=file_name,
    )
    started = time.monotonic()
    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted and not reader.decrypt(""):
            raise unreadable(
                "encrypted_pdf",
                "PDF 已加密，请提交未加密的文件",
                "The PDF is encrypted; send an unencrypted file",
                file_name=file_name,
            )
        if len(reader.pages) > MAX_PDF_PAGES:
            raise unreadable(
                "too_many_pages",
                f"PDF 超过 {MAX_PDF_PAGES} 页，请只提交年度报告本身",
                f"The PDF has more than {MAX_PDF_PAGES} pages; send the report alone",
                file_name=file_name,
            )
        pages: list[str] = []
        for page in reader.pages:
            # A page that takes long cannot be interrupted, but the next one is not started.
            if time.monotonic() - started > MAX_SECONDS:
                raise unreadable(
                    "too_slow",
                    f"PDF 在 {MAX_SECONDS:.0f} 秒内未能读完，请另存为 .docx 或 .txt 后提交",
                    f"The PDF could not be read within {MAX_SECONDS:.0f} s; save it as .docx or .txt",
                    file_name=file_name,
                )
            pages.append(unwrap_pdf_page(page.extract_text() or ""))
            if sum(len(p) for p in pages) > MAX_CHARS * 2:
                break  # checked_text refuses it; reading on would only cost time
    except ValidationFailed:
        raise
    except Exception as exc:  # pypdf raises many kinds of errors on damaged files
        log.info("unreadable .pdf %r: %s", file_name, exc)
        raise damaged from exc
    text = "\n".join(pages)
    if not text.strip():
        raise unreadable(
            "no_text_layer",
            "PDF 没有文字层（可能是扫描件），请先做文字识别或提交 .docx/.txt",
            "The PDF has no text layer (a scan?); run OCR first or send .docx/.txt",
            file_name=file_name,
        )
    return text
