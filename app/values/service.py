"""Read and replace district-months: validation, locking, the diff, value history, the month log.

Every write goes through ``write_months``: the JSON PUT of one month and, later, file uploads of
many. It validates everything before writing anything, so a rejected request stores no figure;
then it locks the district-months it replaces (so two concurrent uploads of one month serialise
and the later one wins whole), writes the difference, and records every change in value_history.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import zlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, text, update
from sqlalchemy.orm import Session

from app.auth.scope import Principal
from app.core.db import utcnow
from app.core.errors import Problem, ValidationFailed
from app.districts import service as districts
from app.districts.models import District, DistrictLevel
from app.indicators import service as indicators
from app.indicators.service import IndicatorInfo
from app.submissions.models import DataSource, SourceFormat, Submission, SubmissionStatus
from app.values.models import Activity, ActivityKind, MonthlyValue, MonthReport, ValueHistory

EARLIEST_MONTH = dt.date(2000, 1, 1)
MAX_VALUE = 1e12
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


# ----------------------------------------------------------------------------- shapes


@dataclass(frozen=True)
class ActivityData:
    kind: ActivityKind
    date: dt.date
    title: str
    participants: int | None = None
    notes: str | None = None

    def key(self) -> tuple[Any, ...]:
        return (self.kind.value, self.date, self.title, self.participants, self.notes or None)


@dataclass
class MonthData:
    """What one district reports for one month. ``activities=None`` leaves activities as they are."""

    district_code: str
    month: dt.date
    values: dict[str, float]
    activities: list[ActivityData] | None = None
    # Where each figure came from in a file (row number, column), for error messages.
    origin: dict[str, tuple[int | None, str | None]] = field(default_factory=dict)


@dataclass
class MonthCounts:
    district: str
    month: dt.date
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    activities_created: int = 0
    activities_removed: int = 0


@dataclass
class WriteOutcome:
    months: list[MonthCounts]
    errors: list[Problem]
    warnings: list[Problem]
    submission_id: int | None = None

    def total(self, name: str) -> int:
        return sum(getattr(m, name) for m in self.months)


def month_label(month: dt.date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def month_zh(month: dt.date) -> str:
    return f"{month.year}年{month.month}月"


def parse_month_path(text_: str) -> dt.date:
    """``YYYY-MM`` of the URL → the first day of that month, or a 422 problem."""
    m = MONTH_RE.match(text_)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValidationFailed(
            f"月份 {text_} 格式不对，应为 YYYY-MM（如 2021-06）",
            f"Month {text_!r} is not YYYY-MM (e.g. 2021-06)",
            errors=[
                Problem("month.format", "月份格式应为 YYYY-MM", "month must be YYYY-MM", column="month", value=text_)
            ],
        )
    return dt.date(int(m.group(1)), int(m.group(2)), 1)


def month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


# ----------------------------------------------------------------------------- reading


def get_month(session: Session, *, principal: Principal, district_code: str, month: dt.date) -> dict[str, Any]:
    """One district-month as the PUT body's shape, plus when it was submitted."""
    districts.get_or_raise(session, code=district_code)
    principal.require_read(district_code)
    values = {
        ind: val
        for ind, val in session.execute(
            select(MonthlyValue.indicator_code, MonthlyValue.value).where(
                MonthlyValue.district_code == district_code, MonthlyValue.month == month
            )
        )
    }
    acts = session.scalars(
        select(Activity)
        .where(Activity.district_code == district_code, Activity.date.between(month, month_end(month)))
        .order_by(Activity.date, Activity.id)
    ).all()
    report = session.scalar(
        select(MonthReport).where(MonthReport.district_code == district_code, MonthReport.month == month)
    )
    catalogue = indicators.get_all(session)
    ordered = dict(sorted(values.items(), key=lambda kv: catalogue[kv[0]].sort_order if kv[0] in catalogue else 999))
    return {
        "district": district_code,
        "month": month_label(month),
        "values": ordered,
        "activities": [
            {"kind": a.kind, "date": a.date, "title": a.title, "participants": a.participants, "notes": a.notes}
            for a in acts
        ],
        "first_submitted_at": report.first_submitted_at if report else None,
        "last_submitted_at": report.last_submitted_at if report else None,
    }


# ----------------------------------------------------------------------------- validation


def _problem(
    code: str, zh: str, en: str, data: MonthData | None = None, indicator: str | None = None, value: Any = None
) -> Problem:
    row, column = data.origin.get(indicator or "", (None, None)) if data else (None, None)
    extra: dict[str, Any] = {}
    if data is not None:
        extra = {"district": data.district_code, "month": month_label(data.month)}
    if indicator:
        extra["indicator"] = indicator
    return Problem(code, zh, en, row=row, column=column or indicator, value=value, extra=extra)


