"""The dashboard's side-by-side query calls (dashboard.data.gather) on PostgreSQL: each thread on a
session of its own, and the caller's session used only by the caller's thread (a Session is not
thread-safe; the load benchmark found pages failing with "This session is provisioning a new
connection" when the threads loaded the indicator catalogue through the caller's session)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event

from app.auth.scope import SYSTEM
from app.core.db import Database
from app.indicators import service as indicators
from app.stats.context import StatsContext
from dashboard.data import gather


def test_threads_never_use_the_callers_session(database: Database) -> None:
    if database.dialect != "postgresql":
        pytest.skip("on SQLite the calls run one after another on the caller's session")
    indicators._cache.clear()  # a fresh process: the first pages load the catalogue
    caller = threading.get_ident()
    used_by: set[int] = set()
    app = Flask("gather-test")
    app.config["DATABASE"] = database
    with database.session() as session, app.app_context():

        @event.listens_for(session, "do_orm_execute")
        def _record(_state: Any) -> None:
            used_by.add(threading.get_ident())

        stats = StatsContext(session, SYSTEM)
        results = gather(stats, {key: (lambda ctx: (threading.get_ident(), len(ctx.catalogue))) for key in "abcd"})
    assert used_by <= {caller}, "the caller's session was used from another thread"
    assert all(size > 20 for _thread, size in results.values())
    assert {thread for thread, _size in results.values()} - {caller}, "the calls did not run on the pool"
