"""The first load of an empty database (``store.initial_load``, what ``seed national`` uses there), on
SQLite and PostgreSQL: the same rows and the same yearly summary as the batch-by-batch path, the
indexes and constraints put back exactly, nothing left behind by a failed load, and the COPY text
form of ``bulk_insert`` storing awkward text unchanged."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Connection, delete, func, select, text
from sqlalchemy.exc import IntegrityError

from app.core.bulk import bulk_insert
from app.core.db import Database, utcnow
from app.core.migrate import upgrade
from app.models import MonthlyValue, MonthReport
from app.submissions.models import DataSource
from app.values import store, yearly
from app.values.models import Activity, ActivityKind, YearlyValue
from seed.loader import SeedStats, load_districts
from seed.national import seed_national
from tests.conftest import SEED_TODAY

CODES = ("120102", "500112", "110101")  # Hedong (report 2021), Yubei (report 2020), Dongcheng


def schema_of(conn: Connection) -> list[tuple[Any, ...]]:
    """Indexes and constraints of the tables a first load touches, as the database describes them."""
    if conn.dialect.name == "sqlite":
        return [
            tuple(r)
            for r in conn.execute(
                text(
                    "SELECT type, name, tbl_name, sql FROM sqlite_master "
                    "WHERE tbl_name IN ('monthly_values', 'yearly_values', 'month_reports') ORDER BY name"
                )
            )
        ]
    indexes = conn.execute(
        text(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE tablename IN ('monthly_values', 'yearly_values', 'month_reports') ORDER BY indexname"
        )
    ).all()
    constraints = conn.execute(
        text(
            "SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid::regclass::text IN ('monthly_values', 'yearly_values', 'month_reports') ORDER BY 2"
        )
    ).all()
    return [tuple(r) for r in indexes] + [tuple(r) for r in constraints]


def stored(database: Database) -> dict[str, Any]:
    mv, yv, mr = MonthlyValue.__table__, YearlyValue.__table__, MonthReport.__table__
    with database.engine.connect() as conn:
        return {
            "values": sorted(
                (c, m, i, float(v), s.value if hasattr(s, "value") else s)
                for c, m, i, v, s in conn.execute(
                    select(mv.c.district_code, mv.c.month, mv.c.indicator_code, mv.c.value, mv.c.source)
                )
            ),
            "summary": sorted(
                tuple(None if x is None else float(x) if not isinstance(x, str) else x for x in r)
                for r in conn.execute(select(yv))
            ),
            "months": sorted(
                (c, m, at.replace(tzinfo=None))
                for c, m, at in conn.execute(select(mr.c.district_code, mr.c.month, mr.c.first_submitted_at))
            ),
        }


def test_first_load_stores_what_the_batch_path_stores(empty_database: Database) -> None:
    upgrade(empty_database.engine)
    with empty_database.engine.connect() as conn:
        schema_before = schema_of(conn)
    first = seed_national(empty_database, years=6, today=SEED_TODAY, prefixes=CODES)  # empty: initial_load
    with empty_database.engine.connect() as conn:
        assert schema_of(conn) == schema_before
        if conn.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    with empty_database.session() as session:
        assert yearly.differences(session) == []
    fast = stored(empty_database)
    assert first.values_created == len(fast["values"]) > 0 and first.months_created == len(fast["months"])

    # Empty the data again (not the districts or submissions): the batch-by-batch path, which sees
    # a month report left behind, must write the same figures and summary.
    with empty_database.engine.begin() as conn:
        keep = conn.execute(select(MonthReport.id).order_by(MonthReport.id).limit(1)).scalar_one()
        kept = conn.execute(select(MonthReport.district_code, MonthReport.month).where(MonthReport.id == keep)).one()
        for table in (YearlyValue.__table__, MonthlyValue.__table__):
            conn.execute(delete(table))
        conn.execute(delete(MonthReport).where(MonthReport.id != keep))
    second = seed_national(empty_database, years=6, today=SEED_TODAY, prefixes=CODES)
    assert second.months_skipped == 1
    slow = stored(empty_database)
    assert slow["summary"] != [] and slow["months"] == fast["months"]
    assert slow["values"] == [v for v in fast["values"] if (v[0], v[1]) != tuple(kept)]
    with empty_database.session() as session:
        assert yearly.differences(session) == []


def test_a_failed_first_load_leaves_the_database_as_it_was(empty_database: Database) -> None:
    upgrade(empty_database.engine)
    with empty_database.session() as session:
        load_districts(session, SeedStats())
    with empty_database.engine.connect() as conn:
        schema_before = schema_of(conn)
    with pytest.raises(RuntimeError, match="stop"), store.initial_load(empty_database.engine, utcnow()) as load:
        load.add_year("120102", 2024, {1: {"drill.drills": 2.0}}, {"drill.drills": (DataSource.synthetic, None)})
        load.flush()
        raise RuntimeError("stop")
    with empty_database.engine.connect() as conn:
        assert schema_of(conn) == schema_before
        assert conn.scalar(select(func.count()).select_from(MonthlyValue.__table__)) == 0
        assert conn.scalar(select(func.count()).select_from(YearlyValue.__table__)) == 0
        if conn.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_a_first_load_needs_empty_tables(empty_database: Database) -> None:
    upgrade(empty_database.engine)
    seed_national(empty_database, years=1, today=SEED_TODAY, prefixes=("120102",))
    with pytest.raises(ValueError, match="not empty"), store.initial_load(empty_database.engine, utcnow()):
        pass


def test_a_first_load_refuses_a_figure_of_an_unknown_district(empty_database: Database) -> None:
    upgrade(empty_database.engine)
    refused = pytest.raises((ValueError, IntegrityError), match=r"(?i)foreign key")
    with refused, store.initial_load(empty_database.engine, utcnow()) as load:
        load.add_year("999999", 2024, {1: {"drill.drills": 2.0}}, {"drill.drills": (DataSource.synthetic, None)})
    with empty_database.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(MonthlyValue.__table__)) == 0


def test_bulk_insert_stores_awkward_text_unchanged(empty_database: Database) -> None:
    upgrade(empty_database.engine)
    with empty_database.session() as session:
        load_districts(session, SeedStats())
    titles = ["tab\there", "new\nline", "back\\slash \\N", "return\r", "普通标题", "\\.", ""]
    rows = [
        ("120102", dt.date(2024, 5, i + 1), ActivityKind.drill, title, i or None, None if i % 2 else f"注 {title}")
        for i, title in enumerate(titles)
    ]
    # ``source`` left out: its Python-side default (upload) is stored, as an INSERT would.
    columns = ("district_code", "date", "kind", "title", "participants", "notes")
    with empty_database.engine.begin() as conn:
        bulk_insert(conn, Activity.__table__, columns, rows)
    with empty_database.session() as session:
        got = session.execute(
            select(
                Activity.district_code,
                Activity.date,
                Activity.kind,
                Activity.title,
                Activity.participants,
                Activity.notes,
                Activity.source,
            ).order_by(Activity.date)
        ).all()
    assert [tuple(r) for r in got] == [(*r, DataSource.upload) for r in rows]
