"""Review of district-months: who stands where, the transitions, approving a month for a whole city,
and reminders.

States: ``missing`` (nothing sent) → ``submitted`` (any write) → ``returned`` (sent back with a
reason) or ``approved`` (locked: app.values.write refuses writes to it) → ``submitted`` again by an
unlock. Transitions take the same district lock as writes, so an approval and an upload of the same
month never interleave; each change is a ``ReviewEvent``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, aliased

from app.auth.models import Role, User, UserDistrict
from app.auth.scope import Principal
from app.core.config import Settings
from app.core.db import utcnow
from app.core.errors import Conflict, Forbidden, Problem, ValidationFailed
from app.core.periods import month_label, month_zh
from app.core.text import unsafe_characters
from app.districts import service as districts
from app.districts.codes import in_area, is_under
from app.districts.models import District, DistrictLevel
from app.reviews import mail
from app.reviews.models import Reminder, ReviewAction, ReviewEvent
from app.reviews.schemas import ApproveAllResult, ReminderOut, ReviewList, ReviewRow, Transition
from app.stats.common import district_ref
from app.stats.context import StatsContext
from app.stats.ranking import listed_rows
from app.stats.schemas import DistrictRef
from app.values import store
from app.values.models import MonthReport, ReviewStatus

MAX_REASON = 2000
OPEN = (ReviewStatus.missing, ReviewStatus.returned)


@dataclass
class _State:
    """A district-month's review row, or none (missing)."""

    row: MonthReport | None

    @property
    def status(self) -> ReviewStatus:
        return ReviewStatus(self.row.status) if self.row is not None else ReviewStatus.missing


# ----------------------------------------------------------------------------- reading


def counties_under(ctx: StatsContext, parent: str) -> tuple[District, list[tuple[str, str]]]:
    """The parent (404, 403) and its county-level districts inside the caller's scope, by code."""
    parent_row, _limited = ctx.listable_parent(parent)
    assert parent_row is not None
    if parent_row.level == DistrictLevel.county:
        ctx.district(parent_row.code)  # 403 outside the scope
        return parent_row, [(parent_row.code, parent_row.name)]
    stmt = listed_rows(ctx.principal, parent_row, DistrictLevel.county)
    rows = ctx.session.execute(stmt.order_by(District.code)).all()
    return parent_row, [(code, name) for code, name, _level in rows]


def list_reviews(ctx: StatsContext, *, parent: str, month: dt.date, status: ReviewStatus | None) -> ReviewList:
    """Every county-level district under ``parent`` (in the caller's scope) with its month's status."""
    parent_row, counties = counties_under(ctx, parent)
    codes = [code for code, _name in counties]
    submitter, reviewer = aliased(User), aliased(User)
    found: dict[str, Any] = {}
    for i in range(0, len(codes), 500):
        for r in ctx.session.execute(
            select(MonthReport, submitter.name, reviewer.name)
            .outerjoin(submitter, submitter.id == MonthReport.submitted_by_id)
            .outerjoin(reviewer, reviewer.id == MonthReport.status_by_id)
            .where(MonthReport.district_code.in_(codes[i : i + 500]), MonthReport.month == month)
        ):
            found[r[0].district_code] = r
    rows: list[ReviewRow] = []
    counts = dict.fromkeys(ReviewStatus, 0)
    for code, name in counties:
        hit = found.get(code)
        report, submitted_by, reviewed_by = hit if hit is not None else (None, None, None)
        st = ReviewStatus(report.status) if report is not None else ReviewStatus.missing
        counts[st] += 1
        if status is not None and st != status:
            continue
        moments = [m for m in (report.last_submitted_at if report else None, report.status_at if report else None) if m]
        rows.append(
            ReviewRow(
                district=DistrictRef(code=code, name=name, level=DistrictLevel.county),
                month=month_label(month),
                status=st,
                last_change=max(moments) if moments else None,
                submitted_at=report.last_submitted_at if report else None,
                submitted_by=submitted_by,
                reason=report.status_reason if report else None,
                reviewed_at=report.status_at if report else None,
                reviewed_by=reviewed_by,
            )
        )
    return ReviewList(parent=district_ref(parent_row), month=month_label(month), counts=counts, rows=rows)


# ----------------------------------------------------------------------------- transitions


def _reason(reason: str | None, *, required: bool) -> str | None:
    text = (reason or "").strip()
    if not text:
        if required:
            raise ValidationFailed(
                "请填写原因",
                "A reason is required",
                errors=[Problem("reason.missing", "原因必填", "reason is required", column="reason")],
            )
        return None
    bad = unsafe_characters(text, multiline=True)
    if bad or len(text) > MAX_REASON:
        raise ValidationFailed(
            "原因含不可保存的字符或过长",
            "The reason holds characters that cannot be stored, or is too long",
            errors=[Problem("reason.invalid", "原因无效", "invalid reason", column="reason")],
        )
    return text