def validate_months(
    session: Session, *, months: Sequence[MonthData], catalogue: dict[str, IndicatorInfo], today: dt.date
) -> list[Problem]:
    """Every problem in the data (not only the first). Scope is checked apart: it answers 403."""
    errors: list[Problem] = []
    codes = {m.district_code for m in months}
    known = {d.code: d for d in session.scalars(select(District).where(District.code.in_(codes)))} if codes else {}
    this_month = today.replace(day=1)
    for data in months:
        d = known.get(data.district_code)
        if d is None:
            zh, en, _labels = districts.suggestion_text(session, data.district_code)
            errors.append(
                _problem(
                    "district.unknown",
                    f"区划代码 {data.district_code} 不存在{zh}",
                    f"Unknown district {data.district_code}{en}",
                    data,
                    value=data.district_code,
                )
            )
        elif d.level != DistrictLevel.county:
            errors.append(
                _problem(
                    "district.not_county",
                    f"{d.name}（{d.code}）不是区县级区划：月度数据按区县报送，市、省数据由区县汇总",
                    f"{d.name} ({d.code}) is a {d.level.value}: monthly data are reported per county-level district "
                    "and summed for cities and provinces",
                    data,
                    value=d.code,
                )
            )
        if data.month < EARLIEST_MONTH:
            errors.append(
                _problem(
                    "month.too_early",
                    f"月份 {month_zh(data.month)} 早于 2000年1月",
                    f"Month {month_label(data.month)} is before 2000-01",
                    data,
                    value=month_label(data.month),
                )
            )
        elif data.month > this_month:
            errors.append(
                _problem(
                    "month.future",
                    f"月份 {month_zh(data.month)} 尚未到来",
                    f"Month {month_label(data.month)} is in the future",
                    data,
                    value=month_label(data.month),
                )
            )
        for ind, value in data.values.items():
            info = catalogue.get(ind)
            if info is None:
                near = indicators.suggest(catalogue, ind)
                hint_zh = f"；您是否要找：{'、'.join(near)}" if near else ""
                hint_en = f"; did you mean: {', '.join(near)}" if near else ""
                errors.append(
                    _problem(
                        "indicator.unknown",
                        f"未知指标 {ind}{hint_zh}",
                        f"Unknown indicator {ind}{hint_en}",
                        data,
                        ind,
                        ind,
                    )
                )
                continue
            errors += _check_value(data, info, value)
        errors += _cross_checks(data)
        for a in data.activities or []:
            if not data.month <= a.date <= month_end(data.month):
                errors.append(
                    _problem(
                        "activity.date_outside_month",
                        f"活动“{a.title}”的日期 {a.date} 不在 {month_zh(data.month)} 内",
                        f"Activity {a.title!r} dated {a.date} is outside {month_label(data.month)}",
                        data,
                        value=str(a.date),
                    )
                )
    return errors


def _check_value(data: MonthData, info: IndicatorInfo, value: float) -> list[Problem]:
    label = f"{info.name_zh}（{info.code}）"
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return [
            _problem(
                "value.not_a_number", f"{label} 的值不是数字", f"{info.code}: not a number", data, info.code, value
            )
        ]
    if value < 0:
        return [
            _problem("value.negative", f"{label} 不能为负数", f"{info.code} cannot be negative", data, info.code, value)
        ]
    if value > MAX_VALUE:
        return [
            _problem(
                "value.too_large", f"{label} 的值过大", f"{info.code} is implausibly large", data, info.code, value
            )
        ]
    if info.whole_number and value != int(value):
        return [
            _problem(
                "value.not_whole",
                f"{label} 应为整数（单位：{info.unit}）",
                f"{info.code} must be a whole number ({info.unit_en})",
                data,
                info.code,
                value,
            )
        ]
    if round(value, 2) != value:
        return [
            _problem(
                "value.too_many_decimals",
                f"{label} 最多两位小数",
                f"{info.code}: at most 2 decimals",
                data,
                info.code,
                value,
            )
        ]
    return []


