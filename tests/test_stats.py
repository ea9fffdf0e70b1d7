"""The statistics API on SQLite and PostgreSQL: report figures, sums of districts, year on year on
matching months, null versus zero, completeness, scope, exports and errors.

Expectations come from the real reports' figures or from plain SQL / Python over raw rows written
here, never from app.stats itself.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator

import openpyxl
import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.core import deps as core_deps
from app.districts.models import District, DistrictLevel
from app.indicators.models import Indicator
from app.values.models import MonthReport
from tests.conftest import SEED_TODAY, HeadersFor
from tests.stats_helpers import (
    HEDONG_2021,
    TIANJIN_COUNTIES,
    YUBEI_2020,
    assert_problem,
    by_code,
    matching_months_yoy,
    month_report_rows,
    put_month,
    raw_rows,
    raw_year_sums,
)

API = "/api/v1"


@pytest.fixture(autouse=True)
def seed_clock(api: FastAPI) -> Iterator[None]:
    """The statistics see the seed's "today" (2026-11-22), whatever the machine's clock says."""
    api.dependency_overrides[core_deps.today] = lambda: SEED_TODAY
    yield


def set_today(api: FastAPI, day: dt.date) -> None:
    api.dependency_overrides[core_deps.today] = lambda: day


def totals(client: TestClient, headers: dict[str, str], code: str, year: int, **params: object) -> dict[str, dict]:
    r = client.get(f"{API}/stats/totals", params={"district": code, "year": year, **params}, headers=headers)
    assert r.status_code == 200, r.text
    return by_code(r.json()["indicators"])


# ----------------------------------------------------------------------------- totals


def test_hedong_2021_totals_are_the_report_figures(client: TestClient, admin_headers: dict[str, str]) -> None:
    got = totals(client, admin_headers, "120102", 2021)
    for code, figure in HEDONG_2021.items():
        assert got[code]["total"] == figure, code
        assert got[code]["months_reported"] == 12 and got[code]["months_expected"] == 12


def test_yubei_2020_totals_are_the_report_figures(client: TestClient, admin_headers: dict[str, str]) -> None:
    got = totals(client, admin_headers, "500112", 2020)
    for code, figure in YUBEI_2020.items():
        assert got[code]["total"] == figure, code


def test_tianjin_totals_are_the_sum_of_its_districts(
    client: TestClient, admin_headers: dict[str, str], session: Session
) -> None:
    counties = client.get(
        f"{API}/districts", params={"parent": "120000", "level": "county"}, headers=admin_headers
    ).json()
    assert len(counties) == TIANJIN_COUNTIES
    city = totals(client, admin_headers, "120000", 2022)
    summed: dict[str, float] = {}
    reported: dict[str, int] = {}
    for county in counties:
        for code, row in totals(client, admin_headers, county["code"], 2022).items():
            summed[code] = summed.get(code, 0.0) + (row["total"] or 0.0)
            reported[code] = reported.get(code, 0) + row["months_reported"]
    by_sql = raw_year_sums(session, "120000", 2022)
    assert set(by_sql) == set(city)
    for code, row in city.items():
        assert row["total"] == pytest.approx(summed[code]) == pytest.approx(by_sql[code]), code
        assert row["months_reported"] == reported[code]
        assert row["months_expected"] == TIANJIN_COUNTIES * 12
    # The city level (市辖区 120100) holds the same sixteen districts.
    assert totals(client, admin_headers, "120100", 2022)["penalty.fines_yuan"]["total"] == pytest.approx(
        by_sql["penalty.fines_yuan"]
    )


def test_the_whole_country_is_district_100000(
    client: TestClient,
    admin_headers: dict[str, str],
    headers_for: HeadersFor,
    session: Session,
) -> None:
    country = totals(client, admin_headers, "100000", 2021)
    by_sql: dict[str, float] = {}
    for _d, _m, ind, v in raw_rows(session, "120000", 2021) + raw_rows(session, "500000", 2021):
        by_sql[ind] = by_sql.get(ind, 0.0) + v
    assert {c: r["total"] for c, r in country.items() if r["total"] is not None} == pytest.approx(by_sql)
    body = client.get(f"{API}/stats/totals", params={"district": "100000", "year": 2021}, headers=admin_headers).json()
    assert body["district"] == {"code": "100000", "name": "全国", "level": "country"}
    assert body["districts_counted"] > 2800
    for path, params in (
        ("/stats/yearly", {"year_from": 2020, "year_to": 2021}),
        ("/stats/monthly", {"year": 2021, "indicator": "drill.drills"}),
        ("/stats/ratios", {"year": 2021}),
    ):
        r = client.get(API + path, params={"district": "100000", **params}, headers=admin_headers)
        assert r.status_code == 200, r.text
    drills = client.get(
        f"{API}/stats/monthly",
        params={"district": "100000", "year": 2021, "indicator": "drill.drills"},
        headers=admin_headers,
    ).json()
    assert drills["total"] == pytest.approx(by_sql["drill.drills"])
    viewer = headers_for("viewer", "120100")
    assert_problem(client.get(f"{API}/stats/totals", params={"district": "100000", "year": 2021}, headers=viewer), 403)


def test_totals_count_only_ended_months_as_expected(
    client: TestClient, admin_headers: dict[str, str], session: Session
) -> None:
    # Seed today is 2026-11-22: January to October have ended.
    got = totals(client, admin_headers, "120000", 2026)
    rows = raw_rows(session, "120000", 2026)
    for code, row in got.items():
        assert row["months_expected"] == TIANJIN_COUNTIES * 10
        assert row["months_reported"] == sum(1 for _d, _m, i, _v in rows if i == code)
    half = totals(client, admin_headers, "120000", 2026, month_to=6)
    assert half["inspection.enterprises"]["months_expected"] == TIANJIN_COUNTIES * 6
    january_to_june = sum(v for _d, m, i, v in rows if i == "inspection.enterprises" and m.month <= 6)
    assert half["inspection.enterprises"]["total"] == pytest.approx(january_to_june)


def test_year_on_year_on_seeded_months_matches_a_hand_count(
    client: TestClient, admin_headers: dict[str, str], session: Session
) -> None:
    for month_to in (12, 7):
        got = totals(client, admin_headers, "120000", 2022, month_to=month_to)
        expected = matching_months_yoy(session, "120000", 2022, month_to)
        for code, row in got.items():
            e = expected[code]
            assert row["total"] == pytest.approx(e["total"])
            assert row["comparable_total"] == pytest.approx(e["cur"])
            assert row["previous_total"] == pytest.approx(e["prev"])
            assert row["months_compared"] == e["n"]
            if e["prev"]:
                assert row["change_pct"] == pytest.approx((e["cur"] - e["prev"]) * 100 / e["prev"], abs=0.01)
            else:
                assert row["change_pct"] is None
    # Some district-months are missing in the seed, so the matching set is smaller than the year.
    assert any(e["n"] < e["rep"] for e in matching_months_yoy(session, "120000", 2022).values())


def test_year_on_year_compares_matching_months_only(
    client: TestClient, admin_headers: dict[str, str], headers_for: HeadersFor
) -> None:
    staff = headers_for("staff", "120102")
    ind = "inspection.enterprises"
    # 2017: Jan 10, Feb 20, Mar 40, (Apr not reported). 2018: Jan 15, (Feb not reported), Mar 50, Apr 7.
    for month, value in (("2017-01", 10), ("2017-02", 20), ("2017-03", 40)):
        put_month(client, staff, "120102", month, {ind: value})
    for month, value in (("2018-01", 15), ("2018-03", 50), ("2018-04", 7)):
        put_month(client, staff, "120102", month, {ind: value})
    row = totals(client, admin_headers, "120102", 2018)[ind]
    assert row["total"] == 72  # everything reported in 2018
    assert row["comparable_total"] == 65  # January and March only: both years reported them
    assert row["previous_total"] == 50  # 10 + 40: February 2017 has no 2018 partner
    assert row["months_compared"] == 2 and row["months_reported"] == 3
    assert row["change_pct"] == pytest.approx(30.0)
    january = totals(client, admin_headers, "120102", 2018, month_to=1)[ind]
    assert (january["total"], january["previous_total"], january["change_pct"]) == (15, 10, 50.0)
    # The city sums the same way: only Hedong reported these months.
    assert totals(client, admin_headers, "120100", 2018)[ind]["change_pct"] == pytest.approx(30.0)


def test_change_is_null_when_the_previous_total_is_missing_or_zero(
    client: TestClient, admin_headers: dict[str, str], headers_for: HeadersFor
) -> None:
    staff = headers_for("staff", "120102")
    put_month(client, staff, "120102", "2017-05", {"penalty.cases": 0})
    put_month(client, staff, "120102", "2018-05", {"penalty.cases": 3, "penalty.suspensions": 1})
    got = totals(client, admin_headers, "120102", 2018)
    assert got["penalty.cases"]["previous_total"] == 0 and got["penalty.cases"]["change_pct"] is None
    assert got["penalty.suspensions"]["previous_total"] is None and got["penalty.suspensions"]["change_pct"] is None
    assert got["penalty.suspensions"]["total"] == 1


# ----------------------------------------------------------------------------- null versus zero


def test_not_reported_and_reported_zero_differ_in_every_endpoint(
    client: TestClient, admin_headers: dict[str, str], headers_for: HeadersFor
) -> None:
    staff = headers_for("staff", "120102")
    # March 2018 (no seed data that year): zero penalty cases reported, inspections not reported at all.
    put_month(client, staff, "120102", "2018-03", {"penalty.cases": 0, "double_random.inspections": 4})
    zero, absent = "penalty.cases", "inspection.enterprises"

    got = totals(client, admin_headers, "120102", 2018)
    assert got[zero]["total"] == 0 and got[zero]["months_reported"] == 1
    assert got[absent]["total"] is None and got[absent]["months_reported"] == 0

    for code, expect in ((zero, 0), (absent, None)):
        r = client.get(
            f"{API}/stats/monthly",
            params={"district": "120102", "year": 2018, "indicator": code},
            headers=admin_headers,
        ).json()
        assert r["months"][2]["value"] == expect and r["total"] == expect
        assert r["months"][3]["value"] is None  # April: nothing reported
        assert r["months"][2]["districts_reported"] == (1 if expect == 0 else 0)

        ranking = client.get(
            f"{API}/stats/by-district",
            params={"parent": "120100", "year": 2018, "indicator": code},
            headers=admin_headers,
        ).json()
        hedong = by_code(ranking["rows"])["120102"]
        assert hedong["total"] == expect
        assert hedong["rank"] == (1 if expect == 0 else None)
        assert by_code(ranking["rows"])["120101"]["total"] is None

    completeness = client.get(
        f"{API}/stats/completeness", params={"parent": "120100", "year": 2018}, headers=admin_headers
    ).json()
    hedong_row = by_code(completeness["rows"])["120102"]
    assert hedong_row["months"][2] == "late"  # reported (today, years after the deadline)
    assert hedong_row["months"][3] == "missing"

    values = client.get(f"{API}/values", params={"district": "120102", "year": 2018}, headers=admin_headers).json()
    assert {(v["indicator"], v["value"]) for v in values["items"]} == {(zero, 0), ("double_random.inspections", 4)}
    csv = pd.read_csv(
        io.BytesIO(
            client.get(
                f"{API}/values", params={"district": "120102", "year": 2018, "format": "csv"}, headers=admin_headers
            ).content
        )
    )
    assert dict(zip(csv["indicator"], csv["value"], strict=True)) == {zero: 0, "double_random.inspections": 4}

    ratios = by_code(
        client.get(f"{API}/stats/ratios", params={"district": "120102", "year": 2018}, headers=admin_headers).json()[
            "ratios"
        ]
    )
    # Cases reported as 0 but no fine reported: no month has both, so the ratio has no months.
    assert ratios["fine_per_case"]["value"] is None and ratios["fine_per_case"]["months_compared"] == 0


# ----------------------------------------------------------------------------- monthly series


def test_monthly_series_with_last_year(client: TestClient, admin_headers: dict[str, str], session: Session) -> None:
    r = client.get(
        f"{API}/stats/monthly",
        params={"district": "120000", "year": 2026, "indicator": "penalty.fines_yuan", "compare": "previous"},
        headers=admin_headers,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert [p["month"] for p in body["months"]] == [f"2026-{m:02d}" for m in range(1, 13)]
    for year, points in ((2026, body["months"]), (2025, body["previous"])):
        rows = [(m, v) for _d, m, i, v in raw_rows(session, "120000", year) if i == "penalty.fines_yuan"]
        for m in range(1, 13):
            values = [v for month, v in rows if month.month == m]
            assert points[m - 1]["value"] == (pytest.approx(sum(values)) if values else None)
            assert points[m - 1]["districts_reported"] == len(values)
    assert body["months"][10]["value"] is None and body["months"][10]["districts_expected"] == 0  # November 2026
    assert body["months"][9]["districts_expected"] == TIANJIN_COUNTIES
    assert body["previous_year"] == 2025 and body["previous"][11]["districts_expected"] == TIANJIN_COUNTIES
    plain = client.get(
        f"{API}/stats/monthly",
        params={"district": "120000", "year": 2026, "indicator": "penalty.fines_yuan"},
        headers=admin_headers,
    ).json()
    assert plain["previous"] is None


# ----------------------------------------------------------------------------- ranking


def test_ranking_of_a_provinces_children_and_of_all_counties(
    client: TestClient, admin_headers: dict[str, str], session: Session
) -> None:
    ind = "inspection.enterprises"
    chongqing = client.get(
        f"{API}/stats/by-district", params={"parent": "500000", "year": 2021, "indicator": ind}, headers=admin_headers
    ).json()
    rows = by_code(chongqing["rows"])
    assert set(rows) == {"500100", "500200"}  # 市辖区 and 县
    for code in rows:
        assert rows[code]["total"] == pytest.approx(raw_year_sums(session, code, 2021)[ind])
    assert sum(r["share_pct"] for r in rows.values()) == pytest.approx(100, abs=0.02)

    counties = client.get(
        f"{API}/stats/by-district", params={"level": "county", "year": 2021, "indicator": ind}, headers=admin_headers
    ).json()
    ranked = [r for r in counties["rows"] if r["rank"] is not None]
    expected: dict[str, float] = {}
    for d, _m, i, v in raw_rows(session, "120000", 2021) + raw_rows(session, "500000", 2021):
        if i == ind:
            expected[d] = expected.get(d, 0.0) + v
    assert {r["code"]: r["total"] for r in ranked} == pytest.approx(expected)
    assert [r["rank"] for r in ranked] == sorted(r["rank"] for r in ranked)
    assert ranked[0]["code"] == "500112" and ranked[0]["rank"] == 1  # Yubei is the biggest by far
    assert [r["total"] for r in ranked] == sorted((r["total"] for r in ranked), reverse=True)
    mainland_counties = session.scalars(
        select(District.code).where(
            District.level == DistrictLevel.county,
            ~District.code.like("71%"),
            ~District.code.like("81%"),
            ~District.code.like("82%"),
        )
    ).all()
    # Every county-level district of the mainland is listed, reported or not.
    assert sorted(r["code"] for r in counties["rows"]) == sorted(mainland_counties)
    assert len(counties["rows"]) and counties["total"] == pytest.approx(sum(expected.values()))
    yubei = by_code(counties["rows"])["500112"]
    assert yubei["previous_total"] == 32000 and yubei["months_expected"] == 12

    provinces = client.get(
        f"{API}/stats/by-district", params={"year": 2021, "indicator": ind}, headers=admin_headers
    ).json()
    codes = {r["code"] for r in provinces["rows"]}
    assert {"120000", "500000", "110000"} <= codes and not codes & {"710000", "810000", "820000"}
    assert by_code(provinces["rows"])["110000"]["total"] is None  # Beijing: no data, not zero
    empty_parent = client.get(
        f"{API}/stats/by-district", params={"parent": "", "year": 2021, "indicator": ind}, headers=admin_headers
    ).json()
    assert empty_parent["rows"] == provinces["rows"]


def test_several_indicators_rank_as_each_alone(session: Session) -> None:
    """``district_rankings`` (one statement for the dashboard's heat map) answers exactly what one
    ``district_ranking`` per indicator does, for provinces, a province's children and all counties."""
    from app.auth.scope import SYSTEM
    from app.stats.context import StatsContext
    from app.stats.ranking import district_ranking, district_rankings

    inds = ["inspection.enterprises", "accident.deaths", "penalty.fines_yuan", "drill.drills"]
    for parent, level in (
        (None, None),
        ("500000", None),
        ("120000", DistrictLevel.county),
        (None, DistrictLevel.county),
    ):
        ctx = StatsContext(session, SYSTEM, SEED_TODAY)
        together = district_rankings(ctx, year=2021, indicators=inds, parent=parent, level=level)
        assert list(together) == inds
        for ind in inds:
            alone = district_ranking(ctx, year=2021, indicator=ind, parent=parent, level=level)
            assert together[ind] == alone, (parent, level, ind)
            assert together[ind].indicator.code == ind


def test_yearly_totals_are_the_sums_of_each_year(
    client: TestClient, admin_headers: dict[str, str], session: Session
) -> None:
    r = client.get(
        f"{API}/stats/yearly", params={"district": "120000", "year_from": 2019, "year_to": 2022}, headers=admin_headers
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["year_from"], body["year_to"], body["districts_counted"]) == (2019, 2022, TIANJIN_COUNTIES)
    rows = by_code(body["indicators"])
    for year in range(2019, 2023):
        by_sql = raw_year_sums(session, "120000", year)
        for code, row in rows.items():
            point = next(p for p in row["years"] if p["year"] == year)
            assert point["total"] == (pytest.approx(by_sql[code]) if code in by_sql else None), (year, code)
            assert point["months_expected"] == TIANJIN_COUNTIES * 12
    # Beijing has no data: null, never zero.
    beijing = client.get(
        f"{API}/stats/yearly", params={"district": "110000", "year_from": 2020, "year_to": 2021}, headers=admin_headers
    ).json()
    assert all(p["total"] is None and p["months_reported"] == 0 for i in beijing["indicators"] for p in i["years"])
    backwards = client.get(
        f"{API}/stats/yearly", params={"district": "120000", "year_from": 2022, "year_to": 2019}, headers=admin_headers
    )
    assert_problem(backwards, 422)


# ----------------------------------------------------------------------------- completeness


def expected_status(at: dt.datetime | None, month: dt.date) -> str:
    if at is None:
        return "missing"
    nxt = dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    # The end of the 10th, Beijing time (UTC+8), is 16:00 UTC on the 10th.
    return "late" if at >= dt.datetime(nxt.year, nxt.month, 10, 16, tzinfo=dt.UTC) else "submitted"


def test_completeness_matches_the_month_reports(
    client: TestClient, admin_headers: dict[str, str], session: Session
) -> None:
    body = client.get(
        f"{API}/stats/completeness", params={"parent": "120000", "year": 2025}, headers=admin_headers
    ).json()
    reports = month_report_rows(session, "120000", 2025)
    assert len(body["rows"]) == TIANJIN_COUNTIES
    counts = {"submitted": 0, "late": 0, "missing": 0}
    for row in body["rows"]:
        for m, status in enumerate(row["months"], start=1):
            month = dt.date(2025, m, 1)
            want = expected_status(reports.get((row["code"], month)), month)
            assert status == want, (row["code"], m)
            counts[want] += 1
    assert {k: body[k] for k in counts} == counts
    assert counts["late"] > 0 and counts["missing"] > 0  # the seed has both
    assert body["expected"] == TIANJIN_COUNTIES * 12
    assert body["reporting_rate_pct"] == pytest.approx(
        (counts["submitted"] + counts["late"]) * 100 / body["expected"], abs=0.01
    )


def test_completeness_marks_constructed_late_and_missing_months(
    client: TestClient, admin_headers: dict[str, str], session: Session, api: FastAPI
) -> None:
    hedong = "120102"
    session.execute(
        delete(MonthReport).where(MonthReport.district_code == hedong, MonthReport.month == dt.date(2025, 3, 1))
    )
    cases = {
        dt.date(2025, 1, 1): dt.datetime(2025, 2, 10, 15, 59, 59, tzinfo=dt.UTC),  # 23:59:59 on the 10th, Beijing
        dt.date(2025, 2, 1): dt.datetime(2025, 3, 10, 16, 0, 0, tzinfo=dt.UTC),  # 00:00 on the 11th, Beijing
        dt.date(2025, 4, 1): dt.datetime(2025, 4, 30, 9, 0, 0, tzinfo=dt.UTC),  # before the month ended
        dt.date(2025, 5, 1): dt.datetime(2025, 7, 1, 9, 0, 0, tzinfo=dt.UTC),  # weeks late
    }
    for month, at in cases.items():
        session.execute(
            update(MonthReport)
            .where(MonthReport.district_code == hedong, MonthReport.month == month)
            .values(first_submitted_at=at)
        )
    session.flush()
    set_today(api, dt.date(2025, 6, 15))  # June has not ended: June … December are not expected
    body = client.get(
        f"{API}/stats/completeness", params={"parent": "120100", "year": 2025}, headers=admin_headers
    ).json()
    row = by_code(body["rows"])[hedong]
    assert row["months"] == ["submitted", "late", "missing", "submitted", "late"] + [None] * 7
    assert (row["submitted"], row["late"], row["missing"], row["expected"]) == (2, 2, 1, 5)
    assert row["reporting_rate_pct"] == 80.0 and row["on_time_rate_pct"] == 40.0
    assert body["expected"] == TIANJIN_COUNTIES * 5

    # On 5 June, May has ended but its report is due by the 10th: without one it is not missing
    # yet (None, not expected); a May report already sent counts as submitted.
    session.execute(
        delete(MonthReport).where(MonthReport.district_code == hedong, MonthReport.month == dt.date(2025, 5, 1))
    )
    session.flush()
    set_today(api, dt.date(2025, 6, 5))
    body = client.get(
        f"{API}/stats/completeness", params={"parent": "120100", "year": 2025}, headers=admin_headers
    ).json()
    rows = by_code(body["rows"])
    assert rows[hedong]["months"] == ["submitted", "late", "missing", "submitted", None] + [None] * 7
    assert (rows[hedong]["missing"], rows[hedong]["expected"]) == (1, 4)
    may = {r["months"][4] for r in rows.values()}
    assert "missing" not in may and may & {"submitted", "late"}  # those already sent count
    assert body["expected"] == sum(r["expected"] for r in rows.values()) < TIANJIN_COUNTIES * 5
    set_today(api, dt.date(2025, 6, 11))  # the deadline passed: now it is missing
    row = by_code(
        client.get(
            f"{API}/stats/completeness", params={"parent": "120100", "year": 2025}, headers=admin_headers
        ).json()["rows"]
    )[hedong]
    assert row["months"][4] == "missing" and row["expected"] == 5


# ----------------------------------------------------------------------------- derived ratios


def test_derived_ratios_are_computed_from_the_figures(
    client: TestClient, admin_headers: dict[str, str], session: Session
) -> None:
    body = client.get(f"{API}/stats/ratios", params={"district": "500112", "year": 2020}, headers=admin_headers).json()
    ratios = by_code(body["ratios"])
    sums = raw_year_sums(session, "500112", 2020)  # Yubei 2020 reported all twelve months
    assert ratios["fine_per_case"]["value"] == pytest.approx(17_120_000 / sums["penalty.cases"], abs=0.01)
    assert ratios["published_rate"]["value"] == pytest.approx(
        sums["double_random.published"] * 100 / sums["double_random.inspections"], abs=0.01
    )
    assert ratios["rectified_rate"]["value"] == pytest.approx(
        sums["inspection.hazards_rectified"] * 100 / 36000, abs=0.01
    )
    # Hedong 2021 published every spot check: 199 of 199.
    hedong = client.get(f"{API}/stats/ratios", params={"district": "120102", "year": 2021}, headers=admin_headers)
    assert by_code(hedong.json()["ratios"])["published_rate"]["value"] == 100.0


def test_a_ratio_skips_months_reporting_only_one_side(
    client: TestClient, admin_headers: dict[str, str], headers_for: HeadersFor
) -> None:
    staff = headers_for("staff", "120102")
    ind_found, ind_fixed = "inspection.hazards_found", "inspection.hazards_rectified"
    put_month(client, staff, "120102", "2018-01", {ind_found: 10, ind_fixed: 8})
    put_month(client, staff, "120102", "2018-02", {ind_fixed: 5})  # hazards found not reported
    put_month(client, staff, "120102", "2018-03", {ind_found: 0, ind_fixed: 0})
    body = client.get(f"{API}/stats/ratios", params={"district": "120102", "year": 2018}, headers=admin_headers)
    rate = by_code(body.json()["ratios"])["rectified_rate"]
    assert (rate["numerator"], rate["denominator"], rate["value"], rate["months_compared"]) == (8, 10, 80.0, 2)


# ----------------------------------------------------------------------------- scope


def test_a_viewer_of_one_city_cannot_read_another(
    client: TestClient, headers_for: HeadersFor, session: Session
) -> None:
    viewer = headers_for("viewer", "120100")
    assert client.get(f"{API}/stats/totals", params={"district": "120102", "year": 2021}, headers=viewer).is_success
    forbidden = [
        ("/stats/totals", {"district": "500112", "year": 2020}),
        ("/stats/totals", {"district": "500000", "year": 2020}),
        ("/stats/monthly", {"district": "500112", "year": 2020, "indicator": "accident.deaths"}),
        ("/stats/ratios", {"district": "500112", "year": 2020}),
        ("/stats/yearly", {"district": "500000", "year_from": 2019, "year_to": 2020}),
        ("/stats/by-district", {"parent": "500000", "year": 2020, "indicator": "accident.deaths"}),
        ("/stats/completeness", {"parent": "500100", "year": 2020}),
        ("/values", {"district": "500112", "year": 2020}),
        ("/values", {"district": "500112", "year": 2020, "format": "csv"}),
    ]
    for path, params in forbidden:
        body = assert_problem(client.get(API + path, params=params, headers=viewer), 403)
        assert "500" in body["detail"]
    # Lists are cut to the scope: the whole country's ranking shows Tianjin's districts only.
    ranking = client.get(
        f"{API}/stats/by-district",
        params={"level": "county", "year": 2020, "indicator": "accident.deaths"},
        headers=viewer,
    ).json()
    assert ranking["scope_limited"] and len(ranking["rows"]) == TIANJIN_COUNTIES
    assert all(r["code"].startswith("12") for r in ranking["rows"])
    everything = client.get(f"{API}/values", params={"year": 2020, "page_size": 1000}, headers=viewer).json()
    assert everything["total"] == len(raw_rows(session, "120000", 2020))
    assert all(v["district"].startswith("12") for v in everything["items"])
    # The province's list shows the caller's city; a district's own page says what is readable.
    province = client.get(
        f"{API}/stats/by-district",
        params={"parent": "120000", "year": 2020, "indicator": "accident.deaths"},
        headers=viewer,
    ).json()
    assert [r["code"] for r in province["rows"]] == ["120100"]
    detail = client.get(f"{API}/districts/500112", headers=viewer).json()
    assert detail["readable"] is False and detail["parents"][0]["code"] == "500000"


def test_a_county_viewer_sees_only_its_row_in_its_citys_lists(client: TestClient, headers_for: HeadersFor) -> None:
    viewer = headers_for("viewer", "120102")
    ranking = client.get(
        f"{API}/stats/by-district",
        params={"parent": "120100", "year": 2021, "indicator": "inspection.enterprises"},
        headers=viewer,
    ).json()
    assert [r["code"] for r in ranking["rows"]] == ["120102"] and ranking["scope_limited"]
    assert ranking["rows"][0]["total"] == 807 and ranking["rows"][0]["share_pct"] == 100.0
    completeness = client.get(
        f"{API}/stats/completeness", params={"parent": "120100", "year": 2021}, headers=viewer
    ).json()
    assert [r["code"] for r in completeness["rows"]] == ["120102"]
    assert_problem(client.get(f"{API}/stats/totals", params={"district": "120100", "year": 2021}, headers=viewer), 403)


# ----------------------------------------------------------------------------- exports


def test_csv_and_xlsx_exports_hold_the_json_numbers(client: TestClient, admin_headers: dict[str, str]) -> None:
    params = {"district": "120100", "year": 2021}
    items: list[dict] = []
    page = 1
    while True:
        body = client.get(
            f"{API}/values", params={**params, "page": page, "page_size": 1000}, headers=admin_headers
        ).json()
        items += body["items"]
        if page >= body["pages"]:
            break
        page += 1
    assert len(items) == body["total"] > 4000
    from_json = {(i["district"], i["month"], i["indicator"]): i["value"] for i in items}

    r = client.get(f"{API}/values", params={**params, "format": "csv"}, headers=admin_headers)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    frame = pd.read_csv(io.BytesIO(r.content), dtype={"district": str})
    assert list(frame.columns) == ["district", "district_name", "month", "indicator", "indicator_name", "unit", "value"]
    from_csv = {
        (d, m, i): v for d, m, i, v in zip(frame.district, frame.month, frame.indicator, frame.value, strict=True)
    }
    assert from_csv == from_json

    r = client.get(f"{API}/values", params={**params, "format": "xlsx", "lang": "zh"}, headers=admin_headers)
    assert r.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0] == ("区划代码", "区划名称", "月份", "指标代码", "指标名称", "单位", "数值")
    from_xlsx = {(d, m, i): v for d, _n, m, i, _in, _u, v in rows[1:]}
    assert from_xlsx == from_json
    assert {r[4] for r in rows[1:] if r[3] == "penalty.fines_yuan"} == {"罚款金额"}

    zh = client.get(f"{API}/values", params={**params, "format": "csv", "lang": "zh"}, headers=admin_headers)
    assert pd.read_csv(io.BytesIO(zh.content)).columns[0] == "区划代码"


