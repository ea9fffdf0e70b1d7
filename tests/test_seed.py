"""The seed: real district names and codes, the two reports' figures exactly, idempotent loads."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.db import Database
from app.core.migrate import upgrade
from app.models import Activity, District, DistrictLevel, MonthlyValue, MonthReport, Submission
from app.submissions.models import DataSource
from seed.loader import last_full_month, seed_demo
from seed.spread import spread_total
from tests.conftest import SEED_TODAY
from tests.stats_helpers import HEDONG_2021, YUBEI_2020

HEDONG_DRILLS = {
    "综合防汛应急调度演练",
    "军地联合防汛演练",
    "防汛抢险演练",
    "校园地震应急疏散演练",
    "社区地震疏散应急演练",
}


def year_sums(session: Session, code: str, year: int) -> dict[str, float]:
    rows = session.execute(
        select(MonthlyValue.indicator_code, func.sum(MonthlyValue.value), func.count())
        .where(
            MonthlyValue.district_code == code,
            MonthlyValue.month >= dt.date(year, 1, 1),
            MonthlyValue.month < dt.date(year + 1, 1, 1),
        )
        .group_by(MonthlyValue.indicator_code)
    )
    return {ind: total for ind, total, _n in rows}


def test_districts_are_the_real_national_table(session: Session) -> None:
    counties = session.execute(
        select(func.count()).select_from(District).where(District.level == DistrictLevel.county)
    ).scalar_one()
    assert counties >= 2800
    hedong = session.get(District, "120102")
    yubei = session.get(District, "500112")
    assert hedong is not None and hedong.name == "河东区"
    assert yubei is not None and yubei.name == "渝北区"
    # Parent chain: county → city → province.
    city = session.get(District, hedong.parent_code)
    assert city is not None and city.level == DistrictLevel.city
    assert city.parent_code == "120000"
    tianjin = session.get(District, "120000")
    assert tianjin is not None and tianjin.name == "天津市"
    assert hedong.longitude == pytest.approx(117.25, abs=0.1) and hedong.latitude == pytest.approx(39.13, abs=0.1)
    no_centroid = session.scalar(select(func.count()).select_from(District).where(District.longitude.is_(None)))
    assert no_centroid == 0


def test_hedong_2021_sums_to_the_report(session: Session) -> None:
    sums = year_sums(session, "120102", 2021)
    for code, total in HEDONG_2021.items():
        assert sums[code] == total, code
    sources = set(
        session.scalars(
            select(MonthlyValue.source).where(
                MonthlyValue.district_code == "120102",
                MonthlyValue.indicator_code.in_(HEDONG_2021),
                MonthlyValue.month >= dt.date(2021, 1, 1),
                MonthlyValue.month < dt.date(2022, 1, 1),
            )
        )
    )
    assert sources == {DataSource.report}
    drills = set(
        session.scalars(
            select(Activity.title).where(
                Activity.district_code == "120102",
                Activity.kind == "drill",
                Activity.date >= dt.date(2021, 1, 1),
                Activity.date < dt.date(2022, 1, 1),
            )
        )
    )
    assert drills == HEDONG_DRILLS


def test_yubei_2020_sums_to_the_report(session: Session) -> None:
    sums = year_sums(session, "500112", 2020)
    for code, total in YUBEI_2020.items():
        assert sums[code] == total, code
    # The report says deaths fell by more than 30% against 2019.
    before = year_sums(session, "500112", 2019)
    assert 19 / before["accident.deaths"] < 0.7


def test_report_years_have_every_month_and_twelve_rows_per_indicator(session: Session) -> None:
    for code, year in (("120102", 2021), ("500112", 2020)):
        months = session.scalar(
            select(func.count())
            .select_from(MonthReport)
            .where(
                MonthReport.district_code == code,
                MonthReport.month >= dt.date(year, 1, 1),
                MonthReport.month < dt.date(year + 1, 1, 1),
            )
        )
        assert months == 12


def test_synthetic_demo_covers_tianjin_and_chongqing_to_last_month(session: Session) -> None:
    last = last_full_month(SEED_TODAY)
    seeded = set(session.scalars(select(MonthlyValue.district_code).distinct()))
    tianjin = set(
        session.scalars(
            select(District.code).where(District.level == DistrictLevel.county, District.code.startswith("12"))
        )
    )
    chongqing = set(
        session.scalars(
            select(District.code).where(District.level == DistrictLevel.county, District.code.startswith("50"))
        )
    )
    assert seeded == tianjin | chongqing
    assert session.scalar(select(func.max(MonthlyValue.month))) == last
    assert session.scalar(select(func.min(MonthlyValue.month))) == dt.date(2019, 1, 1)
    # Some months are missing and some late, so completeness views have something to show.
    expected = len(seeded) * ((last.year - 2019) * 12 + last.month)
    reported = session.execute(select(func.count()).select_from(MonthReport)).scalar_one()
    assert 0.9 * expected < reported < expected
    synthetic = session.scalar(select(func.count()).select_from(Submission).where(Submission.source == "synthetic"))
    assert synthetic == 1


def test_synthetic_figures_are_plausible_and_pass_cross_checks(session: Session) -> None:
    def monthly(code: str) -> dict[tuple[str, dt.date], float]:
        return {
            (d, m): v
            for d, m, v in session.execute(
                select(MonthlyValue.district_code, MonthlyValue.month, MonthlyValue.value).where(
                    MonthlyValue.indicator_code == code
                )
            )
        }

    inspections = monthly("inspection.enterprises")
    non_yubei = [v for (d, _m), v in inspections.items() if d != "500112"]
    assert 20 < sorted(non_yubei)[len(non_yubei) // 2] < 500  # tens to hundreds a month
    published, spot = monthly("double_random.published"), monthly("double_random.inspections")
    assert all(published[k] <= spot[k] for k in published)
    fines, cases = monthly("penalty.fines_yuan"), monthly("penalty.cases")
    assert all(cases[k] > 0 for k, v in fines.items() if v > 0)
    deaths, accidents = monthly("accident.deaths"), monthly("accident.count")
    assert all(accidents[k] > 0 for k, v in deaths.items() if v > 0)


COUNTED = (District, MonthlyValue, MonthReport, Activity, Submission)


def counts(database: Database) -> dict[str, int]:
    with database.session() as s:
        return {m.__tablename__: s.scalar(select(func.count()).select_from(m)) or 0 for m in COUNTED}


@pytest.mark.slow
def test_seeding_twice_changes_nothing(empty_database: Database) -> None:
    upgrade(empty_database.engine)
    seed_demo(empty_database, today=SEED_TODAY)
    first = counts(empty_database)
    with empty_database.session() as s:
        snapshot = set(
            s.execute(
                select(
                    MonthlyValue.district_code,
                    MonthlyValue.month,
                    MonthlyValue.indicator_code,
                    MonthlyValue.value,
                )
            )
        )
    again = seed_demo(empty_database, today=SEED_TODAY)
    assert not again.changed
    assert counts(empty_database) == first
    with empty_database.session() as s:
        assert (
            set(
                s.execute(
                    select(
                        MonthlyValue.district_code,
                        MonthlyValue.month,
                        MonthlyValue.indicator_code,
                        MonthlyValue.value,
                    )
                )
            )
            == snapshot
        )


@pytest.mark.parametrize(
    ("total", "weights"),
    [
        (199, [1.0] * 12),
        (17_120_000, [0.8, 0.3, 1, 1, 1.1, 1.25, 1.1, 1.05, 1.1, 1.1, 1.2, 1.2]),
        (5, [1, 0, 0, 3]),
        (0, [1, 2]),
    ],
)
def test_spread_total_adds_up_exactly(total: int, weights: list[float]) -> None:
    parts = spread_total(total, weights)
    assert sum(parts) == total
    assert all(p >= 0 for p in parts)
    assert all(p == 0 for p, w in zip(parts, weights, strict=True) if w == 0)


def test_spread_total_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        spread_total(-1, [1.0])
    with pytest.raises(ValueError):
        spread_total(3, [0.0, 0.0])
