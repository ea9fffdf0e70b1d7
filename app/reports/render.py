"""A report as Markdown or HTML: the text, the notes, the empty sections, then the data appendix.

The appendix lists every figure the text states (as the text writes it, the exact value, the
indicator, the months covered and missing, and the year-on-year basis) and the data's as-of time.
The pieces of text shared with the DOCX live here; the two documents are templates/report.md and
templates/report.html (Jinja2, values escaped for each).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from app.core.templating import html_environment, markdown_environment
from app.core.text import safe_strings, safe_text
from app.reports.schemas import AnnualReport, Bulletin, Figure, Revision

BEIJING = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
APPENDIX_HEADING = "附：数据附表"
REVISIONS_HEADING = "定稿后修订的数字"
PLACEHOLDER = "（请撰写人填写）"
# Human names only: the indicator codes are in the JSON (format=json), the machine-readable download.
APPENDIX_COLUMNS = ("项目", "文中写法", "数值", "统计月份", "缺报月份", "同比", "同比口径")


@dataclass(frozen=True)
class EditionInfo:
    """What a saved edition adds to its rendering: its number and date, and later revisions."""

    id: int
    created_at: dt.datetime
    created_by: str
    revisions: list[Revision]


def beijing_time(moment: dt.datetime | None) -> str:
    if moment is None:
        return "无"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    local = moment.astimezone(BEIJING)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def exact(value: float | None) -> str:
    """The exact value, without trailing zeros (863900, 91.92)."""
    if value is None:
        return "—"
    return f"{value:.2f}".rstrip("0").rstrip(".")


def figure_label(f: Figure) -> str:
    return f"{f.label}（{f.district}）" if f.district else f.label


def change_cell(f: Figure) -> str:
    if f.previous is None:
        return f.change_text or "—"
    compared = f"上年同期{exact(f.previous)}，本年可比{exact(f.comparable)}"
    return f"{f.change_text}（{compared}）" if f.change_text else compared


@dataclass(frozen=True)
class AppendixRow:
    """One row of the data appendix, the same in every format: a figure as the text writes it, its
    exact value, where it comes from, and its year-on-year change with the basis of comparison."""

    item: str
    text: str
    value: str
    code: str
    period: str
    missing: str
    change: str
    basis: str

    @classmethod
    def of(cls, f: Figure) -> AppendixRow:
        return cls(
            item=figure_label(f),
            text=f.text,
            value=exact(f.value),
            code=f.code,
            period=f.period,
            missing=f.missing or "无",
            change=change_cell(f),
            basis=f.basis,
        )

    def cells(self) -> tuple[str, ...]:
        """The cells under APPENDIX_COLUMNS (Markdown, HTML)."""
        return (self.item, self.text, self.value, self.period, self.missing, self.change, self.basis or "—")

    def change_and_basis(self) -> str:
        """同比 and 同比口径 in one cell (the DOCX table, six columns on a portrait page)."""
        return self.change + ("；" + self.basis if self.basis else "")


def appendix_rows(report: AnnualReport) -> list[AppendixRow]:
    return [AppendixRow.of(f) for f in report.figures]


def appendix_lead(report: AnnualReport) -> str:
    d = report.district
    return (
        f"统计范围：{d.full_name}；统计期：{report.year}年1—{report.month_to}月；"
        f"同比：与{report.year - 1}年同期比较，只计两年均已报送的月份。"
        f"数字按报告写法取整：1万起以“万”计、1亿起以“亿”计，保留至多两位小数；百分比保留一位小数。"
        "指标代码见 JSON 格式下载（format=json）。"
    )


def as_of_line(report: AnnualReport | Bulletin) -> str:
    return (
        f"数据截至：{beijing_time(report.data_as_of)}（北京时间，所用数值的最后更新时间）；"
        f"生成时间：{beijing_time(report.generated_at)}。"
    )


def edition_line(edition: EditionInfo) -> str:
    return f"定稿版本第{edition.id}号，由{edition.created_by}保存于{beijing_time(edition.created_at)}（北京时间）。"


def revision_lines(revisions: list[Revision]) -> list[str]:
    lines = []
    for r in revisions:
        label = f"{r.label}（{r.district}）" if r.district else r.label
        lines.append(f"{label}：{r.old_text or '无'} → {r.new_text or '无'}")
    return lines


# ----------------------------------------------------------------------------- Markdown and HTML
# templates/report.md and templates/report.html; the same context for both.

_markdown = markdown_environment("app.reports")
_html = html_environment("app.reports")


def _context(report: AnnualReport, edition: EditionInfo | None) -> dict[str, Any]:
    return {
        "report": report,
        "edition": edition,
        "edition_line": edition_line(edition) if edition else None,
        "placeholder": PLACEHOLDER,
        "appendix_heading": APPENDIX_HEADING,
        "appendix_lead": appendix_lead(report),
        "appendix_columns": APPENDIX_COLUMNS,
        "appendix_rows": appendix_rows(report),
        "as_of_line": as_of_line(report),
        "revisions_heading": REVISIONS_HEADING,
        "revisions": revision_lines(edition.revisions) if edition else [],
    }


def renderable(report: AnnualReport, edition: EditionInfo | None = None) -> tuple[AnnualReport, EditionInfo | None]:
    """The report and edition with every character a renderer cannot write replaced (app.core.text):
    text stored before those characters were refused, or in a saved edition, renders all the same."""
    clean = AnnualReport.model_validate(safe_strings(report.model_dump(mode="json")))
    if edition is not None:
        revisions = [Revision.model_validate(safe_strings(r.model_dump(mode="json"))) for r in edition.revisions]
        edition = dataclasses.replace(edition, created_by=safe_text(edition.created_by), revisions=revisions)
    return clean, edition


def to_markdown(report: AnnualReport, edition: EditionInfo | None = None) -> str:
    """The report as Markdown; user text is escaped, so it cannot add markup or break the table."""
    return _markdown.get_template("report.md").render(_context(*renderable(report, edition)))


def to_html(report: AnnualReport, edition: EditionInfo | None = None) -> str:
    """The report as a self-contained web page (its style inline)."""
    return _html.get_template("report.html").render(_context(*renderable(report, edition)))