def test_paging_walks_every_value_once(client: TestClient, admin_headers: dict[str, str], session: Session) -> None:
    params = {"district": "120102", "year": 2021, "page_size": 50}
    seen = []
    for page in range(1, 7):
        seen += client.get(f"{API}/values", params={**params, "page": page}, headers=admin_headers).json()["items"]
    assert len(seen) == len(raw_rows(session, "120102", 2021)) == 22 * 12
    assert len({(v["month"], v["indicator"]) for v in seen}) == len(seen)


# ----------------------------------------------------------------------------- errors


def test_unknown_district_and_indicator_are_404_with_a_suggestion(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    body = assert_problem(
        client.get(f"{API}/stats/totals", params={"district": "120199", "year": 2021}, headers=admin_headers), 404
    )
    assert any(s.startswith("1201") for s in body["suggestions"])
    body = assert_problem(
        client.get(
            f"{API}/stats/monthly",
            params={"district": "120102", "year": 2021, "indicator": "inspection.enterprise"},
            headers=admin_headers,
        ),
        404,
    )
    assert body["suggestions"][0] == "inspection.enterprises"
    assert_problem(
        client.get(
            f"{API}/stats/by-district",
            params={"year": 2021, "indicator": "nope", "parent": "120000"},
            headers=admin_headers,
        ),
        404,
    )
    assert_problem(client.get(f"{API}/districts/129999", headers=admin_headers), 404)
    assert_problem(client.get(f"{API}/values", params={"indicator": "fines"}, headers=admin_headers), 404)


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/stats/totals", {"district": "120102", "year": 1999}),
        ("/stats/totals", {"district": "120102", "year": 2027}),
        ("/stats/totals", {"district": "120102", "year": 2021, "month_to": 13}),
        ("/stats/monthly", {"district": "120102", "year": 2021, "indicator": "penalty.cases", "compare": "last"}),
        ("/stats/by-district", {"year": 3000, "indicator": "penalty.cases"}),
        ("/stats/by-district", {"year": 2021, "indicator": "penalty.cases", "level": "city"}),
        ("/stats/completeness", {"year": 1990, "parent": "120100"}),
        ("/values", {"year": 2050}),
        ("/values", {"format": "pdf"}),
    ],
)
def test_bad_parameters_are_422(
    client: TestClient, admin_headers: dict[str, str], path: str, params: dict[str, object]
) -> None:
    assert_problem(client.get(API + path, params=params, headers=admin_headers), 422)


