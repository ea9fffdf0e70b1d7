"""PUT and GET one district-month: the plain JSON form of the monthly report."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from app.auth.deps import CurrentPrincipal
from app.core.deps import SessionDep
from app.core.errors import Problem, ValidationFailed, problem_response
from app.districts import service as districts
from app.indicators import service as indicators
from app.submissions.models import SourceFormat
from app.uploads.schemas import problem_responses
from app.values import service
from app.values.schemas import MonthIn, MonthOut, MonthWriteResult
from app.values.service import ActivityData, MonthData

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


@router.put(
    PATH,
    summary="报送（替换）某区县某月数据 / Replace one district-month",
    description="替换该区县该月的全部数据：未列出的指标视为“未报送”，活动整体替换。同一内容重复提交不产生变化。"
    "\n\nReplaces the district-month: indicators left out become not reported; activities are replaced. "
    "Sending the same body twice changes nothing the second time.",
    response_model=MonthWriteResult,
    responses=PROBLEMS,
)
def put_month(
    code: str, month: str, body: MonthIn, principal: CurrentPrincipal, session: SessionDep, request: Request
) -> MonthWriteResult | JSONResponse:
    first = service.parse_month_path(month)
    districts.get_or_raise(session, code=code)
    data = MonthData(
        district_code=code,
        month=first,
        values=dict(body.values),
        activities=[ActivityData(a.kind, a.date, a.title, a.participants, a.notes) for a in body.activities],
    )
    outcome = service.write_months(
        session,
        principal=principal,
        months=[data],
        source_format=SourceFormat.json,
        extra_errors=_read_only_problems(body, code, service.month_label(first)),
    )
    if outcome.errors:
        # Returned, not raised: the rejected attempt is logged (committed), no figure is stored.
        err = ValidationFailed(
            f"数据有 {len(outcome.errors)} 处错误，未保存任何数据",
            f"{len(outcome.errors)} problem(s) found; nothing was stored",
            errors=outcome.errors,
            submission_id=outcome.submission_id,
        )
        return problem_response(err, request)
    counts = outcome.months[0]
    return MonthWriteResult(
        district=code,
        month=service.month_label(first),
        created=counts.created,
        updated=counts.updated,
        unchanged=counts.unchanged,
        removed=counts.removed,
        activities_created=counts.activities_created,
        activities_removed=counts.activities_removed,
        submission_id=outcome.submission_id,
        warnings=[w.as_dict() for w in outcome.warnings],  # type: ignore[misc]
    )


@router.get(
    PATH,
    summary="查看某区县某月数据 / Read one district-month",
    description="返回与报送（PUT）相同的结构，可原样提交回去；整数型指标的数值为整数。"
    "\n\nAnswers the shape the PUT takes, so that it can be sent back unchanged; figures of whole-number "
    "indicators are integers.",
    response_model=MonthOut,
    responses=READ_PROBLEMS,
)
def get_month(code: str, month: str, principal: CurrentPrincipal, session: SessionDep) -> MonthOut:
    first = service.parse_month_path(month)
    found = service.get_month(session, principal=principal, district_code=code, month=first)
    catalogue = indicators.get_all(session)
    # Counts as integers (17, not 17.0), amounts as numbers, the same on every database (SQLite
    # hands back whole amounts as ints, PostgreSQL as floats).
    found["values"] = {
        ind: int(value) if ind in catalogue and catalogue[ind].whole_number and value == int(value) else float(value)
        for ind, value in found["values"].items()
    }
    return MonthOut.model_validate(found)
