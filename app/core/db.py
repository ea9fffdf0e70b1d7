"""Engine, sessions and the declarative base shared by every model."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import DateTime, Dialect, Engine, MetaData, Table, TypeDecorator, create_engine, event, func
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

# Constraint names follow one convention so that migrations are reproducible on SQLite and
# PostgreSQL alike (SQLite cannot drop an unnamed constraint).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    if TYPE_CHECKING:
        # SQLAlchemy types it as any FromClause (a class may map a SELECT); every model here maps
        # a Table, which is what the bulk writers and Core statements need.
        __table__: ClassVar[Table]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A moment, stored and read back as an aware UTC datetime on every database.

    PostgreSQL's timestamptz answers in the session's time zone and SQLite keeps no offset at all
    (it hands back naive values); this type writes UTC and answers UTC, so API times carry their
    offset and compare alike on both databases."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.astimezone(dt.UTC) if value.tzinfo is not None else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime(), default=utcnow, server_default=func.current_timestamp()
    )


# How long a SQLite writer waits for another's lock before "database is locked" (answered 503).
BUSY_TIMEOUT_MS = 30_000


def _sqlite_pragmas(busy_timeout_ms: int) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cur = dbapi_connection.cursor()
        # WAL lets the dashboard read while an upload writes; foreign keys are off by default in SQLite.
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.close()

    return on_connect


def make_engine(url: str, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # As many connections as a process has threads that may ask at once (the API's 40, the
        # dashboard's, the query helpers'): on SQLite each writer waiting its turn for the one write
        # lock holds a connection, and with SQLAlchemy's default 15 the readers then waited for a
        # connection behind them (a 26-s stall under 50 clients). Only the first 5 stay open when idle.
        if path and path != ":memory:" and "mode=memory" not in url:  # a file: QueuePool
            kwargs.setdefault("pool_size", 5)
            kwargs.setdefault("max_overflow", 60)
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas(busy_timeout_ms))
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def commit_now(session: Session) -> None:
    """Commit in the middle of a unit of work (what must hold even if the rest fails). A session
    joined to a transaction its owner ends (the tests roll theirs back) only flushes: committing
    there would end the owner's transaction on SQLite."""
    if session.connection().in_nested_transaction():
        session.flush()
    else:
        session.commit()


class Database:
    """An engine and its session factory; one per process (API and dashboard share it)."""

    def __init__(self, url: str, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS, **engine_kwargs: Any) -> None:
        self.url = url
        self.busy_timeout_ms = busy_timeout_ms
        self.engine = make_engine(url, busy_timeout_ms=busy_timeout_ms, **engine_kwargs)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on any error."""
        with self.sessionmaker() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @cached_property
    def side_engine(self) -> Engine:
        """A second, small pool for bookkeeping a request writes beside its own transaction (a token's
        last use). A request holding a connection of the main pool must never wait for another from
        it: with every connection held by requests doing the same, each waits for the others until
        the pool's time-out (seen with 50 clients sharing one token: a 30-s stall, then 500s). Here a
        connection is given at once or not at all (0.2 s), and the bookkeeping is skipped."""
        return make_engine(
            self.url, busy_timeout_ms=self.busy_timeout_ms, pool_size=1, max_overflow=1, pool_timeout=0.2
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name