def _cross_checks(data: MonthData) -> list[Problem]:
    """DOMAIN.md's checks within one month."""
    v = data.values
    out: list[Problem] = []

    def num(code: str) -> float | None:
        x = v.get(code)
        return float(x) if isinstance(x, int | float) and not isinstance(x, bool) else None

    published, spot = num("double_random.published"), num("double_random.inspections")
    if published is not None and spot is not None and published > spot:
        out.append(
            _problem(
                "check.published_exceeds_inspections",
                f"双随机抽查结果公开（{published:g}件）多于双随机抽查（{spot:g}件）",
                f"published ({published:g}) exceeds double-random inspections ({spot:g})",
                data,
                "double_random.published",
                published,
            )
        )
    fines, cases = num("penalty.fines_yuan"), num("penalty.cases")
    if fines and fines > 0 and not cases:
        out.append(
            _problem(
                "check.fines_without_cases",
                f"有罚款金额（{fines:g}元）但同月行政处罚案件为 0 或未报送",
                f"fines of {fines:g} yuan but no penalty case in the same month",
                data,
                "penalty.fines_yuan",
                fines,
            )
        )
    deaths, accidents = num("accident.deaths"), num("accident.count")
    if deaths and deaths > 0 and not accidents:
        out.append(
            _problem(
                "check.deaths_without_accidents",
                f"有事故死亡（{deaths:g}人）但同月生产安全事故为 0 或未报送",
                f"{deaths:g} deaths but no accident in the same month",
                data,
                "accident.deaths",
                deaths,
            )
        )
    return out


# ----------------------------------------------------------------------------- writing


