"""Load the seed data: districts, the real reports' figures and synthetic demo months. Idempotent.

The seed owns only rows it wrote (source ``report`` or ``synthetic``); a value a district uploaded
(source ``upload``) is never overwritten by seeding. Running it twice changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from app.core.db import Database, utcnow
from app.districts.models import District, DistrictLevel
from app.submissions.models import DataSource, SourceFormat, Submission, SubmissionStatus
from app.values import store
from app.values.models import Activity, ActivityKind, MonthlyValue, MonthReport
from seed.report_figures import REPORT_YEARS, SIZE_OVERRIDES, SYNTHETIC_YEAR_TOTALS, ReportYear
from seed.spread import spread_total
from seed.synthetic import SEASON, generate_year

DISTRICTS_CSV = Path(__file__).parent / "data" / "districts.csv"
DEMO_PROVINCES = ("120000", "500000")  # Tianjin and Chongqing, the two reports' municipalities
DEMO_FIRST_YEAR = 2019
LEVEL_ORDER = {
    DistrictLevel.province: 0,
    DistrictLevel.city: 1,
    DistrictLevel.county: 2,
    DistrictLevel.township: 3,
}


@dataclass
class SeedStats:
    districts_created: int = 0
    districts_updated: int = 0
    values_created: int = 0
    values_updated: int = 0
    months_created: int = 0
    activities_created: int = 0
    skipped_uploaded: int = 0
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return any(
            (
                self.districts_created,
                self.districts_updated,
                self.values_created,
                self.values_updated,
                self.months_created,
                self.activities_created,
            )
        )


def last_full_month(today: dt.date) -> dt.date:
    first = today.replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1)


@contextmanager
def progress_bar(console: Console | None, label: str, total: int) -> Iterator[Any]:
    """A rich progress bar on a terminal; silent (but still counting) elsewhere."""
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console or Console(stderr=True),
        disable=console is None,
    )
    with progress:
        task = progress.add_task(label, total=total)
        yield lambda n=1: progress.advance(task, n)


# ----------------------------------------------------------------------------- districts


def read_districts_csv(path: Path = DISTRICTS_CSV) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        rows: list[dict[str, Any]] = []
        for r in csv.DictReader(fh):
            rows.append(
                {
                    "code": r["code"],
                    "name": r["name"],
                    "level": DistrictLevel(r["level"]),
                    "parent_code": r["parent_code"] or None,
                    "longitude": float(r["longitude"]) if r["longitude"] else None,
                    "latitude": float(r["latitude"]) if r["latitude"] else None,
                    "centroid_approx": r["centroid_approx"] == "1",
                }
            )
    # Parents before children: the self-referencing foreign key is checked row by row.
    rows.sort(key=lambda r: (LEVEL_ORDER[r["level"]], r["code"]))
    return rows


def load_districts(session: Session, stats: SeedStats) -> None:
    wanted = read_districts_csv()
    existing = {d.code: d for d in session.scalars(select(District))}
    fields = ("name", "level", "parent_code", "longitude", "latitude", "centroid_approx")
    new = [r for r in wanted if r["code"] not in existing]
    changed = [
        r for r in wanted if r["code"] in existing and any(getattr(existing[r["code"]], f) != r[f] for f in fields)
    ]
    for level in sorted(LEVEL_ORDER.values()):
        batch = [r for r in new if LEVEL_ORDER[r["level"]] == level]
        if batch:
            session.execute(insert(District), batch)
    if changed:
        session.execute(update(District), changed)
    stats.districts_created += len(new)
    stats.districts_updated += len(changed)


# ----------------------------------------------------------------------------- monthly data


@dataclass
class DesiredMonth:
    values: dict[str, tuple[float, DataSource]]
    submitted_at: dt.datetime
    source: DataSource


def _month_starts(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        yield dt.date(y, m, 1)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def _report_months(report: ReportYear, months: list[int]) -> dict[str, list[float]]:
    """The report's yearly totals placed in ``months`` (all twelve for a report year)."""
    out = {}
    for code, (total, profile) in report.totals.items():
        if isinstance(profile, dict):
            monthly = [float(profile.get(m, 0)) for m in range(1, 13)]
            if sum(monthly) != total:
                raise ValueError(f"{report.district} {report.year} {code}: months add to {sum(monthly)}, not {total}")
        else:
            monthly = [float(x) for x in spread_total(int(total), profile)]
        out[code] = [monthly[m - 1] for m in months]
    return out


def desired_district(
    code: str, name: str, last: dt.date
) -> tuple[dict[dt.date, DesiredMonth], list[tuple[dt.date, ActivityKind, str, int | None, str | None, DataSource]]]:
    """Everything the seed wants stored for one district: months and named activities."""
    reports = {r.year: r for r in REPORT_YEARS if r.district == code}
    months_out: dict[dt.date, DesiredMonth] = {}
    activities: list[tuple[dt.date, ActivityKind, str, int | None, str | None, DataSource]] = []
    for year in range(DEMO_FIRST_YEAR, last.year + 1):
        months = [m for m in range(1, 13) if dt.date(year, m, 1) <= last]
        report = reports.get(year)
        fixed: dict[str, list[float]] = {}
        if report:
            fixed.update(_report_months(report, months))
        for ind, total in SYNTHETIC_YEAR_TOTALS.get((code, year), {}).items():
            fixed[ind] = [float(x) for x in spread_total(total, [SEASON[m - 1] for m in months])]
        synth = generate_year(
            code, name, year, months, size=SIZE_OVERRIDES.get(code), fixed=fixed, never_missing=bool(report)
        )
        from_report = set(report.totals) if report else set()
        for month, vals in synth.values.items():
            key = dt.date(year, month, 1)
            months_out[key] = DesiredMonth(
                values={
                    ind: (v, DataSource.report if ind in from_report else DataSource.synthetic)
                    for ind, v in vals.items()
                },
                submitted_at=synth.submitted_at[month],
                source=DataSource.report if report else DataSource.synthetic,
            )
        report_kinds = {a.kind for a in report.activities} if report else set()
        for date, kind, title, people in synth.activities:
            if kind not in report_kinds:
                activities.append((date, kind, title, people, None, DataSource.synthetic))
        if report:
            for a in report.activities:
                note = f"来源：{report.source}" + (f"；{a.notes}" if a.notes else "")
                activities.append((a.date, a.kind, a.title, a.participants, note, DataSource.report))
    return months_out, activities


