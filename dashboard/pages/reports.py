"""Year-end reports: pick the area and the year, read the draft in the page, download it from the
API's report generator (``GET /api/v1/reports/annual?district=…&year=…&format=docx|html|md``), see the
saved editions of that area and year with the figures revised since each was saved, and download the
reports of every child district in one zip (``app.reports.batch``, what ``python -m app report
--children`` writes).

The preview is the generator's own HTML in a sandboxed frame (``srcdoc``, no scripts, no same
origin): whatever a district typed into an activity's title stays inside the frame and cannot change
or script this page.

``/dashboard/reports?district=120102&year=2021``
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import dash
from dash import Input, Output, State, dcc, html

from app.core.errors import AppError, NotFound
from app.core.periods import to_beijing
from app.reports import batch, service
from app.reports.annual import build_annual_report
from app.reports.formats import DocumentFormat
from app.reports.schemas import EditionOut
from app.stats.context import StatsContext
from dashboard import data, ids, queries
from dashboard.auth import current_principal
from dashboard.components import controls, district_control, notice, page_header, year_control
from dashboard.formatting import format_timestamp
from dashboard.i18n import Lang, pick, t
from dashboard.page import PageContext, render
from dashboard.state import parse_search, parse_state

dash.register_page(
    __name__, path="/reports", name="年度报告 Reports", title="年度报告 Reports · 应急管理执法统计", order=4
)

REPORT_PATH = "/api/v1/reports/annual"
EDITION_PATH = "/api/v1/reports/{id}"
FORMATS = ("docx", "html", "md")
# This page's own components.
REPORT_FRAME = "annual-preview"
EDITIONS = "report-editions"
BATCH_FORMAT = "batch-format"
BATCH_BUTTON = "batch-download"
BATCH_STATUS = "batch-status"
BATCH_PROGRESS = "batch-progress"
BATCH_DOWNLOAD = "batch-file"
MAX_EDITIONS = 20  # newest first; each is compared with today's data to list its revisions


def layout(**query: str) -> html.Div:
    return render(query, controls=reports_controls, content=reports_content, class_name="page-reports")


def reports_controls(ctx: PageContext) -> html.Div:
    return controls(
        district_control(ctx.districts, state=ctx.state, include_country=False, lang=ctx.lang),
        year_control(ctx.years, state=ctx.state, lang=ctx.lang),
    )


def report_url(district: str, year: int, fmt: str) -> str:
    return REPORT_PATH + "?" + urlencode({"district": district, "year": year, "format": fmt})


def link_attributes(*, available: bool, fmt: str) -> dict[str, Any]:
    """Files download; the web page opens; a missing generator's links say they are disabled."""
    if not available:
        return {"aria-disabled": "true"}
    return {"download": ""} if fmt != "html" else {}


def reports_content(ctx: PageContext) -> html.Div:
    state, lang = ctx.state, ctx.lang
    header = page_header(
        f"{ctx.scope_name()} · {t('reports.heading', lang)}",
        scope_name=ctx.scope_name(),
        year=state.year,
        lang=lang,
        today=ctx.today,
        generated=ctx.generated,
    )
    if state.district is None:
        return html.Div([header, notice(t("choose_district", lang))])
    if state.district not in ctx.districts.index:
        # Unknown or outside the caller's scope: the query layer says so in its own words.
        queries.check_readable(ctx.stats, code=state.district)
    available = data.api_route_exists(REPORT_PATH)
    links = [
        html.A(
            t(f"reports.{fmt}", lang),
            id=ids.report_link(fmt),
            href=report_url(state.district, state.year, fmt) if available else None,
            className="report-link" if available else "report-link disabled",
            **link_attributes(available=available, fmt=fmt),
        )
        for fmt in FORMATS
    ]
    status = [] if available else [notice(t("reports.unavailable", lang))]
    return html.Div(
        [
            header,
            html.P(t("reports.intro", lang)),
            html.Div(status, id=ids.REPORT_STATUS),
            html.Div(links, id=ids.REPORT_LINKS, className="report-links"),
            batch_section(ctx),
            editions_section(ctx, available=available),
            preview_section(ctx),
        ]
    )


def preview_section(ctx: PageContext) -> html.Section:
    """The draft as the generator writes it (its HTML), in a sandboxed frame."""
    state, lang = ctx.state, ctx.lang
    assert state.district is not None
    heading = html.H3(pick(lang, "报告预览", "Preview"), id="preview-heading")
    try:
        report = build_annual_report(ctx.stats, district=state.district, year=state.year)
    except NotFound as missing:  # report.no_data: say so, in the generator's words
        return html.Section([heading, notice(pick(lang, missing.detail_zh, missing.detail_en))], className="section")
    page = DocumentFormat.html.render(report).decode("utf-8")
    frame = html.Iframe(
        id=REPORT_FRAME,
        srcDoc=page,
        # No allow-scripts, no allow-same-origin: the document can neither run code nor reach this page.
        sandbox="",
        title=report.title,
        className="report-preview-frame",
    )
    return html.Section([heading, frame], className="section report-preview")


def edition_rows(ctx: PageContext) -> list[EditionOut]:
    """The saved editions of the chosen area and year (newest first), each with its revisions."""
    assert ctx.state.district is not None
    editions = service.get_all(ctx.session, principal=ctx.principal, district=ctx.state.district, year=ctx.state.year)
    return [service.read(ctx.stats, edition_id=e.id)[0] for e in editions[:MAX_EDITIONS]]