def lock_district_months(session: Session, keys: Iterable[tuple[str, dt.date]]) -> None:
    """Serialise writers of the same district-months until this transaction ends."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        # Sorted, so two uploads touching the same months take the locks in the same order.
        for key in sorted({zlib.crc32(f"{c}|{m.isoformat()}".encode()) for c, m in keys}):
            session.execute(select(func.pg_advisory_xact_lock(key)))
    elif dialect == "sqlite":
        # SQLite has one writer at a time; a no-op write takes that lock now (waiting out the
        # busy timeout), before we read what we are about to replace.
        session.execute(text("UPDATE month_reports SET id = id WHERE 1 = 0"))


def _existing_values(
    session: Session, keys: set[tuple[str, dt.date]]
) -> dict[tuple[str, dt.date], dict[str, tuple[int, float]]]:
    out: dict[tuple[str, dt.date], dict[str, tuple[int, float]]] = defaultdict(dict)
    by_district: dict[str, list[dt.date]] = defaultdict(list)
    for code, month in keys:
        by_district[code].append(month)
    for code, months in by_district.items():
        for i in range(0, len(months), 500):
            chunk = months[i : i + 500]
            rows = session.execute(
                select(MonthlyValue.id, MonthlyValue.month, MonthlyValue.indicator_code, MonthlyValue.value).where(
                    MonthlyValue.district_code == code, MonthlyValue.month.in_(chunk)
                )
            )
            for id_, month, ind, val in rows:
                out[(code, month)][ind] = (id_, float(val))
    return out


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
) -> WriteOutcome:
    """Validate, then replace each district-month with ``months``. Raises Forbidden on scope."""
    for code in sorted({m.district_code for m in months}):
        principal.require_write(code)
    catalogue = indicators.get_all(session)
    errors = validate_months(session, months=months, catalogue=catalogue, today=today or dt.date.today())
    if errors:
        outcome = WriteOutcome(months=[], errors=errors, warnings=[])
        if not dry_run:
            outcome.submission_id = _log_submission(
                session,
                principal,
                source_format,
                file_name,
                outcome,
                SubmissionStatus.rejected,
                idempotency_key,
                rows=sum(len(m.values) for m in months),
            )
        return outcome

    keys = {(m.district_code, m.month) for m in months}
    if not dry_run:
        lock_district_months(session, keys)
    existing = _existing_values(session, keys)
    warnings = _warnings(session, months, existing, catalogue)
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
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    deletes: list[int] = []
    history: list[dict[str, Any]] = []
    for data in months:
        mc = MonthCounts(data.district_code, data.month)
        have = existing.get((data.district_code, data.month), {})
        base = {"district_code": data.district_code, "month": data.month}
        for ind, raw in data.values.items():
            value = round(float(raw), 2)
            old = have.get(ind)
            if old is None:
                mc.created += 1
                inserts.append(
                    {
                        **base,
                        "indicator_code": ind,
                        "value": value,
                        "source": DataSource.upload,
                        "submission_id": submission_id,
                        "updated_at": now,
                    }
                )
            elif old[1] != value:
                mc.updated += 1
                updates.append(
                    {
                        "id": old[0],
                        "value": value,
                        "source": DataSource.upload,
                        "submission_id": submission_id,
                        "updated_at": now,
                    }
                )
            else:
                mc.unchanged += 1
                continue
            history.append(
                {
                    **base,
                    "indicator_code": ind,
                    "old_value": None if old is None else old[1],
                    "new_value": value,
                    "submission_id": submission_id,
                    "user_id": principal.user_id,
                    "changed_at": now,
                }
            )
        for ind, (id_, old_value) in have.items():
            if ind not in data.values:
                mc.removed += 1
                deletes.append(id_)
                history.append(
                    {
                        **base,
                        "indicator_code": ind,
                        "old_value": old_value,
                        "new_value": None,
                        "submission_id": submission_id,
                        "user_id": principal.user_id,
                        "changed_at": now,
                    }
                )
        if data.activities is not None:
            mc.activities_created, mc.activities_removed = _replace_activities(
                session, data, submission_id, dry_run=dry_run
            )
        counts.append(mc)

    outcome = WriteOutcome(months=counts, errors=[], warnings=warnings, submission_id=submission_id)
    if dry_run:
        return outcome
    for i in range(0, len(inserts), 5000):
        session.execute(insert(MonthlyValue), inserts[i : i + 5000])
    if updates:
        session.execute(update(MonthlyValue), updates)
    for i in range(0, len(deletes), 500):
        session.execute(delete(MonthlyValue).where(MonthlyValue.id.in_(deletes[i : i + 500])))
    for i in range(0, len(history), 5000):
        session.execute(insert(ValueHistory), history[i : i + 5000])
    _record_month_reports(session, months, submission_id, now)
    written = session.get(Submission, submission_id)
    assert written is not None
    submission = written
    submission.rows = sum(len(m.values) for m in months)
    for name in ("created", "updated", "unchanged", "removed"):
        setattr(submission, name, outcome.total(name))
    submission.warning_count = len(warnings)
    submission.summary = {"months": len(counts), "warnings": [w.as_dict() for w in warnings[:200]]}
    return outcome


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
    session: Session, months: Sequence[MonthData], submission_id: int | None, now: dt.datetime
) -> None:
    keys = {(m.district_code, m.month): m for m in months}
    existing = (
        {
            (r.district_code, r.month): r
            for r in session.scalars(
                select(MonthReport).where(
                    or_(*(and_(MonthReport.district_code == c, MonthReport.month == m) for c, m in keys))
                )
            )
        }
        if keys
        else {}
    )
    for key, data in keys.items():
        row = existing.get(key)
        reported = bool(data.values) or bool(data.activities)
        if row is None and reported:
            session.add(
                MonthReport(
                    district_code=key[0],
                    month=key[1],
                    first_submitted_at=now,
                    last_submitted_at=now,
                    last_submission_id=submission_id,
                    source=DataSource.upload,
                )
            )
        elif row is not None and reported:
            row.last_submitted_at = now
            row.last_submission_id = submission_id
            row.source = DataSource.upload
        elif row is not None:
            # Everything withdrawn: the month is no longer reported.
            session.delete(row)


def _warnings(
    session: Session,
    months: Sequence[MonthData],
    existing: dict[tuple[str, dt.date], dict[str, tuple[int, float]]],
    catalogue: dict[str, IndicatorInfo],
) -> list[Problem]:
    out: list[Problem] = []
    for data in months:
        have = existing.get((data.district_code, data.month), {})
        changed = [ind for ind, v in data.values.items() if ind in have and have[ind][1] != round(float(v), 2)]
        gone = [ind for ind in have if ind not in data.values]
        if changed or gone:
            out.append(
                _problem(
                    "month.replaces_earlier",
                    f"{month_zh(data.month)}已有报送数据，本次修改 {len(changed)} 项、撤回 {len(gone)} 项",
                    f"{month_label(data.month)} was reported before: {len(changed)} changed, {len(gone)} withdrawn",
                    data,
                )
            )
        out += _rectified_ytd_warning(session, data, catalogue)
    return out


def _rectified_ytd_warning(session: Session, data: MonthData, catalogue: dict[str, IndicatorInfo]) -> list[Problem]:
    if "inspection.hazards_rectified" not in data.values and "inspection.hazards_found" not in data.values:
        return []
    year_start = data.month.replace(month=1)
    sums = dict(
        session.execute(
            select(MonthlyValue.indicator_code, func.sum(MonthlyValue.value))
            .where(
                MonthlyValue.district_code == data.district_code,
                MonthlyValue.month >= year_start,
                MonthlyValue.month < data.month,
                MonthlyValue.indicator_code.in_(["inspection.hazards_found", "inspection.hazards_rectified"]),
            )
            .group_by(MonthlyValue.indicator_code)
        ).all()
    )
    found = float(sums.get("inspection.hazards_found") or 0) + float(data.values.get("inspection.hazards_found", 0))
    fixed = float(sums.get("inspection.hazards_rectified") or 0) + float(
        data.values.get("inspection.hazards_rectified", 0)
    )
    if fixed > found:
        return [
            _problem(
                "check.rectified_exceeds_found_ytd",
                f"截至{month_zh(data.month)}，隐患整改（{fixed:g}项）多于本年发现隐患（{found:g}项）",
                f"year-to-date rectified ({fixed:g}) exceeds hazards found ({found:g})",
                data,
                "inspection.hazards_rectified",
                fixed,
            )
        ]
    return []


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
