"""A cache of statistics results: the same question, by the same scope, on the same data, is
answered once.

Key: (the caller's scope, whether only approved months count, "today" (which decides the months
that have ended), the query and its parameters, the shape of the answer, the data version). A
result is only ever served to a caller of the same scope: two scopes never share an entry, even
where the figures would agree.

The data version is read from the database on every look-up, so a write through any process (API,
dashboard, CLI) is seen by the next read through every other, with no hook in the write paths: it
fingerprints what the question reads (``version_statement``): the month reports of its area and
years, which every write of figures touches, and the logs of changes that may alter any statistic.
A write in one district leaves the other areas' entries alone. Cost: one statement of index
look-ups and one index range, measured in BENCHMARKS.md ("Load (issue 17)").

Values are stored as the JSON of the result's pydantic type and read back through the same type,
so a hit is exactly what an uncached call returns (tests compare them) and no caller can change a
cached object in place. Backends: in this process (LRU, bounded in bytes; the default), or Redis
when REDIS_URL is set (shared by every process). A Redis outage degrades to no cache: the read is
computed, never a 500; Redis is then left alone for a few seconds, so a dead server costs one
time-out, not one per request.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import cache, lru_cache
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit, urlunsplit

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import ColumnElement, Select, Table, func, literal, select
from sqlalchemy.orm import Session

from app.backfill.models import AnnualFigureHistory
from app.core.config import Settings
from app.core.metrics import cache_error, cache_lookup
from app.districts.codes import COUNTRY_CODE, code_prefix
from app.districts.models import District
from app.indicators.models import Indicator
from app.reviews.models import ReviewEvent
from app.stats.context import StatsContext
from app.submissions.models import Submission
from app.values.models import Activity, MonthlyValue, MonthReport, ValueHistory

log = logging.getLogger(__name__)
T = TypeVar("T")

CACHE_NAME = "stats_results"
# Ids a write's transaction may hold uncommitted while a later one commits: the version counts the
# rows among each log's last WINDOW ids, so a lower id committed late changes it (max(id) alone
# would not: PostgreSQL hands out ids at insert time, not at commit). WINDOW is far above the
# writes that can be in flight at once.
WINDOW = 256
# Changes that may alter any statistic: every approval, return and unlock logs one review event
# (approved_only statistics, locks); every accepted annual figure one history row.
LOGS: tuple[Table, ...] = (ReviewEvent.__table__, AnnualFigureHistory.__table__)
MR = MonthReport.__table__


# Kept: the statement is immutable, and a kept one spares its building and, above all, SQLAlchemy's
# cache-key walk over its dozen subqueries on every cached call (memoised on the object).
@lru_cache(maxsize=4096)
def version_statement(area: str | None, years: tuple[int, int] | None, dialect: str = "postgresql") -> Select[Any]:
    """The version of the data a question about ``area`` (a district code; None: the whole country)
    in ``years`` reads: one SELECT of index look-ups and one index range.

    Figures: every write of a district-month's figures (PUT, upload, dashboard form; the seeds
    too) inserts, updates (its last submission, a new id per write) or deletes that month's row of
    month_reports, in the write's own transaction. So the rows of the area's district-months in
    ``years`` (count, sum of their last submissions: a late commit of an earlier write changes the sum
    where a max would not) change with every write the answer could see, and writes elsewhere leave
    this question's entries alone. Districts and indicators change only through the seed CLI (a few
    thousand rows: counted)."""
    columns: list[ColumnElement[Any]] = []
    for table in LOGS:
        newest = select(func.max(table.c.id)).scalar_subquery()
        columns.append(newest)
        # BETWEEN, not ">": with a lower bound alone PostgreSQL plans a sequential scan.
        window = table.c.id.between(newest - (WINDOW - 1), newest)
        columns.append(select(func.count()).select_from(table).where(window).scalar_subquery())
    columns.append(
        select(ReviewEvent.__table__.c.at).order_by(ReviewEvent.__table__.c.id.desc()).limit(1).scalar_subquery()
    )
    columns.append(select(func.count()).select_from(District.__table__).scalar_subquery())
    columns.append(select(func.count()).select_from(Indicator.__table__).scalar_subquery())
    where: list[ColumnElement[bool]] = []
    prefix = None if area is None or area == COUNTRY_CODE else code_prefix(area)
    if prefix is None:
        # The whole country: aggregating its month reports cost 0.2–1.6 s on the national data; the
        # newest ids of the write logs (any write anywhere) cost index look-ups. The submission log
        # (one row per write, in its transaction) is windowed like the others.
        sub = Submission.__table__
        newest = select(func.max(sub.c.id)).scalar_subquery()
        columns.append(newest)
        window = sub.c.id.between(newest - (WINDOW - 1), newest)
        columns.append(select(func.count()).select_from(sub).where(window).scalar_subquery())
        columns.append(select(sub.c.created_at).order_by(sub.c.id.desc()).limit(1).scalar_subquery())
        for table in (ValueHistory.__table__, MonthlyValue.__table__, MR, Activity.__table__):
            columns.append(select(func.max(table.c.id)).scalar_subquery())
        return select(*columns)
    if prefix is not None:
        # A range of six-digit codes, not LIKE: PostgreSQL uses the (district_code, month) index for a
        # range whatever the collation, for LIKE only under C.
        where.append(MR.c.district_code.between(prefix.ljust(6, "0"), prefix.ljust(6, "9")))
    if years is not None:
        # Clamped: a year out of range is the query's own 422, never an error here.
        first, last = (min(max(y, dt.MINYEAR), dt.MAXYEAR) for y in years)
        month: ColumnElement[Any] = MR.c.month
        if prefix is not None and dialect == "sqlite":
            # SQLite would take the month index and look up every district-month of the country in
            # those years (3 s on the national data); the area's range of the (district_code, month)
            # index is a few thousand entries. ``month || ''`` (dates are ISO text there) keeps the
            # month index out of the plan.
            month = MR.c.month.op("||")(literal(""))
        where.append(
            month.between(dt.date(first, 1, 1).isoformat(), dt.date(last, 12, 1).isoformat())
            if month is not MR.c.month
            else month.between(dt.date(first, 1, 1), dt.date(last, 12, 1))
        )
    months = select(
        func.count(),
        func.coalesce(func.sum(MR.c.last_submission_id), 0),
        func.max(MR.c.last_submitted_at),
        func.max(MR.c.first_submitted_at),
    ).where(*where)
    columns.extend(months.subquery().c)
    return select(*columns)


def data_version(session: Session, area: str | None = None, years: tuple[int, int] | None = None) -> str:
    """A short fingerprint of everything a statistic of ``area`` in ``years`` is computed from
    (default: the whole country, every year); changes with every write that could change it."""
    dialect = session.get_bind().dialect.name
    row = session.execute(version_statement(area, years, dialect)).one()
    return hashlib.blake2b(repr(tuple(row)).encode(), digest_size=8).hexdigest()


# A cached answer's dependency: (area, years, the data version its answer was computed at).
Dependency = tuple[str | None, tuple[int, int] | None, str]
_recording: contextvars.ContextVar[list[Dependency] | None] = contextvars.ContextVar("stats_cache_deps", default=None)


@contextmanager
def recording() -> Iterator[list[Dependency]]:
    """Collect what the cached calls made inside read, and at which data version: a whole dashboard
    page drawn from them can then be kept and served while ``current(deps)`` holds. Calls run in a
    copy of this context on other threads (``dashboard.data.gather``) share the list."""
    deps: list[Dependency] = []
    token = _recording.set(deps)
    try:
        yield deps
    finally:
        _recording.reset(token)


def current(session: Session, deps: list[Dependency]) -> bool:
    """Whether the data each dependency read is still at the version it was read at. The version is
    always read before the data (``get_or_compute``), so an answer kept under it is never older than
    its version says."""
    seen: dict[tuple[str | None, tuple[int, int] | None], str] = {}
    for area, years, version in deps:
        key = (area, years)
        if key not in seen:
            seen[key] = data_version(session, area, years)
        if seen[key] != version:
            return False
    return True


# ----------------------------------------------------------------------------- backends


class Backend(Protocol):
    name: str

    def get(self, key: str) -> bytes | None: ...

    def set(self, key: str, value: bytes) -> None: ...

    def clear(self) -> None: ...

    def claim(self, name: str, seconds: int) -> bool: ...


class MemoryBackend:
    """Least recently used entries go first once the values exceed ``max_bytes``; entries older than
    ``ttl`` seconds are not served (a safety net for changes the version cannot see, see README)."""

    name = "memory"

    def __init__(self, max_bytes: int, ttl: float) -> None:
        self.max_bytes = max_bytes
        self.ttl = ttl
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> bytes | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            if time.monotonic() - found[0] > self.ttl:
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return found[1]

    def set(self, key: str, value: bytes) -> None:
        # One answer may not push out most of the others (a national export-sized result).
        if len(value) > self.max_bytes // 8:
            return
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = (time.monotonic(), value)
            self._bytes += len(value)
            while self._bytes > self.max_bytes and self._entries:
                self._drop(next(iter(self._entries)))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def claim(self, name: str, seconds: int) -> bool:
        return True  # this process's own cache: only this process can fill it

    def _drop(self, key: str) -> None:
        _at, value = self._entries.pop(key)
        self._bytes -= len(value)


class RedisBackend:
    """Shared by every process that names the same Redis; keys expire after ``ttl`` seconds."""

    name = "redis"
    # After a failure Redis is not asked again for this long: a dead server costs one time-out.
    RETRY_SECONDS = 5.0

    def __init__(self, url: str, *, prefix: str, ttl: int, timeout: float = 0.25) -> None:
        import redis

        self._redis = redis
        self.prefix = prefix
        self.ttl = ttl
        self.client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        self._down_until = 0.0

    def _available(self) -> bool:
        return time.monotonic() >= self._down_until

    def _failed(self, exc: Exception) -> None:
        if self._available():  # one line per outage, not per request
            log.warning("Redis 不可用，暂不使用缓存 / Redis unavailable, reading without the cache: %s", exc)
        self._down_until = time.monotonic() + self.RETRY_SECONDS
        cache_error(CACHE_NAME, self.name)

    def get(self, key: str) -> bytes | None:
        if not self._available():
            return None
        try:
            value = self.client.get(self.prefix + key)
        except self._redis.RedisError as exc:
            self._failed(exc)
            return None
        return value if isinstance(value, bytes) or value is None else value.encode()

    def set(self, key: str, value: bytes) -> None:
        if not self._available():
            return
        try:
            self.client.set(self.prefix + key, value, ex=self.ttl)
        except self._redis.RedisError as exc:
            self._failed(exc)

    def claim(self, name: str, seconds: int) -> bool:
        """True for the first process to ask within ``seconds`` (work one process does for all, such as
        the warm-up); True as well when Redis cannot say, so the work is never skipped for nobody."""
        if not self._available():
            return True
        try:
            return bool(self.client.set(self.prefix + "claim:" + name, b"1", nx=True, ex=seconds))
        except self._redis.RedisError as exc:
            self._failed(exc)
            return True

    def clear(self) -> None:
        """Delete this prefix's keys (tests, and operators after restoring a backup)."""
        try:
            batch: list[bytes] = []
            for key in self.client.scan_iter(match=self.prefix + "*", count=1000):
                batch.append(key)
                if len(batch) >= 1000:
                    self.client.delete(*batch)
                    batch = []
            if batch:
                self.client.delete(*batch)
        except self._redis.RedisError as exc:
            self._failed(exc)