# ----------------------------------------------------------------------------- catalogue and districts


def test_districts_list_and_detail(client: TestClient, admin_headers: dict[str, str], session: Session) -> None:
    children = client.get(f"{API}/districts", params={"parent": "120100"}, headers=admin_headers).json()
    assert len(children) == TIANJIN_COUNTIES and all(c["parent_code"] == "120100" for c in children)
    hedongs = client.get(f"{API}/districts", params={"q": "河东"}, headers=admin_headers).json()
    assert "120102" in {d["code"] for d in hedongs} and all("河东" in d["name"] for d in hedongs)
    by_prefix = client.get(f"{API}/districts", params={"q": "5001", "level": "county"}, headers=admin_headers).json()
    assert by_prefix and all(d["code"].startswith("5001") and d["level"] == "county" for d in by_prefix)
    provinces = client.get(f"{API}/districts", params={"level": "province"}, headers=admin_headers).json()
    assert len(provinces) == 34
    hubei = client.get(f"{API}/districts", params={"parent": "420000"}, headers=admin_headers).json()
    assert "429004" in {d["code"] for d in hubei}  # 仙桃: a county the province administers directly

    detail = client.get(f"{API}/districts/120102", headers=admin_headers).json()
    assert detail["name"] == "河东区" and detail["readable"] is True
    assert [p["code"] for p in detail["parents"]] == ["120000", "120100"]
    city = client.get(f"{API}/districts/120100", headers=admin_headers).json()
    db_children = session.scalars(select(District.code).where(District.parent_code == "120100")).all()
    assert sorted(c["code"] for c in city["children"]) == sorted(db_children)
    assert_problem(client.get(f"{API}/districts", params={"parent": "999999"}, headers=admin_headers), 404)
    # The district-month route beside it still answers.
    assert client.get(f"{API}/districts/120102/months/2021-06", headers=admin_headers).status_code == 200


def test_indicator_catalogue(client: TestClient, admin_headers: dict[str, str], session: Session) -> None:
    body = client.get(f"{API}/indicators", headers=admin_headers).json()
    in_db = session.scalars(select(Indicator.code).order_by(Indicator.sort_order)).all()
    assert [i["code"] for i in body] == list(in_db) and len(body) == 22
    assert by_code(body)["penalty.fines_yuan"]["unit"] == "元"


def test_every_statistics_endpoint_documents_itself(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = [
        "/api/v1/districts",
        "/api/v1/districts/{code}",
        "/api/v1/indicators",
        "/api/v1/stats/totals",
        "/api/v1/stats/monthly",
        "/api/v1/stats/by-district",
        "/api/v1/stats/completeness",
        "/api/v1/stats/ratios",
        "/api/v1/values",
    ]
    for path in paths:
        op = spec["paths"][path]["get"]
        assert " / " in op["summary"], path
        assert "$ref" in str(op["responses"]["200"]["content"]["application/json"]["schema"]), path