class _Submissions:
    """Creates the seed's submission rows lazily: only a run that changes something logs one."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.ids: dict[DataSource, int] = {}

    def id_for(self, source: DataSource) -> int:
        if source not in self.ids:
            note = "种子数据：年度报告数字" if source == DataSource.report else "种子数据：合成演示数据"
            sub = Submission(
                source_format=SourceFormat.seed,
                source=source,
                status=SubmissionStatus.applied,
                file_name=None,
                note=note,
            )
            self.session.add(sub)
            self.session.flush()
            self.ids[source] = sub.id
        return self.ids[source]


def write_district(session: Session, code: str, name: str, last: dt.date, subs: _Submissions, stats: SeedStats) -> None:
    months, activities = desired_district(code, name, last)
    existing: dict[tuple[dt.date, str], tuple[int, float, DataSource]] = {
        (m, ind): (id_, val, src)
        for id_, m, ind, val, src in session.execute(
            select(
                MonthlyValue.id,
                MonthlyValue.month,
                MonthlyValue.indicator_code,
                MonthlyValue.value,
                MonthlyValue.source,
            ).where(MonthlyValue.district_code == code)
        )
    }
    # The seed writes the starting state: no value history (its submission rows say where figures came from).
    changes = store.ValueChanges(submission_id=None, user_id=None, now=utcnow(), history=False)
    for month, want in months.items():
        for ind, (value, source) in want.values.items():
            have = existing.get((month, ind))
            if have is None:
                changes.insert(code, month, ind, value, source, subs.id_for(source))
            elif have[2] == DataSource.upload:
                stats.skipped_uploaded += 1
            elif have[1] != value or have[2] != source:
                changes.update(have[0], code, month, ind, have[1], value, source, subs.id_for(source))
    store.apply(session, changes)
    stats.values_created += len(changes.inserts)
    stats.values_updated += len(changes.updates)

    have_months = set(session.scalars(select(MonthReport.month).where(MonthReport.district_code == code)))
    new_months = [
        {
            "district_code": code,
            "month": m,
            "first_submitted_at": w.submitted_at,
            "last_submitted_at": w.submitted_at,
            "last_submission_id": subs.id_for(w.source),
            "source": w.source,
        }
        for m, w in months.items()
        if m not in have_months
    ]
    if new_months:
        session.execute(insert(MonthReport), new_months)
    stats.months_created += len(new_months)

    have_acts = set(session.execute(select(Activity.date, Activity.title).where(Activity.district_code == code)))
    new_acts = [
        {
            "district_code": code,
            "date": d,
            "kind": k,
            "title": t,
            "participants": p,
            "notes": n,
            "source": s,
            "submission_id": subs.id_for(s),
        }
        for d, k, t, p, n, s in activities
        if (d, t) not in have_acts
    ]
    if new_acts:
        session.execute(insert(Activity), new_acts)
    stats.activities_created += len(new_acts)


def _chunks(rows: list[dict[str, Any]], size: int) -> Iterable[list[dict[str, Any]]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def county_descendants(session: Session, roots: Iterable[str]) -> list[District]:
    """County-level districts under the given provinces or cities (by code prefix: GB/T 2260 nests)."""
    out: list[District] = []
    for root in roots:
        prefix = root[:2] if root.endswith("0000") else root[:4]
        out += session.scalars(
            select(District)
            .where(District.level == DistrictLevel.county, District.code.startswith(prefix))
            .order_by(District.code)
        ).all()
    return out


def seed_demo(database: Database, *, today: dt.date | None = None, console: Console | None = None) -> SeedStats:
    """Districts of the whole country, then the demo provinces' months from 2019 to last month."""
    stats = SeedStats()
    last = last_full_month(today or dt.date.today())
    with database.session() as session:
        load_districts(session, stats)
    with database.session() as session:
        counties = county_descendants(session, DEMO_PROVINCES)
        subs = _Submissions(session)
        with progress_bar(console, "载入演示数据 Seeding demo data", len(counties)) as advance:
            for district in counties:
                write_district(session, district.code, district.name, last, subs, stats)
                advance()
        for source, sub_id in subs.ids.items():
            sub = session.get(Submission, sub_id)
            assert sub is not None
            counted = session.scalar(
                select(func.count()).select_from(MonthlyValue).where(MonthlyValue.submission_id == sub_id)
            )
            sub.created = int(counted or 0)
            sub.rows = sub.created
            stats.details[source.value] = sub_id
    return stats


def database_is_empty(database: Database) -> bool:
    with database.session() as session:
        return not session.scalar(select(func.count()).select_from(MonthlyValue))
