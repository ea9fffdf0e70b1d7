"""File uploads end to end: read the file, check districts and scope, write through
``app.values.service.write_months`` (one transaction), log the attempt, answer retries once.

The answer (status code and body) is built here and kept whole in ``Submission.summary``, so that a
retry with the same ``Idempotency-Key`` gets exactly the first answer, and the log shows what the
uploader was told.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import exists, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.auth.models import User
from app.auth.scope import Principal
from app.core.errors import Forbidden, NotFound, Problem, ServiceUnavailable, ValidationFailed
from app.core.gc import paused_gc
from app.districts import service as districts
from app.districts.models import District, DistrictLevel
from app.indicators import service as indicators
from app.submissions.models import SourceFormat, Submission, SubmissionStatus
from app.uploads.parser import MAX_PROBLEMS, ParsedFile, ParseTimeout, cell_problem, locate, parse_file
from app.uploads.schemas import SubmissionDetail, SubmissionRead, UploadProblem
from app.values import service as values
from app.values.models import ValueHistory

IDEMPOTENCY_LOCK_SPACE = 0x4944  # "ID"
# How long an upload waits for another upload of the same districts before answering 503.
LOCK_TIMEOUT = "30s"
STATEMENT_TIMEOUT = "300s"
RETRY_AFTER = "5"
COUNTS = ("created", "updated", "unchanged", "removed", "activities_created", "activities_removed")


@dataclass
class Answer:
    """What the endpoint sends: a status, a JSON body and headers."""

    status_code: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    media_type: str = "application/json"


def fingerprint(content: bytes, *, dry_run: bool) -> str:
    return hashlib.sha256(content).hexdigest() + (":dry" if dry_run else "")


def _busy(detail_en: str) -> ServiceUnavailable:
    return ServiceUnavailable(
        "另一份数据正在写入同一区县，请稍后重试",
        f"Another upload is writing the same districts; retry shortly ({detail_en})",
        headers={"Retry-After": RETRY_AFTER},
    )


def _set_timeouts(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        # SET LOCAL ends with the transaction (the request). Advisory locks obey lock_timeout.
        session.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
        session.execute(text(f"SET LOCAL statement_timeout = '{STATEMENT_TIMEOUT}'"))


def _lock_idempotency_key(session: Session, principal: Principal, key: str) -> None:
    """Two retries arriving together: the second waits for the first's answer instead of writing twice."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        lock = zlib.crc32(f"{principal.user_id}|{key}".encode()) & 0x7FFFFFFF
        session.execute(select(func.pg_advisory_xact_lock(IDEMPOTENCY_LOCK_SPACE, lock)))
    elif dialect == "sqlite":
        values.lock_district_months(session, [])  # SQLite's single writer lock


def _replay(session: Session, principal: Principal, key: str, print_: str) -> Answer | None:
    sub = session.scalars(
        select(Submission)
        .where(Submission.idempotency_key == key, Submission.user_id == principal.user_id)
        .order_by(Submission.id)
        .limit(1)
    ).first()
    if sub is None or not sub.summary or "response" not in sub.summary:
        return None
    if sub.summary.get("fingerprint") != print_:
        raise ValidationFailed(
            f"Idempotency-Key “{key}” 已用于另一份文件（提交 {sub.id}）：新的上传请换一个键",
            f"Idempotency-Key {key!r} was used for a different file (submission {sub.id}); use a new key",
            errors=[
                Problem(
                    "idempotency.key_reused",
                    "同一个 Idempotency-Key 对应了不同的文件",
                    "the same Idempotency-Key came with a different file",
                    column="Idempotency-Key",
                    value=key,
                )
            ],
            submission_id=sub.id,
        )
    media = "application/problem+json" if sub.summary.get("status_code", 200) >= 400 else "application/json"
    return Answer(
        int(sub.summary.get("status_code", 201)),
        sub.summary["response"],
        {"Idempotent-Replayed": "true"},
        media,
    )