# ----------------------------------------------------------------------------- the cache


@cache
def _adapter(kind: Any) -> tuple[TypeAdapter[Any], str]:
    """The type's (de)serialiser and a digest of its JSON schema: an entry written by code whose
    result shape differed (an older release sharing the Redis) is never read back."""
    adapter: TypeAdapter[Any] = TypeAdapter(kind)
    schema = json.dumps(adapter.json_schema(mode="serialization"), sort_keys=True)
    return adapter, hashlib.blake2b(schema.encode(), digest_size=4).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "value"):  # enums
        return value.value
    return value


class QueryCache:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def claim(self, name: str, seconds: int) -> bool:
        return self.backend.claim(name, seconds)

    def key(self, stats: StatsContext, version: str, name: str, schema: str, params: Mapping[str, Any]) -> str:
        codes = stats.principal.scope.codes
        scope = "*" if codes is None else ",".join(sorted(codes))
        question = json.dumps(
            {
                "scope": scope,
                "approved_only": stats.approved_only,
                "today": stats.today.isoformat(),
                "params": {k: _plain(v) for k, v in sorted(params.items())},
            },
            sort_keys=True,
            ensure_ascii=False,
        )
        digest = hashlib.blake2b(question.encode(), digest_size=16).hexdigest()
        return f"{version}:{name}:{schema}:{digest}"

    def get_or_compute(
        self,
        stats: StatsContext,
        name: str,
        kind: Any,
        params: Mapping[str, Any],
        compute: Callable[[], T],
        *,
        area: str | None,
        years: tuple[int, int] | None,
    ) -> T:
        """The cached answer of ``name(params)`` for this caller's scope on the current data, or
        ``compute()``'s (kept for the next caller of the same scope). Errors are not kept.

        ``area`` and ``years``: what the answer reads (the district and everything under it, None
        for the whole country; the first and last year, None for all); the version is of those."""
        adapter, schema = _adapter(kind)
        version = data_version(stats.session, area, years)
        deps = _recording.get()
        if deps is not None:
            deps.append((area, years, version))
        key = self.key(stats, version, name, schema, params)
        raw = self.backend.get(key)
        if raw is not None:
            try:
                value: T = adapter.validate_json(raw)
            except ValidationError:
                log.warning("unreadable cache entry %s ignored", key)
            else:
                cache_lookup(CACHE_NAME, True)
                return value
        cache_lookup(CACHE_NAME, False)
        value = compute()
        self.backend.set(key, adapter.dump_json(value))
        return value


