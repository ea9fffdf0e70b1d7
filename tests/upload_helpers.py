"""Helpers of the upload tests: files made in memory (CSV in any encoding, XLSX with merges), uploads,
and full dumps of the tables an upload may touch (to prove a rejected file changed nothing)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Sequence
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.submissions.models import Submission
from app.values.models import Activity, MonthlyValue, MonthReport, ValueHistory, YearlyValue

LONG_HEADER = ("区划代码", "月份", "指标", "数值")
UPLOADS = "/api/v1/uploads"
# Beijing's districts carry no seed data: a clean slate for exact counts.
CLEAN = "110101"
CLEAN2 = "110102"
CSV_TYPE = "text/csv"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# A complete, consistent month (every cross-check passes).
FULL_MONTH: dict[str, float] = {
    "double_random.inspections": 17,
    "double_random.published": 15,
    "double_random.joint_inspections": 2,
    "inspection.enterprises": 66,
    "inspection.hazards_found": 40,
    "inspection.hazards_rectified": 38,
    "case_review.meetings": 2,
    "case_review.cases": 5,
    "penalty.cases": 4,
    "penalty.fines_yuan": 125000.5,
    "penalty.suspensions": 1,
    "penalty.detentions": 0,
    "drill.drills": 3,
    "drill.participants": 300,
    "training.sessions": 1,
    "training.trainees": 24,
    "training.exams": 1,
    "training.examinees": 30,
    "publicity.events": 4,
    "publicity.audience": 1350,
    "accident.count": 0,
    "accident.deaths": 0,
}


def this_month() -> dt.date:
    return dt.date.today().replace(day=1)


def months_ago(n: int) -> dt.date:
    first = this_month()
    index = first.year * 12 + first.month - 1 - n
    return dt.date(index // 12, index % 12 + 1, 1)


def label(month: dt.date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def csv_bytes(
    rows: Iterable[Sequence[Any]], header: Sequence[str] | None = LONG_HEADER, encoding: str = "utf-8"
) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    if header is not None:
        writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue().encode(encoding)


def long_rows(district: str, month: dt.date | str, values: dict[str, Any]) -> list[tuple[Any, ...]]:
    m = month if isinstance(month, str) else label(month)
    return [(district, m, ind, v) for ind, v in values.items()]


def xlsx_bytes(
    sheets: dict[str, list[list[Any]]], merges: dict[str, list[str]] | None = None, formulas: bool = False
) -> bytes:
    """A workbook from rows of values; ``merges`` maps a sheet to ranges like "A2:A5"."""
    wb = Workbook()
    first = True
    for title, rows in sheets.items():
        ws = wb.active if first else wb.create_sheet()
        assert ws is not None
        first = False
        ws.title = title
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    ws.cell(r, c, value)
        for rng in (merges or {}).get(title, []):
            ws.merge_cells(rng)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def patch_xlsx(content: bytes, replacements: dict[str, str]) -> bytes:
    """The workbook with its sheets' XML edited: cells openpyxl will not write (``<v>1e400</v>``)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                text = data.decode()
                for old, new in replacements.items():
                    assert old in text, old
                    text = text.replace(old, new)
                data = text.encode()
            target.writestr(item, data)
    return out.getvalue()


def wide_csv(rows: Sequence[Sequence[Any]]) -> bytes:
    """Long rows (district, month, indicator, value) in the wide shape: one row per district-month,
    one column per indicator label as written, in the order they first appear."""
    labels: list[Any] = []
    grouped: dict[tuple[Any, Any], dict[Any, Any]] = {}
    for district, month, indicator, value in rows:
        if indicator not in labels:
            labels.append(indicator)
        grouped.setdefault((district, month), {})[indicator] = value
    body = [[d, m, *(values.get(label) for label in labels)] for (d, m), values in grouped.items()]
    return csv_bytes(body, header=("区划代码", "月份", *labels))


