"""The indicator catalogue as the code uses it (cached per process), and "did you mean" for unknown codes.

The catalogue changes only by migration (0002 loads it), so each process reads it once per
database and keeps it; ``app.core.migrate`` counts the migrations this process runs, and a new
count reads it again. Other processes run the code the migration came with, so they restart with it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import migrate
from app.core.metrics import cache_lookup
from app.core.suggest import close_matches, did_you_mean
from app.indicators.models import Indicator


@dataclass(frozen=True)
class IndicatorInfo:
    code: str
    category: str
    name_zh: str
    name_en: str
    unit: str
    unit_en: str
    whole_number: bool
    good_direction: int
    sort_order: int


_cache: dict[tuple[str, int], dict[str, IndicatorInfo]] = {}
_cache_lock = threading.Lock()


def get_all(session: Session) -> dict[str, IndicatorInfo]:
    """The catalogue in its order, keyed by code (a copy the caller may change)."""
    bind = session.get_bind()
    key = (bind.engine.url.render_as_string(hide_password=True), migrate.generation())
    found = _cache.get(key)
    cache_lookup("indicators", found is not None)
    if found is None:
        rows = session.scalars(select(Indicator).order_by(Indicator.sort_order))
        found = {
            r.code: IndicatorInfo(
                r.code,
                r.category,
                r.name_zh,
                r.name_en,
                r.unit,
                r.unit_en,
                r.whole_number,
                r.good_direction,
                r.sort_order,
            )
            for r in rows
        }
        if found:  # an empty table is a database not yet migrated: read it again next time
            with _cache_lock:
                _cache[key] = found
    return dict(found)


def suggest(catalogue: dict[str, IndicatorInfo], text: str, limit: int = 3) -> list[str]:
    """Nearest indicator codes to a code or a Chinese name."""
    by_name = {i.name_zh: i.code for i in catalogue.values()}
    codes = close_matches(text, catalogue, limit=limit, cutoff=0.5)
    names = close_matches(text, by_name, limit=limit, cutoff=0.3)
    out = codes + [by_name[n] for n in names if by_name[n] not in codes]
    return out[:limit]


def unknown_message(catalogue: dict[str, IndicatorInfo], code: str) -> tuple[str, str, list[str]]:
    """ "未知指标 …" with the nearest codes, in Chinese and English, and those codes."""
    near = suggest(catalogue, code)
    zh, en = did_you_mean(near)
    return f"未知指标 {code}{zh}", f"Unknown indicator {code}{en}", near
