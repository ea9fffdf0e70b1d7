"""Read the value history: who changed which figure when, newest first, inside the caller's scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.auth.scope import Principal, Scope
from app.core.paging import page_of
from app.core.periods import month_label
from app.districts import service as districts
from app.values.models import ValueHistory


def get_changes(
    session: Session,
    *,
    principal: Principal,
    district: str | None = None,
    month: dt.date | None = None,
    indicator: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """One page of value changes and how many there are in all (``district`` may be a city or a
    province: everything under it)."""
    where: list[Any] = [principal.scope.sql_filter(ValueHistory.__table__.c.district_code)]
    if district is not None:
        districts.get_or_raise(session, code=district)
        principal.require_read(district)
        # A city or province stands for every district under it (codes nest by prefix).
        where.append(Scope.of([district]).sql_filter(ValueHistory.__table__.c.district_code))
    if month is not None:
        where.append(ValueHistory.month == month)
    if indicator is not None:
        where.append(ValueHistory.indicator_code == indicator)
    rows, total = page_of(
        session,
        select(ValueHistory, User.name)
        .outerjoin(User, User.id == ValueHistory.user_id)
        .where(*where)
        .order_by(ValueHistory.changed_at.desc(), ValueHistory.id.desc()),
        limit=limit,
        offset=offset,
    )
    items = [
        {
            "id": h.id,
            "district": h.district_code,
            "month": month_label(h.month),
            "indicator": h.indicator_code,
            "old_value": h.old_value,
            "new_value": h.new_value,
            "user": name,
            "changed_at": h.changed_at,
            "submission_id": h.submission_id,
        }
        for h, name in rows
    ]
    return items, total
