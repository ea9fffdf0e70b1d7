"""GET /reports/annual (the generated year-end summary) and the saved editions: POST /reports,
GET /reports, GET /reports/{id}.

Thin: each endpoint calls ``app.reports.annual`` or ``app.reports.service`` (which check the caller's
scope) and renders the report as Markdown, HTML, DOCX or JSON.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Response

from app.auth.deps import CurrentPrincipal
from app.core.deps import SessionDep
from app.core.openapi import problem_responses
from app.districts import service as districts
from app.reports import batch, service
from app.reports.annual import build_annual_report
from app.reports.bulletin import build_bulletin
from app.reports.formats import DocumentFormat, render_bulletin
from app.reports.render import EditionInfo
from app.reports.schemas import (
    AnnualReport,
    Bulletin,
    EditionCreate,
    EditionOut,
    EditionSummary,
    Lang,
    ReportFormat,
)
from app.stats.deps import StatsDep

router = APIRouter(tags=["reports"])


# Error bodies are RFC 9457 problem documents (the schema the upload endpoints document too).
PROBLEMS = problem_responses(
    {
        403: "超出账号范围，或只读账号保存定稿 / Outside the caller's scope, or a read-only user saving",
        404: "区划或定稿不存在 / Unknown district or edition",
        422: "参数无效，如年份超出范围 / Invalid parameter, e.g. year out of range",
    }
)
RENDERED: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Markdown、HTML、DOCX 或 JSON / Markdown, HTML, DOCX or JSON",
        "content": {"text/markdown": {}, "text/html": {}, DocumentFormat.docx.media_type: {}},
    }
}
Format = Annotated[
    ReportFormat,
    Query(description="md | html | docx | json（结构化：每个数字及其来源 / structured: every figure and its source）"),
]


def rendered(report: AnnualReport, fmt: ReportFormat, edition: EditionInfo | None = None) -> Response:
    if fmt == ReportFormat.json:
        return Response(report.model_dump_json(), media_type="application/json")
    document = DocumentFormat(fmt)
    stem = f"{report.district.code}-{report.year}" + (f"-edition-{edition.id}" if edition else "")
    title = report.title + (f"（定稿{edition.id}）" if edition else "")
    headers = _disposition(document.disposition, stem, title, document.extension) if document.disposition else None
    return Response(document.render(report, edition), media_type=document.media_type, headers=headers)


def _disposition(kind: str, stem: str, title: str, ext: str) -> dict[str, str]:
    # An ASCII name for old clients, the Chinese title (RFC 5987) for the rest.
    return {"Content-Disposition": f"{kind}; filename=\"{stem}.{ext}\"; filename*=UTF-8''{quote(title)}.{ext}"}


@router.get(
    "/reports/annual",
    summary="生成年度报告（数据部分）/ Generate the year-end report's data-driven part",
    description="按区县（或市、省汇总）和年份生成法治政府建设年度报告中由数据撰写的部分：各项执法数据及同比、"
    "演练名称、（市、省）各区县最多与最少、报送情况，文末附数据附表（每个数字的指标代码、统计月份、缺报月份和数据截至时间）。"
    "format=docx 为公文格式（A4、仿宋三号、图表）。"
    "\n\nThe data-driven part of the year-end report of a county (or a city or province, summed): each figure "
    "with its year-on-year change, the named drills, (for a city or province) the districts that did most and "
    "least, and reporting completeness; Markdown and HTML end with a data appendix tracing every number. "
    "format=docx is laid out as an official document (A4, 仿宋 三号, a table and a chart).",
    responses={**PROBLEMS, **RENDERED},
    response_model=AnnualReport,
)
def get_annual_report(
    district: Annotated[str, Query(description="区划代码（区县、市或省）/ district code", examples=["120102"])],
    year: Annotated[int, Query(description="年份 / year", examples=[2021])],
    ctx: StatsDep,
    format: Format = ReportFormat.md,
    approved_only: Annotated[
        bool,
        Query(
            description="仅统计审核通过的月份；默认统计全部已报送数据并注明“含未审核数据” / approved months only; by "
            "default every reported month counts and the report says when it includes unreviewed data"
        ),
    ] = False,
) -> Response:
    ctx.approved_only = approved_only
    report = build_annual_report(ctx, district=district, year=year)
    return rendered(report, format)


@router.get(
    "/reports/annual/children",
    summary="批量下载下级区划年度报告（zip）/ The year-end reports of every child district, as a zip",
    description="与 ``python -m app report --children`` 相同：区划（市、省）的每个下级区划一份年度报告"
    "（直辖市为各区，不含“市辖区”“县”），打包为 zip；没有数据的区划不生成文件，在 zip 内的 说明.txt 中列出。"
    "\n\nAs ``python -m app report --children``: one year-end report per child district of a city or province "
    "(a municipality's districts, never 市辖区 or 县), in a zip; children without data get no file and are "
    "named in the zip's 说明.txt.",
    responses={
        **PROBLEMS,
        200: {"description": "zip", "content": {"application/zip": {}}},
    },
    response_class=Response,
)
def get_children_reports(
    district: Annotated[str, Query(description="区划代码（市或省）/ district code", examples=["120000"])],
    year: Annotated[int, Query(description="年份 / year", examples=[2021])],
    ctx: StatsDep,
    format: Annotated[DocumentFormat, Query(description="md | html | docx")] = DocumentFormat.docx,
    approved_only: Annotated[bool, Query(description="仅统计审核通过的月份 / approved months only")] = False,
) -> Response:
    ctx.approved_only = approved_only
    content, _written, _without = batch.children_zip(ctx, district, year=year, fmt=format)
    stem = f"{district}-{year}-children-{format.value}"
    return Response(content, media_type="application/zip", headers=_disposition("attachment", stem, stem, "zip"))


@router.get(
    "/reports/bulletin",
    summary="生成执法工作统计通报 / Generate a periodic bulletin",
    description="按区划（市、省或区县）和统计期生成执法工作统计通报：总体情况（同比；月度、季度另有环比）、数据分析"
    "（每千家次检查发现隐患、整改率、案均罚款、公开率）、各区（县）排名表、报送质量（漏报、迟报、退回）、安全生产形势，"
    "文末附数据附表。period：2025-03（月）、2025-Q1（季度）、2025-H1（半年）、2025（年）或 2025-01:2025-09（1—9月）；"
    "统计期须已结束（北京时间），否则 422 period.not_ended 并给出最近一个已结束的月份。"
    "\n\nA bulletin of a city, province or county for a month, quarter, half, year or range of months of one year: "
    "totals with year-on-year change (and, for a month or quarter, the change on the previous period), derived "
    "rates, the districts ranked, reporting quality by name, accidents, and a data appendix. A period reaching past "
    "the last ended month (Beijing time) is refused with 422 period.not_ended naming that month; format=json is "
    "the machine-readable download with indicator codes; lang=en writes the same figures as an English bulletin.",
    responses={
        **problem_responses(
            {
                403: "超出账号范围 / Outside the caller's scope",
                404: "区划不存在，或该统计期没有数据（report.no_data）/ Unknown district, or no data (report.no_data)",
                422: "统计期格式不对或尚未结束（period.format、period.range、period.not_ended）"
                "/ Bad or unfinished period",
            }
        ),
        **RENDERED,
    },
    response_model=Bulletin,
)
def get_bulletin(
    district: Annotated[str, Query(description="区划代码（市、省或区县）/ district code", examples=["120000"])],
    period: Annotated[
        str,
        Query(
            max_length=40,
            description="统计期 / period: 2025-03, 2025-Q1, 2025-H1, 2025, 2025-01:2025-09",
            examples=["2025-Q1"],
        ),
    ],
    ctx: StatsDep,
    format: Format = ReportFormat.md,
    approved_only: Annotated[bool, Query(description="仅统计审核通过的月份 / approved months only")] = False,
    lang: Annotated[
        Lang,
        Query(description="正文语言：zh（默认）或 en（英文通报，数字相同）/ the text's language: zh (default) or en"),
    ] = "zh",
) -> Response:
    ctx.approved_only = approved_only
    bulletin = build_bulletin(ctx, district=district, period=period, lang=lang)
    return rendered_bulletin(bulletin, format)


def rendered_bulletin(bulletin: Bulletin, fmt: ReportFormat, edition: EditionInfo | None = None) -> Response:
    if fmt == ReportFormat.json:
        return Response(bulletin.model_dump_json(), media_type="application/json")
    document = DocumentFormat(fmt)
    stem = f"{bulletin.district.code}-{bulletin.period.replace(':', '_')}" + (
        f"-edition-{edition.id}" if edition else ""
    )
    suffix = (f" (edition {edition.id})" if bulletin.lang == "en" else f"（定稿{edition.id}）") if edition else ""
    title = bulletin.title + suffix
    headers = _disposition(document.disposition, stem, title, document.extension) if document.disposition else None
    return Response(render_bulletin(document, bulletin, edition), media_type=document.media_type, headers=headers)


@router.post(
    "/reports",
    summary="保存报告或通报定稿 / Save a report or bulletin as final",
    description="按现有数据生成年度报告（year）或通报（period，如 2025-Q1）并保存为定稿，与年度报告定稿同一列表："
    "此后数据再有修改，定稿中的数字和正文不变；查看定稿时列出已被修改的数字（旧 → 新）。"
    "需要报送权限（staff 或 admin）。"
    "\n\nGenerates the year-end report (year) or a bulletin (period, e.g. 2025-Q1) from today's data and saves "
    "it as a final edition, listed with the others: later changes of the data "
    "leave the edition's figures and text as they are; reading it lists the figures revised since "
    "(old → new). Needs the staff or admin role.",
    status_code=201,
    response_model=EditionOut,
    responses={**problem_responses({400: "请求体不是有效的 JSON / The body is not valid JSON"}), **PROBLEMS},
)
def create_edition(body: EditionCreate, ctx: StatsDep, response: Response) -> EditionOut:
    edition = service.create(ctx, district=body.district, year=body.year, period=body.period, lang=body.lang)
    out, _info = service.read(ctx, edition_id=edition.id)
    response.headers["Location"] = f"/api/v1/reports/{edition.id}"
    return out


@router.get(
    "/reports",
    summary="报告定稿列表 / Saved report editions",
    description="账号范围内的定稿，最新的在前。 / Editions inside the caller's scope, newest first.",
    response_model=list[EditionSummary],
    responses=problem_responses({422: "参数无效 / Invalid parameters"}),
)
def list_editions(
    principal: CurrentPrincipal,
    session: SessionDep,
    district: Annotated[str | None, Query(description="区划代码 / district code")] = None,
    year: Annotated[int | None, Query(ge=2000, le=9999, description="年份 / year")] = None,
) -> list[EditionSummary]:
    editions = service.get_all(session, principal=principal, district=district, year=year)
    names = {code: d.name for code in {e.district_code for e in editions} if (d := districts.get(session, code=code))}
    return [service.summary(e, names.get(e.district_code, e.district_code)) for e in editions]


@router.get(
    "/reports/{edition_id}",
    summary="查看报告定稿 / Read a saved edition",
    description="定稿原样返回；revisions 列出定稿后数据被修改的数字（旧 → 新）。format=md|html|docx 输出定稿文本，"
    "文末附修订清单。\n\nThe edition as saved; ``revisions`` lists the figures revised since (old → new). "
    "format=md|html|docx renders the saved text, with the list of revisions at the end.",
    response_model=EditionOut,
    responses={**PROBLEMS, **RENDERED},
)
def get_edition(
    edition_id: Annotated[int, Path(ge=1, le=2**31 - 1, description="定稿编号 / edition id")],
    ctx: StatsDep,
    format: Format = ReportFormat.json,
) -> Response | EditionOut:
    out, info = service.read(ctx, edition_id=edition_id)
    if format == ReportFormat.json:
        return out
    if isinstance(out.report, Bulletin):
        return rendered_bulletin(out.report, format, info)
    return rendered(out.report, format, info)
