"""Accepted annual figures (issue 18): stored as such, audited and idempotent, refused where they
disagree with approved months, and counted by the statistics for district-years without months —
where both exist the monthly sum counts and the difference is said."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.backfill.models import AnnualFigureHistory
from app.core import deps as core_deps
from tests.conftest import SEED_TODAY
from tests.upload_helpers import codes, ok, problem

HEDONG, TIANJIN = "120102", "120000"
# 2017: before the demo seed's first year (2019), so Hedong has no months of it.
FIGURES = {"inspection.enterprises": 512, "double_random.inspections": 150, "penalty.fines_yuan": 2_300_000}
EVIDENCE = {"inspection.enterprises": "全年开展执法检查512家次。"}


@pytest.fixture(autouse=True)
def seed_clock(api: FastAPI) -> None:
    api.dependency_overrides[core_deps.today] = lambda: SEED_TODAY


def accept(client: TestClient, headers: dict[str, str], year: int, figures: dict[str, Any], **extra: Any) -> Any:
    body = {"district": HEDONG, "year": year, "figures": figures, "evidence": extra.pop("evidence", {}), **extra}
    return client.post("/api/v1/backfill/accept", json=body, headers=headers)


def yearly(client: TestClient, headers: dict[str, str], code: str, indicator: str) -> dict[int, dict[str, Any]]:
    body = ok(
        client.get(
            "/api/v1/stats/yearly", params={"district": code, "year_from": 2017, "year_to": 2021}, headers=headers
        ),
        200,
    )
    series = next(i for i in body["indicators"] if i["code"] == indicator)
    return {p["year"]: p for p in series["years"]}


def test_accepted_figures_are_stored_audited_and_idempotent(
    client: TestClient, headers_for: Any, session: Session
) -> None:
    staff = headers_for("staff", HEDONG)
    body = ok(accept(client, staff, 2017, FIGURES, evidence=EVIDENCE, source="河东区2017年度报告"), 200)
    assert (body["created"], body["updated"], body["unchanged"]) == (3, 0, 0)
    again = ok(accept(client, staff, 2017, FIGURES, evidence=EVIDENCE), 200)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
    changed = ok(accept(client, staff, 2017, {"inspection.enterprises": 520}), 200)
    assert (changed["created"], changed["updated"], changed["unchanged"]) == (0, 1, 0)
    history = session.scalars(
        select(AnnualFigureHistory).where(AnnualFigureHistory.indicator_code == "inspection.enterprises")
    ).all()
    assert [(h.old_value, h.new_value) for h in history] == [(None, 512), (512, 520)]
    year = ok(client.get(f"/api/v1/districts/{HEDONG}/years/2017", headers=staff), 200)
    row = next(f for f in year["figures"] if f["indicator"] == "inspection.enterprises")
    assert (row["annual"], row["counted"], row["differs"], row["monthly_total"]) == (520, "annual", False, None)
    assert row["evidence"] == EVIDENCE["inspection.enterprises"] and row["source"] == "河东区2017年度报告"


def test_trends_and_totals_use_annual_figures_where_no_month_was_reported(
    client: TestClient, headers_for: Any, admin_headers: dict[str, str]
) -> None:
    staff = headers_for("staff", HEDONG)
    ok(accept(client, staff, 2017, FIGURES), 200)
    before = yearly(client, admin_headers, TIANJIN, "inspection.enterprises")
    county = yearly(client, admin_headers, HEDONG, "inspection.enterprises")
    assert (county[2017]["total"], county[2017]["annual_total"], county[2017]["months_reported"]) == (512, 512, 0)
    assert county[2021]["total"] == 807 and county[2021]["annual_total"] is None  # months: monthly counts
    # The city's trend sums it with what its other districts have (nothing in 2017).
    assert before[2017]["total"] == 512 and before[2017]["districts_annual"] == 1
    totals = ok(client.get("/api/v1/stats/totals", params={"district": HEDONG, "year": 2017}, headers=staff), 200)
    fines = next(i for i in totals["indicators"] if i["code"] == "penalty.fines_yuan")
    assert (fines["total"], fines["annual_total"], fines["months_reported"]) == (2_300_000, 2_300_000, 0)


def test_where_both_exist_the_months_count_and_the_difference_is_said(
    client: TestClient, headers_for: Any, admin_headers: dict[str, str]
) -> None:
    staff = headers_for("staff", HEDONG)
    ok(accept(client, staff, 2021, {"inspection.enterprises": 800}), 200)  # the months say 807
    year = ok(client.get(f"/api/v1/districts/{HEDONG}/years/2021", headers=staff), 200)
    row = next(f for f in year["figures"] if f["indicator"] == "inspection.enterprises")
    assert (row["counted"], row["differs"], row["monthly_total"], row["annual"]) == ("monthly", True, 807, 800)
    county = yearly(client, admin_headers, HEDONG, "inspection.enterprises")
    assert (county[2021]["total"], county[2021]["differs"], county[2021]["annual_total"]) == (807, 1, None)


def test_figures_that_disagree_with_approved_months_are_refused(
    client: TestClient, headers_for: Any, session: Session
) -> None:
    staff = headers_for("staff", HEDONG)
    reviewer = headers_for("reviewer", TIANJIN)
    ok(client.post(f"/api/v1/districts/{HEDONG}/months/2021-03/approve", headers=reviewer), 200)
    body = problem(accept(client, staff, 2021, {"inspection.enterprises": 800, "case_review.meetings": 28}), 409)
    assert codes(body) == ["annual.differs_from_approved_months"]
    assert "inspection.enterprises" in body["errors"][0]["column"]
    # The figure the months agree with is taken.
    ok(accept(client, staff, 2021, {"inspection.enterprises": 807, "case_review.meetings": 28}), 200)


def test_who_may_accept_and_what(client: TestClient, headers_for: Any) -> None:
    problem(accept(client, headers_for("viewer", HEDONG), 2017, FIGURES), 403)
    problem(accept(client, headers_for("staff", "120103"), 2017, FIGURES), 403)
    staff = headers_for("staff", HEDONG)
    problem(accept(client, staff, SEED_TODAY.year, FIGURES))  # the year has not ended
    problem(
        client.post(
            "/api/v1/backfill/accept",
            json={"district": TIANJIN, "year": 2017, "figures": FIGURES},
            headers=headers_for("admin"),
        )
    )
    body = problem(accept(client, staff, 2017, {"inspection.enterprise": 5, "drill.drills": -2, "penalty.cases": 1.5}))
    assert sorted(codes(body)) == ["indicator.unknown", "value.negative", "value.not_whole"]


def test_reports_state_where_their_figures_come_from(client: TestClient, headers_for: Any) -> None:
    staff = headers_for("staff", HEDONG)
    ok(accept(client, staff, 2017, FIGURES), 200)
    ok(accept(client, staff, 2021, {"inspection.enterprises": 800}), 200)  # the months say 807

    def report(year: int) -> str:
        params: dict[str, Any] = {"district": HEDONG, "year": year, "format": "md"}
        r = client.get("/api/v1/reports/annual", params=params, headers=staff)
        assert r.status_code == 200, r.text
        return r.text

    only_annual = report(2017)
    assert "512家次" in only_annual
    assert "根据已发布年度报告回填的年度数据（年报数据" in only_annual and "执法检查" in only_annual
    both = report(2021)
    assert "807家次" in both
    assert "执法检查的年报数据与月度报表合计不一致（数据差异），以上采用月度合计" in both
    assert "回填" not in both  # 2021's figures are the months'
