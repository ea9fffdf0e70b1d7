"""Read and replace district-months: validation, locking, the diff, value history, the month log.

Every write goes through ``write_months``: the JSON PUT of one month and file uploads of many
(app/uploads). It validates everything before writing anything, so a rejected request stores no
figure; then it locks the districts it writes (so two concurrent uploads of one month serialise
and the later one wins whole), writes the difference, and records every change in value_history.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import math
import re
import statistics
import zlib
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Integer, Numeric, Table, and_, cast, delete, insert, literal, null, select, text, update
from sqlalchemy.orm import Session

from app.auth.scope import Principal
from app.core.db import utcnow
from app.core.errors import Problem, ValidationFailed
from app.districts import service as districts
from app.districts.models import District, DistrictLevel
from app.indicators import service as indicators
from app.indicators.service import IndicatorInfo
from app.submissions.models import DataSource, SourceFormat, Submission, SubmissionStatus
from app.values import yearly
from app.values.models import VALUE_TYPE, Activity, ActivityKind, MonthlyValue, MonthReport, ValueHistory

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
    if m and int(m.group(1)) < dt.MINYEAR and 1 <= int(m.group(2)) <= 12:
        # 0000-01 is well formed but no date: before 2000, like any other month of the past millennia.
        raise ValidationFailed(
            f"月份 {text_} 早于 2000年1月",
            f"Month {text_} is before 2000-01",
            errors=[
                Problem(
                    "month.too_early", "月份早于 2000年1月", "the month is before 2000-01", column="month", value=text_
                )
            ],
        )
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


def _json_safe(value: Any) -> Any:
    """A rejected figure as a problem may carry it (and the submission log store it): infinity and
    NaN, which JSON cannot hold, and ints too long to be read back exactly, as text."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, int) and not isinstance(value, bool) and not -(10**15) < value < 10**15:
        try:
            text_ = str(value)
        except ValueError:  # over 4,300 digits
            return "（超过 4300 位的数字 / a number of over 4,300 digits）"
        return text_ if len(text_) <= 40 else f"{text_[:24]}…（共 {len(text_):,} 位 / {len(text_):,} digits）"
    return value


def _problem(
    code: str, zh: str, en: str, data: MonthData | None = None, indicator: str | None = None, value: Any = None
) -> Problem:
    row, column = data.origin.get(indicator or "", (None, None)) if data else (None, None)
    value = _json_safe(value)
    extra: dict[str, Any] = {}
    if data is not None:
        extra = {"district": data.district_code, "month": month_label(data.month)}
    if indicator:
        extra["indicator"] = indicator
    return Problem(code, zh, en, row=row, column=column or indicator, value=value, extra=extra)


def validate_months(
    session: Session,
    *,
    months: Sequence[MonthData],
    catalogue: dict[str, IndicatorInfo],
    today: dt.date,
    incomplete: Collection[tuple[str, dt.date]] = (),
) -> list[Problem]:
    """Every problem in the data (not only the first). Scope is checked apart: it answers 403.

    ``incomplete``: district-months some of whose figures the caller already rejected (a cell of a
    file that is no number); their cross-checks would be about the wrong figures, so are skipped.
    """
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
            # The usual figure (a float or int in range, whole where it must be) passes without a
            # call: a big file has 100,000 of them.
            if (
                type(value) in (float, int)
                and 0 <= value <= MAX_VALUE
                and (float(value).is_integer() if info.whole_number else round(value, 2) == value)
            ):
                continue
            errors += _check_value(data, info, value)
        if (data.district_code, data.month) not in incomplete:
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
    if isinstance(value, float) and value in (math.inf, -math.inf):
        # 1e400 in a JSON body arrives as infinity: too large, whatever its sign.
        return [
            _problem(
                "value.too_large", f"{label} 的值过大", f"{info.code} is implausibly large", data, info.code, value
            )
        ]
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
        if not isinstance(x, int | float) or isinstance(x, bool) or not 0 <= x <= MAX_VALUE:
            return None
        return float(x)

    def rejected(*codes: str) -> bool:
        # A figure validation refuses (negative, NaN, infinity, hundreds of digits) has its own
        # problem; a check about it would say nothing more (and infinity cannot be compared usefully).
        return any(code in v and num(code) is None for code in codes)

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
    if fines and fines > 0 and not cases and not rejected("penalty.cases"):
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
    if deaths and deaths > 0 and not accidents and not rejected("accident.count"):
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