def _district_problems(session: Session, parsed: ParsedFile) -> tuple[set[str], list[Problem], dict[str, District]]:
    """Known county-level districts of the file; a problem for every cell naming any other."""
    codes = sorted(parsed.district_refs)
    known: dict[str, District] = {}
    for i in range(0, len(codes), 500):
        for row in session.scalars(select(District).where(District.code.in_(codes[i : i + 500]))):
            known[row.code] = row
    good: set[str] = set()
    problems: list[Problem] = []
    for code in codes:
        d = known.get(code)
        refs = parsed.district_refs[code]
        if d is None:
            zh, en, labels = districts.suggestion_text(session, code)
            problems += [
                cell_problem(
                    "district.unknown",
                    f"区划代码 {code} 不存在{zh}",
                    f"unknown district {code}{en}",
                    ref,
                    code,
                    suggestions=labels,
                )
                for ref in refs
            ]
        elif d.level != DistrictLevel.county:
            problems += [
                cell_problem(
                    "district.not_county",
                    f"{d.name}（{d.code}）不是区县级区划：月度数据按区县报送，市、省数据由区县汇总",
                    f"{d.name} ({d.code}) is a {d.level.value}: monthly data are reported per county-level district",
                    ref,
                    code,
                )
                for ref in refs
            ]
        else:
            good.add(code)
    return good, problems, known


def _check_scope(principal: Principal, parsed: ParsedFile, known: dict[str, District]) -> None:
    outside = sorted(code for code in known if not principal.scope.covers(code))
    if not outside:
        return
    problems = [
        cell_problem(
            "district.out_of_scope",
            f"无权报送 {code} {known[code].name} 的数据",
            f"district {code} is outside the scope of user {principal.name}",
            ref,
            code,
        )
        for code in outside
        for ref in parsed.district_refs[code][:MAX_PROBLEMS]
    ]
    names = "、".join(f"{c} {known[c].name}" for c in outside[:10])
    raise Forbidden(
        f"文件含超出账号 {principal.name} 范围的区县：{names}，未保存任何数据",
        f"The file holds districts outside the scope of user {principal.name}: {', '.join(outside[:10])}; "
        "nothing was stored",
        errors=problems[:MAX_PROBLEMS],
        districts=outside,
    )


def _sort_key(p: Problem) -> tuple[str, int, int, str]:
    cell = str(p.extra.get("cell") or "")
    letters = "".join(ch for ch in cell if ch.isalpha())
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch.upper()) - 64
    return (str(p.extra.get("sheet") or ""), p.row or 0, col, p.code)


def _problem_dicts(problems: Sequence[Problem]) -> list[dict[str, Any]]:
    return [p.as_dict() for p in problems[:MAX_PROBLEMS]]


def upload_file(
    session: Session,
    *,
    principal: Principal,
    content: bytes,
    file_name: str | None,
    dry_run: bool = False,
    idempotency_key: str | None = None,
    today: dt.date | None = None,
    instance: str | None = None,
) -> Answer:
    """Replace the district-months of a CSV or XLSX file, or answer every problem in it.

    Raises Forbidden (read-only user, districts outside the scope), ValidationFailed (an
    Idempotency-Key reused for another file) and ServiceUnavailable (locks or parsing took too long).
    """
    # A big file makes hundreds of thousands of rows and tuples: see app.core.gc.
    with paused_gc():
        return _upload_file(
            session,
            principal=principal,
            content=content,
            file_name=file_name,
            dry_run=dry_run,
            idempotency_key=idempotency_key,
            today=today,
            instance=instance,
        )


