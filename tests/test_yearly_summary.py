"""The yearly summary (``yearly_values``) stays exactly what the monthly rows say after every write,
on SQLite and PostgreSQL: the statistics layer reads its totals and rankings from it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.core.db import Database
from app.core.migrate import downgrade, upgrade
from app.values import yearly
from app.values.models import MONTH_COLUMNS, MonthlyValue, YearlyValue
from tests.conftest import HeadersFor
from tests.upload_helpers import CLEAN, CLEAN2, csv_bytes, long_rows, snapshot, upload

Headers = dict[str, str]


@pytest.fixture
def staff(headers_for: HeadersFor) -> Headers:
    return headers_for("staff", "110100")  # covers both clean districts (Beijing's 市辖区)


def summary_of(session: Session, district: str, year: int) -> dict[str, tuple[Any, ...]]:
    yv = YearlyValue.__table__
    return {
        r.indicator_code: (
            float(r.total),
            r.months_reported,
            *(None if r._mapping[c] is None else float(r._mapping[c]) for c in MONTH_COLUMNS),
        )
        for r in session.execute(select(yv).where(yv.c.district_code == district, yv.c.year == year))
    }


def assert_in_step(session: Session) -> None:
    session.flush()
    assert yearly.differences(session) == []


def totals(client: TestClient, headers: Headers, district: str, year: int) -> dict[str, dict[str, Any]]:
    r = client.get("/api/v1/stats/totals", params={"district": district, "year": year}, headers=headers)
    assert r.status_code == 200, r.text
    return {i["code"]: i for i in r.json()["indicators"]}


def test_seeded_summary_matches_the_monthly_rows(session: Session) -> None:
    assert session.execute(select(func.count()).select_from(YearlyValue)).scalar_one() > 0
    assert_in_step(session)


def test_every_kind_of_write_keeps_the_summary_exact(client: TestClient, staff: Headers, session: Session) -> None:
    put = f"/api/v1/districts/{CLEAN}/months"
    # Created.
    r = client.put(f"{put}/2024-03", json={"values": {"drill.drills": 2, "publicity.events": 1}}, headers=staff)
    assert r.status_code == 200, r.text
    assert_in_step(session)
    assert summary_of(session, CLEAN, 2024)["drill.drills"][:5] == (2.0, 1, None, None, 2.0)
    # Another month of the same year, and last year's month for a comparison.
    for month, drills in (("2024-04", 3), ("2023-03", 4), ("2023-05", 9)):
        r = client.put(f"{put}/{month}", json={"values": {"drill.drills": drills}}, headers=staff)
        assert r.status_code == 200, r.text
    assert_in_step(session)
    t = totals(client, staff, CLEAN, 2024)["drill.drills"]
    # 2024: March 2 + April 3; compared on March only (2023 has no April): 2 against 4.
    assert (t["total"], t["months_reported"], t["comparable_total"], t["previous_total"]) == (5, 2, 2, 4)
    assert t["change_pct"] == -50.0 and t["months_compared"] == 1
    # Changed and removed in one write: publicity left out of the body become "not reported".
    r = client.put(f"{put}/2024-03", json={"values": {"drill.drills": 7}}, headers=staff)
    assert r.json()["updated"] == 1 and r.json()["removed"] == 1
    assert_in_step(session)
    assert "publicity.events" not in summary_of(session, CLEAN, 2024)
    assert totals(client, staff, CLEAN, 2024)["publicity.events"]["total"] is None
    # A file over two districts and a year boundary.
    content = csv_bytes(
        [
            *long_rows(CLEAN, "2024-12", {"drill.drills": 1, "training.trainees": 30}),
            *long_rows(CLEAN, "2025-01", {"drill.drills": 0}),
            *long_rows(CLEAN2, "2024-12", {"drill.drills": 5}),
        ]
    )
    assert upload(client, staff, content).status_code == 201
    assert_in_step(session)
    assert summary_of(session, CLEAN, 2025)["drill.drills"][:3] == (0.0, 1, 0.0)  # a reported zero is kept
    assert summary_of(session, CLEAN2, 2024)["drill.drills"][0] == 5.0
    # A dry run and a rejected file change nothing, summary included.
    before = snapshot(session)
    bad = csv_bytes([*long_rows(CLEAN, "2024-12", {"drill.drills": 99}), (CLEAN, "2024-12", "no.such", 1)])
    assert upload(client, staff, bad).status_code == 422
    assert (
        upload(client, staff, csv_bytes(long_rows(CLEAN, "2024-12", {"drill.drills": 99})), dry_run=True).status_code
        == 200
    )
    assert snapshot(session) == before
    # Everything of a month removed: its column empties, and a year with nothing left has no rows.
    r = client.put(f"{put}/2025-01", json={"values": {}}, headers=staff)
    assert r.json()["removed"] == 1
    assert_in_step(session)
    assert summary_of(session, CLEAN, 2025) == {}


def test_statistics_agree_with_sums_of_the_monthly_rows(
    client: TestClient, admin_headers: Headers, session: Session
) -> None:
    """For the seeded Tianjin districts, the totals read from the summary are the sums of the monthly
    rows, month range by month range."""
    mv = MonthlyValue.__table__.c
    for month_to in (12, 5):
        r = client.get(
            "/api/v1/stats/totals",
            params={"district": "120000", "year": 2021, "month_to": month_to},
            headers=admin_headers,
        )
        assert r.status_code == 200, r.text
        got = {i["code"]: (i["total"], i["months_reported"]) for i in r.json()["indicators"]}
        want = {
            code: (round(float(total), 2), n)
            for code, total, n in session.execute(
                select(mv.indicator_code, func.sum(mv.value), func.count())
                .where(
                    mv.district_code.startswith("12"),
                    mv.month >= dt.date(2021, 1, 1),
                    mv.month <= dt.date(2021, month_to, 1),
                )
                .group_by(mv.indicator_code)
            )
        }
        assert want, "the seed has Tianjin 2021"
        assert {c: v for c, v in got.items() if v[0] is not None} == want


def write_behind_the_apps_back(database: Database, drills: dict[str, float]) -> None:
    """Tianjin and its drills by month ("YYYY-MM-01" → value), written in SQL as a restore or a
    hand-made fix would: no summary refresh."""
    with database.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO districts (code, name, level, centroid_approx) "
                "VALUES ('120000', '天津市', 'province', false)"
            )
        )
        for month, value in drills.items():
            conn.execute(
                text(
                    "INSERT INTO monthly_values (district_code, month, indicator_code, value, source, updated_at) "
                    "VALUES ('120000', :m, 'drill.drills', :v, 'upload', CURRENT_TIMESTAMP)"
                ),
                {"m": month, "v": value},
            )


def test_migration_fills_the_summary_from_existing_data(empty_database: Database) -> None:
    upgrade(empty_database.engine)
    write_behind_the_apps_back(empty_database, {"2021-01-01": 3, "2021-11-01": 0, "2022-02-01": 5})
    downgrade(empty_database.engine, "0004")
    upgrade(empty_database.engine)
    with empty_database.session() as s:
        assert yearly.differences(s) == []
        assert summary_of(s, "120000", 2021)["drill.drills"] == (3.0, 2, 3.0, *([None] * 9), 0.0, None)
        assert summary_of(s, "120000", 2022)["drill.drills"][:4] == (5.0, 1, None, 5.0)


def test_check_finds_a_difference_and_rebuild_repairs_it(empty_database: Database) -> None:
    upgrade(empty_database.engine)
    write_behind_the_apps_back(empty_database, {"2021-06-01": 4})  # the summary does not know
    with empty_database.session() as s:
        found = yearly.differences(s)
        assert [(d["district"], d["year"], d["indicator"], d["found"]) for d in found] == [
            ("120000", 2021, "drill.drills", None)
        ]
        assert yearly.rebuild(s) == 1
    with empty_database.session() as s:
        assert yearly.differences(s) == []
