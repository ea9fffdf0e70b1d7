"""File uploads end to end: read the file, check districts and scope, write through
``app.values.write.write_months`` (one transaction), log the attempt, answer retries once.

The answer (status code and body) is built here and kept whole in ``Submission.summary``, so that a
retry with the same ``Idempotency-Key`` gets exactly the first answer, and the log shows what the
uploader was told.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.auth.scope import Principal
from app.core import periods
from app.core.errors import AppError, Forbidden, Problem, ServiceUnavailable, StoredProblem, ValidationFailed
from app.core.gc import paused_gc
from app.core.logging import log_event
from app.core.metrics import UPLOAD_ERRORS, UPLOAD_FILES, UPLOAD_ROWS
from app.core.periods import month_label
from app.districts import service as districts
from app.districts.models import District
from app.indicators import service as indicators
from app.submissions.models import SourceFormat, Submission, SubmissionStatus
from app.uploads.parser import MAX_PROBLEMS, ParsedFile, cell_problem, locate, parse_file
from app.uploads.schemas import UploadProblem
from app.values import rules, store, write

IDEMPOTENCY_LOCK_SPACE = 0x4944  # "ID"
# How long an upload waits for another upload of the same districts before answering 503.
LOCK_TIMEOUT = "30s"
STATEMENT_TIMEOUT = "300s"
RETRY_AFTER = "5"
# A dry run lists the figures it would change, up to this many (the counts are always complete).
MAX_CHANGES = 5_000
MAX_SUGGESTED = 20
COUNTS = ("created", "updated", "unchanged", "removed", "activities_created", "activities_removed")


@dataclass(frozen=True)
class ParseLimits:
    """How long reading one file may take and how much it may hold (settings UPLOAD_PARSE_*)."""

    seconds: float
    memory_bytes: int


UPLOAD_LOG = logging.getLogger("yingji.uploads")


@dataclass
class Answer:
    """What the endpoint sends: a status, a JSON body and headers."""

    status_code: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def parse_base_versions(text: str) -> dict[tuple[str, dt.date], str]:
    """The ``base_versions`` form field: a JSON object "district/YYYY-MM" → version (a dry run's
    district_months[].version), or a 422 problem."""
    try:
        raw = json.loads(text)
    except ValueError:
        raw = None
    out: dict[tuple[str, dt.date], str] = {}
    bad: list[str] = []
    if isinstance(raw, dict):
        for key, version in raw.items():
            code, _sep, month = str(key).partition("/")
            try:
                first = periods.parse_month_path(month)
            except ValidationFailed:
                bad.append(str(key)[:40])
                continue
            if not code or not isinstance(version, str):
                bad.append(str(key)[:40])
                continue
            out[(code, first)] = version
    if not isinstance(raw, dict) or bad:
        raise ValidationFailed(
            'base_versions 应为 JSON 对象：{"区划代码/YYYY-MM": "试运行给出的 version"}',
            'base_versions must be a JSON object {"district/YYYY-MM": "the version a dry run answered"}',
            errors=[
                Problem(
                    "base_versions.format",
                    "base_versions 格式不对",
                    "base_versions is malformed",
                    column="base_versions",
                    value=", ".join(bad) or None,
                )
            ],
        )
    return out


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
        store.lock_district_months(session, [])  # SQLite's single writer lock


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
    status = int(sub.summary.get("status_code", 201))
    if status >= 400:
        raise StoredProblem(status, sub.summary["response"], headers={"Idempotent-Replayed": "true"})
    return Answer(status, sub.summary["response"], {"Idempotent-Replayed": "true"})


def _district_problems(session: Session, parsed: ParsedFile) -> tuple[set[str], list[Problem], dict[str, District]]:
    """Known county-level districts of the file; a problem for every cell naming any other."""
    codes = sorted(parsed.district_refs)
    known: dict[str, District] = {}
    for i in range(0, len(codes), 500):
        for row in session.scalars(select(District).where(District.code.in_(codes[i : i + 500]))):
            known[row.code] = row
    good: set[str] = set()
    problems: list[Problem] = []
    suggested = 0
    for code in codes:
        d = known.get(code)
        refs = parsed.district_refs[code]
        if d is None:
            suggested += 1
        # "Did you mean" only for the first few unknown codes: each costs queries, and a file of
        # thousands of made-up codes is not helped by thousands of suggestions.
        why = districts.not_reporting_unit(session, code, d, suggest=suggested <= MAX_SUGGESTED)
        if why is not None:
            problem_code, zh, en, labels = why
            extra = {"suggestions": labels} if d is None else {}
            problems += [cell_problem(problem_code, zh, en, ref, code, **extra) for ref in refs]
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
    base_versions: Mapping[tuple[str, dt.date], str] | None = None,
    limits: ParseLimits | None = None,
) -> Answer:
    """Replace the district-months of a CSV or XLSX file, or answer every problem in it.

    Raises Forbidden (read-only user, districts outside the scope), ValidationFailed (an
    Idempotency-Key reused for another file) and ServiceUnavailable (locks or parsing took too long).
    """
    try:
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
                base_versions=base_versions,
                limits=limits,
            )
    except AppError as exc:
        # Refused before an answer was built (scope, read-only, busy, a reused key): logged too.
        if not isinstance(exc, _RejectedFile):
            _log_upload(principal, file_name=file_name, dry_run=dry_run, status=exc.status, problem=exc.type_slug)
        raise


class _RejectedFile(ValidationFailed):
    """A file with problems: answered like any ValidationFailed, its log line already written."""


def _log_upload(principal: Principal, *, file_name: str | None, dry_run: bool, status: int, **fields: Any) -> None:
    """The one log line of an upload (app.core.logging), whatever its outcome, and its metrics."""
    log_event(UPLOAD_LOG, "upload", user=principal.name, file_name=file_name, dry_run=dry_run, status=status, **fields)
    if status >= 400:
        UPLOAD_FILES.labels(result="refused").inc()
        UPLOAD_ERRORS.inc(int(fields.get("errors") or 1))
    elif dry_run:
        UPLOAD_FILES.labels(result="dry_run").inc()
    else:
        UPLOAD_FILES.labels(result="stored").inc()
        for outcome in ("created", "updated", "removed", "unchanged"):
            if fields.get(outcome):
                UPLOAD_ROWS.labels(outcome=outcome).inc(int(fields[outcome]))


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
    base_versions: Mapping[tuple[str, dt.date], str] | None,
    limits: ParseLimits | None,
) -> Answer:
    if not principal.can_write:
        principal.require_write("")  # raises the read-only message
    today = today or periods.today()
    key = idempotency_key if idempotency_key and not dry_run and principal.user_id is not None else None
    print_ = fingerprint(content, dry_run=dry_run)
    try:
        _set_timeouts(session)
        if key:
            _lock_idempotency_key(session, principal, key)
            replayed = _replay(session, principal, key, print_)
            if replayed is not None:
                _log_upload(
                    principal,
                    file_name=file_name,
                    dry_run=dry_run,
                    status=replayed.status_code,
                    replayed=True,
                    submission_id=replayed.body.get("submission_id"),
                )
                return replayed
        catalogue = indicators.get_all(session)
        parsed = parse_file(
            content,
            file_name=file_name,
            catalogue=catalogue,
            today=today,
            seconds=limits.seconds if limits else None,
            memory_bytes=limits.memory_bytes if limits else None,
        )
        good, district_errors, known = _district_problems(session, parsed)
        _check_scope(principal, parsed, {c: d for c, d in known.items() if c in good})
        months = [m for m in parsed.months if m.district_code in good]
        # Figures of unknown districts are checked too (every problem, not only the first); their
        # district problems are already listed, one per row.
        others = [m for m in parsed.months if m.district_code not in good]
        if others:
            district_errors += [
                e
                for e in rules.validate_months(
                    session, months=others, catalogue=catalogue, today=today, incomplete=parsed.damaged
                )
                if not e.code.startswith("district.")
            ]
        fmt = parsed.format or (SourceFormat.xlsx if (file_name or "").lower().endswith(".xlsx") else SourceFormat.csv)
        outcome = write.write_months(
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
            base_versions=base_versions,
        )
    except OperationalError as exc:
        # A lock or statement timeout (PostgreSQL), or SQLite's busy timeout: answer, do not hang.
        raise _busy(type(exc.orig).__name__ if exc.orig is not None else "timeout") from exc
    if outcome.errors:
        errors = sorted(locate(parsed, outcome.errors), key=_sort_key)
        err = _RejectedFile(
            f"文件有 {len(errors)} 处错误，未保存任何数据" + ("（试运行）" if dry_run else ""),
            f"{len(errors)} problem(s) found in the file; nothing was stored" + (" (dry run)" if dry_run else ""),
            errors=errors[:MAX_PROBLEMS],
            error_count=len(errors),
            errors_truncated=len(errors) > MAX_PROBLEMS,
            submission_id=outcome.submission_id,
            dry_run=dry_run,
            file_name=file_name,
            commit=True,  # the rejected attempt stays on record (no figure is stored)
        )
        _record_answer(session, outcome.submission_id, err.status, err.body(instance), print_)
        _log_upload(
            principal,
            file_name=file_name,
            dry_run=dry_run,
            status=err.status,
            submission_id=outcome.submission_id,
            format=fmt.value,
            shape=parsed.shape,
            rows=parsed.rows,
            created=0,
            updated=0,
            removed=0,
            errors=len(errors),
            warnings=0,
        )
        raise err
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
                {
                    "district": m.district,
                    "month": month_label(m.month),
                    **{n: getattr(m, n) for n in COUNTS},
                    "version": outcome.versions_before.get((m.district, m.month)),
                }
                for m in outcome.months
            ],
        }
        if dry_run:
            body["changes"] = [
                {
                    "district": c.district,
                    "month": month_label(c.month),
                    "indicator": c.indicator,
                    "old": c.old,
                    "new": c.new,
                }
                for c in outcome.changes[:MAX_CHANGES]
            ]
            body["changes_truncated"] = len(outcome.changes) > MAX_CHANGES
        else:
            body["changes"] = body["changes_truncated"] = None
        answer = Answer(200 if dry_run else 201, body)
        if outcome.submission_id is not None:
            answer.headers["Location"] = f"/api/v1/uploads/{outcome.submission_id}"
        _record_answer(session, outcome.submission_id, answer.status_code, body, print_)
        _log_upload(
            principal,
            file_name=file_name,
            dry_run=dry_run,
            status=answer.status_code,
            submission_id=outcome.submission_id,
            format=fmt.value,
            shape=parsed.shape,
            rows=parsed.rows,
            **{name: outcome.total(name) for name in ("created", "updated", "removed", "unchanged")},
            errors=0,
            warnings=len(body["warnings"]),
        )
    return answer


def _record_answer(session: Session, submission_id: int | None, status: int, body: dict[str, Any], print_: str) -> None:
    """Keep the answer with the submission: the log shows it, and a retry with the same
    Idempotency-Key gets it again."""
    if submission_id is None:
        return
    sub = session.get(Submission, submission_id)
    assert sub is not None
    sub.summary = {**(sub.summary or {}), "status_code": status, "fingerprint": print_, "response": body}
    if status >= 400:
        sub.summary["errors"] = body.get("errors", [])
    else:
        sub.warning_count = len(body["warnings"])
        sub.summary["warnings"] = body["warnings"]
