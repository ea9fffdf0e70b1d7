"""The indicator catalogue as the code uses it, and "did you mean" for unknown codes or names."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

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


def get_all(session: Session) -> dict[str, IndicatorInfo]:
    """The catalogue in its order, keyed by code."""
    rows = session.scalars(select(Indicator).order_by(Indicator.sort_order))
    return {
        r.code: IndicatorInfo(
            r.code, r.category, r.name_zh, r.name_en, r.unit, r.unit_en, r.whole_number, r.good_direction, r.sort_order
        )
        for r in rows
    }


def suggest(catalogue: dict[str, IndicatorInfo], text: str, limit: int = 3) -> list[str]:
    """Nearest indicator codes to a code or a Chinese name."""
    by_name = {i.name_zh: i.code for i in catalogue.values()}
    codes = difflib.get_close_matches(text, list(catalogue), n=limit, cutoff=0.5)
    names = difflib.get_close_matches(text, list(by_name), n=limit, cutoff=0.3)
    out = codes + [by_name[n] for n in names if by_name[n] not in codes]
    return out[:limit]
