"""Who reported: each county-level district × month submitted, late or missing, with the rates."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import case, func, literal, not_, select

from app.core.periods import DEADLINE_DAY, late_from, month_has_ended, month_label, month_start, past_deadline
from app.districts.models import DistrictLevel
from app.stats import schemas as s
from app.stats.common import MONTH_REPORTS, MR, check_year, district_ref, percent
from app.stats.context import StatsContext
from app.stats.ranking import listed_rows
from app.values.models import ReviewStatus


def completeness(ctx: StatsContext, *, year: int, parent: str | None = None) -> s.CompletenessOut:
    """Each county-level district under ``parent`` × each month of ``year``: ``submitted``, ``late``
    (first submitted after the 10th of the following month, Beijing time) or ``missing``. A month
    is expected once its deadline has passed (or once it is reported); before that, a month that
    has not ended or whose report is not due yet is ``None``, not ``missing``: nobody is counted as
    missing a report they still have time to send. Rates are over the expected months.
    """
    session, principal, today = ctx.session, ctx.principal, ctx.today
    check_year(year, today)
    parent_row, limited = ctx.listable_parent(parent)
    due = [month_start(year, m) for m in range(1, 13) if month_has_ended(year, m, today)]
    counties = listed_rows(principal, parent_row, DistrictLevel.county).subquery("counties")

    reports: dict[tuple[str, dt.date], s.ReportStatus] = {}
    per_county: dict[str, tuple[int, int]] = {}
    if due:
        late = MR.first_submitted_at >= case({m: late_from(m) for m in due}, value=MR.month)
        status = case((late, literal(s.ReportStatus.late.value)), else_=literal(s.ReportStatus.submitted.value))
        in_year = [MR.month >= due[0], MR.month <= due[-1]]
        joined = counties.join(MONTH_REPORTS, MR.district_code == counties.c.code)
        reports = {
            (code, month): s.ReportStatus(st)
            for code, month, st in session.execute(
                select(MR.district_code, MR.month, status).select_from(joined).where(*in_year)
            )
        }
        per_county = {
            code: (int(on_time), int(late_n))
            for code, on_time, late_n in session.execute(
                select(
                    MR.district_code,
                    func.count(case((not_(late), 1))),
                    func.count(case((late, 1))),
                )
                .select_from(joined)
                .where(*in_year)
                .group_by(MR.district_code)
            )
        }
    overdue = {m for m in due if past_deadline(m, today)}
    rows: list[s.CompletenessRow] = []
    for code, name in session.execute(select(counties.c.code, counties.c.name).order_by(counties.c.code)):
        on_time, late_n = per_county.get(code, (0, 0))
        cells: list[s.ReportStatus | None] = []
        for m in range(1, 13):
            month = month_start(year, m)
            sent = reports.get((code, month))
            cells.append(sent if sent is not None else s.ReportStatus.missing if month in overdue else None)
        expected_months = sum(cell is not None for cell in cells)
        rows.append(_completeness_row(code, name, cells, on_time, late_n, expected_months))
    submitted = sum(r.submitted for r in rows)
    late_total = sum(r.late for r in rows)
    expected = sum(r.expected for r in rows)
    return s.CompletenessOut(
        parent=district_ref(parent_row) if parent_row else None,
        year=year,
        months=[month_label(month_start(year, m)) for m in range(1, 13)],
        deadline_day=DEADLINE_DAY,
        scope_limited=limited,
        submitted=submitted,
        late=late_total,
        missing=expected - submitted - late_total,
        expected=expected,
        reporting_rate_pct=percent(submitted + late_total, expected),
        on_time_rate_pct=percent(submitted, expected),
        rows=rows,
    )


def _completeness_row(
    code: str, name: str, cells: list[s.ReportStatus | None], on_time: int, late: int, due: int
) -> s.CompletenessRow:
    return s.CompletenessRow(
        code=code,
        name=name,
        months=cells,
        submitted=on_time,
        late=late,
        missing=due - on_time - late,
        expected=due,
        reporting_rate_pct=percent(on_time + late, due),
        on_time_rate_pct=percent(on_time, due),
    )


def returned_months(
    ctx: StatsContext, *, parent: str | None, year: int, month_from: int, month_to: int
) -> dict[str, list[int]]:
    """The months of ``month_from`` … ``month_to`` of ``year`` that a reviewer returned (退回) and that
    stand returned now, per county-level district under ``parent`` (inside the caller's scope)."""
    check_year(year, ctx.today)
    parent_row, _limited = ctx.listable_parent(parent)
    counties = listed_rows(ctx.principal, parent_row, DistrictLevel.county).subquery("counties")
    stmt = (
        select(MR.district_code, MR.month)
        .select_from(counties.join(MONTH_REPORTS, MR.district_code == counties.c.code))
        .where(
            MR.month >= month_start(year, month_from),
            MR.month < month_start(year, month_to + 1),
            MR.status == ReviewStatus.returned,
        )
        .order_by(MR.district_code, MR.month)
    )
    out: dict[str, list[int]] = {}
    for code, month in ctx.session.execute(stmt):
        out.setdefault(code, []).append(month.month)
    return out
