"""A report as Markdown or HTML: the text, the notes, the empty sections, then the data appendix.

The appendix lists every figure the text states (as the text writes it, the exact value, the
indicator, the months covered and missing, and the year-on-year basis) and the data's as-of time.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass

from app.reports.schemas import AnnualReport, Figure, Revision

BEIJING = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
APPENDIX_HEADING = "附：数据附表"
REVISIONS_HEADING = "定稿后修订的数字"
PLACEHOLDER = "（请撰写人填写）"
APPENDIX_COLUMNS = ("项目", "文中写法", "数值", "指标代码", "统计月份", "缺报月份", "同比", "同比口径")


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


def appendix_rows(report: AnnualReport) -> list[tuple[str, ...]]:
    return [
        (
            figure_label(f),
            f.text,
            exact(f.value),
            f.code,
            f.period,
            f.missing or "无",
            change_cell(f),
            f.basis or "—",
        )
        for f in report.figures
    ]


def appendix_lead(report: AnnualReport) -> str:
    d = report.district
    return (
        f"统计范围：{d.full_name}（{d.code}）；统计期：{report.year}年1—{report.month_to}月；"
        f"同比：与{report.year - 1}年同期比较，只计两年均已报送的月份。"
        f"数字按报告写法取整：1万起以“万”计、1亿起以“亿”计，保留至多两位小数；百分比保留一位小数。"
    )


def as_of_line(report: AnnualReport) -> str:
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
        lines.append(f"{label}［{r.code}］：{r.old_text or '无'} → {r.new_text or '无'}")
    return lines


# ----------------------------------------------------------------------------- Markdown


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(report: AnnualReport, edition: EditionInfo | None = None) -> str:
    out = [f"# {report.title}", ""]
    if edition:
        out += [f"*{edition_line(edition)}*", ""]
    out += [report.intro, "", f"## {report.main_heading}", ""]
    for section in report.sections:
        if section.heading:
            out += [f"### {section.heading}", ""]
        for paragraph in section.paragraphs:
            out += [paragraph, ""]
    for note in report.notes:
        out += [f"> {note}", ""]
    for heading in report.writer_sections:
        out += [f"## {heading}", "", PLACEHOLDER, ""]
    out += [f"## {APPENDIX_HEADING}", "", appendix_lead(report), ""]
    out.append("| " + " | ".join(APPENDIX_COLUMNS) + " |")
    out.append("|" + "---|" * len(APPENDIX_COLUMNS))
    for row in appendix_rows(report):
        out.append("| " + " | ".join(_md_cell(c) for c in row) + " |")
    out += ["", as_of_line(report), ""]
    if edition and edition.revisions:
        out += [f"## {REVISIONS_HEADING}", "", "以下数字在定稿后因数据更新而改变，定稿正文保持不变：", ""]
        out += [f"- {line}" for line in revision_lines(edition.revisions)]
        out.append("")
    return "\n".join(out)


# ----------------------------------------------------------------------------- HTML

_CSS = """
body { font-family: "FangSong", "仿宋", "Noto Serif CJK SC", serif; max-width: 56em; margin: 2em auto;
       padding: 0 1em; line-height: 1.9; font-size: 16px; color: #111; }
h1 { font-family: "FZXiaoBiaoSong-B05S", "方正小标宋简体", "SimSun", "宋体", serif; text-align: center;
     font-size: 1.6em; font-weight: normal; }
h2 { font-family: "SimHei", "黑体", "Noto Sans CJK SC", sans-serif; font-size: 1.1em; font-weight: normal; }
h3 { font-family: "KaiTi", "楷体", "Noto Serif CJK SC", serif; font-size: 1.05em; font-weight: normal; }
p { text-indent: 2em; margin: 0.3em 0; }
p.note, p.meta, p.placeholder { text-indent: 0; color: #444; font-size: 0.9em; }
table { border-collapse: collapse; font-size: 0.8em; line-height: 1.4; width: 100%; }
th, td { border: 1px solid #999; padding: 0.25em 0.4em; vertical-align: top; }
th { background: #f0f0f0; }
"""


def to_html(report: AnnualReport, edition: EditionInfo | None = None) -> str:
    e = html.escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{e(report.title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{e(report.title)}</h1>",
    ]
    if edition:
        out.append(f'<p class="meta">{e(edition_line(edition))}</p>')
    out += [f"<p>{e(report.intro)}</p>", f"<h2>{e(report.main_heading)}</h2>"]
    for section in report.sections:
        if section.heading:
            out.append(f"<h3>{e(section.heading)}</h3>")
        out += [f"<p>{e(p)}</p>" for p in section.paragraphs]
    out += [f'<p class="note">{e(note)}</p>' for note in report.notes]
    for heading in report.writer_sections:
        out += [f"<h2>{e(heading)}</h2>", f'<p class="placeholder">{e(PLACEHOLDER)}</p>']
    out += [
        f'<h2 id="appendix">{e(APPENDIX_HEADING)}</h2>',
        f'<p class="meta">{e(appendix_lead(report))}</p>',
        '<table class="appendix"><thead><tr>' + "".join(f"<th>{e(c)}</th>" for c in APPENDIX_COLUMNS) + "</tr></thead>",
        "<tbody>",
    ]
    for row in appendix_rows(report):
        out.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>")
    out += ["</tbody></table>", f'<p class="meta">{e(as_of_line(report))}</p>']
    if edition and edition.revisions:
        out += [
            f'<h2 id="revisions">{e(REVISIONS_HEADING)}</h2>',
            '<p class="meta">以下数字在定稿后因数据更新而改变，定稿正文保持不变：</p><ul>',
        ]
        out += [f"<li>{e(line)}</li>" for line in revision_lines(edition.revisions)]
        out.append("</ul>")
    out.append("</body></html>")
    return "\n".join(out)