def _county(session: Session, code: str) -> District:
    district = districts.get_or_raise(session, code=code)
    why = districts.not_reporting_unit(session, code, district)
    if why is not None:
        problem_code, zh, en, _ = why
        raise ValidationFailed(zh, en, errors=[Problem(problem_code, zh, en, column="code", value=code)])
    return district


def _state(session: Session, code: str, month: dt.date) -> _State:
    return _State(
        session.scalar(select(MonthReport).where(MonthReport.district_code == code, MonthReport.month == month))
    )


def transition(
    session: Session,
    *,
    principal: Principal,
    code: str,
    month: dt.date,
    action: ReviewAction,
    reason: str | None = None,
) -> Transition:
    """Approve, return (with a reason) or unlock (with a reason) one district-month."""
    _county(session, code)
    principal.require_review(code)
    text = _reason(reason, required=action in (ReviewAction.return_, ReviewAction.unlock))
    store.lock_district_months(session, [(code, month)])
    state = _state(session, code, month)
    previous = state.status
    where = f"{code} {month_zh(month)}"
    where_en = f"{code} {month_label(month)}"
    if action == ReviewAction.approve:
        if previous == ReviewStatus.missing:
            raise _conflict("month.missing", f"{where} 尚未报送，没有可审核的数据", f"{where_en} has not been reported")
        target = ReviewStatus.approved
    elif action == ReviewAction.return_:
        if previous == ReviewStatus.missing:
            raise _conflict("month.missing", f"{where} 尚未报送，无法退回", f"{where_en} has not been reported")
        if previous == ReviewStatus.approved:
            raise _conflict(
                "month.locked",
                f"{where} 已审核通过（锁定），需先解锁再退回",
                f"{where_en} is approved: unlock it first",
            )
        target = ReviewStatus.returned
    else:
        if previous != ReviewStatus.approved:
            raise _conflict("month.not_locked", f"{where} 未锁定，无需解锁", f"{where_en} is not approved (locked)")
        target = ReviewStatus.submitted
    row = state.row
    assert row is not None
    now = utcnow()
    if previous != target or text:
        row.status = target
        row.status_at = now
        row.status_by_id = principal.user_id
        if text is not None:
            row.status_reason = text
        session.add(
            ReviewEvent(
                at=now,
                district_code=code,
                month=month,
                action=action,
                from_status=previous.value,
                to_status=target.value,
                reason=text,
                user_id=principal.user_id,
            )
        )
        session.flush()
    return Transition(
        district=code, month=month_label(month), status=target, previous=previous, reason=row.status_reason, at=now
    )


def _conflict(code: str, zh: str, en: str) -> Conflict:
    return Conflict(zh, en, errors=[Problem(code, zh, en)])


def approve_all(ctx: StatsContext, *, parent: str, month: dt.date) -> ApproveAllResult:
    """Approve every submitted month of ``month`` under ``parent`` at once (inside the reviewer's scope)."""
    principal, session = ctx.principal, ctx.session
    if not principal.can_review:
        principal.require_review(parent)  # raises the 403
    _parent, counties = counties_under(ctx, parent)
    codes = [code for code, _name in counties if principal.scope.covers(code)]
    store.lock_district_months(session, [(code, month) for code in codes])
    now = utcnow()
    approved = already = 0
    reports = {
        r.district_code: r
        for i in range(0, len(codes), 500)
        for r in session.scalars(
            select(MonthReport).where(MonthReport.district_code.in_(codes[i : i + 500]), MonthReport.month == month)
        )
    }
    for code in codes:
        row = reports.get(code)
        if row is None:
            continue
        if row.status == ReviewStatus.approved:
            already += 1
            continue
        if row.status != ReviewStatus.submitted:
            continue
        row.status, row.status_at, row.status_by_id = ReviewStatus.approved, now, principal.user_id
        session.add(
            ReviewEvent(
                at=now,
                district_code=code,
                month=month,
                action=ReviewAction.approve,
                from_status=ReviewStatus.submitted.value,
                to_status=ReviewStatus.approved.value,
                user_id=principal.user_id,
            )
        )
        approved += 1
    session.flush()
    return ApproveAllResult(
        parent=parent,
        month=month_label(month),
        approved=approved,
        already_approved=already,
        not_submitted=len(codes) - approved - already,
    )


# ----------------------------------------------------------------------------- reminders