def redis_prefix(settings: Settings) -> str:
    """Keys of one database: its URL without the password (two deployments, or a test run's
    database, sharing one Redis never read each other's entries), unless REDIS_PREFIX says."""
    if settings.redis_prefix:
        return settings.redis_prefix
    parts = urlsplit(settings.database_url)
    netloc = parts.netloc.rsplit("@", 1)
    if len(netloc) == 2:
        netloc[0] = netloc[0].split(":", 1)[0]
    url = urlunsplit(parts._replace(netloc="@".join(netloc)))
    return "yingji:stats:" + hashlib.blake2b(url.encode(), digest_size=6).hexdigest() + ":"


_caches: dict[tuple[Any, ...], QueryCache] = {}
_caches_lock = threading.Lock()


def for_settings(settings: Settings) -> QueryCache | None:
    """This process's cache for ``settings`` (one per backend and database: the API and a dashboard
    mounted in it share it); None when switched off (QUERY_CACHE_MB=0; and by default in tests,
    whose rolled-back fixtures rewrite the database under it)."""
    enabled = settings.query_cache if settings.query_cache is not None else settings.environment != "test"
    if not enabled or (settings.query_cache_mb <= 0 and not settings.redis_url):
        return None
    ident = (settings.redis_url, redis_prefix(settings), settings.query_cache_mb, settings.query_cache_ttl_seconds)
    with _caches_lock:
        found = _caches.get(ident)
        if found is None:
            backend: Backend
            if settings.redis_url:
                backend = RedisBackend(
                    settings.redis_url, prefix=redis_prefix(settings), ttl=settings.query_cache_ttl_seconds
                )
            else:
                backend = MemoryBackend(settings.query_cache_mb * 1024 * 1024, settings.query_cache_ttl_seconds)
            found = _caches[ident] = QueryCache(backend)
        return found


def cached(
    cache_: QueryCache | None,
    stats: StatsContext,
    name: str,
    kind: Any,
    params: Mapping[str, Any],
    compute: Callable[[], T],
    *,
    area: str | None,
    years: tuple[int, int] | None,
) -> T:
    """``compute()`` through ``cache_`` when there is one."""
    if cache_ is None:
        return compute()
    return cache_.get_or_compute(stats, name, kind, params, compute, area=area, years=years)