# The first key of the two-key advisory locks taken by writers ("YJ"); the second is the district.
DISTRICT_LOCK_SPACE = 0x594A


def _district_lock_key(code: str) -> int:
    return int(code) if code.isdigit() and len(code) <= 9 else zlib.crc32(code.encode()) & 0x7FFFFFFF


def lock_district_months(session: Session, keys: Iterable[tuple[str, dt.date]]) -> None:
    """Serialise writers of the same district-months until this transaction ends.

    PostgreSQL locks whole districts, not district-months: a 100,000-figure upload touches
    thousands of district-months but only hundreds of districts, and every advisory lock takes a
    slot of the shared lock table (max_locks_per_transaction). Writers of other months of the same
    district wait for each other, which costs nothing at the rate districts report.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        districts_ = sorted({_district_lock_key(c) for c, _m in keys})
        # One statement; ordered, so two uploads touching the same districts lock in the same order.
        for i in range(0, len(districts_), 1000):
            session.execute(
                text(
                    "SELECT count(pg_advisory_xact_lock(:space, k)) FROM "
                    "(SELECT unnest(CAST(:keys AS integer[])) AS k ORDER BY 1) AS ks"
                ),
                {"space": DISTRICT_LOCK_SPACE, "keys": districts_[i : i + 1000]},
            )
    elif dialect == "sqlite":
        # SQLite has one writer at a time; a no-op write takes that lock now (waiting out the
        # busy timeout), before we read what we are about to replace.
        session.execute(text("UPDATE month_reports SET id = id WHERE 1 = 0"))


def _existing_values(
    session: Session, keys: set[tuple[str, dt.date]]
) -> dict[tuple[str, dt.date], dict[str, tuple[int, float]]]:
    out: dict[tuple[str, dt.date], dict[str, tuple[int, float]]] = defaultdict(dict)
    # One query per 500 districts over the months' span, filtered here: a query per district-month
    # would be thousands of round trips for a big file.
    for codes, first, last in _key_spans(keys):
        rows = session.execute(
            select(
                MonthlyValue.id,
                MonthlyValue.district_code,
                MonthlyValue.month,
                MonthlyValue.indicator_code,
                MonthlyValue.value,
            ).where(MonthlyValue.district_code.in_(codes), MonthlyValue.month.between(first, last))
        )
        for id_, code, month, ind, val in rows:
            if (code, month) in keys:
                out[(code, month)][ind] = (id_, float(val))
    return out


def _key_spans(keys: Collection[tuple[str, dt.date]], size: int = 500) -> Iterator[tuple[list[str], dt.date, dt.date]]:
    """Chunks of district codes with the first and last month any of them is written for."""
    by_district: dict[str, list[dt.date]] = defaultdict(list)
    for code, month in keys:
        by_district[code].append(month)
    codes = sorted(by_district)
    for i in range(0, len(codes), size):
        chunk = codes[i : i + size]
        months = [m for c in chunk for m in by_district[c]]
        yield chunk, min(months), max(months)


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
) -> WriteOutcome:
    """Validate, then replace each district-month with ``months``. Raises Forbidden on scope.

    ``extra_errors``: problems the caller found before (a file's unreadable cells); with any of
    them nothing is written and the attempt is logged as rejected along with validation's own.

    The write path is built for files of 100,000 figures (BENCHMARKS.md, "Uploads"): the stored
    figures of the affected district-months are read in one query per 500 districts; the diff is
    made in memory as tuples; new figures go in by ``bulk_insert`` (COPY on PostgreSQL, one
    DBAPI executemany elsewhere); their history on SQLite is copied inside the database
    (INSERT … SELECT) instead of being bound a second time; month_reports are written by Core
    statements; warnings cost one query per 500 districts, not one per month.
    """
    for code in sorted({m.district_code for m in months}):
        principal.require_write(code)
    catalogue = indicators.get_all(session)
    errors = list(extra_errors) + validate_months(
        session, months=months, catalogue=catalogue, today=today or dt.date.today(), incomplete=incomplete
    )
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
    # Rows as tuples in the column order of VALUE_COLUMNS / HISTORY_COLUMNS: a 100,000-figure file
    # makes 200,000 of them, and tuples (with bulk_insert) keep that cheap.
    inserts: list[tuple[Any, ...]] = []
    updates: list[dict[str, Any]] = []
    deletes: list[int] = []
    history: list[tuple[Any, ...]] = []
    user_id = principal.user_id
    upload = DataSource.upload
    for data in months:
        mc = MonthCounts(data.district_code, data.month)
        have = existing.get((data.district_code, data.month), {})
        code, month = data.district_code, data.month
        for ind, raw in data.values.items():
            value = round(float(raw), 2)
            old = have.get(ind)
            if old is None:
                mc.created += 1
                inserts.append((code, month, ind, value, upload, submission_id, now))
            elif old[1] != value:
                mc.updated += 1
                updates.append(
                    {"id": old[0], "value": value, "source": upload, "submission_id": submission_id, "updated_at": now}
                )
                history.append((code, month, ind, old[1], value, submission_id, user_id, now))
            else:
                mc.unchanged += 1
        for ind, (id_, old_value) in have.items():
            if ind not in data.values:
                mc.removed += 1
                deletes.append(id_)
                history.append((code, month, ind, old_value, None, submission_id, user_id, now))
        if data.activities is not None:
            mc.activities_created, mc.activities_removed = _replace_activities(
                session, data, submission_id, dry_run=dry_run
            )
        counts.append(mc)

    outcome = WriteOutcome(months=counts, errors=[], warnings=warnings, submission_id=submission_id)
    if dry_run:
        return outcome
    for i in range(0, len(deletes), 500):
        session.execute(delete(MonthlyValue).where(MonthlyValue.id.in_(deletes[i : i + 500])))
    bulk_insert(session, MonthlyValue.__table__, VALUE_COLUMNS, inserts)  # type: ignore[arg-type]
    # The history of new figures. PostgreSQL takes it by COPY like the rest. On SQLite, where
    # binding parameters is most of the cost, a big file's is copied inside the database from the
    # rows just written (before the updates below also stamp this submission on changed rows).
    if len(inserts) >= HISTORY_IN_DATABASE_MIN and session.get_bind().dialect.name != "postgresql":
        _history_of_new_values(session, {(r[0], r[1]) for r in inserts}, submission_id, user_id)
    else:
        history = [(c, m, i, None, v, submission_id, user_id, now) for c, m, i, v, *_rest in inserts] + history
    if updates:
        session.execute(update(MonthlyValue), updates)
    bulk_insert(session, ValueHistory.__table__, HISTORY_COLUMNS, history)  # type: ignore[arg-type]
    # The yearly summary of every district-year whose figures changed, in this transaction.
    yearly.refresh(
        session, yearly.keys_of((c.district, c.month) for c in counts if c.created or c.updated or c.removed)
    )
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


HISTORY_IN_DATABASE_MIN = 2_000


def _history_of_new_values(
    session: Session, keys: Collection[tuple[str, dt.date]], submission_id: int | None, user_id: int | None
) -> None:
    """value_history rows (old NULL → new) of the figures this submission just inserted, by
    INSERT … SELECT: the figures are not sent to the database a second time."""
    mv = MonthlyValue.__table__
    for codes, first, last in _key_spans(keys):
        new_rows = select(
            mv.c.district_code,
            mv.c.month,
            mv.c.indicator_code,
            cast(null(), VALUE_TYPE),
            mv.c.value,
            mv.c.submission_id,
            cast(literal(user_id), Integer),
            mv.c.updated_at,
        ).where(mv.c.submission_id == submission_id, mv.c.district_code.in_(codes), mv.c.month.between(first, last))
        session.execute(insert(ValueHistory).from_select(list(HISTORY_COLUMNS), new_rows))


VALUE_COLUMNS = ("district_code", "month", "indicator_code", "value", "source", "submission_id", "updated_at")
HISTORY_COLUMNS = (
    "district_code",
    "month",
    "indicator_code",
    "old_value",
    "new_value",
    "submission_id",
    "user_id",
    "changed_at",
)


def bulk_insert(session: Session, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert many rows into ``table`` the fastest way the database offers, in the session's transaction.

    PostgreSQL (psycopg): ``COPY … FROM STDIN``. Elsewhere: one DBAPI ``executemany`` of a statement
    compiled once, each value converted by its column type's own bind processor (so the stored
    bytes are exactly what SQLAlchemy would store) and memoised, since dates, sources and timestamps
    repeat. This skips SQLAlchemy's per-row bookkeeping, which is most of the cost of a Core
    executemany, and lets value_history (every figure written twice) cost little more than the
    values themselves.
    """
    if not rows:
        return
    conn = session.connection()
    dialect = conn.dialect
    driver_conn: Any = conn.connection.driver_connection
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        quoted = ", ".join(dialect.identifier_preparer.quote(c) for c in columns)
        sql = f"COPY {dialect.identifier_preparer.format_table(table)} ({quoted}) FROM STDIN"
        with driver_conn.cursor() as cur, cur.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
        return
    compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
    names = list(compiled.positiontup or columns)
    # Column by column, so that conversion runs in C (map over a memo dict) rather than as a
    # Python call per value.
    by_column = list(zip(*rows, strict=True))
    converted: list[Sequence[Any]] = []
    for name in names:
        values = by_column[columns.index(name)]
        column_type = table.c[name].type
        proc = column_type._cached_bind_processor(dialect)
        if proc is None:
            converted.append(values)
        elif isinstance(column_type, Numeric):
            converted.append(list(map(proc, values)))  # figures are all distinct: no memo
        else:
            memo = {v: proc(v) for v in set(values)}
            converted.append(list(map(memo.__getitem__, values)))
    params = list(zip(*converted, strict=True))
    cursor = driver_conn.cursor()
    try:
        for i in range(0, len(params), 50_000):
            cursor.executemany(str(compiled), params[i : i + 50_000])
    finally:
        cursor.close()


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
    """Mark the district-months as reported (first and last submission), or no longer reported.

    Plain Core statements, not ORM objects: a big file reports thousands of district-months.
    """
    keys = {(m.district_code, m.month): m for m in months}
    existing: dict[tuple[str, dt.date], int] = {}
    for codes, first, last in _key_spans(keys):
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
    for key, data in keys.items():
        found = existing.get(key)
        reported = bool(data.values) or bool(data.activities)
        if found is None and reported:
            new.append(
                {
                    "district_code": key[0],
                    "month": key[1],
                    "first_submitted_at": now,
                    "last_submitted_at": now,
                    "last_submission_id": submission_id,
                    "source": DataSource.upload,
                }
            )
        elif found is not None and reported:
            seen.append(
                {
                    "id": found,
                    "last_submitted_at": now,
                    "last_submission_id": submission_id,
                    "source": DataSource.upload,
                }
            )
        elif found is not None:
            gone.append(found)  # everything withdrawn: the month is no longer reported
    if new:
        bulk_insert(session, MonthReport.__table__, tuple(new[0]), [tuple(r.values()) for r in new])  # type: ignore[arg-type]
    if seen:
        session.execute(update(MonthReport), seen)
    for i in range(0, len(gone), 500):
        session.execute(delete(MonthReport).where(MonthReport.id.in_(gone[i : i + 500])))


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
    out += _rectified_ytd_warnings(session, months)
    out += _spike_warnings(session, months, catalogue)
    return out


def _series_after(
    session: Session, months: Sequence[MonthData], indicator_codes: Collection[str], first: dt.date
) -> dict[tuple[str, str], dict[dt.date, float]]:
    """(district, indicator) → {month: value} from ``first`` to the last month written, as it will
    be once ``months`` are written: the stored figures, with the district-months being replaced
    swapped for their new figures. One query per 500 districts, whatever the number of months."""
    replaced = {(m.district_code, m.month) for m in months}
    last = max(m.month for m in months)
    series: dict[tuple[str, str], dict[dt.date, float]] = defaultdict(dict)
    codes = sorted({m.district_code for m in months})
    for i in range(0, len(codes), 500):
        rows = session.execute(
            select(
                MonthlyValue.district_code, MonthlyValue.indicator_code, MonthlyValue.month, MonthlyValue.value
            ).where(
                MonthlyValue.district_code.in_(codes[i : i + 500]),
                MonthlyValue.indicator_code.in_(sorted(indicator_codes)),
                MonthlyValue.month.between(first, last),
            )
        )
        for code, ind, month, value in rows:
            if (code, month) not in replaced:
                series[(code, ind)][month] = float(value)
    for data in months:
        for ind, value in data.values.items():
            if ind in indicator_codes:
                series[(data.district_code, ind)][data.month] = float(value)
    return series


RECTIFIED, FOUND = "inspection.hazards_rectified", "inspection.hazards_found"


def _rectified_ytd_warnings(session: Session, months: Sequence[MonthData]) -> list[Problem]:
    """Hazards rectified may exceed those found in one month (older hazards), not year-to-date."""
    relevant = [m for m in months if RECTIFIED in m.values or FOUND in m.values]
    if not relevant:
        return []
    series = _series_after(session, months, {RECTIFIED, FOUND}, min(m.month for m in relevant).replace(month=1))
    out: list[Problem] = []
    for data in relevant:
        year_start = data.month.replace(month=1)
        found, fixed = (
            sum(v for m, v in series.get((data.district_code, ind), {}).items() if year_start <= m <= data.month)
            for ind in (FOUND, RECTIFIED)
        )
        if fixed > found:
            out.append(
                _problem(
                    "check.rectified_exceeds_found_ytd",
                    f"截至{month_zh(data.month)}，隐患整改（{fixed:g}项）多于本年发现隐患（{found:g}项）",
                    f"year-to-date rectified ({fixed:g}) exceeds hazards found ({found:g})",
                    data,
                    RECTIFIED,
                    fixed,
                )
            )
    return out


# A figure is flagged when it is over SPIKE_FACTOR × the median of the district's previous
# SPIKE_WINDOW reported months of that indicator and at least SPIKE_MIN_EXCESS above it (so that
# 3 after a median of 0 is not news). Reported months are looked for SPIKE_LOOKBACK_MONTHS back,
# and at least SPIKE_MIN_HISTORY of them are needed to speak of a usual level.
SPIKE_FACTOR = 5
SPIKE_MIN_EXCESS = 50
SPIKE_WINDOW = 12
SPIKE_LOOKBACK_MONTHS = 24
SPIKE_MIN_HISTORY = 3


def _months_before(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 - n
    return dt.date(index // 12, index % 12 + 1, 1)


def _spike_warnings(
    session: Session, months: Sequence[MonthData], catalogue: dict[str, IndicatorInfo]
) -> list[Problem]:
    """Figures far above the district's usual level (a typo's extra zero, 元 written for 万元)."""
    written = [m for m in months if m.values]
    if not written:
        return []
    inds = {ind for m in written for ind in m.values if ind in catalogue}
    first = _months_before(min(m.month for m in written), SPIKE_LOOKBACK_MONTHS)
    series = _series_after(session, months, inds, first)
    ordered: dict[tuple[str, str], list[dt.date]] = {key: sorted(values) for key, values in series.items()}
    out: list[Problem] = []
    for data in written:
        horizon = _months_before(data.month, SPIKE_LOOKBACK_MONTHS)
        for ind, raw in data.values.items():
            key = (data.district_code, ind)
            if key not in ordered:
                continue
            value = float(raw)
            if value < SPIKE_MIN_EXCESS:
                continue
            timeline = ordered[key]
            at = bisect.bisect_left(timeline, data.month)
            previous = [series[key][m] for m in timeline[max(0, at - SPIKE_WINDOW) : at] if m >= horizon]
            if len(previous) < SPIKE_MIN_HISTORY or value <= SPIKE_FACTOR * min(previous):
                continue  # (the median is at least the minimum: no need to compute it)
            median = statistics.median(previous)
            if value > SPIKE_FACTOR * median and value - median >= SPIKE_MIN_EXCESS:
                info = catalogue[ind]
                out.append(
                    _problem(
                        "value.spike",
                        f"{info.name_zh}（{value:g}{info.unit}）超过本区县前 {len(previous)} 个报送月中位数"
                        f"（{median:g}{info.unit}）的 {SPIKE_FACTOR} 倍，请核对",
                        f"{ind} = {value:g} is over {SPIKE_FACTOR}x the median of the district's previous "
                        f"{len(previous)} reported months ({median:g}); please check",
                        data,
                        ind,
                        value,
                    )
                )
    return out


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