def remind(ctx: StatsContext, *, parent: str, month: dt.date, settings: Settings) -> list[ReminderOut]:
    """A reminder (催报) to every district under ``parent`` whose month is missing or returned;
    mailed to the district's staff when SMTP is configured."""
    principal, session = ctx.principal, ctx.session
    if not principal.can_review:
        principal.require_review(parent)
    listing = list_reviews(ctx, parent=parent, month=month, status=None)
    out: list[ReminderOut] = []
    now = utcnow()
    for row in listing.rows:
        if row.status not in OPEN or not principal.scope.covers(row.district.code):
            continue
        to = _staff_addresses(session, row.district.code)
        what = "未报送" if row.status == ReviewStatus.missing else "被退回，尚未修改"
        what_en = "reported" if row.status == ReviewStatus.missing else "corrected"
        mailed = mail.send(
            settings,
            to=to,
            subject=f"【催报】{row.district.name}{month_zh(month)}执法统计报表{what}",
            body=(
                f"{row.district.name}（{row.district.code}）{month_zh(month)}的执法统计报表{what}，请尽快报送。\n"
                + (f"退回原因：{row.reason}\n" if row.status == ReviewStatus.returned and row.reason else "")
                + f"\n{row.district.name} has not yet {what_en} its enforcement figures of {month_label(month)}; "
                "please send them.\n"
            ),
        )
        reminder = Reminder(
            created_at=now,
            district_code=row.district.code,
            month=month,
            status=row.status.value,
            created_by_id=principal.user_id,
            mailed_to=mailed,
        )
        session.add(reminder)
        session.flush()
        out.append(_reminder_out(reminder, row.district, principal.name))
    return out


def _staff_addresses(session: Session, code: str) -> list[str]:
    """E-mail addresses of the active staff whose scope covers ``code``."""
    rows = session.execute(
        select(User.email, UserDistrict.district_code)
        .join(UserDistrict, UserDistrict.user_id == User.id)
        .where(User.role == Role.staff, User.is_active.is_(True), User.email.is_not(None))
    ).all()
    return sorted({email for email, scope in rows if email and is_under(code, scope)})


def open_reminders(session: Session, *, principal: Principal) -> list[ReminderOut]:
    """The reminders to the caller's districts whose month is still missing or returned (newest first)."""
    creator = aliased(User)
    stmt = (
        select(Reminder, District, creator.name, MonthReport.status)
        .join(District, District.code == Reminder.district_code)
        .outerjoin(creator, creator.id == Reminder.created_by_id)
        .outerjoin(
            MonthReport, and_(MonthReport.district_code == Reminder.district_code, MonthReport.month == Reminder.month)
        )
        .where(principal.scope.sql_filter(Reminder.__table__.c.district_code))
        .order_by(Reminder.created_at.desc(), Reminder.id.desc())
        .limit(200)
    )
    out: list[ReminderOut] = []
    seen: set[tuple[str, dt.date]] = set()
    for reminder, district, created_by, current in session.execute(stmt):
        key = (reminder.district_code, reminder.month)
        if key in seen:
            continue
        seen.add(key)
        status = ReviewStatus(current) if current is not None else ReviewStatus.missing
        if status in OPEN:
            out.append(_reminder_out(reminder, district_ref(district), created_by))
    return out


def _reminder_out(reminder: Reminder, district: DistrictRef, created_by: str | None) -> ReminderOut:
    return ReminderOut(
        id=reminder.id,
        district=district,
        month=month_label(reminder.month),
        status=ReviewStatus(reminder.status),
        created_at=reminder.created_at,
        created_by=created_by,
        mailed_to=reminder.mailed_to,
    )


# ----------------------------------------------------------------------------- the trail


def events(
    session: Session, *, principal: Principal, district: str | None, month: dt.date | None, limit: int = 200
) -> list[dict[str, Any]]:
    """Review events inside the caller's scope, newest first."""
    actor = aliased(User)
    stmt = (
        select(ReviewEvent, actor.name)
        .outerjoin(actor, actor.id == ReviewEvent.user_id)
        .where(principal.scope.sql_filter(ReviewEvent.__table__.c.district_code))
        .order_by(ReviewEvent.at.desc(), ReviewEvent.id.desc())
        .limit(limit)
    )
    if district is not None:
        districts.get_or_raise(session, code=district)
        if not principal.scope.overlaps(district):
            raise Forbidden(f"无权查看区划 {district}", f"District {district} is outside your scope", district=district)
        stmt = stmt.where(in_area(ReviewEvent.__table__.c.district_code, district))
    if month is not None:
        stmt = stmt.where(ReviewEvent.month == month)
    return [
        {
            "at": e.at,
            "district": e.district_code,
            "month": month_label(e.month),
            "action": e.action.value if isinstance(e.action, ReviewAction) else str(e.action),
            "from_status": e.from_status,
            "to_status": e.to_status,
            "reason": e.reason,
            "user": name,
        }
        for e, name in session.execute(stmt)
    ]
