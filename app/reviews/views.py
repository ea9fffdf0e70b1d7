"""The review API: a parent's district-months and their status; approve, return, unlock; approve a
whole month at once; reminders (催报) and the review trail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from app.auth.deps import CurrentPrincipal
from app.core.deps import SessionDep
from app.core.openapi import problem_responses
from app.core.periods import parse_month_path
from app.reviews import service
from app.reviews.models import ReviewAction
from app.reviews.schemas import (
    ApproveAllResult,
    ParentMonth,
    Reason,
    ReminderOut,
    RemindResult,
    ReviewEventOut,
    ReviewList,
    Transition,
)
from app.stats.deps import StatsDep
from app.values.models import ReviewStatus

router = APIRouter(tags=["review"])
MONTH_PATH = "/districts/{code}/months/{month}"
TRANSITION_PROBLEMS = problem_responses(
    {
        403: "不是审核人或超出审核范围 / Not a reviewer, or outside the review scope",
        404: "区划不存在 / Unknown district",
        409: "当前状态不允许（未报送、已锁定或未锁定）/ Not allowed in the month's status",
        422: "参数无效或缺少原因 / Invalid parameters, or no reason",
    }
)
LIST_PROBLEMS = problem_responses(
    {403: "超出账号范围 / Outside the caller's scope", 404: "区划不存在 / Unknown district", 422: "参数无效 / Invalid"}
)
Parent = Annotated[str, Query(max_length=9, description="上级区划代码 / parent district code", examples=["120000"])]
Month = Annotated[str, Query(max_length=7, description="YYYY-MM", examples=["2025-03"])]


@router.get(
    "/reviews",
    summary="报表审核状态 / District-months under review",
    description="上级区划下每个区县该月的状态：missing 未报送、submitted 已报送待审、returned 已退回、approved 已审核"
    "（锁定），最近变动、报送人、退回原因。\n\nEvery county-level district under parent with its month's status "
    "(missing, submitted, returned, approved), last change, who submitted, the reason of a return.",
    response_model=ReviewList,
    responses=LIST_PROBLEMS,
)
def get_reviews(
    parent: Parent,
    month: Month,
    ctx: StatsDep,
    status: Annotated[ReviewStatus | None, Query(description="只列此状态 / only this status")] = None,
) -> ReviewList:
    return service.list_reviews(ctx, parent=parent, month=parse_month_path(month), status=status)


def _transition(
    code: str, month: str, action: ReviewAction, principal: CurrentPrincipal, session: SessionDep, body: Reason | None
) -> Transition:
    return service.transition(
        session,
        principal=principal,
        code=code,
        month=parse_month_path(month),
        action=action,
        reason=body.reason if body is not None else None,
    )


@router.post(
    f"{MONTH_PATH}/approve",
    summary="审核通过（锁定）/ Approve and lock a district-month",
    description="审核通过后该月锁定：报送、修改、上传均被拒绝（409 month.locked），直至审核人解锁。"
    "\n\nAn approved month is locked: writes to it are refused (409 month.locked) until a reviewer unlocks it.",
    response_model=Transition,
    responses=TRANSITION_PROBLEMS,
)
def approve(code: str, month: str, principal: CurrentPrincipal, session: SessionDep) -> Transition:
    return _transition(code, month, ReviewAction.approve, principal, session, None)


@router.post(
    f"{MONTH_PATH}/return",
    summary="退回（须写原因）/ Return a district-month with a reason",
    description="退回给区县修改；原因必填。已锁定的月份须先解锁。\n\nSends the month back for correction; the "
    "reason is required. An approved month must be unlocked first.",
    response_model=Transition,
    responses=TRANSITION_PROBLEMS,
)
def return_month(code: str, month: str, body: Reason, principal: CurrentPrincipal, session: SessionDep) -> Transition:
    return _transition(code, month, ReviewAction.return_, principal, session, body)


@router.post(
    f"{MONTH_PATH}/unlock",
    summary="解锁（须写原因）/ Unlock an approved district-month",
    description="解锁后回到“已报送”，区县可再修改；原因必填，仅审核人。\n\nBack to submitted, so the district can "
    "correct it; the reason is required; reviewers only.",
    response_model=Transition,
    responses=TRANSITION_PROBLEMS,
)
def unlock(code: str, month: str, body: Reason, principal: CurrentPrincipal, session: SessionDep) -> Transition:
    return _transition(code, month, ReviewAction.unlock, principal, session, body)


@router.post(
    "/reviews/approve",
    summary="整月审核通过 / Approve every submitted month under a parent",
    description="上级区划下该月所有“已报送”的区县一并审核通过；未报送、已退回的不变。\n\nApproves every submitted "
    "month under parent at once; missing and returned months are left as they are.",
    response_model=ApproveAllResult,
    responses=TRANSITION_PROBLEMS,
)
def approve_all(body: ParentMonth, ctx: StatsDep) -> ApproveAllResult:
    return service.approve_all(ctx, parent=body.parent, month=parse_month_path(body.month))


@router.post(
    "/reminders",
    summary="催报 / Remind districts that have not reported",
    description="向上级区划下该月未报送或被退回的区县各发一条催报；配置了邮件服务时同时发邮件给该区县的报送人员。"
    "区县人员登录后可见。\n\nRecords a reminder to every district under parent whose month is missing or returned, "
    "mailed to the district's staff when SMTP is configured; staff see open reminders on sign-in.",
    response_model=RemindResult,
    status_code=201,
    responses=TRANSITION_PROBLEMS,
)
def post_reminders(body: ParentMonth, ctx: StatsDep, request: Request) -> RemindResult:
    month = parse_month_path(body.month)
    reminded = service.remind(ctx, parent=body.parent, month=month, settings=request.app.state.settings)
    return RemindResult(parent=body.parent, month=body.month, reminded=reminded)


@router.get(
    "/reminders",
    summary="我的催报 / Open reminders to my districts",
    description="账号范围内仍未报送或仍被退回的月份的催报。\n\nReminders to the caller's districts whose month is "
    "still missing or returned.",
    response_model=list[ReminderOut],
)
def get_reminders(principal: CurrentPrincipal, session: SessionDep) -> list[ReminderOut]:
    return service.open_reminders(session, principal=principal)


@router.get(
    "/reviews/events",
    summary="审核记录 / The review trail",
    description="审核通过、退回、解锁的记录，最新在前。\n\nApprovals, returns and unlocks, newest first.",
    response_model=list[ReviewEventOut],
    responses=LIST_PROBLEMS,
)
def get_events(
    principal: CurrentPrincipal,
    session: SessionDep,
    district: Annotated[str | None, Query(max_length=9, description="区划代码 / district code")] = None,
    month: Annotated[str | None, Query(max_length=7, description="YYYY-MM")] = None,
) -> list[ReviewEventOut]:
    first = parse_month_path(month) if month is not None else None
    rows = service.events(session, principal=principal, district=district, month=first)
    return [ReviewEventOut.model_validate(r) for r in rows]
