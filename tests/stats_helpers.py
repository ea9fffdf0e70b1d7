"""Helpers of the statistics tests: expectations computed independently of app.stats (plain SQL with
LIKE and Python over raw rows), and small request helpers."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.values.models import MonthlyValue, MonthReport

# The figures the two real reports state (DOMAIN.md), written down here, not read from the seed.
HEDONG_2021 = {
    "double_random.inspections": 199,
    "double_random.published": 199,
    "double_random.joint_inspections": 12,
    "inspection.enterprises": 807,
    "case_review.meetings": 28,
    "case_review.cases": 63,
    "training.sessions": 4,
    "training.trainees": 96,
    "training.exams": 5,
    "training.examinees": 139,
    "publicity.events": 8 + 11 + 47,
    "publicity.audience": 7000 + 1350 + 12000,
    "drill.drills": 5,
}
YUBEI_2020 = {
    "accident.count": 19,
    "accident.deaths": 19,
    "inspection.enterprises": 32000,
    "inspection.hazards_found": 36000,
    "penalty.fines_yuan": 17_120_000,
    "penalty.suspensions": 116,
    "penalty.detentions": 122,
}
TIANJIN_COUNTIES = 16


def like(code: str) -> str:
    """A LIKE pattern for a district and everything under it (the tests' own spelling of nesting)."""
    if code.endswith("0000"):
        return code[:2] + "%"
    if code.endswith("00"):
        return code[:4] + "%"
    return code


def raw_rows(session: Session, code: str, year: int) -> list[tuple[str, dt.date, str, float]]:
    rows = session.execute(
        select(MonthlyValue.district_code, MonthlyValue.month, MonthlyValue.indicator_code, MonthlyValue.value).where(
            MonthlyValue.district_code.like(like(code)),
            MonthlyValue.month >= dt.date(year, 1, 1),
            MonthlyValue.month <= dt.date(year, 12, 1),
        )
    )
    return [(d, m, i, float(v)) for d, m, i, v in rows]


def raw_year_sums(session: Session, code: str, year: int) -> dict[str, float]:
    rows = session.execute(
        select(MonthlyValue.indicator_code, func.sum(MonthlyValue.value))
        .where(
            MonthlyValue.district_code.like(like(code)),
            MonthlyValue.month >= dt.date(year, 1, 1),
            MonthlyValue.month <= dt.date(year, 12, 1),
        )
        .group_by(MonthlyValue.indicator_code)
    )
    return {ind: round(float(total), 2) for ind, total in rows}


def matching_months_yoy(session: Session, code: str, year: int, month_to: int = 12) -> dict[str, dict[str, Any]]:
    """Year on year by hand: pair every (county, month, indicator) of ``year`` with the same of the
    year before; only pairs present in both years count."""
    this = {(d, m.month, i): v for d, m, i, v in raw_rows(session, code, year) if m.month <= month_to}
    last = {(d, m.month, i): v for d, m, i, v in raw_rows(session, code, year - 1) if m.month <= month_to}
    out: dict[str, dict[str, Any]] = defaultdict(lambda: {"total": 0.0, "cur": 0.0, "prev": 0.0, "n": 0, "rep": 0})
    for key, value in this.items():
        acc = out[key[2]]
        acc["total"] += value
        acc["rep"] += 1
        if key in last:
            acc["cur"] += value
            acc["prev"] += last[key]
            acc["n"] += 1
    return out


def month_report_rows(session: Session, code: str, year: int) -> dict[tuple[str, dt.date], dt.datetime]:
    rows = session.execute(
        select(MonthReport.district_code, MonthReport.month, MonthReport.first_submitted_at).where(
            MonthReport.district_code.like(like(code)),
            MonthReport.month >= dt.date(year, 1, 1),
            MonthReport.month <= dt.date(year, 12, 1),
        )
    )
    out = {}
    for d, m, at in rows:
        out[(d, m)] = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
    return out


def put_month(client: TestClient, headers: dict[str, str], code: str, month: str, values: dict[str, float]) -> None:
    r = client.put(f"/api/v1/districts/{code}/months/{month}", json={"values": values}, headers=headers)
    assert r.status_code == 200, r.text


def by_code(items: list[dict[str, Any]], key: str = "code") -> dict[str, dict[str, Any]]:
    return {item[key]: item for item in items}


def assert_problem(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body
