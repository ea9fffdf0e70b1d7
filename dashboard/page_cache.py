"""Whole dashboard pages kept, so that a leader opening a page someone of the same scope just opened
gets it at once: under a 50-client load, drawing a page (figures, components, JSON) was half the
server's work.

A page is kept under the question (which page, its query string, the reader's role and scope, today, the
years its year picker offers) together with what it read: each cached statistics call it made and
the data version it read at (``app.stats.cache.recording``). It is served again only while every
one of those versions is unchanged (``cache.current``): a write anywhere the page looked makes the
next reader draw it afresh, whichever process the write went through. Pages read figures only
through those cached calls; districts and indicators, which the page reads directly, are counted in
every version. A page with an error or notice is never kept.

Stored beside the statistics results (same backend: in-process, or Redis shared by every process),
as the JSON Dash would send; a hit is that JSON read back, which Dash sends as it came.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

import orjson
from plotly.io.json import to_json_plotly
from sqlalchemy.orm import Session

from app.auth.scope import Principal
from app.core.metrics import cache_lookup
from app.stats import cache as stats_cache
from app.stats.cache import Dependency, QueryCache

CACHE_NAME = "dashboard_pages"


@cache
def code_digest() -> str:
    """A digest of the dashboard's code: a page kept by another release (sharing the Redis) is never
    served by this one."""
    digest = hashlib.blake2b(digest_size=6)
    for path in sorted(Path(__file__).parent.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def page_key(
    *, page: str, query: dict[str, Any], principal: Principal, today: str, years: list[int], approved_only: bool
) -> str:
    """The question a page answers. The scope, not the reader: the pages kept (Overview, Districts)
    show the same to every role of one scope, so a leader gets the page a clerk of the same area, or
    the warm-up (``dashboard.warm``), drew."""
    codes = principal.scope.codes
    question = json.dumps(
        {
            "page": page,
            "query": {str(k): str(v) for k, v in query.items()},
            "scope": "*" if codes is None else sorted(codes),
            "today": today,
            "years": years,
            "approved_only": approved_only,
        },
        sort_keys=True,
        ensure_ascii=False,
    )
    digest = hashlib.blake2b(question.encode(), digest_size=16).hexdigest()
    return f"page:{code_digest()}:{digest}"


def get(query_cache: QueryCache, session: Session, key: str) -> Any | None:
    """The kept page for ``key`` if everything it read is unchanged, else None."""
    raw = query_cache.backend.get(key)
    if raw is not None:
        try:
            entry = orjson.loads(raw)  # a page is tens of kB: several times faster than json.loads
            deps: list[Dependency] = [
                (area, tuple(years) if years is not None else None, version) for area, years, version in entry["deps"]
            ]
            page = entry["page"]
        except (orjson.JSONDecodeError, ValueError, KeyError, TypeError):
            page = None
        if page is not None and stats_cache.current(session, deps):
            cache_lookup(CACHE_NAME, True)
            return page
    cache_lookup(CACHE_NAME, False)
    return None


def put(query_cache: QueryCache, key: str, deps: list[Dependency], page: Any) -> None:
    """Keep ``page`` (a Dash component) with what it read; a page that read no figures is not kept
    (nothing would ever tell it has changed)."""
    if not deps:
        return
    body = f'{{"deps": {json.dumps(deps)}, "page": {to_json_plotly(page)}}}'
    query_cache.backend.set(key, body.encode())
