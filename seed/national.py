"""The national data set: every county-level district of the mainland, N years of synthetic months.

For scale tests and benchmarks (``python -m app seed national --years 10``: about 2,850 districts,
7.5 million values). Figures come from the same generator as the demo (seed/synthetic.py) with the
same seeds, and the two reports' figures are pinned the same way, so a district's months are the
same whichever seed wrote them. Months a district already has (from the demo seed or an upload)
are left alone, so the command can run on a seeded database and can resume after an interruption.

Bulk speed: rows are written through the one write path (``app.values.store``: PostgreSQL's COPY,
or large ``executemany`` batches on SQLite). Into an empty database (the usual case),
``store.initial_load``: one transaction, secondary indexes and constraints rebuilt once at the end,
the yearly summary made from the generated figures as they are written. Into a database with data,
one transaction per batch of districts through ``store.apply``. (VACUUM) ANALYZE at the end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from sqlalchemy import Connection, func, insert, literal, select, text, update
from sqlalchemy.orm import Session

from app.core.bulk import bulk_insert
from app.core.db import Database, utcnow
from app.districts.models import District, DistrictLevel
from app.submissions.models import DataSource, SourceFormat, Submission, SubmissionStatus
from app.values import store
from app.values.models import MonthlyValue, MonthReport, YearlyValue
from seed.loader import SeedStats, _report_months, last_full_month, load_districts, progress_bar
from seed.report_figures import REPORT_YEARS, SIZE_OVERRIDES, SYNTHETIC_YEAR_TOTALS
from seed.spread import spread_total
from seed.synthetic import SEASON, SyntheticYear, generate_year

# Taiwan, Hong Kong and Macau are in GB/T 2260 but report to no bureau of this system.
EXCLUDED_PREFIXES = ("71", "81", "82")
DISTRICTS_PER_BATCH = 100
REPORT_COLUMNS = ("district_code", "month", "first_submitted_at", "last_submitted_at", "last_submission_id", "source")


@dataclass
class NationalStats:
    districts: int = 0
    values_created: int = 0
    months_created: int = 0
    months_skipped: int = 0
    first_month: dt.date | None = None
    last_month: dt.date | None = None


def national_counties(session: Session, prefixes: Sequence[str] | None = None) -> list[tuple[str, str]]:
    """(code, name) of every county-level district to fill, in code order."""
    stmt = select(District.code, District.name).where(District.level == DistrictLevel.county).order_by(District.code)
    rows = [(c, n) for c, n in session.execute(stmt) if not c.startswith(EXCLUDED_PREFIXES)]
    if prefixes:
        rows = [(c, n) for c, n in rows if c.startswith(tuple(prefixes))]
    return rows


def district_years(
    code: str, name: str, first_year: int, last: dt.date
) -> Iterable[tuple[int, SyntheticYear, DataSource, frozenset[str]]]:
    """(year, its synthetic months, the months' source, the indicators a report pins) of one
    district, as the demo seed makes them: report figures pinned, the rest from ``generate_year``,
    same seeds."""
    reports = {r.year: r for r in REPORT_YEARS if r.district == code}
    for year in range(first_year, last.year + 1):
        months = [m for m in range(1, 13) if dt.date(year, m, 1) <= last]
        report = reports.get(year)
        fixed: dict[str, list[float]] = _report_months(report, months) if report else {}
        for ind, total in SYNTHETIC_YEAR_TOTALS.get((code, year), {}).items():
            fixed[ind] = [float(x) for x in spread_total(total, [SEASON[m - 1] for m in months])]
        synth = generate_year(
            code, name, year, months, size=SIZE_OVERRIDES.get(code), fixed=fixed, never_missing=bool(report)
        )
        source = DataSource.report if report else DataSource.synthetic
        yield year, synth, source, frozenset(report.totals) if report else frozenset()


def district_months(
    code: str, name: str, first_year: int, last: dt.date
) -> Iterable[tuple[dt.date, dt.datetime, DataSource, dict[str, tuple[float, DataSource]]]]:
    """(month, first submitted at, the month's source, indicator → (value, source)) of one district."""
    for year, synth, month_source, from_report in district_years(code, name, first_year, last):
        for month, values in synth.values.items():
            yield (
                dt.date(year, month, 1),
                synth.submitted_at[month],
                month_source,
                {
                    ind: (v, DataSource.report if ind in from_report else DataSource.synthetic)
                    for ind, v in values.items()
                },
            )


def _existing_months(conn: Connection, codes: Sequence[str]) -> set[tuple[str, dt.date]]:
    """District-months that already hold a value or a report: never overwritten here."""
    have: set[tuple[str, dt.date]] = set()
    for table in (MonthReport.__table__, MonthlyValue.__table__):
        rows = conn.execute(
            select(table.c.district_code, table.c.month).where(table.c.district_code.in_(codes)).distinct()
        )
        have.update((c, m) for c, m in rows)
    return have


def _submission(conn: Connection, source: DataSource) -> int:
    note = "种子数据：全国合成数据" if source == DataSource.synthetic else "种子数据：年度报告数字（全国数据集）"
    result = conn.execute(
        insert(Submission).values(
            created_at=utcnow(),
            source_format=SourceFormat.seed,
            source=source,
            status=SubmissionStatus.applied,
            rows=0,
            created=0,
            updated=0,
            unchanged=0,
            removed=0,
            error_count=0,
            warning_count=0,
            note=note,
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def seed_national(
    database: Database,
    *,
    years: int = 10,
    today: dt.date | None = None,
    console: Console | None = None,
    prefixes: Sequence[str] | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> NationalStats:
    """Fill ``years`` calendar years up to the last full month for every county-level district
    (or those under ``prefixes``); returns what was written."""
    if years < 1:
        raise ValueError("years must be at least 1")
    last = last_full_month(today or dt.date.today())
    first_year = last.year - years + 1
    stats = NationalStats(first_month=dt.date(first_year, 1, 1), last_month=last)
    with database.session() as session:
        load_districts(session, SeedStats())
    with database.session() as session:
        counties = national_counties(session, prefixes)
    stats.districts = len(counties)
    with database.engine.begin() as conn:
        subs = {source: _submission(conn, source) for source in (DataSource.synthetic, DataSource.report)}
    now = utcnow()
    with progress_bar(console, "载入全国数据 Seeding national data", len(counties)) as advance:
        counts = None
        if _is_empty(database):
            counts = _load_empty(database, counties, first_year, last, subs, now, stats, advance, on_batch)
        else:
            _add_missing(database, counties, first_year, last, subs, now, stats, advance, on_batch)
    with database.engine.begin() as conn:
        for sub_id in subs.values():
            # After a first load, its own count (monthly_values has no index on submission_id).
            count = (
                counts.get(sub_id, 0)
                if counts is not None
                else conn.scalar(
                    select(func.count()).select_from(MonthlyValue.__table__).where(MonthlyValue.submission_id == sub_id)
                )
            )
            conn.execute(
                update(Submission).where(Submission.id == sub_id).values(rows=int(count or 0), created=int(count or 0))
            )
    # Fresh statistics, so that the planners know the tables' new sizes; on PostgreSQL VACUUM also
    # marks the new pages all-visible, which index-only scans need.
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE monthly_values" if conn.dialect.name == "postgresql" else "ANALYZE"))
        if conn.dialect.name == "postgresql":
            conn.execute(text("VACUUM ANALYZE month_reports"))
            conn.execute(text("VACUUM ANALYZE yearly_values"))
    return stats


class _Origin(dict[str, tuple[DataSource, int]]):
    """Indicator → (source, submission id) of a district-year whose report pins ``from_report``."""

    def __init__(self, from_report: frozenset[str], subs: dict[DataSource, int]) -> None:
        super().__init__()
        self.from_report = from_report
        self.subs = subs

    def __missing__(self, indicator: str) -> tuple[DataSource, int]:
        source = DataSource.report if indicator in self.from_report else DataSource.synthetic
        self[indicator] = (source, self.subs[source])
        return self[indicator]


def _is_empty(database: Database) -> bool:
    """No monthly figure, month report or summary row yet: the whole data set can be loaded at once."""
    with database.engine.connect() as conn:
        return all(
            conn.execute(select(literal(1)).select_from(table).limit(1)).first() is None
            for table in (MonthlyValue.__table__, MonthReport.__table__, YearlyValue.__table__)
        )


def _load_empty(
    database: Database,
    counties: Sequence[tuple[str, str]],
    first_year: int,
    last: dt.date,
    subs: dict[DataSource, int],
    now: dt.datetime,
    stats: NationalStats,
    advance: Callable[[int], None],
    on_batch: Callable[[int], None] | None,
) -> dict[int | None, int]:
    """An empty database: everything in one transaction through ``store.initial_load`` (indexes
    built once at the end, the yearly summary made from the same figures). Interrupted, it leaves
    the database empty again, and the next run starts over. Answers the figures per submission id."""
    origins: dict[frozenset[str], _Origin] = {}
    with store.initial_load(database.engine, now) as load:
        for start in range(0, len(counties), DISTRICTS_PER_BATCH):
            batch = counties[start : start + DISTRICTS_PER_BATCH]
            reports: list[tuple[Any, ...]] = []
            for code, name in batch:
                for year, synth, month_source, from_report in district_years(code, name, first_year, last):
                    origin = origins.get(from_report) or origins.setdefault(from_report, _Origin(from_report, subs))
                    load.add_year(code, year, synth.values, origin)
                    sub = subs[month_source]
                    for month in synth.values:
                        at = synth.submitted_at[month]
                        reports.append((code, dt.date(year, month, 1), at, at, sub, month_source))
            stats.values_created += len(load.values)
            load.flush()
            bulk_insert(load.conn, MonthReport.__table__, REPORT_COLUMNS, reports)
            stats.months_created += len(reports)
            advance(len(batch))
            if on_batch is not None:
                on_batch(start + len(batch))
    return dict(load.counts)


def _add_missing(
    database: Database,
    counties: Sequence[tuple[str, str]],
    first_year: int,
    last: dt.date,
    subs: dict[DataSource, int],
    now: dt.datetime,
    stats: NationalStats,
    advance: Callable[[int], None],
    on_batch: Callable[[int], None] | None,
) -> None:
    """A database with data: the months no district has yet, one transaction per batch of districts
    through ``store.apply`` (the months already there are left alone), so it can resume."""
    for start in range(0, len(counties), DISTRICTS_PER_BATCH):
        batch = counties[start : start + DISTRICTS_PER_BATCH]
        with database.engine.begin() as conn:
            have = _existing_months(conn, [c for c, _ in batch])
            changes = store.ValueChanges(submission_id=None, user_id=None, now=now, history=False)
            reports: list[tuple[Any, ...]] = []
            for code, name in batch:
                for month, submitted_at, month_source, figures in district_months(code, name, first_year, last):
                    if (code, month) in have:
                        stats.months_skipped += 1
                        continue
                    for ind, (value, source) in figures.items():
                        changes.insert(code, month, ind, value, source, subs[source])
                    reports.append((code, month, submitted_at, submitted_at, subs[month_source], month_source))
            store.apply(conn, changes)
            bulk_insert(conn, MonthReport.__table__, REPORT_COLUMNS, reports)
            stats.values_created += len(changes.inserts)
            stats.months_created += len(reports)
        advance(len(batch))
        if on_batch is not None:
            on_batch(start + len(batch))
