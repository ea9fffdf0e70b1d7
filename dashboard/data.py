"""How dashboard pages and callbacks reach the database: a unit of work per request.

Pages call the shared query layer (app/…) with a session from ``session_scope()``; they never
write SQL of their own. Tests swap the factory for their rolled-back session.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from typing import TypeVar

from flask import current_app, has_app_context, request
from sqlalchemy.orm import Session

from app.core import periods
from app.core.db import Database
from app.districts import boundaries
from app.stats.cache import QueryCache
from app.stats.context import StatsContext

T = TypeVar("T")


def session_scope() -> AbstractContextManager[Session]:
    factory: Callable[[], AbstractContextManager[Session]] | None = current_app.config.get("SESSION_SCOPE")
    if factory is not None:
        return factory()
    database: Database = current_app.config["DATABASE"]
    return database.session()


def query_cache() -> QueryCache | None:
    """This server's cache of statistics results (app/stats/cache.py); None outside a request (a
    benchmark calling the query adapters directly) or when switched off."""
    if not has_app_context():
        return None
    found: QueryCache | None = current_app.config.get("QUERY_CACHE")
    return found


def atlas() -> boundaries.Atlas:
    """The district boundaries for maps, kept under this server's data directory (built once)."""
    return boundaries.atlas(current_app.config["SETTINGS"].data_dir)


def today() -> dt.date:
    """Today's date, which decides the months that have ended; tests and benchmarks may fix it
    (``server.config["TODAY"]``)."""
    fixed: dt.date | None = current_app.config.get("TODAY")
    return fixed or periods.today()


def now() -> dt.datetime:
    """The moment a page is drawn, in Beijing time (what the print view shows as "generated")."""
    return periods.now_beijing()


def api_route_exists(path: str) -> bool:
    """Whether the API serving this dashboard answers GET ``path`` (e.g. the report generator, which
    another part of the system provides). Mounted in the API process, the dashboard sees the API app
    through the ASGI scope; standalone, there is no API in this process, so no."""
    scope = request.environ.get("asgi.scope") or {}
    api = scope.get("app")
    openapi = getattr(api, "openapi", None)
    if openapi is None:
        return False
    # The OpenAPI document lists every route however routers are nested (and FastAPI caches it).
    return path in openapi().get("paths", {})


# Independent query-layer calls of one page run side by side, each on its own connection, on
# PostgreSQL (a backend process per connection): a province's page makes several calls of a few
# hundred milliseconds each on the national data. Not on SQLite: there the calls share one process
# and the GIL, and a fresh connection starts with an empty page cache, so side by side was slower
# than one after another (measured in BENCHMARKS.md). Four threads for the whole process keep the
# connection pool (5 + 10 overflow) from running dry when several pages are drawn at once.
_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="dashboard-query")


def gather(stats: StatsContext, calls: Mapping[str, Callable[[StatsContext], T]]) -> dict[str, T]:
    """Run ``calls`` concurrently (each given ``stats`` on a session of its own) and return their
    results by key.

    On SQLite, and when tests have swapped the session factory for their one rolled-back session
    (a session is not shared between threads), the calls run one after another on ``stats``."""
    database: Database = current_app.config["DATABASE"]
    if current_app.config.get("SESSION_SCOPE") is not None or len(calls) < 2 or database.dialect != "postgresql":
        return {key: call(stats) for key, call in calls.items()}

    # Loaded here, on the caller's session, before the threads start: each twin shares it, and a
    # twin loading it itself would use the caller's session from several threads at once (found by
    # the load benchmark: "This session is provisioning a new connection").
    stats.catalogue  # noqa: B018

    def run(call: Callable[[StatsContext], T]) -> T:
        with database.session() as session:
            return call(stats.with_session(session))

    # Each call runs in a copy of this request's context, so that it finds the server (its cache)
    # as the page itself does; one copy per call, as a context is entered by one thread at a time.
    futures = {key: _POOL.submit(contextvars.copy_context().run, run, call) for key, call in calls.items()}
    return {key: future.result() for key, future in futures.items()}