def revisions_text(edition: EditionOut, lang: Lang) -> Any:
    if not edition.revisions:
        return pick(lang, "无（数据未改动）", "none (data unchanged)")
    items = [
        html.Li(
            f"{r.label}：{r.old_text or '—'} → {r.new_text or '—'}"
            if lang == "zh"
            else f"{r.label}: {r.old_text or '—'} → {r.new_text or '—'}"
        )
        for r in edition.revisions
    ]
    summary = pick(lang, f"{len(items)} 项数字已修改", f"{len(items)} figures revised")
    return html.Details([html.Summary(summary), html.Ul(items)])


def editions_section(ctx: PageContext, *, available: bool) -> html.Section:
    """The saved editions; their downloads are the API's (``GET /api/v1/reports/{id}``), linked when
    the API serves this dashboard."""
    lang = ctx.lang
    heading = html.H3(pick(lang, "已保存的定稿", "Saved editions"), id="editions-heading")
    editions = edition_rows(ctx)
    if not editions:
        body: Any = html.P(
            pick(lang, "该区划和年份还没有保存的定稿。", "No edition of this district and year has been saved."),
            className="hint",
        )
    else:
        head = html.Tr(
            [
                html.Th(w)
                for w in (
                    pick(lang, "定稿", "Edition"),
                    pick(lang, "标题", "Title"),
                    pick(lang, "保存人", "Saved by"),
                    pick(lang, "保存时间", "Saved at"),
                    pick(lang, "定稿后修订", "Revised since"),
                    pick(lang, "下载", "Download"),
                )
            ]
        )
        rows = [
            html.Tr(
                [
                    html.Td(f"第{e.id}号" if lang == "zh" else f"No. {e.id}"),
                    html.Td(e.title),
                    html.Td(e.created_by),
                    html.Td(format_timestamp(to_beijing(e.created_at), lang)),
                    html.Td(revisions_text(e, lang), className="edition-revisions"),
                    html.Td(
                        [
                            html.A(
                                fmt.upper(),
                                href=EDITION_PATH.format(id=e.id) + "?" + urlencode({"format": fmt})
                                if available
                                else None,
                                id=f"edition-{e.id}-{fmt}",
                                className="report-link" if available else "report-link disabled",
                                **link_attributes(available=available, fmt=fmt),
                            )
                            for fmt in FORMATS
                        ]
                    ),
                ],
                id=f"edition-{e.id}",
            )
            for e in editions
        ]
        body = html.Table([html.Thead(head), html.Tbody(rows)])
    return html.Section([heading, html.Div(body, id=EDITIONS, className="report-editions")], className="section")


def batch_section(ctx: PageContext) -> html.Section:
    """All children of the area in one zip, with a progress bar while the reports are written."""
    lang = ctx.lang
    assert ctx.state.district is not None
    _parent, children = batch.children_of(ctx.stats, ctx.state.district, ctx.state.year)
    heading = html.H3(pick(lang, "批量下载下级区划报告", "Reports of every child district"), id="batch-heading")
    if not children:
        return html.Section(
            [heading, html.P(pick(lang, "该区划没有下级区划。", "This district has no child districts."))],
            className="section no-print",
        )
    count = len(children)
    return html.Section(
        [
            heading,
            html.P(
                pick(
                    lang,
                    f"{ctx.scope_name()}的 {count} 个下级区划各一份{ctx.state.year}年度报告，打包为 zip。",
                    f"One {ctx.state.year} report for each of the {count} districts under {ctx.scope_name()}, "
                    "in one zip.",
                ),
                className="hint",
            ),
            html.Div(
                [
                    dcc.RadioItems(
                        id=BATCH_FORMAT,
                        options=[{"label": f.upper(), "value": f} for f in FORMATS],
                        value="docx",
                        inline=True,
                    ),
                    html.Button(pick(lang, "下载 zip", "Download zip"), id=BATCH_BUTTON, n_clicks=0),
                    html.Progress(id=BATCH_PROGRESS, max=str(count), hidden=True, className="batch-progress"),
                    html.Span(id=BATCH_STATUS, role="status", className="hint"),
                    dcc.Download(id=BATCH_DOWNLOAD),
                ],
                className="download-buttons",
            ),
        ],
        className="section no-print",
    )


@dash.callback(
    Output(BATCH_DOWNLOAD, "data"),
    Output(BATCH_STATUS, "children"),
    Input(BATCH_BUTTON, "n_clicks"),
    State(BATCH_FORMAT, "value"),
    State(ids.URL, "search"),
    prevent_initial_call=True,
    # While the reports are written (a province's take a while): the button is disabled and an
    # indeterminate progress bar with the number of reports shows that the work goes on.
    running=[
        (Output(BATCH_BUTTON, "disabled"), True, False),
        (Output(BATCH_PROGRESS, "hidden"), False, True),
    ],
)
def download_batch(_n: int, fmt: str | None, search: str | None) -> tuple[Any, str]:
    principal = current_principal()
    if principal is None:
        raise dash.exceptions.PreventUpdate
    today = data.today()
    state = parse_state(parse_search(search), principal=principal, today=today)
    lang = state.lang
    if state.district is None:
        return dash.no_update, t("choose_district", lang)
    document = DocumentFormat(fmt if fmt in FORMATS else "docx")
    with data.session_scope() as session:
        stats = StatsContext(session, principal, today)
        try:
            content, written, without = batch.children_zip(stats, state.district, year=state.year, fmt=document)
        except AppError as error:
            return dash.no_update, pick(lang, error.detail_zh, error.detail_en)
    said = pick(lang, f"已生成 {len(written)} 份报告。", f"{len(written)} reports written.")
    if without:
        names = "、".join(f"{d.name}（{d.code}）" for d in without)
        said += pick(lang, f"没有数据、未生成：{names}。", f" No data, no file: {names}.")
    name = f"{state.district}-{state.year}-children-{document.value}.zip"
    return dcc.send_bytes(content, name, type="application/zip"), said
