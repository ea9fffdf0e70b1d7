"""POST /backfill/extract: a published report (file or pasted text) read back into proposed figures."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, Response, UploadFile
from fastapi import Path as FastAPIPath
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException

from app.auth.deps import CurrentPrincipal
from app.backfill import annual, service
from app.backfill.documents import MAX_CHARS
from app.backfill.schemas import AcceptIn, AcceptOut, DistrictYearOut, ExtractResult
from app.core.deps import SessionDep, TodayDep
from app.core.errors import PayloadTooLarge, Problem, ValidationFailed
from app.core.openapi import problem_responses

# A pasted text of MAX_CHARS Chinese characters is 0.6 MB in a multipart form and up to 2.4 MB
# percent-encoded in an urlencoded one; Starlette's default is 1 MB a field.
MAX_FIELD_BYTES = 4 * 1024 * 1024
FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")


class RoomyFormRoute(APIRoute):
    """Parses the form before FastAPI does (which then uses it as parsed), with room for a report's
    text in a field, and answers a form it cannot parse with a 422 problem instead of a bare 400."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def with_form(request: Request) -> Response:
            if request.headers.get("content-type", "").startswith(FORMS):
                try:
                    await request.form(max_part_size=MAX_FIELD_BYTES)
                except StarletteHTTPException as exc:  # Starlette's 400 for a form it cannot parse
                    if exc.status_code != 400:
                        raise
                    raise _unreadable_form(str(exc.detail)) from exc
                except MultiPartException as exc:
                    raise _unreadable_form(str(exc)) from exc
            return await handler(request)

        return with_form


def _unreadable_form(reason: str) -> ValidationFailed:
    if "exceeded maximum size" in reason:
        mb = MAX_FIELD_BYTES // (1024 * 1024)
        zh, en, code = f"字段超过 {mb} MB", f"A field is over {mb} MB", "backfill.too_long"
    else:
        zh, en, code = "表单无法解析", f"The form cannot be read ({reason})", "backfill.form_unreadable"
    return ValidationFailed(zh, en, errors=[Problem(code, zh, en, column="text")])


# The request as a whole is bounded before it is read (app.core.limits: the upload's limit).
router = APIRouter(tags=["backfill"], route_class=RoomyFormRoute)


@router.post(
    "/backfill/extract",
    summary="从已发布的报告中读取数据（建议值，不保存）/ Read figures out of a published report, storing nothing",
    description="上传年度报告（.docx、.txt、带文字层的 .pdf，不超过 10 MB）或粘贴文字（不超过 20 万字），"
    "返回每个指标的建议值及其所在句子、在文中的位置、可信度和其他可能的读法，供人工审核；不保存任何数据。"
    "区划和年份可由 district、year 指定，否则从标题读取，并在 how 中说明依据。"
    "\n\nUpload a year-end report (.docx, .txt, or a .pdf with a text layer, up to 10 MB) or paste its text "
    "(up to 200,000 characters). The answer proposes figures per indicator, each with its sentence, its "
    "offsets in the returned text, a confidence and other readings, for a person to review; nothing is "
    "stored. District and year come from the fields, else from the title, and `how` says which.",
    response_model=ExtractResult,
    responses=problem_responses(
        {
            404: "区划代码不存在 / Unknown district code",
            413: "文件超过 10 MB / File over 10 MB",
            422: "文件无法读取、文字过长或参数无效，errors[] 说明原因 / Unreadable file, text too long or bad "
            "fields; errors[] says why",
        }
    ),
)
def extract_figures(
    request: Request,
    principal: CurrentPrincipal,
    session: SessionDep,
    file: Annotated[UploadFile | None, File(description=".docx、.txt 或 .pdf / a .docx, .txt or .pdf file")] = None,
    text: Annotated[str | None, Form(description=f"报告全文（不超过 {MAX_CHARS:,} 字）/ the report's text")] = None,
    district: Annotated[
        str | None, Form(description="区划代码（不填则从标题读取）/ district code", examples=["120102"], max_length=9)
    ] = None,
    year: Annotated[
        int | None, Form(description="年度（不填则从标题读取）/ year", examples=[2021], ge=2000, le=2100)
    ] = None,
) -> ExtractResult:
    content: bytes | None = None
    file_name: str | None = None
    if file is not None:
        limit = request.app.state.settings.max_upload_bytes
        content = file.file.read(limit + 1)
        if len(content) > limit:
            raise PayloadTooLarge(
                f"文件超过 {limit // (1024 * 1024)} MB", f"The file is larger than {limit // (1024 * 1024)} MB"
            )
        file_name = file.filename[-255:] if file.filename else None
    extraction = service.extract_report(
        session, content=content, file_name=file_name, text=text, district=district or None, year=year
    )
    return ExtractResult.model_validate(extraction)


# Accepting figures and reading a district-year: plain JSON, no form parsing of their own.
figures_router = APIRouter(tags=["backfill"])
FIGURE_PROBLEMS = problem_responses(
    {
        403: "只读账号或超出范围 / Read-only user, or outside the scope",
        404: "区划不存在 / Unknown district",
        409: "与审核通过的月度数据不一致 / Differs from approved months",
        422: "数据无效，errors[] 逐项列出 / Invalid figures, each listed in errors[]",
    }
)


@figures_router.post(
    "/backfill/accept",
    summary="保存年度数据 / Store accepted annual figures",
    description="把核对过的数字存为该区县该年的年度数据（不拆成月份），连同出处原文；重复提交不产生变化；"
    "与该年审核通过的月度数据不一致时拒绝（409）。报送人员（本区县）或管理员。\n\nStores the reviewed figures as the "
    "district-year's annual figures (no months invented), with the sentence each came from; the same figures again "
    "change nothing; refused (409) where they differ from approved months of that year. Staff of the district or "
    "admins.",
    response_model=AcceptOut,
    responses=FIGURE_PROBLEMS,
)
def accept_figures(body: AcceptIn, principal: CurrentPrincipal, session: SessionDep, now: TodayDep) -> AcceptOut:
    result = annual.accept(
        session,
        principal=principal,
        district=body.district,
        year=body.year,
        figures=body.figures,
        evidence=body.evidence,
        source=body.source,
        today=now,
    )
    return AcceptOut.model_validate(result)


@figures_router.get(
    "/districts/{code}/years/{year}",
    summary="某区县某年的年度数据及来源 / A district-year's figures and their source",
    description="每个指标：年报中的年度数据（及原文、录入人）、月度报送合计、统计采用哪一个、二者是否不一致（数据差异）。"
    "\n\nPer indicator: the annual figure read from a report (with its sentence and who accepted it), the monthly "
    "sum, which one the statistics count, and whether they differ.",
    response_model=DistrictYearOut,
    responses=problem_responses({403: "超出范围 / Outside the scope", 404: "区划不存在 / Unknown district"}),
)
def get_district_year(
    code: str,
    year: Annotated[int, FastAPIPath(ge=2000, le=9999)],
    principal: CurrentPrincipal,
    session: SessionDep,
) -> DistrictYearOut:
    return DistrictYearOut.model_validate(annual.district_year(session, principal=principal, district=code, year=year))
