"""Warm the first dashboard page after a start: draw the overview and districts pages once, as each
reader's first visit asks for them, before anyone does.

A new server's first page paid for everything at once: Plotly's figure classes loaded on first use,
the database's cold pages, and every query-layer call a miss (about 3 s measured, issue 15). Drawn
here, in a background thread, for the whole country and for each distinct scope of the active users
(leaders see their own area first), the calls' results land in the cache of statistics results
(app/stats/cache.py; with Redis, for every process), so the first real visit is answered from it.

Bounded: at most ``MAX_SCOPES`` scopes (the most common first), two pages each. A warm-up never
breaks the server: an error is logged and the first visit then pays as before.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import dash
from flask import Flask, g
from sqlalchemy import select

from app.auth.models import Role, User
from app.auth.scope import Principal, Scope
from app.auth.service import principal_of
from dashboard import data

log = logging.getLogger(__name__)
MAX_SCOPES = 12
PATHS = ("/", "/districts")
START_DELAY_SECONDS = 2.0


def reader_scopes(server: Flask, limit: int = MAX_SCOPES) -> list[Scope]:
    """The scopes the first visits will most likely ask for: the whole country, then the scopes of
    active users, the most shared first."""
    with server.app_context(), data.session_scope() as session:
        users = session.scalars(select(User).where(User.is_active.is_(True))).all()
        counts = Counter(principal_of(user).scope for user in users)
    scopes = [Scope.country()] + [s for s, _n in counts.most_common() if not s.is_country]
    return scopes[:limit]


def _layouts() -> list[tuple[str, Callable[..., Any]]]:
    by_path = {page["path"]: page["layout"] for page in dash.page_registry.values()}
    return [(path, by_path[path]) for path in PATHS if callable(by_path.get(path))]


def warm_pages(server: Flask, scopes: list[Scope] | None = None) -> int:
    """Draw the warmed pages for each of ``scopes`` (default: ``reader_scopes``); the number drawn."""
    started = time.perf_counter()
    drawn = 0
    scopes = reader_scopes(server) if scopes is None else scopes
    for scope in scopes:
        principal = Principal(None, "warm-up", Role.viewer, scope)
        for path, layout in _layouts():
            with server.test_request_context(path):
                g.principal = principal
                layout()
                drawn += 1
    log.info(
        "dashboard pages warmed: %d pages for %d scopes in %.2f s", drawn, len(scopes), time.perf_counter() - started
    )
    return drawn


def warm_in_background(server: Flask) -> threading.Thread:
    def run() -> None:
        # Let the server finish starting (and answer its readiness check) before drawing.
        time.sleep(START_DELAY_SECONDS)
        try:
            warm_pages(server)
        except Exception:  # a warm-up never breaks the server; the first visit then pays as before
            log.exception("warming the dashboard pages failed")

    thread = threading.Thread(target=run, name="warm-dashboard", daemon=True)
    thread.start()
    return thread
