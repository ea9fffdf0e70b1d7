"""Year-end reports: pick the area and the year, download the draft summary from the API's report
generator (``GET /api/v1/reports/annual?district=…&year=…&format=docx|html|md``).

``/dashboard/reports?district=120102&year=2021``
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import dash
from dash import html

from dashboard import data, ids, queries
from dashboard.components import controls, district_control, notice, page_header, year_control
from dashboard.i18n import t
from dashboard.page import PageContext, render

dash.register_page(
    __name__, path="/reports", name="年度报告 Reports", title="年度报告 Reports · 应急管理执法统计", order=4
)

REPORT_PATH = "/api/v1/reports/annual"
FORMATS = ("docx", "html", "md")


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
        ]
    )
