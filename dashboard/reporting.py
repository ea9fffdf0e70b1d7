"""Adapters of the reporting and review pages over the app's own services: a district-month's form
(its figures beside last month's and last year's), saving it through the one writer
(``app.values.write``) with the month's version, uploads through ``app.uploads.service``, review
transitions, reminders and the logs. No SQL here; each write runs in a savepoint so that a refusal
leaves nothing behind (except what the service itself keeps on record, as the API does).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from app.audit import service as audit
from app.auth.scope import Principal
from app.core import periods
from app.core.config import Settings
from app.core.errors import AppError, Problem
from app.indicators import service as indicators
from app.indicators.service import IndicatorInfo
from app.reviews import service as reviews
from app.reviews.models import ReviewAction
from app.reviews.schemas import ApproveAllResult, ReminderOut, ReviewList, ReviewRow, Transition
from app.stats.context import StatsContext
from app.submissions.models import SourceFormat
from app.uploads import log as upload_log
from app.uploads import service as uploads
from app.uploads.schemas import SubmissionRead
from app.values import read, write
from app.values.body import month_from_body
from app.values.shapes import MonthData
from app.values.versions import current_versions
from app.values.warnings import warnings_for

T = TypeVar("T")
MONTHS_OFFERED = 36


def parse_month(text: object, today: dt.date) -> dt.date:
    """``2026-10`` → 2026-10-01; anything else (or a month not yet ended) → the last ended month."""
    last = periods.last_ended_month(today)
    try:
        month = periods.parse_month_path(str(text or ""))
    except AppError:
        return last
    return month if month <= last else last


def month_choices(today: dt.date, count: int = MONTHS_OFFERED) -> list[dt.date]:
    """The ended months a form or a review offers, newest first."""
    last = periods.last_ended_month(today)
    return [periods.months_before(last, i) for i in range(count)]


def months_back(month: dt.date, count: int) -> list[dt.date]:
    """``count`` months up to ``month``, oldest first."""
    return [periods.months_before(month, i) for i in reversed(range(count))]


def year_ago(month: dt.date) -> dt.date:
    return month.replace(year=month.year - 1)


# ----------------------------------------------------------------------------- a district-month


@dataclass
class FormRow:
    code: str
    info: IndicatorInfo
    value: float | None
    last_month: float | None
    last_year: float | None


@dataclass
class MonthForm:
    district: str
    month: dt.date
    rows: list[FormRow]
    version: str
    review: ReviewRow


def _values_of(session: Session, principal: Principal, code: str, month: dt.date) -> dict[str, float]:
    if month < dt.date(2000, 1, 1):
        return {}
    found = read.get_month(session, principal=principal, district_code=code, month=month)
    return {ind: float(v) for ind, v in found["values"].items()}


def review_row(ctx: StatsContext, code: str, month: dt.date) -> ReviewRow:
    """The review status of one district-month (a county is its own parent in the review list)."""
    listing = reviews.list_reviews(ctx, parent=code, month=month, status=None)
    return listing.rows[0]


def month_form(ctx: StatsContext, *, code: str, month: dt.date) -> MonthForm:
    """Every indicator of the catalogue with this month's figure, last month's and last year's
    (None: not reported), the month's version (for If-Match) and its review status."""
    session, principal = ctx.session, ctx.principal
    this = _values_of(session, principal, code, month)
    previous = _values_of(session, principal, code, periods.months_before(month, 1))
    last_year = _values_of(session, principal, code, year_ago(month))
    catalogue = indicators.get_all(session)
    rows = [
        FormRow(ind, info, this.get(ind), previous.get(ind), last_year.get(ind))
        for ind, info in sorted(catalogue.items(), key=lambda kv: kv[1].sort_order)
    ]
    version = current_versions(session, [(code, month)])[(code, month)]
    return MonthForm(code, month, rows, version, review_row(ctx, code, month))


def in_savepoint(session: Session, work: Callable[[], T]) -> T:
    """Run ``work`` in a savepoint: kept when it succeeds, or when the error asks for its record to
    be kept (a rejected attempt logged, as the API commits it); otherwise rolled back."""
    nested = session.begin_nested()
    try:
        result = work()
    except AppError as err:
        if err.commit:
            nested.commit()
        else:
            nested.rollback()
        raise
    except Exception:
        nested.rollback()
        raise
    nested.commit()
    return result


@dataclass
class SaveResult:
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    version: str | None = None