def template_xlsx(rows: Sequence[Sequence[Any]]) -> bytes:
    """Long rows of one district-month in the template's shape: the district above the header, one
    row per indicator, one column for the month. The header is on row 3, figures from row 4."""
    districts = {r[0] for r in rows}
    months = {r[1] for r in rows}
    assert len(districts) == len(months) == 1, "one district-month per template"
    (district,), (month,) = districts, months
    sheet: list[list[Any]] = [["区划代码", district or None], [], ["指标", month]]
    sheet += [[indicator, value] for _d, _m, indicator, value in rows]
    return xlsx_bytes({"数据": sheet})


def upload(
    client: TestClient,
    headers: dict[str, str],
    content: bytes,
    name: str = "data.csv",
    *,
    dry_run: bool = False,
    key: str | None = None,
    content_type: str | None = None,
) -> Any:
    h = dict(headers)
    if key is not None:
        h["Idempotency-Key"] = key
    ctype = content_type or (XLSX_TYPE if name.endswith(".xlsx") else CSV_TYPE)
    params = {"dry_run": "true"} if dry_run else None
    return client.post(UPLOADS, files={"file": (name, content, ctype)}, headers=h, params=params)


def ok(r: Any, status: int = 201) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()
    return body


def problem(r: Any, status: int = 422) -> dict[str, Any]:
    """A problem+json answer with ``status``, every listed problem coded and in both languages."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    assert body["status"] == status and body["type"] and body["title"] and body["detail"]
    for e in body.get("errors", []):
        assert e["code"] and e["message_zh"] and e["message_en"]
    return body


def get_month(client: TestClient, headers: dict[str, str], district: str, month: dt.date | str) -> dict[str, Any]:
    m = month if isinstance(month, str) else label(month)
    r = client.get(f"/api/v1/districts/{district}/months/{m}", headers=headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def dump(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table an upload writes, in a stable order (a byte-for-byte comparison).

    Read through the driver's own cursor, in the session's transaction: the rows as the database
    gives them, without SQLAlchemy's per-row work (the seeded database has over 100,000 figures,
    and this runs twice in many tests).
    """
    session.flush()
    conn = session.connection()
    driver_connection = conn.connection.driver_connection
    assert driver_connection is not None  # None only once the connection is closed
    cursor = driver_connection.cursor()
    out: dict[str, list[tuple[Any, ...]]] = {}
    try:
        for model in (MonthlyValue, ValueHistory, Activity, MonthReport, YearlyValue):
            table = model.__table__
            query = select(table).order_by(*table.primary_key.columns).compile(dialect=conn.dialect)
            cursor.execute(str(query))
            out[table.name] = [tuple(r) for r in cursor.fetchall()]
    finally:
        cursor.close()
    return out


def snapshot(session: Session) -> dict[str, Any]:
    """A cheaper stand-in for ``dump``: per table the row count, highest id and a checksum, plus every
    row of the two clean districts (the ones these tests write)."""
    session.flush()
    out: dict[str, Any] = {}
    for model in (MonthlyValue, ValueHistory, Activity, MonthReport):
        table = model.__table__
        out[table.name] = session.execute(select(func.count(), func.max(table.c.id))).one()
        district = table.c.district_code
        out[f"{table.name}.clean"] = [
            tuple(r)
            for r in session.execute(
                select(table).where(district.in_([CLEAN, CLEAN2])).order_by(*table.primary_key.columns)
            )
        ]
    yv = YearlyValue.__table__
    out["yearly_values"] = session.execute(
        select(func.count(), func.sum(yv.c.total), func.sum(yv.c.months_reported))
    ).one()
    out["yearly_values.clean"] = [
        tuple(r)
        for r in session.execute(
            select(yv).where(yv.c.district_code.in_([CLEAN, CLEAN2])).order_by(*yv.primary_key.columns)
        )
    ]
    mv = MonthlyValue.__table__
    out["monthly_values.sum"] = session.execute(select(func.sum(mv.c.value), func.max(mv.c.updated_at))).one()
    return out


def submissions_count(session: Session) -> int:
    session.flush()
    return len(session.scalars(select(Submission.id)).all())


def codes(body: dict[str, Any]) -> list[str]:
    return [e["code"] for e in body.get("errors", [])]
