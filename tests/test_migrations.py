"""The migrated schema is the models' schema, on SQLite and PostgreSQL, and migrations reverse."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text

from app.core.db import Database
from app.core.migrate import current_revision, downgrade, head_revision, upgrade
from app.indicators.models import Indicator
from app.models import Base
from tests.conftest import FreshDatabases

DOMAIN_CODES = {
    "double_random.inspections",
    "double_random.published",
    "double_random.joint_inspections",
    "inspection.enterprises",
    "inspection.hazards_found",
    "inspection.hazards_rectified",
    "case_review.meetings",
    "case_review.cases",
    "penalty.cases",
    "penalty.fines_yuan",
    "penalty.suspensions",
    "penalty.detentions",
    "drill.drills",
    "drill.participants",
    "training.sessions",
    "training.trainees",
    "training.exams",
    "training.examinees",
    "publicity.events",
    "publicity.audience",
    "accident.count",
    "accident.deaths",
}


def schema_diff(database: Database) -> list[object]:
    with database.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(ctx, Base.metadata))


def test_migrated_schema_matches_models(empty_database: Database) -> None:
    upgrade(empty_database.engine)
    assert current_revision(empty_database.engine) == head_revision(empty_database.engine)
    assert schema_diff(empty_database) == []


def test_downgrade_to_base_then_upgrade_again(empty_database: Database) -> None:
    upgrade(empty_database.engine)
    downgrade(empty_database.engine, "base")
    tables = set(inspect(empty_database.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
    upgrade(empty_database.engine)
    assert schema_diff(empty_database) == []
    with empty_database.session() as s:
        assert len(s.scalars(select(Indicator.code)).all()) == 22


def test_catalogue_rows_are_the_domain_catalogue(empty_database: Database) -> None:
    upgrade(empty_database.engine)
    with empty_database.session() as s:
        rows = {i.code: i for i in s.scalars(select(Indicator))}
    assert set(rows) == DOMAIN_CODES
    assert rows["penalty.fines_yuan"].whole_number is False
    assert rows["penalty.fines_yuan"].unit == "元"
    assert rows["inspection.enterprises"].name_zh == "执法检查"
    assert rows["inspection.enterprises"].unit == "家次"
    assert all(r.whole_number for c, r in rows.items() if c != "penalty.fines_yuan")


def test_unique_district_month_indicator_is_enforced_by_the_database(empty_database: Database) -> None:
    import pytest
    from sqlalchemy.exc import IntegrityError

    upgrade(empty_database.engine)
    with empty_database.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO districts (code, name, level, centroid_approx) "
                "VALUES ('120000', '天津市', 'province', false)"
            )
        )
    insert = text(
        "INSERT INTO monthly_values (district_code, month, indicator_code, value, source, updated_at) "
        "VALUES ('120000', '2021-01-01', 'drill.drills', 1, 'upload', CURRENT_TIMESTAMP)"
    )
    with empty_database.engine.begin() as conn:
        conn.execute(insert)
    with pytest.raises(IntegrityError), empty_database.engine.begin() as conn:
        conn.execute(insert)


def test_sqlite_runs_in_wal_mode_with_foreign_keys(fresh_databases: FreshDatabases) -> None:
    database = Database(fresh_databases.url("sqlite"))
    with database.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
