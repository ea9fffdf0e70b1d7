"""The one write path of monthly figures: every writer (the JSON PUT, uploads, both seeds) hands
its changes to ``apply``, which writes them, records their history and keeps the yearly summary
(``yearly_values``) exact in the same transaction. Nobody else inserts, updates or deletes
``monthly_values`` (``python -m app summary check`` is the operator's net for hand-written SQL).
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Integer,
    Table,
    bindparam,
    cast,
    delete,
    insert,
    literal,
    null,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from app.core.bulk import bulk_insert
from app.submissions.models import DataSource
from app.values import yearly
from app.values.models import VALUE_TYPE, MonthlyValue, MonthReport, ValueHistory, YearlyValue

VALUE_COLUMNS = ("district_code", "month", "indicator_code", "value", "source", "submission_id", "updated_at")
HISTORY_COLUMNS = (
    "district_code",
    "month",
    "indicator_code",
    "old_value",
    "new_value",
    "submission_id",
    "user_id",
    "changed_at",
)
# From this many new figures on SQLite, their history is copied inside the database (see ``apply``).
HISTORY_IN_DATABASE_MIN = 2_000


# One executemany; a Core UPDATE by primary key (the ORM's bulk form needs a Session, seeds write on a
# Connection).
_UPDATE_BY_ID = (
    update(MonthlyValue)
    .where(MonthlyValue.id == bindparam("row_id"))
    .values(
        value=bindparam("value"),
        source=bindparam("source"),
        submission_id=bindparam("submission_id"),
        updated_at=bindparam("updated_at"),
    )
)


@dataclass
class ValueChanges:
    """A diff of ``monthly_values`` made by one submission, to be applied in one transaction.

    Rows are kept as tuples in the column order of VALUE_COLUMNS / HISTORY_COLUMNS: a 100,000-figure
    file makes 200,000 of them, and tuples (with ``bulk_insert``) keep that cheap.
    """

    submission_id: int | None
    user_id: int | None
    now: dt.datetime
    # Seeds write the starting state, not changes anyone made: their submission row records them.
    history: bool = True
    inserts: list[tuple[Any, ...]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    deletes: list[int] = field(default_factory=list)
    changed: list[tuple[Any, ...]] = field(default_factory=list)
    touched: set[tuple[str, int]] = field(default_factory=set)

    def insert(
        self,
        code: str,
        month: dt.date,
        indicator: str,
        value: float,
        source: DataSource,
        submission_id: int | None = None,
    ) -> None:
        """A new figure; ``submission_id`` where one batch carries several (the seed's sources)."""
        sub = self.submission_id if submission_id is None else submission_id
        self.inserts.append((code, month, indicator, value, source, sub, self.now))
        self.touched.add((code, month.year))

    def update(
        self,
        id_: int,
        code: str,
        month: dt.date,
        indicator: str,
        old: float,
        new: float,
        source: DataSource,
        submission_id: int | None = None,
    ) -> None:
        sub = self.submission_id if submission_id is None else submission_id
        self.updates.append(
            {"row_id": id_, "value": new, "source": source, "submission_id": sub, "updated_at": self.now}
        )
        self.changed.append((code, month, indicator, old, new, sub, self.user_id, self.now))
        self.touched.add((code, month.year))

    def delete(self, id_: int, code: str, month: dt.date, indicator: str, old: float) -> None:
        self.deletes.append(id_)
        self.changed.append((code, month, indicator, old, None, self.submission_id, self.user_id, self.now))
        self.touched.add((code, month.year))

    def __bool__(self) -> bool:
        return bool(self.inserts or self.updates or self.deletes)


def apply(bind: Session | Connection, changes: ValueChanges) -> None:
    """Write ``changes``, their history, and the yearly summary of every district-year they touch.

    New figures go in by ``bulk_insert`` (COPY on PostgreSQL, one DBAPI executemany elsewhere);
    their history on SQLite is copied inside the database (INSERT … SELECT) for big submissions
    instead of being bound a second time.
    """
    if not changes:
        return
    conn = bind.connection() if isinstance(bind, Session) else bind
    for i in range(0, len(changes.deletes), 500):
        conn.execute(delete(MonthlyValue).where(MonthlyValue.id.in_(changes.deletes[i : i + 500])))
    bulk_insert(conn, MonthlyValue.__table__, VALUE_COLUMNS, changes.inserts)
    history = list(changes.changed) if changes.history else []
    if changes.history:
        # The history of new figures. PostgreSQL takes it by COPY like the rest. On SQLite, where
        # binding parameters is most of the cost, a big file's is copied inside the database from
        # the rows just written (before the updates below also stamp this submission on changed rows).
        if len(changes.inserts) >= HISTORY_IN_DATABASE_MIN and conn.dialect.name != "postgresql":
            _history_of_new_values(
                conn, {(r[0], r[1]) for r in changes.inserts}, changes.submission_id, changes.user_id
            )
        else:
            user, sub, now = changes.user_id, changes.submission_id, changes.now
            history = [(c, m, i, None, v, sub, user, now) for c, m, i, v, *_rest in changes.inserts] + history
    if changes.updates:
        conn.execute(_UPDATE_BY_ID, changes.updates)
    bulk_insert(conn, ValueHistory.__table__, HISTORY_COLUMNS, history)
    yearly.refresh(conn, changes.touched)


def _history_of_new_values(
    conn: Connection, keys: Collection[tuple[str, dt.date]], submission_id: int | None, user_id: int | None
) -> None:
    """value_history rows (old NULL → new) of the figures this submission just inserted, by
    INSERT … SELECT: the figures are not sent to the database a second time."""
    mv = MonthlyValue.__table__
    for codes, first, last in key_spans(keys):
        new_rows = select(
            mv.c.district_code,
            mv.c.month,
            mv.c.indicator_code,
            cast(null(), VALUE_TYPE),
            mv.c.value,
            mv.c.submission_id,
            cast(literal(user_id), Integer),
            mv.c.updated_at,
        ).where(mv.c.submission_id == submission_id, mv.c.district_code.in_(codes), mv.c.month.between(first, last))
        conn.execute(insert(ValueHistory).from_select(list(HISTORY_COLUMNS), new_rows))


# The first key of the two-key advisory locks taken by writers ("YJ"); the second is the district.
DISTRICT_LOCK_SPACE = 0x594A


def _district_lock_key(code: str) -> int:
    return int(code) if code.isdigit() and len(code) <= 9 else zlib.crc32(code.encode()) & 0x7FFFFFFF


def lock_district_months(session: Session, keys: Iterable[tuple[str, dt.date]]) -> None:
    """Serialise writers of the same district-months until this transaction ends.

    PostgreSQL locks whole districts, not district-months: a 100,000-figure upload touches
    thousands of district-months but only hundreds of districts, and every advisory lock takes a
    slot of the shared lock table (max_locks_per_transaction). Writers of other months of the same
    district wait for each other, which costs nothing at the rate districts report.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        districts_ = sorted({_district_lock_key(c) for c, _m in keys})
        # One statement; ordered, so two uploads touching the same districts lock in the same order.
        for i in range(0, len(districts_), 1000):
            session.execute(
                text(
                    "SELECT count(pg_advisory_xact_lock(:space, k)) FROM "
                    "(SELECT unnest(CAST(:keys AS integer[])) AS k ORDER BY 1) AS ks"
                ),
                {"space": DISTRICT_LOCK_SPACE, "keys": districts_[i : i + 1000]},
            )
    elif dialect == "sqlite":
        # SQLite has one writer at a time; a no-op write takes that lock now (waiting out the
        # busy timeout), before we read what we are about to replace.
        session.execute(text("UPDATE month_reports SET id = id WHERE 1 = 0"))


def existing_values(
    session: Session, keys: set[tuple[str, dt.date]]
) -> dict[tuple[str, dt.date], dict[str, tuple[int, float]]]:
    out: dict[tuple[str, dt.date], dict[str, tuple[int, float]]] = defaultdict(dict)
    # One query per 500 districts over the months' span, filtered here: a query per district-month
    # would be thousands of round trips for a big file.
    for codes, first, last in key_spans(keys):
        rows = session.execute(
            select(
                MonthlyValue.id,
                MonthlyValue.district_code,
                MonthlyValue.month,
                MonthlyValue.indicator_code,
                MonthlyValue.value,
            ).where(MonthlyValue.district_code.in_(codes), MonthlyValue.month.between(first, last))
        )
        for id_, code, month, ind, val in rows:
            if (code, month) in keys:
                out[(code, month)][ind] = (id_, float(val))
    return out


def key_spans(keys: Collection[tuple[str, dt.date]], size: int = 500) -> Iterator[tuple[list[str], dt.date, dt.date]]:
    """Chunks of district codes with the first and last month any of them is written for."""
    by_district: dict[str, list[dt.date]] = defaultdict(list)
    for code, month in keys:
        by_district[code].append(month)
    codes = sorted(by_district)
    for i in range(0, len(codes), size):
        chunk = codes[i : i + size]
        months = [m for c in chunk for m in by_district[c]]
        yield chunk, min(months), max(months)


# ----------------------------------------------------------------------------- the first load


class InitialLoad:
    """The first figures of district-years that hold none yet (the national seed into an empty
    database): the monthly rows and, made from the very same figures in the same pass, their
    yearly summary rows, both written by ``bulk_insert``. Only ``initial_load`` makes one, after
    checking that ``monthly_values`` and ``yearly_values`` are empty, so the summary of the figures
    added is the summary of the table. No value history: a load writes the starting state (its
    submission rows say where the figures came from), as the seeds always did.
    """

    def __init__(self, conn: Connection, now: dt.datetime) -> None:
        self.conn = conn
        self.now = now
        self.values: list[tuple[Any, ...]] = []
        self.summary: list[tuple[Any, ...]] = []
        self.written = 0
        # Figures per submission id, for the submission rows' counts.
        self.counts: dict[int | None, int] = defaultdict(int)

    def add_year(
        self,
        code: str,
        year: int,
        months: Mapping[int, Mapping[str, float]],
        origin: Mapping[str, tuple[DataSource, int | None]],
    ) -> None:
        """One district-year: month number → indicator → figure, for the months reported;
        ``origin``: indicator → (source, submission id). Each indicator appears once a year here:
        a second call for the same district-year would break the summary, so it is refused."""
        values = self.values
        # (source, submission id, updated at) of each indicator: a row is then one tuple concatenation.
        tails = {ind: (*origin[ind], self.now) for ind in set().union(*months.values())}
        by_indicator: dict[str, list[float | None]] = {ind: [None] * 12 for ind in tails}
        for month, figures in months.items():
            day = dt.date(year, month, 1)
            values.extend([(code, day, ind, v) + tails[ind] for ind, v in figures.items()])
            for ind, v in figures.items():
                by_indicator[ind][month - 1] = v
        for ind, row in by_indicator.items():
            reported = [v for v in row if v is not None]
            # What SUM(value) gives on NUMERIC(18,2): the exact sum, rounded to the fen.
            self.summary.append((code, year, ind, round(sum(reported), 2), len(reported), *row))
            self.counts[tails[ind][1]] += len(reported)

    def flush(self) -> None:
        """Write what was added since the last flush (in the load's transaction)."""
        bulk_insert(self.conn, MonthlyValue.__table__, VALUE_COLUMNS, self.values)
        bulk_insert(self.conn, YearlyValue.__table__, yearly.SUMMARY_COLUMNS, self.summary)
        self.written += len(self.values)
        self.values, self.summary = [], []


@contextmanager
def initial_load(engine: Engine, now: dt.datetime) -> Iterator[InitialLoad]:
    """Load the first figures of an empty database in one transaction, as fast as it goes.

    Refuses (ValueError) when ``monthly_values`` or ``yearly_values`` holds any row. Inside: the
    secondary indexes of both tables are dropped and rebuilt once at the end (a sorted build is
    several times cheaper than keeping them up to date row by row, and leaves them compact); on
    PostgreSQL the unique and foreign-key constraints too (re-adding a foreign key checks every
    row in one join); on SQLite foreign keys are checked once at the end
    (``PRAGMA foreign_key_check``), the journal is kept in memory and nothing is synced before the
    commit. Definitions are read from the database and put back as they were; everything is one
    transaction, so an error leaves the database as it was (DDL is transactional on both), and
    the connection's settings are restored whatever happens. Readers of the two tables wait until
    the load commits (PostgreSQL: the dropped constraints hold an exclusive lock): a load for an
    empty database, not for one in service. A process killed mid-load on SQLite (journal in
    memory) may leave the file damaged: delete it and load again.
    """
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        tables = [MonthlyValue.__table__, YearlyValue.__table__]
        for table in tables:
            if conn.execute(select(literal(1)).select_from(table).limit(1)).first() is not None:
                raise ValueError(f"initial_load: {table.name} is not empty")
        conn.rollback()
        if sqlite:
            _sqlite_bulk_settings(conn, bulk=True)
        try:
            with conn.begin():
                if sqlite:
                    # pysqlite opens a transaction only before a DML statement: without this, the
                    # DROP INDEX below would be committed at once and survive a failed load.
                    conn.exec_driver_sql("BEGIN")
                else:
                    conn.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
                dropped = [_drop_secondary(conn, table) for table in tables]
                load = InitialLoad(conn, now)
                yield load
                load.flush()
                for statements in dropped:
                    for statement in statements:
                        conn.exec_driver_sql(statement)
                if sqlite:
                    for table in (*tables, MonthReport.__table__):
                        bad = conn.exec_driver_sql(f"PRAGMA foreign_key_check({table.name})").first()
                        if bad is not None:
                            raise ValueError(f"initial_load: a row of {table.name} breaks a foreign key: {tuple(bad)}")
        finally:
            if sqlite:
                conn.rollback()
                _sqlite_bulk_settings(conn, bulk=False)


def _sqlite_bulk_settings(conn: Connection, *, bulk: bool) -> None:
    """SQLite settings for a one-shot load (``bulk``) or back to those of ``app.core.db``.

    Only outside a transaction: a journal mode or foreign-key setting changed inside one is ignored.
    The journal in memory, not OFF: a failed load must still roll back.
    """
    settings = (
        ("journal_mode", "MEMORY", "WAL"),
        ("synchronous", "OFF", "NORMAL"),
        ("foreign_keys", "OFF", "ON"),
        ("cache_size", "-262144", "-2000"),
        ("temp_store", "MEMORY", "DEFAULT"),
    )
    driver: Any = conn.connection.driver_connection
    for name, during, after in settings:
        driver.execute(f"PRAGMA {name}={during if bulk else after}")


def _drop_secondary(conn: Connection, table: Table) -> list[str]:
    """Drop the indexes (and on PostgreSQL the unique and foreign-key constraints) of ``table``
    other than its primary key; answer the statements that put them back as they were."""
    if conn.dialect.name == "sqlite":
        # Indexes a CREATE INDEX made (those of UNIQUE constraints have no SQL and cannot be dropped).
        rows = conn.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :t AND sql IS NOT NULL"),
            {"t": table.name},
        ).all()
        for name, _sql in rows:
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
        return [sql for _name, sql in rows]
    quoted = conn.dialect.identifier_preparer.format_table(table)
    constraints = conn.execute(
        text(
            "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = CAST(:t AS regclass) AND contype IN ('u', 'f') ORDER BY contype DESC, conname"
        ),
        {"t": quoted},
    ).all()
    indexes = conn.execute(
        text(
            "SELECT c.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid "
            "WHERE x.indrelid = CAST(:t AS regclass) AND NOT x.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid "
            "AND k.conrelid = x.indrelid) ORDER BY 1"
        ),
        {"t": quoted},
    ).all()
    prep = conn.dialect.identifier_preparer
    for name, _type, _definition in constraints:  # foreign keys ('f') first, then unique ('u')
        conn.exec_driver_sql(f"ALTER TABLE {quoted} DROP CONSTRAINT {prep.quote(name)}")
    for name, _definition in indexes:
        conn.exec_driver_sql(f"DROP INDEX {prep.quote(name)}")
    unique = [c for c in constraints if c[1] == "u"]
    foreign = [c for c in constraints if c[1] == "f"]
    return (
        [f"ALTER TABLE {quoted} ADD CONSTRAINT {prep.quote(n)} {d}" for n, _t, d in unique]
        + [definition for _name, definition in indexes]
        + [f"ALTER TABLE {quoted} ADD CONSTRAINT {prep.quote(n)} {d}" for n, _t, d in foreign]
    )