def _upload_file(
    session: Session,
    *,
    principal: Principal,
    content: bytes,
    file_name: str | None,
    dry_run: bool,
    idempotency_key: str | None,
    today: dt.date | None,
    instance: str | None,
) -> Answer:
    if not principal.can_write:
        principal.require_write("")  # raises the read-only message
    today = today or dt.date.today()
    key = idempotency_key if idempotency_key and not dry_run and principal.user_id is not None else None
    print_ = fingerprint(content, dry_run=dry_run)
    try:
        _set_timeouts(session)
        if key:
            _lock_idempotency_key(session, principal, key)
            replayed = _replay(session, principal, key, print_)
            if replayed is not None:
                return replayed
        catalogue = indicators.get_all(session)
        try:
            parsed = parse_file(content, file_name=file_name, catalogue=catalogue, today=today)
        except ParseTimeout:
            raise ServiceUnavailable(
                "文件处理超时，请拆分成较小的文件后重试",
                "Reading the file took too long; split it into smaller files",
                headers={"Retry-After": RETRY_AFTER},
            ) from None
        good, district_errors, known = _district_problems(session, parsed)
        _check_scope(principal, parsed, {c: d for c, d in known.items() if c in good})
        months = [m for m in parsed.months if m.district_code in good]
        # Figures of unknown districts are checked too (every problem, not only the first); their
        # district problems are already listed, one per row.
        others = [m for m in parsed.months if m.district_code not in good]
        if others:
            district_errors += [
                e
                for e in values.validate_months(
                    session, months=others, catalogue=catalogue, today=today, incomplete=parsed.damaged
                )
                if not e.code.startswith("district.")
            ]
        fmt = parsed.format or (SourceFormat.xlsx if (file_name or "").lower().endswith(".xlsx") else SourceFormat.csv)
        outcome = values.write_months(
            session,
            principal=principal,
            months=months,
            source_format=fmt,
            file_name=file_name,
            dry_run=dry_run,
            idempotency_key=key,
            today=today,
            extra_errors=parsed.errors + district_errors,
            incomplete=parsed.damaged,
        )
    except OperationalError as exc:
        # A lock or statement timeout (PostgreSQL), or SQLite's busy timeout: answer, do not hang.
        raise _busy(type(exc.orig).__name__ if exc.orig is not None else "timeout") from exc
    if outcome.errors:
        errors = sorted(locate(parsed, outcome.errors), key=_sort_key)
        err = ValidationFailed(
            f"文件有 {len(errors)} 处错误，未保存任何数据" + ("（试运行）" if dry_run else ""),
            f"{len(errors)} problem(s) found in the file; nothing was stored" + (" (dry run)" if dry_run else ""),
            errors=errors[:MAX_PROBLEMS],
            error_count=len(errors),
            errors_truncated=len(errors) > MAX_PROBLEMS,
            submission_id=outcome.submission_id,
            dry_run=dry_run,
            file_name=file_name,
        )
        answer = Answer(err.status, err.body(instance), media_type="application/problem+json")
    else:
        warnings = locate(parsed, list(parsed.notes) + outcome.warnings)
        # Built as plain JSON (the shape of UploadResult, which the schema tests hold it to): a big
        # file answers thousands of district-months, and model validation of each would add up.
        body: dict[str, Any] = {
            "submission_id": outcome.submission_id,
            "status": (SubmissionStatus.dry_run if dry_run else SubmissionStatus.applied).value,
            "dry_run": dry_run,
            "file_name": file_name,
            "format": parsed.format.value if parsed.format else None,
            "shape": parsed.shape,
            "rows": parsed.rows,
            "values": sum(len(m.values) for m in months),
            "months": len(outcome.months),
            **{name: outcome.total(name) for name in COUNTS},
            "warnings": [UploadProblem.model_validate(w).model_dump(mode="json") for w in _problem_dicts(warnings)],
            "district_months": [
                {"district": m.district, "month": values.month_label(m.month), **{n: getattr(m, n) for n in COUNTS}}
                for m in outcome.months
            ],
        }
        answer = Answer(200 if dry_run else 201, body)
        if outcome.submission_id is not None:
            answer.headers["Location"] = f"/api/v1/uploads/{outcome.submission_id}"
    if outcome.submission_id is not None:
        sub = session.get(Submission, outcome.submission_id)
        assert sub is not None
        sub.summary = {
            **(sub.summary or {}),
            "status_code": answer.status_code,
            "fingerprint": print_,
            "response": answer.body,
        }
        if outcome.errors:
            sub.summary["errors"] = answer.body.get("errors", [])
        else:
            sub.warning_count = len(answer.body["warnings"])
            sub.summary["warnings"] = answer.body["warnings"]
    return answer


# ----------------------------------------------------------------------------- the log


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
    return [SubmissionRead.model_validate(_read(sub, name)) for sub, name in rows], total


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
    return SubmissionDetail.model_validate({**_read(sub, name), "summary": sub.summary})
