"""The year-end report's document formats (md, html, docx) in one place: how each is rendered to bytes,
its media type, its file extension and how HTTP hands it over. The API (``app/reports/views.py``) and
the command line (``app/reports/cli.py``) both read this; the API's fourth format, json, is the
report's own schema and stays with the view."""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from app.core.metrics import REPORT_RENDER_SECONDS, REPORT_RENDERS
from app.reports.bulletin_render import bulletin_docx, bulletin_html, bulletin_markdown
from app.reports.docx import DOCX_MEDIA_TYPE, to_docx
from app.reports.render import EditionInfo, to_html, to_markdown
from app.reports.schemas import AnnualReport, Bulletin

Render = Callable[[AnnualReport, EditionInfo | None], bytes]


class DocumentFormat(enum.StrEnum):
    md = "md"
    html = "html"
    docx = "docx"

    @property
    def media_type(self) -> str:
        return _SPECS[self].media_type

    @property
    def extension(self) -> str:
        """The file name's ending, without the dot."""
        return _SPECS[self].extension

    @property
    def disposition(self) -> Literal["inline", "attachment"] | None:
        """The Content-Disposition kind HTTP sends it with; None: none at all (HTML is a page to show)."""
        return _SPECS[self].disposition

    def render(self, report: AnnualReport, edition: EditionInfo | None = None) -> bytes:
        started = time.perf_counter()
        out = _SPECS[self].render(report, edition)
        REPORT_RENDERS.labels(kind="annual", format=self.value).inc()
        REPORT_RENDER_SECONDS.labels(format=self.value).observe(time.perf_counter() - started)
        return out


@dataclass(frozen=True)
class _Spec:
    media_type: str
    extension: str
    disposition: Literal["inline", "attachment"] | None
    render: Render


def _utf8(to_text: Callable[[AnnualReport, EditionInfo | None], str]) -> Render:
    return lambda report, edition: to_text(report, edition).encode("utf-8")


_SPECS: dict[DocumentFormat, _Spec] = {
    DocumentFormat.md: _Spec("text/markdown; charset=utf-8", "md", "inline", _utf8(to_markdown)),
    DocumentFormat.html: _Spec("text/html; charset=utf-8", "html", None, _utf8(to_html)),
    DocumentFormat.docx: _Spec(DOCX_MEDIA_TYPE, "docx", "attachment", to_docx),
}


def render_bulletin(fmt: DocumentFormat, bulletin: Bulletin, edition: EditionInfo | None = None) -> bytes:
    """A bulletin in ``fmt`` (the same media types, extensions and dispositions as the annual report)."""
    started = time.perf_counter()
    if fmt == DocumentFormat.md:
        out = bulletin_markdown(bulletin, edition).encode("utf-8")
    elif fmt == DocumentFormat.html:
        out = bulletin_html(bulletin, edition).encode("utf-8")
    else:
        out = bulletin_docx(bulletin, edition)
    REPORT_RENDERS.labels(kind="bulletin", format=fmt.value).inc()
    REPORT_RENDER_SECONDS.labels(format=fmt.value).observe(time.perf_counter() - started)
    return out
