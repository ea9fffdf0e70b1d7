"""One district-month as the JSON PUT takes it: figures, activities and when it was submitted."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.scope import Principal
from app.core.periods import month_end, month_label
from app.districts import service as districts
from app.indicators import service as indicators
from app.values.models import Activity, MonthlyValue, MonthReport


def get_month(session: Session, *, principal: Principal, district_code: str, month: dt.date) -> dict[str, Any]:
    """One district-month as the PUT body's shape, plus when it was submitted."""
    districts.get_or_raise(session, code=district_code)
    principal.require_read(district_code)
    values = {
        ind: val
        for ind, val in session.execute(
            select(MonthlyValue.indicator_code, MonthlyValue.value).where(
                MonthlyValue.district_code == district_code, MonthlyValue.month == month
            )
        )
    }
    acts = session.scalars(
        select(Activity)
        .where(Activity.district_code == district_code, Activity.date.between(month, month_end(month)))
        .order_by(Activity.date, Activity.id)
    ).all()
    report = session.scalar(
        select(MonthReport).where(MonthReport.district_code == district_code, MonthReport.month == month)
    )
    catalogue = indicators.get_all(session)
    ordered = dict(sorted(values.items(), key=lambda kv: catalogue[kv[0]].sort_order if kv[0] in catalogue else 999))
    return {
        "district": district_code,
        "month": month_label(month),
        "values": ordered,
        "activities": [
            {"kind": a.kind, "date": a.date, "title": a.title, "participants": a.participants, "notes": a.notes}
            for a in acts
        ],
        "first_submitted_at": report.first_submitted_at if report else None,
        "last_submitted_at": report.last_submitted_at if report else None,
    }


def get_year(
    session: Session, *, principal: Principal, district_code: str, year: int
) -> tuple[list[tuple[str, dt.date, float]], list[dict[str, Any]]]:
    """A district's figures of ``year`` as (indicator, month, value), and its activities of the year
    (oldest first): what a prefilled template holds."""
    principal.require_read(district_code)
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    rows = session.execute(
        select(MonthlyValue.indicator_code, MonthlyValue.month, MonthlyValue.value).where(
            MonthlyValue.district_code == district_code, MonthlyValue.month.between(first, last)
        )
    ).all()
    activities = [
        {"date": a.date, "kind": a.kind.value, "title": a.title, "participants": a.participants, "notes": a.notes}
        for a in session.scalars(
            select(Activity)
            .where(Activity.district_code == district_code, Activity.date.between(first, last))
            .order_by(Activity.date, Activity.id)
        )
    ]
    return [(i, m, float(v)) for i, m, v in rows], activities