def save_month(
    session: Session,
    *,
    principal: Principal,
    code: str,
    month: dt.date,
    texts: Mapping[str, str | None],
    version: str,
    today: dt.date,
) -> SaveResult:
    """The form saved as the JSON PUT saves a body: the month becomes exactly the form (a blank is
    not reported), the same rules and warnings, and If-Match ``version`` (412 when it changed).
    Raises the writer's AppErrors (412, 409 month.locked, 403)."""
    catalogue = indicators.get_all(session)
    data, problems = month_from_body(dict(texts), None, district=code, month=month, catalogue=catalogue, replace=True)

    def work() -> SaveResult:
        outcome = write.write_months(
            session,
            principal=principal,
            months=[data],
            source_format=SourceFormat.json,
            extra_errors=problems,
            incomplete={(code, month)} if problems else (),
            versions=True,
            if_match=f'"{version}"',
            today=today,
        )
        if outcome.errors:
            return SaveResult(errors=outcome.errors)
        counts = outcome.months[0]
        return SaveResult(
            counts={
                "created": counts.created,
                "updated": counts.updated,
                "removed": counts.removed,
                "unchanged": counts.unchanged,
            },
            warnings=outcome.warnings,
            version=outcome.versions_after.get((code, month)),
        )

    return in_savepoint(session, work)


def review_warnings(session: Session, *, code: str, month: dt.date, values: Mapping[str, float]) -> list[Problem]:
    """The warnings the writer would give these figures (rectified beyond found this year, a
    figure far above the district's usual level), for the reviewer."""
    if not values:
        return []
    catalogue = indicators.get_all(session)
    data = MonthData(district_code=code, month=month, values=dict(values))
    return [w for w in warnings_for(session, [data], {}, catalogue) if w.code != "month.replaces_earlier"]


# ----------------------------------------------------------------------------- uploads


def upload(
    session: Session,
    *,
    principal: Principal,
    content: bytes,
    file_name: str | None,
    dry_run: bool,
    today: dt.date,
    base_versions: Mapping[tuple[str, dt.date], str] | None = None,
) -> dict[str, Any]:
    """An upload as the API makes it: the answer's body (a dry run lists changes and versions).
    Raises the service's AppErrors (422 with every problem located by sheet, row and cell; 409)."""
    return in_savepoint(
        session,
        lambda: (
            uploads.upload_file(
                session,
                principal=principal,
                content=content,
                file_name=file_name,
                dry_run=dry_run,
                today=today,
                base_versions=base_versions,
            ).body
        ),
    )


def base_versions_of(body: Mapping[str, Any]) -> dict[str, str]:
    """A dry run's versions as the confirming upload sends them back ("120102/2026-10" → version)."""
    return {f"{m['district']}/{m['month']}": m["version"] for m in body.get("district_months", []) if m.get("version")}


def submissions(session: Session, *, principal: Principal, limit: int = 20) -> list[SubmissionRead]:
    items, _total = upload_log.get_all(session, principal=principal, limit=limit, offset=0)
    return items


def value_history(
    session: Session, *, principal: Principal, code: str, month: dt.date, indicator: str
) -> list[dict[str, Any]]:
    items, _total = audit.get_changes(
        session, principal=principal, district=code, month=month, indicator=indicator, limit=50
    )
    return items


# ----------------------------------------------------------------------------- review


def review_months(ctx: StatsContext, *, parent: str, months: list[dt.date]) -> dict[dt.date, ReviewList]:
    return {month: reviews.list_reviews(ctx, parent=parent, month=month, status=None) for month in months}


def transition(
    session: Session, *, principal: Principal, code: str, month: dt.date, action: ReviewAction, reason: str | None
) -> Transition:
    return in_savepoint(
        session,
        lambda: reviews.transition(session, principal=principal, code=code, month=month, action=action, reason=reason),
    )


def approve_all(ctx: StatsContext, *, parent: str, month: dt.date) -> ApproveAllResult:
    return in_savepoint(ctx.session, lambda: reviews.approve_all(ctx, parent=parent, month=month))


def remind(ctx: StatsContext, *, parent: str, month: dt.date, settings: Settings) -> list[ReminderOut]:
    return in_savepoint(ctx.session, lambda: reviews.remind(ctx, parent=parent, month=month, settings=settings))


def open_reminders(session: Session, *, principal: Principal) -> list[ReminderOut]:
    return reviews.open_reminders(session, principal=principal)
