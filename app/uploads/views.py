"""Upload endpoints: POST a CSV or XLSX file, download the Excel template, read the submissions log."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Header, Path, Query, Request, Response, UploadFile

from app.auth.deps import CurrentPrincipal
from app.core.config import Settings
from app.core.deps import SessionDep
from app.core.errors import ValidationFailed
from app.core.limits import file_too_large
from app.core.openapi import problem_responses
from app.core.responses import FastJSONResponse
from app.districts import service as districts
from app.indicators import service as indicators
from app.submissions.models import SubmissionStatus
from app.uploads import log, service
from app.uploads.schemas import SubmissionDetail, SubmissionPage, UploadResult
from app.uploads.template import XLSX_MEDIA_TYPE, build_template, prefill_values, template_file_name
from app.values import read

# The request as a whole is bounded before it is read (app.core.limits.RequestLimits, MAX_UPLOAD_BYTES).
router = APIRouter(tags=["uploads"])
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _file_name(name: str | None) -> str | None:
    """The uploaded file's name as logged: its last 255 characters, without control characters
    (PostgreSQL stores no NUL), and without lone surrogates."""
    if not name:
        return None
    clean = _CONTROL.sub("", name).encode("utf-8", "replace").decode("utf-8")
    return clean[-255:] or None


@router.get(
    "/uploads/template.xlsx",
    summary="下载 Excel 填报模板 / Download the Excel template",
    description="某区县某年的填报模板：每行一个指标，每列一个月，表头写明区划代码和年度，单元格限填非负数"
    "（计数类限整数），另有“活动”和“说明”工作表。prefill=true 时填入已报送的数据，便于修改后重新上传。"
    "\n\nThe template of one district and year: one row per indicator, one column per month, cells "
    "restricted to non-negative numbers, an activity sheet and an instructions sheet. With prefill=true "
    "the figures already reported are filled in.",
    response_class=Response,
    responses={
        200: {"content": {XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}}},
        **problem_responses(
            {
                403: "区县超出账号范围 / District outside the caller's scope",
                404: "区划不存在 / Unknown district",
                422: "参数无效 / Invalid parameters",
            }
        ),
    },
)
def get_template(
    principal: CurrentPrincipal,
    session: SessionDep,
    district: Annotated[str, Query(description="区划代码 / district code", examples=["120102"], max_length=9)],
    year: Annotated[int, Query(description="年度 / year", examples=[2021], ge=2000, le=2100)],
    prefill: Annotated[bool, Query(description="填入已报送数据 / fill in reported figures")] = False,
) -> Response:
    d = districts.get_or_raise(session, code=district)
    principal.require_read(d.code)
    if year > dt.date.today().year:
        raise ValidationFailed(f"{year} 年尚未到来", f"The year {year} is in the future", year=year)
    catalogue = indicators.get_all(session)
    filled: dict[tuple[str, int], float] = {}
    acts: list[dict[str, object]] = []
    if prefill:
        values, acts = read.get_year(session, principal=principal, district_code=d.code, year=year)
        filled = prefill_values(values)
    content = build_template(district=d, year=year, catalogue=catalogue, values=filled, activities=acts)
    name = template_file_name(d, year)
    zh_name = quote(f"{d.name}{year}年执法统计填报模板.xlsx")
    return Response(
        content,
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{zh_name}"},
    )


@router.post(
    "/uploads",
    summary="上传 CSV 或 Excel 文件 / Upload a CSV or XLSX file",
    description="上传长表（区划代码、月份、指标、数值）或填报模板。文件所含的区县-月份整体替换（未列出的指标视为"
    "未报送）；任何错误都不保存数据，并逐项列出。dry_run=true 只检查不保存。同一 Idempotency-Key 重试时返回首次结果。"
    "\n\nUploads a long table (district_code, month, indicator, value) or the template. The district-months "
    "the file contains are replaced whole; any error stores nothing and every problem is listed. "
    "dry_run=true checks without storing. A retry with the same Idempotency-Key gets the first answer.",
    status_code=201,
    response_model=UploadResult,
    responses={
        200: {"description": "试运行结果（未保存）/ Dry run: what an upload would do", "model": UploadResult},
        201: {"description": "已保存 / Stored"},
        **problem_responses(
            {
                403: "只读账号或区县超出账号范围 / Read-only user or districts outside the scope",
                413: "文件超过 10 MB / File over 10 MB",
                422: "文件有错误，errors[] 逐项列出 / Problems in the file, each listed in errors[]",
                503: "等待其他上传超时，请重试 / Timed out waiting for another upload; retry",
            }
        ),
    },
)
def post_upload(
    request: Request,
    principal: CurrentPrincipal,
    session: SessionDep,
    file: Annotated[UploadFile, File(description="CSV 或 XLSX 文件 / a CSV or XLSX file")],
    dry_run: Annotated[bool, Query(description="只检查，不保存 / check only, store nothing")] = False,
    dry_run_form: Annotated[bool | None, Form(alias="dry_run", description="同查询参数 dry_run")] = None,
    idempotency_key: Annotated[
        str | None,
        Header(alias="Idempotency-Key", max_length=255, description="重试时用同一个键 / the same key on retries"),
    ] = None,
    base_versions: Annotated[
        str | None,
        Form(
            max_length=2_000_000,
            description='试运行答复中各区县-月份的 version，JSON 对象 {"120102/2021-03": "…"}；给出时，'
            "若其中任一月份在试运行后被修改，整份文件不保存并答 409 / the versions a dry run answered, as a JSON "
            'object {"120102/2021-03": "…"}; when given, the whole file is refused with 409 if any of those months '
            "changed since",
        ),
    ] = None,
) -> Response:
    settings: Settings = request.app.state.settings
    content = file.file.read(settings.max_upload_bytes + 1)
    if len(content) > settings.max_upload_bytes:
        raise file_too_large(settings.max_upload_bytes)
    answer = service.upload_file(
        session,
        principal=principal,
        content=content,
        file_name=_file_name(file.filename),
        dry_run=dry_run or bool(dry_run_form),
        idempotency_key=idempotency_key,
        instance=request.url.path,
        base_versions=service.parse_base_versions(base_versions) if base_versions is not None else None,
        limits=service.ParseLimits(settings.upload_parse_seconds, settings.upload_parse_memory_mb * 1024 * 1024),
    )
    return FastJSONResponse(answer.body, status_code=answer.status_code, headers=answer.headers)


@router.get(
    "/uploads",
    summary="提交记录 / The submissions log",
    description="上传与报送记录，最新在前。管理员可见全部；其他账号可见本人提交及涉及其范围内区县的提交。"
    "\n\nSubmissions, newest first. Admins see all; others their own and those that changed figures in "
    "their scope.",
    response_model=SubmissionPage,
    responses=problem_responses({422: "参数无效 / Invalid parameters"}),
)
def list_uploads(
    principal: CurrentPrincipal,
    session: SessionDep,
    status: Annotated[SubmissionStatus | None, Query(description="applied / rejected")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> SubmissionPage:
    items, total = log.get_all(session, principal=principal, limit=limit, offset=offset, status=status)
    return SubmissionPage(items=items, total=total, limit=limit, offset=offset)


@router.get(
    "/uploads/{id}",
    summary="一次提交的详情 / One submission, with its summary",
    response_model=SubmissionDetail,
    responses=problem_responses(
        {
            403: "无权查看 / Not yours and not about your districts",
            404: "提交记录不存在 / No such submission",
            422: "参数无效 / Invalid parameters",
        }
    ),
)
def get_upload(
    principal: CurrentPrincipal,
    session: SessionDep,
    submission_id: Annotated[int, Path(alias="id", ge=1, le=2**31 - 1)],
) -> SubmissionDetail:
    return log.get_or_raise(session, principal=principal, submission_id=submission_id)
