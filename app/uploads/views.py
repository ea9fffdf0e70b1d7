"""Upload endpoints: POST a CSV or XLSX file, download the Excel template, read the submissions log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Header, Path, Query, Request, Response, UploadFile
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.auth.deps import CurrentPrincipal
from app.core.deps import SessionDep
from app.core.errors import PayloadTooLarge, ServiceUnavailable, ValidationFailed
from app.districts import service as districts
from app.indicators import service as indicators
from app.submissions.models import SubmissionStatus
from app.uploads import service
from app.uploads.parser import MAX_BYTES
from app.uploads.schemas import SubmissionDetail, SubmissionPage, UploadResult, problem_responses
from app.uploads.template import XLSX_MEDIA_TYPE, build_template, prefill_values, template_file_name
from app.values.models import Activity, MonthlyValue

# Multipart framing around a 10 MB file is a few hundred bytes; anything much larger is refused
# before it is read.
MAX_REQUEST_BYTES = MAX_BYTES + 64 * 1024


def _too_large() -> PayloadTooLarge:
    return PayloadTooLarge(
        f"文件超过 {MAX_BYTES // (1024 * 1024)} MB，请拆分后上传",
        f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB; split it",
        limit_bytes=MAX_BYTES,
    )


class LimitedBodyRoute(APIRoute):
    """Refuses request bodies over MAX_REQUEST_BYTES with 413 before parsing them: by Content-Length
    when given, otherwise by counting the bytes as they arrive (chunked uploads)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def limited(request: Request) -> Response:
            length = request.headers.get("content-length", "")
            if length.isdigit() and int(length) > MAX_REQUEST_BYTES:
                raise _too_large()
            if request.method not in ("POST", "PUT"):
                return await handler(request)
            receive = request.receive
            received = 0

            async def counting_receive() -> Any:
                nonlocal received
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > MAX_REQUEST_BYTES:
                        raise _too_large()
                return message

            try:
                return await handler(Request(request.scope, counting_receive))
            except Exception:
                # FastAPI turns any error while reading a form into "400 error parsing the body".
                if received > MAX_REQUEST_BYTES:
                    raise _too_large() from None
                raise

        return limited


router = APIRouter(tags=["uploads"], route_class=LimitedBodyRoute)


def commit_before_answering(session: Session) -> None:
    """Commit the upload here rather than in the session dependency, so that a commit that fails
    on a lock or statement timeout answers 503 with Retry-After (a client told 201 must find its
    figures stored, and a retry its Idempotency-Key). When the session sits inside a transaction
    begun by someone else (the tests join one and roll it back), that owner commits.
    """
    try:
        if session.connection().in_nested_transaction():
            session.flush()
        else:
            session.commit()
    except OperationalError as exc:
        raise ServiceUnavailable(
            "数据库暂时无法保存，未保存任何数据，请稍后重试",
            "The database could not commit; nothing was stored; retry shortly",
            headers={"Retry-After": service.RETRY_AFTER},
        ) from exc


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
        first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
        rows = session.execute(
            select(MonthlyValue.indicator_code, MonthlyValue.month, MonthlyValue.value).where(
                MonthlyValue.district_code == d.code, MonthlyValue.month.between(first, last)
            )
        ).all()
        filled = prefill_values([(i, m, float(v)) for i, m, v in rows])
        acts = [
            {"date": a.date, "kind": a.kind.value, "title": a.title, "participants": a.participants, "notes": a.notes}
            for a in session.scalars(
                select(Activity)
                .where(Activity.district_code == d.code, Activity.date.between(first, last))
                .order_by(Activity.date, Activity.id)
            )
        ]
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
) -> Response:
    content = file.file.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        raise _too_large()
    answer = service.upload_file(
        session,
        principal=principal,
        content=content,
        file_name=file.filename[-255:] if file.filename else None,
        dry_run=dry_run or bool(dry_run_form),
        idempotency_key=idempotency_key,
        instance=request.url.path,
    )
    # A 422 is returned, not raised, so that the rejected attempt is logged too (no figure stored).
    commit_before_answering(session)
    return JSONResponse(
        answer.body, status_code=answer.status_code, headers=answer.headers, media_type=answer.media_type
    )


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
    items, total = service.get_all(session, principal=principal, limit=limit, offset=offset, status=status)
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
    return service.get_or_raise(session, principal=principal, submission_id=submission_id)
