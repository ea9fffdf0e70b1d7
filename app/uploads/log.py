"""The submissions log as a reader sees it: which entries, and which parts of each.

Admins and users whose scope is the whole country see every entry whole. Others see their own
submissions whole, and those of others that changed figures in their scope, cut to their scope: a
submission that also touched districts outside it shows only the district-months, warnings and
errors of districts inside it, with its counts made from those (issue 13: a staff user of 120102
read 120101's figures and medians in the warnings of a submission that touched both).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import exists, func, not_, select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.auth.scope import Principal
from app.core.errors import Forbidden, NotFound
from app.submissions.models import Submission, SubmissionStatus
from app.uploads.schemas import SubmissionDetail, SubmissionRead
from app.uploads.service import COUNTS
from app.values.models import ValueHistory

# What an upload's answer says of the file as a whole and may be shown as it is.
_RESPONSE_AS_IS = ("submission_id", "status", "dry_run", "file_name", "format", "shape")


def _visible(principal: Principal) -> Any:
    """Admins see every submission; others their own, and those that changed figures in their scope."""
    if principal.is_admin or principal.scope.is_country:
        return None
    touched = exists(
        select(ValueHistory.id).where(
            ValueHistory.submission_id == Submission.id,
            principal.scope.sql_filter(ValueHistory.__table__.c.district_code),
        )
    )
    mine = Submission.user_id == principal.user_id if principal.user_id is not None else None
    return touched if mine is None else (mine | touched)


def _reaching_outside(session: Session, principal: Principal, subs: Iterable[Submission]) -> set[int]:
    """The submissions among ``subs``, not the reader's own, that changed figures outside the
    reader's scope: those are shown cut to the scope. One query for a page of the log."""
    if principal.is_admin or principal.scope.is_country:
        return set()
    others = [s.id for s in subs if s.user_id is None or s.user_id != principal.user_id]
    if not others:
        return set()
    district = ValueHistory.__table__.c.district_code
    return set(
        session.scalars(
            select(ValueHistory.submission_id)
            .where(ValueHistory.submission_id.in_(others), not_(principal.scope.sql_filter(district)))
            .distinct()
        )
    )


def _read(sub: Submission, user: str | None) -> dict[str, Any]:
    return {
        "id": sub.id,
        "created_at": sub.created_at,
        "user": user,
        "source_format": sub.source_format,
        "status": sub.status,
        "file_name": sub.file_name,
        "rows": sub.rows,
        "created": sub.created,
        "updated": sub.updated,
        "unchanged": sub.unchanged,
        "removed": sub.removed,
        "error_count": sub.error_count,
        "warning_count": sub.warning_count,
    }


def _in_scope(principal: Principal, problems: Any) -> list[dict[str, Any]]:
    """Problems about districts in the scope, and those about the file as a whole (no district,
    no row); a problem of a row without a district cannot be placed, and is left out."""
    kept = []
    for p in problems if isinstance(problems, list) else []:
        if not isinstance(p, dict):
            continue
        district = p.get("district")
        if (district is None and p.get("row") is None) or (
            isinstance(district, str) and principal.scope.covers(district)
        ):
            kept.append(p)
    return kept


def cut_to_scope(principal: Principal, entry: dict[str, Any], summary: dict[str, Any] | None) -> dict[str, Any]:
    """An entry of the log and its summary as a reader with a narrower scope may see them."""
    summary = summary or {}
    found = summary.get("response")
    response: dict[str, Any] = found if isinstance(found, dict) else {}
    months = [
        m
        for m in response.get("district_months", [])
        if isinstance(m, dict) and isinstance(m.get("district"), str) and principal.scope.covers(m["district"])
    ]
    warnings = _in_scope(principal, summary.get("warnings", response.get("warnings", [])))
    errors = _in_scope(principal, summary.get("errors", response.get("errors", [])))
    totals = {name: sum(int(m.get(name, 0)) for m in months) for name in COUNTS}
    cut: dict[str, Any] = {
        "cut_to_scope": True,
        "months": len(months),
        "warnings": warnings,
        "errors": errors,
    }
    if "status_code" in summary:
        cut["status_code"] = summary["status_code"]
    if response:
        kept = {
            k: v
            for k, v in response.items()
            if k in ("submission_id", "status", "dry_run", "file_name", "format", "shape")
        }
        cut["response"] = {**kept, "months": len(months), **totals, "warnings": warnings, "district_months": months}
    return {
        **entry,
        "rows": totals["created"] + totals["updated"] + totals["unchanged"],
        **{name: totals[name] for name in ("created", "updated", "unchanged", "removed")},
        "error_count": len(errors),
        "warning_count": len(warnings),
        "summary": cut,
    }


def get_all(
    session: Session, *, principal: Principal, limit: int, offset: int, status: SubmissionStatus | None = None
) -> tuple[list[SubmissionRead], int]:
    """The submissions log, newest first, and how many entries there are in all."""
    where = []
    visible = _visible(principal)
    if visible is not None:
        where.append(visible)
    if status is not None:
        where.append(Submission.status == status)
    total = session.scalar(select(func.count()).select_from(Submission).where(*where)) or 0
    rows = session.execute(
        select(Submission, User.name)
        .outerjoin(User, User.id == Submission.user_id)
        .where(*where)
        .order_by(Submission.created_at.desc(), Submission.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    outside = _reaching_outside(session, principal, (sub for sub, _name in rows))
    items = []
    for sub, name in rows:
        entry = _read(sub, name)
        if sub.id in outside:
            entry = cut_to_scope(principal, entry, sub.summary)
            entry.pop("summary")
        items.append(SubmissionRead.model_validate(entry))
    return items, total


def get_or_raise(session: Session, *, principal: Principal, submission_id: int) -> SubmissionDetail:
    where = [Submission.id == submission_id]
    visible = _visible(principal)
    row = session.execute(
        select(Submission, User.name).outerjoin(User, User.id == Submission.user_id).where(*where)
    ).first()
    if row is None:
        raise NotFound(f"提交记录 {submission_id} 不存在", f"No submission {submission_id}")
    if visible is not None and session.scalar(select(Submission.id).where(*where, visible)) is None:
        raise Forbidden(
            f"无权查看提交记录 {submission_id}（不是本人提交，也未涉及账号范围内的区县）",
            f"Submission {submission_id} is neither yours nor about districts in your scope",
        )
    sub, name = row
    if sub.id in _reaching_outside(session, principal, [sub]):
        return SubmissionDetail.model_validate(cut_to_scope(principal, _read(sub, name), sub.summary))
    return SubmissionDetail.model_validate({**_read(sub, name), "summary": sub.summary})
