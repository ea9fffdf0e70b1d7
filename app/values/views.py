"""PUT and GET one district-month: the plain JSON form of the monthly report."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Header, Response
from sqlalchemy.orm import Session

from app.auth.deps import CurrentPrincipal
from app.auth.scope import Principal
from app.core.deps import SessionDep
from app.core.errors import Problem, ValidationFailed
from app.core.openapi import problem_responses
from app.core.periods import month_label, parse_month_path
from app.districts import service as districts
from app.indicators import service as indicators
from app.submissions.models import SourceFormat
from app.values import read, write
from app.values.body import month_from_body
from app.values.schemas import MonthIn, MonthOut, MonthPatch, MonthWriteResult, ProblemItem
from app.values.shapes import MonthData, WriteOutcome
from app.values.versions import current_versions, etag

router = APIRouter(tags=["monthly data"])
PATH = "/districts/{code}/months/{month}"
PROBLEMS: dict[int | str, dict[str, Any]] = problem_responses(
    {
        403: "超出账号范围或只读账号 / Outside the caller's scope, or a read-only user",
        404: "区划不存在 / Unknown district",
        422: "数据校验未通过，errors[] 列出每一处问题 / Invalid data; errors[] lists every problem",
    }
)
READ_PROBLEMS = problem_responses(
    {
        403: "超出账号范围 / Outside the caller's scope",
        404: "区划不存在 / Unknown district",
        422: "月份无效 / Invalid month",
    }
)


def _read_only_problems(body: MonthIn, code: str, month: str) -> list[Problem]:
    """District and month may come back in the body (a GET answer PUT back), but only as they are."""
    out: list[Problem] = []
    if body.district is not None and body.district != code:
        out.append(
            Problem(
                "district.mismatch",
                f"请求体中的区划代码 {body.district} 与地址中的 {code} 不一致：区划由地址决定，可省略该字段",
                f"the body's district {body.district!r} differs from the URL's {code}: the URL decides; "
                "leave the field out",
                column="district",
                value=body.district,
            )
        )
    if body.month is not None and body.month != month:
        out.append(
            Problem(
                "month.mismatch",
                f"请求体中的月份 {body.month} 与地址中的 {month} 不一致：月份由地址决定，可省略该字段",
                f"the body's month {body.month!r} differs from the URL's {month}: the URL decides; leave the field out",
                column="month",
                value=body.month,
            )
        )
    return out


def _result(code: str, first: dt.date, outcome: WriteOutcome, response: Response) -> MonthWriteResult:
    counts = outcome.months[0]
    version = outcome.versions_after.get((code, first))
    if version is not None:
        response.headers["ETag"] = etag(version)
    return MonthWriteResult(
        district=code,
        month=month_label(first),
        created=counts.created,
        updated=counts.updated,
        unchanged=counts.unchanged,
        removed=counts.removed,
        activities_created=counts.activities_created,
        activities_removed=counts.activities_removed,
        submission_id=outcome.submission_id,
        warnings=[ProblemItem.model_validate(w.as_dict()) for w in outcome.warnings],
    )


def _write(
    session: Session,
    principal: Principal,
    code: str,
    first: dt.date,
    data: MonthData,
    problems: list[Problem],
    if_match: str | None,
) -> WriteOutcome:
    outcome = write.write_months(
        session,
        principal=principal,
        months=[data],
        source_format=SourceFormat.json,
        extra_errors=problems,
        incomplete={(code, first)} if problems else (),
        versions=True,
        if_match=if_match,
    )
    if outcome.errors:
        # The rejected attempt is logged (committed), no figure is stored.
        raise ValidationFailed(
            f"数据有 {len(outcome.errors)} 处错误，未保存任何数据",
            f"{len(outcome.errors)} problem(s) found; nothing was stored",
            errors=outcome.errors,
            submission_id=outcome.submission_id,
            commit=True,
        )
    return outcome


IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=1024,
        description="GET 返回的 ETag：自读取后该月被他人修改则答 412 / the ETag GET answered: 412 if the month changed "
        "since",
    ),
]


@router.put(
    PATH,
    summary="报送（替换）某区县某月数据 / Replace one district-month",
    description="替换该区县该月的全部数据：未列出的指标视为“未报送”，活动整体替换。同一内容重复提交不产生变化。"
    "数值可为数字或“2,000”“3.5万”这样的文字；所有问题一次列出。带 If-Match 时，该月自读取后被修改则答 412。"
    "只改部分指标请用 PATCH。"
    "\n\nReplaces the district-month: indicators left out become not reported; activities are replaced. "
    "Sending the same body twice changes nothing the second time. Values may be numbers or text like "
    '"2,000" or "3.5万"; every problem is listed at once. With If-Match, 412 when the month changed '
    "since it was read. To change some indicators only, use PATCH.",
    response_model=MonthWriteResult,
    responses=PROBLEMS,
)
def put_month(
    code: str,
    month: str,
    body: MonthIn,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> MonthWriteResult:
    first = parse_month_path(month)
    districts.get_or_raise(session, code=code)
    catalogue = indicators.get_all(session)
    data, problems = month_from_body(
        body.values, body.activities, district=code, month=first, catalogue=catalogue, replace=True
    )
    problems = _read_only_problems(body, code, month_label(first)) + problems
    outcome = _write(session, principal, code, first, data, problems, if_match)
    return _result(code, first, outcome, response)


@router.patch(
    PATH,
    summary="修改某区县某月的部分指标 / Change some indicators of one district-month",
    description="只改请求中列出的指标：数值为新值，null 撤回该指标；未列出的指标不变。给出 activities 时整体替换"
    "该月活动，省略则不变。带 If-Match 时，该月自读取后被修改则答 412。"
    "\n\nChanges only the indicators the body names: a number sets one, null withdraws one; the others stay as "
    "they are. activities, when given, replace the month's activities; left out, they stay. With If-Match, "
    "412 when the month changed since it was read.",
    response_model=MonthWriteResult,
    responses=PROBLEMS,
)
def patch_month(
    code: str,
    month: str,
    body: MonthPatch,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> MonthWriteResult:
    first = parse_month_path(month)
    districts.get_or_raise(session, code=code)
    catalogue = indicators.get_all(session)
    data, problems = month_from_body(
        body.values, body.activities, district=code, month=first, catalogue=catalogue, replace=False
    )
    outcome = _write(session, principal, code, first, data, problems, if_match)
    return _result(code, first, outcome, response)


@router.get(
    PATH,
    summary="查看某区县某月数据 / Read one district-month",
    description="返回与报送（PUT）相同的结构，可原样提交回去；整数型指标的数值为整数。ETag 标识该月当前版本，"
    "修改时以 If-Match 带回。"
    "\n\nAnswers the shape the PUT takes, so that it can be sent back unchanged; figures of whole-number "
    "indicators are integers. The ETag names the month's version: send it back as If-Match when changing it.",
    response_model=MonthOut,
    responses=READ_PROBLEMS,
)
def get_month(code: str, month: str, principal: CurrentPrincipal, session: SessionDep, response: Response) -> MonthOut:
    first = parse_month_path(month)
    found = read.get_month(session, principal=principal, district_code=code, month=first)
    catalogue = indicators.get_all(session)
    response.headers["ETag"] = etag(current_versions(session, [(code, first)])[(code, first)])
    # Counts as integers (17, not 17.0), amounts as numbers, the same on every database (SQLite
    # hands back whole amounts as ints, PostgreSQL as floats).
    found["values"] = {
        ind: int(value) if ind in catalogue and catalogue[ind].whole_number and value == int(value) else float(value)
        for ind, value in found["values"].items()
    }
    return MonthOut.model_validate(found)
