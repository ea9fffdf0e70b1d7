"""The national generator (seed/national.py) on SQLite and PostgreSQL: the demo's figures for the
same district-months, the reports pinned, the excluded regions left out, and a second run idempotent."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from app.core.db import Database
from app.core.migrate import upgrade
from app.models import District, MonthlyValue, MonthReport
from seed.loader import desired_district, last_full_month
from seed.national import national_counties, seed_national
from tests.conftest import SEED_TODAY
from tests.stats_helpers import HEDONG_2021, raw_year_sums

CODES = ("120102", "500112")  # Hedong (report 2021) and Yubei (report 2020)


def test_national_seed_writes_the_demo_figures_and_is_idempotent(empty_database: Database) -> None:
    upgrade(empty_database.engine)
    stats = seed_national(empty_database, years=3, today=SEED_TODAY, prefixes=CODES)
    assert stats.districts == 2 and stats.first_month == dt.date(2024, 1, 1)
    last = last_full_month(SEED_TODAY)
    with empty_database.session() as session:
        names = dict(session.execute(select(District.code, District.name).where(District.code.in_(CODES))).all())
        stored = {
            (d, m, i): float(v)
            for d, m, i, v in session.execute(
                select(MonthlyValue.district_code, MonthlyValue.month, MonthlyValue.indicator_code, MonthlyValue.value)
            )
        }
        reports = {
            (d, m): at
            for d, m, at in session.execute(
                select(MonthReport.district_code, MonthReport.month, MonthReport.first_submitted_at)
            )
        }
    # What the demo seed would store for the same district-months (its own code path).
    expected = {}
    expected_reports = {}
    for code in CODES:
        months, _activities = desired_district(code, names[code], last)
        for month, want in months.items():
            if month.year >= 2024:
                expected_reports[(code, month)] = want.submitted_at
                for ind, (value, _source) in want.values.items():
                    expected[(code, month, ind)] = value
    assert stored == expected
    assert stats.values_created == len(expected) and stats.months_created == len(expected_reports)
    assert set(reports) == set(expected_reports)
    for key, at in reports.items():
        assert at.replace(tzinfo=dt.UTC) == expected_reports[key].replace(tzinfo=dt.UTC)

    again = seed_national(empty_database, years=3, today=SEED_TODAY, prefixes=CODES)
    assert again.values_created == 0 and again.months_skipped == len(expected_reports)
    with empty_database.session() as session:
        assert session.scalar(select(func.count()).select_from(MonthlyValue)) == len(expected)


def test_national_seed_pins_the_report_figures(empty_database: Database) -> None:
    upgrade(empty_database.engine)
    seed_national(empty_database, years=6, today=SEED_TODAY, prefixes=("120102",))
    with empty_database.session() as session:
        sums = raw_year_sums(session, "120102", 2021)
    for code, figure in HEDONG_2021.items():
        assert sums[code] == figure, code


def test_national_districts_leave_out_taiwan_hong_kong_and_macau(empty_database: Database) -> None:
    upgrade(empty_database.engine)
    from seed.loader import SeedStats, load_districts

    with empty_database.session() as session:
        load_districts(session, SeedStats())
        counties = national_counties(session)
    assert 2800 <= len(counties) <= 2900
    assert not [c for c, _ in counties if c[:2] in {"71", "81", "82"}]
    assert ("120102", "河东区") in counties
