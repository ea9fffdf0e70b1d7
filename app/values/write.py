"""Replace district-months: validate, lock, diff against what is stored, write, log the submission.

Every write of monthly figures by a user goes through ``write_months``: the JSON PUT of one month
and file uploads of many (app/uploads). It validates everything before writing anything, so a
rejected request stores no figure; then it locks the districts it writes (so two concurrent uploads
of one month serialise and the later one wins whole), writes the difference through
``app.values.store`` (history and yearly summary included), and records the month reports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import and_, delete, insert, select, update
from sqlalchemy.orm import Session

from app.auth.scope import Principal
from app.core import periods
from app.core.bulk import bulk_insert
from app.core.db import utcnow
from app.core.errors import Conflict, PreconditionFailed, Problem
from app.core.periods import month_end
from app.indicators import service as indicators
from app.submissions.models import DataSource, SourceFormat, Submission, SubmissionStatus
from app.values import rules, store
from app.values.models import Activity, MonthReport, ReviewStatus
from app.values.shapes import CellChange, MonthCounts, MonthData, WriteOutcome
from app.values.versions import matches, month_activities, version_of
from app.values.warnings import warnings_for


def write_months(
    session: Session,
    *,
    principal: Principal,
    months: Sequence[MonthData],
    source_format: SourceFormat,
    file_name: str | None = None,
    dry_run: bool = False,
    idempotency_key: str | None = None,
    today: dt.date | None = None,
    extra_errors: Sequence[Problem] = (),
    incomplete: Collection[tuple[str, dt.date]] = (),
    versions: bool = False,
    if_match: str | None = None,
    base_versions: Mapping[tuple[str, dt.date], str] | None = None,
) -> WriteOutcome:
    """Validate, then write each of ``months`` over what is stored. Raises Forbidden on scope.

    ``extra_errors``: problems the caller found before (a file's unreadable cells); with any of
    them nothing is written and the attempt is logged as rejected along with validation's own.
    ``versions``: answer each district-month's version before and after (ETags; dry runs always do).
    ``if_match`` (one month: 412 when it changed since) and ``base_versions`` (a confirmed upload:
    409 when any month changed since its dry run) guard against overwriting someone else's change.

    The write path is built for files of 100,000 figures (BENCHMARKS.md, "Uploads"): the stored
    figures of the affected district-months are read in one query per 500 districts; the diff is
    made in memory as tuples and written by ``store.apply``; month_reports are written by Core
    statements; warnings cost one query per 500 districts, not one per month.
    """
    for code in sorted({m.district_code for m in months}):
        principal.require_write(code)
    today = today or periods.today()
    catalogue = indicators.get_all(session)
    keys = {(m.district_code, m.month) for m in months}
    if not dry_run:
        # Before reading what is stored: validation and the diff must see what this write replaces.
        store.lock_district_months(session, keys)
    locked = _locked(session, keys)
    existing = store.existing_values(session, keys)
    versions = versions or dry_run or if_match is not None or base_versions is not None
    stored_activities = month_activities(session, keys) if versions else {}
    before = (
        {
            k: version_of({i: v for i, (_id, v) in existing.get(k, {}).items()}, stored_activities.get(k, []))
            for k in keys
        }
        if versions
        else {}
    )
    if not dry_run:
        _check_versions(months, existing, before, if_match=if_match, base_versions=base_versions)
    errors = list(extra_errors) + rules.validate_months(
        session, months=months, catalogue=catalogue, today=today, incomplete=incomplete, stored=existing
    )
    if errors:
        outcome = WriteOutcome(months=[], errors=errors, warnings=[], versions_before=before)
        if not dry_run:
            outcome.submission_id = _log_submission(
                session,
                principal,
                source_format,
                file_name,
                outcome,
                SubmissionStatus.rejected,
                idempotency_key,
                rows=sum(len(m.values) + len(m.withdrawn) for m in months),
            )
        return outcome

    warnings = warnings_for(session, months, existing, catalogue)
    now = utcnow()
    submission_id = None
    if not dry_run:
        submission = Submission(
            user_id=principal.user_id,
            source_format=source_format,
            source=DataSource.upload,
            status=SubmissionStatus.applied,
            file_name=file_name,
            idempotency_key=idempotency_key,
        )
        session.add(submission)
        session.flush()
        submission_id = submission.id

    counts: list[MonthCounts] = []
    refused: list[tuple[str, dt.date]] = []
    changes = store.ValueChanges(submission_id=submission_id, user_id=principal.user_id, now=now)
    cells: list[CellChange] = []
    reported: dict[tuple[str, dt.date], bool] = {}
    after: dict[tuple[str, dt.date], str] = {}
    upload = DataSource.upload
    # New figures are appended to ``changes.inserts`` here as tuples rather than one
    # ``changes.insert`` call each, and the cell-by-cell list is made only for a dry run (the only
    # answer that shows it): per-figure calls and objects made a 100,000-figure upload on SQLite
    # about an eighth slower than before the write path moved to app.values.store.
    new_rows = changes.inserts
    for data in months:
        mc = MonthCounts(data.district_code, data.month)
        key = (data.district_code, data.month)
        have = existing.get(key, {})
        code, month = key
        created_before = len(new_rows)
        for ind, raw in data.values.items():
            value = round(float(raw), 2)
            old = have.get(ind)
            if old is None:
                new_rows.append((code, month, ind, value, upload, submission_id, now))
                if dry_run:
                    cells.append(CellChange(code, month, ind, None, value))
            elif old[1] != value:
                mc.updated += 1
                changes.update(old[0], code, month, ind, old[1], value, upload)
                if dry_run:
                    cells.append(CellChange(code, month, ind, old[1], value))
            else:
                mc.unchanged += 1
        mc.created = len(new_rows) - created_before
        if mc.created:
            changes.touched.add((code, month.year))
        for ind, (id_, old_value) in have.items():
            if ind not in data.values and (data.replace or ind in data.withdrawn):
                mc.removed += 1
                changes.delete(id_, code, month, ind, old_value)
                if dry_run:
                    cells.append(CellChange(code, month, ind, old_value, None))
        if data.activities is not None:
            mc.activities_created, mc.activities_removed = _replace_activities(
                session, data, submission_id, dry_run=dry_run
            )
        counts.append(mc)
        if key in locked:
            # An approved month is locked: the write may restate it as it is (a whole year's file with
            # December new), but not change it; its report and review stay as they are.
            if mc.created or mc.updated or mc.removed or mc.activities_created or mc.activities_removed:
                refused.append(key)
            continue
        values_after = data.after({i: v for i, (_id, v) in have.items()})
        if data.activities is not None:
            activities_after = [a.key() for a in data.activities]
        elif versions or not values_after:
            activities_after = stored_activities.get(key) or month_activities(session, [key]).get(key, [])
        else:
            activities_after = []
        reported[key] = bool(values_after) or bool(activities_after)
        if versions:
            after[key] = version_of(values_after, activities_after)

    if refused:
        raise _locked_conflict(refused)
    outcome = WriteOutcome(
        months=counts,
        errors=[],
        warnings=warnings,
        submission_id=submission_id,
        versions_before=before,
        versions_after=after,
        changes=cells,
    )
    if dry_run:
        return outcome
    store.apply(session, changes)
    _record_month_reports(session, reported, submission_id, now, principal.user_id)
    written = session.get(Submission, submission_id)
    assert written is not None
    submission = written
    submission.rows = sum(len(m.values) + len(m.withdrawn) for m in months)
    for name in ("created", "updated", "unchanged", "removed"):
        setattr(submission, name, outcome.total(name))
    submission.warning_count = len(warnings)
    submission.summary = {"months": len(counts), "warnings": [w.as_dict() for w in warnings[:200]]}
    return outcome


def _locked(session: Session, keys: Collection[tuple[str, dt.date]]) -> set[tuple[str, dt.date]]:
    """The approved (locked) district-months among ``keys``."""
    locked: set[tuple[str, dt.date]] = set()
    for codes, first, last in store.key_spans(keys):
        rows = session.execute(
            select(MonthReport.district_code, MonthReport.month).where(
                MonthReport.district_code.in_(codes),
                MonthReport.month.between(first, last),
                MonthReport.status == ReviewStatus.approved,
            )
        )
        locked |= {(code, month) for code, month in rows if (code, month) in keys}
    return locked


def _locked_conflict(locked: list[tuple[str, dt.date]]) -> Conflict:
    """A write that would change approved months is refused whole, every such month listed (dry
    runs too, so that a preview says so)."""
    locked = sorted(locked)
    return Conflict(
        f"{len(locked)} 个区县-月份已审核通过并锁定，不能修改；需修改请联系审核人解锁（未保存任何数据）",
        f"{len(locked)} district-month(s) are approved and locked; ask the reviewer to unlock them "
        "(nothing was stored)",
        errors=[
            Problem(
                "month.locked",
                f"{code} {periods.month_zh(month)} 已审核通过（锁定）",
                f"{code} {periods.month_label(month)} is approved (locked)",
                extra={"district": code, "month": periods.month_label(month)},
            )
            for code, month in locked
        ],
    )


def _check_versions(
    months: Sequence[MonthData],
    existing: Mapping[tuple[str, dt.date], Mapping[str, Any]],
    before: Mapping[tuple[str, dt.date], str],
    *,
    if_match: str | None,
    base_versions: Mapping[tuple[str, dt.date], str] | None,
) -> None:
    """412 (If-Match) or 409 (an upload's base_versions) when a month changed since it was read."""
    if if_match is not None:
        for data in months:
            key = (data.district_code, data.month)
            if not matches(if_match, before[key], exists=bool(existing.get(key))):
                raise PreconditionFailed(
                    f"{data.district_code} {periods.month_zh(data.month)} 的数据在您读取之后已被修改，"
                    "请重新读取后再保存（未保存任何数据）",
                    f"{data.district_code} {periods.month_label(data.month)} changed since you read it; read it "
                    "again and retry (nothing was stored)",
                    errors=[_changed(data.district_code, data.month)],
                    current_version=before[key],
                )
    if base_versions:
        changed = [key for key in sorted(base_versions) if key in before and base_versions[key] != before[key]]
        if changed:
            raise Conflict(
                f"{len(changed)} 个区县-月份的数据在试运行之后已被修改，请重新预览后再确认（未保存任何数据）",
                f"{len(changed)} district-month(s) changed since the dry run; preview again and confirm "
                "(nothing was stored)",
                errors=[_changed(code, month) for code, month in changed],
            )


def _changed(code: str, month: dt.date) -> Problem:
    return Problem(
        "month.changed",
        f"{code} {periods.month_zh(month)} 已被他人修改",
        f"{code} {periods.month_label(month)} was changed by someone else",
        extra={"district": code, "month": periods.month_label(month)},
    )


def _replace_activities(
    session: Session, data: MonthData, submission_id: int | None, *, dry_run: bool
) -> tuple[int, int]:
    where = and_(Activity.district_code == data.district_code, Activity.date.between(data.month, month_end(data.month)))
    current = session.scalars(select(Activity).where(where)).all()
    wanted = data.activities or []
    have_keys = sorted((a.kind.value, a.date, a.title, a.participants, a.notes or None) for a in current)
    if have_keys == sorted(a.key() for a in wanted):
        return 0, 0  # the same activities again: nothing changes
    if not dry_run:
        session.execute(delete(Activity).where(where))
        if wanted:
            session.execute(
                insert(Activity),
                [
                    {
                        "district_code": data.district_code,
                        "date": a.date,
                        "kind": a.kind,
                        "title": a.title,
                        "participants": a.participants,
                        "notes": a.notes,
                        "source": DataSource.upload,
                        "submission_id": submission_id,
                    }
                    for a in wanted
                ],
            )
    return len(wanted), len(current)


def _record_month_reports(
    session: Session,
    keys: Mapping[tuple[str, dt.date], bool],
    submission_id: int | None,
    now: dt.datetime,
    user_id: int | None,
) -> None:
    """Mark the district-months as reported (first and last submission, who sent them), or no
    longer reported (``keys``: district-month → whether anything is reported once written). Any
    write makes a month ``submitted`` again: a returned month, corrected, awaits review anew.

    Plain Core statements, not ORM objects: a big file reports thousands of district-months.
    """
    existing: dict[tuple[str, dt.date], int] = {}
    for codes, first, last in store.key_spans(keys):
        for id_, code, month in session.execute(
            select(MonthReport.id, MonthReport.district_code, MonthReport.month).where(
                MonthReport.district_code.in_(codes), MonthReport.month.between(first, last)
            )
        ):
            if (code, month) in keys:
                existing[(code, month)] = id_
    new: list[dict[str, Any]] = []
    seen: list[dict[str, Any]] = []
    gone: list[int] = []
    for key, reported in keys.items():
        found = existing.get(key)
        if found is None and reported:
            new.append(
                {
                    "district_code": key[0],
                    "month": key[1],
                    "first_submitted_at": now,
                    "last_submitted_at": now,
                    "last_submission_id": submission_id,
                    "source": DataSource.upload,
                    "status": ReviewStatus.submitted,
                    "submitted_by_id": user_id,
                }
            )
        elif found is not None and reported:
            seen.append(
                {
                    "id": found,
                    "last_submitted_at": now,
                    "last_submission_id": submission_id,
                    "source": DataSource.upload,
                    "status": ReviewStatus.submitted,
                    "submitted_by_id": user_id,
                }
            )
        elif found is not None:
            gone.append(found)  # everything withdrawn: the month is no longer reported
    if new:
        bulk_insert(session, MonthReport.__table__, tuple(new[0]), [tuple(r.values()) for r in new])
    if seen:
        session.execute(update(MonthReport), seen)
    for i in range(0, len(gone), 500):
        session.execute(delete(MonthReport).where(MonthReport.id.in_(gone[i : i + 500])))


def _log_submission(
    session: Session,
    principal: Principal,
    source_format: SourceFormat,
    file_name: str | None,
    outcome: WriteOutcome,
    status: SubmissionStatus,
    idempotency_key: str | None,
    rows: int,
) -> int:
    sub = Submission(
        user_id=principal.user_id,
        source_format=source_format,
        source=DataSource.upload,
        status=status,
        file_name=file_name,
        idempotency_key=idempotency_key,
        rows=rows,
        error_count=len(outcome.errors),
        warning_count=len(outcome.warnings),
        summary={"errors": [e.as_dict() for e in outcome.errors[:500]]},
    )
    session.add(sub)
    session.flush()
    return sub.id
