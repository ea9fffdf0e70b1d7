"""Accepting annual figures read back from a published report, and reading a district-year's figures
with where each comes from.

An annual figure is a year's figure of one county-level district and indicator, stored as such (no
months are invented). The statistics count it where that district-year's months of the indicator
were not reported; where both exist, the monthly sum counts and the difference is said (数据差异).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.auth.scope import Principal
from app.backfill.models import AnnualFigure, AnnualFigureHistory
from app.core.db import utcnow
from app.core.errors import Conflict, Problem, ValidationFailed
from app.core.logging import log_event
from app.core.periods import EARLIEST_MONTH
from app.core.text import unsafe_characters
from app.districts import service as districts
from app.indicators import service as indicators
from app.values import rules, store
from app.values.models import MonthReport, ReviewStatus, YearlyValue
from app.values.shapes import MonthData

LOG = logging.getLogger("yingji.backfill")
MAX_EVIDENCE = 2000


def _check_district_year(session: Session, principal: Principal, district: str, year: int, today: dt.date) -> None:
    d = districts.get_or_raise(session, code=district)
    principal.require_write(district)
    why = districts.not_reporting_unit(session, district, d)
    if why is not None:
        code, zh, en, _ = why
        raise ValidationFailed(zh, en, errors=[Problem(code, zh, en, column="district", value=district)])
    if not EARLIEST_MONTH.year <= year < today.year:
        zh = f"年份 {year} 不可用：年度数据只能录入已结束的年份（{EARLIEST_MONTH.year}–{today.year - 1}）"
        en = f"Year {year}: annual figures are for years that have ended ({EARLIEST_MONTH.year}–{today.year - 1})"
        raise ValidationFailed(zh, en, errors=[Problem("year.not_ended", zh, en, column="year", value=year)])


def accept(
    session: Session,
    *,
    principal: Principal,
    district: str,
    year: int,
    figures: Mapping[str, Any],
    evidence: Mapping[str, Any],
    source: str | None,
    today: dt.date,
) -> dict[str, Any]:
    """Store ``figures`` as the district-year's annual figures. Every problem is listed (422); a figure
    that disagrees with approved months of that year is refused (409); the same figures again change
    nothing. Answers the counts."""
    _check_district_year(session, principal, district, year, today)
    catalogue = indicators.get_all(session)
    problems: list[Problem] = []
    clean: dict[str, float] = {}
    for ind, raw in figures.items():
        info = catalogue.get(ind)
        if info is None:
            zh, en, _near = indicators.unknown_message(catalogue, ind)
            problems.append(Problem("indicator.unknown", zh, en, column=f"figures.{ind}", value=ind))
            continue
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            problems.append(
                Problem(
                    "value.not_a_number", f"{info.name_zh}：不是数字", f"{ind}: not a number", column=f"figures.{ind}"
                )
            )
            continue
        checked = rules.check_value(MonthData(district, dt.date(year, 1, 1), {}), info, raw)
        problems += [
            Problem(p.code, p.message_zh, p.message_en, column=f"figures.{ind}", value=rules.json_safe(raw))
            for p in checked
        ]
        if not checked:
            clean[ind] = round(float(raw), 2)
    notes: dict[str, str] = {}
    for ind, text in evidence.items():
        if not isinstance(text, str) or len(text) > MAX_EVIDENCE or unsafe_characters(text, multiline=True):
            problems.append(
                Problem(
                    "evidence.invalid",
                    f"{ind} 的依据应为不超过 {MAX_EVIDENCE} 字的文字",
                    f"the evidence of {ind} must be text of at most {MAX_EVIDENCE} characters",
                    column=f"evidence.{ind}",
                )
            )
        else:
            notes[ind] = text.strip()
    if problems:
        raise ValidationFailed(
            f"年度数据有 {len(problems)} 处错误，未保存任何数据",
            f"{len(problems)} problem(s) in the annual figures; nothing was stored",
            errors=problems,
        )
    # The same lock as monthly writes: approvals and uploads of this district wait for us.
    store.lock_district_months(session, [(district, dt.date(year, 1, 1))])
    monthly = monthly_totals(session, district, year)
    approved = bool(
        session.scalar(
            select(func.count()).where(
                MonthReport.district_code == district,
                MonthReport.month >= dt.date(year, 1, 1),
                MonthReport.month < dt.date(year + 1, 1, 1),
                MonthReport.status == ReviewStatus.approved,
            )
        )
    )
    disagree = [ind for ind, value in clean.items() if approved and ind in monthly and monthly[ind][0] != value]
    if disagree:
        raise Conflict(
            f"{year}年已有审核通过的月度数据，与年度数据不一致：{'、'.join(disagree)}（未保存任何数据）",
            f"{year} has approved months whose sums differ from the annual figures of {', '.join(disagree)} "
            "(nothing was stored)",
            errors=[
                Problem(
                    "annual.differs_from_approved_months",
                    f"{catalogue[ind].name_zh}：年度 {clean[ind]:g}，审核通过的月度合计 {monthly[ind][0]:g}",
                    f"{ind}: annual {clean[ind]:g}, approved monthly total {monthly[ind][0]:g}",
                    column=f"figures.{ind}",
                    value=clean[ind],
                )
                for ind in disagree
            ],
        )
    stored = {
        f.indicator_code: f
        for f in session.scalars(
            select(AnnualFigure).where(AnnualFigure.district_code == district, AnnualFigure.year == year)
        )
    }
    now = utcnow()
    created = updated = unchanged = 0
    for ind, value in clean.items():
        row = stored.get(ind)
        note = notes.get(ind)
        if row is None:
            session.add(
                AnnualFigure(
                    district_code=district,
                    year=year,
                    indicator_code=ind,
                    value=value,
                    evidence=note,
                    source=source,
                    accepted_by_id=principal.user_id,
                    accepted_at=now,
                )
            )
            created += 1
        elif float(row.value) == value and (note is None or row.evidence == note):
            unchanged += 1
            continue
        else:
            old = float(row.value)
            row.value, row.accepted_by_id, row.accepted_at = value, principal.user_id, now
            if note is not None:
                row.evidence = note
            if source is not None:
                row.source = source
            updated += 1
            session.add(_history(district, year, ind, old, value, note, principal, now))
            continue
        session.add(_history(district, year, ind, None, value, note, principal, now))
    session.flush()
    log_event(
        LOG, "backfill_accept", user=principal.name, district=district, year=year, created=created, updated=updated
    )
    return {"district": district, "year": year, "created": created, "updated": updated, "unchanged": unchanged}


def _history(
    district: str, year: int, ind: str, old: float | None, new: float, note: str | None, who: Principal, at: dt.datetime
) -> AnnualFigureHistory:
    return AnnualFigureHistory(
        district_code=district,
        year=year,
        indicator_code=ind,
        old_value=old,
        new_value=new,
        evidence=note,
        user_id=who.user_id,
        changed_at=at,
    )


def monthly_totals(session: Session, district: str, year: int) -> dict[str, tuple[float, int]]:
    """indicator → (the year's monthly sum, months reported) of one district, from the summary."""
    rows = session.execute(
        select(YearlyValue.indicator_code, YearlyValue.total, YearlyValue.months_reported).where(
            YearlyValue.district_code == district, YearlyValue.year == year
        )
    )
    return {ind: (float(total), int(n)) for ind, total, n in rows if total is not None and n}


def district_year(session: Session, *, principal: Principal, district: str, year: int) -> dict[str, Any]:
    """A district-year's figures per indicator: the annual figure (with its sentence and who accepted
    it), the monthly sum, which of them the statistics count, and whether they differ."""
    d = districts.get_or_raise(session, code=district)
    principal.require_read(district)
    catalogue = indicators.get_all(session)
    monthly = monthly_totals(session, district, year)
    annual = {
        f.indicator_code: (f, name)
        for f, name in session.execute(
            select(AnnualFigure, User.name)
            .outerjoin(User, User.id == AnnualFigure.accepted_by_id)
            .where(AnnualFigure.district_code == district, AnnualFigure.year == year)
        )
    }
    rows = []
    for info in catalogue.values():
        figure, who = annual.get(info.code, (None, None))
        month_total, months = monthly.get(info.code, (None, 0))
        counted = "monthly" if month_total is not None else "annual" if figure is not None else None
        rows.append(
            {
                "indicator": info.code,
                "name_zh": info.name_zh,
                "name_en": info.name_en,
                "unit": info.unit,
                "annual": float(figure.value) if figure is not None else None,
                "evidence": figure.evidence if figure is not None else None,
                "source": figure.source if figure is not None else None,
                "accepted_by": who,
                "accepted_at": figure.accepted_at if figure is not None else None,
                "monthly_total": month_total,
                "months_reported": months,
                "counted": counted,
                "differs": figure is not None and month_total is not None and float(figure.value) != month_total,
            }
        )
    return {"district": {"code": d.code, "name": d.name, "level": d.level}, "year": year, "figures": rows}
